//! The HTTP API: requests become validated library calls, results become JSON. Every parameter
//! goes through [`Scenario::apply_sets`], so the page gets the same messages as a scenario file;
//! those errors are answered 422 with the field and the message.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{json, Value as Json};

use cadresim::metrics::METRICS;
use cadresim::params::{self, Kind};
use cadresim::scenario::{Scenario, ScenarioError};

use super::limits;
use super::session::{PlayCmd, RunCmd, Sessions};

/// An error answered to the page: HTTP status, the field it concerns and a one-line message.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The field (a parameter path, or a request key such as `seed`).
    pub field: String,
    /// What was wrong and what is allowed.
    pub message: String,
}

impl ApiError {
    /// An error with a status, field and message.
    pub fn new(status: u16, field: &str, message: &str) -> Self {
        ApiError { status, field: field.to_string(), message: message.to_string() }
    }

    /// A scenario error (422), with its field where it has one.
    pub fn scenario(e: ScenarioError) -> Self {
        let field = match &e {
            ScenarioError::Param(p) => p.field.clone(),
            _ => "scenario".to_string(),
        };
        ApiError { status: 422, field, message: e.to_string() }
    }

    /// The JSON body `{field, message}`.
    pub fn body(&self) -> Json {
        json!({ "field": self.field, "message": self.message })
    }
}

/// What a handler answers.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
    /// Offered as a download with this file name.
    pub download: Option<String>,
}

impl Reply {
    fn json(v: &Json) -> Self {
        Reply { status: 200, content_type: "application/json", body: v.to_string().into_bytes(), download: None }
    }

    /// A static file.
    pub fn asset(content_type: &'static str, body: &[u8]) -> Self {
        Reply { status: 200, content_type, body: body.to_vec(), download: None }
    }

    /// An error as JSON.
    pub fn error(e: &ApiError) -> Self {
        Reply { status: e.status, content_type: "application/json", body: e.body().to_string().into_bytes(), download: None }
    }
}

/// The shipped scenarios offered as presets (the national one exceeds the explorer's limits).
pub const PRESETS: &[(&str, &str)] = &[
    ("status_quo_veto.toml", include_str!("../../../../scenarios/status_quo_veto.toml")),
    ("points_deduction.toml", include_str!("../../../../scenarios/points_deduction.toml")),
    ("due_diligence_exemption.toml", include_str!("../../../../scenarios/due_diligence_exemption.toml")),
    ("mass_satisfaction.toml", include_str!("../../../../scenarios/mass_satisfaction.toml")),
    ("promotion_incentives.toml", include_str!("../../../../scenarios/promotion_incentives.toml")),
    ("combined_reform.toml", include_str!("../../../../scenarios/combined_reform.toml")),
    ("multi_level_inspection.toml", include_str!("../../../../scenarios/multi_level_inspection.toml")),
    ("no_accountability.toml", include_str!("../../../../scenarios/no_accountability.toml")),
];

/// The status quo every run is compared with.
pub const STATUS_QUO: &str = "status_quo_veto";

/// The levers shown as sliders: path, label, slider low, high and step (the allowed range shown
/// beside each slider is the registry's, which may be wider).
pub const SLIDERS: &[(&str, &str, f64, f64, f64)] = &[
    ("regime.penalty", "veto penalty", 0.0, 8.0, 0.1),
    ("regime.exempt", "exemption strength", 0.0, 1.0, 0.05),
    ("regime.dd_threshold", "due-diligence threshold", 0.0, 1.0, 0.05),
    ("appraisal.w_materials", "weight on materials", 0.0, 1.0, 0.05),
    ("appraisal.w_output", "weight on output", 0.0, 1.0, 0.05),
    ("appraisal.w_satisfaction", "weight on satisfaction", 0.0, 1.0, 0.05),
    ("promotion.rate", "promotion rate", 0.0, 0.1, 0.005),
    ("promotion.prize", "promotion prize", 0.0, 20.0, 0.5),
    ("promotion.bonus", "performance bonus", 0.0, 2.0, 0.05),
    ("inspection.levels.merged.rate", "inspection visits a month", 0.0, 5.0, 0.05),
    ("population.townships", "townships", 1.0, 200.0, 1.0),
    ("population.cadres", "cadres per township", 2.0, 100.0, 1.0),
    ("population.periods", "months", 12.0, 240.0, 12.0),
];

