"""/api/v1/machines/, presets/, queue/ (move/start/complete actions), runs/ (recorded through
run_record). Every write goes through production.services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from inventory.models import SheetStock
from laseros.api.routers import router
from laseros.money import MoneyFieldsMixin
from projects.models import Project

from . import planning, selectors, services
from .filters import CutPresetFilter, LaserRunFilter, MachineFilter, QueueItemFilter
from .models import (
    MAX_MINUTES,
    MAX_PARTS,
    MAX_SHEETS,
    PRESET_TUNED_FIELDS,
    CutPreset,
    CutPresetChange,
    LaserRun,
    LaserRunPhoto,
    LaserRunProject,
    LaserRunSheet,
    Machine,
    Operator,
    QualityEffect,
    QueueItem,
    QueuePriority,
)

# --- machines -------------------------------------------------------------------------------------


class MachineSerializer(MoneyFieldsMixin, serializers.ModelSerializer):
    # what an hour on the machine costs: the pricing engine and a job's cost so far use it
    money_fields = ("hourly_rate",)

    class Meta:
        model = Machine
        fields = [
            "id",
            "code",
            "name",
            "machine_model",
            "controller",
            "power_w",
            "max_sheet_width_mm",
            "max_sheet_length_mm",
            "hourly_rate",
            "is_active",
            "notes",
        ]


class MachineViewSet(viewsets.ModelViewSet):
    """The laser cutters; a retired one is made inactive, not deleted."""

    serializer_class = MachineSerializer
    filterset_class = MachineFilter
    queryset = Machine.objects.all()
    search_fields = ["code", "name", "machine_model"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.machine_save(
            machine=Machine(**serializer.validated_data), by=self.request.user
        )

    def perform_update(self, serializer):
        machine = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(machine, name, value)
        serializer.instance = services.machine_save(machine=machine, by=self.request.user)


# --- presets --------------------------------------------------------------------------------------


class CutPresetChangeSerializer(serializers.ModelSerializer):
    by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = CutPresetChange
        fields = ["id", "changed_at", "by", "reason", "quality_effect", "quality_note", "changes"]
        read_only_fields = fields


class CutPresetSerializer(serializers.ModelSerializer):
    material_code = serializers.CharField(source="material.code", read_only=True)
    change_count = serializers.IntegerField(read_only=True)
    change_reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text="Why (needed to change)."
    )
    quality_effect = serializers.ChoiceField(
        choices=QualityEffect.choices, write_only=True, required=False
    )
    quality_note = serializers.CharField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = CutPreset
        fields = [
            "id",
            "material_code",
            *PRESET_TUNED_FIELDS,
            "change_count",
            "created_at",
            "updated_at",
            "change_reason",
            "quality_effect",
            "quality_note",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators: list[Any] = []  # the service normalises gas/nozzle first, then checks the key


class CutPresetViewSet(viewsets.ModelViewSet):
    """Cut presets. A change needs `change_reason`; it goes into the preset's change log
    (`GET /presets/{id}/changes/`)."""

    serializer_class = CutPresetSerializer
    filterset_class = CutPresetFilter
    search_fields = ["name", "nozzle", "note", "source_file_name", "material__code"]
    ordering_fields = ["material__code", "thickness_mm", "gas", "nozzle", "updated_at"]
    ordering = ["material__code", "thickness_mm", "gas", "nozzle", "note"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return CutPreset.objects.for_list().annotate(change_count=Count("changes"))

    def perform_create(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k in PRESET_TUNED_FIELDS}
        preset = services.preset_create(by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=preset.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        meta = {
            "reason": data.pop("change_reason", ""),
            "quality_effect": data.pop("quality_effect", QualityEffect.UNKNOWN),
            "quality_note": data.pop("quality_note", ""),
        }
        services.preset_update(
            preset=serializer.instance, changes=data, by=self.request.user, **meta
        )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(responses=CutPresetChangeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # the whole log, not a page
    def changes(self, request, pk=None):
        """The preset's change log, newest first."""
        preset = self.get_object()
        entries = preset.changes.select_related("by").order_by("-changed_at", "-id")
        return Response(CutPresetChangeSerializer(entries, many=True).data)


# --- the queue ------------------------------------------------------------------------------------


class QueueItemSerializer(serializers.ModelSerializer):
    machine_code = serializers.CharField(source="machine.code", read_only=True)
    project_code = serializers.CharField(source="project.code", read_only=True)
    client_name = serializers.CharField(source="project.client.name", read_only=True)

    class Meta:
        model = QueueItem
        fields = [
            "id",
            "machine",
            "machine_code",
            "project",
            "project_code",
            "client_name",
            "position",
            "priority",
            "status",
            "scheduled_date",
            "estimated_minutes",
            "notes",
            "added_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = ["position", "status", "added_at", "started_at", "finished_at"]
        validators: list[Any] = []  # "already in this machine's queue" is the service's message

    def validate(self, attrs):
        if self.instance is not None:
            for name in ("machine", "project"):
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    raise serializers.ValidationError(
                        {name: "Take the item out of the queue and add it again instead."}
                    )
        return attrs


class QueueMoveSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1, max_value=100_000, help_text="1 = cut next.")


