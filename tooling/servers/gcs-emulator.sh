#!/usr/bin/env bash
# The Cloud Storage emulator of firebase-tools 15.34.2, started in-process by gcs-emulator.cjs
# with its rules runtime stubbed (no Java, no download). It checks no credentials, creates
# buckets implicitly, takes single-request uploads only and caps request bodies at 130 MB.
# See /work/shared/backends.md §3a.
#
#   gcs-emulator.sh packages | install | start | stop | status   (packages: the Debian packages, one a line)
#
# Env written by `start` (<servers dir>/gcs-emulator.env):
#   VOLBACK_TEST_GCS_ENDPOINT, VOLBACK_TEST_GCS_PROJECT_ID
set -euo pipefail

NAME=gcs-emulator
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVERS_DIR="${VOLBACK_SERVERS_DIR:-$REPO_ROOT/.test-servers}"
STATE="$SERVERS_DIR/$NAME"
LOG="$STATE/gcs-emulator.log"
PIDFILE="$STATE/pids"
ENVFILE="$SERVERS_DIR/$NAME.env"
PORT="${VOLBACK_GCS_EMULATOR_PORT:-9199}"
READY_TIMEOUT="${VOLBACK_GCS_EMULATOR_READY_TIMEOUT:-20}"
PROJECT_ID='demo-volback'
LAUNCHER="$REPO_ROOT/tooling/servers/gcs-emulator.cjs"
FIREBASE_TOOLS="$REPO_ROOT/packages/driver-gcs/node_modules/firebase-tools/package.json"

source "$(dirname "${BASH_SOURCE[0]}")/lib/daemon.sh"
STOP_GRACE=10
server_packages() { :; } # npm only: nothing from apt

cmd_install() {
  # npm-only server: firebase-tools is a devDependency of packages/driver-gcs.
  [[ -f "$FIREBASE_TOOLS" ]] || log "note: $FIREBASE_TOOLS is missing; run 'pnpm install' at the repo root"
}

cmd_start() {
  [[ -f "$FIREBASE_TOOLS" ]] || { log "missing $FIREBASE_TOOLS: run 'pnpm install' at the repo root"; exit 1; }
  exit_if_started "$PORT" VOLBACK_GCS_EMULATOR_PORT
  rm -rf "$STATE"
  mkdir -p "$STATE/home" "$STATE/tmp"
  rm -f "$ENVFILE"
  # A home, config dir and TMPDIR of its own: whatever firebase-tools writes (its configstore,
  # the blobs it keeps under $TMPDIR/firebase/storage) stays in the servers dir. No analytics
  # consent is ever stored there, so nothing is reported; the update check lives in the CLI,
  # which is not run; no credentials are looked for (the emulator checks none).
  HOME="$STATE/home" XDG_CONFIG_HOME="$STATE/home/.config" TMPDIR="$STATE/tmp" \
    FIREBASE_CLI_DISABLE_UPDATE_CHECK=true CI=true \
    node "$LAUNCHER" "$PORT" "$PROJECT_ID" >"$LOG" 2>&1 &
  local pid=$!
  echo "$pid gcs-emulator" >"$PIDFILE"

  wait_until_ready "$pid" "http://127.0.0.1:$PORT/b" curl -sf -o /dev/null "http://127.0.0.1:$PORT/b"

  cat >"$ENVFILE" <<ENV
export VOLBACK_TEST_GCS_ENDPOINT=http://127.0.0.1:$PORT
export VOLBACK_TEST_GCS_PROJECT_ID=$PROJECT_ID
ENV
  log "ready on http://127.0.0.1:$PORT (env: $ENVFILE)"
}

dispatch "$@"
