//! `cadresim._cadresim`: the thin PyO3 layer between the cadresim library and the Python package.
//!
//! It turns Python arguments into the library's typed specs, calls [`cadresim::commands`] with the
//! GIL released and a cancellation token that Ctrl-C (KeyboardInterrupt) cancels, and turns the
//! typed results into column tables for the Python side to wrap as DataFrames. It holds no model
//! logic and no validation rules of its own: every check and every message is the library's.
//! Library errors become Python exceptions in one place ([`to_py`]).

use std::path::PathBuf;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use cadresim::analysis::stats::Summary;
use cadresim::commands::{self, ExperimentOutcome};
use cadresim::engine::{PeriodSums, Replication};
use cadresim::experiment::{Experiment, Record, Row};
use cadresim::metrics::{self, METRICS};
use cadresim::report::sensitivity::Indices;
use cadresim::report::{self, ExperimentReport};
use cadresim::spec::{
    parse_factors, CalibrateSpec, CalibrationDesign, CompareSpec, Design, EvaluateSpec, Method, RunSpec, Runs, ScenarioSource,
    ScenarioSpec, SensitivitySpec, SweepSpec,
};
use cadresim::{CancelToken, Error, Job, NoProgress, SpecError};
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

/// One column of a table handed to Python.
enum Col {
    /// Real numbers (handed over as little-endian f64 bytes, read by numpy without parsing).
    F(Vec<f64>),
    /// Whole numbers (little-endian i64 bytes).
    I(Vec<i64>),
    /// Text.
    S(Vec<String>),
}

/// A table as named columns.
#[derive(Default)]
struct Frame(Vec<(String, Col)>);

impl Frame {
    fn push(&mut self, name: impl Into<String>, col: Col) {
        self.0.push((name.into(), col));
    }

    /// One column per metric, from rows of metric values in [`METRICS`] order.
    fn metrics<'a>(&mut self, rows: impl Iterator<Item = &'a [f64]> + Clone) {
        for (k, m) in METRICS.iter().enumerate() {
            self.push(m.name, Col::F(rows.clone().map(|v| v[k]).collect()));
        }
    }

    /// `n, mean, sd, ci_low, ci_high` columns.
    fn summaries<'a>(&mut self, s: impl Iterator<Item = &'a Summary> + Clone) {
        self.push("n", Col::I(s.clone().map(|x| x.n as i64).collect()));
        self.push("mean", Col::F(s.clone().map(|x| x.mean).collect()));
        self.push("sd", Col::F(s.clone().map(|x| x.sd).collect()));
        self.push("ci_low", Col::F(s.clone().map(|x| x.low).collect()));
        self.push("ci_high", Col::F(s.map(|x| x.high).collect()));
    }

    /// A list of `(name, kind, data)`: kind `f8`/`i8` with bytes, or `str` with a list.
    fn into_py(self, py: Python<'_>) -> PyResult<PyObject> {
        let list = PyList::empty(py);
        for (name, col) in self.0 {
            let item = match col {
                Col::F(v) => {
                    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                    PyTuple::new(
                        py,
                        [name.into_pyobject(py)?.into_any(), "f8".into_pyobject(py)?.into_any(), PyBytes::new(py, &bytes).into_any()],
                    )?
                }
                Col::I(v) => {
                    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
                    PyTuple::new(
                        py,
                        [name.into_pyobject(py)?.into_any(), "i8".into_pyobject(py)?.into_any(), PyBytes::new(py, &bytes).into_any()],
                    )?
                }
                Col::S(v) => PyTuple::new(
                    py,
                    [name.into_pyobject(py)?.into_any(), "str".into_pyobject(py)?.into_any(), PyList::new(py, v)?.into_any()],
                )?,
            };
            list.append(item)?;
        }
        Ok(list.into_any().unbind())
    }
}

/// How the Python package names a spec field: its keyword argument.
fn keyword(field: &str) -> String {
    match field {
        "param" => "params".to_string(),
        f => f.to_string(),
    }
}

