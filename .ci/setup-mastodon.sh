#!/usr/bin/env bash
# CI: the Mastodon API server the end-to-end tests start on 127.0.0.1
# (mastodon-mock from PyPI, see shared servers.md), in its own venv so its
# dependencies (FastAPI, SQLAlchemy, ...) never mix with h2h's.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.cache/venv-mastodon
if ! "$VENV/bin/mastodon_mock" --version >/dev/null 2>&1; then
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet mastodon-mock==0.6.1
fi
"$VENV/bin/mastodon_mock" --version
