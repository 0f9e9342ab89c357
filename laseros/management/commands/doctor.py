"""manage.py doctor: check this deployment and say what to fix; exit 1 when a check fails."""

from django.core.management.base import BaseCommand, CommandError

from laseros.doctor import FAIL, OK, WARN, examine


class Command(BaseCommand):
    help = (
        "Check the deployment: settings, check --deploy, the database and its migrations, "
        "storage, the worker, Tesseract, disk space and backups. Exits 1 when a check fails."
    )
    requires_system_checks: list = []  # the doctor runs them itself, and reports them

    def handle(self, *args, **options):
        findings = examine()
        style = {OK: self.style.SUCCESS, WARN: self.style.WARNING, FAIL: self.style.ERROR}
        width = max(len(f.check) for f in findings)
        for finding in findings:
            status = style[finding.status](f"{finding.status:<4}")
            self.stdout.write(f"{status}  {finding.check:<{width}}  {finding.message}")
            if finding.fix and finding.status != OK:
                self.stdout.write(f"{'':4}  {'':<{width}}  fix: {finding.fix}")
        counts = {s: sum(1 for f in findings if f.status == s) for s in (FAIL, WARN, OK)}
        summary = f"{counts[FAIL]} failed, {counts[WARN]} warnings, {counts[OK]} OK."
        if counts[FAIL]:
            raise CommandError(f"{summary} Fix what failed and run manage.py doctor again.")
        self.stdout.write(summary)
