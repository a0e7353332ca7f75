//! What every account of a cell shares, prepared once per thread: the terms, the usage
//! lines in the vendor's terms, the month boundaries, and the idempotency keys.

use std::sync::Arc;

use smol_str::{SmolStr, format_smolstr};

use super::config::{Cell, EconomicsConfig, Flaw, Line, Served, Topup};
use super::demand::UsageDraws;
use crate::accounts::{Purchase, pack_grant};
use crate::check::AccountTerms;
use crate::ledger::{AccountId, Key, Name, TimeMs, calendar};
use crate::pricing::{DEFAULT_POOL, Model};

/// Step keys built once (`s0`, `s1`, ...): most accounts take fewer steps than this, and a
/// clone of an inline key copies 24 bytes instead of formatting it.
const PREBUILT_KEYS: u64 = 4096;

/// The idempotency keys of one account's steps: `s<n>`, and `r<n>` for the retry of step
/// `n` after a top-up. Unique within an account, which is all a key needs.
pub(super) struct Keys {
    prebuilt: Vec<Key>,
}

impl Keys {
    pub(super) fn new() -> Keys {
        Keys {
            prebuilt: (0..PREBUILT_KEYS)
                .map(|n| format_smolstr!("s{n}"))
                .collect(),
        }
    }

    pub(super) fn step(&self, n: u64) -> Key {
        match self.prebuilt.get(n as usize) {
            Some(key) => key.clone(),
            None => format_smolstr!("s{n}"),
        }
    }

    pub(super) fn retry(&self, n: u64) -> Key {
        format_smolstr!("r{n}")
    }
}

/// One cell, ready to simulate its accounts.
pub(super) struct CellPlan {
    /// Every account's terms and the packs it buys at the start (under `start:<i>`), for
    /// its `Book` and for the checker, which explains each grant by them.
    pub terms: AccountTerms,
    /// The vendor model, for pack purchases.
    pub model: Arc<Model>,
    /// The offer's plan.
    pub plan: Option<String>,
    /// Packs bought at the start, by model index; `terms.grants[i]` is the grant of the
    /// `i`-th.
    pub start_packs: Vec<usize>,
    /// The top-up policy and its pack's model index.
    pub topup: Option<Topup>,
    pub topup_pack: Option<usize>,
    /// The usage lines, each with its own copies of the names (see [`CellPlan::new`]).
    pub lines: Vec<Line>,
    /// How the persona's usage is drawn.
    pub draws: UsageDraws,
    /// The start of each month, then the end of the last.
    pub month_starts: Vec<TimeMs>,
    /// The model's pools, in model order; the counters use these indices.
    pub pools: Vec<Name>,
    /// The pool that months are counted in: `credits`, else the first.
    pub main_pool: usize,
    /// The seed, and the persona's index: with the account's index, its random stream.
    pub seed: u64,
    pub persona: usize,
    pub flaw: Option<Flaw>,
    /// The global id of the cell's first account.
    pub first_account: AccountId,
    pub keys: Arc<Keys>,
}

impl CellPlan {
    /// The plan of `cell`, whose first account has global id `first_account`.
    ///
    /// Names shared between threads would bounce their reference counts between cores at
    /// every step (long parameter strings are shared, not inline), so each thread's plan
    /// makes its own copies.
    pub(super) fn new(
        config: &EconomicsConfig,
        cell: &Cell,
        first_account: AccountId,
        keys: Arc<Keys>,
    ) -> Self {
        let offer = &config.offers[cell.offer];
        let model = offer.model.clone();
        let pack_index = |id: &str| model.packs().iter().position(|p| p.id == id);
        let pools: Vec<Name> = model.pools().iter().map(|p| p.id.as_str().into()).collect();
        let main_pool = pools.iter().position(|p| p == DEFAULT_POOL).unwrap_or(0);
        let month_starts: Vec<TimeMs> = (0..=u64::from(config.months))
            .map(|m| calendar::add_months(config.start_ms, m).expect("months are few"))
            .collect();
        let start_packs: Vec<usize> = offer.packs.iter().filter_map(|p| pack_index(p)).collect();
        let purchase = Purchase {
            plan: offer.plan.as_deref(),
            anchor_ms: month_starts[0],
            at_ms: month_starts[0],
        };
        let grants = (start_packs.iter().enumerate())
            .map(|(i, &pack)| {
                let id = &model.packs()[pack].id;
                pack_grant(&model, id, purchase, format!("start:{i}"))
                    .expect("checked when the scenario loaded")
            })
            .collect();
        CellPlan {
            terms: AccountTerms {
                spec: cell.spec.clone(),
                grants,
            },
            plan: offer.plan.clone(),
            start_packs,
            topup: offer.topup.clone(),
            topup_pack: offer.topup.as_ref().and_then(|t| pack_index(&t.pack)),
            lines: cell.lines.iter().map(own_copy).collect(),
            draws: UsageDraws::new(&config.personas[cell.persona].usage),
            month_starts,
            pools,
            main_pool,
            seed: config.seed,
            persona: cell.persona,
            flaw: config.flaw,
            first_account,
            keys,
            model,
        }
    }

    /// The index of `pool` among the model's pools. An unknown pool cannot occur (every
    /// grant and action names one of the model's); it counts to the main pool.
    pub(super) fn pool_index(&self, pool: &str) -> usize {
        self.pools
            .iter()
            .position(|p| p == pool)
            .unwrap_or(self.main_pool)
    }
}

fn own_copy(line: &Line) -> Line {
    match line {
        Line::Unserved => Line::Unserved,
        Line::Served(served) => Line::Served(Served {
            action: SmolStr::new(served.action.as_str()),
            params: SmolStr::new(served.params.as_str()),
            pool: SmolStr::new(served.pool.as_str()),
            ..served.clone()
        }),
    }
}
