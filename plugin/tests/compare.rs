//! A/B through a CLAP host: turning B on waits for the host's restart and then reports the
//! slower slot's latency; switching Dry, A and B by automation lands the same impulse on the
//! same sample; level matching brings a B 6 dB quieter to within 0.5 LU of the input; a session
//! keeps both slots. The plugin is a debug build, which aborts on any allocation in `process`,
//! here with both chains and level matching running.

mod common;

use common::clap_host::{ClapHarness, PLUGIN_ID, built_plugin_path, param_named};
use common::loudness::loudness_through;
use test_support::{add_pulse, peak_position};

const RATE: u32 = 48_000;
const BLOCK: usize = 256;

/// A harness at [`RATE`] whose parameters `changes` (name, value text) are set by automation,
/// restarted by the host if the plugin asks.
fn with_params(changes: &[(&str, &str)]) -> ClapHarness {
    let mut host = ClapHarness::load(&built_plugin_path(), PLUGIN_ID);
    host.activate(f64::from(RATE), BLOCK as u32);
    let params = host.params();
    let events: Vec<(u32, u32, f64)> = changes
        .iter()
        .map(|(name, text)| {
            let id = param_named(&params, name).id;
            (0, id, host.text_to_value(id, text).unwrap_or_else(|| panic!("{name}: {text}")))
        })
        .collect();
    let silence = [0.0f32; BLOCK];
    host.process(&silence, &silence, &events);
    host.honour_restart();
    host
}

/// The value of the Listen parameter that plays `source` ("Dry", "A" or "B").
fn listen(host: &mut ClapHarness, source: &str) -> (u32, f64) {
    let id = param_named(&host.params(), "Listen").id;
    (id, host.text_to_value(id, source).unwrap())
}

#[test]
fn turning_b_on_waits_for_the_restart_and_switching_lands_each_impulse_on_the_latency() {
    let sharp = [("Bitrate", "510"), ("Frame", "10 ms"), ("B Bitrate", "510"), ("B Frame", "60 ms")];
    let mut only_a = with_params(&sharp);
    let mut host = with_params(&[sharp.as_slice(), &[("Compare B", "On")]].concat());
    let latency = host.latency() as usize;
    assert!(latency > only_a.latency() as usize + 2_000, "B's 60 ms frames set the latency: {latency}");
    assert_eq!(host.restart_requests(), 1);

    let spacing = 24_000;
    let sources = ["Dry", "A", "B", "Dry", "B", "A"];
    let mut input = vec![0.0f32; spacing * (sources.len() + 1) + latency];
    let starts: Vec<usize> = (0..sources.len()).map(|i| spacing / 2 + i * spacing + i * 41).collect();
    starts.iter().for_each(|&start| add_pulse(&mut input, start, RATE));
    // Each source is switched to by an automation event a quarter spacing before its impulse
    // comes out, at that sample of its block.
    let switches: Vec<(usize, (u32, f64))> = starts
        .iter()
        .zip(sources)
        .map(|(&start, source)| (start + latency - spacing / 4, listen(&mut host, source)))
        .collect();
    let mut output = Vec::with_capacity(input.len());
    for (index, block) in input.chunks(BLOCK).enumerate() {
        let range = index * BLOCK..index * BLOCK + block.len();
        let events: Vec<(u32, u32, f64)> = switches
            .iter()
            .filter(|(at, _)| range.contains(at))
            .map(|&(at, (id, value))| ((at - range.start) as u32, id, value))
            .collect();
        output.extend(host.process(block, block, &events).0);
    }
    // Each source alone, to tell which one was heard (they differ in their last bits).
    let alone = ["Dry", "A", "B"].map(|source| {
        let mut host = with_params(&[sharp.as_slice(), &[("Compare B", "On"), ("Listen", source)]].concat());
        let heard: Vec<f32> = input.chunks(BLOCK).flat_map(|block| host.process(block, block, &[]).0).collect();
        (source, heard)
    });
    for (&start, source) in starts.iter().zip(sources) {
        let window = start..start + latency + spacing / 4;
        let delay = peak_position(&output[window.clone()]);
        assert!((delay - latency as f64).abs() < 0.1, "{source}: at {delay:.2}, latency {latency}");
        for (listen, heard) in &alone {
            let same = output[window.clone()] == heard[window.clone()];
            assert_eq!(same, *listen == source, "{source} switched in, compared with {listen} alone");
        }
    }
    host.assert_protocol();
    only_a.assert_protocol();
}

/// Plays B (coding as mono a stereo input whose right channel is −0.268 times its left: 6 dB
/// quieter than the input) with Level match `on`; returns the input's and the output's
/// loudness over the last 4 of 12 s.
fn b_quieter(on: bool) -> (f64, f64) {
    let level_match = if on { "On" } else { "Off" };
    let changes = [("Compare B", "On"), ("B Force mono", "On"), ("Listen", "B"), ("Level match", level_match)];
    let mut host = with_params(&changes);
    loudness_through(&mut host, RATE, &[])
}

#[test]
fn level_matching_brings_a_b_6_db_quieter_to_within_half_a_lu() {
    let (input, output) = b_quieter(false);
    assert!((input - output - 6.0).abs() < 0.5, "the test's premise: {input:.2} against {output:.2} LUFS");
    let (input, output) = b_quieter(true);
    assert!((input - output).abs() < 0.5, "matched: {input:.2} against {output:.2} LUFS");
}

#[test]
fn a_session_keeps_both_slots_and_what_is_heard() {
    let changes =
        [("Compare B", "On"), ("Listen", "B"), ("Bitrate", "24"), ("B Bitrate", "12"), ("B In-band FEC", "On")];
    let mut host = with_params(&changes);
    let saved = host.save_state();
    let mut restored = ClapHarness::load(&built_plugin_path(), PLUGIN_ID);
    restored.load_state(&saved);
    let params = restored.params();
    for (name, text) in changes {
        let id = param_named(&params, name).id;
        let value = restored.param_value(id).unwrap();
        let expected = restored.text_to_value(id, text).unwrap();
        assert_eq!(value, expected, "{name}");
    }
}
