//! Simulated packet loss: independent (Bernoulli) or bursty (two-state Gilbert–Elliott), or a
//! recorded [`LossTrace`] replayed in place of either.
//!
//! Gilbert–Elliott here is the simple Gilbert form: every packet is lost in the Bad state and
//! none in the Good state. With long-run loss rate `p` and mean burst length `b` packets, the
//! chain leaves Bad with probability `r = 1/b` per packet, so bursts are geometric with mean `b`,
//! and enters Bad with probability `q = p·r / (1 − p)`, which makes the stationary share of Bad
//! `q / (q + r) = p`. (Gilbert, "Capacity of a burst-noise channel", Bell Syst. Tech. J., 1960.)

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};

use crate::handoff::HandoffReceiver;
use crate::loss_trace::LossTrace;
use crate::settings::{LossModel, LossSettings};

/// Loss traces for the audio thread: `None` in force means no trace, the model decides.
pub type LossTraceReceiver = HandoffReceiver<Option<LossTrace>>;

/// A uniform draw in [0, 1) from the top 53 bits of `rng`'s next value: the one way every
/// seeded draw (loss patterns here, `batch`'s per-file settings) turns bits into a number.
pub fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Decides, packet by packet, which are lost. Never allocates or frees.
#[derive(Debug)]
pub struct LossSimulator {
    /// The pseudo-random source; Xoshiro256++ so that a seed means the same pattern forever.
    rng: Xoshiro256PlusPlus,
    /// The settings the probabilities below were derived from.
    settings: LossSettings,
    /// Probability that a packet is lost (Bernoulli) or of entering Bad (Gilbert–Elliott).
    enter_probability: f64,
    /// Probability of leaving Bad (Gilbert–Elliott).
    leave_probability: f64,
    /// Whether the Gilbert–Elliott chain is in its Bad state.
    in_burst: bool,
    /// Where traces arrive from their owner's thread, if one was attached.
    traces: Option<LossTraceReceiver>,
    /// Packets decided since the trace in force arrived or the last reset: its position.
    trace_position: u64,
}

impl LossSimulator {
    /// A simulator for `settings`, seeded from `settings.seed`.
    pub fn new(settings: LossSettings) -> Self {
        let mut simulator = Self {
            rng: Xoshiro256PlusPlus::seed_from_u64(settings.seed),
            settings,
            enter_probability: 0.0,
            leave_probability: 1.0,
            in_burst: false,
            traces: None,
            trace_position: 0,
        };
        simulator.configure(settings);
        simulator
    }

    /// Takes new settings. A new seed restarts the pattern; other changes keep its position.
    pub fn configure(&mut self, settings: LossSettings) {
        if settings.seed != self.settings.seed {
            self.rng = Xoshiro256PlusPlus::seed_from_u64(settings.seed);
            self.in_burst = false;
        }
        self.settings = settings;
        let p = f64::from(settings.loss_percent.clamp(0.0, 100.0)) / 100.0;
        match settings.model {
            LossModel::Bernoulli => {
                self.enter_probability = p;
                self.leave_probability = 1.0;
                self.in_burst = false;
            }
            LossModel::GilbertElliott => {
                let r = 1.0 / f64::from(settings.mean_burst_packets.max(1.0));
                // At very high loss a burst length cannot be met: q would exceed 1. Keep the loss
                // rate, which is what a user sets first, and shorten the bursts to fit.
                let (q, r) = if p >= 1.0 {
                    (1.0, 0.0)
                } else {
                    let q = p * r / (1.0 - p);
                    if q <= 1.0 { (q, r) } else { (1.0, (1.0 - p) / p) }
                };
                self.enter_probability = q;
                self.leave_probability = r;
            }
        }
    }

    /// Restarts the pattern from the seed, or the trace from its start.
    pub fn reset(&mut self) {
        self.rng = Xoshiro256PlusPlus::seed_from_u64(self.settings.seed);
        self.in_burst = false;
        self.trace_position = 0;
    }

