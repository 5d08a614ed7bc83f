#!/usr/bin/env bash
# Refreshes the translation: collects every tr()/translate() string of gui/*.py into the .ts
# (translate new entries in it, e.g. with pyside6-linguist), then compiles the .qm the app loads.
# tests/gui/test_i18n.py fails when the .ts lacks a string or the .qm is not what this produces.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${VENV_BIN:-.venv/bin}"
"$BIN/pyside6-lupdate" -no-obsolete gui/*.py -ts gui/i18n/kinesight_zh_CN.ts
"$BIN/pyside6-lrelease" gui/i18n/kinesight_zh_CN.ts -qm gui/i18n/kinesight_zh_CN.qm
