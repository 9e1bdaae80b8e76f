//! The client side of the load: logical requests, their MIDs, redirects and answers.
//!
//! A logical request keeps its key and value across resends; each send has a fresh MID. A
//! `redirect` resends at once to the leader it names (a random replica for `FFFF`); `ok` and
//! `fail` are final. Every request goes to the replica named by the last reply's `leader`.

use super::check::{self, ReadCheck};
use super::envelope::Envelope;
use crate::ids::{self, Party};
use rand::distr::{Alphanumeric, SampleString};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

const KEY_LEN: usize = 32;
/// Marks a MID that has had its answer.
const ANSWERED: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Get,
    Put,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pending,
    Ok,
    Fail,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub kind: Kind,
    pub key: u32,
    /// A put's value; for a get, the value its `ok` carried.
    pub value: Option<String>,
    /// Sent during the measured window (the puts that wait for a leader are not).
    pub measured: bool,
    /// Seconds since the run began, and the position in the event sequence, of the first send.
    pub first_sent: f64,
    pub first_event: u64,
    pub outcome: Outcome,
    pub answered_at: f64,
    pub answered_event: u64,
}

/// A datagram for a replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub replica: usize,
    pub bytes: Vec<u8>,
}

/// Answers that were not the final answer of a measured request.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Answers {
    /// Redirects of measured requests.
    pub redirects: u64,
    /// Answers for a MID that already had one.
    pub duplicates: u64,
    /// Answers for a MID this client never sent (the attack's own requests among them).
    pub stray: u64,
    /// Datagrams to a client that are not `ok`/`fail`/`redirect` with a string MID.
    pub malformed: u64,
    /// Datagrams sent, resends included.
    pub sends: u64,
}

pub struct Workload {
    rng: StdRng,
    mix: f64,
    /// The most distinct keys, if bounded.
    max_keys: Option<usize>,
    replicas: usize,
    clients: Vec<String>,
    /// Makes this run's put values differ from any other run's.
    nonce: u64,
    replica_ids: Vec<String>,
    /// Where the next request goes: the last reply's `leader`, None for unknown.
    leader: Option<usize>,
    keys: Vec<String>,
    key_acked: Vec<bool>,
    acked_keys: Vec<u32>,
    requests: Vec<Request>,
    /// MID number → its request, or ANSWERED.
    mids: Vec<u32>,
    /// The event sequence: every first send and every final answer takes the next number.
    events: u64,
    pending_measured: u64,
    /// The last `leader` of an `ok`, and how often it changed.
    ok_leader: Option<String>,
    pub leader_changes: u64,
    /// `ok`s of measured requests per replica that sent them.
    pub oks_by_replica: Vec<u64>,
    pub answers: Answers,
}

impl Workload {
    pub fn new(replicas: usize, mix: f64, max_keys: Option<usize>, seed: u64) -> Workload {
        let mut rng = StdRng::seed_from_u64(seed);
        let leader = Some(rng.random_range(0..replicas));
        let nonce = rng.random();
        Workload {
            rng,
            mix,
            max_keys,
            replicas,
            clients: ids::client_ids(replicas),
            nonce,
            replica_ids: ids::replica_ids(replicas),
            leader,
            keys: Vec::new(),
            key_acked: Vec::new(),
            acked_keys: Vec::new(),
            requests: Vec::new(),
            mids: Vec::new(),
            events: 0,
            pending_measured: 0,
            ok_leader: None,
            leader_changes: 0,
            oks_by_replica: vec![0; replicas],
            answers: Answers::default(),
        }
    }

    pub fn requests(&self) -> &[Request] {
        &self.requests
    }

    /// Measured requests with no final answer yet.
    pub fn pending_measured(&self) -> u64 {
        self.pending_measured
    }

    /// The replica believed to lead, if a reply named one.
    pub fn leader(&self) -> Option<usize> {
        self.leader
    }

    /// A random acknowledged key, for forging entries that would show in reads.
    pub fn some_acked_key(&mut self) -> Option<&str> {
        if self.acked_keys.is_empty() {
            return None;
        }
        let k = self.acked_keys[self.rng.random_range(0..self.acked_keys.len())];
        Some(&self.keys[k as usize])
    }

