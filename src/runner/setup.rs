//! Turning a plan into a running ledger: the clock, one log per account, the ledger
//! implementation chosen with `--ledger`, and the starting pack grants.

use std::str::FromStr;
use std::sync::Arc;

use tokio::sync::mpsc::{self, UnboundedReceiver};

use crate::accounts::{self, KEY_RETENTION_MS};
use crate::ledger::actor::AccountArgs;
use crate::ledger::flawed::{Flaw, FlawedLedger};
use crate::ledger::{
    AccountId, AccountLog, AccountSpec, ActorLedger, Clock, GrantRequest, Ledger, TimeMs,
};
use crate::scenario::{Arrival, Pace, Plan, RunDuration};

use super::clock::RunClock;
use super::faults::RETRY_WINDOW_MS;
use super::{RunError, RunOptions};

/// Which ledger serves the accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerKind {
    /// The correct one: one supervised account actor per account.
    Actor,
    /// Flawed: check-then-act across an await (overdraws; I1).
    Racy,
    /// Flawed: ignores idempotency keys (charges twice; I2).
    NoDedup,
    /// Flawed: charges failed generations (I4).
    ChargeFailed,
}

impl LedgerKind {
    /// Every kind with its `--ledger` name.
    pub const ALL: [(&'static str, LedgerKind); 4] = [
        ("actor", LedgerKind::Actor),
        ("racy", LedgerKind::Racy),
        ("no-dedup", LedgerKind::NoDedup),
        ("charge-failed", LedgerKind::ChargeFailed),
    ];

    /// The `--ledger` name.
    pub fn name(self) -> &'static str {
        LedgerKind::ALL
            .iter()
            .find(|(_, kind)| *kind == self)
            .map_or("actor", |(name, _)| name)
    }
}

