//! Steps: what one agent does next, drawn deterministically from the seed or replayed from a
//! trace.

use std::sync::Arc;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};

use crate::pricing::CostSampler;

use super::AgentId;
use super::ScenarioError;
use super::faults::{Fault, FaultSet, StepFaults};
use super::population::AgentSetup;
use super::setup::{Arrival, Generation, Scenario, StepSource};
use super::step::{PERMILLE_MAX, Step};
use super::trace::Trace;
use super::workload::Workload;

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

impl Scenario {
    /// The steps of one agent, in order. Each call starts the agent's script afresh, so two
    /// calls yield the same steps.
    ///
    /// # Panics
    ///
    /// If `agent` is not the id of one of `self.agents` (a caller bug, not bad input).
    pub fn steps(&self, agent: AgentId) -> StepGen {
        let slot = self.agents[agent as usize];
        match &self.source {
            StepSource::Trace(trace) => StepGen::replay(Arc::clone(trace), slot),
            StepSource::Workload(workload) => StepGen::drawn(self, Arc::clone(workload), slot),
        }
    }

    /// Every step of the run in index order, as `generate` writes them. Refused when the run
    /// has no fixed step count.
    pub fn all_steps(&self) -> Result<AllSteps, ScenarioError> {
        let Some(total) = self.total_steps() else {
            return Err(ScenarioError::Unsupported {
                path: self.path.clone(),
                message: "closed arrival bounded by `duration.seconds` has no fixed step \
                          count; set `duration.steps` or use `arrival.mode = \"open\"`"
                    .to_string(),
            });
        };
        let gens = (0..self.agents.len() as AgentId)
            .map(|a| self.steps(a))
            .collect();
        Ok(AllSteps {
            gens,
            trace: match &self.source {
                StepSource::Trace(trace) => Some(Arc::clone(trace)),
                StepSource::Workload(_) => None,
            },
            next: 0,
            total,
        })
    }
}

/// Every step of a plan in index order (agents interleaved round-robin for a drawn
/// workload, row order for a trace).
#[derive(Debug)]
pub struct AllSteps {
    gens: Vec<StepGen>,
    trace: Option<Arc<Trace>>,
    next: u64,
    total: u64,
}

impl Iterator for AllSteps {
    type Item = super::Step;

    fn next(&mut self) -> Option<super::Step> {
        if self.next >= self.total {
            return None;
        }
        let index = self.next;
        self.next += 1;
        if let Some(trace) = &self.trace {
            return trace.row(index as usize).cloned();
        }
        let agent = (index % self.gens.len() as u64) as usize;
        let step = self.gens[agent].next();
        debug_assert_eq!(step.as_ref().map(|s| s.index), Some(index));
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::{Cost, Params};
    use crate::scenario::WorkloadEntry;

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
