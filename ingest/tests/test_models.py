"""The invariants the database keeps for files, whatever code writes them."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from ingest.models import (
    FILE_TRANSITIONS,
    FileExtraction,
    FileIngest,
    FileMetadata,
    FileStatus,
)

from .factories import file_row

pytestmark = pytest.mark.django_db


def _violates(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_the_same_bytes_are_one_live_file_but_may_come_back_after_a_delete():
    first = file_row()
    _violates(lambda: file_row(sha256=first.sha256))
    FileIngest.objects.filter(pk=first.pk).update(deleted_at=timezone.now())
    again = file_row(sha256=first.sha256)
    assert again.sha256 == first.sha256


def test_two_rows_never_point_at_the_same_stored_file():
    first = file_row()
    _violates(lambda: file_row(file=first.file.name))


def test_progress_version_and_status_are_checked():
    file = file_row()
    _violates(lambda: FileIngest.objects.filter(pk=file.pk).update(progress=1.5))
    _violates(lambda: FileIngest.objects.filter(pk=file.pk).update(version=0))
    _violates(lambda: FileIngest.objects.filter(pk=file.pk).update(status="lost"))


def test_one_current_reading_per_file():
    file = file_row()
    now = timezone.now()
    FileExtraction.objects.create(file=file, parser="dxf", created_at=now, is_current=True)
    FileExtraction.objects.create(file=file, parser="dxf", created_at=now, is_current=False)
    _violates(
        lambda: FileExtraction.objects.create(
            file=file, parser="dxf", created_at=now, is_current=True
        )
    )


def test_has_warnings_follows_the_warning_count():
    file = file_row()
    metadata = FileMetadata.objects.get(file=file)
    _violates(lambda: FileMetadata.objects.filter(pk=metadata.pk).update(has_warnings=True))
    FileMetadata.objects.filter(pk=metadata.pk).update(has_warnings=True, warning_count=2)


def test_transitions_are_data():
    assert FILE_TRANSITIONS[FileStatus.QUEUED] == {FileStatus.PROCESSING, FileStatus.FAILED}
    assert FileStatus.QUEUED in FILE_TRANSITIONS[FileStatus.PROCESSED]  # re-extract
    assert FileStatus.PROCESSING in FILE_TRANSITIONS[FileStatus.PROCESSING]  # a retry
    file = file_row(status="queued", metadata=False)
    assert file.can_move_to(FileStatus.PROCESSING) and not file.can_move_to(FileStatus.PROCESSED)
    assert set(FILE_TRANSITIONS) == set(FileStatus.values)


def test_querysets_and_names():
    live = file_row(status="queued", metadata=False)
    failed = file_row(status="failed", metadata=False)
    gone = file_row(status="failed", metadata=False, deleted_at=timezone.now())
    assert list(FileIngest.objects.waiting()) == [live]
    assert list(FileIngest.objects.failed()) == [failed]
    assert list(FileIngest.objects.deleted()) == [gone]
    assert str(live) == live.stored_name and gone.is_deleted and not live.is_deleted
    metadata = FileMetadata.objects.get(file=file_row())
    assert metadata.bbox_mm is None
    metadata.bbox_width_mm, metadata.bbox_height_mm = 10.0, 20.0
    assert metadata.bbox_mm == [10.0, 20.0]


def test_deleting_a_client_or_project_with_files_is_refused():
    from django.db.models import ProtectedError

    from .factories import make_project

    project = make_project()
    file_row(project=project)
    with pytest.raises(ProtectedError):
        project.delete()
    with pytest.raises(ProtectedError):
        project.client.delete()
