"""Signals the projects app sends to the apps above it (ARCHITECTURE.md: upward by signal).

project_status_changed
    Sent once for every status move, after the transaction that made it commits (never for a
    move that was rolled back), through laseros.events.send_after_commit: a failing receiver
    is logged with its traceback and does not stop the others or undo the move.

    sender        Project (the class)
    project       the Project as saved by the move (status already `to_status`)
    from_status   the status it left, a ProjectStatus value ("approved")
    to_status     the status it entered, a ProjectStatus value ("paid")
    by            the user who moved it, or None when the system did (e.g. an expired quote)
    reason        the reason given ("" when none was needed)
    overridden_gates  list of gate codes a manager overrode for this move ([] normally)
    change        the ProjectStatusChange history row of this move

    production listens for to_status == "paid" and puts the job in the queue.
"""

from __future__ import annotations

from django.dispatch import Signal

project_status_changed = Signal()
