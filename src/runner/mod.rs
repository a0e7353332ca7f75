//! The runner: the load and stress harness. It starts the configured backend fed into the
//! run's journal feed, spawns one user-agent actor per agent, waits for them (or for the
//! shutdown signal it is given, or a stall), closes every account at the run's end, and
//! gathers what happened for the report.
//!
//! Data flow: agents → `Ledger` → journal feed → journal consumer (online checker, journal
//! and step files); agents → latency recorder and counters → [`RunResult`].
//!
//! # Layout
//!
//! - `config`: [`RunConfig`], a scenario with the command line's overrides, validated.
//! - `setup`: account terms, the backend, and the run's time.
//! - `time`, `clock`: virtual time (the default) and the paced clock.
//! - `agent`: the user-agent actor; `faults`: faults on its calls.
//! - `feed`, `consumer`: the event sink and the task that checks and writes what it gets.
//! - `context`, `latency`, `credits`: what the agents share and what the report reads.
//! - `watchdog`, `progress`: a stalled ledger, and the progress bar.

mod agent;
mod clock;
mod config;
mod consumer;
mod context;
mod credits;
mod faults;
mod feed;
mod latency;
mod progress;
mod setup;
mod sidecar;
mod sweep;
mod time;
mod watchdog;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use ractor::{Actor, ActorRef};
use tokio::sync::{mpsc, oneshot};

use crate::check::Verdict;
use crate::ledger::{AccountId, BackendStats, Ledger, PoolTotals, TimeMs};
use crate::scenario::RunDuration;

pub(crate) use config::Invocation;
pub use config::{OutDir, Overrides, RunConfig};
pub use consumer::{PersonaCounts, SinkCounts};
pub use context::{Count, Counters};
pub use latency::Op;
pub use progress::wanted as progress_wanted;
pub(crate) use sidecar::SetupFile;
pub use sweep::{FailedSeed, SweepOptions, SweepResult, sweep};
pub use watchdog::Stall;

use agent::{AgentArgs, AgentMsg, UserAgent};
use consumer::JournalConsumer;
use context::RunContext;
use feed::JournalFeed;
use latency::LatencyRecorder;
use watchdog::Watchdog;

/// Everything a run produced, for the report.
pub struct RunResult {
    /// Real seconds from the first step to the last.
    pub elapsed_s: f64,
    /// Whether the run was stopped early (the shutdown signal, or a stall).
    pub interrupted: bool,
    /// The agent whose wait on the ledger ended the run, if one did.
    pub stalled: Option<Stall>,
    /// What the agents saw.
    pub counters: Counters,
    /// What the journal consumer counted.
    pub sink: SinkCounts,
    /// Latency histograms, indexed by [`Op`].
    pub latency: [hdrhistogram::Histogram<u64>; 3],
    /// The online checker's verdict (`None` when it was off).
    pub verdict: Option<Verdict>,
    /// What the backend counted about itself (restarts, retries, errors).
    pub backend: BackendStats,
    /// Per pool: granted, charged, expired, remaining, held, summed over accounts.
    pub credits: std::collections::BTreeMap<String, PoolTotals>,
    /// Virtual time at the start of the run.
    pub virtual_start_ms: TimeMs,
    /// Virtual time at the end of the run, where every account was closed.
    pub virtual_end_ms: TimeMs,
}

