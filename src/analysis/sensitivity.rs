//! Global sensitivity analysis of simulation outputs: Sobol' variance-based
//! indices from a Saltelli design, and Morris elementary-effects screening.
//!
//! Responsibility: build sampling designs in the unit hypercube and turn the
//! model outputs evaluated on them into sensitivity indices with bootstrap
//! confidence intervals. Everything here is a pure, deterministic function of
//! its arguments and seed: no I/O, no threads, no global state, and bad input
//! gives a [`SensitivityError`] rather than a panic. Running the model is the
//! caller's job.
//!
//! # Workflow
//! 1. [`saltelli_design`] (or [`morris_design`]) gives rows in `[0, 1)^k`;
//!    map each to parameter space with [`scale`] or [`scale_design`].
//! 2. Evaluate the model once per row, keeping the row order, giving `y`.
//! 3. [`sobol_indices`] (or [`morris_indices`]) turns `y` into indices.
//!
//! # Sobol' indices
//! From a scrambled Sobol' sample ([`sobol_points`], Joe & Kuo 2008 direction
//! numbers) of `2k` dimensions, `A` takes the first `k` columns and `B` the
//! last `k`; `AB_i` is `A` with column `i` taken from `B`, and `BA_i` is `B`
//! with column `i` taken from `A`. With `f_A = f(A_j)` etc. averaged over the
//! `N` base rows `j`, and `V` the (population) variance of the `2N` pooled
//! values of `f_A` and `f_B`:
//! * first order, Saltelli et al. (2010), Table 2 (b):
//!   `S_i = mean(f_B (f_ABi - f_A)) / V`;
//! * total order, Jansen (1999), Saltelli et al. (2010), Table 2 (f):
//!   `ST_i = mean((f_A - f_ABi)^2) / 2 / V`;
//! * second order, Saltelli (2002) in the form used by SALib:
//!   `S_il = mean(f_BAi f_ABl - f_A f_B) / V - S_i - S_l`.
//!
//! Outputs are centred on the mean of all of `y` before estimation (as SALib
//! does): the estimators of `S_i` and `S_il` are not shift invariant, and
//! centring removes that avoidable variance. Confidence intervals are
//! bootstrap percentile intervals (Efron & Tibshirani 1993): base rows `j` are
//! resampled with replacement, every evaluation of a base row moving together,
//! and the interval is read from the resampled estimates with linear
//! interpolation between order statistics. The bootstrap treats the base rows
//! as independent, which they are not under a Sobol' design, so for smooth
//! models the intervals tend to be conservative.
//!
//! # Morris elementary effects
//! [`morris_design`] builds `r` one-at-a-time trajectories on a `p`-level grid
//! (Morris 1991): each trajectory starts at a random grid point and moves each
//! parameter once, in random order, by `±Δ` with `Δ = p / (2 (p - 1))`.
//! [`morris_indices`] reports, per parameter, the mean `mu`, the mean absolute
//! value `mu_star` (Campolongo et al. 2007) and the sample standard deviation
//! `sigma` (denominator `r - 1`) of the elementary effects
//! `EE_i = (f(x + δ e_i) - f(x)) / δ`. The step `δ` is measured in **unit
//! space** (`δ = ±Δ` for designs from [`morris_design`]), so for a parameter
//! scaled to `[lo, hi]` the effect per unit of the parameter is
//! `EE_i / (hi - lo)`; callers may rescale. A bootstrap percentile interval for
//! `mu_star` resamples whole trajectories.
//!
//! # References
//! * A. Saltelli, P. Annoni, I. Azzini, F. Campolongo, M. Ratto and S.
//!   Tarantola (2010). Variance based sensitivity analysis of model output.
//!   Design and estimator for the total sensitivity index. Computer Physics
//!   Communications 181(2), 259–270.
//! * M. J. W. Jansen (1999). Analysis of variance designs for model output.
//!   Computer Physics Communications 117(1–2), 35–43.
//! * A. Saltelli (2002). Making best use of model evaluations to compute
//!   sensitivity indices. Computer Physics Communications 145(2), 280–297.
//! * M. D. Morris (1991). Factorial sampling plans for preliminary
//!   computational experiments. Technometrics 33(2), 161–174.
//! * F. Campolongo, J. Cariboni and A. Saltelli (2007). An effective screening
//!   design for sensitivity analysis of large models. Environmental Modelling
//!   & Software 22(10), 1509–1518.
//! * S. Joe and F. Y. Kuo (2008). Constructing Sobol sequences with better
//!   two-dimensional projections. SIAM J. Sci. Comput. 30(5), 2635–2654.
//! * B. Efron and R. J. Tibshirani (1993). An Introduction to the Bootstrap.
//!   Chapman & Hall.
//! * J. Herman and W. Usher (2017). SALib: An open-source Python library for
//!   sensitivity analysis. Journal of Open Source Software 2(9), 97 (row
//!   layout and second-order form followed here).

use std::fmt;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

pub use super::sobol_seq::{sobol_points, sobol_points_unscrambled, MAX_DIMS};

/// What went wrong in a sensitivity-analysis call; each message names the
/// offending value and what would have been accepted.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SensitivityError {
    /// A count of dimensions or parameters was zero.
    NoDimensions {
        /// Which count.
        what: &'static str,
    },
    /// More dimensions were requested than the Sobol' table supports.
    TooManyDimensions {
        /// Which count.
        what: &'static str,
        /// The number requested.
        requested: usize,
        /// The largest number accepted.
        max: usize,
    },
    /// The Saltelli design needs `n_base` to be a power of two, at least 2.
    NotPowerOfTwo {
        /// The value given.
        n_base: usize,
        /// The largest power of two (>= 2) below `n_base`, if any.
        below: Option<usize>,
        /// The smallest power of two above `n_base`, if it fits in `usize`.
        above: Option<usize>,
    },
    /// Fewer than two base samples were given to [`sobol_indices`].
    TooFewBaseSamples {
        /// The value given.
        n_base: usize,
    },
    /// Second-order indices were requested for fewer than two parameters.
    SecondOrderNeedsTwoParameters {
        /// The number of parameters given.
        k: usize,
    },
    /// The Morris grid needs an even number of levels, at least 2.
    InvalidLevels {
        /// The value given.
        levels: usize,
    },
    /// Morris statistics need at least two trajectories.
    TooFewTrajectories {
        /// The value given.
        trajectories: usize,
    },
    /// The number of bootstrap resamples was zero.
    NoResamples,
    /// The confidence level was not strictly between 0 and 1.
    InvalidConfidence {
        /// The value given.
        confidence: f64,
    },
    /// The requested design is too large: its size overflows `usize` or the
    /// memory for it cannot be reserved.
    SizeOverflow {
        /// Which size.
        what: &'static str,
    },
    /// The model outputs do not match the design's number of rows.
    OutputLength {
        /// Rows the design has.
        expected: usize,
        /// Outputs given.
        got: usize,
        /// How `expected` is made up.
        layout: String,
    },
    /// A model output was NaN or infinite.
    NonFiniteOutput {
        /// Row (0-based) of the design and of `y`.
        row: usize,
        /// The value found.
        value: f64,
    },
    /// A design coordinate was NaN or infinite.
    NonFiniteInput {
        /// Row (0-based).
        row: usize,
        /// Column (0-based parameter index).
        column: usize,
        /// The value found.
        value: f64,
    },
    /// The outputs on the `A` and `B` rows are all equal, so no variance can
    /// be apportioned.
    ZeroVariance,
    /// The design does not have the number of rows its description implies.
    DesignRows {
        /// Rows implied by the arguments.
        expected: usize,
        /// Rows given.
        got: usize,
    },
    /// A design row or a bounds list has the wrong number of entries.
    RowLength {
        /// Row (0-based).
        row: usize,
        /// Entries expected (the number of parameters).
        expected: usize,
        /// Entries found.
        got: usize,
    },
    /// A Morris trajectory does not move each parameter exactly once, one
    /// parameter per step.
    InvalidTrajectory {
        /// Trajectory (0-based).
        trajectory: usize,
        /// Row (0-based) of the design where the problem shows.
        row: usize,
        /// What is wrong.
        reason: String,
    },
    /// A parameter's bounds are not finite with `low <= high`.
    InvalidBounds {
        /// Parameter (0-based).
        index: usize,
        /// Lower bound given.
        low: f64,
        /// Upper bound given.
        high: f64,
    },
}

