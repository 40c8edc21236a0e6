#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine, as root: apt packages for the test
# servers, pnpm, dependencies, build, the servers on 127.0.0.1, every test, servers stopped.
# With CI=true a driver test whose server is missing fails instead of skipping.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '\033[1m[volback]\033[0m %s\n' "$*" >&2; }

# Each server script names its Debian packages; install what is missing, in one apt run.
# curl is used by the scripts to probe readiness; zstd and bzip2 let the codec tests cross-check with the reference tools;
# zsh runs the completion script volback prints for it.
mapfile -t servers < <(ls "$REPO_ROOT"/tooling/servers/*.sh 2>/dev/null | sort)
packages=(curl ca-certificates zstd bzip2 zsh)
for s in "${servers[@]}"; do
  mapfile -t -O "${#packages[@]}" packages < <(bash "$s" packages)
done
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $(id -u) -ne 0 ]]; then say "missing Debian packages (run as root to install): ${missing[*]}"; exit 1; fi
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

source "$REPO_ROOT/tooling/ensure-toolchain.sh"
# vitest strips types without checking them: a test that no longer compiles would still run.
say "type-checking every package and its tests"
(cd "$REPO_ROOT" && pnpm exec turbo run typecheck --output-logs=errors-only)
say "linting and checking the format of every file (biome)"
(cd "$REPO_ROOT" && pnpm exec biome ci --reporter=summary .)
# TypeDoc over every package's exports, without writing HTML: an export without TSDoc, a type a
# public signature uses but no entry point exports, or a broken {@link} fails here. Then a fixture
# with one undocumented export must fail the same options, so the check cannot pass by being off.
say "checking the TSDoc of every export (pnpm docs:api:check)"
(cd "$REPO_ROOT" && pnpm run --silent docs:api:check)
# The Markdown pages link to each other and to sources: a page moved or renamed breaks them silently.
say "checking the relative links of the Markdown docs"
(cd "$REPO_ROOT" && node tooling/check-doc-links.mjs)

export VOLBACK_SERVERS_DIR="$REPO_ROOT/.test-servers"
mkdir -p "$VOLBACK_SERVERS_DIR"
stop_servers() {
  for s in "${servers[@]}"; do bash "$s" stop >/dev/null 2>&1 || true; done
}
trap stop_servers EXIT
for s in "${servers[@]}"; do
  say "starting $(basename "$s" .sh)"
  bash "$s" start
done
for env in "$VOLBACK_SERVERS_DIR"/*.env; do
  [[ -f "$env" ]] && source "$env"
done

cd "$REPO_ROOT"
say "running every test"
results="$VOLBACK_SERVERS_DIR/vitest-results.json"
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
stop_servers
trap - EXIT
# Once more without WebAssembly (node --jitless, as some sandboxes run): the conformance suite
# over the posix driver and the memory example, and the CLI's first step. Needs no server.
say "running the conformance suite under node --jitless"
jitless_results="$VOLBACK_SERVERS_DIR/vitest-jitless-results.json"
pnpm exec vitest run --config tooling/vitest.jitless.config.ts --reporter=default --reporter=json --outputFile.json="$jitless_results" || status=$?
if ! node --jitless packages/cli/dist/bundle/bin.js --version >/dev/null; then
  say "volback --version fails under node --jitless"
  status=1
fi
# The count of tests run in both, as the last line, in the plain form any CI log reader understands.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const file of process.argv.slice(1)) {
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results" "$jitless_results" || true
exit "$status"
