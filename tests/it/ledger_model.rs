//! Model-based property tests for `ledger::Book`: random operation sequences run against the
//! book and against a deliberately simple reference model (a plain `Vec` of lots, linear
//! scans, no pruning, no indexes). Every outcome, balance, total, live lot and warning must
//! agree; no model lot may go negative; conservation holds after every step; and replaying
//! the journal rebuilds a book equal to the live one.

use std::collections::{BTreeMap, BTreeSet};

use creditsim::ledger::PoolTotals;
use creditsim::ledger::*;
use proptest::prelude::*;

const POOLS: [&str; 3] = ["credits", "scan", "ghost"];
const ACTIONS: [&str; 4] = ["image", "video", "regenerate", "speech"];
const TTLS_MS: [TimeMs; 4] = [0, 50, 5_000, 40 * 24 * 3600 * 1000];
/// About a month, for drawing times; the book and the model bill by calendar months.
const MONTH: TimeMs = 30 * 24 * 3600 * 1000;
/// 31 January 2026, an anchor whose next month is shorter.
const JAN31_MS: TimeMs = 1_769_817_600_000;

// ---------------------------------------------------------------------------------------
// The reference model.

#[derive(Clone, Debug)]
struct MLot {
    id: LotId,
    pool: Name,
    remaining: i64,
    expires_at_ms: Option<TimeMs>,
    priority: u8,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum MState {
    Open,
    Committed {
        charged: Credits,
        returned: Credits,
        at_ms: TimeMs,
    },
    Released {
        returned: Credits,
        at_ms: TimeMs,
    },
    TimedOut {
        at_ms: TimeMs,
    },
}

#[derive(Clone, Debug)]
struct MHold {
    req: ReserveRequest,
    expires_at_ms: TimeMs,
    draws: Vec<(LotId, Credits)>,
    state: MState,
}

#[derive(Clone, Debug)]
enum MRecord {
    Hold(usize),
    Refused {
        req: ReserveRequest,
        outcome: ReserveOutcome,
        at_ms: TimeMs,
    },
    Grant {
        req: GrantRequest,
        lot: LotId,
    },
}

#[derive(Debug)]
struct Model {
    spec: AccountSpec,
    now_ms: TimeMs,
    lots: Vec<MLot>,
    holds: Vec<MHold>,
    records: Vec<(Key, MRecord)>,
    charged: BTreeMap<Name, Credits>,
    expired: BTreeMap<Name, Credits>,
    granted: BTreeMap<Name, Credits>,
    renewals: Vec<u64>,
    warnings: Vec<(Name, Credits, Credits)>,
}

impl Model {
    fn new(spec: AccountSpec) -> Model {
        let renewals = vec![0; spec.recurring.len()];
        Model {
            spec,
            now_ms: 0,
            lots: vec![],
            holds: vec![],
            records: vec![],
            charged: BTreeMap::new(),
            expired: BTreeMap::new(),
            granted: BTreeMap::new(),
            renewals,
            warnings: vec![],
        }
    }

    fn available(&self, pool: &str) -> Credits {
        let lots = self.lots.iter().filter(|l| l.pool == pool);
        lots.map(|l| l.remaining as Credits).sum()
    }

    fn held(&self, pool: &str) -> Credits {
        let open = self
            .holds
            .iter()
            .filter(|h| h.req.pool == pool && h.state == MState::Open);
        open.map(|h| h.req.credits).sum()
    }

    fn totals(&self, pool: &str) -> PoolTotals {
        let get = |map: &BTreeMap<Name, Credits>| map.get(pool).copied().unwrap_or(0);
        PoolTotals {
            granted: get(&self.granted),
            charged: get(&self.charged),
            expired: get(&self.expired),
            remaining: self.available(pool),
            held: self.held(pool),
        }
    }

