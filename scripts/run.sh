#!/usr/bin/env bash
# Quick start (make run): set up, then run the web app and the background workers (the default queue's and
# the live queue's) on 127.0.0.1:8000 as they run in production (gunicorn, DEBUG off) in the local mode,
# with the embedded defaults (SQLite, django-q2 ORM broker, bundled offline models). `make dev` runs the
# development server instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/local_setup.sh
exec scripts/serve.sh
