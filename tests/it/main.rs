//! The one integration-test crate; each module covers one part of creditsim.

mod actor;
mod cli_pricing;
mod pricing;
mod scenario;
mod support;