/// Why a run could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The accounts or the backend could not be set up.
    #[error("{0}")]
    Setup(String),
    /// Writing the journal or the step records failed.
    #[error(transparent)]
    Journal(#[from] crate::journal::JournalError),
    /// `setup.json` could not be written.
    #[error(transparent)]
    SetupFile(#[from] crate::check::SetupError),
}

/// A tokio runtime for `config`: multi-threaded, or for a deterministic run one thread with
/// paused time, so that its few real waits (retry backoffs) advance a clock instead.
pub fn runtime(config: &RunConfig) -> std::io::Result<tokio::runtime::Runtime> {
    match config.deterministic {
        true => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build(),
        false => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
    }
}

/// Runs `config` to the end, or until `shutdown` completes (the CLI passes Ctrl-C; tests
/// and `bench` pass a future that never completes), on the current tokio runtime.
pub async fn run(
    config: &RunConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<RunResult, RunError> {
    let scenario = &config.scenario;
    let accounts = setup::accounts(scenario)?;
    let mut terms = sidecar::run_setup(&accounts);
    let (feed, notices) = JournalFeed::new(scenario.accounts.len());
    let feed = Arc::new(feed);
    let started = setup::start_ledger(config, &accounts, feed.clone()).await?;
    let (records_tx, records_rx) = mpsc::unbounded_channel();
    let ctx = Arc::new(RunContext {
        ledger: started.ledger.clone(),
        crash: started.crash,
        model: scenario.vendor.clone(),
        time: setup::run_time(scenario),
        start_ms: scenario.clock.start_ms,
        ttl_ms: scenario.ttl_ms,
        key_retention_ms: setup::key_retention_ms(scenario),
        think_ms: think_ms(scenario),
        pack_grants: accounts.packs,
        latency: LatencyRecorder::new(16),
        counters: Counters::default(),
        records: records_tx,
        stop: Default::default(),
        interrupted: Default::default(),
        watchdog: Watchdog::new(scenario.agents.len()),
    });
    let out_dir = config.out_dir.as_deref();
    let sink = JournalConsumer::new(feed, config.online_check, out_dir)?
        .with_setup(&terms)
        .with_personas(&scenario.accounts);
    let (stop_tx, stop_rx) = oneshot::channel();
    let consumer = tokio::spawn(consumer::consume(sink, notices, records_rx, stop_rx));
    let ended = drive_agents(config, &ctx, shutdown).await?;
    let virtual_end_ms = close_accounts(scenario, &ctx, ended.stalled.is_some()).await;
    let backend = ctx.ledger.stop().await;
    let _ = stop_tx.send(());
    let sink = consumer
        .await
        .map_err(|err| RunError::Setup(format!("the journal consumer failed: {err}")))??;
    // After a stall the accounts were not closed, so no end can be demanded of them.
    terms.end_ms = ended.stalled.is_none().then_some(virtual_end_ms);
    let (mut sink_counts, verdict) = sink.finish(terms.end_ms)?;
    if let Some(dir) = out_dir {
        sidecar::write(dir, config, terms)?;
    }
    let credits = std::mem::take(&mut sink_counts.credits).finish();
    Ok(RunResult {
        elapsed_s: ended.elapsed_s,
        interrupted: ctx.interrupted.load(Ordering::Relaxed) || ended.stalled.is_some(),
        stalled: ended.stalled,
        counters: ctx.counters.snapshot(),
        sink: sink_counts,
        latency: ctx.latency.merged(),
        verdict,
        backend,
        credits,
        virtual_start_ms: scenario.clock.start_ms,
        virtual_end_ms,
    })
}

/// Think time between an agent's steps: open-loop steps carry their own send times, so only
/// closed arrival thinks.
fn think_ms(scenario: &crate::scenario::Scenario) -> u64 {
    match scenario.arrival {
        crate::scenario::Arrival::Closed { think_ms } => think_ms,
        crate::scenario::Arrival::Open { .. } => 0,
    }
}

/// How the agents' part of a run ended.
struct AgentsEnded {
    elapsed_s: f64,
    stalled: Option<Stall>,
}

/// Spawns the agents and waits until they are done, a stall ends the run, or `shutdown`
/// stops them.
async fn drive_agents(
    config: &RunConfig,
    ctx: &Arc<RunContext>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<AgentsEnded, RunError> {
    let scenario = &config.scenario;
    let started = std::time::Instant::now();
    let progress = progress::start(config.progress, scenario.total_steps(), ctx.clone());
    let (agents, handles) = spawn_agents(scenario, ctx).await?;
    let stopper = tokio::spawn(stop_when_due(ctx.clone(), scenario.duration, shutdown));
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
    if let Some(stall) = stalled {
        eprintln!(
            "error: agent {} waited {} s for the ledger to answer; the run stops here and \
             reports the steps taken so far",
            stall.agent, stall.waited_s
        );
        agents.iter().for_each(|agent| agent.kill());
    }
    Ok(AgentsEnded { elapsed_s, stalled })
}

async fn spawn_agents(
    scenario: &crate::scenario::Scenario,
    ctx: &Arc<RunContext>,
) -> Result<(Vec<ActorRef<AgentMsg>>, Vec<tokio::task::JoinHandle<()>>), RunError> {
    let mut agents = Vec::with_capacity(scenario.agents.len());
    let mut handles = Vec::with_capacity(scenario.agents.len());
    for (slot, agent) in scenario.agents.iter().enumerate() {
        let args = AgentArgs {
            ctx: ctx.clone(),
            steps: scenario.steps(agent.id),
            slot,
        };
        let (actor, handle) = Actor::spawn(None, UserAgent, args)
            .await
            .map_err(|err| RunError::Setup(format!("agent {} did not start: {err}", agent.id)))?;
        agents.push(actor);
        handles.push(handle);
    }
    Ok((agents, handles))
}

/// Closes every account at the run's end, so that timeouts and expiries due by then are
/// journaled, and returns the end: the months' end for a run bounded by months, else the
/// latest time the run reached. Skipped after a stall: an account that stopped answering
/// would hang it.
async fn close_accounts(
    scenario: &crate::scenario::Scenario,
    ctx: &RunContext,
    stalled: bool,
) -> TimeMs {
    let end_ms = (scenario.clock.end_ms()).unwrap_or_else(|| ctx.time.latest_ms());
    if !stalled {
        close_all(ctx.ledger.as_ref(), scenario.accounts.len(), end_ms).await;
    }
    end_ms
}

async fn close_all(ledger: &dyn Ledger, accounts: usize, end_ms: TimeMs) {
    for account in 0..accounts {
        // An account that cannot be reached is reported by what its journal lacks (I6).
        let _ = ledger.close(account as AccountId, end_ms).await;
    }
}

/// Stops the agents when a run bounded by seconds is due, or when `shutdown` completes.
/// Runs bounded by steps end by themselves, and open-loop runs bounded by seconds have a
/// fixed number of steps.
async fn stop_when_due(
    ctx: Arc<RunContext>,
    duration: RunDuration,
    shutdown: impl Future<Output = ()>,
) {
    let due = async {
        match duration {
            RunDuration::Seconds(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
            RunDuration::Steps(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = due => {}
        () = shutdown => ctx.interrupted.store(true, Ordering::Relaxed),
    }
    ctx.stop.raise();
}
