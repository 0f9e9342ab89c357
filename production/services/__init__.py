"""Every write in production: machines, operators and the queue (queue.py), laser runs and the
work they move on (runs.py), cut presets and their change log (presets.py); runs in progress at
the machine (floor_runs.py, floor_sheets.py) and QC (qc.py); the queue following the job moved
in projects (queue_sync.py) and its estimated minutes (estimates.py).

Import from here: `from production.services import run_record`.
"""

from .estimates import JobEstimate, job_estimate
from .floor_runs import (
    SheetsWanted,
    floor_run_finish,
    floor_run_pause,
    floor_run_resume,
    floor_run_start,
    floor_run_stop,
)
from .floor_sheets import SheetRecord, floor_sheet_record
from .presets import _normalise_preset, preset_create, preset_update
from .qc import qc_fail, qc_pass
from .queue import (
    default_machine,
    machine_save,
    operator_save,
    queue_add,
    queue_approved_on_account,
    queue_complete,
    queue_item_update,
    queue_move,
    queue_paid_project,
    queue_remove,
    queue_set_status,
    queue_start,
)
from .queue_sync import machine_for, queue_estimate_refresh, queue_follow_job
from .runs import (
    Measure,
    RunShareEntry,
    RunShareGiven,
    RunShareRow,
    compute_shares,
    run_moves_jobs,
    run_photo_add,
    run_record,
)

__all__ = [
    "JobEstimate",
    "SheetRecord",
    "SheetsWanted",
    "floor_run_finish",
    "floor_run_pause",
    "floor_run_resume",
    "floor_run_start",
    "floor_run_stop",
    "floor_sheet_record",
    "qc_fail",
    "qc_pass",
    "Measure",
    "RunShareEntry",
    "RunShareGiven",
    "RunShareRow",
    "_normalise_preset",
    "compute_shares",
    "default_machine",
    "job_estimate",
    "machine_for",
    "machine_save",
    "operator_save",
    "preset_create",
    "preset_update",
    "queue_add",
    "queue_approved_on_account",
    "queue_complete",
    "queue_estimate_refresh",
    "queue_follow_job",
    "queue_item_update",
    "queue_move",
    "queue_paid_project",
    "queue_remove",
    "queue_set_status",
    "queue_start",
    "run_moves_jobs",
    "run_photo_add",
    "run_record",
]
