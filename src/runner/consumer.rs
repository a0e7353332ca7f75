//! The journal consumer: takes each account's new events from the run's feed (in `seq`
//! order) and the agents' step records, feeds both to the online checker, and writes
//! `journal.csv` and `steps.csv`. One task does all of it, so the checker sees one
//! consistent order per account.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::oneshot;

use super::credits::CreditTotals;
use super::feed::JournalFeed;
use crate::check::{Checker, RunSetup, Verdict};
use crate::journal::{JournalError, JournalWriter, StepRecord, StepWriter};
use crate::ledger::{AccountId, Event, EventKind, Rejection, TimeMs};
use crate::scenario::AccountSetup;

/// What the consumer counted beside the checker's verdict.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SinkCounts {
    /// Credits per pool over every account.
    pub credits: CreditTotals,
    /// Events read.
    pub events: u64,
    /// Low-balance warnings raised.
    pub warnings: u64,
    /// Holds the accounts timed out.
    pub timed_out: u64,
    /// By the `persona` label of the scenario's accounts.
    pub personas: BTreeMap<String, PersonaCounts>,
}

/// What the journal showed of one persona's accounts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonaCounts {
    /// Credits per pool over the persona's accounts.
    pub credits: CreditTotals,
    /// Reserves refused for lack of credits: the steps of its blocked users.
    pub insufficient: u64,
}

/// The consumer's state.
pub(super) struct JournalConsumer {
    feed: Arc<JournalFeed>,
    /// `None` when the online checker is off.
    checker: Option<Checker>,
    journal: Option<JournalWriter<BufWriter<File>>>,
    steps: Option<StepWriter<BufWriter<File>>>,
    counts: SinkCounts,
    /// The events of one `drain`, swapped out of the feed so that its lock is held only for
    /// the swap: the backend appends under that lock, and checking and writing under it
    /// would stall the backend. Reused, so a drain allocates nothing once it has grown.
    batch: Vec<Event>,
    /// Each account's index in `personas` (empty: no persona tally).
    persona_of: Vec<usize>,
    /// Each persona's label and counts, in the order the scenario first names them.
    personas: Vec<(String, PersonaCounts)>,
}

impl JournalConsumer {
    /// A consumer of `feed`, writing into `out_dir` when given.
    pub(super) fn new(
        feed: Arc<JournalFeed>,
        online_check: bool,
        out_dir: Option<&Path>,
    ) -> Result<JournalConsumer, JournalError> {
        let (journal, steps) = match out_dir {
            Some(dir) => (
                Some(JournalWriter::new(BufWriter::new(create(
                    &dir.join("journal.csv"),
                )?))?),
                Some(StepWriter::new(BufWriter::new(create(
                    &dir.join("steps.csv"),
                )?))?),
            ),
            None => (None, None),
        };
        Ok(JournalConsumer {
            feed,
            checker: online_check.then(Checker::new),
            journal,
            steps,
            counts: SinkCounts::default(),
            batch: Vec::new(),
            persona_of: Vec::new(),
            personas: Vec::new(),
        })
    }

    /// Tallies credits and blocked steps by the accounts' `persona` labels.
    pub(super) fn with_personas(mut self, accounts: &[AccountSetup]) -> JournalConsumer {
        for account in accounts {
            let found = self
                .personas
                .iter()
                .position(|(l, _)| *l == account.persona);
            let index = found.unwrap_or_else(|| {
                let counts = PersonaCounts::default();
                self.personas.push((account.persona.clone(), counts));
                self.personas.len() - 1
            });
            self.persona_of.push(index);
        }
        self
    }

    /// Judges grants and renewals against what the run was set up with.
    pub(super) fn with_setup(mut self, setup: &RunSetup) -> JournalConsumer {
        self.checker = self.checker.map(|checker| checker.with_setup(setup));
        self
    }

    /// Consumes whatever the account appended since last time.
    pub(super) fn drain(&mut self, account: AccountId) -> Result<(), JournalError> {
        let mut batch = std::mem::take(&mut self.batch);
        self.feed.take(account, &mut batch);
        let observed = batch.iter().try_for_each(|event| self.observe(event));
        batch.clear();
        self.batch = batch;
        observed
    }

