//! What a candidate does to the signal, measured from outside with tones and a pulse streamed
//! through it in host blocks, as the engine would feed it.
//!
//! - **Passband**: the gain of tones from 20 Hz to 20 kHz (Opus's fullband), fitted by least
//!   squares once the filter has settled: the ripple is its peak-to-peak spread up to 19 kHz,
//!   and the edge its lowest gain from there to 20 kHz, where today's resampler rolls off.
//! - **Images and aliases**: what is left of the output once the fitted tone is taken away, for
//!   the same tones, relative to the tone: the stopband's work (images of the input above 22.05 kHz
//!   folded back, or aliases of the output's images), plus rounding.
//! - **Above the lower Nyquist frequency** (48 → 44.1 only): the whole output of tones from
//!   22.15 to 23.95 kHz, which 44.1 kHz cannot hold and the filter must remove.
//! - **Latency**: a real-time caller plays a fixed share of output per block, so it must first
//!   play as many zeros as the candidate ever falls behind that share ("prime"); a band-limited
//!   pulse then shows the filter's own delay in the stream it produces. The sum is what the
//!   resampler adds to a host's latency.

use crate::Candidate;
use crate::Direction;
use crate::candidate::{BLOCK_FRAMES, CHANNELS, MAX_OUTPUT_FRAMES};

/// A candidate's figures for one direction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Lowest and highest gain over the tones up to [`FLAT_HZ`], in dB.
    pub flat_min_db: f64,
    pub flat_max_db: f64,
    /// The lowest gain of the tones above [`FLAT_HZ`], up to [`PASSBAND_HZ`], in dB.
    pub edge_gain_db: f64,
    /// The loudest residue of a passband tone (everything but the tone), in dB relative to it.
    pub images_db: f64,
    /// The loudest output of a tone above 22.05 kHz, in dB relative to it (48 → 44.1 only).
    pub above_nyquist_db: Option<f64>,
    /// Zeros a real-time caller must play first, in output frames.
    pub prime_frames: usize,
    /// The filter's delay in the stream it produces, in output frames.
    pub filter_delay_frames: f64,
    /// Output frames per second.
    pub output_rate_hz: u32,
}

impl Measured {
    /// The peak-to-peak ripple up to [`FLAT_HZ`], in dB.
    pub fn ripple_db(&self) -> f64 {
        self.flat_max_db - self.flat_min_db
    }

    /// The worse of the image and above-Nyquist figures, as an attenuation (positive dB).
    pub fn stopband_attenuation_db(&self) -> f64 {
        -self.images_db.max(self.above_nyquist_db.unwrap_or(f64::NEG_INFINITY))
    }

    /// What the resampler adds to the host's latency, in output frames.
    pub fn latency_frames(&self) -> f64 {
        self.prime_frames as f64 + self.filter_delay_frames
    }

    /// The same in milliseconds.
    pub fn latency_ms(&self) -> f64 {
        self.latency_frames() * 1000.0 / f64::from(self.output_rate_hz)
    }

    /// Whether these figures meet `bar`'s: ripple no wider (within [`RIPPLE_SLACK_DB`]), the
    /// edge no lower and the attenuation no less (within [`ATTENUATION_SLACK_DB`]), latency no
    /// longer.
    pub fn meets(&self, bar: &Measured) -> bool {
        self.ripple_db() <= bar.ripple_db() + RIPPLE_SLACK_DB
            && self.edge_gain_db >= bar.edge_gain_db - RIPPLE_SLACK_DB
            && self.stopband_attenuation_db() >= bar.stopband_attenuation_db() - ATTENUATION_SLACK_DB
            && self.latency_frames() <= bar.latency_frames()
    }
}

/// The passband the bar holds: Opus's fullband.
pub const PASSBAND_HZ: f64 = 20_000.0;

/// Where the flat part of the passband ends: today's resampler is within 0.1 dB up to here.
pub const FLAT_HZ: f64 = 19_000.0;

/// How far a candidate's ripple and edge may fall short of the bar's and still meet it: well
/// below what anyone hears, and above the measurement's own spread.
pub const RIPPLE_SLACK_DB: f64 = 0.05;

