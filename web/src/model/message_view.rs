//! Messages in flight as glyphs: the shape tells the RPC (a circle for votes, a rectangle for
//! AppendEntries), the fill tells request from reply, and the mark tells the answer (a tick for
//! granted or success, a cross for denied or reject). Each has a compact hover label and the
//! full list of its fields for the inspector.

use super::geometry::{message_position, Point};
use crate::model::command_text;
use raft_core::sim::{InFlight, Sim};
use raft_core::{AppendResult, Body, MessageKind, NodeId, Term, Time};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlyphKind {
    PreVote,
    PreVoteGranted,
    PreVoteDenied,
    RequestVote,
    VoteGranted,
    VoteDenied,
    /// An AppendEntries that carries this many entries.
    AppendEntries(usize),
    /// An AppendEntries without entries.
    Heartbeat,
    AppendOk,
    AppendReject,
    /// §7: a leader's snapshot, for a follower too far behind.
    Snapshot,
}

impl GlyphKind {
    pub fn of(body: &Body) -> GlyphKind {
        match body {
            Body::PreVote { .. } => GlyphKind::PreVote,
            Body::PreVoteReply { granted: true, .. } => GlyphKind::PreVoteGranted,
            Body::PreVoteReply { granted: false, .. } => GlyphKind::PreVoteDenied,
            Body::RequestVote { .. } => GlyphKind::RequestVote,
            Body::RequestVoteReply { granted: true, .. } => GlyphKind::VoteGranted,
            Body::RequestVoteReply { granted: false, .. } => GlyphKind::VoteDenied,
            Body::AppendEntries { entries, .. } if entries.is_empty() => GlyphKind::Heartbeat,
            Body::AppendEntries { entries, .. } => GlyphKind::AppendEntries(entries.len()),
            Body::AppendEntriesReply { result: AppendResult::Success { .. }, .. } => GlyphKind::AppendOk,
            Body::AppendEntriesReply { result: AppendResult::Reject { .. }, .. } => GlyphKind::AppendReject,
            Body::InstallSnapshot { .. } => GlyphKind::Snapshot,
            // A chunk's acknowledgement: drawn as a successful reply.
            Body::InstallSnapshotReply { .. } => GlyphKind::AppendOk,
        }
    }

    /// Value of the glyph's `data-kind` attribute.
    pub fn name(self) -> &'static str {
        match self {
            GlyphKind::PreVote => "pre-vote",
            GlyphKind::PreVoteGranted => "pre-vote-granted",
            GlyphKind::PreVoteDenied => "pre-vote-denied",
            GlyphKind::RequestVote => "request-vote",
            GlyphKind::VoteGranted => "vote-granted",
            GlyphKind::VoteDenied => "vote-denied",
            GlyphKind::AppendEntries(_) => "append-entries",
            GlyphKind::Heartbeat => "heartbeat",
            GlyphKind::AppendOk => "append-ok",
            GlyphKind::AppendReject => "append-reject",
            GlyphKind::Snapshot => "install-snapshot",
        }
    }

    /// The text inside the glyph.
    pub fn mark(self) -> String {
        match self {
            GlyphKind::PreVote => "pv".into(),
            GlyphKind::RequestVote => "RV".into(),
            GlyphKind::PreVoteGranted | GlyphKind::VoteGranted | GlyphKind::AppendOk => "✓".into(),
            GlyphKind::PreVoteDenied | GlyphKind::VoteDenied | GlyphKind::AppendReject => "✗".into(),
            GlyphKind::AppendEntries(n) => format!("+{n}"),
            GlyphKind::Heartbeat => "♥".into(),
            GlyphKind::Snapshot => "snap".into(),
        }
    }

    /// Votes travel as circles, log replication as rectangles.
    pub fn is_vote(self) -> bool {
        matches!(
            self,
            GlyphKind::PreVote
                | GlyphKind::PreVoteGranted
                | GlyphKind::PreVoteDenied
                | GlyphKind::RequestVote
                | GlyphKind::VoteGranted
                | GlyphKind::VoteDenied
        )
    }

    pub fn is_reply(self) -> bool {
        matches!(
            self,
            GlyphKind::PreVoteGranted
                | GlyphKind::PreVoteDenied
                | GlyphKind::VoteGranted
                | GlyphKind::VoteDenied
                | GlyphKind::AppendOk
                | GlyphKind::AppendReject
        )
    }

    /// A reply that says no.
    pub fn is_negative(self) -> bool {
        matches!(self, GlyphKind::PreVoteDenied | GlyphKind::VoteDenied | GlyphKind::AppendReject)
    }
}

