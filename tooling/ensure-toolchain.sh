#!/usr/bin/env bash
# Brings a fresh Debian 12 machine (Node 20 with npm present) to where the workspace builds:
# the pinned pnpm, the dependencies from the lockfile, and a build of every package.
# Sourced by demo.sh, test-all.sh and bench.sh; safe to run again (each step is skipped when done).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PNPM_VERSION="$(node -p "require('$REPO_ROOT/package.json').packageManager.split('@')[1]")"

say() { printf '\033[1m[volback]\033[0m %s\n' "$*" >&2; }

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [[ "$node_major" -lt 20 ]]; then
  say "Node.js 20 or newer is needed (found $(node --version))"
  exit 1
fi

# Corepack's signature check fails without network to its key server; npm's registry works.
if [[ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]]; then
  say "installing pnpm $PNPM_VERSION from the npm registry"
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi

cd "$REPO_ROOT"
say "installing dependencies (pnpm install --frozen-lockfile)"
pnpm install --frozen-lockfile --reporter=silent
say "building every package"
# Quiet when it works; a failing package prints its compiler errors (tsc writes them to stdout).
pnpm exec turbo run build --output-logs=errors-only
