//! Reading a result file for a comparison. A bench report (`"kind": "creditsim-bench"`)
//! carries its measures with their samples, units and directions; any other JSON object
//! (`summary.json`, `economics.json`, a format not yet written) is flattened, each number a
//! single-sample measure whose direction is read from its name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{Measure, Measures};
use crate::report::metrics::{Better, flatten};
use crate::report::stats::Stat;

/// The value of `kind` in a bench report.
pub(crate) const BENCH_KIND: &str = "creditsim-bench";

/// A result, ready to compare.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// Its metrics by name, with unit, direction and samples.
    pub measures: Measures,
    /// What produced it, for the reader: a bench report's provenance, or a result's
    /// top-level labels (scenario, vendor, ledger, ...).
    pub labels: BTreeMap<String, String>,
}

/// Why a result file cannot be compared; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// It could not be read.
    #[error("{}: cannot read it", path.display())]
    Io {
        /// The result file as its path was given.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// It is not JSON, or not a result.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The result file as its path was given.
        path: PathBuf,
        /// Where and what (line and column for a syntax error).
        message: String,
    },
}

#[derive(Deserialize)]
struct BenchFile {
    #[serde(default)]
    provenance: BTreeMap<String, serde_json::Value>,
    measures: Measures,
}

/// Reads the result at `path`.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let text = crate::input::read_text(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let invalid = |message: String| LoadError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|err| {
        invalid(format!(
            "line {} column {}: {err}",
            err.line(),
            err.column()
        ))
    })?;
    let Some(object) = value.as_object() else {
        return Err(invalid("expected a JSON object of results".into()));
    };
    let loaded = match object.get("kind").and_then(|k| k.as_str()) {
        Some(BENCH_KIND) => {
            let file: BenchFile = serde_json::from_value(value.clone())
                .map_err(|err| invalid(format!("not a valid bench report: {err}")))?;
            Loaded {
                labels: labels(&file.provenance),
                measures: file.measures,
            }
        }
        _ => generic(object),
    };
    match loaded.measures.is_empty() {
        true => Err(invalid("it reports no numbers to compare".into())),
        false => Ok(loaded),
    }
}

/// Any JSON object: its numbers as single-sample measures, its top-level words as labels.
fn generic(object: &serde_json::Map<String, serde_json::Value>) -> Loaded {
    let value = serde_json::Value::Object(object.clone());
    let measures = (flatten(&value).into_iter())
        .map(|(name, number)| {
            let measure = Measure {
                unit: String::new(),
                better: Better::by_name(&name),
                workload: String::new(),
                tolerance_pct: None,
                stat: Stat::of(vec![number]),
                floor: None,
                vs_floor: None,
            };
            (name, measure)
        })
        .collect();
    let words = object
        .iter()
        .filter(|(_, v)| v.is_string() || v.is_boolean());
    Loaded {
        measures,
        labels: labels(&words.map(|(k, v)| (k.clone(), v.clone())).collect()),
    }
}

fn labels(values: &BTreeMap<String, serde_json::Value>) -> BTreeMap<String, String> {
    let text = |value: &serde_json::Value| match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    values.iter().map(|(k, v)| (k.clone(), text(v))).collect()
}
