#!/usr/bin/env bash
# Start the web server and the worker together; Ctrl-C stops both.
# Usage: scripts/serve.sh gunicorn|runserver
#        scripts/serve.sh manage COMMAND ...   (a manage.py command with `make run`'s settings)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST_PORT="${LASEROS_BIND:-127.0.0.1:8000}"
MODE="${1:-gunicorn}"

if [ "$MODE" = "runserver" ]; then
  export DEBUG=1  # debug pages and auto-reload belong to `make dev` only
else
  # `make run`: DEBUG off, so a secret key is made once and kept in data/secret-key (settings.py),
  # and static files are served hashed and compressed by WhiteNoise.
  export DEBUG=0
  # gunicorn speaks plain http here: https-only cookies would make logging in impossible. A proxy
  # that ends TLS in front of it says so with SITE_HTTPS=1 (in the environment or .env).
  if [ -z "${SITE_HTTPS:-}" ] && ! grep -qsE '^[[:space:]]*SITE_HTTPS=' .env; then
    export SITE_HTTPS=0
  fi
fi

if [ "$MODE" = "manage" ]; then
  shift
  exec $PY manage.py "$@"
fi

if [ "$MODE" = "runserver" ]; then
  $PY manage.py runserver "$HOST_PORT" &
else
  $PY manage.py collectstatic_when_changed || exit 1
  # the rest of gunicorn's settings are in scripts/gunicorn.conf.py (bench/web_load.py uses it too)
  .venv/bin/gunicorn laseros.wsgi:application --config scripts/gunicorn.conf.py \
    --bind "$HOST_PORT" --workers "${WEB_CONCURRENCY:-3}" --access-logfile - &
fi
web=$!
# The worker gets its own session: a Ctrl-C reaching all its processes at once makes django-q2
# hang on shutdown, so it is stopped below with one signal to its parent process.
setsid $PY manage.py qcluster &
worker=$!

stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping web ($web) and worker ($worker) ..."
  kill -TERM "$web" 2>/dev/null
  kill -INT "$worker" 2>/dev/null
  for _ in $(seq 1 30); do kill -0 "$worker" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$worker" 2>/dev/null
  wait "$web" "$worker" 2>/dev/null
  echo "Stopped."
}
trap stop INT TERM EXIT

echo "Laser OS is running on http://$HOST_PORT/ (admin at /admin/, API at /api/v1/, health at /healthz)."
$PY manage.py demo_login 2>/dev/null || true
echo "Press Ctrl-C to stop."
# When either process dies, stop the other too.
wait -n "$web" "$worker"
