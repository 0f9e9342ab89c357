"""The floor's runs and QC: start a run at the machine, the run in progress (its clock with pause
and resume, each sheet's checklist, finish or stop), and the jobs waiting for QC.

Views read and call `production.services` (floor_runs, floor_sheets, qc); every rule is there.
A refused action answers its page again with the reason (422) and changes nothing; every action
is a POST that viewers cannot make (403); a repeated POST (a double tap) finds the work already
done and shows the page as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from inventory.models import SheetStock
from inventory.selectors import stock_matching
from projects.models import Project

from ..models import (
    FIVE_H,
    QUEUE_ACTIVE,
    CutPreset,
    FloorRun,
    FloorRunJob,
    FloorRunSheet,
    LaserRunPhoto,
    LaserRunProject,
    Machine,
    Operator,
    QueueItem,
)
from ..services import (
    SheetRecord,
    SheetsWanted,
    default_machine,
    floor_run_finish,
    floor_run_pause,
    floor_run_resume,
    floor_run_start,
    floor_run_stop,
    floor_sheet_record,
    qc_fail,
    qc_pass,
)
from ..services.floor_runs import (
    new_start_token,
    open_pause,
    paused_seconds,
    presets_for,
    run_minutes,
    sheets_held,
)
from .auth import can_act_on_floor, floor_view

CLOCK_POLL_SECONDS = 15  # another tablet sees a pause or a finish this soon


def _problems(exc: ValidationError) -> list[str]:
    """A refusal's sentences, each once, in order."""
    seen: list[str] = []
    for message in exc.messages:
        if message not in seen:
            seen.append(message)
    return seen


# --- the runs in progress ---------------------------------------------------------------------------


def _open_runs():
    return (
        FloorRun.objects.open()
        .select_related("machine", "operator", "preset__material")
        .prefetch_related(
            Prefetch("jobs", queryset=FloorRunJob.objects.select_related("project__client")),
            Prefetch("sheets", queryset=FloorRunSheet.objects.only("pk", "run_id", "checked_at")),
            "pauses",
        )
        .order_by("machine__code")
    )


@dataclass(frozen=True)
class RunRow:
    """A run in progress as the list shows it."""

    run: FloorRun
    minutes: int
    sheets: int
    checked: int


@require_safe
@floor_view()
def runs_page(request: HttpRequest) -> HttpResponse:
    """Every machine's run in progress, and how many jobs wait for QC."""
    now = timezone.now()
    runs = [
        RunRow(
            run=run,
            minutes=run_minutes(run, now=now),
            sheets=len(run.sheets.all()),
            checked=sum(1 for s in run.sheets.all() if s.checked_at),
        )
        for run in _open_runs()
    ]
    busy = {row.run.machine_id for row in runs}
    context = {
        "runs": runs,
        "free_machines": [m for m in Machine.objects.active().order_by("code") if m.pk not in busy],
        "qc_count": Project.objects.filter(status="qc").count(),
        "can_act": can_act_on_floor(request.user),
    }
    return render(request, "production/floor/runs.html", context)


# --- start a run ------------------------------------------------------------------------------------


class StartForm(forms.Form):
    """What the start page sends; the rules are floor_run_start's."""

    token = forms.CharField(max_length=64)
    machine = forms.ModelChoiceField(queryset=Machine.objects.active())
    jobs = forms.ModelMultipleChoiceField(
        queryset=Project.objects.all(),
        error_messages={"required": "Choose the job (or jobs) this run cuts."},
    )
    preset = forms.ModelChoiceField(
        queryset=CutPreset.objects.filter(is_active=True), required=False
    )
    stock = forms.ModelChoiceField(
        queryset=SheetStock.objects.filter(is_active=True),
        error_messages={"required": "Choose the sheets this run is cut from."},
    )
    sheets = forms.IntegerField(
        min_value=1,
        max_value=50,
        error_messages={"required": "How many sheets? (1 or more)"},
    )
    notes = forms.CharField(required=False, max_length=2000)


@dataclass(frozen=True)
class StockChoice:
    """A stock row the sheets may come from, with what runs in progress leave of it."""

    stock: SheetStock
    free: int


def _machine_asked(request: HttpRequest) -> Machine | None:
    code = (request.GET.get("machine") or request.POST.get("machine_code") or "").strip()
    found = Machine.objects.active().filter(code__iexact=code).first() if code else None
    return found or default_machine()


def _queue_jobs(machine: Machine) -> list[QueueItem]:
    """The machine's queue (queued or cutting), in its order, with each job's material."""
    return list(
        QueueItem.objects.filter(machine=machine, status__in=QUEUE_ACTIVE)
        .select_related("project__client", "project__material")
        .with_queue_keys()
        .order_by("priority_rank", "position", "pk")
    )


