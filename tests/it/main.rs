//! The one integration-test crate; each module covers one part of creditsim.

mod ledger_model;
mod ledger_rules;
mod support;
