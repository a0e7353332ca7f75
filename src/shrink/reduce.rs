//! The reductions, cheapest and biggest first: cut the steps after the failure, delete the
//! accounts, then the agents, then the steps it does not need, strip faults from the steps
//! left, and drop the accounts and agents that no longer take a step and the months that no
//! longer hold one.

use std::collections::{BTreeMap, BTreeSet};

use crate::ledger::AccountId;
use crate::scenario::{AccountSetup, AgentId, AgentSetup, Scenario, Step, StepFaults};

use super::ddmin::{Budget, ddmin, shortest_failing_prefix};
use super::probe::Probe;

/// A failing run: the accounts and agents, and the steps replayed on them.
#[derive(Clone)]
pub(super) struct Failing {
    pub scenario: Scenario,
    pub steps: Vec<Step>,
    /// Whether accounts and agents were renumbered to only those with a step.
    pub compacted: bool,
}

/// Reduces `failing` while it keeps breaking the probe's target, within `budget` runs.
/// `focus` is the account of the target's first violation: accounts share no credits, so
/// the others can usually go at once, and whole agents before single steps, because a
/// race needs its interleaving, which deleting single steps of every agent disturbs.
pub(super) fn reduce(
    probe: &Probe,
    failing: Failing,
    focus: AccountId,
    budget: &mut Budget,
) -> Failing {
    let Failing {
        scenario, steps, ..
    } = failing;
    let breaks = |steps: &[Step]| probe.breaks(&scenario, steps);
    let steps = shortest_failing_prefix(steps, budget, breaks);
    let steps = by_groups(steps, budget, |s| s.account, Some(focus), breaks);
    let steps = by_groups(steps, budget, |s| s.agent, None, breaks);
    let steps = ddmin(steps, budget, breaks);
    let steps = strip_faults(steps, budget, breaks);
    let mut failing = Failing {
        scenario,
        steps,
        compacted: false,
    };
    let compact = compacted(&failing);
    if budget.take() && probe.breaks(&compact.scenario, &compact.steps) {
        failing = compact;
    }
    let mut shorter = failing.clone();
    if shorter.scenario.clock.months.take().is_some()
        && budget.take()
        && probe.breaks(&shorter.scenario, &shorter.steps)
    {
        failing = shorter;
    }
    failing
}

/// ddmin over groups of steps (all of one account's, or one agent's), trying `first` alone
/// before anything else.
fn by_groups(
    steps: Vec<Step>,
    budget: &mut Budget,
    group_of: impl Fn(&Step) -> u32,
    first: Option<u32>,
    breaks: impl Fn(&[Step]) -> bool,
) -> Vec<Step> {
    let keep = |groups: &[u32]| -> Vec<Step> {
        let kept: BTreeSet<u32> = groups.iter().copied().collect();
        (steps.iter())
            .filter(|s| kept.contains(&group_of(s)))
            .cloned()
            .collect()
    };
    let all: BTreeSet<u32> = steps.iter().map(&group_of).collect();
    let mut groups: Vec<u32> = all.into_iter().collect();
    if let Some(first) = first.filter(|f| groups.len() > 1 && groups.contains(f))
        && budget.take()
        && breaks(&keep(&[first]))
    {
        groups = vec![first];
    }
    let groups = ddmin(groups, budget, |groups| breaks(&keep(groups)));
    keep(&groups)
}

/// Each step's injected faults and generation failure removed where the failure survives
/// without them: all at once first, then one by one.
fn strip_faults(
    mut steps: Vec<Step>,
    budget: &mut Budget,
    breaks: impl Fn(&[Step]) -> bool,
) -> Vec<Step> {
    for row in 0..steps.len() {
        let step = &steps[row];
        if step.faults.is_empty() && !step.fails {
            continue;
        }
        let mut tries: Vec<(StepFaults, bool)> = vec![(StepFaults::default(), false)];
        let faults: Vec<_> = step.faults.iter().collect();
        for (skip, _) in faults.iter().enumerate() {
            let mut fewer = StepFaults::default();
            (faults.iter().enumerate())
                .filter(|(k, _)| *k != skip)
                .for_each(|(_, fault)| fewer.insert(*fault));
            tries.push((fewer, step.fails));
        }
        if step.fails && !step.faults.is_empty() {
            tries.push((step.faults, false));
        }
        for (faults, fails) in tries {
            if !budget.take() {
                return steps;
            }
            let mut candidate = steps.clone();
            candidate[row].faults = faults;
            candidate[row].fails = fails;
            if breaks(&candidate) {
                steps = candidate;
                break;
            }
        }
    }
    steps
}

/// `failing` with only the accounts and agents that take a step, renumbered densely in
/// their old order (an account's agents stay consecutive, as a scenario lays them out).
fn compacted(failing: &Failing) -> Failing {
    let template = &failing.scenario;
    let used: BTreeSet<AgentId> = failing.steps.iter().map(|s| s.agent).collect();
    let mut accounts: Vec<AccountSetup> = Vec::new();
    let mut agents: Vec<AgentSetup> = Vec::new();
    let mut new_account: BTreeMap<AccountId, AccountId> = BTreeMap::new();
    let mut new_agent: BTreeMap<AgentId, AgentId> = BTreeMap::new();
    for old in used {
        let old_account = template.agents[old as usize].account;
        let account = *new_account.entry(old_account).or_insert_with(|| {
            let mut setup = template.accounts[old_account as usize].clone();
            setup.id = accounts.len() as AccountId;
            setup.agents = 0;
            accounts.push(setup);
            accounts.len() as AccountId - 1
        });
        accounts[account as usize].agents += 1;
        new_agent.insert(old, agents.len() as AgentId);
        agents.push(AgentSetup {
            id: agents.len() as AgentId,
            account,
        });
    }
    let steps = (failing.steps.iter().cloned())
        .map(|mut step| {
            step.agent = new_agent[&step.agent];
            step.account = new_account[&step.account];
            step
        })
        .collect();
    let mut scenario = template.clone();
    scenario.accounts = accounts;
    scenario.agents = agents;
    Failing {
        scenario,
        steps,
        compacted: true,
    }
}
