#!/usr/bin/env bash
# OpenStack Swift (Debian 12, 2.30) with the s3api middleware: the most faithful S3 we can run
# here (real SigV4 checks, Content-MD5 BadDigest, AWS-style multipart). A single-replica
# "Swift all in one" under $VOLBACK_SERVERS_DIR/swift-s3/. See /work/shared/backends.md §1c.
#
#   swift-s3.sh packages | install | start | stop | status   (packages: the Debian packages, one a line)
#
# Env written by `start` (<servers dir>/swift-s3.env):
#   VOLBACK_TEST_S3_SWIFT_ENDPOINT, VOLBACK_TEST_S3_SWIFT_ACCESS_KEY,
#   VOLBACK_TEST_S3_SWIFT_SECRET_KEY, VOLBACK_TEST_S3_SWIFT_REGION
set -euo pipefail

NAME=swift-s3
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVERS_DIR="${VOLBACK_SERVERS_DIR:-$REPO_ROOT/.test-servers}"
STATE="$SERVERS_DIR/$NAME"
ETC="$STATE/etc"
DEVICES="$STATE/srv"
LOGS="$STATE/logs"
PIDFILE="$STATE/pids"
ENVFILE="$SERVERS_DIR/$NAME.env"
PROXY_PORT="${VOLBACK_SWIFT_S3_PORT:-8080}"
MEMCACHED_PORT="${VOLBACK_SWIFT_MEMCACHED_PORT:-11211}"
READY_TIMEOUT="${VOLBACK_SWIFT_READY_TIMEOUT:-60}"
ACCESS_KEY='test:tester'
SECRET_KEY='testing'
REGION='us-east-1'

APT_PACKAGES=(swift-proxy swift-object swift-container swift-account memcached)

source "$(dirname "${BASH_SOURCE[0]}")/lib/daemon.sh"
STOP_GRACE=15

write_config() {
  rm -rf "$ETC" "$DEVICES"
  mkdir -p "$ETC" "$DEVICES/d1" "$LOGS"

  cat >"$ETC/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = volback-test
swift_hash_path_prefix = volback-test

[storage-policy:0]
name = gold
default = yes
EOF

  # `user = root`: the default `swift` user cannot write the root-owned devices dir, which
  # surfaces as a misleading 503 "Please reduce your request rate".
  local entry n p
  for entry in account:6202 container:6201 object:6200; do
    n=${entry%%:*}
    p=${entry##*:}
    cat >"$ETC/$n-server.conf" <<EOF
[DEFAULT]
user = root
devices = $DEVICES
mount_check = false
bind_ip = 127.0.0.1
bind_port = $p
workers = 1
swift_dir = $ETC
log_level = WARNING

[pipeline:main]
pipeline = $n-server

[app:$n-server]
use = egg:swift#$n
EOF
    (cd "$ETC" &&
      swift-ring-builder "$n.builder" create 6 1 1 >/dev/null &&
      swift-ring-builder "$n.builder" add "r1z1-127.0.0.1:$p/d1" 100 >/dev/null &&
      swift-ring-builder "$n.builder" rebalance >/dev/null)
  done

  cat >"$ETC/proxy-server.conf" <<EOF
[DEFAULT]
user = root
bind_ip = 127.0.0.1
bind_port = $PROXY_PORT
workers = 1
swift_dir = $ETC
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = $SECRET_KEY .admin

[filter:s3api]
use = egg:swift#s3api
location = $REGION

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
EOF
}


# Starts one daemon in the background, logging to $LOGS/<label>.log, and records its PID.
spawn() {
  local label=$1
  shift
  "$@" >"$LOGS/$label.log" 2>&1 &
  echo "$! $label" >>"$PIDFILE"
}

show_logs() {
  local f
  for f in "$LOGS"/*.log; do
    [[ -f "$f" ]] || continue
    echo "----- tail of $f -----" >&2
    tail -n 20 "$f" >&2
  done
}

cmd_start() {
  for bin in swift-proxy-server swift-object-server swift-container-server swift-account-server swift-ring-builder memcached; do
    command -v "$bin" >/dev/null || { log "missing $bin: run '$0 install' first (apt packages: ${APT_PACKAGES[*]})"; exit 1; }
  done
  exit_if_started "$PROXY_PORT" VOLBACK_SWIFT_S3_PORT
  mkdir -p "$STATE"
  rm -f "$PIDFILE" "$ENVFILE"
  write_config

  spawn memcached memcached -u root -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0
  local n
  for n in account container object; do
    spawn "$n" "swift-$n-server" "$ETC/$n-server.conf"
  done
  spawn proxy swift-proxy-server "$ETC/proxy-server.conf"

  local deadline=$((SECONDS + READY_TIMEOUT))
  until curl -sf -o /dev/null "http://127.0.0.1:$PROXY_PORT/healthcheck"; do
    if ((SECONDS >= deadline)); then
      log "not ready after ${READY_TIMEOUT}s (http://127.0.0.1:$PROXY_PORT/healthcheck)"
      show_logs
      cmd_stop
      exit 1
    fi
    local pid label
    while read -r pid label; do
      if ! kill -0 "$pid" 2>/dev/null; then
        log "$label (pid $pid) exited during startup"
        show_logs
        cmd_stop
        exit 1
      fi
    done <"$PIDFILE"
    sleep 0.5
  done

  # The proxy answers the healthcheck before the account/container servers may accept; wait
  # until an authenticated S3 ListBuckets goes through (any 2xx/4xx answer from s3api is fine,
  # a 503 is not).
  local code
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PROXY_PORT/" || true)
    [[ "$code" != 503 && "$code" != 000 ]] && break
    if ((SECONDS >= deadline)); then
      log "S3 API not ready after ${READY_TIMEOUT}s (last HTTP $code)"
      show_logs
      cmd_stop
      exit 1
    fi
    sleep 0.5
  done

  # Swift's servers fork a worker each; record those too so `stop` can wait for every one.
  local child
  while read -r pid label; do
    for child in $(pgrep -P "$pid" || true); do
      echo "$child $label-worker"
    done
  done <"$PIDFILE" >"$PIDFILE.children"
  cat "$PIDFILE.children" >>"$PIDFILE"
  rm -f "$PIDFILE.children"

  cat >"$ENVFILE" <<EOF
export VOLBACK_TEST_S3_SWIFT_ENDPOINT=http://127.0.0.1:$PROXY_PORT
export VOLBACK_TEST_S3_SWIFT_ACCESS_KEY='$ACCESS_KEY'
export VOLBACK_TEST_S3_SWIFT_SECRET_KEY='$SECRET_KEY'
export VOLBACK_TEST_S3_SWIFT_REGION=$REGION
EOF
  log "ready on http://127.0.0.1:$PROXY_PORT (env: $ENVFILE)"
}


dispatch "$@"
