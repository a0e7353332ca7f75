//! The `[[accounts]]` groups: accounts numbered densely from 0 in file order, each with its
//! agents numbered consecutively.

use toml::Spanned;

use super::values::*;
use crate::scenario::error::{ScenarioError, SourceText};
use crate::scenario::file::RawAccounts;
use crate::scenario::limits::{MAX_ACCOUNTS, MAX_AGENTS, MAX_PACKS};
use crate::scenario::population::{AccountSetup, AgentSetup};

/// Accounts created when a scenario has no `[[accounts]]`.
pub(crate) const DEFAULT_ACCOUNTS: u32 = 10;

pub(super) fn accounts(
    src: SourceText<'_>,
    groups: Option<&[Spanned<RawAccounts>]>,
) -> Result<(Vec<AccountSetup>, Vec<AgentSetup>), ScenarioError> {
    let Some(groups) = groups else {
        return Ok(default_accounts());
    };
    if groups.is_empty() {
        return Err(src.error_at_start("expected at least one [[accounts]] group"));
    }
    let mut accounts = Vec::new();
    let mut agents = Vec::new();
    for group in groups {
        let (template, count) = account_group(src, group)?;
        let total = (accounts.len() as u64).saturating_add(count);
        let agent_total =
            (agents.len() as u64).saturating_add(count.saturating_mul(u64::from(template.agents)));
        if total > MAX_ACCOUNTS {
            let message = format!("expected at most {MAX_ACCOUNTS} accounts in all, got {total}");
            return Err(src.error(group.span(), "count", message));
        }
        if agent_total > MAX_AGENTS {
            let message = format!("expected at most {MAX_AGENTS} agents in all, got {agent_total}");
            return Err(src.error(group.span(), "agents", message));
        }
        for _ in 0..count {
            push_account(&mut accounts, &mut agents, template.clone());
        }
    }
    Ok((accounts, agents))
}

fn push_account(
    accounts: &mut Vec<AccountSetup>,
    agents: &mut Vec<AgentSetup>,
    mut a: AccountSetup,
) {
    // Both lengths are below MAX_ACCOUNTS and MAX_AGENTS, which fit in u32.
    a.id = accounts.len() as u32;
    for _ in 0..a.agents {
        agents.push(AgentSetup {
            id: agents.len() as u32,
            account: a.id,
        });
    }
    accounts.push(a);
}

fn default_accounts() -> (Vec<AccountSetup>, Vec<AgentSetup>) {
    let template = AccountSetup {
        id: 0,
        persona: "packs".to_string(),
        plan: None,
        seats: 1,
        packs: Vec::new(),
        addon_units: 0,
        agents: 1,
    };
    let (mut accounts, mut agents) = (Vec::new(), Vec::new());
    for _ in 0..DEFAULT_ACCOUNTS {
        push_account(&mut accounts, &mut agents, template.clone());
    }
    (accounts, agents)
}

/// One `[[accounts]]` group: an account template and how many accounts to make of it.
fn account_group(
    src: SourceText<'_>,
    group: &Spanned<RawAccounts>,
) -> Result<(AccountSetup, u64), ScenarioError> {
    let raw = group.get_ref();
    let count = opt(raw.count.as_ref(), 1, |v| positive(src, v, "count"))?;
    let seats = opt(raw.seats.as_ref(), 1, |v| positive_u32(src, v, "seats"))?;
    let addon_units = opt(raw.addon_units.as_ref(), 0, |v| {
        let n = non_negative(src, v, "addon_units")?;
        fit_u32(src, v, "addon_units", n)
    })?;
    let agents = opt(raw.agents.as_ref(), 1, |v| positive_u32(src, v, "agents"))?;
    if let Some(packs) = raw.packs.as_ref().filter(|packs| packs.len() > MAX_PACKS) {
        let message = format!(
            "expected at most {MAX_PACKS} packs per account, got {}",
            packs.len()
        );
        return Err(src.error(packs[MAX_PACKS].span(), "packs", message));
    }
    let plan = raw.plan.as_ref().map(|p| p.get_ref().clone());
    let packs = raw
        .packs
        .iter()
        .flatten()
        .map(|p| p.get_ref().clone())
        .collect();
    let persona = match (&raw.persona, &plan) {
        (Some(p), _) => p.get_ref().clone(),
        (None, Some(plan)) => plan.clone(),
        (None, None) => "packs".to_string(),
    };
    let template = AccountSetup {
        id: 0,
        persona,
        plan,
        seats,
        packs,
        addon_units,
        agents,
    };
    Ok((template, count))
}
