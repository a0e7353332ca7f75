//! Shared copies of the pool and action names that idempotency records keep.
//!
//! Every record keeps the names of its request, to tell a repeat from a conflict. Names come
//! from a vendor's small vocabulary, so sharing one allocation per distinct name saves an
//! allocation and a free per request on the hot path.

use std::collections::HashSet;
use std::sync::Arc;

use super::hash::FastHash;

/// How many distinct names are shared at most. Past it, a new name gets its own allocation
/// per record, so a caller that invents names cannot grow the set without bound.
const MAX_SHARED: usize = 1024;

/// The shared names. A cache only: it never changes what a record holds, just where.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    /// Every shared name.
    shared: HashSet<Arc<str>, FastHash>,
    /// The name asked for last: a run of requests mostly names the same action, and one
    /// string compare is cheaper than hashing into `shared`.
    last: Option<Arc<str>>,
}

impl Names {
    /// A copy of `name`, shared with every other record that names it when possible.
    pub fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(last) = self.last.as_ref().filter(|last| ***last == *name) {
            return last.clone();
        }
        let found = self.shared.get(name).cloned();
        let shared = found.unwrap_or_else(|| self.share(name));
        self.last = Some(shared.clone());
        shared
    }

    /// A new copy of `name`, kept in `shared` while there is room.
    fn share(&mut self, name: &str) -> Arc<str> {
        let fresh: Arc<str> = Arc::from(name);
        if self.shared.len() < MAX_SHARED {
            self.shared.insert(fresh.clone());
        }
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_name_is_shared_and_the_set_stays_bounded() {
        let mut names = Names::default();
        let (first, again) = (names.get("image"), names.get("image"));
        assert!(Arc::ptr_eq(&first, &again));
        for n in 0..MAX_SHARED + 10 {
            assert_eq!(&*names.get(&format!("made-up-{n}")), format!("made-up-{n}"));
        }
        assert_eq!(names.shared.len(), MAX_SHARED);
        let (late, other, late_again) = (names.get("late"), names.get("x"), names.get("late"));
        assert_eq!((&*late, &*other, &*late_again), ("late", "x", "late"));
        assert!(!Arc::ptr_eq(&late, &late_again));
        let (image, image_again) = (names.get("image"), names.get("image"));
        assert!(Arc::ptr_eq(&first, &image) && Arc::ptr_eq(&image, &image_again));
    }
}
