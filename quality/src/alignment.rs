//! Time alignment of the degraded signal to the reference, as ViSQOL's reference implementation
//! does it: the lag that maximises the cross-correlation of the two signals' envelopes, found
//! with FFTs, applied by cutting or padding the degraded signal's start.
//!
//! The reference's "upper envelope" is the magnitude of a half-spectrum inverse real FFT, which
//! is the rectified signal (twice over, less its DC and Nyquist parts), plus its mean: written
//! here the same way, so that lags agree with it on signals where the choice is close.

use realfft::RealFftPlanner;
use realfft::num_complex::Complex;

/// The reference's smallest FFT.
const MIN_FFT: usize = 32;

/// `degraded` shifted to line up with `reference`, and the lag in samples (positive: the
/// degraded signal was early and has been delayed by padding silence at its start). A lag of
/// more than half the reference is taken for a misfit and not applied.
pub fn globally_align(reference: &[f64], degraded: &[f64]) -> (Vec<f64>, isize) {
    let lag = best_lag(&upper_envelope(reference), &upper_envelope(degraded));
    if lag == 0 || lag.unsigned_abs() as f64 > reference.len() as f64 / 2.0 {
        return (degraded.to_vec(), 0);
    }
    let shifted = if lag < 0 {
        degraded[lag.unsigned_abs().min(degraded.len())..].to_vec()
    } else {
        let mut padded = vec![0.0; lag as usize];
        padded.extend_from_slice(degraded);
        padded
    };
    (shifted, lag)
}

/// Aligns `degraded` to `reference` and cuts both to their common span: what ViSQOL does to
/// each pair of patches before comparing them again. Returns both and the lag in samples.
pub fn align_and_truncate(reference: &[f64], degraded: &[f64]) -> (Vec<f64>, Vec<f64>, isize) {
    let (aligned, lag) = globally_align(reference, degraded);
    if reference.len() > aligned.len() {
        (reference[..aligned.len()].to_vec(), aligned, lag)
    } else if reference.len() < aligned.len() {
        // A lag here is never negative (padding made the degraded signal the longer one).
        let start = lag.max(0) as usize;
        let end = reference.len();
        let start = start.min(end);
        (reference[start..end].to_vec(), aligned[start..end].to_vec(), lag)
    } else {
        (reference.to_vec(), aligned, lag)
    }
}

fn upper_envelope(signal: &[f64]) -> Vec<f64> {
    let n = signal.len();
    if n == 0 {
        return Vec::new();
    }
    let mean = signal.iter().sum::<f64>() / n as f64;
    let size = n.next_power_of_two().max(MIN_FFT);
    let mut planner = RealFftPlanner::<f64>::new();
    let (forward, inverse) = (planner.plan_fft_forward(size), planner.plan_fft_inverse(size));
    let mut time = vec![0.0; size];
    for (t, &x) in time.iter_mut().zip(signal) {
        *t = x - mean;
    }
    let mut spectrum = forward.make_output_vec();
    forward.process(&mut time, &mut spectrum).expect("lengths from the plan");
    // The analytic signal's weights (1 at DC, 2 up to the signal's own middle, 1 there if even),
    // laid over the padded spectrum as the reference lays them.
    let half = if n % 2 == 1 { n.div_ceil(2) } else { n / 2 };
    for (k, bin) in spectrum.iter_mut().enumerate() {
        let weight = match k {
            0 => 1.0,
            k if k < half => 2.0,
            k if k == n / 2 => {
                if n % 2 == 1 {
                    2.0
                } else {
                    1.0
                }
            }
            _ => 0.0,
        };
        *bin *= weight;
    }
    spectrum[0].im = 0.0;
    let last = spectrum.len() - 1;
    spectrum[last].im = 0.0;
    inverse.process(&mut spectrum, &mut time).expect("lengths from the plan");
    time[..n].iter().map(|&x| (x / size as f64).abs() + mean).collect()
}

/// The lag of `second` against `first` with the highest cross-correlation, the most negative
/// first among equals.
fn best_lag(first: &[f64], second: &[f64]) -> isize {
    let longest = first.len().max(second.len());
    if longest == 0 {
        return 0;
    }
    let max_lag = longest - 1;
    // The smallest power of two above 2·longest − 1, as the reference takes it.
    let size = (2 * longest).next_power_of_two().max(MIN_FFT);
    let mut planner = RealFftPlanner::<f64>::new();
    let (forward, inverse) = (planner.plan_fft_forward(size), planner.plan_fft_inverse(size));
    let spectrum_of = |signal: &[f64]| -> Vec<Complex<f64>> {
        let mut time = vec![0.0; size];
        time[..signal.len()].copy_from_slice(signal);
        let mut spectrum = forward.make_output_vec();
        forward.process(&mut time, &mut spectrum).expect("lengths from the plan");
        spectrum
    };
    let (a, b) = (spectrum_of(first), spectrum_of(second));
    let mut product: Vec<Complex<f64>> = a.iter().zip(&b).map(|(x, y)| x * y.conj()).collect();
    product[0].im = 0.0;
    let last = product.len() - 1;
    product[last].im = 0.0;
    let mut correlation = vec![0.0; size];
    inverse.process(&mut product, &mut correlation).expect("lengths from the plan");
    let mut best = (f64::MIN, 0isize);
    for lag in -(max_lag as isize)..=max_lag as isize {
        let index = if lag < 0 { (size as isize + lag) as usize } else { lag as usize };
        if correlation[index] > best.0 {
            best = (correlation[index], lag);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delayed_copy_is_found_at_its_delay_and_put_back() {
        let reference: Vec<f64> =
            (0..4_000).map(|n| ((n as f64 * 0.05).sin() * (n as f64 * 0.0021).sin()).powi(3)).collect();
        let mut late = vec![0.0; 37];
        late.extend_from_slice(&reference[..reference.len() - 37]);
        let (aligned, lag) = globally_align(&reference, &late);
        assert_eq!(lag, -37);
        assert_eq!(&aligned[..100], &reference[..100]);
        let early = reference[25..].to_vec();
        let (aligned, lag) = globally_align(&reference, &early);
        assert_eq!(lag, 25);
        assert_eq!(&aligned[25..125], &reference[25..125]);
        assert_eq!(globally_align(&reference, &reference).1, 0);
    }
}