def _start_context(request: HttpRequest, machine: Machine | None, lead_code: str) -> dict:
    """The start page: the machine's queue to choose the lead job from, the jobs of the same
    material and thickness that may share its nest, the presets (suggested first) and the
    stock that fits, with what runs in progress hold of it."""
    queue = _queue_jobs(machine) if machine else []
    lead = next((i.project for i in queue if i.project.code == lead_code), None)
    if lead is None and lead_code:
        lead = Project.objects.select_related("client", "material").filter(code=lead_code).first()
    lead = lead or (queue[0].project if queue else None)
    matching = (
        list(stock_matching(material=lead.material, thickness_mm=lead.thickness_mm))
        if lead is not None and lead.material is not None and lead.thickness_mm
        else []
    )
    held = sheets_held(s.pk for s in matching)
    stocks = [StockChoice(s, s.quantity_on_hand - held.get(s.pk, 0)) for s in matching]
    partners = _nest_partners(lead) if lead is not None else []
    return {
        "machine": machine,
        "floor_machine": machine,
        "machines": list(Machine.objects.active().order_by("code")),
        "queue": queue,
        "lead": lead,
        "partners": partners,
        "presets": presets_for([lead]) if lead is not None else [],
        "stocks": stocks,
        "token": new_start_token(),
        "busy": FloorRun.objects.open().filter(machine=machine).first() if machine else None,
        "operator": _operator(request),
        "can_act": can_act_on_floor(request.user),
    }


def _operator(request: HttpRequest) -> Operator | None:
    if not request.user.is_authenticated:
        return None
    return Operator.objects.filter(user=request.user, is_active=True).first()


def _nest_partners(lead: Project) -> list[Project]:
    """Other jobs on any queue of the lead's material and thickness: they may share its nest."""
    return list(
        Project.objects.filter(
            status__in=("queued", "cutting"),
            material=lead.material,
            thickness_mm=lead.thickness_mm,
        )
        .exclude(pk=lead.pk)
        .select_related("client")
        .order_by("due_date", "code")[:30]
    )


@require_safe
@floor_view()
def run_start_page(request: HttpRequest) -> HttpResponse:
    """The start form: ?machine=X3&job=<code> (the machine's first job when none is given)."""
    machine = _machine_asked(request)
    context = _start_context(request, machine, (request.GET.get("job") or "").strip())
    return render(request, "production/floor/run_start.html", context)


@require_POST
@floor_view(act=True)
def run_start(request: HttpRequest) -> HttpResponse:
    """Start the run through floor_run_start; refused, the form again with the reasons."""
    form = StartForm(request.POST)
    machine = _machine_asked(request)
    lead_code = (request.POST.get("lead") or "").strip()
    operator = _operator(request)
    try:
        if operator is None:
            raise ValidationError(
                "You are not set up as an operator: a manager adds you under Production → "
                "Operators before you can start a run."
            )
        if not form.is_valid():
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        data = form.cleaned_data
        run = floor_run_start(
            machine=data["machine"],
            operator=operator,
            projects=list(data["jobs"]),
            sheets=[SheetsWanted(data["stock"], data["sheets"])],
            preset=data["preset"],
            token=data["token"],
            notes=data["notes"],
            by=request.user,
        )
    except ValidationError as exc:
        context = _start_context(request, machine, lead_code)
        context.update(
            problems=_problems(exc), posted=request.POST, posted_jobs=request.POST.getlist("jobs")
        )
        return render(request, "production/floor/run_start.html", context, status=422)
    return redirect("floor:run", pk=run.pk)


# --- the run in progress ----------------------------------------------------------------------------


def _run_or_404(pk: int) -> FloorRun:
    run = (
        FloorRun.objects.select_related(
            "machine", "operator", "preset__material", "laser_run", "started_by"
        )
        .prefetch_related(
            Prefetch(
                "jobs",
                queryset=FloorRunJob.objects.select_related("project__client", "project__material"),
            ),
            Prefetch(
                "sheets",
                queryset=FloorRunSheet.objects.select_related("stock__material", "offcut"),
            ),
            "pauses",
        )
        .filter(pk=pk)
        .first()
    )
    if run is None:
        raise Http404("No run has that number.")
    return run


def _clock(run: FloorRun) -> dict[str, Any]:
    now = timezone.now()
    pause = open_pause(run)
    return {
        "minutes": run_minutes(run, now=now),
        "started_iso": run.started_at.isoformat(),
        "server_now_iso": now.isoformat(),
        "paused_seconds": paused_seconds(run),
        "paused_since_iso": pause.started_at.isoformat() if pause else "",
        "ended_iso": run.ended_at.isoformat() if run.ended_at else "",
        "poll_seconds": CLOCK_POLL_SECONDS,
    }