/// Raises the exception class `name` of `cadresim.errors` with `message`.
fn raise(py: Python<'_>, name: &str, message: String) -> PyErr {
    let made = py.import("cadresim.errors").and_then(|m| m.getattr(name)).and_then(|class| class.call1((message.clone(),)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// The one place where library errors become Python exceptions.
fn to_py(py: Python<'_>, e: Error) -> PyErr {
    match e {
        Error::Scenario(s) => raise(py, "ScenarioError", s.to_string()),
        Error::Spec(s) => {
            let err = raise(py, "SpecError", s.render(&keyword));
            let value = err.value(py);
            let _ = value.setattr("field", keyword(s.field));
            let _ = value.setattr("value", s.value.clone());
            err
        }
        Error::Data(d) => raise(py, "DataError", d.to_string()),
        Error::Output(o) => raise(py, "OutputError", o.to_string()),
        Error::Cancelled => PyKeyboardInterrupt::new_err("interrupted; cadresim stopped the work"),
        Error::Failed(m) => raise(py, "SimulationError", m),
        Error::Resources(r) => raise(py, "ResourceError", r.to_string()),
    }
}

/// Runs `work` on a helper thread with the GIL released, checking Python's signals every 50 ms
/// meanwhile: a KeyboardInterrupt cancels the job's token, waits for the work to stop, and is
/// raised.
fn detached<T: Send>(py: Python<'_>, work: impl FnOnce(Job<'_>) -> Result<T, Error> + Send) -> PyResult<T> {
    let token = CancelToken::new();
    let (result, interrupt) = py.allow_threads(|| {
        std::thread::scope(|scope| {
            let (done, finished) = std::sync::mpsc::channel::<()>();
            let t = &token;
            let handle = scope.spawn(move || {
                let r = work(Job::new(&NoProgress, t));
                let _ = done.send(());
                r
            });
            let mut interrupt: Option<PyErr> = None;
            // Wakes as soon as the work ends (or panics: the sender is dropped), else every 50 ms.
            while let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(Duration::from_millis(50)) {
                if interrupt.is_none() {
                    if let Err(e) = Python::with_gil(|py| py.check_signals()) {
                        token.cancel();
                        interrupt = Some(e);
                    }
                }
            }
            (handle.join(), interrupt)
        })
    });
    if let Some(e) = interrupt {
        return Err(e);
    }
    match result {
        Ok(r) => r.map_err(|e| to_py(py, e)),
        Err(_) => Err(PyRuntimeError::new_err("cadresim: the simulation thread panicked (a bug; please report it)")),
    }
}

/// A loaded, validated scenario.
#[pyclass(module = "cadresim._cadresim", name = "LoadedScenario", frozen)]
struct LoadedScenario {
    scenario: cadresim::scenario::Scenario,
}

impl LoadedScenario {
    fn spec(&self) -> ScenarioSpec {
        ScenarioSpec {
            source: ScenarioSource::Loaded(Box::new(self.scenario.clone())),
            overrides: vec![],
            override_label: "override".into(),
        }
    }
}

fn load(py: Python<'_>, spec: ScenarioSpec) -> PyResult<LoadedScenario> {
    // Building the model checks the cross-field rules too, so a bad scenario fails here.
    let (scenario, _) = spec.model().map_err(|e| to_py(py, e))?;
    Ok(LoadedScenario { scenario })
}

#[pymethods]
impl LoadedScenario {
    /// Reads a scenario file (and its bases) and applies `(path, value)` overrides.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf, overrides: Vec<(String, String)>) -> PyResult<Self> {
        load(py, ScenarioSpec { source: ScenarioSource::File(path), overrides, override_label: "override".into() })
    }

    /// Parses TOML text (`origin` names it and resolves relative bases) and applies overrides.
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: String, origin: PathBuf, overrides: Vec<(String, String)>) -> PyResult<Self> {
        load(py, ScenarioSpec { source: ScenarioSource::Text { text, origin }, overrides, override_label: "override".into() })
    }

    /// The built-in defaults with overrides applied.
    #[staticmethod]
    fn from_defaults(py: Python<'_>, overrides: Vec<(String, String)>) -> PyResult<Self> {
        let base = cadresim::scenario::Scenario::defaults();
        load(py, ScenarioSpec { source: ScenarioSource::Loaded(Box::new(base)), overrides, override_label: "override".into() })
    }

    /// This scenario with more overrides applied.
    fn with_overrides(&self, py: Python<'_>, overrides: Vec<(String, String)>) -> PyResult<Self> {
        load(py, ScenarioSpec { overrides, ..self.spec() })
    }

    /// The scenario's name.
    #[getter]
    fn name(&self) -> String {
        self.scenario.name.clone()
    }

    /// What it represents.
    #[getter]
    fn description(&self) -> String {
        self.scenario.description.clone()
    }

    /// The file it came from, if any.
    #[getter]
    fn source(&self) -> Option<String> {
        self.scenario.source.as_ref().map(|p| p.display().to_string())
    }

    /// The fully resolved scenario as TOML.
    fn to_toml(&self) -> String {
        self.scenario.resolved.to_toml()
    }

    /// Every resolved parameter as JSON text (nested by section).
    fn parameters_json(&self) -> String {
        self.scenario.resolved.to_json().to_string()
    }

    /// A one-line description of the sizes.
    fn describe(&self, py: Python<'_>) -> PyResult<String> {
        let (s, m) = self.spec().model().map_err(|e| to_py(py, e))?;
        Ok(commands::describe(&s, &m))
    }
}

