//! The event queue: a calendar of one bucket per millisecond over a window of
//! [`WINDOW`] milliseconds, and a heap for events further ahead.
//!
//! Events leave in time order and, at the same time, in the order they were pushed: the same
//! order as a binary heap keyed by (time, push sequence), which is what the engine used
//! before. A heap of a million pending node timers cost about 20 cache misses per pop at the
//! scale run's size; here a push and a pop inside the window are a few array operations, and
//! finding the next non-empty millisecond reads a bitmap.
//!
//! Order proof sketch: an event for time `t` goes to the heap only while `t` is at least
//! `WINDOW` ahead of the current time, and every heap event whose time enters the window is
//! moved into its bucket when the current time advances, before any event of that time can
//! be pushed to the bucket directly. So a bucket receives the heap's events (in sequence
//! order) before its direct ones (pushed later, so with larger sequence numbers).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Milliseconds the calendar covers (a power of two). Every bucket keeps the capacity it
/// once needed, so the window is short: frames and retransmissions (at most a few seconds
/// ahead) fall inside it; refresh timers and RS back-off go to the heap.
pub const WINDOW: u64 = 1 << 12;
const MASK: u64 = WINDOW - 1;
const WORDS: usize = (WINDOW / 64) as usize;

struct Far<E> {
    at: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Far<E> {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl<E> Eq for Far<E> {}
impl<E> PartialOrd for Far<E> {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Far<E> {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(o.at, o.seq))
    }
}

/// Events by virtual time (milliseconds), first in first out within a millisecond.
pub struct Calendar<E> {
    /// Bucket `t % WINDOW` holds the events of time `t`, for `cur <= t < cur + WINDOW`.
    buckets: Vec<VecDeque<E>>,
    /// Bit `t % WINDOW` set: bucket of time `t` is not empty.
    busy: Vec<u64>,
    /// Time of the current bucket; no event is earlier.
    cur: u64,
    /// Events in buckets.
    near: usize,
    /// Events at `cur + WINDOW` or later.
    far: BinaryHeap<Reverse<Far<E>>>,
    seq: u64,
}

impl<E> Default for Calendar<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Calendar<E> {
    /// An empty queue at time 0.
    pub fn new() -> Self {
        Self {
            buckets: (0..WINDOW).map(|_| VecDeque::new()).collect(),
            busy: vec![0; WORDS],
            cur: 0,
            near: 0,
            far: BinaryHeap::new(),
            seq: 0,
        }
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.near + self.far.len()
    }

    /// True when no event waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues `event` at time `at` (an earlier time than the last event taken counts as that
    /// time: the queue never goes back).
    pub fn push(&mut self, at: u64, event: E) {
        let at = at.max(self.cur);
        if at - self.cur < WINDOW {
            self.put(at, event);
        } else {
            self.seq += 1;
            self.far.push(Reverse(Far {
                at,
                seq: self.seq,
                event,
            }));
        }
    }

    fn put(&mut self, at: u64, event: E) {
        let b = (at & MASK) as usize;
        self.buckets[b].push_back(event);
        self.busy[b / 64] |= 1 << (b % 64);
        self.near += 1;
    }

    /// Time of the next event, if any.
    pub fn peek_time(&self) -> Option<u64> {
        if self.near > 0 {
            Some(self.cur + self.next_busy())
        } else {
            self.far.peek().map(|Reverse(f)| f.at)
        }
    }

    /// Offset from `cur` of the first non-empty bucket (there is one: `near > 0`).
    fn next_busy(&self) -> u64 {
        let b = (self.cur & MASK) as usize;
        let (w0, bit) = (b / 64, b % 64);
        // The current word from `cur`'s bit on, then the following words, wrapping.
        let first = self.busy[w0] >> bit;
        if first != 0 {
            return u64::from(first.trailing_zeros());
        }
        for k in 1..=WORDS {
            let w = (w0 + k) % WORDS;
            if self.busy[w] != 0 {
                let off = (k * 64 - bit) as u64 + u64::from(self.busy[w].trailing_zeros());
                return off;
            }
        }
        unreachable!("near > 0 means a busy bit is set")
    }

    /// The `k`-th event after the next one due now (0: the next), if it is due now too: what
    /// a loop prefetches for.
    pub fn ahead(&self, k: usize) -> Option<&E> {
        self.buckets[(self.cur & MASK) as usize].get(k)
    }

    /// Moves the current time to `t` (no event is earlier) and brings the heap's events that
    /// enter the window into their buckets.
    fn advance(&mut self, t: u64) {
        if t == self.cur {
            return;
        }
        self.cur = t;
        while let Some(Reverse(f)) = self.far.peek() {
            if f.at - self.cur >= WINDOW {
                break;
            }
            if let Some(Reverse(f)) = self.far.pop() {
                self.put(f.at, f.event);
            }
        }
    }

    /// Takes the next event if its time is at most `until`: (time, event).
    pub fn pop(&mut self, until: u64) -> Option<(u64, E)> {
        let t = self.peek_time()?;
        if t > until {
            return None;
        }
        self.advance(t);
        let b = (t & MASK) as usize;
        let event = self.buckets[b].pop_front()?;
        self.near -= 1;
        if self.buckets[b].is_empty() {
            self.busy[b / 64] &= !(1 << (b % 64));
        }
        Some((t, event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pasa_topology::generate::SplitMix64;

    /// Against the reference order (a heap by time and push sequence) on random pushes and
    /// pops, near and far, with times that cross the window many times.
    #[test]
    fn same_order_as_a_heap() {
        for seed in 0..20 {
            let mut rng = SplitMix64::new(seed);
            let mut cal = Calendar::new();
            let mut reference = BinaryHeap::new();
            let (mut now, mut seq) = (0u64, 0u64);
            for _ in 0..20_000 {
                if rng.below(3) > 0 {
                    let ahead = match rng.below(4) {
                        0 => rng.below(3),
                        1 => rng.below(100),
                        2 => rng.below(WINDOW * 2),
                        _ => WINDOW - 2 + rng.below(4),
                    };
                    let at = now + ahead;
                    seq += 1;
                    cal.push(at, seq);
                    reference.push(Reverse((at, seq)));
                } else {
                    let until = now + rng.below(WINDOW * 3);
                    let want = match reference.peek() {
                        Some(Reverse((at, _))) if *at <= until => reference.pop().map(|r| r.0),
                        _ => None,
                    };
                    let got = cal.pop(until);
                    assert_eq!(got, want, "seed {seed}");
                    if let Some((at, _)) = got {
                        now = at;
                    }
                }
                assert_eq!(cal.len(), reference.len());
            }
            while let Some(Reverse(want)) = reference.pop() {
                assert_eq!(cal.pop(u64::MAX), Some(want), "seed {seed}");
            }
            assert!(cal.is_empty() && cal.pop(u64::MAX).is_none());
        }
    }

    #[test]
    fn an_event_in_the_past_counts_as_now() {
        let mut cal = Calendar::new();
        cal.push(10, 'a');
        cal.push(12, 'b');
        assert_eq!(cal.pop(u64::MAX), Some((10, 'a')));
        cal.push(3, 'c');
        assert_eq!(cal.pop(u64::MAX), Some((10, 'c')));
        assert_eq!(cal.pop(11), None);
        assert_eq!(cal.pop(12), Some((12, 'b')));
    }
}
