//! The eight simulated clients: request generation, leader guessing, response checking.

use crate::ids::{self, Party};
use crate::network::{Network, Status};
use crate::stats::Counters;
use crate::wire::Message;
use md5::{Digest, Md5};
use rand::distr::{Alphanumeric, SampleString};
use rand::seq::IndexedRandom;
use rand::Rng;
use serde_json::json;
use kvtrace::{Finding, FindingKind};
use std::collections::{BTreeMap, HashMap};

const KEY_LEN: usize = 32;
const MID_LEN: usize = 16;
/// A request redirected this many times is reported as going round in circles.
const REDIRECT_LOOP: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Get,
    Put,
}

/// A logical request; it keeps its key and value across fail/redirect resends.
#[derive(Debug, Clone)]
struct Request {
    client: usize,
    kind: Kind,
    key: String,
    value: String,
    answered: bool,
    /// The replica its latest MID went to.
    sent_to: Option<usize>,
    /// Its latest MID, and when it was sent.
    last_mid: Option<(String, f64)>,
    /// When the schedule made it, and when its first MID was sent.
    made_at: f64,
    first_sent: Option<f64>,
    /// How many times it was redirected.
    redirects: u32,
    /// What happened to it, for explaining an incorrect read: each MID sent (when, to whom)
    /// and each answer (when, from whom, what).
    trail: Vec<String>,
}

/// One MID in flight.
#[derive(Debug, Clone, Copy)]
struct Pending {
    request: usize,
    sent_at: f64,
}

#[derive(Debug, Default)]
struct Client {
    id: String,
    /// Remembered leader, `FFFF` when unknown.
    leader: String,
    /// Acknowledged puts; ordered so that seeded runs pick the same keys.
    store: BTreeMap<String, String>,
    outstanding: HashMap<String, Pending>,
    /// MIDs answered `ok`, and the request each belonged to.
    completed: HashMap<String, usize>,
}

/// A datagram a client sends to a replica.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub client: usize,
    pub replica: usize,
    pub bytes: Vec<u8>,
}

pub struct Clients {
    clients: Vec<Client>,
    requests: Vec<Request>,
}

