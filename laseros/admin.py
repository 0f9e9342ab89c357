"""Admin for the core: the audit trail (read-only, filtered) and the worker heartbeat."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.db import models
from django.utils.html import format_html_join

from .audit.admin import AuditedAdminMixin
from .models import ActivityLog, ApiToken, BackupRun, WorkerHeartbeat

_PAGE_INLINES: dict[type[models.Model], list[type[InlineModelAdmin]]] = {}


def add_page_inline(model: type[models.Model], inline: type[InlineModelAdmin]) -> None:
    """Show `inline` on the change page of a lower app's `model` (the one way a higher app adds
    to a lower app's admin: the lower app cannot import it). Call it from the higher app's
    admin module; calling it twice adds it once."""
    inlines = _PAGE_INLINES.setdefault(model, [])
    if inline not in inlines:
        inlines.append(inline)


def add_list_action(model: type[models.Model], action) -> None:
    """Offer `action` on the list of a lower app's `model` (its registered admin; the lower app
    cannot import the higher one). Call it from the higher app's admin module, after the lower
    app's admin is registered; calling it twice adds it once."""
    model_admin = admin.site._registry.get(model)
    if model_admin is not None and action not in (model_admin.actions or []):
        model_admin.actions = [*(model_admin.actions or []), action]


def page_inlines(model: type[models.Model]) -> list[type[InlineModelAdmin]]:
    """The inlines higher apps added to `model`'s change page."""
    return list(_PAGE_INLINES.get(model, []))


class PageInlinesMixin:
    """For a ModelAdmin whose change page higher apps add to (add_page_inline): their inlines
    follow its own on the change page of an existing record."""

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is None:
            return inlines
        return [*inlines, *(i for i in page_inlines(self.model) if i not in inlines)]


class ReadOnlyMixin:
    """For records that services or the worker write (ledgers, histories, readings): a person
    may look, filter and export, but adds, changes and deletes nothing here. Works for a
    ModelAdmin and for an inline."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """A changelist and view page only."""


class ReadOnlyInline(ReadOnlyMixin):
    """Mix into a TabularInline / StackedInline: the rows are shown, never edited."""

    can_delete = False
    extra = 0
    max_num = 0


@admin.register(ActivityLog)
class ActivityLogAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "actor_name",
        "action",
        "content_type",
        "object_repr",
        "ip_address",
    ]
    list_filter = [
        "action",
        "content_type",
        "created_at",
        ("actor", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["object_repr", "actor_name", "object_id", "message"]
    date_hierarchy = "created_at"
    list_select_related = ["content_type"]
    readonly_fields = [
        "created_at",
        "actor",
        "actor_name",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "changes_table",
        "message",
        "ip_address",
        "prev_hash",
        "entry_hash",
    ]
    exclude = ["changes"]
    show_full_result_count = False

    @admin.display(description="changes (before → after)")
    def changes_table(self, obj):
        if not obj.changes:
            return "—"
        return format_html_join(
            "\n",
            "<div><b>{}</b>: {} → {}</div>",
            (
                (field, values[0], values[1])
                for field, values in obj.changes.items()
                if isinstance(values, list | tuple) and len(values) == 2
            ),
        )


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "label", "host", "pid", "started_at", "beat_at", "stopped_at"]


@admin.register(BackupRun)
class BackupRunAdmin(ReadOnlyAdmin):
    """Every backup made (manage.py backup, the daily schedule): good or failed, and why."""

    list_display = ["started_at", "status", "trigger", "name", "size_bytes", "rows", "files"]
    list_filter = ["status", "trigger", "encrypted"]
    search_fields = ["name", "error"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Everyone's API tokens: who has which, when each was last used; revoke one here. Made
    here for a user, a token's key is shown once, on the page after saving."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at", "last_used_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    actions = ["revoke"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["prefix", "created_at", "last_used_at", "revoked_at"]
        return self.fields

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the row is the record of who had access

    def save_model(self, request, obj, form, change):
        from .tokens import token_create

        if change:
            return  # nothing on a token's page is editable; revoke it from the list
        token, key = token_create(user=obj.user, name=obj.name, by=request.user)
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if k != "_state"})
        obj._state.adding = False
        messages.warning(
            request,
            f"The key of {token.name!r} for {token.user}: {key} — copy it now, it is "
            "not shown again.",
        )

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        from .tokens import token_revoke

        active = list(queryset.filter(revoked_at__isnull=True))
        for token in active:
            token_revoke(token=token, by=request.user)
        self.message_user(request, f"{len(active)} token(s) revoked.")
