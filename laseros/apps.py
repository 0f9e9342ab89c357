from django.apps import AppConfig, apps
from django.contrib.admin.apps import SimpleAdminConfig


def is_last_migrated(app_config: AppConfig | None) -> bool:
    """For post_migrate receivers that act once per `migrate`, after every app's models exist:
    the signal is sent once per app that has models, so act on the last of them (or when sent
    without an app)."""
    if app_config is None:
        return True
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    return app_config.label == with_models[-1].label


class LaserOSAdminConfig(SimpleAdminConfig):
    """The Django admin, branded and grouped by domain (laseros.admin_site).

    The apps' admin modules are found when the admin is needed, not at start-up: the root URLconf
    (laseros.site.urls) and the admin system check run `admin.autodiscover()`. Every admin module
    pulls in its app's services, forms and selectors; a command that reads one drawing
    (`manage.py inspect`), the worker and every management command would otherwise pay for all
    of them before doing anything (issue 8, start-up)."""

    default_site = "laseros.admin_site.LaserOSAdminSite"

    def ready(self) -> None:
        from django.contrib.admin.checks import check_dependencies
        from django.core import checks

        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_admin_after_discovery, checks.Tags.admin)


def check_admin_after_discovery(app_configs=None, **kwargs):
    """Django's admin check over every registered ModelAdmin, after the admin modules are found
    (the checks run in no fixed order: the URLconf's check may come later)."""
    from django.contrib import admin
    from django.contrib.admin.checks import check_admin_app

    admin.autodiscover()
    return check_admin_app(app_configs, **kwargs)


class LaserOSConfig(AppConfig):
    """Laser OS core: roles, the audit trail, health, the worker heartbeat."""

    name = "laseros"
    verbose_name = "Laser OS"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import request_ids, roles, signals, tasks  # noqa: F401 - connect receivers
        from .backup import schedule as backup_schedule

        request_ids.connect()  # a task carries the id of the request that enqueued it

        # New models fall into the permission matrix on every migrate, without editing it.
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="laseros.sync_roles")
        post_migrate.connect(tasks.declare_schedules, dispatch_uid="laseros.schedules")
        backup_schedule.declare_daily_backup()
        tasks.declare_schedule(
            "laseros.forget_idempotency_keys",
            func="laseros.api.idempotency.forget_expired",
            schedule_type="D",
            repeats=-1,
        )
