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
    /// The level at a column and bin.
    pub fn level_db(&self, column: usize, bin: usize) -> f32 {
        self.levels_db[column.min(self.columns - 1) * self.bins + bin.min(self.bins - 1)]
    }
}

/// Builds a [`Spectrogram`] from a signal that arrives in blocks, holding about one window of
/// it: each column's window is analysed as soon as its samples are in. Windows of 1024 samples
/// at 48 kHz (scaled with the rate, ~21 ms) with a Hann window, evenly spread over the signal;
/// a full-scale sine reads 0 dBFS.
#[derive(Debug)]
pub struct SpectrogramBuilder {
    analyser: SpectrumAnalyser,
    channels: usize,
    columns: usize,
    /// Frames between the first and the last window's start.
    span: usize,
    next_column: usize,
    /// Mono samples from the next column's start on; `history_start` is the first one's frame.
    history: Vec<f32>,
    history_start: usize,
    /// Frames pushed so far.
    position: usize,
    levels_db: Vec<f32>,
}

impl SpectrogramBuilder {
    /// A builder for `total_frames` frames of `channels` interleaved channels, drawn in about
    /// `columns` columns. This allocates.
    pub fn new(total_frames: usize, channels: usize, sample_rate_hz: u32, columns: usize) -> Self {
        let size = ((sample_rate_hz as usize * 1024 / 48_000).next_power_of_two()).clamp(256, 4096);
        let analyser = SpectrumAnalyser::new(size);
        let columns = columns.max(1);
        Self {
            levels_db: Vec::with_capacity(columns * analyser.bins()),
            history: Vec::with_capacity(2 * size),
            analyser,
            channels: channels.max(1),
            columns,
            span: total_frames.saturating_sub(size),
            next_column: 0,
            history_start: 0,
            position: 0,
        }
    }

    /// The first frame of `column`'s window.
    fn start_of(&self, column: usize) -> usize {
        if self.columns > 1 { self.span * column / (self.columns - 1) } else { 0 }
    }

    /// Adds the next interleaved samples.
    pub fn push(&mut self, samples: &[f32]) {
        if self.next_column == self.columns {
            // Every column is done: nothing more is kept.
            return;
        }
        for frame in samples.chunks_exact(self.channels) {
            let mono = frame.iter().sum::<f32>() / frame.len() as f32;
            if self.position >= self.history_start {
                self.history.push(mono);
            }
            self.position += 1;
            self.analyse_ready(false);
        }
    }

    /// Analyses every column whose window is complete (or, at the `end`, every column left,
    /// zero-padded), and drops the samples no later column needs.
    fn analyse_ready(&mut self, end: bool) {
        let size = self.analyser.size();
        while self.next_column < self.columns {
            let start = self.start_of(self.next_column);
            if !end && start + size > self.position {
                break;
            }
            let offset = start - self.history_start;
            self.analyser.analyse(self.history.iter().skip(offset).take(size).copied());
            self.levels_db.extend(self.analyser.levels_dbfs().map(|db| db.max(FLOOR_DB)));
            self.next_column += 1;
            if self.next_column < self.columns {
                let next = self.start_of(self.next_column);
                let drop = (next - self.history_start).min(self.history.len());
                self.history.drain(..drop);
                self.history_start = next;
            }
        }
    }

    /// The spectrogram; columns whose window runs past the end are zero-padded.
    pub fn finish(mut self) -> Spectrogram {
        self.analyse_ready(true);
        Spectrogram { bins: self.analyser.bins(), columns: self.columns, levels_db: self.levels_db }
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

    /// The spectrogram written out over the whole signal: each column's window taken from the
    /// mono mix, zero-padded past its end.
    fn whole_signal_levels(samples: &[f32], columns: usize) -> Vec<f32> {
        let mono: Vec<f32> = samples.chunks_exact(2).map(|frame| frame.iter().sum::<f32>() / 2.0).collect();
        let mut analyser = SpectrumAnalyser::new(512); // 1024 × 16 kHz / 48 kHz, to a power of two
        let span = mono.len().saturating_sub(512);
        let mut levels = Vec::new();
        for column in 0..columns {
            let start = if columns > 1 { span * column / (columns - 1) } else { 0 };
            analyser.analyse(mono.iter().skip(start).copied());
            levels.extend(analyser.levels_dbfs().map(|db| db.max(FLOOR_DB)));
        }
        levels
    }

    #[test]
    fn blocks_of_any_size_give_the_whole_signal_spectrogram() {
        let music = roundtrip_signal::test_signal::music(16_000, 2, 1.3);
        for columns in [1, 7, 300] {
            let whole = Spectrogram { levels_db: whole_signal_levels(&music, columns), columns, bins: 257 };
            for block in [2, 998, 4096] {
                let mut builder = SpectrogramBuilder::new(music.len() / 2, 2, 16_000, columns);
                for piece in music.chunks(block) {
                    builder.push(piece);
                }
                assert_eq!(builder.finish().levels_db, whole.levels_db, "{columns} columns, blocks of {block}");
            }
        }
    }

    #[test]
    fn a_full_scale_sine_reads_0_dbfs_in_its_bin() {
        let rate = 48_000;
        let bin = 64; // 64 × 48000 / 1024 = 3 kHz, centred in its bin
        let sine: Vec<f32> =
            (0..rate).map(|n| (2.0 * std::f32::consts::PI * bin as f32 * n as f32 / 1024.0).sin()).collect();
        let mut builder = SpectrogramBuilder::new(sine.len(), 1, rate as u32, 4);
        builder.push(&sine);
        let spectrogram = builder.finish();
        assert!(spectrogram.level_db(1, bin).abs() < 0.1, "{}", spectrogram.level_db(1, bin));
        assert!(spectrogram.level_db(1, bin * 3) < -60.0);
    }
}
