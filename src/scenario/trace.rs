//! Traces: a run's steps as CSV, written by `creditsim generate` and replayed exactly.
//!
//! One row per step, in index order (a row's index is its row number from 0). Columns:
//!
//! | column | meaning |
//! |---|---|
//! | `send_at_us` | intended send time, real µs from the start (empty for closed arrival) |
//! | `agent`, `account` | who takes the step; must match the scenario's `[[accounts]]` |
//! | `action`, `params` | what is priced; params as `k=v;k=v` (empty for none) |
//! | `fails` | `true` if the generation fails |
//! | `duration_ms` | generation time, virtual ms |
//! | `actual_permille` | where a variable cost lands in `[min, max]`, 0..=1000 |
//! | `faults` | injected faults, `;`-separated names (`lost-reply;actor-crash`) |

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::pricing::Params;

use super::AgentId;
use super::catalog::Catalog;
use super::error::{Location, ScenarioError};
use super::faults::{Fault, StepFaults};
use super::population::AgentSetup;
use super::step::{PERMILLE_MAX, Step};

/// The header every trace starts with.
pub(crate) const HEADER: [&str; 9] = [
    "send_at_us",
    "agent",
    "account",
    "action",
    "params",
    "fails",
    "duration_ms",
    "actual_permille",
    "faults",
];

/// The most rows a trace may have, so that a runaway file fails cleanly instead of
/// exhausting memory.
pub(crate) const MAX_ROWS: usize = 50_000_000;

/// A validated trace, held in memory and shared by every agent's step generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    path: PathBuf,
    rows: Vec<Step>,
    by_agent: Vec<Vec<usize>>,
}

impl Trace {
    /// A trace of `steps`, which are already valid for a scenario with `agents` agents, as
    /// if read from `path`: `creditsim shrink` builds its smaller traces from a run's own
    /// steps. Each step's index becomes its row number, as in a trace file.
    pub(crate) fn from_steps(path: PathBuf, steps: Vec<Step>, agents: usize) -> Trace {
        let mut by_agent = vec![Vec::new(); agents];
        let mut rows = steps;
        for (row, step) in rows.iter_mut().enumerate() {
            step.index = row as u64;
            let agent = step.agent as usize;
            if agent >= by_agent.len() {
                by_agent.resize(agent + 1, Vec::new());
            }
            by_agent[agent].push(row);
        }
        Trace {
            path,
            rows,
            by_agent,
        }
    }

    /// The file it came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of steps.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it has no steps (never true for a loaded trace).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Step `index` (row `index` from 0).
    pub fn row(&self, index: usize) -> Option<&Step> {
        self.rows.get(index)
    }

    /// The `k`-th step of `agent`.
    pub(crate) fn agent_row(&self, agent: AgentId, k: usize) -> Option<&Step> {
        let index = *self.by_agent.get(agent as usize)?.get(k)?;
        self.rows.get(index)
    }

    /// Whether rows carry send times (open arrival).
    pub(crate) fn is_open(&self) -> bool {
        self.rows.first().is_some_and(|s| s.send_at_us.is_some())
    }

    /// The average rate of an open-arrival trace, steps per second (at least 1).
    pub fn rate_per_s(&self) -> u64 {
        let last_us = self.rows.iter().filter_map(|s| s.send_at_us).max();
        let gaps = self.rows.len().saturating_sub(1) as u64;
        match last_us {
            Some(last_us) if last_us > 0 && gaps > 0 => {
                (u128::from(gaps) * 1_000_000 / u128::from(last_us)).max(1) as u64
            }
            _ => self.rows.len().max(1) as u64,
        }
    }
}

