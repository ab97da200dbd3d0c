"""The cadresim model (status quo: one-vote veto, EWA learning with foregone payoffs over the 15
actions of the default grid) written as a Mesa 3 user would write it: one Agent per cadre with
its own step methods, a Model that activates them in stages, a DataCollector for the outputs,
numpy for the per-action vectors.

It follows docs/ODD.md and src/model/ (same shocks, findings, judgement, tournament, utility,
EWA update and logit choice), with its own random streams, so its results agree with
cadresim's within sampling error, not bit for bit.

Usage: python mesa_cadresim.py --townships 50 --cadres 20 --periods 96 --reps 2 --seed 1
Prints one JSON line per replication: end-of-run means over the last `window` periods and
the CPU seconds of the run (`time.process_time`).
"""

import argparse
import json
import math
import time

import mesa
import numpy as np

# Parameters of scenarios/status_quo_veto.toml (the calibrated status quo of
# docs/CALIBRATION.md, with the registry's defaults).
P = dict(
    ability_mean=1.0, ability_sd=0.2, ability_min=0.1, psi_min=0.0, psi_max=0.4,
    loss_aversion=4.0, grid=4, output_noise=0.3, kappa=0.2, materials_noise=0.1,
    satisfaction_noise=0.3, effort_cost=1.0, q=0.01, b0=2.0, b1=18.0, c0=0.015, c1=0.02,
    activity=0.2, beta=2.0, verify=0.5, visit_rate=0.45, detect=0.45, burden=0.05, w_materials=0.6,
    w_output=0.4, w_satisfaction=0.0, pass_mark=0.2, shortfall_detect=0.4, penalty=2.0,
    block=12, promotion_rate=0.01, prize=5.0, phi=0.9, rho=0.9, delta=0.5, lam=9.0, n0=1.0,
    avoider_below=0.25, diligent_from=0.5,
)

# The action grid: s and m in steps of 1/G with s + m <= 1, s outer.
G = P["grid"]
ACTIONS = [(si / G, mi / G) for si in range(G + 1) for mi in range(G + 1 - si)]
S = np.array([a[0] for a in ACTIONS])
M = np.array([a[1] for a in ACTIONS])


def poisson_inv(u, lam):
    """Poisson count by inverting the CDF at the uniform u (common random numbers)."""
    k, p = 0, math.exp(-lam)
    cdf = p
    while u > cdf and cdf < 1.0 - 1e-15:
        k += 1
        p *= lam / k
        cdf += p
    return k


class Cadre(mesa.Agent):
    """A grassroots cadre: draws the period's luck, is judged, learns, chooses."""

    def __init__(self, model, township):
        super().__init__(model)
        self.township = township
        r = self.random
        a = r.gauss(P["ability_mean"], P["ability_sd"])
        while a < P["ability_min"]:
            a = r.gauss(P["ability_mean"], P["ability_sd"])
        self.ability = a
        self.psi = r.uniform(P["psi_min"], P["psi_max"])
        self.attractions = np.zeros(len(ACTIONS))
        self.experience = P["n0"]
        self.block_left = 0
        self.action = self.choose_action()

    def choose_action(self):
        w = np.exp(P["lam"] * (self.attractions - self.attractions.max()))
        c = np.cumsum(w)
        return int(min(np.searchsorted(c, self.random.random() * c[-1], side="right"), len(ACTIONS) - 1))

    def outcomes(self, s):
        """Output, satisfaction and findings (errors + complaints) of effort s under this
        period's shocks, for one or all actions (numpy arrays)."""
        y = self.ability * s + self.eps_y
        sat = y + self.eta
        err_rate = P["q"] * (P["b0"] + P["b1"] * s) * self.detection
        comp_rate = (P["c0"] + P["activity"] * s + P["c1"] * np.exp(-P["beta"] * sat)) * P["verify"]
        errors = np.array([poisson_inv(self.u_err, r) for r in np.atleast_1d(err_rate)])
        complaints = np.array([poisson_inv(self.u_comp, r) for r in np.atleast_1d(comp_rate)])
        return y, sat, errors, complaints

    def judge(self, s, m, y, sat, errors, complaints):
        z = m + P["kappa"] * s + self.nu
        score = P["w_materials"] * z + P["w_output"] * y + P["w_satisfaction"] * sat
        shortfall = (self.visits > 0) & (score < P["pass_mark"]) & (self.u_sf < P["shortfall_detect"])
        findings = complaints + errors + shortfall.astype(int)
        disqualified = findings > 0
        sanction = np.where(disqualified, P["penalty"], 0.0)
        return score, findings, disqualified, sanction

    def draw_and_judge(self):
        """Stage 1: the period's shocks and the judgement of the chosen action."""
        r = self.random
        self.eps_y = P["output_noise"] * r.gauss(0, 1)
        self.nu = P["materials_noise"] * r.gauss(0, 1)
        self.eta = P["satisfaction_noise"] * r.gauss(0, 1)
        u = r.random()
        self.visits = poisson_inv(u, P["visit_rate"])
        self.inspection_time = P["burden"] * self.visits
        self.detection = 1.0 - (1.0 - P["detect"]) ** self.visits
        self.u_err = 1.0 - r.random()
        self.u_comp = 1.0 - r.random()
        self.u_sf = r.random()
        s, m = ACTIONS[self.action]
        y, sat, errors, complaints = self.outcomes(np.array([s]))
        score, findings, disq, sanction = self.judge(s, m, y, sat, errors, complaints)
        self.y, self.sat, self.score = float(y[0]), float(sat[0]), float(score[0])
        self.findings, self.disqualified, self.sanction = int(findings[0]), bool(disq[0]), float(sanction[0])
        self.eligible = self.block_left == 0 and not self.disqualified

    def learn(self):
        """Stage 2: realised and foregone payoffs of all 15 actions, the EWA update, state."""
        y, sat, errors, complaints = self.outcomes(S)
        score, findings, disq, sanction = self.judge(S, M, y, sat, errors, complaints)
        load = S + M + self.inspection_time
        if self.block_left == 0 and self.cut is not None:
            wins = ~disq & (score > self.cut)
        elif self.block_left == 0 and self.township.slots > 0:
            wins = ~disq
        else:
            wins = np.zeros(len(ACTIONS), dtype=bool)
        pay = self.psi * y - P["loss_aversion"] * sanction - 0.5 * P["effort_cost"] * load**2 + P["prize"] * wins
        s, m = ACTIONS[self.action]
        l = s + m + self.inspection_time
        self.payoff = self.psi * self.y - P["loss_aversion"] * self.sanction - 0.5 * P["effort_cost"] * l * l + P["prize"] * self.promoted
        pay[self.action] = self.payoff
        n_new = P["rho"] * self.experience + 1.0
        weight = np.full(len(ACTIONS), P["delta"])
        weight[self.action] = 1.0
        self.attractions = (P["phi"] * self.experience * self.attractions + weight * pay) / n_new
        self.experience = n_new
        self.block_left = P["block"] if self.disqualified else max(0, self.block_left - 1)
        self.last = (s, m, self.y, self.findings > 0 or self.sanction > 0)

    def choose(self):
        """Stage 3: next period's action."""
        self.action = self.choose_action()