fn runs(reps: u64, seed: u64, threads: Option<usize>) -> Runs {
    Runs { reps, seed, threads }
}

impl Frame {
    /// The `scenario` and `seed` key columns of `n` rows (docs/OUTPUTS.md).
    fn keys(&mut self, scenario: &str, seed: u64, n: usize) {
        self.push("scenario", Col::S(vec![scenario.to_string(); n]));
        self.push("seed", Col::I(vec![seed as i64; n]));
    }
}

/// Per-period metrics of replications: `scenario, seed, rep, period, [county,] <metrics>`
/// (identifiers from 0, periods from 1).
fn periods_frame(results: &[cadresim::engine::RepResult], county: bool, scenario: &str, seed: u64) -> Frame {
    let mut rows: Vec<(u64, usize, usize, Vec<f64>)> = Vec::new();
    for r in results {
        for (t, p) in r.periods.iter().enumerate() {
            if county {
                for (k, c) in p.counties.iter().enumerate() {
                    rows.push((r.rep, t + 1, k, metrics::evaluate(c)));
                }
            } else {
                rows.push((r.rep, t + 1, 0, metrics::evaluate(&p.total)));
            }
        }
    }
    let mut f = Frame::default();
    f.keys(scenario, seed, rows.len());
    f.push("rep", Col::I(rows.iter().map(|r| r.0 as i64).collect()));
    f.push("period", Col::I(rows.iter().map(|r| r.1 as i64).collect()));
    if county {
        f.push("county", Col::I(rows.iter().map(|r| r.2 as i64).collect()));
    }
    f.metrics(rows.iter().map(|r| r.3.as_slice()));
    f
}

/// `run`: one scenario, many replications, in memory.
#[pyfunction]
#[pyo3(signature = (scenario, reps, seed, threads=None))]
fn run(py: Python<'_>, scenario: &LoadedScenario, reps: u64, seed: u64, threads: Option<usize>) -> PyResult<PyObject> {
    let spec = RunSpec {
        scenario: scenario.spec(),
        runs: runs(reps, seed, threads),
        out: None,
        force: false,
        cadre_output: false,
        format: Default::default(),
    };
    let out = detached(py, |job| commands::run(&spec, job))?;
    let name = out.scenario.name.clone();
    let periods = periods_frame(&out.results, false, &name, seed);
    let counties = (out.model.params.counties > 1).then(|| periods_frame(&out.results, true, &name, seed));
    let mut summary = Frame::default();
    let n = METRICS.len();
    let cells: Vec<(usize, usize, &Summary)> =
        out.summary.per_period.iter().enumerate().flat_map(|(t, row)| row.iter().enumerate().map(move |(k, s)| (t + 1, k, s))).collect();
    summary.keys(&name, seed, cells.len());
    summary.push("period", Col::I(cells.iter().map(|c| c.0 as i64).collect()));
    summary.push("metric", Col::S(cells.iter().map(|c| METRICS[c.1].name.to_string()).collect()));
    summary.summaries(cells.iter().map(|c| c.2));
    let mut end = Frame::default();
    end.keys(&name, seed, n);
    end.push("metric", Col::S(METRICS.iter().map(|m| m.name.to_string()).collect()));
    end.summaries(out.summary.window.iter().take(n));
    let manifest = report::run::run_manifest(&out.scenario, &out.model, seed, out.threads, reps, vec![]);
    let manifest = serde_json::to_string(&manifest).map_err(|e| PyRuntimeError::new_err(format!("manifest: {e}")))?;
    let d = pyo3::types::PyDict::new(py);
    d.set_item("periods", periods.into_py(py)?)?;
    d.set_item("summary", summary.into_py(py)?)?;
    d.set_item("end", end.into_py(py)?)?;
    d.set_item("counties", counties.map(|c| c.into_py(py)).transpose()?)?;
    d.set_item("manifest", manifest)?;
    Ok(d.into_any().unbind())
}