impl fmt::Display for SensitivityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoDimensions { what } => write!(f, "{what} is 0; it must be at least 1"),
            Self::TooManyDimensions { what, requested, max } => write!(
                f,
                "{requested} {what} requested; at most {max} are supported \
                 (a Saltelli design uses 2k Sobol' dimensions, so k <= {})",
                max / 2
            ),
            Self::NotPowerOfTwo { n_base, below, above } => {
                write!(
                    f,
                    "n_base = {n_base} is not a power of two >= 2, which the Saltelli design \
                     needs to keep the Sobol' sample balanced"
                )?;
                match (below, above) {
                    (Some(b), Some(a)) => write!(f, "; the nearest powers of two are {b} and {a}"),
                    (None, Some(a)) => write!(f, "; the nearest accepted value is {a}"),
                    (Some(b), None) => write!(f, "; the nearest accepted value is {b}"),
                    (None, None) => Ok(()),
                }
            }
            Self::TooFewBaseSamples { n_base } => write!(
                f,
                "n_base = {n_base}; at least 2 base samples are needed (use the n_base \
                 given to saltelli_design, a power of two such as 1024)"
            ),
            Self::SecondOrderNeedsTwoParameters { k } => write!(
                f,
                "second-order indices need at least 2 parameters, but k = {k}; \
                 set second_order = false"
            ),
            Self::InvalidLevels { levels } => write!(
                f,
                "levels = {levels}; the Morris grid needs an even number of levels >= 2 \
                 (4 is usual)"
            ),
            Self::TooFewTrajectories { trajectories } => write!(
                f,
                "trajectories = {trajectories}; at least 2 are needed for sigma \
                 (10 to 50 are usual)"
            ),
            Self::NoResamples => write!(f, "resamples = 0; at least 1 bootstrap resample is needed (100 to 1000 are usual)"),
            Self::InvalidConfidence { confidence } => {
                write!(f, "confidence = {confidence}; it must lie strictly between 0 and 1 (e.g. 0.95)")
            }
            Self::SizeOverflow { what } => write!(
                f,
                "the number of {what} is too large to allocate; use fewer samples, \
                 trajectories or parameters"
            ),
            Self::OutputLength { expected, got, layout } => write!(
                f,
                "{got} model outputs given, but the design has {expected} rows ({layout}); \
                 pass exactly one output per design row, in design order"
            ),
            Self::NonFiniteOutput { row, value } => write!(f, "model output at row {row} is {value}; every output must be a finite number"),
            Self::NonFiniteInput { row, column, value } => write!(
                f,
                "design value at row {row}, column {column} is {value}; \
                 every design value must be a finite number"
            ),
            Self::ZeroVariance => write!(
                f,
                "the model outputs on the A and B rows all have the same value, so their \
                 variance is zero and no sensitivity can be attributed; check that the \
                 output actually depends on the sampled parameters"
            ),
            Self::DesignRows { expected, got } => write!(
                f,
                "the design has {got} rows, but trajectories * (k + 1) = {expected}; \
                 pass the design exactly as morris_design returned it"
            ),
            Self::RowLength { row, expected, got } => write!(
                f,
                "row {row} has {got} values, but {expected} were expected \
                 (one per parameter)"
            ),
            Self::InvalidTrajectory { trajectory, row, reason } => write!(
                f,
                "trajectory {trajectory} is not a Morris trajectory at row {row}: {reason}; \
                 each step must change exactly one parameter and each parameter must change \
                 exactly once per trajectory"
            ),
            Self::InvalidBounds { index, low, high } => write!(
                f,
                "bounds of parameter {index} are ({low}, {high}); they must be finite \
                 with low <= high"
            ),
        }
    }
}

impl std::error::Error for SensitivityError {}

/// Saltelli design for Sobol' indices, in unit space `[0, 1)^k`.
///
/// Draws `n_base` points of a `2k`-dimensional scrambled Sobol' sequence
/// ([`sobol_points`] with `seed`); matrix `A` is the first `k` columns and `B`
/// the last `k`. For each base point `j` the rows are, in order (the SALib
/// layout): `A_j`, `AB_j^(1)`, ..., `AB_j^(k)`, then if `second_order`
/// `BA_j^(1)`, ..., `BA_j^(k)`, then `B_j`; `AB^(i)` is `A` with column `i`
/// from `B` and `BA^(i)` is `B` with column `i` from `A`. That is
/// `n_base * (k + 2)` rows, or `n_base * (2k + 2)` with `second_order`.
///
/// # Errors
/// [`SensitivityError::NotPowerOfTwo`] unless `n_base` is a power of two
/// `>= 2` (the message names the nearest ones);
/// [`SensitivityError::NoDimensions`] if `k == 0`;
/// [`SensitivityError::TooManyDimensions`] if `2k > MAX_DIMS`;
/// [`SensitivityError::SecondOrderNeedsTwoParameters`] if `second_order` and
/// `k < 2`; [`SensitivityError::SizeOverflow`] if the design size overflows.
pub fn saltelli_design(n_base: usize, k: usize, second_order: bool, seed: u64) -> Result<Vec<Vec<f64>>, SensitivityError> {
    check_power_of_two(n_base)?;
    check_parameters(k, second_order)?;
    let step = rows_per_base(k, second_order)?;
    let total = n_base
        .checked_mul(step)
        .filter(|rows| rows.checked_mul(k).is_some())
        .ok_or(SensitivityError::SizeOverflow { what: "Saltelli design values" })?;
    let base = sobol_points(n_base, 2 * k, seed)?;
    let mut design = try_with_capacity(total, "Saltelli design rows")?;
    for point in &base {
        let (a, b) = point.split_at(k);
        design.push(a.to_vec());
        for i in 0..k {
            let mut row = a.to_vec();
            row[i] = b[i];
            design.push(row);
        }
        if second_order {
            for i in 0..k {
                let mut row = b.to_vec();
                row[i] = a[i];
                design.push(row);
            }
        }
        design.push(b.to_vec());
    }
    Ok(design)
}

/// Maps one unit-space row to parameter space: `low + u * (high - low)` for
/// each coordinate `u` and its bounds `(low, high)`.
///
/// This is a plain element-wise map: it does not validate, and if `unit` and
/// `bounds` differ in length the result has the shorter length. Use
/// [`scale_design`] to scale a whole design with validation.
pub fn scale(unit: &[f64], bounds: &[(f64, f64)]) -> Vec<f64> {
    unit.iter().zip(bounds).map(|(&u, &(low, high))| low + u * (high - low)).collect()
}

