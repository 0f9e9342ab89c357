"""manage.py seed_demo [--size N] [--if-empty] [--seed S]: a coherent demo shop."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from laseros.site.demo import STEPS, demo_password


class Command(BaseCommand):
    help = "Create a coherent demo shop: a login per role, clients, jobs in every status, stock."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=40, help="Number of projects (default 40).")
        parser.add_argument(
            "--seed", type=int, default=2025, help="Random seed (same seed, same shop)."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when demo data already exists."
        )

    def handle(self, *args, size, seed, if_empty, **options):
        from django.contrib.auth import get_user_model

        if size < 0:
            self.stderr.write("--size must be 0 or more.")
            raise SystemExit(2)
        if if_empty and get_user_model().objects.filter(username="admin").exists():
            self.stdout.write("Demo data already exists; nothing to do.")
            return
        rng = random.Random(seed)
        for name, step in STEPS:
            self.stdout.write(f"seeding {name} ...")
            with transaction.atomic():
                step(size, rng, lambda msg: self.stdout.write(f"  {msg}"))
        self.stdout.write(self.style.SUCCESS(f"Demo shop ready. Demo password: {demo_password()}"))