    /// A put of a new key that is not part of the measurement (used to find the leader).
    pub fn probe(&mut self, now: f64, replica: usize) -> Outgoing {
        self.leader = Some(replica);
        let key = self.new_key();
        self.start(Kind::Put, key, now, false)
    }

    /// The next measured request: a get of an acknowledged key with probability `mix`,
    /// otherwise a put, of a new key half the time (while there may be more keys), else of
    /// an acknowledged one.
    pub fn next(&mut self, now: f64) -> Outgoing {
        let has_keys = !self.acked_keys.is_empty();
        let keys_left = self.max_keys.is_none_or(|max| self.keys.len() < max);
        let (kind, key) = if has_keys && self.rng.random_bool(self.mix) {
            (Kind::Get, self.pick_acked())
        } else if has_keys && (!keys_left || self.rng.random_bool(0.5)) {
            (Kind::Put, self.pick_acked())
        } else {
            (Kind::Put, self.new_key())
        };
        self.start(kind, key, now, true)
    }

    fn new_key(&mut self) -> u32 {
        self.keys
            .push(Alphanumeric.sample_string(&mut self.rng, KEY_LEN));
        self.key_acked.push(false);
        (self.keys.len() - 1) as u32
    }

    fn pick_acked(&mut self) -> u32 {
        self.acked_keys[self.rng.random_range(0..self.acked_keys.len())]
    }

    fn start(&mut self, kind: Kind, key: u32, now: f64, measured: bool) -> Outgoing {
        let index = self.requests.len();
        // Values are unique, so a read names the put it saw: 32 hex digits like the
        // simulator's md5 values, the run's nonce and then the request's number.
        let value = (kind == Kind::Put).then(|| hex16(self.nonce) + &hex16(index as u64));
        self.events += 1;
        self.requests.push(Request {
            kind,
            key,
            value,
            measured,
            first_sent: now,
            first_event: self.events,
            outcome: Outcome::Pending,
            answered_at: 0.0,
            answered_event: 0,
        });
        if measured {
            self.pending_measured += 1;
        }
        self.send(index)
    }

