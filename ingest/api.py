"""/api/v1/files/: upload (one or many, 202), list with filters, detail, metadata, preview,
download, re-extract, delete (soft, or hard with ?hard=true) and restore.

Every write goes through ingest.services; the API only translates. Roles: a Viewer reads, an
Operator may also upload and re-extract, Admins and Managers may also delete and restore.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from clients.models import Client, normalise_client_code
from laseros.api.filters import as_id
from laseros.api.permissions import HasPerm
from laseros.api.renderers import BinaryRenderer, PNGRenderer
from laseros.api.routers import router
from laseros.files import stored_file_response
from projects.models import Project

from . import selectors, services
from .filters import FileIngestFilter
from .models import FileExtraction, FileIngest, FileKind, FileMetadata, FileSource
from .selectors import file_metadata

# --- serializers ---------------------------------------------------------------------------------


class MetadataSummarySerializer(serializers.ModelSerializer):
    material = serializers.CharField(source="material_code")
    bbox_mm = serializers.ListField(child=serializers.FloatField(), allow_null=True)
    has_preview = serializers.SerializerMethodField()

    class Meta:
        model = FileMetadata
        fields = [
            "material",
            "thickness_mm",
            "quantity",
            "cut_length_mm",
            "pierce_count",
            "part_count",
            "area_mm2",
            "bbox_mm",
            "warning_count",
            "has_warnings",
            "has_preview",
        ]

    def get_has_preview(self, obj) -> bool:
        return bool(obj.preview)


class MetadataSerializer(MetadataSummarySerializer):
    """Everything the current reading measured (GET /files/{id}/metadata/)."""

    file_id = serializers.IntegerField(source="file.pk")
    status = serializers.CharField(source="file.status")
    extraction_id = serializers.IntegerField(allow_null=True)
    parser = serializers.SerializerMethodField()
    parser_version = serializers.SerializerMethodField()

    class Meta(MetadataSummarySerializer.Meta):
        fields = [
            "file_id",
            "status",
            "extraction_id",
            "parser",
            "parser_version",
            *MetadataSummarySerializer.Meta.fields,
            "units",
            "holes",
            "cutouts",
            "closed_contours",
            "open_contours",
            "entity_counts",
            "layers",
            "warnings",
            "updated_at",
        ]

    def get_parser(self, obj) -> str | None:
        return obj.extraction.parser if obj.extraction_id else None

    def get_parser_version(self, obj) -> str | None:
        return obj.extraction.parser_version if obj.extraction_id else None


class ExtractionSerializer(serializers.ModelSerializer):
    """One reading of a file (GET /files/{id}/extractions/, newest first)."""

    class Meta:
        model = FileExtraction
        fields = [
            "id",
            "parser",
            "parser_version",
            "is_current",
            "created_at",
            "metadata",
            "warnings",
        ]
        read_only_fields = fields


class ExtractionWithRawSerializer(ExtractionSerializer):
    # Answered only when asked for (?raw=true): not a required property of the answer's schema,
    # as a read-only field would be (the list without ?raw= leaves it out).
    raw = serializers.JSONField(
        required=False, help_text="The reader's raw extraction; only with ?raw=true."
    )

    class Meta(ExtractionSerializer.Meta):
        fields = [*ExtractionSerializer.Meta.fields, "raw"]
        read_only_fields = ExtractionSerializer.Meta.fields


class FileIngestSerializer(serializers.ModelSerializer):
    # empty (null) for an unfiled file, or one the system took in
    client: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    project: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    uploaded_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    version_label = serializers.SerializerMethodField()
    metadata = serializers.SerializerMethodField()
    traceback = serializers.SerializerMethodField()
    urls = serializers.SerializerMethodField()

    class Meta:
        model = FileIngest
        fields = [
            "id",
            "client",
            "client_id",
            "project",
            "project_id",
            "original_name",
            "stored_name",
            "part",
            "version",
            "version_label",
            "sha256",
            "size_bytes",
            "kind",
            "mime",
            "extension",
            "status",
            "progress",
            "progress_message",
            "failure_reason",
            "traceback",
            "attempts",
            "ingest_warnings",
            "given",
            "received_at",
            "started_at",
            "finished_at",
            "uploaded_by",
            "source",
            "deleted_at",
            "metadata",
            "urls",
        ]
        read_only_fields = fields

    def get_version_label(self, obj) -> str:
        return f"v{obj.version:03d}"

    @extend_schema_field(MetadataSummarySerializer(allow_null=True))
    def get_metadata(self, obj) -> dict | None:
        metadata = file_metadata(obj)
        return MetadataSummarySerializer(metadata).data if metadata is not None else None

    def get_traceback(self, obj) -> str | None:
        """Superusers only: where the reader failed."""
        request = self.context.get("request")
        if request is not None and request.user.is_superuser:
            return obj.traceback or None
        return None

    def get_urls(self, obj) -> dict[str, str]:
        request = self.context.get("request")
        base = f"/api/v1/files/{obj.pk}/"
        links = {
            "self": base,
            "metadata": f"{base}metadata/",
            "extractions": f"{base}extractions/",
            "preview": f"{base}preview/",
            "download": f"{base}download/",
        }
        if request is not None:
            links = {key: request.build_absolute_uri(url) for key, url in links.items()}
        return links


UPLOAD_RESULT = inline_serializer(
    "FileUploadResult",
    {
        "name": serializers.CharField(),
        "id": serializers.IntegerField(allow_null=True),
        "status": serializers.CharField(help_text="queued, processed, ... or refused"),
        "created": serializers.BooleanField(),
        "duplicate_of": serializers.IntegerField(allow_null=True),
        "stored_name": serializers.CharField(allow_null=True),
        "message": serializers.CharField(),
    },
    many=True,
)


# --- the viewset ---------------------------------------------------------------------------------


class FileIngestViewSet(viewsets.ReadOnlyModelViewSet):
    """Files: uploaded here (202: read in the background), listed, measured, deleted."""

    serializer_class = FileIngestSerializer
    filterset_class = FileIngestFilter
    search_fields = ["stored_name", "original_name", "part"]
    ordering_fields = ["received_at", "stored_name", "version", "status", "size_bytes"]
    ordering = ["-received_at", "-id"]
    http_method_names = ["get", "post", "delete", "head", "options"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @property
    def pagination_class(self):
        """Lists come in pages; an upload answers with the list of its files, whole (the schema
        reads this too: it showed the upload's answer as a page)."""
        if getattr(self, "action", None) == "create":
            return None
        return self.__dict__.get("pagination_class", api_settings.DEFAULT_PAGINATION_CLASS)

    @pagination_class.setter
    def pagination_class(self, value):  # an action's own, e.g. pagination_class=None
        self.__dict__["pagination_class"] = value

    def get_queryset(self):
        return selectors.file_list()

    def filter_queryset(self, queryset):
        # Filters are for lists; a file is found by its id whether deleted or not (to restore it).
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)

    def get_permissions(self):
        extra = {
            "restore": "ingest.delete_fileingest",
            "re_extract": "ingest.change_fileingest",
        }.get(self.action)
        base = super().get_permissions()
        return [*base, HasPerm(extra)] if extra else base

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer(
                "FileUpload",
                {
                    "file": serializers.ListField(child=serializers.FileField()),
                    "client": serializers.CharField(
                        required=False, help_text="CL-0001, CL0001 or the client's id"
                    ),
                    "project": serializers.CharField(
                        required=False, help_text="The job's code or id"
                    ),
                    "part": serializers.CharField(required=False),
                    "material": serializers.CharField(
                        required=False,
                        help_text="Known material (MS, galv, ...): wins over the file",
                    ),
                    "thickness_mm": serializers.CharField(
                        required=False, help_text="Known thickness in mm: wins over the file"
                    ),
                    "quantity": serializers.IntegerField(
                        required=False, help_text="Known quantity: wins over the file"
                    ),
                    "override_metadata": serializers.CharField(
                        required=False,
                        help_text='The same as JSON, as the old Module N took it: {"material": '
                        '"MS", "thickness_mm": 3, "quantity": 10}',
                    ),
                    "kind": serializers.ChoiceField(
                        choices=FileKind.choices,
                        required=False,
                        help_text="What the files must be; one of another kind is refused "
                        "(`mode` is taken too; AUTO means any)",
                    ),
                },
            )
        },
        responses={
            202: UPLOAD_RESULT,
            # every file refused (the same list), or the request itself ({"field": [messages]})
            400: {
                "oneOf": [
                    {"type": "array", "items": {"$ref": "#/components/schemas/FileUploadResult"}},
                    {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                ]
            },
        },
    )
    def create(self, request, *args, **kwargs):
        """Upload one or many files (field `file`, repeated, or `files`); each is checked,
        stored once and read in the background. 202 when at least one was taken."""
        uploads = [*request.FILES.getlist("file"), *request.FILES.getlist("files")]
        if not uploads:
            raise serializers.ValidationError(
                {"file": ["Send one or more files in the multipart field 'file'."]}
            )
        client = _find_client(request.data.get("client"))
        project = _find_project(request.data.get("project"))
        part = (request.data.get("part") or "").strip() or None
        if part and len(uploads) > 1:
            raise serializers.ValidationError({"part": ["A part name is for one file at a time."]})
        given, kind = _given_and_kind(request.data)
        results = []
        for upload in uploads:
            try:
                outcome = services.ingest(
                    source_file=upload,
                    original_name=upload.name,
                    client=client,
                    project=project,
                    uploaded_by=request.user,
                    source=FileSource.API,
                    part=part,
                    given=given,
                    expect_kind=kind,
                )
            except DjangoValidationError as exc:
                results.append(
                    {
                        "name": services.clean_original_name(upload.name),
                        "id": None,
                        "status": "refused",
                        "created": False,
                        "duplicate_of": None,
                        "stored_name": None,
                        "message": "; ".join(exc.messages),
                    }
                )
                continue
            results.append(
                {
                    "name": services.clean_original_name(upload.name),
                    "id": outcome.file.pk,
                    "status": outcome.file.status,
                    "created": outcome.created,
                    "duplicate_of": outcome.duplicate_of.pk if outcome.duplicate_of else None,
                    "stored_name": outcome.file.stored_name,
                    "message": outcome.message,
                }
            )
        taken = any(r["id"] is not None for r in results)
        return Response(results, status=status.HTTP_202_ACCEPTED if taken else 400)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "hard", OpenApiTypes.BOOL, description="true: remove the stored bytes for good"
            )
        ],
        responses={204: None},
    )
    def destroy(self, request, *args, **kwargs):
        """Delete a file: soft (restorable) by default, for good with ?hard=true."""
        file = self.get_object()
        hard = str(request.query_params.get("hard", "")).lower() in ("1", "true", "yes")
        if hard:
            services.hard_delete(file=file, by=request.user)
        else:
            services.soft_delete(file=file, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: FileIngestSerializer})
    @action(detail=True, methods=["post"], url_path="re-extract")
    def re_extract(self, request, pk=None):
        """Read the file again; earlier readings are kept as history."""
        file = services.re_extract(file=self.get_object(), by=request.user)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=file.pk)).data,
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(request=None, responses={200: FileIngestSerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Bring back a soft-deleted file."""
        file = services.restore(file=self.get_object(), by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=file.pk)).data)

    @extend_schema(responses={200: MetadataSerializer})
    @action(detail=True, methods=["get"])
    def metadata(self, request, pk=None):
        """What the current reading measured (404 until the file has been read)."""
        file = self.get_object()
        metadata = (
            FileMetadata.objects.select_related("file", "extraction").filter(file=file).first()
        )
        if metadata is None:
            raise NotFound(f"{file} has not been read yet (status: {file.status}).")
        return Response(MetadataSerializer(metadata).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "raw", OpenApiTypes.BOOL, description="true: each reading's raw extraction too"
            )
        ],
        responses={200: ExtractionWithRawSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)  # every reading, not a page
    def extractions(self, request, pk=None):
        """Every reading of the file, newest first: the history re-extract keeps."""
        file = self.get_object()
        raw = str(request.query_params.get("raw", "")).lower() in ("1", "true", "yes")
        readings = selectors.extraction_history(file, raw=raw)
        serializer = ExtractionWithRawSerializer if raw else ExtractionSerializer
        return Response(serializer(readings, many=True).data)

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[PNGRenderer, renderers.JSONRenderer])
    def preview(self, request, pk=None):
        """The preview picture (PNG); 404 when the file has none."""
        metadata = file_metadata(self.get_object())
        if metadata is None or not metadata.preview:
            raise NotFound("This file has no preview.")
        return stored_file_response(metadata.preview.name, "image/png", inline=True)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[BinaryRenderer, renderers.JSONRenderer])
    def download(self, request, pk=None):
        """The stored bytes, under the stored name."""
        file = self.get_object()
        return stored_file_response(
            file.file.name, file.mime or "application/octet-stream", file.stored_name
        )


def _given_and_kind(data) -> tuple[dict, str | None]:
    """The values given with an upload (fields, or the old `override_metadata` JSON) checked by
    the service's rules, and the expected kind (`kind`, or the old `mode`; AUTO is any). A
    mistake is a 400 naming the field, before any file is stored."""
    given: dict = {}
    override = data.get("override_metadata")
    if override not in (None, ""):
        try:
            given = json.loads(override) if isinstance(override, str) else dict(override)
        except (ValueError, TypeError):
            raise serializers.ValidationError(
                {"override_metadata": ['Give a JSON object, e.g. {"material": "MS"}.']}
            ) from None
        if not isinstance(given, dict):
            raise serializers.ValidationError({"override_metadata": ["Give a JSON object."]})
        given = {k: v for k, v in given.items() if v not in (None, "")}
    for key in services.GIVEN_KEYS:
        if data.get(key) not in (None, ""):
            given[key] = data.get(key)
    try:
        return (
            services.clean_given(given),
            services.clean_kind(data.get("kind") or data.get("mode")),
        )
    except DjangoValidationError as exc:
        raise serializers.ValidationError(
            {("override_metadata" if k == "given" else k): v for k, v in exc.message_dict.items()}
        ) from None


def _find_client(value) -> Client | None:
    value = str(value or "").strip()
    if not value:
        return None
    if value.isdigit():  # an id ("²" and an id past any column's range are none)
        client = Client.objects.filter(pk=pk).first() if (pk := as_id(value)) else None
    else:
        try:
            client = Client.objects.filter(code=normalise_client_code(value)).first()
        except ValueError:
            client = None
    if client is None:
        raise serializers.ValidationError({"client": [f"No client {value!r}."]})
    return client


def _find_project(value) -> Project | None:
    value = str(value or "").strip()
    if not value:
        return None
    queryset = Project.objects.select_related("client", "material")
    if value.isdigit():  # an id ("²" and an id past any column's range are none)
        project = queryset.filter(pk=pk).first() if (pk := as_id(value)) else None
    else:
        project = queryset.filter(code__iexact=value).first()
    if project is None:
        raise serializers.ValidationError({"project": [f"No project {value!r}."]})
    return project


router.register("files", FileIngestViewSet, basename="file")
