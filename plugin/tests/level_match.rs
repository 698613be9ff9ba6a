//! Level match through a CLAP host: a decoded signal 6 dB quieter than the input (a stereo input
//! whose right channel is −0.268 times its left, coded as mono) comes out within 0.5 LU of the
//! input's loudness once the Level match parameter is on.

mod common;

use common::clap_host::{ClapHarness, PLUGIN_ID, built_plugin_path, param_named};
use common::loudness::loudness_through;

const RATE: u32 = 48_000;

/// The input's and the output's loudness over the last 4 of 12 s, with Level match `on`.
fn run(on: bool) -> (f64, f64) {
    let mut host = ClapHarness::load(&built_plugin_path(), PLUGIN_ID);
    let params = host.params();
    let (mono, level_match) = (param_named(&params, "Force mono").id, param_named(&params, "Level match").id);
    let on_value = host.text_to_value(level_match, if on { "On" } else { "Off" }).unwrap();
    let mono_on = host.text_to_value(mono, "On").unwrap();
    host.activate(f64::from(RATE), 512);
    loudness_through(&mut host, RATE, &[(0, mono, mono_on), (0, level_match, on_value)])
}

#[test]
fn sources_6_db_apart_are_matched_within_half_a_lu() {
    let (input, output) = run(false);
    assert!((input - output - 6.0).abs() < 0.5, "the test's premise: {input:.2} against {output:.2} LUFS");
    let (input, output) = run(true);
    assert!((input - output).abs() < 0.5, "matched: {input:.2} against {output:.2} LUFS");
}
