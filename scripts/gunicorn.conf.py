"""gunicorn's settings for `make run` (scripts/serve.sh) and bench/web_load.py.

The address and the number of workers come from the command line (serve.sh: LASEROS_BIND and
WEB_CONCURRENCY).
"""

import os
import sys
import time
from pathlib import Path

timeout = 120  # seconds a request may take before its worker is restarted

# One time zone in the log: Django sets the process's TZ to settings.TIME_ZONE when a worker loads
# it, but gunicorn's master logs before that (start-up, workers booted and lost) in the machine's
# zone, usually UTC: two clocks two hours apart in one log. The master takes the shop's zone as
# the settings read it (environment, .env, default), as Django would.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from laseros.settings import TIME_ZONE  # noqa: E402

os.environ["TZ"] = TIME_ZONE
time.tzset()