    fn closed_at_ms(&self, record: &MRecord) -> Option<TimeMs> {
        match record {
            MRecord::Hold(i) => match self.holds[*i].state {
                MState::Open => None,
                MState::Committed { at_ms, .. }
                | MState::Released { at_ms, .. }
                | MState::TimedOut { at_ms } => Some(at_ms),
            },
            MRecord::Refused { at_ms, .. } => Some(*at_ms),
            // A payment is never forgotten: its notification may come again any time.
            MRecord::Grant { .. } => None,
        }
    }

    /// The newest record under `key`, unless it is past its retention.
    fn record(&self, key: &str) -> Option<MRecord> {
        let (_, record) = self.records.iter().rev().find(|(k, _)| k == key)?;
        let closed = self.closed_at_ms(record);
        let forgotten = closed.is_some_and(|at| at + self.spec.key_retention_ms <= self.now_ms);
        (!forgotten).then(|| record.clone())
    }

    fn lot_mut(&mut self, id: LotId) -> &mut MLot {
        self.lots
            .iter_mut()
            .find(|l| l.id == id)
            .expect("model lot")
    }

    fn add_lot(
        &mut self,
        pool: &str,
        credits: Credits,
        expires_at_ms: Option<TimeMs>,
        priority: u8,
    ) -> LotId {
        let id = self.lots.len() as LotId;
        let remaining = credits as i64;
        self.lots.push(MLot {
            id,
            pool: pool.into(),
            remaining,
            expires_at_ms,
            priority,
        });
        *self.granted.entry(pool.into()).or_default() += credits;
        id
    }

    /// Returns credits to a lot; if it has expired by `at_ms` they expire at once.
    fn give_back(&mut self, id: LotId, credits: Credits, at_ms: TimeMs) {
        let lot = self.lot_mut(id);
        if lot.expires_at_ms.is_some_and(|e| e <= at_ms) {
            let pool = lot.pool.clone();
            *self.expired.entry(pool).or_default() += credits;
        } else {
            lot.remaining += credits as i64;
        }
    }

    fn all_available(&self) -> Vec<(Name, Credits)> {
        POOLS
            .iter()
            .map(|p| (Name::new(p), self.available(p)))
            .collect()
    }

    fn warn(&mut self, pool: &str, before: Credits) {
        let after = self.available(pool);
        for &threshold in &self.spec.warn_thresholds.clone() {
            if before > threshold && after <= threshold {
                self.warnings.push((Name::new(pool), threshold, after));
            }
        }
    }

    /// Calendar months from the anchor, stepped one at a time: the model's own reading of
    /// "every N months", independent of the book's arithmetic.
    fn boundary(&self, months: u64) -> TimeMs {
        calendar::add_months(self.spec.anchor_ms, months).unwrap()
    }

    fn renewal_due(&self, i: usize) -> Option<TimeMs> {
        let grant = &self.spec.recurring[i];
        match grant.every_months {
            0 => (self.renewals[i] == 0).then_some(self.spec.anchor_ms),
            every => Some(self.boundary(self.renewals[i] * u64::from(every))),
        }
    }

    /// The first boundary of `cycle`-month cycles after `at`, found by walking them.
    fn cycle_end(&self, cycle: u32, at: TimeMs) -> Option<TimeMs> {
        let cycles = (1..).map(|j| self.boundary(j * u64::from(cycle)));
        (cycle > 0).then(|| cycles.into_iter().find(|&end| end > at).unwrap())
    }

    fn next_due(&self, renew: bool) -> Option<TimeMs> {
        let holds = self
            .holds
            .iter()
            .filter(|h| h.state == MState::Open)
            .map(|h| h.expires_at_ms);
        let lots = self
            .lots
            .iter()
            .filter(|l| l.remaining > 0)
            .filter_map(|l| l.expires_at_ms);
        let renewals = (0..self.renewals.len()).filter_map(|i| self.renewal_due(i));
        let renewals = renewals.filter(|_| renew);
        holds.chain(lots).chain(renewals).min()
    }

    fn advance(&mut self, now_ms: TimeMs) {
        self.run_until(now_ms, true);
    }

