//! The one integration-test crate; each module covers one part of creditsim.

mod actor;
mod bench;
mod check;
mod cli_check;
mod cli_pricing;
mod compare;
mod faults;
mod journal;
mod journals;
mod ledger_model;
mod ledger_rules;
mod pricing;
mod run;
mod scenario;
mod support;
mod thresholds;
