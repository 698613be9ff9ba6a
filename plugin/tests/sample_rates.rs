//! Any host rate from 1 kHz to 2 MHz, fractional ones included, through the CLAP host: the
//! plugin activates, an impulse comes out within a sample of the latency it reports, and the
//! output does not depend on how the host cuts the audio into blocks. The plugin under test is
//! a debug build under nice-plug's `assert_process_allocs`, so every block also proves `process`
//! allocation-free at these rates.

mod common;

use common::clap_host::{ClapHarness, PLUGIN_ID, built_plugin_path, param_named, process_random_blocks};
use roundtrip_signal::test_signal;
use test_support::peak_position;

/// The rates the hosts' rules issue names: odd fractional rates, the lowest Opus rate, DXD and
/// beyond, and the rate Steinberg's VST3 validator activates at (1,234,567.8 Hz).
const RATES_HZ: [f64; 8] =
    [1_234.567_8, 8_000.0, 12_345.678, 352_800.0, 384_000.0, 768_000.0, 1_234_567.8, 2_000_000.0];

const MAX_BLOCK: u32 = 1_024;

fn activated(rate: f64) -> ClapHarness {
    let mut host = ClapHarness::load(&built_plugin_path(), PLUGIN_ID);
    host.activate(rate, MAX_BLOCK);
    let bitrate = param_named(&host.params(), "Bitrate").id;
    let full = host.text_to_value(bitrate, "510 kbps").unwrap();
    host.process(&[0.0; 64], &[0.0; 64], &[(0, bitrate, full)]);
    host
}

/// Processes `input` (both channels) in random block lengths drawn from `seed`; the left output.
fn in_random_blocks(host: &mut ClapHarness, input: &[f32], seed: u64) -> Vec<f32> {
    process_random_blocks(host, input, input, MAX_BLOCK as usize, &[], seed).0
}

#[test]
fn an_impulse_comes_out_at_the_reported_latency_at_every_rate_from_1_khz_to_2_mhz() {
    for rate in RATES_HZ {
        let mut host = activated(rate);
        let latency = host.latency() as usize;
        let second = rate as usize;
        let mut input = vec![0.0f32; second / 2 + latency];
        let at = second / 10 + 7;
        input[at] = 0.9;
        let output = in_random_blocks(&mut host, &input, rate as u64);
        assert!(output.iter().all(|s| s.is_finite() && s.abs() < 4.0), "{rate} Hz: wild output");
        let peak = peak_position(&output[at..]);
        assert!((peak - latency as f64).abs() < 1.0, "{rate} Hz: reported {latency}, impulse at {peak:.2}");
        eprintln!("{rate} Hz: latency {latency} samples ({:.1} ms)", latency as f64 / rate * 1000.0);
    }
}

#[test]
fn the_output_does_not_depend_on_the_block_lengths_at_any_rate() {
    for rate in RATES_HZ {
        // Longer than the latency, which at the odd low rates approaches a second.
        let seconds = if rate < 20_000.0 { 2.5 } else { 0.5 };
        let music = test_signal::music(rate.round() as u32, 1, seconds);
        let first = in_random_blocks(&mut activated(rate), &music, 1);
        let second = in_random_blocks(&mut activated(rate), &music, 2);
        assert!(first == second, "{rate} Hz: other blocks, other output");
        let energy: f32 = first.iter().map(|s| s * s).sum();
        assert!(energy > 1.0, "{rate} Hz: silent output ({energy})");
    }
}