/// A column of factor values: the words of a categorical parameter (as the CSV files write
/// them), numbers otherwise.
fn factor_col(path: &str, values: impl Iterator<Item = f64>) -> Col {
    use cadresim::analysis::design::{category_word, is_categorical};
    if is_categorical(path) {
        Col::S(values.map(|x| category_word(path, x).map(String::from).unwrap_or_else(|| x.to_string())).collect())
    } else {
        Col::F(values.collect())
    }
}

/// The rows of an experiment as its rows files lay them out: the per-period rows (`window`
/// false: `runs.csv`) or the end-of-window rows (`window` true: `runs_window.csv`, `sweep.csv`,
/// `sensitivity_runs.csv`).
fn rows_frame(exp: &Experiment, rows: &[Row], window: bool) -> Frame {
    let rows: Vec<&Row> = rows.iter().filter(|r| r.window == window).collect();
    let mut f = Frame::default();
    f.push("point", Col::I(rows.iter().map(|r| r.point as i64).collect()));
    f.push("scenario", Col::S(rows.iter().map(|r| exp.scenario_name(r.point).to_string()).collect()));
    f.push("seed", Col::I(vec![exp.seed as i64; rows.len()]));
    f.push("rep", Col::I(rows.iter().map(|r| r.rep as i64).collect()));
    if window {
        for (j, name) in exp.factors.iter().enumerate() {
            f.push(name.clone(), factor_col(name, rows.iter().map(|r| exp.points[r.point].values[j])));
        }
    } else {
        f.push("period", Col::I(rows.iter().map(|r| r.period as i64).collect()));
    }
    f.metrics(rows.iter().map(|r| r.values.as_slice()));
    f
}

