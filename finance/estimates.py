"""Estimate against actual (issue 11, part 8): what the quotes said a job would take on the laser
(machine minutes, material) against what its runs took (minutes, sheets). Pure reads.

The estimate of a job is its accepted quote, else its latest sent one: each drawing line is priced
again from what the line kept (`pricing_input`), so the minutes are exactly the ones the quote
was made from. The actual is the job's part of each run that cut it: the run's minutes and sheets
× the job's share (a run that cut several jobs is split by share, `LaserRunProject.share`).

A job with runs but no quote (or a quote with no drawing lines), and one quoted but not yet cut,
is left out of the comparison and counted, so the page can say so. Per material × thickness only
the jobs with both a quoted line and a run of that material and thickness are compared.

`compare_estimates(...).runs` feeds calibration (`finance.services.calibration`): each run's minutes against
what the quotes of its jobs would say today (the preset's speed and the rates as they are now),
so a change already made is not proposed again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet

from production.models import CutPreset, LaserRunProject, LaserRunSheet
from projects.models import Project

from .models import Quote, QuoteLine, QuoteLineKind, QuoteStatus
from .pricing import PartPrice, PartPricing, PricingError, price_part
from .selectors import current_rates

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
SIXTY = Decimal(60)
# A ratio further than this from 1 is worth a manager's look (the page colours it).
OFF_BY = Decimal("0.20")
THICKNESS_PLACES = Decimal("0.01")

StockKey = tuple[str, Decimal]  # (material code, thickness mm to 2 places)


def stock_key(material_code: str, thickness_mm: Decimal) -> StockKey:
    return material_code, Decimal(thickness_mm).quantize(THICKNESS_PLACES)


def ratio(actual: Decimal, estimate: Decimal) -> Decimal | None:
    """actual ÷ estimate to 2 places, or None when there is no estimate to divide by."""
    if estimate <= 0:
        return None
    return (actual / estimate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def is_off(value: Decimal | None) -> bool:
    """More than OFF_BY (20 %) from the estimate, either way."""
    return value is not None and abs(value - ONE) > OFF_BY


# --- the estimate ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Estimate:
    """What quoted lines of one job (and one material × thickness) add up to."""

    minutes: Decimal = ZERO  # machine minutes as quoted (cutting, piercing, travel)
    kg: Decimal = ZERO  # the parts' net weight
    sheets: Decimal = ZERO  # whole sheets (whole-sheets mode) or kg ÷ utilisation ÷ a sheet's kg
    today_minutes: Decimal = ZERO  # the same lines at today's preset speeds and travel
    today_cut_pierce: Decimal = ZERO  # today's, without the travel allowance
    # today's minutes per preset the lines were priced with (None: the fallback speed, or a
    # preset that is gone), for calibration to say which preset's speed made the estimate
    by_preset: dict[int | None, Decimal] = dataclasses.field(default_factory=dict)

    def add(self, other: Estimate) -> None:
        self.minutes += other.minutes
        self.kg += other.kg
        self.sheets += other.sheets
        self.today_minutes += other.today_minutes
        self.today_cut_pierce += other.today_cut_pierce
        for preset, minutes in other.by_preset.items():
            self.by_preset[preset] = self.by_preset.get(preset, ZERO) + minutes


@dataclasses.dataclass(frozen=True)
class TodaysValues:
    """The preset speeds, pierce times and travel allowance a quote would use today."""

    presets: dict[int, tuple[Decimal, Decimal]]  # preset id -> (cut speed, pierce time)
    travel_allowance_pct: Decimal

    @classmethod
    def load(cls, preset_ids: Iterable[int]) -> TodaysValues:
        presets = {
            pk: (speed, pierce)
            for pk, speed, pierce in CutPreset.objects.filter(
                pk__in=set(preset_ids), cut_speed_mm_min__gt=0, pierce_time_s__isnull=False
            ).values_list("pk", "cut_speed_mm_min", "pierce_time_s")
        }
        return cls(presets=presets, travel_allowance_pct=current_rates().travel_allowance_pct)


def line_estimate(line: QuoteLine, today: TodaysValues) -> Estimate:
    """A drawing line's figures, priced again from what it kept (PricingError if it cannot be)."""
    pricing = PartPricing.from_dict(line.pricing_input or {})
    price = price_part(pricing)
    preset_id = None if pricing.preset.is_fallback else pricing.preset.preset_id
    now = today.presets.get(preset_id) if preset_id is not None else None
    quoted = (pricing.preset.cut_speed_mm_min, pricing.preset.pierce_time_s)
    travel = pricing.rates.travel_allowance_pct
    if now is None:  # no preset to calibrate: today's figures are the quote's
        preset_id, today_minutes = None, price.machine_minutes
    elif now == quoted and travel == today.travel_allowance_pct:
        today_minutes = price.machine_minutes  # nothing changed since: no second pricing
    else:
        today_pricing = dataclasses.replace(
            pricing,
            preset=dataclasses.replace(
                pricing.preset, cut_speed_mm_min=now[0], pierce_time_s=now[1]
            ),
            rates=dataclasses.replace(
                pricing.rates, travel_allowance_pct=today.travel_allowance_pct
            ),
        )
        today_minutes, travel = (
            price_part(today_pricing).machine_minutes,
            today.travel_allowance_pct,
        )
    return Estimate(
        minutes=price.machine_minutes,
        kg=price.material_kg,
        sheets=_sheets(pricing, price),
        today_minutes=today_minutes,
        today_cut_pierce=today_minutes / (ONE + travel / HUNDRED),
        by_preset={preset_id: today_minutes},
    )


