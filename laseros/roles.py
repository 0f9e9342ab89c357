"""Roles and what each may do: one explicit permission matrix, applied to groups.

The matrix speaks of apps (and, where an app needs it, single models), not of individual
permissions, so a model added later falls into it without editing anything: `sync_roles()` runs
after every `migrate` and gives each group exactly the permissions the matrix allows.

Actions: v = view, a = add, c = change, d = delete. README.md shows this matrix as a table
(`manage.py roles --markdown` prints it).
"""

from __future__ import annotations

ADMIN, MANAGER, OPERATOR, VIEWER = "Admin", "Manager", "Operator", "Viewer"
ROLES = (ADMIN, MANAGER, OPERATOR, VIEWER)
ALL, NONE, VIEW = "vacd", "", "v"

# Key: an app label, or "app_label.model" to override the app's row for one model.
# Value: the actions of each role. An app not listed here is for Admins only.
PERMISSION_MATRIX: dict[str, dict[str, str]] = {
    # the shop's domain
    "clients": {ADMIN: ALL, MANAGER: ALL, OPERATOR: VIEW, VIEWER: VIEW},
    "projects": {ADMIN: ALL, MANAGER: ALL, OPERATOR: VIEW, VIEWER: VIEW},
    "ingest": {ADMIN: ALL, MANAGER: ALL, OPERATOR: "vac", VIEWER: VIEW},
    "production": {ADMIN: ALL, MANAGER: ALL, OPERATOR: "vac", VIEWER: VIEW},
    # a pinned slot overrides the planner: managers pin (as on the planner's board), operators look
    "production.queueslotoverride": {ADMIN: ALL, MANAGER: ALL, OPERATOR: VIEW, VIEWER: VIEW},
    "inventory": {ADMIN: ALL, MANAGER: ALL, OPERATOR: "vac", VIEWER: VIEW},
    "finance": {ADMIN: ALL, MANAGER: ALL, OPERATOR: NONE, VIEWER: VIEW},
    "comms": {ADMIN: ALL, MANAGER: ALL, OPERATOR: NONE, VIEWER: VIEW},
    # the audit trail is read-only for everyone; the chain head and heartbeat are internal
    "laseros": {ADMIN: VIEW, MANAGER: VIEW, OPERATOR: NONE, VIEWER: NONE},
    "laseros.auditchainhead": {ADMIN: NONE, MANAGER: NONE, OPERATOR: NONE, VIEWER: NONE},
    "laseros.workerheartbeat": {ADMIN: VIEW, MANAGER: VIEW, OPERATOR: NONE, VIEWER: NONE},
    # API tokens: managers see who has which and revoke them; only Admins make one for someone
    # else (a token for an Admin is an Admin's access). Everyone manages their own at /api/v1/tokens/.
    "laseros.apitoken": {ADMIN: "vac", MANAGER: "vc", OPERATOR: NONE, VIEWER: NONE},
    "laseros.idempotencykey": {ADMIN: NONE, MANAGER: NONE, OPERATOR: NONE, VIEWER: NONE},
    # money: prices, costs, stock values, quotes, invoices and proofs of payment (laseros.money).
    # Operators see what they cut, not what it costs; viewers are office staff and see finance.
    "laseros.money": {ADMIN: VIEW, MANAGER: VIEW, OPERATOR: NONE, VIEWER: VIEW},
    # users, groups, API tokens and login protection: Admins only (managers may look at logins)
    "auth": {ADMIN: ALL, MANAGER: NONE, OPERATOR: NONE, VIEWER: NONE},
    "authtoken": {ADMIN: ALL, MANAGER: NONE, OPERATOR: NONE, VIEWER: NONE},
    "axes": {ADMIN: ALL, MANAGER: VIEW, OPERATOR: NONE, VIEWER: NONE},
    # the reports made (laseros.site): read by the office; made again (a new version) by managers;
    # never edited or deleted, a report is kept as it was sent
    "laseros_site": {ADMIN: "va", MANAGER: "va", OPERATOR: NONE, VIEWER: VIEW},
    # a client's tracking link to a job: made and revoked (a change) by the office, never edited
    "laseros_site.trackinglink": {ADMIN: "vac", MANAGER: "vac", OPERATOR: NONE, VIEWER: VIEW},
    # background tasks: managers see them and may re-run scheduled ones
    "django_q": {ADMIN: ALL, MANAGER: VIEW, OPERATOR: NONE, VIEWER: NONE},
}
# Framework internals nobody edits through the admin.
INTERNAL_APPS = {"contenttypes", "sessions", "admin"}

_ACTION_CODENAMES = {"v": "view", "a": "add", "c": "change", "d": "delete"}


def allowed_actions(role: str, app_label: str, model: str) -> str:
    """The actions `role` has on `app_label.model` according to the matrix."""
    row = PERMISSION_MATRIX.get(f"{app_label}.{model}") or PERMISSION_MATRIX.get(app_label)
    if row is None:
        return ALL if role == ADMIN and app_label not in INTERNAL_APPS else NONE
    return row.get(role, NONE)


def role_grants(role: str, app_label: str, model: str, codename: str) -> bool:
    """Whether the matrix gives `role` the permission `codename` on the model."""
    actions = allowed_actions(role, app_label, model)
    for letter, verb in _ACTION_CODENAMES.items():
        if codename == f"{verb}_{model}":
            return letter in actions
    # A custom permission ("approve_quote", "override_gate") goes with "change".
    return "c" in actions


def sync_roles(apps=None, *, stdout=None) -> None:
    """Create the role groups and set each one's permissions to exactly what the matrix allows."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.select_related("content_type"))
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [
            p.pk
            for p in permissions
            if role_grants(role, p.content_type.app_label, p.content_type.model, p.codename)
        ]
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    # Run once per migrate, after the last app: permissions for every model exist by then.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    from .apps import is_last_migrated

    if not is_last_migrated(app_config):
        return

    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    sync_roles()


def matrix_markdown() -> str:
    """The matrix as the Markdown table README.md shows."""
    lines = ["| area | " + " | ".join(ROLES) + " |", "| --- |" + " --- |" * len(ROLES)]
    words = {"v": "view", "a": "add", "c": "change", "d": "delete"}
    for key, row in PERMISSION_MATRIX.items():
        cells = []
        for role in ROLES:
            actions = row.get(role, NONE)
            cells.append("all" if actions == ALL else ", ".join(words[a] for a in actions) or "—")
        lines.append(f"| `{key}` | " + " | ".join(cells) + " |")
    lines.append("| any other app | all | — | — | — |")
    return "\n".join(lines)
