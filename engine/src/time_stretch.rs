//! Playing faster or slower by whole pitch periods, as NetEq's accelerate and preemptive expand
//! do (facts from WebRTC's `time_stretch.cc`, `accelerate.cc`, `preemptive_expand.cc`):
//!
//! - the period is searched between 2.5 and 15 ms, coarsely on the signal averaged down to
//!   4 kHz, then to the sample at the codec rate;
//! - a stretch happens only where two neighbouring periods are alike (normalised correlation
//!   above 0.9: voiced speech, steady tones) or where the signal is too quiet for anyone to hear
//!   the seam (below −50 dBFS); elsewhere it is refused and the audio plays unchanged;
//! - *accelerate* merges two neighbouring periods into one, crossfading the first into the
//!   second (one period less); *expand* repeats the period before the play point, crossfading
//!   from the signal's continuation into the repeat (one period more). Both fade linearly over a
//!   whole period, so that no sample jumps.
//!
//! The analysis reads the mean of the channels; every channel is cut or repeated alike. Nothing
//! here allocates after creation.

/// Shortest and longest period searched, in seconds.
const MIN_PERIOD_S: f64 = 0.0025;
const MAX_PERIOD_S: f64 = 0.015;
/// The coarse search's rate.
const COARSE_HZ: u32 = 4_000;
/// Neighbouring periods at least this alike are stretched.
const VOICED_CORRELATION: f32 = 0.9;
/// Below this mean square (−50 dBFS) the signal is stretched whatever its shape.
const QUIET_MEAN_SQUARE: f32 = 1e-5;

/// What a stretch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stretch {
    /// Removed or added this many frames (one period).
    Done(usize),
    /// The signal there is neither periodic nor quiet: left as it was.
    Refused,
}

/// Finds periods and cuts or repeats them, at one codec rate.
#[derive(Debug)]
pub struct TimeStretcher {
    channels: usize,
    min_period: usize,
    max_period: usize,
    /// Codec-rate samples per coarse sample.
    decimation: usize,
    /// The analysed stretch, mono, and averaged down to 4 kHz.
    mono: Vec<f32>,
    coarse: Vec<f32>,
    /// One period of every channel, for the crossfade.
    period: Vec<f32>,
}

impl TimeStretcher {
    /// A stretcher for `channels` at `rate_hz` (an Opus rate, 8 to 48 kHz). This allocates.
    pub fn new(rate_hz: u32, channels: usize) -> Self {
        let max_period = (MAX_PERIOD_S * f64::from(rate_hz)).round() as usize;
        let mut stretcher = Self {
            channels,
            min_period: (MIN_PERIOD_S * f64::from(rate_hz)).round() as usize,
            max_period,
            decimation: (rate_hz / COARSE_HZ).max(1) as usize,
            mono: vec![0.0; 2 * max_period],
            coarse: vec![0.0; 2 * max_period],
            period: vec![0.0; max_period * channels],
        };
        // Map the pages now rather than at the first stretch, on the audio thread.
        for buffer in [&mut stretcher.mono, &mut stretcher.coarse, &mut stretcher.period] {
            buffer.fill(0.0);
        }
        stretcher
    }

    /// The longest period, in frames: a stretch needs this much signal on each side of its
    /// point.
    pub fn max_period(&self) -> usize {
        self.max_period
    }

    /// The period around frame `split` of `frames` (interleaved), if the signal there may be
    /// stretched: `frames[split − max_period .. split + max_period]` must exist.
    fn period_at(&mut self, frames: &[f32], split: usize) -> Option<usize> {
        let (channels, max) = (self.channels, self.max_period);
        let window = &frames[(split - max) * channels..(split + max) * channels];
        for (mono, frame) in self.mono.iter_mut().zip(window.chunks_exact(channels)) {
            *mono = frame.iter().sum::<f32>() / channels as f32;
        }
        let mono = &self.mono[..2 * max];
        let quiet = mono.iter().map(|x| x * x).sum::<f32>() / mono.len() as f32 <= QUIET_MEAN_SQUARE;
        // Coarse: the mean of each `decimation` samples, the period to within one of them.
        let coarse_len = mono.len() / self.decimation;
        for (coarse, chunk) in self.coarse.iter_mut().zip(mono.chunks_exact(self.decimation)) {
            *coarse = chunk.iter().sum::<f32>() / self.decimation as f32;
        }
        let coarse = &self.coarse[..coarse_len];
        let coarse_split = coarse_len / 2;
        let (min_lag, max_lag) = (self.min_period / self.decimation, (max / self.decimation).min(coarse_split));
        // A periodic signal is as alike at two and three periods as at one: the shortest lag
        // within a hair of the best is the period.
        let lags = min_lag.max(1)..=max_lag;
        let best = lags.clone().map(|lag| similarity(coarse, coarse_split, lag)).fold(f32::NEG_INFINITY, f32::max);
        let best_coarse = lags.into_iter().find(|&lag| similarity(coarse, coarse_split, lag) >= best - 0.02)?;
        let centre = best_coarse * self.decimation;
        let (low, high) =
            (centre.saturating_sub(self.decimation).max(self.min_period), (centre + self.decimation).min(max));
        let (period, correlation) =
            (low..=high).map(|period| (period, similarity(mono, max, period))).max_by(|a, b| a.1.total_cmp(&b.1))?;
        (quiet || correlation > VOICED_CORRELATION).then_some(period)
    }