def _sheets(pricing: PartPricing, price: PartPrice) -> Decimal:
    if price.sheets is not None:
        return Decimal(price.sheets.sheets)
    material = pricing.material
    sheet_kg = (
        material.sheet_width_mm
        * material.sheet_length_mm
        * pricing.thickness_mm
        * material.density_g_cm3
        / 1_000_000
    )
    if sheet_kg <= 0:
        return ZERO
    return price.material_kg / pricing.rates.sheet_utilisation / sheet_kg


def quoted_for(project_ids: QuerySet | Iterable[int]) -> dict[int, Quote]:
    """Each job's quote to compare with: its accepted one (the latest), else its latest sent one
    (one that went to the client: sent, declined, expired or revised since)."""
    quotes = (
        Quote.objects.filter(project_id__in=project_ids)
        .filter(Q(status=QuoteStatus.ACCEPTED) | Q(sent_on__isnull=False))
        .order_by("project_id", "-sent_on", "-revision", "-id")
    )
    chosen: dict[int, Quote] = {}
    for quote in quotes:
        current = chosen.get(quote.project_id)
        accepted = quote.status == QuoteStatus.ACCEPTED
        if current is None or (accepted and current.status != QuoteStatus.ACCEPTED):
            chosen[quote.project_id] = quote
    return chosen


# --- the actual -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RunActual:
    """A run's minutes, sheets and material × thickness (None when neither its preset nor its
    sheets say), and the preset it ran with."""

    run_id: int
    started_at: dt.datetime
    minutes: Decimal
    sheets: int
    key: StockKey | None
    preset_id: int | None


@dataclasses.dataclass(frozen=True)
class JobPart:
    """One job's part of one run."""

    run: RunActual
    project_id: int
    share: Decimal
    cut_length_mm: Decimal
    parts: int


def _run_parts(since: dt.datetime | None) -> tuple[list[JobPart], dict[int, Project]]:
    """Every job's part of the runs since `since`, and the jobs (with their clients)."""
    rows = LaserRunProject.objects.select_related(
        "run__preset__material", "project__client"
    ).order_by("run__started_at", "run_id", "id")
    sheets = LaserRunSheet.objects.select_related("stock__material").order_by("id")
    if since is not None:
        rows = rows.filter(run__started_at__gte=since)
        sheets = sheets.filter(run__started_at__gte=since)
    sheet_count: dict[int, int] = defaultdict(int)
    sheet_key: dict[int, StockKey] = {}
    for sheet in sheets:
        sheet_count[sheet.run_id] += sheet.quantity
        sheet_key.setdefault(
            sheet.run_id, stock_key(sheet.stock.material.code, sheet.stock.thickness_mm)
        )
    runs: dict[int, RunActual] = {}
    parts: list[JobPart] = []
    projects: dict[int, Project] = {}
    for row in rows:
        run = runs.get(row.run_id)
        if run is None:
            laser_run = row.run
            preset = laser_run.preset
            key = (
                stock_key(preset.material.code, preset.thickness_mm)
                if preset is not None
                else sheet_key.get(laser_run.pk)
            )
            seconds = Decimal(int((laser_run.ended_at - laser_run.started_at).total_seconds()))
            run = runs[row.run_id] = RunActual(
                run_id=laser_run.pk,
                started_at=laser_run.started_at,
                minutes=seconds / SIXTY,
                sheets=sheet_count.get(laser_run.pk, 0),
                key=key,
                preset_id=laser_run.preset_id,
            )
        projects[row.project_id] = row.project
        parts.append(
            JobPart(
                run=run,
                project_id=row.project_id,
                share=row.share,
                cut_length_mm=row.cut_length_mm,
                parts=row.parts,
            )
        )
    return parts, projects


