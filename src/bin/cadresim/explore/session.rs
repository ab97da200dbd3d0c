//! Sessions: each run or play lives on its own thread, which owns its models and replications
//! and takes commands over a channel. A session that panics ends alone (its channel closes and
//! its requests get an error); the server and the other sessions go on.
//!
//! A *run* steps replication 0 of the page's scenario and seed (the numbers `cadresim run
//! --reps 1` writes) in lock step with the status quo for comparison, and streams each period
//! to the page as a server-sent event. A *play* puts a student in the place of cadre 0 of
//! township 0 and steps the same months, with the same choices, under a reform regime.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use cadresim::engine::{CadreMonth, Model, PeriodSums, RepResult, Replication};
use cadresim::metrics::evaluate;
use cadresim::output::{num, tables};
use cadresim::scenario::Scenario;

use super::api::ApiError;
use super::limits;

/// The answer a session thread sends back for one command.
pub type Reply = Result<Json, ApiError>;

/// Commands to a run session.
pub enum RunCmd {
    /// Start stepping on its own.
    Go(Sender<Reply>),
    /// Stop stepping on its own.
    Pause(Sender<Reply>),
    /// Run one period.
    Step(Sender<Reply>),
    /// Periods per second while running.
    Speed(f64, Sender<Reply>),
    /// Stream events to this (already answered) connection.
    Attach(Box<dyn Write + Send>),
    /// The per-period CSV so far.
    Csv(Sender<Result<String, ApiError>>),
}

/// Commands to a play session.
pub enum PlayCmd {
    /// Play one month with this action.
    Month(usize, Sender<Reply>),
    /// The summary so far.
    Summary(Sender<Reply>),
}

enum Tx {
    Run(Sender<RunCmd>),
    Play(Sender<PlayCmd>),
}

struct Handle {
    tx: Tx,
    last_used: Instant,
    /// The resolved scenario, for export.
    toml: String,
    /// The action grid `G` and the actions `(s, m)`, to check a student's move.
    grid: usize,
    actions: Vec<(f64, f64)>,
}

/// Every live session, and the counters the limits are checked against.
pub struct Sessions {
    map: Mutex<HashMap<u64, Handle>>,
    next: AtomicU64,
    running: Arc<AtomicUsize>,
}

fn gone() -> ApiError {
    ApiError::new(404, "session", "no such session: it ended or expired; press Setup to start a new one")
}

fn crashed() -> ApiError {
    ApiError::new(500, "session", "this session stopped unexpectedly; press Setup to start a new one")
}

