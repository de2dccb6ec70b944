#!/usr/bin/env bash
# CI: the optional plot extra, so `h2h stats --png` is tested (the test skips without it only off CI).
# Into .venv, the environment the README's test command makes and runs the tests in.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv --without-pip .venv
python3 -m pip --python .venv/bin/python install --quiet '.[plot]'
