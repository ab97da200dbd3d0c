//! Whether a command fits the machine before work starts: an estimate of the memory it needs,
//! computed from validated parameters with checked arithmetic, and the memory the machine has
//! available (`MemAvailable` in `/proc/meminfo`).
//!
//! The estimate counts what the engine holds at once: the populations of the replications that
//! run in parallel (every cadre's state and one attraction per action), the per-period results
//! kept for every replication until the end of a run, and the rows of design points ×
//! replications an experiment keeps for its summary. It is an estimate of the large structures,
//! not of every allocation; a product that does not fit in 64 bits is itself an error, never a
//! wrap to a small number.

use std::fmt;
use std::mem::size_of;

use crate::engine::{Cadre, PeriodSums, Township};
use crate::metrics::{Accum, METRICS};
use crate::model::outcome::{EffortOutcome, Judgement, Shocks};
use crate::model::{Action, ActionSet, Params};

/// What a command holds in memory at the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demand {
    /// Populations alive at once (one per replication running in parallel).
    pub populations: u64,
    /// Replications whose per-period results are kept in memory until the end.
    pub kept_results: u64,
    /// End-of-run rows kept for a summary (design points × replications of an experiment).
    pub rows: u64,
}

impl Demand {
    /// `cadresim run` with `reps` replications on `threads` threads: every replication's
    /// per-period results are kept until the files are written; at most `threads` populations
    /// are alive at once.
    pub fn run(reps: u64, threads: u64) -> Self {
        Demand { populations: reps.min(threads.max(1)), kept_results: reps, rows: 0 }
    }

    /// An experiment (compare, sweep, sensitivity) of `points` design points × `reps`
    /// replications on `threads` threads: runs go in blocks of `2 × threads`, each keeping its
    /// population and results until its rows are written, and one row per run is kept for the
    /// summary.
    pub fn experiment(points: u64, reps: u64, threads: u64) -> Result<Self, ResourceError> {
        let runs = points.checked_mul(reps).ok_or_else(|| overflow("design points x replications"))?;
        let live = runs.min(threads.max(1).saturating_mul(2));
        Ok(Demand { populations: live, kept_results: live, rows: runs })
    }
}

/// Bytes a command needs, by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Estimate {
    /// One population: cadres, their attractions, townships and working memory.
    pub population: u64,
    /// One replication's per-period results.
    pub results: u64,
    /// One end-of-run row of an experiment.
    pub row: u64,
    /// Everything: `population × populations + results × kept_results + row × rows`.
    pub total: u64,
    /// The demand the estimate is for.
    pub demand: Demand,
}

/// A command does not fit, or its size cannot even be counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceError {
    /// A product of sizes does not fit in 64 bits.
    Overflow {
        /// Which product.
        what: String,
    },
    /// The estimate exceeds the memory available.
    TooLarge {
        /// The estimate.
        estimate: Estimate,
        /// Bytes available (`MemAvailable`).
        available: u64,
    },
}

fn overflow(what: &str) -> ResourceError {
    ResourceError::Overflow { what: what.to_string() }
}

impl fmt::Display for ResourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceError::Overflow { what } => {
                write!(f, "the memory needed for {what} is too large to count in 64 bits; use fewer cadres, periods or replications")
            }
            ResourceError::TooLarge { estimate: e, available } => write!(
                f,
                "this needs about {} of memory ({} per population x {}, {} of results per replication x {}{}) but only {} is available \
                 (MemAvailable in /proc/meminfo); use fewer cadres, periods, replications or threads",
                bytes(e.total),
                bytes(e.population),
                e.demand.populations,
                bytes(e.results),
                e.demand.kept_results,
                if e.demand.rows > 0 { format!(", {} rows of {}", e.demand.rows, bytes(e.row)) } else { String::new() },
                bytes(*available)
            ),
        }
    }
}

impl std::error::Error for ResourceError {}

/// A byte count for people: `512 B`, `3.4 MiB`, `12.0 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut x = n as f64 / 1024.0;
    let mut unit = 0;
    while x >= 1024.0 && unit + 1 < UNITS.len() {
        x /= 1024.0;
        unit += 1;
    }
    format!("{x:.1} {}", UNITS[unit])
}

/// `a × b`, or an overflow error naming `what`.
fn mul(a: u64, b: u64, what: &str) -> Result<u64, ResourceError> {
    a.checked_mul(b).ok_or_else(|| overflow(what))
}

/// `a + b`, or an overflow error naming `what`.
fn add(a: u64, b: u64, what: &str) -> Result<u64, ResourceError> {
    a.checked_add(b).ok_or_else(|| overflow(what))
}

const fn size<T>() -> u64 {
    size_of::<T>() as u64
}

