//! Issue 12, data: the tables of `run`, `compare`, `sweep` and `sensitivity` load cleanly with the
//! defaults of pandas, polars and R, their Parquet copies hold the CSV's values, and every
//! column and manifest field written is documented in docs/OUTPUTS.md.
//!
//! The pandas/polars/R checks need `target/pyenv` with pandas, polars and pyarrow and `Rscript`
//! (`.ci/install-tables.sh`); without them they print "skipped: ..." and pass, unless
//! `CADRESIM_REQUIRE_COMPONENTS=1`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{scenario, Dir};

/// Small sizes for every command.
const SMALL: &[&str] =
    &["--set", "population.townships=2", "--set", "population.periods=5", "--set", "output.window=2", "--reps", "2", "--quiet"];

/// Runs every command once into `dir` (`run`, `compare`, `sweep`, two sensitivity analyses and
/// the shards of a sweep) with `format`, and returns the output directories.
fn every_command(dir: &Dir, format: &str) -> Vec<String> {
    let sq = scenario("status_quo_veto.toml");
    let reform = scenario("combined_reform.toml");
    let run = |args: &[&str], out: &str| {
        let mut c = dir.cmd();
        c.args(args).args(SMALL).args(["--format", format, "--out", out]);
        c.stdout();
    };
    let sq = sq.to_str().expect("a UTF-8 path");
    let reform = reform.to_str().expect("a UTF-8 path");
    run(&["run", sq, "--set", "population.counties=2", "--cadre-output"], "run");
    run(&["compare", sq, reform], "compare");
    run(&["sweep", sq, "--vary", "regime.penalty=0:2:2", "--vary", "population.cadres=4:6:2"], "sweep");
    let sobol = ["--param", "regime.penalty=0:2", "--param", "regime.exempt=0:1", "--samples", "4", "--bootstrap", "20"];
    run(&[&["sensitivity", sq, "--method", "sobol", "--second-order"][..], &sobol].concat(), "sobol");
    run(&[&["sensitivity", sq, "--method", "morris"][..], &sobol].concat(), "morris");
    run(&["sweep", sq, "--vary", "regime.penalty=0:2:2", "--shard", "1/2"], "shard1");
    ["run", "compare", "sweep", "sobol", "morris", "shard1"].map(String::from).to_vec()
}

/// The CSV files of an output directory (top level), sorted.
fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("list an output directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    v.sort();
    v
}

fn header(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("read a table");
    text.lines().next().unwrap_or("").split(',').map(String::from).collect()
}

/// Every key of a JSON value's objects, recursively, except inside `parameters` (the registry's
/// own names) and `values`.
fn keys(v: &serde_json::Value, out: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                if k != "parameters" {
                    keys(x, out);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

#[test]
fn issue12_every_written_column_is_documented() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/OUTPUTS.md")).expect("docs/OUTPUTS.md");
    let dir = Dir::new();
    let mut missing = BTreeSet::new();
    let mut files = BTreeSet::new();
    for out in every_command(&dir, "parquet") {
        let m: serde_json::Value = serde_json::from_str(&dir.read(&format!("{out}/manifest.json"))).expect("a JSON manifest");
        let mut fields = BTreeSet::new();
        keys(&m, &mut fields);
        for f in fields {
            if !doc.contains(&format!("`{f}`")) {
                missing.insert(format!("{out}/manifest.json: field {f}"));
            }
        }
        for path in csv_files(&dir.join(&out)) {
            let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            files.insert(name.clone());
            for col in header(&path) {
                // Varied parameters are named by their registry path (documented as such).
                if cadresim::params::spec_for(&col).is_some() {
                    continue;
                }
                if !doc.contains(&format!("`{col}`")) {
                    missing.insert(format!("{out}/{name}: column {col}"));
                }
            }
        }
        for entry in std::fs::read_dir(dir.join(&out)).expect("list").flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if !name.starts_with('.') && name != "plots" && !doc.contains(&format!("`{name}`")) {
                missing.insert(format!("{out}: file {name}"));
            }
        }
    }
    assert!(files.contains("runs_window.csv") && files.contains("cadres.csv") && files.contains("sensitivity_s2.csv"), "{files:?}");
    assert!(missing.is_empty(), "written but not documented in docs/OUTPUTS.md:\n{}", missing.into_iter().collect::<Vec<_>>().join("\n"));
}

