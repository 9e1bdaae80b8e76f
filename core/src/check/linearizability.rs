//! Linearizability checker for a key-value client history.
//!
//! Every key is an independent register (initially absent), so the history is
//! split by key and each part is checked on its own (linearizability is
//! compositional). Each part is checked with the algorithm of Wing & Gong
//! (1993) as refined by Lowe (2017) and used by Porcupine:
//!
//! * every operation contributes a *call* and a *return* entry to a list
//!   sorted by time;
//! * a depth-first search walks the list from its head: an operation whose
//!   call comes before the first remaining return may be linearized next, if
//!   the register allows it; it is then removed ("lifted") from the list and
//!   the search restarts from the head. Reaching a return entry means the
//!   operation it belongs to can no longer be placed, so the search backtracks;
//! * a memo of visited `(set of linearized ops, register value)` pairs prunes
//!   the search: the same pair always has the same future.
//!
//! Refinements specific to a register keep the search small without changing
//! its answer (each is safe because any valid order can be rearranged to
//! agree with it):
//!
//! * a get that may be linearized now and returns the current value is taken
//!   without trying alternatives: it changes nothing, and moving it earlier in
//!   any valid order keeps that order valid;
//! * values that no remaining get returns are merged into one register value,
//!   since no get can tell them apart; this lets the memo merge more states.
//!   While the register holds such a value, an answered put of such a value is
//!   likewise taken without alternatives, and an unanswered one is left for
//!   the end, where it changes nothing;
//! * a put is not tried if it would overwrite a value that a remaining get
//!   still needs and no remaining put of that value could start before that
//!   get ends.
//!
//! Histories whose writes use distinct values are checked quickly even with
//! hundreds of concurrent operations. With many repeated values the problem
//! is NP-complete in general (Gibbons & Korach 1997), hence the step budget.
//!
//! Timing rules. A put whose outcome the client never learned (`ret == None`)
//! returns at +infinity: it may take effect anywhere after its call, and
//! "never" is the same as "last". A get without an answer is ignored. Operation
//! `a` precedes `b` in real time only if `a.ret < b.call`; equal timestamps
//! count as concurrent (calls sort before returns at the same time, as in
//! Porcupine). With a coarse clock, events with the same timestamp may have
//! happened in either order, so ordering them could report a violation that
//! did not happen. A recorder that knows the exact order of events can encode
//! it in the timestamps (for example `tick * 1_000_000 + sequence`).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One client operation as observed by the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    pub client: u64,
    pub key: String,
    pub kind: OpKind,
    /// Time the client issued the request (any monotonic unit, e.g. microseconds).
    pub call: u64,
    /// Time the client received the answer; None if it never learned the outcome
    /// (no answer, or a redirect/fail after which the effect is unknown).
    pub ret: Option<u64>,
    /// The answer said the request was not carried out (a redirect or a failure) and the
    /// service promises that such a request has no effect, ever: the check leaves it out,
    /// so a value only it wrote must never be read.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refused: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpKind {
    Put {
        value: String,
    },
    /// `value` is what the get returned (None: the key was absent). Gets with
    /// `ret == None` are ignored (they have no effect).
    Get {
        value: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Verdict {
    Linearizable,
    NotLinearizable,
    /// The search budget ran out before an answer was found.
    Unknown,
}

/// The result for one key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyReport {
    pub key: String,
    pub verdict: Verdict,
    /// Indices into the input history of every operation on this key
    /// (including ignored, unanswered gets), in history order.
    pub ops: Vec<usize>,
    /// When linearizable: a witness order (indices into the input history) of
    /// every operation on this key except unanswered gets. Unanswered puts
    /// that were never needed are placed last.
    pub order: Option<Vec<usize>>,
}

/// The result for a whole history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// NotLinearizable if any key is, else Unknown if any key is, else Linearizable.
    pub verdict: Verdict,
    /// One entry per key, sorted by key.
    pub keys: Vec<KeyReport>,
}

impl Report {
    /// Keys whose verdict is not [`Verdict::Linearizable`].
    pub fn bad_keys(&self) -> impl Iterator<Item = &KeyReport> {
        self.keys
            .iter()
            .filter(|k| k.verdict != Verdict::Linearizable)
    }

    pub fn is_linearizable(&self) -> bool {
        self.verdict == Verdict::Linearizable
    }

    /// The verdict of each operation's key, indexed like the input history
    /// (`n_ops` is its length). Indices not covered by any key are
    /// `Linearizable`.
    pub fn op_verdicts(&self, n_ops: usize) -> Vec<Verdict> {
        let mut out = vec![Verdict::Linearizable; n_ops];
        for k in &self.keys {
            for &i in &k.ops {
                if let Some(v) = out.get_mut(i) {
                    *v = k.verdict;
                }
            }
        }
        out
    }
}

/// Search steps allowed per key by [`check`].
pub const DEFAULT_MAX_STEPS_PER_KEY: u64 = 1_000_000;

