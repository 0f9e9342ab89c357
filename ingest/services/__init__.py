"""Writes on files: receiving one, the worker's steps while reading it, re-reading, deleting.

`ingest()` is the one way a file enters Laser OS (admin, API, commands, e-mail, operator photos).
The worker task (`ingest.tasks.process_file`) reads the file through `ingest.content.pipeline` and records
the outcome with `start_processing` / `record_extraction` / `record_failure`. Each write is
audited and announces itself with an event from `ingest.signals` once it has committed.

Nothing is half-written: bytes are written before the row, and removed again when the row cannot
be written; a row never points at bytes that are not there.
"""

from .common import (
    PROCESS_TASK,
    WORKER_STOPPED_REASON,
    clean_original_name,
    file_payload,
    file_transition,
    max_attempts,
    metadata_summary,
)
from .lifecycle import (
    hard_delete,
    re_extract,
    restore,
    soft_delete,
    stuck_files,
    stuck_files_check,
    sweep_stuck_files,
)
from .reading import (
    build_parse_context,
    json_safe,
    parse_context_for,
    record_extraction,
    record_failure,
    report_progress,
    start_processing,
)
from .receiving import (
    ACCEPTED_TYPES,
    GIVEN_KEYS,
    IngestOutcome,
    clean_given,
    clean_kind,
    ingest,
    max_upload_bytes,
    storage_folder,
)

__all__ = [
    "ACCEPTED_TYPES",
    "GIVEN_KEYS",
    "PROCESS_TASK",
    "WORKER_STOPPED_REASON",
    "IngestOutcome",
    "file_transition",
    "build_parse_context",
    "clean_given",
    "clean_kind",
    "clean_original_name",
    "file_payload",
    "hard_delete",
    "ingest",
    "json_safe",
    "max_attempts",
    "max_upload_bytes",
    "metadata_summary",
    "parse_context_for",
    "re_extract",
    "record_extraction",
    "record_failure",
    "report_progress",
    "restore",
    "soft_delete",
    "start_processing",
    "storage_folder",
    "stuck_files",
    "stuck_files_check",
    "sweep_stuck_files",
]
