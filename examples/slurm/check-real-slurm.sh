#!/usr/bin/env bash
# Runs examples/slurm/sweep_array.sh on a real SLURM: starts a private single-node cluster on
# localhost (munged, slurmctld, slurmd, all state in a temporary directory), submits the sweep as
# a job array, kills one task mid-run and resubmits it alone, waits for the merge job, checks the
# merged files are byte-identical to an unsharded run, resubmits a complete task, and stops the
# daemons it started. Prints one `slurm: N passed, M failed` line last; exits 1 if any check failed.
#
#   bash examples/slurm/check-real-slurm.sh            # after .ci/install-slurm.sh
#
# Without SLURM installed it prints `skipped: ...` and exits 0, unless CADRESIM_REQUIRE_COMPONENTS=1.
# CADRESIM names the binary (default: target/release/cadresim, built when missing).
# KEEP=1 keeps the temporary directory (logs, results, daemon logs) for a look afterwards.
set -uo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
SCRIPT=$REPO/examples/slurm/sweep_array.sh
export PATH=$PATH:/usr/sbin:/sbin

PASSED=0
FAILED=0
pass() {
  echo "ok: $*"
  PASSED=$((PASSED + 1))
}
fail() {
  echo "FAILED: $*"
  FAILED=$((FAILED + 1))
}

missing=()
for c in munged slurmctld slurmd sbatch squeue scontrol scancel sinfo; do
  command -v "$c" > /dev/null || missing+=("$c")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "${CADRESIM_REQUIRE_COMPONENTS:-}" = 1 ]; then
    echo "slurm: not installed (missing ${missing[*]}); run .ci/install-slurm.sh"
    echo "slurm: 0 passed, 1 failed"
    exit 1
  fi
  echo "skipped: SLURM is not installed (missing ${missing[*]}); .ci/install-slurm.sh installs it"
  exit 0
fi

if [ -z "${CADRESIM:-}" ]; then
  CADRESIM=$REPO/target/release/cadresim
  if [ ! -x "$CADRESIM" ]; then
    echo "building $CADRESIM"
    (cd "$REPO" && cargo build --release --quiet --bin cadresim) || {
      echo "slurm: cannot build cadresim"
      echo "slurm: 0 passed, 1 failed"
      exit 1
    }
  fi
fi
CADRESIM=$(realpath "$CADRESIM")
export CADRESIM
# Every wait is bounded, and all of them together by this (170 s from here).
DEADLINE=$((SECONDS + 170))

# Everything lives here; munged wants every directory above its socket searchable.
WORK=$(mktemp -d /tmp/cadresim-slurm.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/munge" "$WORK/state" "$WORK/spool" "$WORK/run"
STARTED=()

stop_daemons() {
  local name pid
  for name in slurmd slurmctld munged; do
    [ -f "$WORK/$name.pid" ] || continue
    pid=$(cat "$WORK/$name.pid")
    # Only a process we started: its pid file is ours and it still runs that program.
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2> /dev/null)" = "$name" ]; then
      kill "$pid" 2> /dev/null
      for _ in $(seq 1 50); do
        [ -d "/proc/$pid" ] || break
        sleep 0.2
      done
      [ -d "/proc/$pid" ] && kill -9 "$pid" 2> /dev/null
    fi
  done
}

# Cancels the jobs still on our cluster (after a failed check), so no task outlives the daemons.
cancel_jobs() {
  [ -f "$WORK/slurmctld.pid" ] || return 0
  scancel --quiet --user="$(id -un)" 2> /dev/null
  for _ in $(seq 1 100); do
    [ -z "$(squeue -h -o %i 2> /dev/null)" ] && return 0
    sleep 0.2
  done
}

