#!/usr/bin/env bash
# Serve NexoChat as in production on one machine (after scripts/local_setup.sh): one django-q2 worker,
# and gunicorn on 127.0.0.1:${PORT:-8000} with DEBUG off; whitenoise serves the static files.
#
# One gunicorn process with threads (gthread): a chat answer streams as Server-Sent Events and holds a
# thread while the model writes it, not the whole server. One process because rate-limit counters and
# the loaded search indexes live in each process's memory unless REDIS_URL is set (README, Configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${PORT:-8000}
# The worker in its own process group (set -m): Ctrl-C signals the whole foreground group at once, which
# stops django-q2's child processes under its main one and leaves that waiting forever; the trap
# stops it with one signal instead.
set -m
$PY manage.py qcluster &
WORKER=$!
set +m
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM
echo "NexoChat: http://127.0.0.1:$PORT  (worker pid $WORKER; Ctrl-C stops both)"
echo "Admin (/admin/): the demo login is not an admin; make one with  .venv/bin/python manage.py createsuperuser"
$PY -m gunicorn nexochat.wsgi:application --bind "127.0.0.1:$PORT" --workers 1 --worker-class gthread \
  --threads "${WEB_THREADS:-16}" --access-logfile -
