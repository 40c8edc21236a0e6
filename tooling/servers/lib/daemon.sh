# Shared by the test-server scripts: PID-file bookkeeping, stop by recorded PID, and the
# subcommand dispatch. A script sets NAME, PIDFILE and ENVFILE, defines server_packages,
# cmd_install and cmd_start, then calls `dispatch "$@"`. STOP_GRACE (seconds) bounds the wait
# for SIGTERM before SIGKILL.

log() { echo "[$NAME] $*" >&2; }

# A server from Debian packages sets APT_PACKAGES before sourcing this file: `packages` prints
# them and `install` installs them. npm-only servers define their own two functions instead.
server_packages() { [[ -z "${APT_PACKAGES+set}" ]] || printf '%s\n' "${APT_PACKAGES[@]}"; }
cmd_install() {
  [[ -z "${APT_PACKAGES+set}" ]] || DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
}

# True when something accepts TCP connections on 127.0.0.1:<port>.
tcp_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

is_running() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid
  while read -r pid _; do
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && return 0
  done <"$PIDFILE"
  return 1
}

# Exits when this server already runs (success) or another process holds its port (failure).
exit_if_started() {
  local port=$1 port_var=$2
  if is_running; then
    log "already running (pids in $PIDFILE)"
    exit 0
  fi
  if curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
    log "port $port is already in use by another process; set $port_var"
    exit 1
  fi
}

# Stops every recorded PID (never by process name), waits for each, and is safe to run twice.
cmd_stop() {
  rm -f "$ENVFILE"
  [[ -f "$PIDFILE" ]] || { log "not running"; return 0; }
  local pid label pids=()
  while read -r pid label; do
    [[ -n "$pid" ]] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done <"$PIDFILE"
  local deadline=$((SECONDS + ${STOP_GRACE:-10}))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null; do
      if ((SECONDS >= deadline)); then
        log "pid $pid ignored SIGTERM; sending SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
  done
  rm -f "$PIDFILE"
  log "stopped"
}

cmd_status() {
  if is_running; then log "running"; else log "not running"; return 1; fi
}

dispatch() {
  case "${1:-}" in
    packages) server_packages ;;
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: $0 packages|install|start|stop|status" >&2; exit 2 ;;
  esac
}

# Waits until `probe` (a command) succeeds, for at most READY_TIMEOUT seconds, while `pid` lives;
# otherwise logs why with the tail of LOG, stops what started and exits 1.
#   wait_until_ready <pid> <what, for the message> <probe command...>
wait_until_ready() {
  local pid=$1 what=$2
  shift 2
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@"; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
      log "not ready after ${READY_TIMEOUT}s or exited ($what)"
      echo "----- tail of $LOG -----" >&2
      tail -n 30 "$LOG" >&2 || true
      cmd_stop
      exit 1
    fi
    sleep 0.05
  done
}
