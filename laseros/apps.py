from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class LaserOSAdminConfig(AdminConfig):
    """The Django admin, branded and grouped by domain (laseros.admin_site)."""

    default_site = "laseros.admin_site.LaserOSAdminSite"


class LaserOSConfig(AppConfig):
    """Laser OS core: roles, the audit trail, health, the worker heartbeat."""

    name = "laseros"
    verbose_name = "Laser OS"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import roles, signals, tasks  # noqa: F401 - connect receivers

        # New models fall into the permission matrix on every migrate, without editing it.
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="laseros.sync_roles")
        post_migrate.connect(tasks.declare_schedules, dispatch_uid="laseros.schedules")
