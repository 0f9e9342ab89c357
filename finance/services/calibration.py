"""Calibration (issue 11, part 8): what the laser runs say the quotes' speeds and rates should be,
proposed to a manager and applied only when they accept (`manage.py calibrate_rates`).

Each run is compared with what the quotes of the jobs it cut would say today (the preset's speed
and pierce time and the travel allowance as they are now, `finance.estimates`),
so a proposal already applied is not proposed again from the same runs.

- A preset: its speed factor is the median of actual ÷ estimate over the runs its speed
  estimated, with the number of runs; the proposed cut speed is the speed ÷ the factor (the
  pierce time is left alone, so a preset that mostly pierces is corrected a little less).
- The travel allowance: the runs cannot tell a slow speed from slow moves between cuts on one
  preset. When two or more presets, each with enough runs, are all off by about the same factor
  (within 10 % of the shop-wide median), that common part is proposed as the travel allowance
  (the median of actual ÷ cutting-and-piercing minutes) and each preset is left only what
  differs from it, so accepting both never counts the same overrun twice.
- Set-up minutes and sheet utilisation are not proposed (see NOT_MEASURED).

Applying is one transaction: presets through `production.services.preset_update` (their change
log and audit), rates through `rates_update` (the ShopRatesChange log, with the reason); a value
that changed since the proposal was made refuses the whole of it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from laseros.actors import Actor
from production.models import CutPreset, CutPresetChange
from production.services import preset_update

from ..estimates import RunComparison, compare_estimates
from ..models import ShopRates, ShopRatesChange
from ..selectors import current_rates
from .rates import rates_update

MIN_RUNS = 5
CLOSE_ENOUGH = Decimal("0.02")  # a factor within 2 % of 1 proposes nothing
AGREE = Decimal("0.10")  # presets within 10 % of the shop-wide factor share a travel cause
TRAVEL_CLOSE_ENOUGH = Decimal("0.5")  # percentage points
ONE = Decimal(1)
HUNDRED = Decimal(100)
FACTOR_PLACES = Decimal("0.001")
SPEED_PLACES = Decimal("0.1")  # CutPreset.cut_speed_mm_min keeps one place
PCT_PLACES = Decimal("0.01")

NOT_MEASURED = (
    "Set-up minutes: not proposed. A run is timed from its start to its end; the set-up before "
    "it (loading the sheet and the program, the first cut check) is not recorded.",
    "Sheet utilisation: not proposed. A run takes whole sheets from stock and what is left goes "
    "back as offcuts, so its sheets overstate what the parts used.",
)


@dataclasses.dataclass(frozen=True)
class PresetProposal:
    """A preset's cut speed, from the runs its speed estimated."""

    preset_id: int
    label: str
    runs: int
    factor: Decimal  # median of actual ÷ estimate (what remains after the travel allowance)
    speed_now: Decimal
    speed_new: Decimal

    def describe(self) -> str:
        return (
            f"Preset {self.label}: speed factor {self.factor} over {self.runs} runs; cut speed "
            f"{self.speed_now:f} -> {self.speed_new:f} mm/min"
        )


@dataclasses.dataclass(frozen=True)
class RatesProposal:
    """One of the shop's rates, from the runs of every preset."""

    field: str
    label: str
    runs: int
    value_now: Decimal
    value_new: Decimal
    why: str

    def describe(self) -> str:
        return (
            f"Rates: {self.label} {self.value_now:f} -> {self.value_new:f} over {self.runs} runs "
            f"({self.why})"
        )


Proposal = PresetProposal | RatesProposal


@dataclasses.dataclass(frozen=True)
class Skipped:
    """A preset the runs say nothing certain about, and why."""

    label: str
    runs: int
    why: str


@dataclasses.dataclass(frozen=True)
class Calibration:
    presets: tuple[PresetProposal, ...]
    rates: tuple[RatesProposal, ...]
    skipped: tuple[Skipped, ...]
    runs_compared: int  # runs with an estimate to compare with
    runs_counted: int  # runs in the period
    runs_without_preset: int  # compared runs whose estimate used the fallback speed
    notes: tuple[str, ...] = NOT_MEASURED

    @property
    def proposals(self) -> list[Proposal]:
        return [*self.rates, *self.presets]