/// Maps every row of a unit-space design to parameter space with [`scale`],
/// after checking that the bounds are finite with `low <= high` and that every
/// row has one value per bound.
///
/// # Errors
/// [`SensitivityError::InvalidBounds`] for a bad bound and
/// [`SensitivityError::RowLength`] for a row of the wrong length.
pub fn scale_design(design: &[Vec<f64>], bounds: &[(f64, f64)]) -> Result<Vec<Vec<f64>>, SensitivityError> {
    for (index, &(low, high)) in bounds.iter().enumerate() {
        if !(low.is_finite() && high.is_finite() && low <= high) {
            return Err(SensitivityError::InvalidBounds { index, low, high });
        }
    }
    for (row, values) in design.iter().enumerate() {
        if values.len() != bounds.len() {
            return Err(SensitivityError::RowLength { row, expected: bounds.len(), got: values.len() });
        }
    }
    Ok(design.iter().map(|row| scale(row, bounds)).collect())
}

/// Sobol' sensitivity indices with bootstrap percentile intervals, as
/// returned by [`sobol_indices`]. Vectors are indexed by parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolIndices {
    /// First-order indices `S_i` (Saltelli et al. 2010 estimator).
    pub s1: Vec<f64>,
    /// Lower ends of the bootstrap intervals for `s1`.
    pub s1_low: Vec<f64>,
    /// Upper ends of the bootstrap intervals for `s1`.
    pub s1_high: Vec<f64>,
    /// Total-order indices `ST_i` (Jansen 1999 estimator).
    pub st: Vec<f64>,
    /// Lower ends of the bootstrap intervals for `st`.
    pub st_low: Vec<f64>,
    /// Upper ends of the bootstrap intervals for `st`.
    pub st_high: Vec<f64>,
    /// Second-order indices `S_il` as a symmetric `k × k` matrix (Saltelli
    /// 2002 estimator), when requested. The diagonal is not an index and is
    /// set to 0.
    pub s2: Option<Vec<Vec<f64>>>,
    /// Lower ends of the bootstrap intervals for `s2` (same layout).
    pub s2_low: Option<Vec<Vec<f64>>>,
    /// Upper ends of the bootstrap intervals for `s2` (same layout).
    pub s2_high: Option<Vec<Vec<f64>>>,
    /// Confidence level of the intervals, as given.
    pub confidence: f64,
}

