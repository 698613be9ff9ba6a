//! Third-octave bands over a spectrum, and the level of one signal against another in each: a
//! phase-blind view of what a codec changed. At speech bitrates Opus does not keep the waveform,
//! so a waveform difference is mostly phase; per band, the level difference shows what a listener
//! hears: the band limit, spectral holes, noise filling, concealment.

/// The band centres, ISO 266's base-two series: 1 kHz × 2^(k/3) for k from −16 (25 Hz) to 13
/// (20 kHz).
const LOWEST_BAND: i32 = -16;
const HIGHEST_BAND: i32 = 13;

/// A band whose reference level is within this of the spectrum's floor holds nothing to compare.
const ABOVE_FLOOR_DB: f32 = 10.0;

/// A band's centre as the charts label it: "397" below 1 kHz, "1.3k" from there.
pub fn short_label(hz: f64) -> String {
    if hz >= 1_000.0 { format!("{:.1}k", hz / 1_000.0) } else { format!("{hz:.0}") }
}

/// Which bins of a spectrum fall in each third-octave band that holds at least one.
#[derive(Debug, Clone, PartialEq)]
pub struct BandMap {
    /// Per band: its centre in hertz and its bins (a range of bin indices).
    bands: Vec<(f32, std::ops::Range<usize>)>,
}

impl BandMap {
    /// The bands of a spectrum of `bins` bins spaced `bin_hz` apart (bin 0 at 0 Hz), those that
    /// hold a bin below the last. This allocates.
    pub fn new(bins: usize, bin_hz: f32) -> Self {
        let bands = (LOWEST_BAND..=HIGHEST_BAND)
            .filter_map(|k| {
                let centre = 1_000.0 * 2f32.powf(k as f32 / 3.0);
                let (low, high) = (centre * 2f32.powf(-1.0 / 6.0), centre * 2f32.powf(1.0 / 6.0));
                // Bins whose frequency lies in [low, high).
                let first = (low / bin_hz).ceil().max(1.0) as usize;
                let end = ((high / bin_hz).ceil() as usize).min(bins.saturating_sub(1));
                (first < end).then_some((centre, first..end))
            })
            .collect();
        Self { bands }
    }

    /// How many bands hold bins.
    pub fn len(&self) -> usize {
        self.bands.len()
    }

    /// Whether no band holds a bin (a spectrum too short).
    pub fn is_empty(&self) -> bool {
        self.bands.is_empty()
    }

    /// Band `band`'s centre in hertz.
    pub fn centre_hz(&self, band: usize) -> f32 {
        self.bands[band].0
    }

    /// Into `out` (one value per band): the level of `test_db` against `reference_db` (spectra in
    /// dB, bin for bin) in each band, in dB, from the bands' powers; NaN where the reference
    /// holds nothing (within 10 dB of `floor_db`). Never allocates.
    pub fn difference_db(&self, reference_db: &[f32], test_db: &[f32], floor_db: f32, out: &mut [f32]) {
        let power = |levels: &[f32]| levels.iter().map(|&db| 10f64.powf(f64::from(db) / 10.0)).sum::<f64>();
        for ((_, bins), out) in self.bands.iter().zip(out) {
            let count = bins.len() as f64;
            let reference = power(&reference_db[bins.clone()]);
            let test = power(&test_db[bins.clone()]);
            let reference_db = 10.0 * (reference / count).log10();
            *out = if reference_db < f64::from(floor_db + ABOVE_FLOOR_DB) {
                f32::NAN
            } else {
                (10.0 * (test / reference).log10()) as f32
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_hold_the_bins_of_their_third_octave() {
        // 1024-point spectra at 48 kHz: 46.9 Hz bins, so some bands below 100 Hz hold none.
        let map = BandMap::new(513, 46.875);
        assert_eq!(map.len(), 24);
        assert!((map.centre_hz(map.len() - 1) - 20_158.7).abs() < 1.0);
        let around_1k = (0..map.len()).find(|&band| (map.centre_hz(band) - 1_000.0).abs() < 1.0).unwrap();
        // 891 to 1122 Hz: bins 20 to 23 (937.5 to 1078 Hz).
        assert_eq!(map.bands[around_1k].1, 20..24);
    }

    #[test]
    fn the_difference_is_the_band_power_ratio_and_silence_is_not_compared() {
        let map = BandMap::new(513, 46.875);
        let reference = vec![-30.0f32; 513];
        let mut test = reference.clone();
        // From bin 214 (10 kHz) up the test lost 20 dB; the band that straddles it is between.
        test.iter_mut().skip(214).for_each(|db| *db -= 20.0);
        let mut out = vec![0.0; map.len()];
        map.difference_db(&reference, &test, -110.0, &mut out);
        for ((_, bins), difference) in map.bands.iter().zip(&out) {
            let expected = if bins.start >= 214 { -20.0 } else { 0.0 };
            assert!((difference - expected).abs() < 1e-3 || bins.contains(&214), "{bins:?}: {difference}");
        }
        let silent = vec![-110.0f32; 513];
        map.difference_db(&silent, &test, -110.0, &mut out);
        assert!(out.iter().all(|db| db.is_nan()));
    }
}
