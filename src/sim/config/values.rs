//! Number checks for economics scenarios: each names the field and says what was expected.

use toml::Spanned;

use crate::scenario::{ScenarioError, SourceText};

/// A whole number in `min..=max`.
pub(super) fn bounded(
    src: SourceText<'_>,
    v: &Spanned<i64>,
    field: &str,
    min: u64,
    max: u64,
) -> Result<u64, ScenarioError> {
    let n = *v.get_ref();
    match u64::try_from(n) {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => {
            let message = format!("expected a whole number from {min} to {max}, got {n}");
            Err(src.error(v.span(), field, message))
        }
    }
}

/// A whole number in `min..=u32::MAX`, or `default` when absent.
pub(super) fn count_or(
    src: SourceText<'_>,
    v: Option<&Spanned<i64>>,
    field: &str,
    min: u64,
    default: u32,
) -> Result<u32, ScenarioError> {
    match v {
        // The bound keeps it within u32.
        Some(v) => Ok(bounded(src, v, field, min, u64::from(u32::MAX))? as u32),
        None => Ok(default),
    }
}

/// A probability, or `default` when absent.
pub(super) fn probability_or(
    src: SourceText<'_>,
    v: Option<&Spanned<f64>>,
    field: &str,
    default: f64,
) -> Result<f64, ScenarioError> {
    let Some(v) = v else {
        return Ok(default);
    };
    let p = *v.get_ref();
    if (0.0..=1.0).contains(&p) {
        return Ok(p);
    }
    let message = format!("expected a probability from 0 to 1, got {p}");
    Err(src.error(v.span(), field, message))
}

/// A non-empty id without spaces.
pub(super) fn id(
    src: SourceText<'_>,
    v: &Spanned<String>,
    field: &str,
) -> Result<String, ScenarioError> {
    let text = v.get_ref();
    if text.trim().is_empty() || text.contains(char::is_whitespace) {
        let message = format!("expected a non-empty id without spaces, got \"{text}\"");
        return Err(src.error(v.span(), field, message));
    }
    Ok(text.clone())
}
