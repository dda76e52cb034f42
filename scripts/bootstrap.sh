#!/usr/bin/env bash
# Prepare a machine for NexoChat: system packages (when missing and we may install them),
# the virtual environment in .venv, and the Python packages. Safe to run again.
#   scripts/bootstrap.sh          # what the app needs
#   scripts/bootstrap.sh --dev    # plus what the tests need (headless Chromium, pytest, ...)
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[[ "${1:-}" == "--dev" ]] && DEV=1

packages=(ffmpeg espeak-ng sox libmariadb-dev pkg-config gcc python3-dev)
[[ $DEV == 1 ]] && packages+=(chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing system packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "Missing system packages: ${missing[*]} — install them (e.g. sudo apt-get install ${missing[*]})." >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "NexoChat needs Python 3.11 (found $("$PYTHON" --version)). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
requirements=requirements.txt
[[ $DEV == 1 ]] && requirements=requirements-dev.txt
stamp=".venv/.installed-$(sha256sum requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$DEV"
if [[ ! -f $stamp ]]; then
  .venv/bin/pip install -q --disable-pip-version-check -r "$requirements"
  touch "$stamp"
fi