class NextSlotQuery(serializers.Serializer):
    """What `GET /queue/next-slot/` asks: how long the job takes, and where (optional)."""

    minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_MINUTES, help_text="Machine time the job needs, in minutes."
    )
    machine = serializers.CharField(
        required=False,
        max_length=20,
        help_text="A machine's code (X3) or id; left out, the active machine that finishes first.",
    )
    priority = serializers.ChoiceField(
        choices=QueuePriority.choices,
        default=QueuePriority.NORMAL,
        help_text="The new job's priority: it goes behind the queued jobs of this priority.",
    )

    def validate_machine(self, value: str) -> Machine:
        text = value.strip()
        active = Machine.objects.active()
        found = active.filter(code=text.upper()).first()
        if found is None and text.isascii() and text.isdigit() and len(text) < 10:
            found = active.filter(pk=int(text)).first()
        if found is None:
            codes = ", ".join(active.values_list("code", flat=True)) or "none"
            raise serializers.ValidationError(
                f"No active machine '{text}'. Active machines: {codes}."
            )
        return found


class NextSlotMachineSerializer(serializers.Serializer):
    machine = serializers.CharField(source="machine.code", help_text="The machine's code.")
    machine_id = serializers.IntegerField(source="machine.pk")
    start = serializers.DateTimeField(help_text="When the job would start cutting.")
    finish = serializers.DateTimeField(help_text="When it would be cut (within working hours).")


class NextSlotSerializer(NextSlotMachineSerializer):
    minutes = serializers.IntegerField()
    priority = serializers.CharField()
    machines = NextSlotMachineSerializer(
        many=True, help_text="Every machine asked, earliest finish first."
    )


