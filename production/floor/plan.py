"""The planner's board at /floor/plan/: each machine's slots per day, a week or a day at a time,
for managers and admins (production.floor.auth.can_plan); other roles are refused.

The board is production.planning's `board` (two queries whatever the queue's length). A manager
pins a slot to a start time or a day with a reason (production.services.planning); the form is
an HTMX fragment: a pin kept redraws the board, a refused one redraws the form with the reason.
Without HTMX the same forms post and redirect.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.middleware import HtmxDetails

from laseros.workdays import add_working_days, is_working_day

from .. import planning
from ..models import QUEUE_ACTIVE, QueueItem
from ..services.planning import slot_override_clear, slot_override_set
from .auth import can_plan, floor_view

VIEWS = {"week": 7, "day": 1}


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails  # set by django_htmx's middleware


def _planner(request: HtmxHttpRequest) -> None:
    if not can_plan(request.user):
        raise PermissionDenied("The planner's board is for managers and admins.")


def _asked_day(request: HtmxHttpRequest) -> dt.date:
    """The day asked for; else today, or on a day the shop is closed (a weekend, a public
    holiday) the next working day: the board opens on the work ahead, not on a week that is over."""
    try:
        return dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        today = timezone.localdate()
        return today if is_working_day(today) else add_working_days(today, 1)


def _board_context(request: HtmxHttpRequest) -> dict:
    asked = request.GET.get("view", "")
    view = asked if asked in VIEWS else "week"
    day = _asked_day(request)
    first = day - dt.timedelta(days=day.weekday()) if view == "week" else day
    step = dt.timedelta(days=VIEWS[view])
    board = planning.board(days=planning.board_days(first, VIEWS[view]))
    return {
        "board": board,
        "view": view,
        "first": first,
        "previous": first - step,
        "next": first + step,
        "today": board.today,
        "default_minutes": planning.DEFAULT_MINUTES,
    }


@require_safe
@floor_view()
def plan_page(request: HtmxHttpRequest) -> HttpResponse:
    """The board; an HTMX request for `#plan-board` (the week's arrows) gets the board alone."""
    _planner(request)
    context = _board_context(request)
    if request.htmx and request.htmx.target == "plan-board":
        return render(request, "production/floor/plan_board.html", context)
    return render(request, "production/floor/plan.html", context)


class SlotOverrideForm(forms.Form):
    """A pin: a start time or a day, and why."""

    PIN = (("start", "At a start time"), ("day", "On a day"))
    pin = forms.ChoiceField(choices=PIN, widget=forms.RadioSelect, initial="start")
    start_at = forms.DateTimeField(
        required=False,
        label="Start at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(max_length=255, label="Why", widget=forms.TextInput())

    def pinned(self) -> dict:
        data = self.cleaned_data
        if data["pin"] == "start":
            return {"start_at": data.get("start_at"), "day": None}
        return {"start_at": None, "day": data.get("day")}


class SlotClearForm(forms.Form):
    reason = forms.CharField(max_length=255, label="Why")


def _item(pk: int) -> QueueItem:
    return get_object_or_404(
        QueueItem.objects.select_related("project__client", "machine", "slot_override"),
        pk=pk,
        status__in=QUEUE_ACTIVE,
    )


def _form_answer(
    request: HtmxHttpRequest,
    item: QueueItem,
    form: forms.Form,
    clear_form: forms.Form,
    status: int = 200,
) -> HttpResponse:
    context = {"item": item, "form": form, "clear_form": clear_form}
    response = render(request, "production/floor/plan_override.html", context, status=status)
    if request.htmx:  # the form goes back where it was, not over the board
        response["HX-Retarget"] = "#plan-override"
        response["HX-Reswap"] = "innerHTML"
    return response


def _kept(request: HtmxHttpRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Trigger"] = "plan-changed"
        return response
    return redirect(reverse("floor:plan"))


def _refused(form: forms.Form, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        form.add_error(field if field in form.fields else None, texts)


@require_http_methods(["GET", "POST"])
@floor_view(act=True)
def slot_override(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Pin an item's slot (GET: the form; POST: the pin, through the service)."""
    _planner(request)
    item = _item(pk)
    pin = getattr(item, "slot_override", None)
    if request.method == "GET":
        initial: dict[str, object] = {"pin": "day" if pin and pin.day else "start"}
        if pin:
            initial.update(start_at=pin.start_at and timezone.localtime(pin.start_at), day=pin.day)
        return _form_answer(request, item, SlotOverrideForm(initial=initial), SlotClearForm())
    form = SlotOverrideForm(request.POST)
    if form.is_valid():
        try:
            slot_override_set(
                item=item, reason=form.cleaned_data["reason"], by=request.user, **form.pinned()
            )
        except ValidationError as error:
            _refused(form, error)
        else:
            return _kept(request, f"{item.project.code} is pinned: {form.cleaned_data['reason']}")
    return _form_answer(
        request, item, form, SlotClearForm(), status=422 if not request.htmx else 200
    )


@require_POST
@floor_view(act=True)
def slot_override_remove(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Take an item's pin away, with the reason."""
    _planner(request)
    item = _item(pk)
    form = SlotClearForm(request.POST)
    if form.is_valid():
        try:
            slot_override_clear(item=item, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            _refused(form, error)
        else:
            return _kept(
                request, f"{item.project.code} is planned again: {form.cleaned_data['reason']}"
            )
    return _form_answer(
        request, item, SlotOverrideForm(), form, status=422 if not request.htmx else 200
    )
