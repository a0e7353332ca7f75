//! The user-agent actor: replays its script of steps against the ledger. One step is: quote,
//! reserve the quoted maximum under a fresh key, "generate" (let the simulated duration pass
//! on the agent's clock), then commit the actual cost, or release on failure. The agent
//! records what it was told, so the checker can compare the user's view with the ledger's
//! (I7).

use std::sync::Arc;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use smol_str::SmolStr;
use tokio::time::Instant;

use crate::accounts::{Settlement, settlement};
use crate::fastmap::FastMap;
use crate::journal::{StepRecord, Told};
use crate::ledger::calendar::cycle_end_after;
use crate::ledger::{
    CommitOutcome, CommitRequest, Credits, Key, Name, ReleaseOutcome, ReleaseRequest,
    ReserveOutcome, ReserveRequest, TimeMs,
};
use crate::pricing::Quote;
use crate::scenario::{Fault, Step, StepGen, trace::encode_params};

use super::context::{Count, RunContext, Tally};
use super::faults::{CallFaults, CallStats, call_with_faults};
use super::latency::Op;

/// The user-agent actor (a unit struct; state in [`AgentState`]).
pub(super) struct UserAgent;

/// The agent's only message: take the next step.
pub(super) enum AgentMsg {
    /// Take the next step, or stop when the script is done or the run is stopping.
    Next,
}

/// What an agent is started with.
pub(super) struct AgentArgs {
    /// What the run's agents share.
    pub ctx: Arc<RunContext>,
    /// The agent's script.
    pub steps: StepGen,
    /// The agent's index in the scenario, which is its slot in the run's watchdog and
    /// time gate.
    pub slot: usize,
}

pub(super) struct AgentState {
    ctx: Arc<RunContext>,
    steps: StepGen,
    /// The agent's slot in the run's watchdog and time gate.
    slot: usize,
    /// The agent's virtual clock (in paced time, the run's clock is read instead).
    now_ms: TimeMs,
    /// Outcomes counted since the last batch was handed over.
    tally: Tally,
    /// Latencies measured since the last batch was handed over.
    latencies: Vec<(Op, u64)>,
    /// Priced steps by (action, params) identity: a drawn workload shares one `Arc` per
    /// entry, so this is a handful of entries; a trace row has its own. Looked up once per
    /// step, so it uses the checker's fast hasher rather than SipHash.
    quotes: FastMap<(usize, usize), Option<Arc<Priced>>>,
    /// The step and price of the last reserve the ledger answered, for the key-reuse fault.
    /// Kept as these two shared handles rather than as a `ReserveRequest`, whose three
    /// strings would be cloned on every step only to serve a rare fault.
    /// The agent's virtual time at that reserve rides along.
    last_reserve: Option<(Step, Arc<Priced>, TimeMs)>,
}

impl Actor for UserAgent {
    type Msg = AgentMsg;
    type State = AgentState;
    type Arguments = AgentArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<AgentMsg>,
        args: AgentArgs,
    ) -> Result<AgentState, ActorProcessingErr> {
        myself.send_message(AgentMsg::Next)?;
        let now_ms = args.ctx.start_ms;
        Ok(AgentState {
            ctx: args.ctx,
            steps: args.steps,
            slot: args.slot,
            now_ms,
            tally: Tally::default(),
            latencies: Vec::with_capacity(2 * STEPS_PER_MESSAGE),
            quotes: FastMap::default(),
            last_reserve: None,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<AgentMsg>,
        AgentMsg::Next: AgentMsg,
        state: &mut AgentState,
    ) -> Result<(), ActorProcessingErr> {
        let mut records = Vec::with_capacity(STEPS_PER_MESSAGE);
        let mut done = false;
        while records.len() < STEPS_PER_MESSAGE {
            let next = if state.ctx.stopping() {
                None
            } else {
                state.steps.next()
            };
            let Some(step) = next else {
                done = true;
                break;
            };
            let Some(record) = state.take_step(&step).await else {
                done = true;
                break;
            };
            records.push(record);
            state.tally.bump(Count::Steps);
            let think_ms = state.ctx.think_ms;
            if think_ms > 0 && state.pass(think_ms).await == Waited::Stopped {
                done = true;
                break;
            }
        }
        state.ctx.counters.absorb(&mut state.tally);
        state
            .ctx
            .latency
            .record_all(state.slot, &mut state.latencies);
        if !records.is_empty() {
            // A closed receiver means the run is being torn down; the records have nowhere
            // to go.
            let _ = state.ctx.records.send(records);
        }
        if done {
            state.ctx.time.finish(state.slot);
            myself.stop(None);
        } else {
            myself.send_message(AgentMsg::Next)?;
        }
        Ok(())
    }
}

/// How a wait on the agent's clock ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Waited {
    /// The time came.
    Done,
    /// The run stopped first.
    Stopped,
}

