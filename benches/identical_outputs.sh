#!/usr/bin/env bash
# Are two cadresim binaries' results byte-identical? Runs every shipped non-national scenario
# (3 replications, 2 threads) with each binary and compares every output file except those that
# record the binary or render fonts (manifest.json, plots). With `--national`, also the national
# scenario (one replication, every table) and its shape at 6 counties. A kernel change that is
# meant to keep every value (issue 11) must print "identical" for all of them; the one allowed
# re-pin is the only change that may not.
#
# Usage: benches/identical_outputs.sh OLD_BINARY NEW_BINARY [--national]
# Exits non-zero (and names the first differing files) if any output differs.
set -euo pipefail
OLD=$1 NEW=$2 NATIONAL=${3:-}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
status=0

compare() { # label scenario args...
  local label=$1 sc=$2; shift 2
  "$OLD" run "$sc" "$@" --quiet --force --out "$WORK/old/$label" > /dev/null
  "$NEW" run "$sc" "$@" --quiet --force --out "$WORK/new/$label" > /dev/null
  local diffs
  diffs=$(diff -rq -x manifest.json -x plots -x '*.png' -x '*.svg' "$WORK/old/$label" "$WORK/new/$label" || true)
  if [[ -z "$diffs" ]]; then
    echo "identical  $label ($(find "$WORK/new/$label" -name '*.csv' | wc -l) CSV files)"
  else
    echo "DIFFERENT  $label"
    echo "$diffs" | head -5 | sed 's/^/           /'
    status=1
  fi
}

for sc in "$ROOT"/scenarios/*.toml; do
  name=$(basename "$sc" .toml)
  [[ $name == national ]] && continue
  compare "$name" "$sc" --reps 3 --threads 2
done
if [[ $NATIONAL == --national ]]; then
  compare national_6_counties "$ROOT/scenarios/national.toml" --reps 1 --threads 2 --set population.counties=6
  compare national "$ROOT/scenarios/national.toml" --reps 1 --threads 2
fi
exit $status