def _median(values: Sequence[Decimal]) -> Decimal:
    return Decimal(statistics.median(values))


def _ratio(run: RunComparison) -> Decimal:
    return run.actual_minutes / run.today_minutes


def calibration_propose(
    *, min_runs: int = MIN_RUNS, since: dt.datetime | None = None
) -> Calibration:
    """What the runs since `since` support: a speed factor per preset with at least `min_runs`
    runs, and the travel allowance when the presets share an overrun. Reads only."""
    if min_runs < 1:
        raise ValidationError({"min_runs": "At least 1 run behind a proposal."})
    report = compare_estimates(since=since)
    compared = [r for r in report.runs if r.today_minutes > 0 and r.actual_minutes > 0]
    by_preset = _runs_by_preset(compared)
    presets = CutPreset.objects.select_related("material").in_bulk(list(by_preset))
    medians, too_few = _preset_medians(by_preset, presets, min_runs=min_runs)
    rates: list[RatesProposal] = []
    shared = ONE
    travel = _travel_proposal(medians, by_preset)
    if travel is not None:
        rates.append(travel[0])
        shared = travel[1]
    proposals, close = _preset_proposals(medians, by_preset, presets, shared=shared)
    return Calibration(
        presets=tuple(proposals),
        rates=tuple(rates),
        skipped=(*too_few, *close),
        runs_compared=len(compared),
        runs_counted=report.runs_counted,
        runs_without_preset=sum(1 for r in compared if r.preset_id is None),
    )


def _runs_by_preset(compared: list[RunComparison]) -> dict[int, list[RunComparison]]:
    """The compared runs per preset whose speed made their estimate (not the fallback's)."""
    by_preset: dict[int, list[RunComparison]] = defaultdict(list)
    for run in compared:
        if run.preset_id is not None:
            by_preset[run.preset_id].append(run)
    return by_preset


def _preset_medians(
    by_preset: dict[int, list[RunComparison]], presets: dict[int, CutPreset], *, min_runs: int
) -> tuple[dict[int, Decimal], list[Skipped]]:
    """The median of actual ÷ estimate of each preset with at least `min_runs` runs (in preset
    order), and the presets skipped for too few."""
    skipped: list[Skipped] = []
    medians: dict[int, Decimal] = {}
    for preset_id, runs in sorted(by_preset.items()):
        preset = presets.get(preset_id)
        if preset is None or not preset.cut_speed_mm_min:
            continue  # gone, or no speed: TodaysValues left its runs out already
        if len(runs) < min_runs:
            skipped.append(
                Skipped(str(preset), len(runs), f"fewer than {min_runs} runs (--min-runs)")
            )
            continue
        medians[preset_id] = _median([_ratio(r) for r in runs])
    return medians, skipped


def _preset_proposals(
    medians: dict[int, Decimal],
    by_preset: dict[int, list[RunComparison]],
    presets: dict[int, CutPreset],
    *,
    shared: Decimal,
) -> tuple[list[PresetProposal], list[Skipped]]:
    """A new cut speed for each preset whose factor (its median ÷ the part the travel allowance
    takes) is more than CLOSE_ENOUGH from 1, and the presets skipped for being close enough."""
    proposals: list[PresetProposal] = []
    skipped: list[Skipped] = []
    for preset_id, median in medians.items():
        preset = presets[preset_id]
        factor = (median / shared).quantize(FACTOR_PLACES, rounding=ROUND_HALF_UP)
        count = len(by_preset[preset_id])
        if abs(factor - ONE) <= CLOSE_ENOUGH:
            why = f"factor {factor}: within {CLOSE_ENOUGH * HUNDRED:.0f} % of its estimate"
            skipped.append(Skipped(str(preset), count, why))
            continue
        speed_now = Decimal(preset.cut_speed_mm_min or 0)
        proposals.append(
            PresetProposal(
                preset_id=preset_id,
                label=str(preset),
                runs=count,
                factor=factor,
                speed_now=speed_now,
                speed_new=(speed_now / factor).quantize(SPEED_PLACES, rounding=ROUND_HALF_UP),
            )
        )
    return proposals, skipped


