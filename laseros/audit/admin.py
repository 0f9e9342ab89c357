"""Admin saves and deletes write audit entries: mixed into every ModelAdmin by the admin site."""

from __future__ import annotations

from laseros.models import ActivityLog

from .services import diff_instances, instance_values, record


class AuditedAdminMixin:
    """Records create, change and delete done through the admin, with fields before and after."""

    def save_model(self, request, obj, form, change):
        before = None
        if change and obj.pk is not None:
            original = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = instance_values(original) if original is not None else None
        super().save_model(request, obj, form, change)
        after = instance_values(obj)
        changes = diff_instances(before, after)
        if change and not changes:
            return
        record(
            action=ActivityLog.Action.UPDATE if change else ActivityLog.Action.CREATE,
            obj=obj,
            changes=changes,
            user=request.user,
            message="via admin",
        )

    def delete_model(self, request, obj):
        self._record_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record_delete(request, obj)
        super().delete_queryset(request, queryset)

    def _record_delete(self, request, obj):
        record(
            action=ActivityLog.Action.DELETE,
            obj=obj,
            changes=diff_instances(instance_values(obj), None),
            user=request.user,
            message="via admin",
        )
