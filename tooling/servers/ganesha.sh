#!/usr/bin/env bash
# nfs-ganesha 4.3 (Debian, FSAL VFS) exporting a temp directory over NFSv3/TCP on 127.0.0.1, on
# non-standard ports. See /work/shared/backends.md §5.
#
#   ganesha.sh packages | install | start | stop | status | restart
#   (restart: ganesha stopped and started again on the same export, its files kept: a server reboot)
#
# NFSv3 makes ganesha register with rpcbind at start-up, or it exits. rpcbind cannot be bound to
# loopback alone (`-h 127.0.0.1` crashes), so it runs in a private network namespace
# (`unshare -n`): nothing listens on 0.0.0.0:111, and ganesha still registers through the local
# socket /run/rpcbind.sock. It is stopped once ganesha is up: clients are given both ports.
# A live rpcbind that is not ours (another run's, the system's) is used as it is and left running.
#
# Env written by `start` (<servers dir>/ganesha.env):
#   VOLBACK_TEST_NFS_HOST, VOLBACK_TEST_NFS_NFS_PORT, VOLBACK_TEST_NFS_MOUNT_PORT,
#   VOLBACK_TEST_NFS_EXPORT (the path clients mount), VOLBACK_TEST_NFS_EXPORT_DIR (the local
#   directory exported: the tests' backdoor), VOLBACK_TEST_NFS_SERVERS_DIR (for `restart`)
set -euo pipefail

NAME=ganesha
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVERS_DIR="${VOLBACK_SERVERS_DIR:-$REPO_ROOT/.test-servers}"
STATE="$SERVERS_DIR/$NAME"
EXPORT_DIR="$STATE/export"
CONF="$STATE/ganesha.conf"
LOG="$STATE/ganesha.log"
GANESHA_PIDFILE="$STATE/ganesha.pid"
PIDFILE="$STATE/pids"
ENVFILE="$SERVERS_DIR/$NAME.env"
NFS_PORT="${VOLBACK_GANESHA_NFS_PORT:-20490}"
MOUNT_PORT="${VOLBACK_GANESHA_MOUNT_PORT:-20491}"
READY_TIMEOUT="${VOLBACK_GANESHA_READY_TIMEOUT:-20}"
PSEUDO=/export
RPCBIND_LOCK=/run/rpcbind.lock
RPCBIND_SOCK=/run/rpcbind.sock
GANESHA=/usr/bin/ganesha.nfsd
RPCBIND=/usr/sbin/rpcbind

APT_PACKAGES=(nfs-ganesha nfs-ganesha-vfs rpcbind libnfs-utils util-linux)

source "$(dirname "${BASH_SOURCE[0]}")/lib/daemon.sh"
# ganesha takes 1-2 s to stop; a second one cannot start before the first is gone.
STOP_GRACE=15

write_config() {
  mkdir -p "$EXPORT_DIR" "$STATE/recovery"
  cat >"$CONF" <<EOF
NFS_CORE_PARAM {
    Bind_addr = 127.0.0.1;
    NFS_Port = $NFS_PORT;
    MNT_Port = $MOUNT_PORT;
    Enable_NLM = false;
    Enable_RQUOTA = false;
    Enable_UDP = false;
    # v3 clients mount the pseudo path ($PSEUDO), not the directory's real path.
    Mount_Path_Pseudo = true;
    Protocols = 3;
}
NFSV4 {
    # No 90 s grace period at start (and after a restart).
    Graceless = true;
    RecoveryBackend = fs;
    RecoveryRoot = $STATE/recovery;
}
EXPORT {
    Export_Id = 1;
    Path = $EXPORT_DIR;
    Pseudo = $PSEUDO;
    Protocols = 3;
    Transports = TCP;
    Access_Type = RW;
    Squash = No_Root_Squash;
    SecType = sys;
    FSAL { Name = VFS; }
}
LOG { Default_Log_Level = EVENT; }
EOF
}

