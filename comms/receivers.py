"""What comms hears from the apps below it: a new client (clients' signal), welcomed once, and a
job's status moves (projects' signal), each turned into at most one message (the status
change's id is in the event key)."""

from __future__ import annotations

import logging
from typing import Any

from projects.models import ProjectStatus

logger = logging.getLogger(__name__)

# The message a move into a status sends to every client (DOMAIN.md; the old system's triggers).
EVENT_TEMPLATES: dict[str, str] = {
    ProjectStatus.PAID: "order_confirmed",
    ProjectStatus.READY: "collection_ready",
}
# The moves that send a Status Update to a client who asked for them.
STATUS_UPDATE_ON = frozenset(
    {
        ProjectStatus.QUEUED,
        ProjectStatus.CUTTING,
        ProjectStatus.QC,
        ProjectStatus.COMPLETED,
        ProjectStatus.ON_HOLD,
    }
)


def on_project_status_changed(
    sender: Any, project: Any, to_status: str, change: Any = None, **kwargs: Any
) -> None:
    """A job moved: Order Confirmed on Paid, Collection Ready on Ready, and a Status Update on
    the other moves of a client who opted in. Sent after projects' transaction commits."""
    from .services.triggers import job_moved

    job_moved(job=project, to_status=to_status, change_id=getattr(change, "pk", None))


def on_client_created(sender: Any, client: Any, imported: bool = False, **kwargs: Any) -> None:
    """A client new to the shop gets the Welcome message, once; an imported one does not (they
    know the shop already). Sent after clients' transaction commits."""
    from .services.triggers import client_welcome

    if not imported:
        client_welcome(client=client)


def connect() -> None:
    from clients.signals import client_created
    from projects.signals import project_status_changed

    client_created.connect(on_client_created, dispatch_uid="comms.on_client_created")

    project_status_changed.connect(
        on_project_status_changed, dispatch_uid="comms.on_project_status_changed"
    )
