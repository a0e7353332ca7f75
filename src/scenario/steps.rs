//! Steps: what one agent does next, drawn deterministically from the seed or replayed from a
//! trace.

use std::sync::Arc;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

use crate::ledger::{AccountId, Credits, Key};
use crate::pricing::{Cost, CostSampler, Params};

use super::AgentId;
use super::faults::{Fault, FaultSet, StepFaults};
use super::setup::{AgentSetup, Arrival, Generation, Scenario};
use super::trace::Trace;

/// The upper end of [`Step::actual_permille`].
pub const PERMILLE_MAX: u16 = 1000;

/// One step of one agent: quote, reserve, generate for `duration_ms`, then commit or
/// release. Cheap to clone: the action and parameters are shared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// Unique across the run: agent `a`'s `k`-th drawn step has index `k × agents + a`, and
    /// a trace row's index is its row number from 0. Use it in idempotency keys.
    pub index: u64,
    /// The agent taking the step.
    pub agent: AgentId,
    /// The account it spends from.
    pub account: AccountId,
    /// When the step is due, in microseconds from the start of the run on the run's clock
    /// (real when paced, virtual otherwise): set for open arrival, and for a run bounded by
    /// months, whose steps are spread over them. Paced latency is measured from here.
    /// `None` when the agent takes the step as soon as it is ready.
    pub send_at_us: Option<u64>,
    /// The action id.
    pub action: Arc<str>,
    /// Its parameters.
    pub params: Arc<Params>,
    /// Whether the generation fails (the hold must then be released, never charged).
    pub fails: bool,
    /// How long the generation takes, in virtual ms.
    pub duration_ms: u64,
    /// Where the actual cost of a variable-cost action lands in its quoted range, in
    /// thousandths from `min` (0) to `max` (1000); see [`Step::actual_credits`]. Recorded per
    /// step, not as credits, so that the same trace stays valid if a price changes.
    pub actual_permille: u16,
    /// Injected faults for this step.
    pub faults: StepFaults,
}

impl Step {
    /// The amount to commit for a successful step quoted at `cost`. The 1001 permille
    /// values are cut into `max − min + 1` equal runs, one per whole number of the range, so
    /// that a uniform permille gives a uniform actual cost with both ends as likely as any
    /// other value: `min + ⌊permille × (max − min + 1) / 1001⌋`, never outside `[min, max]`.
    pub fn actual_credits(&self, cost: Cost) -> Credits {
        let values = u128::from(cost.max.saturating_sub(cost.min)) + 1;
        let permille = u128::from(self.actual_permille.min(PERMILLE_MAX));
        let extra = permille * values / (u128::from(PERMILLE_MAX) + 1);
        // extra < values, so min + extra <= max.
        cost.min + extra as u64
    }

    /// An idempotency key unique within the run (`a17-s3042`).
    pub fn key(&self) -> Key {
        smol_str::format_smolstr!("a{}-s{}", self.agent, self.index)
    }
}

/// One weighted choice of the mix.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadEntry {
    /// The action id.
    pub action: Arc<str>,
    /// Its parameters.
    pub params: Arc<Params>,
    /// Relative weight, at least 1.
    pub weight: u64,
    /// How the actual cost is drawn from the quoted range: `None` is uniform over its whole
    /// numbers; a sampler gives the scenario's `cost = { mean = M }` distribution.
    pub cost: Option<CostSampler>,
}

/// A weighted mix of actions, validated against the vendor.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    entries: Vec<WorkloadEntry>,
    /// Running sums of weights, for drawing an entry by binary search.
    cumulative: Vec<u64>,
}

impl Workload {
    /// A mix of `entries`; `None` when there are none or the weights overflow.
    pub fn new(entries: Vec<WorkloadEntry>) -> Option<Workload> {
        let mut sum: u64 = 0;
        let mut cumulative = Vec::with_capacity(entries.len());
        for entry in &entries {
            sum = sum.checked_add(entry.weight)?;
            cumulative.push(sum);
        }
        (sum > 0).then_some(Workload {
            entries,
            cumulative,
        })
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[WorkloadEntry] {
        &self.entries
    }

    fn pick(&self, draw: u64) -> &WorkloadEntry {
        let total = *self.cumulative.last().expect("a workload is never empty");
        let point = draw % total;
        let at = self.cumulative.partition_point(|&c| c <= point);
        &self.entries[at]
    }
}

/// The steps of one agent, in order. Iterate it (`next`) to get them.
#[derive(Clone, Debug)]
pub struct StepGen {
    inner: Inner,
}

#[derive(Clone, Debug)]
enum Inner {
    Drawn(Box<Drawn>),
    Replay {
        trace: Arc<Trace>,
        agent: AgentId,
        next: usize,
    },
}

/// Everything needed to draw an agent's steps.
#[derive(Clone, Debug)]
struct Drawn {
    rng: Xoshiro256PlusPlus,
    workload: Arc<Workload>,
    slot: AgentSetup,
    agents: u64,
    /// Steps this agent takes; `None` until the runner stops it.
    count: Option<u64>,
    taken: u64,
    schedule: Schedule,
    generation: Generation,
    faults: FaultSet,
    ttl_ms: u64,
}

/// When drawn steps are due.
#[derive(Clone, Copy, Debug)]
enum Schedule {
    /// As soon as the agent is ready (closed arrival).
    Ready,
    /// Step `i` at `i × 1e6 / rate` µs (open arrival).
    Rate(u64),
    /// Step `i` of `total` at `i / total` of `span_us` (a run bounded by months).
    Spread { span_us: u64, total: u64 },
}

impl Schedule {
    fn of(scenario: &Scenario) -> Schedule {
        let span_ms = scenario
            .clock
            .end_ms()
            .map(|end| end - scenario.clock.start_ms);
        match (span_ms, scenario.total_steps(), scenario.arrival) {
            (Some(span_ms), Some(total), _) => Schedule::Spread {
                span_us: span_ms.saturating_mul(1000),
                total: total.max(1),
            },
            (_, _, Arrival::Open { rate_per_s }) => Schedule::Rate(rate_per_s),
            (_, _, Arrival::Closed { .. }) => Schedule::Ready,
        }
    }

