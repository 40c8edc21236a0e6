#!/usr/bin/env bash
# `pnpm bench`: volback against real peers (cp, openssl, zstd, restic) on a generated 1 GiB volume.
# Options go to tooling/bench/run.mjs, e.g. `pnpm bench --size 128M --runs 1`, `--rss-scaling` or `--s3`;
# results land in bench-results/ and the markdown table is printed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure-toolchain.sh"

# The reference tools are optional: install what is missing when we can, carry on when we cannot.
missing=()
command -v restic >/dev/null || missing+=(restic)
command -v zstd >/dev/null || missing+=(zstd)
[[ -x /usr/bin/time ]] || missing+=(time)
# --s3 also needs the tests' S3 server (Swift with s3api) and rclone, its reference.
s3=false
for arg in "$@"; do [[ "$arg" == --s3 ]] && s3=true; done
swift="$REPO_ROOT/tooling/servers/swift-s3.sh"
if $s3; then
  for p in $(bash "$swift" packages) rclone; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
fi
if [[ ${#missing[@]} -gt 0 && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
  say "installing ${missing[*]} with apt-get (the bench skips whatever stays missing)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; } \
    || say "apt-get could not install ${missing[*]}; going on without"
fi

if $s3; then
  # Its own directory and proxy port, so that a test run's server is not touched.
  export VOLBACK_SERVERS_DIR="$(mktemp -d)" VOLBACK_SWIFT_S3_PORT="${VOLBACK_BENCH_S3_PORT:-18080}" VOLBACK_SWIFT_MEMCACHED_PORT=11312
  trap 'bash "$swift" stop >/dev/null 2>&1 || true; rm -rf "$VOLBACK_SERVERS_DIR"' EXIT
  say "starting the S3 server (Swift with s3api) for the S3 steps"
  if bash "$swift" start >&2; then
    source "$VOLBACK_SERVERS_DIR/swift-s3.env"
    export VOLBACK_BENCH_S3_ENDPOINT="$VOLBACK_TEST_S3_SWIFT_ENDPOINT" VOLBACK_BENCH_S3_ACCESS_KEY="$VOLBACK_TEST_S3_SWIFT_ACCESS_KEY" \
      VOLBACK_BENCH_S3_SECRET_KEY="$VOLBACK_TEST_S3_SWIFT_SECRET_KEY" VOLBACK_BENCH_S3_REGION="$VOLBACK_TEST_S3_SWIFT_REGION" \
      VOLBACK_BENCH_S3_LABEL="Swift $(dpkg-query -W -f='${Version}' swift 2>/dev/null || echo '?') with s3api"
  else
    say "the S3 server did not start; the S3 steps are skipped"
  fi
fi

say "running the benchmark (progress on stderr, report on stdout and in bench-results/)"
node "$REPO_ROOT/tooling/bench/run.mjs" "$@"
