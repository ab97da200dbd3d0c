//! Runtime choice of the instruction set the period kernel is compiled for.
//!
//! The kernel ([`super::township`]) is written as plain loops over contiguous lanes (the logit
//! weights, the EWA update, the foregone payoffs of a level's actions) with our own `exp` and
//! `ln` ([`crate::math::elementary`]), which the compiler vectorises. It is compiled several
//! times, once per [`Isa`], with `#[target_feature]`; the default `cargo build --release`
//! (no `-C target-cpu=native`) then still runs AVX2 or AVX-512 code where the CPU has it, and
//! the baseline (SSE2 on x86_64, the target's default elsewhere) everywhere else.
//!
//! Why this and not a SIMD crate: the kernel's vector work is simple element-wise arithmetic
//! that LLVM vectorises reliably once it may use the wider registers, and plain loops keep one
//! source for every path. `#[target_feature]` plus `is_x86_feature_detected!` is the standard
//! library's own mechanism, with no dependency.
//!
//! Every path computes the same IEEE operations in the same order: only additions,
//! multiplications, divisions, square roots, comparisons and bit operations, never a fused
//! multiply-add (Rust does not contract `a * b + c`, and `fma` is not among the enabled
//! features), and no libm calls in the kernel. So every path gives bit-identical results;
//! `tests::every_instruction_set_gives_bit_identical_runs` in the engine checks it.

/// An instruction set the kernel can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
    /// The compilation target's baseline (SSE2 on x86_64): the fallback, available everywhere.
    Baseline,
    /// AVX2 (x86_64), four `f64` lanes.
    Avx2,
    /// AVX-512 Foundation (x86_64), eight `f64` lanes.
    Avx512,
}

impl Isa {
    /// Every instruction set, narrowest first.
    pub const ALL: [Isa; 3] = [Isa::Baseline, Isa::Avx2, Isa::Avx512];

    /// Whether this CPU can run the path.
    pub fn is_available(self) -> bool {
        match self {
            Isa::Baseline => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => std::arch::is_x86_feature_detected!("avx512f"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The widest path this CPU can run.
    pub fn detect() -> Isa {
        Isa::ALL.into_iter().rev().find(|i| i.is_available()).unwrap_or(Isa::Baseline)
    }

    /// Every path this CPU can run, narrowest first.
    pub fn available() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|i| i.is_available()).collect()
    }

    /// A short lower-case name (`baseline`, `avx2`, `avx512`).
    pub fn name(self) -> &'static str {
        match self {
            Isa::Baseline => "baseline",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }
}

impl std::fmt::Display for Isa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The instruction set is not available on this CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unavailable(pub Isa);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "this CPU cannot run the {} kernel; available: {:?}", self.0, Isa::available())
    }
}

impl std::error::Error for Unavailable {}

#[cfg(test)]
mod tests {
    use super::Isa;
    use crate::engine::{Model, Replication};
    use crate::scenario::Scenario;

    /// Scenarios covering every branch of the kernel: the seven regimes' rules and the options
    /// (Roth-Erev, imitation, fatigue and burnout, innovation, a finer grid, no foregone
    /// payoffs, misconduct with imperfect review, fixed slots, points with a bonus).
    fn scenarios() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
        vec![
            ("status quo", vec![]),
            ("points, bonus", vec![("regime.rule", "points"), ("promotion.bonus", "0.5")]),
            (
                "exemption, misconduct",
                vec![("regime.exempt", "0.8"), ("regime.review_accuracy", "0.7"), ("population.corrupt_share", "0.3")],
            ),
            ("satisfaction", vec![("appraisal.w_materials", "0.2"), ("appraisal.w_satisfaction", "0.6")]),
            ("roth-erev", vec![("learning.rule", "roth_erev")]),
            ("imitation", vec![("learning.rule", "imitation"), ("learning.imitate", "0.3")]),
            ("ewa + imitation, delta 0", vec![("learning.imitate", "0.2"), ("learning.delta", "0")]),
            ("fatigue", vec![("fatigue.enabled", "true"), ("fatigue.limit", "0.6")]),
            ("innovate", vec![("actions.innovate", "true")]),
            ("grid 10", vec![("actions.grid", "10")]),
            ("fixed slots", vec![("promotion.mode", "fixed"), ("promotion.slots", "2")]),
        ]
    }

    /// Issue 11: the baseline kernel and every SIMD path this CPU has give the same bits: every
    /// period's sums, and every cadre's state and attractions after every period.
    #[test]
    fn every_instruction_set_gives_bit_identical_runs() {
        let available = Isa::available();
        assert_eq!(available[0], Isa::Baseline);
        if available.len() == 1 {
            println!("skipped the comparison: this CPU has only the baseline path");
        }
        for (name, sets) in scenarios() {
            let mut s = Scenario::defaults();
            let mut all = vec![("population.townships", "4"), ("population.periods", "12"), ("output.window", "4")];
            all.extend(sets);
            s.apply_sets(&all.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>()).expect("valid overrides");
            let base = Model::new(s.params().expect("valid scenario"));
            let trace = |isa: Isa| {
                let model = base.clone().with_isa(isa).expect("available");
                let mut out = String::new();
                for rep in 0..2 {
                    let mut r = Replication::new(&model, 7, rep);
                    for _ in 0..model.params.periods {
                        let sums = r.step();
                        out.push_str(&format!("{:?}\n", sums));
                        for t in r.townships() {
                            for (i, c) in t.cadres.iter().enumerate() {
                                let bits: Vec<u64> = t.attractions(i, model.actions.len()).iter().map(|a| a.to_bits()).collect();
                                out.push_str(&format!("{c:?} {bits:?} {} {}\n", c.payoff.to_bits(), c.fatigue.to_bits()));
                            }
                        }
                    }
                }
                out
            };
            let want = trace(Isa::Baseline);
            for &isa in &available[1..] {
                let got = trace(isa);
                assert!(got == want, "{name}: the {isa} kernel differs from the baseline");
            }
        }
    }

    #[test]
    fn unavailable_paths_are_refused() {
        let model = Model::new(Scenario::defaults().params().expect("defaults are valid"));
        assert!(model.isa().is_available());
        assert_eq!(model.isa(), Isa::detect());
        for isa in Isa::ALL {
            assert_eq!(model.clone().with_isa(isa).is_ok(), isa.is_available(), "{isa}");
        }
    }
}
