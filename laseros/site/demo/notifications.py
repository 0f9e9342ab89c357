"""The demo shop's bell: the notifications' evaluation run once over the shop the other steps
made (failed messages and files, low stock, jobs past their due date or sitting too long), as
the worker's schedule would. Running it again opens nothing new (one notification per cause)."""

from __future__ import annotations

import random
from collections.abc import Callable

from comms.services.notifications import notifications_evaluate


def seed_notifications(size: int, rng: random.Random, log: Callable[[str], None]) -> None:
    result = notifications_evaluate()
    log(f"notifications: {result}")
