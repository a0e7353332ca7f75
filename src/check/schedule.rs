//! Grants against the run's terms: I11's renewal schedule, and the explanation every grant
//! needs (a scheduled renewal, or a grant the setup lists).
//!
//! The schedule is computed here from the terms and the calendar, not asked of the ledger:
//! the `k`-th grant of a recurring grant is due `k × every_months` calendar months after the
//! account's anchor (once, at the anchor, when `every_months` is 0), and its lot expires at
//! the end of the `cycle_months` cycle that contains it (never when `cycle_months` is 0).

use crate::fastmap::FastMap;
use crate::ledger::calendar::add_months;
use crate::ledger::{Credits, GrantRequest, Key, LotSource, Name, RecurringGrant, TimeMs};

use super::setup::AccountTerms;
use super::verdict::Invariant;

/// The key prefix of scheduled grants: `renew:<label>:<k>`.
const RENEW_PREFIX: &str = crate::ledger::RENEWAL_KEY_PREFIX;

/// Whether `key` names a scheduled grant (`renew:<label>:<k>`).
pub(super) fn is_scheduled(key: &str) -> bool {
    key.starts_with(RENEW_PREFIX)
}

/// When the `k`-th grant of `grant` is due; `None` means never.
pub(super) fn due_ms(anchor_ms: TimeMs, grant: &RecurringGrant, k: u64) -> Option<TimeMs> {
    match grant.every_months {
        0 => (k == 0).then_some(anchor_ms),
        every => add_months(anchor_ms, k.checked_mul(u64::from(every))?),
    }
}

/// When the lot of the `k`-th grant of `grant` expires; `None` means never.
pub(super) fn expiry_ms(anchor_ms: TimeMs, grant: &RecurringGrant, k: u64) -> Option<TimeMs> {
    let cycle = u64::from(grant.cycle_months);
    if cycle == 0 {
        return None;
    }
    let months_in = k.checked_mul(u64::from(grant.every_months))?;
    add_months(anchor_ms, (months_in / cycle + 1).checked_mul(cycle)?)
}

/// What a grant event says, for comparing with the terms.
#[derive(Clone, Copy)]
pub(super) struct GrantView<'a> {
    pub key: &'a Key,
    pub pool: &'a Name,
    pub source: LotSource,
    pub credits: Credits,
    pub expires_at_ms: Option<TimeMs>,
    pub priority: u8,
    pub at_ms: TimeMs,
    pub seq: u64,
    /// The pool's granted total before this grant, to tell a refused overflow (journaled
    /// with 0 credits) from a wrong amount.
    pub granted_before: i128,
}

/// A grant the terms do not explain: which invariant it breaks, and why.
pub(super) struct Unexplained {
    pub invariant: Invariant,
    pub message: String,
}

/// One recurring grant and the grants of it seen so far.
struct Recurring {
    grant: RecurringGrant,
    /// Grant number `k` → the `seq` of its event.
    seen: FastMap<u64, u64>,
    /// The lowest `k` neither seen nor reported missing, and when it is due.
    next_k: u64,
    next_due_ms: Option<TimeMs>,
}

/// One account's terms, as the checker follows them through its journal.
pub(super) struct Terms {
    anchor_ms: TimeMs,
    recurring: Vec<Recurring>,
    /// The setup's grants by key.
    starting: FastMap<Key, GrantRequest>,
    /// Grants under this key prefix are purchases made during the run, which the caller
    /// audits against its own purchase rules (economics' top-ups, I12).
    purchase_prefix: Option<&'static str>,
}

/// A renewal that was due and not granted.
pub(super) struct Missed {
    pub label: String,
    pub k: u64,
    pub due_ms: TimeMs,
    pub credits: Credits,
}

impl Terms {
    pub(super) fn new(terms: &AccountTerms) -> Terms {
        let anchor_ms = terms.spec.anchor_ms;
        let recurring = (terms.spec.recurring.iter())
            .map(|grant| Recurring {
                grant: grant.clone(),
                seen: FastMap::default(),
                next_k: 0,
                next_due_ms: due_ms(anchor_ms, grant, 0),
            })
            .collect();
        let starting = (terms.grants.iter())
            .map(|grant| (grant.key.clone(), grant.clone()))
            .collect();
        Terms {
            anchor_ms,
            recurring,
            starting,
            purchase_prefix: None,
        }
    }

