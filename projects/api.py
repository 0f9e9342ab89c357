"""/api/v1/projects/, /project-documents/, /products/, /project-lines/.

Writes go through projects.services. A job's status is read-only here: it moves only through
`POST /api/v1/projects/{id}/transition/` {"status", "reason", "override"}, which answers 200
with the job, or 400 with {"gate": ..., "detail": ...} naming the rule that refused it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse

from laseros.api.lists import QuickFilterBackend, RowPlanMixin
from laseros.api.renderers import BinaryRenderer
from laseros.api.routers import router
from laseros.files import may_read, stored_file_response
from laseros.money import MoneyFieldsMixin, MoneyOrderingMixin

from . import services, workflow
from .filters import ProductFilter, ProjectDocumentFilter, ProjectFilter, ProjectLineFilter
from .models import (
    DocumentKind,
    Product,
    Project,
    ProjectDocument,
    ProjectLine,
    ProjectStatus,
    ProjectStatusChange,
)
from .selectors import documents_visible_to, product_list, project_list


class CanChangeProject(BasePermission):
    """Moving a job is changing it: the role needs projects.change_project."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("projects.change_project"))


# --- serializers ----------------------------------------------------------------------------------


_STATUS_LABELS = dict(ProjectStatus.choices)


class PaymentDocumentSerializer(serializers.Serializer):
    """The proof of payment a payment was recorded from, as the documents' API shows it: its id
    (/api/v1/project-documents/{id}/) and its download link."""

    id = serializers.IntegerField(read_only=True)
    file = serializers.URLField(read_only=True, help_text="The document's download link.")


_LINK_MARK = 918273645546372819  # an id no URL holds otherwise, replaced by the document's


def _document_link(document_id: int, request) -> dict[str, Any]:
    url = reverse("projectdocument-download", args=[document_id], request=request)
    return {"id": document_id, "file": url}


class ProjectSerializer(MoneyFieldsMixin, RowPlanMixin, serializers.ModelSerializer):
    # the payment (what "Payment received" recorded) is money too: its amount and the proof
    money_fields = ("quoted_price", "final_price", "payment_amount", "payment_document")
    # the list reads both codes in its own query (selectors.project_list); one job answered
    # after a change reads them from its client and material
    client_code = serializers.SerializerMethodField()
    material_code = serializers.SerializerMethodField()
    # a method field: DRF inspects a callable source's signature on every row (get_status_display
    # is a partial method), which cost more than the rest of the row's fields together
    status_display = serializers.SerializerMethodField()
    # "" unless the job is on hold (a read-only model field loses its allow_blank)
    status_before_hold = serializers.ChoiceField(
        choices=ProjectStatus.choices, allow_blank=True, read_only=True
    )
    allowed_moves = serializers.SerializerMethodField()
    # read from the job's own column (payment_document_id): no query per row
    payment_document = serializers.SerializerMethodField(
        help_text="The proof of payment “Payment received” recorded (its id and download "
        "link); null until then. Recorded by the transition to paid, not set here."
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "client",
            "client_code",
            "name",
            "description",
            "status",
            "status_display",
            "status_reason",
            "status_before_hold",
            "status_changed_at",
            "allowed_moves",
            "priority",
            "material",
            "material_code",
            "thickness_mm",
            "quantity",
            "promised_date",
            "due_date",
            "quote_sent_on",
            "quote_expires_on",
            "quote_reminder_on",
            "quoted_price",
            "final_price",
            "approved_at",
            "pop_received_at",
            "payment_waived_at",
            "payment_amount",
            "payment_document",
            "completed_at",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "code",
            "status",
            "status_reason",
            "status_before_hold",
            "status_changed_at",
            "due_date",
            "quote_expires_on",
            "quote_reminder_on",
            "approved_at",
            "pop_received_at",
            "payment_waived_at",
            "payment_amount",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "payment_amount": {
                "help_text": "What the client paid (ZAR, VAT included), as “Payment received” "
                "recorded it from the proof of payment; null until then."
            }
        }

    @extend_schema_field(PaymentDocumentSerializer(allow_null=True))
    def get_payment_document(self, obj) -> dict[str, Any] | None:
        if obj.payment_document_id is None:
            return None
        # the link reversed once per answer, not once per row (a list of paid jobs spent a
        # twentieth of its time in reverse())
        template = self.__dict__.get("_document_url")
        if template is None:
            template = _document_link(_LINK_MARK, self.context.get("request"))["file"]
            self._document_url = template
        file = template.replace(str(_LINK_MARK), str(obj.payment_document_id), 1)
        return {"id": obj.payment_document_id, "file": file}

    def get_client_code(self, obj) -> str:
        code = getattr(obj, "client_code", None)
        return code if code is not None else obj.client.code

    def get_material_code(self, obj) -> str | None:
        if obj.material_id is None:
            return None
        code = getattr(obj, "material_code", None)
        return code if code is not None else obj.material.code

    def get_status_display(self, obj) -> str:
        # the model's get_status_display() rebuilds its choices into a dict on every call
        return str(_STATUS_LABELS.get(obj.status, obj.status))

    def get_allowed_moves(self, obj) -> list[str]:
        return [m.target for m in workflow.available_moves(obj)]

    def validate_client(self, value):
        if self.instance is not None and value != self.instance.client:
            raise serializers.ValidationError("A job cannot move to another client (its code).")
        return value


