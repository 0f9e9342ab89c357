"""A queue item's estimated minutes, worked out from the job's measured drawings (ingest's
readings: cut length and pierces per piece), the pieces it needs and the cut preset for its
material × thickness, with production.estimating.machine_minutes (the arithmetic finance's
pricing uses too) and the shop's setup (settings.SHOP_SETUP_MINUTES).

The issue's formula, no travel allowance: the allowance is finance's rate (ShopRates), which
production may not read (finance is a layer above); a quote adds it, the queue does not.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.conf import settings

from projects.models import Project

from .. import selectors
from ..estimating import EstimateError, machine_minutes
from ..models import MAX_MINUTES, CutPreset

# Gases in the order a preset is chosen (as finance's pricing chooses): the cheapest first.
GAS_PREFERENCE = ("AIR", "O2", "N2")
THICKNESS_MATCH_MM = Decimal("0.005")


@dataclasses.dataclass(frozen=True)
class JobEstimate:
    """A job's machine minutes (None when they cannot be worked out: `why_not` says why) and
    what they were worked out from."""

    minutes: int | None
    why_not: str = ""
    preset: CutPreset | None = None
    pieces: int = 0
    setup_minutes: int = 0

    @property
    def note(self) -> str:
        """The line the queue item's notes carry: how its minutes were worked out, or why they
        are empty (a manager's typed minutes replace it)."""
        if self.minutes is None:
            return f"{ESTIMATE_NOTE}none. {self.why_not}"
        return (
            f"{ESTIMATE_NOTE}{self.minutes} min from the measured drawings, {self.pieces} pieces "
            f"at {self.preset}, with {self.setup_minutes} min setup."
        )


def preset_for(material_id: int | None, thickness_mm: Decimal | None) -> CutPreset | None:
    """The active preset for material × thickness with a cut speed and a pierce time: air before
    oxygen before nitrogen, then by nozzle and note (finance.selectors.find_preset's rule)."""
    if material_id is None or thickness_mm is None:
        return None
    presets = list(
        CutPreset.objects.select_related("material")
        .filter(
            material_id=material_id,
            is_active=True,
            cut_speed_mm_min__gt=0,
            pierce_time_s__isnull=False,
            thickness_mm__gte=thickness_mm - THICKNESS_MATCH_MM,
            thickness_mm__lte=thickness_mm + THICKNESS_MATCH_MM,
        )
        .order_by("nozzle", "note", "id")
    )
    rank = {gas: n for n, gas in enumerate(GAS_PREFERENCE)}
    presets.sort(key=lambda p: rank.get(p.gas, len(rank)))
    return presets[0] if presets else None


def pieces_wanted(project: Project, piece: selectors.PieceMeasure | None) -> int:
    """The pieces the job needs: its quantity, or what its drawings add up to when they say more
    (three drawings of 10, 20 and 5 pieces make 35)."""
    drawn = int(piece.pieces) if piece is not None else 0
    return max(int(project.quantity or 1), drawn)


def job_estimate(project: Project) -> JobEstimate:
    """The job's machine minutes from its measured drawings × the pieces it needs, at its
    preset's speed and pierce time, plus the shop's setup; or why they cannot be worked out."""
    if project.material_id is None or not project.thickness_mm:
        return JobEstimate(None, f"{project.code} has no material and thickness to find a preset.")
    piece = selectors.measured_pieces([project.pk]).get(project.pk)
    if piece is None:
        return JobEstimate(
            None,
            f"{project.code} has no measured drawing yet (a processed DXF or LightBurn file).",
        )
    preset = preset_for(project.material_id, project.thickness_mm)
    if preset is None:
        code = project.material.code if project.material is not None else "?"
        return JobEstimate(
            None,
            f"There is no active cut preset for {code} {project.thickness_mm.normalize():f} mm "
            "with a cut speed and a pierce time.",
        )
    try:
        time = machine_minutes(
            cut_length_mm=piece.cut_length_mm,
            cut_speed_mm_min=preset.cut_speed_mm_min,
            pierce_count=piece.pierce_count,
            pierce_time_s=preset.pierce_time_s,
            quantity=pieces_wanted(project, piece),
            setup_minutes=Decimal(settings.SHOP_SETUP_MINUTES),
        )
    except EstimateError as exc:
        return JobEstimate(None, f"{project.code}: {exc}", preset)
    if time.whole_minutes > MAX_MINUTES:
        return JobEstimate(
            None,
            f"{project.code}: {time.whole_minutes:,} minutes is more than a queue item holds "
            f"({MAX_MINUTES:,}); check the drawings and the quantity.",
            preset,
        )
    return JobEstimate(
        time.whole_minutes,
        "",
        preset,
        pieces=pieces_wanted(project, piece),
        setup_minutes=int(settings.SHOP_SETUP_MINUTES),
    )


# The notes' line that says how the estimate was worked out; its presence also says the minutes
# are the drawings' (worked out again when a drawing is measured again), not a manager's.
ESTIMATE_NOTE = "Estimate: "


def notes_with_estimate(notes: str, note: str) -> str:
    """`notes` with the estimate's line replaced by `note` (removed when `note` is empty)."""
    lines = [line for line in (notes or "").splitlines() if not line.startswith(ESTIMATE_NOTE)]
    if note:
        lines.append(note)
    return "\n".join(lines)


def has_estimate_note(notes: str) -> bool:
    return any(line.startswith(ESTIMATE_NOTE) for line in (notes or "").splitlines())