    /// A run ending at `end_ms`: what is due before it happens, and at it everything but
    /// renewals.
    fn close(&mut self, end_ms: TimeMs) {
        if end_ms > self.now_ms {
            self.run_until(end_ms - 1, true);
        }
        self.run_until(end_ms, false);
    }

    fn run_until(&mut self, now_ms: TimeMs, renew: bool) {
        let target = now_ms.max(self.now_ms);
        while let Some(at) = self.next_due(renew).filter(|&at| at <= target) {
            let before = self.all_available();
            for i in 0..self.holds.len() {
                if self.holds[i].state == MState::Open && self.holds[i].expires_at_ms <= at {
                    self.holds[i].state = MState::TimedOut { at_ms: at };
                    for (lot, credits) in self.holds[i].draws.clone() {
                        self.give_back(lot, credits, at);
                    }
                }
            }
            for i in 0..self.lots.len() {
                let lot = &mut self.lots[i];
                if lot.remaining > 0 && lot.expires_at_ms.is_some_and(|e| e <= at) {
                    let credits = lot.remaining as Credits;
                    lot.remaining = 0;
                    *self.expired.entry(lot.pool.clone()).or_default() += credits;
                }
            }
            for i in 0..self.renewals.len() {
                if renew && self.renewal_due(i) == Some(at) {
                    let g = self.spec.recurring[i].clone();
                    let expires = self.cycle_end(g.cycle_months, at);
                    self.add_lot(&g.pool, g.credits, expires, g.priority);
                    self.renewals[i] += 1;
                }
            }
            for (pool, available) in before {
                self.warn(&pool, available);
            }
        }
        self.now_ms = target;
    }

    fn reserve(&mut self, req: &ReserveRequest, now_ms: TimeMs) -> ReserveOutcome {
        self.advance(now_ms);
        let now = self.now_ms;
        match self.record(&req.key) {
            Some(MRecord::Hold(i)) => {
                let h = &self.holds[i];
                let same = h.req.pool == req.pool
                    && h.req.action == req.action
                    && h.req.credits == req.credits
                    && h.req.ttl_ms == req.ttl_ms;
                return match same {
                    true => ReserveOutcome::Reserved {
                        held: h.req.credits,
                        expires_at_ms: h.expires_at_ms,
                    },
                    false => ReserveOutcome::KeyConflict,
                };
            }
            Some(MRecord::Refused {
                req: first,
                outcome,
                ..
            }) => {
                let same = first.pool == req.pool
                    && first.action == req.action
                    && first.credits == req.credits;
                return if same {
                    outcome
                } else {
                    ReserveOutcome::KeyConflict
                };
            }
            Some(MRecord::Grant { .. }) => return ReserveOutcome::KeyConflict,
            None => {}
        }
        let entitled = self
            .spec
            .entitled
            .as_ref()
            .is_none_or(|e| e.contains(req.action.as_str()));
        let available = self.available(&req.pool);
        let refusal = if !entitled {
            Some(ReserveOutcome::NotEntitled)
        } else if self.spec.unlimited.contains(req.action.as_str()) {
            Some(ReserveOutcome::Unlimited)
        } else if available < req.credits {
            Some(ReserveOutcome::Insufficient {
                available,
                requested: req.credits,
            })
        } else {
            None
        };
        if let Some(outcome) = refusal {
            let record = MRecord::Refused {
                req: req.clone(),
                outcome: outcome.clone(),
                at_ms: now,
            };
            self.records.push((req.key.clone(), record));
            return outcome;
        }
        let mut order: Vec<usize> = (0..self.lots.len())
            .filter(|&i| self.lots[i].pool == req.pool && self.lots[i].remaining > 0)
            .collect();
        order.sort_by_key(|&i| {
            let l = &self.lots[i];
            (l.expires_at_ms.is_none(), l.expires_at_ms, l.priority, l.id)
        });
        let mut draws = vec![];
        let mut left = req.credits;
        for i in order {
            let take = left.min(self.lots[i].remaining as Credits);
            if take > 0 {
                self.lots[i].remaining -= take as i64;
                draws.push((self.lots[i].id, take));
                left -= take;
            }
        }
        assert_eq!(left, 0);
        let expires_at_ms = now + req.ttl_ms;
        let hold = MHold {
            req: req.clone(),
            expires_at_ms,
            draws,
            state: MState::Open,
        };
        self.holds.push(hold);
        self.records
            .push((req.key.clone(), MRecord::Hold(self.holds.len() - 1)));
        self.warn(&req.pool, available);
        ReserveOutcome::Reserved {
            held: req.credits,
            expires_at_ms,
        }
    }