pub fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Clients {
    pub fn new(replicas: usize) -> Clients {
        let clients = ids::client_ids(replicas)
            .into_iter()
            .map(|id| Client {
                id,
                leader: ids::BROADCAST.into(),
                ..Client::default()
            })
            .collect();
        Clients {
            clients,
            requests: Vec::new(),
        }
    }

    pub fn id(&self, client: usize) -> &str {
        &self.clients[client].id
    }

    /// After kill_leader and part_hard every client has to find the leader again.
    pub fn forget_leaders(&mut self) {
        for c in &mut self.clients {
            c.leader = ids::BROADCAST.into();
        }
    }

    /// Makes the next scheduled request: a get with probability `mix` if the chosen client has a
    /// key to ask for, otherwise a put (a wanted get that could not be made is counted). What
    /// is asked is drawn from `rng`, where it goes (and its MID) from `sending`: two streams, so
    /// that with a fixed seed the requests are the same whatever the answers were.
    pub fn generate(
        &mut self,
        mix: f64,
        net: &Network,
        now: f64,
        rng: &mut impl Rng,
        sending: &mut impl Rng,
        counters: &mut Counters,
    ) -> Option<Outgoing> {
        let client = rng.random_range(0..self.clients.len());
        let c = &self.clients[client];
        let wants_get = rng.random::<f64>() < mix;
        let (kind, key, value) = if wants_get && !c.store.is_empty() {
            let key = pick_key(&c.store, rng);
            (Kind::Get, key, String::new())
        } else {
            if wants_get {
                counters.get_generation_failures += 1;
            }
            if !c.store.is_empty() && rng.random_bool(0.5) {
                let key = pick_key(&c.store, rng);
                let value = md5_hex(&c.store[&key]);
                (Kind::Put, key, value)
            } else {
                let key = Alphanumeric.sample_string(rng, KEY_LEN);
                let value = md5_hex(&key);
                (Kind::Put, key, value)
            }
        };
        match kind {
            Kind::Get => counters.gets += 1,
            Kind::Put => counters.puts += 1,
        }
        self.requests.push(Request {
            client,
            kind,
            key,
            value,
            answered: false,
            sent_to: None,
            last_mid: None,
            made_at: now,
            first_sent: None,
            redirects: 0,
            trail: Vec::new(),
        });
        self.send(self.requests.len() - 1, net, now, sending)
    }

    /// Sends (or resends) a logical request under a fresh MID.
    fn send(
        &mut self,
        request: usize,
        net: &Network,
        now: f64,
        rng: &mut impl Rng,
    ) -> Option<Outgoing> {
        let Clients { clients, requests, .. } = self;
        let r = &mut requests[request];
        let c = &mut clients[r.client];
        let replica = match ids::resolve(&c.leader, net.replicas()) {
            Party::Replica(l) if net.is_up(l) => l,
            _ => *net.live().choose(rng)?,
        };
        let mid = Alphanumeric.sample_string(rng, MID_LEN);
        let mut msg = json!({
            "src": c.id,
            "dst": ids::format_id(replica),
            "leader": c.leader,
            "type": match r.kind { Kind::Get => "get", Kind::Put => "put" },
            "MID": mid,
            "key": r.key,
        });
        if r.kind == Kind::Put {
            msg["value"] = r.value.clone().into();
        }
        let sent = format!("{now:.4}s MID {mid} to {}", ids::format_id(replica));
        r.trail.push(sent);
        r.sent_to = Some(replica);
        r.last_mid = Some((mid.clone(), now));
        r.first_sent.get_or_insert(now);
        c.outstanding.insert(
            mid,
            Pending {
                request,
                sent_at: now,
            },
        );
        Some(Outgoing {
            client: r.client,
            replica,
            bytes: msg.to_string().into_bytes(),
        })
    }

    /// Handles a replica's answer to `client`; returns the resend a fail or redirect triggers.
    pub fn on_response(
        &mut self,
        client: usize,
        msg: &Message,
        net: &Network,
        now: f64,
        rng: &mut impl Rng,
        counters: &mut Counters,
    ) -> Option<Outgoing> {
        let who = format!("{} to client {}", msg.src, self.clients[client].id);
        let client_id = self.clients[client].id.clone();
        let finding = |kind, mid: Option<&str>, key: Option<&str>, detail: String| Finding {
            t: now,
            kind,
            mid: mid.map(str::to_owned),
            client: Some(client_id.clone()),
            key: key.map(str::to_owned),
            detail,
        };
        if !matches!(msg.kind.as_str(), "ok" | "fail" | "redirect") {
            let f = finding(FindingKind::Incorrect, msg.text("MID"), None, format!("{who}: unexpected type {:?}", msg.kind));
            counters.incorrect(f);
            return None;
        }
        let Some(mid) = msg.text("MID") else {
            let f = finding(FindingKind::Incorrect, None, None, format!("{who}: {} without a string MID", msg.kind));
            counters.incorrect(f);
            return None;
        };
        let Some(pending) = self.clients[client].outstanding.remove(mid) else {
            match self.clients[client].completed.get(mid) {
                Some(&request) if msg.kind == "ok" => {
                    let key = &self.requests[request].key;
                    let detail = format!("{who}: a second ok for MID {mid}");
                    counters.duplicate(finding(FindingKind::Duplicate, Some(mid), Some(key), detail));
                }
                _ => {
                    let detail = format!("{who}: {} for MID {mid} that is not outstanding", msg.kind);
                    let f = finding(FindingKind::Incorrect, Some(mid), None, detail);
                    counters.incorrect(f);
                }
            }
            return None;
        };
        let c = &mut self.clients[client];
        counters.latencies.push(now - pending.sent_at);
        c.leader = msg.leader.clone();
        let answer = match msg.text("value") {
            Some(v) => format!("{now:.4}s {} {v:?} from {}", msg.kind, msg.src),
            None => format!("{now:.4}s {} from {}", msg.kind, msg.src),
        };
        self.requests[pending.request].trail.push(answer);
        let request = &self.requests[pending.request];
        match msg.kind.as_str() {
            "ok" => {
                counters.oks += 1;
                c.completed.insert(mid.to_owned(), pending.request);
                match request.kind {
                    Kind::Put => {
                        c.store.insert(request.key.clone(), request.value.clone());
                    }
                    Kind::Get => {
                        let expected = c.store.get(&request.key).cloned().unwrap_or_default();
                        let detail = match msg.text("value") {
                            Some(v) if v == expected => None,
                            Some(v) => Some(format!(
                                "{who}: get {} returned {v:?}, expected {expected:?}; {}",
                                request.key,
                                self.history(&request.key)
                            )),
                            None => Some(format!("{who}: ok to a get without a string value")),
                        };
                        if let Some(detail) = detail {
                            let f = finding(FindingKind::Incorrect, Some(mid), Some(&request.key), detail);
                            counters.incorrect(f);
                        }
                    }
                }
                self.requests[pending.request].answered = true;
                None
            }
            kind => {
                if kind == "fail" {
                    counters.fails += 1;
                } else {
                    counters.redirects += 1;
                    self.requests[pending.request].redirects += 1;
                }
                self.send(pending.request, net, now, rng)
            }
        }
    }

    /// Every request of `key` so far, oldest first, with its trail.
    fn history(&self, key: &str) -> String {
        let lines: Vec<String> = self
            .requests
            .iter()
            .filter(|r| r.key == key)
            .map(|r| match r.kind {
                Kind::Get => format!("get: {}", r.trail.join(", ")),
                Kind::Put => format!("put {:?}: {}", r.value, r.trail.join(", ")),
            })
            .collect();
        format!("the key's requests: [{}]", lines.join("; "))
    }

    /// The requests still waiting for an answer, one line each (for the event log), with the
    /// replica each last went to and whether an event killed it.
    pub fn outstanding(&self, net: &Network) -> Vec<String> {
        self.unanswered(net).iter().map(|f| format!("unanswered since {:.3}s: {}", f.t, f.detail)).collect()
    }

    /// The requests never answered `ok`, oldest first, each at the moment its last MID left.
    pub fn unanswered(&self, net: &Network) -> Vec<Finding> {
        let mut found: Vec<Finding> = self
            .requests
            .iter()
            .filter(|r| !r.answered)
            .map(|r| {
                let client = &self.clients[r.client].id;
                let (mid, t) = r.last_mid.clone().map_or((None, r.made_at), |(mid, t)| (Some(mid), t));
                let mut detail = format!("{:?} of {} by {client}", r.kind, r.key);
                if let Some(mid) = &mid {
                    detail += &format!(" (MID {mid})");
                }
                match r.sent_to {
                    Some(to) => {
                        detail += &format!(" sent to {}", ids::format_id(to));
                        if net.status(to) == Status::Killed {
                            detail += ", which was killed";
                        }
                    }
                    None => detail += ", never sent: no replica was alive",
                }
                Finding { t, kind: FindingKind::Unanswered, mid, client: Some(client.clone()), key: Some(r.key.clone()), detail }
            })
            .collect();
        found.sort_by(|a, b| a.t.total_cmp(&b.t));
        found
    }

    /// Requests redirected `REDIRECT_LOOP` times or more, each at its first send, with the
    /// replicas it was sent to in turn.
    fn redirect_loops(&self) -> Vec<Finding> {
        self.requests
            .iter()
            .filter(|r| r.redirects >= REDIRECT_LOOP)
            .map(|r| {
                let client = &self.clients[r.client].id;
                let detail = format!(
                    "{:?} of {} by {client} redirected {} times: {}",
                    r.kind,
                    r.key,
                    r.redirects,
                    r.trail.join(", ")
                );
                Finding {
                    t: r.first_sent.unwrap_or(r.made_at),
                    kind: FindingKind::RedirectLoop,
                    mid: None,
                    client: Some(client.clone()),
                    key: Some(r.key.clone()),
                    detail,
                }
            })
            .collect()
    }

    /// What the clients find at the end of a run: the redirect loops, then the requests left
    /// unanswered (the incorrect answers and duplicates are counted, and kept, as they come).
    pub fn findings(&self, net: &Network) -> Vec<Finding> {
        self.redirect_loops().into_iter().chain(self.unanswered(net)).collect()
    }

    /// Final tallies: requests that never got an ok (and how many of them last went to a
    /// replica that an event killed), and acknowledged keys.
    pub fn finish(&self, net: &Network, counters: &mut Counters) {
        for r in self.requests.iter().filter(|r| !r.answered) {
            match r.kind {
                Kind::Get => counters.unanswered_gets += 1,
                Kind::Put => counters.unanswered_puts += 1,
            }
            if r.sent_to.is_some_and(|to| net.status(to) == Status::Killed) {
                counters.unanswered_at_killed += 1;
            }
        }
        counters.acked_keys = self.clients.iter().map(|c| c.store.len() as u64).sum();
    }
}

