//! Running an experiment into an output directory, resumably.
//!
//! Rows are appended, in run order and one chunk of runs at a time, to a hidden journal
//! (`.ROWS.partial`, with the experiment's fingerprint in `.ROWS.experiment`). A stopped
//! experiment started again with the same spec continues after the last complete run (a torn last
//! line is discarded). The journal stays until the results are committed, so a failure while
//! finishing loses no simulation.
//!
//! The journal's header is that of the main rows file. For per-period records (comparisons)
//! each run's period lines are followed by its end-of-window line; the finished journal is split
//! into `runs.csv` and `runs_window.csv`. For window records it becomes the rows file as is.
//!
//! After every chunk the journal's length and the SHA-256 of everything up to it are appended to
//! `.ROWS.sums`. A resumed run checks the journal against the last of them, so rows deleted,
//! duplicated, edited or appended by anything else are found before they are trusted; work
//! written after the last checksum (a chunk whose checksum a kill prevented) is run again.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{with_threads, Experiment, OutputSpec, Record, Row};
use crate::error::{Error, SpecError};
use crate::job::Job;
use crate::output::csv::Table;
use crate::output::{OutputError, Staging};

/// Environment variable of a test hook: panic after this many blocks of runs were journaled (so
/// tests can check what a panic in the middle of an experiment leaves behind).
pub const PANIC_AFTER_ENV: &str = "CADRESIM_TEST_PANIC_AFTER_BLOCKS";

/// The journal of `rows_file` in `dir`.
pub fn journal_path(dir: &Path, rows_file: &str) -> PathBuf {
    dir.join(format!(".{rows_file}.partial"))
}

fn id_path(dir: &Path, rows_file: &str) -> PathBuf {
    dir.join(format!(".{rows_file}.experiment"))
}

fn sums_path(dir: &Path, rows_file: &str) -> PathBuf {
    dir.join(format!(".{rows_file}.sums"))
}

/// The marker of a journal whose experiment failed for a reason a rerun would meet again (an
/// undefined metric, values that stopped being finite): it holds the message.
fn failed_path(dir: &Path, rows_file: &str) -> PathBuf {
    dir.join(format!(".{rows_file}.failed"))
}

/// Whether an error is an interruption (cancelled, or output that could not be written, e.g. a
/// full disk): rerunning the same command may then finish the work, so its journal stays
/// resumable. Any other error after the runs started would recur on a rerun.
pub fn is_interruption(e: &Error) -> bool {
    matches!(e, Error::Cancelled | Error::Output(_) | Error::Resources(_))
}

/// Records that the experiment whose journal is in `dir` failed deterministically with `e`: the
/// journal is kept (a rerun with the same rows, e.g. another metric, uses it without simulating
/// again), but a different experiment started in `dir` discards it without needing `force`.
pub fn mark_failed(exp: &Experiment, dir: &Path, e: &Error) {
    if journal_path(dir, exp.rows_file()).exists() {
        let _ = fs::write(failed_path(dir, exp.rows_file()), format!("{}\n", crate::output::one_line(&e.to_string())));
    }
}

/// What the id file of a journal says about its experiment (its second line), if anything.
fn journal_description(id_file: &Path) -> Option<String> {
    let text = fs::read_to_string(id_file).ok()?;
    text.lines().nth(1).map(str::trim).filter(|l| !l.is_empty()).map(String::from)
}

/// The last `(length, sha256)` of a sums file, if any.
fn last_sum(path: &Path) -> Option<(u64, String)> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let (len, sha) = line.split_once(' ')?;
    Some((len.parse().ok()?, sha.trim().to_string()))
}

/// SHA-256 state and line count of the first `len` bytes of `path`, which must be that long.
fn hash_prefix(path: &Path, len: u64) -> std::io::Result<(Sha256, usize)> {
    let (h, lines, read) = crate::output::digest(path, Some(len))?;
    if read < len {
        return Err(std::io::Error::other(format!("is {read} bytes long where {len} were written")));
    }
    Ok((h, lines as usize))
}
/// An open journal: the file (positioned at its end), its checksum state and length, and its
/// sums file.
struct Journal {
    file: File,
    hash: Sha256,
    len: u64,
    sums: File,
}