    /// Leaves the grants whose key starts with `prefix` to the caller's own purchase audit.
    pub(super) fn with_purchases_under(mut self, prefix: &'static str) -> Terms {
        self.purchase_prefix = Some(prefix);
        self
    }

    /// Renewals due before `at_ms` that were not granted, each reported once: called before
    /// each event with its time (renewals due at an instant are granted at it), and at the
    /// end with the time the accounts were closed.
    pub(super) fn missed_before(&mut self, at_ms: TimeMs) -> Vec<Missed> {
        let mut missed = Vec::new();
        for r in &mut self.recurring {
            while let Some(due_ms) = r.next_due_ms.filter(|&due| due < at_ms) {
                if !r.seen.contains_key(&r.next_k) {
                    missed.push(Missed {
                        label: r.grant.label.clone(),
                        k: r.next_k,
                        due_ms,
                        credits: r.grant.credits,
                    });
                }
                r.next_k += 1;
                r.next_due_ms = due_ms_of(self.anchor_ms, r);
            }
        }
        missed
    }

    /// Whether the terms explain this grant; if not, which invariant it breaks and why.
    pub(super) fn explain(&mut self, grant: GrantView<'_>) -> Result<(), Unexplained> {
        if let Some(rest) = grant.key.strip_prefix(RENEW_PREFIX) {
            return self.renewal(rest, grant);
        }
        if self
            .purchase_prefix
            .is_some_and(|prefix| grant.key.starts_with(prefix))
        {
            return Ok(());
        }
        let Some(listed) = self.starting.get(grant.key) else {
            return Err(Unexplained {
                invariant: Invariant::I3,
                message: format!(
                    "grant {} of {} credits ({}) is explained by no plan, pack, add-on or \
                     purchase in the run's setup: the credits come from nowhere",
                    grant.key,
                    grant.credits,
                    source_word(grant.source)
                ),
            });
        };
        let expected = Said {
            pool: &listed.pool,
            source: listed.source,
            credits: listed.credits,
            expires_at_ms: listed.expires_at_ms,
            priority: listed.priority,
        };
        match expected == Said::of(&grant) {
            true => Ok(()),
            false => Err(Unexplained {
                invariant: Invariant::I3,
                message: format!(
                    "grant {} gives {}, but the setup's grant under that key gives {}",
                    grant.key,
                    Said::of(&grant),
                    expected
                ),
            }),
        }
    }

    /// A scheduled grant `renew:<label>:<k>` (`rest` is `<label>:<k>`).
    fn renewal(&mut self, rest: &str, grant: GrantView<'_>) -> Result<(), Unexplained> {
        let fail = |message| {
            Err(Unexplained {
                invariant: Invariant::I11,
                message,
            })
        };
        let parsed = rest.rsplit_once(':').and_then(|(label, k)| {
            let k: u64 = k.parse().ok()?;
            Some((label, k))
        });
        let Some((label, k)) = parsed else {
            return fail(format!(
                "renewal key {} is not renew:<label>:<k>",
                grant.key
            ));
        };
        let anchor_ms = self.anchor_ms;
        let Some(r) = self.recurring.iter_mut().find(|r| r.grant.label == label) else {
            return fail(format!(
                "renewal {} names no allowance or add-on of the account's terms",
                grant.key
            ));
        };
        if let Some(first) = r.seen.insert(k, grant.seq) {
            r.seen.insert(k, first);
            return fail(format!(
                "renewal {k} of {label} granted twice: events {first} and {}",
                grant.seq
            ));
        }
        while r.seen.contains_key(&r.next_k) {
            r.next_k += 1;
            r.next_due_ms = due_ms_of(anchor_ms, r);
        }
        let due = due_ms(anchor_ms, &r.grant, k);
        if due != Some(grant.at_ms) {
            let due = due.map_or("never".to_string(), |d| format!("at {d}"));
            return fail(format!(
                "renewal {k} of {label} granted at {}, but it is due {due}",
                grant.at_ms
            ));
        }
        let refused = grant.granted_before + i128::from(r.grant.credits) > i128::from(u64::MAX);
        let expected = Said {
            pool: &r.grant.pool,
            source: r.grant.source,
            credits: if refused && grant.credits == 0 {
                0
            } else {
                r.grant.credits
            },
            expires_at_ms: expiry_ms(anchor_ms, &r.grant, k),
            priority: r.grant.priority,
        };
        match expected == Said::of(&grant) {
            true => Ok(()),
            false => fail(format!(
                "renewal {k} of {label} gives {}, but the terms give {expected}",
                Said::of(&grant)
            )),
        }
    }
}