/// Loads an embedded preset by its name (with or without `.toml`).
pub fn preset(name: &str) -> Result<Scenario, ApiError> {
    let file = if name.ends_with(".toml") { name.to_string() } else { format!("{name}.toml") };
    let text = PRESETS.iter().find(|(f, _)| *f == file).map(|(_, t)| *t).ok_or_else(|| {
        let names: Vec<&str> = PRESETS.iter().map(|(f, _)| f.trim_end_matches(".toml")).collect();
        ApiError::new(422, "preset", &format!("unknown preset {name:?}; allowed: {}", names.join(", ")))
    })?;
    let bases = |b: &str| PRESETS.iter().find(|(f, _)| *f == b).map(|(_, t)| t.to_string());
    Scenario::from_toml_str_with_bases(text, Path::new(&file), &bases).map_err(ApiError::scenario)
}

/// `GET /api/meta`: presets (with their slider values), sliders (with the registry's meaning,
/// default and allowed range), metric names and the limits.
pub fn meta() -> Result<Json, ApiError> {
    let mut presets = Vec::new();
    for (file, _) in PRESETS {
        let s = preset(file)?;
        let values: serde_json::Map<String, Json> =
            SLIDERS.iter().filter_map(|(p, ..)| s.resolved.get(p).map(|v| (p.to_string(), v.to_json()))).collect();
        let rule = s.resolved.get("regime.rule").map(|v| v.to_json()).unwrap_or(Json::Null);
        presets.push(json!({ "name": s.name, "description": s.description, "values": values, "rule": rule }));
    }
    let sliders: Vec<Json> = SLIDERS
        .iter()
        .map(|(path, label, lo, hi, step)| {
            let spec = params::spec_for(path);
            json!({
                "path": path, "label": label, "min": lo, "max": hi, "step": step,
                "doc": spec.map(|s| s.doc).unwrap_or(""),
                "allowed": spec.map(|s| s.kind.allowed()).unwrap_or_default(),
                "integer": matches!(spec.map(|s| s.kind), Some(Kind::Int { .. })),
            })
        })
        .collect();
    let rule = params::spec_for("regime.rule").map(|s| s.doc).unwrap_or("");
    Ok(json!({
        "presets": presets,
        "sliders": sliders,
        "rule": { "doc": rule, "allowed": params::RULES },
        "metrics": METRICS.iter().map(|m| json!({ "name": m.name, "label": m.label })).collect::<Vec<_>>(),
        "limits": { "cadres": limits::MAX_CADRES, "periods": limits::MAX_PERIODS, "grid": limits::MAX_GRID,
                    "sessions": limits::MAX_SESSIONS, "running": limits::MAX_RUNNING, "play_months": limits::PLAY_MONTHS },
    }))
}

/// The body of `POST /api/run` and `POST /api/play`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Setup {
    preset: String,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default)]
    set: BTreeMap<String, Json>,
    /// Play only: the reform the student's choices are replayed under.
    #[serde(default)]
    reform: Option<String>,
}

fn default_seed() -> u64 {
    1
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::new(422, "body", &format!("invalid request: {e}")))
}

/// A JSON value as the text `--set` would take.
fn as_text(path: &str, v: &Json) -> Result<String, ApiError> {
    match v {
        Json::Number(n) => Ok(n.to_string()),
        Json::String(s) => Ok(s.clone()),
        Json::Bool(b) => Ok(b.to_string()),
        _ => Err(ApiError::new(422, path, &format!("{path}: expected a number, word or flag"))),
    }
}

/// The preset with the request's overrides, checked like a scenario file and against the limits.
fn scenario(setup: &Setup) -> Result<Scenario, ApiError> {
    if setup.set.len() > limits::MAX_SETS {
        return Err(ApiError::new(422, "set", &format!("at most {} parameters may be set at once", limits::MAX_SETS)));
    }
    let mut s = preset(&setup.preset)?;
    let sets = setup.set.iter().map(|(p, v)| Ok((p.clone(), as_text(p, v)?))).collect::<Result<Vec<_>, ApiError>>()?;
    s.apply_sets_labelled(&sets, "setting").map_err(ApiError::scenario)?;
    check_limits(&s)?;
    Ok(s)
}

fn int(s: &Scenario, path: &str) -> usize {
    s.resolved.get(path).and_then(|v| v.as_f64()).map_or(0, |x| x.max(0.0) as usize)
}

fn check_limits(s: &Scenario) -> Result<(), ApiError> {
    let cadres = int(s, "population.counties").saturating_mul(int(s, "population.townships")).saturating_mul(int(s, "population.cadres"));
    if cadres > limits::MAX_CADRES {
        return Err(ApiError::new(
            422,
            "population.cadres",
            &format!(
                "counties x townships x cadres = {cadres} is more than the explorer's limit of {} cadres per session",
                limits::MAX_CADRES
            ),
        ));
    }
    let periods = int(s, "population.periods");
    if periods > limits::MAX_PERIODS {
        return Err(ApiError::new(
            422,
            "population.periods",
            &format!("population.periods = {periods} is more than the explorer's limit of {}", limits::MAX_PERIODS),
        ));
    }
    let grid = int(s, "actions.grid");
    if grid > limits::MAX_GRID {
        return Err(ApiError::new(
            422,
            "actions.grid",
            &format!("actions.grid = {grid} is more than the explorer's limit of {}", limits::MAX_GRID),
        ));
    }
    Ok(())
}

