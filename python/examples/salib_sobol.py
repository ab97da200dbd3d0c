"""SALib + cadresim: sample with SALib, evaluate the points with cadresim's external-design call
(parallel in Rust, common random numbers), analyse with SALib; then show that SALib's estimators
on cadresim's own Saltelli design give exactly cadresim's `sensitivity` indices.

Run: python salib_sobol.py  (CADRESIM_EXAMPLE_SIZE=small for a quick run)
"""

import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

import cadresim as cs
from _sizes import OUT, SMALL, pick

BOUNDS = {
    "regime.penalty": (0.0, 8.0),
    "regime.exempt": (0.0, 1.0),
    "appraisal.w_materials": (0.0, 1.0),
    "inspection.levels.merged.rate": (0.2, 3.0),
}
N = pick(16, 128)
REPS = pick(1, 2)
SIZE = pick({"population.townships": 4, "population.periods": 36}, {})
METRIC = "s"
scenario = cs.Scenario("status_quo_veto", SIZE)
names = list(BOUNDS)
problem = {"num_vars": len(names), "names": names, "bounds": [list(b) for b in BOUNDS.values()]}


def window_means(result):
    """The metric's mean over replications at each design point (end-of-run window)."""
    return result.rows.groupby("point")[METRIC].mean().to_numpy()


# 1. SALib samples, cadresim evaluates, SALib analyses.
X = sobol_sample.sample(problem, N, calc_second_order=False, seed=1)
t = time.perf_counter()
ev = cs.evaluate(scenario, X, params=names, reps=REPS, seed=1)
print(f"evaluated {len(X)} SALib points x {REPS} replications in {time.perf_counter() - t:.1f} s")
si_salib = sobol_analyze.analyze(problem, window_means(ev), calc_second_order=False, num_resamples=200, seed=1)

# 2. cadresim's own analysis (scrambled Sobol' Saltelli design, its own estimators).
own = cs.sensitivity(scenario, BOUNDS, method="sobol", metric=METRIC, samples=N, reps=REPS, seed=1, bootstrap=200)
ix = own.indices.set_index("parameter")

# 3. The same design through the external-design call and SALib's estimators.
again = cs.evaluate(scenario, own.design[names], reps=REPS, seed=1)
y = window_means(again)
assert np.array_equal(y, own.design[METRIC].to_numpy()), "evaluate() differs from sensitivity() on the same design"
si_same = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=200, seed=1)
d1 = np.max(np.abs(si_same["S1"] - ix.loc[names, "S1"].to_numpy()))
dt = np.max(np.abs(si_same["ST"] - ix.loc[names, "ST"].to_numpy()))
print(f"SALib on cadresim's design vs cadresim: max |dS1| = {d1:.2e}, max |dST| = {dt:.2e}")
assert d1 < 1e-9 and dt < 1e-9, "SALib and cadresim disagree on the same design"

print(f"\n{'parameter':32} {'S1 cadresim':>12} {'S1 SALib*':>10} {'ST cadresim':>12} {'ST SALib*':>10}   (*SALib's own sample)")
for i, n in enumerate(names):
    print(f"{n:32} {ix.loc[n, 'S1']:12.3f} {si_salib['S1'][i]:10.3f} {ix.loc[n, 'ST']:12.3f} {si_salib['ST'][i]:10.3f}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
pos = np.arange(len(names))
for ax, key in zip(axes, ["S1", "ST"]):
    ours = ix.loc[names, key].to_numpy()
    err = np.vstack([ours - ix.loc[names, f"{key}_ci_low"], ix.loc[names, f"{key}_ci_high"] - ours])
    ax.barh(pos + 0.2, ours, 0.4, xerr=err, label="cadresim sensitivity (its design)")
    ax.barh(pos - 0.2, si_salib[key], 0.4, xerr=si_salib[f"{key}_conf"], label="SALib sample → cadresim.evaluate → SALib")
    ax.set_title(f"{key} of mean substantive work s")
    ax.axvline(0, color="grey", lw=0.5)
axes[0].set_yticks(pos, names)
axes[1].legend(loc="lower right", fontsize=8)
fig.suptitle(f"Sobol' indices, status_quo_veto, N = {N}, {REPS} replications per point")
fig.tight_layout()
fig.savefig(OUT / "python_salib.png", dpi=110)
print(f"figure: {OUT / 'python_salib.png'}")
