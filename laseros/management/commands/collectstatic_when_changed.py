"""manage.py collectstatic_when_changed: collectstatic, skipped when nothing it reads changed.

`make run` calls it on every start. With DEBUG off the static files are stored under hashed names
and compressed (WhiteNoise), which takes a minute or more of CPU; it is done again only when a
static file, the set of apps or the storage changed, or the collected files are gone.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand

STAMP_NAME = ".laseros-collected"


def static_fingerprint() -> str:
    """A hash of every static source file (name, size, modification time) and of the settings
    that change what is collected."""
    digest = hashlib.sha256(
        repr(
            (
                settings.STORAGES["staticfiles"]["BACKEND"],
                settings.STATIC_URL,
                getattr(settings, "WHITENOISE_SKIP_COMPRESS_EXTENSIONS", None),
                getattr(settings, "WHITENOISE_KEEP_ONLY_HASHED_FILES", False),
            )
        ).encode()
    )
    rows = []
    for finder in get_finders():
        for name, storage in finder.list([]):
            stat = Path(storage.path(name)).stat()
            rows.append(
                f"{getattr(storage, 'prefix', '') or ''}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}"
            )
    for row in sorted(rows):
        digest.update(row.encode("utf-8", "surrogateescape") + b"\n")
    return digest.hexdigest()


def _collected_files_present() -> bool:
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if manifest is None:
        return Path(settings.STATIC_ROOT).is_dir()
    return staticfiles_storage.exists(manifest)


class Command(BaseCommand):
    help = "Collect the static files unless nothing changed since the last collection."

    def handle(self, *args, **options):
        stamp = Path(settings.STATIC_ROOT) / STAMP_NAME
        fingerprint = static_fingerprint()
        try:
            last = stamp.read_text().strip()
        except OSError:
            last = ""
        if last == fingerprint and _collected_files_present():
            if options["verbosity"] >= 2:
                self.stdout.write("Static files are up to date.")
            return
        self.stdout.write(
            "Collecting static files (after a change this takes a minute or more) ..."
        )
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(fingerprint + "\n")
