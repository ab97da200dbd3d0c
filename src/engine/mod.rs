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
use crate::model::outcome::{EffortLevel, ShockTables};
use crate::model::{ActionSet, Params};
pub use township::{Cadre, Scratch, Township};

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
    /// The instruction set the period kernel runs on (results do not depend on it).
    isa: simd::Isa,
}

impl Model {
    /// Builds the model from validated parameters.
    pub fn new(params: Params) -> Self {
        let actions = ActionSet::new(params.grid, params.materials, params.innovate);
        let tables = ShockTables::new(&params);
        let levels = actions.levels.iter().map(|&(s, inn)| EffortLevel::new(&params, s, inn)).collect();
        Model { params, actions, tables, levels, isa: simd::Isa::detect() }
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
#[derive(Debug, Clone)]
pub struct Replication<'m> {
    model: &'m Model,
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
        let p = &model.params;
        let towns = (0..p.total_townships()).into_par_iter().map(|id| Township::new(model, seed, rep, id, id / p.townships)).collect();
        Replication {
            model,
            seed,
            rep,
            period: 0,
            towns,
            cum_output: vec![0.0; p.counties],
            cum_burnouts: vec![0.0; p.counties],
            cum_total: (0.0, 0.0),
        }
    }

    /// Periods run so far.
    pub fn period(&self) -> usize {
        self.period
    }

    /// The townships (and through them every cadre's state).
    pub fn townships(&self) -> &[Township] {
        &self.towns
    }

    /// Runs one period and returns its sums.
    pub fn step(&mut self) -> PeriodSums {
        let (model, seed, rep, period) = (self.model, self.seed, self.rep, self.period);
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
