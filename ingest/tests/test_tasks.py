"""The worker task: never leaves a file stuck, records progress, is safe to run twice, and the
sweep fails or re-queues what a dead worker left behind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from ingest import services, tasks
from ingest.content import pipeline
from ingest.models import FileExtraction, FileIngest, FileStatus
from ingest.parsers.base import ParseError, ParseResult

from .factories import dxf_file, make_project

pytestmark = pytest.mark.django_db


def _queued(**kwargs) -> FileIngest:
    """A received file whose reading has not run (nothing committed in the test transaction)."""
    kwargs.setdefault("source_file", dxf_file())
    kwargs.setdefault("original_name", "0001-Bracket-MS-3mm-x4.dxf")
    file = services.ingest(**kwargs).file
    assert file.status == FileStatus.QUEUED
    return file


def test_process_file_reads_and_records(events):
    file = _queued()
    assert tasks.process_file(file.pk) == f"file #{file.pk}: processed"
    file.refresh_from_db()
    assert file.status == FileStatus.PROCESSED and file.metadata.part_count == 1
    # running it again (a duplicate delivery) does nothing
    assert "nothing to do" in tasks.process_file(file.pk)
    assert FileExtraction.objects.filter(file=file).count() == 1
    assert "nothing to do" in tasks.process_file(999_999)


def test_a_parse_error_fails_the_file_with_its_message(committed, events):
    with committed():
        outcome = services.ingest(
            source_file=ContentFile(b"  0\nSECTION\n  2\nENTITIES\n  0\nLINE\n 10\nnot-a-number\n"),
            original_name="broken.dxf",
        )
    file = FileIngest.objects.get(pk=outcome.file.pk)
    assert file.status == FileStatus.FAILED
    assert file.failure_reason and "\n" not in file.failure_reason
    assert file.failure_reason[0].isupper() and file.failure_reason.endswith(".")
    assert file.finished_at is not None and file.progress_message == ""
    failed = [p for e, p in events if e == "file.failed"]
    assert len(failed) == 1 and failed[0]["reason"] == file.failure_reason
    assert failed[0]["attempts"] == 1


def test_an_unexpected_error_fails_the_file_with_the_class_and_keeps_the_traceback(monkeypatch):
    file = _queued()

    def crash(path, context):
        raise KeyError("entities")

    monkeypatch.setattr(pipeline, "analyse", crash)
    tasks.process_file(file.pk)
    file.refresh_from_db()
    assert file.status == FileStatus.FAILED
    assert file.failure_reason == "Could not be read: KeyError: 'entities'."
    assert "Traceback" in file.traceback and "crash" in file.traceback


def test_a_failure_while_saving_the_result_fails_the_file(monkeypatch):
    file = _queued()
    monkeypatch.setattr(
        pipeline,
        "analyse",
        lambda path, context: ParseResult(kind="dxf", parser="dxf", metadata={"part_count": 1}),
    )

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "record_extraction", broken)
    tasks.process_file(file.pk)
    file.refresh_from_db()
    assert file.status == FileStatus.FAILED and "could not be saved" in file.failure_reason


def test_progress_is_written_to_the_row_while_reading(monkeypatch):
    file = _queued()
    seen = []

    def slow(path, context):
        context.report(0.25, "chaining contours")
        seen.append(FileIngest.objects.values_list("progress", "progress_message").get())
        context.report(0.26, "too soon to write")
        seen.append(FileIngest.objects.values_list("progress", "progress_message").get())
        context.report(0.8, "preview")
        seen.append(FileIngest.objects.values_list("progress", "progress_message").get())
        return ParseResult(kind="dxf", parser="fake", metadata={"part_count": 1})

    monkeypatch.setattr(pipeline, "analyse", slow)
    tasks.process_file(file.pk)
    assert seen == [
        (0.25, "chaining contours"),
        (0.25, "chaining contours"),  # throttled
        (0.8, "preview"),
    ]
    file.refresh_from_db()
    assert file.status == FileStatus.PROCESSED and file.progress == 1.0


def test_the_parse_context_carries_settings_and_the_projects_material(monkeypatch, settings):
    from .factories import material

    settings.INGEST_CHAIN_TOLERANCE_MM = 0.05
    project = make_project(material=material("AL"), thickness_mm="4")
    file = _queued(project=project, original_name="plate.dxf")
    captured = {}

    def capture(path, context):
        captured.update(vars(context))
        captured["path"] = path
        return ParseResult(kind="dxf", parser="fake")

    monkeypatch.setattr(pipeline, "analyse", capture)
    tasks.process_file(file.pk)
    assert captured["material"] == "AL" and captured["thickness_mm"] == 4.0
    assert captured["chain_tolerance_mm"] == 0.05 and captured["original_name"] == "plate.dxf"
    assert captured["largest_sheet_mm"] == (3000.0, 1500.0)
    assert str(captured["path"]).endswith(file.stored_name)


def test_storage_without_local_paths_is_read_from_a_temporary_copy(monkeypatch):
    file = _queued()

    class RemoteStorage:
        """Like S3: files can be opened, but there is no local path."""

        def open(self, name, mode="rb"):
            return default_storage.open(name, mode)

        def path(self, name):
            raise NotImplementedError("This backend doesn't support absolute paths.")

    monkeypatch.setattr(tasks, "default_storage", RemoteStorage())
    paths = []
    real = pipeline.analyse

    def remember(path, context):
        paths.append(path)
        return real(path, context)

    monkeypatch.setattr(pipeline, "analyse", remember)
    tasks.process_file(file.pk)
    file.refresh_from_db()
    assert file.status == FileStatus.PROCESSED
    assert paths[0].name == "file.dxf" and not paths[0].exists()  # removed afterwards


def test_missing_stored_bytes_fail_with_a_reason():
    file = _queued()
    default_storage.delete(file.file.name)
    tasks.process_file(file.pk)
    file.refresh_from_db()
    assert file.status == FileStatus.FAILED
    assert "missing from the file store" in file.failure_reason


def test_a_retry_after_a_killed_worker_reads_the_file_and_the_dead_attempt_cannot_record():
    file = _queued()
    claimed = services.start_processing(file_id=file.pk)  # attempt 1 ... then the worker dies
    assert claimed.attempts == 1
    tasks.process_file(file.pk)  # django-q2 runs the task again (Q_RETRY)
    file.refresh_from_db()
    assert file.status == FileStatus.PROCESSED and file.attempts == 2
    # the dead attempt's late result is discarded
    late = services.record_extraction(
        file_id=file.pk, attempt=1, result=ParseResult(kind="dxf", parser="late")
    )
    assert late is None and FileExtraction.objects.filter(file=file).count() == 1
    assert services.record_failure(file_id=file.pk, attempt=1, reason="late") is None


def test_a_file_that_killed_the_worker_too_often_is_failed_not_retried(settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "max_attempts": 2}
    file = _queued()
    services.start_processing(file_id=file.pk)
    services.start_processing(file_id=file.pk)
    tasks.process_file(file.pk)  # third delivery
    file.refresh_from_db()
    assert file.status == FileStatus.FAILED and file.attempts == 2
    assert file.failure_reason.startswith("The worker stopped while reading this file (2 attempts")


def test_deleted_files_are_not_read():
    file = _queued()
    services.soft_delete(file=file)
    assert "nothing to do" in tasks.process_file(file.pk)
    file.refresh_from_db()
    assert file.status == FileStatus.QUEUED


def _stuck(attempts: int, minutes_ago: int) -> FileIngest:
    file = _queued(source_file=dxf_file(width=50 + attempts + minutes_ago))
    FileIngest.objects.filter(pk=file.pk).update(
        status=FileStatus.PROCESSING,
        attempts=attempts,
        started_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    return file


def test_the_sweep_fails_exhausted_files_and_requeues_the_others(committed, settings, events):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 600, "max_attempts": 3}
    exhausted = _stuck(attempts=3, minutes_ago=30)
    retry = _stuck(attempts=1, minutes_ago=30)
    busy = _stuck(attempts=1, minutes_ago=5)  # still within the time limit
    with committed():
        assert tasks.sweep_stuck_files() == "1 failed, 1 queued again"
    for file in (exhausted, retry, busy):
        file.refresh_from_db()
    assert exhausted.status == FileStatus.FAILED
    assert "worker stopped while reading this file (3 attempts" in exhausted.failure_reason
    assert retry.status == FileStatus.PROCESSED and retry.attempts == 2  # re-read inline
    assert busy.status == FileStatus.PROCESSING
    assert [p["file_id"] for e, p in events if e == "file.failed"] == [exhausted.pk]


def test_the_sweep_runs_in_every_worker_cluster():
    """At a cluster's start and every WORKER_SWEEP_SECONDS (laseros.workers.recover)."""
    from laseros.workers import RECOVERIES

    assert RECOVERIES["ingest.sweep_stuck_files"] == "ingest.tasks.sweep_stuck_files"


