//! STUB: comes in a later change.