/// Writes `steps` as a trace and returns how many rows were written.
pub fn write(steps: impl Iterator<Item = Step>, out: impl Write) -> Result<u64, csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    let mut rows = 0;
    for step in steps {
        writer.write_record([
            step.send_at_us.map(|t| t.to_string()).unwrap_or_default(),
            step.agent.to_string(),
            step.account.to_string(),
            step.action.to_string(),
            encode_params(&step.params),
            step.fails.to_string(),
            step.duration_ms.to_string(),
            step.actual_permille.to_string(),
            step.faults.to_string(),
        ])?;
        rows += 1;
    }
    writer.flush()?;
    Ok(rows)
}

/// `k=v;k=v`, keys in order.
pub(crate) fn encode_params(params: &Params) -> String {
    let pairs: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(";")
}

/// Parses `k=v;k=v` (empty for no parameters).
pub(crate) fn decode_params(text: &str) -> Result<Params, String> {
    let mut params = BTreeMap::new();
    for pair in text.split(';').filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!(
                "expected k=v pairs separated by ';', got \"{pair}\""
            ));
        };
        if key.is_empty() || params.insert(key.to_string(), value.to_string()).is_some() {
            return Err(format!(
                "expected distinct non-empty keys, got \"{key}\" in \"{pair}\""
            ));
        }
    }
    Ok(params)
}

/// Reads and validates the trace at `path` for a scenario whose agents are `agents`:
/// every row's agent must exist and belong to its account, every action must be priceable,
/// and all rows must agree on whether they carry send times.
pub fn read(
    path: &Path,
    agents: &[AgentSetup],
    catalog: &dyn Catalog,
) -> Result<Trace, ScenarioError> {
    let text = crate::input::read_text(path).map_err(|source| ScenarioError::Io {
        path: path.to_path_buf(),
        what: "cannot read trace",
        source,
    })?;
    parse(&text, path, agents, catalog)
}

/// Validates trace `text` as if read from `path` (which names it in errors), as [`read`]
/// does; the fuzz targets and property tests feed it text without a file.
pub fn parse(
    text: &str,
    path: &Path,
    agents: &[AgentSetup],
    catalog: &dyn Catalog,
) -> Result<Trace, ScenarioError> {
    Reader {
        path,
        text,
        agents,
        catalog,
        priced: HashSet::new(),
    }
    .read()
}

struct Reader<'a> {
    path: &'a Path,
    text: &'a str,
    agents: &'a [AgentSetup],
    catalog: &'a dyn Catalog,
    priced: HashSet<(Arc<str>, String)>,
}

/// One CSV record with where each of its fields starts.
struct Row<'a> {
    record: &'a csv::StringRecord,
    line: usize,
    columns: Vec<usize>,
}

