//! The scenario file exactly as written: serde structs with spans, checked for shape only.
//! Meaning (ranges, cross-field rules, vendor ids) is checked in `build`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use toml::Spanned;

/// A whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub name: Option<Spanned<String>>,
    pub vendor: Spanned<String>,
    pub seed: Option<Spanned<i64>>,
    pub trace: Option<Spanned<String>>,
    pub accounts: Option<Vec<Spanned<RawAccounts>>>,
    pub workload: Option<Vec<Spanned<RawWorkload>>>,
    pub arrival: Option<Spanned<RawArrival>>,
    pub duration: Option<Spanned<RawDuration>>,
    pub generation: Option<Spanned<RawGeneration>>,
    pub hold: Option<RawHold>,
    pub clock: Option<Spanned<RawClock>>,
    pub thresholds: Option<RawThresholds>,
    pub faults: Option<Spanned<RawFaults>>,
    /// Values the vendor document leaves out (a pack's size, a price), given by the scenario.
    pub supplied: Option<Spanned<crate::pricing::Supplied>>,
}

/// One `[[accounts]]` group.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAccounts {
    pub count: Option<Spanned<i64>>,
    pub persona: Option<Spanned<String>>,
    pub plan: Option<Spanned<String>>,
    pub seats: Option<Spanned<i64>>,
    pub packs: Option<Vec<Spanned<String>>>,
    pub addon_units: Option<Spanned<i64>>,
    pub agents: Option<Spanned<i64>>,
}

/// One `[[workload]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWorkload {
    pub action: Spanned<String>,
    pub params: Option<Spanned<BTreeMap<String, Spanned<ParamValue>>>>,
    pub weight: Option<Spanned<i64>>,
    pub cost: Option<Spanned<RawCost>>,
}

/// `[[workload]] cost`: how the actual cost of a variable-cost action is drawn from its range:
/// `"uniform"` (the default), or `{ mean = M }`.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "expected \"uniform\" or { mean = M } with M within the action's cost range"
)]
pub(crate) enum RawCost {
    Named(String),
    Mean(RawMean),
}

/// `cost = { mean = M }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMean {
    pub mean: f64,
}

/// `[arrival]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawArrival {
    pub mode: Option<Spanned<ArrivalMode>>,
    pub think_ms: Option<Spanned<i64>>,
    pub rate_per_s: Option<Spanned<i64>>,
}

/// `arrival.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ArrivalMode {
    Closed,
    Open,
}

/// `[duration]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDuration {
    pub steps: Option<Spanned<i64>>,
    pub seconds: Option<Spanned<i64>>,
}

/// `[generation]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGeneration {
    pub distribution: Option<Spanned<DistKind>>,
    pub duration_ms: Option<Spanned<i64>>,
    pub min_ms: Option<Spanned<i64>>,
    pub max_ms: Option<Spanned<i64>>,
    pub mean_ms: Option<Spanned<i64>>,
    pub failure_probability: Option<Spanned<f64>>,
}

/// `generation.distribution`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum DistKind {
    Fixed,
    Uniform,
    Exponential,
}

/// `[hold]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHold {
    pub ttl_ms: Option<Spanned<i64>>,
}

/// `[clock]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClock {
    /// `virtual` or `paced`.
    pub mode: Option<Spanned<ClockModeName>>,
    pub speedup: Option<Spanned<i64>>,
    pub months: Option<Spanned<i64>>,
    pub start_ms: Option<Spanned<i64>>,
}

/// `[clock] mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ClockModeName {
    /// Per-agent virtual clocks.
    Virtual,
    /// The wall clock sped up.
    Paced,
}

/// `[thresholds]`: shorthand keys with a number, or the `max` and `min` tables whose
/// nested keys spell a metric's path. Which keys exist is checked in `build`, where the
/// error can list what is accepted.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub(crate) struct RawThresholds(pub BTreeMap<String, Spanned<RawLimit>>);

/// A value under `[thresholds]`: a number, or a table of further keys (`max.counts` in
/// `max.counts.insufficient = 10`), or something else, kept by its kind for the error.
#[derive(Debug)]
pub(crate) enum RawLimit {
    Integer(i64),
    Float(f64),
    Table(BTreeMap<String, Spanned<RawLimit>>),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for RawLimit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RawLimit, D::Error> {
        deserializer.deserialize_any(LimitVisitor)
    }
}

struct LimitVisitor;

impl<'de> Visitor<'de> for LimitVisitor {
    type Value = RawLimit;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number or a table of limits")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawLimit, E> {
        Ok(RawLimit::Integer(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawLimit, E> {
        Ok(i64::try_from(v).map_or(RawLimit::Float(v as f64), RawLimit::Integer))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawLimit, E> {
        Ok(RawLimit::Float(v))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<RawLimit, E> {
        Ok(RawLimit::Other("a string"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawLimit, E> {
        Ok(RawLimit::Other("a boolean"))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawLimit, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(RawLimit::Other("an array"))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<RawLimit, A::Error> {
        let mut table = BTreeMap::new();
        while let Some((key, value)) = map.next_entry::<String, Spanned<RawLimit>>()? {
            table.insert(key, value);
        }
        Ok(RawLimit::Table(table))
    }
}

/// `[faults]`: per-step probabilities.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFaults {
    pub generation_failure: Option<Spanned<f64>>,
    pub slow_generation: Option<Spanned<f64>>,
    pub duplicate_delivery: Option<Spanned<f64>>,
    pub lost_reply: Option<Spanned<f64>>,
    pub key_reuse: Option<Spanned<f64>>,
    pub duplicate_grant: Option<Spanned<f64>>,
    pub actor_crash: Option<Spanned<f64>>,
    pub cycle_boundary: Option<Spanned<f64>>,
}

/// A parameter value: a TOML string or integer, kept as the string the pricing model reads
/// (`scenes = 5` and `scenes = "5"` mean the same).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParamValue(pub String);

impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ParamValue, D::Error> {
        deserializer.deserialize_any(ParamVisitor)
    }
}

struct ParamVisitor;

impl Visitor<'_> for ParamVisitor {
    type Value = ParamValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an integer")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ParamValue, E> {
        Ok(ParamValue(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ParamValue, E> {
        Ok(ParamValue(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ParamValue, E> {
        Ok(ParamValue(v.to_string()))
    }
}