# --- the comparison -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Compared:
    """Estimated against actual: minutes and sheets, with their ratios (actual ÷ estimate)."""

    estimated_minutes: Decimal
    actual_minutes: Decimal
    estimated_kg: Decimal
    estimated_sheets: Decimal
    actual_sheets: Decimal

    @property
    def minutes_ratio(self) -> Decimal | None:
        return ratio(self.actual_minutes, self.estimated_minutes)

    @property
    def sheets_ratio(self) -> Decimal | None:
        return ratio(self.actual_sheets, self.estimated_sheets)

    @property
    def minutes_off(self) -> bool:
        return is_off(self.minutes_ratio)

    @property
    def sheets_off(self) -> bool:
        return is_off(self.sheets_ratio)


@dataclasses.dataclass(frozen=True)
class JobComparison:
    """One job: its quote against its runs (all of them, whatever the material)."""

    project_id: int
    code: str
    name: str
    client: str
    quote_id: int
    quote_label: str
    quote_status: str
    runs: int
    figures: Compared


@dataclasses.dataclass(frozen=True)
class StockComparison:
    """One material × thickness: the jobs quoted and cut in it, their runs and totals."""

    material_code: str
    thickness_mm: Decimal
    jobs: int
    runs: int
    figures: Compared


@dataclasses.dataclass(frozen=True)
class RunComparison:
    """One run against the estimate of the jobs it cut (their quoted lines of its material ×
    thickness, spread over each job's runs by cut length): for calibration."""

    run_id: int
    key: StockKey
    preset_id: int | None  # the preset whose speed made most of the estimate (None: fallback)
    actual_minutes: Decimal  # the run's minutes × the shares of the jobs with an estimate
    quoted_minutes: Decimal
    today_minutes: Decimal
    today_cut_pierce: Decimal

    @property
    def today_ratio(self) -> Decimal | None:
        return ratio(self.actual_minutes, self.today_minutes)


@dataclasses.dataclass(frozen=True)
class EstimateReport:
    jobs: list[JobComparison]
    stocks: list[StockComparison]
    runs: list[RunComparison]
    jobs_with_runs: int
    runs_counted: int
    without_quote: int  # jobs with runs and no sent or accepted quote with drawing lines
    without_runs: int  # jobs with a sent or accepted quote and no run
    runs_without_material: int  # neither preset nor sheets say what a run cut
    lines_unreadable: int  # drawing lines whose kept pricing could not be priced again
    unmatched_jobs: int  # compared jobs with a run of a material × thickness they were not quoted


def _spread(parts: list[JobPart]) -> dict[int, Decimal]:
    """Each part's weight in its job's runs: by cut length, else by parts, else equally."""
    total_cut = sum((p.cut_length_mm for p in parts), ZERO)
    total_parts = sum(p.parts for p in parts)
    if total_cut > 0:
        return {id(p): p.cut_length_mm / total_cut for p in parts}
    if total_parts > 0:
        return {id(p): Decimal(p.parts) / total_parts for p in parts}
    return {id(p): ONE / len(parts) for p in parts}