# Ends what is left of our jobs (anything working in our directory) once the daemons are gone.
kill_leftovers() {
  local d
  for d in /proc/[0-9]*; do
    [[ "$(readlink "$d/cwd" 2> /dev/null)" == "$WORK"/* ]] && kill -9 "${d#/proc/}" 2> /dev/null
  done
}

finish() {
  cd / || true
  cancel_jobs
  stop_daemons
  kill_leftovers
  local left=()
  for name in "${STARTED[@]}"; do
    pid=$(cat "$WORK/$name.pid" 2> /dev/null)
    [ -n "$pid" ] && [ -d "/proc/$pid" ] && left+=("$name")
  done
  if [ ${#STARTED[@]} -gt 0 ]; then
    if [ ${#left[@]} -eq 0 ]; then pass "stopped the daemons it started (${STARTED[*]})"; else fail "still running: ${left[*]}"; fi
  fi
  if [ "${KEEP:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  echo "slurm: $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
trap 'finish; exit $?' EXIT
trap 'fail "interrupted"; exit 1' INT TERM

# What the scheduler knows, for a failure report.
report() {
  echo "--- squeue"
  squeue -a -o "%i %j %T %r %E" 2>&1
  echo "--- jobs"
  scontrol -o show job 2>&1 | awk '{ s = ""; for (i = 1; i <= NF; i++) if ($i ~ /^(JobId|ArrayTaskId|JobName|JobState|Reason|ExitCode)=/) s = s " " $i; print s }'
  echo "--- logs"
  tail -n 5 "$WORK"/run/slurm-*.out "$WORK"/run/results/merge-*.out 2> /dev/null
  tail -n 5 "$WORK"/slurmctld.log "$WORK"/slurmd.log 2> /dev/null
}

# wait_for SECONDS WHAT COMMAND...: runs COMMAND every 0.2 s until it succeeds; on timeout
# (or once the check has run past DEADLINE) reports the scheduler's state and fails.
wait_for() {
  local limit=$1 what=$2 start=$SECONDS
  shift 2
  until "$@"; do
    if ((SECONDS - start >= limit || SECONDS >= DEADLINE)); then
      fail "$what: not within ${limit}s"
      report
      return 1
    fi
    sleep 0.2
  done
}

give_up() {
  fail "$*"
  report
  exit 1
}

port_in_use() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
PORT=16817
while port_in_use "$PORT" || port_in_use $((PORT + 1)); do PORT=$((PORT + 2)); done

# A private munge: own key, own socket, so a munged already on this machine is left alone.
head -c 1024 /dev/urandom > "$WORK/munge/munge.key"
chmod 400 "$WORK/munge/munge.key"
munged --socket="$WORK/munge/munge.sock" --key-file="$WORK/munge/munge.key" --pid-file="$WORK/munged.pid" \
  --log-file="$WORK/munged.log" --seed-file="$WORK/munge/seed" || give_up "munged did not start: $(tail -n 1 "$WORK/munged.log")"
STARTED+=(munged)

MEM_MB=$(($(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) * 9 / 10 / 1024))
export SLURM_CONF=$WORK/slurm.conf
cat > "$SLURM_CONF" << EOF
ClusterName=cadresimcheck
SlurmctldHost=localhost
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge/munge.sock
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=3600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$MEM_MB State=UNKNOWN
PartitionName=check Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF" || give_up "slurmctld did not start"
STARTED+=(slurmctld)
slurmd -f "$SLURM_CONF" -N localhost || give_up "slurmd did not start"
STARTED+=(slurmd)
node_idle() { [ "$(sinfo -h -n localhost -o %t 2> /dev/null)" = idle ]; }
wait_for 30 "single-node cluster up" node_idle || exit 1
pass "single-node SLURM $(sinfo -V | cut -d ' ' -f 2) up on localhost:$PORT ($(nproc) CPUs)"

# The sweep, as a user submits it from a working directory; each task takes a few seconds.
export SCENARIO=$REPO/scenarios/status_quo_veto.toml
export VARY="--vary regime.penalty=0:8:3 --vary regime.exempt=0:1:3"
export REPS=20
export EXTRA=""
cd "$WORK/run" || exit 1
ARRAY=$(sbatch --parsable --array=1-3 "$SCRIPT") || give_up "sbatch refused the job array"
pass "submitted the job array $ARRAY (tasks 1-3, the script's own CPU and memory requests)"

state() { scontrol -o show job "$1" 2> /dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1; }
exit_code() { scontrol -o show job "$1" 2> /dev/null | sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p' | head -n 1; }
finished() { case "$(state "$1")" in COMPLETED | FAILED | CANCELLED | TIMEOUT | OUT_OF_MEMORY | NODE_FAIL) return 0 ;; esac; return 1; }
queue_empty() { [ -z "$(squeue -h -o %i 2> /dev/null)" ]; }

# Kill task 2 once it has journalled some runs, so its resubmission has something to resume.
JOURNAL=results/shard-2/.sweep.csv.partial
task2_midway() { [ "$(state "${ARRAY}_2")" = RUNNING ] && [ -f "$JOURNAL" ] && [ "$(wc -l < "$JOURNAL")" -gt 3 ]; }
wait_for 60 "task 2 running with journalled runs" task2_midway || exit 1
scancel "${ARRAY}_2"
task2_gone() { finished "${ARRAY}_2"; }
wait_for 30 "task 2 cancelled" task2_gone || exit 1
if [ "$(state "${ARRAY}_2")" = CANCELLED ] && [ ! -e results/shard-2/manifest.json ]; then
  pass "killed task 2 mid-run ($(($(wc -l < "$JOURNAL") - 1)) journal lines, no manifest)"
else
  fail "task 2: state $(state "${ARRAY}_2"), manifest present: $([ -e results/shard-2/manifest.json ] && echo yes || echo no)"
fi

RESUB=$(sbatch --parsable --array=2 "$SCRIPT") || give_up "sbatch refused the resubmission --array=2"
merged() { [ -f results/sweep/manifest.json ] && queue_empty; }
wait_for 120 "merge after the resubmitted task" merged || exit 1
states="$(state "${ARRAY}_1") $(state "${ARRAY}_3") $(state "${RESUB}_2")"
if [ "$states" = "COMPLETED COMPLETED COMPLETED" ] && grep -q "shard 2/3 written" "slurm-${RESUB}_2.out"; then
  pass "tasks 1 and 3 and the resubmitted task 2 completed (shard 2/3), the merge job ran"
else
  fail "task states (1, 3, resubmitted 2): $states"
  report
fi

read -r -a vary_args <<< "$VARY"
"$CADRESIM" sweep "$SCENARIO" "${vary_args[@]}" --reps "$REPS" --seed 1 --quiet --threads "$(nproc)" --out whole > /dev/null ||
  give_up "the unsharded sweep failed"
if diff -r whole results/sweep > diff.txt; then
  pass "merged files byte-identical to the unsharded sweep ($(find whole -type f | wc -l) files)"
else
  fail "merged files differ from the unsharded sweep: $(head -n 3 diff.txt)"
fi

# A complete task resubmitted: exits 0 and leaves its shard as it was.
before=$(find results/shard-1 -type f -exec sha256sum {} + | sort)
AGAIN=$(sbatch --parsable --array=1 "$SCRIPT") || give_up "sbatch refused the resubmission --array=1"
again_done() { finished "${AGAIN}_1" && queue_empty; }
wait_for 60 "resubmitted complete task 1" again_done || exit 1
after=$(find results/shard-1 -type f -exec sha256sum {} + | sort)
if [ "$(state "${AGAIN}_1")" = COMPLETED ] && [ "$(exit_code "${AGAIN}_1")" = 0:0 ] && [ "$before" = "$after" ] &&
  grep -q "already complete" "slurm-${AGAIN}_1.out"; then
  pass "resubmitted complete task 1 exited 0 and left its shard untouched"
else
  fail "resubmitted complete task 1: state $(state "${AGAIN}_1"), exit $(exit_code "${AGAIN}_1")"
  report
fi
