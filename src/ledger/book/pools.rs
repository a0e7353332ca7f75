//! The book's pools by name, each with a stable id.
//!
//! A hold names its pool by id rather than by name: closing the hold then finds the pool
//! without comparing names. Pools
//! are never removed, so an id stays valid for the book's whole life.

use super::pool::Pool;
use crate::ledger::Name;

/// A pool's index in [`Pools`], assigned in creation order.
pub(crate) type PoolId = usize;

/// Pools with their names, addressable by id and walkable in name order.
///
/// Two books that created the same pools in the same order are equal; replay creates them
/// through the same `apply` code as the live book, so it always does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pools {
    /// Names and pools in creation order, which is what a `PoolId` indexes.
    entries: Vec<(Name, Pool)>,
    /// Ids in name order: lookups search it, and everything that walks the pools (and may
    /// emit events while doing so) goes in name order, as callers and replay expect.
    by_name: Vec<PoolId>,
}

impl Pools {
    /// The id of the pool named `name`, if it exists.
    pub(super) fn id(&self, name: &str) -> Option<PoolId> {
        let found = self.search(name).ok()?;
        Some(self.by_name[found])
    }

    /// The id of the pool named `name`, created empty if new.
    pub(super) fn id_or_insert(&mut self, name: &str) -> PoolId {
        match self.search(name) {
            Ok(found) => self.by_name[found],
            Err(at) => {
                let id = self.entries.len();
                self.entries.push((Name::new(name), Pool::default()));
                self.by_name.insert(at, id);
                id
            }
        }
    }

    /// The pool named `name`, if it exists.
    pub(super) fn get(&self, name: &str) -> Option<&Pool> {
        self.id(name).map(|id| &self.entries[id].1)
    }

    /// The pool named `name`, if it exists, for changing.
    pub(super) fn get_mut(&mut self, name: &str) -> Option<&mut Pool> {
        let id = self.id(name)?;
        Some(&mut self.entries[id].1)
    }

    /// The pool with id `id`; ids come from this table, so it exists.
    pub(super) fn pool(&self, id: PoolId) -> &Pool {
        &self.entries[id].1
    }

    /// The pool with id `id`, for changing.
    pub(super) fn pool_mut(&mut self, id: PoolId) -> &mut Pool {
        &mut self.entries[id].1
    }

    /// The name of the pool with id `id`.
    pub(super) fn name(&self, id: PoolId) -> &Name {
        &self.entries[id].0
    }

    /// Ids, names and pools in name order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (PoolId, &str, &Pool)> {
        let entry = |&id: &PoolId| (id, &*self.entries[id].0, &self.entries[id].1);
        self.by_name.iter().map(entry)
    }

    /// The pools in creation order, for checks that do not care about order.
    pub(super) fn values(&self) -> impl Iterator<Item = &Pool> {
        self.entries.iter().map(|(_, pool)| pool)
    }

    /// Where `name` is, or would go, in `by_name`.
    fn search(&self, name: &str) -> Result<usize, usize> {
        let entries = &self.entries;
        self.by_name
            .binary_search_by(|&id| (*entries[id].0).cmp(name))
    }
}
