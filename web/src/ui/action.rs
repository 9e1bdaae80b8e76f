//! Everything the user can do, as one message type. Actions that change the cluster carry an
//! `Intervention` and go through the simulator: the view never edits a node.

use raft_core::sim::{Intervention, MessageId};
use raft_core::{Config, NodeId, Time};

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
    /// Plays on from a story's beat (the story's end still stops it).
    Continue,
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
    /// Opens a kvsim trace (the text of its file) in the trace viewer.
    OpenTrace(String),
    /// Leaves the trace viewer for the simulation.
    CloseTrace,
    /// Opens a dropped file: a trace (`.jsonl`) or a run.
    Dropped { name: String, text: String },
    /// Says something in the notice line.
    Notice(String),
    /// The space-time diagram was opened (true) or closed.
    SpaceTime(bool),
    /// The space-time diagram's window, in virtual microseconds.
    SpaceTimeSpan(Time),
    /// Moves the present to this virtual time (back by exact replay, forward by simulating).
    Seek(Time),
    /// Moves the present by this many microseconds (negative: back).
    SeekBy(i64),
    /// Goes back to just after the previous event.
    StepBack,
    /// Goes to the furthest point reached in this run.
    JumpToEnd,
    /// Starts a guided scenario by its id ("" for free play with a fresh seed).
    LoadScenario(String),
    /// Replays the same seed and interventions with other protocol switches.
    SetRaft(Config),
    /// Moves a node to side B (`true`) or A of the partition being drawn.
    PartitionSide(NodeId, bool),
    /// Applies the partition being drawn.
    ApplyPartition,
    /// Copies a link to this run (with the time cursor) to the clipboard and the address bar.
    CopyLink,
    /// The link was copied to the clipboard (true) or the browser refused (false).
    Copied(bool),
    /// Starts the tour from its first step.
    TourStart,
    /// Goes to the tour's next step.
    TourNext,
    /// Ends (or skips) the tour, remembered in this browser.
    TourEnd,
    /// Switches large type for a projector on or off.
    Projector,
    /// Shows or hides the keyboard cheat sheet.
    CheatSheet(bool),
    /// An animation frame at this timestamp (milliseconds).
    Frame(f64),
    Key(String),
}
