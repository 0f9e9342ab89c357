"""gunicorn's own lines (its master logs before any worker loads Django) and Django's are stamped
in the same time zone: the shop's TIME_ZONE, as the settings read it, whatever the machine's."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

CONF = Path(settings.BASE_DIR) / "scripts" / "gunicorn.conf.py"
SHOW = (
    "import runpy, time; runpy.run_path({conf!r}); "
    "print(time.strftime('%z', time.localtime()), time.tzname[0])"
)


def _offset_after_gunicorn_conf(**env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in ("TZ", "TIME_ZONE")}
    environment.update(TZ="UTC", **env)
    done = subprocess.run(
        [sys.executable, "-c", SHOW.format(conf=str(CONF))],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()[0]


@pytest.mark.parametrize("time_zone", [None, "America/Chicago"])
def test_gunicorn_logs_in_the_shops_time_zone(time_zone):
    env = {"TIME_ZONE": time_zone} if time_zone else {}
    expected = datetime.now(ZoneInfo(time_zone or "Africa/Johannesburg")).strftime("%z")
    assert _offset_after_gunicorn_conf(**env) == expected
