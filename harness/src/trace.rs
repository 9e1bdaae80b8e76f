//! `kvsim --trace DIR`: every datagram of a run, as JSON lines, for finding out afterwards
//! why a request went unanswered or where the messages went.
//!
//! One file per run, `DIR/<config>.<run>.jsonl`. Each line is an object with `t` (seconds
//! since the clients' clock started) and `ev`:
//! - `"msg"`: a datagram a replica sent: `from` (replica index), `fate` (`delivered`,
//!   `dropped`, `cut`, `dead`, `client`, or `mixed` for a broadcast whose copies fared
//!   differently), `counted` (what it added to `total_msgs`) and `raw`, the datagram itself;
//! - `"request"`: a client's request as it was handed to replica `to` (`raw`), with `due`,
//!   when the schedule wanted it sent (absent for a resend after a fail or redirect);
//! - `"event"`: a fault or a line of the event log (`what`).

use crate::network::Route;
use serde_json::{json, Value};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct Trace {
    out: BufWriter<File>,
    path: PathBuf,
}

impl Trace {
    /// Creates `dir/<name>.<run>.jsonl` (and `dir` if need be).
    pub fn create(dir: &Path, name: &str, run: u32) -> io::Result<Trace> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{name}.{run}.jsonl"));
        Ok(Trace { out: BufWriter::new(File::create(&path)?), path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn datagram(&mut self, t: f64, from: usize, route: &Route, bytes: &[u8]) {
        self.line(json!({
            "t": t,
            "ev": "msg",
            "from": from,
            "fate": fate(route),
            "counted": route.counted,
            "raw": raw(bytes),
        }));
    }

    pub fn request(&mut self, t: f64, due: Option<f64>, to: usize, bytes: &[u8]) {
        let mut line = json!({ "t": t, "ev": "request", "to": to, "raw": raw(bytes) });
        if let Some(due) = due {
            line["due"] = due.into();
        }
        self.line(line);
    }

    pub fn event(&mut self, t: f64, what: &str) {
        self.line(json!({ "t": t, "ev": "event", "what": what }));
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn line(&mut self, v: Value) {
        // A trace is a diagnostic: a full disk must not stop the run it describes.
        let _ = writeln!(self.out, "{v}");
    }
}

/// The datagram as JSON if it parses (it was validated before routing), else as text.
fn raw(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// What became of a datagram's copies, in one word.
pub fn fate(route: &Route) -> &'static str {
    if route.client.is_some() {
        return "client";
    }
    let kinds = [
        (!route.deliver.is_empty(), "delivered"),
        (route.dropped > 0, "dropped"),
        (route.cut > 0, "cut"),
        (route.to_dead > 0, "dead"),
    ];
    let mut present = kinds.iter().filter(|(yes, _)| *yes).map(|&(_, name)| name);
    match (present.next(), present.next()) {
        (Some(only), None) => only,
        (Some(_), Some(_)) => "mixed",
        (None, _) => "nowhere",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fate_names_the_one_outcome_or_says_mixed() {
        let delivered = Route { counted: 1, deliver: vec![2], ..Route::default() };
        assert_eq!(fate(&delivered), "delivered");
        let dropped = Route { counted: 1, dropped: 1, ..Route::default() };
        assert_eq!(fate(&dropped), "dropped");
        let broadcast = Route { counted: 4, deliver: vec![1, 2], dropped: 1, to_dead: 1, ..Route::default() };
        assert_eq!(fate(&broadcast), "mixed");
        let client = Route { client: Some(0), ..Route::default() };
        assert_eq!(fate(&client), "client");
        assert_eq!(fate(&Route { unknown_dst: true, ..Route::default() }), "nowhere");
    }

    #[test]
    fn lines_are_json_with_the_datagram_inside() {
        let dir = tempfile::tempdir().unwrap();
        let mut trace = Trace::create(dir.path(), "simple-1", 0).unwrap();
        let route = Route { counted: 1, deliver: vec![1], ..Route::default() };
        trace.datagram(0.5, 0, &route, br#"{"src":"0000","dst":"0001","leader":"0000","type":"ae"}"#);
        trace.event(1.0, "kill_leader: killed 0000");
        let path = trace.path().to_owned();
        trace.finish().unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["fate"], "delivered");
        assert_eq!(lines[0]["raw"]["type"], "ae");
        assert_eq!(lines[1]["what"], "kill_leader: killed 0000");
    }
}