def compare_estimates(*, since: dt.datetime | None = None) -> EstimateReport:
    """Estimate against actual for the jobs cut since `since` (all runs when None), per job,
    per material × thickness and per run. A handful of queries whatever the number of jobs."""
    parts, projects = _run_parts(since)
    quotes = quoted_for(list(projects))
    estimates, unreadable = _quoted_estimates(quotes)
    by_job = _parts_by_job(parts)
    jobs: list[JobComparison] = []
    totals = _Totals()
    for project_id, job_parts in by_job.items():
        per_key = estimates.get(project_id)
        if not per_key:
            continue
        quote, project = quotes[project_id], projects[project_id]
        jobs.append(_job_comparison(project_id, quote, project, per_key, job_parts))
        totals.add_job(per_key, job_parts)
    stocks, runs = totals.stock_comparisons(), totals.run_comparisons()
    jobs.sort(key=_how_far_off)
    return EstimateReport(
        jobs=jobs,
        stocks=stocks,
        runs=runs,
        jobs_with_runs=len(by_job),
        runs_counted=len({p.run.run_id for p in parts}),
        without_quote=len(by_job) - len(jobs),
        without_runs=_quoted_without_runs(),
        runs_without_material=len({p.run.run_id for p in parts if p.run.key is None}),
        lines_unreadable=unreadable,
        unmatched_jobs=totals.unmatched,
    )


def _quoted_estimates(quotes: dict[int, Quote]) -> tuple[dict[int, dict[StockKey, Estimate]], int]:
    """Each job's quoted drawing lines added up per material × thickness, and how many lines
    could not be read (no material or thickness, or kept pricing that no longer prices)."""
    lines = list(
        QuoteLine.objects.filter(
            quote_id__in=[q.pk for q in quotes.values()], kind=QuoteLineKind.DRAWING
        ).order_by("quote_id", "position", "id")
    )
    today = TodaysValues.load(
        (line.pricing_input or {}).get("preset", {}).get("preset_id") or 0 for line in lines
    )
    estimates: dict[int, dict[StockKey, Estimate]] = defaultdict(dict)
    unreadable = 0
    project_of = {q.pk: project_id for project_id, q in quotes.items()}
    for line in lines:
        readable = _readable_line_estimate(line, today)
        if readable is None:
            unreadable += 1
            continue
        key, figures = readable
        estimates[project_of[line.quote_id]].setdefault(key, Estimate()).add(figures)
    return estimates, unreadable


def _readable_line_estimate(
    line: QuoteLine, today: TodaysValues
) -> tuple[StockKey, Estimate] | None:
    """The line's material × thickness and figures, or None when it has no material or
    thickness or its kept pricing cannot be priced again."""
    if not line.material_code or line.thickness_mm is None:
        return None
    try:
        figures = line_estimate(line, today)
    except (PricingError, ArithmeticError, KeyError, TypeError, ValueError):
        return None
    return stock_key(line.material_code, line.thickness_mm), figures


def _parts_by_job(parts: list[JobPart]) -> dict[int, list[JobPart]]:
    by_job: dict[int, list[JobPart]] = defaultdict(list)
    for part in parts:
        by_job[part.project_id].append(part)
    return by_job


def _job_comparison(
    project_id: int,
    quote: Quote,
    project: Project,
    per_key: dict[StockKey, Estimate],
    job_parts: list[JobPart],
) -> JobComparison:
    """One job's quote (all its materials) against all its runs."""
    whole = Estimate()
    for estimate in per_key.values():
        whole.add(estimate)
    return JobComparison(
        project_id=project_id,
        code=project.code,
        name=project.name,
        client=str(project.client) if project.client_id else "",
        quote_id=quote.pk,
        quote_label=quote.label,
        quote_status=quote.get_status_display(),
        runs=len({p.run.run_id for p in job_parts}),
        figures=Compared(
            estimated_minutes=whole.minutes,
            actual_minutes=sum((p.run.minutes * p.share for p in job_parts), ZERO),
            estimated_kg=whole.kg,
            estimated_sheets=whole.sheets,
            actual_sheets=sum((p.run.sheets * p.share for p in job_parts), ZERO),
        ),
    )


@dataclasses.dataclass
class _StockTotal:
    """One material × thickness so far: the quoted lines of its jobs and their part of its runs."""

    estimate: Estimate = dataclasses.field(default_factory=Estimate)
    jobs: int = 0
    runs: set[int] = dataclasses.field(default_factory=set)
    minutes: Decimal = ZERO
    sheets: Decimal = ZERO


