//! Quality measures of a decoded signal against its input, shared by tests, demos, benchmarks,
//! the report and the engine's meters.

use crate::running::RunningSpectralSnr;

/// Signal-to-noise ratio of `test` against `reference`, in dB: the energy of the reference over
/// the energy of their difference. Compares the common prefix of the two slices. Returns
/// `f64::INFINITY` when they are identical and `f64::NEG_INFINITY` when the reference is silent
/// but the test is not.
pub fn snr_db(reference: &[f32], test: &[f32]) -> f64 {
    let (signal, noise) = reference.iter().zip(test).fold((0.0f64, 0.0f64), |(signal, noise), (&r, &t)| {
        let error = f64::from(r) - f64::from(t);
        (signal + f64::from(r) * f64::from(r), noise + error * error)
    });
    power_ratio_db(signal, noise)
}

/// `10·log10(signal / noise)`, with the two degenerate cases spelled out.
pub fn power_ratio_db(signal: f64, noise: f64) -> f64 {
    match (signal > 0.0, noise > 0.0) {
        (_, false) => f64::INFINITY,
        (false, true) => f64::NEG_INFINITY,
        (true, true) => 10.0 * (signal / noise).log10(),
    }
}

/// Spectral signal-to-noise ratio of `test` against `reference`, in dB: like [`snr_db`], but
/// on short-time magnitude spectra (Hann windows of `window` samples, half overlapping), so
/// that it ignores phase. Speech codecs (SILK, and DRED's vocoder even more) rebuild what the
/// ear hears, not the waveform, so a waveform SNR understates them; this measure does not.
/// Mono signals. This allocates.
pub fn spectral_snr_db(reference: &[f32], test: &[f32], window: usize) -> f64 {
    if window < 2 {
        return snr_db(reference, test);
    }
    let mut running = RunningSpectralSnr::new(window);
    running.push(reference, test);
    running.snr_db().unwrap_or_else(|| snr_db(reference, test))
}

/// Root-mean-square level in dB relative to full scale (a full-scale sine reads −3 dBFS).
/// Silence reads `f64::NEG_INFINITY`.
pub fn rms_dbfs(samples: &[f32]) -> f64 {
    if samples.is_empty() {
        return f64::NEG_INFINITY;
    }
    let energy: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let mean = energy / samples.len() as f64;
    if mean > 0.0 { 10.0 * mean.log10() } else { f64::NEG_INFINITY }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snr_of_a_known_error_is_exact() {
        let reference = [1.0f32, -1.0, 1.0, -1.0];
        let test = [0.9f32, -0.9, 0.9, -0.9];
        // Signal energy 4, noise energy 4 × 0.01: 10·log10(100) = 20 dB.
        assert!((snr_db(&reference, &test) - 20.0).abs() < 1e-4);
        assert_eq!(snr_db(&reference, &reference), f64::INFINITY);
        assert_eq!(snr_db(&[0.0], &[1.0]), f64::NEG_INFINITY);
    }

    #[test]
    fn spectral_snr_ignores_phase_but_not_level() {
        let tone: Vec<f32> = (0..4800).map(|n| (n as f32 * 0.05).sin()).collect();
        let shifted: Vec<f32> = (0..4800).map(|n| (n as f32 * 0.05 + 1.0).sin()).collect();
        let quieter: Vec<f32> = tone.iter().map(|s| s * 0.5).collect();
        assert!(snr_db(&tone, &shifted) < 3.0);
        assert!(spectral_snr_db(&tone, &shifted, 480) > 30.0);
        assert!((spectral_snr_db(&tone, &quieter, 480) - 6.02).abs() < 0.1);
    }

    #[test]
    fn rms_of_a_full_scale_square_is_zero_dbfs() {
        assert!(rms_dbfs(&[1.0, -1.0, 1.0, -1.0]).abs() < 1e-9);
        assert_eq!(rms_dbfs(&[0.0; 8]), f64::NEG_INFINITY);
    }
}
