#!/usr/bin/env bash
# Peer benchmark: cadresim against a Mesa 3 implementation of the same model
# (benches/peers/mesa_cadresim.py) on the same scenario size, interleaved in one invocation.
# Checks that their end-of-run means agree within sampling error and prints the speed ratio per
# core (both on one thread, timed as CPU time: user + system).
#
# Usage: benches/peers/run.sh [--quick]
#   default: 1 county x 50 townships x 20 cadres x 96 periods (status_quo_veto), 3 rounds, each
#            one Mesa replication and 100 cadresim replications (about a minute of Mesa)
#   --quick: 10 townships x 20 cadres x 24 periods, 2 rounds (a smoke test of a few seconds)
# Environment: PEER_VENV (default target/peers-venv) is where Mesa is pip-installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
TOWNSHIPS=50 PERIODS=96 ROUNDS=3 CADRESIM_REPS=100
if [[ "${1:-}" == "--quick" ]]; then TOWNSHIPS=10 PERIODS=24 ROUNDS=2 CADRESIM_REPS=20; fi
VENV="${PEER_VENV:-target/peers-venv}"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "mesa>=3,<4" numpy pandas
fi
cargo build --release --quiet
BIN=target/release/cadresim
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$VENV/bin/python" - "$BIN" "$OUT" "$TOWNSHIPS" "$PERIODS" "$ROUNDS" "$CADRESIM_REPS" <<'PY'
import csv, json, math, os, statistics, subprocess, sys, time
binary, out, townships, periods, rounds, reps = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
cadres = 20
window = min(12, periods)
metrics = ["s", "m", "output", "sanction_rate", "share_diligent"]
mesa_runs, cad_runs = [], []
mesa_time = cad_time = 0.0
mesa_cp = cad_cp = 0
for r in range(rounds):
    # Mesa: one replication per round.
    p = subprocess.run([sys.executable, "benches/peers/mesa_cadresim.py", "--townships", str(townships), "--cadres", str(cadres),
                        "--periods", str(periods), "--window", str(window), "--reps", "1", "--seed", str(r + 1)],
                       check=True, capture_output=True, text=True)
    row = json.loads(p.stdout.strip().splitlines()[-1])
    mesa_runs.append(row); mesa_time += row["seconds"]; mesa_cp += row["cadre_periods"]
    # cadresim: `reps` replications on one thread, timed around the whole command without
    # output files (it prints its table of end-of-run means); then the same run again, untimed,
    # with --out for the per-replication values (same seed, so the same results).
    d = f"{out}/cadresim{r}"
    # The Mesa peer implements the calibrated status quo, so cadresim runs the shipped scenario.
    cmd = [binary, "run", "scenarios/status_quo_veto.toml", "--set", f"population.townships={townships}",
           "--set", f"population.periods={periods}", "--set", f"output.window={window}", "--reps", str(reps),
           "--seed", str(r + 1), "--threads", "1", "--quiet"]
    # CPU time of the child (user + system), which other work on a shared machine disturbs far
    # less than wall time; Mesa's side is timed the same way (process_time).
    t0 = os.times()
    subprocess.run(cmd + ["--no-save"], check=True, capture_output=True)
    t1 = os.times()
    cad_time += (t1.children_user - t0.children_user) + (t1.children_system - t0.children_system)
    cad_cp += reps * townships * cadres * periods
    subprocess.run(cmd + ["--out", d, "--force"], check=True, capture_output=True)
    with open(f"{d}/periods.csv") as f:
        rows = list(csv.DictReader(f))
    for rep in range(reps):
        last = [x for x in rows if int(x["rep"]) == rep and int(x["period"]) > periods - window]
        cad_runs.append({k: statistics.fmean(float(x[k]) for x in last) for k in metrics})
ok = True
print(f"scenario status_quo_veto: {townships} townships x {cadres} cadres x {periods} periods; "
      f"{len(mesa_runs)} Mesa and {len(cad_runs)} cadresim replications, end-of-run means over the last {window} periods")
print(f"{'metric':<16}{'Mesa':>10}{'cadresim':>10}{'diff':>10}{'allowed':>10}")
for k in metrics:
    a = [x[k] for x in mesa_runs]; b = [x[k] for x in cad_runs]
    se = math.sqrt((statistics.variance(a) / len(a) if len(a) > 1 else 0) + statistics.variance(b) / len(b))
    # 4 standard errors, floored at 0.01: the Mesa side has few replications.
    allowed = max(4 * se, 0.01)
    diff = statistics.fmean(a) - statistics.fmean(b)
    flag = "" if abs(diff) <= allowed else "  DISAGREE"
    ok &= abs(diff) <= allowed
    print(f"{k:<16}{statistics.fmean(a):>10.4f}{statistics.fmean(b):>10.4f}{diff:>+10.4f}{allowed:>10.4f}{flag}")
mr, cr = mesa_cp / mesa_time, cad_cp / cad_time
print(f"Mesa:     {mesa_cp} cadre-periods in {mesa_time:.2f} s CPU = {mr/1e3:.1f} k cadre-periods/s (one core)")
print(f"cadresim: {cad_cp} cadre-periods in {cad_time:.2f} s CPU = {cr/1e6:.2f} M cadre-periods/s (one thread, whole command, no output files)")
print(f"ratio per core: {cr/mr:.0f}x")
sys.exit(0 if ok else 1)
PY
