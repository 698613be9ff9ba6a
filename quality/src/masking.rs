//! Where a change is audible: the noise-to-mask ratio (NMR) per critical band over time, from
//! the FFT ear model of PEAQ's basic version (ITU-R BS.1387-1, "Method for objective
//! measurements of perceived audio quality", section 2.1 and the NMR of 4.5; Thiede et al., "PEAQ
//! — the ITU standard for objective measurement of perceived audio quality", JAES 48(1/2), 2000).
//!
//! Per frame, of the reference (the input) and of the degraded signal (the decoded audio):
//! - a Hann-windowed spectrum, at a playback level where a full-scale sine peaks at 92 dB SPL
//!   (the standard's assumption; we cannot know the listener's volume);
//! - the outer and middle ear's weighting of each frequency;
//! - the reference's energy in bands a quarter of a Bark wide from 80 Hz to 18 kHz (or the
//!   Nyquist frequency), plus the ear's internal noise, spread over neighbouring bands with the
//!   level-dependent slopes of simultaneous masking, then over time (forward masking);
//! - the mask: that excitation lowered by the standard's offset (3 dB up to 12 Bark, rising
//!   above);
//! - the noise: the band energy of the difference between the two weighted magnitude spectra.
//!
//! NMR = noise ÷ mask: above 0 dB the change is audible in that band at that moment, below it is
//! masked by the reference itself. Written from the standard; frame and hop keep its durations
//! (2048 and 1024 samples at 48 kHz) at other rates.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

/// The playback level the model assumes: a full-scale sine's peak, in dB SPL.
pub const FULL_SCALE_DB_SPL: f64 = 92.0;
/// The band resolution of the basic version, in Bark.
const BARK_STEP: f64 = 0.25;
const LOWEST_HZ: f64 = 80.0;
const HIGHEST_HZ: f64 = 18_000.0;
/// PEAQ's frame at 48 kHz: 2048 samples (42.7 ms), hop half of it.
const FRAME_SECONDS: f64 = 2048.0 / 48_000.0;
/// A frame is "disturbed" when some band's NMR exceeds this (PEAQ's RelDistFrames).
pub const DISTURBED_DB: f64 = 1.5;
/// The smallest energy counted, as the standard floors it.
const FLOOR: f64 = 1e-12;

/// Bark from Hz, as the standard defines it.
fn bark(hz: f64) -> f64 {
    7.0 * (hz / 650.0).asinh()
}

fn hz_of_bark(z: f64) -> f64 {
    650.0 * (z / 7.0).sinh()
}

/// The outer and middle ear's gain at `hz`, in dB.
fn outer_ear_db(hz: f64) -> f64 {
    let khz = hz.max(20.0) / 1000.0;
    -0.6 * 3.64 * khz.powf(-0.8) + 6.5 * (-0.6 * (khz - 3.3).powi(2)).exp() - 1e-3 * khz.powf(3.6)
}

/// The ear's internal noise at `hz`, as a power at the model's level.
fn internal_noise(hz: f64) -> f64 {
    10f64.powf(0.4 * 3.64 * (hz / 1000.0).powf(-0.8) / 10.0)
}

/// One critical band: its edges and centre, and the FFT bins it collects with their weights
/// (the share of each bin's width inside the band).
#[derive(Debug, Clone)]
struct Band {
    centre_hz: f64,
    bins: Vec<(usize, f64)>,
    /// The internal noise, the mask offset (linear) and the forward-masking smoothing weight.
    noise: f64,
    mask_offset: f64,
    smoothing: f64,
}

/// The NMR of one frame, band by band.
#[derive(Debug, Clone, Copy)]
pub struct NmrFrame<'a> {
    /// The frame's centre, in seconds from the start.
    pub centre_seconds: f64,
    /// Each band's NMR in dB, lowest band first.
    pub band_nmr_db: &'a [f64],
}