/// Issue 12: every index column follows one convention: identifiers from 0, periods from 1.
#[test]
fn issue12_index_columns_start_at_zero_and_periods_at_one() {
    let dir = Dir::new();
    for out in every_command(&dir, "csv") {
        for path in csv_files(&dir.join(&out)) {
            let head = header(&path);
            let text = std::fs::read_to_string(&path).expect("read");
            for (c, name) in head.iter().enumerate() {
                let first = match name.as_str() {
                    "point" | "rep" | "county" | "township" | "cadre" => 0,
                    "period" => 1,
                    _ => continue,
                };
                let values: Vec<u64> = text
                    .lines()
                    .skip(1)
                    .map(|l| {
                        l.split(',').nth(c).and_then(|x| x.parse().ok()).unwrap_or_else(|| panic!("{}: {name} in {l}", path.display()))
                    })
                    .collect();
                let min = values.iter().min().copied();
                assert_eq!(min, Some(first), "{}: column {name} starts at {min:?}", path.display());
            }
        }
    }
}

/// The Parquet copy of every big table holds exactly the CSV's values, with typed columns.
#[cfg(feature = "parquet")]
#[test]
fn issue12_parquet_holds_the_values_of_the_csv() {
    use parquet::basic::Type as Physical;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    let dir = Dir::new();
    let mut checked = Vec::new();
    for out in every_command(&dir, "parquet") {
        for csv in csv_files(&dir.join(&out)) {
            let pq = csv.with_extension("parquet");
            if !pq.exists() {
                continue;
            }
            let reader = SerializedFileReader::new(std::fs::File::open(&pq).expect("open")).expect("a Parquet file");
            let schema = reader.metadata().file_metadata().schema_descr_ptr();
            let head = header(&csv);
            let names: Vec<String> = schema.columns().iter().map(|c| c.name().to_string()).collect();
            assert_eq!(names, head, "{}: columns", pq.display());
            for (c, name) in schema.columns().iter().zip(&head) {
                let want = match cadresim::output::parquet::column_type(name) {
                    cadresim::output::parquet::ColumnType::Text => Physical::BYTE_ARRAY,
                    cadresim::output::parquet::ColumnType::Float => Physical::DOUBLE,
                    _ => Physical::INT64,
                };
                assert_eq!(c.physical_type(), want, "{}: column {name}", pq.display());
            }
            let text = std::fs::read_to_string(&csv).expect("read");
            let mut lines = text.lines().skip(1);
            let mut n = 0;
            for row in reader.get_row_iter(None).expect("rows") {
                let row = row.expect("a row");
                let line = lines.next().unwrap_or_else(|| panic!("{}: more rows than the CSV", pq.display()));
                let cells: Vec<&str> = line.split(',').collect();
                for ((name, field), cell) in row.get_column_iter().zip(&cells) {
                    let same = match field {
                        Field::Str(s) => s == cell,
                        Field::Long(x) => x.to_string() == *cell,
                        Field::ULong(x) => x.to_string() == *cell,
                        Field::Double(x) => {
                            let y: f64 = cell.parse().expect("a float cell");
                            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
                        }
                        other => panic!("{}: column {name}: unexpected {other:?}", pq.display()),
                    };
                    assert!(same, "{}: row {n}, column {name}: Parquet {field} but CSV {cell}", pq.display());
                }
                n += 1;
            }
            assert!(lines.next().is_none(), "{}: fewer rows than the CSV", pq.display());
            assert!(n > 0, "{}: empty", pq.display());
            checked.push(pq.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default());
        }
    }
    checked.sort();
    let want = [
        "cadres.parquet",
        "counties.parquet",
        "periods.parquet",
        "runs.parquet",
        "runs_window.parquet",
        "sensitivity_runs.parquet",
        "sensitivity_runs.parquet",
        // Shards hold CSV only: their merge writes the Parquet copies.
        "sweep.parquet",
    ];
    assert_eq!(checked, want);
}

