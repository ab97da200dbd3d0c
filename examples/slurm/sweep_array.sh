#!/bin/bash
# Run a cadresim parameter sweep as a SLURM job array, one shard per array task; the task that
# completes the set submits the merge. Submit from the repository root:
#
#   sbatch examples/slurm/sweep_array.sh               # 8 tasks: results/shard-1 .. results/shard-8
#   sbatch --array=3 examples/slurm/sweep_array.sh     # resubmit task 3 alone after it failed
#
# Array task K of N runs `--shard K/N`, the K-th of N deterministic slices of the design, into
# $OUT/shard-K. N is the size of the array the experiment was first submitted as; it is written to
# $OUT/job-array.txt, so a task resubmitted alone (`--array=3`) still runs shard 3 of 8. A task
# that was preempted or killed resumes after its last complete run; a task whose shard is already
# complete exits 0 at once. Whichever task finds all N shards complete submits one merge job
# (cadresim merge ... --out $OUT/sweep), so the merge also runs when the last shard to finish was
# a resubmitted one; resubmitting any task submits it again if it was lost. The merged files are
# byte-identical to an unsharded run with the same arguments, whatever N and the threads per task.
#
# One CPU per task fits any node; ask for more with `sbatch -c 4` (the task then runs 4 threads).
# There is no --output here on purpose: SLURM opens the log before the script runs, so a log
# directory must exist at submission (`mkdir -p logs && sbatch -o 'logs/%x-%A_%a.out' ...`);
# without -o the logs are slurm-<job>_<task>.out in the submission directory.
#
#SBATCH --job-name=cadresim-sweep
#SBATCH --array=1-8
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --mem=1G
#SBATCH --time=01:00:00

set -euo pipefail

die() {
  echo "sweep_array.sh: $*" >&2
  exit 1
}

ID=${SLURM_ARRAY_TASK_ID:-}
[ -n "$ID" ] || die "SLURM_ARRAY_TASK_ID is not set: submit this script with sbatch (it runs one array task)"
CADRESIM=${CADRESIM:-./target/release/cadresim}
SCENARIO=${SCENARIO:-scenarios/status_quo_veto.toml}
OUT=${OUT:-results}

# The same arguments in every task: they define the experiment (merge checks that they match).
# VARY, REPS and EXTRA may be set in the environment to change the sweep.
read -r -a VARY_ARGS <<< "${VARY:---vary regime.penalty=0:8:17 --vary regime.exempt=0:1:11}"
read -r -a EXTRA_ARGS <<< "${EXTRA:-}"
ARGS=(sweep "$SCENARIO" "${VARY_ARGS[@]}" --reps "${REPS:-20}" --seed 1 --quiet "${EXTRA_ARGS[@]}")
ARGS_TEXT=$(printf '%q ' "${ARGS[@]}")

command -v "$CADRESIM" > /dev/null ||
  die "CADRESIM=$CADRESIM is not an executable; run 'cargo build --release' in the repository root or set CADRESIM"
mkdir -p "$OUT"

# The array this experiment was first submitted as: its first task id and its size N. The first
# task to start records it; every later task, including one resubmitted alone, reads it back.
RECORD=$OUT/job-array.txt
if [ ! -e "$RECORD" ]; then
  MIN=${SLURM_ARRAY_TASK_MIN:?SLURM_ARRAY_TASK_MIN is not set: submit this script with sbatch --array}
  MAX=${SLURM_ARRAY_TASK_MAX:?SLURM_ARRAY_TASK_MAX is not set: submit this script with sbatch --array}
  COUNT=${SLURM_ARRAY_TASK_COUNT:-$((MAX - MIN + 1))}
  [ "$COUNT" = $((MAX - MIN + 1)) ] ||
    die "--array must be one contiguous range such as 1-8 the first time (this array has $COUNT tasks between $MIN and $MAX)"
  TMP=$OUT/.job-array.${SLURM_JOB_ID:-$$}
  printf 'first=%s\nshards=%s\nargs=%s\n' "$MIN" "$COUNT" "$ARGS_TEXT" > "$TMP"
  # A hard link does not replace an existing file: of tasks starting together, one record wins.
  ln "$TMP" "$RECORD" 2> /dev/null || true
  rm -f "$TMP"
fi
FIRST=$(sed -n 's/^first=//p' "$RECORD")
N=$(sed -n 's/^shards=//p' "$RECORD")
[[ "$FIRST" =~ ^[0-9]+$ && "$N" =~ ^[1-9][0-9]*$ ]] ||
  die "$RECORD: expected lines first=<task id> and shards=<count>; remove $OUT to start over"
[ "$(sed -n 's/^args=//p' "$RECORD")" = "$ARGS_TEXT" ] ||
  die "$RECORD: $OUT holds shards of a sweep with other arguments; choose another OUT or remove $OUT"
K=$((ID - FIRST + 1))
(( K >= 1 && K <= N )) ||
  die "array task $ID is outside the experiment in $OUT (tasks $FIRST-$((FIRST + N - 1)), see $RECORD); choose another OUT for a new array size"

# Whether shard k of N holds its manifest (written last, so the shard is complete).
complete() {
  local manifest=$OUT/shard-$1/manifest.json
  [ -f "$manifest" ] && [[ "$(tr -d ' \n\t' < "$manifest")" == *"\"shard\":{\"k\":$1,\"n\":$N}"* ]]
}

if complete "$K"; then
  echo "shard $K/$N in $OUT/shard-$K is already complete"
elif [ -f "$OUT/shard-$K/manifest.json" ]; then
  die "$OUT/shard-$K/manifest.json: is not shard $K/$N of this sweep; choose another OUT or remove $OUT"
else
  "$CADRESIM" "${ARGS[@]}" --threads "${SLURM_CPUS_PER_TASK:-1}" --shard "$K/$N" --out "$OUT/shard-$K"
fi

# The task that finds every shard complete submits the merge. Merges submitted by tasks finishing
# together run one after the other (a singleton dependency on a job name made from $OUT, so the
# merges of other experiments do not wait), and a merge finding the result already there does
# nothing.
SHARDS=()
MISSING=()
for k in $(seq 1 "$N"); do
  SHARDS+=("$OUT/shard-$k")
  complete "$k" || MISSING+=("$k")
done
if [ ${#MISSING[@]} -gt 0 ]; then
  echo "waiting for shard(s) $(IFS=,; echo "${MISSING[*]}") of $N; the task that completes them submits the merge"
  exit 0
fi
MERGE=$(printf '%q ' "$CADRESIM" merge "${SHARDS[@]}" --out "$OUT/sweep")
if [ -e "$OUT/sweep/manifest.json" ]; then
  echo "all $N shards are complete and already merged into $OUT/sweep"
elif [ -n "${SLURM_JOB_ID:-}" ] && command -v sbatch > /dev/null; then
  NAME=cadresim-merge-$(realpath "$OUT" | cksum | cut -d ' ' -f 1)
  JOB=$(sbatch --parsable --job-name="$NAME" --dependency=singleton --chdir="$PWD" \
    --ntasks=1 --cpus-per-task=1 --mem=1G --time=00:30:00 --output="$OUT/merge-%j.out" \
    --wrap="if [ -e $(printf %q "$OUT/sweep/manifest.json") ]; then echo already merged; else $MERGE; fi")
  echo "all $N shards are complete; merge job $JOB will write $OUT/sweep (log: $OUT/merge-$JOB.out)"
else
  echo "all $N shards are complete; merge them with: $MERGE"
fi
