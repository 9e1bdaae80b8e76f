//! Bad datagrams sent to every replica through its own simulator socket, the only address it
//! hears from, while the valid load runs. Each replica gets every class in turn.
//!
//! Peer messages are forged in the replica's own wire format (`replica/src/codec.rs`: `ae`
//! with `t`, `pi`, `pt`, `c`, `s`, `e`; `aer` with `t`, `s` and `m`, or `r`, `ci`, `ct`;
//! `rv` with `t`, `li`, `lt`), from a real replica ID and at the cluster's current term, so
//! that only the impossible number in each can get them refused.

use super::schedule;
use crate::ids;
use serde_json::{json, Value};

/// The key of the client-shaped bad datagrams; the load's own keys are 32 alphanumerics.
const ATTACK_KEY: &str = "kvload-attack";
/// The size of the oversized put's value.
const HUGE_VALUE: usize = 60_000;
/// How deep the nested JSON goes.
const NESTING: usize = 30_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    NotUtf8,
    NulBytes,
    EmptyObject,
    JsonArray,
    WrongTypes,
    MissingField,
    UnknownDst,
    HugeValue,
    DeepNesting,
    Truncated,
    UnknownType,
    TermMax,
    Term2Pow60,
    EntryTermAboveMessage,
    PrevIndexMax,
    ReplyHugeMatch,
    ReplyHugeHint,
    VoteLogTermAboveTerm,
}

impl Class {
    pub const ALL: [Class; 18] = [
        Class::NotUtf8,
        Class::NulBytes,
        Class::EmptyObject,
        Class::JsonArray,
        Class::WrongTypes,
        Class::MissingField,
        Class::UnknownDst,
        Class::HugeValue,
        Class::DeepNesting,
        Class::Truncated,
        Class::UnknownType,
        Class::TermMax,
        Class::Term2Pow60,
        Class::EntryTermAboveMessage,
        Class::PrevIndexMax,
        Class::ReplyHugeMatch,
        Class::ReplyHugeHint,
        Class::VoteLogTermAboveTerm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::NotUtf8 => "not_utf8",
            Class::NulBytes => "nul_bytes",
            Class::EmptyObject => "empty_object",
            Class::JsonArray => "json_array",
            Class::WrongTypes => "wrong_types",
            Class::MissingField => "missing_field",
            Class::UnknownDst => "unknown_dst",
            Class::HugeValue => "huge_value",
            Class::DeepNesting => "deep_nesting",
            Class::Truncated => "truncated",
            Class::UnknownType => "unknown_type",
            Class::TermMax => "term_u64_max",
            Class::Term2Pow60 => "term_2^60",
            Class::EntryTermAboveMessage => "entry_term_above_message",
            Class::PrevIndexMax => "prev_log_index_max",
            Class::ReplyHugeMatch => "append_reply_huge_match",
            Class::ReplyHugeHint => "append_reply_huge_hints",
            Class::VoteLogTermAboveTerm => "vote_log_term_above_term",
        }
    }
}

/// What a forged datagram is built from.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// The replica it is sent to.
    pub to: usize,
    pub replicas: usize,
    /// The replica the clients believe leads.
    pub leader: Option<usize>,
    /// The term of the latest AppendEntries seen.
    pub term: u64,
    /// An acknowledged key, so that a forged Raft entry that got in would show in reads.
    pub key: Option<&'a str>,
    /// How many datagrams of this class this replica got before; varies the variants.
    pub nth: u64,
}