def test_invalid_transitions_are_refused():
    from django.core.exceptions import ValidationError

    file = _queued()
    with pytest.raises(ValidationError, match="cannot go from Queued to Processed"):
        services.file_transition(file, FileStatus.PROCESSED)


def test_odd_parser_values_are_cleaned_before_they_are_stored(monkeypatch):
    file = _queued()
    odd = ParseResult(
        kind="dxf",
        parser="fake",
        raw={"text": "nul\x00inside", "nan": float("nan"), "when": timezone.now(), 3: b"x"},
        metadata={
            "thickness_mm": "thick",
            "cut_length_mm": float("inf"),
            "pierce_count": -4,
            "quantity": True,
            "material": "Galvanized",
            "bbox_mm": [10, None],
            "layers": ("A", "B"),
            "holes": "none",
        },
        preview_png=b"GIF89a not a png",
    )
    odd.warn("odd", "Odd\x00 warning")
    monkeypatch.setattr(pipeline, "analyse", lambda path, context: odd)
    tasks.process_file(file.pk)
    file.refresh_from_db()
    metadata = file.metadata
    assert file.status == FileStatus.PROCESSED
    assert metadata.thickness_mm is None and metadata.cut_length_mm is None
    assert metadata.pierce_count is None and metadata.quantity is None
    assert metadata.material_code == "GALV" and metadata.bbox_mm is None
    assert metadata.layers == ["A", "B"] and metadata.holes == [] and not metadata.preview
    assert {w["code"] for w in metadata.warnings} == {"odd", "preview_unusable"}
    assert metadata.warnings[0]["message"] == "Odd warning"
    extraction = file.extractions.get()
    assert extraction.raw["text"] == "nulinside" and extraction.raw["nan"] is None
    assert extraction.raw["3"] is None


