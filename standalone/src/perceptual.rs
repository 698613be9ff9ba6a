//! The perceptual score in the app's outputs: which model a render is scored with, the
//! figures as stats keep them, and the summary's line. The measure itself is
//! `roundtrip_quality`'s.

use std::fmt::Write as _;

use clap::ValueEnum;
use roundtrip_codec::Application;
use roundtrip_quality::{FileScore, Mode, QualityError};
use serde::{Deserialize, Serialize};

/// The metric's name as the outputs give it.
pub const METRIC: &str = "ViSQOL v3";

/// Which model of listening scores a render (`--quality-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum QualityMode {
    /// Speech for the VoIP application, audio otherwise.
    #[default]
    Auto,
    /// Wideband speech (16 kHz, voice activity only).
    Speech,
    /// Fullband audio (48 kHz).
    Audio,
    /// No perceptual score (faster).
    Off,
}

impl QualityMode {
    /// The model for a render coded for `application`; `None` for off.
    pub fn resolve(self, application: Application) -> Option<Mode> {
        match self {
            Self::Auto if application == Application::Voip => Some(Mode::Speech),
            Self::Auto | Self::Audio => Some(Mode::Audio),
            Self::Speech => Some(Mode::Speech),
            Self::Off => None,
        }
    }
}

/// A render's perceptual score, as stats keep it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Perceptual {
    /// `ViSQOL v3`.
    pub metric: String,
    /// `speech` or `audio`.
    pub mode: String,
    /// How similarity became MOS: `lattice` (speech) or `SVR` (audio), the reference's defaults.
    #[serde(default)]
    pub mapping: String,
    /// MOS-LQO, 1 to 5; absent when the file could not be scored.
    pub mos_lqo: Option<f64>,
    /// The mean similarity of the bands (ViSQOL's VNSIM), 0 to 1.
    pub similarity: Option<f64>,
    /// Why there is no score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_scored: Option<String>,
    /// The score of each 10 s segment: over time.
    #[serde(default)]
    pub segments: Vec<PerceptualSegment>,
}

/// One segment's score; `mos_lqo` is absent for a segment with too little sound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PerceptualSegment {
    pub start_seconds: f64,
    pub seconds: f64,
    pub mos_lqo: Option<f64>,
}

impl Perceptual {
    /// The figures of a scorer's result in `mode`.
    pub fn from_result(mode: Mode, result: Result<FileScore, QualityError>) -> Self {
        let base = Self {
            metric: METRIC.to_owned(),
            mode: mode.key().to_owned(),
            mapping: mode.mapping().to_owned(),
            mos_lqo: None,
            similarity: None,
            not_scored: None,
            segments: Vec::new(),
        };
        match result {
            Ok(score) => Self {
                mos_lqo: Some(score.mos),
                similarity: Some(score.similarity),
                segments: score
                    .segments
                    .iter()
                    .map(|segment| PerceptualSegment {
                        start_seconds: segment.start_seconds,
                        seconds: segment.seconds,
                        mos_lqo: segment.score.as_ref().ok().map(|score| score.mos),
                    })
                    .collect(),
                ..base
            },
            Err(why) => Self { not_scored: Some(why.to_string()), ..base },
        }
    }

    /// The summary's line: the score first, with what its scale means.
    pub fn describe(&self, text: &mut String) {
        match (self.mos_lqo, &self.not_scored) {
            (Some(mos), _) => {
                let _ = writeln!(
                    text,
                    "  quality    MOS-LQO {mos:.2}, {} ({METRIC}, {} mode, {} mapping; a model of listeners: 1 bad, 2 poor, 3 fair, 4 good, 5 excellent)",
                    roundtrip_quality::mapping::opinion(mos),
                    self.mode,
                    self.mapping
                );
            }
            (None, why) => {
                let why = why.as_deref().unwrap_or("not measured");
                let _ = writeln!(text, "  quality    no perceptual score: {why}");
            }
        }
    }
}
