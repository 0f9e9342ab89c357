"""A job brought over from another system: put in the status it had there, once, as history.

`project_transition` walks a job move by move, checks each gate and tells the apps above (the
queue, the client's messages). A job the old system already took to Completed must not be walked
again: its client would be told it is ready, and production would queue it. This records the one
move the import makes, from Request to where the job stood, and sends nothing.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from laseros.actors import Actor, acting_user
from laseros.audit import diff_instances, instance_values, record
from laseros.models import ActivityLog
from laseros.moves import record_move

from ..models import Project, ProjectStatus, ProjectStatusChange
from .jobs import _refresh_dates

# The dates an import may carry over, each set only when the job reached the status that makes
# it true in Laser OS.
_IMPORTED_DATES = {
    "approved_at": (
        ProjectStatus.APPROVED,
        ProjectStatus.PAID,
        ProjectStatus.QUEUED,
        ProjectStatus.CUTTING,
        ProjectStatus.QC,
        ProjectStatus.READY,
        ProjectStatus.COMPLETED,
    ),
    "pop_received_at": (
        ProjectStatus.PAID,
        ProjectStatus.QUEUED,
        ProjectStatus.CUTTING,
        ProjectStatus.QC,
        ProjectStatus.READY,
        ProjectStatus.COMPLETED,
    ),
    "completed_at": (ProjectStatus.COMPLETED,),
}


@transaction.atomic
def project_import_status(
    *,
    project: Project,
    to: str,
    by: Actor,
    reason: str,
    before_hold: str = "",
    opened_at: dt.datetime | None = None,
    changed_at: dt.datetime | None = None,
    dates: dict[str, dt.datetime | None] | None = None,
) -> Project:
    """Record that a job just imported (still in Request, with no move yet) stood at `to` in the
    system it came from: one history row and audit entry with `reason`, no gate checked and no
    `project_status_changed` sent (nobody is told, nothing is queued). `opened_at` dates the job
    and its creation in its history from the old system (not the day of the import);
    `before_hold` is where a job on hold was; `dates` carries approved_at, pop_received_at and
    completed_at over.

    Refuses (ValidationError) a job that has moved since it was created: live jobs move only
    through `project_transition`."""
    to = _checked_target(to, before_hold)
    current = _unmoved(project)
    if opened_at is not None:
        _date_opening(current, opened_at, by=by)
        changed_at = max(changed_at or opened_at, opened_at)
    if to != ProjectStatus.REQUEST:
        before = instance_values(current)
        _apply_imported(current, to, reason=reason, before_hold=before_hold, dates=dates)
        current.status_changed_at = changed_at or timezone.now()
        current.full_clean()
        current.save()
        _record_imported(current, to, by=by, reason=reason, before=before)
    _copy(project, current)
    return current


def _checked_target(to: str, before_hold: str) -> ProjectStatus:
    try:
        target = ProjectStatus(to)
    except ValueError:
        raise ValidationError({"status": f"{to!r} is not a project status."}) from None
    if target == ProjectStatus.ON_HOLD and before_hold == ProjectStatus.ON_HOLD:
        raise ValidationError({"status": "A job on hold was somewhere else before."})
    return target


def _unmoved(project: Project) -> Project:
    """The job, locked, if it is still where project_create left it."""
    current = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    if current.status != ProjectStatus.REQUEST or current.status_changes.count() > 1:
        raise ValidationError(
            f"{current.code} has moved in Laser OS since it was created; an imported status is "
            "recorded only on a job that has not."
        )
    return current


def _apply_imported(
    current: Project,
    to: ProjectStatus,
    *,
    reason: str,
    before_hold: str,
    dates: dict[str, dt.datetime | None] | None,
) -> None:
    """The status, where an on-hold job was, and the old dates its status makes true."""
    hold = (
        ProjectStatus(before_hold or ProjectStatus.REQUEST) if to == ProjectStatus.ON_HOLD else ""
    )
    reached = hold or to
    for name, at in (dates or {}).items():
        if name not in _IMPORTED_DATES:
            raise ValidationError({name: "An import does not set this date."})
        if at is not None and reached in _IMPORTED_DATES[name]:
            setattr(current, name, at)
    current.status = to
    current.status_before_hold = hold
    current.status_reason = reason[:255]
    _refresh_dates(current)


def _record_imported(
    current: Project, to: ProjectStatus, *, by: Actor, reason: str, before: dict
) -> None:
    """The history row and the audit entry; no signal."""
    ProjectStatusChange.objects.create(
        project=current,
        from_status=ProjectStatus.REQUEST,
        to_status=to,
        changed_at=current.status_changed_at or timezone.now(),
        changed_by=acting_user(by),
        reason=reason,
    )
    record_move(
        current,
        source=ProjectStatus.REQUEST.label,
        to=to.label,
        by=by,
        changes=diff_instances(before, instance_values(current)),
        reason=reason,
    )


def _date_opening(current: Project, opened_at: dt.datetime, *, by: Actor) -> None:
    """The job and the first row of its history dated when the old system opened it."""
    before = current.created_at
    Project.objects.filter(pk=current.pk).update(created_at=opened_at)
    current.status_changes.filter(from_status="", to_status=ProjectStatus.REQUEST).update(
        changed_at=opened_at
    )
    current.created_at = opened_at
    record(
        action=ActivityLog.Action.IMPORT,
        obj=current,
        changes={"created_at": [before.isoformat(), opened_at.isoformat()]},
        message="dated from the system it came from",
        user=by,
    )


def _copy(target: Project, source: Project) -> None:
    for field in Project._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
