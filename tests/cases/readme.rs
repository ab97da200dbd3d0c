//! The README's figures and tables are what its own commands produce with this code: the
//! `compare`, `sweep` and `sensitivity` commands of its code blocks are run as written (the
//! output directory moved into a temporary one), every figure the README shows from them must
//! be byte-identical to the file in `docs/img/`, and the tables between
//! `<!-- generated: NAME -->` and `<!-- end generated -->` must be what the outputs give. A
//! change of the numbers (the kernel's one re-pin, a new default) makes this fail, naming each
//! stale figure and table, until they are regenerated:
//!
//! ```sh
//! CADRESIM_BLESS=1 cargo test --release --test main readme
//! ```
//!
//! rewrites the figures in `docs/img/` and the generated tables in README.md. It cannot rewrite
//! the prose around them: read the numbers quoted in the text again (the sweep's sentence on
//! penalty 8 is checked here; docs/CALIBRATION.md, docs/PYTHON.md's figures and the explorer's
//! screenshots have their own commands and are not covered).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::Dir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The arguments of the README's `cargo run --release -- COMMAND ...` line, with a brace list
/// (`scenarios/{a,b}.toml`) expanded as the shell does, and `--out` moved under `out`.
fn readme_command(readme: &str, command: &str, out: &Path) -> Vec<String> {
    let prefix = format!("cargo run --release -- {command} ");
    let line = readme.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("README.md has no `{prefix}...` line"));
    let mut args = vec![command.to_string()];
    let mut words = line[prefix.len()..].split_whitespace();
    while let Some(w) = words.next() {
        if w == "--out" {
            let name = words.next().expect("a directory after --out");
            args.push("--out".into());
            args.push(out.join(Path::new(name).file_name().expect("a name")).display().to_string());
        } else if let (Some(open), Some(close)) = (w.find('{'), w.find('}')) {
            args.extend(w[open + 1..close].split(',').map(|x| format!("{}{x}{}", &w[..open], &w[close + 1..])));
        } else {
            args.push(w.to_string());
        }
    }
    args.push("--quiet".into());
    args
}

fn run(args: &[String]) {
    let o = Command::new(env!("CARGO_BIN_EXE_cadresim")).args(args).current_dir(root()).output().expect("run cadresim");
    assert!(o.status.success(), "cadresim {}: {}", args.join(" "), String::from_utf8_lossy(&o.stderr));
}

/// Rows of a CSV file as maps from column to value.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().expect("a header").iter().map(String::from).collect();
    r.records().map(|rec| header.iter().cloned().zip(rec.expect("a CSV row").iter().map(String::from)).collect()).collect()
}

fn num(row: &BTreeMap<String, String>, col: &str) -> f64 {
    row[col].parse().unwrap_or_else(|_| panic!("{col} = {} is not a number", row[col]))
}

/// `x` with `d` decimals and a typographic minus.
fn fmt(x: f64, d: usize) -> String {
    if x.is_nan() {
        return "—".into();
    }
    let s = format!("{x:.d$}");
    let s = if s.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') { s.trim_start_matches('-').to_string() } else { s };
    s.replace('-', "−")
}

/// `x [lo, hi]`, the value with `d` decimals and the interval with `di`; NaN as a dash.
fn with_interval(x: f64, lo: f64, hi: f64, d: usize, di: usize) -> String {
    if x.is_nan() {
        return "—".into();
    }
    format!("{} [{}, {}]", fmt(x, d), fmt(lo, di), fmt(hi, di))
}

/// The README's comparison of the seven regimes, from `comparison.csv`.
fn compare_table(dir: &Path) -> String {
    let all = rows(&dir.join("comparison.csv"));
    let mut scenarios: Vec<String> = Vec::new();
    for r in &all {
        if !scenarios.contains(&r["scenario"]) {
            scenarios.push(r["scenario"].clone());
        }
    }
    let get = |sc: &str, metric: &str| all.iter().find(|r| r["scenario"] == sc && r["metric"] == metric).expect("a comparison row");
    let mut t = String::from(
        "| scenario | substantive work s | formalism m/(s+m) | diligent share | output y | sanctioned (per month) | blame ratio |\n",
    );
    t.push_str("|---|---|---|---|---|---|---|\n");
    for sc in &scenarios {
        let s = get(sc, "s");
        let b = get(sc, "blame_ratio");
        let mean = |m: &str| fmt(num(get(sc, m), "mean"), 3);
        t.push_str(&format!(
            "| {sc} | {} | {} | {} | {} | {} | {} |\n",
            with_interval(num(s, "mean"), num(s, "ci_low"), num(s, "ci_high"), 3, 3),
            mean("formalism"),
            mean("share_diligent"),
            mean("output"),
            mean("sanction_rate"),
            with_interval(num(b, "mean"), num(b, "ci_low"), num(b, "ci_high"), 2, 2),
        ));
    }
    t
}