class Township:
    """A peer group: its promotion tournament."""

    def __init__(self):
        self.members = []
        self.slots = 0

    def tournament(self, rng):
        n = len(self.members)
        self.slots = int(rng.binomial(n, P["promotion_rate"]))
        ranked = sorted((c for c in self.members if c.eligible), key=lambda c: -c.score)
        for c in self.members:
            c.promoted = False
        for pos, c in enumerate(ranked):
            c.promoted = pos < self.slots
        for pos, c in enumerate(ranked):
            # The score to beat: the slots-th best among the others.
            k = self.slots if pos < self.slots else self.slots - 1
            c.cut = ranked[k].score if self.slots > 0 and k < len(ranked) else None
        for c in self.members:
            if not c.eligible:
                c.cut = ranked[self.slots - 1].score if 0 < self.slots <= len(ranked) else None


class CadreModel(mesa.Model):
    def __init__(self, townships=50, cadres=20, seed=None):
        super().__init__(seed=seed)
        self.np_rng = np.random.default_rng(seed)
        self.townships = [Township() for _ in range(townships)]
        for t in self.townships:
            for _ in range(cadres):
                t.members.append(Cadre(self, t))
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "s": lambda m: np.mean([c.last[0] for c in m.agents]),
                "m": lambda m: np.mean([c.last[1] for c in m.agents]),
                "output": lambda m: np.mean([c.last[2] for c in m.agents]),
                "sanction_rate": lambda m: np.mean([c.last[3] for c in m.agents]),
                "share_diligent": lambda m: np.mean([c.last[0] >= P["diligent_from"] for c in m.agents]),
            }
        )

    def step(self):
        self.agents.do("draw_and_judge")
        for t in self.townships:
            t.tournament(self.np_rng)
        self.agents.do("learn")
        self.agents.do("choose")
        self.datacollector.collect(self)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--townships", type=int, default=50)
    ap.add_argument("--cadres", type=int, default=20)
    ap.add_argument("--periods", type=int, default=96)
    ap.add_argument("--window", type=int, default=12)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    for rep in range(a.reps):
        t0 = time.process_time()
        model = CadreModel(a.townships, a.cadres, seed=a.seed * 1000 + rep)
        for _ in range(a.periods):
            model.step()
        seconds = time.process_time() - t0
        df = model.datacollector.get_model_vars_dataframe().tail(a.window)
        out = {k: float(df[k].mean()) for k in df.columns}
        out.update(rep=rep, seconds=seconds, cadre_periods=a.townships * a.cadres * a.periods)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
