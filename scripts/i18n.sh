#!/usr/bin/env bash
# The pages' message catalogs (api/web/locale/{fi,sv,en}/LC_MESSAGES/messages.po): extract every text
# of the templates and the page code, then add the new ones to each catalog (untranslated, for a
# person to translate; tests/unit/test_i18n_catalogs.py fails until sv and en have them all).
# The message ids are the Finnish texts; the app compiles the catalogs itself when it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
POT=api/web/locale/messages.pot
.venv/bin/pybabel -q extract -F api/web/babel.cfg -k N_ -k plural:1,2 --no-location --sort-output \
    --project=Kapula --copyright-holder=Kapula -o "$POT" api/web
for lang in fi sv en; do
    if [ -f "api/web/locale/$lang/LC_MESSAGES/messages.po" ]; then
        .venv/bin/pybabel -q update --no-fuzzy-matching --ignore-obsolete -i "$POT" -d api/web/locale -l "$lang"
    else
        .venv/bin/pybabel -q init -i "$POT" -d api/web/locale -l "$lang"
    fi
done
# no creation dates: they change on every run and made every parallel branch's catalogs conflict
sed -i '/^"POT-Creation-Date: /d; /^"PO-Revision-Date: /d' "$POT" api/web/locale/*/LC_MESSAGES/messages.po
