//! The report of a run: one `Summary` that a person reads on the terminal and a machine
//! parses as JSON (`summary.json`, `--json`); the result files beside the journal; the
//! comparison with the scenario's thresholds; and the typed outcome that maps to an exit
//! code.

pub mod economics;
mod outcome;
mod render;
mod results;
mod summary;
mod thresholds;

pub use outcome::Outcome;
pub use render::{located, render_summary, render_verdict, virtual_date};
pub use results::{ClaimError, ResultsDir, WriteError, write_results};
pub use summary::{BreachReport, Percentiles, RunLabels, StallReport, Summary, Throughput};
pub use thresholds::{Bound, Breach, Observed, breaches};
