#!/usr/bin/env bash
# Installs what Kapula needs on a fresh machine: a virtualenv with the project and its test tools,
# Debian's graphviz (for `dot`) and chromium (browser tests) when they are missing. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null 2>&1; then
    echo "installing Debian's graphviz (dot)…"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq graphviz >/dev/null
fi

# cairosvg (PNG and PDF of the diagram-interchange drawings) needs the cairo library; graphviz brings it
if ! ldconfig -p 2>/dev/null | grep -q "libcairo.so.2"; then
    echo "installing Debian's libcairo2 (for PNG and PDF drawings)…"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libcairo2 >/dev/null
fi

# the browser tests drive Debian's Chromium headless (Playwright never downloads its own browsers here)
if [ ! -x /usr/bin/chromium ]; then
    echo "installing Debian's chromium (for the browser tests)…"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# bpmn-js, the library behind bpmn.io: the tests check that every model opens cleanly in it
if [ ! -f tools/bpmnjs/node_modules/bpmn-js/package.json ]; then
    if ! command -v npm >/dev/null 2>&1; then
        echo "installing Debian's npm (for bpmn-js)…"
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
    fi
    echo "installing bpmn-js into tools/bpmnjs…"
    npm ci --prefix tools/bpmnjs --no-audit --no-fund --loglevel=error
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "creating .venv…"
    "$PYTHON" -m venv .venv
fi
# a stamp keeps repeated runs fast; it changes whenever pyproject.toml does
stamp=".venv/.kapula-installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    echo "installing Kapula and its dependencies into .venv…"
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[test]"
    rm -f .venv/.kapula-installed-*
    touch "$stamp"
fi
