"""The floor's queue per machine, the job card, and the PWA's service worker.

The queue page polls its rows every 30 s with the marker it was drawn with: while the queue is
unchanged the answer is an empty 204 (or a 304 to an If-None-Match), so thirty tablets polling
cost one small query each. Dragging a row posts one move to `production.services.queue_move`
(the gap-free reorder the admin and the API use); a refused move answers 422 with the queue as
it is and the reason, and the page puts the row back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from ..models import QUEUE_ACTIVE, Machine, QueueItem
from ..services import queue_move
from . import selectors
from .auth import can_act_on_floor, floor_view

POLL_SECONDS = 30
# Today's cards a tablet fetches ahead for reading offline: the first of the queue.
KEEP_CARDS = 40
# The files the tablet keeps for offline use from its first visit (the service worker's list).
SHELL_STATIC = (
    "floor/floor.css",
    "floor/floor.js",
    "floor/icon-192.png",
    "vendor/htmx/htmx.min.js",
    "vendor/sortable/Sortable.min.js",
)


def _machine_or_404(code: str) -> Machine:
    machine = selectors.floor_machine(code)
    if machine is None:
        raise Http404("No active machine has that code.")
    return machine


def _job_url() -> Callable[[str], str]:
    """A job card's URL from its code, reversed once per page rather than once per row."""
    marker = "JOBCODE"
    pattern = reverse("floor:job", kwargs={"code": marker})
    head, tail = pattern.split(marker)
    return lambda code: f"{head}{quote(code, safe='')}{tail}"


def _queue_context(request: HttpRequest, machine: Machine, **extra) -> dict:
    active, done = selectors.machine_queue(machine, job_url=_job_url())
    return {
        "machine": machine,
        "floor_machine": machine,
        "items": active,
        "done_today": done,
        "marker": selectors.queue_marker(machine),
        "today": timezone.localdate(),
        "can_act": can_act_on_floor(request.user),
        "total_minutes": sum(row.minutes or 0 for row in active),
        "cards": " ".join(row.url for row in active[:KEEP_CARDS]),
        "poll_seconds": POLL_SECONDS,
        **extra,
    }


@require_safe
@floor_view()
def home(request: HttpRequest) -> HttpResponse:
    """The floor's front door: the first machine's queue."""
    machine = Machine.objects.active().order_by("code").first()
    if machine is None:
        return render(request, "production/floor/queue_none.html")
    return redirect("floor:queue", machine=machine.code)


@require_safe
@floor_view()
def queue_page(request: HttpRequest, machine: str) -> HttpResponse:
    """Today's queue on one machine."""
    found = _machine_or_404(machine)
    return render(request, "production/floor/queue.html", _queue_context(request, found))


@require_safe
@floor_view()
def queue_rows(request: HttpRequest, machine: str) -> HttpResponse:
    """The queue's rows for the page's poll: 204 (or 304) while they are as the page drew them
    (`?since=<marker>` or If-None-Match), the fresh rows otherwise."""
    found = _machine_or_404(machine)
    marker = selectors.queue_marker(found)
    etag = f'"{marker}"'
    if request.GET.get("since") == marker:
        response = HttpResponse(status=204)
    elif request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = render(
            request, "production/floor/queue_rows.html", _queue_context(request, found)
        )
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def _move_refused(request: HttpRequest, machine: Machine, reason: str) -> HttpResponse:
    context = _queue_context(request, machine, move_error=reason)
    return render(request, "production/floor/queue_rows.html", context, status=422)


@require_POST
@floor_view(act=True)
def queue_move_view(request: HttpRequest, machine: str) -> HttpResponse:
    """Move one item to a position (1 = next) through the queue's reorder service. Refused,
    with the queue as it now is, when the item has left the queue, when another tablet changed
    the queue since this one drew it (unless the item already stands where it was dropped: a
    double tap), or when the service refuses (the queue goes by priority)."""
    found = _machine_or_404(machine)
    item = (
        QueueItem.objects.select_related("machine", "project")
        .filter(pk=_whole(request.POST.get("item")), machine=found, status__in=QUEUE_ACTIVE)
        .first()
    )
    if item is None:
        return _move_refused(request, found, "That job is no longer in this machine's queue.")
    position = _whole(request.POST.get("position"))
    if position is None:
        return _move_refused(request, found, "The position is a whole number.")
    if item.position == position:
        return render(request, "production/floor/queue_rows.html", _queue_context(request, found))
    if request.POST.get("marker") != selectors.queue_marker(found):
        return _move_refused(
            request,
            found,
            "The queue changed on another screen since this one showed it; here it is as it is "
            f"now. Drag {item.project.code} again.",
        )
    try:
        queue_move(item=item, to_position=position, by=request.user)
    except ValidationError as exc:
        return _move_refused(request, found, " ".join(exc.messages))
    context = _queue_context(
        request, found, move_done=f"{item.project.code} moved to {item.position}."
    )
    return render(request, "production/floor/queue_rows.html", context)


def _whole(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@require_safe
@floor_view()
def job_card(request: HttpRequest, code: str) -> HttpResponse:
    """A job's card: its parts with previews and measures, the presets for its material and
    thickness, its drawings to download, its notes, and where it waits in the queue."""
    project = selectors.floor_job(code)
    if project is None:
        raise Http404("No job has that code.")
    return _render_card(request, project)


@require_safe
@floor_view()
def queue_item_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The job card of a queue item (its machine marked in the header)."""
    item = get_object_or_404(
        QueueItem.objects.select_related("machine", "project__client", "project__material"), pk=pk
    )
    return _render_card(request, item.project, machine=item.machine)


def _render_card(request: HttpRequest, project, *, machine: Machine | None = None):
    queue_items = selectors.job_queue_items(project)
    if machine is None and queue_items:
        machine = queue_items[0].machine
    here = next((i for i in queue_items if machine and i.machine_id == machine.pk), None)
    context = {
        "project": project,
        "parts": selectors.job_parts(project),
        "presets": selectors.job_presets(project),
        "queue_items": queue_items,
        "queue_item": here,
        "floor_machine": machine,
        "machine": machine,
        "today": timezone.localdate(),
        "can_act": can_act_on_floor(request.user),
    }
    return render(request, "production/floor/job.html", context)


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """What the tablet shows for a floor page it has not kept, when the network is gone (no
    data on it: the service worker keeps it at install, before anyone logs in)."""
    return render(request, "production/floor/offline.html")


@require_safe
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The PWA's service worker, served from /floor/ so its scope is the floor. Its cache name
    changes with its code and the static files' names (hashed in production), so a new
    release replaces the old cache."""
    found = finders.find("floor/sw.js")
    if not found:
        raise Http404("No service worker.")
    shell = [static(name) for name in SHELL_STATIC]
    text = Path(found).read_text(encoding="utf-8")
    text = text.replace("__SHELL__", ",".join(f'"{url}"' for url in shell))
    version = hashlib.blake2b((text + "|".join(shell)).encode(), digest_size=6).hexdigest()
    text = text.replace("__VERSION__", version)
    response = HttpResponse(text, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/floor/"
    return response
