"""Demo drawings: a few generated DXF parts ingested into the demo shop's jobs.

`seed_files(size, rng, log)` is the last step of `seed_demo` (laseros.site.demo.STEPS). The drawings are plain R12 text made here (no timestamps), so running the
step again finds the same bytes and changes nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from ingest.models import FileSource
from ingest.services import ingest
from projects.models import Project

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


def seed_files(size: int, rng: random.Random, log: Callable[[str], None]) -> None:
    """One or two drawings for each of the first demo jobs (more jobs for a bigger demo)."""
    projects = list(
        Project.objects.select_related("client", "material").order_by("code")[: 3 * max(size, 1)]
    )
    if not projects:
        log("files: no projects yet, no drawings added")
        return
    created = duplicates = 0
    for number, project in enumerate(projects, start=1):
        own = random.Random(project.code)  # the same job always gets the same drawings
        material = project.material.code if project.material_id else own.choice(["MS", "GALV"])
        thickness = project.thickness_mm or own.choice([1.2, 2, 3, 5])
        for part, width, height, holes in own.sample(DEMO_PARTS, k=1 + own.randint(0, 1)):
            quantity = own.choice([2, 4, 10, 20])
            name = f"{number:04d}-{part}-{material}-{float(thickness):g}mm-x{quantity}.dxf"
            try:
                outcome = ingest(
                    source_file=ContentFile(
                        plate_dxf(width, height, holes, note=f"{project.code} {part}")
                    ),
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
