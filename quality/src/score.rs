//! The whole measure: ViSQOL v3 (Chinen et al., "ViSQOL v3: an open source production ready
//! objective speech and audio metric", QoMEX 2020; Hines et al., "ViSQOL: an objective speech
//! quality model", EURASIP J. Audio, Speech, and Music Processing, 2015), full-reference, from
//! the two signals to a MOS-LQO with its band similarities and its patches over time.

use std::fmt;

use crate::alignment::globally_align;
use crate::gammatone::{FilterBank, frame_and_hop, prepare_for_comparison, spectrogram};
use crate::lattice::{LatticeFeatures, lattice_mos};
use crate::mapping::audio_mos;
use crate::patches::{MatchedPatch, match_patches, realign, regular_patch_starts, voiced_patch_starts};
use crate::resample::resample;

/// Which model of listening: ViSQOL's two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Wideband speech: 16 kHz, 21 bands up to 8 kHz, patches with voice activity only.
    Speech,
    /// Fullband audio: 48 kHz, 32 bands up to 24 kHz, every patch.
    Audio,
}

impl Mode {
    /// The rate the model listens at; other rates are resampled to it.
    pub fn sample_rate_hz(self) -> u32 {
        match self {
            Self::Speech => 16_000,
            Self::Audio => 48_000,
        }
    }

    fn bands(self) -> usize {
        match self {
            Self::Speech => 21,
            Self::Audio => 32,
        }
    }

    fn max_frequency_hz(self) -> f64 {
        match self {
            Self::Speech => 8_000.0,
            Self::Audio => 24_000.0,
        }
    }

    fn patch_frames(self) -> usize {
        match self {
            Self::Speech => 20,
            Self::Audio => 30,
        }
    }

    /// The mapping from similarity to MOS this mode uses: the reference's defaults.
    pub fn mapping(self) -> &'static str {
        match self {
            Self::Speech => "lattice",
            Self::Audio => "SVR",
        }
    }

    /// The word the outputs use.
    pub fn key(self) -> &'static str {
        match self {
            Self::Speech => "speech",
            Self::Audio => "audio",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The shortest audio scored: the metric's authors advise 3 to 10 s with activity; under 3 s
/// a score is mostly noise.
pub const MIN_SECONDS: f64 = 3.0;
/// Ours, not the reference's: fewer patches than this (speech: with voice activity; a patch is
/// 0.4 s) make a score of a moment, not of the file.
const MIN_ACTIVE_PATCHES: usize = 3;

/// Why no score was given.
#[derive(Debug, Clone, PartialEq)]
pub enum QualityError {
    /// Shorter than [`MIN_SECONDS`].
    TooShort { seconds: f64 },
    /// The reference is silent, or (speech) has too few stretches with voice activity.
    TooQuiet,
    /// The degraded signal is silent where the reference is not: nothing can be compared.
    DegradedSilent,
    /// The two differ in rate, or a rate is not usable.
    Rates { reference_hz: u32, degraded_hz: u32 },
    /// A sample is NaN or infinite.
    NotFinite,
}

impl fmt::Display for QualityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { seconds } => {
                write!(f, "{seconds:.1} s is too short (a score needs {MIN_SECONDS} s or more)")
            }
            Self::TooQuiet => f.write_str("too little sound to score"),
            Self::DegradedSilent => f.write_str("the decoded audio is silent"),
            Self::Rates { reference_hz, degraded_hz } => {
                write!(f, "cannot score {degraded_hz} Hz against {reference_hz} Hz")
            }
            Self::NotFinite => f.write_str("a sample is not a number"),
        }
    }
}

impl std::error::Error for QualityError {}