/// How many steps an agent takes per `Next` message, sending their records to the journal
/// consumer as one batch. A message per step cost a self-send, a boxed handler future and a
/// channel send per step; a batch pays them once. Small enough that a batch's records reach
/// the checker soon, and that the stop flag, read before every step, still stops promptly.
const STEPS_PER_MESSAGE: usize = 16;

/// A step's quote and its parameters as recorded, computed once per workload entry, with
/// the names every request and record of the step carries, so that a step clones them
/// rather than building them from text.
struct Priced {
    quote: Quote,
    params_text: SmolStr,
    action: Name,
    pool: Name,
}

impl AgentState {
    fn quote(&mut self, step: &Step) -> Option<Arc<Priced>> {
        let id = (
            Arc::as_ptr(&step.action) as *const u8 as usize,
            Arc::as_ptr(&step.params) as usize,
        );
        let model = &self.ctx.model;
        self.quotes
            .entry(id)
            .or_insert_with(|| {
                let quote = model.quote(&step.action, &step.params).ok()?;
                let params_text = SmolStr::from(encode_params(&step.params));
                let pool = Name::new(&quote.pool);
                Some(Arc::new(Priced {
                    quote,
                    params_text,
                    action: Name::new(&*step.action),
                    pool,
                }))
            })
            .clone()
    }

    /// What the step holds and charges, by the vendor's charge timing: an upfront vendor
    /// takes the actual amount when the step starts, one that charges after completion holds
    /// the most it can cost and charges the actual.
    fn settlement(&self, step: &Step, priced: &Priced) -> Settlement {
        let cost = priced.quote.credits;
        settlement(&self.ctx.model, cost, step.actual_credits(cost))
    }

    /// The agent's time for its next ledger call.
    fn now(&self) -> TimeMs {
        self.ctx.time.now_ms(self.now_ms)
    }

    /// Lets `ms` of virtual time pass on the agent's clock.
    async fn pass(&mut self, ms: u64) -> Waited {
        let to_ms = self.now().saturating_add(ms);
        self.wait_until(to_ms).await
    }

    /// Moves the agent's clock to `to_ms` (waiting on the run's time gate, or sleeping when
    /// paced), unless the run stops first.
    async fn wait_until(&mut self, to_ms: TimeMs) -> Waited {
        let (ctx, now_ms) = (self.ctx.clone(), self.now());
        tokio::select! {
            biased;
            () = ctx.stop.raised() => Waited::Stopped,
            now_ms = ctx.time.wait_until(self.slot, now_ms, to_ms) => {
                self.now_ms = now_ms;
                Waited::Done
            }
        }
    }

    /// The record of a step before it is taken: what it is, and that nothing was charged.
    fn record_of(step: &Step, priced: Option<&Priced>) -> StepRecord {
        let quote = priced.map(|p| &p.quote);
        StepRecord {
            agent: step.agent,
            account: step.account,
            key: step.key(),
            action: priced.map_or_else(|| Name::new(&*step.action), |p| p.action.clone()),
            params: priced.map_or_else(
                || encode_params(&step.params).into(),
                |p| p.params_text.clone(),
            ),
            quote_min: quote.map_or(0, |q| q.credits.min),
            quote_max: quote.map_or(0, |q| q.credits.max),
            failed: step.fails,
            told: Told::NotCharged,
        }
    }

    /// Waits until a step with a due time may be sent, unless the run stops first; returns
    /// the real instant it was due when paced, from which its latency is measured.
    async fn wait_due(&mut self, due_us: u64) -> Result<Option<Instant>, Waited> {
        let (ctx, now_ms) = (self.ctx.clone(), self.now());
        tokio::select! {
            biased;
            () = ctx.stop.raised() => Err(Waited::Stopped),
            (now_ms, due) = ctx.time.wait_due(self.slot, now_ms, due_us) => {
                self.now_ms = now_ms;
                Ok(due)
            }
        }
    }