    /// Sends request `index` under a new MID to the believed leader.
    fn send(&mut self, index: usize) -> Outgoing {
        let replica = match self.leader {
            Some(l) => l,
            None => self.rng.random_range(0..self.replicas),
        };
        let mid = self.mids.len();
        self.mids.push(index as u32);
        self.answers.sends += 1;
        let r = &self.requests[index];
        let leader = self.leader.map_or(ids::BROADCAST, |l| &self.replica_ids[l]);
        let kind = if r.kind == Kind::Get { "get" } else { "put" };
        // Keys are alphanumeric, values and MIDs hex: nothing needs JSON escaping. Pieces are
        // copied rather than formatted: at 100,000 requests/s formatting shows in the profile.
        let mut bytes = Vec::with_capacity(200);
        for piece in [
            r#"{"src":""#,
            &self.clients[mid % self.clients.len()],
            r#"","dst":""#,
            &self.replica_ids[replica],
            r#"","leader":""#,
            leader,
            r#"","type":""#,
            kind,
            r#"","MID":""#,
            &format_mid(mid),
            r#"","key":""#,
            &self.keys[r.key as usize],
        ] {
            bytes.extend_from_slice(piece.as_bytes());
        }
        if let Some(v) = r.value.as_deref().filter(|_| r.kind == Kind::Put) {
            bytes.extend_from_slice(br#"","value":""#);
            bytes.extend_from_slice(v.as_bytes());
        }
        bytes.extend_from_slice(br#""}"#);
        Outgoing { replica, bytes }
    }

    /// Handles an answer that replica `from` sent to a client; returns the resend a redirect
    /// calls for.
    pub fn on_reply(&mut self, from: usize, env: &Envelope, now: f64) -> Option<Outgoing> {
        let kind = env.kind.as_ref();
        let Some(mid) = env
            .mid
            .as_deref()
            .filter(|_| matches!(kind, "ok" | "fail" | "redirect"))
        else {
            self.answers.malformed += 1;
            return None;
        };
        let Some(m) = parse_mid(mid).filter(|&m| m < self.mids.len()) else {
            self.answers.stray += 1;
            return None;
        };
        let index = std::mem::replace(&mut self.mids[m], ANSWERED);
        if index == ANSWERED {
            self.answers.duplicates += 1;
            return None;
        }
        self.leader = match ids::resolve(&env.leader, self.replicas) {
            Party::Replica(l) => Some(l),
            _ => None,
        };
        let index = index as usize;
        if self.requests[index].outcome != Outcome::Pending {
            // An earlier MID of this request was already answered finally; should not happen,
            // since only a redirect leads to another MID.
            self.answers.duplicates += 1;
            return None;
        }
        match kind {
            "redirect" => {
                if self.requests[index].measured {
                    self.answers.redirects += 1;
                }
                Some(self.send(index))
            }
            "ok" => {
                if self.ok_leader.as_deref().is_some_and(|l| l != env.leader) {
                    self.leader_changes += 1;
                }
                if self.ok_leader.as_deref() != Some(&env.leader) {
                    self.ok_leader = Some(env.leader.to_string());
                }
                self.finish(index, Outcome::Ok, now);
                let r = &mut self.requests[index];
                if r.measured {
                    self.oks_by_replica[from] += 1;
                }
                match r.kind {
                    Kind::Get => r.value = env.value.as_deref().map(str::to_owned),
                    Kind::Put => {
                        let key = r.key as usize;
                        if !self.key_acked[key] {
                            self.key_acked[key] = true;
                            self.acked_keys.push(key as u32);
                        }
                    }
                }
                None
            }
            _ => {
                self.finish(index, Outcome::Fail, now);
                None
            }
        }
    }

    fn finish(&mut self, index: usize, outcome: Outcome, now: f64) {
        self.events += 1;
        let r = &mut self.requests[index];
        r.outcome = outcome;
        r.answered_at = now;
        r.answered_event = self.events;
        if r.measured {
            self.pending_measured -= 1;
        }
    }

    /// Whether any request, measured or not, has been acknowledged.
    pub fn any_ok(&self) -> bool {
        self.requests.iter().any(|r| r.outcome == Outcome::Ok)
    }

    /// Checks every acknowledged get against every put (see `check`).
    pub fn check_reads(&self) -> ReadCheck {
        let key = |r: &Request| self.keys[r.key as usize].as_str();
        let puts: Vec<check::Put> = self
            .requests
            .iter()
            .filter(|r| r.kind == Kind::Put)
            .map(|r| check::Put {
                key: key(r),
                value: r.value.as_deref().unwrap_or_default(),
                sent: r.first_event,
                acked: (r.outcome == Outcome::Ok).then_some(r.answered_event),
            })
            .collect();
        let gets: Vec<check::Get> = self
            .requests
            .iter()
            .filter(|r| r.kind == Kind::Get && r.outcome == Outcome::Ok)
            .map(|r| check::Get {
                key: key(r),
                value: r.value.as_deref(),
                sent: r.first_event,
                answered: r.answered_event,
            })
            .collect();
        check::check_reads(&puts, &gets)
    }
}

/// 16 uppercase hex digits, without the cost of `format!` (which shows at 100,000/s).
fn hex16(n: u64) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    (0..16)
        .rev()
        .map(|i| char::from(HEX[(n >> (i * 4)) as usize & 15]))
        .collect()
}

/// MIDs are the send's number in 16 hex digits: unique, and cheap to map back.
fn format_mid(n: usize) -> String {
    hex16(n as u64)
}

fn parse_mid(mid: &str) -> Option<usize> {
    if mid.len() != 16 || !mid.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    usize::from_str_radix(mid, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn sent(out: &Outgoing) -> Value {
        serde_json::from_slice(&out.bytes).unwrap()
    }

    fn answer(
        w: &mut Workload,
        req: &Value,
        from: usize,
        kind: &str,
        leader: &str,
        value: Option<&str>,
    ) -> Option<Outgoing> {
        let mut v = json!({"src": ids::format_id(from), "dst": req["src"], "leader": leader,
                           "type": kind, "MID": req["MID"]});
        if let Some(value) = value {
            v["value"] = value.into();
        }
        let bytes = v.to_string().into_bytes();
        let env = Envelope::parse(&bytes).unwrap();
        w.on_reply(from, &env, 1.0)
    }

    #[test]
    fn mids_round_trip_and_refuse_foreign_shapes() {
        assert_eq!(format_mid(0xABC), "0000000000000ABC");
        assert_eq!(hex16(u64::MAX), "FFFFFFFFFFFFFFFF");
        assert_eq!(parse_mid(&format_mid(0xABC)), Some(0xABC));
        assert_eq!(parse_mid(&format_mid(usize::MAX)), Some(usize::MAX));
        assert_eq!(parse_mid("ATTACK0000000001"), None);
        assert_eq!(parse_mid("+000000000000001"), None);
        assert_eq!(parse_mid("1"), None);
    }

    #[test]
    fn first_requests_are_puts_and_redirects_resend_with_a_new_mid() {
        let mut w = Workload::new(5, 1.0, None, 3);
        let out = w.next(0.0);
        let req = sent(&out);
        assert_eq!(req["type"], "put");
        assert_eq!(req["dst"], ids::format_id(out.replica));
        let again = answer(&mut w, &req, out.replica, "redirect", "0003", None).unwrap();
        let req2 = sent(&again);
        assert_eq!((again.replica, req2["leader"].as_str()), (3, Some("0003")));
        assert_ne!(req["MID"], req2["MID"]);
        assert_eq!((&req["key"], &req["value"]), (&req2["key"], &req2["value"]));
        assert_eq!(w.pending_measured(), 1);
        assert!(answer(&mut w, &req2, 3, "ok", "0003", None).is_none());
        assert_eq!(w.pending_measured(), 0);
        // The redirected MID and the acknowledged one are both answered now.
        answer(&mut w, &req, 0, "ok", "0003", None);
        answer(&mut w, &req2, 3, "ok", "0003", None);
        assert_eq!((w.answers.duplicates, w.answers.redirects), (2, 1));
        assert_eq!(w.oks_by_replica[3], 1);
        // With every get wanted and a key acknowledged, the next request reads it.
        let get = sent(&w.next(2.0));
        assert_eq!(
            (get["type"].as_str(), &get["key"]),
            (Some("get"), &req["key"])
        );
        assert_eq!(get["dst"], "0003");
    }

    #[test]
    fn fail_is_final_and_unknown_leaders_spread_requests() {
        let mut w = Workload::new(5, 0.0, None, 4);
        let req = sent(&w.next(0.0));
        assert!(answer(&mut w, &req, 1, "fail", "FFFF", None).is_none());
        assert_eq!(w.requests()[0].outcome, Outcome::Fail);
        assert_eq!(w.leader(), None);
        let spread: std::collections::HashSet<usize> =
            (0..50).map(|i| w.next(f64::from(i)).replica).collect();
        assert!(spread.len() > 1);
    }

    #[test]
    fn stray_and_malformed_answers_are_counted_and_leader_changes_tracked() {
        let mut w = Workload::new(3, 0.0, None, 5);
        let req = sent(&w.next(0.0));
        let mut bogus = req.clone();
        bogus["MID"] = "ATTACK0000000001".into();
        answer(&mut w, &bogus, 0, "fail", "0000", None);
        answer(&mut w, &req, 0, "get", "0000", None);
        assert_eq!((w.answers.stray, w.answers.malformed), (1, 1));
        answer(&mut w, &req, 0, "ok", "0000", None);
        let req = sent(&w.next(1.0));
        answer(&mut w, &req, 1, "ok", "0001", None);
        assert_eq!(w.leader_changes, 1);
    }

    #[test]
    fn reads_are_checked_against_puts() {
        let mut w = Workload::new(3, 1.0, None, 6);
        let put = sent(&w.next(0.0));
        answer(&mut w, &put, 0, "ok", "0000", None);
        let get = sent(&w.next(1.0));
        answer(&mut w, &get, 0, "ok", "0000", put["value"].as_str());
        let get = sent(&w.next(2.0));
        answer(&mut w, &get, 0, "ok", "0000", Some("forged"));
        let r = w.check_reads();
        assert_eq!((r.checked, r.violations), (2, 1));
    }

    #[test]
    fn a_bounded_key_space_stops_creating_keys() {
        let mut w = Workload::new(3, 0.0, Some(4), 7);
        for i in 0..200 {
            let out = w.next(f64::from(i));
            let req = sent(&out);
            answer(&mut w, &req, out.replica, "ok", "0000", None);
        }
        assert_eq!(w.keys.len(), 4, "puts after the fourth key update one of the four");
    }

}
