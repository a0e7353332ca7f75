//! I12: at most one automatic purchase per threshold crossing (or per refusal), and at most
//! the policy's monthly limit, judged from the journal alone.
//!
//! The audit rebuilds the watched pool's available balance from the events (grants,
//! holds, returns, expiries), never asking the ledger or the policy. An automatic purchase
//! (a grant whose key starts with [`TOPUP_KEY_PREFIX`]) must come right after its cause,
//! before the next step starts: for `below = N`, a commit that left the balance below N
//! with no automatic purchase since the balance was last at or above N; for `when =
//! "blocked"`, a reserve refused for lack of credits in that pool. Each cause allows one
//! purchase.

use crate::check::{Invariant, Violation};
use crate::ledger::{AccountId, Draw, Event, EventKind, Rejection, TimeMs};
use crate::sim::config::{Topup, Trigger};

/// The key prefix of automatic purchases, which the engine uses and the audit recognizes.
pub(crate) const TOPUP_KEY_PREFIX: &str = "topup:";

/// One account's I12 audit.
pub(crate) struct TopupAudit<'a> {
    account: AccountId,
    rule: Option<&'a Topup>,
    /// Where each billing month starts, and the end of the last.
    month_starts: &'a [TimeMs],
    month: usize,
    available: i128,
    armed: bool,
    /// Whether a cause has occurred that allows one purchase now.
    allowed: bool,
    bought_this_month: u32,
}

impl<'a> TopupAudit<'a> {
    pub(crate) fn new(
        account: AccountId,
        rule: Option<&'a Topup>,
        month_starts: &'a [TimeMs],
    ) -> Self {
        TopupAudit {
            account,
            rule,
            month_starts,
            month: 0,
            available: 0,
            armed: true,
            allowed: false,
            bought_this_month: 0,
        }
    }

    /// Checks one event of the account, in journal order.
    pub(crate) fn observe(&mut self, event: &Event, out: &mut Vec<Violation>) {
        let Some(rule) = self.rule else {
            return;
        };
        self.roll_month(event.at_ms);
        let watched = |pool: &str| *pool == *rule.pool;
        match &event.kind {
            EventKind::Granted {
                pool, credits, key, ..
            } if watched(pool) => {
                self.available += i128::from(*credits);
                if key.starts_with(TOPUP_KEY_PREFIX) {
                    self.purchase(rule, event, key, out);
                }
            }
            EventKind::Reserved { pool, credits, .. } => {
                self.allowed = false;
                if watched(pool) {
                    self.available -= i128::from(*credits);
                }
            }
            EventKind::Rejected { pool, reason, .. } => {
                let short = matches!(reason, Rejection::Insufficient { .. });
                self.allowed = rule.trigger == Trigger::Blocked && short && watched(pool);
            }
            EventKind::Unlimited { .. } => self.allowed = false,
            EventKind::Committed { pool, returned, .. } if watched(pool) => {
                self.available += sum(returned);
                self.charged(rule);
            }
            EventKind::Released { pool, returned, .. } if watched(pool) => {
                self.available += sum(returned);
            }
            EventKind::Expired { pool, credits, .. } if watched(pool) => {
                self.available -= i128::from(*credits);
            }
            _ => {}
        }
        if let Trigger::Below(threshold) = rule.trigger
            && self.available >= i128::from(threshold)
        {
            self.armed = true;
        }
    }

    fn roll_month(&mut self, at_ms: TimeMs) {
        while self
            .month_starts
            .get(self.month + 1)
            .is_some_and(|&end| at_ms >= end)
        {
            self.month += 1;
            self.bought_this_month = 0;
        }
    }

    /// A charge left `available`: below the threshold with no purchase since the balance
    /// was last at or above it, one purchase may follow. (A purchase the monthly limit
    /// deferred may follow a later charge, as long as none was made meanwhile.)
    fn charged(&mut self, rule: &Topup) {
        if let Trigger::Below(threshold) = rule.trigger
            && self.available < i128::from(threshold)
            && self.armed
        {
            self.allowed = true;
        }
    }

