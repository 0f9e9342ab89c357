"""manage.py roles [--markdown]: apply or show the permission matrix."""

from django.core.management.base import BaseCommand

from laseros.roles import matrix_markdown, sync_roles


class Command(BaseCommand):
    help = "Apply the role permission matrix to the groups (also done by every migrate)."

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="Print the matrix as a table.")

    def handle(self, *args, markdown, **options):
        if markdown:
            self.stdout.write(matrix_markdown())
            return
        sync_roles()
        self.stdout.write(self.style.SUCCESS("Role groups updated from the permission matrix."))
