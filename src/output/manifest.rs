//! The run manifest: everything needed to re-create a result (fully resolved scenario, seed,
//! replications, thread count, cadresim version and source revision). It holds no timestamps,
//! so two identical runs write identical manifests apart from the thread count.

use serde_json::{json, Value};

use crate::scenario::Scenario;

/// Facts about a run recorded in its manifest.
#[derive(Debug, Clone)]
pub struct RunFacts<'a> {
    /// The command (`run`, `compare`, `sweep`, ...).
    pub command: &'a str,
    /// Master seed.
    pub seed: u64,
    /// Replications per scenario or design point.
    pub reps: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Files written, relative to the output directory.
    pub files: Vec<String>,
}

/// The manifest of a run over one or more scenarios.
pub fn manifest(facts: &RunFacts<'_>, scenarios: &[&Scenario], extra: Value) -> Value {
    let (version, revision) = crate::app::version();
    let scen: Vec<Value> = scenarios
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "file": s.source.as_ref().map(|p| p.display().to_string()),
                "description": s.description,
                "parameters": s.resolved.to_json(),
            })
        })
        .collect();
    json!({
        "cadresim_version": version,
        "source_revision": revision,
        "command": facts.command,
        "seed": facts.seed,
        "reps": facts.reps,
        "threads": facts.threads,
        "random_streams": "Xoshiro256++ per (seed, replication, township, period), seeded by SplitMix64 mixing",
        "files": facts.files,
        "scenarios": scen,
        "details": extra,
    })
}

/// Pretty JSON text with a final newline.
pub fn to_text(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