/// The plain-language name of a kind of message, as the feed and the drop marks use it.
pub fn kind_words(kind: MessageKind) -> &'static str {
    match kind {
        MessageKind::PreVote => "PreVote",
        MessageKind::PreVoteReply => "PreVote reply",
        MessageKind::RequestVote => "RequestVote",
        MessageKind::RequestVoteReply => "RequestVote reply",
        MessageKind::Heartbeat => "heartbeat",
        MessageKind::AppendEntries => "AppendEntries",
        MessageKind::AppendEntriesReply => "AppendEntries reply",
        MessageKind::InstallSnapshot => "InstallSnapshot",
        MessageKind::InstallSnapshotReply => "InstallSnapshot reply",
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct MessageView {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub term: Term,
    pub kind: GlyphKind,
    pub pos: Point,
    pub progress: f64,
    pub label: String,
}

/// Every message in flight, placed between its nodes (`ring[id - 1]` is node `id`).
pub fn message_views(sim: &Sim, ring: &[Point]) -> Vec<MessageView> {
    let now = sim.now();
    sim.in_flight()
        .iter()
        .filter_map(|m| {
            let from = *ring.get((m.message.from as usize).checked_sub(1)?)?;
            let to = *ring.get((m.message.to as usize).checked_sub(1)?)?;
            let progress = m.progress(now);
            Some(MessageView {
                id: m.id,
                from: m.message.from,
                to: m.message.to,
                term: m.message.term,
                kind: GlyphKind::of(&m.message.body),
                pos: message_position(from, to, progress),
                progress,
                label: label(m),
            })
        })
        .collect()
}

/// The compact label: what it is, where it goes, and what it says.
pub fn label(m: &InFlight) -> String {
    let (from, to, term) = (m.message.from, m.message.to, m.message.term);
    let what = match &m.message.body {
        Body::PreVote { last_log_index, last_log_term } => {
            format!("PreVote for term {term} (last log {last_log_index}@{last_log_term})")
        }
        Body::PreVoteReply { granted } => {
            format!("PreVote reply: {}", yes_no(*granted, "granted", "denied"))
        }
        Body::RequestVote { last_log_index, last_log_term } => {
            format!("RequestVote, term {term} (last log {last_log_index}@{last_log_term})")
        }
        Body::RequestVoteReply { granted, .. } => {
            format!("RequestVote reply, term {term}: {}", yes_no(*granted, "granted", "denied"))
        }
        Body::AppendEntries { entries, prev_log_index, leader_commit, .. } if entries.is_empty() => {
            format!("Heartbeat, term {term} (prev {prev_log_index}, commit {leader_commit})")
        }
        Body::AppendEntries { entries, prev_log_index, leader_commit, .. } => format!(
            "AppendEntries, term {term}: {} entr{} after {prev_log_index} (commit {leader_commit})",
            entries.len(),
            if entries.len() == 1 { "y" } else { "ies" }
        ),
        Body::AppendEntriesReply { result: AppendResult::Success { match_index }, .. } => {
            format!("AppendEntries reply, term {term}: success, match {match_index}")
        }
        Body::AppendEntriesReply { result: AppendResult::Reject { rejected_index, .. }, .. } => {
            format!("AppendEntries reply, term {term}: reject at {rejected_index}")
        }
        Body::InstallSnapshot { snapshot, done, .. } => format!(
            "InstallSnapshot, term {term}: the state up to entry {}, {} key{}{}",
            snapshot.last_index,
            snapshot.kv.len(),
            if snapshot.kv.len() == 1 { "" } else { "s" },
            if *done { " (last chunk)" } else { " (a chunk)" }
        ),
        Body::InstallSnapshotReply { last_index, received, .. } => format!(
            "InstallSnapshot reply, term {term}: holds snapshot {last_index} up to {}",
            received.as_deref().map_or("nothing".to_string(), |k| format!("key {k}"))
        ),
    };
    format!("#{} {from} → {to}: {what}", m.id)
}

fn yes_no(b: bool, yes: &'static str, no: &'static str) -> &'static str {
    if b {
        yes
    } else {
        no
    }
}