    /// Takes one step and returns what the agent was told; `None` when the run stopped
    /// before the step began.
    async fn take_step(&mut self, step: &Step) -> Option<StepRecord> {
        let intended = match step.send_at_us {
            Some(due_us) => self.wait_due(due_us).await.ok()?,
            None => None,
        };
        let priced = self.quote(step);
        let mut record = Self::record_of(step, priced.as_deref());
        let Some(priced) = priced else {
            self.tally.bump(Count::Unexpected);
            return Some(record);
        };
        if priced.quote.credits.max == 0 {
            self.tally.bump(Count::Free);
            return Some(record);
        }
        self.inject_account_faults(step).await;
        let mut stats = CallStats::default();
        let started = intended.unwrap_or_else(Instant::now);
        let key = record.key.clone();
        let reply = self.reserve(step, &key, &priced, &mut stats).await;
        self.latencies.push((Op::Reserve, elapsed_us(started)));
        if reply.is_some() {
            // Only a key the ledger is known to have seen can be reused as a conflict.
            self.last_reserve = Some((step.clone(), priced.clone(), self.now()));
        }
        record.told = match reply {
            Some(ReserveOutcome::Reserved { .. }) => {
                self.tally.bump(Count::Reserved);
                self.generate_and_settle(step, &key, &priced, &mut stats)
                    .await
            }
            Some(other) => {
                count_refusal(&mut self.tally, &other);
                Told::NotCharged
            }
            None => {
                // The hold may exist; try to give it back so nothing is left open (I6).
                self.release(step, &key, &mut stats).await;
                Told::Unknown
            }
        };
        self.tally.add(Count::Retries, u64::from(stats.retries));
        self.tally
            .add(Count::Duplicates, u64::from(stats.duplicates));
        Some(record)
    }

    /// Reserves the quoted maximum under the step's key, with the step's faults.
    async fn reserve(
        &self,
        step: &Step,
        key: &Key,
        priced: &Priced,
        stats: &mut CallStats,
    ) -> Option<ReserveOutcome> {
        let ctx = &self.ctx;
        let at_ms = self.now();
        // Each attempt builds its request afresh: the ledger takes it by value, so a kept
        // copy would only add a clone of its strings per step.
        let hold = self.settlement(step, priced).hold;
        let reserve = call_with_faults(call_faults(step), stats, || {
            let req = reserve_request(key, priced, hold, ctx.ttl_ms);
            ctx.ledger.reserve(step.account, at_ms, req)
        });
        ctx.watchdog.around(self.slot, reserve).await
    }

    /// Generates, then commits the actual cost, or releases a failed generation.
    async fn generate_and_settle(
        &mut self,
        step: &Step,
        key: &Key,
        priced: &Priced,
        stats: &mut CallStats,
    ) -> Told {
        if self.generate(step).await == Waited::Stopped {
            // The run stopped mid-generation: the generation never finished, so its hold is
            // given back like a failed one, and nothing is left open.
            self.tally.bump(Count::Cancelled);
            return self.release(step, key, stats).await;
        }
        match step.fails {
            true => self.release(step, key, stats).await,
            false => {
                let credits = self.settlement(step, priced).charge;
                self.commit(step, key, credits, stats).await
            }
        }
    }

    /// Faults aimed at the account rather than at this step's calls.
    async fn inject_account_faults(&mut self, step: &Step) {
        let ctx = self.ctx.clone();
        if step.faults.has(Fault::CycleBoundary) {
            self.approach_boundary().await;
        }
        // After the approach, which may have moved the agent's clock on by weeks.
        let (account, at_ms) = (step.account, self.now());
        if step.faults.has(Fault::ActorCrash)
            && let Some(crash) = &ctx.crash
            && crash.crash(account).await.is_ok()
        {
            self.tally.bump(Count::Crashes);
        }
        if step.faults.has(Fault::DuplicateGrant)
            && let Some(grant) = ctx.pack_grants[account as usize].first()
        {
            let mut stats = CallStats::default();
            let grant = call_with_faults(CallFaults::default(), &mut stats, || {
                ctx.ledger.grant(account, at_ms, grant.clone())
            });
            if ctx.watchdog.around(self.slot, grant).await.is_some() {
                self.tally.bump(Count::DuplicateGrants);
            }
        }
        if step.faults.has(Fault::KeyReuse)
            && let Some((earlier_step, earlier_priced, reserved_ms)) = &self.last_reserve
            && at_ms.saturating_sub(*reserved_ms) < ctx.key_retention_ms / 2
        {
            let hold = self.settlement(earlier_step, earlier_priced).hold;
            let mut earlier =
                reserve_request(&earlier_step.key(), earlier_priced, hold, ctx.ttl_ms);
            // The same key as an earlier step, with different content: must be refused.
            earlier.credits += 1;
            let mut stats = CallStats::default();
            let reuse = call_with_faults(CallFaults::default(), &mut stats, || {
                ctx.ledger.reserve(account, at_ms, earlier.clone())
            });
            match ctx.watchdog.around(self.slot, reuse).await {
                Some(ReserveOutcome::KeyConflict) => self.tally.bump(Count::KeyConflicts),
                _ => self.tally.bump(Count::Unexpected),
            }
        }
    }

