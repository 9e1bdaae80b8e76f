//! The simulator's wire format: one JSON object per datagram, with the envelope fields
//! `src`, `dst`, `leader` and `type` that the simulator checks and routes by, plus our own
//! short fields for Raft's messages.
//!
//! | `type` | core message        | fields                                                     |
//! |--------|---------------------|------------------------------------------------------------|
//! | `pv`   | PreVote             | `t` proposed term, `li` last log index, `lt` last log term |
//! | `pvr`  | PreVoteReply        | `t`, `g` granted                                            |
//! | `rv`   | RequestVote         | `t`, `li`, `lt`                                             |
//! | `rvr`  | RequestVoteReply    | `t`, `g`                                                    |
//! | `ae`   | AppendEntries       | `t`, `pi` prev index, `pt` prev term, `c` commit, `s` sent at, `e` entries |
//! | `aer`  | AppendEntriesReply  | `t`, `s`, and `m` match index, or `r` rejected index, `ci` conflict index, `ct` conflict term |
//! | `is`   | InstallSnapshot (one chunk) | `t`, `s`, `li` last index, `lt` last term, `tr` term runs `[[first index, term], ...]`, `mb` configuration, `kv` the chunk's pairs `{key: value, ...}`, `af` the key they follow (absent: the first chunk), `dn` the last chunk |
//! | `isr`  | InstallSnapshotReply | `t`, `s`, `li`, `rk` the last key held (absent: none) |
//!
//! An entry is `[term]` (the leader's no-op) or `[term, key, value]` (a put).
//! Client requests are `get` (`MID`, `key`) and `put` (`MID`, `key`, `value`); replies are
//! `ok` (`MID`, and `value` for a get), `fail` and `redirect` (`MID`).

use raft_core::{
    AppendResult, Body, ClientReply, ClientRequest, Command, Entry, Membership, Message, NodeId, Op, Outcome, Snapshot,
};
use std::collections::BTreeMap;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// The largest UDP payload over IPv4; anything longer cannot be a whole datagram.
pub const MAX_DATAGRAM: usize = 65_507;
/// What our own datagrams must stay under, with a margin below `MAX_DATAGRAM`.
pub const SEND_LIMIT: usize = 60_000;
/// The largest put we accept: its key and value, as JSON strings, together. With the core's
/// AppendEntries byte budget this keeps every AppendEntries under `SEND_LIMIT` (see the
/// size tests below).
pub const MAX_PUT_BYTES: usize = 16 * 1024;
/// `dst` for "every other replica", and `leader` for "unknown".
pub const BROADCAST: &str = "FFFF";
const NO_LEADER: &str = BROADCAST;

/// Parses a replica ID: exactly four uppercase hex digits, `FFFF` excluded.
pub fn parse_id(s: &str) -> Option<NodeId> {
    let canonical = s.len() == 4
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
    match canonical.then(|| u32::from_str_radix(s, 16).ok()).flatten() {
        Some(0xFFFF) | None => None,
        Some(id) => Some(id),
    }
}

pub fn format_id(id: NodeId) -> String {
    format!("{id:04X}")
}

fn leader_field(leader: Option<NodeId>) -> String {
    leader.map_or_else(|| NO_LEADER.to_owned(), format_id)
}

/// True for four hex digits in either case: what the simulator accepts as an address.
fn is_address(s: &str) -> bool {
    s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

// ----- encoding -----

/// The `hello` a replica sends once at start.
pub fn encode_hello(me: NodeId) -> Vec<u8> {
    Object::envelope(me, BROADCAST, None, "hello").end()
}

/// A Raft message to a peer, stamped with the sender's current belief about the leader.
pub fn encode_message(msg: &Message, leader: Option<NodeId>) -> Vec<u8> {
    let kind = match &msg.body {
        Body::PreVote { .. } => "pv",
        Body::RequestVote { .. } => "rv",
        Body::PreVoteReply { .. } => "pvr",
        Body::RequestVoteReply { .. } => "rvr",
        Body::AppendEntries { .. } => "ae",
        Body::AppendEntriesReply { .. } => "aer",
        Body::InstallSnapshot { .. } => "is",
        Body::InstallSnapshotReply { .. } => "isr",
    };
    let mut o = Object::envelope(msg.from, &format_id(msg.to), leader, kind);
    o.number("t", msg.term);
    match &msg.body {
        Body::PreVote { last_log_index, last_log_term }
        | Body::RequestVote { last_log_index, last_log_term } => {
            o.number("li", *last_log_index);
            o.number("lt", *last_log_term);
        }
        Body::PreVoteReply { granted } | Body::RequestVoteReply { granted } => o.bool("g", *granted),
        Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, sent_at } => {
            o.number("pi", *prev_log_index);
            o.number("pt", *prev_log_term);
            o.number("c", *leader_commit);
            o.number("s", *sent_at);
            o.entries("e", entries);
        }
        Body::AppendEntriesReply { result, sent_at } => {
            o.number("s", *sent_at);
            match result {
                AppendResult::Success { match_index } => o.number("m", *match_index),
                AppendResult::Reject { rejected_index, conflict_index, conflict_term } => {
                    o.number("r", *rejected_index);
                    o.number("ci", *conflict_index);
                    if let Some(t) = conflict_term {
                        o.number("ct", *t);
                    }
                }
            }
        }
        Body::InstallSnapshot { snapshot, after, done, sent_at } => {
            o.number("s", *sent_at);
            if let Some(after) = after {
                o.json("af", after);
            }
            o.bool("dn", *done);
            o.number("li", snapshot.last_index);
            o.number("lt", snapshot.last_term);
            o.json("tr", &snapshot.terms);
            o.json("kv", &snapshot.kv.iter().collect::<BTreeMap<_, _>>());
            o.json("mb", &snapshot.membership);
        }
        Body::InstallSnapshotReply { last_index, received, sent_at } => {
            o.number("s", *sent_at);
            o.number("li", *last_index);
            if let Some(key) = received {
                o.json("rk", key);
            }
        }
    }
    o.end()
}