/// The ear model, fed block by block.
pub struct NoiseToMask {
    sample_rate_hz: u32,
    frame: usize,
    hop: usize,
    fft: Arc<dyn RealToComplex<f64>>,
    window: Vec<f64>,
    /// Each bin's amplitude factor: the level calibration times the outer ear.
    bin_gain: Vec<f64>,
    bands: Vec<Band>,
    /// The spreading's normalisation per band: the spread of a flat 0 dB spectrum.
    spread_norm: Vec<f64>,
    /// The reference and degraded samples not yet framed.
    pending: [Vec<f64>; 2],
    /// Frames done so far.
    frames: usize,
    /// The forward-masking state per band.
    smoothed: Vec<f64>,
    scratch: Scratch,
}

impl std::fmt::Debug for NoiseToMask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoiseToMask").field("sample_rate_hz", &self.sample_rate_hz).field("frame", &self.frame).finish()
    }
}

#[derive(Debug, Default)]
struct Scratch {
    input: Vec<f64>,
    spectrum: Vec<Complex<f64>>,
    magnitudes: [Vec<f64>; 2],
    energy: Vec<f64>,
    noise: Vec<f64>,
    excitation: Vec<f64>,
    nmr_db: Vec<f64>,
}

impl NoiseToMask {
    /// The model at `sample_rate_hz` (8 kHz or more); `None` below.
    pub fn new(sample_rate_hz: u32) -> Option<Self> {
        if sample_rate_hz < 8_000 {
            return None;
        }
        let rate = f64::from(sample_rate_hz);
        let frame = ((FRAME_SECONDS * rate / 2.0).round() as usize) * 2;
        let hop = frame / 2;
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(frame);
        let window: Vec<f64> = (0..frame)
            .map(|n| 0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / (frame - 1) as f64).cos())
            .collect();
        // A full-scale sine's peak bin is amplitude × Σwindow ÷ 2; that reads FULL_SCALE_DB_SPL.
        let calibration = 10f64.powf(FULL_SCALE_DB_SPL / 20.0) / (window.iter().sum::<f64>() / 2.0);
        let bin_hz = rate / frame as f64;
        let bin_gain =
            (0..=frame / 2).map(|k| calibration * 10f64.powf(outer_ear_db(k as f64 * bin_hz) / 20.0)).collect();
        let highest = HIGHEST_HZ.min(rate / 2.0 * 0.98);
        let (low, high) = (bark(LOWEST_HZ), bark(highest));
        // The last band ends at the top frequency, as the standard's table does (109 at 48 kHz).
        let count = ((high - low) / BARK_STEP).ceil() as usize;
        let hop_seconds = hop as f64 / rate;
        let bands: Vec<Band> = (0..count)
            .map(|index| {
                let (z0, z1) = (low + index as f64 * BARK_STEP, low + (index + 1) as f64 * BARK_STEP);
                let (f0, f1) = (hz_of_bark(z0), hz_of_bark(z1.min(high)));
                let centre_hz = hz_of_bark((z0 + z1.min(high)) / 2.0);
                let bins = (0..=frame / 2)
                    .filter_map(|k| {
                        let (b0, b1) = ((k as f64 - 0.5) * bin_hz, (k as f64 + 0.5) * bin_hz);
                        let overlap = (b1.min(f1) - b0.max(f0)).max(0.0) / bin_hz;
                        (overlap > 0.0).then_some((k, overlap))
                    })
                    .collect();
                // The mask lies 3 dB under the excitation up to 12 Bark, more above.
                let offset_db = if index as f64 * BARK_STEP <= 12.0 { 3.0 } else { 0.25 * index as f64 * BARK_STEP };
                // Forward masking's time constant: 30 ms at 100 Hz falling towards 8 ms.
                let tau = 0.008 + 100.0 / centre_hz * (0.030 - 0.008);
                Band {
                    centre_hz,
                    bins,
                    noise: internal_noise(centre_hz),
                    mask_offset: 10f64.powf(offset_db / 10.0),
                    smoothing: (-hop_seconds / tau).exp(),
                }
            })
            .collect();
        let mut model = Self {
            sample_rate_hz,
            frame,
            hop,
            fft,
            window,
            bin_gain,
            spread_norm: vec![1.0; bands.len()],
            smoothed: vec![0.0; bands.len()],
            bands,
            pending: [Vec::with_capacity(frame * 2), Vec::with_capacity(frame * 2)],
            frames: 0,
            scratch: Scratch::default(),
        };
        let flat = vec![1.0; model.bands.len()];
        let mut norm = vec![0.0; model.bands.len()];
        model.spread(&flat, &mut norm);
        model.spread_norm = norm;
        Some(model)
    }

    /// The bands' centre frequencies, lowest first.
    pub fn band_centres_hz(&self) -> Vec<f64> {
        self.bands.iter().map(|band| band.centre_hz).collect()
    }

    /// The time between frames, in seconds.
    pub fn hop_seconds(&self) -> f64 {
        self.hop as f64 / f64::from(self.sample_rate_hz)
    }

    /// Adds the next samples of both signals (mono, the same number of each) and hands each
    /// frame completed to `frame_done`.
    pub fn push(&mut self, reference: &[f32], degraded: &[f32], mut frame_done: impl FnMut(NmrFrame<'_>)) {
        let n = reference.len().min(degraded.len());
        self.pending[0].extend(reference[..n].iter().map(|&x| f64::from(x)));
        self.pending[1].extend(degraded[..n].iter().map(|&x| f64::from(x)));
        while self.pending[0].len() >= self.frame {
            self.analyse_frame();
            let centre_seconds = (self.frames * self.hop + self.frame / 2) as f64 / f64::from(self.sample_rate_hz);
            self.frames += 1;
            frame_done(NmrFrame { centre_seconds, band_nmr_db: &self.scratch.nmr_db });
            for pending in &mut self.pending {
                pending.drain(..self.hop);
            }
        }
    }

    fn analyse_frame(&mut self) {
        let bands = self.bands.len();
        let mut scratch = std::mem::take(&mut self.scratch);
        for (which, magnitudes) in scratch.magnitudes.iter_mut().enumerate() {
            scratch.input.clear();
            scratch.input.extend(self.pending[which][..self.frame].iter().zip(&self.window).map(|(x, w)| x * w));
            scratch.spectrum.resize(self.frame / 2 + 1, Complex::default());
            // Lengths are the plan's own: cannot fail.
            let _ = self.fft.process(&mut scratch.input, &mut scratch.spectrum);
            magnitudes.clear();
            magnitudes.extend(scratch.spectrum.iter().zip(&self.bin_gain).map(|(c, g)| c.norm() * g));
        }
        let [reference, degraded] = &scratch.magnitudes;
        scratch.energy.clear();
        scratch.noise.clear();
        for band in &self.bands {
            let (mut energy, mut noise) = (0.0, 0.0);
            for &(bin, share) in &band.bins {
                energy += share * reference[bin] * reference[bin];
                let difference = reference[bin] - degraded[bin];
                noise += share * difference * difference;
            }
            scratch.energy.push(energy.max(FLOOR) + band.noise);
            scratch.noise.push(noise.max(FLOOR));
        }
        scratch.excitation.resize(bands, 0.0);
        self.spread(&scratch.energy, &mut scratch.excitation);
        scratch.nmr_db.clear();
        for (index, band) in self.bands.iter().enumerate() {
            let excitation = scratch.excitation[index] / self.spread_norm[index];
            // Forward masking: a decaying memory of earlier frames, never below the present.
            let smoothed = band.smoothing * self.smoothed[index] + (1.0 - band.smoothing) * excitation;
            self.smoothed[index] = smoothed;
            let mask = smoothed.max(excitation) / band.mask_offset;
            scratch.nmr_db.push(10.0 * (scratch.noise[index] / mask).log10());
        }
        self.scratch = scratch;
    }

    /// Simultaneous masking: each band's energy spread to the others with slopes of 27 dB per
    /// Bark downwards and 24 + 230 / f − 0.2·L dB per Bark upwards, each masker's spread summing
    /// to its energy, added with the standard's exponent of 0.4.
    fn spread(&self, energy: &[f64], into: &mut [f64]) {
        const EXPONENT: f64 = 0.4;
        into.iter_mut().for_each(|x| *x = 0.0);
        let lower = 10f64.powf(-2.7 * BARK_STEP);
        for (masker, (&e, band)) in energy.iter().zip(&self.bands).enumerate() {
            let level_db = 10.0 * e.max(FLOOR).log10();
            let upper_db_per_bark = 24.0 + 230.0 / band.centre_hz - 0.2 * level_db;
            let upper = 10f64.powf(-upper_db_per_bark.max(0.0) / 10.0 * BARK_STEP);
            // The slopes' sum over every band, so that the spread keeps the masker's energy.
            let below: f64 = (1..=masker).map(|d| lower.powi(d as i32)).sum();
            let above: f64 = (1..energy.len() - masker).map(|d| upper.powi(d as i32)).sum();
            let total = 1.0 + below + above;
            let mut weight = 1.0 / total;
            for target in (0..=masker).rev() {
                into[target] += (e * weight).powf(EXPONENT);
                weight *= lower;
            }
            let mut weight = upper / total;
            for target in into.iter_mut().skip(masker + 1) {
                *target += (e * weight).powf(EXPONENT);
                weight *= upper;
            }
        }
        into.iter_mut().for_each(|x| *x = x.powf(1.0 / EXPONENT));
    }
}

