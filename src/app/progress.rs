//! Progress reporting on stderr (a bar with rate and ETA when stderr is a terminal, nothing
//! otherwise) and Ctrl-C handling: an interrupt asks running work to stop between periods, so
//! no output is committed half-done.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::Progress;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static HANDLER: OnceLock<()> = OnceLock::new();

/// Installs the Ctrl-C handler (once per process; later calls do nothing).
pub fn install_interrupt_handler() {
    HANDLER.get_or_init(|| {
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                // A second Ctrl-C: stop now. Committed files are complete; staged ones are not moved.
                std::process::exit(130);
            }
        });
    });
}

/// Whether Ctrl-C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// A progress bar counting cadre-periods.
pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    /// A bar for `total` cadre-periods; hidden when `quiet` or stderr is not a terminal.
    pub fn new(total: u64, quiet: bool, what: &str) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar { bar: None };
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
        Bar { bar: Some(bar) }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn advance(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    fn cancelled(&self) -> bool {
        interrupted()
    }
}

/// A [`Progress`] that shows nothing but honours Ctrl-C.
pub struct Interruptible;

impl Progress for Interruptible {
    fn advance(&self, _: u64) {}

    fn cancelled(&self) -> bool {
        interrupted()
    }
}