    fn commit(&mut self, key: &str, credits: Credits, now_ms: TimeMs) -> CommitOutcome {
        self.advance(now_ms);
        let now = self.now_ms;
        let Some(MRecord::Hold(i)) = self.record(key) else {
            return CommitOutcome::NoHold;
        };
        let held = self.holds[i].req.credits;
        match self.holds[i].state {
            MState::Open if credits > held => CommitOutcome::ExceedsHold {
                held,
                requested: credits,
            },
            MState::Open => {
                let mut to_charge = credits;
                for (lot, drawn) in self.holds[i].draws.clone() {
                    let charge = to_charge.min(drawn);
                    to_charge -= charge;
                    if drawn > charge {
                        self.give_back(lot, drawn - charge, now);
                    }
                }
                let pool = self.holds[i].req.pool.clone();
                *self.charged.entry(pool).or_default() += credits;
                let returned = held - credits;
                self.holds[i].state = MState::Committed {
                    charged: credits,
                    returned,
                    at_ms: now,
                };
                CommitOutcome::Committed {
                    charged: credits,
                    returned,
                }
            }
            MState::Committed {
                charged, returned, ..
            } if charged == credits => CommitOutcome::Committed { charged, returned },
            MState::Committed { .. } => CommitOutcome::KeyConflict,
            MState::Released { .. } => CommitOutcome::HoldClosed {
                closed_by: Closure::Released,
            },
            MState::TimedOut { .. } => CommitOutcome::HoldClosed {
                closed_by: Closure::TimedOut,
            },
        }
    }

    fn release(&mut self, key: &str, now_ms: TimeMs) -> ReleaseOutcome {
        self.advance(now_ms);
        let now = self.now_ms;
        let Some(MRecord::Hold(i)) = self.record(key) else {
            return ReleaseOutcome::NoHold;
        };
        match self.holds[i].state {
            MState::Open => {
                for (lot, drawn) in self.holds[i].draws.clone() {
                    self.give_back(lot, drawn, now);
                }
                let returned = self.holds[i].req.credits;
                self.holds[i].state = MState::Released {
                    returned,
                    at_ms: now,
                };
                ReleaseOutcome::Released { returned }
            }
            MState::Released { returned, .. } => ReleaseOutcome::Released { returned },
            MState::Committed { .. } => ReleaseOutcome::HoldClosed {
                closed_by: Closure::Committed,
            },
            MState::TimedOut { .. } => ReleaseOutcome::HoldClosed {
                closed_by: Closure::TimedOut,
            },
        }
    }

