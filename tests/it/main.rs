//! The one integration-test crate; each module covers one part of creditsim.

mod check;
mod journals;
mod support;
