//! The whole measure: ViSQOL v3 (Chinen et al., "ViSQOL v3: an open source production ready
//! objective speech and audio metric", QoMEX 2020; Hines et al., "ViSQOL: an objective speech
//! quality model", EURASIP J. Audio, Speech, and Music Processing, 2015), full-reference, from
//! the two signals to a MOS-LQO with its band similarities and its patches over time.

use std::fmt;

use crate::alignment::globally_align;
use crate::gammatone::{FilterBank, frame_and_hop, prepare_for_comparison, spectrogram};
use crate::mapping::{audio_mos, speech_mos};
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
    let rate = f64::from(mode.sample_rate_hz());
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

    let band_similarities = pooled_band_similarities(&patches, bank.len());
    let (mos, similarity) = mos_of(mode, &band_similarities);
    Ok(Score { mode, mos, similarity, band_similarities, band_centres_hz: bank.centres_hz().to_vec(), patches })
}

/// Each band's mean similarity over `patches` (ViSQOL's FVNSIM).
pub(crate) fn pooled_band_similarities<'a>(
    patches: impl IntoIterator<Item = &'a MatchedPatch>,
    bands: usize,
) -> Vec<f64> {
    let mut sums = vec![0.0; bands];
    let mut count = 0usize;
    for patch in patches {
        for (sum, &mean) in sums.iter_mut().zip(&patch.similarity.band_means) {
            *sum += mean;
        }
        count += 1;
    }
    sums.iter_mut().for_each(|sum| *sum /= count.max(1) as f64);
    sums
}

/// The MOS and the mean similarity (VNSIM) of the band similarities, in `mode`.
pub(crate) fn mos_of(mode: Mode, band_similarities: &[f64]) -> (f64, f64) {
    let similarity = band_similarities.iter().sum::<f64>() / band_similarities.len().max(1) as f64;
    let mos = match mode {
        Mode::Speech => speech_mos(band_similarities),
        Mode::Audio => audio_mos(band_similarities).unwrap_or(1.0),
    };
    // Nothing alike at all is the worst score, whatever the mapping says.
    (if similarity < 0.15 { 1.0 } else { mos }, similarity)
}
