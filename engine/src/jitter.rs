//! Simulated network delay: each packet's one-way delay beyond the fastest packet's, drawn from
//! the loss seed. The random part is exponential with the mean the user sets (queueing delay on
//! a busy link has an exponential tail); a delay spike (a route change, a Wi-Fi retry storm, a
//! congested bottleneck draining) adds a large delay to one packet, and the packets behind it
//! queue up and arrive together, each a frame's worth less late than the one before. Packets
//! may so overtake each other.
//!
//! The fixed part of the delay (the path's length) is left out: it shifts every packet alike and
//! changes nothing the receiver hears, only when.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;

use crate::loss::uniform;
use crate::settings::{JitterSettings, MAX_JITTER_MS, MAX_SPIKE_MS};

/// Mixed into the loss seed so that delays draw from their own stream: turning jitter on or off
/// leaves the loss pattern of a seed as it was.
const STREAM: u64 = 0x6a69_7474_6572_0001;

/// Draws each packet's delay. Never allocates.
#[derive(Debug)]
pub struct JitterSimulator {
    rng: Xoshiro256PlusPlus,
    seed: u64,
    settings: JitterSettings,
    /// What remains of the current spike's extra delay, in ms.
    spike_left_ms: f64,
}

impl JitterSimulator {
    pub fn new(settings: JitterSettings, seed: u64) -> Self {
        Self { rng: Xoshiro256PlusPlus::seed_from_u64(seed ^ STREAM), seed, settings, spike_left_ms: 0.0 }
    }

    /// Takes new settings; a new seed restarts the delays.
    pub fn configure(&mut self, settings: JitterSettings, seed: u64) {
        if seed != self.seed {
            *self = Self::new(settings, seed);
        }
        self.settings = settings;
    }

    /// Restarts the delays from the seed.
    pub fn reset(&mut self) {
        *self = Self::new(self.settings, self.seed);
    }

    /// The next packet's delay in ms, for packets `frame_ms` apart. Zero, drawing nothing, while
    /// the network has no jitter: the loss pattern and output stay those of a network without.
    pub fn next_delay_ms(&mut self, frame_ms: f64) -> f64 {
        // The engine clamps its settings; this type is public, so it keeps to the ranges too.
        let within = |value: f32, max: f32| if value.is_finite() { f64::from(value.clamp(0.0, max)) } else { 0.0 };
        let mean = within(self.settings.mean_jitter_ms, MAX_JITTER_MS);
        let spike_chance = within(self.settings.spike_percent, 100.0) / 100.0;
        let spike_ms = within(self.settings.spike_ms, MAX_SPIKE_MS);
        if !(mean > 0.0 || (spike_chance > 0.0 && spike_ms > 0.0) || self.spike_left_ms > 0.0) {
            return 0.0;
        }
        // Exponential by inversion; 1 - u is in (0, 1], so the logarithm is finite.
        let random = if mean > 0.0 { -mean * (1.0 - uniform(&mut self.rng)).ln() } else { 0.0 };
        // The packets behind a spike wait for it: each one frame less.
        self.spike_left_ms = (self.spike_left_ms - frame_ms).max(0.0);
        if spike_chance > 0.0 && uniform(&mut self.rng) < spike_chance {
            self.spike_left_ms = self.spike_left_ms.max(spike_ms);
        }
        random + self.spike_left_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_have_the_mean_and_the_exponential_tail_asked_for() {
        let settings = JitterSettings { mean_jitter_ms: 10.0, ..JitterSettings::DEFAULT };
        let mut jitter = JitterSimulator::new(settings, 4);
        let delays: Vec<f64> = (0..100_000).map(|_| jitter.next_delay_ms(20.0)).collect();
        let mean = delays.iter().sum::<f64>() / delays.len() as f64;
        assert!((mean - 10.0).abs() < 0.2, "mean {mean}");
        let over_40 = delays.iter().filter(|&&delay| delay > 40.0).count() as f64 / 1_000.0;
        assert!((over_40 - 100.0 * (-4.0f64).exp()).abs() < 0.3, "{over_40} % over 40 ms");
    }

    #[test]
    fn a_spike_delays_the_packets_behind_it_less_and_less() {
        let settings = JitterSettings { spike_percent: 100.0, spike_ms: 100.0, ..JitterSettings::DEFAULT };
        let mut jitter = JitterSimulator::new(settings, 1);
        assert_eq!(jitter.next_delay_ms(20.0), 100.0);
        jitter.configure(JitterSettings { spike_percent: 0.0, ..settings }, 1);
        let behind: Vec<f64> = (0..6).map(|_| jitter.next_delay_ms(20.0)).collect();
        assert_eq!(behind, [80.0, 60.0, 40.0, 20.0, 0.0, 0.0]);
    }

    #[test]
    fn no_jitter_draws_nothing_and_a_seed_replays() {
        let mut none = JitterSimulator::new(JitterSettings::DEFAULT, 3);
        assert_eq!(JitterSettings::DEFAULT.spike_ms, 200.0, "spikes off by their share, not their size");
        assert!((0..1_000).all(|_| none.next_delay_ms(20.0) == 0.0));
        let settings =
            JitterSettings { mean_jitter_ms: 5.0, spike_percent: 1.0, spike_ms: 150.0, ..JitterSettings::DEFAULT };
        let draw = |seed| {
            let mut jitter = JitterSimulator::new(settings, seed);
            (0..500).map(|_| jitter.next_delay_ms(10.0)).collect::<Vec<f64>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
        // A new seed restarts the delays as a fresh simulator would.
        let mut reseeded = JitterSimulator::new(settings, 3);
        reseeded.next_delay_ms(10.0);
        reseeded.configure(settings, 4);
        assert_eq!((0..500).map(|_| reseeded.next_delay_ms(10.0)).collect::<Vec<f64>>(), draw(4));
    }
}
