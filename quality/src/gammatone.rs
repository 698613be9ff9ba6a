//! The ear's front end as ViSQOL models it: a bank of fourth-order gammatone filters spaced
//! evenly on the ERB scale (Glasberg and Moore's bandwidths), in Slaney's four-biquad form
//! ("An efficient implementation of the Patterson–Holdsworth auditory filter bank", Apple
//! Technical Report 35, 1993), and the spectrogram ViSQOL builds from it: 80 ms Hann frames
//! every 20 ms, each filtered from rest, each band's RMS.
//!
//! Written by hand: no maintained crate implements Slaney's design, and ViSQOL's scores depend
//! on these exact coefficients.

use std::f64::consts::PI;

/// Glasberg and Moore's ERB parameters: ERB(f) = f / EAR_Q + MIN_BANDWIDTH_HZ.
const EAR_Q: f64 = 9.26449;
const MIN_BANDWIDTH_HZ: f64 = 24.7;

/// The lowest band's centre in every mode.
pub const MIN_FREQUENCY_HZ: f64 = 50.0;
/// The analysis frame: 80 ms, a Hann window, one every quarter frame (20 ms).
pub const FRAME_SECONDS: f64 = 0.08;
pub const HOP_FRACTION: f64 = 0.25;

/// One band's filter: four cascaded biquads sharing their poles.
#[derive(Debug, Clone, Copy)]
struct Band {
    /// The numerators' middle coefficients, one per stage (the first stage also divided by
    /// the gain); the outer ones are `t` and 0.
    numerators: [[f64; 3]; 4],
    /// The shared denominator: 1, b1, b2.
    denominator: [f64; 3],
}

/// A gammatone filter bank for one sample rate: `bands` filters from [`MIN_FREQUENCY_HZ`] to
/// `max_frequency_hz`, lowest first.
#[derive(Debug, Clone)]
pub struct FilterBank {
    bands: Vec<Band>,
    centres_hz: Vec<f64>,
}

impl FilterBank {
    pub fn new(sample_rate_hz: f64, bands: usize, max_frequency_hz: f64) -> Self {
        let high = max_frequency_hz.min(sample_rate_hz / 2.0);
        let mut centres_hz = erb_spaced_centres(MIN_FREQUENCY_HZ, high, bands);
        // Designed from the highest down, as Slaney's; kept lowest first.
        centres_hz.reverse();
        let bands = centres_hz.iter().map(|&centre| Band::design(centre, sample_rate_hz)).collect();
        Self { bands, centres_hz }
    }

    pub fn len(&self) -> usize {
        self.bands.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bands.is_empty()
    }

    /// The bands' centre frequencies, lowest first.
    pub fn centres_hz(&self) -> &[f64] {
        &self.centres_hz
    }

    /// Filters `frame` from rest through every band and writes each band's RMS to `out`.
    fn band_rms(&self, frame: &[f64], out: &mut [f64]) {
        for (band, out) in self.bands.iter().zip(out.iter_mut()) {
            let mut states = [[0.0f64; 2]; 4];
            let mut sum = 0.0;
            for &x in frame {
                let mut value = x;
                for (numerator, state) in band.numerators.iter().zip(states.iter_mut()) {
                    // Direct form II transposed, as MATLAB's `filter`.
                    let y = numerator[0] * value + state[0];
                    state[0] = numerator[1] * value + state[1] - band.denominator[1] * y;
                    state[1] = numerator[2] * value - band.denominator[2] * y;
                    value = y;
                }
                sum += value * value;
            }
            *out = (sum / frame.len() as f64).sqrt();
        }
    }
}

