//! Throughput benchmarks (criterion): how many cadre-periods per second the engine simulates.
//!
//! Groups (filter with `cargo bench --bench throughput -- <group>`):
//! - `population`: one replication of the status-quo scenario, 12 periods, at 10^3 to 10^6 cadres
//!   (the status-quo county of 50 townships x 20 cadres, repeated), on all cores;
//! - `learning`: the learning step alone, per cadre: the EWA update over the 15 actions with
//!   foregone payoffs, and the logit choice that follows it;
//! - `replications`: replication throughput of the default 1,000-cadre scenario (96 periods);
//! - `threads`: 1 vs 2 threads (rayon pools) around `run_replications`: one replication of 10^5
//!   cadres for 96 periods (township-level parallelism), and 40 replications of the default
//!   scenario (replication-level parallelism);
//! - `isa`: one replication of 10^5 cadres for 12 periods on one thread, on each instruction set
//!   this CPU can run (`baseline`, `avx2`, `avx512`; results are bit-identical);
//! - `options`: one thread, 10^4 cadres, 12 periods, for the other learning rules and options
//!   (Roth-Erev, imitation, innovation, fatigue, the finer grid G = 10 with 66 actions);
//! - `exp_lanes`: our own `exp` alone over 4,096 values, in the kernel's groups (16 logit lanes
//!   with an `-inf` padding lane, 8 complaint lanes) and as one long slice, on each instruction
//!   set this CPU can run.
//!
//! Sample sizes and times are kept small so that the whole file runs in a few minutes; see
//! docs/PERFORMANCE.md for the numbers and the machine.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use cadresim::engine::simd::Isa;
use cadresim::engine::{run_replication, run_replications, Model, Silent};
use cadresim::math::elementary::exp_in_place;
use cadresim::model::learning::{ewa_update, logit_buffer_len, logit_choice_with};
use cadresim::scenario::Scenario;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};

/// The status-quo scenario with `counties` copies of its county (1,000 cadres each) and `periods`
/// periods.
fn status_quo(counties: usize, periods: usize) -> Model {
    status_quo_with(counties, periods, &[])
}

/// [`status_quo`] with further `--set` style overrides.
fn status_quo_with(counties: usize, periods: usize, more: &[(&str, &str)]) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/status_quo_veto.toml");
    let mut s = Scenario::load(&path).expect("scenarios/status_quo_veto.toml loads");
    let window = periods.min(12);
    let sets =
        [("population.counties", counties.to_string()), ("population.periods", periods.to_string()), ("output.window", window.to_string())];
    s.apply_sets(&sets.map(|(k, v)| (k.to_string(), v))).expect("valid overrides");
    s.apply_sets(&more.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>()).expect("valid overrides");
    Model::new(s.params().expect("valid scenario"))
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool")
}

fn population(c: &mut Criterion) {
    let mut g = c.benchmark_group("population");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    let periods = 12;
    for counties in [1, 10, 100, 1000] {
        let model = status_quo(counties, periods);
        let cadres = model.params.total_cadres();
        g.throughput(Throughput::Elements((cadres * periods) as u64));
        g.bench_with_input(BenchmarkId::new("status_quo_veto_12_periods", cadres), &model, |b, m| {
            b.iter(|| run_replication(m, 1, 0, &Silent).expect("not cancelled"))
        });
    }
    g.finish();
}

fn learning(c: &mut Criterion) {
    let mut g = c.benchmark_group("learning");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
    let cadres = 10_000;
    let na = 15;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    let mut attr: Vec<f64> = (0..cadres * na).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect();
    let pay: Vec<f64> = (0..cadres * na).map(|_| rng.random::<f64>() * 4.0 - 2.0).collect();
    let chosen: Vec<usize> = (0..cadres).map(|_| rng.random_range(0..na)).collect();
    let uniforms: Vec<f64> = (0..cadres).map(|_| rng.random()).collect();
    let mut experience = vec![1.0; cadres];
    let mut cumulative = vec![0.0; logit_buffer_len(na)];
    g.throughput(Throughput::Elements(cadres as u64));
    g.bench_function("ewa_update_15_actions", |b| {
        b.iter(|| {
            for i in 0..cadres {
                let a = &mut attr[i * na..(i + 1) * na];
                ewa_update(a, &mut experience[i], chosen[i], &pay[i * na..(i + 1) * na], 0.9, 0.9, 0.5);
            }
            // Keep attractions bounded across iterations.
            experience.iter_mut().for_each(|n| *n = 1.0);
        })
    });
    g.bench_function("logit_choice_15_actions", |b| {
        b.iter(|| {
            let mut sum = 0;
            for i in 0..cadres {
                sum += logit_choice_with(&attr[i * na..(i + 1) * na], 5.0, uniforms[i], &mut cumulative);
            }
            black_box(sum)
        })
    });
    g.finish();
}

fn replications(c: &mut Criterion) {
    let mut g = c.benchmark_group("replications");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    let model = status_quo(1, 96);
    let reps = 40;
    g.throughput(Throughput::Elements(reps));
    g.bench_function("status_quo_veto_1000_cadres_96_periods", |b| {
        b.iter(|| run_replications(&model, 1, 0..reps, &Silent).expect("not cancelled"))
    });
    g.finish();
}

