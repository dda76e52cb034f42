#!/usr/bin/env bash
# make dev: the quick start's setup, then the auto-reloading development server (DEBUG on) and one
# background worker on 127.0.0.1:${PORT:-8000}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/local_setup.sh
export DEBUG=1
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
echo "NexoChat (development server, DEBUG on): http://127.0.0.1:$PORT  (worker pid $WORKER; Ctrl-C stops both)"
$PY manage.py runserver "127.0.0.1:$PORT"
