//! Message validation: the checks the simulator applies to every datagram a replica sends.

use crate::ids::is_id;
use serde_json::{Map, Value};
use std::fmt;

/// A datagram that passed every check. The raw bytes are forwarded unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub src: String,
    pub dst: String,
    pub leader: String,
    pub kind: String,
    pub fields: Map<String, Value>,
}

impl Message {
    /// A string field other than the four mandatory ones (`MID`, `key`, `value`).
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Value::as_str)
    }

    pub fn is_hello(&self) -> bool {
        self.kind == "hello"
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireError {
    /// Zero bytes: the simulator reads this as the replica closing its socket.
    Empty,
    /// Not UTF-8: the simulator's decode fails and it drops the replica.
    NotUtf8,
    NotJson(String),
    NotObject,
    MissingField(&'static str),
    NotString(&'static str),
    BadId(&'static str, String),
}

impl WireError {
    /// Errors that make the simulator close the replica (counted as died, not as incorrect).
    pub fn closes_replica(&self) -> bool {
        matches!(self, WireError::Empty | WireError::NotUtf8)
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::Empty => f.write_str("empty datagram"),
            WireError::NotUtf8 => f.write_str("datagram is not UTF-8"),
            WireError::NotJson(e) => write!(f, "not JSON: {e}"),
            WireError::NotObject => f.write_str("JSON value is not an object"),
            WireError::MissingField(k) => write!(f, "missing field `{k}`"),
            WireError::NotString(k) => write!(f, "field `{k}` is not a string"),
            WireError::BadId(k, v) => write!(f, "field `{k}` = {v:?} is not 4 hex digits"),
        }
    }
}

pub fn parse(bytes: &[u8]) -> Result<Message, WireError> {
    if bytes.is_empty() {
        return Err(WireError::Empty);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| WireError::NotUtf8)?;
    let value: Value = serde_json::from_str(text).map_err(|e| WireError::NotJson(e.to_string()))?;
    let Value::Object(mut fields) = value else {
        return Err(WireError::NotObject);
    };
    let mut take = |key: &'static str| match fields.remove(key) {
        None => Err(WireError::MissingField(key)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(WireError::NotString(key)),
    };
    let src = take("src")?;
    let dst = take("dst")?;
    let leader = take("leader")?;
    let kind = take("type")?;
    for (key, v) in [("src", &src), ("dst", &dst), ("leader", &leader)] {
        if !is_id(v) {
            return Err(WireError::BadId(key, v.clone()));
        }
    }
    Ok(Message {
        src,
        dst,
        leader,
        kind,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(bytes: &[u8]) -> WireError {
        parse(bytes).unwrap_err()
    }

    #[test]
    fn accepts_a_well_formed_message_with_extra_fields() {
        let m = parse(br#"{"src":"0001","dst":"FFFF","leader":"FFFF","type":"vote","term":3}"#)
            .unwrap();
        assert_eq!(
            (m.src.as_str(), m.dst.as_str(), m.kind.as_str()),
            ("0001", "FFFF", "vote")
        );
        assert_eq!(m.fields["term"], 3);
        assert!(!m.is_hello());
    }

    #[test]
    fn rejects_each_violation() {
        assert_eq!(err(b""), WireError::Empty);
        assert_eq!(err(b"\xff\xfe"), WireError::NotUtf8);
        assert!(err(b"\xff").closes_replica());
        assert!(matches!(err(br#"{"src": "#), WireError::NotJson(_)));
        assert!(!err(br#"{"src": "#).closes_replica());
        assert_eq!(err(b"[1,2]"), WireError::NotObject);
        assert_eq!(
            err(br#"{"src":"0001","dst":"0002","type":"x"}"#),
            WireError::MissingField("leader")
        );
        assert_eq!(
            err(br#"{"src":"0001","dst":2,"leader":"FFFF","type":"x"}"#),
            WireError::NotString("dst")
        );
        assert_eq!(
            err(br#"{"src":"0001","dst":"0002","leader":"FFFF","type":null}"#),
            WireError::NotString("type")
        );
        assert_eq!(
            err(br#"{"src":"1","dst":"0002","leader":"FFFF","type":"x"}"#),
            WireError::BadId("src", "1".into())
        );
        assert_eq!(
            err(br#"{"src":"0001","dst":"0002","leader":"none","type":"x"}"#),
            WireError::BadId("leader", "none".into())
        );
    }
}
