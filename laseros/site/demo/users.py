"""The demo users: one login per role, with a password made once per installation."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from laseros.roles import ADMIN, MANAGER, OPERATOR, VIEWER

DEMO_USERS = {
    "admin": ADMIN,
    "manager": MANAGER,
    "operator": OPERATOR,
    "viewer": VIEWER,
}


def demo_password_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-login.txt"


def demo_password() -> str:
    """The demo users' password: made once per installation, kept in data/demo-login.txt."""
    path = demo_password_file()
    if path.exists():
        for line in path.read_text().splitlines():
            if line.startswith("password:"):
                return line.split(":", 1)[1].strip()
    password = secrets.token_urlsafe(9)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "Laser OS demo login (made by `manage.py seed_demo`; delete the demo users in production)\n"
        f"users: {', '.join(DEMO_USERS)}\npassword: {password}\n"
    )
    path.chmod(0o600)
    return password


def seed_users(size: int, rng: random.Random, log: Callable[[str], None]) -> None:
    """One login per role; `admin` is a superuser, the others get their role's group only."""
    User = get_user_model()
    password = demo_password()
    for username, role in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.co.za",
                "first_name": username.capitalize(),
                "is_staff": True,
                "is_superuser": role == ADMIN,
            },
        )
        if created:
            user.set_password(password)
            user.save()
        user.groups.add(Group.objects.get(name=role))
    log(f"users: {', '.join(DEMO_USERS)} (password in {demo_password_file()})")