impl Sessions {
    /// No sessions yet.
    pub fn new() -> Self {
        // Ids are not guessable from one another, so one tab cannot easily drive another's session.
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
        Sessions { map: Mutex::new(HashMap::new()), next: AtomicU64::new(t), running: Arc::new(AtomicUsize::new(0)) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Handle>> {
        self.map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn insert(&self, tx: Tx, toml: String, model: &Model) -> Result<u64, ApiError> {
        let mut map = self.lock();
        if map.len() >= limits::MAX_SESSIONS {
            return Err(ApiError::new(
                503,
                "session",
                &format!(
                    "the explorer already holds {} sessions (its limit); close a tab or wait for idle ones to expire",
                    limits::MAX_SESSIONS
                ),
            ));
        }
        let id = self.next.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) & 0x001F_FFFF_FFFF_FFFF;
        let actions = model.actions.actions.iter().map(|a| (a.s, a.m)).collect();
        map.insert(id, Handle { tx, last_used: Instant::now(), toml, grid: model.params.grid, actions });
        Ok(id)
    }

    /// Ends sessions idle for longer than [`limits::session_idle`] (their threads stop when their
    /// channel closes).
    pub fn expire(&self) {
        self.lock().retain(|_, h| h.last_used.elapsed() < limits::session_idle());
    }

    /// Starts a run session.
    pub fn start_run(&self, scenario: Scenario, base: Scenario, seed: u64) -> Result<(u64, Json), ApiError> {
        let (model, base_model) = models(&scenario, &base)?;
        let info = json!({
            "name": scenario.name,
            "periods": model.params.periods,
            "townships": model.params.total_townships(),
            "cadres": model.params.cadres,
            "actions": actions_json(&model),
            "view": { "townships": model.params.total_townships().min(limits::VIEW_TOWNSHIPS),
                      "cadres": model.params.cadres.min(limits::VIEW_CADRES) },
        });
        let (tx, rx) = mpsc::channel();
        let id = self.insert(Tx::Run(tx), scenario.resolved.to_toml(), &model)?;
        let running = self.running.clone();
        let name = scenario.name.clone();
        let spawned =
            std::thread::Builder::new().name(format!("run-{id}")).spawn(move || run_thread(model, base_model, &name, seed, rx, running));
        if spawned.is_err() {
            self.lock().remove(&id);
            return Err(ApiError::new(503, "session", "cannot start a thread for the session"));
        }
        Ok((id, info))
    }

    /// Starts a play session.
    pub fn start_play(&self, scenario: Scenario, reform: Scenario, seed: u64) -> Result<(u64, Json), ApiError> {
        let (model, reform_model) = models(&scenario, &reform)?;
        let info = json!({
            "name": scenario.name,
            "reform": reform.name,
            "months": limits::PLAY_MONTHS,
            "warmup": limits::PLAY_WARMUP,
            "peers": model.params.cadres - 1,
            "grid": model.params.grid,
            "actions": actions_json(&model),
        });
        let (tx, rx) = mpsc::channel();
        let id = self.insert(Tx::Play(tx), scenario.resolved.to_toml(), &model)?;
        let spawned = std::thread::Builder::new().name(format!("play-{id}")).spawn(move || play_thread(model, reform_model, seed, rx));
        if spawned.is_err() {
            self.lock().remove(&id);
            return Err(ApiError::new(503, "session", "cannot start a thread for the session"));
        }
        Ok((id, info))
    }

    /// The resolved scenario of a session as TOML.
    pub fn toml(&self, id: u64) -> Result<String, ApiError> {
        let mut map = self.lock();
        let h = map.get_mut(&id).ok_or_else(gone)?;
        h.last_used = Instant::now();
        Ok(h.toml.clone())
    }

    /// The action grid of a play session: `G` and every action's `(s, m)`.
    pub fn play_grid(&self, id: u64) -> Result<(usize, Vec<(f64, f64)>), ApiError> {
        let map = self.lock();
        let h = map.get(&id).ok_or_else(gone)?;
        Ok((h.grid, h.actions.clone()))
    }

    /// The command channel of a run session.
    pub fn run_tx(&self, id: u64) -> Result<Sender<RunCmd>, ApiError> {
        let mut map = self.lock();
        let h = map.get_mut(&id).ok_or_else(gone)?;
        h.last_used = Instant::now();
        match &h.tx {
            Tx::Run(tx) => Ok(tx.clone()),
            Tx::Play(_) => Err(ApiError::new(404, "session", "this session is a play, not a run")),
        }
    }

    fn play_tx(&self, id: u64) -> Result<Sender<PlayCmd>, ApiError> {
        let mut map = self.lock();
        let h = map.get_mut(&id).ok_or_else(gone)?;
        h.last_used = Instant::now();
        match &h.tx {
            Tx::Play(tx) => Ok(tx.clone()),
            Tx::Run(_) => Err(ApiError::new(404, "session", "this session is a run, not a play")),
        }
    }

    /// Sends a command to a run session and waits for its answer.
    pub fn run_cmd(&self, id: u64, make: impl FnOnce(Sender<Reply>) -> RunCmd) -> Reply {
        let tx = self.run_tx(id)?;
        let (rtx, rrx) = mpsc::channel();
        tx.send(make(rtx)).map_err(|_| crashed())?;
        rrx.recv().map_err(|_| crashed())?
    }

    /// The per-period CSV of a run so far.
    pub fn csv(&self, id: u64) -> Result<String, ApiError> {
        let tx = self.run_tx(id)?;
        let (rtx, rrx) = mpsc::channel();
        tx.send(RunCmd::Csv(rtx)).map_err(|_| crashed())?;
        rrx.recv().map_err(|_| crashed())?
    }

    /// Sends a command to a play session and waits for its answer.
    pub fn play_cmd(&self, id: u64, make: impl FnOnce(Sender<Reply>) -> PlayCmd) -> Reply {
        let tx = self.play_tx(id)?;
        let (rtx, rrx) = mpsc::channel();
        tx.send(make(rtx)).map_err(|_| crashed())?;
        rrx.recv().map_err(|_| crashed())?
    }
}

fn models(a: &Scenario, b: &Scenario) -> Result<(Model, Model), ApiError> {
    let pa = a.params().map_err(ApiError::scenario)?;
    let pb = b.params().map_err(ApiError::scenario)?;
    Ok((Model::new(pa), Model::new(pb)))
}

fn actions_json(model: &Model) -> Json {
    Json::Array(model.actions.actions.iter().map(|a| json!({ "s": a.s, "m": a.m, "innovate": a.innovate })).collect())
}

/// Writes one chunk of a chunked HTTP body and flushes it.
fn chunk(w: &mut dyn Write, data: &[u8]) -> std::io::Result<()> {
    write!(w, "{:x}\r\n", data.len())?;
    w.write_all(data)?;
    w.write_all(b"\r\n")?;
    w.flush()
}

fn sse(event: &Json) -> Vec<u8> {
    format!("data: {event}\n\n").into_bytes()
}

/// Metric values as text, formatted as in `periods.csv`.
fn values(sums: &PeriodSums) -> Json {
    Json::Array(evaluate(&sums.total).into_iter().map(|x| Json::String(num(x))).collect())
}

fn r3(x: f64) -> Json {
    json!((x * 1000.0).round() / 1000.0)
}

/// The township view: per watched township, one cell per shown cadre.
fn grid(rep: &Replication) -> Json {
    let towns = rep.townships().iter().take(limits::VIEW_TOWNSHIPS);
    Json::Array(
        towns
            .map(|t| {
                let months = t.watched();
                let cells = t.cadres.iter().take(limits::VIEW_CADRES).enumerate().map(|(i, c)| {
                    let m = months.and_then(|w| w.get(i)).copied().unwrap_or_default();
                    let flags = u8::from(c.last_sanctioned)
                        | u8::from(m.judgement.exempted > 0) << 1
                        | u8::from(c.last_promoted) << 2
                        | u8::from(m.judgement.disqualified) << 3;
                    json!([
                        c.last_action,
                        flags,
                        c.rank,
                        r3(c.payoff),
                        r3(m.judgement.score),
                        r3(c.ability),
                        r3(c.psi),
                        m.judgement.findings,
                        m.judgement.exempted,
                        c.block_left
                    ])
                });
                Json::Array(cells.collect())
            })
            .collect(),
    )
}

/// Holds one of the [`limits::MAX_RUNNING`] running slots; gives it back when dropped.
struct RunningSlot(Arc<AtomicUsize>);

impl RunningSlot {
    fn take(counter: &Arc<AtomicUsize>) -> Option<RunningSlot> {
        counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < limits::MAX_RUNNING).then_some(n + 1)).ok()?;
        Some(RunningSlot(counter.clone()))
    }
}

