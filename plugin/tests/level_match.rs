//! Level match through a CLAP host: a decoded signal 6 dB quieter than the input (a stereo input
//! whose right channel is −0.268 times its left, coded as mono) comes out within 0.5 LU of the
//! input's loudness once the Level match parameter is on.

mod common;

use common::clap_host::{ClapHarness, PLUGIN_ID, built_plugin_path, param_named};
use ebur128::{EbuR128, Mode};
use roundtrip_signal::test_signal;

const RATE: u32 = 48_000;

fn loudness(left: &[f32], right: &[f32]) -> f64 {
    let mut meter = EbuR128::new(2, RATE, Mode::I).unwrap();
    meter.add_frames_planar_f32(&[left, right]).unwrap();
    meter.loudness_global().unwrap()
}

/// The input's and the output's loudness over the last 4 of 12 s, with Level match `on`.
fn run(on: bool) -> (f64, f64) {
    let mut host = ClapHarness::load(&built_plugin_path(), PLUGIN_ID);
    let params = host.params();
    let (mono, level_match) = (param_named(&params, "Force mono").id, param_named(&params, "Level match").id);
    let on_value = host.text_to_value(level_match, if on { "On" } else { "Off" }).unwrap();
    let mono_on = host.text_to_value(mono, "On").unwrap();
    host.activate(f64::from(RATE), 512);
    let latency = host.latency() as usize;
    let music = test_signal::music(RATE, 1, 12.0);
    let left: Vec<f32> = music.iter().map(|&x| 0.5 * x).collect();
    let right: Vec<f32> = left.iter().map(|&x| (3f32.sqrt() - 2.0) * x).collect();
    let (out_left, out_right) = host.process(&left, &right, &[(0, mono, mono_on), (0, level_match, on_value)]);
    let tail = left.len() - 4 * RATE as usize;
    let aligned = (tail - latency)..(left.len() - latency);
    host.assert_protocol();
    (loudness(&left[aligned.clone()], &right[aligned]), loudness(&out_left[tail..], &out_right[tail..]))
}

#[test]
fn sources_6_db_apart_are_matched_within_half_a_lu() {
    let (input, output) = run(false);
    assert!((input - output - 6.0).abs() < 0.5, "the test's premise: {input:.2} against {output:.2} LUFS");
    let (input, output) = run(true);
    assert!((input - output).abs() < 0.5, "matched: {input:.2} against {output:.2} LUFS");
}
