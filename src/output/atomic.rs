//! Atomic output: files are written under a temporary name and renamed into place, so an
//! interrupted run never leaves a half-written file, and a run's files appear together.
//!
//! One writer per directory: [`Staging::new`] takes an exclusive OS lock on `DIR/.cadresim.lock`
//! (released by the OS when the process ends, however it ends) and holds it until the staging
//! area is committed or dropped; a second writer is refused at once, naming the holder.
//!
//! The manifest is the commit marker: [`Staging::commit`] first removes an earlier manifest,
//! moves every other file into place and moves the manifest last. A directory with result files
//! but no manifest is an unfinished one; a cadresim directory (one with the lock file) in that
//! state is finished by rerunning the same command, without `force`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::OutputError;

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| OutputError::io(dir, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(OutputError::io(path, e));
    }
    Ok(())
}

/// A set of output files written into a hidden staging folder inside the output directory and
/// moved into place together by [`Staging::commit`]. Dropped without a commit, it removes itself.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    staging: PathBuf,
    files: Vec<String>,
    committed: bool,
    force: bool,
    created: bool,
    // Held until the staging area is committed or dropped.
    _lock: fs::File,
}

/// The lock file of an output directory.
pub const LOCK_FILE: &str = ".cadresim.lock";

/// Environment variable of a test hook: milliseconds to pause after each file moved into place
/// by [`Staging::commit`] (so tests can kill a process in the middle of a commit).
pub const COMMIT_PAUSE_ENV: &str = "CADRESIM_TEST_COMMIT_PAUSE_MS";

/// Takes the exclusive lock of `dir` (which must exist), or says who holds it.
fn lock(dir: &Path) -> Result<fs::File, OutputError> {
    let path = dir.join(LOCK_FILE);
    let mut f =
        fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(|e| OutputError::io(&path, e))?;
    match f.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&path).unwrap_or_default();
            let holder = holder.trim();
            return Err(OutputError::Locked {
                dir: dir.to_path_buf(),
                holder: if holder.is_empty() { "another process".to_string() } else { holder.to_string() },
            });
        }
        Err(fs::TryLockError::Error(e)) => return Err(OutputError::io(&path, e)),
    }
    let me: Vec<String> = std::env::args().collect();
    let text = format!("process {} ({})", std::process::id(), crate::output::one_line(&me.join(" ")));
    let _ = f.set_len(0).and_then(|_| f.write_all(text.as_bytes())).and_then(|_| f.flush());
    Ok(f)
}

/// Names of files that mark a directory as holding cadresim results.
pub const RESULT_MARKERS: &[&str] =
    &["manifest.json", "periods.csv", "summary.csv", "comparison.csv", "sweep.csv", "sensitivity_indices.csv"];

impl Staging {
    /// Prepares to write into `dir`. Refuses a directory that already holds results unless `force`.
    pub fn new(dir: &Path, force: bool) -> Result<Self, OutputError> {
        if dir.exists() && !dir.is_dir() {
            return Err(OutputError::NotADirectory(dir.to_path_buf()));
        }
        // Ours and unfinished (lock file, no manifest): finish it. Finished, or not ours: refuse.
        let unfinished_ours = dir.join(LOCK_FILE).exists() && !dir.join("manifest.json").exists();
        if !force && !unfinished_ours {
            if let Some(m) = RESULT_MARKERS.iter().find(|m| dir.join(m).exists()) {
                return Err(OutputError::Exists { dir: dir.to_path_buf(), marker: (*m).to_string() });
            }
        }
        let created = !dir.exists();
        fs::create_dir_all(dir).map_err(|e| OutputError::io(dir, e))?;
        let lock = match lock(dir) {
            Ok(l) => l,
            Err(e) => {
                if created {
                    let _ = fs::remove_dir_all(dir);
                }
                return Err(e);
            }
        };
        // Checked again under the lock: another writer may have finished in between.
        if !force && dir.join("manifest.json").exists() {
            return Err(OutputError::Exists { dir: dir.to_path_buf(), marker: "manifest.json".into() });
        }
        let staging = dir.join(format!(".cadresim-staging-{}", std::process::id()));
        // Staging folders of runs that were killed hold nothing worth keeping: their finished
        // work is in the journal, and their unfinished files were never committed. (With the
        // lock held, no live process is writing into any of them.)
        if let Ok(entries) = fs::read_dir(dir) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(".cadresim-staging-") {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
        fs::create_dir_all(&staging).map_err(|e| OutputError::io(&staging, e))?;
        Ok(Staging { dir: dir.to_path_buf(), staging, files: Vec::new(), committed: false, force, created, _lock: lock })
    }

    /// The final directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The staging folder, where files are written before the commit.
    pub fn staged_dir(&self) -> &Path {
        &self.staging
    }

    /// Path inside the staging folder for a file that will be committed as `name` (which may
    /// contain a subfolder, e.g. `plots/x.png`).
    pub fn path(&mut self, name: &str) -> Result<PathBuf, OutputError> {
        let p = self.staging.join(name);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(|e| OutputError::io(parent, e))?;
        }
        if !self.files.iter().any(|f| f == name) {
            self.files.push(name.to_string());
        }
        Ok(p)
    }

