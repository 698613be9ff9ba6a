//! Where the codec's change is audible, in the app's outputs: the noise-to-mask ratio of
//! `roundtrip_quality::masking` (PEAQ's ear model) summed up for the stats and the summary, and
//! kept per report column and band for the report's map.

use std::fmt::Write as _;

use roundtrip_quality::masking::{DISTURBED_DB, FULL_SCALE_DB_SPL, NmrSummary, NoiseToMask};
use serde::{Deserialize, Serialize};

/// The model's name as the outputs give it.
pub const MODEL: &str = "PEAQ basic ear model (ITU-R BS.1387)";

/// A render's audibility figures, as stats keep them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Audibility {
    pub model: String,
    /// The playback level assumed: a full-scale sine at this many dB SPL.
    pub full_scale_db_spl: f64,
    /// PEAQ's total NMR: noise over mask, averaged over frames and bands, in dB.
    pub nmr_total_db: f64,
    /// The share of frames where some band's noise exceeds its mask by 1.5 dB (PEAQ's
    /// relative disturbed frames), 0 to 100.
    pub disturbed_frames_percent: f64,
    /// The band audible in the most frames, by its centre; absent when none is.
    pub most_audible_hz: Option<f64>,
    pub frames: usize,
}

impl Audibility {
    /// The summary's line.
    pub fn describe(&self, text: &mut String) {
        let place = match self.most_audible_hz {
            Some(hz) if hz >= 1000.0 => format!(", most often near {:.1} kHz", hz / 1000.0),
            Some(hz) => format!(", most often near {hz:.0} Hz"),
            None => String::new(),
        };
        let _ = writeln!(
            text,
            "  audible    in {:.1} % of frames{place}; noise-to-mask {:.1} dB overall ({MODEL}, full scale at {:.0} dB SPL)",
            self.disturbed_frames_percent, self.nmr_total_db, self.full_scale_db_spl
        );
    }
}

/// The NMR map the report draws: per time column and band, the highest NMR of the frames in
/// that column (so that a short audible moment is not averaged away).
#[derive(Debug, Clone, PartialEq)]
pub struct AudibilityMap {
    pub columns: usize,
    pub band_centres_hz: Vec<f64>,
    /// `columns × bands`, column after column.
    nmr_db: Vec<f32>,
}

impl AudibilityMap {
    /// Columns between frames (a file with fewer frames than columns) show the frame before
    /// them; those before the first frame, the first.
    fn filled(mut self) -> Self {
        let bands = self.band_centres_hz.len();
        let first = (0..self.columns).find(|&column| !self.nmr_db[column * bands].is_nan());
        let Some(first) = first else { return self };
        for column in (0..self.columns).filter(|&column| column != first) {
            let source = if column < first { first } else { column - 1 };
            if self.nmr_db[column * bands].is_nan() {
                self.nmr_db.copy_within(source * bands..(source + 1) * bands, column * bands);
            }
        }
        self
    }

    pub fn nmr_db(&self, column: usize, band: usize) -> f32 {
        let bands = self.band_centres_hz.len();
        self.nmr_db[column.min(self.columns - 1) * bands + band.min(bands - 1)]
    }
}

/// Takes the input and decoded audio (mono) as they come.
#[derive(Debug)]
pub struct AudibilityBuilder {
    model: NoiseToMask,
    summary: NmrSummary,
    /// Frames in which each band was audible.
    audible_frames: Vec<usize>,
    map: Option<AudibilityMap>,
    seconds: f64,
}

impl AudibilityBuilder {
    /// For `total_frames` at `sample_rate_hz`, with a map of `columns` when `columns` is given;
    /// `None` at rates the model does not cover. This allocates.
    pub fn new(sample_rate_hz: u32, total_frames: usize, columns: Option<usize>) -> Option<Self> {
        let model = NoiseToMask::new(sample_rate_hz)?;
        let band_centres_hz = model.band_centres_hz();
        let bands = band_centres_hz.len();
        let map = columns.map(|columns| {
            let columns = columns.max(1);
            AudibilityMap { columns, nmr_db: vec![f32::NAN; columns * bands], band_centres_hz }
        });
        Some(Self {
            model,
            summary: NmrSummary::default(),
            audible_frames: vec![0; bands],
            map,
            seconds: (total_frames as f64 / f64::from(sample_rate_hz)).max(1e-9),
        })
    }

    pub fn push(&mut self, reference: &[f32], decoded: &[f32]) {
        let Self { model, summary, audible_frames, map, seconds } = self;
        model.push(reference, decoded, |frame| {
            summary.add(frame);
            for (count, &db) in audible_frames.iter_mut().zip(frame.band_nmr_db) {
                *count += usize::from(db > DISTURBED_DB);
            }
            if let Some(map) = map {
                let bands = map.band_centres_hz.len();
                let column = ((frame.centre_seconds / *seconds * map.columns as f64) as usize).min(map.columns - 1);
                for (cell, &db) in map.nmr_db[column * bands..][..bands].iter_mut().zip(frame.band_nmr_db) {
                    let db = db as f32;
                    if cell.is_nan() || db > *cell {
                        *cell = db;
                    }
                }
            }
        });
    }

    /// The figures (`None` for audio shorter than one frame) and the map, if one was asked for.
    pub fn finish(self) -> (Option<Audibility>, Option<AudibilityMap>) {
        let figures = self.summary.total_db().map(|nmr_total_db| {
            let centres = self.model.band_centres_hz();
            let most = self.audible_frames.iter().enumerate().max_by_key(|&(_, count)| *count);
            Audibility {
                model: MODEL.to_owned(),
                full_scale_db_spl: FULL_SCALE_DB_SPL,
                nmr_total_db,
                disturbed_frames_percent: 100.0 * self.summary.disturbed_share().unwrap_or(0.0),
                most_audible_hz: most.filter(|&(_, count)| *count > 0).map(|(band, _)| centres[band]),
                frames: self.summary.frames(),
            }
        });
        (figures, self.map.map(AudibilityMap::filled))
    }
}
