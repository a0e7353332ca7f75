//! The number checks every section shares: each names the field and says what was expected.

use toml::Spanned;

use crate::scenario::error::{ScenarioError, SourceText};
use crate::scenario::limits;

pub(super) fn opt<T>(
    value: Option<&Spanned<i64>>,
    default: T,
    check: impl FnOnce(&Spanned<i64>) -> Result<T, ScenarioError>,
) -> Result<T, ScenarioError> {
    value.map_or(Ok(default), check)
}

pub(super) fn positive(
    src: SourceText<'_>,
    v: &Spanned<i64>,
    field: &str,
) -> Result<u64, ScenarioError> {
    let n = *v.get_ref();
    let positive = u64::try_from(n).ok().filter(|&n| n > 0).ok_or_else(|| {
        src.error(
            v.span(),
            field,
            format!("expected a positive integer, got {n}"),
        )
    })?;
    within_limit(src, v, field, positive)
}

/// Refuses a value past its field's documented limit (`scenario::limits`).
fn within_limit(
    src: SourceText<'_>,
    v: &Spanned<i64>,
    field: &str,
    n: u64,
) -> Result<u64, ScenarioError> {
    match limits::max_of(field) {
        Some(max) if n > max => Err(src.error(
            v.span(),
            field,
            format!("expected at most {max} (the limit of `{field}`), got {n}"),
        )),
        _ => Ok(n),
    }
}

pub(super) fn positive_u32(
    src: SourceText<'_>,
    v: &Spanned<i64>,
    field: &str,
) -> Result<u32, ScenarioError> {
    let n = positive(src, v, field)?;
    fit_u32(src, v, field, n)
}

pub(super) fn fit_u32(
    src: SourceText<'_>,
    v: &Spanned<i64>,
    field: &str,
    n: u64,
) -> Result<u32, ScenarioError> {
    u32::try_from(n).map_err(|_| {
        src.error(
            v.span(),
            field,
            format!("expected at most {}, got {n}", u32::MAX),
        )
    })
}

pub(super) fn non_negative(
    src: SourceText<'_>,
    v: &Spanned<i64>,
    field: &str,
) -> Result<u64, ScenarioError> {
    let n = *v.get_ref();
    let n = u64::try_from(n).map_err(|_| {
        src.error(
            v.span(),
            field,
            format!("expected an integer of 0 or more, got {n}"),
        )
    })?;
    within_limit(src, v, field, n)
}

pub(super) fn probability(
    src: SourceText<'_>,
    v: &Spanned<f64>,
    field: &str,
) -> Result<f64, ScenarioError> {
    let p = *v.get_ref();
    if (0.0..=1.0).contains(&p) {
        return Ok(p);
    }
    Err(src.error(
        v.span(),
        field,
        format!("expected a probability between 0 and 1, got {p}"),
    ))
}

pub(super) fn non_negative_rate(
    src: SourceText<'_>,
    v: &Spanned<f64>,
    field: &str,
) -> Result<f64, ScenarioError> {
    let x = *v.get_ref();
    if x.is_finite() && x >= 0.0 {
        return Ok(x);
    }
    Err(src.error(
        v.span(),
        field,
        format!("expected a number of 0 or more, got {x}"),
    ))
}
