//! A session with time travel. The present can move anywhere between the start of the run and
//! the furthest point reached (the horizon): forward by simulating, back by replaying the run
//! (seed, configuration, interventions) from the start, which is exact because the simulator
//! is deterministic. Acting in the past branches: the interventions after that moment are
//! forgotten and a new future starts from there.

use super::timeline::Timeline;
use raft_core::sim::{Intervention, Run, Sim};
use raft_core::{ConfigError, Time};

/// Long jumps run in slices of this much virtual time, so that the timeline reads every event
/// before the simulator's bounded event log discards old ones.
const SLICE_US: Time = 2_000_000;

pub struct Session {
    pub sim: Sim,
    pub timeline: Timeline,
}

impl Session {
    pub fn new(run: &Run) -> Result<Session, ConfigError> {
        let sim = Sim::replay(run)?;
        let mut timeline = Timeline::new();
        timeline.observe(&sim);
        Ok(Session { sim, timeline })
    }

    pub fn now(&self) -> Time {
        self.sim.now()
    }

    pub fn horizon(&self) -> Time {
        self.timeline.horizon
    }

    /// Whether the present is before the furthest point reached (an action now would branch).
    pub fn in_the_past(&self) -> bool {
        self.sim.now() < self.timeline.horizon
    }

    /// Simulates forward to `t` (no-op if `t` is not ahead).
    pub fn advance_to(&mut self, t: Time) {
        while self.sim.now() < t {
            let next = (self.sim.now() + SLICE_US).min(t);
            self.sim.run_until(next);
            self.timeline.observe(&self.sim);
        }
    }

    /// Processes the next happening.
    pub fn step(&mut self) -> Option<Time> {
        let t = self.sim.step();
        self.timeline.observe(&self.sim);
        t
    }

    /// Moves the present to `t`. Returns true if that meant replaying from the start (the
    /// caller's per-frame memory of the old present is then stale).
    pub fn seek(&mut self, t: Time) -> Result<bool, ConfigError> {
        if t >= self.sim.now() {
            self.advance_to(t);
            return Ok(false);
        }
        self.sim = Sim::replay(&self.sim.run())?;
        self.timeline.observe(&self.sim);
        self.advance_to(t);
        Ok(true)
    }

    /// The time of the last event before the present: where one step back goes.
    pub fn previous_event_time(&self) -> Time {
        let now = self.sim.now();
        let mut prev = self.sim.events().iter().rev().map(|e| e.at).find(|&at| at < now);
        if prev.is_none() {
            prev = self.timeline.marks.iter().rev().map(|m| m.at).find(|&at| at < now);
        }
        prev.unwrap_or(0)
    }

    /// Goes back to just after the previous event.
    pub fn step_back(&mut self) -> Result<bool, ConfigError> {
        let t = self.previous_event_time();
        self.seek(t)
    }

    /// Applies `what` now; in the past, the rest of the old future is forgotten first.
    pub fn intervene(&mut self, what: Intervention) -> Time {
        if self.in_the_past() {
            self.sim.truncate_future();
            self.timeline.truncate(&self.sim);
        }
        let at = self.sim.intervene(what);
        self.timeline.observe(&self.sim);
        at
    }

    pub fn run(&self) -> Run {
        self.sim.run()
    }
}