impl FromStr for LedgerKind {
    type Err = String;
    fn from_str(text: &str) -> Result<LedgerKind, String> {
        LedgerKind::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, kind)| *kind)
            .ok_or_else(|| {
                let names: Vec<_> = LedgerKind::ALL.iter().map(|(name, _)| *name).collect();
                format!(
                    "unknown ledger `{text}`: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// A plan made live: the ledger and what the runner needs around it.
pub struct Setup {
    /// The ledger, through its interface.
    pub ledger: Arc<dyn Ledger>,
    /// The same ledger when it is the actor one (for restarts and stopping).
    actors: Option<Arc<ActorLedger>>,
    /// Virtual time.
    pub clock: Arc<RunClock>,
    /// One log per account.
    pub logs: Vec<Arc<AccountLog>>,
    /// Account ids whose logs have new events; taken by the journal consumer.
    notify: Option<UnboundedReceiver<AccountId>>,
    /// Hold ttl, virtual ms.
    pub ttl_ms: TimeMs,
    /// Think time, real ms.
    pub think_ms: u64,
    /// Each account's starting pack grants.
    pub pack_grants: Vec<Vec<GrantRequest>>,
}

impl Setup {
    /// The receiver of "account has new events" notices, for the journal consumer. Only the
    /// first call gets it; later calls get a closed channel.
    pub fn take_notify(&mut self) -> UnboundedReceiver<AccountId> {
        self.notify
            .take()
            .unwrap_or_else(|| mpsc::unbounded_channel().1)
    }

    /// Stops the account actors (if any) and returns how often they were restarted.
    pub fn stop_ledger(&self) -> u64 {
        self.actors.as_ref().map_or(0, |actors| {
            actors.stop();
            actors.restarts()
        })
    }
}

/// Builds the ledger for `plan` and grants every account its starting packs.
pub async fn build(plan: &Plan, opts: &RunOptions) -> Result<Setup, RunError> {
    let speedup = speedup(plan);
    let clock = Arc::new(RunClock::start(speedup, plan.clock.start_ms));
    let (notify_tx, notify) = mpsc::unbounded_channel();
    let mut specs = Vec::with_capacity(plan.accounts.len());
    let mut logs = Vec::with_capacity(plan.accounts.len());
    let mut pack_grants = Vec::with_capacity(plan.accounts.len());
    for account in &plan.accounts {
        let plan_id = account.plan.as_deref();
        let mut spec =
            accounts::account_spec(&plan.vendor, plan_id, account.seats, account.addon_units)
                .map_err(|err| RunError::Setup(err.to_string()))?;
        spec.key_retention_ms = key_retention_ms(plan.ttl_ms, speedup);
        specs.push(spec);
        logs.push(AccountLog::new(account.id, Some(notify_tx.clone())));
        let grants = account
            .packs
            .iter()
            .enumerate()
            .map(|(i, pack)| {
                let key = format!("pack-{}-{i}", account.id);
                accounts::pack_grant(&plan.vendor, pack, plan_id, key, plan.clock.start_ms)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| RunError::Setup(err.to_string()))?;
        pack_grants.push(grants);
    }
    let (ledger, actors) = start_ledger(opts.ledger, clock.clone(), specs, &logs).await?;
    for (account, grants) in pack_grants.iter().enumerate() {
        for grant in grants {
            ledger
                .grant(account as AccountId, grant.clone())
                .await
                .map_err(|err| RunError::Setup(format!("granting the starting packs: {err}")))?;
        }
    }
    // Open-loop steps carry their own send times; only closed arrival thinks.
    let think_ms = match plan.arrival {
        Arrival::Closed { think_ms } => think_ms,
        Arrival::Open { .. } => 0,
    };
    Ok(Setup {
        ledger,
        actors,
        clock,
        logs,
        notify: Some(notify),
        ttl_ms: plan.ttl_ms,
        think_ms,
        pack_grants,
    })
}

async fn start_ledger(
    kind: LedgerKind,
    clock: Arc<RunClock>,
    specs: Vec<AccountSpec>,
    logs: &[Arc<AccountLog>],
) -> Result<(Arc<dyn Ledger>, Option<Arc<ActorLedger>>), RunError> {
    let clock: Arc<dyn Clock> = clock;
    let flaw = match kind {
        LedgerKind::Actor => {
            let args = specs
                .into_iter()
                .zip(logs)
                .map(|(spec, log)| AccountArgs {
                    spec,
                    clock: clock.clone(),
                    log: log.clone(),
                })
                .collect();
            let actors = Arc::new(
                ActorLedger::start(args)
                    .await
                    .map_err(|err| RunError::Setup(err.to_string()))?,
            );
            return Ok((actors.clone(), Some(actors)));
        }
        LedgerKind::Racy => Flaw::Racy,
        LedgerKind::NoDedup => Flaw::NoDedup,
        LedgerKind::ChargeFailed => Flaw::ChargeFailed,
    };
    let accounts = specs.into_iter().zip(logs.iter().cloned()).collect();
    Ok((Arc::new(FlawedLedger::new(flaw, clock, accounts)), None))
}

/// Steps per real second assumed when a closed run bounded by steps must span `months`:
/// the pace needs a real duration to stretch the months over, and such a run has none.
const ASSUMED_CLOSED_STEPS_PER_S: u64 = 2_000;

/// Virtual ms per real ms for the plan's pace.
pub fn speedup(plan: &Plan) -> u64 {
    if let Pace::Speedup(speedup) = plan.clock.pace {
        return speedup.max(1);
    }
    let real_ms = match (plan.duration, plan.arrival) {
        (RunDuration::Seconds(seconds), _) => seconds.saturating_mul(1000),
        (RunDuration::Steps(steps), Arrival::Open { rate_per_s }) => {
            steps.saturating_mul(1000) / rate_per_s.max(1)
        }
        (RunDuration::Steps(steps), Arrival::Closed { .. }) => {
            steps.saturating_mul(1000) / ASSUMED_CLOSED_STEPS_PER_S
        }
    };
    plan.clock.speedup_over(real_ms.max(1))
}

/// How long accounts remember idempotency keys, in virtual ms: at least the default, and at
/// least twice the longest a retry can come after its first attempt (a hold's ttl plus the
/// retry window plus a second of slack, in real time sped up), so that no retry of this run
/// is ever taken for a new request.
fn key_retention_ms(ttl_ms: TimeMs, speedup: u64) -> TimeMs {
    let retry_ms = (RETRY_WINDOW_MS + 1000).saturating_mul(speedup);
    KEY_RETENTION_MS.max(ttl_ms.saturating_add(retry_ms).saturating_mul(2))
}
