"""EMA Workbench 3 + cadresim: cadresim wrapped as an EMA model (uncertainties about the world,
levers of accountability design), a few thousand experiments, and PRIM scenario discovery of
where the blame paradox appears (diligent cadres sanctioned more often than avoiders: blame
ratio > 1).

Run: python ema_prim.py  (CADRESIM_EXAMPLE_SIZE=small for a quick run)
"""

import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from ema_workbench import Model, RealParameter, ScalarOutcome, SequentialEvaluator
from ema_workbench.analysis import prim

import cadresim as cs
from _sizes import OUT, pick

SIZE = pick({"population.townships": 4, "population.periods": 36}, {"population.townships": 10, "population.periods": 60})
BASE = cs.Scenario("status_quo_veto", SIZE)
EXPERIMENTS = pick(120, 3000)

# Model inputs (EMA names) -> cadresim parameter paths.
PATHS = {
    "error_propensity": "errors.q",
    "inspection_rate": "inspection.levels.merged.rate",
    "complaint_verification": "complaints.verify",
    "penalty": "regime.penalty",
    "exemption": "regime.exempt",
    "w_materials": "appraisal.w_materials",
    "w_satisfaction": "appraisal.w_satisfaction",
}


def cadresim_model(**inputs):
    """One cadresim run (one replication, seed 1: common random numbers across experiments)."""
    res = cs.run(BASE, reps=1, seed=1, overrides={PATHS[k]: v for k, v in inputs.items()})
    end = res.end.set_index("metric")["mean"]
    blame = end["blame_ratio"]
    return {
        "blame_ratio": float(blame) if np.isfinite(blame) else 0.0,
        "s": float(end["s"]),
        "formalism": float(end["formalism"]),
        "output": float(end["output"]),
    }


model = Model("cadresim", function=cadresim_model)
model.uncertainties = [
    RealParameter("error_propensity", 0.01, 0.06),
    RealParameter("inspection_rate", 0.2, 3.0),
    RealParameter("complaint_verification", 0.2, 0.9),
]
model.levers = [
    RealParameter("penalty", 0.0, 8.0),
    RealParameter("exemption", 0.0, 1.0),
    RealParameter("w_materials", 0.0, 1.0),
    RealParameter("w_satisfaction", 0.0, 1.0),
]
model.outcomes = [ScalarOutcome(n) for n in ["blame_ratio", "s", "formalism", "output"]]

t = time.perf_counter()
with SequentialEvaluator(model) as evaluator:
    # combine="sample": every experiment draws its own uncertainties and levers (Latin hypercube).
    experiments, outcomes = evaluator.perform_experiments(scenarios=EXPERIMENTS, policies=EXPERIMENTS, combine="sample")
took = time.perf_counter() - t
print(f"{len(experiments)} experiments in {took:.1f} s ({1000 * took / len(experiments):.1f} ms each)")

paradox = outcomes["blame_ratio"] > 1
print(f"blame paradox (blame ratio > 1) in {paradox.mean():.0%} of experiments")
x = experiments[list(PATHS)]
p = prim.Prim(x, paradox, peel_alpha=0.1)
box = p.find_box()
traj = box.peeling_trajectory
# The box of highest coverage among those at least 80% dense (else the densest).
dense = traj[traj["density"] >= 0.8]
i = int(dense["coverage"].idxmax()) if len(dense) else int(traj["density"].idxmax())
box.select(i)
stats = traj.iloc[i]
print(f"PRIM box {i}: coverage {stats['coverage']:.2f}, density {stats['density']:.2f}, mass {stats['mass']:.2f}")
limits = box.box_lims[i]
for name in PATHS:
    lo, hi = limits.loc[0, name], limits.loc[1, name]
    full_lo, full_hi = x[name].min(), x[name].max()
    if lo > full_lo + 1e-9 or hi < full_hi - 1e-9:
        print(f"  {name:24} [{lo:.3f}, {hi:.3f}]   ({PATHS[name]})")

fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
sc = axes[0].scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=18)
axes[0].scatter([stats["coverage"]], [stats["density"]], facecolors="none", edgecolors="red", s=90, label="chosen box")
axes[0].set_xlabel("coverage")
axes[0].set_ylabel("density")
axes[0].set_title("PRIM peeling trajectory")
axes[0].legend(loc="lower left")
fig.colorbar(sc, ax=axes[0], label="restricted dimensions")
axes[1].scatter(x["exemption"][~paradox], x["penalty"][~paradox], s=6, c="#9ab", label="blame ratio ≤ 1")
axes[1].scatter(x["exemption"][paradox], x["penalty"][paradox], s=6, c="#c33", label="blame ratio > 1")
axes[1].set_xlabel("exemption (regime.exempt)")
axes[1].set_ylabel("penalty (regime.penalty)")
axes[1].set_title(f"Where the blame paradox appears ({len(experiments)} experiments)")
axes[1].legend(loc="upper right", fontsize=8)
fig.tight_layout()
fig.savefig(OUT / "python_ema_prim.png", dpi=110)
print(f"figure: {OUT / 'python_ema_prim.png'}")
