"""Measures the overhead of the Python call against the CLI for a small and a large run.

CLI: `cadresim run status_quo_veto.toml --reps N --quiet --out DIR` (a new process; writes the
CSV files, manifest and plots). Python: `cadresim.run("status_quo_veto", reps=N)` in a running
interpreter (DataFrames in memory), and the same as a new `python -c` process including the
import. Median of `repeat` timings. Usage: python overhead.py [path/to/cadresim]
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cadresim as cs

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "target" / "release" / "cadresim"


def median_time(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


for reps, repeat in [(1, 7), (50, 3)]:
    with tempfile.TemporaryDirectory() as d:
        k = iter(range(100))
        cli = median_time(
            lambda: subprocess.run(
                [BIN, "run", REPO / "scenarios" / "status_quo_veto.toml", "--reps", str(reps), "--quiet", "--out", f"{d}/{next(k)}"],
                check=True,
                capture_output=True,
            ),
            repeat,
        )
    cs.run("status_quo_veto", reps=1)  # warm: imports pandas once
    inproc = median_time(lambda: cs.run("status_quo_veto", reps=reps), repeat)
    code = f"import cadresim; cadresim.run('status_quo_veto', reps={reps})"
    fresh = median_time(lambda: subprocess.run([sys.executable, "-c", code], check=True), repeat)
    cp = reps * 1000 * 96
    print(f"reps={reps:3} ({cp / 1e6:.1f} M cadre-periods): CLI {cli:.3f} s, Python call {inproc:.3f} s, python -c with import {fresh:.3f} s")
