//! What a caller hands to long work: a progress sink that hears how far it got, and a
//! cancellation token that asks it to stop.
//!
//! The library never installs signal handlers, never draws progress bars and never exits the
//! process. A front end passes in what it wants: the CLI a terminal bar and a token cancelled by
//! Ctrl-C, the explorer one token per browser session, the Python package a token cancelled by
//! `KeyboardInterrupt`. Tokens are independent, so two jobs in one process are cancelled one at a
//! time. Cancellation is checked between periods; cancelled work returns
//! [`crate::Error::Cancelled`] and commits no output.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::engine::Progress;

/// A shared flag that asks running work to stop. Cloning gives another handle to the same flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the work holding this token (or a clone of it) to stop at the next check.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`CancelToken::cancel`] was called on this token or a clone of it.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Receives progress reports. Implementations must be cheap: `advance` is called once per period
/// of every replication, from worker threads.
pub trait ProgressSink: Sync {
    /// Work of `total` cadre-periods, described by `what` (a scenario name or a command), starts.
    fn start(&self, _what: &str, _total: u64) {}
    /// `cadre_periods` more cadre-periods are done.
    fn advance(&self, cadre_periods: u64);
    /// The work ended (finished, failed or cancelled).
    fn finish(&self) {}
}

/// A sink that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl ProgressSink for NoProgress {
    fn advance(&self, _: u64) {}
}

/// The progress sink and cancellation token of one piece of work.
#[derive(Clone, Copy)]
pub struct Job<'a> {
    /// Where progress goes.
    pub progress: &'a dyn ProgressSink,
    /// What stops the work.
    pub cancel: &'a CancelToken,
}

impl std::fmt::Debug for Job<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("cancelled", &self.cancel.is_cancelled()).finish()
    }
}

impl<'a> Job<'a> {
    /// A job reporting to `progress` and stopped by `cancel`.
    pub fn new(progress: &'a dyn ProgressSink, cancel: &'a CancelToken) -> Self {
        Job { progress, cancel }
    }
}

impl Progress for Job<'_> {
    fn advance(&self, cadre_periods: u64) {
        self.progress.advance(cadre_periods);
    }

    fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// Runs `f` with a job that reports nowhere and is never cancelled (for tests and small calls).
pub fn quietly<T>(f: impl FnOnce(Job<'_>) -> T) -> T {
    let token = CancelToken::new();
    f(Job::new(&NoProgress, &token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_flag_and_tokens_are_independent() {
        let a = CancelToken::new();
        let b = CancelToken::new();
        let a2 = a.clone();
        a2.cancel();
        assert!(a.is_cancelled());
        assert!(!b.is_cancelled());
        let job = Job::new(&NoProgress, &a);
        assert!(Progress::cancelled(&job));
    }
}
