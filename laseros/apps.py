from django.apps import AppConfig, apps
from django.contrib.admin.apps import AdminConfig


def is_last_migrated(app_config: AppConfig | None) -> bool:
    """For post_migrate receivers that act once per `migrate`, after every app's models exist:
    the signal is sent once per app that has models, so act on the last of them (or when sent
    without an app)."""
    if app_config is None:
        return True
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    return app_config.label == with_models[-1].label


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