/// Opens the journal, resuming a matching unfinished run. Returns it and the number of complete
/// runs already in it.
fn open_journal(exp: &Experiment, dir: &Path, force: bool, shard_tag: &str) -> Result<(Journal, usize), Error> {
    fs::create_dir_all(dir).map_err(Error::io(dir))?;
    let journal = journal_path(dir, exp.rows_file());
    let id_file = id_path(dir, exp.rows_file());
    let wanted = format!("{} {shard_tag}", exp.rows_id());
    let existing = fs::read_to_string(&id_file).ok();
    let key = existing.as_deref().and_then(|t| t.lines().next()).map(str::trim);
    let resumable = journal.exists() && key == Some(wanted.trim());
    let failed = failed_path(dir, exp.rows_file());
    // The journal of an experiment that failed deterministically blocks nothing: a different
    // experiment replaces it.
    if journal.exists() && !resumable && !force && !failed.exists() {
        let what = journal_description(&id_file).unwrap_or_else(|| "an experiment run with other arguments".into());
        return Err(OutputError::UnfinishedOther { dir: dir.to_path_buf(), what }.into());
    }
    // Resumed or replaced, the journal is no longer that of a failed experiment.
    if failed.exists() {
        fs::remove_file(&failed).map_err(Error::io(&failed))?;
    }
    let sums_file = sums_path(dir, exp.rows_file());
    let last = if resumable { last_sum(&sums_file) } else { None };
    let Some((len, sha)) = last else {
        // A new journal. The id first: a journal never exists without the id of its experiment.
        let what = format!("{}{}", exp.describe(), if shard_tag == "whole" { String::new() } else { format!("; {shard_tag}") });
        fs::write(&id_file, format!("{wanted}\n{}\n", crate::output::one_line(&what))).map_err(Error::io(&id_file))?;
        let mut f = File::create(&journal).map_err(Error::io(&journal))?;
        let header = Table::new(exp.header()).into_bytes();
        f.write_all(&header).map_err(Error::io(&journal))?;
        f.sync_all().map_err(Error::io(&journal))?;
        let mut hash = Sha256::new();
        hash.update(&header);
        let mut sums = File::create(&sums_file).map_err(Error::io(&sums_file))?;
        writeln!(sums, "{} {}", header.len(), crate::output::hex(&hash.clone().finalize())).map_err(Error::io(&sums_file))?;
        return Ok((Journal { file: f, hash, len: header.len() as u64, sums }, 0));
    };
    // Check everything up to the last checksum; what follows it is run again.
    let (hash, lines) = hash_prefix(&journal, len).map_err(|e| Error::data(&journal, None, format!("cannot be resumed: {e}")))?;
    if crate::output::hex(&hash.clone().finalize()) != sha {
        return Err(Error::data(
            &journal,
            None,
            "does not match its checksum: rows were edited, deleted or added since they were written; rerun with force to start again",
        ));
    }
    let per_run = exp.lines_per_run();
    if lines == 0 || (lines - 1) % per_run != 0 {
        return Err(Error::data(&journal, None, format!("holds {lines} lines, not a header and whole runs of {per_run} lines")));
    }
    let mut f = OpenOptions::new().write(true).open(&journal).map_err(Error::io(&journal))?;
    f.set_len(len).map_err(Error::io(&journal))?;
    f.seek(SeekFrom::End(0)).map_err(Error::io(&journal))?;
    let sums = OpenOptions::new().append(true).open(&sums_file).map_err(Error::io(&sums_file))?;
    Ok((Journal { file: f, hash, len, sums }, (lines - 1) / per_run))
}