fn components_required() -> bool {
    std::env::var("CADRESIM_REQUIRE_COMPONENTS").is_ok_and(|v| v == "1")
}

fn skip(why: &str) {
    assert!(!components_required(), "required component missing: {why} (run .ci/install-tables.sh)");
    println!("skipped: {why}");
}

/// The venv's interpreter: `CADRESIM_PYENV` or `target/pyenv`.
fn python() -> PathBuf {
    let env = std::env::var_os("CADRESIM_PYENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("pyenv"));
    env.join("bin").join("python")
}

/// The kind every reader must infer for a column: `int`, `float` or `str`.
fn kind(column: &str) -> &'static str {
    use cadresim::output::parquet::{column_type, ColumnType};
    match column_type(column) {
        ColumnType::Text => "str",
        ColumnType::Int | ColumnType::UInt => "int",
        ColumnType::Float => "float",
    }
}

/// What the loaders are told: one line per table, `path<TAB>kind,kind,...`.
fn expectations(dir: &Dir, outs: &[String]) -> String {
    let mut spec = String::new();
    for out in outs {
        for csv in csv_files(&dir.join(out)) {
            let kinds: Vec<&str> = header(&csv).iter().map(|c| kind(c)).collect();
            spec.push_str(&format!("{}\t{}\n", csv.display(), kinds.join(",")));
            let pq = csv.with_extension("parquet");
            if pq.exists() {
                spec.push_str(&format!("{}\t{}\n", pq.display(), kinds.join(",")));
            }
        }
    }
    spec
}

const PY_CHECK: &str = r#"
import sys
import pandas as pd
import polars as pl

bad = []
n = 0
for line in open(sys.argv[1]):
    path, kinds = line.rstrip("\n").split("\t")
    kinds = kinds.split(",")
    parquet = path.endswith(".parquet")
    frames = {
        "pandas": pd.read_parquet(path) if parquet else pd.read_csv(path),
        "polars": pl.read_parquet(path) if parquet else pl.read_csv(path),
    }
    for lib, df in frames.items():
        n += 1
        dtypes = list(df.dtypes)
        if len(dtypes) != len(kinds):
            bad.append(f"{lib} {path}: {len(dtypes)} columns, expected {len(kinds)}")
            continue
        for col, dt, want in zip(df.columns, dtypes, kinds):
            if lib == "pandas":
                got = ("int" if pd.api.types.is_integer_dtype(dt) else "float" if pd.api.types.is_float_dtype(dt)
                       else "str" if pd.api.types.is_string_dtype(dt) or pd.api.types.is_object_dtype(dt) else str(dt))
            else:
                got = ("int" if dt.is_integer() else "float" if dt.is_float() else "str" if dt == pl.String else str(dt))
            if got != want:
                bad.append(f"{lib} {path}: column {col} read as {dt}, expected {want}")
print(f"checked {n} loads")
if bad:
    print("\n".join(bad))
    sys.exit(1)
"#;