/// A perceptual score and what it was made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub mode: Mode,
    /// MOS-LQO, 1 (bad) to 5 (excellent).
    pub mos: f64,
    /// The mean of `band_similarities` (ViSQOL's VNSIM), 0 to 1.
    pub similarity: f64,
    /// Each band's mean similarity over the patches (FVNSIM), lowest band first.
    pub band_similarities: Vec<f64>,
    /// The bands' centre frequencies.
    pub band_centres_hz: Vec<f64>,
    /// The patches compared, in time order.
    pub patches: Vec<MatchedPatch>,
    /// The spectrogram's hop: how the patches' lengths count frames when similarity deviations
    /// are pooled over patches.
    pub frame_seconds: f64,
}

/// Scores `degraded` against `reference`, both mono at `sample_rate_hz`.
pub fn score(reference: &[f32], degraded: &[f32], sample_rate_hz: u32, mode: Mode) -> Result<Score, QualityError> {
    if sample_rate_hz == 0 {
        return Err(QualityError::Rates { reference_hz: sample_rate_hz, degraded_hz: sample_rate_hz });
    }
    let seconds = reference.len() as f64 / f64::from(sample_rate_hz);
    if seconds < MIN_SECONDS {
        return Err(QualityError::TooShort { seconds });
    }
    if reference.iter().chain(degraded).any(|x| !x.is_finite()) {
        return Err(QualityError::NotFinite);
    }
    let rate = mode.sample_rate_hz();
    let reference = resample(reference, sample_rate_hz, rate)
        .ok_or(QualityError::Rates { reference_hz: sample_rate_hz, degraded_hz: sample_rate_hz })?;
    let degraded = resample(degraded, sample_rate_hz, rate)
        .ok_or(QualityError::Rates { reference_hz: sample_rate_hz, degraded_hz: sample_rate_hz })?;
    score_at_model_rate(&reference, &degraded, mode)
}

/// [`score`] for audio already at the mode's rate, in f64 as the reference computes.
pub fn score_at_model_rate(reference: &[f64], degraded: &[f64], mode: Mode) -> Result<Score, QualityError> {
    score_as_reference(reference, degraded, mode.sample_rate_hz(), mode)
}

/// The score as the reference implementation computes it: at the signals' own rate (it warns of
/// speech above 16 kHz and audio at other than 48 kHz, and scores them as they are), with no
/// shortest length but the few patches the measure needs. Its conformance values are made this
/// way; [`score`] resamples to the mode's rate and refuses clips too short to mean much.
pub fn score_as_reference(
    reference: &[f64],
    degraded: &[f64],
    sample_rate_hz: u32,
    mode: Mode,
) -> Result<Score, QualityError> {
    let rate = f64::from(sample_rate_hz);
    let rms = |signal: &[f64]| (signal.iter().map(|x| x * x).sum::<f64>() / signal.len().max(1) as f64).sqrt();
    if rms(reference) == 0.0 {
        return Err(QualityError::TooQuiet);
    }
    let (degraded, _lag) = globally_align(reference, degraded);
    let degraded_rms = rms(&degraded);
    if degraded_rms == 0.0 {
        return Err(QualityError::DegradedSilent);
    }
    // Level-matched to the reference: ViSQOL scores what changed besides loudness.
    let gain = rms(reference) / degraded_rms;
    let degraded: Vec<f64> = degraded.iter().map(|x| x * gain).collect();

    let bank = FilterBank::new(rate, mode.bands(), mode.max_frequency_hz());
    let too_short = || QualityError::TooShort { seconds: reference.len() as f64 / rate };
    let mut reference_spectrum = spectrogram(&bank, reference, rate).ok_or_else(too_short)?;
    let mut degraded_spectrum = spectrogram(&bank, &degraded, rate).ok_or(QualityError::DegradedSilent)?;
    prepare_for_comparison(&mut reference_spectrum, &mut degraded_spectrum);

    let (_, hop) = frame_and_hop(rate);
    let patch_frames = mode.patch_frames();
    let starts = match mode {
        Mode::Speech => voiced_patch_starts(reference_spectrum.frames, reference, hop, patch_frames),
        Mode::Audio => regular_patch_starts(reference_spectrum.frames, patch_frames).ok_or_else(too_short)?,
    };
    if starts.len() < MIN_ACTIVE_PATCHES {
        return Err(QualityError::TooQuiet);
    }
    let frame_seconds = hop as f64 / rate;
    let matched = match_patches(&reference_spectrum, &degraded_spectrum, &starts, patch_frames, frame_seconds)
        .ok_or(QualityError::DegradedSilent)?;
    let patches = realign(matched, reference, &degraded, &bank, rate).ok_or_else(too_short)?;

    let (mos, similarity, band_similarities) = mos_of(mode, &patches, bank.len(), frame_seconds);
    Ok(Score {
        mode,
        mos,
        similarity,
        band_similarities,
        band_centres_hz: bank.centres_hz().to_vec(),
        patches,
        frame_seconds,
    })
}