/// The same for the attenuation: 5 dB at 130 dB below the signal is a change of nothing audible
/// (and below 24-bit audio's own floor).
pub const ATTENUATION_SLACK_DB: f64 = 5.0;

/// Amplitude of the test tones.
const TONE_AMPLITUDE: f64 = 0.5;

/// Seconds of each tone: the first [`SETTLE_SECONDS`] of output are left out of the fit.
const TONE_SECONDS: f64 = 0.5;
const SETTLE_SECONDS: f64 = 0.15;

/// The passband tones: log-spaced up to 16 kHz, then every 200 Hz to the band's edge, where
/// filters roll off.
pub fn passband_tones_hz() -> Vec<f64> {
    let low: Vec<f64> = (0..24).map(|i| 20.0 * (16_000.0f64 / 20.0).powf(f64::from(i) / 24.0)).collect();
    let high = (0..=20).map(|i| 16_000.0 + 200.0 * f64::from(i));
    low.into_iter().chain(high).collect()
}

/// The tones above 44.1 kHz's Nyquist frequency, below 48 kHz's.
pub fn above_nyquist_tones_hz() -> Vec<f64> {
    (0..19).map(|i| 22_150.0 + 100.0 * f64::from(i)).collect()
}

/// What streaming `input` through a candidate in host blocks gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Streamed {
    /// Every frame it produced, interleaved, in order.
    pub output: Vec<f32>,
    /// The most output frames it was ever behind its share of the input (rounded up).
    pub prime_frames: usize,
}

/// Feeds `input` (interleaved stereo) to `candidate` in [`BLOCK_FRAMES`]-frame blocks.
pub fn stream(candidate: &mut dyn Candidate, input: &[f32], direction: Direction) -> Streamed {
    let (from, to) = direction.rates();
    let mut block_out = vec![0.0f32; MAX_OUTPUT_FRAMES * CHANNELS];
    let mut output = Vec::with_capacity(input.len() * to as usize / from as usize + MAX_OUTPUT_FRAMES);
    let (mut consumed_frames, mut behind) = (0usize, 0.0f64);
    for block in input.chunks(BLOCK_FRAMES * CHANNELS) {
        let frames = candidate.process(block, &mut block_out);
        output.extend_from_slice(&block_out[..frames * CHANNELS]);
        consumed_frames += block.len() / CHANNELS;
        let share = consumed_frames as f64 * f64::from(to) / f64::from(from);
        behind = behind.max(share - (output.len() / CHANNELS) as f64);
    }
    Streamed { output, prime_frames: behind.ceil().max(0.0) as usize }
}

/// A stereo tone of `frequency_hz` at `rate_hz`, both channels alike.
fn tone(frequency_hz: f64, rate_hz: u32, seconds: f64) -> Vec<f32> {
    let frames = (seconds * f64::from(rate_hz)) as usize;
    let step = std::f64::consts::TAU * frequency_hz / f64::from(rate_hz);
    (0..frames).flat_map(|n| [(TONE_AMPLITUDE * (step * n as f64).sin()) as f32; CHANNELS]).collect()
}

/// One channel of interleaved stereo.
fn channel(interleaved: &[f32], index: usize) -> impl Iterator<Item = f64> + '_ {
    interleaved.iter().skip(index).step_by(CHANNELS).map(|&sample| f64::from(sample))
}

/// The least-squares fit of a tone of angular step `step` (radians per sample) to `signal`:
/// its amplitude and the power of what remains.
fn fit_tone(signal: &[f64], step: f64) -> (f64, f64) {
    let (mut cc, mut ss, mut cs, mut yc, mut ys) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (n, &y) in signal.iter().enumerate() {
        let (s, c) = (step * n as f64).sin_cos();
        (cc, ss, cs, yc, ys) = (cc + c * c, ss + s * s, cs + c * s, yc + y * c, ys + y * s);
    }
    let determinant = cc * ss - cs * cs;
    let a = (yc * ss - ys * cs) / determinant;
    let b = (ys * cc - yc * cs) / determinant;
    let residual: f64 = signal
        .iter()
        .enumerate()
        .map(|(n, &y)| {
            let (s, c) = (step * n as f64).sin_cos();
            (y - a * c - b * s).powi(2)
        })
        .sum::<f64>()
        / signal.len() as f64;
    (a.hypot(b), residual)
}

