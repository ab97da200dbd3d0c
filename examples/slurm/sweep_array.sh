#!/bin/bash
# Run a cadresim parameter sweep as a SLURM job array, one shard per array task, then merge.
#
#   sbatch examples/slurm/sweep_array.sh          # submits the array (N tasks) ...
#   # ... and, when all tasks are done, the merge job submitted below with a dependency runs:
#   cadresim merge results/shard-* --out results/sweep
#
# Every task runs the K-th of N deterministic slices of the design (--shard K/N). The merged
# files are byte-identical to an unsharded run with the same arguments, whatever N is and
# however many threads each task had. A task that is preempted or killed can simply be
# resubmitted: it resumes after its last complete run.
#
#SBATCH --job-name=cadresim-sweep
#SBATCH --array=1-8
#SBATCH --cpus-per-task=4
#SBATCH --mem=4G
#SBATCH --time=01:00:00
#SBATCH --output=logs/%x-%A_%a.out

set -euo pipefail
N=${SLURM_ARRAY_TASK_COUNT:-8}
K=${SLURM_ARRAY_TASK_ID:?run this script with sbatch (it needs SLURM_ARRAY_TASK_ID)}
CADRESIM=${CADRESIM:-./target/release/cadresim}
SCENARIO=${SCENARIO:-scenarios/status_quo_veto.toml}
OUT=${OUT:-results}

# The same arguments in every task (they define the experiment; merge checks they match).
# VARY, REPS and EXTRA may be set in the environment to change the sweep.
read -r -a VARY_ARGS <<< "${VARY:---vary regime.penalty=0:8:17 --vary regime.exempt=0:1:11}"
read -r -a EXTRA_ARGS <<< "${EXTRA:-}"
ARGS=(sweep "$SCENARIO" "${VARY_ARGS[@]}" --reps "${REPS:-20}" --seed 1 --quiet "${EXTRA_ARGS[@]}")

mkdir -p logs "$OUT"
"$CADRESIM" "${ARGS[@]}" --threads "${SLURM_CPUS_PER_TASK:-1}" --shard "$K/$N" --out "$OUT/shard-$K"

# The first task submits the merge, to run after every task of this array has succeeded.
if [ "$K" = "1" ] && [ -n "${SLURM_ARRAY_JOB_ID:-}" ]; then
  sbatch --dependency=afterok:"$SLURM_ARRAY_JOB_ID" --job-name=cadresim-merge --output=logs/%x-%j.out \
    --wrap="$CADRESIM merge $OUT/shard-* --out $OUT/sweep"
fi