@dataclasses.dataclass
class _RunTotal:
    """One run so far: the minutes of the jobs with an estimate, and their estimate's part."""

    key: StockKey
    actual: Decimal = ZERO
    estimate: Estimate = dataclasses.field(default_factory=Estimate)


class _Totals:
    """The compared jobs added up per material × thickness and per run."""

    def __init__(self) -> None:
        self.stocks: dict[StockKey, _StockTotal] = {}
        self.runs: dict[int, _RunTotal] = {}
        self.unmatched = 0  # jobs with a run of a material × thickness they were not quoted

    def add_job(self, per_key: dict[StockKey, Estimate], job_parts: list[JobPart]) -> None:
        """A job's quoted lines and its runs, for each material × thickness it was quoted and
        cut in (a run of a material it was not quoted counts the job as unmatched)."""
        in_key: dict[StockKey, list[JobPart]] = defaultdict(list)
        for part in job_parts:
            if part.run.key is not None:
                in_key[part.run.key].append(part)
        if any(key not in per_key for key in in_key):
            self.unmatched += 1
        for key, key_parts in in_key.items():
            if key in per_key:
                self._add_stock(key, per_key[key], key_parts)

    def _add_stock(self, key: StockKey, estimate: Estimate, key_parts: list[JobPart]) -> None:
        total = self.stocks.setdefault(key, _StockTotal())
        total.estimate.add(estimate)
        total.jobs += 1
        weights = _spread(key_parts)
        for part in key_parts:
            total.runs.add(part.run.run_id)
            total.minutes += part.run.minutes * part.share
            total.sheets += part.run.sheets * part.share
            self._add_run(key, part, estimate, weights[id(part)])

    def _add_run(self, key: StockKey, part: JobPart, estimate: Estimate, weight: Decimal) -> None:
        """The job's part of the run (of `key`), and its weight's part of the job's estimate."""
        run = self.runs.setdefault(part.run.run_id, _RunTotal(key=key))
        run.actual += part.run.minutes * part.share
        run.estimate.add(
            Estimate(
                minutes=estimate.minutes * weight,
                today_minutes=estimate.today_minutes * weight,
                today_cut_pierce=estimate.today_cut_pierce * weight,
                by_preset={k: v * weight for k, v in estimate.by_preset.items()},
            )
        )

    def stock_comparisons(self) -> list[StockComparison]:
        return [
            StockComparison(
                material_code=key[0],
                thickness_mm=key[1],
                jobs=total.jobs,
                runs=len(total.runs),
                figures=Compared(
                    estimated_minutes=total.estimate.minutes,
                    actual_minutes=total.minutes,
                    estimated_kg=total.estimate.kg,
                    estimated_sheets=total.estimate.sheets,
                    actual_sheets=total.sheets,
                ),
            )
            for key, total in sorted(self.stocks.items())
        ]

    def run_comparisons(self) -> list[RunComparison]:
        """The runs with an estimate at today's speeds, each with the preset that made most of
        it."""
        return [
            RunComparison(
                run_id=run_id,
                key=total.key,
                preset_id=max(total.estimate.by_preset.items(), key=lambda kv: kv[1])[0],
                actual_minutes=total.actual,
                quoted_minutes=total.estimate.minutes,
                today_minutes=total.estimate.today_minutes,
                today_cut_pierce=total.estimate.today_cut_pierce,
            )
            for run_id, total in sorted(self.runs.items())
            if total.estimate.today_minutes > 0
        ]


def _quoted_without_runs() -> int:
    """Jobs with a sent or accepted quote with drawing lines and no run (ever)."""
    return (
        Quote.objects.filter(Q(status=QuoteStatus.ACCEPTED) | Q(sent_on__isnull=False))
        .filter(lines__kind=QuoteLineKind.DRAWING)
        .exclude(project__laser_runs__isnull=False)
        .values("project_id")
        .distinct()
        .count()
    )


def _how_far_off(job: JobComparison) -> tuple[int, Decimal, str]:
    """The jobs furthest from their estimate first (either way), then by code."""
    value = job.figures.minutes_ratio
    if value is None or value <= 0:
        return (1, ZERO, job.code)
    distance = value if value >= 1 else ONE / value
    return (0, -distance, job.code)
