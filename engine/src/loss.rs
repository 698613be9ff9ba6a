//! Simulated packet loss: independent (Bernoulli), bursty (two-state Gilbert–Elliott) or as
//! learned from real networks ([`crate::lossgen`]), or a recorded [`LossTrace`] replayed in place
//! of any.
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
use crate::lossgen::LossGenState;
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
    /// The learned model's memory (realistic loss).
    lossgen: LossGenState,
    /// Where the learned model's pattern starts ([`LossGenState::start_for`]), and the seed and
    /// rate it was run for. Running it costs some 2 million multiply-adds: [`LossSimulator::new`]
    /// runs it where time may be spent, so that a reset on the audio thread only copies it.
    lossgen_start: (LossGenState, Option<(u64, f32)>),
    /// Whether the model in force must first be brought to its stationary regime, at the rate
    /// of its first draw: after a start, a reset, a new seed or a new model. A chain started in
    /// Good, or a network started from silence, would lose nothing for its first seconds.
    unstarted: bool,
    /// Where traces arrive from their owner's thread, if one was attached.
    traces: Option<LossTraceReceiver>,
    /// Packets decided since the trace in force arrived or the last reset: its position.
    trace_position: u64,
    /// The delay a delay trace in force gave the packet decided last.
    traced_delay_ms: Option<f64>,
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
            // Warms the learned model here, once per process, where time may be spent.
            lossgen: LossGenState::start(),
            lossgen_start: (LossGenState::start(), None),
            unstarted: true,
            traces: None,
            trace_position: 0,
            traced_delay_ms: None,
        };
        simulator.configure(settings);
        if settings.model == LossModel::Realistic {
            simulator.lossgen_start_for_settings();
        }
        simulator
    }

    /// Where the learned model starts for the seed and rate in force: computed once for them.
    fn lossgen_start_for_settings(&mut self) -> LossGenState {
        let (seed, percent) = (self.settings.seed, self.settings.loss_percent);
        if self.lossgen_start.1 != Some((seed, percent)) {
            self.lossgen_start = (LossGenState::start_for(seed, percent), Some((seed, percent)));
        }
        self.lossgen_start.0
    }

    /// Takes new settings. A new seed restarts the pattern; other changes keep its position.
    pub fn configure(&mut self, settings: LossSettings) {
        if settings.seed != self.settings.seed {
            self.rng = Xoshiro256PlusPlus::seed_from_u64(settings.seed);
            self.in_burst = false;
            self.unstarted = true;
        }
        if settings.model != self.settings.model {
            self.unstarted = true;
        }
        self.settings = settings;
        let p = f64::from(settings.loss_percent.clamp(0.0, 100.0)) / 100.0;
        match settings.model {
            LossModel::Bernoulli | LossModel::Realistic => {
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
        self.unstarted = true;
        self.trace_position = 0;
    }

    /// Takes traces from `receiver` from now on. A receiver attached before is dropped (freed)
    /// here: call this where freeing is allowed, before the audio thread runs.
    pub fn attach_traces(&mut self, receiver: LossTraceReceiver) {
        self.traces = Some(receiver);
        self.trace_position = 0;
    }

    /// The network delay in ms a delay trace gave the packet [`LossSimulator::next_is_lost`]
    /// decided last; `None` when no delay trace decided it (the jitter settings then do).
    pub fn traced_delay_ms(&self) -> Option<f64> {
        self.traced_delay_ms
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
                self.traced_delay_ms = trace.delay_ms(self.trace_position);
                self.trace_position += 1;
                return lost;
            }
        }
        self.traced_delay_ms = None;
        match self.settings.model {
            LossModel::Bernoulli => self.enter_probability > 0.0 && uniform(&mut self.rng) < self.enter_probability,
            LossModel::GilbertElliott => {
                let draw = uniform(&mut self.rng);
                self.in_burst = if std::mem::take(&mut self.unstarted) {
                    // The chain's stationary share of Bad is the loss rate (see the module's
                    // note, clamped rates included): the first packet is lost at that rate.
                    let p = f64::from(self.settings.loss_percent.clamp(0.0, 100.0)) / 100.0;
                    draw < p
                } else if self.in_burst {
                    draw >= self.leave_probability
                } else {
                    draw < self.enter_probability
                };
                self.in_burst
            }
            LossModel::Realistic => {
                if std::mem::take(&mut self.unstarted) {
                    self.lossgen = self.lossgen_start_for_settings();
                }
                let probability = self.lossgen.next_probability(self.settings.loss_percent);
                // The network is drawn every packet, so that its memory runs on; 0 % and 100 %
                // mean exactly that, which the network alone only comes close to.
                let p = self.enter_probability;
                let lost = p >= 1.0 || (p > 0.0 && uniform(&mut self.rng) < f64::from(probability));
                self.lossgen.record(lost);
                lost
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
        for model in [LossModel::Bernoulli, LossModel::GilbertElliott, LossModel::Realistic] {
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

    #[test]
    fn bursty_loss_starts_in_its_stationary_state() {
        // Issue 28: the chain started in Good, so the first packet was lost at the entry rate
        // (3.7 % at 10 % in bursts of 3), not at the loss rate. Over 4000 seeds, the first packet
        // and the first 20 are now lost at the rate asked: within 4.5 binomial σ.
        const SEEDS: u64 = 4_000;
        for (percent, burst) in [(10.0f32, 3.0f32), (20.0, 8.0), (5.0, 2.0)] {
            let (mut first, mut first_twenty) = (0usize, 0usize);
            for seed in 0..SEEDS {
                let settings = LossSettings {
                    model: LossModel::GilbertElliott,
                    loss_percent: percent,
                    mean_burst_packets: burst,
                    seed,
                };
                let pattern = pattern(settings, 20);
                first += usize::from(pattern[0]);
                first_twenty += pattern.iter().filter(|&&lost| lost).count();
            }
            let p = f64::from(percent) / 100.0;
            let sigma = (p * (1.0 - p) / SEEDS as f64).sqrt();
            let first = first as f64 / SEEDS as f64;
            let mean = first_twenty as f64 / (20 * SEEDS) as f64;
            println!("{percent} % in bursts of {burst}: first packet lost {first:.4}, first 20 {mean:.4}");
            assert!((first - p).abs() < 4.5 * sigma, "{percent} %: first packet lost at {first:.4}");
            // Packets in one pattern are correlated; a burst of b counts about b times.
            assert!((mean - p).abs() < 4.5 * sigma * f64::from(burst).sqrt(), "{percent} %: {mean:.4}");
        }
    }

    /// Lengths of the runs of consecutive losses in `pattern`.
    fn bursts(pattern: &[bool]) -> Vec<usize> {
        pattern.split(|&lost| !lost).map(<[bool]>::len).filter(|&length| length > 0).collect()
    }

    #[test]
    fn realistic_loss_keeps_its_rate_and_comes_in_longer_runs_than_random_loss() {
        const PACKETS: usize = 100_000;
        // Above 25 % the network drifts from the rate (28.7 % at 30, 48.7 % at 50), and at 50 %
        // its runs are random loss's: its training traces lost less than that.
        for percent in [1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 30.0, 50.0] {
            let settings =
                LossSettings { model: LossModel::Realistic, loss_percent: percent, mean_burst_packets: 1.0, seed: 3 };
            let realistic = pattern(settings, PACKETS);
            let random = pattern(LossSettings { model: LossModel::Bernoulli, ..settings }, PACKETS);
            let rate = 100.0 * realistic.iter().filter(|&&lost| lost).count() as f64 / PACKETS as f64;
            let (realistic_bursts, random_bursts) = (bursts(&realistic), bursts(&random));
            let mean = |bursts: &[usize]| bursts.iter().sum::<usize>() as f64 / bursts.len().max(1) as f64;
            // Share of lost packets that fall in runs of 3 or more.
            let in_long_runs = |bursts: &[usize]| {
                bursts.iter().filter(|&&length| length >= 3).sum::<usize>() as f64
                    / bursts.iter().sum::<usize>().max(1) as f64
            };
            println!(
                "{percent} %: realistic {rate:.2} %, mean run {:.2} (random {:.2}), {:.1} % of losses in runs of 3+ (random {:.1} %)",
                mean(&realistic_bursts),
                mean(&random_bursts),
                100.0 * in_long_runs(&realistic_bursts),
                100.0 * in_long_runs(&random_bursts)
            );
            if percent <= 25.0 {
                assert!((rate - f64::from(percent)).abs() <= 1.0, "{percent} % asked, {rate:.2} % lost");
                let other_seed = pattern(LossSettings { seed: 11, ..settings }, PACKETS);
                let other_rate = 100.0 * other_seed.iter().filter(|&&lost| lost).count() as f64 / PACKETS as f64;
                assert!(
                    (other_rate - f64::from(percent)).abs() <= 1.0,
                    "seed 11: {percent} % asked, {other_rate:.2} %"
                );
            }
            if percent <= 30.0 {
                assert!(
                    mean(&realistic_bursts) > 1.2 * mean(&random_bursts),
                    "{percent} %: runs no longer than random's"
                );
            }
        }
    }

    #[test]
    fn realistic_loss_starts_losing_at_its_rate_at_every_seed() {
        // Issue 28: every seed lost nothing for its first 165 packets. Over 200 seeds, the first
        // 150 packets now lose what the model loses later, within 15 % of the rate.
        const SEEDS: u64 = 200;
        for percent in [5.0f32, 10.0, 15.0, 30.0] {
            let (mut first, mut later, mut none_first, mut none_later) = (0usize, 0usize, 0u64, 0u64);
            for seed in 0..SEEDS {
                let settings =
                    LossSettings { model: LossModel::Realistic, loss_percent: percent, mean_burst_packets: 1.0, seed };
                let pattern = pattern(settings, 1_150);
                let start = pattern[..150].iter().filter(|&&lost| lost).count();
                let end = pattern[1_000..].iter().filter(|&&lost| lost).count();
                (first, later) = (first + start, later + end);
                none_first += u64::from(start == 0);
                none_later += u64::from(end == 0);
            }
            let (first, later) =
                (first as f64 * 100.0 / (150 * SEEDS) as f64, later as f64 * 100.0 / (150 * SEEDS) as f64);
            println!(
                "{percent} %: first 150 packets {first:.2} %, packets 1000 to 1150 {later:.2} %, {none_first} seeds lose none in the first 150 ({none_later} in the later)"
            );
            assert!((first - later).abs() < 0.15 * f64::from(percent), "{percent} %: {first:.2} against {later:.2}");
            // As many seeds lose nothing at first as in any other 150 packets (lulls are real).
            assert!(none_first <= none_later + none_later / 2 + 4, "{percent} %: {none_first} against {none_later}");
        }
        // The model has lulls of its own (at 15 %, one window of 150 packets in 15 loses nothing),
        // and the default seed starts in one at 5 and 15 %, as a seed may: a render says when the
        // loss it measured is far from the loss asked. It loses at 30 and 60 %, where every seed
        // lost nothing before.
        for percent in [30.0, 60.0] {
            let default =
                LossSettings { model: LossModel::Realistic, loss_percent: percent, ..LossSettings::default() };
            assert!(pattern(default, 150).iter().filter(|&&lost| lost).count() > 10, "{percent} %");
        }
    }

    #[test]
    fn realistic_loss_replays_from_its_seed_and_survives_a_rate_that_is_not_a_number() {
        let settings =
            LossSettings { model: LossModel::Realistic, loss_percent: 10.0, mean_burst_packets: 1.0, seed: 8 };
        assert_eq!(pattern(settings, 2_000), pattern(settings, 2_000));
        assert_ne!(pattern(settings, 2_000), pattern(LossSettings { seed: 9, ..settings }, 2_000));
        let mut simulator = LossSimulator::new(settings);
        let first: Vec<bool> = (0..500).map(|_| simulator.next_is_lost()).collect();
        simulator.reset();
        assert_eq!(first, (0..500).map(|_| simulator.next_is_lost()).collect::<Vec<_>>());
        simulator.configure(LossSettings { loss_percent: f32::NAN, ..settings });
        assert!((0..100).all(|_| !simulator.next_is_lost()));
        simulator.configure(settings);
        let lost = (0..10_000).filter(|_| simulator.next_is_lost()).count();
        assert!((700..=1_300).contains(&lost), "the model came back to 10 %: {lost} of 10000");
    }
}
