//! Who takes part in a run: the accounts created before it starts and the user agents that
//! spend from them, numbered densely so that traces and journals can name them.

use crate::ledger::AccountId;

use super::AgentId;

/// One account to create before the run starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSetup {
    /// Dense from 0 in file order.
    pub id: AccountId,
    /// A label for economics reports: the group's `persona`, else its plan, else `packs`.
    pub persona: String,
    /// The vendor plan, or `None` for an account that only buys packs.
    pub plan: Option<String>,
    /// Seats on the plan (allowances per seat multiply).
    pub seats: u32,
    /// Pack ids bought at the start of the run, in order.
    pub packs: Vec<String>,
    /// Recurring add-on units (aistudios).
    pub addon_units: u32,
    /// How many agents share this account (more than one makes a workspace pool).
    pub agents: u32,
}

/// One user agent: an actor with its own RNG and step script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgentSetup {
    /// Dense from 0.
    pub id: AgentId,
    /// The account it reserves from: each `[[accounts]]` account has `agents` agents of its own.
    pub account: AccountId,
}
