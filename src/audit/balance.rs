//! Rules about the balance as a user sees it: when low-balance warnings fire, who in a
//! workspace spends it, and when a step's credits leave it.

use super::sim::{ANCHOR_MS, DAY_MS, PURCHASE_MS, Sim, outcome, quote};
use crate::accounts::{settlement, shares_balance};
use crate::ledger::{CommitOutcome, Credits, EventKind, ReleaseOutcome, ReserveOutcome};
use crate::pricing::{ChargeTiming, Claim, Finding, LowBalance, Model, Quote, params_of};

/// Members of the workspace in a `shared` claim.
const MEMBERS: usize = 3;

/// The most one-credit steps a `warns` claim takes.
const WARN_STEPS_MAX: u64 = 1_000_000;

fn claim_quote(model: &Model, claim: &Claim) -> Result<Quote, String> {
    let action = claim.action.as_deref().unwrap_or_default();
    quote(model, action, &params_of(&claim.params))
}

/// "The system warns you when: Balance drops below 100 credits; Balance reaches critical low
/// (10 credits)": spending one credit at a time from a full pack (or plan), a warning fires
/// once at each level the document names, and never again below it.
pub(super) fn warns(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let q = claim_quote(model, claim)?;
    let mut sim = Sim::new(model, claim.plan.as_deref(), 1, 0, PURCHASE_MS)?;
    if let Some(pack) = &claim.pack {
        sim.buy(model, pack, PURCHASE_MS)?;
    }
    let start = sim.available(&q.pool);
    let mut want: Vec<Credits> = claim
        .levels
        .iter()
        .filter_map(|l| LowBalance::level(*l))
        .collect();
    if want.iter().any(|&level| level >= start) {
        return Err(format!("a balance of {start} starts at or below a level"));
    }
    let at = PURCHASE_MS + DAY_MS;
    let mut steps = 0;
    while sim.available(&q.pool) > 0 && steps < WARN_STEPS_MAX {
        sim.spend(&q, 1, at);
        steps += 1;
    }
    let mut seen: Vec<Credits> = (sim.events.iter())
        .filter_map(|e| match &e.kind {
            EventKind::Warning { available, .. } => Some(*available),
            _ => None,
        })
        .collect();
    let shown: Vec<String> = seen.iter().map(Credits::to_string).collect();
    seen.sort_unstable();
    want.sort_unstable();
    let levels: Vec<String> = claim.levels.iter().map(ToString::to_string).collect();
    Ok(Finding::words(
        format!("one warning {}", levels.join(", one ")),
        match shown.is_empty() {
            true => "no warning".to_string(),
            false => format!("warnings at balances {}", shown.join(", ")),
        },
        format!(
            "spent {} one credit at a time from a balance of {start} to 0; warnings look at the \
             available balance, held credits excluded",
            q.action
        ),
        Finding::verdict_of(seen == want),
    ))
}

/// "Balance is shared across your workspace": one member buys the pack, and every other
/// member's spending comes out of the buyer's balance.
pub(super) fn shared(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let q = claim_quote(model, claim)?;
    let pack = model
        .pack(claim.pack.as_deref().unwrap_or_default())
        .map_err(|e| e.to_string())?;
    let shares = shares_balance(model, pack);
    let plan = claim.plan.as_deref();
    let seats = u32::try_from(MEMBERS).unwrap_or(1);
    let accounts = if shares { 1 } else { MEMBERS };
    let mut sims: Vec<Sim> = (0..accounts)
        .map(|_| Sim::new(model, plan, seats, 0, PURCHASE_MS))
        .collect::<Result<_, _>>()?;
    let at = PURCHASE_MS + DAY_MS;
    sims[0].buy(model, &pack.id, at)?;
    let mut holds = true;
    let mut seen = Vec::new();
    for member in 1..MEMBERS {
        let before = sims[0].available(&q.pool);
        let spent = sims[member % accounts].spend(&q, q.credits.max, at);
        let from_buyer = before - sims[0].available(&q.pool);
        holds &= from_buyer == q.credits.max;
        seen.push(format!(
            "member {}: {}, {from_buyer} from the buyer's balance",
            member + 1,
            outcome(&spent)
        ));
    }
    Ok(Finding::words(
        "every member spends the one balance".to_string(),
        seen.join("; "),
        format!(
            "a workspace of {MEMBERS} members{}: member 1 bought {}, members 2 and 3 each \
             spent {} ({})",
            plan.map_or(String::new(), |p| format!(" on {p}")),
            pack.id,
            q.action,
            q.credits.max
        ),
        Finding::verdict_of(holds),
    ))
}

