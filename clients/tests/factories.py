"""Factories for clients: built through the service, so codes come from the real sequence."""

from __future__ import annotations

import factory

from clients.models import Client, Contact
from clients.services import client_create


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n} (Pty) Ltd")
    email = factory.Sequence(lambda n: f"orders{n}@client.example")
    phone = factory.Sequence(lambda n: f"031 555 {n:04d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return client_create(by=None, **kwargs)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@client.example")
