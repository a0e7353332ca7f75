//! The runner: builds the ledger and its accounts from a scenario plan, spawns one user-agent
//! actor per agent, waits for them (or for Ctrl-C), and gathers what happened for the report.
//!
//! Data flow: agents → `Ledger` → account logs → journal consumer (online checker, journal
//! and step files); agents → latency recorder and counters → `RunResult`.

pub mod agent;
pub mod clock;
pub mod context;
pub mod credits;
pub mod faults;
pub mod latency;
pub mod progress;
pub mod setup;
pub mod sink;
pub mod watchdog;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ractor::Actor;
use tokio::sync::{mpsc, oneshot};

use crate::check::Verdict;
use crate::ledger::Clock;
use crate::scenario::{Plan, RunDuration};

pub use setup::LedgerKind;

use agent::{AgentArgs, UserAgent};
use context::{Counters, RunContext};
use latency::LatencyRecorder;
use sink::{JournalSink, SinkCounts};
use watchdog::{Stall, Watchdog};

/// How to run a plan, beyond what the plan itself says.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Which ledger implementation serves the accounts.
    pub ledger: LedgerKind,
    /// Where `journal.csv` and `steps.csv` go; `None` writes nothing.
    pub out_dir: Option<PathBuf>,
    /// Run the online checker.
    pub online_check: bool,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

/// Everything a run produced, for the report.
pub struct RunResult {
    /// Real seconds from the first step to the last.
    pub elapsed_s: f64,
    /// Whether the run was stopped early (Ctrl-C).
    pub interrupted: bool,
    /// The agent whose wait on the ledger ended the run, if one did.
    pub stalled: Option<Stall>,
    /// What the agents saw.
    pub counters: Counters,
    /// What the journal consumer counted.
    pub sink: SinkCounts,
    /// Latency histograms, indexed by `latency::Op`.
    pub latency: [hdrhistogram::Histogram<u64>; 3],
    /// The online checker's verdict (`None` when it was off).
    pub verdict: Option<Verdict>,
    /// Account actor restarts.
    pub restarts: u64,
    /// Per pool: granted, charged, expired, remaining, held, summed over accounts.
    pub credits: std::collections::BTreeMap<String, crate::ledger::book::PoolTotals>,
    /// Virtual time at the end of the run.
    pub virtual_end_ms: u64,
}

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The accounts could not be set up from the plan.
    #[error("{0}")]
    Setup(String),
    /// Writing the journal or the step records failed.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
}

/// Runs `plan` to the end (or until Ctrl-C) on the current tokio runtime.
pub async fn run(plan: &Plan, opts: &RunOptions) -> Result<RunResult, RunError> {
    let mut setup = setup::build(plan, opts).await?;
    let (records_tx, records_rx) = mpsc::unbounded_channel();
    let ctx = Arc::new(RunContext {
        ledger: setup.ledger.clone(),
        model: plan.vendor.clone(),
        clock: setup.clock.clone(),
        ttl_ms: setup.ttl_ms,
        think_ms: setup.think_ms,
        pack_grants: std::mem::take(&mut setup.pack_grants),
        latency: LatencyRecorder::new(16),
        counters: Counters::default(),
        records: records_tx,
        stop: Default::default(),
        interrupted: Default::default(),
        watchdog: Watchdog::new(plan.agents.len()),
    });
    let (stop_tx, stop_rx) = oneshot::channel();
    let sink = JournalSink::new(
        setup.logs.clone(),
        opts.online_check,
        opts.out_dir.as_deref(),
    )?;
    let consumer = tokio::spawn(sink::consume(
        sink,
        setup.take_notify(),
        records_rx,
        stop_rx,
    ));

    let started = std::time::Instant::now();
    let progress = progress::start(opts.progress, plan.total_steps(), ctx.clone());
    let mut agents = Vec::with_capacity(plan.agents.len());
    let mut handles = Vec::with_capacity(plan.agents.len());
    for (slot, agent) in plan.agents.iter().enumerate() {
        let args = AgentArgs {
            ctx: ctx.clone(),
            steps: plan.steps(agent.id),
            slot,
        };
        let (actor, handle) = Actor::spawn(None, UserAgent, args)
            .await
            .map_err(|err| RunError::Setup(format!("agent {} did not start: {err}", agent.id)))?;
        agents.push(actor);
        handles.push(handle);
    }
    let stopper = tokio::spawn(stop_when_due(ctx.clone(), plan.duration));
    let finished = async {
        for handle in handles {
            // An agent that panicked is a bug in the harness, not in the ledger: its steps
            // are missing from the counts, and the run goes on to report what it has.
            let _ = handle.await;
        }
    };
    let stalled = tokio::select! {
        () = finished => None,
        stall = ctx.watchdog.stalled() => Some(stall),
    };
    let elapsed_s = started.elapsed().as_secs_f64();
    stopper.abort();
    progress.finish();
    let interrupted = ctx.interrupted.load(Ordering::Relaxed) || stalled.is_some();

    if let Some(stall) = stalled {
        eprintln!(
            "error: agent {} waited {} s for the ledger to answer; the run stops here and \
             reports the steps taken so far",
            stall.agent, stall.waited_s
        );
        for agent in &agents {
            agent.kill();
        }
    } else {
        // Bring every account to the end time, so timeouts and expiries due by now are
        // journaled. Skipped after a stall: an account that stopped answering would hang it.
        for account in 0..setup.logs.len() {
            let _ = setup.ledger.tick(account as u32).await;
        }
    }
    let virtual_end_ms = setup.clock.now_ms();
    let restarts = setup.stop_ledger();
    let _ = stop_tx.send(());
    let sink = consumer
        .await
        .map_err(|err| RunError::Setup(format!("the journal consumer failed: {err}")))??;
    let (mut sink_counts, verdict) = sink.finish()?;
    let credits = std::mem::take(&mut sink_counts.credits).finish();
    Ok(RunResult {
        elapsed_s,
        interrupted,
        stalled,
        counters: ctx.counters.snapshot(),
        sink: sink_counts,
        latency: ctx.latency.merged(),
        verdict,
        restarts,
        credits,
        virtual_end_ms,
    })
}

/// Stops the agents when a run bounded by seconds is due, or on Ctrl-C. Runs bounded by steps
/// end by themselves, and open-loop runs bounded by seconds have a fixed number of steps.
async fn stop_when_due(ctx: Arc<RunContext>, duration: RunDuration) {
    let due = async {
        match duration {
            RunDuration::Seconds(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
            RunDuration::Steps(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = due => {}
        Ok(()) = tokio::signal::ctrl_c() => ctx.interrupted.store(true, Ordering::Relaxed),
    }
    ctx.stop.store(true, Ordering::Relaxed);
}