    fn grant(&mut self, req: &GrantRequest, now_ms: TimeMs) -> GrantOutcome {
        self.advance(now_ms);
        let now = self.now_ms;
        match self.record(&req.key) {
            Some(MRecord::Grant {
                req: first, lot, ..
            }) if first == *req => GrantOutcome::Granted { lot },
            Some(_) => GrantOutcome::KeyConflict,
            None => {
                let lot = self.add_lot(&req.pool, req.credits, req.expires_at_ms, req.priority);
                if req.expires_at_ms.is_some_and(|e| e <= now) {
                    let credits = self.lot_mut(lot).remaining as Credits;
                    self.lot_mut(lot).remaining = 0;
                    *self.expired.entry(req.pool.clone()).or_default() += credits;
                }
                let record = MRecord::Grant {
                    req: req.clone(),
                    lot,
                };
                self.records.push((req.key.clone(), record));
                GrantOutcome::Granted { lot }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Operations and their generators.

#[derive(Clone, Debug)]
enum Amount {
    Full,
    Part(u8),
    TooLarge,
    Fixed(Credits),
}

#[derive(Clone, Debug)]
enum Op {
    Reserve {
        key: u8,
        pool: usize,
        action: usize,
        credits: Credits,
        ttl: usize,
    },
    Commit {
        key: Pick,
        amount: Amount,
    },
    Release {
        key: Pick,
    },
    Grant {
        key: u8,
        pool: usize,
        credits: Credits,
        expires_in_ms: Option<TimeMs>,
        priority: u8,
    },
    Advance,
    Close,
}

/// Which key a commit or release names: one of the recent reserves (counting back), so that
/// most of them meet a live hold, or any key at all.
#[derive(Clone, Debug)]
enum Pick {
    Recent(u8),
    Any(u8),
}

fn pick() -> impl Strategy<Value = Pick> {
    prop_oneof![4 => (0u8..2).prop_map(Pick::Recent), 1 => (0u8..24).prop_map(Pick::Any)]
}

fn ttl_index() -> impl Strategy<Value = usize> {
    prop_oneof![1 => Just(0usize), 1 => Just(1usize), 4 => Just(2usize), 2 => Just(3usize)]
}

/// How the caller's clock moves before an operation.
#[derive(Clone, Debug)]
enum Step {
    Same,
    Small(TimeMs),
    Ttlish(TimeMs),
    Month(TimeMs),
    Back(TimeMs),
}

fn pool_index() -> impl Strategy<Value = usize> {
    prop_oneof![6 => Just(0usize), 3 => Just(1usize), 1 => Just(2usize)]
}

fn op() -> impl Strategy<Value = Op> {
    let amount = prop_oneof![
        4 => Just(Amount::Full),
        3 => (0u8..=100).prop_map(Amount::Part),
        1 => Just(Amount::TooLarge),
        1 => (0u64..50).prop_map(Amount::Fixed),
    ];
    let expiry = prop_oneof![
        2 => Just(None),
        2 => (0u64..3_000).prop_map(Some),
        1 => (0u64..2 * MONTH).prop_map(Some),
    ];
    prop_oneof![
        8 => (0u8..24, pool_index(), 0..ACTIONS.len(), 0u64..80, ttl_index())
            .prop_map(|(key, pool, action, credits, ttl)| Op::Reserve { key, pool, action, credits, ttl }),
        5 => (pick(), amount).prop_map(|(key, amount)| Op::Commit { key, amount }),
        3 => pick().prop_map(|key| Op::Release { key }),
        2 => (0u8..24, pool_index(), 0u64..600, expiry, 0u8..3).prop_map(
            |(key, pool, credits, expires_in_ms, priority)| Op::Grant { key, pool, credits, expires_in_ms, priority }
        ),
        1 => Just(Op::Advance),
        1 => Just(Op::Close),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => Just(Step::Same),
        6 => (1u64..100).prop_map(Step::Small),
        3 => (100u64..3_000).prop_map(Step::Ttlish),
        1 => (0u64..MONTH / 4).prop_map(|d| Step::Month(MONTH - MONTH / 8 + d)),
        1 => (1u64..500).prop_map(Step::Back),
    ]
}

fn spec() -> impl Strategy<Value = AccountSpec> {
    let entitled = prop_oneof![Just(None), Just(Some(["image", "regenerate", "speech"]))];
    (
        any::<bool>(),
        any::<bool>(),
        entitled,
        any::<bool>(),
        any::<bool>(),
        0usize..3,
        prop_oneof![Just(0), Just(JAN31_MS), (0u64..3 * MONTH)],
    )
        .prop_map(
            |(allowance, addon, entitled, unlimited, warn, retention, anchor_ms)| {
                let mut recurring = vec![];
                if allowance {
                    let g = RecurringGrant {
                        label: "plan".into(),
                        source: LotSource::Allowance,
                        pool: "credits".into(),
                        credits: 150,
                        every_months: 1,
                        cycle_months: 1,
                        priority: 0,
                    };
                    recurring.push(g);
                }
                if addon {
                    let g = RecurringGrant {
                        label: "unit".into(),
                        source: LotSource::Addon,
                        pool: "credits".into(),
                        credits: 40,
                        every_months: 1,
                        cycle_months: 12,
                        priority: 1,
                    };
                    recurring.push(g);
                }
                let entitled = entitled.map(|set| set.iter().map(|a| a.to_string()).collect());
                let unlimited: BTreeSet<String> = if unlimited {
                    ["speech".to_string()].into()
                } else {
                    BTreeSet::new()
                };
                AccountSpec {
                    recurring,
                    entitled,
                    unlimited,
                    warn_thresholds: if warn { vec![100, 10] } else { vec![] },
                    key_retention_ms: [0, 500, MONTH][retention],
                    anchor_ms,
                }
            },
        )
}

// ---------------------------------------------------------------------------------------
// The property.

fn commit_req(key: &str, credits: Credits) -> CommitRequest {
    let key = key.into();
    CommitRequest { key, credits }
}

fn release_req(key: &str) -> ReleaseRequest {
    let key = key.into();
    ReleaseRequest { key }
}

fn key(n: u8) -> Key {
    smol_str::format_smolstr!("k{n}")
}

/// The key a pick names, given the reserve keys so far.
fn picked(pick: &Pick, reserved: &[u8]) -> Key {
    match pick {
        Pick::Recent(back) if !reserved.is_empty() => {
            let back = usize::from(*back) % reserved.len();
            key(reserved[reserved.len() - 1 - back])
        }
        Pick::Recent(n) | Pick::Any(n) => key(*n),
    }
}

/// The amount a commit asks for, resolved against the model's hold under the key.
fn resolve(model: &Model, key: &str, amount: &Amount) -> Credits {
    let held = match model.record(key) {
        Some(MRecord::Hold(i)) => model.holds[i].req.credits,
        _ => 10,
    };
    match amount {
        Amount::Full => held,
        Amount::Part(percent) => held * Credits::from(*percent) / 100,
        Amount::TooLarge => held + 1,
        Amount::Fixed(n) => *n,
    }
}

fn warnings_of(events: &[Event]) -> Vec<(Name, Credits, Credits)> {
    let mut found: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Warning {
                pool,
                threshold,
                available,
            } => Some((pool.clone(), *threshold, *available)),
            _ => None,
        })
        .collect();
    found.sort();
    found
}

/// Runs one operation on both and checks that they agree.
fn run_op(
    book: &mut Book,
    model: &mut Model,
    op: &Op,
    now_ms: TimeMs,
    reserved: &mut Vec<u8>,
) -> Result<Vec<Event>, TestCaseError> {
    model.warnings.clear();
    let events = match op {
        Op::Reserve {
            key: k,
            pool,
            action,
            credits,
            ttl,
        } => {
            let req = ReserveRequest {
                key: key(*k),
                pool: POOLS[*pool].into(),
                action: ACTIONS[*action].into(),
                credits: *credits,
                ttl_ms: TTLS_MS[*ttl],
            };
            reserved.push(*k);
            let applied = book.reserve(&req, now_ms);
            prop_assert_eq!(&applied.outcome, &model.reserve(&req, now_ms), "{:?}", op);
            applied.events
        }
        Op::Commit { key: k, amount } => {
            let k = picked(k, reserved);
            let credits = resolve(model, &k, amount);
            let applied = book.commit(&commit_req(&k, credits), now_ms);
            prop_assert_eq!(
                &applied.outcome,
                &model.commit(&k, credits, now_ms),
                "{:?}",
                op
            );
            applied.events
        }
        Op::Release { key: k } => {
            let k = picked(k, reserved);
            let applied = book.release(&release_req(&k), now_ms);
            prop_assert_eq!(&applied.outcome, &model.release(&k, now_ms), "{:?}", op);
            applied.events
        }
        Op::Grant {
            key: k,
            pool,
            credits,
            expires_in_ms,
            priority,
        } => {
            let req = GrantRequest {
                key: key(*k),
                pool: POOLS[*pool].into(),
                credits: *credits,
                source: LotSource::Pack,
                expires_at_ms: expires_in_ms.map(|d| now_ms.max(model.now_ms) + d),
                priority: *priority,
            };
            let applied = book.grant(&req, now_ms);
            prop_assert_eq!(&applied.outcome, &model.grant(&req, now_ms), "{:?}", op);
            applied.events
        }
        Op::Advance => {
            model.advance(now_ms);
            book.advance(now_ms)
        }
        Op::Close => {
            model.close(now_ms);
            book.close(now_ms)
        }
    };
    let mut expected = model.warnings.clone();
    expected.sort();
    prop_assert_eq!(warnings_of(&events), expected, "warnings after {:?}", op);
    Ok(events)
}

/// The state checks after every step.
fn check_state(book: &Book, model: &Model) -> Result<(), TestCaseError> {
    prop_assert!(
        model.lots.iter().all(|l| l.remaining >= 0),
        "a model lot went negative"
    );
    for pool in POOLS {
        let totals = book.totals(pool);
        prop_assert!(totals.conserves(), "conservation in {}: {:?}", pool, totals);
        prop_assert_eq!(totals, model.totals(pool), "totals of {}", pool);
        let balance = Balance {
            available: model.available(pool),
            held: model.held(pool),
        };
        prop_assert_eq!(book.balance(pool), balance, "balance of {}", pool);
        let live: Vec<(LotId, Credits)> = book
            .lots(pool)
            .iter()
            .filter(|l| l.remaining > 0)
            .map(|l| (l.id, l.remaining))
            .collect();
        let mut expected: Vec<&MLot> = model
            .lots
            .iter()
            .filter(|l| l.pool == pool && l.remaining > 0)
            .collect();
        expected.sort_by_key(|l| (l.expires_at_ms.is_none(), l.expires_at_ms, l.priority, l.id));
        let expected: Vec<_> = expected
            .iter()
            .map(|l| (l.id, l.remaining as Credits))
            .collect();
        prop_assert_eq!(live, expected, "lots of {}", pool);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn book_agrees_with_the_reference_model(
        spec in spec(),
        ops in prop::collection::vec((step(), op()), 1..80),
    ) {
        let mut book = Book::new(3, spec.clone());
        let mut model = Model::new(spec.clone());
        let mut journal: Vec<Event> = vec![];
        // From just before the account starts, so that both sides of the anchor are tried.
        let mut clock_ms: TimeMs = spec.anchor_ms.saturating_sub(1_000);
        let mut reserved = vec![];
        for (step, op) in &ops {
            clock_ms = match step {
                Step::Same => clock_ms,
                Step::Small(d) | Step::Ttlish(d) | Step::Month(d) => clock_ms + d,
                Step::Back(d) => clock_ms.saturating_sub(*d),
            };
            let events = run_op(&mut book, &mut model, op, clock_ms, &mut reserved)?;
            for event in events {
                prop_assert_eq!(event.seq, journal.len() as u64, "seq without gaps");
                prop_assert_eq!(event.account, 3);
                prop_assert!(journal.last().is_none_or(|last| last.at_ms <= event.at_ms), "time order");
                journal.push(event);
            }
            check_state(&book, &model)?;
        }
        let replayed = Book::replay(3, spec, &journal);
        prop_assert!(replayed.is_ok(), "{:?}", replayed.err());
        prop_assert_eq!(replayed.unwrap(), book);
    }
}
