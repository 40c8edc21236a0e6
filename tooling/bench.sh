#!/usr/bin/env bash
# `pnpm bench`: volback against real peers (cp, openssl, zstd, restic) on a generated 1 GiB volume.
# Options go to tooling/bench/run.mjs, e.g. `pnpm bench --size 128M --runs 1`, `--rss-scaling` or `--remotes s3,azure`
# (each remote's test server is started by run.mjs with its own directory and ports);
# results land in bench-results/ and the markdown table is printed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure-toolchain.sh"

# The reference tools are optional: install what is missing when we can, carry on when we cannot.
missing=()
command -v restic >/dev/null || missing+=(restic)
command -v zstd >/dev/null || missing+=(zstd)
[[ -x /usr/bin/time ]] || missing+=(time)
# --remotes a,b (or --s3) also needs those remotes' test servers and reference tools (tooling/bench/remotes/).
remotes=""
for ((i = 1; i <= $#; i++)); do
  case "${!i}" in
    --s3) remotes+=",s3" ;;
    --remotes=*) remotes+=",${!i#--remotes=}" ;;
    --remotes) j=$((i + 1)); remotes+=",${!j:-}" ;;
  esac
done
if [[ -n "$remotes" ]]; then
  for p in $(node "$REPO_ROOT/tooling/bench/remotes.mjs" packages "$remotes"); do
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

say "running the benchmark (progress on stderr, report on stdout and in bench-results/)"
node "$REPO_ROOT/tooling/bench/run.mjs" "$@"
