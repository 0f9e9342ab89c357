"""Re-extract, soft delete, restore and hard delete: each audited and announced once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from laseros.audit import diff_instances, instance_values, record
from laseros.models import ActivityLog
from laseros.tasks import enqueue_on_commit

from .. import signals
from ..models import FileIngest, FileMetadata, FileStatus
from .common import PROCESS_TASK, _move, _remove_stored, _user, _username, file_payload


@transaction.atomic
def re_extract(*, file: FileIngest, by=None) -> FileIngest:
    """Read the file again (e.g. after a parser improved); the earlier readings stay as history
    and the new one becomes current when the worker is done."""
    current = FileIngest.objects.select_for_update(of=("self",)).get(pk=file.pk)
    if current.is_deleted:
        raise ValidationError(f"{current} is deleted: restore it before reading it again.")
    if current.status == FileStatus.PROCESSING:
        raise ValidationError(f"{current} is being read right now; wait for it to finish.")
    previous = current.extractions.filter(is_current=True).values_list("pk", flat=True).first()
    if current.status != FileStatus.QUEUED:
        _move(
            current,
            FileStatus.QUEUED,
            message="re-extract requested",
            user=by,
            attempts=0,
            progress=0.0,
            progress_message="",
            started_at=None,
            finished_at=None,
            failure_reason="",
            traceback="",
        )
    else:  # still queued (e.g. the queue lost it): queue it again; a second run is harmless
        record(
            action=ActivityLog.Action.OTHER,
            obj=current,
            message="re-extract requested while queued: queued again",
            user=_user(by),
        )
    signals.send_on_commit(
        signals.file_re_extracted,
        "file.re_extracted",
        {
            **file_payload(current),
            "previous_extraction_id": previous,
            "requested_by": _username(by),
        },
    )
    enqueue_on_commit(PROCESS_TASK, current.pk)
    return current


@transaction.atomic
def soft_delete(*, file: FileIngest, by=None) -> FileIngest:
    """Hide a file from lists and counts, keeping its bytes so it can be restored."""
    current = FileIngest.objects.select_for_update(of=("self",)).get(pk=file.pk)
    if current.is_deleted:
        raise ValidationError(f"{current} is already deleted.")
    before = instance_values(current)
    current.deleted_at = timezone.now()
    current.save(update_fields=["deleted_at"])
    record(
        action=ActivityLog.Action.UPDATE,
        obj=current,
        changes=diff_instances(before, instance_values(current)),
        message="deleted (soft: the bytes are kept and the file can be restored)",
        user=_user(by),
    )
    signals.send_on_commit(
        signals.file_deleted,
        "file.deleted",
        {**file_payload(current), "hard": False, "by": _username(by)},
    )
    return current


@transaction.atomic
def restore(*, file: FileIngest, by=None) -> FileIngest:
    """Bring a soft-deleted file back, unless the same bytes have been stored again since. A file
    deleted before it was read is queued again."""
    current = FileIngest.objects.select_for_update(of=("self",)).get(pk=file.pk)
    if not current.is_deleted:
        raise ValidationError(f"{current} is not deleted.")
    live = FileIngest.objects.live().filter(sha256=current.sha256).exclude(pk=current.pk).first()
    if live is not None:
        raise ValidationError(
            f"The same file was stored again since as {live.stored_name} (file #{live.pk}); "
            "use that one."
        )
    before = instance_values(current)
    current.deleted_at = None
    try:
        with transaction.atomic():
            current.save(update_fields=["deleted_at"])
    except IntegrityError as exc:  # the same bytes arrived again at this very moment
        raise ValidationError("The same file was stored again meanwhile; use that one.") from exc
    record(
        action=ActivityLog.Action.UPDATE,
        obj=current,
        changes=diff_instances(before, instance_values(current)),
        message="restored",
        user=_user(by),
    )
    if current.status in FileStatus.waiting():
        if current.status == FileStatus.PROCESSING:
            _move(current, FileStatus.QUEUED, message="restored before it was read", user=by)
        enqueue_on_commit(PROCESS_TASK, current.pk)
    signals.send_on_commit(
        signals.file_restored,
        "file.restored",
        {**file_payload(current), "by": _username(by)},
    )
    return current


@transaction.atomic
def hard_delete(*, file: FileIngest, by=None) -> None:
    """Remove a file for good: its row, its readings, its stored bytes and its preview.

    The bytes are removed once the deletion has committed, so a rollback never leaves a row
    without its file."""
    current = FileIngest.objects.select_for_update(of=("self",)).get(pk=file.pk)
    payload = {**file_payload(current), "hard": True, "by": _username(by)}
    names = [current.file.name]
    metadata = FileMetadata.objects.filter(file=current).first()
    if metadata is not None and metadata.preview.name:
        names.append(metadata.preview.name)
    record(
        action=ActivityLog.Action.DELETE,
        obj=current,
        changes=diff_instances(instance_values(current), None),
        message="deleted for good (hard: the stored bytes and preview are removed)",
        user=_user(by),
    )
    current.delete()
    transaction.on_commit(lambda: [_remove_stored(name) for name in names])
    signals.send_on_commit(signals.file_deleted, "file.deleted", payload)
