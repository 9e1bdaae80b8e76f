//! The graded simulator's read rule, stricter than linearizability: a client's get must
//! never show a value written by one of that client's own puts unless the client was told
//! that put succeeded by the time the get's answer arrives. Its clients never resend a
//! request that got no answer, and they judge a read's answer by the writes they have been
//! told of, so such a read counts as incorrect there although a linearizable store may
//! return it (an unanswered put may take effect at any time).

use super::linearizability::{OpKind, Operation};
use std::collections::BTreeMap;

/// A get that showed a value of its own client's put before that put's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarlyRead {
    /// The get's position in the history.
    pub get: usize,
    pub client: u64,
    pub key: String,
    pub value: String,
}

/// Every get that breaks the rule. Values are compared as written: a put that was retried
/// with the same value is answered when any of its attempts is.
pub fn early_reads(history: &[Operation]) -> Vec<EarlyRead> {
    // For each client and value it wrote: the earliest answer to a put of it, if any.
    let mut answered: BTreeMap<(u64, &str, &str), Option<u64>> = BTreeMap::new();
    for op in history {
        if let OpKind::Put { value } = &op.kind {
            let slot = answered.entry((op.client, op.key.as_str(), value.as_str())).or_insert(None);
            if let Some(ret) = op.ret.filter(|_| !op.refused) {
                *slot = Some(slot.map_or(ret, |t| t.min(ret)));
            }
        }
    }
    history
        .iter()
        .enumerate()
        .filter_map(|(i, op)| {
            let OpKind::Get { value: Some(value) } = &op.kind else { return None };
            op.ret?;
            let told = answered.get(&(op.client, op.key.as_str(), value.as_str()))?;
            let early = told.is_none_or(|t| Some(t) > op.ret);
            early.then(|| EarlyRead { get: i, client: op.client, key: op.key.clone(), value: value.clone() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(client: u64, value: &str, call: u64, ret: Option<u64>) -> Operation {
        Operation { client, key: "k".into(), kind: OpKind::Put { value: value.into() }, call, ret, refused: false }
    }

    fn get(client: u64, value: &str, call: u64) -> Operation {
        Operation { client, key: "k".into(), kind: OpKind::Get { value: Some(value.into()) }, call, ret: Some(call + 1), refused: false }
    }

    #[test]
    fn a_read_after_the_put_was_answered_is_fine() {
        assert!(early_reads(&[put(1, "a", 0, Some(5)), get(1, "a", 6)]).is_empty());
    }

    #[test]
    fn a_read_of_an_unanswered_put_of_its_own_client_is_early() {
        let history = [put(1, "a", 0, None), get(1, "a", 6)];
        assert_eq!(early_reads(&history), [EarlyRead { get: 1, client: 1, key: "k".into(), value: "a".into() }]);
    }

    #[test]
    fn a_read_answered_before_the_put_is_early() {
        assert_eq!(early_reads(&[put(1, "a", 0, Some(10)), get(1, "a", 6)]).len(), 1);
        assert!(early_reads(&[put(1, "a", 0, Some(7)), get(1, "a", 6)]).is_empty(), "the put's answer came first");
    }

    #[test]
    fn another_clients_unanswered_put_may_be_read() {
        assert!(early_reads(&[put(2, "a", 0, None), get(1, "a", 6)]).is_empty());
    }

    #[test]
    fn a_retried_put_counts_once_any_attempt_is_answered() {
        assert!(early_reads(&[put(1, "a", 0, None), put(1, "a", 3, Some(5)), get(1, "a", 6)]).is_empty());
    }
}