# Starts rpcbind in a private network namespace unless a live one holds its lock already. Prints
# the PID of the one started, nothing otherwise. The socket a killed rpcbind left is removed first;
# its state files are only read with -w, which is not given.
start_rpcbind() {
  if ! flock -n "$RPCBIND_LOCK" true 2>/dev/null; then
    log "a running rpcbind holds $RPCBIND_LOCK: ganesha registers with it"
    return 0
  fi
  rm -f "$RPCBIND_SOCK"
  unshare -n "$RPCBIND" -f </dev/null >>"$STATE/rpcbind.log" 2>&1 &
  local pid=$! deadline=$((SECONDS + 5))
  # Ready once its socket exists. (Not probed through its lock: a probe holding the lock while
  # rpcbind starts makes it abort with "another rpcbind is already running".)
  until [[ -S $RPCBIND_SOCK ]]; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
      log "rpcbind did not start"
      tail -n 20 "$STATE/rpcbind.log" >&2 || true
      return 1
    fi
    sleep 0.02
  done
  # bind() made the socket; listen() follows at once.
  sleep 0.05
  echo "$pid"
}

stop_pid() {
  local pid=$1 deadline=$((SECONDS + STOP_GRACE))
  kill "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      kill -9 "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.05
  done
}

# ganesha up on the existing config and export; rpcbind only for its registration.
launch() {
  for port in "$NFS_PORT" "$MOUNT_PORT"; do
    if tcp_port_open "$port"; then
      log "port $port is already in use by another process; set VOLBACK_GANESHA_NFS_PORT / VOLBACK_GANESHA_MOUNT_PORT"
      exit 1
    fi
  done
  local rpcbind_pid
  rpcbind_pid=$(start_rpcbind)
  [[ -n $rpcbind_pid ]] && echo "$rpcbind_pid rpcbind" >>"$PIDFILE"
  rm -f "$GANESHA_PIDFILE"
  "$GANESHA" -F -L "$LOG" -f "$CONF" -p "$GANESHA_PIDFILE" -N NIV_EVENT </dev/null >>"$STATE/ganesha.out" 2>&1 &
  local pid=$!
  echo "$pid ganesha" >>"$PIDFILE"

  both_ports_open() { tcp_port_open "$NFS_PORT" && tcp_port_open "$MOUNT_PORT"; }
  wait_until_ready "$pid" "127.0.0.1:$NFS_PORT, :$MOUNT_PORT" both_ports_open
  # Registered: rpcbind is not needed any more. Clients get the ports from the env file.
  if [[ -n $rpcbind_pid ]]; then
    stop_pid "$rpcbind_pid"
    grep -v "^$rpcbind_pid rpcbind\$" "$PIDFILE" >"$PIDFILE.new" || true
    mv "$PIDFILE.new" "$PIDFILE"
  fi
}

cmd_start() {
  if is_running; then
    log "already running (pids in $PIDFILE)"
    exit 0
  fi
  rm -rf "$STATE"
  mkdir -p "$STATE"
  rm -f "$ENVFILE"
  write_config
  launch
  cat >"$ENVFILE" <<EOF
export VOLBACK_TEST_NFS_HOST=127.0.0.1
export VOLBACK_TEST_NFS_NFS_PORT=$NFS_PORT
export VOLBACK_TEST_NFS_MOUNT_PORT=$MOUNT_PORT
export VOLBACK_TEST_NFS_EXPORT=$PSEUDO
export VOLBACK_TEST_NFS_EXPORT_DIR=$EXPORT_DIR
export VOLBACK_TEST_NFS_SERVERS_DIR=$SERVERS_DIR
EOF
  log "ready on 127.0.0.1:$NFS_PORT (mount $MOUNT_PORT), export $PSEUDO = $EXPORT_DIR (env: $ENVFILE)"
}

# A server reboot: ganesha stopped by its PID and started again on the same files. The env file stays.
cmd_restart() {
  [[ -f $CONF ]] || { log "not started: nothing to restart"; exit 1; }
  if [[ -f $PIDFILE ]]; then
    local pid label
    while read -r pid label; do [[ -n $pid ]] && stop_pid "$pid"; done <"$PIDFILE"
    rm -f "$PIDFILE"
  fi
  launch
  log "restarted on 127.0.0.1:$NFS_PORT"
}

if [[ ${1:-} == restart ]]; then
  cmd_restart
  exit 0
fi
dispatch "$@"
