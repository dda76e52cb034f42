#!/usr/bin/env bash
# The quick start's setup on one machine, safe to run again (make run and make dev call it):
#   1. on the first run, $DATA_DIR/local.env (var/local.env): the local mode (plain HTTP on 127.0.0.1,
#      DEBUG off) and generated SECRET_KEY and FIELD_ENCRYPTION_KEYS. Settings read it in every command
#      run from this folder, so manage.py works in any shell without exporting anything;
#   2. migrations, static files (served by whitenoise), and the demo login on an empty database.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
DATA_DIR=${DATA_DIR:-var}
if [[ ! -f $DATA_DIR/local.env ]]; then
  mkdir -p "$DATA_DIR"
  (umask 077 && $PY - "$DATA_DIR/local.env" <<'PYTHON'
import secrets
import sys

from cryptography.fernet import Fernet

with open(sys.argv[1], "x", encoding="utf-8") as local_env:
    local_env.write(
        "# Written by `make run` on its first run (scripts/local_setup.sh); read by nexochat/settings.py.\n"
        "# Local mode: plain HTTP on 127.0.0.1 with DEBUG off. Not for a real site: remove this file there\n"
        "# and set SECRET_KEY, FIELD_ENCRYPTION_KEYS and ALLOWED_HOSTS (README, Configuration).\n"
        "# Keep the keys: a new SECRET_KEY signs everyone out, a lost FIELD_ENCRYPTION_KEYS loses stored API keys.\n"
        "LOCAL_MODE=true\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
    )
PYTHON
  )
  echo "Wrote $DATA_DIR/local.env (local mode, a new secret key)."
fi
$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput --verbosity 0
$PY manage.py seed_demo