impl Target<'_> {
    fn dst(&self) -> String {
        ids::format_id(self.to)
    }

    /// Requests come from the last client, answers to them come back as stray answers.
    fn client(&self) -> String {
        ids::client_ids(self.replicas)
            .pop()
            .unwrap_or_else(|| ids::BROADCAST.to_owned())
    }

    fn mid(&self) -> String {
        format!("ATTACK{:010}", self.nth % 10_000_000_000)
    }

    /// The believed leader, or the next replica if that is the target itself.
    fn leader_src(&self) -> String {
        match self.leader {
            Some(l) if l != self.to => ids::format_id(l),
            _ => self.next_replica(),
        }
    }

    /// A replica other than the target and the believed leader (if there is one).
    fn follower_src(&self) -> String {
        (1..self.replicas)
            .map(|i| (self.to + i) % self.replicas)
            .find(|&r| Some(r) != self.leader)
            .map_or_else(|| self.next_replica(), ids::format_id)
    }

    fn next_replica(&self) -> String {
        ids::format_id((self.to + 1) % self.replicas.max(1))
    }

    /// A well-formed put with the given value. Its key is one the load never reads: a
    /// replica may legitimately store a put it cannot tell from a client's (a 60,000-byte
    /// one, say), and that must not count as a bad read.
    fn put(&self, value: &str) -> Value {
        json!({"src": self.client(), "dst": self.dst(), "leader": ids::BROADCAST, "type": "put",
               "MID": self.mid(), "key": ATTACK_KEY, "value": value})
    }

    /// A datagram from `src` of type `kind` with `fields`, stamped with the believed leader
    /// as an honest peer's would be.
    fn envelope(&self, src: String, kind: &str, fields: Value) -> Vec<u8> {
        let leader = self
            .leader
            .map_or_else(|| ids::BROADCAST.to_owned(), ids::format_id);
        let mut v = json!({"src": src, "dst": self.dst(), "leader": leader, "type": kind});
        if let (Some(o), Value::Object(f)) = (v.as_object_mut(), fields) {
            o.extend(f);
        }
        v.to_string().into_bytes()
    }
}

/// The datagram of `class` for `t`.
pub fn datagram(class: Class, t: &Target) -> Vec<u8> {
    let term = t.term;
    // Variants of a class take turns, so that each of the replica's checks is reached.
    let turn = |n: usize| (t.nth % n as u64) as usize;
    match class {
        Class::NotUtf8 => b"{\"src\":\"\xff\xfe\",\"dst\":\"\xc3\x28\"}\x80".to_vec(),
        Class::NulBytes => {
            let mut v = format!(
                r#"{{"src":"{}","dst":"{}","leader":"FFFF","type":"get","MID":"#,
                t.client(),
                t.dst()
            )
            .into_bytes();
            v.extend_from_slice(b"\"\0\0\0\",\"key\":\"\0\"}\0\0");
            v
        }
        Class::EmptyObject => b"{}".to_vec(),
        Class::JsonArray => json!([t.client(), t.dst(), "FFFF", "get", t.mid(), ATTACK_KEY])
            .to_string()
            .into_bytes(),
        Class::WrongTypes => {
            let mut v = t.put("v");
            let wrong = [
                ("src", json!(21)),
                ("dst", json!(t.to)),
                ("leader", json!(null)),
                ("type", json!(7)),
                ("MID", json!(123_456)),
                ("key", json!({"k": "v"})),
                ("value", json!(["v"])),
            ];
            let (field, bad) = wrong[turn(wrong.len())].clone();
            v[field] = bad;
            v.to_string().into_bytes()
        }
        Class::MissingField => {
            let mut v = t.put("v");
            let fields = ["src", "dst", "leader", "type", "MID", "key", "value"];
            if let Some(o) = v.as_object_mut() {
                o.remove(fields[turn(fields.len())]);
            }
            v.to_string().into_bytes()
        }
        Class::UnknownDst => {
            let mut v = t.put("v");
            v["dst"] = ids::format_id(t.replicas).into();
            v.to_string().into_bytes()
        }
        Class::HugeValue => t.put(&"x".repeat(HUGE_VALUE)).to_string().into_bytes(),
        Class::DeepNesting => {
            let head = format!(
                r#"{{"src":"{}","dst":"{}","leader":"FFFF","type":"put","MID":"{}","key":"{ATTACK_KEY}","value":"#,
                t.client(),
                t.dst(),
                t.mid()
            );
            let mut v = head.into_bytes();
            v.extend(std::iter::repeat_n(b'[', NESTING));
            v.extend(std::iter::repeat_n(b']', NESTING));
            v.push(b'}');
            v
        }
        Class::Truncated => {
            let whole = t.put("truncated").to_string().into_bytes();
            whole[..1 + turn(whole.len() - 1)].to_vec()
        }
        Class::UnknownType => t.envelope(
            t.client(),
            "append_entries",
            json!({"MID": t.mid(), "key": ATTACK_KEY}),
        ),
        Class::TermMax => t.envelope(
            t.leader_src(),
            "ae",
            json!({"t": u64::MAX, "pi": 0, "pt": 0, "c": 0, "s": 0, "e": []}),
        ),
        Class::Term2Pow60 => t.envelope(
            t.follower_src(),
            "rv",
            json!({"t": 1u64 << 60, "li": 0, "lt": 0}),
        ),
        Class::EntryTermAboveMessage => t.envelope(
            t.leader_src(),
            "ae",
            json!({"t": term, "pi": 0, "pt": 0, "c": 0, "s": 0,
                   "e": [[term.saturating_add(1), t.key.unwrap_or(ATTACK_KEY), "forged by the attack"]]}),
        ),
        Class::PrevIndexMax => t.envelope(
            t.leader_src(),
            "ae",
            json!({"t": term, "pi": u64::MAX, "pt": term, "c": u64::MAX, "s": 0, "e": []}),
        ),
        Class::ReplyHugeMatch => t.envelope(
            t.follower_src(),
            "aer",
            json!({"t": term, "s": u64::MAX, "m": u64::MAX}),
        ),
        Class::ReplyHugeHint => t.envelope(
            t.follower_src(),
            "aer",
            json!({"t": term, "s": u64::MAX, "r": u64::MAX, "ci": u64::MAX, "ct": u64::MAX}),
        ),
        Class::VoteLogTermAboveTerm => t.envelope(
            t.follower_src(),
            "rv",
            json!({"t": term.saturating_add(1), "li": u64::MAX, "lt": term.saturating_add(2)}),
        ),
    }
}

