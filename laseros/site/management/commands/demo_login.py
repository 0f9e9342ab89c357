"""manage.py demo_login: print the demo login (used by `make run`)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from laseros.site.demo import DEMO_USERS, demo_password, demo_password_file


class Command(BaseCommand):
    help = "Print the demo users and their password, when demo data exists."

    def handle(self, *args, **options):
        if not get_user_model().objects.filter(username="admin").exists():
            self.stdout.write("No demo users (run `manage.py seed_demo`).")
            return
        if not demo_password_file().exists():
            self.stdout.write("Demo users exist but their password file is gone.")
            return
        self.stdout.write(f"Demo login: users {', '.join(DEMO_USERS)}, password {demo_password()}")
