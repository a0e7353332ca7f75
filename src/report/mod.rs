//! The report of a run: one `Summary` that a person reads on the terminal and a machine
//! parses as JSON (`summary.json`, `--json`); the result files beside the journal; the
//! comparison with the scenario's thresholds; the comparison of one result with another
//! (`bench --baseline`, `compare`), with repeated samples summed up in `stats` and JUnit
//! output for CI; and the typed outcome that maps to an exit code.

pub mod compare;
pub mod economics;
mod junit;
mod metrics;
mod outcome;
mod render;
mod results;
mod stats;
mod summary;
mod thresholds;

pub use junit::{Case, CaseOutcome, junit_xml};
pub use metrics::{Better, flatten};
pub use outcome::Outcome;
pub use render::{located, render_summary, render_verdict, virtual_date};
pub use results::{ClaimError, ResultsDir, WriteError, write_results};
pub use stats::Stat;
pub use summary::{
    BreachReport, Percentiles, PersonaReport, RunLabels, StallReport, Summary, Throughput,
    check_thresholds,
};
pub use thresholds::{Breach, breaches};
