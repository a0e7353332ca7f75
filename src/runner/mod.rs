//! The runner: spawns account and user-agent actors, drives a scenario, and gathers what
//! happened for the report.

pub mod clock;
pub mod faults;
pub mod latency;
