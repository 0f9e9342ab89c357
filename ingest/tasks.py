"""Background work on files (django-q2): read one file; sweep files a dead worker left behind.

Tasks take ids and call `ingest.services`; they never leave a file "processing" on an error they
can see. A worker killed mid-parse leaves the row "processing", claimed by its cluster: the next
cluster to start (or a live one, once the dead one's heartbeat is stale) hands its tasks out again
and `sweep_stuck_files` fails or re-queues what is left (the task is idempotent: a file already
read is skipped, and only the latest attempt may record its result).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

from django.core.files.storage import default_storage

from . import services
from .models import FileIngest
from .parsers.base import ParseError

logger = logging.getLogger(__name__)

PROGRESS_MIN_SECONDS = 0.5  # write progress at most this often ...
PROGRESS_MIN_STEP = 0.1  # ... unless it moved at least this much


def process_file(file_id: int) -> str:
    """Read one file: claim it, parse it, keep the reading, mark it processed or failed.

    The reading may map at most INGEST_MEMORY_LIMIT_MB more than the worker already does; a
    file that needs more is failed with that reason, and the worker goes on with the next."""
    from django.conf import settings

    from .content.pipeline import analyse, load_libraries
    from .memory import give_back, memory_ceiling, out_of_memory_reason, ran_out_of_memory

    file = services.start_processing(file_id=file_id)
    if file is None:
        return f"file #{file_id}: nothing to do"
    attempt = file.attempts
    progress = ProgressWriter(file.pk, attempt)
    limit_mb = int(settings.INGEST_MEMORY_LIMIT_MB)
    try:
        context = services.parse_context_for(file, progress=progress)
        with readable_copy(file) as path:
            load_libraries(path, context)  # the reader's libraries, before the ceiling is set
            with memory_ceiling(limit_mb):
                result = analyse(path, context)
    except Exception as exc:
        if ran_out_of_memory(exc):  # MemoryError, or a parser's error raised from one
            logger.warning("reading file #%s needed more than %s MB", file.pk, limit_mb)
            reason, outcome = out_of_memory_reason(limit_mb), "failed: out of memory"
        elif isinstance(exc, ParseError):
            reason, outcome = str(exc), f"failed: {exc}"
        else:
            logger.exception("reading file #%s failed", file.pk)
            reason = f"could not be read: {type(exc).__name__}: {exc}"
            outcome = f"failed: {type(exc).__name__}"
        services.record_failure(
            file_id=file.pk,
            attempt=attempt,
            reason=reason,
            traceback_text=traceback.format_exc(),
        )
        failed = f"file #{file.pk}: {outcome}"
    else:
        failed = ""
    if failed:
        give_back()  # what the reading left, once its traceback is gone
        _tell_mail(file.pk)
        return failed
    try:
        saved = services.record_extraction(file_id=file.pk, attempt=attempt, result=result)
    except Exception as exc:
        logger.exception("keeping the reading of file #%s failed", file.pk)
        services.record_failure(
            file_id=file.pk,
            attempt=attempt,
            reason=f"was read but the result could not be saved: {type(exc).__name__}: {exc}",
            traceback_text=traceback.format_exc(),
        )
        return f"file #{file.pk}: failed while saving"
    if saved is None:
        return f"file #{file.pk}: superseded by a later attempt; result discarded"
    _tell_mail(file.pk)
    return f"file #{file.pk}: processed"


def _tell_mail(file_id: int) -> None:
    """A file an e-mail brought is read: the e-mail may now have all its drawings measured
    (ingest.mail). A courtesy: the mail task catches up if this fails."""
    try:
        from .mail.services import file_read

        file_read(file_id=file_id)
    except Exception:
        logger.warning(
            "could not tell e-mail intake that file #%s was read", file_id, exc_info=True
        )


def read_mail() -> str:
    """The mail task (every INGEST_MAIL_EVERY_MINUTES): read the configured mailboxes, try failed
    e-mails again, and announce the e-mails whose drawings are all measured."""
    from .mail.mailbox import MailboxError, configured_mailboxes
    from .mail.services import check_all_measured, read_mailbox, retry_failed

    lines: list[str] = []
    for mailbox in configured_mailboxes():
        try:
            results = read_mailbox(mailbox=mailbox)
        except MailboxError as exc:
            logger.error("%s", exc)
            lines.append(f"{mailbox.label}: {exc}")
            continue
        lines.append(f"{mailbox.label}: {len(results)} message(s)")
        lines += [f"  {reference}: {outcome.text}" for reference, outcome in results]
    retried = retry_failed()
    if retried:
        lines.append(f"{len(retried)} failed e-mail(s) tried again")
    announced = check_all_measured()
    if announced:
        lines.append(f"{announced} e-mail(s) with every drawing measured")
    return "\n".join(lines) or "no mailbox configured, nothing to do"


def sweep_stuck_files(*, alone: bool = False) -> str:
    """Run by each worker cluster at its start and every WORKER_SWEEP_SECONDS (laseros.workers):
    fail or re-queue the files a dead worker left behind."""
    counts = services.sweep_stuck_files(alone=alone)
    return f"{counts['failed']} failed, {counts['requeued']} queued again"


@contextlib.contextmanager
def readable_copy(file: FileIngest) -> Iterator[Path]:
    """A local path to the stored bytes: the file itself on local disk, else a temporary copy
    (S3) that is removed afterwards."""
    name = file.file.name
    try:
        local = Path(default_storage.path(name))
    except NotImplementedError:
        local = None
    if local is not None:
        if not local.is_file():
            raise ParseError(
                "the stored file is missing from the file store; upload it again",
                code="missing",
            )
        yield local
        return
    folder = tempfile.mkdtemp(prefix="laseros-read-")
    try:
        copy = Path(folder) / f"file.{file.extension or 'bin'}"
        try:
            source = default_storage.open(name, "rb")
        except FileNotFoundError as exc:
            raise ParseError(
                "the stored file is missing from the file store; upload it again",
                code="missing",
            ) from exc
        with source, copy.open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class ProgressWriter:
    """The parser's progress callback: writes to the file's row, throttled, never raising."""

    def __init__(self, file_id: int, attempt: int):
        self.file_id = file_id
        self.attempt = attempt
        self.last_time = 0.0
        self.last_fraction = -1.0

    def __call__(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if (
            fraction < 1.0
            and now - self.last_time < PROGRESS_MIN_SECONDS
            and fraction - self.last_fraction < PROGRESS_MIN_STEP
        ):
            return
        self.last_time, self.last_fraction = now, fraction
        try:
            services.report_progress(
                file_id=self.file_id, attempt=self.attempt, fraction=fraction, message=message
            )
        except Exception:  # progress is a courtesy; the reading goes on
            logger.warning("could not write progress of file #%s", self.file_id, exc_info=True)
