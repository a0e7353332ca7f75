//! The report of a run: one `Summary` that a person reads on the terminal and a machine
//! parses as JSON (`summary.json`, `--json`); the result files beside the journal; the
//! comparison with the scenario's thresholds; and the typed outcome that maps to an exit
//! code.

mod metrics;
mod outcome;
mod render;
mod results;
mod summary;
mod thresholds;

pub use metrics::{Better, Metrics, flatten};
pub use outcome::Outcome;
pub use render::{render_summary, render_verdict};
pub use results::{WriteError, write_results};
pub use summary::{
    BreachReport, Percentiles, RunLabels, StallReport, Summary, Throughput, check_thresholds,
};
pub use thresholds::{Breach, breaches, check_metrics_exist};