/// The settled part of each channel of a tone's output.
fn settled_channels(output: &[f32], to_hz: u32) -> [Vec<f64>; CHANNELS] {
    let skip = (SETTLE_SECONDS * f64::from(to_hz)) as usize;
    std::array::from_fn(|index| channel(output, index).skip(skip).collect())
}

fn db(power_ratio: f64) -> f64 {
    10.0 * power_ratio.max(1e-30).log10()
}

/// Measures a candidate made fresh by `make` for each tone and for the pulse.
pub fn measure(make: impl Fn() -> Box<dyn Candidate>, direction: Direction) -> Measured {
    let (from, to) = direction.rates();
    let tone_power = TONE_AMPLITUDE * TONE_AMPLITUDE / 2.0;
    let (mut flat_min_db, mut flat_max_db, mut edge_gain_db) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY);
    let mut images_db = f64::NEG_INFINITY;
    for frequency in passband_tones_hz() {
        let streamed = stream(make().as_mut(), &tone(frequency, from, TONE_SECONDS), direction);
        for settled in settled_channels(&streamed.output, to) {
            let (amplitude, residual) = fit_tone(&settled, std::f64::consts::TAU * frequency / f64::from(to));
            let gain_db = 20.0 * (amplitude / TONE_AMPLITUDE).log10();
            if frequency <= FLAT_HZ {
                (flat_min_db, flat_max_db) = (flat_min_db.min(gain_db), flat_max_db.max(gain_db));
            } else {
                edge_gain_db = edge_gain_db.min(gain_db);
            }
            images_db = images_db.max(db(residual / tone_power));
        }
    }
    let above_nyquist_db = (direction == Direction::Down).then(|| {
        above_nyquist_tones_hz()
            .into_iter()
            .flat_map(|frequency| {
                let streamed = stream(make().as_mut(), &tone(frequency, from, TONE_SECONDS), direction);
                settled_channels(&streamed.output, to).map(|settled| {
                    let power = settled.iter().map(|y| y * y).sum::<f64>() / settled.len() as f64;
                    db(power / tone_power)
                })
            })
            .fold(f64::NEG_INFINITY, f64::max)
    });
    let (prime_frames, filter_delay_frames) = pulse_delay(make().as_mut(), direction);
    Measured {
        flat_min_db,
        flat_max_db,
        edge_gain_db,
        images_db,
        above_nyquist_db,
        prime_frames,
        filter_delay_frames,
        output_rate_hz: to,
    }
}

/// A pulse band-limited to 8 kHz (a Hann-windowed sinc) centred on input frame `from / 2`: the
/// prime it needed and where its peak came out, less where it went in, in output frames.
fn pulse_delay(candidate: &mut dyn Candidate, direction: Direction) -> (usize, f64) {
    let (from, to) = direction.rates();
    let centre = from as usize / 2;
    let cutoff = 8_000.0 / f64::from(from);
    let half_width = (4.0 / cutoff) as usize;
    let mut input = vec![0.0f32; from as usize * CHANNELS];
    for n in centre - half_width..=centre + half_width {
        let offset = n as f64 - centre as f64;
        let x = std::f64::consts::TAU * cutoff * offset;
        let sinc = if x == 0.0 { 1.0 } else { x.sin() / x };
        let window = 0.5 + 0.5 * (std::f64::consts::PI * offset / half_width as f64).cos();
        input[n * CHANNELS..][..CHANNELS].fill((0.5 * sinc * window) as f32);
    }
    let streamed = stream(candidate, &input, direction);
    let left: Vec<f64> = channel(&streamed.output, 0).collect();
    let peak = left.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(index, _)| index);
    let (a, b, c) = (left[peak - 1], left[peak], left[peak + 1]);
    let peak = peak as f64 + 0.5 * (a - c) / (a - 2.0 * b + c);
    (streamed.prime_frames, peak - centre as f64 * f64::from(to) / f64::from(from))
}
