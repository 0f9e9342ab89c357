"""Logins, failed logins and logouts go into the audit trail (django-axes locks accounts)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import record
from .audit.context import client_ip
from .models import ActivityLog


@receiver(user_logged_in, dispatch_uid="laseros.audit.login")
def _logged_in(sender, request, user, **kwargs):
    record(
        action=ActivityLog.Action.LOGIN,
        obj=user,
        user=user,
        ip=client_ip(request) if request is not None else None,
    )


@receiver(user_logged_out, dispatch_uid="laseros.audit.logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(
            action=ActivityLog.Action.LOGOUT,
            obj=user,
            user=user,
            ip=client_ip(request) if request is not None else None,
        )


@receiver(user_login_failed, dispatch_uid="laseros.audit.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record(
        action=ActivityLog.Action.LOGIN_FAILED,
        object_repr=username,
        message=f"failed login for {username!r}",
        ip=client_ip(request) if request is not None else None,
    )
