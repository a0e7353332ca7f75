//! The one integration-test crate; each module covers one part of creditsim.

mod check;
mod cli_check;
mod journal;
mod journals;
mod support;