fn pick_key(store: &BTreeMap<String, String>, rng: &mut impl Rng) -> String {
    let i = rng.random_range(0..store.len());
    store.keys().nth(i).expect("index within store").clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use serde_json::Value;

    struct Fixture {
        clients: Clients,
        net: Network,
        rng: StdRng,
        sending: StdRng,
        counters: Counters,
    }

    impl Fixture {
        fn new() -> Fixture {
            let mut net = Network::new(3, 0.0);
            (0..3).for_each(|r| net.mark_hello(r));
            Fixture {
                clients: Clients::new(3),
                net,
                rng: StdRng::seed_from_u64(1),
                sending: StdRng::seed_from_u64(2),
                counters: Counters::default(),
            }
        }

        fn generate(&mut self, mix: f64) -> (Outgoing, Value) {
            let out = self
                .clients
                .generate(mix, &self.net, 0.0, &mut self.rng, &mut self.sending, &mut self.counters)
                .unwrap();
            let v = serde_json::from_slice(&out.bytes).unwrap();
            (out, v)
        }

        /// Delivers a reply from the replica the request went to.
        fn reply(
            &mut self,
            out: &Outgoing,
            req: &Value,
            kind: &str,
            leader: &str,
            extra: Value,
        ) -> Option<(Outgoing, Value)> {
            let mut v = json!({"src": req["dst"], "dst": req["src"], "leader": leader, "type": kind, "MID": req["MID"]});
            if let Value::Object(m) = extra {
                v.as_object_mut().unwrap().extend(m);
            }
            let msg = wire::parse(v.to_string().as_bytes()).unwrap();
            let resend = self.clients.on_response(
                out.client,
                &msg,
                &self.net,
                0.5,
                &mut self.rng,
                &mut self.counters,
            )?;
            let rv = serde_json::from_slice(&resend.bytes).unwrap();
            Some((resend, rv))
        }
    }

    #[test]
    fn first_request_is_a_put_of_a_fresh_key_with_md5_value() {
        let mut f = Fixture::new();
        let (out, req) = f.generate(1.0);
        assert_eq!(req["type"], "put");
        assert_eq!(req["leader"], "FFFF");
        let key = req["key"].as_str().unwrap();
        assert_eq!(key.len(), 32);
        assert_eq!(req["value"], md5_hex(key));
        assert_eq!(req["MID"].as_str().unwrap().len(), 16);
        assert_eq!(req["src"], f.clients.id(out.client));
        assert_eq!(f.counters.get_generation_failures, 1);
        assert_eq!((f.counters.gets, f.counters.puts), (0, 1));
    }

    #[test]
    fn md5_matches_python_hexdigest() {
        assert_eq!(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn redirect_resends_with_new_mid_to_the_named_leader_then_ok_is_final() {
        let mut f = Fixture::new();
        let (out, req) = f.generate(0.0);
        let (again, req2) = f.reply(&out, &req, "redirect", "0002", json!({})).unwrap();
        assert_ne!(req["MID"], req2["MID"]);
        assert_eq!((again.replica, req2["leader"].as_str()), (2, Some("0002")));
        assert_eq!(
            (req2["key"].clone(), req2["value"].clone()),
            (req["key"].clone(), req["value"].clone())
        );
        assert!(f.reply(&again, &req2, "ok", "0002", json!({})).is_none());
        // The first MID was answered by the redirect: anything more for it is incorrect.
        f.reply(&out, &req, "ok", "0002", json!({}));
        assert_eq!(f.counters.incorrect, 1);
        // A second ok for the completed MID is a duplicate.
        f.reply(&again, &req2, "ok", "0002", json!({}));
        assert_eq!(f.counters.duplicates, 1);
        assert_eq!((f.counters.redirects, f.counters.oks), (1, 1));
        assert_eq!(f.counters.latencies.len(), 2);
        f.clients.finish(&f.net, &mut f.counters);
        assert_eq!((f.counters.acked_keys, f.counters.unanswered_puts), (1, 0));
    }

    #[test]
    fn gets_check_the_value_against_acknowledged_puts() {
        let mut f = Fixture::new();
        let (out, put) = f.generate(0.0);
        f.reply(&out, &put, "ok", "0000", json!({}));
        // Only this client has a key, so draw until it is chosen for a get.
        let (out, get) = loop {
            let (o, v) = f.generate(1.0);
            if v["type"] == "get" {
                break (o, v);
            }
        };
        assert_eq!(get["key"], put["key"]);
        assert_eq!(get["leader"], "0000");
        assert_eq!(out.replica, 0);
        f.reply(&out, &get, "ok", "0000", json!({"value": put["value"]}));
        assert_eq!(f.counters.incorrect, 0);
        let (out, get) = loop {
            let (o, v) = f.generate(1.0);
            if v["type"] == "get" {
                break (o, v);
            }
        };
        f.reply(&out, &get, "ok", "0000", json!({"value": "stale"}));
        assert_eq!(f.counters.incorrect, 1);
        // The reason tells the key's story: the put's MID and its answer, the get's answer.
        let why = &f.counters.incorrect_reasons[0];
        let put_mid = put["MID"].as_str().unwrap();
        assert!(why.contains(&format!("MID {put_mid} to 0000, 0.5000s ok from 0000")), "{why}");
        assert!(why.contains(r#"ok "stale" from 0000"#), "{why}");
    }

    #[test]
    fn fail_counts_and_resends_unknown_mid_and_bad_type_are_incorrect() {
        let mut f = Fixture::new();
        let (out, req) = f.generate(0.0);
        let (again, req2) = f.reply(&out, &req, "fail", "FFFF", json!({})).unwrap();
        assert_eq!(f.counters.fails, 1);
        let mut bogus = req2.clone();
        bogus["MID"] = "nonexistent".into();
        f.reply(&again, &bogus, "ok", "0001", json!({}));
        f.reply(&again, &req2, "get", "0001", json!({}));
        assert_eq!(f.counters.incorrect, 2);
        f.clients.finish(&f.net, &mut f.counters);
        assert_eq!((f.counters.unanswered_puts, f.counters.failures()), (1, 2));
    }

    #[test]
    fn dead_leader_is_avoided_and_forgotten_leaders_reset() {
        let mut f = Fixture::new();
        let (out, req) = f.generate(0.0);
        f.reply(&out, &req, "ok", "0001", json!({}));
        f.net.set_down(1, Status::Killed);
        for _ in 0..30 {
            let (o, _) = f.generate(0.0);
            assert_ne!(o.replica, 1);
        }
        f.clients.forget_leaders();
        let (_, v) = f.generate(0.0);
        assert_eq!(v["leader"], "FFFF");
    }
}