/// Sobol' indices from model outputs on a [`saltelli_design`].
///
/// `y[r]` must be the model output on design row `r`, for a design made with
/// the same `n_base`, `k` and `second_order`. The estimators are described in
/// the module documentation. Intervals: `resamples` bootstrap resamples of
/// the base rows (drawn from `Xoshiro256PlusPlus::seed_from_u64(seed)`), and
/// percentile intervals at level `confidence`; resamples whose estimate is
/// not finite (possible only for degenerate resamples) are left out, and an
/// interval with no finite resample is NaN. `n_base` need not be a power of
/// two here (any `>= 2`), so outputs of other Saltelli-layout designs are
/// accepted.
///
/// # Errors
/// [`SensitivityError::NoDimensions`] if `k == 0`;
/// [`SensitivityError::SecondOrderNeedsTwoParameters`];
/// [`SensitivityError::TooFewBaseSamples`] if `n_base < 2`;
/// [`SensitivityError::NoResamples`]; [`SensitivityError::InvalidConfidence`];
/// [`SensitivityError::OutputLength`] if `y.len()` is not `n_base * (k + 2)`
/// (or `n_base * (2k + 2)`); [`SensitivityError::NonFiniteOutput`] naming the
/// first NaN or infinite row; [`SensitivityError::ZeroVariance`] if the `A`
/// and `B` outputs are all equal.
pub fn sobol_indices(
    y: &[f64],
    n_base: usize,
    k: usize,
    second_order: bool,
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Result<SobolIndices, SensitivityError> {
    check_parameters(k, second_order)?;
    if n_base < 2 {
        return Err(SensitivityError::TooFewBaseSamples { n_base });
    }
    check_bootstrap(resamples, confidence)?;
    let step = rows_per_base(k, second_order)?;
    let expected = n_base.checked_mul(step).ok_or(SensitivityError::SizeOverflow { what: "Saltelli design rows" })?;
    if y.len() != expected {
        let per = if second_order { "2k + 2" } else { "k + 2" };
        return Err(SensitivityError::OutputLength {
            expected,
            got: y.len(),
            layout: format!("n_base * ({per}) = {n_base} * {step} with k = {k}"),
        });
    }
    check_finite_outputs(y)?;
    // Exact check first: centring constant outputs can leave rounding noise.
    let first = y[0];
    if (0..n_base).all(|j| y[j * step] == first && y[j * step + step - 1] == first) {
        return Err(SensitivityError::ZeroVariance);
    }
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let centred: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let layout = SaltelliLayout { y: &centred, k, step, second_order };

    let all: Vec<usize> = (0..n_base).collect();
    let point = layout.estimate(&all);
    if !point.variance_ok {
        return Err(SensitivityError::ZeroVariance);
    }

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let cap = resamples.min(RESAMPLE_CAPACITY);
    let mut s1_samples = vec![Vec::with_capacity(cap); k];
    let mut st_samples = vec![Vec::with_capacity(cap); k];
    let mut s2_samples = if second_order { vec![vec![Vec::with_capacity(cap); k]; k] } else { Vec::new() };
    let mut rows = vec![0usize; n_base];
    for _ in 0..resamples {
        for r in rows.iter_mut() {
            *r = rng.random_range(0..n_base);
        }
        let est = layout.estimate(&rows);
        for i in 0..k {
            s1_samples[i].push(est.s1[i]);
            st_samples[i].push(est.st[i]);
        }
        if let Some(s2) = &est.s2 {
            for i in 0..k {
                for l in (i + 1)..k {
                    s2_samples[i][l].push(s2[i][l]);
                }
            }
        }
    }
    let (s1_low, s1_high) = intervals(&mut s1_samples, confidence);
    let (st_low, st_high) = intervals(&mut st_samples, confidence);
    let (s2_low, s2_high) = if second_order {
        let mut low = vec![vec![0.0; k]; k];
        let mut high = vec![vec![0.0; k]; k];
        for i in 0..k {
            for l in (i + 1)..k {
                let (lo, hi) = percentile_interval(&mut s2_samples[i][l], confidence);
                low[i][l] = lo;
                low[l][i] = lo;
                high[i][l] = hi;
                high[l][i] = hi;
            }
        }
        (Some(low), Some(high))
    } else {
        (None, None)
    };
    Ok(SobolIndices { s1: point.s1, s1_low, s1_high, st: point.st, st_low, st_high, s2: point.s2, s2_low, s2_high, confidence })
}

/// Morris screening measures with a bootstrap interval for `mu_star`, as
/// returned by [`morris_indices`]. Vectors are indexed by parameter; effects
/// are per unit of the unit-space coordinate.
#[derive(Debug, Clone, PartialEq)]
pub struct MorrisIndices {
    /// Mean elementary effect.
    pub mu: Vec<f64>,
    /// Mean absolute elementary effect (Campolongo et al. 2007).
    pub mu_star: Vec<f64>,
    /// Sample standard deviation of the elementary effects (denominator
    /// `trajectories - 1`); large values flag non-linearity or interactions.
    pub sigma: Vec<f64>,
    /// Lower ends of the bootstrap intervals for `mu_star`.
    pub mu_star_low: Vec<f64>,
    /// Upper ends of the bootstrap intervals for `mu_star`.
    pub mu_star_high: Vec<f64>,
    /// The elementary effects themselves, `effects[t][i]` for trajectory `t`
    /// and parameter `i`.
    pub effects: Vec<Vec<f64>>,
    /// Confidence level of the intervals, as given.
    pub confidence: f64,
}

/// Morris (1991) one-at-a-time trajectory design in unit space `[0, 1]^k`.
///
/// Returns `trajectories * (k + 1)` rows: for each trajectory, a start point
/// on the grid `{0, 1/(levels-1), ..., 1}` followed by `k` points, each moving
/// one parameter (in a random order) by `+Δ` or `-Δ`, with
/// `Δ = levels / (2 (levels - 1))`; every parameter moves exactly once and all
/// points stay on the grid. Start points, directions and orders come from
/// `Xoshiro256PlusPlus::seed_from_u64(seed)`. Note that the grid includes 1,
/// unlike the half-open Sobol' designs.
///
/// # Errors
/// [`SensitivityError::TooFewTrajectories`] if `trajectories < 2`;
/// [`SensitivityError::NoDimensions`] if `k == 0`;
/// [`SensitivityError::InvalidLevels`] unless `levels` is even and `>= 2`;
/// [`SensitivityError::SizeOverflow`] if the design size overflows.
pub fn morris_design(trajectories: usize, k: usize, levels: usize, seed: u64) -> Result<Vec<Vec<f64>>, SensitivityError> {
    check_morris_shape(trajectories, k)?;
    if levels < 2 || !levels.is_multiple_of(2) {
        return Err(SensitivityError::InvalidLevels { levels });
    }
    let rows = morris_rows(trajectories, k)?;
    let half = levels / 2;
    let denom = (levels - 1) as f64;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut design = try_with_capacity(rows, "Morris design rows")?;
    let mut order: Vec<usize> = Vec::with_capacity(k);
    for _ in 0..trajectories {
        // Grid indices: the start is drawn from the lower half of the grid
        // and the step is `half` grid cells, so `start + half <= levels - 1`.
        let mut up = Vec::with_capacity(k);
        let mut current = Vec::with_capacity(k);
        for _ in 0..k {
            let base = rng.random_range(0..half);
            let rising = rng.random::<bool>();
            current.push(if rising { base } else { base + half });
            up.push(rising);
        }
        order.clear();
        order.extend(0..k);
        for i in (1..k).rev() {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        let to_unit = |idx: &[usize]| idx.iter().map(|&g| g as f64 / denom).collect::<Vec<_>>();
        design.push(to_unit(&current));
        for &i in &order {
            if up[i] {
                current[i] += half;
            } else {
                current[i] -= half;
            }
            design.push(to_unit(&current));
        }
    }
    Ok(design)
}

/// Morris measures from model outputs on a trajectory design.
///
/// `design` is laid out as [`morris_design`] returns it (`trajectories`
/// blocks of `k + 1` consecutive rows) and `y[r]` is the model output on row
/// `r`. Each consecutive pair of rows within a trajectory must differ in
/// exactly one coordinate `i`, and each coordinate must change exactly once
/// per trajectory; the elementary effect is `(y[r+1] - y[r]) / (x[r+1][i] -
/// x[r][i])`, with the step measured in unit space (see the module
/// documentation). The `mu_star` interval resamples trajectories with
/// replacement `resamples` times (from `Xoshiro256PlusPlus::seed_from_u64(
/// seed)`) and reports the percentile interval at level `confidence`.
///
/// # Errors
/// [`SensitivityError::TooFewTrajectories`], [`SensitivityError::NoDimensions`],
/// [`SensitivityError::NoResamples`], [`SensitivityError::InvalidConfidence`],
/// [`SensitivityError::DesignRows`] / [`SensitivityError::OutputLength`] /
/// [`SensitivityError::RowLength`] for mismatched sizes,
/// [`SensitivityError::NonFiniteInput`] / [`SensitivityError::NonFiniteOutput`]
/// for NaN or infinite values, and [`SensitivityError::InvalidTrajectory`]
/// when a trajectory does not move one parameter per step, each once.
pub fn morris_indices(
    design: &[Vec<f64>],
    y: &[f64],
    trajectories: usize,
    k: usize,
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Result<MorrisIndices, SensitivityError> {
    check_morris_shape(trajectories, k)?;
    check_bootstrap(resamples, confidence)?;
    let rows = morris_rows(trajectories, k)?;
    if design.len() != rows {
        return Err(SensitivityError::DesignRows { expected: rows, got: design.len() });
    }
    if y.len() != rows {
        return Err(SensitivityError::OutputLength {
            expected: rows,
            got: y.len(),
            layout: format!("trajectories * (k + 1) = {trajectories} * {}", k + 1),
        });
    }
    for (row, values) in design.iter().enumerate() {
        if values.len() != k {
            return Err(SensitivityError::RowLength { row, expected: k, got: values.len() });
        }
        if let Some((column, &value)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(SensitivityError::NonFiniteInput { row, column, value });
        }
    }
    check_finite_outputs(y)?;

    let mut effects = vec![vec![0.0; k]; trajectories];
    for (t, ee) in effects.iter_mut().enumerate() {
        let mut moved = vec![false; k];
        for s in 0..k {
            let r = t * (k + 1) + s;
            let (x0, x1) = (&design[r], &design[r + 1]);
            let mut changed = (0..k).filter(|&i| x0[i] != x1[i]);
            let invalid = |reason: String| SensitivityError::InvalidTrajectory { trajectory: t, row: r + 1, reason };
            let i = match (changed.next(), changed.next()) {
                (Some(i), None) => i,
                (None, _) => return Err(invalid("no parameter changes from the previous row".into())),
                (Some(i), Some(j)) => return Err(invalid(format!("parameters {i} and {j} both change from the previous row"))),
            };
            if moved[i] {
                return Err(invalid(format!("parameter {i} changes a second time")));
            }
            moved[i] = true;
            ee[i] = (y[r + 1] - y[r]) / (x1[i] - x0[i]);
        }
    }

    let n = trajectories as f64;
    let mut mu = vec![0.0; k];
    let mut mu_star = vec![0.0; k];
    let mut sigma = vec![0.0; k];
    for i in 0..k {
        mu[i] = effects.iter().map(|e| e[i]).sum::<f64>() / n;
        mu_star[i] = effects.iter().map(|e| e[i].abs()).sum::<f64>() / n;
        let ss = effects.iter().map(|e| (e[i] - mu[i]).powi(2)).sum::<f64>();
        sigma[i] = (ss / (n - 1.0)).sqrt();
    }

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut samples = vec![Vec::with_capacity(resamples.min(RESAMPLE_CAPACITY)); k];
    let mut sums = vec![0.0; k];
    for _ in 0..resamples {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for _ in 0..trajectories {
            let t = rng.random_range(0..trajectories);
            for (s, e) in sums.iter_mut().zip(&effects[t]) {
                *s += e.abs();
            }
        }
        for (sample, s) in samples.iter_mut().zip(&sums) {
            sample.push(s / n);
        }
    }
    let (mu_star_low, mu_star_high) = intervals(&mut samples, confidence);
    Ok(MorrisIndices { mu, mu_star, sigma, mu_star_low, mu_star_high, effects, confidence })
}

/// Point estimates from one (re)sample of base rows.
struct Estimates {
    s1: Vec<f64>,
    st: Vec<f64>,
    s2: Option<Vec<Vec<f64>>>,
    /// Whether the pooled variance was positive and finite.
    variance_ok: bool,
}

/// Read access to centred outputs in the Saltelli row layout.
struct SaltelliLayout<'a> {
    y: &'a [f64],
    k: usize,
    step: usize,
    second_order: bool,
}

impl SaltelliLayout<'_> {
    /// Estimates over the base rows listed in `rows` (repeats allowed).
    ///
    /// Internal invariant: every entry of `rows` is below `n_base`, and
    /// `y.len() == n_base * step` was checked by the caller.
    fn estimate(&self, rows: &[usize]) -> Estimates {
        let k = self.k;
        let n = rows.len() as f64;
        let a = |j: usize| self.y[j * self.step];
        let b = |j: usize| self.y[j * self.step + self.step - 1];
        let mean_ab = rows.iter().map(|&j| a(j) + b(j)).sum::<f64>() / (2.0 * n);
        let var = rows.iter().map(|&j| (a(j) - mean_ab).powi(2) + (b(j) - mean_ab).powi(2)).sum::<f64>() / (2.0 * n);

        let mut s1 = vec![0.0; k];
        let mut st = vec![0.0; k];
        let mut s2_sum = if self.second_order { vec![vec![0.0; k]; k] } else { Vec::new() };
        for &j in rows {
            let base = j * self.step;
            let (fa, fb) = (a(j), b(j));
            let ab = &self.y[base + 1..base + 1 + k];
            for i in 0..k {
                s1[i] += fb * (ab[i] - fa);
                st[i] += (fa - ab[i]).powi(2);
            }
            if self.second_order {
                let ba = &self.y[base + 1 + k..base + 1 + 2 * k];
                let ab_ref = fa * fb;
                for i in 0..k {
                    for l in (i + 1)..k {
                        s2_sum[i][l] += ba[i] * ab[l] - ab_ref;
                    }
                }
            }
        }
        for i in 0..k {
            s1[i] /= n * var;
            st[i] /= 2.0 * n * var;
        }
        let s2 = self.second_order.then(|| {
            let mut s2 = vec![vec![0.0; k]; k];
            for i in 0..k {
                for l in (i + 1)..k {
                    let v = s2_sum[i][l] / (n * var) - s1[i] - s1[l];
                    s2[i][l] = v;
                    s2[l][i] = v;
                }
            }
            s2
        });
        Estimates { s1, st, s2, variance_ok: var.is_finite() && var > 0.0 }
    }
}

/// Most bootstrap estimates reserved up front (more are pushed as needed).
const RESAMPLE_CAPACITY: usize = 1 << 16;

/// An empty vector with room for `n` elements, or
/// [`SensitivityError::SizeOverflow`] if that memory cannot be reserved
/// (instead of the panic or abort of `Vec::with_capacity`).
pub(super) fn try_with_capacity<T>(n: usize, what: &'static str) -> Result<Vec<T>, SensitivityError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| SensitivityError::SizeOverflow { what })?;
    Ok(v)
}

/// Rows per base point in the Saltelli layout: `k + 2`, or `2k + 2`.
fn rows_per_base(k: usize, second_order: bool) -> Result<usize, SensitivityError> {
    let extra = if second_order { k.checked_mul(2) } else { Some(k) };
    extra.and_then(|e| e.checked_add(2)).ok_or(SensitivityError::SizeOverflow { what: "Saltelli rows per base sample" })
}

/// Checks the parameter count of a Saltelli design or analysis.
fn check_parameters(k: usize, second_order: bool) -> Result<(), SensitivityError> {
    if k == 0 {
        return Err(SensitivityError::NoDimensions { what: "k (number of parameters)" });
    }
    if k > MAX_DIMS / 2 {
        return Err(SensitivityError::TooManyDimensions { what: "Sobol' dimensions (2k)", requested: k.saturating_mul(2), max: MAX_DIMS });
    }
    if second_order && k < 2 {
        return Err(SensitivityError::SecondOrderNeedsTwoParameters { k });
    }
    Ok(())
}

/// Checks that `n_base` is a power of two `>= 2`.
fn check_power_of_two(n_base: usize) -> Result<(), SensitivityError> {
    if n_base >= 2 && n_base.is_power_of_two() {
        return Ok(());
    }
    let below = (n_base >= 2).then(|| 1usize << (usize::BITS - 1 - n_base.leading_zeros()));
    let above = n_base.max(2).checked_next_power_of_two();
    Err(SensitivityError::NotPowerOfTwo { n_base, below, above })
}

/// Checks the bootstrap settings.
fn check_bootstrap(resamples: usize, confidence: f64) -> Result<(), SensitivityError> {
    if resamples == 0 {
        return Err(SensitivityError::NoResamples);
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(SensitivityError::InvalidConfidence { confidence });
    }
    Ok(())
}

/// Checks the shape arguments shared by the Morris functions.
fn check_morris_shape(trajectories: usize, k: usize) -> Result<(), SensitivityError> {
    if trajectories < 2 {
        return Err(SensitivityError::TooFewTrajectories { trajectories });
    }
    if k == 0 {
        return Err(SensitivityError::NoDimensions { what: "k (number of parameters)" });
    }
    Ok(())
}

/// Number of rows of a Morris design, `trajectories * (k + 1)`, checked for
/// overflow (including the `* k` values it holds).
fn morris_rows(trajectories: usize, k: usize) -> Result<usize, SensitivityError> {
    k.checked_add(1)
        .and_then(|p| trajectories.checked_mul(p))
        .filter(|rows| rows.checked_mul(k).is_some())
        .ok_or(SensitivityError::SizeOverflow { what: "Morris design values" })
}

/// Returns the first non-finite output, if any, as an error.
fn check_finite_outputs(y: &[f64]) -> Result<(), SensitivityError> {
    match y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((row, &value)) => Err(SensitivityError::NonFiniteOutput { row, value }),
        None => Ok(()),
    }
}