def _run_context(request: HttpRequest, run: FloorRun, **extra: Any) -> dict[str, Any]:
    sheets = list(run.sheets.all())
    jobs = [j.project for j in run.jobs.all()]
    cut_before = dict(
        LaserRunProject.objects.filter(project__in=jobs)
        .values("project_id")
        .annotate(n=Sum("parts"))
        .values_list("project_id", "n")
    )
    sheet_parts = sum(s.parts_cut for s in sheets)
    before = [0 if run.laser_run_id else int(cut_before.get(job.pk) or 0) for job in jobs]
    rows = _suggest_parts(
        [RunJob(job, n, max(0, job.quantity - n)) for job, n in zip(jobs, before, strict=True)],
        sheet_parts,
    )
    checked = [s for s in sheets if s.checked_at]
    clock = _clock(run)
    return {
        "run": run,
        "floor_machine": run.machine,
        "jobs": rows,
        "sheets": sheets,
        "next_sheet": next((s for s in sheets if not s.checked_at), None),
        "all_checked": len(checked) == len(sheets),
        "checked_count": len(checked),
        "sheet_parts": sheet_parts,
        "sheet_scrap": sum(s.scrap_parts for s in sheets),
        "five_h": FIVE_H,
        "clock": clock,
        "finish_minutes": max(1, clock["minutes"]),  # a run under a minute still took one
        "can_act": can_act_on_floor(request.user),
        "problems": [],
        **extra,
    }


@dataclass
class RunJob:
    """A job of a run as its page shows it: parts cut before this run, still to cut, and the
    parts the finish form suggests."""

    project: Project
    cut_before: int
    to_cut: int
    suggested_parts: int = 0


def _suggest_parts(jobs: list[RunJob], parts: int) -> list[RunJob]:
    """Share the sheets' parts among the jobs for the finish form: each job up to what it still
    needs, in order; what is left to the first."""
    left = parts
    for job in jobs:
        job.suggested_parts = min(job.to_cut, left)
        left -= job.suggested_parts
    if jobs and left > 0:
        jobs[0].suggested_parts += left
    return jobs


@require_safe
@floor_view()
def run_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A run: its clock, jobs and preset, its sheets one by one, then finish (or stop)."""
    run = _run_or_404(pk)
    return render(request, "production/floor/run.html", _run_context(request, run))


@require_safe
@floor_view()
def run_clock(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's clock and state for the page's poll: a pause or a finish on another tablet
    shows here within CLOCK_POLL_SECONDS."""
    run = _run_or_404(pk)
    return render(request, "production/floor/run_clock.html", _run_context(request, run))


def _after_action(request: HttpRequest, run: FloorRun) -> HttpResponse:
    if getattr(request, "htmx", False):
        fresh = _run_or_404(run.pk)
        return render(request, "production/floor/run_clock.html", _run_context(request, fresh))
    return redirect("floor:run", pk=run.pk)


