"""API permissions tied to the roles: a user may do through the API what their role may do."""

from rest_framework.permissions import BasePermission, DjangoModelPermissions


class RoleModelPermissions(DjangoModelPermissions):
    """Model permissions, with `view` required for reads too (Viewers read, change nothing)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class HasPerm(BasePermission):
    """One more permission an action needs besides its viewset's, e.g. restoring a file needs
    `ingest.delete_fileingest`, a stock movement `inventory.add_stockmovement`. Signed in too."""

    def __init__(self, perm: str):
        self.perm = perm

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(self.perm))