/// The answer to a client. A redirect names the leader it redirects to. A value too large
/// for one datagram (only a forged entry can hold one: puts are limited to `MAX_PUT_BYTES`)
/// is answered `fail`, so the client still gets exactly one answer.
pub fn encode_reply(me: NodeId, reply: &ClientReply, leader: Option<NodeId>) -> Vec<u8> {
    let datagram = encode_outcome(me, reply, leader);
    if datagram.len() <= SEND_LIMIT {
        return datagram;
    }
    let fail = ClientReply { outcome: Outcome::Fail(String::new()), ..reply.clone() };
    encode_outcome(me, &fail, leader)
}

fn encode_outcome(me: NodeId, reply: &ClientReply, leader: Option<NodeId>) -> Vec<u8> {
    let (kind, leader) = match &reply.outcome {
        Outcome::Written | Outcome::Value(_) => ("ok", leader),
        Outcome::Redirect(to) => ("redirect", *to),
        Outcome::Fail(_) => ("fail", leader),
    };
    let mut o = Object::envelope(me, &reply.client, leader, kind);
    o.string("MID", &reply.id);
    if let Outcome::Value(v) = &reply.outcome {
        o.string("value", v.as_deref().unwrap_or(""));
    }
    o.end()
}

/// A `fail` for a request the core never saw (for example, one that is too large).
pub fn encode_fail(me: NodeId, request: &ClientRequest, leader: Option<NodeId>) -> Vec<u8> {
    let reply = ClientReply {
        client: request.client.clone(),
        id: request.id.clone(),
        outcome: Outcome::Fail(String::new()),
    };
    encode_reply(me, &reply, leader)
}

/// A JSON object written field by field straight into the datagram: a replica under load
/// sends tens of thousands of them a second, and building a `serde_json::Value` tree for each
/// took a large share of a loaded leader's time (allocations, mostly). Strings go through
/// serde_json, which escapes them.
struct Object {
    buf: Vec<u8>,
}

impl Object {
    /// An object with the envelope every datagram carries.
    fn envelope(src: NodeId, dst: &str, leader: Option<NodeId>, kind: &str) -> Object {
        let mut o = Object { buf: Vec::with_capacity(128) };
        o.buf.push(b'{');
        o.string("src", &format_id(src));
        o.string("dst", dst);
        o.string("leader", &leader_field(leader));
        o.string("type", kind);
        o
    }

    fn key(&mut self, key: &str) {
        if self.buf.len() > 1 {
            self.buf.push(b',');
        }
        self.buf.push(b'"');
        self.buf.extend_from_slice(key.as_bytes());
        self.buf.extend_from_slice(b"\":");
    }

    fn json_string(&mut self, s: &str) {
        serde_json::to_writer(&mut self.buf, s).expect("writing to a Vec cannot fail");
    }

    fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        self.json_string(value);
    }

    fn number(&mut self, key: &str, value: u64) {
        self.key(key);
        self.buf.extend_from_slice(value.to_string().as_bytes());
    }

    /// Any value serde writes, as JSON.
    fn json(&mut self, key: &str, value: &impl serde::Serialize) {
        self.key(key);
        serde_json::to_writer(&mut self.buf, value).expect("maps of strings and lists of numbers serialize");
    }

    fn bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.buf.extend_from_slice(if value { b"true" } else { b"false" });
    }

    /// Entries as `[term]` (a no-op), `[term, key, value]` (a put) or `[term, {"voters":
    /// [..], "learners": [..]}]` (a configuration).
    fn entries(&mut self, key: &str, entries: &[Entry]) {
        self.key(key);
        self.buf.push(b'[');
        for (i, e) in entries.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            self.buf.push(b'[');
            self.buf.extend_from_slice(e.term.to_string().as_bytes());
            match &e.command {
                Command::Noop => {}
                Command::Put { key, value } => {
                    self.buf.push(b',');
                    self.json_string(key);
                    self.buf.push(b',');
                    self.json_string(value);
                }
                Command::Membership(m) => {
                    self.buf.push(b',');
                    serde_json::to_writer(&mut self.buf, m).expect("sets of numbers serialize");
                }
            }
            self.buf.push(b']');
        }
        self.buf.push(b']');
    }

    fn end(mut self) -> Vec<u8> {
        self.buf.push(b'}');
        self.buf
    }
}

// ----- decoding -----

/// A datagram that made sense.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    Peer(Message),
    Client(ClientRequest),
    /// Another replica's `hello` (the simulator does not forward them, but it is harmless).
    Hello,
}

/// Why a datagram was dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    Empty,
    TooLarge(usize),
    NotUtf8,
    NotJson(String),
    NotObject,
    Missing(&'static str),
    Mistyped {
        field: &'static str,
        expected: &'static str,
    },
    BadId {
        field: &'static str,
        value: String,
    },
    NotForUs(String),
    UnknownType(String),
    BadEntry(usize),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => f.write_str("empty datagram"),
            DecodeError::TooLarge(n) => write!(f, "datagram of {n} bytes is too large"),
            DecodeError::NotUtf8 => f.write_str("datagram is not UTF-8"),
            DecodeError::NotJson(e) => write!(f, "not JSON: {e}"),
            DecodeError::NotObject => f.write_str("not a JSON object"),
            DecodeError::Missing(k) => write!(f, "missing field `{k}`"),
            DecodeError::Mistyped { field, expected } => {
                write!(f, "field `{field}` is not {expected}")
            }
            DecodeError::BadId { field, value } => {
                write!(f, "field `{field}` = {value:?} is not a valid ID")
            }
            DecodeError::NotForUs(dst) => write!(f, "addressed to {dst}, not to us"),
            DecodeError::UnknownType(t) => write!(f, "unknown message type {t:?}"),
            DecodeError::BadEntry(i) => write!(f, "entry {i} is not [term] or [term, key, value]"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes a datagram received by replica `me`.
///
/// The object is read once into borrowed slices of its known fields (unknown fields are
/// skipped), and each field is parsed only when the message's type needs it: a leader reads
/// tens of thousands of requests a second, and a tree of every field costs several
/// allocations each.
pub fn decode(bytes: &[u8], me: NodeId) -> Result<Incoming, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if bytes.len() > MAX_DATAGRAM {
        return Err(DecodeError::TooLarge(bytes.len()));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| DecodeError::NotUtf8)?;
    if !text.trim_start().starts_with('{') {
        return Err(match serde_json::from_str::<IgnoredAny>(text) {
            Ok(_) => DecodeError::NotObject,
            Err(e) => DecodeError::NotJson(e.to_string()),
        });
    }
    let f: Fields = serde_json::from_str(text).map_err(|e| DecodeError::NotJson(e.to_string()))?;
    let src = string(f.src, "src")?;
    let dst = string(f.dst, "dst")?;
    let kind = string(f.kind, "type")?;
    // `leader` is required by the envelope but carries nothing we act on: Raft learns its
    // leader from AppendEntries.
    string(f.leader, "leader")?;
    if dst != BROADCAST && parse_id(&dst) != Some(me) {
        return Err(DecodeError::NotForUs(dst.into_owned()));
    }
    match &*kind {
        "hello" => Ok(Incoming::Hello),
        "get" | "put" => {
            if !is_address(&src) {
                return Err(DecodeError::BadId { field: "src", value: src.into_owned() });
            }
            let id = string(f.mid, "MID")?.into_owned();
            let key = string(f.key, "key")?.into_owned();
            let op = if kind == "get" {
                Op::Get { key }
            } else {
                Op::Put { key, value: string(f.value, "value")?.into_owned() }
            };
            Ok(Incoming::Client(ClientRequest { client: src.into_owned(), id, op }))
        }
        "pv" | "pvr" | "rv" | "rvr" | "ae" | "aer" | "is" | "isr" => {
            let from = parse_id(&src).ok_or_else(|| DecodeError::BadId { field: "src", value: src.into_owned() })?;
            let term = number(f.t, "t")?;
            let body = match &*kind {
                "pv" => Body::PreVote { last_log_index: number(f.li, "li")?, last_log_term: number(f.lt, "lt")? },
                "rv" => Body::RequestVote { last_log_index: number(f.li, "li")?, last_log_term: number(f.lt, "lt")? },
                "pvr" => Body::PreVoteReply { granted: boolean(f.g, "g")? },
                "rvr" => Body::RequestVoteReply { granted: boolean(f.g, "g")? },
                "ae" => Body::AppendEntries {
                    prev_log_index: number(f.pi, "pi")?,
                    prev_log_term: number(f.pt, "pt")?,
                    entries: entries(f.e, "e")?,
                    leader_commit: number(f.c, "c")?,
                    sent_at: number(f.s, "s")?,
                },
                "is" => Body::InstallSnapshot {
                    snapshot: Snapshot {
                        last_index: number(f.li, "li")?,
                        last_term: number(f.lt, "lt")?,
                        terms: typed(f.tr, "tr", "an array of [index, term] pairs")?,
                        kv: typed::<BTreeMap<String, String>>(f.kv, "kv", "an object of strings")?.into_iter().collect(),
                        membership: typed(f.mb, "mb", "a configuration: {\"voters\": [ids], \"learners\": [ids]}")?,
                    },
                    after: f.af.map(|_| string(f.af, "af").map(Cow::into_owned)).transpose()?,
                    done: boolean(f.dn, "dn")?,
                    sent_at: number(f.s, "s")?,
                },
                "isr" => Body::InstallSnapshotReply {
                    last_index: number(f.li, "li")?,
                    received: f.rk.map(|_| string(f.rk, "rk").map(Cow::into_owned)).transpose()?,
                    sent_at: number(f.s, "s")?,
                },
                _ => Body::AppendEntriesReply { result: append_result(&f)?, sent_at: number(f.s, "s")? },
            };
            Ok(Incoming::Peer(Message { from, to: me, term, body }))
        }
        _ => Err(DecodeError::UnknownType(kind.into_owned())),
    }
}

/// Every field any datagram may carry, each the JSON text of its value, unparsed; `None`
/// where the datagram does not have it.
#[derive(Deserialize)]
struct Fields<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    src: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    dst: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    leader: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present", rename = "type")]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present", rename = "MID")]
    mid: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    key: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    value: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    t: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    li: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    lt: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    g: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    pi: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    pt: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    c: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    s: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    e: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    m: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    r: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    ci: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    ct: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    tr: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    mb: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    af: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    dn: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    rk: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    kv: Option<&'a RawValue>,
}

