//! The report of a run: one `Summary` that a person reads on the terminal and a machine
//! parses as JSON (`summary.json`, `--json`), plus `latency.csv`.

mod render;
mod summary;

pub use render::{render_summary, render_verdict};
pub use summary::{BreachReport, Percentiles, RunLabels, Summary, Throughput, latency_csv};
