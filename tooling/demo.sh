#!/usr/bin/env bash
# The main job on the embedded default (posix driver), end to end: make a 64 MiB image with
# random, zero and text regions, back it up, change it, back it up incrementally, restore both
# points and check their SHA-256 against the images.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/ensure-toolchain.sh"

DEMO="$REPO_ROOT/.volback-demo"
rm -rf "$DEMO" && mkdir -p "$DEMO"
cd "$DEMO"
volback() { node "$REPO_ROOT/packages/cli/dist/bundle/bin.js" "$@"; }
export VOLBACK_STATE_DIR="$DEMO/state"

say "making volume.img (64 MiB: random, zero and text regions)"
node "$REPO_ROOT/tooling/make-image.mjs" volume.img 64
sha256sum volume.img | cut -d' ' -f1 > point1.sha256

say "full backup to $DEMO/store"
volback backup volume.img --to "$DEMO/store" --name demo-full
say "changing a few regions of the image"
node "$REPO_ROOT/tooling/make-image.mjs" --mutate volume.img
sha256sum volume.img | cut -d' ' -f1 > point2.sha256
say "incremental backup"
volback backup volume.img --to "$DEMO/store" --incremental --name demo-incr
volback list --store "$DEMO/store"

ids=($(volback list --store "$DEMO/store" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).map(r=>r.id).join(" ")))'))
say "restoring both points"
volback restore "${ids[0]}" restored1.img --from "$DEMO/store"
volback restore "${ids[1]}" restored2.img --from "$DEMO/store"

ok=1
for n in 1 2; do
  want="$(cat point$n.sha256)"
  got="$(sha256sum restored$n.img | cut -d' ' -f1)"
  if [[ "$want" == "$got" ]]; then say "point $n: sha256 $got matches"; else say "point $n: MISMATCH $got != $want"; ok=0; fi
done
[[ $ok == 1 ]] && say "demo OK: both points restored bit-exact (files in $DEMO)" || { say "demo FAILED"; exit 1; }
