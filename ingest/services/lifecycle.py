"""Re-extract, soft delete, restore and hard delete: each audited and announced once; and the
sweep that puts back what a dead worker left behind."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from laseros import workers
from laseros.actors import acting_user, acting_username
from laseros.audit import diff_instances, instance_values, record
from laseros.models import ActivityLog
from laseros.tasks import enqueue_on_commit

from .. import signals
from ..models import FileIngest, FileMetadata, FileStatus
from .common import (
    PROCESS_TASK,
    _fail,
    _remove_stored,
    _worker_stopped_reason,
    file_payload,
    file_transition,
    max_attempts,
)


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
        file_transition(
            current,
            FileStatus.QUEUED,
            message="re-extract requested",
            user=by,
            attempts=0,
            progress=0.0,
            progress_message="",
            queued_at=timezone.now(),
            worker="",
            started_at=None,
            finished_at=None,
            failure_reason="",
            traceback="",
        )
    else:  # still queued (e.g. the queue lost it): queue it again; a second run is harmless
        current.queued_at = timezone.now()
        current.save(update_fields=["queued_at"])
        record(
            action=ActivityLog.Action.OTHER,
            obj=current,
            message="re-extract requested while queued: queued again",
            user=acting_user(by),
        )
    signals.send_on_commit(
        signals.file_re_extracted,
        "file.re_extracted",
        {
            **file_payload(current),
            "previous_extraction_id": previous,
            "requested_by": acting_username(by),
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
        user=acting_user(by),
    )
    signals.send_on_commit(
        signals.file_deleted,
        "file.deleted",
        {**file_payload(current), "hard": False, "by": acting_username(by)},
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
        user=acting_user(by),
    )
    if current.status in FileStatus.waiting():
        if current.status == FileStatus.PROCESSING:
            file_transition(
                current,
                FileStatus.QUEUED,
                message="restored before it was read",
                user=by,
                queued_at=timezone.now(),
                worker="",
            )
        else:
            current.queued_at = timezone.now()
            current.save(update_fields=["queued_at"])
        enqueue_on_commit(PROCESS_TASK, current.pk)
    signals.send_on_commit(
        signals.file_restored,
        "file.restored",
        {**file_payload(current), "by": acting_username(by)},
    )
    return current


@transaction.atomic
def hard_delete(*, file: FileIngest, by=None) -> None:
    """Remove a file for good: its row, its readings, its stored bytes and its preview.

    The bytes are removed once the deletion has committed, so a rollback never leaves a row
    without its file."""
    current = FileIngest.objects.select_for_update(of=("self",)).get(pk=file.pk)
    payload = {**file_payload(current), "hard": True, "by": acting_username(by)}
    names = [current.file.name]
    metadata = FileMetadata.objects.filter(file=current).first()
    if metadata is not None and metadata.preview.name:
        names.append(metadata.preview.name)
    record(
        action=ActivityLog.Action.DELETE,
        obj=current,
        changes=diff_instances(instance_values(current), None),
        message="deleted for good (hard: the stored bytes and preview are removed)",
        user=acting_user(by),
    )
    current.delete()

    def remove_bytes() -> None:
        for name in names:
            _remove_stored(name)

    transaction.on_commit(remove_bytes)
    signals.send_on_commit(signals.file_deleted, "file.deleted", payload)


# --- after a dead worker ---------------------------------------------------------------------------

ENQUEUE_GRACE = timedelta(seconds=30)  # a file's task is sent just after its row commits


def sweep_stuck_files(*, margin_seconds: int | None = None, alone: bool = False) -> dict[str, int]:
    """Put back the files a dead worker left behind. Every worker cluster runs this when it starts
    and every WORKER_SWEEP_SECONDS (laseros.workers.recover).

    A file "processing" on a cluster that died, on a worker process of this cluster that died
    under it (the kernel killed it for memory, say: django-q2 replaces the process, and would
    hand its task out again only after Q_RETRY), or for longer than Q_TIMEOUT + the margin, is
    failed once it used up its attempts (Q_MAX_ATTEMPTS), otherwise queued again, its task
    handed out again. A file "queued"
    whose task is gone from the queue is queued again: Redis hands a task out once, so a dead
    cluster took the ones it had fetched with it (`alone`: this cluster is starting and no other is
    alive, so none is in a live worker's hands). A task still in the queue for a file is not sent
    twice. Returns {"failed": n, "requeued": n}."""
    now = timezone.now()
    overdue = now - timedelta(seconds=_reading_limit(margin_seconds))
    alive = workers.live_worker_names()
    waiting = workers.waiting_task_args(PROCESS_TASK)
    counts = {"failed": 0, "requeued": 0}
    mine = Q(status=FileStatus.PROCESSING, worker=workers.current_worker() or "-")
    processing = FileIngest.objects.live().filter(
        _claimed_by_dead(alive) | mine | Q(status=FileStatus.PROCESSING, started_at__lt=overdue)
    )
    for file_id in processing.values_list("pk", flat=True):
        with transaction.atomic():
            file = FileIngest.objects.select_for_update(of=("self",)).filter(pk=file_id).first()
            if file is None or file.is_deleted or file.status != FileStatus.PROCESSING:
                continue
            dead = bool(file.worker) and file.worker not in alive
            dead = dead or workers.worker_process_gone(cluster=file.worker, pid=file.worker_pid)
            if not dead and (file.started_at is None or file.started_at >= overdue):
                continue
            if file.attempts >= max_attempts():
                _fail(file, reason=_worker_stopped_reason(file.attempts), traceback_text="")
                counts["failed"] += 1
                continue
            _requeue(file, "the worker stopped while reading; queued again", waiting)
            if dead and waiting and (file.pk,) in waiting:  # its task: now, not after Q_RETRY
                transaction.on_commit(partial(workers.release_task, PROCESS_TASK, (file.pk,)))
            counts["requeued"] += 1
    if waiting is None:  # the queue cannot be read: a queued file's task may be there
        return counts
    lost = FileIngest.objects.live().filter(
        status=FileStatus.QUEUED, queued_at__lt=now - ENQUEUE_GRACE
    )
    if not (alone or workers.broker_keeps_taken_tasks()):
        lost = lost.filter(queued_at__lt=overdue)
    for file_id in lost.values_list("pk", flat=True):
        if (file_id,) in waiting:
            continue
        with transaction.atomic():
            file = FileIngest.objects.select_for_update(of=("self",)).filter(pk=file_id).first()
            if file is None or file.is_deleted or file.status != FileStatus.QUEUED:
                continue
            _requeue(file, "its task was lost with a worker; queued again", waiting)
            counts["requeued"] += 1
    return counts


def _requeue(file: FileIngest, message: str, waiting: set[tuple] | None) -> None:
    if file.status == FileStatus.QUEUED:
        record(action=ActivityLog.Action.OTHER, obj=file, message=message)
        file.queued_at = timezone.now()
        file.save(update_fields=["queued_at"])
    else:
        file_transition(
            file,
            FileStatus.QUEUED,
            message=message,
            queued_at=timezone.now(),
            worker="",
            worker_pid=None,
            progress=0.0,
            progress_message="queued again after the worker stopped",
        )
    if waiting is None or (file.pk,) not in waiting:
        enqueue_on_commit(PROCESS_TASK, file.pk)


def _reading_limit(margin_seconds: int | None = None) -> int:
    """Seconds a reading may take before it is taken for stuck: Q_TIMEOUT + the sweep margin."""
    if margin_seconds is None:
        margin_seconds = int(getattr(settings, "INGEST_SWEEP_MARGIN_SECONDS", 120))
    return int(settings.Q_CLUSTER.get("timeout", 600)) + margin_seconds


def _claimed_by_dead(alive: set[str]) -> Q:
    return Q(status=FileStatus.PROCESSING) & ~Q(worker="") & ~Q(worker__in=alive)


def stuck_files(*, limit: int = 20) -> tuple[int, list[tuple[FileIngest, str]]]:
    """Files that wait for nothing: "processing" on a worker that is gone or for longer than the
    reading limit, or "queued" for more than INGEST_QUEUED_STUCK_SECONDS while no worker is
    alive. (How many, [(file, why)] for the first `limit`, longest waiting first.)"""
    now = timezone.now()
    limit_s = _reading_limit()
    alive = workers.live_worker_names()
    stuck = _claimed_by_dead(alive) | Q(
        status=FileStatus.PROCESSING, started_at__lt=now - timedelta(seconds=limit_s)
    )
    queued_s = int(getattr(settings, "INGEST_QUEUED_STUCK_SECONDS", 120))
    if not alive:
        stuck |= Q(status=FileStatus.QUEUED, queued_at__lt=now - timedelta(seconds=queued_s))
    files = FileIngest.objects.live().filter(stuck).order_by("queued_at", "pk")
    first = list(files[:limit])
    labels = workers.labels({file.worker for file in first if file.worker})
    named = []
    for file in first:
        if file.status == FileStatus.QUEUED:
            why = f"queued for {_seconds(now, file.queued_at)} s and no worker is alive"
        elif file.worker and file.worker not in alive:
            why = f"being read by worker {labels.get(file.worker, file.worker)}, which is gone"
        else:
            why = f"being read for {_seconds(now, file.started_at)} s (limit {limit_s} s)"
        named.append((file, why))
    return (files.count() if len(named) == limit else len(named)), named


def stuck_files_check() -> dict[str, Any]:
    """/healthz's "files": fails while a file is stuck, and names it (laseros.health). By its
    number and kind: /healthz answers anyone, and a stored name tells the client and the job."""
    count, named = stuck_files()
    files = [
        {"id": file.pk, "kind": file.kind, "status": file.status, "why": why} for file, why in named
    ]
    result: dict[str, Any] = {"ok": count == 0, "stuck": count, "files": files}
    if count:
        listed = "; ".join(f"file #{f['id']} ({f['kind']}): {f['why']}" for f in files)
        more = f" (and {count - len(files)} more)" if count > len(files) else ""
        result["error"] = f"{count} file(s) stuck: {listed}{more}"
    return result


def _seconds(now, then) -> int:
    return int((now - then).total_seconds()) if then else 0
