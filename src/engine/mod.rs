//! The engine: a validated [`Model`], populations of townships, the period loop, parallel
//! replications and their aggregation.
//!
//! Parallelism: replications run in parallel, and within a replication the townships of a
//! period run in parallel. Results never depend on the thread count: every township-period draws
//! from its own stream ([`rng::stream`]) and sums are combined in township order.

pub mod rng;
pub mod simd;
pub mod township;

use rayon::prelude::*;

use crate::metrics::Accum;
use crate::model::outcome::{ActionLanes, EffortLevel, ShockTables};
use crate::model::{ActionSet, Params};
pub use township::{Cadre, CadreMonth, Scratch, Township};

/// A validated model ready to run: parameters plus everything derived from them once.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The parameters.
    pub params: Params,
    /// The action grid.
    pub actions: ActionSet,
    /// Tables for drawing shocks.
    pub tables: ShockTables,
    /// The effort levels of [`ActionSet::levels`], with their cadre-independent factors.
    pub levels: Vec<EffortLevel>,
    /// The per-action constants of the foregone payoffs, in vector lanes.
    pub lanes: ActionLanes,
    /// The instruction set the period kernel runs on (results do not depend on it).
    isa: simd::Isa,
}

impl Model {
    /// Builds the model from validated parameters.
    pub fn new(params: Params) -> Self {
        let actions = ActionSet::new(params.grid, params.materials, params.innovate);
        let tables = ShockTables::new(&params);
        let levels: Vec<EffortLevel> = actions.levels.iter().map(|&(s, inn)| EffortLevel::new(&params, s, inn)).collect();
        let lanes = ActionLanes::new(&params, &actions, &levels);
        Model { params, actions, tables, levels, lanes, isa: simd::Isa::detect() }
    }

    /// The instruction set the period kernel runs on: the widest this CPU has, unless chosen
    /// with [`Model::with_isa`].
    pub fn isa(&self) -> simd::Isa {
        self.isa
    }

    /// The same model, running its period kernel on `isa` (results are bit-identical on every
    /// instruction set; this exists to check that, and to compare their speed).
    pub fn with_isa(mut self, isa: simd::Isa) -> Result<Self, simd::Unavailable> {
        if !isa.is_available() {
            return Err(simd::Unavailable(isa));
        }
        self.isa = isa;
        Ok(self)
    }
}

/// What one period produced: sums for the whole population and per county.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodSums {
    /// The whole population.
    pub total: Accum,
    /// One per county, in county order.
    pub counties: Vec<Accum>,
}

/// One replication in progress. Front ends can step it period by period and look at the cadres.
///
/// It borrows its model ([`Replication::new`]) or owns it ([`Replication::owned`], for front ends
/// that keep a replication across calls, e.g. a Python object or an explorer session).
#[derive(Debug, Clone)]
pub struct Replication<'m> {
    model: std::borrow::Cow<'m, Model>,
    seed: u64,
    rep: u64,
    period: usize,
    towns: Vec<Township>,
    cum_output: Vec<f64>,
    cum_burnouts: Vec<f64>,
    cum_total: (f64, f64),
}

impl<'m> Replication<'m> {
    /// Draws the initial population of replication `rep`.
    pub fn new(model: &'m Model, seed: u64, rep: u64) -> Self {
        Self::with_model(std::borrow::Cow::Borrowed(model), seed, rep)
    }

    fn with_model(model: std::borrow::Cow<'m, Model>, seed: u64, rep: u64) -> Self {
        let p = &model.params;
        let towns = (0..p.total_townships()).into_par_iter().map(|id| Township::new(&model, seed, rep, id, id / p.townships)).collect();
        let counties = p.counties;
        Replication {
            model,
            seed,
            rep,
            period: 0,
            towns,
            cum_output: vec![0.0; counties],
            cum_burnouts: vec![0.0; counties],
            cum_total: (0.0, 0.0),
        }
    }

    /// The model it runs.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Periods run so far.
    pub fn period(&self) -> usize {
        self.period
    }

    /// The townships (and through them every cadre's state).
    pub fn townships(&self) -> &[Township] {
        &self.towns
    }

    /// Front-end hook ("play a cadre"): makes cadre `cadre` of township `township` take action
    /// `action` (an index into [`Model::actions`]) in the coming period instead of the one it drew.
    /// Nothing else changes; the cadre learns from the forced action as from its own.
    pub fn force_action(&mut self, township: usize, cadre: usize, action: usize) -> Result<(), OutOfRange> {
        let check = |what: &'static str, value: usize, len: usize| if value < len { Ok(()) } else { Err(OutOfRange { what, value, len }) };
        check("township", township, self.towns.len())?;
        check("cadre", cadre, self.towns[township].cadres.len())?;
        check("action", action, self.model.actions.len())?;
        self.towns[township].force_action(cadre, action as u32);
        Ok(())
    }

    /// Front-end hook: records each period what happens to every cadre of township `township`
    /// (see [`Township::watched`]); watching never changes results.
    pub fn watch(&mut self, township: usize, on: bool) -> Result<(), OutOfRange> {
        let len = self.towns.len();
        let t = self.towns.get_mut(township).ok_or(OutOfRange { what: "township", value: township, len })?;
        t.set_watch(on);
        Ok(())
    }

