//! The ICMPv6 error rate limiter: a token bucket (RFC 4443 §2.4(f); SPEC.md §6.3, §9.2 item 13;
//! RELIABILITY.md A5, B49). Time is passed in as a wrapping millisecond counter, so the core
//! reads no clock and the arithmetic survives the 49.7-day wrap of a `u32` (F11).

/// A token bucket: at most `capacity` errors in a burst, refilled by one token every
/// `interval_ms` milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenBucket {
    capacity: u32,
    interval_ms: u32,
    tokens: u32,
    /// Time of the last refill step, in the caller's wrapping millisecond clock.
    last_ms: u32,
}

impl TokenBucket {
    /// SPEC.md §6.3 recommendation for constrained links: a burst of 2, one token a second.
    pub const LLN_DEFAULT: (u32, u32) = (2, 1000);

    /// A full bucket of `capacity` tokens refilled every `interval_ms` (at least 1 ms), with
    /// the clock at `now_ms`.
    pub const fn new(capacity: u32, interval_ms: u32, now_ms: u32) -> Self {
        Self {
            capacity,
            interval_ms: if interval_ms == 0 { 1 } else { interval_ms },
            tokens: capacity,
            last_ms: now_ms,
        }
    }

    /// Takes a token if one is available at `now_ms`. A clock that moved backwards (an elapsed
    /// time of half the counter's range or more) refills nothing, so a clock jump can neither
    /// grant a flood nor block the bucket for good.
    pub fn try_take(&mut self, now_ms: u32) -> bool {
        let elapsed = now_ms.wrapping_sub(self.last_ms);
        if elapsed < 0x8000_0000 {
            // interval_ms >= 1 (see new), so the division is always defined.
            let steps = elapsed.checked_div(self.interval_ms).unwrap_or(0);
            if steps > 0 {
                self.tokens = self.tokens.saturating_add(steps).min(self.capacity);
                self.last_ms = self
                    .last_ms
                    .wrapping_add(steps.saturating_mul(self.interval_ms));
            }
        } else {
            // Time went backwards: restart the refill clock from now.
            self.last_ms = now_ms;
        }
        if self.tokens > 0 {
            self.tokens = self.tokens.saturating_sub(1);
            true
        } else {
            false
        }
    }

    /// Tokens left now (without refilling).
    pub const fn tokens(&self) -> u32 {
        self.tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_one_per_interval() {
        let (cap, iv) = TokenBucket::LLN_DEFAULT;
        let mut b = TokenBucket::new(cap, iv, 0);
        assert!(b.try_take(0));
        assert!(b.try_take(1));
        assert!(!b.try_take(2));
        assert!(!b.try_take(999));
        assert!(b.try_take(1000));
        assert!(!b.try_take(1500));
        // A long quiet time refills only up to the capacity.
        assert!(b.try_take(100_000));
        assert!(b.try_take(100_000));
        assert!(!b.try_take(100_000));
    }

    #[test]
    fn a_flood_gets_at_most_the_budget() {
        // B49: 1000 triggers a second for 10 s with a 10/s bucket of burst 10.
        let mut b = TokenBucket::new(10, 100, 0);
        let sent = (0..10_000u32).filter(|&i| b.try_take(i)).count();
        assert!(sent <= 10 + 100, "{sent}");
        assert!(sent >= 100, "{sent}");
    }

    #[test]
    fn survives_the_u32_millisecond_wrap_and_clock_jumps() {
        let start = u32::MAX - 500;
        let mut b = TokenBucket::new(1, 1000, start);
        assert!(b.try_take(start));
        assert!(!b.try_take(start.wrapping_add(999)));
        // 1000 ms later, across the wrap.
        assert!(b.try_take(start.wrapping_add(1000)));
        // The clock is set back: no refill, no lock-up.
        assert!(!b.try_take(start.wrapping_sub(50_000)));
        assert!(b.try_take(start.wrapping_sub(50_000).wrapping_add(1000)));
        // A zero interval is treated as 1 ms.
        let mut z = TokenBucket::new(1, 0, 0);
        assert!(z.try_take(0));
        assert!(z.try_take(1));
    }
}
