//! Running an experiment into an output directory, resumably.
//!
//! Rows are appended, in run order and one chunk of runs at a time, to a hidden journal
//! (`.ROWS.partial`, with the experiment's fingerprint in `.ROWS.experiment`). A stopped
//! experiment started again with the same spec continues after the last complete run (a torn last
//! line is discarded). The journal stays until the results are committed, so a failure while
//! finishing loses no simulation.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{with_threads, Experiment, OutputSpec, Row};
use crate::error::{Error, SpecError};
use crate::job::Job;
use crate::output::csv::Table;
use crate::output::{OutputError, Staging};

/// The journal of `rows_file` in `dir`.
pub fn journal_path(dir: &Path, rows_file: &str) -> PathBuf {
    dir.join(format!(".{rows_file}.partial"))
}

fn id_path(dir: &Path, rows_file: &str) -> PathBuf {
    dir.join(format!(".{rows_file}.experiment"))
}

/// Opens the journal, resuming a matching unfinished run. Returns the file (positioned at its
/// end) and the number of complete runs already in it.
fn open_journal(exp: &Experiment, dir: &Path, force: bool, shard_tag: &str) -> Result<(File, usize), Error> {
    fs::create_dir_all(dir).map_err(Error::io(dir))?;
    let journal = journal_path(dir, exp.rows_file());
    let id_file = id_path(dir, exp.rows_file());
    let wanted = format!("{} {shard_tag}", exp.id());
    let existing = fs::read_to_string(&id_file).ok();
    let resumable = journal.exists() && existing.as_deref().map(str::trim) == Some(wanted.trim());
    if journal.exists() && !resumable && !force {
        return Err(OutputError::UnfinishedOther { dir: dir.to_path_buf() }.into());
    }
    if !resumable {
        // The id first: a journal never exists without the id of its experiment.
        fs::write(&id_file, &wanted).map_err(Error::io(&id_file))?;
        let mut f = File::create(&journal).map_err(Error::io(&journal))?;
        let header = Table::new(exp.header()).into_bytes();
        f.write_all(&header).map_err(Error::io(&journal))?;
        f.sync_all().map_err(Error::io(&journal))?;
        return Ok((f, 0));
    }
    // Count complete lines; cut off a torn last line and any incomplete run.
    let f = File::open(&journal).map_err(Error::io(&journal))?;
    let mut reader = BufReader::new(f);
    let mut good_bytes = 0u64;
    let mut lines = 0usize;
    let mut buf = Vec::new();
    let per_run = exp.lines_per_run();
    let mut run_end = 0u64;
    let mut runs = 0usize;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(Error::io(&journal))?;
        if n == 0 || buf.last() != Some(&b'\n') {
            break;
        }
        good_bytes += n as u64;
        lines += 1;
        if lines > 1 && (lines - 1) % per_run == 0 {
            runs += 1;
            run_end = good_bytes;
        }
        if lines == 1 {
            run_end = good_bytes;
        }
    }
    let mut f = OpenOptions::new().write(true).open(&journal).map_err(Error::io(&journal))?;
    f.set_len(run_end).map_err(Error::io(&journal))?;
    f.seek(SeekFrom::End(0)).map_err(Error::io(&journal))?;
    Ok((f, runs))
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
    let result = with_threads(exp.threads, || -> Result<(), Error> {
        let chunk = (2 * rayon::current_num_threads()).max(1);
        for block in pending.chunks(chunk) {
            let rows: Vec<Result<Vec<Row>, Error>> = block.par_iter().map(|&(p, r)| exp.run_rows(p, r, job)).collect();
            let mut table = Table::headless();
            for r in rows {
                exp.write_rows(&r?, &mut table);
            }
            journal.write_all(&table.into_bytes()).map_err(Error::io(&jpath))?;
            journal.sync_data().map_err(Error::io(&jpath))?;
        }
        Ok(())
    });
    job.progress.finish();
    result??;
    let mut staging = staging;
    let dest = staging.path(exp.rows_file())?;
    if fs::hard_link(&jpath, &dest).is_err() {
        fs::copy(&jpath, &dest).map_err(Error::io(&dest))?;
    }
    Ok(staging)
}

/// Removes the journal of a committed experiment.
pub fn discard(exp: &Experiment, dir: &Path) {
    let _ = fs::remove_file(journal_path(dir, exp.rows_file()));
    let _ = fs::remove_file(id_path(dir, exp.rows_file()));
}
