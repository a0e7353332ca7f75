//! Delta debugging (Zeller and Hildebrandt's ddmin), generic over what is being reduced, so
//! that the algorithm is tested on its own against a brute-force minimum.
//!
//! `still_fails` is the expensive part (one whole run per call), so both reducers take a
//! budget of calls and stop with the smallest failing input found so far when it runs out.

/// Calls of a predicate, counted against a budget.
pub(super) struct Budget {
    left: u64,
    used: u64,
}

impl Budget {
    /// At most `calls` calls.
    pub(super) fn new(calls: u64) -> Budget {
        Budget {
            left: calls,
            used: 0,
        }
    }

    /// Calls made so far.
    pub(super) fn used(&self) -> u64 {
        self.used
    }

    /// Whether the budget ran out.
    pub(super) fn exhausted(&self) -> bool {
        self.left == 0
    }

    /// Takes one call from the budget, or says there is none left.
    pub(super) fn take(&mut self) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        self.used += 1;
        true
    }
}

/// The shortest prefix of `items` that still fails, found by bisection. Bisection assumes
/// that a failing prefix stays failing when it grows, which holds for a run whose first
/// violation happens at some step and stays visible; where it does not, the result still
/// fails (it is only ever replaced by a prefix that was seen to fail), it may just not be
/// the shortest.
pub(super) fn shortest_failing_prefix<T: Clone>(
    items: Vec<T>,
    budget: &mut Budget,
    mut still_fails: impl FnMut(&[T]) -> bool,
) -> Vec<T> {
    // Invariant: items[..failing] fails; items[..passing] passes (0 is taken as passing:
    // an empty input breaks nothing).
    let (mut passing, mut failing) = (0, items.len());
    while failing - passing > 1 && budget.take() {
        let middle = passing + (failing - passing) / 2;
        if still_fails(&items[..middle]) {
            failing = middle;
        } else {
            passing = middle;
        }
    }
    let mut items = items;
    items.truncate(failing);
    items
}

/// Reduces `items`, which fail, to a 1-minimal failing subsequence: removing any one item
/// makes it pass (unless the budget ran out first). Order is kept.
pub(super) fn ddmin<T: Clone>(
    items: Vec<T>,
    budget: &mut Budget,
    mut still_fails: impl FnMut(&[T]) -> bool,
) -> Vec<T> {
    let mut items = items;
    let mut chunks = 2usize;
    while items.len() >= 2 {
        let size = items.len().div_ceil(chunks);
        let mut reduced = false;
        for start in (0..items.len()).step_by(size) {
            let end = (start + size).min(items.len());
            let complement: Vec<T> = items[..start]
                .iter()
                .chain(&items[end..])
                .cloned()
                .collect();
            if !budget.take() {
                return items;
            }
            if still_fails(&complement) {
                items = complement;
                chunks = chunks.saturating_sub(1).max(2);
                reduced = true;
                break;
            }
        }
        if reduced {
            continue;
        }
        if chunks >= items.len() {
            break;
        }
        chunks = (chunks * 2).min(items.len());
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Fails when every item of `needed` is present: the simple model of a failure that
    /// needs a set of steps, whose unique minimum is `needed` itself.
    fn needs(needed: &BTreeSet<u32>) -> impl Fn(&[u32]) -> bool + '_ {
        move |items: &[u32]| needed.iter().all(|n| items.contains(n))
    }

    proptest! {
        #[test]
        fn ddmin_finds_exactly_the_items_a_failure_needs(
            len in 1u32..120,
            picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..6),
        ) {
            let items: Vec<u32> = (0..len).collect();
            let needed: BTreeSet<u32> = picks.iter().map(|p| p.index(len as usize) as u32).collect();
            let found = ddmin(items, &mut Budget::new(u64::MAX), needs(&needed));
            prop_assert_eq!(found.into_iter().collect::<BTreeSet<_>>(), needed);
        }

        #[test]
        fn the_shortest_prefix_ends_at_the_last_needed_item(
            len in 1u32..500,
            picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..6),
        ) {
            let items: Vec<u32> = (0..len).collect();
            let needed: BTreeSet<u32> = picks.iter().map(|p| p.index(len as usize) as u32).collect();
            let prefix = shortest_failing_prefix(items, &mut Budget::new(u64::MAX), needs(&needed));
            prop_assert_eq!(prefix.len() as u32, needed.last().unwrap() + 1);
        }

        #[test]
        fn a_result_is_one_minimal_for_a_failure_needing_any_two_of_a_set(
            len in 2u32..80,
            set in proptest::collection::btree_set(0u32..80, 2..8),
        ) {
            // Not monotone in one item: any two members of `set` fail together.
            let items: Vec<u32> = (0..len).collect();
            let fails = |xs: &[u32]| xs.iter().filter(|x| set.contains(x)).count() >= 2;
            prop_assume!(fails(&items));
            let found = ddmin(items, &mut Budget::new(u64::MAX), fails);
            prop_assert!(fails(&found));
            for skip in 0..found.len() {
                let mut fewer = found.clone();
                fewer.remove(skip);
                prop_assert!(!fails(&fewer), "removing {} still fails: {:?}", found[skip], found);
            }
        }
    }

    #[test]
    fn a_budget_stops_the_search_with_a_failing_input() {
        let needed: BTreeSet<u32> = [70, 80].into();
        let mut budget = Budget::new(3);
        let found = ddmin((0..100).collect(), &mut budget, needs(&needed));
        assert!(budget.exhausted());
        assert_eq!(budget.used(), 3);
        assert!(needs(&needed)(&found));
        assert!(found.len() < 100, "three calls remove at least one half");
    }
}
