//! `cadresim explore` (issue 14): the HTTP API driven by an HTTP client, and the page driven by
//! headless Chromium over WebDriver. The server is the real binary on a free port.
//!
//! The browser test needs Debian's `chromium` and `chromium-driver` (`.ci/install-chromium.sh`);
//! without them it prints "skipped: ..." and passes, unless `CADRESIM_REQUIRE_COMPONENTS=1`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use crate::util::{scenario, Dir};

/// A running `cadresim explore --port 0`, stopped when dropped.
struct Server {
    child: Child,
    url: String,
    /// Kept open so the server's later output does not hit a closed pipe.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    fn start() -> Server {
        Server::start_with(&[])
    }

    fn start_with(env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cadresim"))
            .args(["explore", "--port", "0"])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start cadresim explore");
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        stdout.read_line(&mut line).expect("no address printed");
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| panic!("no address in {line:?}"));
        assert!(url.starts_with("http://127.0.0.1:"), "must bind to localhost: {line}");
        let url = url.trim_end_matches('/').to_string();
        Server { child, url, _stdout: stdout }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(120))).build().new_agent()
}

/// Sends a request; returns status and body text.
fn http(method: &str, url: &str, body: Option<&str>) -> (u16, String) {
    let a = agent();
    let r = match (method, body) {
        ("GET", _) => a.get(url).call(),
        ("POST", Some(b)) => a.post(url).header("Content-Type", "application/json").send(b),
        ("POST", None) => a.post(url).send_empty(),
        ("DELETE", _) => a.delete(url).call(),
        _ => panic!("unsupported method {method}"),
    };
    let mut r = r.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_else(|e| panic!("{method} {url}: body: {e}"));
    (status, text)
}

