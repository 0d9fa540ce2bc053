//! [`Queue`]: the bookkeeping behind R6 and R7's questions, "is a link of higher
//! priority still waiting?" and "is any link at or below this priority waiting?",
//! answered in constant (amortized) time so that an event about one link does not scan
//! every link. It counts waiting links per distinct priority and caches the highest and
//! lowest priority that has one. Its memory is reserved at construction: no step
//! allocates.

use alloc::vec::Vec;

/// Waiting links counted by priority.
#[derive(Debug)]
pub(crate) struct Queue {
    /// The distinct priorities that can be waiting (every configured priority, and the
    /// priorities of open connections), sorted ascending.
    ranks: Vec<i32>,
    /// Waiting links per rank.
    waiting: Vec<u32>,
    /// The highest rank with a waiting link.
    top: Option<usize>,
    /// The lowest rank with a waiting link.
    bottom: Option<usize>,
    /// Room for the consistency check's histogram (one count per rank), reserved at
    /// construction so that the check inside a debug build's `step` allocates nothing.
    /// Release builds do not check inside `step` and reserve nothing.
    #[cfg(debug_assertions)]
    pub(crate) check_buffer: Vec<u32>,
}

/// A clone keeps the reserved capacity (a derived clone would not, and the clone's
/// next rebuild would allocate inside a step).
impl Clone for Queue {
    fn clone(&self) -> Self {
        let mut ranks = Vec::with_capacity(self.ranks.capacity());
        ranks.extend_from_slice(&self.ranks);
        let mut waiting = Vec::with_capacity(self.waiting.capacity());
        waiting.extend_from_slice(&self.waiting);
        Queue {
            ranks,
            waiting,
            top: self.top,
            bottom: self.bottom,
            #[cfg(debug_assertions)]
            check_buffer: Vec::with_capacity(self.check_buffer.capacity()),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.ranks.clone_from(&source.ranks);
        self.waiting.clone_from(&source.waiting);
        // Keep the room `clone` keeps: a reconfiguration may add ranks inside a step.
        self.ranks
            .reserve(source.ranks.capacity().saturating_sub(self.ranks.len()));
        self.waiting
            .reserve(source.waiting.capacity().saturating_sub(self.waiting.len()));
        self.top = source.top;
        self.bottom = source.bottom;
    }
}

impl Queue {
    /// An empty queue for `links` links whose configured priorities are `priorities`.
    pub(crate) fn new(links: usize, priorities: impl Iterator<Item = i32>) -> Self {
        // Configured priorities plus, after reconfigurations, those of open connections.
        let mut queue = Queue {
            ranks: Vec::with_capacity(2 * links),
            waiting: Vec::with_capacity(2 * links),
            top: None,
            bottom: None,
            #[cfg(debug_assertions)]
            check_buffer: Vec::with_capacity(2 * links),
        };
        queue.rebuild(priorities, core::iter::empty());
        queue
    }

    /// Re-derives the ranks from `priorities` (every configured priority and the
    /// priority of every open connection: at most two per link, so the memory reserved
    /// at construction suffices) and the counts from `waiting` (the priority of each
    /// waiting link, all among `priorities`), in place. For reconfiguration.
    pub(crate) fn rebuild(
        &mut self,
        priorities: impl Iterator<Item = i32>,
        waiting: impl Iterator<Item = i32>,
    ) {
        self.ranks.clear();
        self.ranks.extend(priorities);
        self.ranks.sort_unstable();
        self.ranks.dedup();
        self.waiting.clear();
        self.waiting.resize(self.ranks.len(), 0);
        self.top = None;
        self.bottom = None;
        for priority in waiting {
            self.add(self.rank(priority));
        }
    }

    /// The rank of `priority` (a binary search; callers cache it per link).
    pub(crate) fn rank(&self, priority: i32) -> u32 {
        self.ranks
            .binary_search(&priority)
            .expect("every configured or open priority has a rank") as u32
    }

    /// Whether `rank` is the rank of `priority` (a cached rank's check, in constant time:
    /// the ranks are distinct and sorted).
    pub(crate) fn is_rank_of(&self, rank: u32, priority: i32) -> bool {
        self.ranks.get(rank as usize) == Some(&priority)
    }

    /// A link of rank `rank` starts waiting.
    pub(crate) fn add(&mut self, rank: u32) {
        let rank = rank as usize;
        self.waiting[rank] += 1;
        self.top = Some(self.top.map_or(rank, |top| top.max(rank)));
        self.bottom = Some(self.bottom.map_or(rank, |bottom| bottom.min(rank)));
    }

    /// A link of rank `rank` stops waiting.
    pub(crate) fn remove(&mut self, rank: u32) {
        let rank = rank as usize;
        self.waiting[rank] -= 1;
        if self.waiting[rank] > 0 {
            return;
        }
        // Move the cached ends inwards past empty ranks (amortized over the adds).
        if self.top == Some(rank) {
            self.top = (0..rank).rev().find(|&r| self.waiting[r] > 0);
        }
        if self.bottom == Some(rank) {
            self.bottom = (rank + 1..self.ranks.len()).find(|&r| self.waiting[r] > 0);
        }
    }

    /// Whether some link with a priority above `priority` is waiting.
    pub(crate) fn any_above(&self, priority: i32) -> bool {
        self.top.is_some_and(|top| self.ranks[top] > priority)
    }

    /// Whether some link with a priority at or below `priority` is waiting.
    pub(crate) fn any_at_or_below(&self, priority: i32) -> bool {
        self.bottom
            .is_some_and(|bottom| self.ranks[bottom] <= priority)
    }

    /// How many distinct priorities have a rank.
    pub(crate) fn rank_count(&self) -> usize {
        self.ranks.len()
    }

    /// Whether the per-rank counts are exactly `histogram` (the waiting links counted
    /// by their cached rank).
    pub(crate) fn counts_are(&self, histogram: &[u32]) -> bool {
        histogram == self.waiting.as_slice()
    }

    /// Whether the cached ends are the highest and lowest ranks with a waiting link.
    pub(crate) fn ends_are_exact(&self) -> bool {
        let occupied = |r: &usize| self.waiting[*r] > 0;
        self.top == (0..self.ranks.len()).rev().find(occupied)
            && self.bottom == (0..self.ranks.len()).find(occupied)
    }

    /// Overwrites the cached highest end (tests of the checks that must notice).
    #[cfg(test)]
    pub(crate) fn set_top_for_tests(&mut self, top: Option<usize>) {
        self.top = top;
    }

    /// How many links wait at `rank` (`None` past the ranks).
    pub(crate) fn waiting_at(&self, rank: u32) -> Option<u32> {
        self.waiting.get(rank as usize).copied()
    }

    /// The highest and lowest occupied ranks, as cached.
    pub(crate) fn ends(&self) -> (Option<usize>, Option<usize>) {
        (self.top, self.bottom)
    }

    /// How many links are waiting in all.
    pub(crate) fn total(&self) -> u32 {
        self.waiting.iter().sum()
    }
}