/// A field that is there, `null` included (which `Option`'s own reading would take for absent).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// Parses a present field as `T`, or says what it should have been.
fn typed<'a, T: Deserialize<'a>>(raw: Option<&'a RawValue>, field: &'static str, expected: &'static str) -> Result<T, DecodeError> {
    let raw = raw.ok_or(DecodeError::Missing(field))?;
    serde_json::from_str(raw.get()).map_err(|_| DecodeError::Mistyped { field, expected })
}

/// A string field, borrowed from the datagram unless it has escapes.
fn string<'a>(raw: Option<&'a RawValue>, field: &'static str) -> Result<Cow<'a, str>, DecodeError> {
    typed::<&str>(raw, field, "a string")
        .map(Cow::Borrowed)
        .or_else(|e| match e {
            DecodeError::Mistyped { .. } => typed::<String>(raw, field, "a string").map(Cow::Owned),
            e => Err(e),
        })
}

fn number(raw: Option<&RawValue>, field: &'static str) -> Result<u64, DecodeError> {
    typed(raw, field, "an unsigned integer")
}

fn boolean(raw: Option<&RawValue>, field: &'static str) -> Result<bool, DecodeError> {
    typed(raw, field, "a boolean")
}

/// Entries: `[term]` (a no-op), `[term, key, value]` (a put) or `[term, configuration]`.
fn entries(raw: Option<&RawValue>, field: &'static str) -> Result<Vec<Entry>, DecodeError> {
    let list: Vec<&RawValue> = typed(raw, field, "an array")?;
    let entry = |(i, raw): (usize, &RawValue)| match serde_json::from_str(raw.get()) {
        Ok(WireEntry::Noop(term)) => Ok(Entry::new(term, Command::Noop)),
        Ok(WireEntry::Put(term, key, value)) => Ok(Entry::new(term, Command::Put { key, value })),
        Ok(WireEntry::Membership(term, m)) => Ok(Entry::new(term, Command::Membership(m))),
        Err(_) => Err(DecodeError::BadEntry(i)),
    };
    list.into_iter().enumerate().map(entry).collect()
}