/// Estimates the bytes a command with demand `d` needs for parameters `p`.
pub fn estimate(p: &Params, d: &Demand) -> Result<Estimate, ResourceError> {
    let n_actions = ActionSet::count(p.grid, p.materials, p.innovate) as u64;
    let counties = p.counties as u64;
    let townships = mul(counties, p.townships as u64, "the townships")?;
    let cadres = mul(townships, p.cadres as u64, "the cadres")?;
    // Per cadre: its state and one attraction (8 bytes) per action.
    let per_cadre = add(size::<Cadre>(), mul(n_actions, 8, "one cadre's attractions")?, "one cadre")?;
    let mut population = mul(cadres, per_cadre, "the population")?;
    // Per township: the struct, and each period's sums before they are added up.
    population = add(population, mul(townships, size::<Township>() + size::<Accum>(), "the townships")?, "the population")?;
    // Working memory of one township step (a thread's scratch): per cadre shocks, outcomes,
    // judgements, actions, payoffs, ranking and positions; per action payoffs and weights.
    let scratch_cadre = size::<Shocks>() + size::<EffortOutcome>() + size::<Judgement>() + 4 + 8 + 16 + 4;
    let scratch = add(mul(p.cadres as u64, scratch_cadre, "a township's working memory")?, mul(n_actions, 16, "the action buffers")?, "")?;
    population = add(population, scratch, "the population")?;
    // The model: the action grid and its effort levels.
    population = add(population, mul(n_actions, size::<Action>() + 16, "the action grid")?, "the population")?;
    // Results: per period, the sums of the whole population and of every county.
    let per_period = add(size::<PeriodSums>(), mul(counties, size::<Accum>(), "one period's county sums")?, "one period's sums")?;
    let results = mul(p.periods as u64, per_period, "one replication's results")?;
    // An experiment's row: every metric as a number plus its text in the rows file.
    let row = (METRICS.len() as u64) * (8 + 24) + 64;
    let total = add(
        add(mul(population, d.populations, "the populations")?, mul(results, d.kept_results, "the results")?, "the total")?,
        mul(row, d.rows, "the rows")?,
        "the total",
    )?;
    Ok(Estimate { population, results, row, total, demand: *d })
}

/// `MemAvailable` of a `/proc/meminfo` text, in bytes.
pub fn parse_meminfo(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let mut words = line["MemAvailable:".len()..].split_whitespace();
    let n: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => n.checked_mul(1024),
        None => Some(n),
        Some(_) => None,
    }
}

/// The soft address-space limit (`ulimit -v`) of a `/proc/self/limits` text, in bytes; `None`
/// when unlimited or not stated.
pub fn parse_address_limit(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("Max address space"))?;
    line["Max address space".len()..].split_whitespace().next()?.parse().ok()
}

/// The memory this process may use now, in bytes: the machine's available memory, or this
/// process's address-space limit (`ulimit -v`) where that is lower; `None` if neither is known
/// (no `/proc`, as on macOS or Windows).
pub fn available_memory() -> Option<u64> {
    let machine = std::fs::read_to_string("/proc/meminfo").ok().as_deref().and_then(parse_meminfo);
    // Some address space is already mapped (code, thread stacks): keep a quarter in reserve.
    let limit = std::fs::read_to_string("/proc/self/limits").ok().as_deref().and_then(parse_address_limit).map(|l| l / 4 * 3);
    match (machine, limit) {
        (Some(m), Some(l)) => Some(m.min(l)),
        (m, l) => m.or(l),
    }
}

/// The estimate, or an error if it exceeds `available` bytes (nothing is checked when the
/// available memory is not known).
pub fn check_against(p: &Params, d: &Demand, available: Option<u64>) -> Result<Estimate, ResourceError> {
    let e = estimate(p, d)?;
    match available {
        Some(available) if e.total > available => Err(ResourceError::TooLarge { estimate: e, available }),
        _ => Ok(e),
    }
}

/// [`check_against`] the memory this machine has available now.
pub fn check(p: &Params, d: &Demand) -> Result<Estimate, ResourceError> {
    check_against(p, d, available_memory())
}

#[cfg(test)]
mod limit_tests {
    use super::parse_address_limit;

