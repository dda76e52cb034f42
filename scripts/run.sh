#!/usr/bin/env bash
# Quick start: set up, then run the web app and one background worker on 127.0.0.1:8000
# with the embedded defaults (SQLite, django-q2 ORM broker, bundled offline models).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DEBUG=${DEBUG:-1}
PY=.venv/bin/python
$PY manage.py migrate --noinput
$PY manage.py seed_demo
$PY manage.py qcluster &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM
echo "NexoChat: http://127.0.0.1:${PORT:-8000}  (worker pid $WORKER; Ctrl-C stops both)"
$PY manage.py runserver "127.0.0.1:${PORT:-8000}" --noreload