    /// Takes traces from `receiver` from now on. A receiver attached before is dropped (freed)
    /// here: call this where freeing is allowed, before the audio thread runs.
    pub fn attach_traces(&mut self, receiver: LossTraceReceiver) {
        self.traces = Some(receiver);
        self.trace_position = 0;
    }

    /// Whether the next packet is lost: the trace in force says, else the model draws.
    pub fn next_is_lost(&mut self) -> bool {
        if let Some(traces) = self.traces.as_mut() {
            // A newly sent trace starts from its beginning.
            if traces.update() {
                self.trace_position = 0;
            }
            if let Some(trace) = traces.current() {
                let lost = trace.is_lost(self.trace_position);
                self.trace_position += 1;
                return lost;
            }
        }
        match self.settings.model {
            LossModel::Bernoulli => self.enter_probability > 0.0 && uniform(&mut self.rng) < self.enter_probability,
            LossModel::GilbertElliott => {
                let draw = uniform(&mut self.rng);
                self.in_burst =
                    if self.in_burst { draw >= self.leave_probability } else { draw < self.enter_probability };
                self.in_burst
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(settings: LossSettings, packets: usize) -> Vec<bool> {
        let mut simulator = LossSimulator::new(settings);
        (0..packets).map(|_| simulator.next_is_lost()).collect()
    }

    #[test]
    fn zero_percent_loses_nothing_and_hundred_loses_everything() {
        for model in [LossModel::Bernoulli, LossModel::GilbertElliott] {
            let none = LossSettings { model, loss_percent: 0.0, mean_burst_packets: 3.0, seed: 9 };
            assert!(pattern(none, 10_000).iter().all(|&lost| !lost));
            let all = LossSettings { loss_percent: 100.0, ..none };
            assert!(pattern(all, 10_000).iter().all(|&lost| lost));
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_pattern_and_reset_replays_it() {
        let settings =
            LossSettings { model: LossModel::GilbertElliott, loss_percent: 10.0, mean_burst_packets: 3.0, seed: 42 };
        assert_eq!(pattern(settings, 1_000), pattern(settings, 1_000));
        assert_ne!(pattern(settings, 1_000), pattern(LossSettings { seed: 43, ..settings }, 1_000));
        let mut simulator = LossSimulator::new(settings);
        let first: Vec<bool> = (0..500).map(|_| simulator.next_is_lost()).collect();
        simulator.reset();
        let again: Vec<bool> = (0..500).map(|_| simulator.next_is_lost()).collect();
        assert_eq!(first, again);
    }

    #[test]
    fn a_trace_in_force_decides_from_its_start_and_none_gives_the_model_back() {
        let settings =
            LossSettings { model: LossModel::Bernoulli, loss_percent: 0.0, mean_burst_packets: 1.0, seed: 1 };
        let mut simulator = LossSimulator::new(settings);
        let (mut sender, receiver) = crate::handoff::handoff();
        simulator.attach_traces(receiver);
        assert!(!simulator.next_is_lost(), "no trace sent yet: the model (no loss) decides");
        sender.send(Some(LossTrace::new(vec![true, true, false]).unwrap()));
        let draws: Vec<bool> = (0..7).map(|_| simulator.next_is_lost()).collect();
        assert_eq!(draws, [true, true, false, true, true, false, true]);
        simulator.reset();
        assert!(simulator.next_is_lost() && simulator.next_is_lost() && !simulator.next_is_lost());
        sender.send(None);
        assert!(!simulator.next_is_lost(), "without a trace the model decides again");
    }

    #[test]
    fn impossible_burst_lengths_keep_the_loss_rate() {
        // 80 % loss cannot have bursts as short as 1 packet on average; the rate wins.
        let settings =
            LossSettings { model: LossModel::GilbertElliott, loss_percent: 80.0, mean_burst_packets: 1.0, seed: 5 };
        let lost = pattern(settings, 100_000).iter().filter(|&&lost| lost).count();
        assert!((lost as f64 / 1_000.0 - 80.0).abs() < 1.0, "{lost}");
    }
}