    #[test]
    fn reads_the_address_space_limit() {
        let text = "Limit                     Soft Limit           Hard Limit           Units\nMax address space         4096000000           unlimited            bytes\n";
        assert_eq!(parse_address_limit(text), Some(4_096_000_000));
        assert_eq!(parse_address_limit("Max address space         unlimited            unlimited            bytes\n"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{Origin, Resolved};

    fn params(sets: &[(&str, &str)]) -> Params {
        let mut r = Resolved::defaults();
        for (k, v) in sets {
            r.set_text(k, v, Origin::Default).unwrap();
        }
        Params::from_resolved(&r).unwrap()
    }

    #[test]
    fn estimate_grows_with_cadres_actions_periods_and_reps() {
        let base = params(&[]);
        let one = estimate(&base, &Demand::run(1, 1)).unwrap();
        // 1000 cadres x 15 actions x 8 bytes of attractions alone.
        assert!(one.population >= 1000 * 15 * 8, "{one:?}");
        assert!(one.results >= 96 * 2 * size::<Accum>(), "{one:?}");
        let twenty = estimate(&base, &Demand::run(20, 2)).unwrap();
        assert_eq!(twenty.total, 2 * one.population + 20 * one.results);
        let more = estimate(&params(&[("population.cadres", "40")]), &Demand::run(1, 1)).unwrap();
        assert!(more.population > one.population + 1000 * 15 * 8, "{more:?} vs {one:?}");
        let fine = estimate(&params(&[("actions.grid", "8")]), &Demand::run(1, 1)).unwrap();
        assert!(fine.population > one.population + 1000 * (45 - 15) * 8, "{fine:?}");
        let long = estimate(&params(&[("population.periods", "960")]), &Demand::run(1, 1)).unwrap();
        assert_eq!(long.results, 10 * one.results);
    }

    #[test]
    fn experiment_demand_keeps_one_row_per_run_and_a_block_of_populations() {
        let d = Demand::experiment(50, 10, 2).unwrap();
        assert_eq!(d, Demand { populations: 4, kept_results: 4, rows: 500 });
        assert_eq!(Demand::experiment(1, 1, 8).unwrap().populations, 1);
        let e = estimate(&params(&[]), &d).unwrap();
        assert_eq!(e.total, 4 * e.population + 4 * e.results + 500 * e.row);
        assert!(matches!(Demand::experiment(u64::MAX, 2, 1), Err(ResourceError::Overflow { .. })));
    }

    #[test]
    fn a_product_overflow_is_an_error_not_a_wrap() {
        let p = params(&[]);
        let e = estimate(&p, &Demand { populations: 1, kept_results: u64::MAX, rows: 0 }).unwrap_err();
        assert!(matches!(e, ResourceError::Overflow { .. }), "{e}");
        assert!(e.to_string().contains("too large to count in 64 bits"), "{e}");
        // Parameters that cannot come from the registry overflow inside the estimate too.
        let mut huge = p.clone();
        huge.counties = usize::MAX / 2;
        assert!(matches!(estimate(&huge, &Demand::run(1, 1)), Err(ResourceError::Overflow { .. })));
    }

    #[test]
    fn the_largest_registry_population_is_counted_without_overflow() {
        // Every size at its registry maximum: the estimate is exact arithmetic, not saturated.
        let mut p = params(&[]);
        p.counties = 10_000;
        p.townships = 100_000;
        p.cadres = 100_000;
        p.periods = 100_000;
        let e = estimate(&p, &Demand::run(1, 1)).unwrap();
        assert!(e.population >= 100_000_000_000_000 * (15 * 8 + size::<Cadre>()), "{e:?}");
        assert!(e.results >= 100_000 * 10_000 * size::<Accum>(), "{e:?}");
    }

    #[test]
    fn the_national_scenario_is_estimated_between_its_attractions_and_its_memory_target() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/national.toml");
        let p = crate::scenario::Scenario::load(&path).unwrap().params().unwrap();
        let e = estimate(&p, &Demand::run(1, 2)).unwrap();
        // 832 x 18 x 200 cadres with 15 attractions of 8 bytes each, at least; the project's
        // target for the whole run is 2 GiB (docs/PERFORMANCE.md).
        assert!(e.total >= 832 * 18 * 200 * 15 * 8, "{e:?}");
        assert!(e.total < 2 << 30, "{e:?}");
        eprintln!("national, 1 replication: {} ({e:?})", bytes(e.total));
    }

    #[test]
    fn too_large_names_the_estimate_and_the_available_memory() {
        let p = params(&[]);
        let need = estimate(&p, &Demand::run(20, 2)).unwrap().total;
        assert!(check_against(&p, &Demand::run(20, 2), Some(need)).is_ok());
        assert!(check_against(&p, &Demand::run(20, 2), None).is_ok());
        let e = check_against(&p, &Demand::run(20, 2), Some(need - 1)).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with(&format!("this needs about {} of memory", bytes(need))), "{text}");
        assert!(text.contains(&format!("but only {} is available", bytes(need - 1))), "{text}");
        assert!(text.contains("x 20"), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
    }

    #[test]
    fn meminfo_is_parsed_in_kibibytes() {
        let text = "MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:   12345678 kB\n";
        assert_eq!(parse_meminfo(text), Some(12_345_678 * 1024));
        assert_eq!(parse_meminfo("MemTotal: 5 kB\n"), None);
        assert_eq!(parse_meminfo("MemAvailable: lots kB\n"), None);
        assert_eq!(parse_meminfo("MemAvailable: 99999999999999999 kB\n"), None);
        if std::path::Path::new("/proc/meminfo").exists() {
            assert!(available_memory().is_some_and(|b| b > 0));
        }
    }

    #[test]
    fn bytes_are_shown_in_binary_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
    }
}