impl Drop for RunningSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One period of both replications, streamed; the event (without the grid) is kept so a
/// reconnecting page can catch up.
fn step(
    rep: &mut Replication,
    base: &mut Replication,
    periods: &mut Vec<PeriodSums>,
    events: &mut Vec<Vec<u8>>,
    sink: &mut Option<Box<dyn Write + Send>>,
) {
    let sums = rep.step();
    let b = base.step();
    let mut event = json!({ "period": rep.period(), "values": values(&sums), "base": values(&b), "grid": grid(rep) });
    periods.push(sums);
    if let Some(w) = sink.as_mut() {
        if chunk(w.as_mut(), &sse(&event)).is_err() {
            *sink = None;
        }
    }
    event["grid"] = Json::Null;
    events.push(sse(&event));
}

fn run_thread(model: Model, base_model: Model, name: &str, seed: u64, rx: Receiver<RunCmd>, running: Arc<AtomicUsize>) {
    let total = model.params.periods;
    let mut rep = Replication::new(&model, seed, 0);
    for t in 0..model.params.total_townships().min(limits::VIEW_TOWNSHIPS) {
        let _ = rep.watch(t, true);
    }
    let mut base = Replication::new(&base_model, seed, 0);
    let mut periods: Vec<PeriodSums> = Vec::new();
    let mut events: Vec<Vec<u8>> = Vec::new();
    let mut sink: Option<Box<dyn Write + Send>> = None;
    let mut slot: Option<RunningSlot> = None;
    let mut interval = Duration::from_millis(100);
    let mut next = Instant::now();

    loop {
        let wait = if slot.is_some() { next.saturating_duration_since(Instant::now()) } else { limits::session_idle() };
        match rx.recv_timeout(wait) {
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                if slot.is_none() {
                    continue;
                }
                step(&mut rep, &mut base, &mut periods, &mut events, &mut sink);
                next += interval;
                if next + Duration::from_secs(1) < Instant::now() {
                    next = Instant::now();
                }
                if periods.len() >= total {
                    slot = None;
                    if let Some(w) = sink.as_mut() {
                        let _ = chunk(w.as_mut(), &sse(&json!({ "done": true, "period": periods.len() })));
                    }
                }
            }
            Ok(RunCmd::Go(reply)) => {
                let r = if periods.len() >= total {
                    Err(ApiError::new(409, "run", &format!("the run is over ({total} periods); press Setup for a new run")))
                } else if slot.is_some() {
                    Ok(json!({ "running": true }))
                } else if let Some(s) = RunningSlot::take(&running) {
                    slot = Some(s);
                    next = Instant::now();
                    Ok(json!({ "running": true }))
                } else {
                    Err(ApiError::new(
                        429,
                        "run",
                        &format!("{} runs are already going on this server (its limit); pause one or press Step", limits::MAX_RUNNING),
                    ))
                };
                let _ = reply.send(r);
            }
            Ok(RunCmd::Pause(reply)) => {
                slot = None;
                let _ = reply.send(Ok(json!({ "running": false, "period": periods.len() })));
            }
            Ok(RunCmd::Step(reply)) => {
                let r = if periods.len() >= total {
                    Err(ApiError::new(409, "run", &format!("the run is over ({total} periods); press Setup for a new run")))
                } else {
                    step(&mut rep, &mut base, &mut periods, &mut events, &mut sink);
                    Ok(json!({ "period": periods.len(), "values": periods.last().map(values) }))
                };
                let _ = reply.send(r);
            }
            Ok(RunCmd::Speed(x, reply)) => {
                interval = Duration::from_secs_f64(1.0 / x);
                let _ = reply.send(Ok(json!({ "speed": x })));
            }
            Ok(RunCmd::Csv(reply)) => {
                let csv = tables::periods_csv(name, seed, &[RepResult { rep: 0, periods: periods.clone() }]);
                let _ = reply.send(Ok(csv));
            }
            Ok(RunCmd::Attach(mut w)) => {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
                let hello = json!({ "period": periods.len(), "grid": grid(&rep), "hello": true });
                let mut ok = w.write_all(head.as_bytes()).is_ok();
                for e in &events {
                    ok = ok && chunk(w.as_mut(), e).is_ok();
                }
                ok = ok && chunk(w.as_mut(), &sse(&hello)).is_ok();
                sink = ok.then_some(w);
            }
        }
    }
}

