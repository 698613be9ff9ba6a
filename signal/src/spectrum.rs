//! A short-time spectrum: Hann window, real FFT (realfft), levels in dBFS.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

/// The smallest amplitude a level reports, relative to full scale (−180 dBFS), so that silence
/// gives a finite level rather than −∞.
const MIN_RELATIVE_AMPLITUDE: f32 = 1e-9;

/// One FFT size's plan, window and buffers; [`analyse`](Self::analyse) reuses them.
pub struct SpectrumAnalyser {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    frame: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    /// The magnitude a full-scale sine gives in its bin: the window's sum over 2.
    full_scale: f32,
}

impl std::fmt::Debug for SpectrumAnalyser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpectrumAnalyser").field("size", &self.size()).finish_non_exhaustive()
    }
}

impl SpectrumAnalyser {
    /// An analyser of windows of `size` samples (at least 2). This allocates.
    pub fn new(size: usize) -> Self {
        let size = size.max(2);
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(size);
        let window = hann(size);
        let full_scale = window.iter().sum::<f32>() / 2.0;
        Self {
            frame: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
            full_scale,
        }
    }

    /// Samples in one window.
    pub fn size(&self) -> usize {
        self.window.len()
    }

    /// Frequency bins from 0 Hz to the Nyquist frequency: `size / 2 + 1`.
    pub fn bins(&self) -> usize {
        self.spectrum.len()
    }

    /// Transforms the first [`size`](Self::size) of `samples` (zeros where they run out), windowed,
    /// and returns the complex spectrum. Never allocates.
    pub fn analyse(&mut self, samples: impl IntoIterator<Item = f32>) -> &[Complex<f32>] {
        let mut samples = samples.into_iter();
        for (slot, &w) in self.frame.iter_mut().zip(&self.window) {
            *slot = samples.next().unwrap_or(0.0) * w;
        }
        // Every length comes from the plan itself, so the transform cannot fail.
        let _ = self.fft.process_with_scratch(&mut self.frame, &mut self.spectrum, &mut self.scratch);
        &self.spectrum
    }

    /// The last analysis's levels in dBFS, bin by bin: a full-scale sine centred in a bin reads
    /// 0 dBFS there; silence reads −180 dBFS.
    pub fn levels_dbfs(&self) -> impl ExactSizeIterator<Item = f32> + '_ {
        self.spectrum.iter().map(|bin| amplitude_db(bin.norm() / self.full_scale))
    }
}

/// A periodic Hann window of `size` samples (the form spectral analysis uses: its overlapped
/// copies at half a window sum to a constant).
pub fn hann(size: usize) -> Vec<f32> {
    (0..size).map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / size as f32).cos()).collect()
}

/// `20·log10(amplitude)`, floored at −180 dB.
pub fn amplitude_db(amplitude: f32) -> f32 {
    20.0 * amplitude.max(MIN_RELATIVE_AMPLITUDE).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine_in_bin(bin: usize, size: usize, len: usize) -> Vec<f32> {
        (0..len).map(|n| (std::f32::consts::TAU * bin as f32 * n as f32 / size as f32).sin()).collect()
    }

    #[test]
    fn a_full_scale_sine_reads_0_dbfs_in_its_bin_and_nothing_far_from_it() {
        for size in [256, 1024, 2048] {
            let mut analyser = SpectrumAnalyser::new(size);
            let bin = size / 16;
            analyser.analyse(sine_in_bin(bin, size, size));
            let levels: Vec<f32> = analyser.levels_dbfs().collect();
            assert_eq!(levels.len(), size / 2 + 1);
            assert!(levels[bin].abs() < 0.01, "size {size}: {} dBFS", levels[bin]);
            // A Hann window leaks into the two neighbours only (−6 dB each).
            assert!((levels[bin + 1] + 6.02).abs() < 0.05, "{}", levels[bin + 1]);
            assert!(levels[bin * 3] < -100.0, "{}", levels[bin * 3]);
        }
    }

    #[test]
    fn silence_and_short_input_read_the_floor() {
        let mut analyser = SpectrumAnalyser::new(512);
        analyser.analyse([]);
        assert!(analyser.levels_dbfs().all(|db| db == -180.0));
        // Half a window of a sine: the rest is zero-padded, so its level drops by 6 dB.
        analyser.analyse(sine_in_bin(32, 512, 256));
        let level = analyser.levels_dbfs().nth(32).unwrap();
        assert!((level + 6.02).abs() < 0.1, "{level}");
    }

    #[test]
    fn hann_halves_overlap_to_a_constant() {
        let window = hann(64);
        for i in 0..32 {
            assert!((window[i] + window[i + 32] - 1.0).abs() < 1e-6);
        }
    }
}
