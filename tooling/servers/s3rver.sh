#!/usr/bin/env bash
# npm s3rver 3.7.1: a quick, lenient S3 (no signature-secret or Content-MD5 checks). Fast to
# start, good for local runs. See /work/shared/backends.md §1a.
#
#   s3rver.sh packages | install | start | stop | status   (packages: the Debian packages, one a line)
#
# Env written by `start` (<servers dir>/s3rver.env):
#   VOLBACK_TEST_S3RVER_ENDPOINT, VOLBACK_TEST_S3RVER_ACCESS_KEY,
#   VOLBACK_TEST_S3RVER_SECRET_KEY, VOLBACK_TEST_S3RVER_REGION
set -euo pipefail

NAME=s3rver
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVERS_DIR="${VOLBACK_SERVERS_DIR:-$REPO_ROOT/.test-servers}"
STATE="$SERVERS_DIR/$NAME"
DATA="$STATE/data"
LOG="$STATE/s3rver.log"
PIDFILE="$STATE/pids"
ENVFILE="$SERVERS_DIR/$NAME.env"
PORT="${VOLBACK_S3RVER_PORT:-4568}"
READY_TIMEOUT="${VOLBACK_S3RVER_READY_TIMEOUT:-20}"
# s3rver accepts any secret; only these access key ids are known to it.
ACCESS_KEY='S3RVER'
SECRET_KEY='S3RVER'
REGION='us-east-1'
BIN="$REPO_ROOT/tooling/node_modules/s3rver/bin/s3rver.js"

source "$(dirname "${BASH_SOURCE[0]}")/lib/daemon.sh"
STOP_GRACE=10
server_packages() { :; } # npm only: nothing from apt


cmd_install() {
  # npm-only server: it comes with `pnpm install` of the workspace (tooling devDependency).
  [[ -f "$BIN" ]] || log "note: $BIN is missing; run 'pnpm install' at the repo root"
}

cmd_start() {
  [[ -f "$BIN" ]] || { log "missing $BIN: run 'pnpm install' at the repo root"; exit 1; }
  exit_if_started "$PORT" VOLBACK_S3RVER_PORT
  rm -rf "$DATA"
  mkdir -p "$DATA"
  rm -f "$PIDFILE" "$ENVFILE"
  # --openssl-legacy-provider: s3rver encrypts ListObjectsV2 continuation tokens with DES, which
  # OpenSSL 3 only offers through the legacy provider; without it every paginated list is a 500.
  # Started with node directly (not npx) so the recorded PID is the server itself.
  node --openssl-legacy-provider "$BIN" -d "$DATA" -a 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
  echo "$! s3rver" >"$PIDFILE"
  local pid=$!

  wait_until_ready "$pid" "http://127.0.0.1:$PORT/" curl -sf -o /dev/null "http://127.0.0.1:$PORT/"

  cat >"$ENVFILE" <<EOF
export VOLBACK_TEST_S3RVER_ENDPOINT=http://127.0.0.1:$PORT
export VOLBACK_TEST_S3RVER_ACCESS_KEY=$ACCESS_KEY
export VOLBACK_TEST_S3RVER_SECRET_KEY=$SECRET_KEY
export VOLBACK_TEST_S3RVER_REGION=$REGION
EOF
  log "ready on http://127.0.0.1:$PORT (env: $ENVFILE)"
}


dispatch "$@"
