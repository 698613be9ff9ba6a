//! The report's spectrograms: short-time spectra over a whole render, in dBFS, and their colours.

use roundtrip_signal::spectrum::SpectrumAnalyser;

/// Levels below this are drawn as black.
pub const FLOOR_DB: f32 = -110.0;

/// Magnitudes in dBFS on a grid of time columns × frequency bins.
#[derive(Debug, Clone)]
pub struct Spectrogram {
    /// `columns × bins` values, column after column.
    levels_db: Vec<f32>,
    /// Time columns.
    pub columns: usize,
    /// Frequency bins from 0 Hz to the Nyquist frequency.
    pub bins: usize,
}

impl Spectrogram {
    /// The spectrogram of the mono mix of `samples` (interleaved, `channels` wide), with about
    /// `columns` time columns. Windows of 1024 samples at 48 kHz (scaled with the rate, ~21 ms)
    /// with a Hann window; a full-scale sine reads 0 dBFS.
    pub fn of(samples: &[f32], channels: usize, sample_rate_hz: u32, columns: usize) -> Self {
        let mono: Vec<f32> =
            samples.chunks_exact(channels.max(1)).map(|frame| frame.iter().sum::<f32>() / frame.len() as f32).collect();
        let size = ((sample_rate_hz as usize * 1024 / 48_000).next_power_of_two()).clamp(256, 4096);
        let mut analyser = SpectrumAnalyser::new(size);
        let bins = analyser.bins();
        let columns = columns.max(1);
        let mut levels_db = Vec::with_capacity(columns * bins);
        let span = mono.len().saturating_sub(size);
        for column in 0..columns {
            let start = if columns > 1 { span * column / (columns - 1) } else { 0 };
            analyser.analyse(mono.iter().skip(start).copied());
            levels_db.extend(analyser.levels_dbfs().map(|db| db.max(FLOOR_DB)));
        }
        Self { levels_db, columns, bins }
    }

    /// The level at a column and bin.
    pub fn level_db(&self, column: usize, bin: usize) -> f32 {
        self.levels_db[column.min(self.columns - 1) * self.bins + bin.min(self.bins - 1)]
    }
}

/// A perceptually ordered colour map, black → purple → red → yellow → white, for `db` between
/// [`FLOOR_DB`] and 0.
pub fn colour(db: f32) -> (u8, u8, u8) {
    const STOPS: [(f32, [f32; 3]); 5] = [
        (0.0, [0.0, 0.0, 0.0]),
        (0.3, [80.0, 18.0, 123.0]),
        (0.6, [220.0, 60.0, 60.0]),
        (0.85, [252.0, 200.0, 40.0]),
        (1.0, [255.0, 255.0, 230.0]),
    ];
    let t = ((db - FLOOR_DB) / -FLOOR_DB).clamp(0.0, 1.0);
    let upper = STOPS.iter().position(|&(at, _)| at >= t).unwrap_or(STOPS.len() - 1).max(1);
    let ((a, from), (b, to)) = (STOPS[upper - 1], STOPS[upper]);
    let f = if b > a { (t - a) / (b - a) } else { 0.0 };
    let mix = |i: usize| (from[i] + (to[i] - from[i]) * f).round() as u8;
    (mix(0), mix(1), mix(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_scale_sine_reads_0_dbfs_in_its_bin() {
        let rate = 48_000;
        let bin = 64; // 64 × 48000 / 1024 = 3 kHz, centred in its bin
        let sine: Vec<f32> =
            (0..rate).map(|n| (2.0 * std::f32::consts::PI * bin as f32 * n as f32 / 1024.0).sin()).collect();
        let spectrogram = Spectrogram::of(&sine, 1, rate as u32, 4);
        assert!(spectrogram.level_db(1, bin).abs() < 0.1, "{}", spectrogram.level_db(1, bin));
        assert!(spectrogram.level_db(1, bin * 3) < -60.0);
    }
}
