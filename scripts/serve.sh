#!/usr/bin/env bash
# Start the web server and the worker together; Ctrl-C stops both.
# Usage: scripts/serve.sh gunicorn|runserver
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST_PORT="${LASEROS_BIND:-127.0.0.1:8000}"

if [ "${1:-gunicorn}" = "runserver" ]; then
  $PY manage.py runserver "$HOST_PORT" &
else
  .venv/bin/gunicorn laseros.wsgi:application --bind "$HOST_PORT" \
    --workers "${WEB_CONCURRENCY:-3}" --timeout 120 --access-logfile - &
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
