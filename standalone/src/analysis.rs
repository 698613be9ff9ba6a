//! What a render and a report measure of the decoded audio against its input, block by block,
//! in memory independent of the length: the quality figures and the report's three spectrograms
//! (input, decoded, difference).

use roundtrip_signal::peaks::PeakMeter;
use roundtrip_signal::running::RunningQuality;

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
    /// The latest block's difference, input − decoded.
    difference: Vec<f32>,
}

impl Analysis {
    /// Measures of `frames` frames of `channels` at `sample_rate_hz`: the quality figures if
    /// `quality`, the spectrograms if `spectrograms`. This allocates.
    pub fn new((sample_rate_hz, channels, frames): (u32, usize, usize), quality: bool, spectrograms: bool) -> Self {
        let builder = || SpectrogramBuilder::new(frames, channels, sample_rate_hz, SPECTROGRAM_COLUMNS);
        Self {
            quality: quality.then(|| Quality::running(sample_rate_hz)),
            peaks: quality
                .then(|| Some([PeakMeter::new(sample_rate_hz, channels)?, PeakMeter::new(sample_rate_hz, channels)?]))
                .flatten(),
            spectrograms: spectrograms.then(|| [builder(), builder(), builder()]),
            difference: Vec::new(),
        }
    }

    /// Adds the next samples of the input and of the decoded audio; returns their difference.
    pub fn push(&mut self, input: &[f32], decoded: &[f32]) -> &[f32] {
        self.difference.clear();
        self.difference.extend(input.iter().zip(decoded).map(|(x, y)| x - y));
        if let Some(quality) = &mut self.quality {
            quality.push(input, decoded);
        }
        if let Some([input_peaks, decoded_peaks]) = &mut self.peaks {
            input_peaks.push(input);
            decoded_peaks.push(decoded);
        }
        if let Some([input_spectrogram, decoded_spectrogram, difference_spectrogram]) = &mut self.spectrograms {
            input_spectrogram.push(input);
            decoded_spectrogram.push(decoded);
            difference_spectrogram.push(&self.difference);
        }
        &self.difference
    }

    /// The quality figures and the spectrograms, those that were asked for.
    pub fn finish(self) -> (Option<Quality>, Option<[Spectrogram; 3]>) {
        let peaks = self.peaks.map(|[input, decoded]| PeakFigures::new(&input.peaks(), &decoded.peaks()));
        let quality = self.quality.map(|running| Quality::from_figures(&running.figures(), peaks));
        (quality, self.spectrograms.map(|builders| builders.map(SpectrogramBuilder::finish)))
    }
}