/// Runs a prepared experiment in memory and returns its tables.
fn experiment(py: Python<'_>, exp: Experiment) -> PyResult<PyObject> {
    let outcome = detached(py, |job| commands::experiment(&exp, None, job))?;
    let ExperimentOutcome::InMemory { report, manifest, rows } = outcome else {
        return Err(PyRuntimeError::new_err("cadresim: an in-memory experiment wrote files (a bug; please report it)"));
    };
    let d = pyo3::types::PyDict::new(py);
    let periods = exp.record == Record::Periods;
    d.set_item("rows", rows_frame(&exp, &rows, !periods).into_py(py)?)?;
    if periods {
        d.set_item("window_rows", rows_frame(&exp, &rows, true).into_py(py)?)?;
    }
    let (seed, base) = (exp.seed as i64, report::scenario_name(&manifest));
    d.set_item("manifest", manifest.to_value().to_string())?;
    match report {
        ExperimentReport::Compare(r) => {
            let mut ts = Frame::default();
            let mut cells = Vec::new();
            for (p, per) in r.per_period.iter().enumerate() {
                for (t, row) in per.iter().enumerate() {
                    for (k, s) in row.iter().enumerate() {
                        cells.push((p, t + 1, k, s));
                    }
                }
            }
            ts.push("point", Col::I(cells.iter().map(|c| c.0 as i64).collect()));
            ts.push("scenario", Col::S(cells.iter().map(|c| r.labels[c.0].clone()).collect()));
            ts.push("seed", Col::I(vec![seed; cells.len()]));
            ts.push("period", Col::I(cells.iter().map(|c| c.1 as i64).collect()));
            ts.push("metric", Col::S(cells.iter().map(|c| METRICS[c.2].name.to_string()).collect()));
            ts.summaries(cells.iter().map(|c| c.3));
            let mut cmp = Frame::default();
            let cells: Vec<(usize, usize)> = (0..r.labels.len()).flat_map(|p| (0..METRICS.len()).map(move |k| (p, k))).collect();
            cmp.push("point", Col::I(cells.iter().map(|c| c.0 as i64).collect()));
            cmp.push("scenario", Col::S(cells.iter().map(|c| r.labels[c.0].clone()).collect()));
            cmp.push("seed", Col::I(vec![seed; cells.len()]));
            cmp.push("metric", Col::S(cells.iter().map(|c| METRICS[c.1].name.to_string()).collect()));
            cmp.summaries(cells.iter().map(|&(p, k)| &r.window[p][k]));
            cmp.push("diff", Col::F(cells.iter().map(|&(p, k)| r.diffs[p][k].mean).collect()));
            cmp.push("diff_ci_low", Col::F(cells.iter().map(|&(p, k)| r.diffs[p][k].low).collect()));
            cmp.push("diff_ci_high", Col::F(cells.iter().map(|&(p, k)| r.diffs[p][k].high).collect()));
            d.set_item("timeseries", ts.into_py(py)?)?;
            d.set_item("comparison", cmp.into_py(py)?)?;
            d.set_item("markdown", r.markdown())?;
        }
        ExperimentReport::Sweep(r) => {
            let mut f = Frame::default();
            let cells: Vec<(usize, usize)> = (0..r.means.len()).flat_map(|p| (0..METRICS.len()).map(move |k| (p, k))).collect();
            f.push("point", Col::I(cells.iter().map(|c| c.0 as i64).collect()));
            f.push("scenario", Col::S(vec![base.clone(); cells.len()]));
            f.push("seed", Col::I(vec![seed; cells.len()]));
            for (j, name) in r.factors.iter().enumerate() {
                f.push(name.clone(), factor_col(name, cells.iter().map(|&(p, _)| r.values[p][j])));
            }
            f.push("metric", Col::S(cells.iter().map(|c| METRICS[c.1].name.to_string()).collect()));
            f.summaries(cells.iter().map(|&(p, k)| &r.means[p][k]));
            d.set_item("summary", f.into_py(py)?)?;
        }
        ExperimentReport::Sensitivity(r) => {
            let mut design = Frame::default();
            design.push("point", Col::I((0..r.y.len() as i64).collect()));
            design.push("scenario", Col::S(vec![base.clone(); r.y.len()]));
            design.push("seed", Col::I(vec![seed; r.y.len()]));
            for (j, name) in r.factors.iter().enumerate() {
                design.push(name.clone(), Col::F(exp.points.iter().map(|p| p.values[j]).collect()));
            }
            design.push(r.metric.clone(), Col::F(r.y.clone()));
            let mut ix = Frame::default();
            let k = r.factors.len();
            ix.push("scenario", Col::S(vec![base.clone(); k]));
            ix.push("seed", Col::I(vec![seed; k]));
            ix.push("metric", Col::S(vec![r.metric.clone(); k]));
            ix.push("parameter", Col::S(r.factors.clone()));
            let mut s2 = None;
            match &r.indices {
                Indices::Sobol(x) => {
                    for (name, v) in [
                        ("S1", &x.s1),
                        ("S1_ci_low", &x.s1_low),
                        ("S1_ci_high", &x.s1_high),
                        ("ST", &x.st),
                        ("ST_ci_low", &x.st_low),
                        ("ST_ci_high", &x.st_high),
                    ] {
                        ix.push(name, Col::F(v.clone()));
                    }
                    if x.s2.is_some() {
                        // The rows of sensitivity_s2.csv.
                        let pairs = r.pairs();
                        let mut f = Frame::default();
                        f.push("scenario", Col::S(vec![base.clone(); pairs.len()]));
                        f.push("seed", Col::I(vec![seed; pairs.len()]));
                        f.push("metric", Col::S(vec![r.metric.clone(); pairs.len()]));
                        f.push("parameter_a", Col::S(pairs.iter().map(|p| r.factors[p.0].clone()).collect()));
                        f.push("parameter_b", Col::S(pairs.iter().map(|p| r.factors[p.1].clone()).collect()));
                        f.push("S2", Col::F(pairs.iter().map(|p| p.2).collect()));
                        f.push("S2_ci_low", Col::F(pairs.iter().map(|p| p.3).collect()));
                        f.push("S2_ci_high", Col::F(pairs.iter().map(|p| p.4).collect()));
                        s2 = Some(f);
                    }
                }
                Indices::Morris(x) => {
                    for (name, v) in [
                        ("mu", &x.mu),
                        ("mu_star", &x.mu_star),
                        ("mu_star_ci_low", &x.mu_star_low),
                        ("mu_star_ci_high", &x.mu_star_high),
                        ("sigma", &x.sigma),
                    ] {
                        ix.push(name, Col::F(v.clone()));
                    }
                }
            }
            d.set_item("design", design.into_py(py)?)?;
            d.set_item("indices", ix.into_py(py)?)?;
            d.set_item("s2", s2.map(|f| f.into_py(py)).transpose()?)?;
        }
        // The calibration's tables as the CSV text its files hold (the package reads them with
        // the DataFrame library's CSV reader), so that both are the same by construction.
        ExperimentReport::Calibrate(r) => {
            d.set_item("markdown", r.markdown())?;
            d.set_item("points", r.points_csv())?;
            d.set_item("patterns", r.patterns_csv())?;
            d.set_item("region", r.region_csv())?;
            d.set_item("binding", r.binding_csv())?;
            d.set_item("effects", r.effects_csv())?;
        }
    }
    Ok(d.into_any().unbind())
}