impl Reader<'_> {
    fn read(mut self) -> Result<Trace, ScenarioError> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(self.text.as_bytes());
        let mut rows: Vec<Step> = Vec::new();
        let mut by_agent = vec![Vec::new(); self.agents.len()];
        let mut record = csv::StringRecord::new();
        let mut header_seen = false;
        loop {
            let more = csv
                .read_record(&mut record)
                .map_err(|e| self.csv_error(&e))?;
            if !more {
                break;
            }
            let row = self.row(&record);
            if !header_seen {
                self.check_header(&row)?;
                header_seen = true;
                continue;
            }
            if rows.len() >= MAX_ROWS {
                return Err(self.at(&row, 0, None, format!("expected at most {MAX_ROWS} rows")));
            }
            let step = self.step(&row, &rows, &by_agent)?;
            by_agent[step.agent as usize].push(rows.len());
            rows.push(step);
        }
        if rows.is_empty() {
            let at = Location::at_offset(self.path, self.text, self.text.len());
            return Err(ScenarioError::Invalid {
                at,
                field: None,
                message: "expected at least one step after the header".to_string(),
            });
        }
        Ok(Trace {
            path: self.path.to_path_buf(),
            rows,
            by_agent,
        })
    }

    fn row<'r>(&self, record: &'r csv::StringRecord) -> Row<'r> {
        let line = record.position().map_or(1, |p| p.line() as usize);
        // The record's own byte offset, not a search for its line: finding the line by
        // counting from the top made loading quadratic in the rows.
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let rest = self.text.get(start..).unwrap_or("");
        let text = rest.lines().next().unwrap_or("");
        Row {
            record,
            line,
            columns: field_columns(text),
        }
    }

    fn check_header(&self, row: &Row<'_>) -> Result<(), ScenarioError> {
        let found: Vec<&str> = row.record.iter().collect();
        if found == HEADER {
            return Ok(());
        }
        Err(self.at(
            row,
            0,
            None,
            format!(
                "expected the header \"{}\", got \"{}\"",
                HEADER.join(","),
                found.join(",")
            ),
        ))
    }

    /// Row `rows.len()`, validated against the rows before it.
    fn step(
        &mut self,
        row: &Row<'_>,
        rows: &[Step],
        by_agent: &[Vec<usize>],
    ) -> Result<Step, ScenarioError> {
        if row.record.len() != HEADER.len() {
            let message = format!("expected {} fields, got {}", HEADER.len(), row.record.len());
            return Err(self.at(row, 0, None, message));
        }
        let send_at_us = self.send_at(row, rows.last())?;
        let agent: AgentId = self.number(row, 1)?;
        let slot = self.agents.get(agent as usize).copied().ok_or_else(|| {
            let message = format!(
                "expected an agent id below {} (the scenario's agent count), got {agent}",
                self.agents.len()
            );
            self.at(row, 1, Some(HEADER[1]), message)
        })?;
        let account: u32 = self.number(row, 2)?;
        if account != slot.account {
            let message = format!(
                "expected {} (agent {agent}'s account), got {account}",
                slot.account
            );
            return Err(self.at(row, 2, Some(HEADER[2]), message));
        }
        let earlier = by_agent[agent as usize]
            .last()
            .and_then(|&i| rows[i].send_at_us);
        if let (Some(now), Some(before)) = (send_at_us, earlier)
            && now < before
        {
            let message = format!(
                "expected a time not before agent {agent}'s previous step ({before}), got {now}"
            );
            return Err(self.at(row, 0, Some(HEADER[0]), message));
        }
        let (action, params) = self.action(row)?;
        Ok(Step {
            index: rows.len() as u64,
            agent,
            account,
            send_at_us,
            action,
            params,
            fails: self.boolean(row, 5)?,
            duration_ms: self.number(row, 6)?,
            actual_permille: self.permille(row)?,
            faults: self.faults(row)?,
        })
    }

    fn send_at(
        &self,
        row: &Row<'_>,
        previous: Option<&Step>,
    ) -> Result<Option<u64>, ScenarioError> {
        let raw = &row.record[0];
        let value = if raw.is_empty() {
            None
        } else {
            Some(self.number(row, 0)?)
        };
        match previous {
            Some(p) if p.send_at_us.is_some() != value.is_some() => {
                let want = if p.send_at_us.is_some() {
                    "a send time, as every earlier row has"
                } else {
                    "no send time, as no earlier row has"
                };
                Err(self.at(
                    row,
                    0,
                    Some(HEADER[0]),
                    format!("expected {want}, got \"{raw}\""),
                ))
            }
            _ => Ok(value),
        }
    }

    fn action(&mut self, row: &Row<'_>) -> Result<(Arc<str>, Arc<Params>), ScenarioError> {
        let action: Arc<str> = row.record[3].into();
        if action.is_empty() {
            return Err(self.at(
                row,
                3,
                Some(HEADER[3]),
                "expected an action id, got nothing",
            ));
        }
        let params =
            decode_params(&row.record[4]).map_err(|m| self.at(row, 4, Some(HEADER[4]), m))?;
        let cache_key = (Arc::clone(&action), encode_params(&params));
        if !self.priced.contains(&cache_key) {
            self.catalog.check_action(&action, &params).map_err(|why| {
                self.at(
                    row,
                    3,
                    Some(HEADER[3]),
                    priced_message(&action, &params, &why),
                )
            })?;
            self.priced.insert(cache_key);
        }
        Ok((action, Arc::new(params)))
    }

    fn number<T: std::str::FromStr>(&self, row: &Row<'_>, i: usize) -> Result<T, ScenarioError> {
        let raw = &row.record[i];
        raw.parse().map_err(|_| {
            let message = format!("expected a whole number, got \"{raw}\"");
            self.at(row, i, Some(HEADER[i]), message)
        })
    }

    fn boolean(&self, row: &Row<'_>, i: usize) -> Result<bool, ScenarioError> {
        match &row.record[i] {
            "true" => Ok(true),
            "false" => Ok(false),
            raw => Err(self.at(
                row,
                i,
                Some(HEADER[i]),
                format!("expected true or false, got \"{raw}\""),
            )),
        }
    }

    fn permille(&self, row: &Row<'_>) -> Result<u16, ScenarioError> {
        let value: u16 = self.number(row, 7)?;
        if value > PERMILLE_MAX {
            let message = format!("expected a number from 0 to {PERMILLE_MAX}, got {value}");
            return Err(self.at(row, 7, Some(HEADER[7]), message));
        }
        Ok(value)
    }

    fn faults(&self, row: &Row<'_>) -> Result<StepFaults, ScenarioError> {
        let mut faults = StepFaults::default();
        for name in row.record[8].split(';').filter(|n| !n.is_empty()) {
            let fault: Fault = name.parse().map_err(|e: super::faults::UnknownFault| {
                self.at(row, 8, Some(HEADER[8]), e.to_string())
            })?;
            if fault == Fault::GenerationFailure {
                let message = "generation-failure is recorded in the `fails` column, not here";
                return Err(self.at(row, 8, Some(HEADER[8]), message));
            }
            faults.insert(fault);
        }
        Ok(faults)
    }

    fn at(
        &self,
        row: &Row<'_>,
        i: usize,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError::Invalid {
            at: Location {
                path: self.path.to_path_buf(),
                line: row.line,
                column: row.columns.get(i).copied().unwrap_or(1),
            },
            field: field.map(str::to_string),
            message: message.into(),
        }
    }

    fn csv_error(&self, err: &csv::Error) -> ScenarioError {
        let line = err.position().map_or(1, |p| p.line() as usize);
        ScenarioError::Invalid {
            at: Location {
                path: self.path.to_path_buf(),
                line,
                column: 1,
            },
            field: None,
            message: format!("expected a CSV row: {err}"),
        }
    }
}