/// Check `history` with the default search budget.
pub fn check(history: &[Operation]) -> Report {
    check_with_budget(history, DEFAULT_MAX_STEPS_PER_KEY)
}

/// Check `history`, giving up on a key (verdict `Unknown`) after
/// `max_steps_per_key` search steps.
pub fn check_with_budget(history: &[Operation], max_steps_per_key: u64) -> Report {
    check_impl(history, max_steps_per_key, true)
}

fn check_impl(history: &[Operation], max_steps: u64, prefilter: bool) -> Report {
    let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, op) in history.iter().enumerate() {
        by_key.entry(op.key.as_str()).or_default().push(i);
    }
    let mut keys = Vec::with_capacity(by_key.len());
    let mut verdict = Verdict::Linearizable;
    for (key, ops) in by_key {
        let (v, order) = check_key(history, &ops, max_steps, prefilter);
        verdict = match (verdict, v) {
            (Verdict::NotLinearizable, _) | (_, Verdict::NotLinearizable) => {
                Verdict::NotLinearizable
            }
            (Verdict::Unknown, _) | (_, Verdict::Unknown) => Verdict::Unknown,
            _ => Verdict::Linearizable,
        };
        keys.push(KeyReport {
            key: key.to_string(),
            verdict: v,
            ops,
            order,
        });
    }
    Report { verdict, keys }
}

/// Register value ids: the absent value, the merged "written but never
/// read" value, then one id per value some completed get returned.
const ABSENT: u32 = 0;
const UNREAD: u32 = 1;

#[derive(Clone, Copy)]
enum Kind {
    Put(u32),
    Get(u32),
}

#[derive(Clone, Copy)]
struct Op {
    /// Index into the input history.
    idx: usize,
    call: u64,
    /// None: +infinity.
    ret: Option<u64>,
    kind: Kind,
}

/// Precedes in real time (equal timestamps are concurrent).
fn precedes(a: &Op, b: &Op) -> bool {
    matches!(a.ret, Some(r) if r < b.call)
}

fn check_key(
    history: &[Operation],
    idxs: &[usize],
    max_steps: u64,
    prefilter: bool,
) -> (Verdict, Option<Vec<usize>>) {
    // Intern the values completed gets returned; other put values are UNREAD.
    let mut ids: HashMap<&str, u32> = HashMap::new();
    for &i in idxs {
        let h = &history[i];
        if let (OpKind::Get { value: Some(v) }, Some(_)) = (&h.kind, h.ret) {
            let next = ids.len() as u32 + 2;
            ids.entry(v.as_str()).or_insert(next);
        }
    }
    let ops: Vec<Op> = idxs
        .iter()
        .filter_map(|&i| {
            let h = &history[i];
            if h.refused {
                return None;
            }
            let kind = match &h.kind {
                OpKind::Put { value } => {
                    Kind::Put(ids.get(value.as_str()).copied().unwrap_or(UNREAD))
                }
                OpKind::Get { .. } if h.ret.is_none() => return None,
                OpKind::Get { value: None } => Kind::Get(ABSENT),
                OpKind::Get { value: Some(v) } => Kind::Get(ids[v.as_str()]),
            };
            Some(Op {
                idx: i,
                call: h.call,
                ret: h.ret,
                kind,
            })
        })
        .collect();

    if prefilter && !plausible(&ops) {
        return (Verdict::NotLinearizable, None);
    }
    match search(&ops, max_steps) {
        Search::Found(order) => (
            Verdict::Linearizable,
            Some(order.into_iter().map(|o| ops[o].idx).collect()),
        ),
        Search::Impossible => (Verdict::NotLinearizable, None),
        Search::OutOfBudget => (Verdict::Unknown, None),
    }
}

/// Cheap necessary conditions, so that obvious violations do not need an
/// exhaustive search: every get must be able to see some write of its value.
fn plausible(ops: &[Op]) -> bool {
    ops.iter().all(|g| match g.kind {
        Kind::Put(_) => true,
        // Absent is impossible once any put has completed before the get.
        Kind::Get(ABSENT) => !ops
            .iter()
            .any(|p| matches!(p.kind, Kind::Put(_)) && precedes(p, g)),
        // Some put of this value must start before the get ends.
        Kind::Get(v) => ops
            .iter()
            .any(|p| matches!(p.kind, Kind::Put(w) if w == v) && !precedes(g, p)),
    })
}

enum Search {
    Found(Vec<usize>),
    Impossible,
    OutOfBudget,
}

const HEAD: usize = 0;

struct Frame {
    op: usize,
    prev_state: u32,
    /// Taken as the only move worth trying from its node (a matching get).
    forced: bool,
}

