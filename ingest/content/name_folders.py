"""Reading folder names: client and project codes, the shop's project folders and their dates.

`0002-Blue Plate-10.07.2025` gives the project's number, name and date (month.day.year); a
material named in a project folder is a weak hint for its files. Part of `naming`'s reading.
"""

from __future__ import annotations

import datetime
import re

from inventory.constants import material_code

from .name_info import (
    _DATE,
    NameInfo,
    _take_codes,
    normalise_client_code,
    normalise_project_code,
)

_PROJECT_FOLDER = re.compile(
    r"^(\d{3,5})\s*-\s*(.+?)\s*-\s*(\d{1,2}\.\d{1,2}\.\d{4})(?:\s*-\s*(.*))?$"
)
_PROJECT_FOLDER_NO_DATE = re.compile(r"^(\d{3,5})\s*-\s*(.+)$")


def _read_folder(info: NameInfo, folder: str, depth: int) -> None:
    where = "folder"
    # Deeper folders are closer to the file and win ties.
    bonus = min(depth, 9) * 0.001
    if normalise_client_code(folder):
        info._set("client_code", normalise_client_code(folder), 0.95 + bonus, f"{where} '{folder}'")
        return
    if normalise_project_code(folder):
        code = normalise_project_code(folder)
        info._set("project_code", code, 0.95 + bonus, f"{where} '{folder}'")
        return
    match = _PROJECT_FOLDER.match(folder)
    if match:
        number, project_name, date_text, extra = match.groups()
        info._set("project_number", number, 0.9 + bonus, f"{where} '{folder}'")
        info._set("project_name", project_name.strip(), 0.85 + bonus, f"{where} '{folder}'")
        parsed = _parse_date(date_text)
        if parsed:
            info._set("project_date", parsed[0], parsed[1] + bonus, f"{where} '{folder}'")
        else:
            info.notes.append(f"'{date_text}' in folder '{folder}' is not a date")
        if extra:
            info.unparsed.append(extra)
        return
    match = _PROJECT_FOLDER_NO_DATE.match(folder)
    if match:
        info._set("project_number", match.group(1), 0.6 + bonus, f"{where} '{folder}'")
        info._set("project_name", match.group(2).strip(), 0.5 + bonus, f"{where} '{folder}'")
        return
    code_text = _take_codes(info, folder, where=where, confidence=0.8 + bonus)
    del code_text


def _parse_date(text: str) -> tuple[datetime.date, float] | None:
    """The shop writes month.day.year; a first number above 12 can only be a day."""
    match = _DATE.match(text.strip())
    if not match:
        return None
    first, second, year = (int(g) for g in match.groups())
    readings = []
    if 1 <= first <= 12:
        readings.append((year, first, second, 0.95 if second > 12 else 0.8))
    if 1 <= second <= 12 and first > 12:
        readings.append((year, second, first, 0.5))
    for y, month, day, confidence in readings:
        try:
            return datetime.date(y, month, day), confidence
        except ValueError:
            continue
    return None


def _fill_material_from_folders(info: NameInfo, folders: list[str]) -> None:
    """A material named in a project folder ('0007-75mm galv') is a weak hint for its files."""
    if "material" in info.fields:
        return
    for folder in reversed(folders):
        match = _PROJECT_FOLDER.match(folder) or _PROJECT_FOLDER_NO_DATE.match(folder)
        if not match:
            continue
        for word in re.findall(r"[^\W\d_]{2,}", match.group(2)):
            code = material_code(word)
            if code:
                info._set("material", code, 0.4, f"folder '{folder}'")
                return
