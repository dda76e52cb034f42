#!/usr/bin/env bash
# make dev: the quick start's setup, then the auto-reloading development server (DEBUG on) on
# 127.0.0.1:${PORT:-8000} and the background workers (the default queue and the live queue).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/local_setup.sh
export DEBUG=1
PY=.venv/bin/python
PORT=${PORT:-8000}
# Live text has a queue of its own (LIVE_CLUSTER_NAME, "live" unless set otherwise) and a second worker for
# it, one process that idles until someone records live: a long recording being processed by the first
# worker never holds the live text up.
LIVE_QUEUE=$(DJANGO_SETTINGS_MODULE=nexochat.settings $PY -c 'from django.conf import settings as s; print(s.LIVE_CLUSTER_NAME)')
# Each worker in its own process group (set -m): Ctrl-C signals the whole foreground group at once, which
# stops django-q2's child processes under its main one and leaves that waiting forever; the trap
# stops each with one signal instead.
set -m
$PY manage.py qcluster &
WORKER=$!
LIVE_WORKER=
if [[ -n $LIVE_QUEUE && $LIVE_QUEUE != default ]]; then
  Q_CLUSTER_NAME=$LIVE_QUEUE Q_WORKERS=1 $PY manage.py qcluster &
  LIVE_WORKER=$!
fi
set +m
trap 'kill $WORKER $LIVE_WORKER 2>/dev/null; wait $WORKER $LIVE_WORKER 2>/dev/null' EXIT INT TERM
echo "NexoChat (development server, DEBUG on): http://127.0.0.1:$PORT  (worker pid $WORKER${LIVE_WORKER:+, live worker pid $LIVE_WORKER}; Ctrl-C stops them all)"
$PY manage.py runserver "127.0.0.1:$PORT"
