# Shared by the test-server scripts (source it after lib/daemon.sh): waits for a started server
# to answer, or stops it and exits with the tail of its log.

# wait_until_answers PID URL TIMEOUT LOG [CURL_OPTION…]: returns once `curl URL` gets any HTTP
# answer (add -f to want a 2xx); if PID exits or TIMEOUT seconds pass first, prints the log's
# tail, stops the recorded PIDs (cmd_stop) and exits 1.
wait_until_answers() {
  local pid=$1 url=$2 timeout=$3 logfile=$4
  shift 4
  local deadline=$((SECONDS + timeout))
  until curl -s "$@" -o /dev/null "$url"; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
      log "not ready after ${timeout}s or exited ($url)"
      echo "----- tail of $logfile -----" >&2
      tail -n 30 "$logfile" >&2 || true
      cmd_stop
      exit 1
    fi
    sleep 0.2
  done
}