    /// The cycle-boundary fault: moves the agent's clock to half a hold ttl before the
    /// account's next billing boundary (accounts count their cycles from the run's start),
    /// so that the step's hold is open across it.
    async fn approach_boundary(&mut self) {
        let (start_ms, now_ms) = (self.ctx.start_ms, self.now());
        if let Some(boundary_ms) = cycle_end_after(start_ms, 1, now_ms) {
            self.wait_until(boundary_ms.saturating_sub(self.ctx.ttl_ms / 2))
                .await;
        }
    }

    /// Lets the simulated generation pass: its duration, or for the cycle-boundary fault
    /// until just past the next billing boundary when that comes before the hold's timeout.
    async fn generate(&mut self, step: &Step) -> Waited {
        let now_ms = self.now();
        let mut until_ms = now_ms.saturating_add(step.duration_ms);
        if step.faults.has(Fault::CycleBoundary)
            && let Some(boundary_ms) = cycle_end_after(self.ctx.start_ms, 1, now_ms)
            && boundary_ms < now_ms.saturating_add(self.ctx.ttl_ms)
        {
            until_ms = until_ms.max(boundary_ms + 1);
        }
        self.wait_until(until_ms).await
    }

    async fn commit(
        &mut self,
        step: &Step,
        key: &Key,
        credits: Credits,
        stats: &mut CallStats,
    ) -> Told {
        let ctx = &self.ctx;
        let at_ms = self.now();
        let started = Instant::now();
        let commit = call_with_faults(call_faults(step), stats, || {
            let req = CommitRequest {
                key: key.clone(),
                credits,
            };
            ctx.ledger.commit(step.account, at_ms, req)
        });
        let reply = ctx.watchdog.around(self.slot, commit).await;
        self.latencies.push((Op::Commit, elapsed_us(started)));
        match reply {
            Some(CommitOutcome::Committed { charged, .. }) => {
                self.tally.bump(Count::Committed);
                Told::Charged(charged)
            }
            Some(CommitOutcome::HoldClosed { .. }) => {
                self.tally.bump(Count::HoldClosed);
                Told::NotCharged
            }
            Some(_) => {
                self.tally.bump(Count::Unexpected);
                Told::NotCharged
            }
            None => Told::Unknown,
        }
    }

    async fn release(&mut self, step: &Step, key: &Key, stats: &mut CallStats) -> Told {
        let ctx = &self.ctx;
        let at_ms = self.now();
        let started = Instant::now();
        let release = call_with_faults(call_faults(step), stats, || {
            let req = ReleaseRequest { key: key.clone() };
            ctx.ledger.release(step.account, at_ms, req)
        });
        let reply = ctx.watchdog.around(self.slot, release).await;
        self.latencies.push((Op::Release, elapsed_us(started)));
        match reply {
            Some(ReleaseOutcome::Released { .. }) => self.tally.bump(Count::Released),
            Some(ReleaseOutcome::HoldClosed { .. }) => self.tally.bump(Count::HoldClosed),
            Some(ReleaseOutcome::NoHold) => {}
            None => return Told::Unknown,
        }
        Told::NotCharged
    }
}

/// The reserve of a step priced `priced` under `key`: the quoted maximum, held for `ttl_ms`.
fn reserve_request(key: &Key, priced: &Priced, credits: Credits, ttl_ms: u64) -> ReserveRequest {
    ReserveRequest {
        key: key.clone(),
        pool: priced.pool.clone(),
        action: priced.action.clone(),
        credits,
        ttl_ms,
    }
}

/// The faults applied to this step's reserve, commit and release calls.
fn call_faults(step: &Step) -> CallFaults {
    CallFaults {
        duplicate: step.faults.has(Fault::DuplicateDelivery),
        lose_reply: step.faults.has(Fault::LostReply),
    }
}

fn count_refusal(tally: &mut Tally, outcome: &ReserveOutcome) {
    tally.bump(match outcome {
        ReserveOutcome::Unlimited => Count::Unlimited,
        ReserveOutcome::Insufficient { .. } => Count::Insufficient,
        ReserveOutcome::NotEntitled => Count::NotEntitled,
        ReserveOutcome::Reserved { .. } | ReserveOutcome::KeyConflict => Count::Unexpected,
    });
}

fn elapsed_us(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX)
}