def _travel_proposal(
    medians: dict[int, Decimal], by_preset: dict[int, list[RunComparison]]
) -> tuple[RatesProposal, Decimal] | None:
    """The travel allowance the runs support, and the shop-wide factor it takes from each
    preset's, when two or more presets agree on that factor; else None."""
    if len(medians) < 2:
        return None
    runs = [run for preset_id in medians for run in by_preset[preset_id]]
    shared = _median([_ratio(r) for r in runs])
    if shared <= 0 or any(abs(m / shared - ONE) > AGREE for m in medians.values()):
        return None
    moves = _median([r.actual_minutes / r.today_cut_pierce for r in runs if r.today_cut_pierce > 0])
    now = current_rates().travel_allowance_pct
    new = ((moves - ONE) * HUNDRED).quantize(PCT_PLACES, rounding=ROUND_HALF_UP)
    if new < 0 or new > 1000 or abs(new - now) <= TRAVEL_CLOSE_ENOUGH:
        return None
    label = ShopRates._meta.get_field("travel_allowance_pct").verbose_name
    proposal = RatesProposal(
        field="travel_allowance_pct",
        label=str(label),
        runs=len(runs),
        value_now=now,
        value_new=new,
        why=f"{len(medians)} presets all off by about {shared.quantize(FACTOR_PLACES)}",
    )
    return proposal, shared


@dataclasses.dataclass(frozen=True)
class CalibrationApplied:
    preset_changes: list[CutPresetChange]
    rates_change: ShopRatesChange | None


@transaction.atomic
def calibration_apply(
    *, proposals: Sequence[Proposal], by: Actor = None, reason: str
) -> CalibrationApplied:
    """Apply the proposals a manager accepted, all or none: each preset through preset_update
    (its change log), the rates through rates_update (the rates' log), each with the reason and
    the evidence. Refused, changing nothing, without a reason or when a value has changed since
    the proposal was made."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the speeds and rates are changed (--reason)."})
    changes: list[CutPresetChange] = []
    rate_changes: dict[str, Decimal] = {}
    evidence: list[str] = []
    for proposal in proposals:
        if isinstance(proposal, PresetProposal):
            changes.append(_apply_preset(proposal, by=by, reason=reason))
        else:
            current = getattr(current_rates(), proposal.field)
            if Decimal(current) != proposal.value_now:
                raise _stale(proposal.label, current, proposal.value_now)
            rate_changes[proposal.field] = proposal.value_new
            evidence.append(f"{proposal.field} over {proposal.runs} runs")
    entry = None
    if rate_changes:
        entry = rates_update(
            changes=rate_changes,
            by=by,
            reason=f"{reason} (calibrate_rates: {', '.join(evidence)})",
        )
    return CalibrationApplied(preset_changes=changes, rates_change=entry)


def _apply_preset(proposal: PresetProposal, *, by: Actor, reason: str) -> CutPresetChange:
    preset = CutPreset.objects.select_for_update().get(pk=proposal.preset_id)
    if preset.cut_speed_mm_min != proposal.speed_now:
        raise _stale(f"{preset}'s cut speed", preset.cut_speed_mm_min, proposal.speed_now)
    entry = preset_update(
        preset=preset,
        changes={"cut_speed_mm_min": proposal.speed_new},
        by=by,
        reason=f"{reason} (calibrate_rates: speed factor {proposal.factor} over "
        f"{proposal.runs} runs)",
    )
    if entry is None:  # the speed rounds to what it is: nothing to log, nothing changed
        raise ValidationError(f"{preset}: {proposal.speed_new} mm/min is its speed already.")
    return entry


def _stale(what: str, now: object, proposed_from: Decimal) -> ValidationError:
    return ValidationError(
        f"{what} is {now} now, not {proposed_from:f} as when it was proposed: run "
        "calibrate_rates again. Nothing was changed."
    )
