//! Level matching brings the decoded signal's loudness to the input's, gliding, and holds it.
//! The test makes the decoded signal 6 dB quieter than the input: a stereo input whose right
//! channel is −0.268 times its left, coded as mono, decodes to their average on both channels,
//! a quarter of the input's energy.

mod common;

use common::engine;
use ebur128::{EbuR128, Mode};
use roundtrip_engine::{Settings, SlotId};
use roundtrip_signal::test_signal;

const RATE: u32 = 48_000;

/// Integrated loudness (BS.1770) of interleaved stereo.
fn loudness(stereo: &[f32]) -> f64 {
    let mut meter = EbuR128::new(2, RATE, Mode::I).unwrap();
    meter.add_frames_f32(stereo).unwrap();
    meter.loudness_global().unwrap()
}

/// Runs 12 s of the test input through an engine with `level_match`, in 64-frame blocks; returns
/// the input and output loudness over the last 4 s (the input taken at the latency), and the
/// level-matching gain the meters showed after each block.
fn run(level_match: bool) -> (f64, f64, Vec<f32>) {
    let settings = Settings { force_mono: true, bitrate_bps: 128_000, level_match, ..Settings::DEFAULT };
    let mut engine = engine(RATE, 2, settings);
    let music = test_signal::music(RATE, 1, 12.0);
    let ratio = 3f32.sqrt() - 2.0;
    let input: Vec<f32> = music.iter().flat_map(|&x| [0.5 * x, 0.5 * ratio * x]).collect();
    let mut output = vec![0.0; input.len()];
    let meters = engine.meters(SlotId::A);
    let mut gains = Vec::new();
    for (block_in, block_out) in input.chunks(128).zip(output.chunks_mut(128)) {
        engine.process_interleaved(block_in, block_out);
        gains.push(meters.snapshot().levels.level_match_db);
    }
    let latency = engine.latency_samples();
    let tail = input.len() - 2 * 4 * RATE as usize;
    let aligned = &input[tail - 2 * latency..input.len() - 2 * latency];
    (loudness(aligned), loudness(&output[tail..]), gains)
}

#[test]
fn a_decoded_signal_6_db_quieter_is_matched_within_half_a_lu_by_a_glide() {
    let (input, unmatched, gains) = run(false);
    assert!(gains.iter().all(|&gain| gain == 0.0));
    assert!((input - unmatched - 6.0).abs() < 0.5, "the test's premise: {input:.2} against {unmatched:.2} LUFS");
    let (input, matched, gains) = run(true);
    assert!((input - matched).abs() < 0.5, "matched: {input:.2} against {matched:.2} LUFS");
    let last = *gains.last().unwrap();
    assert!((last - 6.0).abs() < 0.5, "gain {last} dB");
    // Gliding, never jumping: at most 0.05 dB per 64-frame block (1.3 ms).
    let steepest = gains.windows(2).map(|pair| (pair[1] - pair[0]).abs()).fold(0.0, f32::max);
    assert!(steepest < 0.05, "a step of {steepest} dB");
}

#[test]
fn turning_matching_off_glides_back_to_unity_and_a_reset_forgets_the_gain() {
    let settings = Settings { force_mono: true, level_match: true, ..Settings::DEFAULT };
    let mut engine = engine(RATE, 2, settings);
    let meters = engine.meters(SlotId::A);
    let music = test_signal::music(RATE, 1, 6.0);
    let input: Vec<f32> = music.iter().flat_map(|&x| [0.5 * x, -0.134 * x]).collect();
    let mut output = vec![0.0; input.len()];
    engine.process_interleaved(&input, &mut output);
    assert!(meters.snapshot().levels.level_match_db > 3.0);
    engine.set_settings(&Settings { level_match: false, ..settings });
    engine.process_interleaved(&input[..2 * 3 * RATE as usize], &mut output[..2 * 3 * RATE as usize]);
    assert!(meters.snapshot().levels.level_match_db.abs() < 0.01);
    engine.set_settings(&settings);
    engine.process_interleaved(&input, &mut output);
    assert!(meters.snapshot().levels.level_match_db > 3.0);
    engine.reset();
    engine.process_interleaved(&input[..128], &mut output[..128]);
    assert_eq!(meters.snapshot().levels.level_match_db, 0.0);
}
