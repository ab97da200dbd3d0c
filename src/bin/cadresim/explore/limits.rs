//! Every limit that keeps the explorer from exhausting the machine, in one place: population and
//! run length per session, live and running sessions, idle expiry, request sizes and speed.

use std::time::Duration;

/// Most cadres one session may simulate (counties x townships x cadres).
pub const MAX_CADRES: usize = 20_000;
/// Most periods one run may last.
pub const MAX_PERIODS: usize = 600;
/// Finest action grid `G` (the number of actions grows as `G^2 / 2`).
pub const MAX_GRID: usize = 20;
/// Most sessions (runs and plays together) alive at once.
pub const MAX_SESSIONS: usize = 16;
/// Most runs stepping on their own (after Go) at once.
pub const MAX_RUNNING: usize = 4;
/// A session nobody has used for this long is ended: 15 minutes, or the whole seconds in the
/// environment variable `CADRESIM_EXPLORE_IDLE_SECS` (1 to 86400; the tests use a short one).
pub fn session_idle() -> Duration {
    static IDLE: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *IDLE.get_or_init(|| {
        let secs = std::env::var("CADRESIM_EXPLORE_IDLE_SECS").ok().and_then(|v| v.trim().parse::<u64>().ok());
        Duration::from_secs(secs.filter(|s| (1..=86_400).contains(s)).unwrap_or(15 * 60))
    })
}

/// How often idle sessions are looked for.
pub fn expiry_check() -> Duration {
    (session_idle() / 4).min(Duration::from_secs(20))
}
/// Largest request body read, in bytes.
pub const MAX_BODY: usize = 32 * 1024;
/// Most parameter overrides in one request.
pub const MAX_SETS: usize = 64;
/// Fastest speed of a running session, in periods per second.
pub const MAX_SPEED: f64 = 200.0;
/// Threads answering requests.
pub const WORKERS: usize = 4;
/// Townships shown in the township view, and cadres shown of each.
pub const VIEW_TOWNSHIPS: usize = 4;
/// Cadres shown of each township in the township view.
pub const VIEW_CADRES: usize = 60;
/// Months the learning cadres play before a student joins their township.
pub const PLAY_WARMUP: usize = 24;
/// Most months a student may play.
pub const PLAY_MONTHS: usize = 60;
