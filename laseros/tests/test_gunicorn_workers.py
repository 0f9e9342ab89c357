"""A gunicorn worker, once it has loaded Laser OS, keeps what it loaded out of the garbage
collector's sight and collects the young generation less often (scripts/gunicorn.conf.py's
post_worker_init): collections during a page scan only what the page made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.conf import settings

CONF = Path(settings.BASE_DIR) / "scripts" / "gunicorn.conf.py"
SHOW = (
    "import gc, runpy; hooks = runpy.run_path({conf!r}); "
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'laseros.settings'); "
    "django.setup(); before = gc.get_freeze_count(); hooks['post_worker_init'](None); "
    "print(before, gc.get_freeze_count(), gc.get_threshold()[0])"
)


def test_a_worker_freezes_what_it_loaded():
    done = subprocess.run(
        [sys.executable, "-c", SHOW.format(conf=str(CONF))],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    before, frozen, threshold = (int(word) for word in done.stdout.split())
    assert before == 0
    assert frozen > 50_000  # Django, the apps and their libraries
    assert threshold == 7000
