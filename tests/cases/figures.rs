//! Figures and first contact (issue 12): the sanction-against-s table and figure of `run` and
//! `compare`, re-rendered byte for byte by `plot`; the status-quo marks of sweeps; a resolved
//! `scenario.toml` that runs again under its own name; level patterns answered with concrete
//! paths; and an example in every subcommand's `--help`.

use crate::util::{scenario, Dir};

/// Overrides that make any scenario small: 2 townships, 6 periods, a 2-period end window.
const SMALL: &[&str] = &["--set", "population.townships=2", "--set", "population.periods=6", "--set", "output.window=2"];

/// The rows of `sanction_by_effort.csv` as `(scenario, s, m, p, low, high, draws)`, each checked
/// to carry the run's `seed`.
fn effort_rows(text: &str, seed: &str) -> Vec<(String, f64, f64, f64, f64, f64, u64)> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("scenario,seed,s,m,innovate,p,ci_low,ci_high,sanctioned,draws"));
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            assert_eq!(c[1], seed, "the run's seed in {l}");
            let f = |i: usize| c[i].parse::<f64>().unwrap_or_else(|_| panic!("not a number in {l}"));
            (c[0].to_string(), f(2), f(3), f(5), f(6), f(7), c[9].parse().unwrap())
        })
        .collect()
}

#[test]
fn run_writes_the_sanction_against_s_table_and_figure_and_plot_redraws_them_identically() {
    let d = Dir::new();
    d.cmd().args(["run", "--quiet", "--reps", "2", "--out", "r"]).arg(scenario("status_quo_veto.toml")).args(SMALL).stdout();
    let rows = effort_rows(&d.read("r/sanction_by_effort.csv"), "1");
    assert_eq!(rows.len(), 15, "one row per action of the default grid");
    for (name, s, m, p, low, high, draws) in &rows {
        assert_eq!(name, "status_quo_veto");
        assert!(s + m <= 1.0 + 1e-12 && (0.0..=*p).contains(low) && (*p..=1.0).contains(high), "{s} {m}: {p} [{low}, {high}]");
        assert!(*draws > 0);
    }
    // Under the veto, the safest paperwork at each s leaves a risk that grows with s ("the more
    // you do, the more you are blamed"): the lowest p at s = 1 is above the lowest at s = 0.
    let safest = |s: f64| rows.iter().filter(|r| r.1 == s).map(|r| r.3).fold(f64::INFINITY, f64::min);
    assert!(safest(1.0) > safest(0.0), "{} vs {}", safest(1.0), safest(0.0));
    let before: Vec<(String, Vec<u8>)> =
        d.list("r/plots").into_iter().map(|f| (f.clone(), d.read_bytes(&format!("r/plots/{f}")))).collect();
    assert!(before.iter().any(|(f, _)| f == "sanction_by_effort.png") && before.iter().any(|(f, _)| f == "sanction_by_effort.svg"));
    let manifest = d.read("r/manifest.json");
    assert!(manifest.contains("\"sanction_by_effort.csv\"") && manifest.contains("\"plots/sanction_by_effort.svg\""), "{manifest}");
    d.cmd().args(["plot", "r"]).stdout();
    for (f, bytes) in before {
        assert!(d.read_bytes(&format!("r/plots/{f}")) == bytes, "plots/{f} changed when re-rendered");
    }
}

#[test]
fn compare_draws_one_line_per_scenario_and_the_exemption_lowers_the_risk_of_diligent_work() {
    let d = Dir::new();
    d.cmd()
        .args(["compare", "--quiet", "--reps", "2", "--seed", "5", "--out", "c"])
        .arg(scenario("status_quo_veto.toml"))
        .arg(scenario("due_diligence_exemption.toml"))
        .args(SMALL)
        .stdout();
    let rows = effort_rows(&d.read("c/sanction_by_effort.csv"), "5");
    let p = |name: &str, s: f64, m: f64| rows.iter().find(|r| r.0 == name && r.1 == s && r.2 == m).map(|r| (r.3, r.4, r.5)).unwrap();
    // Below the due-diligence threshold the two regimes judge alike (the same draws); at full
    // substantive work the exemption's interval lies wholly below the veto's.
    assert_eq!(p("status_quo_veto", 0.0, 1.0), p("due_diligence_exemption", 0.0, 1.0));
    assert!(p("due_diligence_exemption", 1.0, 0.0).2 < p("status_quo_veto", 1.0, 0.0).1);
    let svg = d.read("c/plots/sanction_by_effort.svg");
    assert!(svg.contains("status quo veto") && svg.contains("due diligence exemption") && svg.contains("Wilson"), "legend and caption");
    let bytes = d.read_bytes("c/plots/sanction_by_effort.png");
    d.cmd().args(["plot", "c"]).stdout();
    assert!(d.read_bytes("c/plots/sanction_by_effort.png") == bytes, "plot changed the figure");
}