/// The message for an action the vendor cannot price.
pub(crate) fn priced_message(action: &str, params: &Params, why: &str) -> String {
    let params = match encode_params(params) {
        p if p.is_empty() => "no params".to_string(),
        p => format!("params \"{p}\""),
    };
    format!("the vendor cannot price action \"{action}\" with {params}: {why}")
}

/// The 1-based character column where each field of a CSV line starts, honouring quotes.
fn field_columns(line: &str) -> Vec<usize> {
    let mut columns = vec![1];
    let mut quoted = false;
    for (i, c) in line.chars().enumerate() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => columns.push(i + 2),
            _ => {}
        }
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_columns_skip_quoted_commas() {
        assert_eq!(field_columns("a,bb,,c"), vec![1, 3, 6, 7]);
        assert_eq!(field_columns("\"x,y\",z"), vec![1, 7]);
    }

    #[test]
    fn params_round_trip_and_reject_garbage() {
        let params: Params = [("quality", "pro"), ("scenes", "5")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
        let text = encode_params(&params);
        assert_eq!(text, "quality=pro;scenes=5");
        assert_eq!(decode_params(&text).unwrap(), params);
        assert_eq!(decode_params("").unwrap(), Params::new());
        assert!(decode_params("scenes").unwrap_err().contains("k=v"));
        assert!(decode_params("a=1;a=2").unwrap_err().contains("distinct"));
        assert!(decode_params("=1").is_err());
    }
}