/// `compare`: scenarios side by side under common random numbers.
#[pyfunction]
#[pyo3(signature = (scenarios, reps, seed, threads=None))]
fn compare(py: Python<'_>, scenarios: Vec<PyRef<'_, LoadedScenario>>, reps: u64, seed: u64, threads: Option<usize>) -> PyResult<PyObject> {
    let spec = CompareSpec { scenarios: scenarios.iter().map(|s| s.spec()).collect(), runs: runs(reps, seed, threads) };
    let exp = spec.prepare().map_err(|e| to_py(py, e))?;
    experiment(py, exp)
}

/// `sweep`: a grid (`samples=None`) or Latin hypercube over `PATH=LO:HI:STEPS` factors.
#[pyfunction]
#[pyo3(signature = (scenario, vary, design, samples, reps, seed, threads=None))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    scenario: &LoadedScenario,
    vary: Vec<String>,
    design: &str,
    samples: Option<usize>,
    reps: u64,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<PyObject> {
    let vary = parse_factors("vary", &vary, true).map_err(|e| to_py(py, e.into()))?;
    let design = match (design, samples) {
        ("lhs", Some(samples)) => Design::Lhs { samples },
        ("lhs", None) => return Err(to_py(py, SpecError::reads_on("design", Some("lhs".into()), "needs {samples} N").into())),
        ("grid", None) => Design::Grid,
        ("grid", Some(_)) => {
            return Err(to_py(
                py,
                SpecError::reads_on("samples", None, "goes with {design} lhs; a grid's size is set by the steps of {vary}").into(),
            ))
        }
        (other, _) => return Err(to_py(py, SpecError::new("design", Some(other.to_string()), "expected grid or lhs").into())),
    };
    let spec = SweepSpec { scenario: scenario.spec(), vary, design, runs: runs(reps, seed, threads) };
    let exp = spec.prepare().map_err(|e| to_py(py, e))?;
    experiment(py, exp)
}

