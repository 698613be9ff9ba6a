//! The quality measures over a signal that arrives in blocks, in memory independent of its
//! length: the same figures as [`crate::measure`] gives for the whole signal at once, summed in
//! the same order.

use crate::measure::power_ratio_db;
use crate::spectrum::SpectrumAnalyser;

/// Waveform SNR, RMS levels and phase-blind SNR of a test signal against a reference, fed in
/// equal blocks.
#[derive(Debug)]
pub struct RunningQuality {
    reference_energy: f64,
    error_energy: f64,
    count: u64,
    spectral: RunningSpectralSnr,
}

/// What [`RunningQuality`] measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QualityFigures {
    /// Waveform SNR, dB ([`crate::measure::snr_db`]).
    pub snr_db: f64,
    /// Phase-blind SNR, dB ([`crate::measure::spectral_snr_db`]).
    pub spectral_snr_db: f64,
    /// RMS of the reference, dBFS.
    pub reference_rms_dbfs: f64,
    /// RMS of reference − test, dBFS.
    pub difference_rms_dbfs: f64,
}

impl RunningQuality {
    /// Measures with spectra of `window` samples (see [`crate::measure::spectral_snr_db`]).
    /// This allocates.
    pub fn new(window: usize) -> Self {
        Self { reference_energy: 0.0, error_energy: 0.0, count: 0, spectral: RunningSpectralSnr::new(window) }
    }

    /// Adds the next samples of both signals (equal lengths; the longer one's excess is ignored).
    pub fn push(&mut self, reference: &[f32], test: &[f32]) {
        for (&r, &t) in reference.iter().zip(test) {
            let error = f64::from(r) - f64::from(t);
            self.reference_energy += f64::from(r) * f64::from(r);
            self.error_energy += error * error;
        }
        self.count += reference.len().min(test.len()) as u64;
        self.spectral.push(reference, test);
    }

    /// The figures so far.
    pub fn figures(&self) -> QualityFigures {
        let rms_dbfs = |energy: f64| {
            let mean = if self.count == 0 { 0.0 } else { energy / self.count as f64 };
            if mean > 0.0 { 10.0 * mean.log10() } else { f64::NEG_INFINITY }
        };
        QualityFigures {
            snr_db: power_ratio_db(self.reference_energy, self.error_energy),
            spectral_snr_db: self
                .spectral
                .snr_db()
                .unwrap_or_else(|| power_ratio_db(self.reference_energy, self.error_energy)),
            reference_rms_dbfs: rms_dbfs(self.reference_energy),
            difference_rms_dbfs: rms_dbfs(self.error_energy),
        }
    }
}

/// Phase-blind SNR over half-overlapping Hann windows, as the samples arrive.
#[derive(Debug)]
pub struct RunningSpectralSnr {
    analyser: SpectrumAnalyser,
    /// The current window of each signal; `filled` samples so far.
    reference: Vec<f32>,
    test: Vec<f32>,
    filled: usize,
    magnitudes: Vec<f64>,
    signal: f64,
    noise: f64,
    windows: u64,
}

impl RunningSpectralSnr {
    /// A measure over windows of `window` samples (at least 2). This allocates.
    pub fn new(window: usize) -> Self {
        let window = window.max(2);
        let analyser = SpectrumAnalyser::new(window);
        Self {
            magnitudes: vec![0.0; analyser.bins()],
            analyser,
            reference: vec![0.0; window],
            test: vec![0.0; window],
            filled: 0,
            signal: 0.0,
            noise: 0.0,
            windows: 0,
        }
    }

    /// Adds the next samples of both signals.
    pub fn push(&mut self, reference: &[f32], test: &[f32]) {
        let window = self.reference.len();
        let mut done = 0;
        let len = reference.len().min(test.len());
        while done < len {
            let take = (window - self.filled).min(len - done);
            self.reference[self.filled..self.filled + take].copy_from_slice(&reference[done..done + take]);
            self.test[self.filled..self.filled + take].copy_from_slice(&test[done..done + take]);
            self.filled += take;
            done += take;
            if self.filled == window {
                self.add_window();
                // The next window starts half a window later.
                let hop = window / 2;
                self.reference.copy_within(hop.., 0);
                self.test.copy_within(hop.., 0);
                self.filled = window - hop;
            }
        }
    }

    fn add_window(&mut self) {
        for (magnitude, bin) in self.magnitudes.iter_mut().zip(self.analyser.analyse(self.reference.iter().copied())) {
            *magnitude = f64::from(bin.norm());
        }
        for (&r, bin) in self.magnitudes.iter().zip(self.analyser.analyse(self.test.iter().copied())) {
            let t = f64::from(bin.norm());
            self.signal += r * r;
            self.noise += (r - t) * (r - t);
        }
        self.windows += 1;
    }

    /// The SNR so far, or `None` before the first whole window.
    pub fn snr_db(&self) -> Option<f64> {
        (self.windows > 0).then(|| power_ratio_db(self.signal, self.noise))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{measure, test_signal};

    /// The phase-blind SNR written out over the whole signal: windows at 0, w/2, w, … that fit.
    fn whole_signal_spectral_snr(reference: &[f32], test: &[f32], window: usize) -> f64 {
        let mut analyser = SpectrumAnalyser::new(window);
        let (mut signal, mut noise) = (0.0, 0.0);
        let mut start = 0;
        while start + window <= reference.len() {
            let magnitudes = |analyser: &mut SpectrumAnalyser, samples: &[f32]| -> Vec<f64> {
                analyser
                    .analyse(samples[start..start + window].iter().copied())
                    .iter()
                    .map(|bin| f64::from(bin.norm()))
                    .collect()
            };
            let (r, t) = (magnitudes(&mut analyser, reference), magnitudes(&mut analyser, test));
            for (r, t) in r.iter().zip(&t) {
                signal += r * r;
                noise += (r - t) * (r - t);
            }
            start += window / 2;
        }
        power_ratio_db(signal, noise)
    }

    #[test]
    fn blocks_of_any_size_give_the_whole_signal_figures_exactly() {
        let reference = test_signal::music(16_000, 2, 1.0);
        let test: Vec<f32> = reference.iter().enumerate().map(|(i, s)| s * 0.9 + (i % 7) as f32 * 1e-3).collect();
        let window = 512;
        for block in [1, 100, 333, 4096, reference.len()] {
            let mut running = RunningQuality::new(window);
            for (r, t) in reference.chunks(block).zip(test.chunks(block)) {
                running.push(r, t);
            }
            let figures = running.figures();
            assert_eq!(figures.spectral_snr_db, whole_signal_spectral_snr(&reference, &test, window), "block {block}");
            assert!((figures.snr_db - measure::snr_db(&reference, &test)).abs() < 1e-9, "block {block}");
            assert!((figures.reference_rms_dbfs - measure::rms_dbfs(&reference)).abs() < 1e-9);
        }
    }

    #[test]
    fn silence_and_short_signals_read_as_the_batch_measures_do() {
        let mut running = RunningQuality::new(512);
        running.push(&[0.0; 100], &[0.0; 100]);
        let figures = running.figures();
        assert_eq!((figures.snr_db, figures.reference_rms_dbfs), (f64::INFINITY, f64::NEG_INFINITY));
        assert_eq!(figures.spectral_snr_db, measure::spectral_snr_db(&[0.0; 100], &[0.0; 100], 512));
    }
}
