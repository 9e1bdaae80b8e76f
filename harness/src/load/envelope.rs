//! A fast, borrowing parse of what a replica sends: just the fields the load client routes and
//! answers by. kvsim's `wire::parse` builds a full JSON tree, too slow for 100,000 replies/s.

use serde::Deserialize;
use std::borrow::Cow;

#[derive(Debug, Deserialize, PartialEq)]
pub struct Envelope<'a> {
    #[serde(borrow)]
    pub src: Cow<'a, str>,
    #[serde(borrow)]
    pub dst: Cow<'a, str>,
    #[serde(borrow)]
    pub leader: Cow<'a, str>,
    #[serde(borrow, rename = "type")]
    pub kind: Cow<'a, str>,
    #[serde(borrow, rename = "MID", default)]
    pub mid: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub value: Option<Cow<'a, str>>,
    /// The Raft term of a peer message (the replica's codec calls it `t`).
    #[serde(default)]
    pub t: Option<u64>,
}

impl<'a> Envelope<'a> {
    /// None for anything that is not a JSON object with string `src`, `dst`, `leader`, `type`
    /// (and, when present, string `MID` and `value` and an unsigned `t`).
    pub fn parse(bytes: &'a [u8]) -> Option<Envelope<'a>> {
        serde_json::from_slice(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_and_peer_messages_parse() {
        let ok = Envelope::parse(
            br#"{"MID":"00000000000000A1","value":"v\"1","src":"0001","dst":"0015","leader":"0001","type":"ok"}"#,
        )
        .unwrap();
        assert_eq!(
            (ok.kind.as_ref(), ok.mid.as_deref()),
            ("ok", Some("00000000000000A1"))
        );
        assert_eq!(ok.value.as_deref(), Some("v\"1"));
        let ae = Envelope::parse(
            br#"{"t":7,"pi":3,"pt":2,"c":1,"s":9,"e":[[7,"k","v"]],"src":"0001","dst":"0002","leader":"0001","type":"ae"}"#,
        )
        .unwrap();
        assert_eq!((ae.t, ae.mid, ae.dst.as_ref()), (Some(7), None, "0002"));
    }

    #[test]
    fn malformed_datagrams_are_refused() {
        for bad in [
            &b""[..],
            b"\xff",
            b"[]",
            b"{}",
            br#"{"src":"0001","dst":"0002","leader":"0001"}"#,
            br#"{"src":1,"dst":"0002","leader":"0001","type":"ok"}"#,
            br#"{"src":"0001","dst":"0002","leader":"0001","type":"ok","MID":5}"#,
            br#"{"src":"0001","dst":"0002","leader":"0001","type":"ae","t":-1}"#,
        ] {
            assert_eq!(
                Envelope::parse(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