/// The Wing–Gong–Lowe search over one key's operations.
fn search(ops: &[Op], max_steps: u64) -> Search {
    let n = ops.len();
    // Entries: (op, is_return). Calls sort before returns at equal times and
    // unanswered returns (+infinity) sort last.
    let mut entries: Vec<(usize, bool)> = Vec::with_capacity(2 * n);
    for o in 0..n {
        entries.push((o, false));
        entries.push((o, true));
    }
    let time = |&(o, is_ret): &(usize, bool)| -> (bool, u64, bool, usize) {
        let op = &ops[o];
        if is_ret {
            match op.ret {
                Some(r) => (false, r, true, o),
                None => (true, 0, true, o),
            }
        } else {
            (false, op.call, false, o)
        }
    };
    entries.sort_by_key(time);

    // Doubly linked list over positions 1..=2n, with sentinels HEAD and tail.
    let m = entries.len();
    let tail = m + 1;
    let mut next: Vec<usize> = (1..=m + 2).collect();
    let mut prev: Vec<usize> = (0..m + 2).map(|i| i.wrapping_sub(1)).collect();
    let mut call_pos = vec![0usize; n];
    let mut ret_pos = vec![0usize; n];
    // entry_op[pos] = (op, is_return) for pos in 1..=m.
    let mut entry_op = vec![(usize::MAX, true); m + 2];
    for (i, &(o, is_ret)) in entries.iter().enumerate() {
        let pos = i + 1;
        entry_op[pos] = (o, is_ret);
        if is_ret {
            ret_pos[o] = pos;
        } else {
            call_pos[o] = pos;
        }
    }
    // The tail acts as a return entry so scans always stop there.
    entry_op[tail] = (usize::MAX, true);

    let unlink = |next: &mut Vec<usize>, prev: &mut Vec<usize>, p: usize| {
        let (a, b) = (prev[p], next[p]);
        next[a] = b;
        prev[b] = a;
    };
    let relink = |next: &mut Vec<usize>, prev: &mut Vec<usize>, p: usize| {
        let (a, b) = (prev[p], next[p]);
        next[a] = p;
        prev[b] = p;
    };

    let zobrist: Vec<u64> = (0..n as u64).map(|i| splitmix64(i ^ 0x5eed)).collect();
    let mut memo = Memo::new(n.div_ceil(64));
    let mut bits = vec![0u64; n.div_ceil(64)];
    let mut bits_hash = 0u64;
    let mut stack: Vec<Frame> = Vec::with_capacity(n);
    // Answered ops not yet linearized; once zero, the remaining unanswered
    // puts can all go last.
    let mut open = ops.iter().filter(|o| o.ret.is_some()).count();
    // Overwriting the register's value is pointless while a get still waits
    // for it and no write of it that could come before that get remains.
    let n_values = ops
        .iter()
        .map(|o| match o.kind {
            Kind::Put(v) | Kind::Get(v) => v as usize + 1,
        })
        .max()
        .unwrap_or(0)
        .max(UNREAD as usize + 1);
    let mut waiting_gets = vec![0u32; n_values];
    let mut gets_by_ret: Vec<Vec<usize>> = vec![Vec::new(); n_values];
    let mut puts_by_call: Vec<Vec<usize>> = vec![Vec::new(); n_values];
    for (o, op) in ops.iter().enumerate() {
        match op.kind {
            Kind::Put(v) => puts_by_call[v as usize].push(o),
            Kind::Get(v) => {
                waiting_gets[v as usize] += 1;
                gets_by_ret[v as usize].push(o);
            }
        }
    }
    for l in &mut gets_by_ret {
        l.sort_by_key(|&o| (ops[o].ret, o));
    }
    for l in &mut puts_by_call {
        l.sort_by_key(|&o| (ops[o].call, o));
    }
    let starves = |bits: &[u64], s: u32| -> bool {
        let open = |o: &&usize| bits[**o / 64] >> (**o % 64) & 1 == 0;
        // The waiting get with the earliest return is the hardest to serve.
        let Some(&g) = gets_by_ret[s as usize].iter().find(open) else {
            return false;
        };
        match puts_by_call[s as usize].iter().find(open) {
            Some(&p) => precedes(&ops[g], &ops[p]),
            None => true,
        }
    };
    let mut steps = 0u64;

    macro_rules! toggle {
        ($o:expr) => {{
            let o = $o;
            bits[o / 64] ^= 1 << (o % 64);
            bits_hash ^= zobrist[o];
        }};
    }

    // A value no waiting get can read is as good as any other such value.
    let canon = |waiting: &[u32], v: u32| if waiting[v as usize] == 0 { UNREAD } else { v };
    let mut state = canon(&waiting_gets, ABSENT);

    // Linearizes `o` next if that reaches a node not visited before.
    macro_rules! try_lift {
        ($o:expr, $forced:expr) => {{
            let o: usize = $o;
            toggle!(o);
            let new = match ops[o].kind {
                Kind::Put(v) => canon(&waiting_gets, v),
                Kind::Get(v) => {
                    waiting_gets[v as usize] -= 1;
                    canon(&waiting_gets, state)
                }
            };
            if memo.insert(&bits, bits_hash, new) {
                steps += 1;
                if steps > max_steps {
                    return Search::OutOfBudget;
                }
                unlink(&mut next, &mut prev, call_pos[o]);
                unlink(&mut next, &mut prev, ret_pos[o]);
                if ops[o].ret.is_some() {
                    open -= 1;
                }
                stack.push(Frame {
                    op: o,
                    prev_state: state,
                    forced: $forced,
                });
                state = new;
                true
            } else {
                toggle!(o);
                if let Kind::Get(v) = ops[o].kind {
                    waiting_gets[v as usize] += 1;
                }
                false
            }
        }};
    }

    'node: loop {
        if open == 0 {
            let mut order: Vec<usize> = stack.iter().map(|f| f.op).collect();
            // Unanswered puts not yet placed, in call order.
            let mut p = next[HEAD];
            while p != tail {
                let (o, is_ret) = entry_op[p];
                if !is_ret {
                    order.push(o);
                }
                p = next[p];
            }
            return Search::Found(order);
        }

        // Moves that are safe to take without trying alternatives: a get
        // returning the current value, or, while no waiting get can read the
        // current value, an answered put of a value nobody waits for either.
        let mut forced = None;
        let mut p = next[HEAD];
        while !entry_op[p].1 {
            let o = entry_op[p].0;
            let take = match ops[o].kind {
                Kind::Get(v) => v == state,
                Kind::Put(v) => {
                    state == UNREAD && ops[o].ret.is_some() && waiting_gets[v as usize] == 0
                }
            };
            if take {
                forced = Some(o);
                break;
            }
            p = next[p];
        }

        let mut resume = None;
        match forced {
            Some(o) => {
                if try_lift!(o, true) {
                    continue 'node;
                }
                // Seen before, so this node fails too.
            }
            None => resume = Some(next[HEAD]),
        }

        loop {
            // Scan candidates from `resume`. Gets are never tried here: one
            // returning the current value would have been forced.
            if let Some(mut p) = resume {
                while !entry_op[p].1 {
                    let o = entry_op[p].0;
                    if let Kind::Put(v) = ops[o].kind {
                        // An unanswered put nobody still waits to read can
                        // go last, where it changes nothing.
                        let idle = ops[o].ret.is_none() && waiting_gets[v as usize] == 0;
                        let starving = state != UNREAD && v != state && starves(&bits, state);
                        if !idle && !starving && try_lift!(o, false) {
                            continue 'node;
                        }
                    }
                    p = next[p];
                }
            }
            // Reached a return: backtrack to the last node with moves left.
            loop {
                let Some(f) = stack.pop() else {
                    return Search::Impossible;
                };
                let o = f.op;
                relink(&mut next, &mut prev, ret_pos[o]);
                relink(&mut next, &mut prev, call_pos[o]);
                if ops[o].ret.is_some() {
                    open += 1;
                }
                if let Kind::Get(v) = ops[o].kind {
                    waiting_gets[v as usize] += 1;
                }
                toggle!(o);
                state = f.prev_state;
                if !f.forced {
                    resume = Some(next[call_pos[o]]);
                    break;
                }
            }
        }
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Set of visited `(bitset, state)` nodes: open addressing over a flat arena,
/// keyed by an incrementally maintained Zobrist hash of the bitset.
struct Memo {
    words: usize,
    /// Per slot: entry index + 1, or 0 when empty.
    slots: Vec<u32>,
    hashes: Vec<u64>,
    states: Vec<u32>,
    arena: Vec<u64>,
}

impl Memo {
    fn new(words: usize) -> Self {
        Memo {
            words,
            slots: vec![0; 1024],
            hashes: Vec::new(),
            states: Vec::new(),
            arena: Vec::new(),
        }
    }

    /// Inserts the node; false if it was already present.
    fn insert(&mut self, bits: &[u64], bits_hash: u64, state: u32) -> bool {
        let h = bits_hash ^ splitmix64(u64::from(state));
        let mask = self.slots.len() - 1;
        let mut s = (h as usize) & mask;
        loop {
            match self.slots[s] {
                0 => break,
                e => {
                    let e = e as usize - 1;
                    if self.hashes[e] == h
                        && self.states[e] == state
                        && self.arena[e * self.words..(e + 1) * self.words] == *bits
                    {
                        return false;
                    }
                }
            }
            s = (s + 1) & mask;
        }
        let e = self.hashes.len();
        self.hashes.push(h);
        self.states.push(state);
        self.arena.extend_from_slice(bits);
        self.slots[s] = e as u32 + 1;
        // Keep the load factor under one half.
        if 2 * self.hashes.len() > self.slots.len() {
            self.grow();
        }
        true
    }

    fn grow(&mut self) {
        let mut slots = vec![0u32; self.slots.len() * 2];
        let mask = slots.len() - 1;
        for (e, &h) in self.hashes.iter().enumerate() {
            let mut s = (h as usize) & mask;
            while slots[s] != 0 {
                s = (s + 1) & mask;
            }
            slots[s] = e as u32 + 1;
        }
        self.slots = slots;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(client: u64, key: &str, value: &str, call: u64, ret: Option<u64>) -> Operation {
        Operation {
            client,
            key: key.to_string(),
            kind: OpKind::Put {
                value: value.to_string(),
            },
            call,
            ret,
            refused: false,
        }
    }

    fn get(client: u64, key: &str, value: Option<&str>, call: u64, ret: Option<u64>) -> Operation {
        Operation {
            client,
            key: key.to_string(),
            kind: OpKind::Get {
                value: value.map(str::to_string),
            },
            call,
            ret,
            refused: false,
        }
    }

    /// Independent check of a witness: covers the key's answered ops (and
    /// maybe unanswered puts) once each, respects real time, and replays.
    fn validate(history: &[Operation], kr: &KeyReport) {
        let order = kr.order.as_ref().expect("witness");
        let mut seen = std::collections::BTreeSet::new();
        for &i in order {
            assert_eq!(history[i].key, kr.key);
            assert!(seen.insert(i), "op {i} twice in witness");
        }
        for &i in &kr.ops {
            let h = &history[i];
            let needed = h.ret.is_some();
            let allowed = needed || matches!(h.kind, OpKind::Put { .. });
            assert!(!needed || seen.contains(&i), "op {i} missing from witness");
            assert!(
                allowed || !seen.contains(&i),
                "unanswered get {i} in witness"
            );
        }
        for (a, &i) in order.iter().enumerate() {
            for &j in &order[a + 1..] {
                if let Some(r) = history[j].ret {
                    assert!(
                        r >= history[i].call,
                        "op {j} returned before op {i} was called, yet is ordered after it"
                    );
                }
            }
        }
        let mut reg: Option<&str> = None;
        for &i in order {
            match &history[i].kind {
                OpKind::Put { value } => reg = Some(value),
                OpKind::Get { value } => {
                    assert_eq!(value.as_deref(), reg, "get {i} reads wrong value")
                }
            }
        }
    }

    fn validate_all(history: &[Operation], r: &Report) {
        for k in &r.keys {
            if k.verdict == Verdict::Linearizable {
                validate(history, k);
            }
        }
    }

    #[test]
    fn empty_history_is_linearizable() {
        let r = check(&[]);
        assert!(r.is_linearizable());
        assert!(r.keys.is_empty());
    }

    #[test]
    fn sequential_history() {
        let h = vec![
            get(1, "x", None, 0, Some(1)),
            put(1, "x", "a", 2, Some(3)),
            get(2, "x", Some("a"), 4, Some(5)),
            put(2, "x", "b", 6, Some(7)),
            get(1, "x", Some("b"), 8, Some(9)),
            put(1, "x", "a", 10, Some(11)),
            get(2, "x", Some("a"), 12, Some(13)),
        ];
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Linearizable);
        assert_eq!(r.keys[0].order.as_deref(), Some(&[0, 1, 2, 3, 4, 5, 6][..]));
        validate_all(&h, &r);
    }

    /// A put refused with a redirect, then retried later: reading its value before the
    /// retry was sent means the refused put took effect after all.
    #[test]
    fn refused_put_must_not_be_read() {
        let mut refused = put(1, "x", "a", 0, None);
        let h = |refused: &Operation| vec![refused.clone(), get(2, "x", Some("a"), 2, Some(3)), put(1, "x", "a", 4, Some(5))];
        assert_eq!(check(&h(&refused)).verdict, Verdict::Linearizable, "an unanswered put may take effect");
        refused.refused = true;
        assert_eq!(check(&h(&refused)).verdict, Verdict::NotLinearizable);
    }

    #[test]
    fn stale_read_after_completed_put() {
        let h = vec![
            put(1, "x", "a", 0, Some(1)),
            put(1, "x", "b", 2, Some(3)),
            get(2, "x", Some("a"), 4, Some(5)),
        ];
        assert_eq!(check(&h).verdict, Verdict::NotLinearizable);
        // Without the prefilter the search itself must find it.
        assert_eq!(
            check_impl(&h, 1000, false).verdict,
            Verdict::NotLinearizable
        );
    }

    #[test]
    fn concurrent_put_and_get_either_order() {
        for seen in [None, Some("a")] {
            let h = vec![put(1, "x", "a", 0, Some(10)), get(2, "x", seen, 2, Some(8))];
            let r = check(&h);
            assert!(r.is_linearizable(), "get returning {seen:?}");
            validate_all(&h, &r);
        }
    }

    #[test]
    fn get_of_value_never_written() {
        let h = vec![
            put(1, "x", "a", 0, Some(10)),
            get(2, "x", Some("zzz"), 2, Some(8)),
        ];
        assert_eq!(check(&h).verdict, Verdict::NotLinearizable);
        assert_eq!(
            check_impl(&h, 1000, false).verdict,
            Verdict::NotLinearizable
        );
    }

    #[test]
    fn get_cannot_see_a_later_put() {
        let h = vec![
            get(2, "x", Some("a"), 0, Some(1)),
            put(1, "x", "a", 2, Some(3)),
        ];
        assert_eq!(check(&h).verdict, Verdict::NotLinearizable);
        assert_eq!(
            check_impl(&h, 1000, false).verdict,
            Verdict::NotLinearizable
        );
    }

    #[test]
    fn pending_put_observed_later() {
        let h = vec![
            put(1, "x", "a", 0, Some(1)),
            put(2, "x", "b", 2, None),
            get(3, "x", Some("b"), 100, Some(101)),
            get(3, "x", Some("b"), 102, Some(103)),
        ];
        let r = check(&h);
        assert!(r.is_linearizable());
        validate_all(&h, &r);
        // The unanswered put may also never take effect.
        let h2 = vec![
            h[0].clone(),
            h[1].clone(),
            get(3, "x", Some("a"), 100, Some(101)),
        ];
        let r2 = check(&h2);
        assert!(r2.is_linearizable());
        validate_all(&h2, &r2);
    }

    #[test]
    fn pending_put_observed_then_older_value() {
        let h = vec![
            put(1, "x", "a", 0, Some(1)),
            put(2, "x", "b", 2, None),
            get(3, "x", Some("b"), 100, Some(101)),
            get(3, "x", Some("a"), 102, Some(103)),
        ];
        assert_eq!(check(&h).verdict, Verdict::NotLinearizable);
        assert_eq!(
            check_impl(&h, 1000, false).verdict,
            Verdict::NotLinearizable
        );
    }

    #[test]
    fn absent_read_after_completed_put() {
        let h = vec![put(1, "x", "a", 0, Some(1)), get(2, "x", None, 2, Some(3))];
        assert_eq!(check(&h).verdict, Verdict::NotLinearizable);
        assert_eq!(
            check_impl(&h, 1000, false).verdict,
            Verdict::NotLinearizable
        );
    }

    #[test]
    fn unanswered_gets_are_ignored() {
        let h = vec![
            put(1, "x", "a", 0, Some(1)),
            get(2, "x", Some("nonsense"), 2, None),
            get(2, "x", Some("a"), 3, Some(4)),
        ];
        let r = check(&h);
        assert!(r.is_linearizable());
        assert_eq!(r.keys[0].ops, vec![0, 1, 2]);
        validate_all(&h, &r);
    }

    #[test]
    fn equal_timestamps_are_concurrent() {
        // The get is called at the instant the put returns: either order is allowed.
        let h = vec![put(1, "x", "a", 0, Some(5)), get(2, "x", None, 5, Some(6))];
        assert!(check(&h).is_linearizable());
        // One tick later the put strictly precedes the get.
        let h = vec![put(1, "x", "a", 0, Some(5)), get(2, "x", None, 6, Some(7))];
        assert_eq!(check(&h).verdict, Verdict::NotLinearizable);
    }

    #[test]
    fn only_the_bad_key_is_reported() {
        let h = vec![
            put(1, "good", "1", 0, Some(1)),
            put(1, "bad", "1", 0, Some(1)),
            put(1, "bad", "2", 2, Some(3)),
            get(2, "good", Some("1"), 4, Some(5)),
            get(2, "bad", Some("1"), 4, Some(5)),
            get(3, "other", None, 0, Some(9)),
        ];
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::NotLinearizable);
        assert!(!r.is_linearizable());
        let keys: Vec<&str> = r.keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys, ["bad", "good", "other"]);
        let bad: Vec<&str> = r.bad_keys().map(|k| k.key.as_str()).collect();
        assert_eq!(bad, ["bad"]);
        assert_eq!(r.keys[0].ops, vec![1, 2, 4]);
        assert!(r.keys[0].order.is_none());
        use Verdict::*;
        assert_eq!(
            r.op_verdicts(h.len()),
            [
                Linearizable,
                NotLinearizable,
                NotLinearizable,
                Linearizable,
                NotLinearizable,
                Linearizable
            ]
        );
        validate_all(&h, &r);
    }

    #[test]
    fn witness_respects_real_time_and_values() {
        // Overlapping puts; reads pin down the order b, a, c.
        let h = vec![
            put(1, "x", "a", 0, Some(10)),
            put(2, "x", "b", 1, Some(10)),
            put(3, "x", "c", 2, Some(20)),
            get(4, "x", Some("b"), 3, Some(4)),
            get(4, "x", Some("a"), 11, Some(12)),
            get(5, "x", Some("c"), 21, Some(22)),
            put(5, "x", "d", 23, None),
        ];
        let r = check(&h);
        assert!(r.is_linearizable());
        let order = r.keys[0].order.clone().unwrap();
        let pos = |i: usize| order.iter().position(|&o| o == i).unwrap();
        assert!(pos(1) < pos(3) && pos(3) < pos(0) && pos(0) < pos(4) && pos(4) < pos(2));
        validate_all(&h, &r);
    }

    #[test]
    fn budget_exhaustion_is_unknown() {
        let h = vec![
            put(1, "x", "a", 0, Some(1)),
            get(1, "x", Some("a"), 2, Some(3)),
        ];
        let r = check_with_budget(&h, 0);
        assert_eq!(r.verdict, Verdict::Unknown);
        assert_eq!(r.op_verdicts(2), [Verdict::Unknown, Verdict::Unknown]);
        assert!(check_with_budget(&h, 2).is_linearizable());
    }

    #[test]
    fn report_serializes() {
        let h = vec![
            put(1, "x", "a", 0, Some(1)),
            get(1, "x", Some("a"), 2, None),
        ];
        let r = check(&h);
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), r);
        let hj = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<Vec<Operation>>(&hj).unwrap(), h);
    }

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(1);
            splitmix64(self.0)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A linearizable history: a sequential execution with one effect point
    /// per op every 10 time units, each op's interval stretched around it.
    /// Some puts lose their answer; some of those never take effect at all.
    fn random_history(
        rng: &mut Rng,
        n: usize,
        keys: u64,
        spread: u64,
        values: u64,
    ) -> Vec<Operation> {
        let mut reg: BTreeMap<String, String> = BTreeMap::new();
        let mut h = Vec::with_capacity(n);
        for i in 0..n {
            let point = 10 * i as u64 + spread + 1;
            let call = point - rng.below(spread + 1);
            let ret = point + rng.below(spread + 1);
            let key = format!("k{}", rng.below(keys));
            let client = rng.below(8);
            if rng.below(2) == 0 {
                let value = if values == 0 {
                    format!("v{i}")
                } else {
                    format!("v{}", rng.below(values))
                };
                match rng.below(10) {
                    // Lost answer, but the write happened.
                    0 => {
                        reg.insert(key.clone(), value.clone());
                        h.push(put(client, &key, &value, call, None));
                    }
                    // Lost answer and the write never happened.
                    1 => h.push(put(client, &key, &value, call, None)),
                    _ => {
                        reg.insert(key.clone(), value.clone());
                        h.push(put(client, &key, &value, call, Some(ret)));
                    }
                }
            } else if rng.below(10) == 0 {
                h.push(get(client, &key, Some("junk"), call, None));
            } else {
                h.push(get(
                    client,
                    &key,
                    reg.get(&key).map(String::as_str),
                    call,
                    Some(ret),
                ));
            }
        }
        h
    }

    /// Makes one answered get impossible: it returns the value of a put `p`
    /// that a later put `q` overwrote strictly before the get was called
    /// (values unique), or absent after a completed put. None if no such get.
    fn corrupt(rng: &mut Rng, h: &mut [Operation]) -> Option<usize> {
        let gets: Vec<usize> = (0..h.len())
            .filter(|&i| matches!(h[i].kind, OpKind::Get { .. }) && h[i].ret.is_some())
            .collect();
        let start = if gets.is_empty() {
            return None;
        } else {
            rng.below(gets.len() as u64) as usize
        };
        for k in 0..gets.len() {
            let g = gets[(start + k) % gets.len()];
            let same_key = |i: usize| h[i].key == h[g].key;
            let done_put = |i: usize| matches!(h[i].kind, OpKind::Put { .. }) && h[i].ret.is_some();
            let before = |a: usize, b: usize| h[a].ret.is_some_and(|r| r < h[b].call);
            let qs: Vec<usize> = (0..h.len())
                .filter(|&q| same_key(q) && done_put(q) && before(q, g))
                .collect();
            let Some(&q) = qs.first() else { continue };
            let ps: Vec<usize> = (0..h.len())
                .filter(|&p| same_key(p) && done_put(p) && before(p, q))
                .collect();
            let value = match ps.last() {
                Some(&p) => match &h[p].kind {
                    OpKind::Put { value } => Some(value.clone()),
                    OpKind::Get { .. } => unreachable!(),
                },
                None => None,
            };
            h[g].kind = OpKind::Get { value };
            return Some(g);
        }
        None
    }

    #[test]
    fn random_linearizable_histories_and_corruptions() {
        let mut rng = Rng(42);
        let mut corrupted = 0;
        for trial in 0..300 {
            let n = 5 + rng.below(60) as usize;
            let keys = 1 + rng.below(3);
            let spread = rng.below(80);
            let mut h = random_history(&mut rng, n, keys, spread, 0);
            let r = check(&h);
            assert_eq!(r.verdict, Verdict::Linearizable, "trial {trial}: {h:?}");
            validate_all(&h, &r);
            assert_eq!(
                check_impl(&h, DEFAULT_MAX_STEPS_PER_KEY, false).verdict,
                Verdict::Linearizable
            );

            if let Some(g) = corrupt(&mut rng, &mut h) {
                corrupted += 1;
                let r = check(&h);
                assert_eq!(r.verdict, Verdict::NotLinearizable, "trial {trial}: {h:?}");
                let bad: Vec<&str> = r.bad_keys().map(|k| k.key.as_str()).collect();
                assert_eq!(bad, [h[g].key.as_str()]);
                let r2 = check_impl(&h, DEFAULT_MAX_STEPS_PER_KEY, false);
                assert_eq!(
                    r2.verdict,
                    Verdict::NotLinearizable,
                    "trial {trial} (search only)"
                );
            }
        }
        assert!(corrupted > 100, "only {corrupted} corrupted trials");
    }

    #[test]
    fn random_histories_with_repeated_values() {
        // Few distinct values: the same value is written many times.
        let mut rng = Rng(7);
        for trial in 0..200 {
            let n = 5 + rng.below(60) as usize;
            let spread = rng.below(60);
            let h = random_history(&mut rng, n, 2, spread, 3);
            let r = check(&h);
            assert_eq!(r.verdict, Verdict::Linearizable, "trial {trial}: {h:?}");
            validate_all(&h, &r);
        }
    }

    /// Brute force: try every order of the answered ops (and unanswered
    /// puts, which may also be left out) that respects real time.
    fn brute_force(h: &[Operation]) -> bool {
        fn go(h: &[Operation], ops: &[usize], used: &mut Vec<bool>, reg: Option<&str>) -> bool {
            if ops
                .iter()
                .zip(used.iter())
                .all(|(&i, &u)| u || h[i].ret.is_none())
            {
                return true;
            }
            for (a, &i) in ops.iter().enumerate() {
                if used[a] {
                    continue;
                }
                // Every unused op must not have returned before i was called.
                let blocked = ops
                    .iter()
                    .zip(used.iter())
                    .any(|(&j, &u)| !u && j != i && h[j].ret.is_some_and(|r| r < h[i].call));
                if blocked {
                    continue;
                }
                let next = match &h[i].kind {
                    OpKind::Put { value } => Some(value.as_str()),
                    OpKind::Get { value } if value.as_deref() == reg => reg,
                    OpKind::Get { .. } => continue,
                };
                used[a] = true;
                let ok = go(h, ops, used, next);
                used[a] = false;
                if ok {
                    return true;
                }
            }
            false
        }
        let ops: Vec<usize> = (0..h.len())
            .filter(|&i| h[i].ret.is_some() || matches!(h[i].kind, OpKind::Put { .. }))
            .collect();
        go(h, &ops, &mut vec![false; ops.len()], None)
    }

    #[test]
    fn agrees_with_brute_force_on_small_random_histories() {
        let mut rng = Rng(99);
        let mut verdicts = [0usize; 2];
        for trial in 0..3000 {
            let n = 1 + rng.below(7) as usize;
            let mut h = Vec::new();
            for _ in 0..n {
                let call = rng.below(20);
                let ret = if rng.below(6) == 0 {
                    None
                } else {
                    Some(call + rng.below(8))
                };
                let value = format!("{}", rng.below(3));
                if rng.below(2) == 0 {
                    h.push(put(0, "x", &value, call, ret));
                } else {
                    let seen = if rng.below(4) == 0 {
                        None
                    } else {
                        Some(value.as_str())
                    };
                    h.push(get(0, "x", seen, call, ret));
                }
            }
            let expected = brute_force(&h);
            verdicts[expected as usize] += 1;
            for prefilter in [true, false] {
                let r = check_impl(&h, DEFAULT_MAX_STEPS_PER_KEY, prefilter);
                assert_eq!(
                    r.is_linearizable(),
                    expected,
                    "trial {trial}, prefilter {prefilter}: {h:?}"
                );
                assert_ne!(r.verdict, Verdict::Unknown);
                validate_all(&h, &r);
            }
        }
        // Both outcomes must be well represented for the comparison to mean much.
        assert!(verdicts[0] > 500 && verdicts[1] > 500, "{verdicts:?}");
    }

    #[test]
    fn heavy_concurrency_on_one_key_is_fast() {
        let mut rng = Rng(2024);
        // 500 ops, each overlapping ~40 others.
        let mut h = random_history(&mut rng, 500, 1, 200, 0);
        let t = std::time::Instant::now();
        let r = check(&h);
        assert_eq!(r.verdict, Verdict::Linearizable);
        validate_all(&h, &r);
        let ok_time = t.elapsed();

        corrupt(&mut rng, &mut h).expect("a corruptible get");
        let t = std::time::Instant::now();
        let r = check_impl(&h, DEFAULT_MAX_STEPS_PER_KEY, false);
        assert_eq!(r.verdict, Verdict::NotLinearizable);
        let bad_time = t.elapsed();
        eprintln!("500 ops: linearizable in {ok_time:?}, violation found in {bad_time:?}");
    }
}
