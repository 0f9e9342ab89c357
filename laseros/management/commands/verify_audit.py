"""manage.py verify_audit: check the audit trail's hash chain; non-zero exit at the first break."""

from django.core.management.base import BaseCommand, CommandError

from laseros.audit import verify_chain
from laseros.models import ActivityLog


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain. Exits non-zero naming the first broken link."

    def handle(self, *args, **options):
        broken = verify_chain()
        if broken is not None:
            raise CommandError(f"Audit chain broken at {broken}")
        count = ActivityLog.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {count} entries verified."))
