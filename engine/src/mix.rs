//! What the listener hears: decoded, difference or dry, blended with the dry signal and scaled
//! by the output gain, each weight gliding to its new value, and the result bounded. "Decoded"
//! is the source the switch plays ([`crate::listen`]: slot A or B, level-matched or not).

use crate::settings::{Monitor, Settings};

/// The output never exceeds ±this (+24 dBFS): the most the output gain can make of a
/// full-scale signal.
pub const OUTPUT_CEILING: f32 = 16.0;

/// Time constant of the mix, monitor and gain smoothing: long enough not to click, short enough
/// to feel immediate.
const SMOOTHING_MS: f32 = 5.0;

/// A value that glides toward its target with a one-pole filter, and snaps once close.
#[derive(Debug, Clone, Copy)]
struct Smoothed {
    current: f32,
    target: f32,
}

impl Smoothed {
    fn new(value: f32) -> Self {
        Self { current: value, target: value }
    }

    #[inline]
    fn next(&mut self, coefficient: f32) -> f32 {
        if self.current != self.target {
            let next = self.current + (self.target - self.current) * coefficient;
            // Snap once close, or once a step is too small to move an f32 (a slow glide at a
            // high rate would otherwise stop short of its target for good).
            self.current = if next == self.current || (self.target - next).abs() < 1e-6 { self.target } else { next };
        }
        self.current
    }

    fn snap(&mut self) {
        self.current = self.target;
    }
}

/// The monitor weights and output gain, smoothed.
#[derive(Debug, Clone, Copy)]
pub struct OutputMix {
    decoded: Smoothed,
    difference: Smoothed,
    dry: Smoothed,
    gain: Smoothed,
    /// Smoothing coefficient per frame.
    coefficient: f32,
}

impl OutputMix {
    /// The mix for `settings` at `sample_rate_hz`, already at its targets.
    pub fn new(settings: &Settings, sample_rate_hz: u32) -> Self {
        let mut mix = Self {
            decoded: Smoothed::new(0.0),
            difference: Smoothed::new(0.0),
            dry: Smoothed::new(0.0),
            gain: Smoothed::new(1.0),
            coefficient: 1.0 - (-1.0 / (SMOOTHING_MS / 1000.0 * sample_rate_hz as f32)).exp(),
        };
        mix.set(settings);
        mix.snap();
        mix
    }

    /// New targets, reached over a few milliseconds.
    pub fn set(&mut self, settings: &Settings) {
        let wet = settings.mix;
        let is = |monitor: Monitor| if settings.monitor == monitor { wet } else { 0.0 };
        self.decoded.target = is(Monitor::Decoded);
        self.difference.target = is(Monitor::Difference);
        self.dry.target = 1.0 - wet + is(Monitor::Dry);
        self.gain.target = 10f32.powf(settings.output_gain_db / 20.0);
    }

    fn is_settled(&self) -> bool {
        [self.decoded, self.difference, self.dry, self.gain].iter().all(|s| s.current == s.target)
    }

    /// Jumps to the targets.
    pub fn snap(&mut self) {
        self.decoded.snap();
        self.difference.snap();
        self.dry.snap();
        self.gain.snap();
    }

    /// Writes what the listener hears of `decoded` and `aligned` (the input delayed by the
    /// latency), interleaved `channels` wide, into `output`. `fading` says whether a fade is on,
    /// and `fade_gain(frame)` is its gain at each frame of the piece.
    pub fn render(
        &mut self,
        output: &mut [f32],
        decoded: &[f32],
        aligned: &[f32],
        channels: usize,
        fading: bool,
        fade_gain: impl Fn(usize) -> f32,
    ) {
        if self.is_settled() && !fading {
            // While nothing glides or fades, the weights are constant for the whole piece, and
            // the per-sample work is one multiply-add chain:
            // gain·(decoded·wet + difference·(aligned − wet) + dry·aligned), regrouped.
            let wet_weight = self.gain.current * (self.decoded.current - self.difference.current);
            let aligned_weight = self.gain.current * (self.difference.current + self.dry.current);
            for ((out, &wet), &aligned) in output.iter_mut().zip(decoded).zip(aligned) {
                *out = limit(wet_weight * wet + aligned_weight * aligned);
            }
            return;
        }
        let coefficient = self.coefficient;
        let frames =
            output.chunks_exact_mut(channels).zip(decoded.chunks_exact(channels).zip(aligned.chunks_exact(channels)));
        for (frame, (out, (wet, aligned))) in frames.enumerate() {
            let (decoded, difference, dry, gain) = (
                self.decoded.next(coefficient),
                self.difference.next(coefficient),
                self.dry.next(coefficient),
                self.gain.next(coefficient) * fade_gain(frame),
            );
            for ((out, &wet), &aligned) in out.iter_mut().zip(wet).zip(aligned) {
                *out = limit(gain * (decoded * wet + difference * (aligned - wet) + dry * aligned));
            }
        }
    }
}

/// Bounds an output sample to ±[`OUTPUT_CEILING`]. A NaN (never expected: inputs are
/// sanitised and libopus decodes to finite floats) also comes out bounded, as −ceiling, because
/// `max` returns its other operand for NaN. Branch-free, so the output loops vectorise.
#[inline]
#[allow(clippy::manual_clamp, reason = "clamp would pass a NaN through; max/min bound it")]
fn limit(sample: f32) -> f32 {
    sample.max(-OUTPUT_CEILING).min(OUTPUT_CEILING)
}