/// Runs the experiment (or the shard `out.shard` of it) into `out.dir`, resuming where an
/// interrupted run stopped. Returns the staging area holding the complete rows file, for the
/// caller to finish.
pub fn execute(exp: &Experiment, out: &OutputSpec, job: Job<'_>) -> Result<Staging, Error> {
    if let Some(s) = out.shard {
        if s.n > exp.points.len() {
            return Err(SpecError::new(
                "shard",
                Some(format!("{}/{}", s.k, s.n)),
                format!("only {} design point(s) to share among {} shards; use at most {} shards", exp.points.len(), s.n, exp.points.len()),
            )
            .into());
        }
    }
    // Refuse finished results before doing any work.
    let staging = Staging::new(&out.dir, out.force)?;
    let shard_tag = out.shard.map(|s| format!("shard {}/{}", s.k, s.n)).unwrap_or_else(|| "whole".into());
    let (mut journal, done) = open_journal(exp, &out.dir, out.force, &shard_tag)?;
    let runs = exp.runs(out.shard);
    let pending = &runs[done.min(runs.len())..];
    job.progress.start(exp.kind().name(), exp.cadre_periods(pending));
    let jpath = journal_path(&out.dir, exp.rows_file());
    let spath = sums_path(&out.dir, exp.rows_file());
    let panic_after = std::env::var(PANIC_AFTER_ENV).ok().and_then(|v| v.parse::<usize>().ok());
    let result = with_threads(exp.threads, || -> Result<(), Error> {
        let chunk = (2 * rayon::current_num_threads()).max(1);
        for (written, block) in pending.chunks(chunk).enumerate() {
            if panic_after == Some(written) {
                panic!("{PANIC_AFTER_ENV}: a panic after {written} blocks of runs, as asked");
            }
            let rows: Vec<Result<Vec<Row>, Error>> = block.par_iter().map(|&(p, r)| exp.run_rows(p, r, job)).collect();
            let mut table = Table::headless();
            for r in rows {
                exp.write_rows(&r?, &mut table);
            }
            let bytes = table.into_bytes();
            journal.file.write_all(&bytes).map_err(Error::io(&jpath))?;
            journal.file.sync_data().map_err(Error::io(&jpath))?;
            journal.hash.update(&bytes);
            journal.len += bytes.len() as u64;
            let line = format!("{} {}\n", journal.len, crate::output::hex(&journal.hash.clone().finalize()));
            journal.sums.write_all(line.as_bytes()).map_err(Error::io(&spath))?;
            journal.sums.sync_data().map_err(Error::io(&spath))?;
        }
        Ok(())
    });
    job.progress.finish();
    if let Err(e) = result.and_then(|r| r) {
        if !is_interruption(&e) {
            mark_failed(exp, &out.dir, &e);
        }
        return Err(e);
    }
    let mut staging = staging;
    match exp.record {
        Record::Window => {
            let dest = staging.path(exp.rows_file())?;
            if fs::hard_link(&jpath, &dest).is_err() {
                fs::copy(&jpath, &dest).map_err(Error::io(&dest))?;
            }
        }
        Record::Periods => split(exp, &jpath, &mut staging)?,
    }
    Ok(staging)
}

/// Splits a journal of per-period records into the rows files: each run's period lines into
/// the main one, its last (window) line into the window one; lines are copied byte for byte.
fn split(exp: &Experiment, journal: &Path, staging: &mut Staging) -> Result<(), Error> {
    let files = exp.kind().rows_files();
    let (main, window) = (staging.path(files[0])?, staging.path(files[1])?);
    let open = |p: &Path| File::create(p).map(|f| BufWriter::with_capacity(1 << 20, f)).map_err(Error::io(p));
    let (mut a, mut b) = (open(&main)?, open(&window)?);
    b.write_all(&Table::new(super::window_header(&exp.factors)).into_bytes()).map_err(Error::io(&window))?;
    let mut r = BufReader::new(File::open(journal).map_err(Error::io(journal))?);
    let per_run = exp.lines_per_run();
    let mut line = Vec::new();
    let mut k = 0usize; // data lines read
    let mut header = true;
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line).map_err(Error::io(journal))? == 0 {
            break;
        }
        if header {
            header = false;
            a.write_all(&line).map_err(Error::io(&main))?;
            continue;
        }
        if k % per_run == per_run - 1 {
            b.write_all(&line).map_err(Error::io(&window))?;
        } else {
            a.write_all(&line).map_err(Error::io(&main))?;
        }
        k += 1;
    }
    a.flush().map_err(Error::io(&main))?;
    b.flush().map_err(Error::io(&window))?;
    Ok(())
}

/// Removes the journal of a committed experiment.
pub fn discard(exp: &Experiment, dir: &Path) {
    let _ = fs::remove_file(journal_path(dir, exp.rows_file()));
    let _ = fs::remove_file(id_path(dir, exp.rows_file()));
    let _ = fs::remove_file(sums_path(dir, exp.rows_file()));
    let _ = fs::remove_file(failed_path(dir, exp.rows_file()));
}
