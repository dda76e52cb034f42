#!/usr/bin/env bash
# Set up (system packages, .venv, test dependencies) and run the whole test suite.
# DATABASE_URL picks the database (SQLite by default; mysql://root@127.0.0.1:3306/nexochat for MariaDB).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --dev
exec .venv/bin/pytest "$@"
