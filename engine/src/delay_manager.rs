//! The adaptive receiver's target delay, after the design of WebRTC's NetEq (its delay manager,
//! underrun optimiser and packet arrival history, as published in `modules/audio_coding/neteq/`):
//!
//! - each packet's *relative* delay is its network delay less the smallest in the last 2 s of
//!   packets (by send time), so that a path's fixed part counts for nothing;
//! - every 500 ms the largest relative delay of the interval goes into a histogram of 20 ms
//!   buckets (0–2 s), which forgets: each addition scales the old weights by a factor that ramps
//!   from 0 (the first addition replaces the initial shape) to 0.983, as `1 − 2 / (n + 1)` after
//!   `n` additions;
//! - the target is the top of the first bucket at which at most 5 % of the weight lies above:
//!   the 95th percentile, in steps of 20 ms, at least 20 ms.
//!
//! Everything is held in fixed arrays: nothing here allocates after creation.

/// Width of a histogram bucket, ms.
const BUCKET_MS: f64 = 20.0;
/// Buckets: delays of 0 to 2 s; a longer delay is not counted.
const BUCKETS: usize = 100;
/// The forgetting factor the ramp ends at.
const FORGET_FACTOR: f64 = 0.983;
/// The share of weight allowed above the target.
const QUANTILE: f64 = 0.95;
/// How often the interval's largest delay is added, ms.
const INTERVAL_MS: f64 = 500.0;
/// How far back (in send time) the smallest delay is looked for, ms.
const HISTORY_MS: f64 = 2_000.0;
/// Packets tracked at once: in flight, and arrived within the history. 2 s of 2.5 ms packets is
/// 800; a packet beyond either is handled at once (in flight) or forgotten (history).
const TRACKED: usize = 1_024;

/// A packet sent and not yet arrived: its send time and arrival time, ms.
#[derive(Debug, Clone, Copy, Default)]
struct InFlight {
    sent_ms: f64,
    arrival_ms: f64,
}

/// The target delay, from the packets' arrivals.
#[derive(Debug)]
pub struct DelayManager {
    /// Weight per bucket, summing to 1.
    histogram: [f64; BUCKETS],
    /// Additions since the start.
    additions: u32,
    /// Packets on their way, unordered; the first `in_flight_len` are live.
    in_flight: [InFlight; TRACKED],
    in_flight_len: usize,
    /// Arrived packets' send times and network delays, oldest first, in a ring.
    history: [(f64, f64); TRACKED],
    history_start: usize,
    history_len: usize,
    /// Where the current interval started, and its largest relative delay so far.
    interval_start_ms: f64,
    interval_max_ms: Option<f64>,
}

impl Default for DelayManager {
    fn default() -> Self {
        Self::new()
    }
}

impl DelayManager {
    pub fn new() -> Self {
        let mut manager = Self {
            histogram: [0.0; BUCKETS],
            additions: 0,
            in_flight: [InFlight::default(); TRACKED],
            in_flight_len: 0,
            history: [(0.0, 0.0); TRACKED],
            history_start: 0,
            history_len: 0,
            interval_start_ms: 0.0,
            interval_max_ms: None,
        };
        manager.reset();
        manager
    }

    /// Forgets every packet and starts the histogram afresh. Never allocates.
    pub fn reset(&mut self) {
        // NetEq's initial shape: halving weights from the first bucket (replaced by the first
        // addition, whose forgetting factor is 0).
        let mut weight = 0.5;
        for bucket in &mut self.histogram {
            *bucket = weight;
            weight *= 0.5;
        }
        self.additions = 0;
        self.in_flight_len = 0;
        (self.history_start, self.history_len) = (0, 0);
        self.interval_start_ms = 0.0;
        self.interval_max_ms = None;
    }

    /// A packet was sent at `sent_ms` and will arrive at `arrival_ms` (a lost one is never
    /// told of). Never allocates.
    pub fn sent(&mut self, sent_ms: f64, arrival_ms: f64) {
        if self.in_flight_len == TRACKED {
            // More in flight than tracked: take the oldest in as if it had arrived.
            self.arrive(0);
        }
        self.in_flight[self.in_flight_len] = InFlight { sent_ms, arrival_ms };
        self.in_flight_len += 1;
    }

    /// Takes in every packet that has arrived by `now_ms`, and closes the interval if it is
    /// over. Never allocates.
    pub fn advance(&mut self, now_ms: f64) {
        let mut index = 0;
        while index < self.in_flight_len {
            if self.in_flight[index].arrival_ms <= now_ms {
                self.arrive(index);
            } else {
                index += 1;
            }
        }
        if now_ms - self.interval_start_ms >= INTERVAL_MS {
            if let Some(delay_ms) = self.interval_max_ms.take() {
                self.add(delay_ms);
            }
            self.interval_start_ms = now_ms;
        }
    }