/// The README's Sobol' table, from `sensitivity_indices.csv`, ranked by ST as printed.
fn sobol_table(dir: &Path) -> String {
    let mut all = rows(&dir.join("sensitivity_indices.csv"));
    all.sort_by(|a, b| num(b, "ST").total_cmp(&num(a, "ST")));
    let mut t = String::from("| parameter | S1 [95%] | ST [95%] |\n|---|---|---|\n");
    for r in &all {
        // Indices with three decimals, intervals with two, as the printed ranking has them.
        let s1 = with_interval(num(r, "S1"), num(r, "S1_ci_low"), num(r, "S1_ci_high"), 3, 2);
        let st = with_interval(num(r, "ST"), num(r, "ST_ci_low"), num(r, "ST_ci_high"), 3, 2);
        t.push_str(&format!("| {} | {s1} | {st} |\n", r["parameter"]));
    }
    t
}

/// The text between `<!-- generated: NAME -->` and the next `<!-- end generated -->` (the
/// marker lines excluded), as a byte range of `readme`.
fn generated(readme: &str, name: &str) -> std::ops::Range<usize> {
    let open = format!("<!-- generated: {name} -->\n");
    let start = readme.find(&open).unwrap_or_else(|| panic!("README.md has no `{}` marker", open.trim_end())) + open.len();
    let end = start + readme[start..].find("<!-- end generated -->").expect("an end marker");
    start..end
}

#[test]
fn readme_figures_and_tables_are_what_its_commands_produce() {
    let dir = Dir::new();
    let readme_path = root().join("README.md");
    let mut readme = std::fs::read_to_string(&readme_path).expect("README.md");
    for command in ["compare", "sweep", "sensitivity"] {
        run(&readme_command(&readme, command, dir.path()));
    }
    let (compare, sweep, sobol) = (dir.join("compare"), dir.join("sweep"), dir.join("sobol"));
    let figures: Vec<(PathBuf, &str)> = vec![
        (compare.join("plots/timeseries.png"), "compare_timeseries.png"),
        (compare.join("plots/blame_ratio.png"), "compare_blame_ratio.png"),
        (compare.join("plots/differences.png"), "compare_differences.png"),
        (compare.join("plots/sanction_by_effort.png"), "compare_sanction_by_effort.png"),
        (compare.join("plots/shares.png"), "compare_shares.png"),
        (sweep.join("plots/heatmap_s.png"), "sweep_heatmap_s.png"),
        (sweep.join("plots/heatmap_formalism.png"), "sweep_heatmap_formalism.png"),
        (sobol.join("plots/sensitivity.png"), "sobol_status_quo_s.png"),
    ];
    let tables = [("compare", compare_table(&compare)), ("sobol", sobol_table(&sobol))];

    // The sweep's sentence: s at penalty 8 without and with full exemption.
    let at = |exempt: &str| {
        let r = rows(&sweep.join("sweep_summary.csv"));
        let row =
            r.iter().find(|r| r["metric"] == "s" && r["regime.penalty"] == "8.0" && r["regime.exempt"] == exempt).expect("a sweep row");
        fmt(num(row, "mean"), 3)
    };
    let sentence = format!("at penalty 8, s = {} without it and {} with full", at("0.0"), at("1.0"));

    let bless = std::env::var_os("CADRESIM_BLESS").is_some();
    let mut stale = Vec::new();
    for (made, name) in &figures {
        let shipped = root().join("docs/img").join(name);
        let new = std::fs::read(made).unwrap_or_else(|e| panic!("{}: {e}", made.display()));
        if std::fs::read(&shipped).ok().as_deref() != Some(&new[..]) {
            stale.push(format!("docs/img/{name}"));
            if bless {
                std::fs::write(&shipped, &new).expect("write a figure");
            }
        }
    }
    for (name, table) in &tables {
        // A blank line on either side, so that the markers are blocks of their own.
        let block = format!("\n{table}\n");
        let range = generated(&readme, name);
        if readme[range.clone()] != block {
            stale.push(format!("README.md table `{name}`:\n{table}"));
            readme.replace_range(range, &block);
        }
    }
    if !readme.contains(&sentence) {
        stale.push(format!("README.md's sweep sentence should say \"{sentence}\" (prose: edit it by hand)"));
    }
    if bless && !stale.is_empty() {
        std::fs::write(&readme_path, &readme).expect("write README.md");
        eprintln!("regenerated (now read the prose around them again):\n{}", stale.join("\n"));
        return;
    }
    assert!(
        stale.is_empty(),
        "out of date with what the README's commands produce now (regenerate with `CADRESIM_BLESS=1 cargo test --release --test main readme`):\n{}",
        stale.join("\n")
    );
}

#[test]
fn readme_number_format_rounds_and_marks_signs_as_the_tables_do() {
    assert_eq!(fmt(-0.0004, 3), "0.000");
    assert_eq!(fmt(-0.0251, 2), "−0.03");
    assert_eq!(fmt(f64::NAN, 2), "—");
    assert_eq!(with_interval(1.8439, 1.7931, 1.8947, 2, 2), "1.84 [1.79, 1.89]");
    assert_eq!(with_interval(0.7692, 0.6449, 0.9061, 3, 2), "0.769 [0.64, 0.91]");
}