    /// Plays faster at frame `at`: finds the period around `at + max_period()` and merges the
    /// two periods that meet there into one. `frames[at .. at + 2·max_period()]` must exist
    /// (interleaved) and be unplayed; `frames` keeps its length, its last `period` frames
    /// becoming stale. Returns what was removed.
    pub fn accelerate(&mut self, frames: &mut [f32], at: usize) -> Stretch {
        let split = at + self.max_period;
        let Some(period) = self.period_at(frames, split) else { return Stretch::Refused };
        let channels = self.channels;
        // The first period fades into the second, which continues: one period less.
        let (first, second) =
            frames[(split - period) * channels..(split + period) * channels].split_at_mut(period * channels);
        crossfade(first, second, channels);
        frames.copy_within((split + period) * channels.., split * channels);
        Stretch::Done(period)
    }

    /// Plays slower at frame `at`: finds the period around `at` and plays it again, fading from
    /// the signal's continuation into the repeat. `frames[at − max_period() .. at +
    /// max_period()]` must exist, and `frames` must have room for `room` more frames after the
    /// `len` it holds; from `at` on must be unplayed. Returns what was added (never more than
    /// `room`).
    pub fn expand(&mut self, frames: &mut [f32], at: usize, len: usize, room: usize) -> Stretch {
        let Some(period) = self.period_at(frames, at).filter(|&period| period <= room) else {
            return Stretch::Refused;
        };
        let channels = self.channels;
        // The inserted period: the continuation (from `at`) fading into the period before `at`,
        // whose end leads into `at` again.
        let inserted = &mut self.period[..period * channels];
        inserted.copy_from_slice(&frames[at * channels..(at + period) * channels]);
        crossfade(inserted, &frames[(at - period) * channels..at * channels], channels);
        frames.copy_within(at * channels..len * channels, (at + period) * channels);
        frames[at * channels..(at + period) * channels].copy_from_slice(inserted);
        Stretch::Done(period)
    }
}

/// `into` becomes a linear crossfade from its own samples to `from_next`'s, frame by frame: the
/// first frame nearly all `into`, the last nearly all `from_next`.
fn crossfade(into: &mut [f32], from_next: &[f32], channels: usize) {
    let frames = into.len() / channels;
    for (index, (out, next)) in into.chunks_exact_mut(channels).zip(from_next.chunks_exact(channels)).enumerate() {
        let weight = (index + 1) as f32 / (frames + 1) as f32;
        for (out, &next) in out.iter_mut().zip(next) {
            *out = *out * (1.0 - weight) + next * weight;
        }
    }
}

/// Normalised correlation of the `lag` samples before `split` with the `lag` after.
fn similarity(signal: &[f32], split: usize, lag: usize) -> f32 {
    let (before, after) = (&signal[split - lag..split], &signal[split..split + lag]);
    let (mut cross, mut energy_before, mut energy_after) = (0.0f32, 0.0f32, 0.0f32);
    for (&a, &b) in before.iter().zip(after) {
        cross += a * b;
        energy_before += a * a;
        energy_after += b * b;
    }
    let energy = (energy_before * energy_after).sqrt();
    if energy > 0.0 { cross / energy } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 200 Hz stereo tone, `frames` long, at 48 kHz.
    fn tone(frames: usize) -> Vec<f32> {
        (0..frames)
            .flat_map(|n| [(0.5 * (std::f64::consts::TAU * 200.0 * n as f64 / 48_000.0).sin()) as f32; 2])
            .collect()
    }

    #[test]
    fn a_tone_loses_or_gains_whole_periods_without_a_step() {
        let mut stretcher = TimeStretcher::new(48_000, 2);
        let len = 4_000;
        let mut frames = tone(len);
        assert_eq!(stretcher.accelerate(&mut frames, 1_000), Stretch::Done(240));
        let steps = frames[..(len - 240) * 2].windows(4).map(|w| (w[2] - w[0]).abs()).fold(0.0, f32::max);
        // The tone's own largest step between samples: 0.5 · 2π · 200 / 48000.
        assert!(steps <= 0.5 * std::f32::consts::TAU * 200.0 / 48_000.0 * 1.01, "largest step {steps}");

        let mut frames = tone(len);
        frames.resize((len + 720) * 2, 0.0);
        assert_eq!(stretcher.expand(&mut frames, 2_000, len, 720), Stretch::Done(240));
        let steps = frames[..(len + 240) * 2].windows(4).map(|w| (w[2] - w[0]).abs()).fold(0.0, f32::max);
        assert!(steps <= 0.5 * std::f32::consts::TAU * 200.0 / 48_000.0 * 1.01, "largest step {steps}");
    }

    #[test]
    fn noise_is_left_alone_and_silence_is_stretched() {
        let mut stretcher = TimeStretcher::new(48_000, 2);
        let mut state = 1u32;
        let mut noise: Vec<f32> = (0..8_000)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect();
        assert_eq!(stretcher.accelerate(&mut noise, 1_000), Stretch::Refused);
        let mut silence = vec![0.0f32; 8_000];
        assert!(matches!(stretcher.accelerate(&mut silence, 1_000), Stretch::Done(_)));
    }
}
