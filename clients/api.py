"""/api/v1/clients/ and /api/v1/contacts/: writes go through clients.services."""

from __future__ import annotations

from rest_framework import serializers, viewsets

from laseros.api.routers import router

from . import services
from .filters import ClientFilter, ContactFilter
from .models import Client, Contact
from .selectors import client_list


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "client", "name", "role", "email", "phone", "is_primary", "notes"]


class ClientSerializer(serializers.ModelSerializer):
    project_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "code",
            "name",
            "contact_person",
            "email",
            "phone",
            "address",
            "vat_number",
            "payment_terms",
            "notes",
            "is_active",
            "project_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["code", "created_at", "updated_at"]


class ClientViewSet(viewsets.ModelViewSet):
    """Clients; the code is generated on create and never changes."""

    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    search_fields = ["code", "name", "email", "phone"]
    ordering_fields = ["code", "name", "created_at", "project_count"]
    ordering = ["code"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return client_list()

    def perform_create(self, serializer):
        client = services.client_create(by=self.request.user, **serializer.validated_data)
        client.project_count = 0
        serializer.instance = client

    def perform_update(self, serializer):
        client = services.client_update(
            client=serializer.instance, by=self.request.user, **serializer.validated_data
        )
        client.project_count = serializer.instance.project_count
        serializer.instance = client


class ContactViewSet(viewsets.ModelViewSet):
    """People at clients."""

    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["name", "email", "phone", "client__code", "client__name"]
    ordering_fields = ["name", "client"]

    def get_queryset(self):
        return Contact.objects.select_related("client").order_by("client__code", "name")

    def perform_create(self, serializer):
        serializer.instance = services.contact_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("client", None)
        serializer.instance = services.contact_update(
            contact=serializer.instance, by=self.request.user, **data
        )

    def perform_destroy(self, instance):
        services.contact_delete(contact=instance, by=self.request.user)


router.register("clients", ClientViewSet, basename="client")
router.register("contacts", ContactViewSet, basename="contact")