/// Percentile intervals for each sample vector.
fn intervals(samples: &mut [Vec<f64>], confidence: f64) -> (Vec<f64>, Vec<f64>) {
    samples.iter_mut().map(|s| percentile_interval(s, confidence)).unzip()
}

/// Percentile interval at level `confidence` of the finite values in
/// `samples` (sorted in place), with linear interpolation between order
/// statistics; `(NaN, NaN)` if there is no finite value.
fn percentile_interval(samples: &mut Vec<f64>, confidence: f64) -> (f64, f64) {
    samples.retain(|v| v.is_finite());
    samples.sort_by(f64::total_cmp);
    let alpha = (1.0 - confidence) / 2.0;
    (quantile(samples, alpha), quantile(samples, 1.0 - alpha))
}

/// Quantile `p` of sorted `x` (linear interpolation, "type 7"); NaN if empty.
fn quantile(x: &[f64], p: f64) -> f64 {
    match x.len() {
        0 => f64::NAN,
        1 => x[0],
        len => {
            let h = (len - 1) as f64 * p;
            // `h` lies in [0, len - 1], so both indices are in bounds.
            let lo = (h.floor() as usize).min(len - 1);
            let hi = (lo + 1).min(len - 1);
            x[lo] + (h - lo as f64) * (x[hi] - x[lo])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    const ISHIGAMI_A: f64 = 7.0;
    const ISHIGAMI_B: f64 = 0.1;

    fn ishigami(x: &[f64]) -> f64 {
        x[0].sin() + ISHIGAMI_A * x[1].sin().powi(2) + ISHIGAMI_B * x[2].powi(4) * x[0].sin()
    }

    /// Analytic (S1, ST, S13) of the Ishigami function (Ishigami & Homma
    /// 1990; Sobol' & Levitan 1999) for inputs uniform on [-pi, pi].
    fn ishigami_analytic() -> ([f64; 3], [f64; 3], f64) {
        let (a, b) = (ISHIGAMI_A, ISHIGAMI_B);
        let pi4 = PI.powi(4);
        let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        ([v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v], v13 / v)
    }

    fn ishigami_outputs(n_base: usize, second_order: bool, seed: u64) -> Vec<f64> {
        let design = saltelli_design(n_base, 3, second_order, seed).unwrap();
        let bounds = [(-PI, PI); 3];
        scale_design(&design, &bounds).unwrap().iter().map(|x| ishigami(x)).collect()
    }

    #[test]
    fn ishigami_analytic_values_match_the_literature() {
        let (s1, st, s13) = ishigami_analytic();
        for (got, want) in s1.iter().zip([0.3139, 0.4424, 0.0]) {
            assert!((got - want).abs() < 1e-4, "{got} vs {want}");
        }
        for (got, want) in st.iter().zip([0.5576, 0.4424, 0.2437]) {
            assert!((got - want).abs() < 1e-4, "{got} vs {want}");
        }
        assert!((s13 - 0.2437).abs() < 1e-4);
    }

    #[test]
    fn ishigami_first_and_total_order() {
        let n_base = 1 << 13;
        let y = ishigami_outputs(n_base, false, 2024);
        assert_eq!(y.len(), n_base * 5);
        let si = sobol_indices(&y, n_base, 3, false, 1000, 0.95, 7).unwrap();
        let (s1, st, _) = ishigami_analytic();
        for i in 0..3 {
            assert!((si.s1[i] - s1[i]).abs() < 0.02, "S1[{i}] = {}", si.s1[i]);
            assert!((si.st[i] - st[i]).abs() < 0.02, "ST[{i}] = {}", si.st[i]);
            assert!(si.s1_low[i] <= si.s1[i] && si.s1[i] <= si.s1_high[i]);
            assert!(si.st_low[i] <= si.st[i] && si.st[i] <= si.st_high[i]);
            assert!(si.s1_low[i] <= s1[i] && s1[i] <= si.s1_high[i], "S1[{i}] interval");
            assert!(si.st_low[i] <= st[i] && st[i] <= si.st_high[i], "ST[{i}] interval");
        }
        assert!(si.s2.is_none() && si.s2_low.is_none() && si.s2_high.is_none());
    }

    #[test]
    fn ishigami_second_order() {
        let n_base = 1 << 13;
        let y = ishigami_outputs(n_base, true, 2025);
        assert_eq!(y.len(), n_base * 8);
        let si = sobol_indices(&y, n_base, 3, true, 500, 0.95, 8).unwrap();
        let (s1, st, s13) = ishigami_analytic();
        let s2 = si.s2.as_ref().unwrap();
        let (lo, hi) = (si.s2_low.as_ref().unwrap(), si.s2_high.as_ref().unwrap());
        for i in 0..3 {
            assert!((si.s1[i] - s1[i]).abs() < 0.02, "S1[{i}] = {}", si.s1[i]);
            assert!((si.st[i] - st[i]).abs() < 0.02, "ST[{i}] = {}", si.st[i]);
            assert_eq!(s2[i][i], 0.0);
        }
        assert!((s2[0][2] - s13).abs() < 0.03, "S13 = {}", s2[0][2]);
        assert!(s2[0][1].abs() < 0.03, "S12 = {}", s2[0][1]);
        assert!(s2[1][2].abs() < 0.03, "S23 = {}", s2[1][2]);
        assert_eq!(s2[0][2], s2[2][0]);
        for (i, l, want) in [(0, 1, 0.0), (0, 2, s13), (1, 2, 0.0)] {
            assert!(lo[i][l] <= want && want <= hi[i][l], "S2[{i}][{l}] interval");
        }
    }

    #[test]
    fn estimators_match_salib_on_a_fixed_output_vector() {
        // Reference: SALib 1.6.0 `SALib.analyze.sobol.analyze` on the same y
        // (k = 3, n_base = 8), point estimates.
        let y = |rows: usize| -> Vec<f64> { (0..rows).map(|r| ((r * 37) % 17) as f64 + 0.25 * (r % 5) as f64).collect() };
        let close = |got: &[f64], want: &[f64]| {
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(want) {
                assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
            }
        };
        let si = sobol_indices(&y(40), 8, 3, false, 10, 0.9, 1).unwrap();
        close(&si.s1, &[-0.28183060109289626, -0.2454918032786886, 0.030054644808743165]);
        close(&si.st, &[0.7185792349726775, 1.4808743169398906, 1.6133879781420766]);
        let si = sobol_indices(&y(64), 8, 3, true, 10, 0.9, 1).unwrap();
        close(&si.s1, &[0.9572885657117759, 0.18444195012444478, -0.25732272705090037]);
        close(&si.st, &[1.086760040993607, 1.2441754916792738, 1.4598409057635058]);
        let s2 = si.s2.unwrap();
        close(&[s2[0][1], s2[0][2], s2[1][2]], &[-1.3709628617441803, -0.3727490117612609, -0.035117856619979404]);
    }

    #[test]
    fn saltelli_rows_follow_the_salib_layout() {
        let (n_base, k) = (16, 4);
        for second_order in [false, true] {
            let design = saltelli_design(n_base, k, second_order, 5).unwrap();
            let step = if second_order { 2 * k + 2 } else { k + 2 };
            assert_eq!(design.len(), n_base * step);
            let base = sobol_points(n_base, 2 * k, 5).unwrap();
            for (j, point) in base.iter().enumerate() {
                let rows = &design[j * step..(j + 1) * step];
                let (a, b) = point.split_at(k);
                assert_eq!(rows[0], a);
                assert_eq!(rows[step - 1], b);
                for i in 0..k {
                    for c in 0..k {
                        let ab = if c == i { b[c] } else { a[c] };
                        assert_eq!(rows[1 + i][c], ab);
                        if second_order {
                            let ba = if c == i { a[c] } else { b[c] };
                            assert_eq!(rows[1 + k + i][c], ba);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn non_power_of_two_n_base_is_an_error() {
        let err = saltelli_design(1000, 3, false, 1).unwrap_err();
        assert_eq!(err, SensitivityError::NotPowerOfTwo { n_base: 1000, below: Some(512), above: Some(1024) });
        let msg = err.to_string();
        assert!(msg.contains("1000") && msg.contains("512") && msg.contains("1024"), "{msg}");
        for n in [0, 1, 3, 6, 100] {
            assert!(matches!(saltelli_design(n, 2, true, 1), Err(SensitivityError::NotPowerOfTwo { .. })));
        }
        assert!(saltelli_design(1, 2, false, 1).unwrap_err().to_string().contains(" 2"));
        let huge = saltelli_design(usize::MAX, 2, false, 1).unwrap_err();
        assert!(matches!(huge, SensitivityError::NotPowerOfTwo { above: None, .. }));
        assert!(saltelli_design(2, 2, false, 1).is_ok());
    }

    #[test]
    fn saltelli_parameter_count_errors() {
        assert!(matches!(saltelli_design(8, 0, false, 1), Err(SensitivityError::NoDimensions { .. })));
        assert!(matches!(saltelli_design(8, MAX_DIMS / 2 + 1, false, 1), Err(SensitivityError::TooManyDimensions { .. })));
        assert!(saltelli_design(2, MAX_DIMS / 2, false, 1).is_ok());
        assert!(matches!(saltelli_design(8, 1, true, 1), Err(SensitivityError::SecondOrderNeedsTwoParameters { k: 1 })));
        assert!(saltelli_design(8, 1, false, 1).is_ok());
        // Representable but far too large to allocate: an error, not an abort.
        assert!(matches!(saltelli_design(1 << (usize::BITS - 4), 1, false, 1), Err(SensitivityError::SizeOverflow { .. })));
    }

    #[test]
    fn sobol_indices_rejects_bad_input() {
        let n_base = 8;
        let good: Vec<f64> = ishigami_outputs(n_base, false, 3);
        assert!(sobol_indices(&good, n_base, 3, false, 10, 0.95, 1).is_ok());

        let err = sobol_indices(&good[1..], n_base, 3, false, 10, 0.95, 1).unwrap_err();
        assert!(matches!(err, SensitivityError::OutputLength { expected: 40, got: 39, .. }));
        assert!(err.to_string().contains("40"), "{err}");
        // Outputs of a first-order design analysed as second order.
        assert!(matches!(sobol_indices(&good, n_base, 3, true, 10, 0.95, 1), Err(SensitivityError::OutputLength { expected: 64, .. })));

        let mut bad = good.clone();
        bad[17] = f64::NAN;
        bad[30] = f64::INFINITY;
        let err = sobol_indices(&bad, n_base, 3, false, 10, 0.95, 1).unwrap_err();
        assert!(matches!(err, SensitivityError::NonFiniteOutput { row: 17, .. }));
        assert!(err.to_string().contains("row 17"), "{err}");

        // Constant A and B outputs: zero variance even if AB rows vary.
        let mut flat = vec![2.5; 40];
        assert_eq!(sobol_indices(&flat, n_base, 3, false, 10, 0.95, 1), Err(SensitivityError::ZeroVariance));
        flat[1] = 3.0;
        assert_eq!(sobol_indices(&flat, n_base, 3, false, 10, 0.95, 1), Err(SensitivityError::ZeroVariance));

        assert_eq!(sobol_indices(&good, n_base, 3, false, 0, 0.95, 1), Err(SensitivityError::NoResamples));
        for c in [0.0, 1.0, -0.5, 95.0, f64::NAN] {
            assert!(matches!(sobol_indices(&good, n_base, 3, false, 10, c, 1), Err(SensitivityError::InvalidConfidence { .. })));
        }
        assert!(matches!(sobol_indices(&good[..5], 1, 3, false, 10, 0.95, 1), Err(SensitivityError::TooFewBaseSamples { n_base: 1 })));
        assert!(matches!(sobol_indices(&good, n_base, 0, false, 10, 0.95, 1), Err(SensitivityError::NoDimensions { .. })));
        assert!(matches!(sobol_indices(&[], usize::MAX, 3, false, 10, 0.95, 1), Err(SensitivityError::SizeOverflow { .. })));
    }

    #[test]
    fn bootstrap_is_deterministic_and_seeded() {
        let y = ishigami_outputs(256, true, 9);
        let a = sobol_indices(&y, 256, 3, true, 200, 0.9, 4).unwrap();
        let b = sobol_indices(&y, 256, 3, true, 200, 0.9, 4).unwrap();
        let c = sobol_indices(&y, 256, 3, true, 200, 0.9, 5).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.s1, c.s1);
        assert_ne!(a.s1_low, c.s1_low);
        // A wider confidence level gives a wider interval.
        let wide = sobol_indices(&y, 256, 3, true, 200, 0.99, 4).unwrap();
        for i in 0..3 {
            assert!(wide.st_low[i] <= a.st_low[i] && wide.st_high[i] >= a.st_high[i]);
        }
    }

    #[test]
    fn saltelli_design_is_deterministic() {
        let a = saltelli_design(64, 3, true, 77).unwrap();
        assert_eq!(a, saltelli_design(64, 3, true, 77).unwrap());
        assert_ne!(a, saltelli_design(64, 3, true, 78).unwrap());
        assert!(a.iter().flatten().all(|u| (0.0..1.0).contains(u)));
    }

    #[test]
    fn scale_maps_unit_rows_to_bounds() {
        assert_eq!(scale(&[0.0, 0.5, 1.0], &[(-1.0, 1.0), (10.0, 20.0), (2.0, 4.0)]), [-1.0, 15.0, 4.0]);
        assert_eq!(scale(&[0.5, 0.5], &[(0.0, 2.0)]), [1.0]);
        let design = vec![vec![0.25, 0.75]];
        assert_eq!(scale_design(&design, &[(0.0, 4.0), (1.0, 1.0)]).unwrap(), [[1.0, 1.0]]);
        assert!(matches!(scale_design(&design, &[(0.0, 4.0), (2.0, 1.0)]), Err(SensitivityError::InvalidBounds { index: 1, .. })));
        assert!(matches!(
            scale_design(&design, &[(0.0, f64::INFINITY), (0.0, 1.0)]),
            Err(SensitivityError::InvalidBounds { index: 0, .. })
        ));
        assert!(matches!(scale_design(&design, &[(0.0, 4.0)]), Err(SensitivityError::RowLength { row: 0, expected: 1, got: 2 })));
    }

    fn morris_run(f: impl Fn(&[f64]) -> f64, trajectories: usize, k: usize, seed: u64) -> MorrisIndices {
        let design = morris_design(trajectories, k, 4, seed).unwrap();
        let y: Vec<f64> = design.iter().map(|x| f(x)).collect();
        morris_indices(&design, &y, trajectories, k, 500, 0.95, seed + 1).unwrap()
    }

    #[test]
    fn morris_on_a_linear_function() {
        let c = [5.0, 3.0, 1.0, 0.0];
        let f = |x: &[f64]| x.iter().zip(&c).map(|(x, c)| x * c).sum::<f64>();
        let m = morris_run(f, 20, 4, 31);
        for (i, &ci) in c.iter().enumerate() {
            assert!((m.mu_star[i] - ci).abs() < 1e-9, "mu*[{i}] = {}", m.mu_star[i]);
            assert!((m.mu[i] - ci).abs() < 1e-9, "mu[{i}] = {}", m.mu[i]);
            assert!(m.sigma[i] < 1e-9, "sigma[{i}] = {}", m.sigma[i]);
            assert!((m.mu_star_low[i] - ci).abs() < 1e-9);
            assert!((m.mu_star_high[i] - ci).abs() < 1e-9);
        }
        let mut order: Vec<usize> = (0..4).collect();
        order.sort_by(|&a, &b| m.mu_star[b].total_cmp(&m.mu_star[a]));
        assert_eq!(order, [0, 1, 2, 3]);
        assert_eq!(m.effects.len(), 20);
    }

    #[test]
    fn morris_flags_interactions_with_sigma() {
        // x1 and x2 interact; x0 is linear and x3 is inert.
        let f = |x: &[f64]| 2.0 * x[0] + 4.0 * x[1] * x[2];
        let m = morris_run(f, 30, 4, 8);
        assert!(m.sigma[1] > 0.5 && m.sigma[2] > 0.5, "sigma = {:?}", m.sigma);
        assert!(m.sigma[0] < 1e-9 && m.sigma[3] < 1e-9, "sigma = {:?}", m.sigma);
        assert!((m.mu_star[0] - 2.0).abs() < 1e-9 && m.mu_star[3] < 1e-12);
        for i in 1..3 {
            assert!(m.mu_star[i] > 0.5);
            assert!(m.mu_star_low[i] <= m.mu_star[i] && m.mu_star[i] <= m.mu_star_high[i]);
            assert!(m.mu_star_low[i] < m.mu_star_high[i]);
        }
    }

    #[test]
    fn morris_design_is_a_valid_trajectory_design() {
        for levels in [2usize, 4, 6, 8] {
            let (r, k) = (25, 5);
            let design = morris_design(r, k, levels, levels as u64).unwrap();
            assert_eq!(design.len(), r * (k + 1));
            let delta = levels as f64 / (2.0 * (levels - 1) as f64);
            for row in &design {
                for &u in row {
                    assert!((0.0..=1.0).contains(&u));
                    let g = u * (levels - 1) as f64;
                    assert!((g - g.round()).abs() < 1e-12, "{u} is off the grid");
                }
            }
            for t in 0..r {
                let mut moved = vec![0; k];
                for s in 0..k {
                    let (x0, x1) = (&design[t * (k + 1) + s], &design[t * (k + 1) + s + 1]);
                    let changed: Vec<usize> = (0..k).filter(|&i| x0[i] != x1[i]).collect();
                    assert_eq!(changed.len(), 1);
                    let i = changed[0];
                    assert!(((x1[i] - x0[i]).abs() - delta).abs() < 1e-12);
                    moved[i] += 1;
                }
                assert!(moved.iter().all(|&m| m == 1));
            }
        }
    }

    #[test]
    fn morris_design_is_deterministic() {
        let a = morris_design(10, 6, 4, 123).unwrap();
        assert_eq!(a, morris_design(10, 6, 4, 123).unwrap());
        assert_ne!(a, morris_design(10, 6, 4, 124).unwrap());
    }

    #[test]
    fn morris_rejects_bad_input() {
        for levels in [0usize, 1, 3, 5] {
            let err = morris_design(10, 3, levels, 1).unwrap_err();
            assert_eq!(err, SensitivityError::InvalidLevels { levels });
            assert!(err.to_string().contains("even"), "{err}");
        }
        assert!(matches!(morris_design(1, 3, 4, 1), Err(SensitivityError::TooFewTrajectories { trajectories: 1 })));
        assert!(matches!(morris_design(4, 0, 4, 1), Err(SensitivityError::NoDimensions { .. })));
        assert!(matches!(morris_design(usize::MAX / 4, 1, 4, 1), Err(SensitivityError::SizeOverflow { .. })));

        let (r, k) = (4, 3);
        let design = morris_design(r, k, 4, 1).unwrap();
        let y: Vec<f64> = design.iter().map(|x| x.iter().sum()).collect();
        assert!(morris_indices(&design, &y, r, k, 10, 0.95, 1).is_ok());
        assert!(matches!(morris_indices(&design, &y[1..], r, k, 10, 0.95, 1), Err(SensitivityError::OutputLength { .. })));
        assert!(matches!(morris_indices(&design[1..], &y[1..], r, k, 10, 0.95, 1), Err(SensitivityError::DesignRows { .. })));
        let mut bad_y = y.clone();
        bad_y[5] = f64::NAN;
        assert!(matches!(morris_indices(&design, &bad_y, r, k, 10, 0.95, 1), Err(SensitivityError::NonFiniteOutput { row: 5, .. })));

        // Two coordinates changing in one step.
        let mut bad = design.clone();
        let row = 2;
        let i = (0..k).find(|&i| bad[row][i] == bad[row - 1][i]).unwrap();
        bad[row][i] = 1.0 - bad[row][i] + 0.01;
        let err = morris_indices(&bad, &y, r, k, 10, 0.95, 1).unwrap_err();
        assert!(matches!(err, SensitivityError::InvalidTrajectory { trajectory: 0, .. }), "{err}");
        // A repeated row: nothing changes.
        let mut bad = design.clone();
        bad[k + 2] = bad[k + 1].clone();
        let err = morris_indices(&bad, &y, r, k, 10, 0.95, 1).unwrap_err();
        assert!(matches!(err, SensitivityError::InvalidTrajectory { trajectory: 1, .. }), "{err}");
        let mut bad = design.clone();
        bad[0].pop();
        assert!(matches!(morris_indices(&bad, &y, r, k, 10, 0.95, 1), Err(SensitivityError::RowLength { row: 0, .. })));
        let mut bad = design.clone();
        bad[3][1] = f64::INFINITY;
        assert!(matches!(morris_indices(&bad, &y, r, k, 10, 0.95, 1), Err(SensitivityError::NonFiniteInput { row: 3, column: 1, .. })));
        assert!(matches!(morris_indices(&design, &y, r, k, 0, 0.95, 1), Err(SensitivityError::NoResamples)));
    }

    #[test]
    fn errors_implement_std_error() {
        let err: Box<dyn std::error::Error> = Box::new(SensitivityError::ZeroVariance);
        assert!(err.to_string().contains("variance"));
    }

    #[test]
    fn morris_statistics_on_a_hand_made_design() {
        // Two trajectories over k = 2 on the 4-level grid (step 2/3), one
        // moving up and one moving down, with hand-picked outputs:
        // EE_0 = (1.5, -0.75) and EE_1 = (3, -1.5).
        let g = |i: u32| f64::from(i) / 3.0;
        let design = vec![vec![g(0), g(0)], vec![g(2), g(0)], vec![g(2), g(2)], vec![g(1), g(3)], vec![g(1), g(1)], vec![g(3), g(1)]];
        let y = [0.0, 1.0, 3.0, 5.0, 6.0, 5.5];
        let m = morris_indices(&design, &y, 2, 2, 200, 0.9, 1).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(m.effects[0][0], 1.5) && close(m.effects[1][0], -0.75));
        assert!(close(m.effects[0][1], 3.0) && close(m.effects[1][1], -1.5));
        assert!(close(m.mu[0], 0.375) && close(m.mu[1], 0.75));
        assert!(close(m.mu_star[0], 1.125) && close(m.mu_star[1], 2.25));
        let sqrt2 = 2f64.sqrt();
        assert!(close(m.sigma[0], 1.125 * sqrt2) && close(m.sigma[1], 2.25 * sqrt2));
        // Resampling two trajectories gives mu* in {0.75, 1.125, 1.5} for x0.
        assert!(m.mu_star_low[0] >= 0.75 - 1e-12 && m.mu_star_high[0] <= 1.5 + 1e-12);
        assert!(m.mu_star_low[0] < m.mu_star_high[0]);

        // The same parameter moving twice in one trajectory is rejected.
        let mut bad = design.clone();
        bad[2] = vec![g(0), g(0)];
        let err = morris_indices(&bad, &y, 2, 2, 10, 0.9, 1).unwrap_err();
        assert!(err.to_string().contains("second time"), "{err}");
    }
}
