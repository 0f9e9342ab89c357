"""Every write in production: machines, operators and the queue (queue.py), laser runs and the
work they move on (runs.py), cut presets and their change log (presets.py).

Import from here: `from production.services import run_record`.
"""

from .presets import _normalise_preset, preset_create, preset_update
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
    "Measure",
    "RunShareEntry",
    "RunShareGiven",
    "RunShareRow",
    "_normalise_preset",
    "compute_shares",
    "default_machine",
    "machine_save",
    "operator_save",
    "preset_create",
    "preset_update",
    "queue_add",
    "queue_approved_on_account",
    "queue_complete",
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