/// The attack's pace and tally: the k-th datagram goes to replica k mod n, and each replica
/// gets the classes in turn.
#[derive(Debug, Clone)]
pub struct Attack {
    /// Datagrams per second to each replica.
    per_replica: f64,
    replicas: usize,
    sent: u64,
    counts: [u64; Class::ALL.len()],
}

impl Attack {
    pub fn new(per_replica: f64, replicas: usize) -> Attack {
        Attack {
            per_replica,
            replicas,
            sent: 0,
            counts: [0; Class::ALL.len()],
        }
    }

    /// How many datagrams are due `elapsed` seconds after the attack began and not yet sent.
    pub fn due(&self, elapsed: f64) -> u64 {
        let rate = self.per_replica * self.replicas as f64;
        schedule::due(rate, elapsed, u64::MAX).saturating_sub(self.sent)
    }

    /// The next datagram's replica, class, and how many of that class the replica got before.
    pub fn next(&mut self) -> (usize, Class, u64) {
        let (to, class, nth) = plan(self.sent, self.replicas);
        self.sent += 1;
        self.counts[class as usize] += 1;
        (to, class, nth)
    }

    /// Datagrams sent per class, in the order of `Class::ALL`.
    pub fn counts(&self) -> Vec<(&'static str, u64)> {
        Class::ALL
            .iter()
            .map(|&c| (c.name(), self.counts[c as usize]))
            .collect()
    }
}

