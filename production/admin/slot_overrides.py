"""Pinned slots, every one on one page: the planner's board pins one item at a time, and here a
manager sees which jobs are held to a time or a day, why and by whom. Pins are written and
taken away through production.services.planning (checked against the working hours and the
other pins, and recorded on the queue item's history), never by a bare save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..models import QueueItem, QueueSlotOverride, QueueStatus
from ..services.planning import slot_override_clear, slot_override_set

REMOVED = "pin removed in the admin"


class PinnedToFilter(admin.SimpleListFilter):
    title = "pinned to"
    parameter_name = "pinned_to"

    def lookups(self, request, model_admin):
        return [("time", "A start time"), ("day", "A day")]

    def queryset(self, request, queryset):
        if self.value() == "time":
            return queryset.filter(start_at__isnull=False)
        if self.value() == "day":
            return queryset.filter(day__isnull=False)
        return queryset


class _Undo(Exception):
    pass


def _refusal_on_form(form: forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _dry_run(form: forms.Form, item: QueueItem | None, data: dict[str, Any]) -> None:
    """The service run in a transaction that is rolled back, so its refusal (a time outside
    working hours or in the past, an overlap with another pin, a job already cut) shows on the
    form, on its field."""
    if item is None:
        return
    try:
        with transaction.atomic():
            slot_override_set(
                item=item,
                reason=data.get("reason") or "",
                start_at=data.get("start_at"),
                day=data.get("day"),
                by=None,
            )
            raise _Undo
    except _Undo:
        return
    except ValidationError as exc:
        _refusal_on_form(form, exc)


@admin.register(QueueSlotOverride)
class QueueSlotOverrideAdmin(admin.ModelAdmin):
    """No AuditedAdminMixin: the services record each pin and each removal, with its reason,
    on the queue item's history."""

    list_display = ["job", "machine", "pinned_to", "reason", "by", "changed_at"]
    list_display_links = ["job"]
    list_filter = [PinnedToFilter, "item__machine", ("by", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "item__project__code",
        "item__project__name",
        "item__project__client__name",
        "reason",
    ]
    search_help_text = "Job code or name, client, or the reason."
    list_select_related = ["item__project", "item__machine", "by"]
    ordering = ["item__machine__code", "start_at", "day"]
    fields = ["item", "start_at", "day", "reason", "by", "changed_at"]
    readonly_fields = ["by", "changed_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return ["item", *fields] if obj is not None else fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "item":
            kwargs["queryset"] = (
                QueueItem.objects.filter(status=QueueStatus.QUEUED, slot_override__isnull=True)
                .select_related("machine", "project")
                .order_by("machine__code", "position")
            )
            kwargs["help_text"] = (
                "A queued job (not one being cut, not one pinned already): the planner keeps it "
                "at the time or on the day below."
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class Checked(form_class):
            def clean(self):
                data = super().clean()
                if not self.errors:
                    _dry_run(self, obj.item if obj is not None else data.get("item"), data)
                return data

        return Checked

    @admin.display(description="job", ordering="item__project__code")
    def job(self, pin: QueueSlotOverride) -> str:
        return f"{pin.item.project.code} {pin.item.project.name}"

    @admin.display(description="machine", ordering="item__machine__code")
    def machine(self, pin: QueueSlotOverride) -> str:
        return pin.item.machine.code

    @admin.display(description="pinned to", ordering="start_at")
    def pinned_to(self, pin: QueueSlotOverride) -> str:
        if pin.start_at is not None:
            return f"{timezone.localtime(pin.start_at):%a %-d %b %Y %H:%M}"
        return f"{pin.day:%a %-d %b %Y} (its first free time)"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            pin = slot_override_set(
                item=obj.item,
                reason=data["reason"],
                start_at=data.get("start_at"),
                day=data.get("day"),
                by=request.user,
            )
        except ValidationError as exc:  # said on the form by clean(); a race may still land here
            raise PermissionDenied(" ".join(exc.messages)) from None
        obj.pk, obj.by, obj.changed_at = pin.pk, pin.by, pin.changed_at
        obj._state.adding = False

    def delete_model(self, request, obj):
        slot_override_clear(item=obj.item, reason=REMOVED, by=request.user)

    def delete_queryset(self, request, queryset):
        for pin in queryset.select_related("item"):
            slot_override_clear(item=pin.item, reason=REMOVED, by=request.user)
