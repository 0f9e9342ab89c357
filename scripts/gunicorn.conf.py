"""gunicorn's settings for `make run` (scripts/serve.sh) and bench/web_load.py.

The address and the number of workers come from the command line (serve.sh: LASEROS_BIND and
WEB_CONCURRENCY).
"""

timeout = 120  # seconds a request may take before its worker is restarted
