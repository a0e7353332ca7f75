//! The one integration-test crate; each module covers one part of creditsim.

mod actor;
mod audit;
mod bench;
mod check;
mod cli_check;
mod cli_pricing;
mod compare;
mod economics;
mod faults;
mod journal;
mod journal_torn;
mod journals;
mod ledger_model;
mod ledger_rules;
mod model_sweep;
mod mutated_inputs;
mod personas;
mod postgres;
mod pricing;
mod results_dir;
mod run;
mod scenario;
mod support;
mod sweep;
mod tamper;
mod thresholds;
