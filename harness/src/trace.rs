//! `kvsim --trace DIR`: every datagram, request, fault and finding of a run, one JSON line
//! each, so that where the messages went and why a request got no answer can be read off
//! afterwards, by eye or in the browser app. One file per run, `DIR/<config>.<run>.jsonl`,
//! in the format the `kvtrace` crate defines (harness/README.md describes it).

use crate::network::Route;
use kvtrace::{Datagram, Fate, Fault, FaultKind, Finding, Line, Note, Request, Run, Verdict};
use serde_json::Value;
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

    /// The first line: what is being run.
    pub fn run(&mut self, run: Run) {
        self.line(&Line::Run(run));
    }

    pub fn datagram(&mut self, t: f64, from: usize, route: &Route, bytes: &[u8]) {
        self.line(&Line::Msg(Datagram { t, from, fate: fate(route), counted: route.counted, raw: raw(bytes) }));
    }

    pub fn request(&mut self, t: f64, due: Option<f64>, to: usize, bytes: &[u8]) {
        self.line(&Line::Request(Request { t, to, due, raw: raw(bytes) }));
    }

    pub fn fault(&mut self, t: f64, kind: FaultKind, replicas: Vec<String>) {
        self.line(&Line::Fault(Fault { t, kind, replicas }));
    }

    pub fn event(&mut self, t: f64, what: &str) {
        self.line(&Line::Event(Note { t, what: what.into() }));
    }

    pub fn finding(&mut self, finding: Finding) {
        self.line(&Line::Finding(finding));
    }

    pub fn verdict(&mut self, verdict: Verdict) {
        self.line(&Line::Verdict(verdict));
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn line(&mut self, line: &Line) {
        // A trace is a diagnostic: a full disk must not stop the run it describes.
        let _ = writeln!(self.out, "{}", kvtrace::to_line(line));
    }
}

/// The datagram as JSON if it parses (it was validated before routing), else as text.
fn raw(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// What became of a datagram's copies, in one word.
pub fn fate(route: &Route) -> Fate {
    if route.client.is_some() {
        return Fate::Client;
    }
    let kinds = [
        (!route.deliver.is_empty(), Fate::Delivered),
        (route.dropped > 0, Fate::Dropped),
        (route.cut > 0, Fate::Cut),
        (route.to_dead > 0, Fate::Dead),
    ];
    let mut present = kinds.iter().filter(|(yes, _)| *yes).map(|&(_, fate)| fate);
    match (present.next(), present.next()) {
        (Some(only), None) => only,
        (Some(_), Some(_)) => Fate::Mixed,
        (None, _) => Fate::Nowhere,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fate_names_the_one_outcome_or_says_mixed() {
        let delivered = Route { counted: 1, deliver: vec![2], ..Route::default() };
        assert_eq!(fate(&delivered), Fate::Delivered);
        let dropped = Route { counted: 1, dropped: 1, ..Route::default() };
        assert_eq!(fate(&dropped), Fate::Dropped);
        let broadcast = Route { counted: 4, deliver: vec![1, 2], dropped: 1, to_dead: 1, ..Route::default() };
        assert_eq!(fate(&broadcast), Fate::Mixed);
        let client = Route { client: Some(0), ..Route::default() };
        assert_eq!(fate(&client), Fate::Client);
        assert_eq!(fate(&Route { unknown_dst: true, ..Route::default() }), Fate::Nowhere);
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
        assert_eq!(kvtrace::parse(&text).errors, vec![]);
    }
}
