//! What a render and a report measure of the decoded audio against its input, block by block,
//! in memory independent of the length: the quality figures, the perceptual score, where the
//! change is audible, and the report's three spectrograms (input, decoded, difference).
//!
//! The output gain is applied after the decoder, so the decoded audio is compared with the input
//! at that gain: the figures measure the codec, not the level the user chose for the output.

use roundtrip_quality::{FileScore, FileScorer, Mode, QualityError};
use roundtrip_signal::peaks::PeakMeter;
use roundtrip_signal::running::RunningQuality;

use crate::audibility::{Audibility, AudibilityBuilder, AudibilityMap};
use crate::plot::SPECTROGRAM_COLUMNS;
use crate::spectrogram::{Spectrogram, SpectrogramBuilder};
use crate::stats::{PeakFigures, Quality};

/// The measures being taken.
#[derive(Debug)]
pub struct Analysis {
    quality: Option<RunningQuality>,
    /// The input's peaks and the decoded audio's, with the quality figures.
    peaks: Option<[PeakMeter; 2]>,
    spectrograms: Option<[SpectrogramBuilder; 3]>,
    /// The output gain, linear: the input is compared at this level.
    reference_gain: f32,
    /// The latest block's input at the output gain (empty at unity, where the input is used).
    reference: Vec<f32>,
    /// The latest block's difference, input at the output gain − decoded.
    difference: Vec<f32>,
    /// The output gain in dB, for the peak figures.
    output_gain_db: f32,
    /// The perceptual score.
    perceptual: Option<(Mode, FileScorer)>,
    /// Where the change is audible (with the quality figures; its map with the spectrograms).
    audibility: Option<AudibilityBuilder>,
    /// The latest block of each signal mixed to mono, for the two listener models.
    mono: [Vec<f32>; 2],
    channels: usize,
}

/// What [`Analysis::finish`] gives: the figures that were asked for.
#[derive(Debug)]
pub struct Analysed {
    pub quality: Option<Quality>,
    pub spectrograms: Option<[Spectrogram; 3]>,
    /// The perceptual score in its mode, or why there is none.
    pub perceptual: Option<(Mode, Result<FileScore, QualityError>)>,
    /// Where the change is audible, and the report's map of it.
    pub audibility: Option<Audibility>,
    pub audibility_map: Option<AudibilityMap>,
}

impl Analysis {
    /// Measures of `frames` frames of `channels` at `sample_rate_hz`, rendered with an output
    /// gain of `output_gain_db`: the quality figures if `quality`, the spectrograms if
    /// `spectrograms`, the perceptual score in `perceptual`'s mode; where the change is audible
    /// with the quality figures, mapped with the spectrograms. This allocates.
    pub fn new(
        (sample_rate_hz, channels, frames): (u32, usize, usize),
        output_gain_db: f32,
        quality: bool,
        spectrograms: bool,
        perceptual: Option<Mode>,
    ) -> Self {
        let builder = || SpectrogramBuilder::new(frames, channels, sample_rate_hz, SPECTROGRAM_COLUMNS);
        Self {
            quality: quality.then(|| Quality::running(sample_rate_hz)),
            peaks: quality
                .then(|| Some([PeakMeter::new(sample_rate_hz, channels)?, PeakMeter::new(sample_rate_hz, channels)?]))
                .flatten(),
            spectrograms: spectrograms.then(|| [builder(), builder(), builder()]),
            reference_gain: 10f32.powf(output_gain_db / 20.0),
            reference: Vec::new(),
            difference: Vec::new(),
            output_gain_db,
            perceptual: perceptual.map(|mode| (mode, FileScorer::new(sample_rate_hz, mode))),
            audibility: quality
                .then(|| AudibilityBuilder::new(sample_rate_hz, frames, spectrograms.then_some(SPECTROGRAM_COLUMNS)))
                .flatten(),
            mono: [Vec::new(), Vec::new()],
            channels: channels.max(1),
        }
    }

    /// Adds the next samples of the input and of the decoded audio; returns their difference
    /// (the input at the output gain − the decoded audio).
    pub fn push(&mut self, input: &[f32], decoded: &[f32]) -> &[f32] {
        let reference = if self.reference_gain == 1.0 {
            input
        } else {
            self.reference.clear();
            self.reference.extend(input.iter().map(|x| x * self.reference_gain));
            &self.reference
        };
        self.difference.clear();
        self.difference.extend(reference.iter().zip(decoded).map(|(x, y)| x - y));
        if let Some(quality) = &mut self.quality {
            quality.push(reference, decoded);
        }
        // The input's peaks are what the encoder received: at its own level.
        if let Some([input_peaks, decoded_peaks]) = &mut self.peaks {
            input_peaks.push(input);
            decoded_peaks.push(decoded);
        }
        // Both listener models hear the two signals as listeners would, both channels together.
        if self.perceptual.is_some() || self.audibility.is_some() {
            let [mono_reference, mono_decoded] = &mut self.mono;
            let mix = |interleaved: &[f32], mono: &mut Vec<f32>| {
                mono.clear();
                let scale = 1.0 / self.channels as f32;
                mono.extend(interleaved.chunks_exact(self.channels).map(|frame| frame.iter().sum::<f32>() * scale));
            };
            mix(reference, mono_reference);
            mix(decoded, mono_decoded);
            if let Some((_, scorer)) = &mut self.perceptual {
                scorer.push(mono_reference, mono_decoded);
            }
            if let Some(audibility) = &mut self.audibility {
                audibility.push(mono_reference, mono_decoded);
            }
        }
        if let Some([input_spectrogram, decoded_spectrogram, difference_spectrogram]) = &mut self.spectrograms {
            input_spectrogram.push(input);
            decoded_spectrogram.push(decoded);
            difference_spectrogram.push(&self.difference);
        }
        &self.difference
    }

    /// The figures that were asked for.
    pub fn finish(self) -> Analysed {
        let gain_db = f64::from(self.output_gain_db);
        let peaks = self.peaks.map(|[input, decoded]| PeakFigures::new(&input.peaks(), &decoded.peaks(), gain_db));
        let (audibility, audibility_map) = self.audibility.map_or((None, None), AudibilityBuilder::finish);
        Analysed {
            quality: self.quality.map(|running| Quality::from_figures(&running.figures(), gain_db, peaks)),
            spectrograms: self.spectrograms.map(|builders| builders.map(SpectrogramBuilder::finish)),
            perceptual: self.perceptual.map(|(mode, scorer)| (mode, scorer.finish())),
            audibility,
            audibility_map,
        }
    }
}
