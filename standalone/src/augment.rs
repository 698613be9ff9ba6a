//! Settings drawn file by file for `batch`: each of bitrate, frame, loss, burst and DRED is one
//! value (`24k`), a list to pick from (`10ms,20ms,60ms`) or a range to draw from (`6k..64k`).
//! A file's draw is seeded from the batch's seed and the file's path in the corpus, so the same
//! file gets the same settings whatever the order, the number of workers or the shard, and can
//! be regenerated alone.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use roundtrip_codec::FrameDuration;
use roundtrip_engine::loss::uniform;

use crate::units;

/// A value to draw: one, one of a list, or from a range (both ends included).
#[derive(Debug, Clone, PartialEq)]
pub enum Spec<T> {
    One(T),
    AnyOf(Vec<T>),
    Between(T, T),
}

impl<T: Copy> Spec<T> {
    /// `A` or `A,B,C`, each value read by `parse`.
    fn list(text: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Self, String> {
        if text.contains("..") {
            return Err(format!("'{text}': list the values instead, e.g. 10ms,20ms"));
        }
        let values = text.split(',').map(|value| parse(value.trim())).collect::<Result<Vec<T>, String>>()?;
        match values.as_slice() {
            [one] => Ok(Self::One(*one)),
            _ => Ok(Self::AnyOf(values)),
        }
    }

    /// The value for this draw.
    fn draw(&self, rng: &mut Xoshiro256PlusPlus, between: impl Fn(T, T, f64) -> T) -> T {
        match self {
            Self::One(value) => *value,
            Self::AnyOf(values) => values[(rng.next_u64() % values.len() as u64) as usize],
            Self::Between(low, high) => between(*low, *high, uniform(rng)),
        }
    }
}

impl<T: Copy + PartialOrd> Spec<T> {
    /// `A..B`, or a list (see [`Spec::list`]).
    fn range_or_list(text: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Self, String> {
        let Some((low, high)) = text.split_once("..") else { return Self::list(text, parse) };
        let (low, high) = (parse(low.trim())?, parse(high.trim())?);
        if low <= high { Ok(Self::Between(low, high)) } else { Err(format!("'{text}': the range is reversed")) }
    }
}

/// A bitrate spec: `24k`, `16k,24k`, `6k..64k` (whole bits per second).
pub fn bitrate(text: &str) -> Result<Spec<i32>, String> {
    Spec::range_or_list(text, units::parse_bitrate)
}

/// A frame spec: `20ms` or a list; frames are few, so no ranges.
pub fn frame(text: &str) -> Result<Spec<FrameDuration>, String> {
    Spec::list(text, units::parse_frame)
}

/// A loss spec in percent: `5%`, `0,5%,10%`, `0..20%`.
pub fn loss(text: &str) -> Result<Spec<f32>, String> {
    Spec::range_or_list(text, units::parse_percent)
}

/// A mean burst spec in packets: `3`, `1..4`.
pub fn burst(text: &str) -> Result<Spec<f32>, String> {
    Spec::range_or_list(text, units::parse_burst)
}

/// A DRED spec: `100ms`, `0,100ms`, `0..200ms` (in DRED's 10 ms steps).
pub fn dred(text: &str) -> Result<Spec<u16>, String> {
    Spec::range_or_list(text, units::parse_dred)
}

/// What `batch` draws for each file.
#[derive(Debug, Clone)]
pub struct Augmentation {
    pub seed: u64,
    pub bitrate: Spec<i32>,
    pub frame: Spec<FrameDuration>,
    pub loss: Spec<f32>,
    /// Bursty loss when given, random loss otherwise.
    pub burst: Option<Spec<f32>>,
    pub dred: Spec<u16>,
}

/// One file's draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drawn {
    /// Seeds the draw, and the file's loss pattern.
    pub seed: u64,
    pub bitrate_bps: i32,
    pub frame: FrameDuration,
    pub loss_percent: f32,
    pub mean_burst_packets: Option<f32>,
    pub dred_ms: u16,
}

impl Augmentation {
    /// The draw for the file at `relative_path` in the corpus (`/`-separated).
    pub fn draw(&self, relative_path: &str) -> Drawn {
        let seed = file_seed(self.seed, relative_path);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let float = |low: f32, high: f32, u: f64| (f64::from(low) + f64::from(high - low) * u) as f32;
        let bitrate_bps = self.bitrate.draw(&mut rng, |low, high, u| {
            low + ((f64::from(high - low) + 1.0) * u).floor().min(f64::from(high - low)) as i32
        });
        let frame = self.frame.draw(&mut rng, |low, _, _| low);
        // A tenth of a percent is as fine as a loss rate is worth stating.
        let loss_percent = (self.loss.draw(&mut rng, float) * 10.0).round() / 10.0;
        let mean_burst_packets = self.burst.as_ref().map(|burst| (burst.draw(&mut rng, float) * 10.0).round() / 10.0);
        let dred_ms = self.dred.draw(&mut rng, |low, high, u| {
            let steps = (high - low) / roundtrip_engine::settings::DRED_STEP_MS;
            low + ((f64::from(steps) + 1.0) * u).floor().min(f64::from(steps)) as u16
                * roundtrip_engine::settings::DRED_STEP_MS
        });
        Drawn { seed, bitrate_bps, frame, loss_percent, mean_burst_packets, dred_ms }
    }
}

/// A file's seed: FNV-1a (64-bit) over the batch's seed (little-endian) and the bytes of the
/// file's path. Written out here because the seed must never change between Rust versions or
/// crate releases, which std's hasher does not promise, and FNV is a few lines with published
/// constants. (The draws from it also rest on `rand_xoshiro`'s `seed_from_u64`; a test pins a
/// whole draw, so that a change in either shows.)
fn file_seed(seed: u64, relative_path: &str) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    seed.to_le_bytes()
        .iter()
        .chain(relative_path.as_bytes())
        .fold(OFFSET_BASIS, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn augmentation() -> Augmentation {
        Augmentation {
            seed: 7,
            bitrate: bitrate("6k..64k").unwrap(),
            frame: frame("10ms,20ms,60ms").unwrap(),
            loss: loss("0..20%").unwrap(),
            burst: Some(burst("1..4").unwrap()),
            dred: dred("0,100ms").unwrap(),
        }
    }

    #[test]
    fn specs_read_one_value_a_list_or_a_range_with_units() {
        assert_eq!(bitrate("24k"), Ok(Spec::One(24_000)));
        assert_eq!(bitrate("16k, 24kbps"), Ok(Spec::AnyOf(vec![16_000, 24_000])));
        assert_eq!(loss("0..20%"), Ok(Spec::Between(0.0, 20.0)));
        assert_eq!(dred("0..200ms"), Ok(Spec::Between(0, 200)));
        assert!(frame("10ms..60ms").unwrap_err().contains("list the values"));
        assert!(bitrate("64k..6k").unwrap_err().contains("reversed"));
        assert!(loss("0..120%").unwrap_err().contains("outside 0 to 100"));
        assert!(dred("0..15ms").unwrap_err().contains("steps of 10 ms"));
    }

    #[test]
    fn a_files_draw_depends_on_its_path_and_the_seed_only_and_stays_in_its_ranges() {
        let augmentation = augmentation();
        let first = augmentation.draw("speakers/anna/001.wav");
        assert_eq!(first, augmentation.draw("speakers/anna/001.wav"));
        assert_ne!(first, augmentation.draw("speakers/anna/002.wav"));
        assert_ne!(first, Augmentation { seed: 8, ..augmentation.clone() }.draw("speakers/anna/001.wav"));
        let draws: Vec<Drawn> = (0..2_000).map(|n| augmentation.draw(&format!("{n}.wav"))).collect();
        assert!(draws.iter().all(|d| (6_000..=64_000).contains(&d.bitrate_bps)));
        assert!(draws.iter().all(|d| (0.0..=20.0).contains(&d.loss_percent)));
        assert!(draws.iter().all(|d| d.mean_burst_packets.is_some_and(|b| (1.0..=4.0).contains(&b))));
        for frame in [FrameDuration::Ms10, FrameDuration::Ms20, FrameDuration::Ms60] {
            let share = draws.iter().filter(|d| d.frame == frame).count();
            assert!((560..=780).contains(&share), "{frame:?}: {share} of 2000");
        }
        let dred_on = draws.iter().filter(|d| d.dred_ms == 100).count();
        assert!((900..=1100).contains(&dred_on), "{dred_on}");
        // Both ends of a range are reached.
        assert!(draws.iter().any(|d| d.bitrate_bps < 7_000) && draws.iter().any(|d| d.bitrate_bps > 63_000));
    }

    /// FNV-1a of 5 (8 bytes, little-endian) then "a/b.wav", computed apart from this code.
    const FILE_SEED_5_A_B: u64 = 0xa62a_05a9_9639_5b6a;

    #[test]
    fn a_whole_draw_never_changes() {
        // Pinned: a batch rendered today must render the same next year.
        let drawn = augmentation().draw("a/b.wav");
        let expected = Drawn {
            seed: 0x806c_d895_4aa2_d58c,
            bitrate_bps: 39_058,
            frame: FrameDuration::Ms10,
            loss_percent: 12.2,
            mean_burst_packets: Some(1.9),
            dred_ms: 100,
        };
        assert_eq!(drawn, expected);
    }

    #[test]
    fn the_file_seed_is_fnv_1a_and_never_changes() {
        // Pinned: outputs of earlier batches must stay reproducible.
        assert_eq!(file_seed(0, ""), 0xa8c7_f832_281a_39c5);
        assert_eq!(file_seed(5, "a/b.wav"), FILE_SEED_5_A_B);
        assert_eq!(file_seed(1, "a/b.wav"), file_seed(1, "a/b.wav"));
        assert_ne!(file_seed(1, "a/b.wav"), file_seed(1, "a/c.wav"));
    }
}