#[test]
fn sweeps_mark_the_status_quo() {
    let d = Dir::new();
    let sq = scenario("status_quo_veto.toml");
    d.cmd().args(["sweep", "--quiet", "--reps", "2", "--out", "one", "--vary", "regime.penalty=0:4:3"]).arg(&sq).args(SMALL).stdout();
    // The caption's words, whatever its line breaks: the text of every SVG text element.
    let words = |svg: &str| -> String {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>').and_then(|(_, r)| r.split_once("</text>")).map(|(w, _)| w.trim().to_string()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let svg = d.read("one/plots/sweep.svg");
    assert!(words(&svg).contains("dashed vertical line: status quo, veto penalty"), "1-factor sweep names its status-quo line");
    d.cmd()
        .args(["sweep", "--quiet", "--reps", "2", "--out", "two", "--vary", "regime.penalty=0:4:3", "--vary", "regime.exempt=0:1:2"])
        .arg(&sq)
        .args(SMALL)
        .stdout();
    let svg = d.read("two/plots/heatmap_s.svg");
    assert!(svg.contains("outlined cell: status quo"), "the status quo (penalty 2, exempt 0) is a grid point");
    d.cmd()
        .args(["sweep", "--quiet", "--reps", "2", "--out", "off", "--vary", "regime.penalty=4:6:2", "--vary", "regime.exempt=0:1:2"])
        .arg(&sq)
        .args(SMALL)
        .stdout();
    assert!(d.read("off/plots/heatmap_s.svg").contains("lies outside the grid"));
}

/// Issue 12 (first contact): re-running `DIR/scenario.toml` keeps the name and description.
#[test]
fn resolved_scenario_runs_again_under_its_own_name() {
    let d = Dir::new();
    d.cmd().args(["run", "--quiet", "--reps", "2", "--out", "a"]).arg(scenario("due_diligence_exemption.toml")).args(SMALL).stdout();
    d.cmd().args(["run", "--quiet", "--reps", "2", "--out", "b", "a/scenario.toml"]).stdout();
    let (a, b) = (d.read("a/manifest.json"), d.read("b/manifest.json"));
    let entry = |m: &str| {
        let v: serde_json::Value = serde_json::from_str(m).unwrap();
        (v["scenarios"][0]["name"].clone(), v["scenarios"][0]["description"].clone(), v["scenarios"][0]["parameters"].clone())
    };
    assert_eq!(entry(&b), entry(&a));
    assert_eq!(entry(&b).0, "due_diligence_exemption");
    assert_eq!(d.read("b/summary.csv").replace("a/scenario.toml", ""), d.read("a/summary.csv"));
}

#[test]
fn level_patterns_get_concrete_paths_and_params_shows_one() {
    let d = Dir::new();
    let listing = d.cmd().arg("params").stdout();
    assert!(listing.contains("inspection.levels.merged.rate"), "{listing}");
    for args in [
        vec!["run", "--no-save", "--set", "inspection.levels.*.rate=2"],
        vec!["sweep", "--out", "x", "--vary", "inspection.levels.*.rate=0:2:3"],
    ] {
        let o = d.cmd().args(&args).arg(scenario("status_quo_veto.toml")).output();
        assert_ne!(o.code, Some(0), "{}", o.describe());
        let err = o.stderr.trim();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("inspection.levels.merged.rate") && !err.contains("misconduct"), "{err}");
    }
    assert!(d.list("x").is_empty(), "no partial output");
}

#[test]
fn every_subcommand_help_has_an_example() {
    let d = Dir::new();
    let top = d.cmd().arg("--help").stdout();
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 10, "{top}");
    for c in commands {
        let help = d.cmd().args([c.as_str(), "--help"]).stdout();
        assert!(help.contains("Example"), "`cadresim {c} --help` has no example:\n{help}");
    }
}
