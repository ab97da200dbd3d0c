//! Shards: one slice of an experiment's design points written to its own directory, and the
//! merge of all N slices into exactly the files of an unsharded run.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::Experiment;
use super::Shard;
use crate::error::Error;
use crate::output::manifest::{to_text, ExperimentManifest, Manifest, RowsDigest, ShardEntry, ShardManifest, TableFormat};
use crate::output::Staging;

/// Writes a shard's output: its rows file plus a manifest naming the shard and carrying the
/// manifest the whole experiment will have (listing `files`), so `merge` needs nothing else.
pub fn finish(exp: &Experiment, shard: Shard, files: &[String], format: TableFormat, mut staging: Staging) -> Result<PathBuf, Error> {
    let mut rows = Vec::new();
    for name in exp.kind().rows_files() {
        let path = staging.path(name)?;
        let (sha256, lines) = crate::output::file_digest(&path).map_err(Error::io(&path))?;
        rows.push(RowsDigest { file: name.to_string(), sha256, lines });
    }
    let m = ShardManifest {
        shard: ShardEntry { k: shard.k, n: shard.n },
        experiment_id: exp.id(),
        rows,
        experiment_manifest: exp.manifest(files).with_format(format),
    };
    staging.write("manifest.json", to_text(&m.to_value()).as_bytes())?;
    let dir = staging.dir().to_path_buf();
    staging.commit()?;
    Ok(dir)
}

/// Reads a shard's manifest.
fn shard_manifest(dir: &Path) -> Result<ShardManifest, Error> {
    let path = dir.join("manifest.json");
    if !path.is_file() {
        let e = std::fs::metadata(&path).err().map(|e| e.to_string()).unwrap_or_else(|| "not a file".into());
        return Err(Error::data(&path, None, format!("cannot read the shard's manifest ({e}); was the shard finished?")));
    }
    match Manifest::read(&path)? {
        Manifest::Shard(m) => Ok(m),
        _ => Err(crate::error::SpecError::about("dirs", format!("{}: is not the output of a {{shard}} run", dir.display())).into()),
    }
}

/// Shard directories checked to form one complete experiment, in shard order.
#[derive(Debug)]
pub struct Shards {
    /// The manifest of the whole experiment.
    pub manifest: ExperimentManifest,
    /// Directories of shards 1..=N.
    pub dirs: Vec<PathBuf>,
}

/// Checks that the shard directories form one complete experiment: same experiment, same N,
/// every shard exactly once, finished (manifest present) and with its rows file.
pub fn check(dirs: &[PathBuf]) -> Result<Shards, Error> {
    use crate::error::SpecError;
    if dirs.is_empty() {
        return Err(SpecError::new("dirs", None, "name the shard directories").into());
    }
    let mut shards = Vec::new();
    for d in dirs {
        shards.push((d.clone(), shard_manifest(d)?));
    }
    let (first_dir, first) = &shards[0];
    let n = first.shard.n;
    let mut seen: Vec<Option<PathBuf>> = vec![None; n];
    for (d, m) in &shards {
        if m.experiment_id != first.experiment_id {
            return Err(SpecError::about(
                "dirs",
                format!(
                    "{} and {} are shards of different experiments (different scenarios, parameters, seed or replications)",
                    first_dir.display(),
                    d.display()
                ),
            )
            .into());
        }
        let s = m.shard;
        if s.n != n {
            return Err(SpecError::about(
                "dirs",
                format!("{} is shard {}/{} but {} is of {n} shards", d.display(), s.k, s.n, first_dir.display()),
            )
            .into());
        }
        if s.k == 0 || s.k > n {
            return Err(Error::data(&d.join("manifest.json"), None, format!("shard {}/{} is not a valid shard", s.k, s.n)));
        }
        if let Some(prev) = &seen[s.k - 1] {
            return Err(
                SpecError::about("dirs", format!("shard {}/{n} is given twice: {} and {}", s.k, prev.display(), d.display())).into()
            );
        }
        seen[s.k - 1] = Some(d.clone());
    }
    let missing: Vec<String> = seen.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(k, _)| format!("{}/{n}", k + 1)).collect();
    if !missing.is_empty() {
        return Err(SpecError::about("dirs", format!("missing shard(s) {}; merge needs all {n}", missing.join(", "))).into());
    }
    let rows_files = first.experiment_manifest.rows_files();
    for (d, m) in &shards {
        let names: Vec<&str> = m.rows.iter().map(|r| r.file.as_str()).collect();
        if m.experiment_manifest.experiment_id != m.experiment_id || names != rows_files {
            return Err(Error::data(
                &d.join("manifest.json"),
                None,
                "its experiment does not match its own record (the manifest was edited)",
            ));
        }
        for r in &m.rows {
            let path = d.join(&r.file);
            if !path.is_file() {
                return Err(Error::data(&path, None, "missing shard rows"));
            }
            let (sha, lines) = crate::output::file_digest(&path).map_err(Error::io(&path))?;
            if sha != r.sha256 || lines != r.lines {
                return Err(Error::data(
                    &path,
                    None,
                    format!(
                        "does not match the checksum in its manifest ({lines} lines where {} were written): rows were deleted, duplicated, edited, truncated or replaced since the shard was written",
                        r.lines
                    ),
                ));
            }
        }
    }
    let dirs: Vec<PathBuf> = seen.into_iter().flatten().collect();
    Ok(Shards { manifest: first.experiment_manifest.clone(), dirs })
}

/// Merges checked shards' rows by design point into the staging area, one rows file at a time.
pub fn merge_rows(shards: &Shards, staging: &mut Staging) -> Result<(), Error> {
    for name in shards.manifest.rows_files() {
        let dest = staging.path(name)?;
        merge_file(shards, name, &dest)?;
    }
    Ok(())
}

/// Merges one rows file of every shard by design point into `dest`.
fn merge_file(shards: &Shards, rows_file: &str, dest: &Path) -> Result<(), Error> {
    let n = shards.dirs.len();
    let mut readers = Vec::new();
    let mut header: Option<String> = None;
    for d in &shards.dirs {
        let path = d.join(rows_file);
        let f = File::open(&path).map_err(|e| Error::data(&path, None, format!("missing shard rows ({e})")))?;
        let mut r = BufReader::new(f);
        let mut h = String::new();
        r.read_line(&mut h).map_err(Error::io(&path))?;
        if header.as_ref().is_some_and(|x| *x != h) {
            return Err(Error::data(&path, Some(1), "its columns differ from the other shards'"));
        }
        header = Some(h);
        readers.push((path, r.lines().peekable()));
    }
    let mut out = std::io::BufWriter::new(File::create(dest).map_err(Error::io(dest))?);
    out.write_all(header.unwrap_or_default().as_bytes()).map_err(Error::io(dest))?;
    // Point p lives in shard p % n, rows of a point are consecutive and points ascend.
    for p in 0..shards.manifest.points.len() {
        let (path, lines) = &mut readers[p % n];
        let tag = format!("{p},");
        while let Some(line) = lines.peek() {
            let line = match line {
                Ok(l) => l,
                Err(e) => return Err(Error::data(path, None, format!("cannot read: {e}"))),
            };
            if !line.starts_with(&tag) {
                break;
            }
            out.write_all(line.as_bytes()).map_err(Error::io(dest))?;
            out.write_all(b"\n").map_err(Error::io(dest))?;
            lines.next();
        }
    }
    for (path, lines) in &mut readers {
        if lines.next().is_some() {
            return Err(Error::data(path, None, "holds rows that belong to no design point"));
        }
    }
    out.flush().map_err(Error::io(dest))?;
    Ok(())
}
