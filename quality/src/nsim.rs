//! The neurogram similarity index measure (NSIM; Hines and Harte, "Speech intelligibility
//! prediction using a Neurogram Similarity Index Measure", Speech Communication 54, 2012): SSIM's
//! intensity and structure terms over a 3×3 Gaussian neighbourhood of two spectrogram patches,
//! with ViSQOL's constants (intensity range 1, k = 0.01 and 0.03) and its edge handling (the
//! patch's border rows and columns repeated outward).

use crate::gammatone::Spectrogram;

/// The 3×3 window, a Gaussian of σ = 0.5 normalised to 1 (ViSQOL's values).
const WINDOW: [[f64; 3]; 3] = [
    [0.0113033910173052, 0.0838251475442633, 0.0113033910173052],
    [0.0838251475442633, 0.619485845753726, 0.0838251475442633],
    [0.0113033910173052, 0.0838251475442633, 0.0113033910173052],
];
const C1: f64 = 0.01 * 0.01;
const C3: f64 = 0.03 * 0.03 / 2.0;

/// A patch: `frames` consecutive frames of a spectrogram, zeros past either end.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    pub bands: usize,
    pub frames: usize,
    /// `values[frame * bands + band]`, as [`Spectrogram`].
    pub values: Vec<f64>,
}

impl Patch {
    /// Frames `start .. start + frames` of `spectrogram`; those beyond it are silence (0).
    pub fn of(spectrogram: &Spectrogram, start: isize, frames: usize) -> Self {
        let bands = spectrogram.bands;
        let mut values = vec![0.0; bands * frames];
        for offset in 0..frames {
            let frame = start + offset as isize;
            if frame >= 0 && (frame as usize) < spectrogram.frames {
                values[offset * bands..(offset + 1) * bands].copy_from_slice(spectrogram.frame(frame as usize));
            }
        }
        Self { bands, frames, values }
    }

    /// A whole spectrogram as one patch.
    pub fn whole(spectrogram: &Spectrogram) -> Self {
        Self { bands: spectrogram.bands, frames: spectrogram.frames, values: spectrogram.values.clone() }
    }

    fn at_clamped(&self, band: isize, frame: isize) -> f64 {
        let band = band.clamp(0, self.bands as isize - 1) as usize;
        let frame = frame.clamp(0, self.frames as isize - 1) as usize;
        self.values[frame * self.bands + band]
    }
}

/// What one patch comparison gives, per band.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchSimilarity {
    /// The mean of `band_means`: the patch's NSIM.
    pub similarity: f64,
    /// Each band's mean similarity over the patch's frames.
    pub band_means: Vec<f64>,
    /// Each band's standard deviation of similarity over the frames (unbiased).
    pub band_deviations: Vec<f64>,
    /// Each band's mean level in the degraded patch.
    pub band_degraded_levels: Vec<f64>,
}

/// The NSIM of two patches of the same shape.
pub fn similarity(reference: &Patch, degraded: &Patch) -> PatchSimilarity {
    let (bands, frames) = (reference.bands, reference.frames.min(degraded.frames));
    let mut band_means = vec![0.0; bands];
    let mut band_squares = vec![0.0; bands];
    let mut band_degraded_levels = vec![0.0; bands];
    for frame in 0..frames {
        for band in 0..bands {
            // The local means and (co)variances under the window.
            let (mut mu_r, mut mu_d, mut rr, mut dd, mut rd) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (i, row) in WINDOW.iter().enumerate() {
                for (j, &w) in row.iter().enumerate() {
                    let (b, f) = (band as isize + i as isize - 1, frame as isize + j as isize - 1);
                    let (r, d) = (reference.at_clamped(b, f), degraded.at_clamped(b, f));
                    mu_r += w * r;
                    mu_d += w * d;
                    rr += w * r * r;
                    dd += w * d * d;
                    rd += w * r * d;
                }
            }
            let (var_r, var_d, cov) = (rr - mu_r * mu_r, dd - mu_d * mu_d, rd - mu_r * mu_d);
            let intensity = (2.0 * mu_r * mu_d + C1) / (mu_r * mu_r + mu_d * mu_d + C1);
            let product = var_r * var_d;
            let structure = (cov + C3) / if product < 0.0 { C3 } else { product.sqrt() + C3 };
            let value = intensity * structure;
            band_means[band] += value;
            band_squares[band] += value * value;
            band_degraded_levels[band] += degraded.values[frame * bands + band];
        }
    }
    let n = frames as f64;
    let band_deviations = band_means
        .iter()
        .zip(&band_squares)
        .map(|(&sum, &squares)| if frames > 1 { ((squares - sum * sum / n) / (n - 1.0)).max(0.0).sqrt() } else { 0.0 })
        .collect();
    band_means.iter_mut().for_each(|sum| *sum /= n);
    band_degraded_levels.iter_mut().for_each(|sum| *sum /= n);
    let similarity = band_means.iter().sum::<f64>() / bands as f64;
    PatchSimilarity { similarity, band_means, band_deviations, band_degraded_levels }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(values: impl Fn(usize, usize) -> f64) -> Patch {
        let (bands, frames) = (8, 10);
        let mut data = vec![0.0; bands * frames];
        for frame in 0..frames {
            for band in 0..bands {
                data[frame * bands + band] = values(band, frame);
            }
        }
        Patch { bands, frames, values: data }
    }

    #[test]
    fn a_patch_is_wholly_similar_to_itself_and_less_to_a_changed_one() {
        let reference = patch(|band, frame| 20.0 + (band * 3 + frame * 7 % 5) as f64);
        let same = similarity(&reference, &reference);
        assert!((same.similarity - 1.0).abs() < 1e-12, "{same:?}");
        let louder = patch(|band, frame| reference.values[frame * 8 + band] + 6.0);
        let noisy =
            patch(|band, frame| reference.values[frame * 8 + band] + if (band + frame) % 2 == 0 { 4.0 } else { -4.0 });
        let (louder, noisy) = (similarity(&reference, &louder), similarity(&reference, &noisy));
        assert!(louder.similarity < 1.0 && louder.similarity > 0.95, "{louder:?}");
        assert!(noisy.similarity < louder.similarity, "{noisy:?} against {louder:?}");
        // Silence against sound is nothing alike.
        assert!(similarity(&reference, &patch(|_, _| 0.0)).similarity < 0.05);
    }
}
