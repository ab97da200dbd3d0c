//! The terminal's progress bar (with rate and ETA, on stderr, only when stderr is a terminal) and
//! Ctrl-C: the first press cancels the running work through its token, so nothing half-done is
//! committed; a second press exits at once. Both belong to the command line, never the library.

use std::io::IsTerminal;
use std::sync::{Mutex, OnceLock};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use cadresim::{CancelToken, ProgressSink};

static TOKEN: OnceLock<CancelToken> = OnceLock::new();

/// The process's cancellation token, cancelled by Ctrl-C (the handler is installed once).
pub fn interrupt_token() -> CancelToken {
    TOKEN
        .get_or_init(|| {
            let token = CancelToken::new();
            let t = token.clone();
            let _ = ctrlc::set_handler(move || {
                if t.is_cancelled() {
                    // A second Ctrl-C: stop now. Committed files are complete; staged ones are not moved.
                    std::process::exit(130);
                }
                t.cancel();
            });
            token
        })
        .clone()
}

/// A progress bar counting cadre-periods; hidden when quiet or stderr is not a terminal.
pub struct Bar {
    quiet: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bar {
    /// A bar that appears when work starts.
    pub fn new(quiet: bool) -> Self {
        Bar { quiet, bar: Mutex::new(None) }
    }

    fn with(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(guard) = self.bar.lock() {
            if let Some(b) = guard.as_ref() {
                f(b);
            }
        }
    }
}

impl ProgressSink for Bar {
    fn start(&self, what: &str, total: u64) {
        if self.quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(5));
        let style = ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {percent:>3}% {human_pos}/{human_len} cadre-periods, {rate}, ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("rate", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.2} M/s", state.per_sec() / 1e6);
        });
        bar.set_style(style);
        bar.set_message(what.to_string());
        if let Ok(mut guard) = self.bar.lock() {
            *guard = Some(bar);
        }
    }

    fn advance(&self, n: u64) {
        self.with(|b| b.inc(n));
    }

    fn finish(&self) {
        self.with(|b| b.finish_and_clear());
    }
}