/// What the student's township did in one month (the student excluded).
fn peers(t: &cadresim::engine::Township, model: &Model) -> Json {
    let (mut s, mut m, mut sanctioned, mut payoff, mut promoted, mut n) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for c in t.cadres.iter().skip(1) {
        let a = model.actions.actions[c.last_action as usize];
        s += a.s;
        m += a.m;
        sanctioned += f64::from(u8::from(c.last_sanctioned));
        promoted += f64::from(u8::from(c.last_promoted));
        payoff += c.payoff;
        n += 1.0;
    }
    let d = if n > 0.0 { n } else { 1.0 };
    json!({ "n": n, "s": r3(s / d), "m": r3(m / d), "sanctioned": r3(sanctioned / d), "promoted": r3(promoted / d), "payoff": r3(payoff / d) })
}

fn month_json(m: &CadreMonth, model: &Model, c: &cadresim::engine::Cadre) -> Json {
    let a = model.actions.actions[m.action as usize];
    let j = &m.judgement;
    json!({
        "s": a.s, "m": a.m, "visits": m.visits, "errors": m.errors, "complaints": m.complaints,
        "findings": j.findings, "exempted": j.exempted, "shortfall": j.shortfall,
        "sanctioned": j.sanctioned(), "vetoed": j.disqualified, "sanction": r3(j.sanction),
        "score": r3(j.score), "position": m.position.map(|p| p + 1), "eligible": m.position.is_some(),
        "promoted": m.promoted, "output": r3(m.output), "satisfaction": r3(m.satisfaction),
        "payoff": r3(m.payoff), "rank": c.rank, "blocked": c.block_left,
    })
}

