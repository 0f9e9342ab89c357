"""The floor's queue per machine and the job card (filled in below)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from production.models import Machine

from .auth import floor_view


@floor_view()
def home(request: HttpRequest) -> HttpResponse:
    machine = Machine.objects.active().order_by("code").first()
    if machine is None:
        return render(request, "production/floor/queue.html", {"machine": None})
    return redirect("floor:queue", machine=machine.code)


@floor_view()
def queue_page(request: HttpRequest, machine: str) -> HttpResponse:
    found = Machine.objects.active().filter(code=machine).first()
    if found is None:
        raise Http404("No such machine.")
    return render(
        request, "production/floor/queue.html", {"machine": found, "floor_machine": found}
    )


def _todo(*args, **kwargs) -> HttpResponse:
    raise Http404("Not yet.")


queue_rows = queue_move_view = job_card = queue_item_card = service_worker = offline = _todo
