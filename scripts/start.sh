#!/usr/bin/env bash
# Installs what is missing, then runs Kapula on the embedded SQLite default with the models in bpmn/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export KAPULA_DATABASE_URL="${KAPULA_DATABASE_URL:-sqlite:///kapula.db}"
exec .venv/bin/kapula demo "$@"
