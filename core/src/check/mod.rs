//! Correctness checks over what clients observed.
//!
//! [`linearizability`] decides whether a recorded key-value client history
//! could have been produced by a single, atomic register per key; [`own_writes`] checks
//! the graded simulator's stricter read rule.

pub mod linearizability;
pub mod own_writes;

pub use linearizability::{
    check, check_with_budget, KeyReport, OpKind, Operation, Report, Verdict,
    DEFAULT_MAX_STEPS_PER_KEY,
};