/// One step, funded with the most it can cost: the balance while it runs and after, and
/// what the commit (or, for a failure, the release) did.
struct Step {
    running: Credits,
    after: Credits,
    charged: Credits,
    returned: Credits,
}

fn run_step(model: &Model, q: &Quote, actual: Credits, fails: bool) -> Result<Step, String> {
    let plan = settlement(model, q.credits, actual);
    let mut sim = Sim::empty(model)?;
    let at = ANCHOR_MS + DAY_MS;
    sim.give(&q.pool, q.credits.max, at)?;
    let (key, reserved) = sim.reserve(q, plan.hold, at);
    if !matches!(reserved, ReserveOutcome::Reserved { .. }) {
        return Err(format!("the step was refused: {}", outcome(&reserved)));
    }
    let running = sim.available(&q.pool);
    let (charged, returned) = match fails {
        true => match sim.release(&key, at + 1) {
            ReleaseOutcome::Released { returned } => (0, returned),
            other => return Err(format!("the release failed: {other:?}")),
        },
        false => match sim.commit(&key, plan.charge, at + 1) {
            CommitOutcome::Committed { charged, returned } => (charged, returned),
            other => return Err(format!("the commit failed: {other:?}")),
        },
    };
    let after = sim.available(&q.pool);
    Ok(Step {
        running,
        after,
        charged,
        returned,
    })
}

/// "Credits are deducted at the start of each step ... If generation fails, your credits are
/// not charged", or "Your balance updates immediately after ... any AI operation completes"
/// with costs that "vary": each step is run with its cheapest and its dearest actual cost,
/// succeeding and failing, and what leaves the balance when is compared with the timing.
pub(super) fn charge_timing(model: &Model, claim: &Claim) -> Result<Finding, String> {
    let q = claim_quote(model, claim)?;
    let timing = claim.timing.unwrap_or(ChargeTiming::Upfront);
    let funded = q.credits.max;
    let mut holds = true;
    let mut seen = Vec::new();
    for actual in [q.credits.min, q.credits.max] {
        let ok = run_step(model, &q, actual, false)?;
        let failed = run_step(model, &q, actual, true)?;
        let taken_at_start = match timing {
            ChargeTiming::Upfront => actual,
            ChargeTiming::AfterCompletion => q.credits.max,
        };
        holds &= ok.running == funded - taken_at_start
            && ok.charged == actual
            && ok.after == funded - actual
            && failed.charged == 0
            && failed.after == funded;
        seen.push(format!(
            "actual {actual}: {} taken at the start, {} charged and {} returned on success; \
             {} returned on failure",
            funded - ok.running,
            ok.charged,
            ok.returned,
            failed.returned
        ));
        if q.credits.is_fixed() {
            break;
        }
    }
    let document = match timing {
        ChargeTiming::Upfront => "the cost taken at the start, refunded on failure",
        ChargeTiming::AfterCompletion => {
            "the most it can cost held while it runs, the actual charged after completion, \
             nothing on failure"
        }
    };
    Ok(Finding::words(
        document.to_string(),
        seen.join("; "),
        format!(
            "ran {} ({}) with {funded} credits, succeeding and failing, at each end of its range",
            q.action, q.credits
        ),
        Finding::verdict_of(holds),
    ))
}