class QueueItemViewSet(viewsets.ModelViewSet):
    """Each machine's queue. Add appends; `POST /queue/{id}/move/` {"position": n} reorders;
    DELETE takes the item out (kept as cancelled); start/complete move it along."""

    serializer_class = QueueItemSerializer
    filterset_class = QueueItemFilter
    search_fields = ["project__code", "project__name", "project__client__name", "notes"]
    ordering_fields = ["position", "priority", "priority_rank", "scheduled_date", "added_at"]
    # by priority (Urgent first) then position, per machine: selectors.queue_list's order
    ordering = ["machine__code", "queue_closed", "priority_rank", "position", "-added_at"]

    def get_queryset(self):
        return selectors.queue_list()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        item = services.queue_add(
            project=data.pop("project"),
            machine=data.pop("machine"),
            priority=data.pop("priority", QueuePriority.NORMAL),
            by=self.request.user,
            **data,
        )
        serializer.instance = self.get_queryset().get(pk=item.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("machine", None)
        data.pop("project", None)
        services.queue_item_update(item=serializer.instance, by=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        services.queue_remove(item=instance, by=self.request.user, reason="via API")

    def _answer(self, item):
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(request=QueueMoveSerializer, responses=QueueItemSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the item to `position` in its machine's queue; the others shift by one."""
        item = self.get_object()
        form = QueueMoveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.queue_move(item=item, to_position=form.validated_data["position"], by=request.user)
        return self._answer(item)

    @extend_schema(request=None, responses=QueueItemSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """The operator starts cutting the job."""
        item = self.get_object()
        services.queue_start(item=item, by=request.user)
        return self._answer(item)

    @extend_schema(request=None, responses=QueueItemSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """The job is cut: it leaves the queue."""
        item = self.get_object()
        services.queue_complete(item=item, by=request.user)
        return self._answer(item)

    @extend_schema(
        parameters=[NextSlotQuery],
        responses={200: NextSlotSerializer, 400: OpenApiResponse(description="A bad parameter.")},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="next-slot",
        pagination_class=None,
        filter_backends=[],
    )
    def next_slot(self, request):
        """When can you have it? The earliest start and finish of a new job of `minutes`, given
        today's queue and the working hours (public holidays off). 400 names a bad parameter."""
        form = NextSlotQuery(data=request.query_params)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        machine = data.get("machine")
        answers = planning.next_slot(
            minutes=data["minutes"],
            machines=[machine] if machine else None,
            priority=data["priority"],
        )
        if not answers:
            raise serializers.ValidationError({"machine": "No machine is active."})
        best = answers[0]
        body = {
            "machine": best.machine,
            "start": best.start,
            "finish": best.finish,
            "minutes": best.minutes,
            "priority": data["priority"],
            "machines": answers,
        }
        return Response(NextSlotSerializer(body).data)


# --- laser runs -----------------------------------------------------------------------------------


class RunProjectSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)

    class Meta:
        model = LaserRunProject
        fields = ["project", "project_code", "parts", "cut_length_mm", "area_mm2", "share"]
        read_only_fields = ["share"]


class RunSheetSerializer(serializers.ModelSerializer):
    stock_label = serializers.CharField(source="stock.__str__", read_only=True)

    class Meta:
        model = LaserRunSheet
        fields = ["stock", "stock_label", "quantity", "movement"]
        read_only_fields = ["movement"]


class RunPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = LaserRunPhoto
        fields = ["id", "image", "caption", "taken_at"]
        read_only_fields = ["taken_at"]


class LaserRunSerializer(serializers.ModelSerializer):
    machine_code = serializers.CharField(source="machine.code", read_only=True)
    operator_name = serializers.CharField(source="operator.display_name", read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    projects = RunProjectSerializer(source="project_shares", many=True, read_only=True)
    sheets = RunSheetSerializer(many=True, read_only=True)
    photos = RunPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = LaserRun
        fields = [
            "id",
            "machine",
            "machine_code",
            "operator",
            "operator_name",
            "preset",
            "started_at",
            "ended_at",
            "duration_minutes",
            "parts_cut",
            "scrap_parts",
            "notes",
            "projects",
            "sheets",
            "photos",
            "recorded_at",
        ]
        read_only_fields = fields


class RunProjectInput(serializers.Serializer):
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all())
    parts = serializers.IntegerField(min_value=0, max_value=MAX_PARTS, default=0)
    cut_length_mm = serializers.DecimalField(
        max_digits=12, decimal_places=1, min_value=Decimal(0), default=Decimal(0)
    )
    area_mm2 = serializers.DecimalField(
        max_digits=14, decimal_places=1, min_value=Decimal(0), default=Decimal(0)
    )


class RunSheetInput(serializers.Serializer):
    stock = serializers.PrimaryKeyRelatedField(queryset=SheetStock.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_SHEETS)


class LaserRunInput(serializers.Serializer):
    """What `POST /runs/` takes: the run, the jobs it served, the sheets it used."""

    machine = serializers.PrimaryKeyRelatedField(queryset=Machine.objects.all())
    operator = serializers.PrimaryKeyRelatedField(queryset=Operator.objects.all())
    preset = serializers.PrimaryKeyRelatedField(
        queryset=CutPreset.objects.all(), required=False, allow_null=True
    )
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()
    parts_cut = serializers.IntegerField(
        min_value=0, max_value=MAX_PARTS, required=False, allow_null=True
    )
    scrap_parts = serializers.IntegerField(min_value=0, max_value=MAX_PARTS, default=0)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    projects = RunProjectInput(many=True)
    sheets = RunSheetInput(many=True, required=False, default=list)


class PhotoInput(serializers.Serializer):
    image = serializers.ImageField()
    caption = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class LaserRunViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Laser runs. A run is recorded once (its sheets leave stock then) and not edited or
    deleted here; photos are added with `POST /runs/{id}/photos/`."""

    serializer_class = LaserRunSerializer
    filterset_class = LaserRunFilter
    search_fields = ["notes", "operator__display_name", "project_shares__project__code"]
    ordering_fields = ["started_at", "parts_cut"]
    ordering = ["-started_at", "-id"]

    def get_queryset(self):
        return selectors.run_details()

    @extend_schema(request=LaserRunInput, responses={201: LaserRunSerializer})
    def create(self, request, *args, **kwargs):
        form = LaserRunInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        projects = [
            (row["project"], row["parts"], row["cut_length_mm"], row["area_mm2"])
            for row in data.pop("projects")
        ]
        sheets = [(row["stock"], row["quantity"]) for row in data.pop("sheets")]
        run = services.run_record(projects=projects, sheets=sheets, by=request.user, **data)
        answer = self.get_serializer(self.get_queryset().get(pk=run.pk))
        return Response(answer.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PhotoInput, responses={201: RunPhotoSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def photos(self, request, pk=None):
        """Add a photograph of the cut sheet."""
        run = self.get_object()
        form = PhotoInput(data=request.data)
        form.is_valid(raise_exception=True)
        photo = services.run_photo_add(run=run, by=request.user, **form.validated_data)
        return Response(
            RunPhotoSerializer(photo, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


router.register("machines", MachineViewSet, basename="machine")
router.register("presets", CutPresetViewSet, basename="preset")
router.register("queue", QueueItemViewSet, basename="queue")
router.register("runs", LaserRunViewSet, basename="run")
