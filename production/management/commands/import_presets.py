"""manage.py import_presets PATH [--dry-run] [--user NAME] [--default-material CODE] ...

PATH is either a CSV/XLSX of cut presets (columns: CutPreset field names or their labels —
material, thickness_mm / "Thickness (mm)", gas, nozzle, note, name, "cut speed (mm/min)", ...)
or a folder of CypCut `.fsm` files. The `.fsm` files are encrypted: only their names are read
(production.cypcut_names): thickness, material, gas ("02" is O2), nozzle and the rest as a note.
Names that carry no thickness, material, gas or nozzle are reported as skipped (the defaults
options fill the gaps). A preset is matched by material × thickness × gas × nozzle × note (the
model's unique key), so importing the same folder or file twice changes nothing; changed
parameters go through preset_update and into the preset's change log.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import DatabaseError, models, transaction

from inventory.management.cells import (
    header_key,
    material_for,
    parse_bool,
    parse_decimal,
    parse_int,
)
from laseros.actors import Actor
from laseros.importing import CREATED, UNCHANGED, UPDATED, ImportCommand, RowSkipped, read_table
from production.cypcut_names import UnreadableName, parse_fsm_name
from production.models import PRESET_TUNED_FIELDS, CutPreset, Gas
from production.services import preset_create, preset_update

KEY_FIELDS = ("material", "thickness_mm", "gas", "nozzle", "note")
EXTRA_ALIASES = {
    "material_code": "material",
    "mat": "material",
    "thickness": "thickness_mm",
    "speed": "cut_speed_mm_min",
    "cut_speed": "cut_speed_mm_min",
    "speed_mm_min": "cut_speed_mm_min",
    "power": "actual_power_w",
    "pressure": "gas_pressure_bar",
    "gas_pressure": "gas_pressure_bar",
    "pierce_time": "pierce_time_s",
    "kerf": "kerf_mm",
    "focus": "focus_position_mm",
    "nozzle_height": "nozzle_height_mm",
    "file": "source_file_name",
    "fsm": "source_file_name",
    "fsm_file": "source_file_name",
    "source_file": "source_file_name",
    "active": "is_active",
}


def column_names() -> dict[str, str]:
    """Every header the CSV may use -> the CutPreset field it fills."""
    names: dict[str, str] = {}
    for field_name in PRESET_TUNED_FIELDS:
        field = CutPreset._meta.get_field(field_name)
        names[header_key(field.name)] = field.name
        names[header_key(str(field.verbose_name))] = field.name
    names.update(EXTRA_ALIASES)
    return names


def gas_value(text: str) -> str:
    """ "Air", "o2", "02", "oxygen", "Nitrogen (N2)" -> a Gas value."""
    key = (text or "").strip().upper()
    words = {"02": "O2", "OXY": "O2", "OXYGEN": "O2", "NITRO": "N2", "NITROGEN": "N2"}
    key = words.get(key, key)
    for value, label in Gas.choices:
        if key in (value, label.upper()):
            return value
    raise ValueError(f"{text!r} is not Air, O2 or N2")


class PresetImporter:
    """Turns a row (from a table or an .fsm name) into a created/updated/unchanged preset."""

    def __init__(
        self,
        *,
        source: str,
        by: Actor = None,
        default_material: str = "",
        default_gas: str = "",
        default_nozzle: str = "",
    ):
        self.source = source
        self.by = by
        self.default_material = default_material
        try:
            self.default_gas = gas_value(default_gas) if default_gas else ""
        except ValueError as exc:
            raise ValueError(f"--default-gas: {exc}") from None
        self.default_nozzle = (default_nozzle or "").strip().upper()
        self.seen: dict[tuple, str] = {}  # key -> the row that set it in this run
        self.columns = column_names()

    # --- the two kinds of input -----------------------------------------------------------------

    def fsm_row(self, row: dict[str, str]) -> tuple[str, str]:
        file_name = row["file"]
        try:
            parsed = parse_fsm_name(file_name)
        except UnreadableName as exc:
            raise RowSkipped(str(exc)) from None
        missing = []
        material = parsed.material or self.default_material
        gas = parsed.gas or self.default_gas
        nozzle = parsed.nozzle or self.default_nozzle
        if not material:
            missing.append("no material in the name (use --default-material)")
        if not gas:
            missing.append("no gas in the name (use --default-gas)")
        if not nozzle:
            missing.append("no nozzle in the name (use --default-nozzle)")
        if missing:
            raise RowSkipped(f"{file_name!r}: " + "; ".join(missing))
        fields = {
            "material": material,
            "thickness_mm": parsed.thickness_mm,
            "gas": gas,
            "nozzle": nozzle,
            "note": parsed.note,
            "name": file_name[:-4] if file_name.lower().endswith(".fsm") else file_name,
            "source_file_name": file_name,
        }
        return self.save(fields, label=file_name)

    def table_row(self, row: dict[str, str]) -> tuple[str, str]:
        cells: dict[str, str] = {}
        for header, value in row.items():
            field = self.columns.get(header_key(header))
            if field and (value or "").strip():
                cells[field] = value.strip()
        errors: dict[str, str] = {}
        fields: dict[str, Any] = {}
        for name, text in cells.items():
            try:
                fields[name] = self._value(name, text)
            except ValueError as exc:
                errors[name] = str(exc)
        # A name like "3mm Air MS 1.5sn New" fills the key fields the row leaves empty.
        if fields.get("name") and any(k not in fields for k in KEY_FIELDS if k != "note"):
            try:
                parsed = parse_fsm_name(fields["name"])
            except UnreadableName:
                parsed = None
            if parsed is not None:
                for key, value in (
                    ("material", parsed.material),
                    ("thickness_mm", parsed.thickness_mm),
                    ("gas", parsed.gas),
                    ("nozzle", parsed.nozzle),
                ):
                    if value and key not in fields and key not in errors:
                        fields[key] = value
                if "note" not in cells and "note" not in fields:
                    fields["note"] = parsed.note
        fields.setdefault("material", self.default_material or None)
        fields.setdefault("gas", self.default_gas or None)
        fields.setdefault("nozzle", self.default_nozzle or None)
        for key in ("material", "thickness_mm", "gas", "nozzle"):
            if not fields.get(key) and key not in errors:
                errors[key] = "required"
        if errors:
            raise ValueError("; ".join(f"{k}: {v}" for k, v in errors.items()))
        fields.setdefault("note", "")
        return self.save(fields, label=fields.get("name") or "")

    def _value(self, name: str, text: str) -> Any:
        if name == "gas":
            return gas_value(text)
        if name == "is_active":
            return parse_bool(text)
        if name in ("material", "nozzle", "note", "name", "notes", "source_file_name"):
            return text
        field = CutPreset._meta.get_field(name)
        if isinstance(field, models.DecimalField):
            return parse_decimal(text)
        if isinstance(field, models.IntegerField):
            return parse_int(text)
        return text

    # --- saving ---------------------------------------------------------------------------------

    def save(self, fields: dict[str, Any], *, label: str) -> tuple[str, str]:
        try:
            material = material_for(fields["material"], by=self.by)
        except ValueError as exc:
            raise ValueError(f"material: {exc}") from None
        fields = {**fields, "material": material}
        # The key as the service will store it (see production.services._normalise_preset).
        probe = CutPreset(**{k: fields[k] for k in KEY_FIELDS})
        probe.thickness_mm = Decimal(str(probe.thickness_mm)).quantize(Decimal("0.01"))
        probe.nozzle = probe.nozzle.strip().upper()
        probe.note = (probe.note or "").strip()
        key = (material.pk, probe.thickness_mm, probe.gas, probe.nozzle, probe.note)
        text_key = (
            f"{material.code} {probe.thickness_mm.normalize():f}mm {probe.gas} {probe.nozzle}"
        )
        text_key += f" {probe.note}" if probe.note else ""
        if key in self.seen:
            raise RowSkipped(
                f"{label or text_key}: the same preset ({text_key}) as {self.seen[key]} above"
            )
        self.seen[key] = label or text_key
        try:
            with transaction.atomic():
                return self._save(probe, fields, label or text_key)
        except DatabaseError as exc:
            raise ValueError(f"the database refused the row: {exc}") from None

    def _save(self, probe: CutPreset, fields: dict[str, Any], label: str) -> tuple[str, str]:
        existing = CutPreset.objects.filter(
            material=probe.material,
            thickness_mm=probe.thickness_mm,
            gas=probe.gas,
            nozzle=probe.nozzle,
            note=probe.note,
        ).first()
        if existing is None:
            preset_create(by=self.by, **fields)
            return CREATED, label
        changes = {k: v for k, v in fields.items() if k not in KEY_FIELDS}
        entry = preset_update(
            preset=existing, changes=changes, by=self.by, reason=f"imported from {self.source}"
        )
        if entry is None:
            return UNCHANGED, label
        return UPDATED, f"{label} ({entry.fields_changed})"


class Command(ImportCommand):
    help = (
        "Import cut presets from a CSV/XLSX file (CutPreset columns) or from a folder of CypCut "
        ".fsm files (their names: thickness, material, gas, nozzle, note)."
    )

    source_help = "A .csv/.xlsx file, or a folder of .fsm files."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--default-material",
            default="",
            help="Material for names that carry none (e.g. '10mm. N2 fsm.fsm'): a code like MS.",
        )
        parser.add_argument("--default-gas", default="", help="Gas for names that carry none.")
        parser.add_argument(
            "--default-nozzle", default="", help="Nozzle for names that carry none, e.g. 1.5SN."
        )

    def prepare(self, path, *, by, options):
        importer = PresetImporter(
            source=path.name,
            by=by,
            default_material=options["default_material"],
            default_gas=options["default_gas"],
            default_nozzle=options["default_nozzle"],
        )
        if path.is_dir():
            names = sorted(
                p.name for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".fsm"
            )
            if not names:
                raise ValueError(f"{path}: no .fsm files in this folder")
            return [(n, {"file": name}) for n, name in enumerate(names, start=1)], importer.fsm_row
        _headers, rows = read_table(path)
        return rows, importer.table_row
