//! Ledger benchmarks. STUB.
#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn
use criterion::{Criterion, criterion_group, criterion_main};
fn noop(c: &mut Criterion) {
    c.bench_function("noop", |b| b.iter(|| 1 + 1));
}
criterion_group!(benches, noop);
criterion_main!(benches);