    fn due_us(self, index: u64) -> Option<u64> {
        match self {
            Schedule::Ready => None,
            Schedule::Rate(rate_per_s) => Some(send_at_us(index, rate_per_s)),
            Schedule::Spread { span_us, total } => {
                let at = u128::from(index) * u128::from(span_us) / u128::from(total);
                Some(u64::try_from(at).unwrap_or(u64::MAX))
            }
        }
    }
}

impl StepGen {
    pub(crate) fn drawn(scenario: &Scenario, workload: Arc<Workload>, slot: AgentSetup) -> StepGen {
        let agents = scenario.agents.len() as u64;
        let a = u64::from(slot.id);
        let count = (scenario.total_steps()).map(|n| n / agents + u64::from(a < n % agents));
        StepGen {
            inner: Inner::Drawn(Box::new(Drawn {
                rng: Xoshiro256PlusPlus::seed_from_u64(agent_seed(scenario.seed, slot.id)),
                workload,
                slot,
                agents,
                count,
                taken: 0,
                schedule: Schedule::of(scenario),
                generation: scenario.generation,
                faults: scenario.faults,
                ttl_ms: scenario.ttl_ms,
            })),
        }
    }

    pub(crate) fn replay(trace: Arc<Trace>, slot: AgentSetup) -> StepGen {
        StepGen {
            inner: Inner::Replay {
                trace,
                agent: slot.id,
                next: 0,
            },
        }
    }
}

impl Iterator for StepGen {
    type Item = Step;

    fn next(&mut self) -> Option<Step> {
        match &mut self.inner {
            Inner::Drawn(drawn) => drawn.next(),
            Inner::Replay { trace, agent, next } => {
                let step = trace.agent_row(*agent, *next)?.clone();
                *next += 1;
                Some(step)
            }
        }
    }
}

impl Drawn {
    /// Draws one step. The draws happen in a fixed order and always the same number of
    /// them, so changing one probability does not reshuffle the rest of the script.
    fn next(&mut self) -> Option<Step> {
        if self.count.is_some_and(|count| self.taken >= count) {
            return None;
        }
        let index = self
            .taken
            .checked_mul(self.agents)?
            .checked_add(u64::from(self.slot.id))?;
        self.taken += 1;
        let entry = self.workload.pick(self.rng.next_u64()).clone();
        let fails = self.chance(Fault::GenerationFailure);
        let mut duration_ms = self.duration_ms();
        let actual_permille = permille(entry.cost.as_ref(), self.rng.next_u64());
        let mut faults = StepFaults::default();
        for fault in Fault::INJECTED {
            if self.chance(fault) {
                faults.insert(fault);
            }
        }
        if faults.has(Fault::SlowGeneration) {
            duration_ms = duration_ms.max(self.ttl_ms.saturating_mul(2));
        }
        Some(Step {
            index,
            agent: self.slot.id,
            account: self.slot.account,
            send_at_us: self.schedule.due_us(index),
            action: entry.action,
            params: entry.params,
            fails,
            duration_ms,
            actual_permille,
            faults,
        })
    }

    fn chance(&mut self, fault: Fault) -> bool {
        unit(self.rng.next_u64()) < self.faults.probability(fault)
    }

