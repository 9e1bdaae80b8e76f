//! The first-visit tour: a few short steps that point at the leader, a heartbeat and a timer,
//! then ask the student to kill the leader and watch the election that follows. The last two
//! steps move on by themselves when the cluster does what they wait for.

use raft_core::NodeId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TourStep {
    Leader,
    Heartbeats,
    Timers,
    KillLeader,
    Election,
    Done,
}

const STEPS: [TourStep; 6] =
    [TourStep::Leader, TourStep::Heartbeats, TourStep::Timers, TourStep::KillLeader, TourStep::Election, TourStep::Done];

impl TourStep {
    /// The step's place, from 1.
    pub fn number(self) -> usize {
        STEPS.iter().position(|&s| s == self).map_or(0, |p| p + 1)
    }

    pub fn count() -> usize {
        STEPS.len()
    }

    /// What the page highlights during the step: a class `tour-<target>` on the app, which the
    /// style sheet turns into a pulsing outline on the thing the text talks about.
    pub fn target(self) -> &'static str {
        match self {
            TourStep::Leader => "leader",
            TourStep::Heartbeats => "heartbeats",
            TourStep::Timers => "timers",
            TourStep::KillLeader => "kill",
            TourStep::Election => "candidates",
            TourStep::Done => "none",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            TourStep::Leader => "One leader",
            TourStep::Heartbeats => "Heartbeats",
            TourStep::Timers => "Election timers",
            TourStep::KillLeader => "Your turn",
            TourStep::Election => "An election",
            TourStep::Done => "That is Raft's heartbeat",
        }
    }

    /// The step's text, for a cluster led by `leader` (if anyone leads).
    pub fn text(self, leader: Option<NodeId>) -> String {
        let who = leader.map_or("the leader".to_string(), |l| format!("node {l}"));
        match self {
            TourStep::Leader => format!(
                "Five servers run Raft. One of them, {who} (the double square), is the leader: clients write \
                 through it, and it copies each write to the others before answering."
            ),
            TourStep::Heartbeats => "The small squares leaving the leader are AppendEntries messages: empty ones are \
                heartbeats, +n ones carry entries. Every follower answers (✓), and the answers tell the leader \
                what is stored where."
                .into(),
            TourStep::Timers => "The blue ring around each follower is its election timer. Every message from the \
                leader refills it; if it ever runs out, that follower stops waiting and stands for election."
                .into(),
            TourStep::KillLeader => format!("Kill the leader ({who}): press the Kill the leader button, or K. Then watch the rings."),
            TourStep::Election => "Nobody refills the timers now. The first follower whose ring runs out becomes a \
                candidate in a higher term and asks the others for their votes: three of five make it the leader."
                .into(),
            TourStep::Done => format!(
                "{} took over, and the cluster goes on. Next: pick a story from the Scenario menu, drag the \
                 timeline back to watch again, or press ? for every key.",
                leader.map_or("A new leader".to_string(), |l| format!("Node {l}"))
            ),
        }
    }

    /// Whether the student moves on with a button (the others move on by themselves).
    pub fn has_next_button(self) -> bool {
        matches!(self, TourStep::Leader | TourStep::Heartbeats | TourStep::Timers)
    }
}

/// The tour in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tour {
    pub step: TourStep,
    /// During `KillLeader`: the leader to be killed, once there is one.
    victim: Option<NodeId>,
}

impl Default for Tour {
    fn default() -> Self {
        Tour { step: TourStep::Leader, victim: None }
    }
}

impl Tour {
    /// The student pressed Next. Returns false when the tour is over.
    pub fn next(&mut self) -> bool {
        match STEPS.get(self.step.number()) {
            Some(&s) => {
                self.step = s;
                true
            }
            None => false,
        }
    }

    /// Moves on when the cluster did what the step waits for: the leader it named no longer
    /// leads (killed, or replaced by a higher term's leader), then another node leads.
    pub fn observe(&mut self, leader: Option<NodeId>) {
        match self.step {
            TourStep::KillLeader => match (self.victim, leader) {
                (None, l) => self.victim = l,
                (Some(v), l) if l != Some(v) => self.step = TourStep::Election,
                _ => {}
            },
            TourStep::Election if leader.is_some() && leader != self.victim => self.step = TourStep::Done,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_walks_the_explained_steps_then_waits_for_the_student() {
        let mut t = Tour::default();
        assert_eq!(t.step.number(), 1);
        for expected in [TourStep::Heartbeats, TourStep::Timers, TourStep::KillLeader] {
            assert!(t.next());
            assert_eq!(t.step, expected);
        }
        assert!(!t.step.has_next_button());
        // The same leader keeps the step where it is.
        t.observe(Some(2));
        t.observe(Some(2));
        assert_eq!(t.step, TourStep::KillLeader);
        t.observe(None);
        assert_eq!(t.step, TourStep::Election);
        t.observe(None);
        assert_eq!(t.step, TourStep::Election);
        t.observe(Some(2));
        assert_eq!(t.step, TourStep::Election, "the old leader back (a step back in time) is no new leader");
        t.observe(Some(4));
        assert_eq!(t.step, TourStep::Done);
        assert!(!t.next(), "the last step ends the tour");
    }

    #[test]
    fn a_tour_started_during_an_election_waits_for_a_leader_to_kill() {
        let mut t = Tour { step: TourStep::KillLeader, victim: None };
        t.observe(None);
        assert_eq!(t.step, TourStep::KillLeader);
        t.observe(Some(3));
        assert_eq!(t.step, TourStep::KillLeader);
        t.observe(Some(5));
        assert_eq!(t.step, TourStep::Election, "a new leader means the old one is gone");
    }

    #[test]
    fn texts_name_the_leader_when_there_is_one() {
        assert!(TourStep::Leader.text(Some(3)).contains("node 3"));
        assert!(TourStep::Done.text(Some(4)).starts_with("Node 4"));
        assert!(TourStep::KillLeader.text(None).contains("the leader"));
        assert_eq!(TourStep::count(), 6);
    }
}