/// A file's NMR in two numbers, as PEAQ reports them: the total NMR (the mean over frames and
/// bands of noise ÷ mask, in dB) and the share of disturbed frames (some band above 1.5 dB).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NmrSummary {
    ratio_sum: f64,
    disturbed: usize,
    frames: usize,
}

impl NmrSummary {
    pub fn add(&mut self, frame: NmrFrame<'_>) {
        let bands = frame.band_nmr_db.len().max(1) as f64;
        self.ratio_sum += frame.band_nmr_db.iter().map(|db| 10f64.powf(db / 10.0)).sum::<f64>() / bands;
        self.disturbed += usize::from(frame.band_nmr_db.iter().any(|&db| db > DISTURBED_DB));
        self.frames += 1;
    }

    /// The total NMR in dB; `None` before any frame.
    pub fn total_db(&self) -> Option<f64> {
        (self.frames > 0).then(|| 10.0 * (self.ratio_sum / self.frames as f64).log10())
    }

    /// The share of frames with an audible change somewhere, 0 to 1.
    pub fn disturbed_share(&self) -> Option<f64> {
        (self.frames > 0).then(|| self.disturbed as f64 / self.frames as f64)
    }

    pub fn frames(&self) -> usize {
        self.frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 48_000;

    /// A sine at `db_spl` on the model's scale.
    fn tone(hz: f64, db_spl: f64, seconds: f64) -> Vec<f32> {
        let amplitude = 10f64.powf((db_spl - FULL_SCALE_DB_SPL) / 20.0);
        let n = (seconds * f64::from(RATE)) as usize;
        (0..n)
            .map(|i| (amplitude * (2.0 * std::f64::consts::PI * hz * i as f64 / f64::from(RATE)).sin()) as f32)
            .collect()
    }

    /// Noise in `band_hz` at `db_spl` (its RMS as a sine of that level would have): a sum of
    /// sines with fixed pseudo-random phases, 50 Hz apart so that each frame's spectrum resolves
    /// them and the noise's level holds steady from frame to frame.
    fn narrow_noise(band_hz: (f64, f64), db_spl: f64, seconds: f64) -> Vec<f32> {
        let n = (seconds * f64::from(RATE)) as usize;
        let freqs: Vec<f64> = (0..).map(|k| band_hz.0 + 50.0 * k as f64).take_while(|&f| f <= band_hz.1).collect();
        let amplitude = 10f64.powf((db_spl - FULL_SCALE_DB_SPL) / 20.0) / (freqs.len() as f64).sqrt();
        let mut phase_seed = 12345u64;
        let phases: Vec<f64> = freqs
            .iter()
            .map(|_| {
                phase_seed = phase_seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (phase_seed >> 11) as f64 / (1u64 << 53) as f64 * std::f64::consts::TAU
            })
            .collect();
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(RATE);
                let sum: f64 = freqs.iter().zip(&phases).map(|(f, p)| (std::f64::consts::TAU * f * t + p).sin()).sum();
                (amplitude * sum) as f32
            })
            .collect()
    }

    /// The highest NMR of any band near `hz` over the steady frames, and the summary.
    fn nmr_near(reference: &[f32], degraded: &[f32], hz: (f64, f64)) -> (f64, NmrSummary) {
        let mut model = NoiseToMask::new(RATE).unwrap();
        let centres = model.band_centres_hz();
        let mut worst = f64::NEG_INFINITY;
        let mut summary = NmrSummary::default();
        model.push(reference, degraded, |frame| {
            summary.add(frame);
            if frame.centre_seconds > 0.2 {
                for (centre, &db) in centres.iter().zip(frame.band_nmr_db) {
                    if (hz.0..=hz.1).contains(centre) {
                        worst = worst.max(db);
                    }
                }
            }
        });
        (worst, summary)
    }

    fn add(a: &[f32], b: &[f32]) -> Vec<f32> {
        a.iter().zip(b).map(|(x, y)| x + y).collect()
    }

    #[test]
    fn noise_under_a_tones_mask_is_masked_and_20_db_louder_is_audible() {
        let masker = tone(1000.0, 70.0, 1.0);
        let band = (1050.0, 1150.0);
        let quiet = add(&masker, &narrow_noise(band, 40.0, 1.0));
        let loud = add(&masker, &narrow_noise(band, 60.0, 1.0));
        let (quiet_db, _) = nmr_near(&masker, &quiet, band);
        let (loud_db, loud_summary) = nmr_near(&masker, &loud, band);
        println!("noise 30 dB under the tone: NMR {quiet_db:.1} dB; 10 dB under: {loud_db:.1} dB");
        assert!(quiet_db < -6.0, "{quiet_db}");
        assert!(loud_db > 3.0, "{loud_db}");
        assert!((loud_db - quiet_db - 20.0).abs() < 3.0, "{quiet_db} {loud_db}");
        let share = loud_summary.disturbed_share().unwrap();
        println!("disturbed frames {share:.2}");
        assert!(share > 0.9, "{share}");
    }

    #[test]
    fn a_tone_below_the_threshold_in_quiet_is_inaudible_and_above_it_audible() {
        let silence = vec![0.0f32; RATE as usize];
        let (faint, faint_summary) = nmr_near(&silence, &tone(4000.0, -20.0, 1.0), (3500.0, 4500.0));
        let (clear, _) = nmr_near(&silence, &tone(4000.0, 30.0, 1.0), (3500.0, 4500.0));
        println!("a 4 kHz tone in silence: at -20 dB SPL NMR {faint:.1} dB, at 30 dB SPL {clear:.1} dB");
        assert!(faint < -6.0, "{faint}");
        assert!(clear > 10.0, "{clear}");
        assert_eq!(faint_summary.disturbed_share(), Some(0.0));
    }

    #[test]
    fn an_unchanged_signal_has_nothing_audible() {
        let music = add(&tone(440.0, 70.0, 1.0), &narrow_noise((2000.0, 6000.0), 50.0, 1.0));
        let (worst, summary) = nmr_near(&music, &music, (0.0, 20_000.0));
        assert!(worst < -60.0, "{worst}");
        assert_eq!(summary.disturbed_share(), Some(0.0));
        assert!(summary.total_db().unwrap() < -60.0);
    }

    #[test]
    fn the_bands_are_a_quarter_bark_from_80_hz_to_18_khz() {
        let model = NoiseToMask::new(RATE).unwrap();
        let centres = model.band_centres_hz();
        assert_eq!(centres.len(), 109, "PEAQ's basic version has 109 bands");
        assert!(centres[0] > 80.0 && centres[0] < 100.0 && *centres.last().unwrap() < 18_000.0);
        // At 16 kHz the bands stop under the Nyquist frequency.
        let narrow = NoiseToMask::new(16_000).unwrap().band_centres_hz();
        assert!(*narrow.last().unwrap() < 8_000.0 && narrow.len() < 109);
        assert!(NoiseToMask::new(4_000).is_none());
    }
}
