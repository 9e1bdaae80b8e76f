//! Partitions the way people think of them: every node is on side A or side B; moving nodes
//! between the sides and applying makes one `Partition` intervention.

use raft_core::sim::Intervention;
use raft_core::NodeId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionDraft {
    /// Node `i + 1` is on side B.
    on_b: Vec<bool>,
}

impl PartitionDraft {
    pub fn new(nodes: usize) -> PartitionDraft {
        PartitionDraft { on_b: vec![false; nodes] }
    }

    /// The two sides that a set of cut links makes, if it is exactly a cut between two sides
    /// (every link across cut both ways, none within a side). Side A holds node 1.
    pub fn from_cuts(nodes: usize, cut: &[(NodeId, NodeId)]) -> Option<PartitionDraft> {
        let on_b: Vec<bool> = (1..=nodes as NodeId).map(|id| id != 1 && cut.contains(&(1, id))).collect();
        let d = PartitionDraft { on_b };
        let (a, b) = (d.side_a(), d.side_b());
        if b.is_empty() {
            return None;
        }
        let across = 2 * a.len() * b.len();
        let all_across = a.iter().all(|&x| b.iter().all(|&y| cut.contains(&(x, y)) && cut.contains(&(y, x))));
        (all_across && cut.len() == across).then_some(d)
    }

    pub fn side_a(&self) -> Vec<NodeId> {
        self.side(false)
    }

    pub fn side_b(&self) -> Vec<NodeId> {
        self.side(true)
    }

    fn side(&self, b: bool) -> Vec<NodeId> {
        (1..=self.on_b.len() as NodeId).filter(|&id| self.on_b[id as usize - 1] == b).collect()
    }

    /// Follows the nodes the run has now: an added server starts on side A, and a node that a
    /// replay to an earlier time has not started yet leaves the draft.
    pub fn fit(&mut self, nodes: usize) {
        self.on_b.resize(nodes, false);
    }

    /// Puts node `id` on side B (`true`) or A.
    pub fn put(&mut self, id: NodeId, on_b: bool) {
        if let Some(s) = self.on_b.get_mut((id as usize).wrapping_sub(1)) {
            *s = on_b;
        }
    }

    /// The intervention that cuts A from B; None while one side is empty.
    pub fn intervention(&self) -> Option<Intervention> {
        let (a, b) = (self.side_a(), self.side_b());
        (!a.is_empty() && !b.is_empty()).then(|| Intervention::Partition { groups: vec![a, b] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_core::sim::{Sim, SimConfig};

    #[test]
    fn two_sides_make_one_partition() {
        let mut d = PartitionDraft::new(5);
        assert_eq!(d.intervention(), None, "nobody on side B");
        d.put(2, true);
        d.put(4, true);
        assert_eq!(d.side_b(), vec![2, 4]);
        let what = d.intervention().unwrap();
        assert_eq!(what, Intervention::Partition { groups: vec![vec![1, 3, 5], vec![2, 4]] });
        let mut sim = Sim::new(SimConfig::teaching(1)).unwrap();
        sim.intervene(what);
        assert!(sim.is_cut(1, 2) && sim.is_cut(4, 5) && !sim.is_cut(2, 4) && !sim.is_cut(1, 3));
        assert_eq!(PartitionDraft::from_cuts(5, &sim.cut_links()), Some(d.clone()));
        sim.intervene(Intervention::CutLink { from: 1, to: 3 });
        assert_eq!(PartitionDraft::from_cuts(5, &sim.cut_links()), None, "not two clean sides");
        assert_eq!(PartitionDraft::from_cuts(5, &[]), None);
        d.put(2, false);
        assert_eq!(d.side_b(), vec![4]);
    }

    #[test]
    fn the_draft_grows_with_added_servers_and_shrinks_on_a_replay_before_them() {
        let mut d = PartitionDraft::new(3);
        d.put(3, true);
        d.fit(4);
        assert_eq!((d.side_a(), d.side_b()), (vec![1, 2, 4], vec![3]));
        d.put(4, true);
        d.fit(3);
        assert_eq!((d.side_a(), d.side_b()), (vec![1, 2], vec![3]));
    }
}
