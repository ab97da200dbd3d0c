"""The Python API: every call, byte-identical numbers to the CLI's CSV files, errors with the
CLI's messages, the GIL released, and Ctrl-C cancelling the work."""

import _thread
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

import cadresim as cs
from conftest import REPO, SMALL, sets

SQ = REPO / "scenarios" / "status_quo_veto.toml"


def read(path):
    """A CLI CSV file with every number parsed by Python's correctly rounded float(), so the
    comparison is exact (the CLI prints shortest round-trip decimals)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for c in df.columns:
        col = df[c]
        if col.str.fullmatch(r"-?\d+").all():
            df[c] = col.astype("int64")
        else:
            try:
                df[c] = np.array([float(x) for x in col], dtype=float)
            except ValueError:
                pass
    return df


def same(ours, theirs):
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs, check_exact=True, check_dtype=False)


def test_shipped_scenarios_and_sources():
    names = cs.scenarios()
    assert {"status_quo_veto", "due_diligence_exemption", "combined_reform"} <= set(names)
    assert sorted(p.stem for p in (REPO / "scenarios").glob("*.toml")) == names
    by_name = cs.Scenario("due_diligence_exemption")
    by_path = cs.Scenario(REPO / "scenarios" / "due_diligence_exemption.toml")
    assert by_name.toml == by_path.toml
    assert by_name["regime.exempt"] == 0.8
    as_dict = cs.Scenario({"base": "status_quo_veto", "regime.exempt": 0.8, "regime.dd_threshold": 0.5, "regime.review_accuracy": 1.0})
    assert as_dict["regime.exempt"] == 0.8 and as_dict["regime.rule"] == by_name["regime.rule"]
    assert cs.Scenario({"regime.penalty": 3})["regime.penalty"] == 3
    s = cs.Scenario("status_quo_veto", {"regime.exempt": 0.25}, regime__penalty=4.5)
    assert (s["regime.exempt"], s["regime.penalty"]) == (0.25, 4.5)
    assert s.with_(regime__exempt=0.5)["regime.exempt"] == 0.5 and s["regime.exempt"] == 0.25
    assert cs.Scenario.from_toml(s.toml)["regime.penalty"] == 4.5
    assert "cadres" in s.describe()


def test_run_equals_the_cli_csv(cli, tmp_path):
    cli("run", SQ, "--reps", 3, "--seed", 7, "--quiet", "--out", tmp_path / "r", *sets())
    res = cs.run("status_quo_veto", reps=3, seed=7, overrides=SMALL)
    same(res.periods, read(tmp_path / "r" / "periods.csv"))
    same(res.summary, read(tmp_path / "r" / "summary.csv"))
    same(res.end, read(tmp_path / "r" / "end.csv"))
    assert res.counties is None
    assert res.manifest["seed"] == 7 and res.manifest["reps"] == 3
    assert res.manifest["scenarios"][0]["parameters"]["population"]["periods"] == 12


def test_counties_equal_the_cli_csv(cli, tmp_path):
    extra = {**SMALL, "population.counties": 2}
    cli("run", SQ, "--reps", 2, "--quiet", "--out", tmp_path / "r", *sets(extra))
    res = cs.run(SQ, reps=2, overrides=extra)
    same(res.counties, read(tmp_path / "r" / "counties.csv"))


def test_polars_backend_holds_the_same_numbers():
    pl = pytest.importorskip("polars")
    a = cs.run("status_quo_veto", reps=2, overrides=SMALL)
    b = cs.run("status_quo_veto", reps=2, overrides=SMALL, backend="polars")
    assert isinstance(b.periods, pl.DataFrame)
    assert list(a.periods.columns) == b.periods.columns and (b.periods["scenario"] == "status_quo_veto").all()
    assert np.array_equal(a.periods.drop(columns="scenario").to_numpy(), b.periods.drop("scenario").to_numpy(), equal_nan=True)


def test_compare_equals_the_cli_csv(cli, tmp_path):
    names = ["status_quo_veto", "due_diligence_exemption"]
    cli("compare", *[REPO / "scenarios" / f"{n}.toml" for n in names], "--reps", 3, "--quiet", "--out", tmp_path / "c", *sets())
    res = cs.compare([cs.Scenario(n, SMALL) for n in names], reps=3)
    same(res.runs, read(tmp_path / "c" / "runs.csv"))
    same(res.window_runs, read(tmp_path / "c" / "runs_window.csv"))
    same(res.timeseries, read(tmp_path / "c" / "timeseries.csv"))
    same(res.comparison, read(tmp_path / "c" / "comparison.csv"))
    assert res.markdown == (tmp_path / "c" / "comparison.md").read_text()


def test_sweep_equals_the_cli_csv(cli, tmp_path):
    cli("sweep", SQ, "--vary", "regime.penalty=0:4:3", "--vary", "regime.exempt=0:1:2", "--reps", 2, "--quiet", "--out", tmp_path / "s", *sets())
    res = cs.sweep("status_quo_veto", {"regime.penalty": (0, 4, 3), "regime.exempt": (0, 1, 2)}, reps=2, overrides=SMALL)
    same(res.rows, read(tmp_path / "s" / "sweep.csv"))
    same(res.summary, read(tmp_path / "s" / "sweep_summary.csv"))
    lhs = cs.sweep("status_quo_veto", ["regime.penalty=0:4:3"], design="lhs", samples=4, reps=1, overrides=SMALL)
    assert len(lhs.rows) == 4


def test_categorical_sweep_equals_the_cli_csv(cli, tmp_path):
    cli("sweep", SQ, "--vary", "regime.rule=veto,points", "--vary", "fatigue.enabled=true,false", "--reps", 2, "--quiet", "--out", tmp_path / "c", *sets())
    res = cs.sweep("status_quo_veto", {"regime.rule": ["veto", "points"], "fatigue.enabled": [True, False]}, reps=2, overrides=SMALL)
    same(res.rows, read(tmp_path / "c" / "sweep.csv"))
    same(res.summary, read(tmp_path / "c" / "sweep_summary.csv"))
    assert list(res.rows["regime.rule"].unique()) == ["veto", "points"]


def test_sensitivity_equals_the_cli_csv(cli, tmp_path):
    args = ["--param", "regime.penalty=0:8", "--param", "regime.exempt=0:1", "--metric", "s", "--reps", 1, "--bootstrap", 50]
    cli("sensitivity", SQ, "--method", "sobol", "--samples", 8, *args, "--quiet", "--out", tmp_path / "so", *sets())
    res = cs.sensitivity(SQ, {"regime.penalty": (0, 8), "regime.exempt": (0, 1)}, method="sobol", samples=8, bootstrap=50, reps=1, overrides=SMALL)
    same(res.indices, read(tmp_path / "so" / "sensitivity_indices.csv"))
    same(res.design, read(tmp_path / "so" / "sensitivity_design.csv"))
    same(res.rows, read(tmp_path / "so" / "sensitivity_runs.csv"))
    cli("sensitivity", SQ, "--method", "morris", "--samples", 4, *args, "--quiet", "--out", tmp_path / "mo", *sets())
    mo = cs.sensitivity(SQ, ["regime.penalty=0:8", "regime.exempt=0:1"], method="morris", samples=4, bootstrap=50, reps=1, overrides=SMALL)
    same(mo.indices, read(tmp_path / "mo" / "sensitivity_indices.csv"))


def test_evaluate_runs_given_points_like_a_sweep():
    grid = cs.sweep("status_quo_veto", {"regime.penalty": (0, 4, 3)}, reps=2, overrides=SMALL)
    pts = pd.DataFrame({"regime.penalty": [0.0, 2.0, 4.0]})
    ev = cs.evaluate("status_quo_veto", pts, reps=2, overrides=SMALL)
    metric_cols = [m for m in cs.metrics().metric]
    assert np.array_equal(ev.rows[metric_cols].to_numpy(), grid.rows[metric_cols].to_numpy(), equal_nan=True)
    arr = cs.evaluate("status_quo_veto", np.array([[4.0], [0.0]]), params=["regime.penalty"], reps=2, overrides=SMALL)
    assert np.array_equal(arr.rows[metric_cols].to_numpy()[:2], grid.rows[metric_cols].to_numpy()[4:6], equal_nan=True)
    assert list(arr.rows.columns[:5]) == ["point", "scenario", "seed", "rep", "regime.penalty"]


def test_stepping_matches_run():
    res = cs.run("status_quo_veto", reps=2, seed=3, overrides=SMALL)
    rep = cs.Replication("status_quo_veto", seed=3, rep=1, overrides=SMALL)
    first = rep.step()
    assert first.period.tolist() == [1] and rep.period == 1
    rep.step(4)
    hist = rep.run_to_end()
    ours = hist.drop(columns="period").to_numpy()
    theirs = res.periods[res.periods.rep == 1].drop(columns=["scenario", "seed", "rep", "period"]).to_numpy()
    assert np.array_equal(ours, theirs, equal_nan=True)
    cadres = rep.cadres()
    n = 2 * rep.scenario["population.cadres"]
    assert len(cadres) == n and {"s", "m", "ability", "sanctioned", "tenure"} <= set(cadres.columns)
    arrays = rep.cadre_arrays()
    assert arrays["s"].shape == (n,) and np.isclose(arrays["s"].mean(), hist.s.iloc[-1])


def test_params_and_metrics_listings():
    p = cs.params().set_index("path")
    assert p.loc["regime.exempt", "min"] == 0 and p.loc["regime.exempt", "max"] == 1
    assert p.loc["regime.rule", "kind"] == "choice" and "veto" in p.loc["regime.rule", "allowed"]
    assert (p.meaning.str.len() > 0).all()
    m = cs.metrics()
    assert {"s", "formalism", "blame_ratio"} <= set(m.metric)
    undefined = m.set_index("metric").undefined_when
    assert undefined["blame_ratio"].startswith("there are no diligent cadres") and undefined["s"] == ""
    assert list(m.metric) == list(cs.run("status_quo_veto", reps=1, overrides=SMALL).periods.columns[4:])


def test_bad_input_raises_the_clis_message(cli, tmp_path):
    proc = cli("run", SQ, "--set", "regime.exempt=1.4", "--out", tmp_path / "x", check=False)
    assert proc.returncode == 2
    with pytest.raises(cs.ScenarioError) as e:
        cs.run(SQ, regime__exempt=1.4)
    assert str(e.value).replace("override ", "--set ") in proc.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[regime]\nexempt = 1.4\n')
    proc = cli("check", bad, check=False)
    with pytest.raises(cs.ScenarioError) as e:
        cs.Scenario(bad)
    assert str(e.value) in proc.stderr and "bad.toml" in str(e.value)
    with pytest.raises(cs.ScenarioError, match="did you mean"):
        cs.Scenario("status_quo_veto", regime__exemt=0.5)
    with pytest.raises(cs.SpecError) as e:
        cs.sweep("status_quo_veto", {"regime.exempt": (0, 1, 3)}, design="lhs")
    assert (e.value.field, str(e.value)) == ("design", "design lhs needs samples N")
    with pytest.raises(cs.SpecError) as e:
        cs.run("status_quo_veto", reps=0)
    assert e.value.field == "reps" and e.value.value == "0"
    with pytest.raises(cs.SpecError, match="params"):
        cs.sensitivity("status_quo_veto", [], overrides=SMALL)
    with pytest.raises(cs.SpecError, match="not a finite number"):
        cs.evaluate("status_quo_veto", pd.DataFrame({"regime.penalty": [np.nan]}))
    with pytest.raises(cs.ScenarioError, match="outside"):
        cs.evaluate("status_quo_veto", pd.DataFrame({"regime.exempt": [2.0]}))


def test_the_gil_is_released_while_rust_works():
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    pts = pd.DataFrame({"regime.penalty": np.linspace(0, 8, 16)})
    t = threading.Thread(target=count)
    t.start()
    start = time.perf_counter()
    cs.evaluate("status_quo_veto", pts, reps=2, population__periods=96)
    end = time.perf_counter()
    stop.set()
    t.join()
    during = [x for x in ticks if start < x < end]
    # A held GIL would stop the counter for the whole call.
    assert len(during) >= 3, f"{len(during)} ticks in {end - start:.2f} s"


def test_keyboard_interrupt_cancels_the_work():
    # Python's own Ctrl-C handler, whatever the process inherited: a process started in the
    # background by a non-interactive shell ignores SIGINT, and then interrupt_main does nothing.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        timer = threading.Timer(0.3, _thread.interrupt_main)
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            cs.run("status_quo_veto", reps=200, population__periods=96)
        timer.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    # The process goes on working afterwards.
    assert len(cs.run("status_quo_veto", reps=1, overrides=SMALL).periods) == 12


def test_calibrate_equals_the_cli_tables(cli, tmp_path):
    box = ["--param", "regime.exempt=0:1", "--param", "errors.q=0.005:0.1"]
    cli("calibrate", "--patterns", REPO / "patterns" / "study.toml", *box, "--samples", 4, "--reps", 2, "--quiet", "--out", tmp_path / "ca", *sets())
    res = cs.calibrate({"regime.exempt": (0, 1), "errors.q": (0.005, 0.1)}, samples=4, reps=2, overrides=SMALL)
    for name in ["points", "patterns", "region", "binding", "effects"]:
        same(getattr(res, name), read(tmp_path / "ca" / f"calibration_{name}.csv"))
    same(res.rows, read(tmp_path / "ca" / "calibration_runs.csv"))
    # The report names the pattern file it read: the package's copy here, the repository's there.
    shipped = str(cs._shipped_patterns("study"))
    assert res.markdown.replace(shipped, str(REPO / "patterns" / "study.toml")) == (tmp_path / "ca" / "calibration.md").read_text()
    assert res.manifest["command"] == "calibrate"
    # The shipped pattern file is the repository's, as are the shipped scenarios it names.
    pl = cs.calibrate(["regime.exempt=0:1"], patterns=REPO / "patterns" / "study.toml", samples=2, reps=2, backend="polars", overrides=SMALL)
    assert pl.points.shape[0] == 2 * res.patterns.shape[0]


def test_calibrate_errors_name_the_argument():
    with pytest.raises(cs.SpecError, match="reps"):
        cs.calibrate({"regime.exempt": (0, 1)}, samples=2, reps=1, overrides=SMALL)
    with pytest.raises(cs.SpecError, match="design"):
        cs.calibrate({"regime.exempt": (0, 1)}, samples=2, design="grid", reps=2, overrides=SMALL)
    with pytest.raises(cs.CadresimError, match="missing.toml"):
        cs.calibrate({"regime.exempt": (0, 1)}, patterns="missing.toml", samples=2, reps=2)


def test_shipped_files_are_the_repositorys():
    package = REPO / "python" / "cadresim"
    for f in sorted((REPO / "scenarios").glob("*.toml")):
        assert (package / "scenarios" / f.name).read_bytes() == f.read_bytes(), f"python/cadresim/scenarios/{f.name} differs"
    assert (package / "patterns" / "study.toml").read_bytes() == (REPO / "patterns" / "study.toml").read_bytes()
