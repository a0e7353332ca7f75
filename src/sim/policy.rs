//! Top-up policies: when an account buys a pack by itself. The rules here are what I12
//! checks from the journal, independently (see `audit::topups`).
//!
//! - `below = N`: after a charge leaves the pack's pool with less than N credits available,
//!   buy once; buy again only after the balance has been back at or above N (a renewal or
//!   the purchase itself lifting it), so a pack smaller than the gap is not bought again
//!   and again. A purchase that the monthly limit defers is made at the first charge after
//!   the limit allows it, if the balance is still below N.
//! - `when = "blocked"`: when a step is refused for lack of credits in the pack's pool, buy
//!   once and retry the step once.
//! - `max_per_month`: at most that many automatic purchases per billing month.

use super::config::{Topup, Trigger};
use crate::ledger::Credits;

/// One account's policy state.
#[derive(Clone, Debug)]
pub(super) struct Policy<'a> {
    topup: Option<&'a Topup>,
    /// The deliberate flaw: buy on every charge below the threshold and ignore the limit.
    looping: bool,
    /// Whether the balance has been at or above the threshold since the last purchase.
    armed: bool,
    /// Automatic purchases in the current billing month.
    bought_this_month: u32,
}

impl<'a> Policy<'a> {
    pub(super) fn new(topup: Option<&'a Topup>, looping: bool) -> Policy<'a> {
        Policy {
            topup,
            looping,
            armed: true,
            bought_this_month: 0,
        }
    }

    /// The policy, if any.
    pub(super) fn topup(&self) -> Option<&'a Topup> {
        self.topup
    }

    /// A new billing month starts: its limit is fresh.
    pub(super) fn new_month(&mut self) {
        self.bought_this_month = 0;
    }

    /// Notes the available balance of the watched pool (after a grant or a renewal).
    pub(super) fn observe(&mut self, available: Credits) {
        if let Some(Trigger::Below(threshold)) = self.topup.map(|t| t.trigger)
            && available >= threshold
        {
            self.armed = true;
        }
    }

    /// After a charge in the watched pool left `available`: whether to buy now.
    pub(super) fn after_charge(&mut self, available: Credits) -> bool {
        let Some(Trigger::Below(threshold)) = self.topup.map(|t| t.trigger) else {
            return false;
        };
        if available >= threshold {
            self.armed = true;
            return false;
        }
        let buy = (self.armed || self.looping) && self.within_limit();
        if buy {
            self.armed = false;
        }
        buy
    }

    /// After a step in the watched pool was refused for lack of credits: whether to buy now
    /// (and retry the step).
    pub(super) fn after_refusal(&mut self) -> bool {
        matches!(self.topup.map(|t| t.trigger), Some(Trigger::Blocked)) && self.within_limit()
    }

    /// Records a purchase the policy asked for.
    pub(super) fn bought(&mut self) {
        self.bought_this_month += 1;
    }

    fn within_limit(&self) -> bool {
        let limit = self.topup.and_then(|t| t.max_per_month);
        self.looping || limit.is_none_or(|limit| self.bought_this_month < limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topup(trigger: Trigger, max_per_month: Option<u32>) -> Topup {
        Topup {
            pack: "starter".into(),
            pool: "credits".into(),
            trigger,
            max_per_month,
        }
    }

    #[test]
    fn below_buys_once_per_crossing() {
        let rule = topup(Trigger::Below(50), None);
        let mut policy = Policy::new(Some(&rule), false);
        assert!(!policy.after_charge(60), "still above");
        assert!(policy.after_charge(40), "crossed");
        policy.bought();
        policy.observe(45);
        assert!(!policy.after_charge(30), "still below since the crossing");
        policy.observe(130);
        assert!(policy.after_charge(20), "back above, then crossed again");
    }

    #[test]
    fn the_monthly_limit_holds_until_the_month_ends() {
        let rule = topup(Trigger::Blocked, Some(2));
        let mut policy = Policy::new(Some(&rule), false);
        for _ in 0..2 {
            assert!(policy.after_refusal());
            policy.bought();
        }
        assert!(!policy.after_refusal());
        policy.new_month();
        assert!(policy.after_refusal());
        assert!(!policy.after_charge(0), "a blocked policy ignores charges");
    }

    #[test]
    fn the_looping_flaw_buys_on_every_low_charge() {
        let rule = topup(Trigger::Below(50), Some(1));
        let mut policy = Policy::new(Some(&rule), true);
        for _ in 0..5 {
            assert!(policy.after_charge(10));
            policy.bought();
        }
    }
}