def test_a_parse_error_keeps_no_partial_extraction(monkeypatch):
    file = _queued()

    def refuse(path, context):
        raise ParseError("the drawing is encrypted", code="encrypted")

    monkeypatch.setattr(pipeline, "analyse", refuse)
    tasks.process_file(file.pk)
    file.refresh_from_db()
    assert file.failure_reason == "The drawing is encrypted."
    assert not FileExtraction.objects.filter(file=file).exists()


def test_a_file_deleted_while_it_is_read_still_gets_its_result_and_is_not_left_processing():
    file = _queued()
    claimed = services.start_processing(file_id=file.pk)
    services.soft_delete(file=file)
    result = ParseResult(kind="dxf", parser="fake", metadata={"part_count": 1})
    assert services.record_extraction(file_id=file.pk, attempt=claimed.attempts, result=result)
    file.refresh_from_db()
    assert file.status == FileStatus.PROCESSED and file.is_deleted


def test_restoring_a_file_deleted_before_it_was_read_queues_it_again(committed):
    file = _queued()
    services.soft_delete(file=file)
    assert "nothing to do" in tasks.process_file(file.pk)
    with committed():
        services.restore(file=file)
    file.refresh_from_db()
    assert file.status == FileStatus.PROCESSED and not file.is_deleted