fn plan(k: u64, replicas: usize) -> (usize, Class, u64) {
    let n = replicas.max(1) as u64;
    let classes = Class::ALL.len() as u64;
    let round = k / n;
    (
        (k % n) as usize,
        Class::ALL[(round % classes) as usize],
        round / classes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire;

    /// Every datagram must fit one UDP datagram over IPv4.
    const MAX_DATAGRAM: usize = 65_507;

    #[test]
    fn every_replica_gets_every_class_in_turn() {
        let mut a = Attack::new(100.0, 5);
        assert_eq!(a.due(0.0), 1);
        assert_eq!(a.due(1.0), 501);
        let plans: Vec<(usize, Class, u64)> = (0..5 * 18 * 2).map(|_| a.next()).collect();
        assert_eq!(plans[0], (0, Class::NotUtf8, 0));
        assert_eq!(plans[4], (4, Class::NotUtf8, 0));
        assert_eq!(plans[5], (0, Class::NulBytes, 0));
        assert_eq!(plans[5 * 18 + 3], (3, Class::NotUtf8, 1));
        assert!(a.counts().iter().all(|&(_, n)| n == 10));
        assert_eq!(a.due(1.0), 501 - 180);
    }

    fn target(to: usize, leader: Option<usize>, nth: u64) -> Target<'static> {
        Target {
            to,
            replicas: 5,
            leader,
            term: 9,
            key: Some("KEY"),
            nth,
        }
    }

    fn json_of(class: Class, t: &Target) -> Value {
        serde_json::from_slice(&datagram(class, t)).unwrap()
    }

    #[test]
    fn every_class_fits_a_datagram_and_names() {
        for class in Class::ALL {
            for nth in 0..10 {
                let d = datagram(class, &target(nth as usize % 5, Some(2), nth));
                assert!(
                    !d.is_empty() && d.len() <= MAX_DATAGRAM,
                    "{} {}",
                    class.name(),
                    d.len()
                );
            }
        }
        let mut names: Vec<&str> = Class::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Class::ALL.len());
    }

    #[test]
    fn malformed_classes_are_malformed() {
        let t = target(1, Some(0), 0);
        assert!(std::str::from_utf8(&datagram(Class::NotUtf8, &t)).is_err());
        assert!(datagram(Class::NulBytes, &t).contains(&0));
        assert!(serde_json::from_slice::<Value>(&datagram(Class::NulBytes, &t)).is_err());
        assert_eq!(json_of(Class::EmptyObject, &t), serde_json::json!({}));
        assert!(json_of(Class::JsonArray, &t).is_array());
        // Over seven turns, each field in turn is the one mistyped, or the one missing.
        let fields = ["src", "dst", "leader", "type", "MID", "key", "value"];
        let (mut mistyped, mut missing) = (Vec::new(), Vec::new());
        for nth in 0..7 {
            let v = json_of(Class::WrongTypes, &target(1, None, nth));
            let bad: Vec<&str> = fields.into_iter().filter(|f| !v[*f].is_string()).collect();
            assert_eq!(bad.len(), 1, "{v}");
            mistyped.push(bad[0]);
            let v = json_of(Class::MissingField, &target(1, None, nth));
            let absent: Vec<&str> = fields.into_iter().filter(|f| v.get(*f).is_none()).collect();
            assert_eq!(absent.len(), 1, "{v}");
            missing.push(absent[0]);
        }
        assert_eq!(
            (mistyped.as_slice(), missing.as_slice()),
            (&fields[..], &fields[..])
        );
        assert_eq!(json_of(Class::UnknownDst, &t)["dst"], "0005");
        let huge = json_of(Class::HugeValue, &t);
        assert_eq!(huge["value"].as_str().unwrap().len(), HUGE_VALUE);
        let deep = datagram(Class::DeepNesting, &t);
        assert_eq!(deep.iter().filter(|&&b| b == b'[').count(), NESTING);
        for nth in 0..20 {
            let cut = datagram(Class::Truncated, &target(1, None, nth));
            assert!(serde_json::from_slice::<Value>(&cut).is_err());
        }
        assert_eq!(json_of(Class::UnknownType, &t)["type"], "append_entries");
    }

    #[test]
    fn forged_peer_messages_come_from_real_replicas_with_impossible_numbers() {
        // Target 1, believed leader 3: AppendEntries come "from" 3, replies and votes from a
        // follower that is neither 1 nor 3.
        let t = target(1, Some(3), 0);
        let ae = json_of(Class::TermMax, &t);
        assert_eq!(
            (ae["type"].as_str(), ae["src"].as_str()),
            (Some("ae"), Some("0003"))
        );
        assert_eq!(ae["t"].as_u64(), Some(u64::MAX));
        assert_eq!(json_of(Class::Term2Pow60, &t)["t"].as_u64(), Some(1 << 60));
        let e = json_of(Class::EntryTermAboveMessage, &t);
        assert_eq!(
            (
                e["t"].as_u64(),
                e["e"][0][0].as_u64(),
                e["e"][0][1].as_str()
            ),
            (Some(9), Some(10), Some("KEY"))
        );
        let p = json_of(Class::PrevIndexMax, &t);
        assert_eq!(
            (p["pi"].as_u64(), p["t"].as_u64()),
            (Some(u64::MAX), Some(9))
        );
        let m = json_of(Class::ReplyHugeMatch, &t);
        assert_eq!(
            (m["type"].as_str(), m["m"].as_u64()),
            (Some("aer"), Some(u64::MAX))
        );
        let src = m["src"].as_str().unwrap();
        assert!(src != "0001" && src != "0003" && ids::is_id(src), "{src}");
        let h = json_of(Class::ReplyHugeHint, &t);
        assert_eq!(
            (h["r"].as_u64(), h["ci"].as_u64(), h["ct"].as_u64()),
            (Some(u64::MAX), Some(u64::MAX), Some(u64::MAX))
        );
        let v = json_of(Class::VoteLogTermAboveTerm, &t);
        assert!(v["lt"].as_u64() > v["t"].as_u64());
        // Every forged peer message passes the simulator's own envelope checks.
        for class in &Class::ALL[Class::ALL.len() - 7..] {
            for to in 0..5 {
                let d = datagram(*class, &target(to, Some(to), 0));
                let m = wire::parse(&d).unwrap();
                assert_ne!(m.src, ids::format_id(to), "{}", class.name());
            }
        }
    }
}
