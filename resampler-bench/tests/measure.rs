//! The measurements the bench's verdicts rest on, proven on today's resampler (whose figures the
//! README states as the bar) and on a resampler built to miss it.

use resampler_bench::candidate::CHANNELS;
use resampler_bench::candidates::RubatoFft;
use resampler_bench::measure::{self, Measured};
use resampler_bench::{Candidate, Direction};
use roundtrip_engine::resampler::ChunkResampler;

/// Linear interpolation between neighbouring input frames: no anti-aliasing filter at all.
struct Linear {
    step: f64,
    /// Position of the next output frame, in input frames after `previous`.
    position: f64,
    previous: [f32; CHANNELS],
}

impl Linear {
    fn new(direction: Direction) -> Self {
        let (from, to) = direction.rates();
        Self { step: f64::from(from) / f64::from(to), position: 0.0, previous: [0.0; CHANNELS] }
    }
}

impl Candidate for Linear {
    fn name(&self) -> String {
        "linear interpolation".to_string()
    }

    fn process(&mut self, input: &[f32], output: &mut [f32]) -> usize {
        let mut written = 0;
        for frame in input.chunks_exact(CHANNELS) {
            while self.position < 1.0 {
                let weight = self.position as f32;
                for channel in 0..CHANNELS {
                    output[written * CHANNELS + channel] =
                        self.previous[channel] * (1.0 - weight) + frame[channel] * weight;
                }
                written += 1;
                self.position += self.step;
            }
            self.position -= 1.0;
            self.previous.copy_from_slice(frame);
        }
        written
    }
}

fn rubato(direction: Direction) -> Measured {
    measure::measure(|| Box::new(RubatoFft::new(direction)), direction)
}

#[test]
fn todays_resampler_measures_what_the_readme_states_as_the_bar() {
    for direction in Direction::BOTH {
        let (from, to) = direction.rates();
        let bar = rubato(direction);
        assert!(bar.ripple_db() <= 0.105, "{direction:?}: ripple {:.4} dB to 19 kHz", bar.ripple_db());
        assert!((bar.edge_gain_db + 5.62).abs() < 0.05, "{direction:?}: {:.3} dB at 20 kHz", bar.edge_gain_db);
        assert!(bar.images_db < -135.0, "{direction:?}: images at {:.1} dB", bar.images_db);
        if direction == Direction::Down {
            assert!(bar.above_nyquist_db.is_some_and(|db| db < -139.0), "{:?}", bar.above_nyquist_db);
        }
        // The pulse's delay is rubato's, as the engine's latency arithmetic counts it.
        let delay_input_frames = ChunkResampler::new(from, to, CHANNELS).unwrap().delay_input_frames();
        let expected = delay_input_frames as f64 * f64::from(to) / f64::from(from);
        assert!(
            (bar.filter_delay_frames - expected).abs() < 0.05,
            "{direction:?}: {:.3} against {expected:.3}",
            bar.filter_delay_frames
        );
        // A chunk of output comes only once a chunk of input is in: the caller falls up to a chunk
        // behind, and at least a chunk less one block's share of output.
        let out_frames = ChunkResampler::new(from, to, CHANNELS).unwrap().out_frames() as f64;
        let block_share = 64.0 * f64::from(to) / f64::from(from);
        let prime = bar.prime_frames as f64;
        assert!(
            prime <= out_frames && prime > out_frames - block_share - 1.0,
            "{direction:?}: prime {prime} for chunks of {out_frames}"
        );
    }
}

#[test]
fn a_resampler_without_a_filter_misses_the_bar_and_each_figure_can_fail_it_alone() {
    for direction in Direction::BOTH {
        let bar = rubato(direction);
        let linear = measure::measure(|| Box::new(Linear::new(direction)), direction);
        assert!(linear.images_db > -60.0, "{direction:?}: images at {:.1} dB", linear.images_db);
        assert!(linear.edge_gain_db < -1.0, "{direction:?}: {:.2} dB at 20 kHz", linear.edge_gain_db);
        assert!(linear.prime_frames <= 1 && linear.latency_frames() < 2.0, "{direction:?}: {linear:?}");
        assert!(!linear.meets(&bar) && bar.meets(&bar));
        let worse = [
            Measured { flat_min_db: bar.flat_min_db - 0.1, ..bar },
            Measured { edge_gain_db: bar.edge_gain_db - 0.1, ..bar },
            Measured { images_db: bar.images_db + 6.0, ..bar },
            Measured { prime_frames: bar.prime_frames + 1, ..bar },
        ];
        for figures in worse {
            assert!(!figures.meets(&bar), "{direction:?}: {figures:?} should miss {bar:?}");
        }
    }
}
