#!/usr/bin/env bash
# CI: the optional plot extra, so `h2h stats --png` is tested (the test skips without it only off CI).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet '.[plot]'
