"""Reads of clients that more than one caller uses (admin, API, pickers)."""

from __future__ import annotations

from .models import Client, ClientQuerySet


def client_list() -> ClientQuerySet:
    """Clients as lists show them: with their project count, in one query."""
    return Client.objects.for_list()