/// The features the speech mapping reads, over `patches`, as the reference pools them.
pub fn lattice_features(patches: &[&MatchedPatch], bands: usize, frame_seconds: f64) -> LatticeFeatures {
    let count = patches.len().max(1) as f64;
    let band_mean = |value: &dyn Fn(&MatchedPatch) -> f64| patches.iter().map(|p| value(p)).sum::<f64>() / count;
    let mean_similarity: Vec<f64> = (0..bands).map(|b| band_mean(&|p| p.similarity.band_means[b])).collect();
    let degraded_level = (0..bands).map(|b| band_mean(&|p| p.similarity.band_degraded_levels[b])).collect();
    // The mean of the lowest tenth (at least one) of the patches' similarities.
    let low_tenth_similarity = (0..bands)
        .map(|band| {
            let mut values: Vec<f64> = patches.iter().map(|p| p.similarity.band_means[band]).collect();
            values.sort_by(f64::total_cmp);
            let n = ((values.len() as f64 * 0.1) as usize).max(1).min(values.len().max(1));
            values.iter().take(n).sum::<f64>() / n as f64
        })
        .collect();
    // The deviation over every frame of every patch, pooled from each patch's mean and
    // deviation and its length in frames.
    let frames: Vec<f64> =
        patches.iter().map(|p| ((p.reference_seconds.1 - p.reference_seconds.0) / frame_seconds).ceil()).collect();
    let total: f64 = frames.iter().sum();
    let similarity_deviation = (0..bands)
        .map(|band| {
            let sum: f64 = patches
                .iter()
                .zip(&frames)
                .map(|(p, n)| {
                    let (mean, deviation) = (p.similarity.band_means[band], p.similarity.band_deviations[band]);
                    (n - 1.0) * deviation * deviation + n * mean * mean
                })
                .sum();
            let variance = (sum - mean_similarity[band] * mean_similarity[band] * total) / (total - 1.0);
            if variance > 0.0 { variance.sqrt() } else { 0.0 }
        })
        .collect();
    LatticeFeatures { mean_similarity, low_tenth_similarity, similarity_deviation, degraded_level }
}

/// The MOS, the mean similarity (VNSIM) and each band's similarity (FVNSIM) over `patches`, in
/// `mode`: speech through the reference's default lattice model, audio through its SVR.
pub(crate) fn mos_of<'a>(
    mode: Mode,
    patches: impl IntoIterator<Item = &'a MatchedPatch>,
    bands: usize,
    frame_seconds: f64,
) -> (f64, f64, Vec<f64>) {
    let patches: Vec<&MatchedPatch> = patches.into_iter().collect();
    let features = lattice_features(&patches, bands, frame_seconds);
    let similarity = features.mean_similarity.iter().sum::<f64>() / bands.max(1) as f64;
    let mos = match mode {
        Mode::Speech => lattice_mos(&features).unwrap_or(1.0),
        Mode::Audio => audio_mos(&features.mean_similarity).unwrap_or(1.0),
    };
    // Nothing alike at all is the worst score, whatever the mapping says.
    (if similarity < 0.15 { 1.0 } else { mos }, similarity, features.mean_similarity)
}
