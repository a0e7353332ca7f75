//! What the user decides about a comparison, by metric-name pattern (`*` matches any run of
//! characters, `?` one): tolerances, directions for metrics whose names do not say, which
//! metrics may fail the command, and how wide a spread is too noisy to judge.

use wildmatch::WildMatch;

use crate::report::metrics::Better;

/// A metric-name pattern, kept with its text for messages.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// As the user wrote it.
    pub text: String,
    matcher: WildMatch,
}

impl Pattern {
    /// The pattern `text`.
    pub fn new(text: &str) -> Pattern {
        Pattern {
            text: text.to_string(),
            matcher: WildMatch::new(text),
        }
    }

    /// Whether `name` matches.
    pub fn matches(&self, name: &str) -> bool {
        self.matcher.matches(name)
    }
}

/// A `PATTERN=VALUE` argument that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("`{given}`: expected PATTERN={expected}, such as `{example}`")]
pub struct PatternError {
    /// What was given.
    pub given: String,
    /// What the value should be.
    pub expected: &'static str,
    /// A valid argument, such as `latency_*=50`, shown in the message.
    pub example: &'static str,
}

/// The tolerances, directions, gates and noise limit that one comparison judges by.
#[derive(Clone, Debug)]
pub struct Rules {
    /// Tolerances in %, by pattern; the last pattern that matches wins.
    pub tolerances: Vec<(Pattern, f64)>,
    /// The tolerance of a metric that neither the user nor its result sets.
    pub default_tolerance_pct: f64,
    /// Directions, by pattern, overriding the result's or the name's; the last match wins.
    pub directions: Vec<(Pattern, Better)>,
    /// The metrics whose regression fails the command; empty means every metric.
    pub gate: Vec<Pattern>,
    /// A metric whose median's interval is wider than this, in % of the median, on either
    /// side is noisy and not judged.
    pub noisy_above_pct: f64,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            tolerances: Vec::new(),
            default_tolerance_pct: Rules::DEFAULT_TOLERANCE_PCT,
            directions: Vec::new(),
            gate: Vec::new(),
            noisy_above_pct: Rules::DEFAULT_NOISY_ABOVE_PCT,
        }
    }
}

impl Rules {
    /// The default tolerance: timings on a shared machine move this much between runs.
    pub(crate) const DEFAULT_TOLERANCE_PCT: f64 = 10.0;
    /// The default noise limit on a median's interval.
    pub const DEFAULT_NOISY_ABOVE_PCT: f64 = 25.0;

    /// The tolerance for `name`: the user's, else the result's own, else the default.
    pub(crate) fn tolerance_pct(&self, name: &str, own: Option<f64>) -> f64 {
        let users = self.tolerances.iter().rev().find(|(p, _)| p.matches(name));
        (users.map(|(_, pct)| *pct))
            .or(own)
            .unwrap_or(self.default_tolerance_pct)
    }

    /// The user's direction for `name`, if one is set.
    pub fn better(&self, name: &str) -> Option<Better> {
        let found = self.directions.iter().rev().find(|(p, _)| p.matches(name));
        found.map(|(_, better)| *better)
    }

    /// Whether a regression of `name` fails the command.
    pub fn gated(&self, name: &str) -> bool {
        self.gate.is_empty() || self.gate.iter().any(|p| p.matches(name))
    }

    /// Parses `PATTERN=PCT` (a tolerance of 0 or more).
    pub fn parse_tolerance(text: &str) -> Result<(Pattern, f64), PatternError> {
        let error = || PatternError {
            given: text.to_string(),
            expected: "PCT (a number of 0 or more)",
            example: "latency_*=50",
        };
        let (pattern, pct) = text.rsplit_once('=').ok_or_else(error)?;
        let pct: f64 = pct.trim().parse().map_err(|_| error())?;
        match pct.is_finite() && pct >= 0.0 && !pattern.is_empty() {
            true => Ok((Pattern::new(pattern), pct)),
            false => Err(error()),
        }
    }

    /// Parses `PATTERN=higher|lower|neither`.
    pub fn parse_direction(text: &str) -> Result<(Pattern, Better), PatternError> {
        let error = || PatternError {
            given: text.to_string(),
            expected: "higher|lower|neither",
            example: "breakage*=lower",
        };
        let (pattern, word) = text.rsplit_once('=').ok_or_else(error)?;
        let better = match word.trim() {
            "higher" => Better::Higher,
            "lower" => Better::Lower,
            "neither" => Better::Neither,
            _ => return Err(error()),
        };
        match pattern.is_empty() {
            true => Err(error()),
            false => Ok((Pattern::new(pattern), better)),
        }
    }
}
