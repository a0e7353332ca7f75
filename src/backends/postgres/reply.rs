//! Decoding what the ledger's functions return: the events a call appended (the same columns
//! as the `events` table, so a catch-up read of the table decodes the same way), then one
//! `outcome` row that names the outcome in `reason` and carries its values.

use tokio_postgres::Row;

use crate::ledger::*;

/// The columns of a reply row, in order, for a read of the `events` table.
pub(super) const EVENT_COLUMNS: &str = "seq, at_ms, kind, key, pool, action, lot, source, \
     credits, expires_at_ms, priority, draws, returned, reason, available, threshold, timed_out";

/// A row the database sent that does not decode: a bug in the schema or in this module.
#[derive(Debug, thiserror::Error)]
#[error("the database sent a reply creditsim cannot read: {0}")]
pub(super) struct BadReply(pub String);

/// One reply row, typed.
struct Fields<'r> {
    row: &'r Row,
}

impl Fields<'_> {
    fn int(&self, column: &str) -> Result<Option<i64>, BadReply> {
        self.row
            .try_get::<_, Option<i64>>(column)
            .map_err(|err| BadReply(format!("{column}: {err}")))
    }

    fn credits(&self, column: &str) -> Result<Credits, BadReply> {
        let value = self.int(column)?.unwrap_or(0);
        Credits::try_from(value).map_err(|_| BadReply(format!("{column} is negative: {value}")))
    }

    fn text(&self, column: &str) -> Result<Option<&str>, BadReply> {
        self.row
            .try_get::<_, Option<&str>>(column)
            .map_err(|err| BadReply(format!("{column}: {err}")))
    }

    fn name(&self, column: &str) -> Result<Name, BadReply> {
        Ok(Name::new(self.text(column)?.unwrap_or("")))
    }

    fn lot(&self) -> Result<LotId, BadReply> {
        let lot: Option<i32> = (self.row.try_get("lot")).map_err(|e| BadReply(e.to_string()))?;
        LotId::try_from(lot.unwrap_or(0)).map_err(|_| BadReply("negative lot".into()))
    }

    fn draws(&self, column: &str) -> Result<DrawList, BadReply> {
        let flat: Option<Vec<i64>> =
            (self.row.try_get(column)).map_err(|err| BadReply(format!("{column}: {err}")))?;
        let pairs = flat.unwrap_or_default();
        let draw = |pair: &[i64]| {
            let lot = LotId::try_from(pair[0]).ok()?;
            let credits = Credits::try_from(pair[1]).ok()?;
            Some(Draw { lot, credits })
        };
        let draws = pairs.chunks(2).map(draw).collect::<Option<DrawList>>();
        draws.ok_or_else(|| BadReply(format!("{column} holds a negative lot or amount")))
    }
}

/// Lot sources as the schema spells them.
pub(super) fn source_name(source: LotSource) -> &'static str {
    match source {
        LotSource::Allowance => "allowance",
        LotSource::Addon => "addon",
        LotSource::Pack => "pack",
        LotSource::Promotion => "promotion",
    }
}

fn source_of(text: Option<&str>) -> Result<LotSource, BadReply> {
    match text {
        Some("allowance") => Ok(LotSource::Allowance),
        Some("addon") => Ok(LotSource::Addon),
        Some("pack") => Ok(LotSource::Pack),
        Some("promotion") => Ok(LotSource::Promotion),
        other => Err(BadReply(format!("unknown lot source {other:?}"))),
    }
}

fn closure_of(text: Option<&str>) -> Result<Closure, BadReply> {
    match text {
        Some("committed") => Ok(Closure::Committed),
        Some("released") => Ok(Closure::Released),
        Some("timed_out") => Ok(Closure::TimedOut),
        other => Err(BadReply(format!("unknown hold state {other:?}"))),
    }
}

/// The event in `row` of account `account`.
pub(super) fn event(account: AccountId, row: &Row) -> Result<Event, BadReply> {
    let f = Fields { row };
    let seq = f.credits("seq")?;
    let at_ms = f.credits("at_ms")?;
    let kind = match f.text("kind")? {
        Some("granted") => EventKind::Granted {
            key: f.name("key")?,
            lot: f.lot()?,
            pool: f.name("pool")?,
            source: source_of(f.text("source")?)?,
            credits: f.credits("credits")?,
            expires_at_ms: expires(&f)?,
            priority: priority(row)?,
        },
        Some("reserved") => EventKind::Reserved {
            key: f.name("key")?,
            pool: f.name("pool")?,
            action: f.name("action")?,
            credits: f.credits("credits")?,
            expires_at_ms: f.credits("expires_at_ms")?,
            draws: f.draws("draws")?,
        },
        Some("rejected") => EventKind::Rejected {
            key: f.name("key")?,
            pool: f.name("pool")?,
            action: f.name("action")?,
            credits: f.credits("credits")?,
            reason: match f.text("reason")? {
                Some("not_entitled") => Rejection::NotEntitled,
                _ => Rejection::Insufficient {
                    available: f.credits("available")?,
                },
            },
        },
        Some("unlimited") => EventKind::Unlimited {
            key: f.name("key")?,
            pool: f.name("pool")?,
            action: f.name("action")?,
            credits: f.credits("credits")?,
        },
        Some(other) => {
            return later_kind(&f, other).map(|kind| Event {
                account,
                seq,
                at_ms,
                kind,
            });
        }
        None => return Err(BadReply("an event without a kind".into())),
    };
    Ok(Event {
        account,
        seq,
        at_ms,
        kind,
    })
}