/// `sensitivity`: Morris screening or Sobol' indices of one metric over `PATH=LO:HI` factors.
#[pyfunction]
#[pyo3(signature = (scenario, method, params, metric, samples, levels, second_order, bootstrap, reps, seed, threads=None))]
#[allow(clippy::too_many_arguments)]
fn sensitivity(
    py: Python<'_>,
    scenario: &LoadedScenario,
    method: &str,
    params: Vec<String>,
    metric: String,
    samples: usize,
    levels: usize,
    second_order: bool,
    bootstrap: usize,
    reps: u64,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<PyObject> {
    let params = parse_factors("param", &params, false).map_err(|e| to_py(py, e.into()))?;
    let method = match method {
        "sobol" => Method::Sobol { second_order },
        "morris" => Method::Morris { levels },
        other => return Err(to_py(py, SpecError::new("method", Some(other.to_string()), "expected morris or sobol").into())),
    };
    let spec = SensitivitySpec { scenario: scenario.spec(), method, params, metric, samples, bootstrap, runs: runs(reps, seed, threads) };
    let exp = spec.prepare().map_err(|e| to_py(py, e))?;
    experiment(py, exp)
}

/// `calibrate`: the scenarios of a pattern file at every point of a Sobol' or Latin hypercube
/// design over `PATH=LO:HI` factors, each pattern judged at each point.
#[pyfunction]
#[pyo3(signature = (patterns, params, design, samples, effects, scenarios, overrides, reps, seed, threads=None))]
#[allow(clippy::too_many_arguments)]
fn calibrate(
    py: Python<'_>,
    patterns: std::path::PathBuf,
    params: Vec<String>,
    design: &str,
    samples: usize,
    effects: Vec<String>,
    scenarios: Vec<(String, std::path::PathBuf)>,
    overrides: Vec<(String, String)>,
    reps: u64,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<PyObject> {
    let params = parse_factors("param", &params, false).map_err(|e| to_py(py, e.into()))?;
    let design = match design {
        "sobol" => CalibrationDesign::Sobol,
        "lhs" => CalibrationDesign::Lhs,
        other => return Err(to_py(py, SpecError::new("design", Some(other.to_string()), "expected sobol or lhs").into())),
    };
    let spec = CalibrateSpec {
        patterns,
        extra_scenarios: scenarios,
        overrides,
        override_label: "overrides".into(),
        params,
        design,
        samples,
        effects,
        runs: runs(reps, seed, threads),
    };
    let exp = spec.prepare().map_err(|e| to_py(py, e))?;
    experiment(py, exp)
}

/// `evaluate`: an external design, one row of parameter values per point.
#[pyfunction]
#[pyo3(signature = (scenario, params, points, reps, seed, threads=None))]
fn evaluate(
    py: Python<'_>,
    scenario: &LoadedScenario,
    params: Vec<String>,
    points: Vec<Vec<f64>>,
    reps: u64,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<PyObject> {
    let spec = EvaluateSpec { scenario: scenario.spec(), params, points, runs: runs(reps, seed, threads) };
    let exp = spec.prepare().map_err(|e| to_py(py, e))?;
    experiment(py, exp)
}

/// A cadre with its county, township and index in the township (all from 0, as in `cadres.csv`).
type Placed<'a> = (usize, usize, usize, &'a cadresim::engine::Cadre);

/// One replication stepped period by period.
#[pyclass(module = "cadresim._cadresim", name = "Stepper")]
struct Stepper {
    rep: Replication<'static>,
}

#[pymethods]
impl Stepper {
    /// Draws the initial population of replication `rep` under `seed`.
    #[new]
    fn new(py: Python<'_>, scenario: &LoadedScenario, seed: u64, rep: u64) -> PyResult<Self> {
        let (_, model) = scenario.spec().model().map_err(|e| to_py(py, e))?;
        let rep = py.allow_threads(|| Replication::owned(model, seed, rep));
        Ok(Stepper { rep })
    }

    /// Periods run so far.
    #[getter]
    fn period(&self) -> usize {
        self.rep.period()
    }

    /// Periods the scenario runs for.
    #[getter]
    fn periods(&self) -> usize {
        self.rep.model().params.periods
    }

    /// Runs `n` periods (GIL released) and returns their metrics: `period, <metrics>`.
    fn step(&mut self, py: Python<'_>, n: usize) -> PyResult<PyObject> {
        let start = self.rep.period();
        let rep = &mut self.rep;
        let sums: Vec<PeriodSums> = py.allow_threads(|| (0..n).map(|_| rep.step()).collect());
        let values: Vec<Vec<f64>> = sums.iter().map(|s| metrics::evaluate(&s.total)).collect();
        let mut f = Frame::default();
        f.push("period", Col::I((0..n).map(|i| (start + i + 1) as i64).collect()));
        f.metrics(values.iter().map(Vec::as_slice));
        f.into_py(py)
    }

    /// Every cadre's state after the last period (the columns of `cadres.csv`).
    fn cadres(&self, py: Python<'_>) -> PyResult<PyObject> {
        let model = self.rep.model();
        let towns = self.rep.townships();
        let all: Vec<Placed<'_>> =
            towns.iter().flat_map(|t| t.cadres.iter().enumerate().map(move |(i, c)| (t.county, t.id, i, c))).collect();
        let action = |c: &cadresim::engine::Cadre| model.actions.actions[c.last_action as usize];
        let mut f = Frame::default();
        let int = |g: &dyn Fn(&Placed<'_>) -> i64| Col::I(all.iter().map(g).collect());
        let real = |g: &dyn Fn(&cadresim::engine::Cadre) -> f64| Col::F(all.iter().map(|x| g(x.3)).collect());
        f.push("county", int(&|x| x.0 as i64));
        f.push("township", int(&|x| x.1 as i64));
        f.push("cadre", int(&|x| x.2 as i64));
        f.push("s", real(&|c| action(c).s));
        f.push("m", real(&|c| action(c).m));
        f.push("innovate", int(&|x| i64::from(action(x.3).innovate)));
        f.push("ability", real(&|c| c.ability));
        f.push("psi", real(&|c| c.psi));
        f.push("corrupt", int(&|x| i64::from(x.3.corrupt)));
        f.push("sanctioned", int(&|x| i64::from(x.3.last_sanctioned)));
        f.push("promoted", int(&|x| i64::from(x.3.last_promoted)));
        f.push("rank", int(&|x| i64::from(x.3.rank)));
        f.push("block_left", int(&|x| i64::from(x.3.block_left)));
        f.push("fatigue", real(&|c| c.fatigue));
        f.push("payoff", real(&|c| c.payoff));
        f.push("tenure", int(&|x| i64::from(x.3.tenure)));
        f.into_py(py)
    }
}

/// Every parameter: path, kind, default, allowed values, meaning.
#[pyfunction]
fn params(py: Python<'_>) -> PyResult<PyObject> {
    use cadresim::params::{Kind, REGISTRY};
    let mut f = Frame::default();
    let kind = |k: &Kind| match k {
        Kind::Float { .. } => "float",
        Kind::Int { .. } => "int",
        Kind::Bool => "bool",
        Kind::Choice(_) => "choice",
        Kind::FloatList { .. } => "list",
    };
    let bound = |k: &Kind, lo: bool| match *k {
        Kind::Float { min, max } => {
            if lo {
                min
            } else {
                max
            }
        }
        Kind::Int { min, max } => (if lo { min } else { max }) as f64,
        _ => f64::NAN,
    };
    f.push("path", Col::S(REGISTRY.iter().map(|s| s.path.to_string()).collect()));
    f.push("kind", Col::S(REGISTRY.iter().map(|s| kind(&s.kind).to_string()).collect()));
    f.push("default", Col::S(REGISTRY.iter().map(|s| s.default.value().to_string()).collect()));
    f.push("min", Col::F(REGISTRY.iter().map(|s| bound(&s.kind, true)).collect()));
    f.push("max", Col::F(REGISTRY.iter().map(|s| bound(&s.kind, false)).collect()));
    f.push("allowed", Col::S(REGISTRY.iter().map(|s| s.kind.allowed()).collect()));
    f.push("meaning", Col::S(REGISTRY.iter().map(|s| s.doc.to_string()).collect()));
    f.into_py(py)
}

/// Every output metric: name, label, meaning, and when it is undefined (NaN).
#[pyfunction]
fn metric_list(py: Python<'_>) -> PyResult<PyObject> {
    let mut f = Frame::default();
    f.push("metric", Col::S(METRICS.iter().map(|m| m.name.to_string()).collect()));
    f.push("label", Col::S(METRICS.iter().map(|m| m.label.to_string()).collect()));
    f.push("meaning", Col::S(METRICS.iter().map(|m| m.doc.to_string()).collect()));
    // Empty for a metric that is always a finite number.
    f.push("undefined_when", Col::S(METRICS.iter().map(|m| m.undefined.map_or(String::new(), |u| u.when.to_string())).collect()));
    f.into_py(py)
}

/// The cadresim version and source revision.
#[pyfunction]
fn version() -> (String, String) {
    let (v, r) = cadresim::build_info::version();
    (v.to_string(), r.to_string())
}

/// The extension module.
#[pymodule]
fn _cadresim(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<LoadedScenario>()?;
    m.add_class::<Stepper>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(calibrate, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(params, m)?)?;
    m.add_function(wrap_pyfunction!(metric_list, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}
