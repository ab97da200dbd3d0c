"""cadresim from Python: the Rust simulator of grassroots cadres under accountability regimes.

Scenarios are loaded from a shipped name (``"status_quo_veto"``), a TOML file, or a dict of dotted
parameter paths; parameters are overridden with a dict or keyword arguments (``regime__exempt=0.9``
stands for ``regime.exempt``). Every call runs in parallel in Rust with the GIL released, and
returns pandas DataFrames (``backend="polars"`` for polars) whose numbers equal the command line's
CSV files for the same scenario, seed and replications. Ctrl-C (KeyboardInterrupt) stops the work.

>>> import cadresim as cs
>>> res = cs.run("status_quo_veto", reps=2, population__townships=2, population__periods=12)
>>> res.end.set_index("metric").loc["s", "mean"] > 0
True
"""

from __future__ import annotations

import io
import json
import numbers
import os
from dataclasses import dataclass
from importlib import resources
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _cadresim
from .errors import CadresimError, DataError, OutputError, ResourceError, ScenarioError, SimulationError, SpecError

__all__ = [
    "Scenario",
    "load",
    "scenarios",
    "run",
    "compare",
    "sweep",
    "sensitivity",
    "evaluate",
    "calibrate",
    "Replication",
    "params",
    "metrics",
    "RunResult",
    "CompareResult",
    "SweepResult",
    "SensitivityResult",
    "EvaluateResult",
    "CalibrationResult",
    "CadresimError",
    "ScenarioError",
    "SpecError",
    "DataError",
    "OutputError",
    "ResourceError",
    "SimulationError",
    "__version__",
]

__version__, __revision__ = _cadresim.version()

Value = Union[bool, int, float, str, Sequence[float]]
ScenarioLike = Union["Scenario", str, "os.PathLike[str]", Mapping[str, Value]]


def _frame(table: List[Tuple[str, str, Any]], backend: str = "pandas") -> Any:
    """Turns the extension's column list into a DataFrame (numeric columns are read from raw
    little-endian buffers: no text is parsed)."""
    cols: Dict[str, Any] = {}
    for name, kind, data in table:
        if kind == "f8":
            cols[name] = np.frombuffer(data, dtype="<f8")
        elif kind == "i8":
            cols[name] = np.frombuffer(data, dtype="<i8")
        else:
            cols[name] = data
    return _from_columns(cols, backend)


def _from_columns(cols: Dict[str, Any], backend: str) -> Any:
    """Named columns as a pandas or polars DataFrame, or as they are (``backend="numpy"``)."""
    if backend == "polars":
        import polars as pl

        return pl.DataFrame(cols)
    if backend == "numpy":
        return cols
    if backend != "pandas":
        raise SpecError(f"backend {backend!r}: expected pandas, polars or numpy")
    import pandas as pd

    return pd.DataFrame(cols)