impl Band {
    /// Slaney's `MakeERBFilters` for one centre frequency (order 1 ERB, the 1.019 factor).
    fn design(centre: f64, sample_rate_hz: f64) -> Self {
        let t = 1.0 / sample_rate_hz;
        let erb = centre / EAR_Q + MIN_BANDWIDTH_HZ;
        let b = 1.019 * 2.0 * PI * erb;
        let (cos, sin) = ((2.0 * PI * centre * t).cos(), (2.0 * PI * centre * t).sin());
        let exp_bt = (b * t).exp();
        let (root_plus, root_minus) = ((3.0 + 2f64.powf(1.5)).sqrt(), (3.0 - 2f64.powf(1.5)).sqrt());
        let a = 2.0 * t * cos;
        let (b_plus, b_minus) = (2.0 * root_plus * t * sin, 2.0 * root_minus * t * sin);
        let a11 = -(a + b_plus) / exp_bt / 2.0;
        let a12 = -(a - b_plus) / exp_bt / 2.0;
        let a13 = -(a + b_minus) / exp_bt / 2.0;
        let a14 = -(a - b_minus) / exp_bt / 2.0;

        // The gain at the centre frequency, from the four stages' complex responses there.
        let two_pi_ft = 2.0 * PI * centre * t;
        let e4 = Complex::polar(1.0, 2.0 * two_pi_ft);
        let x01 = e4.scale(-2.0 * t);
        let x02 = Complex::polar((-b * t).exp(), two_pi_ft).scale(2.0 * t);
        let stage = |sign: f64, root: f64| x01.add(x02.scale(cos + sign * root * sin));
        let numerator =
            stage(-1.0, root_minus).mul(stage(1.0, root_minus)).mul(stage(-1.0, root_plus)).mul(stage(1.0, root_plus));
        let x5 = Complex::real(-2.0 / (2.0 * b * t).exp())
            .add(e4.scale(-2.0))
            .add(Complex::real(1.0).add(e4).scale(2.0 / exp_bt));
        let x5_4 = x5.mul(x5).mul(x5.mul(x5));
        let gain = numerator.abs() / x5_4.abs();

        Self {
            numerators: [[t / gain, a11 / gain, 0.0], [t, a12, 0.0], [t, a13, 0.0], [t, a14, 0.0]],
            denominator: [1.0, -2.0 * cos / exp_bt, (-2.0 * b * t).exp()],
        }
    }
}

/// `count` centre frequencies evenly spaced on the ERB scale from just under `high` down to
/// `low`, highest first (Slaney's `ERBSpace`).
fn erb_spaced_centres(low: f64, high: f64, count: usize) -> Vec<f64> {
    let offset = EAR_Q * MIN_BANDWIDTH_HZ;
    let step = (-(high + offset).ln() + (low + offset).ln()) / count as f64;
    (1..=count).map(|i| -offset + (i as f64 * step).exp() * (high + offset)).collect()
}

/// A spectrogram: `bands` rows (lowest first) by frames, stored frame by frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrogram {
    pub bands: usize,
    pub frames: usize,
    /// `values[frame * bands + band]`.
    pub values: Vec<f64>,
}

impl Spectrogram {
    pub fn at(&self, band: usize, frame: usize) -> f64 {
        self.values[frame * self.bands + band]
    }

    pub fn frame(&self, frame: usize) -> &[f64] {
        &self.values[frame * self.bands..(frame + 1) * self.bands]
    }

    fn frame_mut(&mut self, frame: usize) -> &mut [f64] {
        &mut self.values[frame * self.bands..(frame + 1) * self.bands]
    }
}

/// The analysis frame's length and hop in samples at `sample_rate_hz`.
pub fn frame_and_hop(sample_rate_hz: f64) -> (usize, usize) {
    let frame = (sample_rate_hz * FRAME_SECONDS).round() as usize;
    (frame, (frame as f64 * HOP_FRACTION) as usize)
}

/// The gammatone spectrogram of `signal`: one column per hop while a whole frame fits. `None`
/// when not even one frame does.
pub fn spectrogram(bank: &FilterBank, signal: &[f64], sample_rate_hz: f64) -> Option<Spectrogram> {
    let (frame, hop) = frame_and_hop(sample_rate_hz);
    if signal.len() <= frame || hop == 0 {
        return None;
    }
    let frames = 1 + (signal.len() - frame) / hop;
    let window: Vec<f64> = (0..frame).map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / (frame - 1) as f64).cos()).collect();
    let mut out = Spectrogram { bands: bank.len(), frames, values: vec![0.0; bank.len() * frames] };
    let mut windowed = vec![0.0; frame];
    for index in 0..frames {
        let start = index * hop;
        for ((w, &x), &h) in windowed.iter_mut().zip(&signal[start..start + frame]).zip(&window) {
            *w = x * h;
        }
        bank.band_rms(&windowed, out.frame_mut(index));
    }
    Some(out)
}

