#!/usr/bin/env bash
# Installs what is missing, then runs the whole test suite. KAPULA_DATABASE_URL picks the database
# (default: a fresh SQLite file per test; e.g. postgresql://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/python -m pytest "$@"