/// The keys of a snapshot the inspector lists at most.
const SNAPSHOT_ROWS: usize = 12;

/// Every field of a message, for the inspector.
/// The rows of a message's inspector. `now` is given while the message is in flight; one
/// that was delivered or dropped has no progress to show, only when it was due.
pub fn fields(m: &InFlight, now: Option<Time>) -> Vec<(String, String)> {
    let t = super::speed::format_time;
    let mut out = vec![
        ("id".to_string(), m.id.to_string()),
        ("type".into(), m.message.body.kind().name().into()),
        ("from".into(), format!("node {}", m.message.from)),
        ("to".into(), format!("node {}", m.message.to)),
        ("term".into(), m.message.term.to_string()),
        ("sent at".into(), t(m.sent_at)),
    ];
    match now {
        Some(now) => {
            out.push(("arrives at".into(), t(m.deliver_at)));
            out.push(("progress".into(), format!("{:.0}%", m.progress(now) * 100.0)));
        }
        None => out.push(("was due at".into(), t(m.deliver_at))),
    }
    if m.lost {
        out.push(("network".into(), "will lose it (loss rate)".into()));
    }
    let mut add = |k: &str, v: String| out.push((k.to_string(), v));
    match &m.message.body {
        Body::PreVote { last_log_index, last_log_term } | Body::RequestVote { last_log_index, last_log_term } => {
            add("last log index", last_log_index.to_string());
            add("last log term", last_log_term.to_string());
        }
        Body::PreVoteReply { granted } | Body::RequestVoteReply { granted } => {
            add("vote granted", granted.to_string());
        }
        Body::AppendEntries { prev_log_index, prev_log_term, entries, leader_commit, sent_at } => {
            add("prev log index", prev_log_index.to_string());
            add("prev log term", prev_log_term.to_string());
            add("leader commit", leader_commit.to_string());
            add("leader clock", t(*sent_at));
            if entries.is_empty() {
                add("entries", "none (heartbeat)".into());
            }
            for (i, e) in entries.iter().enumerate() {
                let index = prev_log_index + 1 + i as u64;
                add(&format!("entry {index}"), format!("term {}: {}", e.term, command_text(&e.command)));
            }
        }
        Body::AppendEntriesReply { result, sent_at } => {
            match result {
                AppendResult::Success { match_index } => {
                    add("result", "success".into());
                    add("match index", match_index.to_string());
                }
                AppendResult::Reject { rejected_index, conflict_index, conflict_term } => {
                    add("result", "reject".into());
                    add("rejected index", rejected_index.to_string());
                    add("conflict index", conflict_index.to_string());
                    add("conflict term", conflict_term.map_or("none (log too short)".into(), |t| t.to_string()));
                }
            }
            add("echoes leader clock", t(*sent_at));
        }
        Body::InstallSnapshotReply { last_index, received, sent_at } => {
            add("snapshot", format!("up to entry {last_index}"));
            add("holds the chunks up to", received.clone().map_or("nothing yet".into(), |k| format!("key {k}")));
            add("echoes leader clock", t(*sent_at));
        }
        Body::InstallSnapshot { snapshot, after, done, sent_at } => {
            add("chunk", match after {
                None => "the first".into(),
                Some(k) => format!("the keys after {k}"),
            });
            add("last chunk", yes_no(*done, "yes", "no").into());
            add("last included index", snapshot.last_index.to_string());
            add("last included term", snapshot.last_term.to_string());
            add("leader clock", t(*sent_at));
            let runs: Vec<String> = snapshot.terms.iter().map(|(i, t)| format!("term {t} from {i}")).collect();
            add("terms covered", runs.join(", "));
            add("keys in this chunk", snapshot.kv.len().to_string());
            for (k, v) in snapshot.kv.iter().take(SNAPSHOT_ROWS) {
                add(&format!("key {k}"), v.clone());
            }
            if snapshot.kv.len() > SNAPSHOT_ROWS {
                add("…", format!("and {} more keys", snapshot.kv.len() - SNAPSHOT_ROWS));
            }
        }
    }
    out
}
