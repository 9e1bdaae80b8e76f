//! Majority arithmetic.

use super::Progress;
use crate::membership::Membership;
use crate::types::NodeId;
use std::collections::BTreeMap;

/// The number of nodes that make a majority of `cluster_size`.
pub fn majority(cluster_size: usize) -> usize {
    cluster_size / 2 + 1
}

/// The largest value that at least a majority of `values` reach: the `majority`-th largest.
/// With `values` being every node's match index, this is the highest index stored on a
/// majority (§5.3, §5.4.2).
pub fn quorum_value<T: Ord + Copy>(values: &mut [T]) -> T {
    values.sort_unstable_by(|a, b| b.cmp(a));
    values[majority(values.len()) - 1]
}

/// The largest value a majority of the voters reach (§5.3, §6): `mine` is the leader's own,
/// counted only while it is a voter, the others' come from their progress. Learners do
/// not count. `absent`: the value of a voter without progress, and of no voters at all.
pub(super) fn voters_quorum<T: Ord + Copy>(
    membership: &Membership,
    me: NodeId,
    mine: T,
    progress: &BTreeMap<NodeId, Progress>,
    value: impl Fn(&Progress) -> T,
    absent: T,
) -> T {
    let mut values: Vec<T> = membership
        .voters
        .iter()
        .map(|&v| if v == me { mine } else { progress.get(&v).map_or(absent, &value) })
        .collect();
    if values.is_empty() {
        return absent;
    }
    quorum_value(&mut values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majorities() {
        assert_eq!(majority(1), 1);
        assert_eq!(majority(3), 2);
        assert_eq!(majority(4), 3);
        assert_eq!(majority(5), 3);
    }

    #[test]
    fn quorum_value_is_the_majority_th_largest() {
        assert_eq!(quorum_value(&mut [5, 1, 3, 4, 2]), 3);
        assert_eq!(quorum_value(&mut [7, 7, 0]), 7);
        assert_eq!(quorum_value(&mut [9]), 9);
    }
}