/// The kinds that close holds, expire lots and warn.
fn later_kind(f: &Fields<'_>, kind: &str) -> Result<EventKind, BadReply> {
    Ok(match kind {
        "committed" => EventKind::Committed {
            key: f.name("key")?,
            pool: f.name("pool")?,
            charged: f.credits("credits")?,
            charged_from: f.draws("draws")?,
            returned: f.draws("returned")?,
        },
        "released" => EventKind::Released {
            key: f.name("key")?,
            pool: f.name("pool")?,
            timed_out: (f.row.try_get::<_, Option<bool>>("timed_out"))
                .map_err(|err| BadReply(err.to_string()))?
                .unwrap_or(false),
            returned: f.draws("returned")?,
        },
        "expired" => EventKind::Expired {
            pool: f.name("pool")?,
            lot: f.lot()?,
            credits: f.credits("credits")?,
        },
        "warning" => EventKind::Warning {
            pool: f.name("pool")?,
            threshold: f.credits("threshold")?,
            available: f.credits("available")?,
        },
        other => return Err(BadReply(format!("unknown event kind {other}"))),
    })
}

fn expires(f: &Fields<'_>) -> Result<Option<TimeMs>, BadReply> {
    let value = f.int("expires_at_ms")?;
    value
        .map(|ms| TimeMs::try_from(ms).map_err(|_| BadReply("negative expiry".into())))
        .transpose()
}

fn priority(row: &Row) -> Result<u8, BadReply> {
    let value: Option<i16> = row
        .try_get("priority")
        .map_err(|e| BadReply(e.to_string()))?;
    u8::try_from(value.unwrap_or(0)).map_err(|_| BadReply("priority out of range".into()))
}

/// A call's decoded reply: its events and its outcome row.
pub(super) struct Reply<'r> {
    /// The events the call appended, in seq order.
    pub events: Vec<Event>,
    /// The call's last row, which carries the outcome instead of an event.
    outcome: Fields<'r>,
}

impl<'r> Reply<'r> {
    /// Splits `rows` into events and the final outcome row.
    pub(super) fn decode(account: AccountId, rows: &'r [Row]) -> Result<Reply<'r>, BadReply> {
        let (last, events) = rows.split_last().ok_or(BadReply("an empty reply".into()))?;
        let outcome = Fields { row: last };
        if outcome.text("kind")? != Some("outcome") {
            return Err(BadReply("a reply without an outcome".into()));
        }
        let events = events.iter().map(|row| event(account, row));
        Ok(Reply {
            events: events.collect::<Result<_, _>>()?,
            outcome,
        })
    }

    fn reason(&self) -> Result<&str, BadReply> {
        Ok(self.outcome.text("reason")?.unwrap_or(""))
    }

    pub(super) fn reserve(&self) -> Result<ReserveOutcome, BadReply> {
        let o = &self.outcome;
        Ok(match self.reason()? {
            "reserved" => ReserveOutcome::Reserved {
                held: o.credits("credits")?,
                expires_at_ms: o.credits("expires_at_ms")?,
            },
            "unlimited" => ReserveOutcome::Unlimited,
            "insufficient" => ReserveOutcome::Insufficient {
                available: o.credits("available")?,
                requested: o.credits("credits")?,
            },
            "not_entitled" => ReserveOutcome::NotEntitled,
            "key_conflict" => ReserveOutcome::KeyConflict,
            other => return Err(BadReply(format!("reserve answered {other}"))),
        })
    }

    pub(super) fn commit(&self) -> Result<CommitOutcome, BadReply> {
        let o = &self.outcome;
        Ok(match self.reason()? {
            "committed" => CommitOutcome::Committed {
                charged: o.credits("credits")?,
                returned: o.credits("available")?,
            },
            "hold_closed" => CommitOutcome::HoldClosed {
                closed_by: closure_of(o.text("source")?)?,
            },
            "exceeds_hold" => CommitOutcome::ExceedsHold {
                held: o.credits("available")?,
                requested: o.credits("credits")?,
            },
            "no_hold" => CommitOutcome::NoHold,
            "key_conflict" => CommitOutcome::KeyConflict,
            other => return Err(BadReply(format!("commit answered {other}"))),
        })
    }

    pub(super) fn release(&self) -> Result<ReleaseOutcome, BadReply> {
        Ok(match self.reason()? {
            "released" => ReleaseOutcome::Released {
                returned: self.outcome.credits("credits")?,
            },
            "hold_closed" => ReleaseOutcome::HoldClosed {
                closed_by: closure_of(self.outcome.text("source")?)?,
            },
            "no_hold" => ReleaseOutcome::NoHold,
            other => return Err(BadReply(format!("release answered {other}"))),
        })
    }

    pub(super) fn grant(&self) -> Result<GrantOutcome, BadReply> {
        Ok(match self.reason()? {
            "granted" => GrantOutcome::Granted {
                lot: self.outcome.lot()?,
            },
            "key_conflict" => GrantOutcome::KeyConflict,
            "overflow" => GrantOutcome::Overflow,
            other => return Err(BadReply(format!("grant answered {other}"))),
        })
    }

    /// The balance an advance read.
    pub(super) fn balance(&self) -> Result<Balance, BadReply> {
        Ok(Balance {
            available: self.outcome.credits("available")?,
            held: self.outcome.credits("credits")?,
        })
    }
}
