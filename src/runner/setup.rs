//! Turning a configuration into a running ledger: each account's terms and starting packs,
//! the backend chosen with `--ledger`, fed into the run's journal feed, and the run's time.

use std::sync::Arc;

use crate::accounts::{self, KEY_RETENTION_MS, Purchase};
use crate::backends::{self, Started};
use crate::ledger::calendar;
use crate::ledger::{AccountId, AccountSpec, EventSink, GrantRequest, TimeMs};
use crate::scenario::{ClockMode, Scenario, limits};

use super::RunError;
use super::clock::RunClock;
use super::config::RunConfig;
use super::faults::RETRY_WINDOW_MS;
use super::feed::JournalFeed;
use super::time::{AccountGates, RunTime};

/// Each account's terms and the packs it buys at the start, in account order.
pub(super) struct Accounts {
    pub specs: Vec<AccountSpec>,
    /// The starting pack grants.
    pub packs: Vec<Vec<GrantRequest>>,
}

/// Every account's terms and starting packs, anchored at the scenario's start.
pub(super) fn accounts(scenario: &Scenario) -> Result<Accounts, RunError> {
    let setup_error = |err: crate::pricing::PricingError| RunError::Setup(err.to_string());
    let (vendor, start_ms) = (&scenario.vendor, scenario.clock.start_ms);
    let mut specs = Vec::with_capacity(scenario.accounts.len());
    let mut packs = Vec::with_capacity(scenario.accounts.len());
    for account in &scenario.accounts {
        let plan = account.plan.as_deref();
        let (seats, addons) = (account.seats, account.addon_units);
        let mut spec =
            accounts::account_spec(vendor, plan, seats, addons, start_ms).map_err(setup_error)?;
        spec.key_retention_ms = key_retention_ms(scenario);
        specs.push(spec);
        let purchase = Purchase {
            plan,
            anchor_ms: start_ms,
            at_ms: start_ms,
        };
        let grants = (account.packs.iter().enumerate())
            .map(|(i, pack)| {
                let key = format!("pack-{}-{i}", account.id);
                accounts::pack_grant(vendor, pack, purchase, key).map_err(setup_error)
            })
            .collect::<Result<Vec<_>, _>>()?;
        packs.push(grants);
    }
    Ok(Accounts { specs, packs })
}

/// Starts the configured backend, feeding `feed`, and grants every account its packs.
pub(super) async fn start_ledger(
    config: &RunConfig,
    accounts: &Accounts,
    feed: Arc<JournalFeed>,
) -> Result<Started, RunError> {
    let sink: Arc<dyn EventSink> = feed;
    let started = backends::start(
        config.ledger,
        accounts.specs.clone(),
        sink,
        &config.database,
    )
    .await
    .map_err(|err| RunError::Setup(err.to_string()))?;
    let start_ms = config.scenario.clock.start_ms;
    for (account, grants) in accounts.packs.iter().enumerate() {
        for grant in grants {
            let granted = started
                .ledger
                .grant(account as AccountId, start_ms, grant.clone());
            granted
                .await
                .map_err(|err| RunError::Setup(format!("granting the starting packs: {err}")))?;
        }
    }
    Ok(started)
}

/// The run's time: a gate over the agents' virtual clocks, or the paced clock. Clocks stop
/// short of the months' end, or of the horizon every run has (`limits::MAX_MONTHS` after
/// the start), so that no account ever sees more renewals than that.
pub(super) fn run_time(scenario: &Scenario) -> RunTime {
    let clock = scenario.clock;
    let horizon_ms = calendar::add_months(clock.start_ms, u64::from(limits::MAX_MONTHS));
    let end_ms = clock.end_ms().or(horizon_ms);
    match clock.mode {
        ClockMode::Virtual => {
            let lag_ms = lag_ms(scenario.ttl_ms);
            let accounts: Vec<u32> = scenario.agents.iter().map(|a| a.account).collect();
            let (count, start) = (scenario.accounts.len(), clock.start_ms);
            RunTime::Virtual(AccountGates::new(&accounts, count, start, lag_ms, end_ms))
        }
        ClockMode::Paced { speedup } => {
            RunTime::Paced(RunClock::start(speedup, clock.start_ms, end_ms))
        }
    }
}

/// How far one agent's virtual clock may run ahead of the slowest: half a hold ttl, so that
/// a generation shorter than the other half never has its hold timed out by an account
/// that other agents have moved on (see [`super::time`]).
pub(super) fn lag_ms(ttl_ms: TimeMs) -> TimeMs {
    (ttl_ms / 2).max(1)
}

/// How long accounts remember idempotency keys, in virtual ms: at least the default, and at
/// least twice the longest a retry can come after its first attempt, so that no retry of
/// this run is ever taken for a new request. In virtual time the account's clock can move
/// on by a hold's ttl plus the lag while an agent retries; in paced time, by the real retry
/// window (plus a second of slack) sped up.
pub(super) fn key_retention_ms(scenario: &Scenario) -> TimeMs {
    let ttl_ms = scenario.ttl_ms;
    let retry_ms = match scenario.clock.mode {
        ClockMode::Virtual => lag_ms(ttl_ms),
        ClockMode::Paced { speedup } => (RETRY_WINDOW_MS + 1000).saturating_mul(speedup),
    };
    KEY_RETENTION_MS.max(ttl_ms.saturating_add(retry_ms).saturating_mul(2))
}
