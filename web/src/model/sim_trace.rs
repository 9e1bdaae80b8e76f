//! The simulation's own run, in the terms of a trace, so that the space-time diagram draws
//! it too: every message a node sent, from send to delivery (the simulation has real
//! delays, unlike the graded simulator), the clients' requests and answers, and the leader
//! each node believed in when it sent, as a graded replica's `leader` field would say.

use super::trace_run::{Msg, Req, Target, TraceRun};
use raft_core::sim::{DropReason, Sim, SimEventKind};
use raft_core::{Event, Outcome, Time};
use kvtrace::Fate;
use serde_json::json;
use std::collections::HashMap;

const S: f64 = 1e6;

/// The run of `sim` from `from` to `to` (virtual microseconds): what was sent in that span.
pub fn sim_trace(sim: &Sim, from: Time, to: Time) -> TraceRun {
    let n = sim.node_count();
    let mut believes: Vec<Option<u32>> = vec![None; n];
    let mut fates: HashMap<u64, (Time, Fate)> = HashMap::new();
    for e in sim.events().iter().filter(|e| e.at >= from) {
        match &e.kind {
            SimEventKind::Delivered { id, .. } => {
                fates.insert(*id, (e.at, Fate::Delivered));
            }
            SimEventKind::Dropped { id, reason, .. } => {
                let fate = match reason {
                    DropReason::Cut => Fate::Cut,
                    DropReason::NodeDown => Fate::Dead,
                    DropReason::Loss | DropReason::Intervention => Fate::Dropped,
                };
                fates.insert(*id, (e.at, fate));
            }
            _ => {}
        }
    }
    let mut msgs = Vec::new();
    let mut requests = Vec::new();
    for e in sim.events().iter().take_while(|e| e.at <= to) {
        let t = e.at as f64 / S;
        match &e.kind {
            SimEventKind::Node { node, event } => {
                let belief = &mut believes[*node as usize - 1];
                match event {
                    Event::BecameLeader { .. } => *belief = Some(*node),
                    Event::BecameFollower { leader, .. } => *belief = *leader,
                    Event::BecamePreCandidate { .. } | Event::BecameCandidate { .. } | Event::SteppedDown { .. } => *belief = None,
                    _ => {}
                }
            }
            SimEventKind::Crashed { node } => believes[*node as usize - 1] = None,
            _ if e.at < from => {}
            SimEventKind::Sent { id, from: sender, to: receiver, kind } => {
                let (arrives, fate) = fates.get(id).map_or((None, Fate::Delivered), |&(at, fate)| (Some(at as f64 / S), fate));
                msgs.push(Msg {
                    t,
                    from: *sender as usize - 1,
                    to: Target::Replica(*receiver as usize - 1),
                    kind: kind.name().into(),
                    fate,
                    counted: 1,
                    leader: Some(believes[*sender as usize - 1].map_or("FFFF".into(), name)),
                    mid: None,
                    term: None,
                    arrives,
                    raw: json!({"type": kind.name(), "from": name(*sender), "to": name(*receiver), "id": id}),
                });
            }
            SimEventKind::ClientSent { node, request, .. } => requests.push(Req {
                t,
                to: *node as usize - 1,
                kind: match request.op {
                    raft_core::Op::Get { .. } => "get".into(),
                    raft_core::Op::Put { .. } => "put".into(),
                },
                mid: Some(request.id.clone()),
                resend: false,
                raw: serde_json::to_value(request).unwrap_or_default(),
            }),
            SimEventKind::ClientAnswered { node, reply, .. } => msgs.push(Msg {
                t,
                from: *node as usize - 1,
                to: Target::Client,
                kind: match reply.outcome {
                    Outcome::Written | Outcome::Value(_) => "ok",
                    Outcome::Redirect(_) => "redirect",
                    Outcome::Fail(_) => "fail",
                }
                .into(),
                fate: Fate::Client,
                counted: 0,
                leader: None,
                mid: Some(reply.id.clone()),
                term: None,
                arrives: None,
                raw: serde_json::to_value(reply).unwrap_or_default(),
            }),
            _ => {}
        }
    }
    TraceRun::assemble((1..=n as u32).map(name).collect(), to as f64 / S, msgs, requests)
}

/// A node's name in the picture: S1, S2, ...
fn name(id: u32) -> String {
    format!("S{id}")
}
