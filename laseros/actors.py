"""Who did it: the `Actor` every service is given (`by=`), and the one way to resolve it.

A service is called by a person (the admin, the API, an operator page), by a task or a command
(`by=None`), or on behalf of an anonymous request. The audit trail and the histories record a
signed-in user, or nobody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    Actor: TypeAlias = User | AnonymousUser | None
else:
    User = Any
    Actor = Any


def acting_user(by: Actor) -> User | None:
    """The user to record for `by`: a signed-in user, else None (a task, a command, anonymous)."""
    if by is None or by.is_anonymous:
        return None
    return by


def acting_username(by: Actor) -> str | None:
    """The acting user's username, or None."""
    user = acting_user(by)
    return user.get_username() if user is not None else None
