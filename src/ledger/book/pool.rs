//! One pool: its live lots in consumption order and its running totals.
//!
//! Lots are kept in a small `Vec` sorted by consumption order, so that a reserve walks only
//! the lots it draws on. A lot leaves memory once it is empty and no open hold drew on it:
//! nothing can ever give it credits again, and the pool's totals keep the history.

use super::PoolTotals;
use crate::ledger::{Credits, Draw, DrawList, LotId, LotSource, TimeMs};

/// A grant of credits, as the book holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lot {
    /// Unique within the account, assigned in grant order, so it also breaks ties by age.
    pub id: LotId,
    /// Where the credits came from, for reports.
    pub source: LotSource,
    /// Credits granted, for reports on what expired unused.
    pub granted: Credits,
    /// Credits not yet held, charged or expired.
    pub remaining: Credits,
    /// When the lot was granted.
    pub effective_ms: TimeMs,
    /// When the lot expires; `None` means never. Lots that expire sooner are drawn first.
    pub expires_at_ms: Option<TimeMs>,
    /// Drawn before higher priorities among lots with the same expiry.
    pub priority: u8,
    /// How many open holds drew on this lot; while nonzero the lot must stay, because
    /// credits may come back to it.
    pub holders: u32,
}

impl Lot {
    /// Whether the lot has expired at `now_ms` (a lot is expired from its expiry time on).
    pub(crate) fn is_expired_at(&self, now_ms: TimeMs) -> bool {
        self.expires_at_ms.is_some_and(|at| at <= now_ms)
    }

    /// Consumption order: earliest expiry first, never-expiring last, then priority, then age.
    fn order(&self) -> (bool, TimeMs, u8, LotId) {
        let never = self.expires_at_ms.is_none();
        (
            never,
            self.expires_at_ms.unwrap_or(0),
            self.priority,
            self.id,
        )
    }
}

/// A pool's lots and totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pool {
    /// Live lots in consumption order.
    pub lots: Vec<Lot>,
    /// Running totals; `remaining` is the sum of `lots[..].remaining`.
    pub totals: PoolTotals,
}

impl Pool {
    /// Credits a reserve may take. Between operations no expired lot has credits left (the
    /// book expires them as time passes), so this is the pool's remaining total.
    pub(super) fn available(&self) -> Credits {
        self.totals.remaining
    }

    /// Adds a new lot in consumption order.
    pub(super) fn add(&mut self, lot: Lot) -> Result<(), String> {
        let granted = self.totals.granted.checked_add(lot.remaining);
        self.totals.granted = granted.ok_or("the pool's granted total would overflow")?;
        self.totals.remaining += lot.remaining;
        let order = lot.order();
        let at = self.lots.partition_point(|other| other.order() < order);
        self.lots.insert(at, lot);
        self.forget_if_spent(at);
        Ok(())
    }

    /// Plans how to take `credits` in consumption order. The caller checked availability.
    pub(super) fn plan_draws(&self, credits: Credits) -> DrawList {
        let mut draws = DrawList::new();
        let mut left = credits;
        for lot in self.lots.iter().filter(|lot| lot.remaining > 0) {
            if left == 0 {
                break;
            }
            let take = left.min(lot.remaining);
            draws.push(Draw {
                lot: lot.id,
                credits: take,
            });
            left -= take;
        }
        debug_assert_eq!(left, 0, "plan_draws called without enough credits");
        draws
    }

    /// Moves `draws` out of their lots into a hold.
    pub(super) fn take(&mut self, draws: &[Draw], now_ms: TimeMs) -> Result<Credits, String> {
        let mut total: Credits = 0;
        for draw in draws {
            let lot = self.lot_mut(draw.lot)?;
            if lot.is_expired_at(now_ms) {
                return Err(format!(
                    "lot {} is expired and cannot be drawn on",
                    draw.lot
                ));
            }
            lot.remaining = lot.remaining.checked_sub(draw.credits).ok_or_else(|| {
                format!(
                    "lot {} has {} credits, fewer than drawn",
                    lot.id, lot.remaining
                )
            })?;
            lot.holders += 1;
            total = total.checked_add(draw.credits).ok_or("draws overflow")?;
        }
        self.totals.remaining -= total;
        self.totals.held += total;
        Ok(total)
    }

    /// Closes a hold that drew `draws`: `charged` is charged, `returned` goes back to lots.
    pub(super) fn close_hold(
        &mut self,
        draws: &[Draw],
        charged: Credits,
        returned: &[Draw],
    ) -> Result<(), String> {
        let mut back: Credits = 0;
        for draw in returned {
            self.lot_mut(draw.lot)?.remaining += draw.credits;
            back += draw.credits;
        }
        let held: Credits = draws.iter().map(|draw| draw.credits).sum();
        debug_assert_eq!(held, charged + back, "a hold closes whole");
        self.totals.held -= held;
        self.totals.charged += charged;
        self.totals.remaining += back;
        for draw in draws {
            let at = self.position(draw.lot)?;
            self.lots[at].holders -= 1;
            self.forget_if_spent(at);
        }
        Ok(())
    }

    /// Expires `credits` of an expired lot.
    pub(super) fn expire(
        &mut self,
        lot_id: LotId,
        credits: Credits,
        now_ms: TimeMs,
    ) -> Result<(), String> {
        let at = self.position(lot_id)?;
        let lot = &mut self.lots[at];
        if !lot.is_expired_at(now_ms) {
            return Err(format!("lot {lot_id} has not expired at {now_ms}"));
        }
        lot.remaining = lot.remaining.checked_sub(credits).ok_or_else(|| {
            format!(
                "lot {lot_id} has {} credits, fewer than expire",
                lot.remaining
            )
        })?;
        self.totals.remaining -= credits;
        self.totals.expired += credits;
        self.forget_if_spent(at);
        Ok(())
    }

    /// The earliest time at which a lot with credits left expires.
    pub(super) fn next_expiry_ms(&self) -> Option<TimeMs> {
        // Sorted by expiry, so the first lot with credits has the earliest expiry among them.
        self.lots
            .iter()
            .find(|lot| lot.remaining > 0)?
            .expires_at_ms
    }

    /// Lots with credits left that have expired at `now_ms`, with those credits.
    pub(super) fn due_expiries(&self, now_ms: TimeMs) -> Vec<Draw> {
        self.lots
            .iter()
            .take_while(|lot| lot.is_expired_at(now_ms))
            .filter(|lot| lot.remaining > 0)
            .map(|lot| Draw {
                lot: lot.id,
                credits: lot.remaining,
            })
            .collect()
    }

    /// The lot with this id, if it is still in memory.
    pub(super) fn lot(&self, lot_id: LotId) -> Option<&Lot> {
        self.lots.iter().find(|lot| lot.id == lot_id)
    }

    fn position(&self, lot_id: LotId) -> Result<usize, String> {
        let found = self.lots.iter().position(|lot| lot.id == lot_id);
        found.ok_or_else(|| format!("lot {lot_id} is unknown"))
    }

    fn lot_mut(&mut self, lot_id: LotId) -> Result<&mut Lot, String> {
        let at = self.position(lot_id)?;
        Ok(&mut self.lots[at])
    }

    /// Drops the lot at `at` if nothing is left in it and nothing can come back to it.
    fn forget_if_spent(&mut self, at: usize) {
        let lot = &self.lots[at];
        if lot.remaining == 0 && lot.holders == 0 {
            self.lots.remove(at);
        }
    }
}