fn threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("threads");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    let large = status_quo(100, 96);
    let cadres = large.params.total_cadres();
    g.throughput(Throughput::Elements((cadres * large.params.periods) as u64));
    for n in [1, 2] {
        let p = pool(n);
        g.bench_with_input(BenchmarkId::new("one_replication_100000_cadres_96_periods", n), &n, |b, _| {
            b.iter(|| p.install(|| run_replications(&large, 1, 0..1, &Silent).expect("not cancelled")))
        });
    }
    let small = status_quo(1, 96);
    let reps = 40;
    g.throughput(Throughput::Elements(reps * (small.params.total_cadres() * small.params.periods) as u64));
    for n in [1, 2] {
        let p = pool(n);
        g.bench_with_input(BenchmarkId::new("40_replications_1000_cadres_96_periods", n), &n, |b, _| {
            b.iter(|| p.install(|| run_replications(&small, 1, 0..reps, &Silent).expect("not cancelled")))
        });
    }
    g.finish();
}

fn isa(c: &mut Criterion) {
    let mut g = c.benchmark_group("isa");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    let periods = 12;
    let model = status_quo(100, periods);
    g.throughput(Throughput::Elements((model.params.total_cadres() * periods) as u64));
    let p = pool(1);
    for isa in Isa::available() {
        let m = model.clone().with_isa(isa).expect("available");
        g.bench_function(BenchmarkId::new("one_thread_100000_cadres_12_periods", isa), |b| {
            b.iter(|| p.install(|| run_replication(&m, 1, 0, &Silent).expect("not cancelled")))
        });
    }
    g.finish();
}

fn options(c: &mut Criterion) {
    let mut g = c.benchmark_group("options");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    let periods = 12;
    let p = pool(1);
    let cases: [(&str, &[(&str, &str)]); 6] = [
        ("default_ewa", &[]),
        ("roth_erev", &[("learning.rule", "roth_erev")]),
        ("imitation", &[("learning.rule", "imitation"), ("learning.imitate", "0.3")]),
        ("innovate_30_actions", &[("actions.innovate", "true")]),
        ("fatigue", &[("fatigue.enabled", "true")]),
        ("grid_10_66_actions", &[("actions.grid", "10")]),
    ];
    for (name, sets) in cases {
        let model = status_quo_with(10, periods, sets);
        g.throughput(Throughput::Elements((model.params.total_cadres() * periods) as u64));
        g.bench_function(BenchmarkId::new("one_thread_10000_cadres_12_periods", name), |b| {
            b.iter(|| p.install(|| run_replication(&model, 1, 0, &Silent).expect("not cancelled")))
        });
    }
    g.finish();
}

/// `exp_in_place` over `xs` in groups of `L` lanes, as the kernel calls it.
#[inline(always)]
fn exp_groups<const L: usize>(xs: &mut [f64]) {
    for lanes in xs.chunks_exact_mut(L) {
        exp_in_place(lanes);
    }
}

/// [`exp_groups`] compiled for AVX2, as the engine's AVX2 kernel is.
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn exp_groups_avx2<const L: usize>(xs: &mut [f64]) {
    exp_groups::<L>(xs)
}

/// [`exp_groups`] compiled for AVX-512F.
///
/// # Safety
/// The CPU must have AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn exp_groups_avx512<const L: usize>(xs: &mut [f64]) {
    exp_groups::<L>(xs)
}

fn exp_groups_on<const L: usize>(isa: Isa, xs: &mut [f64]) {
    match isa {
        // SAFETY: `Isa::available` lists only the paths this CPU can run.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { exp_groups_avx2::<L>(xs) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { exp_groups_avx512::<L>(xs) },
        _ => exp_groups::<L>(xs),
    }
}

fn exp_lanes(c: &mut Criterion) {
    let mut g = c.benchmark_group("exp_lanes");
    g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
    let n = 4096;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
    // Logit arguments lambda*(A_j - max) in [-50, 0], the 16th lane padding; complaint arguments
    // -beta*satisfaction in [-10, 10]; a long slice over [-50, 10].
    let logit: Vec<f64> = (0..n).map(|i| if i % 16 == 15 { f64::NEG_INFINITY } else { -50.0 * rng.random::<f64>() }).collect();
    let complaint: Vec<f64> = (0..n).map(|_| 20.0 * rng.random::<f64>() - 10.0).collect();
    let wide: Vec<f64> = (0..n).map(|_| 60.0 * rng.random::<f64>() - 50.0).collect();
    let mut work = vec![0.0; n];
    g.throughput(Throughput::Elements(n as u64));
    for isa in Isa::available() {
        g.bench_function(BenchmarkId::new("logit_16", isa), |b| {
            b.iter(|| {
                work.copy_from_slice(&logit);
                exp_groups_on::<16>(isa, black_box(&mut work));
            })
        });
        g.bench_function(BenchmarkId::new("complaint_8", isa), |b| {
            b.iter(|| {
                work.copy_from_slice(&complaint);
                exp_groups_on::<8>(isa, black_box(&mut work));
            })
        });
        g.bench_function(BenchmarkId::new("slice_4096", isa), |b| {
            b.iter(|| {
                work.copy_from_slice(&wide);
                exp_groups_on::<4096>(isa, black_box(&mut work));
            })
        });
    }
    g.finish();
}

criterion_group!(benches, population, learning, replications, threads, isa, options, exp_lanes);
criterion_main!(benches);