/// Sections that describe the population and the run rather than the regime; a comparison
/// regime keeps the page's values of these.
const CARRIED: &[&str] = &["population.", "output.", "actions.", "learning.", "fatigue."];

/// The same population and run settings under another preset.
fn alongside(setup: &Setup, preset_name: &str) -> Result<Scenario, ApiError> {
    let carried: BTreeMap<String, Json> =
        setup.set.iter().filter(|(p, _)| CARRIED.iter().any(|c| p.starts_with(c))).map(|(p, v)| (p.clone(), v.clone())).collect();
    scenario(&Setup { preset: preset_name.to_string(), seed: setup.seed, set: carried, reform: None })
}

fn id_of(text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| ApiError::new(404, "session", "no such session"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Control {
    cmd: String,
    #[serde(default)]
    speed: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Month {
    s: f64,
    m: f64,
}

/// The action index of `(s, m)`, or a message listing what the grid allows.
fn action_of(session_grid: usize, actions: &[(f64, f64)], mv: &Month) -> Result<usize, ApiError> {
    let ok = |x: f64| x.is_finite() && (0.0..=1.0).contains(&x);
    let steps: Vec<String> = (0..=session_grid).map(|k| format!("{}", k as f64 / session_grid as f64)).collect();
    let allowed = format!("allowed: {} with s + m <= 1", steps.join(", "));
    for (field, x) in [("s", mv.s), ("m", mv.m)] {
        if !ok(x) {
            return Err(ApiError::new(422, field, &format!("{field} = {x} is outside [0, 1]; {allowed}")));
        }
    }
    actions
        .iter()
        .position(|&(s, m)| (s - mv.s).abs() < 1e-9 && (m - mv.m).abs() < 1e-9)
        .ok_or_else(|| ApiError::new(422, "s", &format!("s = {}, m = {} is not on the action grid; {allowed}", mv.s, mv.m)))
}

/// Routes one request (all but the event stream, which needs the connection itself).
pub fn route(sessions: &Sessions, method: &str, path: &str, body: &[u8]) -> Result<Reply, ApiError> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("GET", ["api", "meta"]) => Ok(Reply::json(&meta()?)),
        ("POST", ["api", "run"]) => {
            let setup: Setup = parse(body)?;
            if setup.reform.is_some() {
                return Err(ApiError::new(422, "reform", "reform is a key of /api/play only"));
            }
            let s = scenario(&setup)?;
            let base = alongside(&setup, STATUS_QUO)?;
            let (id, info) = sessions.start_run(s, base, setup.seed)?;
            Ok(Reply::json(&json!({ "id": id.to_string(), "seed": setup.seed, "run": info })))
        }
        ("POST", ["api", "run", id, "control"]) => {
            let id = id_of(id)?;
            let c: Control = parse(body)?;
            let r = match c.cmd.as_str() {
                "go" => sessions.run_cmd(id, RunCmd::Go)?,
                "pause" => sessions.run_cmd(id, RunCmd::Pause)?,
                "step" => sessions.run_cmd(id, RunCmd::Step)?,
                "speed" => {
                    let x = c.speed.unwrap_or(f64::NAN);
                    if !(x.is_finite() && (0.5..=limits::MAX_SPEED).contains(&x)) {
                        return Err(ApiError::new(
                            422,
                            "speed",
                            &format!("speed must be a number of periods per second in [0.5, {}]", limits::MAX_SPEED),
                        ));
                    }
                    sessions.run_cmd(id, |tx| RunCmd::Speed(x, tx))?
                }
                other => return Err(ApiError::new(422, "cmd", &format!("unknown command {other:?}; allowed: go, pause, step, speed"))),
            };
            Ok(Reply::json(&r))
        }
        ("GET", ["api", "session", id, "scenario.toml"]) => {
            let text = sessions.toml(id_of(id)?)?;
            Ok(Reply { status: 200, content_type: "application/toml", body: text.into_bytes(), download: Some("scenario.toml".into()) })
        }
        ("GET", ["api", "run", id, "periods.csv"]) => {
            let text = sessions.csv(id_of(id)?)?;
            Ok(Reply { status: 200, content_type: "text/csv", body: text.into_bytes(), download: Some("periods.csv".into()) })
        }
        ("POST", ["api", "play"]) => {
            let setup: Setup = parse(body)?;
            let s = scenario(&setup)?;
            if int(&s, "population.cadres") < 2 {
                return Err(ApiError::new(422, "population.cadres", "playing needs at least 2 cadres per township (you and a peer)"));
            }
            let reform_name = setup.reform.clone().unwrap_or_else(|| "combined_reform".into());
            let reform = alongside(&setup, &reform_name).map_err(|mut e| {
                if e.field == "preset" {
                    e.field = "reform".into();
                }
                e
            })?;
            let (id, info) = sessions.start_play(s, reform, setup.seed)?;
            Ok(Reply::json(&json!({ "id": id.to_string(), "seed": setup.seed, "play": info })))
        }
        ("POST", ["api", "play", id, "month"]) => {
            let id = id_of(id)?;
            let mv: Month = parse(body)?;
            let info = sessions.play_grid(id)?;
            let action = action_of(info.0, &info.1, &mv)?;
            Ok(Reply::json(&sessions.play_cmd(id, |tx| PlayCmd::Month(action, tx))?))
        }
        ("GET", ["api", "play", id, "summary"]) => Ok(Reply::json(&sessions.play_cmd(id_of(id)?, PlayCmd::Summary)?)),
        (_, ["api", ..]) => Err(ApiError::new(404, "path", &format!("no such API call: {method} {path}"))),
        _ => Err(ApiError::new(404, "path", &format!("not found: {path}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_loads_and_every_slider_is_a_parameter() {
        for (file, _) in PRESETS {
            let s = preset(file).unwrap();
            check_limits(&s).unwrap();
        }
        assert_eq!(preset("combined_reform").unwrap().resolved.get("regime.exempt"), Some(&params::Value::Float(0.8)));
        for (path, ..) in SLIDERS {
            assert!(params::spec_for(path).is_some(), "{path}");
        }
        assert_eq!(preset("nope").unwrap_err().field, "preset");
    }

    #[test]
    fn every_preset_value_sits_on_its_slider() {
        // A browser range input snaps its value to min + k * step: a preset value between two
        // steps would be run as a different scenario from the file the preset names.
        for (file, _) in PRESETS {
            let s = preset(file).unwrap();
            for (path, _, lo, hi, step) in SLIDERS {
                let Some(x) = s.resolved.get(path).and_then(|v| v.to_json().as_f64()) else { continue };
                let k = (x - lo) / step;
                assert!(
                    (k - k.round()).abs() < 1e-9 && x >= *lo && x <= *hi,
                    "{file}: {path} = {x} is not on the slider {lo}:{hi} step {step}"
                );
            }
        }
    }

    #[test]
    fn settings_are_checked_like_scenario_files() {
        let setup =
            |set: Json| Setup { preset: "status_quo_veto".into(), seed: 1, set: serde_json::from_value(set).unwrap(), reform: None };
        let e = scenario(&setup(json!({ "regime.exempt": 1.5 }))).unwrap_err();
        assert_eq!((e.status, e.field.as_str()), (422, "regime.exempt"));
        assert_eq!(e.message, "setting regime.exempt=1.5: regime.exempt = 1.5 is outside [0, 1]");
        let e = scenario(&setup(json!({ "regime.exemt": 0.5 }))).unwrap_err();
        assert!(e.message.contains("did you mean `regime.exempt`"), "{}", e.message);
        let e = scenario(&setup(json!({ "population.cadres": 100, "population.townships": 1000 }))).unwrap_err();
        assert_eq!(e.field, "population.cadres");
        let e = scenario(&setup(json!({ "regime.penalty": [1] }))).unwrap_err();
        assert_eq!(e.field, "regime.penalty");
        let s = scenario(&setup(json!({ "regime.rule": "points", "population.periods": 24 }))).unwrap();
        assert_eq!(s.resolved.get("regime.rule"), Some(&params::Value::Str("points".into())));
    }

    #[test]
    fn play_moves_must_be_on_the_grid() {
        let actions: Vec<(f64, f64)> = vec![(0.0, 0.0), (0.0, 0.5), (0.5, 0.0), (0.5, 0.5), (1.0, 0.0), (0.0, 1.0)];
        assert_eq!(action_of(2, &actions, &Month { s: 0.5, m: 0.5 }).unwrap(), 3);
        let e = action_of(2, &actions, &Month { s: 0.3, m: 0.0 }).unwrap_err();
        assert_eq!(e.message, "s = 0.3, m = 0 is not on the action grid; allowed: 0, 0.5, 1 with s + m <= 1");
        assert_eq!(action_of(2, &actions, &Month { s: f64::NAN, m: 0.0 }).unwrap_err().field, "s");
        assert_eq!(action_of(2, &actions, &Month { s: 0.0, m: 2.0 }).unwrap_err().field, "m");
    }
}
