#!/usr/bin/env bash
# CPU time of two cadresim binaries, interleaved (old, new, old, new, ...), on the status quo
# at 10^5 cadres and on the other rules and options at 10^4 cadres, one thread each. User CPU
# time is less disturbed than wall time when other work shares the machine.
#
# Usage: benches/compare_binaries.sh OLD_BINARY NEW_BINARY
# Prints "label binary user_seconds wall_seconds" per run.
set -euo pipefail
OLD=$1 NEW=$2
SC="$(dirname "$0")/../scenarios/status_quo_veto.toml"
run() { # label counties periods sets...
  local label=$1 c=$2 per=$3; shift 3
  local sets=(); for s in "$@"; do sets+=(--set "$s"); done
  for bin in "$OLD" "$NEW"; do
    /usr/bin/time -f "$label $bin %U %e" "$bin" run "$SC" --set population.counties="$c" --set population.periods="$per" \
      --set output.window=12 ${sets[@]+"${sets[@]}"} --reps 1 --threads 1 --quiet --no-save > /dev/null
  done
}
for r in 1 2 3; do run status_quo_100000 100 48; done
for r in 1 2; do
  run roth_erev 10 96 learning.rule=roth_erev
  run imitation 10 96 learning.rule=imitation learning.imitate=0.3
  run innovate 10 96 actions.innovate=true
  run fatigue 10 96 fatigue.enabled=true
  run grid_10 10 96 actions.grid=10
done