def _text(value: Value) -> str:
    """A Python value as the text of a parameter override (checked by the library)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    raise SpecError(f"overrides: {value!r} is not a number, flag, word or list of numbers")


def _overrides(overrides: Optional[Mapping[str, Value]], kwargs: Mapping[str, Value]) -> List[Tuple[str, str]]:
    pairs = [(str(k), _text(v)) for k, v in (overrides or {}).items()]
    pairs += [(k.replace("__", "."), _text(v)) for k, v in kwargs.items()]
    return pairs


def scenarios() -> List[str]:
    """The names of the scenarios shipped with cadresim (``status_quo_veto``, the reforms, ...)."""
    folder = resources.files(__name__) / "scenarios"
    return sorted(p.name[: -len(".toml")] for p in folder.iterdir() if p.name.endswith(".toml"))


def _shipped_path(name: str) -> Optional[str]:
    folder = resources.files(__name__) / "scenarios"
    path = folder / f"{name}.toml"
    return str(path) if path.is_file() else None


class Scenario:
    """A validated scenario: every parameter resolved and range-checked.

    Args:
        source: a shipped scenario name (see :func:`scenarios`), a path to a TOML file, a dict of
            dotted parameter paths to values (applied to the built-in defaults, or to the scenario
            named by its optional ``"base"`` key), or another :class:`Scenario`.
        overrides: ``{"regime.exempt": 0.9, ...}`` applied on top.
        **kwargs: more overrides, with ``__`` for the dots: ``regime__exempt=0.9``.

    Raises:
        ScenarioError: with the library's message naming the file, field and what is allowed.
    """

    def __init__(self, source: ScenarioLike = "status_quo_veto", overrides: Optional[Mapping[str, Value]] = None, **kwargs: Value):
        pairs = _overrides(overrides, kwargs)
        if isinstance(source, Scenario):
            self._inner = source._inner.with_overrides(pairs) if pairs else source._inner
        elif isinstance(source, Mapping):
            given = dict(source)
            base = given.pop("base", None)
            pairs = _overrides(given, {}) + pairs
            if base is None:
                self._inner = _cadresim.LoadedScenario.from_defaults(pairs)
            else:
                self._inner = Scenario(base)._inner.with_overrides(pairs)
        elif isinstance(source, (str, os.PathLike)):
            text = os.fspath(source)
            shipped = _shipped_path(text) if isinstance(source, str) and os.sep not in text and not text.endswith(".toml") else None
            self._inner = _cadresim.LoadedScenario.from_file(shipped or text, pairs)
        else:
            raise SpecError(f"source: {source!r} is not a scenario name, path, dict or Scenario")

    @classmethod
    def from_toml(cls, text: str, origin: str = "<toml>", overrides: Optional[Mapping[str, Value]] = None, **kwargs: Value) -> "Scenario":
        """A scenario from TOML text; ``origin`` names it in messages and resolves a relative
        ``base``."""
        s = cls.__new__(cls)
        s._inner = _cadresim.LoadedScenario.from_toml(text, origin, _overrides(overrides, kwargs))
        return s

    def with_(self, overrides: Optional[Mapping[str, Value]] = None, **kwargs: Value) -> "Scenario":
        """This scenario with more overrides (a new object; this one is unchanged)."""
        return Scenario(self, overrides, **kwargs)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._inner.name

    @property
    def description(self) -> str:
        """What the scenario represents."""
        return self._inner.description

    @property
    def source(self) -> Optional[str]:
        """The file it was read from, if any."""
        return self._inner.source

    @property
    def toml(self) -> str:
        """The fully resolved scenario as TOML (re-loadable)."""
        return self._inner.to_toml()

    @property
    def parameters(self) -> Dict[str, Any]:
        """Every resolved parameter, nested by section."""
        return json.loads(self._inner.parameters_json())

    def __getitem__(self, path: str) -> Any:
        """A resolved parameter by dotted path, e.g. ``scenario["regime.exempt"]``."""
        node: Any = self.parameters
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                raise KeyError(path)
            node = node[part]
        return node

    def describe(self) -> str:
        """A one-line description of the sizes."""
        return self._inner.describe()

    def __repr__(self) -> str:
        return f"Scenario({self.name!r})"


def load(source: ScenarioLike = "status_quo_veto", overrides: Optional[Mapping[str, Value]] = None, **kwargs: Value) -> Scenario:
    """Loads a scenario; same arguments as :class:`Scenario`."""
    return Scenario(source, overrides, **kwargs)


def _scenario(source: ScenarioLike, overrides: Optional[Mapping[str, Value]], kwargs: Mapping[str, Value]) -> Any:
    return Scenario(source, overrides, **kwargs)._inner


@dataclass
class RunResult:
    """What :func:`run` returns.

    Attributes:
        periods: one row per replication and period, every metric (``periods.csv``).
        summary: tidy per-period summary across replications (``summary.csv``).
        end: end-of-run window summary per metric (``end.csv``).
        counties: one row per replication, period and county (``counties.csv``), or None for
            one county.
        manifest: the run's manifest (resolved parameters, seed, replications, version).
    """

    periods: Any
    summary: Any
    end: Any
    counties: Any
    manifest: Dict[str, Any]


def run(
    scenario: ScenarioLike = "status_quo_veto",
    *,
    reps: int = 20,
    seed: int = 1,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Value]] = None,
    backend: str = "pandas",
    **kwargs: Value,
) -> RunResult:
    """Runs ``reps`` replications of a scenario in memory (like ``cadresim run``).

    Args:
        scenario: a :class:`Scenario`, shipped name, path or dict.
        reps: replications. seed: master seed. threads: worker threads (None: all cores; results
            never depend on it).
        overrides, **kwargs: parameter overrides (``regime__exempt=0.9``).
        backend: ``"pandas"``, ``"polars"`` or ``"numpy"`` (dicts of arrays).
    """
    out = _cadresim.run(_scenario(scenario, overrides, kwargs), reps, seed, threads)
    return RunResult(
        periods=_frame(out["periods"], backend),
        summary=_frame(out["summary"], backend),
        end=_frame(out["end"], backend),
        counties=None if out["counties"] is None else _frame(out["counties"], backend),
        manifest=json.loads(out["manifest"]),
    )


@dataclass
class CompareResult:
    """What :func:`compare` returns.

    Attributes:
        runs: one row per scenario, replication and period (``runs.csv``).
        window_runs: one row per scenario and replication with the end-of-run window values
            (``runs_window.csv``).
        timeseries: per-period summaries by scenario (``timeseries.csv``).
        comparison: window means and paired differences from the first scenario
            (``comparison.csv``).
        markdown: the printed comparison table.
        manifest: the experiment's manifest.
    """

    runs: Any
    window_runs: Any
    timeseries: Any
    comparison: Any
    markdown: str
    manifest: Dict[str, Any]


def compare(
    scenarios: Sequence[ScenarioLike],
    *,
    reps: int = 20,
    seed: int = 1,
    threads: Optional[int] = None,
    backend: str = "pandas",
) -> CompareResult:
    """Compares scenarios under common random numbers (like ``cadresim compare``); differences
    are taken from the first."""
    inner = [Scenario(s)._inner for s in scenarios]
    out = _cadresim.compare(inner, reps, seed, threads)
    return CompareResult(
        runs=_frame(out["rows"], backend),
        window_runs=_frame(out["window_rows"], backend),
        timeseries=_frame(out["timeseries"], backend),
        comparison=_frame(out["comparison"], backend),
        markdown=out["markdown"],
        manifest=json.loads(out["manifest"]),
    )


def _factor_texts(factors: Union[Mapping[str, Sequence[float]], Sequence[str]], field_name: str) -> List[str]:
    if isinstance(factors, Mapping):
        texts = []
        for path, spec in factors.items():
            if isinstance(spec, str):
                texts.append(f"{path}={spec}")
            elif any(isinstance(v, (str, bool)) for v in spec):
                # The values of a categorical parameter: {"regime.rule": ["veto", "points"]}.
                texts.append(f"{path}=" + ",".join(str(v).lower() if isinstance(v, bool) else str(v) for v in spec))
            else:
                texts.append(f"{path}=" + ":".join(_text(v) for v in spec))
        return texts
    if isinstance(factors, str):
        return [factors]
    return [str(f) for f in factors]


@dataclass
class SweepResult:
    """What :func:`sweep` and :func:`evaluate` return.

    Attributes:
        rows: one row per design point and replication: the parameter values and every metric
            over the end-of-run window (``sweep.csv``).
        summary: per design point and metric, the mean with its 95% interval across replications
            (``sweep_summary.csv``).
        manifest: the experiment's manifest.
    """

    rows: Any
    summary: Any
    manifest: Dict[str, Any]


EvaluateResult = SweepResult


def sweep(
    scenario: ScenarioLike,
    vary: Union[Mapping[str, Sequence[float]], Sequence[str]],
    *,
    design: str = "grid",
    samples: Optional[int] = None,
    reps: int = 20,
    seed: int = 1,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Value]] = None,
    backend: str = "pandas",
    **kwargs: Value,
) -> SweepResult:
    """Sweeps parameters over a grid or a Latin hypercube (like ``cadresim sweep``).

    Args:
        vary: ``{"regime.penalty": (0, 8, 9), ...}`` (low, high, steps) or
            ``["regime.penalty=0:8:9", ...]``; a categorical parameter lists its values,
            ``{"regime.rule": ["veto", "points"], "fatigue.enabled": [True, False]}`` or
            ``"regime.rule=veto,points"`` (grid designs only).
        design: ``"grid"`` or ``"lhs"`` (needs ``samples``).
    """
    out = _cadresim.sweep(_scenario(scenario, overrides, kwargs), _factor_texts(vary, "vary"), design, samples, reps, seed, threads)
    return SweepResult(rows=_frame(out["rows"], backend), summary=_frame(out["summary"], backend), manifest=json.loads(out["manifest"]))


@dataclass
class SensitivityResult:
    """What :func:`sensitivity` returns.

    Attributes:
        indices: per parameter, Sobol' ``S1``/``ST`` with intervals or Morris ``mu``, ``mu_star``
            (with interval) and ``sigma`` (``sensitivity_indices.csv``).
        s2: second-order Sobol' indices by pair (``sensitivity_s2.csv``), or None.
        design: the design points with the metric's mean across replications
            (``sensitivity_design.csv``).
        rows: one row per design point and replication, every metric (``sensitivity_runs.csv``).
        manifest: the experiment's manifest.
    """

    indices: Any
    s2: Any
    design: Any
    rows: Any
    manifest: Dict[str, Any]


def sensitivity(
    scenario: ScenarioLike,
    params: Union[Mapping[str, Sequence[float]], Sequence[str]],
    *,
    method: str = "sobol",
    metric: str = "s",
    samples: int = 64,
    levels: int = 4,
    second_order: bool = False,
    bootstrap: int = 1000,
    reps: int = 20,
    seed: int = 1,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Value]] = None,
    backend: str = "pandas",
    **kwargs: Value,
) -> SensitivityResult:
    """Global sensitivity analysis of one metric (like ``cadresim sensitivity``).

    Args:
        params: ``{"regime.penalty": (0, 8), ...}`` or ``["regime.penalty=0:8", ...]``.
        method: ``"sobol"`` (Saltelli design, ``samples`` a power of two) or ``"morris"``
            (``samples`` trajectories on ``levels`` levels).
        metric: the end-of-run window metric analysed (see :func:`metrics`).
    """
    out = _cadresim.sensitivity(
        _scenario(scenario, overrides, kwargs),
        method,
        _factor_texts(params, "params"),
        metric,
        samples,
        levels,
        second_order,
        bootstrap,
        reps,
        seed,
        threads,
    )
    return SensitivityResult(
        indices=_frame(out["indices"], backend),
        s2=None if out["s2"] is None else _frame(out["s2"], backend),
        design=_frame(out["design"], backend),
        rows=_frame(out["rows"], backend),
        manifest=json.loads(out["manifest"]),
    )


def evaluate(
    scenario: ScenarioLike,
    points: Any,
    params: Optional[Sequence[str]] = None,
    *,
    reps: int = 1,
    seed: int = 1,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Value]] = None,
    backend: str = "pandas",
    **kwargs: Value,
) -> EvaluateResult:
    """Evaluates an external design: one row of metrics per point and replication.

    The points come from any sampler (SALib, the EMA Workbench, your own). Every point uses the
    same random streams per replication (common random numbers); all points run in parallel in
    Rust with the GIL released.

    Args:
        points: a pandas or polars DataFrame whose columns are parameter paths, a dict of
            columns, or a 2-D array (then ``params`` names its columns).
        params: parameter paths of the columns (default: the DataFrame's column names).
    """
    if hasattr(points, "columns") and not isinstance(points, np.ndarray):
        names = list(params) if params is not None else [str(c) for c in points.columns]
        array = np.asarray(points[names].to_numpy() if params is not None else points.to_numpy(), dtype=float)
    elif isinstance(points, Mapping):
        names = list(params) if params is not None else [str(k) for k in points]
        array = np.column_stack([np.asarray(points[n], dtype=float) for n in names])
    else:
        array = np.asarray(points, dtype=float)
        if params is None:
            raise SpecError("params: name the parameter path of each column of the points array")
        names = list(params)
    if array.ndim == 1:
        array = array.reshape(-1, 1) if len(names) == 1 else array.reshape(1, -1)
    if array.ndim != 2:
        raise SpecError(f"points: expected a table of points (2-D), got {array.ndim} dimensions")
    out = _cadresim.evaluate(_scenario(scenario, overrides, kwargs), names, array.tolist(), reps, seed, threads)
    return SweepResult(rows=_frame(out["rows"], backend), summary=_frame(out["summary"], backend), manifest=json.loads(out["manifest"]))


def _csv_frame(text: str, backend: str) -> Any:
    """One of the library's CSV tables (the text of the file the CLI writes) as a DataFrame,
    every number read exactly (pandas' round-trip parser), then handed to :func:`_from_columns`."""
    import pandas as pd

    # pandas before 3 parses floats with a fast, inexact routine unless asked for round trips;
    # from 3 on that is the default and the argument is deprecated.
    exact = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
    df = pd.read_csv(io.StringIO(text), **exact)
    return df if backend == "pandas" else _from_columns({c: df[c].to_numpy() for c in df.columns}, backend)


@dataclass
class CalibrationResult:
    """What :func:`calibrate` returns (the tables of ``cadresim calibrate``'s directory).

    Attributes:
        points: one row per design point and pattern: the point's parameter values, whether
            every pattern holds there (``accepted``), the pattern's ``status`` and the paired
            difference it was judged by, with its interval (``calibration_points.csv``).
        patterns: per pattern, at how many points it holds, fails, is undecided or undefined,
            and the shares (``calibration_patterns.csv``).
        region: per parameter, its range and the quantiles of the accepted points
            (``calibration_region.csv``).
        binding: per pattern, at how many points it is the only one missing
            (``calibration_binding.csv``).
        effects: per scenario and metric, the difference from the baseline scenario over the
            accepted points: quantiles (``calibration_effects.csv``).
        rows: one row per design point, scenario and replication with every metric.
        markdown: the printed report (``calibration.md``).
        manifest: the experiment's manifest.
    """

    points: Any
    patterns: Any
    region: Any
    binding: Any
    effects: Any
    rows: Any
    markdown: str
    manifest: Dict[str, Any]


def _shipped_patterns(name: str) -> Optional[str]:
    folder = resources.files(__name__) / "patterns"
    path = folder / f"{name}.toml"
    return str(path) if path.is_file() else None


def calibrate(
    params: Union[Mapping[str, Sequence[float]], Sequence[str]],
    patterns: Union[str, "os.PathLike[str]"] = "study",
    *,
    samples: int = 256,
    design: str = "sobol",
    effects: Sequence[str] = ("s", "blame_ratio"),
    scenarios: Optional[Mapping[str, Union[str, "os.PathLike[str]"]]] = None,
    reps: int = 20,
    seed: int = 1,
    threads: Optional[int] = None,
    overrides: Optional[Mapping[str, Value]] = None,
    backend: str = "pandas",
    **kwargs: Value,
) -> CalibrationResult:
    """Pattern-oriented calibration (like ``cadresim calibrate``): the scenarios of a pattern
    file at every point of a design over the parameter box, each pattern judged at each point
    with paired intervals under common random numbers.

    Args:
        params: the box, ``{"errors.q": (0.005, 0.1), ...}`` or ``["errors.q=0.005:0.1", ...]``;
            each point sets them in every scenario (an inspection level's parameter only where
            that level exists).
        patterns: ``"study"`` (the study's patterns shipped with the package, over the shipped
            scenarios) or the path of a pattern file (its scenario paths are relative to it).
        samples: design points; ``design`` is ``"sobol"`` (scrambled Sobol') or ``"lhs"``.
        effects: metrics whose reform effects are summarised over the accepted region.
        scenarios: further ``{name: file}`` scenarios the patterns do not mention.
        reps: replications per point and scenario (at least 2).
        overrides, kwargs: set in every scenario before the design's values, e.g.
            ``population__townships=20``.
    """
    path = _shipped_patterns(str(patterns)) if isinstance(patterns, str) else None
    extra = [(str(n), str(f)) for n, f in (scenarios or {}).items()]
    out = _cadresim.calibrate(
        str(path or os.fspath(patterns)),
        _factor_texts(params, "params"),
        design,
        samples,
        list(effects),
        extra,
        _overrides(overrides, kwargs),
        reps,
        seed,
        threads,
    )
    return CalibrationResult(
        points=_csv_frame(out["points"], backend),
        patterns=_csv_frame(out["patterns"], backend),
        region=_csv_frame(out["region"], backend),
        binding=_csv_frame(out["binding"], backend),
        effects=_csv_frame(out["effects"], backend),
        rows=_frame(out["rows"], backend),
        markdown=out["markdown"],
        manifest=json.loads(out["manifest"]),
    )


class Replication:
    """One replication stepped period by period (for teaching and notebooks).

    Its periods equal those of :func:`run` with the same scenario, seed and replication index.

    >>> r = Replication("status_quo_veto", seed=1, population__townships=2)
    >>> r.step().period.tolist()
    [1]
    >>> len(r.cadres()) == 2 * r.scenario["population.cadres"]
    True
    """

    def __init__(
        self,
        scenario: ScenarioLike = "status_quo_veto",
        seed: int = 1,
        rep: int = 0,
        overrides: Optional[Mapping[str, Value]] = None,
        **kwargs: Value,
    ):
        self.scenario = Scenario(scenario, overrides, **kwargs)
        self.seed = seed
        self.rep = rep
        self._inner = _cadresim.Stepper(self.scenario._inner, seed, rep)
        self._history: List[Any] = []

    @property
    def period(self) -> int:
        """Periods run so far."""
        return self._inner.period

    @property
    def periods(self) -> int:
        """Periods the scenario runs for (stepping beyond them is allowed)."""
        return self._inner.periods

    def step(self, n: int = 1, backend: str = "pandas") -> Any:
        """Runs ``n`` periods; returns their metrics, one row per period."""
        if n < 1:
            raise SpecError(f"n {n}: expected at least 1 period")
        table = self._inner.step(n)
        self._history.append(table)
        return _frame(table, backend)

    def run_to_end(self, backend: str = "pandas") -> Any:
        """Runs the remaining periods of the scenario and returns the whole history."""
        left = self.periods - self.period
        if left > 0:
            self.step(left)
        return self.history(backend)

    def history(self, backend: str = "pandas") -> Any:
        """Every period stepped so far, one row each."""
        if not self._history:
            return _frame([], backend)
        cols = []
        for i, (name, kind, _) in enumerate(self._history[0]):
            if kind == "str":
                data: Any = [x for t in self._history for x in t[i][2]]
            else:
                data = b"".join(t[i][2] for t in self._history)
            cols.append((name, kind, data))
        return _frame(cols, backend)

    def cadres(self, backend: str = "pandas") -> Any:
        """Every cadre's state after the last period: county, township, cadre, the chosen
        ``s``/``m``/``innovate``, ability, psi, corrupt, sanctioned, promoted, rank, block_left,
        fatigue, payoff, tenure (the columns of ``cadres.csv``)."""
        return _frame(self._inner.cadres(), backend)

    def cadre_arrays(self) -> Dict[str, np.ndarray]:
        """:meth:`cadres` as a dict of numpy arrays."""
        return {k: np.asarray(v) for k, v in _frame(self._inner.cadres(), "numpy").items()}

    def __repr__(self) -> str:
        return f"Replication({self.scenario.name!r}, seed={self.seed}, rep={self.rep}, period={self.period})"


def params(backend: str = "pandas") -> Any:
    """Every parameter: path, kind, default, min, max (NaN where not numeric), allowed values
    and meaning (like ``cadresim params``)."""
    return _frame(_cadresim.params(), backend)


def metrics(backend: str = "pandas") -> Any:
    """Every output metric: name, label, meaning (like ``cadresim metrics``)."""
    return _frame(_cadresim.metric_list(), backend)
