"""The demo shop: a coherent shop to try Laser OS on. `manage.py seed_demo` runs STEPS in order.

Each step takes the size (the number of jobs), a seeded random generator and a log function, and
tops up what is missing, so running it again adds nothing that is already there.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .books import seed_books
from .comms import seed_comms
from .floor import seed_floor
from .mail import seed_mail
from .notifications import seed_notifications
from .reports import seed_reports
from .shop import (
    seed_clients,
    seed_drawings,
    seed_jobs,
    seed_machines,
    seed_materials,
    seed_paid_jobs,
    seed_presets,
    seed_products,
    seed_stock,
    seed_stock_take,
)
from .users import DEMO_USERS, demo_password, demo_password_file, seed_users

DemoStep = Callable[[int, random.Random, Callable[[str], None]], None]

STEPS: list[tuple[str, DemoStep]] = [
    ("users", seed_users),
    ("materials", seed_materials),
    ("clients", seed_clients),
    ("products", seed_products),
    # the machines first: a paid job is queued on one (no "no active machine")
    ("machines", seed_machines),
    ("presets", seed_presets),
    ("stock", seed_stock),
    ("paid jobs", seed_paid_jobs),
    ("jobs", seed_jobs),
    # the shop floor to look at: a queue on every machine, a run in progress, QC and Ready
    ("floor", seed_floor),
    ("stock take", seed_stock_take),
    ("files", seed_drawings),
    # each job's quote, payment, invoice and credit notes, as far as its status has gone
    ("books", seed_books),
    # the message templates' outbox: sent, failed and by-hand messages, notes of calls
    ("messages", seed_comms),
    # e-mail intake: a client's reply filed with its job, an unknown sender waiting for a manager
    ("e-mails", seed_mail),
    # a week of reports to open: Daily Ops for the last seven days, last week's Weekly Client
    ("reports", seed_reports),
    # the bell: one notification per cause the shop above leaves (comms' evaluation)
    ("notifications", seed_notifications),
]

__all__ = ["DEMO_USERS", "STEPS", "demo_password", "demo_password_file"]
