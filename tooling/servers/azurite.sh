#!/usr/bin/env bash
# npm azurite 3.37.0, blob service only: Azure Blob Storage with the well-known development
# account, shared-key signatures checked. In memory, so every start is empty. See
# /work/shared/backends.md §2.
#
#   azurite.sh packages | install | start | stop | status   (packages: the Debian packages, one a line)
#
# Env written by `start` (<servers dir>/azurite.env):
#   VOLBACK_TEST_AZURITE_ENDPOINT (http://127.0.0.1:<port>/devstoreaccount1, path-style),
#   VOLBACK_TEST_AZURITE_ACCOUNT, VOLBACK_TEST_AZURITE_KEY
set -euo pipefail

NAME=azurite
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVERS_DIR="${VOLBACK_SERVERS_DIR:-$REPO_ROOT/.test-servers}"
STATE="$SERVERS_DIR/$NAME"
LOG="$STATE/azurite.log"
PIDFILE="$STATE/pids"
ENVFILE="$SERVERS_DIR/$NAME.env"
PORT="${VOLBACK_AZURITE_PORT:-10000}"
READY_TIMEOUT="${VOLBACK_AZURITE_READY_TIMEOUT:-30}"
# Azurite's fixed development account (documented by Microsoft, not a secret).
ACCOUNT='devstoreaccount1'
KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
# A devDependency of the driver, so pnpm install of the workspace brings it.
BIN="$REPO_ROOT/packages/driver-azure/node_modules/azurite/dist/src/blob/main.js"

source "$(dirname "${BASH_SOURCE[0]}")/lib/daemon.sh"
STOP_GRACE=10
server_packages() { :; } # npm only: nothing from apt

cmd_install() {
  [[ -f "$BIN" ]] || log "note: $BIN is missing; run 'pnpm install' at the repo root"
}

cmd_start() {
  [[ -f "$BIN" ]] || { log "missing $BIN: run 'pnpm install' at the repo root"; exit 1; }
  exit_if_started "$PORT" VOLBACK_AZURITE_PORT
  mkdir -p "$STATE"
  rm -f "$PIDFILE" "$ENVFILE"
  # --disableTelemetry: otherwise azurite reaches for the network and takes 45 s to stop.
  # --skipApiVersionCheck: an SDK newer than the server still talks to it.
  # Run from its state dir: whatever it may write to its working directory stays there.
  (cd "$STATE" && exec node "$BIN" --blobHost 127.0.0.1 --blobPort "$PORT" --inMemoryPersistence \
    --disableTelemetry --skipApiVersionCheck --silent) >"$LOG" 2>&1 &
  local pid=$!
  echo "$pid azurite" >"$PIDFILE"

  # Any HTTP answer means it listens (it answers / with 400).
  wait_until_ready "$pid" "http://127.0.0.1:$PORT/" curl -s -o /dev/null "http://127.0.0.1:$PORT/"

  cat >"$ENVFILE" <<ENV
export VOLBACK_TEST_AZURITE_ENDPOINT=http://127.0.0.1:$PORT/$ACCOUNT
export VOLBACK_TEST_AZURITE_ACCOUNT=$ACCOUNT
export VOLBACK_TEST_AZURITE_KEY='$KEY'
ENV
  log "ready on http://127.0.0.1:$PORT/$ACCOUNT (env: $ENVFILE)"
}

dispatch "$@"