    /// Consumes what every account appended since last time (at the end of a run).
    pub(super) fn drain_all(&mut self) -> Result<(), JournalError> {
        for account in 0..self.feed.accounts() {
            self.drain(account as AccountId)?;
        }
        Ok(())
    }

    fn observe(&mut self, event: &Event) -> Result<(), JournalError> {
        self.counts.events += 1;
        self.counts.credits.observe(event);
        if let Some(&index) = self.persona_of.get(event.account as usize) {
            let persona = &mut self.personas[index].1;
            persona.credits.observe(event);
            if let EventKind::Rejected {
                reason: Rejection::Insufficient { .. },
                ..
            } = event.kind
            {
                persona.insufficient += 1;
            }
        }
        match &event.kind {
            EventKind::Warning { .. } => self.counts.warnings += 1,
            EventKind::Released {
                timed_out: true, ..
            } => self.counts.timed_out += 1,
            _ => {}
        }
        if let Some(checker) = &mut self.checker {
            checker.observe(event);
        }
        if let Some(journal) = &mut self.journal {
            journal.write(event)?;
        }
        Ok(())
    }

    /// Records what an agent was told about one step.
    pub(super) fn step(&mut self, record: StepRecord) -> Result<(), JournalError> {
        if let Some(steps) = &mut self.steps {
            steps.write(&record)?;
        }
        if let Some(checker) = &mut self.checker {
            checker.observe_step(&record);
        }
        Ok(())
    }

    /// Flushes the files and returns the verdict (`None` when the checker was off), judging
    /// the accounts as closed at `end_ms` when they were, and else (after a stall) the run as
    /// unfinished: holds the stalled agents left open are not I6.
    pub(super) fn finish(
        mut self,
        end_ms: Option<TimeMs>,
    ) -> Result<(SinkCounts, Option<Verdict>), JournalError> {
        self.drain_all()?;
        match (&mut self.checker, end_ms) {
            (Some(checker), Some(end_ms)) => checker.close_at(end_ms),
            (Some(checker), None) => {
                checker.unfinished("the ledger stalled, so the accounts were never closed");
            }
            (None, _) => {}
        }
        self.counts.personas = self.personas.drain(..).collect();
        if let Some(journal) = &mut self.journal {
            journal.flush()?;
        }
        if let Some(steps) = &mut self.steps {
            steps.flush()?;
        }
        Ok((self.counts, self.checker.map(Checker::finish)))
    }
}

fn create(path: &Path) -> Result<File, JournalError> {
    File::create(path).map_err(|source| JournalError::Io {
        file: path.to_path_buf(),
        source,
    })
}

/// The most notices or step records the consumer takes from its channel per wake: enough
/// that a busy run pays the wake-up and the `select!` once per batch rather than per item,
/// few enough that neither channel starves the other for long.
const RECV_BATCH: usize = 256;

/// Runs the consumer until `stop` fires. The runner fires it once the agents are done (so
/// every step record is already queued) and the accounts caught up; the queued records are
/// then taken, and `finish` drains the logs. `biased` keeps the order of work fixed, so a
/// deterministic run writes the same files. Each channel is read in batches of up to
/// [`RECV_BATCH`], in the order it was sent.
pub(super) async fn consume(
    mut sink: JournalConsumer,
    mut notify: UnboundedReceiver<AccountId>,
    mut steps: UnboundedReceiver<Vec<StepRecord>>,
    mut stop: oneshot::Receiver<()>,
) -> Result<JournalConsumer, JournalError> {
    let mut accounts = Vec::with_capacity(RECV_BATCH);
    let mut records = Vec::with_capacity(RECV_BATCH);
    loop {
        tokio::select! {
            biased;
            n = notify.recv_many(&mut accounts, RECV_BATCH), if !notify.is_closed() || !notify.is_empty() => {
                if n == 0 {
                    continue;
                }
                for account in accounts.drain(..) {
                    sink.drain(account)?;
                }
            }
            n = steps.recv_many(&mut records, RECV_BATCH), if !steps.is_closed() || !steps.is_empty() => {
                if n == 0 {
                    continue;
                }
                for batch in records.drain(..) {
                    batch.into_iter().try_for_each(|record| sink.step(record))?;
                }
            }
            _ = &mut stop => break,
        }
    }
    while let Ok(batch) = steps.try_recv() {
        batch.into_iter().try_for_each(|record| sink.step(record))?;
    }
    Ok(sink)
}
