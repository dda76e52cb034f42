#!/usr/bin/env bash
# Prepare a machine for NexoChat: system packages (when missing and we may install them),
# the virtual environment in .venv, and the Python packages. Safe to run again.
#   scripts/bootstrap.sh          # what the app needs
#   scripts/bootstrap.sh --dev    # plus what the tests need (headless Chromium, pytest, ...)
#   scripts/bootstrap.sh --pyannote [--dev]   # instead: the pyannote/GPU worker environment .venv-pyannote
#                                             # (torch 2.9.1 + pyannote.audio; README "Environments")
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
PYANNOTE=0
for arg in "$@"; do
  case $arg in
    --dev) DEV=1 ;;
    --pyannote) PYANNOTE=1 ;;
    *) echo "Unknown option $arg (use --dev and/or --pyannote)." >&2; exit 2 ;;
  esac
done

packages=(ffmpeg espeak-ng sox libmariadb-dev pkg-config gcc python3-dev)
[[ $DEV == 1 && $PYANNOTE == 0 ]] && packages+=(chromium)
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

if [[ $PYANNOTE == 1 ]]; then
  # requirements.txt pins the CPU torch 2.13 wheel, which pip cannot override from another file:
  # install it without that line, plus the pyannote pins (torch 2.9.1, torchaudio, torchcodec, pyannote.audio).
  venv=.venv-pyannote
  [[ -x $venv/bin/python ]] || "$PYTHON" -m venv $venv
  stamp="$venv/.installed-$(sha256sum requirements.txt requirements-dev.txt requirements-pyannote.txt | sha256sum | cut -c1-16)-$DEV"
  if [[ ! -f $stamp ]]; then
    grep -v '^torch==' requirements.txt > "$venv/requirements-base.txt"
    extra=()
    if [[ $DEV == 1 ]]; then
      grep -v '^-r ' requirements-dev.txt > "$venv/requirements-tools.txt"
      extra=(-r "$venv/requirements-tools.txt")
    fi
    $venv/bin/pip install -q --disable-pip-version-check -r "$venv/requirements-base.txt" -r requirements-pyannote.txt "${extra[@]}"
    touch "$stamp"
  fi
  exit 0
fi

[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
requirements=requirements.txt
[[ $DEV == 1 ]] && requirements=requirements-dev.txt
stamp=".venv/.installed-$(sha256sum requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$DEV"
if [[ ! -f $stamp ]]; then
  .venv/bin/pip install -q --disable-pip-version-check -r "$requirements"
  touch "$stamp"
fi