    /// Writes a whole file into the staging folder.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let p = self.path(name)?;
        fs::write(&p, bytes).map_err(|e| OutputError::io(&p, e))
    }

    /// Registers a file that was written into the staging folder by other code (e.g. plots).
    pub fn adopt(&mut self, name: &str) {
        if !self.files.iter().any(|f| f == name) {
            self.files.push(name.to_string());
        }
    }

    /// Names of the files staged so far.
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// Moves every staged file into the output directory (each move is an atomic rename). When
    /// overwriting (`force`), files of the previous run that this run does not write (listed in
    /// its manifest) are removed, so the directory never mixes two runs.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, OutputError> {
        // The manifest marks a finished directory: none while files change, the new one last.
        let manifest = self.dir.join("manifest.json");
        let old_files = if self.force { previous_files(&self.dir) } else { Vec::new() };
        if manifest.exists() {
            fs::remove_file(&manifest).map_err(|e| OutputError::io(&manifest, e))?;
        }
        if let Some(i) = self.files.iter().position(|f| f == "manifest.json") {
            let m = self.files.remove(i);
            self.files.push(m);
        }
        let pause = std::env::var(COMMIT_PAUSE_ENV).ok().and_then(|v| v.parse::<u64>().ok());
        if self.force {
            for old in old_files {
                if !self.files.contains(&old) && !old.contains("..") && !old.starts_with('/') {
                    let _ = fs::remove_file(self.dir.join(&old));
                }
            }
        }
        let mut out = Vec::new();
        for name in &self.files {
            let from = self.staging.join(name);
            if !from.exists() {
                continue;
            }
            let to = self.dir.join(name);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| OutputError::io(parent, e))?;
            }
            fs::rename(&from, &to).map_err(|e| OutputError::io(&to, e))?;
            out.push(to);
            if let Some(ms) = pause {
                std::thread::sleep(std::time::Duration::from_millis(ms));
            }
        }
        let _ = fs::remove_dir_all(&self.staging);
        self.committed = true;
        // The holder's note is only true while the lock is held.
        let _ = self._lock.set_len(0);
        Ok(out)
    }
}

/// Files listed in the manifest of a previous run in `dir` (empty if there is none).
fn previous_files(dir: &Path) -> Vec<String> {
    let Ok(text) = fs::read_to_string(dir.join("manifest.json")) else { return Vec::new() };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else { return Vec::new() };
    v["files"].as_array().map(|a| a.iter().filter_map(|f| f.as_str().map(String::from)).collect()).unwrap_or_default()
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
            let _ = self._lock.set_len(0);
            // An output directory made for this run and left empty goes too (remove_dir only
            // removes empty directories, so a journal of resumable work keeps it).
            if self.created {
                let only_lock = fs::read_dir(&self.dir).map(|d| d.flatten().all(|e| e.file_name() == LOCK_FILE)).unwrap_or(false);
                if only_lock {
                    let _ = fs::remove_file(self.dir.join(LOCK_FILE));
                }
                let _ = fs::remove_dir(&self.dir);
            }
        }
    }
}