#[derive(Default, Clone, Copy)]
struct Tally {
    months: f64,
    s: f64,
    m: f64,
    payoff: f64,
    sanctions: f64,
    promotions: f64,
    output: f64,
}

impl Tally {
    /// One cadre-month: the action taken, the cadre after it, and its output.
    fn add(&mut self, a: &cadresim::model::Action, c: &cadresim::engine::Cadre, output: f64) {
        self.months += 1.0;
        self.s += a.s;
        self.m += a.m;
        self.payoff += c.payoff;
        self.sanctions += f64::from(u8::from(c.last_sanctioned));
        self.promotions += f64::from(u8::from(c.last_promoted));
        self.output += output;
    }

    fn json(&self, per: f64) -> Json {
        let d = if self.months > 0.0 { self.months } else { 1.0 };
        json!({
            "s": r3(self.s / d), "m": r3(self.m / d), "payoff": r3(self.payoff / per),
            "sanctions": r3(self.sanctions / per), "promotions": r3(self.promotions / per), "output": r3(self.output / per),
        })
    }
}

/// The student's month and their peers' (the peers' tally counts each peer-month with weight 1).
fn tally_month(t: &cadresim::engine::Township, model: &Model, me: &mut Tally, others: &mut Tally) {
    for (i, c) in t.cadres.iter().enumerate() {
        let a = model.actions.actions[c.last_action as usize];
        let y = t.watched().and_then(|w| w.get(i)).map_or(0.0, |m| m.output);
        let target = if i == 0 { &mut *me } else { &mut *others };
        target.add(&a, c, y);
    }
}

fn play_thread(model: Model, reform_model: Model, seed: u64, rx: Receiver<PlayCmd>) {
    let mut sq = Replication::new(&model, seed, 0);
    let mut rf = Replication::new(&reform_model, seed, 0);
    for _ in 0..limits::PLAY_WARMUP {
        sq.step();
        rf.step();
    }
    let _ = sq.watch(0, true);
    let _ = rf.watch(0, true);
    let (mut me, mut others, mut me_rf, mut others_rf) = (Tally::default(), Tally::default(), Tally::default(), Tally::default());
    let mut played = 0usize;
    let peers_n = (model.params.cadres - 1) as f64;
    loop {
        match rx.recv() {
            Err(_) => break,
            Ok(PlayCmd::Month(action, reply)) => {
                if played >= limits::PLAY_MONTHS {
                    let _ = reply.send(Err(ApiError::new(
                        409,
                        "month",
                        &format!("the play is over after {} months; see the summary", limits::PLAY_MONTHS),
                    )));
                    continue;
                }
                let forced = sq.force_action(0, 0, action).and_then(|()| rf.force_action(0, 0, action));
                if let Err(e) = forced {
                    let _ = reply.send(Err(ApiError::new(422, "action", &e.to_string())));
                    continue;
                }
                sq.step();
                rf.step();
                played += 1;
                let (t, tr) = (&sq.townships()[0], &rf.townships()[0]);
                tally_month(t, &model, &mut me, &mut others);
                tally_month(tr, &reform_model, &mut me_rf, &mut others_rf);
                let mine = t.watched().and_then(|w| w.first()).copied().unwrap_or_default();
                let mine_rf = tr.watched().and_then(|w| w.first()).copied().unwrap_or_default();
                let _ = reply.send(Ok(json!({
                    "month": played,
                    "you": month_json(&mine, &model, &t.cadres[0]),
                    "peers": peers(t, &model),
                    "reform": month_json(&mine_rf, &reform_model, &tr.cadres[0]),
                    "so_far": { "you": me.json(1.0), "peers": others.json(peers_n) },
                })));
            }
            Ok(PlayCmd::Summary(reply)) => {
                let _ = reply.send(Ok(json!({
                    "months": played,
                    "you": me.json(1.0),
                    "peers": others.json(peers_n),
                    "you_under_reform": me_rf.json(1.0),
                    "peers_under_reform": others_rf.json(peers_n),
                })));
            }
        }
    }
}