/// An entry as the wire has it: `[term]`, `[term, key, value]` or `[term, configuration]`.
enum WireEntry {
    Noop(u64),
    Put(u64, String, String),
    Membership(u64, Membership),
}

/// What follows an entry's term: a put's key, or a configuration.
#[derive(Deserialize)]
#[serde(untagged)]
enum AfterTerm {
    Key(String),
    Membership(Membership),
}

impl<'de> Deserialize<'de> for WireEntry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = WireEntry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("[term], [term, key, value] or [term, configuration]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<WireEntry, A::Error> {
                use serde::de::Error;
                let term = seq.next_element()?.ok_or_else(|| A::Error::invalid_length(0, &self))?;
                let entry = match seq.next_element()? {
                    None => return Ok(WireEntry::Noop(term)),
                    Some(AfterTerm::Membership(m)) => WireEntry::Membership(term, m),
                    Some(AfterTerm::Key(key)) => {
                        let value = seq.next_element()?.ok_or_else(|| A::Error::invalid_length(2, &self))?;
                        WireEntry::Put(term, key, value)
                    }
                };
                match seq.next_element::<IgnoredAny>()? {
                    None => Ok(entry),
                    Some(_) => Err(A::Error::invalid_length(4, &self)),
                }
            }
        }
        d.deserialize_seq(Visitor)
    }
}

fn append_result(f: &Fields) -> Result<AppendResult, DecodeError> {
    if f.m.is_some() {
        return Ok(AppendResult::Success { match_index: number(f.m, "m")? });
    }
    let conflict_term = match f.ct {
        None => None,
        Some(raw) if raw.get() == "null" => None,
        Some(_) => Some(number(f.ct, "ct")?),
    };
    Ok(AppendResult::Reject {
        rejected_index: number(f.r, "r")?,
        conflict_index: number(f.ci, "ci")?,
        conflict_term,
    })
}

/// The size of a put's key and value as JSON strings: what a log entry costs on the wire.
pub fn put_wire_size(key: &str, value: &str) -> usize {
    json_string_len(key) + json_string_len(value)
}