    fn purchase(&mut self, rule: &Topup, event: &Event, key: &str, out: &mut Vec<Violation>) {
        self.bought_this_month += 1;
        let mut report = |message: String| {
            out.push(Violation {
                invariant: Invariant::I12,
                account: self.account,
                key: Some(key.into()),
                seq: Some(event.seq),
                at_ms: Some(event.at_ms),
                credits: u64::try_from(granted(event)).unwrap_or(0),
                message,
            })
        };
        if !self.allowed {
            let cause = match rule.trigger {
                Trigger::Below(n) => format!(
                    "no charge crossed below {n} credits since the previous purchase (balance \
                     before it: {})",
                    self.available - granted(event)
                ),
                Trigger::Blocked => "no step was refused for lack of credits just before".into(),
            };
            report(format!("automatic purchase of pack {}: {cause}", rule.pack));
        }
        self.allowed = false;
        self.armed = false;
        if let Some(limit) = rule.max_per_month
            && self.bought_this_month > limit
        {
            report(format!(
                "automatic purchase number {} in billing month {}, above the policy's limit \
                 of {limit} a month",
                self.bought_this_month,
                self.month + 1
            ));
        }
    }
}

fn sum(draws: &[Draw]) -> i128 {
    draws.iter().map(|d| i128::from(d.credits)).sum()
}

fn granted(event: &Event) -> i128 {
    match &event.kind {
        EventKind::Granted { credits, .. } => i128::from(*credits),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::{DrawList, LotSource};

    fn rule(trigger: Trigger, max_per_month: Option<u32>) -> Topup {
        Topup {
            pack: "starter".into(),
            pool: "credits".into(),
            trigger,
            max_per_month,
        }
    }

    struct Journal {
        events: Vec<Event>,
    }

    impl Journal {
        fn push(&mut self, at_ms: TimeMs, kind: EventKind) -> &mut Self {
            let seq = self.events.len() as u64;
            self.events.push(Event {
                account: 0,
                seq,
                at_ms,
                kind,
            });
            self
        }

        fn grant(&mut self, key: &str, credits: u64) -> &mut Self {
            let lot = self.events.len() as u32;
            self.push(
                1,
                EventKind::Granted {
                    key: key.into(),
                    lot,
                    pool: "credits".into(),
                    source: LotSource::Pack,
                    credits,
                    expires_at_ms: None,
                    priority: 2,
                },
            )
        }

        fn charge(&mut self, key: &str, credits: u64) -> &mut Self {
            let draws: DrawList = [Draw { lot: 0, credits }].into_iter().collect();
            self.push(
                1,
                EventKind::Reserved {
                    key: key.into(),
                    pool: "credits".into(),
                    action: "post".into(),
                    credits,
                    expires_at_ms: 100,
                    draws: draws.clone(),
                },
            );
            self.push(
                1,
                EventKind::Committed {
                    key: key.into(),
                    pool: "credits".into(),
                    charged: credits,
                    charged_from: draws,
                    returned: DrawList::new(),
                },
            )
        }

        fn audit(&self, rule: &Topup) -> Vec<Violation> {
            let starts = [0, 1000];
            let mut audit = TopupAudit::new(0, Some(rule), &starts);
            let mut out = Vec::new();
            self.events.iter().for_each(|e| audit.observe(e, &mut out));
            out
        }
    }

    #[test]
    fn one_purchase_per_crossing_passes_and_a_second_is_caught() {
        let rule = rule(Trigger::Below(50), None);
        let mut journal = Journal { events: Vec::new() };
        journal
            .grant("start:0", 100)
            .charge("s0", 60)
            .grant("topup:0", 20);
        assert_eq!(
            journal.audit(&rule),
            [],
            "40 < 50 after an armed start: one purchase"
        );
        journal.charge("s1", 5).grant("topup:1", 20);
        let found = journal.audit(&rule);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].invariant, Invariant::I12);
        assert!(
            found[0].message.contains("no charge crossed below 50"),
            "{found:?}"
        );
    }

    #[test]
    fn a_purchase_without_a_refusal_or_over_the_limit_is_caught() {
        let blocked = rule(Trigger::Blocked, Some(1));
        let mut journal = Journal { events: Vec::new() };
        let refused = EventKind::Rejected {
            key: "s0".into(),
            pool: "credits".into(),
            action: "post".into(),
            credits: 3,
            reason: Rejection::Insufficient { available: 0 },
        };
        journal.push(1, refused.clone()).grant("topup:0", 10);
        assert_eq!(journal.audit(&blocked), []);
        journal.push(2, refused).grant("topup:1", 10);
        let found = journal.audit(&blocked);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("above the policy's limit of 1"),
            "{found:?}"
        );
        journal.grant("topup:2", 10);
        assert_eq!(
            journal.audit(&blocked).len(),
            3,
            "no refusal, and over the limit"
        );
    }
}