    fn duration_ms(&mut self) -> u64 {
        let draw = self.rng.next_u64();
        match self.generation {
            Generation::Fixed { ms } => ms,
            Generation::Uniform { min_ms, max_ms } => {
                let span = max_ms - min_ms;
                min_ms + draw % span.saturating_add(1).max(1)
            }
            Generation::Exponential { mean_ms } => {
                let mean = mean_ms as f64;
                let ms = -mean * (1.0 - unit(draw)).ln();
                ms.min(mean * 20.0).round() as u64
            }
        }
    }
}

/// Where a step's actual cost lands in its range, in thousandths (see
/// [`Step::actual_credits`]), from one random draw: uniform over the 1001 values, or through
/// the entry's sampler. A sampled cost `min + k` of `v` values is recorded as the first
/// permille that maps back to it, `⌈k × 1001 / v⌉`, so a trace replays the same cost.
fn permille(cost: Option<&CostSampler>, draw: u64) -> u16 {
    let values = u64::from(PERMILLE_MAX) + 1;
    let Some(sampler) = cost else {
        return (draw % values) as u16;
    };
    let range = sampler.range();
    let k = sampler.sample(unit(draw)) - range.min;
    let span = range.max - range.min + 1;
    (k * values).div_ceil(span).min(u64::from(PERMILLE_MAX)) as u16
}

/// A draw mapped to [0, 1) with 53 bits of precision.
fn unit(draw: u64) -> f64 {
    (draw >> 11) as f64 / (1u64 << 53) as f64
}

/// The intended send time of step `index` at `rate_per_s`, in µs from the run's start.
fn send_at_us(index: u64, rate_per_s: u64) -> u64 {
    let at = u128::from(index) * 1_000_000 / u128::from(rate_per_s.max(1));
    u64::try_from(at).unwrap_or(u64::MAX)
}

/// The RNG seed of one agent: the run's seed and the agent's id, mixed (splitmix64) so that
/// neighbouring seeds and agents get unrelated streams.
fn agent_seed(seed: u64, agent: AgentId) -> u64 {
    splitmix64(splitmix64(seed) ^ u64::from(agent))
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, weight: u64) -> WorkloadEntry {
        WorkloadEntry {
            action: action.into(),
            params: Arc::new(Params::new()),
            weight,
            cost: None,
        }
    }

    #[test]
    fn a_sampled_cost_is_recorded_as_a_permille_that_maps_back_to_it() {
        use crate::pricing::CostDraw;
        let step = |actual_permille| Step {
            index: 0,
            agent: 0,
            account: 0,
            send_at_us: None,
            action: "post".into(),
            params: Arc::new(Params::new()),
            fails: false,
            duration_ms: 0,
            actual_permille,
            faults: StepFaults::default(),
        };
        for (min, max) in [(1, 3), (0, 1), (5, 20), (0, 1000)] {
            let cost = Cost { min, max };
            let mean = (min + max) as f64 / 2.0 + 0.1;
            let sampler = CostSampler::new(cost, CostDraw::Mean(mean)).unwrap();
            for i in 0..2000u64 {
                let draw = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                let want = sampler.sample(unit(draw));
                let got = step(permille(Some(&sampler), draw)).actual_credits(cost);
                assert_eq!(got, want, "{cost:?} draw {draw}");
            }
        }
    }

    #[test]
    fn weights_decide_how_often_an_entry_is_picked() {
        let mix = Workload::new(vec![entry("a", 1), entry("b", 3)]).unwrap();
        let picks: Vec<&str> = (0..8).map(|d| &*mix.pick(d).action).collect();
        assert_eq!(picks, ["a", "b", "b", "b", "a", "b", "b", "b"]);
        assert!(Workload::new(vec![]).is_none());
        assert!(Workload::new(vec![entry("a", u64::MAX), entry("b", 1)]).is_none());
    }

    #[test]
    fn actual_credits_stay_within_the_quote() {
        let mut step = Step {
            index: 0,
            agent: 0,
            account: 0,
            send_at_us: None,
            action: "post".into(),
            params: Arc::new(Params::new()),
            fails: false,
            duration_ms: 0,
            actual_permille: 0,
            faults: StepFaults::default(),
        };
        let cost = Cost { min: 1, max: 3 };
        let at = |step: &mut Step, p| {
            step.actual_permille = p;
            step.actual_credits(cost)
        };
        let counts = (0..=PERMILLE_MAX).fold([0; 4], |mut counts, p| {
            counts[at(&mut step, p) as usize] += 1;
            counts
        });
        assert_eq!(counts, [0, 334, 334, 333], "1, 2 and 3 equally likely");
        assert_eq!(at(&mut step, 0), 1);
        assert_eq!(at(&mut step, 1000), 3);
        assert_eq!(at(&mut step, u16::MAX), 3);
        let huge = Cost {
            min: u64::MAX - 1,
            max: u64::MAX,
        };
        step.actual_permille = 1000;
        assert_eq!(step.actual_credits(huge), u64::MAX);
        assert_eq!(step.key(), "a0-s0");
    }

    #[test]
    fn open_arrival_spaces_steps_evenly() {
        assert_eq!(send_at_us(0, 1000), 0);
        assert_eq!(send_at_us(3, 1000), 3000);
        assert_eq!(send_at_us(1, 3), 333_333);
        assert_eq!(send_at_us(u64::MAX, 1), u64::MAX);
    }

    #[test]
    fn agent_seeds_differ_by_seed_and_agent() {
        assert_ne!(agent_seed(1, 0), agent_seed(1, 1));
        assert_ne!(agent_seed(1, 0), agent_seed(2, 0));
        assert_eq!(agent_seed(7, 3), agent_seed(7, 3));
    }
}
