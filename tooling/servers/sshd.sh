#!/usr/bin/env bash
# Debian OpenSSH (openssh-server) as a foreground sshd with internal-sftp, key login for root,
# its own host key and client key, all under the servers dir. See /work/shared/backends.md §4a.
#
#   sshd.sh packages | install | start | stop | status   (packages: the Debian packages, one a line)
#
# Env written by `start` (<servers dir>/sshd.env):
#   VOLBACK_TEST_SFTP_HOST, _PORT, _USER, _IDENTITY (client private key), _KNOWN_HOSTS (a
#   known_hosts file holding the server's host key as [127.0.0.1]:port), _HOST_KEY_SHA256
#   (SHA256:… fingerprint), _ROOT (a directory the tests write into; same machine, so the
#   tests may read it directly), _SSHD_CONFIG (the config, for a test that starts a second sshd)
set -euo pipefail

NAME=sshd
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SERVERS_DIR="${VOLBACK_SERVERS_DIR:-$REPO_ROOT/.test-servers}"
mkdir -p "$SERVERS_DIR"
SERVERS_DIR="$(cd "$SERVERS_DIR" && pwd)"
STATE="$SERVERS_DIR/$NAME"
DATA="$STATE/data"
LOG="$STATE/sshd.log"
PIDFILE="$STATE/pids"
ENVFILE="$SERVERS_DIR/$NAME.env"
PORT="${VOLBACK_SSHD_PORT:-2222}"
READY_TIMEOUT="${VOLBACK_SSHD_READY_TIMEOUT:-10}"
SSHD=/usr/sbin/sshd
APT_PACKAGES=(openssh-server)

source "$(dirname "${BASH_SOURCE[0]}")/lib/daemon.sh"
STOP_GRACE=5

write_config() {
  rm -rf "$STATE"
  mkdir -p "$STATE" "$DATA"
  ssh-keygen -q -t ed25519 -N '' -C volback-test-host -f "$STATE/ssh_host_ed25519_key"
  ssh-keygen -q -t ed25519 -N '' -C volback-test-client -f "$STATE/client_key"
  cp "$STATE/client_key.pub" "$STATE/authorized_keys"
  echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$STATE/ssh_host_ed25519_key.pub")" >"$STATE/known_hosts"
  # StrictModes no: the keys live in a directory sshd would find too open (under /tmp or a worktree).
  # -d: relative paths (rclone's in the bench) land in the data directory, never in root's home.
  cat >"$STATE/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $STATE/ssh_host_ed25519_key
PidFile none
AuthorizedKeysFile $STATE/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
AllowUsers root
MaxStartups 64
MaxSessions 64
Subsystem sftp internal-sftp
ForceCommand internal-sftp -d $DATA
EOF
}

cmd_start() {
  [[ -x "$SSHD" ]] || { log "missing $SSHD: run '$0 install' (Debian openssh-server)"; exit 1; }
  if is_running; then
    log "already running (pids in $PIDFILE)"
    exit 0
  fi
  if tcp_port_open "$PORT"; then
    log "port $PORT is already in use by another process; set VOLBACK_SSHD_PORT"
    exit 1
  fi
  # sshd refuses to start without its privilege separation directory.
  mkdir -p /run/sshd && chmod 755 /run/sshd
  rm -f "$ENVFILE"
  write_config
  "$SSHD" -t -f "$STATE/sshd_config"
  "$SSHD" -D -e -f "$STATE/sshd_config" >"$LOG" 2>&1 &
  local pid=$!
  echo "$pid sshd" >"$PIDFILE"

  wait_until_ready "$pid" "127.0.0.1:$PORT" tcp_port_open "$PORT"

  cat >"$ENVFILE" <<EOF
export VOLBACK_TEST_SFTP_HOST=127.0.0.1
export VOLBACK_TEST_SFTP_PORT=$PORT
export VOLBACK_TEST_SFTP_USER=root
export VOLBACK_TEST_SFTP_IDENTITY=$STATE/client_key
export VOLBACK_TEST_SFTP_KNOWN_HOSTS=$STATE/known_hosts
export VOLBACK_TEST_SFTP_HOST_KEY_SHA256=$(ssh-keygen -l -E sha256 -f "$STATE/ssh_host_ed25519_key.pub" | cut -d' ' -f2)
export VOLBACK_TEST_SFTP_ROOT=$DATA
export VOLBACK_TEST_SFTP_SSHD_CONFIG=$STATE/sshd_config
EOF
  log "ready on 127.0.0.1:$PORT (env: $ENVFILE)"
}

dispatch "$@"