fn json_string_len(s: &str) -> usize {
    serde_json::to_string(s).map_or(usize::MAX, |j| j.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map, Value};
    use raft_core::RaftLog;

    const ME: NodeId = 2;

    fn parse_json(bytes: &[u8]) -> Map<String, Value> {
        match serde_json::from_slice(bytes).unwrap() {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        }
    }

    fn put(term: u64, key: &str, value: &str) -> Entry {
        Entry::new(
            term,
            Command::Put {
                key: key.into(),
                value: value.into(),
            },
        )
    }

    fn every_body() -> Vec<Body> {
        vec![
            Body::PreVote {
                last_log_index: 7,
                last_log_term: 3,
            },
            Body::PreVoteReply { granted: true },
            Body::PreVoteReply { granted: false },
            Body::RequestVote {
                last_log_index: 0,
                last_log_term: 0,
            },
            Body::RequestVoteReply { granted: true },
            Body::AppendEntries {
                prev_log_index: 0,
                prev_log_term: 0,
                entries: vec![],
                leader_commit: 0,
                sent_at: 0,
            },
            Body::AppendEntries {
                prev_log_index: 41,
                prev_log_term: 4,
                entries: vec![
                    Entry::new(5, Command::Noop),
                    put(5, "k\"ey\\ with \u{1} odd ✓ chars", ""),
                    put(5, "key", "value"),
                    put(5, "", "v"),
                    Entry::new(5, Command::Membership(Membership { voters: [1, 2, 3].into(), learners: [4].into() })),
                    put(5, "after", "a configuration"),
                ],
                leader_commit: 40,
                sent_at: u64::MAX,
            },
            Body::AppendEntriesReply {
                result: AppendResult::Success { match_index: 44 },
                sent_at: 123_456,
            },
            Body::AppendEntriesReply {
                result: AppendResult::Reject {
                    rejected_index: 9,
                    conflict_index: 5,
                    conflict_term: Some(2),
                },
                sent_at: 1,
            },
            Body::AppendEntriesReply {
                result: AppendResult::Reject {
                    rejected_index: 9,
                    conflict_index: 8,
                    conflict_term: None,
                },
                sent_at: 1,
            },
            Body::InstallSnapshot {
                snapshot: Snapshot {
                    last_index: 12,
                    last_term: 3,
                    terms: vec![(1, 1), (7, 3)],
                    kv: [("k\"ey".to_string(), "v ✓".to_string()), (String::new(), String::new())].into_iter().collect(),
                    membership: Membership { voters: [0, 1, 2].into(), learners: [3].into() },
                },
                after: None,
                done: false,
                sent_at: 9,
            },
            Body::InstallSnapshot {
                snapshot: Snapshot { last_index: 12, last_term: 3, terms: vec![(1, 3)], ..Snapshot::default() },
                after: Some("k\"ey ✓".into()),
                done: true,
                sent_at: 9,
            },
            Body::InstallSnapshotReply { last_index: 12, received: None, sent_at: 9 },
            Body::InstallSnapshotReply { last_index: 12, received: Some("k\"ey".into()), sent_at: 9 },
        ]
    }

    #[test]
    fn ids_are_four_uppercase_hex_digits() {
        assert_eq!(parse_id("0000"), Some(0));
        assert_eq!(parse_id("001C"), Some(0x1C));
        assert_eq!(format_id(0x1C), "001C");
        for bad in ["", "1", "00001", "001c", "00G0", "FFFF", " 001", "+001"] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_peer_message_round_trips() {
        for body in every_body() {
            let msg = Message {
                from: 1,
                to: ME,
                term: 5,
                body,
            };
            let bytes = encode_message(&msg, Some(1));
            assert_eq!(
                decode(&bytes, ME),
                Ok(Incoming::Peer(msg.clone())),
                "{}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    #[test]
    fn envelope_fields_are_checked_strings_and_leader_is_honest() {
        for body in every_body() {
            for leader in [None, Some(0), Some(1), Some(0x1A)] {
                let msg = Message {
                    from: 1,
                    to: 0xB,
                    term: 5,
                    body: body.clone(),
                };
                let m = parse_json(&encode_message(&msg, leader));
                assert_eq!(m["src"], "0001");
                assert_eq!(m["dst"], "000B");
                assert_eq!(m["leader"], leader.map_or("FFFF".to_owned(), format_id));
                assert!(m["type"].is_string());
            }
        }
        let hello = parse_json(&encode_hello(3));
        assert_eq!(
            Value::Object(hello),
            json!({"src": "0003", "dst": "FFFF", "leader": "FFFF", "type": "hello"})
        );
    }

    #[test]
    fn client_requests_decode() {
        let get = br#"{"src": "0015", "dst": "0002", "leader": "FFFF", "type": "get", "MID": "abc", "key": "k"}"#;
        assert_eq!(
            decode(get, ME),
            Ok(Incoming::Client(ClientRequest {
                client: "0015".into(),
                id: "abc".into(),
                op: Op::Get { key: "k".into() }
            }))
        );
        let put = br#"{"src": "0015", "dst": "0002", "leader": "0001", "type": "put", "MID": "m", "key": "k", "value": "v"}"#;
        assert_eq!(
            decode(put, ME),
            Ok(Incoming::Client(ClientRequest {
                client: "0015".into(),
                id: "m".into(),
                op: Op::Put {
                    key: "k".into(),
                    value: "v".into()
                }
            }))
        );        // Escapes are read as JSON has them; fields we do not know are skipped, whatever
        // they hold.
        let escaped = br#"{"src": "0015", "dst": "0002", "leader": "FFFF", "type": "put", "MID": "m\u0041", "key": "a\"b", "value": "\u00e9\n", "extra": {"x": [1, [2]]}}"#;
        assert_eq!(
            decode(escaped, ME),
            Ok(Incoming::Client(ClientRequest {
                client: "0015".into(),
                id: "mA".into(),
                op: Op::Put {
                    key: "a\"b".into(),
                    value: "\u{e9}\n".into()
                }
            }))
        );
    }

    #[test]
    fn client_replies() {
        let reply = |outcome| ClientReply {
            client: "0016".into(),
            id: "MID1".into(),
            outcome,
        };
        let ok = parse_json(&encode_reply(ME, &reply(Outcome::Written), Some(ME)));
        assert_eq!(
            Value::Object(ok),
            json!({"src": "0002", "dst": "0016", "leader": "0002", "type": "ok", "MID": "MID1"})
        );
        let got = parse_json(&encode_reply(
            ME,
            &reply(Outcome::Value(Some("v".into()))),
            Some(ME),
        ));
        assert_eq!(
            (got["type"].as_str(), got["value"].as_str()),
            (Some("ok"), Some("v"))
        );
        let absent = parse_json(&encode_reply(ME, &reply(Outcome::Value(None)), Some(ME)));
        assert_eq!(absent["value"], "");
        let redirect = parse_json(&encode_reply(ME, &reply(Outcome::Redirect(Some(4))), Some(4)));
        assert_eq!(
            Value::Object(redirect),
            json!({"src": "0002", "dst": "0016", "leader": "0004", "type": "redirect", "MID": "MID1"})
        );
        let fail = parse_json(&encode_reply(ME, &reply(Outcome::Fail("why".into())), None));
        assert_eq!(
            Value::Object(fail),
            json!({"src": "0002", "dst": "0016", "leader": "FFFF", "type": "fail", "MID": "MID1"})
        );
    }

    #[test]
    fn a_value_too_large_for_a_datagram_is_answered_fail() {
        let reply = |outcome| ClientReply { client: "0016".into(), id: "MID1".into(), outcome };
        let huge = "x".repeat(SEND_LIMIT);
        let datagram = encode_reply(ME, &reply(Outcome::Value(Some(huge))), Some(ME));
        assert!(datagram.len() <= SEND_LIMIT);
        assert_eq!(parse_json(&datagram)["type"], "fail");
        let fits = encode_reply(ME, &reply(Outcome::Value(Some("x".repeat(1000)))), Some(ME));
        assert_eq!(parse_json(&fits)["type"], "ok");
    }

    #[test]
    fn rejects_every_kind_of_bad_input() {
        let e = |bytes: &[u8]| decode(bytes, ME).unwrap_err();
        assert_eq!(e(b""), DecodeError::Empty);
        assert_eq!(
            e(&vec![b' '; MAX_DATAGRAM + 1]),
            DecodeError::TooLarge(MAX_DATAGRAM + 1)
        );
        assert_eq!(e(b"\xff\xfe{}"), DecodeError::NotUtf8);
        assert!(matches!(e(b"{\"src\": "), DecodeError::NotJson(_)));
        assert!(matches!(e(b"{} trailing"), DecodeError::NotJson(_)));
        assert_eq!(e(b"[1,2]"), DecodeError::NotObject);
        assert_eq!(e(b"\"str\""), DecodeError::NotObject);
        assert_eq!(
            e(br#"{"dst":"0002","leader":"FFFF","type":"get"}"#),
            DecodeError::Missing("src")
        );
        assert_eq!(
            e(br#"{"src":"0015","leader":"FFFF","type":"get"}"#),
            DecodeError::Missing("dst")
        );
        assert_eq!(
            e(br#"{"src":"0015","dst":"0002","type":"get"}"#),
            DecodeError::Missing("leader")
        );
        assert_eq!(
            e(br#"{"src":"0015","dst":"0002","leader":"FFFF"}"#),
            DecodeError::Missing("type")
        );
        assert!(matches!(
            e(br#"{"src":15,"dst":"0002","leader":"FFFF","type":"get"}"#),
            DecodeError::Mistyped { field: "src", .. }
        ));
        assert!(matches!(
            e(br#"{"src":"0015","dst":"0002","leader":null,"type":"get"}"#),
            DecodeError::Mistyped {
                field: "leader",
                ..
            }
        ));
        assert!(matches!(
            e(br#"{"src":"0015","dst":"0003","leader":"FFFF","type":"get"}"#),
            DecodeError::NotForUs(_)
        ));
        assert!(matches!(
            e(br#"{"src":"15","dst":"0002","leader":"FFFF","type":"get","MID":"m","key":"k"}"#),
            DecodeError::BadId { .. }
        ));
        assert!(matches!(
            e(br#"{"src":"0015","dst":"0002","leader":"FFFF","type":"nope"}"#),
            DecodeError::UnknownType(_)
        ));
        assert_eq!(
            e(br#"{"src":"0015","dst":"0002","leader":"FFFF","type":"get","key":"k"}"#),
            DecodeError::Missing("MID")
        );
        assert!(matches!(
            e(br#"{"src":"0015","dst":"0002","leader":"FFFF","type":"get","MID":7,"key":"k"}"#),
            DecodeError::Mistyped { field: "MID", .. }
        ));
        assert_eq!(
            e(br#"{"src":"0015","dst":"0002","leader":"FFFF","type":"put","MID":"m","key":"k"}"#),
            DecodeError::Missing("value")
        );
        // Peer messages: unknown sender shapes, missing and mistyped fields, bad entries.
        assert!(matches!(
            e(br#"{"src":"0015x","dst":"0002","leader":"FFFF","type":"pv","t":1,"li":0,"lt":0}"#),
            DecodeError::BadId { .. }
        ));
        assert_eq!(
            e(br#"{"src":"0001","dst":"0002","leader":"FFFF","type":"pv","li":0,"lt":0}"#),
            DecodeError::Missing("t")
        );
        for t in ["-1", "1.5", "\"1\"", "18446744073709551616", "null"] {
            let m = format!(
                r#"{{"src":"0001","dst":"0002","leader":"FFFF","type":"rv","t":{t},"li":0,"lt":0}}"#
            );
            assert!(
                matches!(e(m.as_bytes()), DecodeError::Mistyped { field: "t", .. }),
                "{t}"
            );
        }
        assert!(matches!(
            e(br#"{"src":"0001","dst":"0002","leader":"FFFF","type":"rvr","t":1,"g":1}"#),
            DecodeError::Mistyped { field: "g", .. }
        ));
        assert!(matches!(e(br#"{"src":"0001","dst":"0002","leader":"0001","type":"ae","t":1,"pi":0,"pt":0,"c":0,"s":0,"e":{}}"#), DecodeError::Mistyped { field: "e", .. }));
        for entry in [
            "[]",
            "[\"1\"]",
            "[1,\"k\"]",
            "[1,\"k\",2]",
            "[1,\"k\",\"v\",4]",
            "{}",
            "1",
        ] {
            let m = format!(
                r#"{{"src":"0001","dst":"0002","leader":"0001","type":"ae","t":1,"pi":0,"pt":0,"c":0,"s":0,"e":[[1],{entry}]}}"#
            );
            assert_eq!(e(m.as_bytes()), DecodeError::BadEntry(1), "{entry}");
        }
        assert_eq!(
            e(br#"{"src":"0001","dst":"0002","leader":"0001","type":"aer","t":1,"s":0,"ci":3}"#),
            DecodeError::Missing("r")
        );
        assert!(matches!(e(br#"{"src":"0001","dst":"0002","leader":"0001","type":"aer","t":1,"s":0,"r":3,"ci":3,"ct":"x"}"#), DecodeError::Mistyped { field: "ct", .. }));
        // Every error has a message a person can read.
        assert!(!DecodeError::BadEntry(3).to_string().is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let valid = encode_message(
            &Message {
                from: 1,
                to: ME,
                term: 5,
                body: every_body().swap_remove(6),
            },
            Some(1),
        );
        // Every prefix, and every single-byte corruption, of a valid datagram.
        for cut in 0..valid.len() {
            let _ = decode(&valid[..cut], ME);
        }
        for i in 0..valid.len() {
            for b in [0u8, b'"', b'{', b']', 0xff, b'9'] {
                let mut bad = valid.clone();
                bad[i] = b;
                let _ = decode(&bad, ME);
            }
        }
        // Deeply nested JSON is refused by the parser's recursion limit, not a stack overflow.
        let deep = "[".repeat(60_000);
        let r = decode(deep.as_bytes(), ME);
        assert!(matches!(r, Err(DecodeError::NotJson(_))), "{r:?}");
        for field in ["key", "extra"] {
            let deep = format!(r#"{{"src":"0015","dst":"0002","leader":"FFFF","type":"get","MID":"m","{field}":{}}}"#, "[".repeat(60_000));
            let r = decode(deep.as_bytes(), ME);
            assert!(matches!(r, Err(DecodeError::NotJson(_))), "{field}: {r:?}");
        }
    }

    #[test]
    fn a_full_append_entries_stays_under_the_send_limit() {
        // The worst case for the wire: every character of every key and value is a control
        // character, which JSON escapes as six bytes, and puts as large as we accept.
        let config = raft_core::Config::graded();
        for (key_len, value_len) in [
            (1, 0),
            (8, 8),
            (32, 32),
            (100, 1000),
            (MAX_PUT_BYTES / 12, MAX_PUT_BYTES / 12),
        ] {
            for fill in ['\u{1}', '"', 'a', '✓'] {
                let key: String = std::iter::repeat_n(fill, key_len).collect();
                let value: String = std::iter::repeat_n(fill, value_len).collect();
                if put_wire_size(&key, &value) > MAX_PUT_BYTES {
                    continue;
                }
                let mut log = RaftLog::default();
                for _ in 0..2_000 {
                    log.append(put(u64::MAX, &key, &value));
                }
                let entries = log.slice_from(1, config.max_append_bytes);
                let msg = Message {
                    from: 0xFFFE,
                    to: 0xFFFE,
                    term: u64::MAX,
                    body: Body::AppendEntries {
                        prev_log_index: u64::MAX,
                        prev_log_term: u64::MAX,
                        entries,
                        leader_commit: u64::MAX,
                        sent_at: u64::MAX,
                    },
                };
                let size = encode_message(&msg, Some(0xFFFE)).len();
                assert!(
                    size < SEND_LIMIT,
                    "{size} bytes for keys of {key_len} and values of {value_len} {fill:?}"
                );
            }
        }
    }

    #[test]
    fn largest_accepted_put_and_its_reply_fit() {
        let value = "\u{1}".repeat(MAX_PUT_BYTES / 6 - 2);
        assert!(put_wire_size("", &value) <= MAX_PUT_BYTES);
        let reply = ClientReply {
            client: "0015".into(),
            id: "m".repeat(16),
            outcome: Outcome::Value(Some(value)),
        };
        assert!(encode_reply(ME, &reply, Some(ME)).len() < SEND_LIMIT);
    }
}
