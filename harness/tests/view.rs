//! `kvsim --view`: it serves the app's files and the trace on loopback, refuses paths outside
//! the app, and refuses at once a folder without an app or a file that is not a trace.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

const TRACE: &str = r#"{"ev":"event","t":0.5,"what":"leader elected"}"#;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn kvsim(args: &[&std::ffi::OsStr]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kvsim"));
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

/// The status line and body of GET `path` at `port`.
fn get(port: u16, path: &str) -> (String, String) {
    let (status, _, body) = request(port, "GET", path, &format!("localhost:{port}"));
    (status, body)
}

/// The status line, the content type and the body of a request.
fn request(port: u16, method: &str, path: &str, host: &str) -> (String, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("the viewer listens");
    write!(s, "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.lines().next().unwrap_or_default().to_string();
    let kind = text
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: ").or_else(|| l.strip_prefix("content-type: ")))
        .unwrap_or_default()
        .to_string();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_string();
    (status, kind, body)
}

#[test]
fn serves_the_app_and_the_trace_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(app.join("assets")).unwrap();
    std::fs::write(app.join("index.html"), "<title>app</title>").unwrap();
    std::fs::write(app.join("assets/a.css"), "b{}").unwrap();
    std::fs::write(app.join("web_bg.wasm"), "\0asm").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "no").unwrap();
    // Named as a page would be: it must still be served as text, never run as one.
    let trace = dir.path().join("run.0.html");
    std::fs::write(&trace, format!("{TRACE}\n")).unwrap();

    let child = kvsim(&["--view".as_ref(), trace.as_os_str(), "--port".as_ref(), "0".as_ref(), "--app".as_ref(), app.as_os_str()])
        .spawn()
        .expect("kvsim starts");
    let mut child = Killed(child);
    let mut url = String::new();
    BufReader::new(child.0.stdout.take().unwrap()).read_line(&mut url).unwrap();
    let port: u16 = url
        .trim()
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("an address on loopback, not {url:?}"));
    let trace_path = url.trim().split("?trace=").nth(1).expect("the address names the trace");

    assert_eq!(get(port, "/"), ("HTTP/1.1 200 OK".into(), "<title>app</title>".into()));
    assert_eq!(get(port, "/assets/a.css?v=1").1, "b{}");
    let (status, kind, body) = request(port, "GET", &format!("/{trace_path}"), &format!("127.0.0.1:{port}"));
    assert_eq!((status.as_str(), kind.as_str(), body.trim()), ("HTTP/1.1 200 OK", "text/plain; charset=utf-8", TRACE));
    assert_eq!(request(port, "GET", "/web_bg.wasm", &format!("localhost:{port}")).1, "application/wasm");
    assert_eq!(request(port, "GET", "/", &format!("localhost:{port}")).1, "text/html; charset=utf-8");
    assert!(request(port, "POST", "/", &format!("localhost:{port}")).0.contains("405"));
    // Another name for 127.0.0.1 (a rebinding page's) gets nothing.
    assert!(request(port, "GET", &format!("/{trace_path}"), &format!("evil.example:{port}")).0.contains("403"));
    // A trace written anew is served anew.
    std::fs::write(&trace, "{}\n").unwrap();
    assert_eq!(get(port, &format!("/{trace_path}")).1, "{}\n");
    for outside in ["/../secret.txt", "/assets/../../secret.txt", "/.hidden", "/missing.js"] {
        assert!(get(port, outside).0.contains("404"), "{outside} must not be served");
    }
}

#[test]
fn refuses_a_folder_without_the_app_and_a_file_that_is_not_a_trace() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("run.0.jsonl");
    std::fs::write(&trace, format!("{TRACE}\n")).unwrap();
    let out = kvsim(&["--view".as_ref(), trace.as_os_str(), "--app".as_ref(), dir.path().as_os_str()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("make web"), "says how to build the app");

    let app = dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(app.join("index.html"), "").unwrap();
    let config = dir.path().join("config.json");
    std::fs::write(&config, r#"{"lifetime": 30, "replicas": 5}"#).unwrap();
    let out = kvsim(&["--view".as_ref(), config.as_os_str(), "--app".as_ref(), app.as_os_str()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a kvsim trace") && err.contains("line 1"), "{err}");
}
