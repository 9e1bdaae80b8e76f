//! Everything the user can do, as one message type. Actions that change the cluster carry an
//! `Intervention` and go through the simulator: the view never edits a node.

use raft_core::sim::{Intervention, MessageId};
use raft_core::NodeId;

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Changes the cluster: stamped with the current virtual time and applied by the simulator.
    Intervene(Intervention),
    /// Crashes whoever leads now (a shortcut for an `Intervene(Crash)`).
    KillLeader,
    /// Cuts the current leader off from the others (a shortcut for an `Intervene(Partition)`).
    IsolateLeader,
    SelectNode(NodeId),
    SelectMessage(MessageId),
    CloseInspector,
    TogglePlay,
    /// Pauses and advances to the next thing that happens.
    Step,
    SetSpeed(usize),
    /// Starts over with a fresh random seed.
    NewSeed,
    /// Starts over with this seed.
    UseSeed(u64),
    /// Saves the run (seed, config and interventions) in the browser's storage.
    Save,
    /// Replays the run saved in the browser's storage.
    Load,
    /// Downloads the run as a JSON file.
    Export,
    /// Replays a run from the text of a JSON file.
    Import(String),
    /// An animation frame at this timestamp (milliseconds).
    Frame(f64),
    Key(String),
}
