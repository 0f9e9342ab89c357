"""Demo drawings: a few generated DXF parts ingested into the demo shop's jobs.

`seed_files(size, rng, log)` is the last step of `seed_demo` (laseros.site.demo.STEPS). The drawings are plain R12 text made here (no timestamps), so running the
step again finds the same bytes and changes nothing.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from ingest.models import FileIngest, FileSource
from ingest.services import ingest
from ingest.tasks import process_file
from projects.models import Project

Plate = tuple[str, float, float, tuple[float, ...]]

# part name, width, height, hole diameters (mm)
DEMO_PARTS = (
    ("Base plate", 200.0, 150.0, (14.0, 14.0, 14.0, 14.0)),
    ("Bracket", 120.0, 80.0, (10.0, 10.0)),
    ("Gusset", 100.0, 100.0, (8.0,)),
    ("Cover", 300.0, 180.0, (6.0, 6.0, 6.0, 6.0, 30.0)),
    ("Stair tread", 900.0, 250.0, (12.0, 12.0)),
)


def plate_dxf(width: float, height: float, holes: tuple[float, ...], note: str = "") -> bytes:
    """A rectangular plate with its holes along the middle, as DXF R12 text in mm (`note` goes
    into a comment, so two jobs' drawings of one part are not the same bytes)."""
    pairs: list[tuple[int, object]] = [(999, f"Laser OS demo {note}".strip())] if note else []
    pairs += [
        (0, "SECTION"), (2, "HEADER"), (9, "$ACADVER"), (1, "AC1009"),
        (9, "$INSUNITS"), (70, 4), (0, "ENDSEC"), (0, "SECTION"), (2, "ENTITIES"),
    ]  # fmt: skip
    corners = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
    for (x1, y1), (x2, y2) in zip(corners, corners[1:] + corners[:1], strict=True):
        pairs += [(0, "LINE"), (8, "CUT"), (10, x1), (20, y1), (30, 0.0)]
        pairs += [(11, x2), (21, y2), (31, 0.0)]
    for index, diameter in enumerate(holes):
        x = (index + 1) * width / (len(holes) + 1)
        pairs += [(0, "CIRCLE"), (8, "CUT"), (10, x), (20, height / 2), (30, 0.0)]
        pairs += [(40, diameter / 2)]
    pairs += [(0, "ENDSEC"), (0, "EOF")]
    lines = []
    for code, value in pairs:
        lines.append(f"{code:>3}")
        lines.append(f"{value:.4f}" if isinstance(value, float) else str(value))
    return ("\n".join(lines) + "\n").encode("ascii")


def job_part(project: Project) -> Plate:
    """The part a demo job cuts, read from its name as the catalogue writes it ("Mounting
    bracket A-80x80 3mm x50": an 80×80 plate; "Sign letters H-200": 200 high), with holes of
    twice the thickness (6 mm at least) where they fit; a job without a size gets a part of
    DEMO_PARTS (the same one each time)."""
    name = project.name.rsplit(" x", 1)[0]
    thickness = float(project.thickness_mm or 3)
    size = re.search(r"(\d+)x(\d+)", name)
    high = re.search(r"-(\d+)\b", name)
    if size:
        width, height = float(size.group(1)), float(size.group(2))
    elif high:
        height = float(high.group(1))
        width = round(height * 0.8)
    else:
        return random.Random(project.code).choice(DEMO_PARTS)
    hole = max(6.0, round(2 * thickness))
    fits = min(width, height) >= 4 * hole
    holes = (hole, hole) if fits and max(width, height) >= 6 * hole else (hole,) if fits else ()
    part = "".join(w.capitalize() for w in re.findall(r"[A-Za-z]+", name.split(" ")[0]))
    words = [w for w in name.split() if re.fullmatch(r"[A-Za-z]+", w)]
    part = "".join(w.capitalize() for w in words)[:30] or part or "Part"
    return part, width, height, holes


def plate_measures(plate: Plate) -> tuple[float, float, int]:
    """One plate's cut length (mm), area (mm², net of holes) and pierces: what ingest measures on
    its drawing (for demo runs written in bulk, whose jobs have no drawing)."""
    _, width, height, holes = plate
    cut = 2 * (width + height) + sum(math.pi * d for d in holes)
    area = width * height - sum(math.pi * d * d / 4 for d in holes)
    return cut, area, 1 + len(holes)


def _drawing_name(project: Project, plate: Plate, number: int) -> str:
    material = project.material.code if project.material_id else "MS"
    thickness = float(project.thickness_mm or 3)
    return f"{number:04d}-{plate[0]}-{material}-{thickness:g}mm-x{project.quantity}.dxf"


def ingest_job_drawing(project: Project, number: int = 1) -> FileIngest | None:
    """The job's drawing (job_part), ingested through ingest's pipeline and read at once, so
    its measurements are there before the job is cut (a run's share is measured from them)."""
    plate = job_part(project)
    outcome = ingest(
        source_file=ContentFile(plate_dxf(*plate[1:], note=f"{project.code} {plate[0]}")),
        original_name=_drawing_name(project, plate, number),
        project=project,
        source=FileSource.CLI,
    )
    if outcome.created:
        process_file(outcome.file.pk)
    return outcome.file


def seed_files(size: int, rng: random.Random, log: Callable[[str], None]) -> None:
    """The drawing of each of the first demo jobs (more jobs for a bigger demo): the part its
    name says (job_part), so what a run cut and what the drawing measures agree. Jobs that were
    cut have theirs already (ingested before their run): those count as already there."""
    projects = list(
        Project.objects.select_related("client", "material").order_by("code")[: 3 * max(size, 1)]
    )
    if not projects:
        log("files: no projects yet, no drawings added")
        return
    created = duplicates = 0
    for number, project in enumerate(projects, start=1):
        plate = job_part(project)
        name = _drawing_name(project, plate, number)
        try:
            outcome = ingest(
                source_file=ContentFile(plate_dxf(*plate[1:], note=f"{project.code} {plate[0]}")),
                original_name=name,
                project=project,
                source=FileSource.CLI,
            )
        except ValidationError as exc:  # pragma: no cover - the drawings are well formed
            log(f"files: {name} refused: {'; '.join(exc.messages)}")
            continue
        if outcome.created:
            created += 1
        else:
            duplicates += 1
    log(
        f"files: {created} drawings ingested into {len(projects)} jobs ({duplicates} already there)"
    )