fn due_ms_of(anchor_ms: TimeMs, r: &Recurring) -> Option<TimeMs> {
    due_ms(anchor_ms, &r.grant, r.next_k)
}

/// What a grant says about its lot, to compare and to print.
#[derive(PartialEq, Eq)]
struct Said<'a> {
    pool: &'a Name,
    source: LotSource,
    credits: Credits,
    expires_at_ms: Option<TimeMs>,
    priority: u8,
}

impl<'a> Said<'a> {
    fn of(grant: &GrantView<'a>) -> Said<'a> {
        Said {
            pool: grant.pool,
            source: grant.source,
            credits: grant.credits,
            expires_at_ms: grant.expires_at_ms,
            priority: grant.priority,
        }
    }
}

impl std::fmt::Display for Said<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} credits of pool {} ({}, priority {}, ",
            self.credits,
            self.pool,
            source_word(self.source),
            self.priority
        )?;
        match self.expires_at_ms {
            Some(at) => write!(f, "expiring at {at})"),
            None => write!(f, "never expiring)"),
        }
    }
}

/// The journal's word for a lot's source.
pub(super) fn source_word(source: LotSource) -> &'static str {
    match source {
        LotSource::Allowance => "allowance",
        LotSource::Addon => "add-on",
        LotSource::Pack => "pack",
        LotSource::Promotion => "promotion",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::calendar::add_months;

    fn grant(every_months: u32, cycle_months: u32) -> RecurringGrant {
        RecurringGrant {
            label: "allowance:pro".into(),
            source: LotSource::Allowance,
            pool: "credits".into(),
            credits: 10,
            every_months,
            cycle_months,
            priority: 0,
        }
    }

    #[test]
    fn monthly_annual_and_once_schedules() {
        let month = |k| add_months(0, k);
        let monthly = grant(1, 1);
        assert_eq!(due_ms(0, &monthly, 3), month(3));
        assert_eq!(expiry_ms(0, &monthly, 3), month(4));
        let addon_on_annual = grant(1, 12);
        assert_eq!(expiry_ms(0, &addon_on_annual, 5), month(12));
        assert_eq!(expiry_ms(0, &addon_on_annual, 12), month(24));
        let once = grant(0, 0);
        assert_eq!(due_ms(0, &once, 0), Some(0));
        assert_eq!(due_ms(0, &once, 1), None);
        assert_eq!(expiry_ms(0, &once, 0), None);
    }

    #[test]
    fn a_renewal_missed_is_reported_once_and_a_granted_one_never() {
        let terms = AccountTerms {
            spec: crate::ledger::AccountSpec {
                recurring: vec![grant(1, 1)],
                ..Default::default()
            },
            grants: vec![],
        };
        let mut terms = Terms::new(&terms);
        let (key, pool) = (Key::from("renew:allowance:pro:0"), Name::from("credits"));
        let view = GrantView {
            key: &key,
            pool: &pool,
            source: LotSource::Allowance,
            credits: 10,
            expires_at_ms: add_months(0, 1),
            priority: 0,
            at_ms: 0,
            seq: 0,
            granted_before: 0,
        };
        assert!(terms.explain(view).is_ok());
        assert!(terms.missed_before(add_months(0, 1).unwrap()).is_empty());
        let missed = terms.missed_before(add_months(0, 2).unwrap() + 1);
        let ks: Vec<u64> = missed.iter().map(|m| m.k).collect();
        assert_eq!(ks, [1, 2]);
        assert!(
            terms
                .missed_before(add_months(0, 2).unwrap() + 5)
                .is_empty()
        );
        let again = terms.explain(view).err().map(|u| u.message);
        assert!(again.is_some_and(|m| m.contains("granted twice")));
    }
}
