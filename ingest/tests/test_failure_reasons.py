"""A file's failure reason and warnings, which users see in the admin, the API and events, name
no path on the server; the traceback, for staff, keeps it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from ingest import services, tasks
from ingest.content import pipeline
from ingest.models import FileIngest, FileStatus
from ingest.parsers.base import ParseError, ParseResult

from .factories import dxf_file

pytestmark = pytest.mark.django_db


def _queued() -> FileIngest:
    return services.ingest(source_file=dxf_file(), original_name="0001-Bracket-MS-3mm-x4.dxf").file


def _assert_names_no_server_path(text: str) -> None:
    for folder in (settings.MEDIA_ROOT, settings.DATA_DIR, settings.BASE_DIR):
        assert str(folder) not in text, text
    assert tempfile.gettempdir() + "/" not in text and "/unfiled/" not in text, text


@pytest.mark.parametrize(
    "error",
    [
        lambda path: FileNotFoundError(2, "No such file or directory", str(path)),
        lambda path: PermissionError(13, "Permission denied", str(path)),
        lambda path: RuntimeError(f"cannot open {path} (damaged header)"),
        lambda path: ParseError(f"not a drawing: {path} is empty", code="unreadable"),
        lambda path: OSError(
            f"{Path(tempfile.gettempdir()) / 'laseros-read-k2j3' / 'file.dxf'}: truncated"
        ),
    ],
)
def test_a_failure_reason_names_no_server_path(
    monkeypatch, events, error, django_capture_on_commit_callbacks
):
    file = _queued()
    stored = Path(default_storage.path(file.file.name))
    assert str(settings.MEDIA_ROOT) in str(stored)

    def crash(path, context):
        raise error(path)

    monkeypatch.setattr(pipeline, "analyse", crash)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.process_file(file.pk)
    file.refresh_from_db()
    assert file.status == FileStatus.FAILED
    _assert_names_no_server_path(file.failure_reason)
    assert file.failure_reason.endswith(".")
    # the file's own name still says which; staff have the whole story in the traceback
    if "laseros-read" in file.traceback:
        assert "file.dxf" in file.failure_reason
    else:
        assert stored.name in file.failure_reason and str(stored) in file.traceback
    failed = [payload for event, payload in events if event == "file.failed"]
    assert failed and failed[-1]["reason"] == file.failure_reason


def test_a_warning_names_no_server_path(monkeypatch):
    file = _queued()
    data_file = "/usr/share/tesseract-ocr/5/tessdata/afr.traineddata"

    def read(path, context):
        result = ParseResult(kind="dxf", parser="fake", metadata={"part_count": 1})
        result.warn("ocr_failed", f"Error opening data file {data_file}")
        result.warn("odd", f"re-read {path} after a repair")
        return result

    monkeypatch.setattr(pipeline, "analyse", read)
    tasks.process_file(file.pk)
    file.refresh_from_db()
    assert file.status == FileStatus.PROCESSED
    messages = {w["code"]: w["message"] for w in file.metadata.warnings}
    assert messages["ocr_failed"] == "Error opening data file afr.traineddata"
    _assert_names_no_server_path(messages["odd"])
    assert "/usr/share" not in messages["ocr_failed"]