@require_POST
@floor_view(act=True)
def run_pause(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(FloorRun, pk=pk)
    try:
        floor_run_pause(run=run, by=request.user, reason=request.POST.get("reason", "")[:200])
    except ValidationError as exc:
        messages.error(request, " ".join(_problems(exc)))
    return _after_action(request, run)


@require_POST
@floor_view(act=True)
def run_resume(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(FloorRun, pk=pk)
    try:
        floor_run_resume(run=run, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(_problems(exc)))
    return _after_action(request, run)


class SheetForm(forms.Form):
    """One sheet's checklist as the page sends it; the rules are floor_sheet_record's."""

    photo = forms.FileField(required=False)
    notes = forms.CharField(required=False, max_length=2000)
    parts_cut = forms.IntegerField(
        min_value=0, error_messages={"required": "Parts cut: 0 or more."}
    )
    scrap_parts = forms.IntegerField(min_value=0, required=False)
    offcut_width_mm = forms.IntegerField(min_value=1, required=False)
    offcut_length_mm = forms.IntegerField(min_value=1, required=False)

    def record(self) -> SheetRecord:
        data = self.cleaned_data
        return SheetRecord(
            checks=frozenset(name for name, _, _ in FIVE_H if self.data.get(name)),
            parts_cut=data["parts_cut"],
            scrap_parts=data.get("scrap_parts") or 0,
            notes=data.get("notes") or "",
            offcut_width_mm=data.get("offcut_width_mm"),
            offcut_length_mm=data.get("offcut_length_mm"),
        )


def _form_refusal(form: forms.Form) -> ValidationError:
    labels = {"parts_cut": "Parts cut", "scrap_parts": "Scrap", "photo": "Photo"}
    return ValidationError(
        [
            f"{labels.get(name, name.replace('_', ' ').capitalize())}: {message}"
            for name, errors in form.errors.items()
            for message in errors
        ]
    )


@require_POST
@floor_view(act=True)
def run_sheet(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Record one sheet (photo, notes, 5H, parts, scrap, remnant) through floor_sheet_record."""
    sheet = get_object_or_404(FloorRunSheet.objects.select_related("run"), run_id=pk, number=number)
    form = SheetForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise _form_refusal(form)
        floor_sheet_record(
            sheet=sheet, given=form.record(), photo=form.cleaned_data.get("photo"), by=request.user
        )
    except ValidationError as exc:
        context = _run_context(
            request,
            _run_or_404(pk),
            problems=_problems(exc),
            posted=request.POST,
            posted_sheet=number,
        )
        return render(request, "production/floor/run.html", context, status=422)
    return redirect(f"{reverse('floor:run', kwargs={'pk': pk})}#sheet-{number + 1}")


@require_POST
@floor_view(act=True)
def run_finish(request: HttpRequest, pk: int) -> HttpResponse:
    """Finish the run through floor_run_finish: minutes, each job's parts, scrap, notes."""
    run = _run_or_404(pk)
    try:
        minutes = _whole(request.POST.get("minutes"), "Minutes")
        parts = {
            job.project_id: _whole(request.POST.get(f"parts-{job.project_id}"), job.project.code)
            for job in run.jobs.all()
        }
        scrap_given = (request.POST.get("scrap_parts") or "").strip()
        scrap = _whole(scrap_given, "Scrap") if scrap_given else None  # empty: the sheets' scrap
        floor_run_finish(
            run=run,
            minutes=minutes,
            parts=parts,
            scrap_parts=scrap,
            notes=request.POST.get("notes", "")[:2000],
            by=request.user,
        )
    except ValidationError as exc:
        context = _run_context(request, run, problems=_problems(exc), posted=request.POST)
        return render(request, "production/floor/run.html", context, status=422)
    messages.success(request, f"Run {run.pk} is recorded.")
    return redirect("floor:run", pk=run.pk)


def _whole(value: str | None, label: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"{label}: a whole number.") from None


@require_POST
@floor_view(act=True)
def run_stop(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop the run without a record (floor_run_stop), with the reason."""
    run = _run_or_404(pk)
    try:
        floor_run_stop(run=run, reason=request.POST.get("reason", "")[:255], by=request.user)
    except ValidationError as exc:
        context = _run_context(request, run, problems=_problems(exc), posted=request.POST)
        return render(request, "production/floor/run.html", context, status=422)
    messages.success(request, f"Run {run.pk} stopped; nothing was taken from stock.")
    return redirect("floor:runs")


# --- QC ---------------------------------------------------------------------------------------------


def _qc_jobs() -> list[Project]:
    """The jobs in QC, oldest first, with their parts cut and the photos of their runs."""
    shares = LaserRunProject.objects.select_related(
        "run__machine", "run__operator"
    ).prefetch_related(
        Prefetch("run__photos", queryset=LaserRunPhoto.objects.order_by("taken_at", "id"))
    )
    return list(
        Project.objects.filter(status="qc")
        .select_related("client", "material")
        .annotate(parts_cut=Sum("laser_runs__parts"))
        .prefetch_related(Prefetch("laser_runs", queryset=shares.order_by("-run__started_at")))
        .order_by("status_changed_at", "code")
    )


@require_safe
@floor_view()
def qc_page(request: HttpRequest) -> HttpResponse:
    """The jobs waiting for QC: pass (Ready) or fail with the reason (back on the queue)."""
    return render(request, "production/floor/qc.html", _qc_context(request))


def _qc_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "jobs": _qc_jobs(),
        "can_act": can_act_on_floor(request.user),
        "problems": [],
        **extra,
    }


@require_POST
@floor_view(act=True)
def qc_decide(request: HttpRequest, code: str, verdict: str) -> HttpResponse:
    """Pass or fail one job (qc_pass, qc_fail); a repeat finds it decided already."""
    project = get_object_or_404(Project, code=code)
    try:
        if verdict == "pass":
            qc_pass(project=project, by=request.user, note=request.POST.get("note", "")[:255])
            messages.success(request, f"{project.code} passed QC: it is Ready.")
        else:
            qc_fail(project=project, reason=request.POST.get("reason", "")[:255], by=request.user)
            messages.success(request, f"{project.code} failed QC: it is back on the queue.")
    except ValidationError as exc:
        context = _qc_context(request, problems=_problems(exc), failing=project.code)
        return render(request, "production/floor/qc.html", context, status=422)
    return redirect("floor:qc")
