//! `cadresim explore`: a local web server with an interactive explorer for students — sliders
//! for the regime's levers, live runs streamed period by period, a township view, an Info panel,
//! exports, and a "play a cadre" mode.
//!
//! This is a front end over the library: [`api`] turns requests into validated library calls,
//! [`session`] owns each run's replications on its own thread, [`limits`] holds every bound.
//! The page (`web/`) is embedded in the binary, so the explorer works offline. The server uses
//! `tiny_http` (a small synchronous server: light to compile on two cores, and enough for a
//! classroom on localhost); events are streamed as server-sent events in a chunked response.

mod api;
mod limits;
mod session;

use std::io::{Read, Write};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use api::{ApiError, Reply};
use session::Sessions;

/// The embedded page: path, content type, bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("/", "text/html; charset=utf-8", include_bytes!("../../../../web/index.html")),
    ("/index.html", "text/html; charset=utf-8", include_bytes!("../../../../web/index.html")),
    ("/app.js", "text/javascript; charset=utf-8", include_bytes!("../../../../web/app.js")),
    ("/style.css", "text/css; charset=utf-8", include_bytes!("../../../../web/style.css")),
];

/// Serves the explorer on 127.0.0.1:`port` (0: any free port) until the process is stopped.
/// Prints the address on `out` (tests read it from there).
pub fn serve(port: u16, open: bool, out: &mut dyn Write) -> Result<(), String> {
    let server = tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let addr = server.server_addr().to_ip().map(|a| a.to_string()).unwrap_or_else(|| format!("127.0.0.1:{port}"));
    let url = format!("http://{addr}/");
    let say = |out: &mut dyn Write, s: &str| writeln!(out, "{s}").and_then(|()| out.flush()).map_err(|e| format!("<stdout>: {e}"));
    say(out, &format!("cadresim explore: serving {url}"))?;
    // Only the address line must get out; a reader that went away later does not stop the server.
    let _ = say(out, "listening on localhost only (other machines cannot connect); press Ctrl-C to stop");
    if open {
        if let Err(e) = open_browser(&url) {
            let _ = say(out, &format!("could not open a browser ({e}); open {url} yourself"));
        }
    }
    let server = Arc::new(server);
    let sessions = Arc::new(Sessions::new());
    {
        let sessions = sessions.clone();
        std::thread::Builder::new()
            .name("expiry".into())
            .spawn(move || loop {
                std::thread::sleep(limits::expiry_check());
                sessions.expire();
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;
    }
    let workers: Vec<_> = (0..limits::WORKERS)
        .map(|k| {
            let (server, sessions) = (server.clone(), sessions.clone());
            std::thread::Builder::new().name(format!("http-{k}")).spawn(move || {
                while let Ok(rq) = server.recv() {
                    handle(&sessions, rq);
                }
            })
        })
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

fn open_browser(url: &str) -> std::io::Result<()> {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().map(|_| ())
}

/// Reads at most [`limits::MAX_BODY`] bytes of the body.
fn read_body(rq: &mut tiny_http::Request) -> Result<Vec<u8>, ApiError> {
    let too_big = || ApiError::new(413, "body", &format!("the request body is larger than {} bytes", limits::MAX_BODY));
    if rq.body_length().is_some_and(|n| n > limits::MAX_BODY) {
        return Err(too_big());
    }
    let mut body = Vec::new();
    rq.as_reader()
        .take(limits::MAX_BODY as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| ApiError::new(400, "body", &format!("cannot read the request: {e}")))?;
    if body.len() > limits::MAX_BODY {
        return Err(too_big());
    }
    Ok(body)
}

fn handle(sessions: &Sessions, mut rq: tiny_http::Request) {
    let method = rq.method().as_str().to_ascii_uppercase();
    let url = rq.url().to_string();
    let path = url.split(['?', '#']).next().unwrap_or("/").to_string();
    if method == "GET" {
        if let Some(id) = path.strip_prefix("/api/run/").and_then(|r| r.strip_suffix("/events")) {
            match id.parse::<u64>().map_err(|_| ApiError::new(404, "session", "no such session")) {
                Ok(id) => match sessions.run_tx(id) {
                    // The session thread answers on the connection itself, event by event.
                    Ok(tx) => {
                        let _ = tx.send(session::RunCmd::Attach(rq.into_writer()));
                    }
                    Err(e) => respond(rq, Reply::error(&e)),
                },
                Err(e) => respond(rq, Reply::error(&e)),
            }
            return;
        }
        if let Some((_, ct, bytes)) = ASSETS.iter().find(|(p, ..)| *p == path) {
            respond(rq, Reply::asset(ct, bytes));
            return;
        }
    }
    let reply = match read_body(&mut rq) {
        Err(e) => Reply::error(&e),
        Ok(body) => match std::panic::catch_unwind(AssertUnwindSafe(|| api::route(sessions, &method, &path, &body))) {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => Reply::error(&e),
            Err(_) => Reply::error(&ApiError::new(500, "server", "internal error while answering this request; the server goes on")),
        },
    };
    respond(rq, reply);
}

fn respond(rq: tiny_http::Request, reply: Reply) {
    let mut resp = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
    let mut headers = vec![("Content-Type", reply.content_type.to_string()), ("Cache-Control", "no-store".into())];
    if let Some(name) = reply.download {
        headers.push(("Content-Disposition", format!("attachment; filename=\"{name}\"")));
    }
    for (k, v) in headers {
        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            resp.add_header(h);
        }
    }
    let _ = rq.respond(resp);
}