/// Makes two spectrograms comparable as ViSQOL does: to dB (10·log10 of the band RMS), no value
/// under −45 dB, none more than 45 dB under the louder of the two frames' peaks, then both
/// shifted so that the lowest value of either is 0.
pub fn prepare_for_comparison(reference: &mut Spectrogram, degraded: &mut Spectrogram) {
    const ABSOLUTE_FLOOR_DB: f64 = -45.0;
    const FLOOR_UNDER_PEAK_DB: f64 = 45.0;
    for value in reference.values.iter_mut().chain(degraded.values.iter_mut()) {
        let magnitude = if *value == 0.0 { f64::EPSILON } else { value.abs() };
        *value = (10.0 * magnitude.log10()).max(ABSOLUTE_FLOOR_DB);
    }
    for frame in 0..reference.frames.min(degraded.frames) {
        let peak = |s: &Spectrogram| s.frame(frame).iter().copied().fold(f64::MIN, f64::max);
        let floor = peak(reference).max(peak(degraded)) - FLOOR_UNDER_PEAK_DB;
        for value in reference.frame_mut(frame).iter_mut().chain(degraded.frame_mut(frame).iter_mut()) {
            *value = value.max(floor);
        }
    }
    let lowest = reference.values.iter().chain(&degraded.values).copied().fold(f64::MAX, f64::min);
    for value in reference.values.iter_mut().chain(degraded.values.iter_mut()) {
        *value -= lowest;
    }
}

/// The few complex operations the gain needs.
#[derive(Debug, Clone, Copy)]
struct Complex {
    re: f64,
    im: f64,
}

impl Complex {
    fn real(re: f64) -> Self {
        Self { re, im: 0.0 }
    }

    fn polar(magnitude: f64, angle: f64) -> Self {
        Self { re: magnitude * angle.cos(), im: magnitude * angle.sin() }
    }

    fn add(self, other: Self) -> Self {
        Self { re: self.re + other.re, im: self.im + other.im }
    }

    fn mul(self, other: Self) -> Self {
        Self { re: self.re * other.re - self.im * other.im, im: self.re * other.im + self.im * other.re }
    }

    fn scale(self, factor: f64) -> Self {
        Self { re: self.re * factor, im: self.im * factor }
    }

    fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_band_passes_its_centre_at_unit_gain_and_rejects_far_frequencies() {
        let rate = 16_000.0;
        let bank = FilterBank::new(rate, 21, 8_000.0);
        assert_eq!(bank.len(), 21);
        assert!((bank.centres_hz()[0] - 50.0).abs() < 1e-9, "{:?}", bank.centres_hz());
        assert!(bank.centres_hz().windows(2).all(|pair| pair[0] < pair[1]));
        for (index, &centre) in bank.centres_hz().iter().enumerate() {
            // A steady tone at the centre (after the filter has settled) comes out at the
            // tone's RMS; an octave and a half away, far below it.
            let tone = |frequency: f64| -> Vec<f64> {
                (0..16_000).map(|n| (2.0 * PI * frequency * n as f64 / rate).sin()).collect()
            };
            let rms = |signal: &[f64]| {
                let mut out = [0.0];
                let single = FilterBank { bands: vec![bank.bands[index]], centres_hz: vec![centre] };
                single.band_rms(&signal[8_000..], &mut out);
                out[0]
            };
            let at_centre = rms(&tone(centre));
            assert!(
                (at_centre - std::f64::consts::FRAC_1_SQRT_2).abs() < 0.02,
                "band {index} at {centre:.0} Hz: {at_centre}"
            );
            let away = if centre > 1_000.0 { centre / 2.8 } else { centre * 2.8 };
            assert!(rms(&tone(away)) < 0.1 * at_centre, "band {index} at {centre:.0} Hz passes {away:.0} Hz");
        }
    }
}
