//! Peaks of a signal that arrives in blocks: the sample peak, the true peak (the peak between the
//! samples, as ITU-R BS.1770 defines it: 4× oversampled below 96 kHz, 2× below 192 kHz), and how
//! many samples lie beyond full scale. A codec can make peaks its input did not have: the
//! decoded signal's against the input's tell the headroom the input needs.

use ebur128::{EbuR128, Mode};

/// What [`PeakMeter`] measured, linear (1.0 is full scale).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peaks {
    /// The largest sample magnitude.
    pub sample_peak: f64,
    /// The largest magnitude between the samples (at least the sample peak).
    pub true_peak: f64,
    /// Samples (each channel's counted) whose magnitude is beyond full scale.
    pub overs: u64,
}

impl Peaks {
    /// The sample peak in dBFS.
    pub fn sample_peak_dbfs(&self) -> f64 {
        decibels(self.sample_peak)
    }

    /// The true peak in dBTP (dB relative to full scale, between the samples).
    pub fn true_peak_dbtp(&self) -> f64 {
        decibels(self.true_peak)
    }
}

/// `linear` in dB; silence is −∞.
fn decibels(linear: f64) -> f64 {
    if linear > 0.0 { 20.0 * linear.log10() } else { f64::NEG_INFINITY }
}

/// Measures [`Peaks`] of interleaved blocks. The true peak is the `ebur128` crate's, a port of
/// libebur128, the reference implementation of the EBU R 128 tools: a well-kept crate rather
/// than an oversampling filter written here.
pub struct PeakMeter {
    /// The true-peak meter.
    meter: EbuR128,
    channels: usize,
    sample_peak: f64,
    overs: u64,
}

impl std::fmt::Debug for PeakMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeakMeter").field("channels", &self.channels).field("overs", &self.overs).finish()
    }
}

impl PeakMeter {
    /// A meter for `channels` (1 or more) interleaved at `sample_rate_hz`. This allocates; `None`
    /// if the true-peak meter takes neither the rate nor the channel count.
    pub fn new(sample_rate_hz: u32, channels: usize) -> Option<Self> {
        let channels_u32 = u32::try_from(channels).ok()?;
        let meter = EbuR128::new(channels_u32, sample_rate_hz, Mode::SAMPLE_PEAK | Mode::TRUE_PEAK).ok()?;
        Some(Self { meter, channels, sample_peak: 0.0, overs: 0 })
    }

    /// Adds the next interleaved samples (a whole number of frames; a partial frame at the end
    /// is left out of the true peak but counted in the sample peak and overs).
    pub fn push(&mut self, samples: &[f32]) {
        for &sample in samples {
            let magnitude = f64::from(sample.abs());
            self.overs += u64::from(magnitude > 1.0);
            if magnitude.is_finite() {
                self.sample_peak = self.sample_peak.max(magnitude);
            }
        }
        // Non-finite samples would poison the oversampling filter's memory: frames holding one
        // stay out of the true peak (an infinity still counts as an over).
        let whole = &samples[..samples.len() / self.channels * self.channels];
        if whole.iter().all(|sample| sample.is_finite()) {
            // Cannot fail: the meter took this channel count, and the frames are whole.
            let _ = self.meter.add_frames_f32(whole);
        } else {
            for frame in whole.chunks_exact(self.channels).filter(|frame| frame.iter().all(|s| s.is_finite())) {
                let _ = self.meter.add_frames_f32(frame);
            }
        }
    }

    /// The peaks so far, the largest of all channels'.
    pub fn peaks(&self) -> Peaks {
        let channels = 0..self.channels as u32;
        let true_peak =
            channels.filter_map(|channel| self.meter.true_peak(channel).ok()).fold(self.sample_peak, f64::max);
        Peaks { sample_peak: self.sample_peak, true_peak, overs: self.overs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quarter_rate_sine_sampled_off_its_crests_has_its_true_peak_between_the_samples() {
        // At fs/4 with a 45° phase every sample lands at ±0.707 of the crest: the sample peak is
        // 3 dB below the true peak.
        let sine: Vec<f32> = (0..48_000)
            .map(|n| (std::f64::consts::FRAC_PI_2 * n as f64 + std::f64::consts::FRAC_PI_4).sin() as f32)
            .collect();
        let mut meter = PeakMeter::new(48_000, 1).unwrap();
        for block in sine.chunks(301) {
            meter.push(block);
        }
        let peaks = meter.peaks();
        assert!((peaks.sample_peak_dbfs() + 3.01).abs() < 0.01, "sample peak {:.2} dBFS", peaks.sample_peak_dbfs());
        assert!(peaks.true_peak_dbtp().abs() < 0.2, "true peak {:.2} dBTP", peaks.true_peak_dbtp());
        assert_eq!(peaks.overs, 0);
    }

    #[test]
    fn overs_are_counted_per_sample_and_channel() {
        let mut signal = vec![0.25f32; 2 * 4_800];
        for (index, value) in [(10, 1.2), (11, -1.0001), (500, 1.0), (901, -3.0), (9_599, 1.5)] {
            signal[index] = value;
        }
        let mut meter = PeakMeter::new(48_000, 2).unwrap();
        for block in signal.chunks(64) {
            meter.push(block);
        }
        let peaks = meter.peaks();
        assert_eq!(peaks.overs, 4, "full scale itself is not over");
        assert_eq!(peaks.sample_peak, 3.0);
        assert!(peaks.true_peak >= 3.0);
        // Non-finite samples stay out of the peaks.
        meter.push(&[f32::NAN, 0.5, f32::INFINITY, 0.5]);
        assert_eq!(meter.peaks().overs, 5);
        assert_eq!(meter.peaks().sample_peak, 3.0);
    }
}