const R_CHECK: &str = r#"
args <- commandArgs(trailingOnly = TRUE)
bad <- character(0)
n <- 0
for (line in readLines(args[1])) {
  parts <- strsplit(line, "\t")[[1]]
  path <- parts[1]
  if (grepl("\\.parquet$", path)) next
  kinds <- strsplit(parts[2], ",")[[1]]
  df <- read.csv(path)
  n <- n + 1
  got <- vapply(df, function(x) if (is.integer(x)) "int" else if (is.double(x)) "float" else if (is.character(x)) "str" else class(x)[1], "")
  if (length(got) != length(kinds)) {
    bad <- c(bad, sprintf("%s: %d columns, expected %d", path, length(got), length(kinds)))
  } else {
    for (i in seq_along(kinds)) {
      if (got[i] != kinds[i]) bad <- c(bad, sprintf("%s: column %s read as %s, expected %s", path, names(df)[i], got[i], kinds[i]))
    }
  }
}
cat(sprintf("checked %d loads\n", n))
if (length(bad) > 0) { cat(bad, sep = "\n"); quit(status = 1) }
"#;

#[test]
fn issue12_tables_load_with_pandas_polars_and_r_defaults() {
    let py = python();
    let py_ready =
        py.is_file() && Command::new(&py).args(["-c", "import pandas, polars, pyarrow"]).output().is_ok_and(|o| o.status.success());
    let r_ready = Command::new("Rscript").arg("--version").output().is_ok_and(|o| o.status.success());
    if !py_ready {
        skip(&format!("no Python environment with pandas, polars and pyarrow at {}", py.display()));
    }
    if !r_ready {
        skip("no Rscript (apt-get install r-base-core)");
    }
    if !py_ready && !r_ready {
        return;
    }
    let dir = Dir::new();
    let outs = every_command(&dir, if cfg!(feature = "parquet") { "parquet" } else { "csv" });
    let spec = expectations(&dir, &outs);
    assert!(spec.lines().count() >= 20, "too few tables:\n{spec}");
    dir.create("tables.tsv", &spec);
    let spec_path = dir.join("tables.tsv");
    if py_ready {
        dir.create("check.py", PY_CHECK);
        let o = Command::new(&py).arg(dir.join("check.py")).arg(&spec_path).output().expect("start python");
        let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success(), "pandas/polars:\n{text}");
        assert!(text.contains("checked"), "{text}");
        println!("pandas/polars: {}", text.trim());
    }
    if r_ready {
        dir.create("check.R", R_CHECK);
        let o = Command::new("Rscript").arg(dir.join("check.R")).arg(&spec_path).output().expect("start Rscript");
        let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success(), "R read.csv:\n{text}");
        assert!(text.contains("checked"), "{text}");
        println!("R: {}", text.trim());
    }
}

/// Parquet copies of a comparison merged from shards, and re-made by `plot DIR`, are the bytes
/// of an unsharded run's (the format is recorded in the manifest the shards carry).
#[test]
fn issue12_parquet_of_merged_shards_equals_the_unsharded_run() {
    let dir = Dir::new();
    let (sq, reform) = (scenario("status_quo_veto.toml"), scenario("combined_reform.toml"));
    let compare = |out: &str, extra: &[&str]| {
        let mut c = dir.cmd();
        c.arg("compare").arg(&sq).arg(&reform).args(SMALL).args(["--format", "parquet", "--out", out]).args(extra);
        c.stdout();
    };
    compare("whole", &[]);
    compare("s1", &["--shard", "1/2"]);
    compare("s2", &["--shard", "2/2"]);
    dir.cmd().args(["merge", "s1", "s2", "--out", "merged"]).stdout();
    let tables = ["runs.csv", "runs_window.csv", "runs.parquet", "runs_window.parquet", "comparison.csv", "manifest.json"];
    for f in tables {
        assert_eq!(dir.read_bytes(&format!("whole/{f}")), dir.read_bytes(&format!("merged/{f}")), "{f}: merged shards differ");
    }
    std::fs::remove_file(dir.join("merged/runs.parquet")).expect("remove");
    dir.cmd().args(["plot", "merged"]).stdout();
    assert_eq!(dir.read_bytes("whole/runs.parquet"), dir.read_bytes("merged/runs.parquet"), "plot DIR re-made another runs.parquet");
}