class TransitionSerializer(MoneyFieldsMixin, serializers.Serializer):
    """A move; "Payment received" (to "paid") also takes the proof of payment, as a file
    (multipart) or the id of a proof of payment already on the job, and the amount received."""

    money_fields = ("amount",)
    status = serializers.ChoiceField(choices=ProjectStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    override = serializers.BooleanField(required=False, default=False)
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="Payment received: the amount paid (ZAR), as the proof of payment shows it.",
    )
    proof_of_payment = serializers.FileField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Payment received: the proof of payment (PDF or photo); send multipart.",
    )
    proof_of_payment_document = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Payment received: the id of a proof of payment already on the job.",
    )


class StatusChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.username", read_only=True, default=None)

    class Meta:
        model = ProjectStatusChange
        fields = [
            "id",
            "from_status",
            "to_status",
            "changed_at",
            "changed_by",
            "reason",
            "overridden_gates",
        ]


class ProjectDocumentSerializer(serializers.ModelSerializer):
    """`file` takes the upload and answers with the document's download link (the API's own,
    which checks who asks; the stored file has no public address)."""

    project_code = serializers.CharField(source="project.code", read_only=True)
    override = serializers.BooleanField(write_only=True, required=False, default=False)
    reason = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")

    class Meta:
        model = ProjectDocument
        fields = [
            "id",
            "project",
            "project_code",
            "kind",
            "file",
            "original_name",
            "content_type",
            "size_bytes",
            "note",
            "uploaded_at",
            "override",
            "reason",
        ]
        read_only_fields = ["original_name", "content_type", "size_bytes", "uploaded_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["file"] = _document_link(instance.pk, self.context.get("request"))["file"]
        return data


class ProductSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    money_fields = ("unit_price",)
    material_code = serializers.CharField(source="material.code", read_only=True)
    line_count = serializers.IntegerField(read_only=True)
    sku = serializers.CharField(required=False, allow_blank=True, max_length=100)
    category = serializers.CharField(required=False, allow_blank=True, max_length=10)
    family = serializers.CharField(required=False, allow_blank=True, max_length=10)
    size = serializers.CharField(required=False, allow_blank=True, max_length=40)

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "description",
            "category",
            "family",
            "size",
            "material",
            "material_code",
            "thickness_mm",
            "revision",
            "unit_price",
            "is_active",
            "line_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "material": {"required": False},
            "thickness_mm": {"required": False},
            "revision": {"required": False},
        }
        validators: list[
            Any
        ] = []  # the service checks the SKU (built from parts or given) and its uniqueness


class ProjectLineSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    money_fields = ("unit_price", "line_total")
    project_code = serializers.CharField(source="project.code", read_only=True)
    sku = serializers.CharField(source="product.sku", read_only=True)
    # no digit limit on the way out: a total stored before the model bounded it still reads
    line_total = serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True)
    unit_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )

    class Meta:
        model = ProjectLine
        fields = [
            "id",
            "project",
            "project_code",
            "product",
            "sku",
            "quantity",
            "unit_price",
            "line_total",
            "note",
        ]


# --- viewsets -------------------------------------------------------------------------------------


