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


def post_worker_init(worker):
    """Once a worker has loaded Laser OS: everything loaded so far (Django, the apps, their
    libraries: most of the process's objects, and all of them for good) is moved out of the
    garbage collector's sight (gc.freeze, as Instagram's Django does). A collection during a
    request then scans what the request made, not the whole program: on the admin's job list
    those collections were a fifth of the page's time. The youngest generation is collected
    every 7,000 new objects instead of 700 (a page makes tens of thousands): a few per cent more
    pages a second, for a little more memory held between collections."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, 10, 10)
