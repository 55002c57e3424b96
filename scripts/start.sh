#!/usr/bin/env bash
# Installs what is missing, loads the models in bpmn/ with demo cases and demo users (embedded SQLite
# default), then serves the web pages and the API.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export KAPULA_DATABASE_URL="${KAPULA_DATABASE_URL:-sqlite:///kapula.db}"
.venv/bin/kapula demo
# then the web pages and API; arguments go to `kapula serve` (e.g. --port 9000 --host 0.0.0.0)
exec .venv/bin/kapula serve "$@"