    /// Runs one period and returns its sums.
    pub fn step(&mut self) -> PeriodSums {
        let (model, seed, rep, period) = (&*self.model, self.seed, self.rep, self.period);
        let per_town: Vec<Accum> =
            self.towns.par_iter_mut().map_init(Scratch::default, |scratch, t| t.step(model, seed, rep, period, scratch)).collect();
        self.period += 1;
        let p = &model.params;
        let mut counties = vec![Accum::default(); p.counties];
        let mut total = Accum::default();
        for (t, a) in self.towns.iter().zip(&per_town) {
            counties[t.county] += a;
            total += a;
        }
        for (k, c) in counties.iter_mut().enumerate() {
            c.periods = 1.0;
            self.cum_output[k] += c.y / c.n;
            self.cum_burnouts[k] += c.burnouts / c.n;
            c.cum_output = self.cum_output[k];
            c.cum_turnover = self.cum_burnouts[k];
        }
        total.periods = 1.0;
        self.cum_total.0 += total.y / total.n;
        self.cum_total.1 += total.burnouts / total.n;
        total.cum_output = self.cum_total.0;
        total.cum_turnover = self.cum_total.1;
        PeriodSums { total, counties }
    }
}

impl Replication<'static> {
    /// Draws the initial population of replication `rep` of a model it owns.
    pub fn owned(model: Model, seed: u64, rep: u64) -> Self {
        Self::with_model(std::borrow::Cow::Owned(model), seed, rep)
    }
}

/// An index given to [`Replication::force_action`] or [`Replication::watch`] is out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange {
    /// What the index was for (`township`, `cadre`, `action`).
    pub what: &'static str,
    /// The index given.
    pub value: usize,
    /// How many there are (allowed: `0..len`).
    pub len: usize,
}

impl std::fmt::Display for OutOfRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} does not exist: allowed 0 to {}", self.what, self.value, self.len.saturating_sub(1))
    }
}

impl std::error::Error for OutOfRange {}

/// Everything one replication produced, period by period.
#[derive(Debug, Clone, PartialEq)]
pub struct RepResult {
    /// Replication index.
    pub rep: u64,
    /// One entry per period.
    pub periods: Vec<PeriodSums>,
}

/// Something that wants to hear about progress (in cadre-periods) and may ask to stop.
pub trait Progress: Sync {
    /// `cadre_periods` more cadre-periods are done.
    fn advance(&self, cadre_periods: u64);
    /// Whether the run should stop early (e.g. after Ctrl-C). Checked between periods.
    fn cancelled(&self) -> bool {
        false
    }
}

/// A [`Progress`] that ignores everything.
pub struct Silent;

impl Progress for Silent {
    fn advance(&self, _: u64) {}
}

/// The run was cancelled before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the run was interrupted")
    }
}

impl std::error::Error for Cancelled {}

/// Runs one replication to the end.
pub fn run_replication(model: &Model, seed: u64, rep: u64, progress: &dyn Progress) -> Result<RepResult, Cancelled> {
    let mut r = Replication::new(model, seed, rep);
    let per_period = model.params.total_cadres() as u64;
    let mut periods = Vec::with_capacity(model.params.periods);
    for _ in 0..model.params.periods {
        if progress.cancelled() {
            return Err(Cancelled);
        }
        periods.push(r.step());
        progress.advance(per_period);
    }
    Ok(RepResult { rep, periods })
}

/// Runs replications `reps` (in parallel) and returns them in index order.
pub fn run_replications(
    model: &Model,
    seed: u64,
    reps: std::ops::Range<u64>,
    progress: &dyn Progress,
) -> Result<Vec<RepResult>, Cancelled> {
    reps.into_par_iter().map(|r| run_replication(model, seed, r, progress)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn small_model() -> Model {
        let mut s = Scenario::defaults();
        s.apply_sets(&[("population.townships".into(), "3".into()), ("population.cadres".into(), "8".into())]).unwrap();
        Model::new(s.params().unwrap())
    }

    #[test]
    fn watching_without_forcing_is_bit_identical() {
        let model = small_model();
        let mut plain = Replication::new(&model, 7, 0);
        let mut watched = Replication::new(&model, 7, 0);
        for t in 0..3 {
            watched.watch(t, true).unwrap();
        }
        for _ in 0..12 {
            assert_eq!(plain.step(), watched.step());
            for (a, b) in plain.townships().iter().zip(watched.townships()) {
                assert_eq!(a.cadres, b.cadres);
                assert_eq!(a.attractions(0, model.actions.len()), b.attractions(0, model.actions.len()));
            }
        }
        let rec = watched.townships()[1].watched().unwrap();
        for (c, r) in watched.townships()[1].cadres.iter().zip(rec) {
            assert_eq!(c.last_action, r.action);
            assert_eq!(c.last_promoted, r.promoted);
            assert_eq!(c.last_sanctioned, r.judgement.sanctioned());
        }
    }

    #[test]
    fn forcing_changes_only_that_cadres_action() {
        let model = small_model();
        let mut plain = Replication::new(&model, 11, 0);
        let mut forced = Replication::new(&model, 11, 0);
        for _ in 0..5 {
            plain.step();
            forced.step();
        }
        let drawn = plain.townships()[1].cadres[3].action as usize;
        let other = (drawn + 1) % model.actions.len();
        forced.force_action(1, 3, other).unwrap();
        plain.step();
        forced.step();
        for (t, (a, b)) in plain.townships().iter().zip(forced.townships()).enumerate() {
            if t != 1 {
                assert_eq!(a, b, "township {t} must be untouched");
                continue;
            }
            for (i, (ca, cb)) in a.cadres.iter().zip(&b.cadres).enumerate() {
                if i == 3 {
                    assert_eq!(ca.last_action as usize, drawn);
                    assert_eq!(cb.last_action as usize, other);
                } else {
                    assert_eq!(ca.last_action, cb.last_action, "cadre {i} took another action");
                }
            }
        }
        let e = forced.force_action(1, 8, 0).unwrap_err();
        assert_eq!(e.to_string(), "cadre 8 does not exist: allowed 0 to 7");
        assert!(forced.force_action(0, 0, model.actions.len()).is_err());
        assert!(forced.force_action(3, 0, 0).is_err());
    }
}
