"""Signals the clients app sends to the apps above it (ARCHITECTURE.md: upward by signal).

client_created
    Sent once for every new client, after the transaction that made it commits (never for a
    client rolled back), through laseros.events.send_after_commit: a failing receiver is logged
    with its traceback and does not stop the others or undo the client.

    sender     Client (the class)
    client     the Client as saved (its code already given)
    imported   True when the client came with its own code (an import of the shop's existing
               clients, who know the shop already), False for a client new to the shop
    by         the user who made it, or None when the system did

    comms listens and welcomes a client new to the shop (the Welcome message), once.
"""

from __future__ import annotations

from django.dispatch import Signal

client_created = Signal()
