//! A whole file's score, in bounded memory and time: the audio is scored in consecutive
//! segments of [`SEGMENT_SECONDS`], and the file's band similarities are the mean over every
//! patch of every segment, mapped to MOS once. The metric's authors advise scoring 3 to 10 s
//! and averaging; the segments also give the score over time.
//!
//! A file no longer than a segment and a half is scored as one, exactly as [`score`] would.

use crate::score::{MIN_SECONDS, Mode, QualityError, Score, mos_of, score};

/// The length of a segment.
pub const SEGMENT_SECONDS: f64 = 10.0;

/// One segment's score.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentScore {
    /// Where it starts in the file.
    pub start_seconds: f64,
    pub seconds: f64,
    /// Its score, or why it has none (a silent stretch has none, and does not count).
    pub score: Result<Score, QualityError>,
}

/// A file's score: over its segments with a score.
#[derive(Debug, Clone, PartialEq)]
pub struct FileScore {
    pub mode: Mode,
    pub mos: f64,
    pub similarity: f64,
    pub band_similarities: Vec<f64>,
    pub band_centres_hz: Vec<f64>,
    pub segments: Vec<SegmentScore>,
}

/// Takes the reference and degraded audio block by block (mono, at the file's rate), scoring
/// each segment as it fills.
#[derive(Debug)]
pub struct FileScorer {
    mode: Mode,
    sample_rate_hz: u32,
    segment_frames: usize,
    reference: Vec<f32>,
    degraded: Vec<f32>,
    start_frame: usize,
    segments: Vec<SegmentScore>,
}

impl FileScorer {
    pub fn new(sample_rate_hz: u32, mode: Mode) -> Self {
        let segment_frames = (SEGMENT_SECONDS * f64::from(sample_rate_hz)) as usize;
        Self {
            mode,
            sample_rate_hz,
            segment_frames,
            reference: Vec::with_capacity(segment_frames * 3 / 2),
            degraded: Vec::with_capacity(segment_frames * 3 / 2),
            start_frame: 0,
            segments: Vec::new(),
        }
    }

    /// Adds the next frames of both signals (the same number of each).
    pub fn push(&mut self, reference: &[f32], degraded: &[f32]) {
        self.reference.extend_from_slice(reference);
        self.degraded.extend_from_slice(&degraded[..degraded.len().min(reference.len())]);
        self.degraded.resize(self.reference.len(), 0.0);
        // A segment is scored once half another has arrived, so that the last is never short.
        while self.reference.len() >= self.segment_frames * 3 / 2 {
            self.score_segment(self.segment_frames);
        }
    }

    fn score_segment(&mut self, frames: usize) {
        let rate = f64::from(self.sample_rate_hz);
        let result = score(&self.reference[..frames], &self.degraded[..frames], self.sample_rate_hz, self.mode);
        self.segments.push(SegmentScore {
            start_seconds: self.start_frame as f64 / rate,
            seconds: frames as f64 / rate,
            score: result,
        });
        self.reference.drain(..frames);
        self.degraded.drain(..frames);
        self.start_frame += frames;
    }

    /// The file's score, or why it has none: too short, or no segment with enough sound.
    pub fn finish(mut self) -> Result<FileScore, QualityError> {
        if !self.reference.is_empty() {
            let frames = self.reference.len();
            self.score_segment(frames);
        }
        let scored: Vec<&Score> = self.segments.iter().filter_map(|segment| segment.score.as_ref().ok()).collect();
        let Some(first) = scored.first() else {
            let total: f64 = self.segments.iter().map(|segment| segment.seconds).sum();
            return Err(match self.segments.first().map(|segment| &segment.score) {
                _ if total < MIN_SECONDS => QualityError::TooShort { seconds: total },
                Some(Err(error)) => error.clone(),
                _ => QualityError::TooQuiet,
            });
        };
        let (mode, band_centres_hz) = (first.mode, first.band_centres_hz.clone());
        if let [only] = scored.as_slice() {
            let (mos, similarity, band_similarities) = (only.mos, only.similarity, only.band_similarities.clone());
            return Ok(FileScore {
                mode,
                mos,
                similarity,
                band_similarities,
                band_centres_hz,
                segments: self.segments,
            });
        }
        let patches = scored.iter().flat_map(|score| &score.patches);
        let (mos, similarity, band_similarities) = mos_of(mode, patches, band_centres_hz.len(), first.frame_seconds);
        Ok(FileScore { mode, mos, similarity, band_similarities, band_centres_hz, segments: self.segments })
    }
}