    /// Takes in-flight packet `index` as arrived.
    fn arrive(&mut self, index: usize) {
        let packet = self.in_flight[index];
        self.in_flight_len -= 1;
        self.in_flight[index] = self.in_flight[self.in_flight_len];
        let delay_ms = packet.arrival_ms - packet.sent_ms;
        // The history keeps 2 s of send time behind the newest packet.
        while self.history_len > 0 && self.history[self.history_start].0 < packet.sent_ms - HISTORY_MS {
            self.history_start = (self.history_start + 1) % TRACKED;
            self.history_len -= 1;
        }
        if self.history_len == TRACKED {
            self.history_start = (self.history_start + 1) % TRACKED;
            self.history_len -= 1;
        }
        self.history[(self.history_start + self.history_len) % TRACKED] = (packet.sent_ms, delay_ms);
        self.history_len += 1;
        let relative_ms = delay_ms - self.smallest_delay_ms();
        self.interval_max_ms = Some(self.interval_max_ms.map_or(relative_ms, |max| max.max(relative_ms)));
    }

    /// The smallest network delay in the history.
    fn smallest_delay_ms(&self) -> f64 {
        self.recent_delays().fold(f64::INFINITY, f64::min)
    }

    fn recent_delays(&self) -> impl Iterator<Item = f64> + '_ {
        (0..self.history_len).map(|offset| self.history[(self.history_start + offset) % TRACKED].1)
    }

    /// The largest relative delay among the packets of the last 2 s, ms (0 before any).
    pub fn largest_recent_delay_ms(&self) -> f64 {
        let smallest = self.smallest_delay_ms();
        self.recent_delays().map(|delay| delay - smallest).fold(0.0, f64::max)
    }

    /// Adds one relative delay to the histogram.
    fn add(&mut self, delay_ms: f64) {
        let forget = (1.0 - 2.0 / (f64::from(self.additions) + 1.0)).clamp(0.0, FORGET_FACTOR);
        self.additions = self.additions.saturating_add(1);
        for bucket in &mut self.histogram {
            *bucket *= forget;
        }
        let index = (delay_ms.max(0.0) / BUCKET_MS) as usize;
        if let Some(bucket) = self.histogram.get_mut(index) {
            *bucket += 1.0 - forget;
        }
    }

    /// The target delay in ms, once a delay has been added (20 ms steps, at least 20 ms).
    pub fn target_ms(&self) -> Option<f64> {
        if self.additions == 0 {
            return None;
        }
        let total: f64 = self.histogram.iter().sum();
        let mut below = 0.0;
        for (index, weight) in self.histogram.iter().enumerate() {
            below += weight;
            if total - below <= (1.0 - QUANTILE) * total {
                return Some((index + 1) as f64 * BUCKET_MS);
            }
        }
        Some(BUCKETS as f64 * BUCKET_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `seconds` of 20 ms packets delayed by `delay(sequence)`, and returns the target
    /// after each second.
    fn targets(manager: &mut DelayManager, start_s: f64, seconds: usize, delay: impl Fn(u64) -> f64) -> Vec<f64> {
        let mut out = Vec::new();
        let first = (start_s * 50.0) as u64;
        for sequence in first..first + seconds as u64 * 50 {
            let sent = sequence as f64 * 20.0;
            manager.sent(sent, sent + delay(sequence));
            manager.advance(sent);
            if (sequence + 1) % 50 == 0 {
                out.push(manager.target_ms().unwrap_or(0.0));
            }
        }
        out
    }

    #[test]
    fn no_jitter_keeps_the_target_at_its_floor() {
        let mut manager = DelayManager::new();
        assert_eq!(manager.target_ms(), None);
        assert!(targets(&mut manager, 0.0, 10, |_| 0.0).iter().all(|&target| target == 20.0));
    }

    #[test]
    fn a_step_in_jitter_raises_the_target_within_seconds_and_it_falls_back_slowly() {
        let mut manager = DelayManager::new();
        targets(&mut manager, 0.0, 60, |_| 0.0);
        // Every fifth packet 75 ms late: the interval's largest is then always 75 ms.
        let during = targets(&mut manager, 60.0, 10, |sequence| if sequence % 5 == 0 { 75.0 } else { 0.0 });
        // 3 additions (1.5 s) give the new bucket 1 − 0.983³ = 5.0 % of the weight; a 4th, 6.6 %.
        assert_eq!(during[0], 20.0, "{during:?}");
        assert_eq!(during[2], 80.0, "{during:?}");
        let after = targets(&mut manager, 70.0, 120, |_| 0.0);
        // 10 s of the step (20 additions) gave it 1 − 0.983²⁰ = 29.0 % of the weight; it falls to
        // 5 % after ln(0.05 / 0.290) / ln(0.983) = 102.6 more additions, 51.3 s.
        let back = after.iter().position(|&target| target == 20.0).unwrap();
        assert!((50..=52).contains(&back), "back to 20 ms after {back} s: {after:?}");
    }
}
