//! `kvsim --view FILE`: serves the built browser app and one trace on this machine's loopback,
//! so that one address opens the trace in the viewer. Only the app's own files and the trace
//! are served, to 127.0.0.1 alone; the trace is read again on each request, so a run written
//! anew is seen on a reload.

use std::fs;
use std::path::{Component, Path, PathBuf};
use tiny_http::{Header, Method, Response, Server};

/// Where the app fetches the trace from: the path of the address `url` prints.
const TRACE_PATH: &str = "trace.jsonl";
const TEXT: &str = "text/plain; charset=utf-8";

pub struct Viewer {
    server: Server,
    app: PathBuf,
    trace: PathBuf,
}

impl Viewer {
    /// Checks that `app` holds a built app and `trace` is a kvsim trace, then listens on
    /// 127.0.0.1:`port` (0: any free port).
    pub fn bind(app: &Path, trace: &Path, port: u16) -> Result<Viewer, String> {
        if !app.join("index.html").is_file() {
            return Err(format!(
                "no built browser app in {}: build it with `make web` (or `trunk build --release`), \
                 or name its folder with --app DIR",
                app.display()
            ));
        }
        let text = fs::read_to_string(trace).map_err(|e| format!("cannot read {}: {e}", trace.display()))?;
        let parsed = kvtrace::parse(&text);
        if parsed.lines.is_empty() {
            let why = parsed.errors.first().map_or("it is empty".to_string(), |e| e.to_string());
            return Err(format!("{} is not a kvsim trace: {why}", trace.display()));
        }
        let server = Server::http(("127.0.0.1", port)).map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e} (choose another with --port N)"))?;
        Ok(Viewer { server, app: app.to_path_buf(), trace: trace.to_path_buf() })
    }

    pub fn port(&self) -> u16 {
        self.server.server_addr().to_ip().map_or(0, |a| a.port())
    }

    /// The address that opens the trace in the app.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/?trace={TRACE_PATH}", self.port())
    }

    /// Answers requests until the process ends.
    pub fn serve(&self) {
        for request in self.server.incoming_requests() {
            let host = request.headers().iter().find(|h| h.field.equiv("Host")).map(|h| h.value.as_str().to_owned());
            let (status, kind, body) = if !self.is_our_host(host.as_deref()) {
                (403, TEXT, b"this server answers only to its own address\n".to_vec())
            } else {
                match request.method() {
                    Method::Get | Method::Head => self.answer(request.url()),
                    _ => (405, TEXT, b"only GET and HEAD\n".to_vec()),
                }
            };
            let header = |k: &str, v: &str| Header::from_bytes(k, v).expect("our headers are ASCII");
            let mut response = Response::from_data(body)
                .with_status_code(status)
                .with_header(header("Content-Type", kind))
                .with_header(header("X-Content-Type-Options", "nosniff"));
            if status == 405 {
                response.add_header(header("Allow", "GET, HEAD"));
            }
            // A client that went away is its own business: keep serving the others.
            let _ = request.respond(response);
        }
    }

    /// Whether a request names this server as it listens, 127.0.0.1 or localhost with its
    /// port: a page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) does
    /// not get the trace.
    fn is_our_host(&self, host: Option<&str>) -> bool {
        let port = self.port();
        host.is_some_and(|h| h == format!("127.0.0.1:{port}") || h == format!("localhost:{port}"))
    }

    /// The status, content type and body for the path of `url`.
    fn answer(&self, url: &str) -> (u16, &'static str, Vec<u8>) {
        let path = url.split(['?', '#']).next().unwrap_or("/");
        // The trace is text whatever its file is called: it holds what a replica wrote.
        let file = if path == format!("/{TRACE_PATH}") {
            Some((self.trace.clone(), TEXT))
        } else {
            app_file(&self.app, path).map(|f| {
                let kind = content_type(&f);
                (f, kind)
            })
        };
        match file.map(|(f, kind)| (fs::read(f), kind)) {
            Some((Ok(body), kind)) => (200, kind, body),
            _ => (404, TEXT, b"not found\n".to_vec()),
        }
    }
}

/// The file of the app that `path` names, if it names one inside `app`: plain names only,
/// no `..`, no hidden files; a folder means its index.html.
fn app_file(app: &Path, path: &str) -> Option<PathBuf> {
    let rel = Path::new(path.trim_start_matches('/'));
    let plain = rel.components().all(|c| matches!(c, Component::Normal(s) if !s.to_string_lossy().starts_with('.')));
    if !plain || path.contains('\\') || path.contains('%') {
        return None;
    }
    let file = app.join(rel);
    if file.is_dir() {
        Some(file.join("index.html"))
    } else {
        Some(file)
    }
}

/// A browser instantiates wasm fastest, and runs scripts at all, only with the right types.
fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        _ => TEXT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_inside_the_app_are_files() {
        let app = Path::new("/srv/app");
        assert_eq!(app_file(app, "/web.js"), Some(PathBuf::from("/srv/app/web.js")));
        assert_eq!(app_file(app, "/assets/a.png"), Some(PathBuf::from("/srv/app/assets/a.png")));
        for bad in ["/../etc/passwd", "/assets/../../x", "/.git/config", "/a\\b", "/%2e%2e/x"] {
            assert_eq!(app_file(app, bad), None, "{bad}");
        }
    }
}
