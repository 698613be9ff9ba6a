//! Loudness for the level-matching tests: a stereo input that, coded as mono, comes out 6 dB
//! quieter, and the integrated loudness of a stereo pair.

use ebur128::{EbuR128, Mode};

use super::clap_host::ClapHarness;
use roundtrip_signal::test_signal;

/// `seconds` of music at `rate` whose right channel is −0.268 (√3 − 2) times its left: its
/// mono sum is 6 dB quieter than the stereo pair, so that a slot coding it as mono decodes
/// 6 dB below the input.
pub fn quieter_as_mono(rate: u32, seconds: f64) -> (Vec<f32>, Vec<f32>) {
    let music = test_signal::music(rate, 1, seconds);
    let left: Vec<f32> = music.iter().map(|&x| 0.5 * x).collect();
    let right = left.iter().map(|&x| (3f32.sqrt() - 2.0) * x).collect();
    (left, right)
}

/// Integrated loudness (BS.1770) of a stereo pair at `rate`, in LUFS.
pub fn loudness(rate: u32, left: &[f32], right: &[f32]) -> f64 {
    let mut meter = EbuR128::new(2, rate, Mode::I).unwrap();
    meter.add_frames_planar_f32(&[left, right]).unwrap();
    meter.loudness_global().unwrap()
}

/// Runs 12 s of [`quieter_as_mono`] through `host` (activated at `rate`, `events` at its start)
/// and returns the input's and the output's loudness over the last 4 s, aligned by the
/// latency; checks the host protocol.
pub fn loudness_through(host: &mut ClapHarness, rate: u32, events: &[(u32, u32, f64)]) -> (f64, f64) {
    let latency = host.latency() as usize;
    let (left, right) = quieter_as_mono(rate, 12.0);
    let (out_left, out_right) = host.process(&left, &right, events);
    let tail = left.len() - 4 * rate as usize;
    let aligned = (tail - latency)..(left.len() - latency);
    host.assert_protocol();
    (loudness(rate, &left[aligned.clone()], &right[aligned]), loudness(rate, &out_left[tail..], &out_right[tail..]))
}
