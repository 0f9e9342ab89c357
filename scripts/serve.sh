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
$PY manage.py qcluster &
worker=$!

stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping web ($web) and worker ($worker) ..."
  kill -TERM "$web" "$worker" 2>/dev/null
  wait "$web" "$worker" 2>/dev/null
  echo "Stopped."
}
trap stop INT TERM EXIT

echo "Laser OS is running on http://$HOST_PORT/ (admin at /admin/, API at /api/v1/, health at /healthz)."
$PY manage.py demo_login 2>/dev/null || true
echo "Press Ctrl-C to stop."
# When either process dies, stop the other too.
wait -n "$web" "$worker"
