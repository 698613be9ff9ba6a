//! Level matching: the decoded signal's gain that brings its loudness to the input's, so that a
//! listener comparing them is not swayed by "louder sounds better".
//!
//! Loudness is ITU-R BS.1770's K-weighted short-term loudness (the `ebur128` crate, 3 s
//! window), of the latency-aligned input and of the decoded signal, read every 100 ms. The gain
//! is their difference, within ±[`MAX_GAIN_DB`]; it holds while either signal is below
//! [`GATE_LUFS`] (silence, a pause) or the two are more than [`MAX_GAIN_DB`] apart (a dropout,
//! not a level difference). The mix glides to each new gain ([`crate::mix`]), never jumps.
//!
//! Runs on the audio thread: `ebur128` allocates its 3 s windows in [`LevelMatcher::new`] and,
//! in short-term mode, nothing after (the `no_alloc` tests count it).

use ebur128::{EbuR128, Mode};

/// The largest gain the matcher applies either way, in dB.
pub const MAX_GAIN_DB: f32 = 12.0;

/// Below this short-term loudness a signal is taken for silence and the gain holds, in LUFS.
pub const GATE_LUFS: f64 = -70.0;

/// The lowest host rate the matcher runs at: K-weighting's high shelf (1.68 kHz) must lie well
/// under the Nyquist frequency.
pub const MIN_RATE_HZ: u32 = 8_000;

/// How often the gain follows the loudness, in seconds.
const UPDATE_SECONDS: f64 = 0.1;

/// Loudness of the input and of the decoded signal, and the gain between them.
pub struct LevelMatcher {
    input: EbuR128,
    decoded: EbuR128,
    /// Frames between gain updates, and until the next one.
    update_frames: usize,
    countdown: usize,
    channels: usize,
    gain_db: f32,
}

impl std::fmt::Debug for LevelMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LevelMatcher").field("gain_db", &self.gain_db).finish_non_exhaustive()
    }
}

impl LevelMatcher {
    /// A matcher for `channels` at `rate_hz`, or `None` below [`MIN_RATE_HZ`]. This allocates.
    pub fn new(rate_hz: u32, channels: usize) -> Option<Self> {
        if rate_hz < MIN_RATE_HZ {
            return None;
        }
        let meter = || EbuR128::new(channels as u32, rate_hz, Mode::S).ok();
        let update_frames = (f64::from(rate_hz) * UPDATE_SECONDS).round() as usize;
        Some(Self {
            input: meter()?,
            decoded: meter()?,
            update_frames,
            countdown: update_frames,
            channels,
            gain_db: 0.0,
        })
    }

    /// The gain in force, in dB.
    pub fn gain_db(&self) -> f32 {
        self.gain_db
    }

    /// Forgets the loudness measured so far and the gain. Never allocates.
    pub fn reset(&mut self) {
        self.input.reset();
        self.decoded.reset();
        self.countdown = self.update_frames;
        self.gain_db = 0.0;
    }

    /// Measures a piece of latency-aligned input and decoded signal (interleaved, equal lengths)
    /// and returns the gain for the decoded signal, in dB. Never allocates.
    pub fn add(&mut self, aligned: &[f32], decoded: &[f32]) -> f32 {
        // Lengths are whole frames (the engine's pieces); the meters refuse nothing else.
        self.input.add_frames_f32(aligned).ok();
        self.decoded.add_frames_f32(decoded).ok();
        let frames = aligned.len() / self.channels.max(1);
        if frames >= self.countdown {
            self.countdown = self.update_frames - (frames - self.countdown) % self.update_frames;
            self.update();
        } else {
            self.countdown -= frames;
        }
        self.gain_db
    }

    fn update(&mut self) {
        let (Ok(input), Ok(decoded)) = (self.input.loudness_shortterm(), self.decoded.loudness_shortterm()) else {
            return;
        };
        let difference = input - decoded;
        if input > GATE_LUFS && decoded > GATE_LUFS && difference.abs() <= f64::from(MAX_GAIN_DB) {
            self.gain_db = difference as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, amplitude: f32, seconds: f32) -> Vec<f32> {
        let frames = (rate as f32 * seconds) as usize;
        (0..frames)
            .flat_map(|n| {
                let x = amplitude * (std::f32::consts::TAU * 1000.0 * n as f32 / rate as f32).sin();
                [x, x]
            })
            .collect()
    }

    #[test]
    fn the_gain_is_the_loudness_difference_and_holds_through_silence() {
        let mut matcher = LevelMatcher::new(48_000, 2).unwrap();
        let (loud, quiet) = (tone(48_000, 0.5, 4.0), tone(48_000, 0.25, 4.0));
        let mut gain = 0.0;
        for (a, d) in loud.chunks(2 * 480).zip(quiet.chunks(2 * 480)) {
            gain = matcher.add(a, d);
        }
        assert!((gain - 6.02).abs() < 0.05, "{gain} dB");
        let silence = vec![0.0f32; 2 * 48_000 * 5];
        for piece in silence.chunks(2 * 333) {
            gain = matcher.add(piece, piece);
        }
        assert!((gain - 6.02).abs() < 0.05, "silence moved the gain to {gain} dB");
        matcher.reset();
        assert_eq!(matcher.gain_db(), 0.0);
    }

    #[test]
    fn a_dropout_is_not_taken_for_a_level_difference_and_low_rates_are_refused() {
        let mut matcher = LevelMatcher::new(44_100, 2).unwrap();
        let (loud, faint) = (tone(44_100, 0.5, 4.0), tone(44_100, 0.01, 4.0));
        for (a, d) in loud.chunks(2 * 100).zip(faint.chunks(2 * 100)) {
            matcher.add(a, d);
        }
        assert_eq!(matcher.gain_db(), 0.0, "34 dB apart: held");
        assert!(LevelMatcher::new(7_999, 2).is_none());
    }
}