fn json_of(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn post(server: &Server, path: &str, body: &Json) -> (u16, Json) {
    let (status, text) = http("POST", &format!("{}{path}", server.url), Some(&body.to_string()));
    (status, json_of(&text))
}

fn get(server: &Server, path: &str) -> (u16, String) {
    http("GET", &format!("{}{path}", server.url), None)
}

/// `cadresim run` of `file` with `--reps 1 --seed SEED` and `sets`; returns periods.csv without
/// its `scenario` column (a scenario re-run from an exported file has the file's name).
fn cli_periods(dir: &Dir, file: &Path, seed: u64, sets: &[&str], out: &str) -> String {
    let mut cmd = dir.cmd();
    cmd.arg("run").arg(file).args(["--reps", "1", "--seed", &seed.to_string(), "--out", out, "--quiet"]);
    for s in sets {
        cmd.args(["--set", s]);
    }
    cmd.stdout();
    unnamed(&dir.read(&format!("{out}/periods.csv")))
}

/// A periods.csv without its first column, `scenario` (issue 12: every table names its scenario).
fn unnamed(csv: &str) -> String {
    csv.lines().map(|l| format!("{}\n", l.split_once(',').map_or(l, |(_, rest)| rest))).collect()
}

/// The rows of a periods.csv without the header.
fn rows(csv: &str) -> Vec<String> {
    csv.lines().skip(1).map(str::to_string).collect()
}

const SMALL_SETS: &[&str] = &["population.townships=3", "population.periods=10", "regime.exempt=0.3", "output.window=2"];

fn small_set() -> Json {
    json!({ "population.townships": 3, "population.periods": 10, "regime.exempt": 0.3, "output.window": 2 })
}

#[test]
fn explore_streams_the_numbers_of_cli_run_and_exports_a_runnable_scenario() {
    let server = Server::start();
    let dir = Dir::new();
    let (status, r) = post(&server, "/api/run", &json!({ "preset": "status_quo_veto", "seed": 5, "set": small_set() }));
    assert_eq!(status, 200, "{r}");
    let id = r["id"].as_str().expect("session id").to_string();
    assert_eq!(r["run"]["periods"], 10);

    // Stream the events while the run goes.
    let stream = agent().get(&format!("{}/api/run/{id}/events", server.url)).call().expect("event stream");
    assert_eq!(stream.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("text/event-stream"));
    let (s, _) = post(&server, &format!("/api/run/{id}/control"), &json!({ "cmd": "speed", "speed": 200 }));
    assert_eq!(s, 200);
    let (s, go) = post(&server, &format!("/api/run/{id}/control"), &json!({ "cmd": "go" }));
    assert_eq!(s, 200, "{go}");
    let mut streamed = Vec::new();
    let mut grid_seen = false;
    for line in BufReader::new(stream.into_body().into_reader()).lines() {
        let line = line.expect("stream line");
        let Some(data) = line.strip_prefix("data: ") else { continue };
        let ev = json_of(data);
        if ev["done"] == true {
            break;
        }
        grid_seen |= ev["grid"].as_array().is_some_and(|g| !g.is_empty());
        if let Some(values) = ev["values"].as_array() {
            let texts: Vec<&str> = values.iter().map(|v| v.as_str().expect("values are text")).collect();
            streamed.push(format!("5,0,{},{}", ev["period"], texts.join(",")));
        }
    }
    assert!(grid_seen, "events carry the township view");

    let expected = cli_periods(&dir, &scenario("status_quo_veto.toml"), 5, SMALL_SETS, "cli");
    assert_eq!(streamed, rows(&expected), "streamed periods differ from cadresim run's periods.csv");
    let (s, csv) = get(&server, &format!("/api/run/{id}/periods.csv"));
    assert_eq!(s, 200);
    assert!(csv.starts_with("scenario,seed,rep,period,") && csv.lines().skip(1).all(|l| l.starts_with("status_quo_veto,5,0,")), "{csv}");
    assert_eq!(unnamed(&csv), expected, "the exported CSV is not cadresim run's periods.csv");

    // The exported scenario runs with the CLI and gives the same numbers.
    let (s, toml) = get(&server, &format!("/api/session/{id}/scenario.toml"));
    assert_eq!(s, 200);
    dir.create("exported.toml", &toml);
    assert_eq!(cli_periods(&dir, &dir.join("exported.toml"), 5, &[], "again"), expected);

    // Stepping past the end is refused with a reason.
    let (s, e) = post(&server, &format!("/api/run/{id}/control"), &json!({ "cmd": "step" }));
    assert_eq!(s, 409, "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("the run is over"), "{e}");
}

#[test]
fn explore_rejects_bad_requests_with_the_scenario_messages() {
    let server = Server::start();
    let bad = |body: &str| {
        let (status, text) = http("POST", &format!("{}/api/run", server.url), Some(body));
        (status, json_of(&text))
    };
    let (s, e) = bad(r#"{"preset":"status_quo_veto","set":{"regime.exempt":1.5}}"#);
    assert_eq!((s, e["field"].as_str()), (422, Some("regime.exempt")));
    assert_eq!(e["message"], "setting regime.exempt=1.5: regime.exempt = 1.5 is outside [0, 1]");
    let (s, e) = bad(r#"{"preset":"status_quo_veto","set":{"regime.exemt":0.5}}"#);
    assert_eq!(s, 422);
    assert!(e["message"].as_str().unwrap_or("").contains("did you mean `regime.exempt`"), "{e}");
    let (s, e) = bad(r#"{"preset":"status_quo_veto","set":{"regime.penalty":"NaN"}}"#);
    assert_eq!((s, e["field"].as_str()), (422, Some("regime.penalty")), "{e}");
    let (s, e) = bad(r#"{"preset":"status_quo_veto","set":{"population.townships":100000,"population.cadres":100000}}"#);
    assert_eq!((s, e["field"].as_str()), (422, Some("population.cadres")), "{e}");
    let (s, e) = bad(r#"{"preset":"status_quo_veto","set":{"population.periods":100000}}"#);
    assert_eq!((s, e["field"].as_str()), (422, Some("population.periods")), "{e}");
    let (s, e) = bad(r#"{"preset":"status_quo_veto","set":{"actions.grid":1000}}"#);
    assert_eq!((s, e["field"].as_str()), (422, Some("actions.grid")), "{e}");
    let (s, e) = bad(r#"{"preset":"status_quo_veto","colour":"red"}"#);
    assert_eq!((s, e["field"].as_str()), (422, Some("body")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("unknown field `colour`"), "{e}");
    let (s, e) = bad(r#"{"preset":"national"}"#);
    assert_eq!((s, e["field"].as_str()), (422, Some("preset")), "{e}");
    let (s, _) = bad("not json");
    assert_eq!(s, 422);
    let (s, e) = bad(&format!(r#"{{"preset":"{}"}}"#, "x".repeat(100_000)));
    assert_eq!((s, e["field"].as_str()), (413, Some("body")), "{e}");
    let (s, _) = get(&server, "/api/run/12345/periods.csv");
    assert_eq!(s, 404);
    let (s, _) = get(&server, "/api/run/xyz/events");
    assert_eq!(s, 404);

    let (s, r) = post(&server, "/api/run", &json!({ "preset": "status_quo_veto", "set": small_set() }));
    assert_eq!(s, 200);
    let id = r["id"].as_str().unwrap_or_default().to_string();
    let (s, e) = post(&server, &format!("/api/run/{id}/control"), &json!({ "cmd": "speed", "speed": 1e9 }));
    assert_eq!((s, e["field"].as_str()), (422, Some("speed")), "{e}");
    let (s, e) = post(&server, &format!("/api/run/{id}/control"), &json!({ "cmd": "explode" }));
    assert_eq!((s, e["field"].as_str()), (422, Some("cmd")), "{e}");

    // A flood of sessions is bounded; the server keeps answering.
    let mut refused = 0;
    for _ in 0..40 {
        let (s, _) = post(&server, "/api/run", &json!({ "preset": "status_quo_veto", "set": small_set() }));
        assert!(s == 200 || s == 503, "status {s}");
        refused += usize::from(s == 503);
    }
    assert!(refused >= 40 - 16, "only {refused} of 40 extra sessions were refused");
    let (s, meta) = get(&server, "/api/meta");
    assert_eq!(s, 200);
    assert!(json_of(&meta)["sliders"].as_array().is_some_and(|a| a.len() >= 10));
}

#[test]
fn explore_sessions_expire_when_idle_and_free_their_place() {
    let server = Server::start_with(&[("CADRESIM_EXPLORE_IDLE_SECS", "1")]);
    let new_run = || post(&server, "/api/run", &json!({ "preset": "status_quo_veto", "set": small_set() }));
    let (s, first) = new_run();
    assert_eq!(s, 200, "{first}");
    let first = first["id"].as_str().unwrap_or_default().to_string();
    let mut full = false;
    for _ in 0..20 {
        let (s, r) = new_run();
        if s == 503 {
            assert_eq!(r["field"], "session", "{r}");
            full = true;
            break;
        }
    }
    assert!(full, "the session limit was never reached");
    // Polled rather than timed: new sessions are refused until idle ones have expired.
    let deadline = Instant::now() + Duration::from_secs(60);
    while new_run().0 != 200 {
        assert!(Instant::now() < deadline, "idle sessions did not expire and free their places");
        std::thread::sleep(Duration::from_millis(500));
    }
    let (s, e) = post(&server, &format!("/api/run/{first}/control"), &json!({ "cmd": "step" }));
    assert_eq!((s, e["field"].as_str()), (404, Some("session")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("expired"), "{e}");
}

/// Plays `moves` in a new play session and returns each month's report.
fn play(server: &Server, seed: u64, moves: &[(f64, f64)]) -> (String, Vec<Json>) {
    let (s, r) = post(server, "/api/play", &json!({ "preset": "status_quo_veto", "reform": "due_diligence_exemption", "seed": seed }));
    assert_eq!(s, 200, "{r}");
    let id = r["id"].as_str().unwrap_or_default().to_string();
    let reports = moves
        .iter()
        .map(|&(sv, mv)| {
            let (s, m) = post(server, &format!("/api/play/{id}/month"), &json!({ "s": sv, "m": mv }));
            assert_eq!(s, 200, "{m}");
            m
        })
        .collect();
    (id, reports)
}

#[test]
fn explore_play_a_cadre_months_are_the_students_and_sessions_are_separate() {
    let server = Server::start();
    let moves = [(0.5, 0.25), (1.0, 0.0), (0.0, 0.5)];
    let (id, alone) = play(&server, 3, &moves);
    for (m, (r, &(sv, mv))) in alone.iter().zip(&moves).enumerate() {
        assert_eq!(r["month"], m + 1);
        assert_eq!((r["you"]["s"].as_f64(), r["you"]["m"].as_f64()), (Some(sv), Some(mv)), "the student's action was not taken: {r}");
        assert_eq!((r["reform"]["s"].as_f64(), r["reform"]["m"].as_f64()), (Some(sv), Some(mv)), "not replayed under the reform: {r}");
        for key in ["visits", "findings", "exempted", "sanctioned", "score", "promoted", "payoff"] {
            assert!(!r["you"][key].is_null(), "{key} missing: {r}");
        }
        assert_eq!(r["peers"]["n"], 19.0);
    }
    let (s, sum) = get(&server, &format!("/api/play/{id}/summary"));
    assert_eq!(s, 200);
    let sum = json_of(&sum);
    assert_eq!(sum["months"], 3);
    assert_eq!(sum["you"]["s"].as_f64(), Some(0.5), "{sum}");
    assert_eq!(sum["you_under_reform"]["s"].as_f64(), Some(0.5), "{sum}");

    // Two students at once with the same seed, moves interleaved: each sees what it would alone.
    let (s, a) = post(&server, "/api/play", &json!({ "preset": "status_quo_veto", "reform": "due_diligence_exemption", "seed": 3 }));
    let (s2, b) = post(&server, "/api/play", &json!({ "preset": "status_quo_veto", "reform": "due_diligence_exemption", "seed": 3 }));
    assert_eq!((s, s2), (200, 200));
    let (a, b) = (a["id"].as_str().unwrap_or_default().to_string(), b["id"].as_str().unwrap_or_default().to_string());
    assert_ne!(a, b);
    for (k, &(sv, mv)) in moves.iter().enumerate() {
        let (_, ra) = post(&server, &format!("/api/play/{a}/month"), &json!({ "s": sv, "m": mv }));
        let (_, rb) = post(&server, &format!("/api/play/{b}/month"), &json!({ "s": 0.0, "m": 0.0 }));
        assert_eq!(ra, alone[k], "another student's moves changed this one's month {}", k + 1);
        assert_eq!(rb["you"]["s"].as_f64(), Some(0.0));
    }

    // Moves off the grid are refused with what is allowed.
    let (s, e) = post(&server, &format!("/api/play/{a}/month"), &json!({ "s": 0.3, "m": 0.0 }));
    assert_eq!((s, e["field"].as_str()), (422, Some("s")), "{e}");
    assert!(e["message"].as_str().unwrap_or("").contains("allowed: 0, 0.25, 0.5, 0.75, 1"), "{e}");
    let (s, e) = post(&server, &format!("/api/play/{a}/month"), &json!({ "s": 0.75, "m": 0.5 }));
    assert_eq!(s, 422, "{e}");
    let (s, e) = post(&server, &format!("/api/play/{a}/month"), &json!({ "s": "lots" }));
    assert_eq!((s, e["field"].as_str()), (422, Some("body")), "{e}");
}

// ---- the browser test -------------------------------------------------------------------------

/// Whether a missing system component must fail the test.
fn components_required() -> bool {
    std::env::var("CADRESIM_REQUIRE_COMPONENTS").is_ok_and(|v| v == "1")
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n))).find(|p| p.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A chromedriver process and one headless Chromium session, driven over WebDriver.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = agent().delete(&format!("{}/session/{}", self.base, self.session)).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    fn start(chromium: &Path, chromedriver: &Path) -> Browser {
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while http_ok(&format!("{base}/status")).is_none() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({ "capabilities": { "alwaysMatch": { "goog:chromeOptions": {
            "binary": chromium.display().to_string(),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1400,1100", "--hide-scrollbars",
                     format!("--user-data-dir={}", profile.path().display())],
        } } } });
        let (s, text) = http("POST", &format!("{base}/session"), Some(&caps.to_string()));
        let r = json_of(&text);
        assert_eq!(s, 200, "cannot start Chromium: {r}");
        let session = r["value"]["sessionId"].as_str().expect("session id").to_string();
        Browser { driver, base, session, _profile: profile }
    }

    fn cmd(&self, method: &str, path: &str, body: Json) -> Json {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let text_body = body.to_string();
        let (s, text) = http(method, &url, (method == "POST").then_some(text_body.as_str()));
        let r = json_of(&text);
        assert_eq!(s, 200, "WebDriver {method} {path}: {r}");
        r["value"].clone()
    }

    fn goto(&self, url: &str) {
        self.cmd("POST", "/url", json!({ "url": url }));
    }

    fn js(&self, script: &str) -> Json {
        self.cmd("POST", "/execute/sync", json!({ "script": script, "args": [] }))
    }

    /// Runs an async script whose last argument is the callback.
    fn js_async(&self, script: &str) -> Json {
        self.cmd("POST", "/execute/async", json!({ "script": script, "args": [] }))
    }

    /// The WebDriver reference object of an element.
    fn element_ref(&self, css: &str) -> Json {
        self.cmd("POST", "/element", json!({ "using": "css selector", "value": css }))
    }

    fn element(&self, css: &str) -> String {
        let v = self.element_ref(css);
        v.as_object().and_then(|o| o.values().next()).and_then(Json::as_str).expect("element id").to_string()
    }

    fn click(&self, css: &str) {
        let e = self.element(css);
        self.cmd("POST", &format!("/element/{e}/click"), json!({}));
    }

    fn keys(&self, css: &str, text: &str) {
        let e = self.element(css);
        self.cmd("POST", &format!("/element/{e}/value"), json!({ "text": text }));
    }

    /// Waits until `script` (an expression) is truthy.
    fn wait_for(&self, what: &str, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let v = self.js(&format!("return !!({script});"));
            if v == true {
                return;
            }
            let status = self.js("return document.getElementById('status').textContent;");
            assert!(Instant::now() < deadline, "timed out waiting for {what}; status line: {status}");
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn screenshot(&self, path: &Path) {
        let v = self.cmd("GET", "/screenshot", json!({}));
        let bytes = base64_decode(v.as_str().expect("base64 screenshot"));
        std::fs::create_dir_all(path.parent().expect("folder")).expect("screenshot folder");
        std::fs::write(path, bytes).expect("write screenshot");
    }

    fn text(&self, script: &str) -> String {
        self.js(&format!("return String({script});")).as_str().unwrap_or_default().to_string()
    }
}

fn http_ok(url: &str) -> Option<String> {
    let mut r = agent().get(url).call().ok()?;
    (r.status().as_u16() == 200).then(|| r.body_mut().read_to_string().ok()).flatten()
}

/// Decodes standard base64 (WebDriver screenshots).
fn base64_decode(text: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(val).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &d)| acc | (u32::from(d) << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

fn screenshots_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/explorer-screenshots")
}

#[test]
fn explore_in_a_real_browser() {
    let (Some(chromium), Some(chromedriver)) = (find_program(&["chromium", "chromium-browser"]), find_program(&["chromedriver"])) else {
        assert!(!components_required(), "CADRESIM_REQUIRE_COMPONENTS=1 but chromium or chromedriver is missing (.ci/install-chromium.sh)");
        println!("skipped: chromium and chromedriver are not installed (.ci/install-chromium.sh installs them)");
        return;
    };
    let server = Server::start();
    let browser = Browser::start(&chromium, &chromedriver);
    let dir = Dir::new();
    let shots = screenshots_dir();

    browser.goto(&format!("{}/", server.url));
    browser.wait_for("the presets", "document.querySelectorAll('#preset option').length >= 8");
    let blank = browser.text("document.getElementById('plot-effort').toDataURL()");

    // Pick a preset, move sliders with the keyboard, set the seed.
    browser.click("#preset option[value=due_diligence_exemption]");
    assert_eq!(browser.text("document.getElementById('out-regime.exempt').textContent"), "0.8");
    browser.keys("[id='sl-regime.exempt']", "\u{E014}"); // arrow right: one step up
    assert_eq!(browser.text("document.getElementById('out-regime.exempt').textContent"), "0.85");
    browser.keys("[id='sl-population.periods']", "\u{E011}\u{E014}"); // home, then one step: 24 months
    assert_eq!(browser.text("document.getElementById('out-population.periods').textContent"), "24");
    browser.js("const s = document.getElementById('seed'); s.value = ''; return 0;");
    browser.keys("#seed", "7");

    browser.click("#setup");
    browser.wait_for("Setup", "document.getElementById('status').textContent.startsWith('Set up')");
    browser.js("const s = document.getElementById('speed'); s.value = 60; s.dispatchEvent(new Event('change')); return 0;");
    browser.click("#go");
    browser.wait_for("24 months", "document.getElementById('mon-period').dataset.value === '24'");
    assert_ne!(browser.text("document.getElementById('plot-effort').toDataURL()"), blank, "the effort plot did not change");

    // The numbers shown are the CLI's for the same settings and seed.
    let sets = ["regime.exempt=0.85", "population.periods=24"];
    let expected = cli_periods(&dir, &scenario("due_diligence_exemption.toml"), 7, &sets, "cli");
    let last: Vec<String> = expected.lines().last().unwrap_or_default().split(',').map(str::to_string).collect();
    let header: Vec<&str> = expected.lines().next().unwrap_or_default().split(',').collect();
    for name in ["s", "m", "formalism", "share_diligent", "sanction_rate", "blame_ratio", "output"] {
        let col = header.iter().position(|h| *h == name).expect("metric column");
        let shown = browser.text(&format!("document.getElementById('mon-{name}').dataset.value"));
        assert_eq!(shown, last[col], "monitor {name} differs from the CLI");
        let text = browser.text(&format!("document.getElementById('mon-{name}').textContent"));
        let x: f64 = last[col].parse().unwrap_or(f64::NAN);
        let want = if x.is_finite() { format!("{x:.3}") } else { "—".into() };
        assert_eq!(text, want, "monitor {name} shows another number");
    }

    // Hover a cadre for its tooltip, and keep the picture for the README.
    let world = browser.element_ref("#world");
    let offset = browser.js(
        "const cv = document.getElementById('world'), r = cv.getBoundingClientRect(), c = worldCells[12];
         return [Math.round((c.x + c.size / 2) * r.width / cv.width - r.width / 2), Math.round((c.y + c.size / 2) * r.height / cv.height - r.height / 2)];",
    );
    browser.cmd(
        "POST",
        "/actions",
        json!({ "actions": [{ "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" },
        "actions": [{ "type": "pointerMove", "origin": world, "x": offset[0], "y": offset[1] }] }] }),
    );
    browser.wait_for("the tooltip", "!document.getElementById('tooltip').hidden");
    browser.js("window.scrollTo(0, 0); return 0;");
    browser.screenshot(&shots.join("explorer.png"));

    // Export through the page: the scenario runs with the CLI; the CSV is the CLI's periods.csv.
    let fetch = |id: &str| {
        browser
            .js_async(&format!(
                "const done = arguments[arguments.length - 1]; fetch(document.getElementById('{id}').href).then(r => r.text()).then(done);"
            ))
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let toml = fetch("export-toml");
    dir.create("exported.toml", &toml);
    assert_eq!(cli_periods(&dir, &dir.join("exported.toml"), 7, &[], "exported"), expected, "the exported scenario gives other numbers");
    assert_eq!(unnamed(&fetch("export-csv")), expected, "the exported CSV is not the CLI's periods.csv");

    // A thing to try from the Info panel sets the sliders and sets up the run; every one names
    // its preset's sliders only (an override of an absent slider would be silently dropped).
    assert_eq!(browser.js("return window.triesProblems;"), json!([]), "things to try with overrides the preset lacks");
    browser.click("#tab-info");
    browser.js("document.getElementById('tries').scrollIntoView(); return 0;");
    browser.screenshot(&shots.join("explorer-info.png"));
    browser.click("#try-flip");
    browser.wait_for("the exemption flip", "document.getElementById('status').textContent.startsWith('Set up')");
    assert_eq!(browser.text("document.getElementById('out-regime.exempt').textContent"), "1");
    assert_eq!(browser.text("document.getElementById('out-regime.penalty').textContent"), "6");

    // A preset with its own inspection levels: the merged level's slider is disabled and not
    // sent, so the run (and its exported scenario) has the preset's six levels and no other.
    browser.click("#preset option[value=multi_level_inspection]");
    assert_eq!(browser.js("return document.getElementById('sl-inspection.levels.merged.rate').disabled;"), json!(true));
    browser.click("#setup");
    browser.wait_for("the multi-level preset", "document.getElementById('status').textContent.startsWith('Set up multi_level_inspection')");
    browser.js("document.querySelector('.slider.absent').scrollIntoView(); return 0;");
    browser.screenshot(&shots.join("explorer-multi-level.png"));
    let toml = fetch("export-toml");
    assert!(toml.contains("[inspection.levels.national_standard]") && !toml.contains("[inspection.levels.merged]"), "{toml}");
    browser.click("#preset option[value=status_quo_veto]");
    assert_eq!(browser.js("return document.getElementById('sl-inspection.levels.merged.rate').disabled;"), json!(false));

    // Play three months as a cadre.
    browser.click("#tab-play");
    browser.click("#play-preset option[value=status_quo_veto]");
    browser.click("#play-start");
    browser.wait_for("the action grid", "document.querySelectorAll('#play-grid button.act').length === 15");
    for (k, (s, m)) in [(3, 1), (4, 0), (1, 3)].into_iter().enumerate() {
        browser.click(&format!("#act-{s}-{m}"));
        browser.click("#play-month-btn");
        browser.wait_for("a month's report", &format!("document.querySelectorAll('#play-history tbody tr').length === {}", k + 1));
    }
    let first_row = browser.text("document.querySelector('#play-history tbody tr').textContent");
    assert!(first_row.starts_with("10.750.25"), "month 1 should show s 0.75, m 0.25: {first_row}");
    browser.click("#play-summary-btn");
    browser.wait_for("the summary", "document.getElementById('play-verdict')");
    let verdict = browser.text("document.getElementById('play-verdict').textContent");
    assert!(verdict.contains("under due diligence exemption") || verdict.contains("under combined reform"), "{verdict}");
    browser.screenshot(&shots.join("explorer-play.png"));
    println!("screenshots in {}", shots.display());
}

#[test]
fn base64_decoding_matches_known_values() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("YWJj"), b"abc");
    let mut r = std::io::Cursor::new(base64_decode("iVBORw0KGgo="));
    let mut magic = Vec::new();
    r.read_to_end(&mut magic).unwrap_or_default();
    assert_eq!(magic, b"\x89PNG\r\n\x1a\n");
}