class ProjectViewSet(MoneyOrderingMixin, viewsets.ModelViewSet):
    """Jobs. Created in Request with a generated code; the status moves only by `transition`."""

    serializer_class = ProjectSerializer
    filter_backends = [QuickFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = ProjectFilter
    search_fields = ["code", "name", "client__code", "client__name"]
    ordering_fields = ["code", "created_at", "due_date", "quote_expires_on", "status", "priority"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return project_list()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        client = data.pop("client")
        serializer.instance = services.project_create(client=client, by=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("client", None)
        serializer.instance = services.project_update(
            project=serializer.instance, by=self.request.user, **data
        )

    @extend_schema(
        request=TransitionSerializer,
        responses={
            200: ProjectSerializer,
            400: inline_serializer(
                "TransitionRefused",
                {
                    "gate": serializers.CharField(
                        required=False, help_text="The rule that refused it; none for bad JSON."
                    ),
                    "detail": serializers.JSONField(
                        help_text="Why, in words (the field errors when the gate is 'invalid')."
                    ),
                    "failed": inline_serializer(
                        "FailedGate",
                        {"gate": serializers.CharField(), "detail": serializers.CharField()},
                        many=True,
                        required=False,
                    ),
                },
            ),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[CanChangeProject],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def transition(self, request, pk=None):
        """Move the job: {"status": "quoting", "reason": "...", "override": false}.
        "Payment received" ({"status": "paid"}) needs "amount" and the proof of payment
        ("proof_of_payment", a file sent multipart, or "proof_of_payment_document", the id of one
        already on the job), unless a manager waives the payment ("override" with a "reason")."""
        project = self.get_object()
        body = TransitionSerializer(data=request.data, context={"request": request})
        if not body.is_valid():
            return Response(
                {"gate": "invalid", "detail": body.errors}, status=status.HTTP_400_BAD_REQUEST
            )
        data = body.validated_data
        payment = {
            "amount": data["amount"],
            "file": data["proof_of_payment"],
            "document": _proof_of_payment(project, data["proof_of_payment_document"]),
        }
        move = workflow.move_for(project.status, data["status"])
        if move is not None and workflow.records_payment(move):
            project = services.project_payment_received(
                project=project,
                by=request.user,
                reason=data["reason"],
                override=data["override"],
                **payment,
            )
        else:
            if payment["file"] is not None:
                raise services.TransitionError(
                    "payment_not_expected",
                    "Only “Payment received” takes a proof of payment file; to keep it with the "
                    "job, upload it to /api/v1/project-documents/.",
                )
            project = services.project_transition(
                project=project,
                to=data["status"],
                by=request.user,
                reason=data["reason"],
                override=data["override"],
                payment_amount=payment["amount"],
                payment_document=payment["document"],
            )
        project = project_list().get(pk=project.pk)
        return Response(self.get_serializer(project).data)

    @extend_schema(responses=StatusChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # every move, not a page
    def history(self, request, pk=None):
        """Every move of the job, oldest first."""
        project = self.get_object()
        changes = project.status_changes.select_related("changed_by").order_by("changed_at", "id")
        return Response(StatusChangeSerializer(changes, many=True).data)


def _proof_of_payment(project: Project, document_id: int | None) -> ProjectDocument | None:
    """The proof of payment of `project` with this id; a 400 naming the field otherwise."""
    if document_id is None:
        return None
    document = ProjectDocument.objects.filter(
        pk=document_id, project=project, kind=DocumentKind.PROOF_OF_PAYMENT
    ).first()
    if document is None:
        raise services.TransitionError(
            "proof_of_payment",
            f"Document {document_id} is not a proof of payment of {project.code}.",
            field="proof_of_payment_document",
        )
    return document


class ProjectDocumentViewSet(viewsets.ModelViewSet):
    """Jobs' documents (multipart upload); a proof of payment moves an Approved job to Paid."""

    serializer_class = ProjectDocumentSerializer
    filterset_class = ProjectDocumentFilter
    search_fields = ["original_name", "project__code"]
    ordering_fields = ["uploaded_at", "kind"]
    ordering = ["-uploaded_at", "-id"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        # quotes, invoices and proofs of payment only for users who may see money
        return documents_visible_to(
            self.request.user, ProjectDocument.objects.select_related("project")
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.project_document_add(
            project=data["project"],
            file=data["file"],
            kind=data.get("kind", DocumentKind.OTHER),
            note=data.get("note", ""),
            override=data.get("override", False),
            reason=data.get("reason", ""),
            by=self.request.user,
        )

    def perform_destroy(self, instance):
        services.project_document_delete(document=instance, by=self.request.user)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[BinaryRenderer, JSONRenderer])
    def download(self, request, pk=None):
        """The document's bytes: shown in the browser when a PDF or a picture, else a download."""
        document = self.get_object()
        if not may_read(request.user, document):  # a money document for an operator
            raise NotFound()
        return stored_file_response(
            document.file.name, document.content_type, document.original_name, inline=True
        )


class ProductViewSet(MoneyOrderingMixin, viewsets.ModelViewSet):
    """The SKU catalogue. Give the SKU or its parts; the other is filled in and checked."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    search_fields = ["sku", "name"]
    ordering_fields = ["sku", "name", "unit_price", "line_count"]
    ordering = ["sku"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return product_list()

    def perform_create(self, serializer):
        product = services.product_create(by=self.request.user, **serializer.validated_data)
        product.line_count = 0
        serializer.instance = product

    def perform_update(self, serializer):
        product = services.product_update(
            product=serializer.instance, by=self.request.user, **serializer.validated_data
        )
        product.line_count = serializer.instance.line_count
        serializer.instance = product


class ProjectLineViewSet(MoneyOrderingMixin, viewsets.ModelViewSet):
    """Catalogue products on jobs; the unit price defaults to the product's."""

    serializer_class = ProjectLineSerializer
    filterset_class = ProjectLineFilter
    ordering = ["project", "id"]
    ordering_fields = ["id", "quantity", "unit_price"]

    def get_queryset(self):
        return ProjectLine.objects.select_related("project", "product")

    def perform_create(self, serializer):
        serializer.instance = services.project_line_add(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("project", None)
        serializer.instance = services.project_line_update(
            line=serializer.instance, by=self.request.user, **data
        )

    def perform_destroy(self, instance):
        services.project_line_delete(line=instance, by=self.request.user)


router.register("projects", ProjectViewSet, basename="project")
router.register("project-documents", ProjectDocumentViewSet, basename="projectdocument")
router.register("products", ProductViewSet, basename="product")
router.register("project-lines", ProjectLineViewSet, basename="projectline")
