//! What the listener hears: the difference signal is small at high bitrates and large at low
//! ones, the dry signal is the input exactly, and switching what is heard does not click.

mod common;

use common::{engine, run};
use roundtrip_codec::{Application, Bandwidth};
use roundtrip_engine::{Monitor, Settings};
use roundtrip_signal::{measure, test_signal};

/// Measured with libopus 1.6.1 on the music test signal, 48 kHz stereo, 20 ms: the difference
/// at 256 kbps fullband is 25.9 dB below the input (at 6 kbps, −0.1 dB: as loud as the
/// input). The bound leaves about 3 dB of margin.
const MIN_DIFFERENCE_BELOW_INPUT_DB_256K: f64 = 23.0;

/// The level of the `Difference` monitor below the input, in dB, at `bitrate_bps`.
fn difference_below_input_db(bitrate_bps: i32) -> f64 {
    let input = test_signal::music(48_000, 2, 4.0);
    let settings = Settings {
        bitrate_bps,
        application: Application::Audio,
        bandwidth: Some(Bandwidth::Fullband),
        monitor: Monitor::Difference,
        ..Settings::default()
    };
    let mut engine = engine(48_000, 2, settings);
    let latency = engine.latency_samples() * 2;
    let output = run(&mut engine, &input, &[512]);
    // Skip the first half second while the codec settles.
    let skip = 48_000;
    measure::rms_dbfs(&input[skip..input.len() - latency]) - measure::rms_dbfs(&output[skip + latency..])
}

#[test]
fn the_difference_is_far_below_the_input_at_256_kbps_and_not_at_6_kbps() {
    let high = difference_below_input_db(256_000);
    let low = difference_below_input_db(6_000);
    println!("difference below input: 256 kbps {high:.1} dB, 6 kbps {low:.1} dB");
    assert!(high >= MIN_DIFFERENCE_BELOW_INPUT_DB_256K, "256 kbps: only {high:.1} dB");
    assert!(low < high - 15.0, "6 kbps: {low:.1} dB, not clearly worse than {high:.1} dB");
}

#[test]
fn the_dry_monitor_is_the_input_delayed_exactly() {
    let input = test_signal::music(44_100, 2, 1.0);
    let mut engine = engine(44_100, 2, Settings { monitor: Monitor::Dry, ..Settings::default() });
    let latency = engine.latency_samples() * 2;
    let output = run(&mut engine, &input, &[100]);
    assert!(output[..latency].iter().all(|&s| s == 0.0));
    assert!(output[latency..] == input[..input.len() - latency]);
}

#[test]
fn switching_monitors_and_mix_glides_without_a_click() {
    // A steady tone: any step in the output bigger than the tone's own slope is a click.
    let input: Vec<f32> =
        (0..96_000).map(|n| 0.5 * (n as f32 * 2.0 * std::f32::consts::PI * 220.0 / 48_000.0).sin()).collect();
    let mut engine = engine(48_000, 1, Settings::default());
    let mut output = vec![0.0; input.len()];
    let monitors = [Monitor::Dry, Monitor::Decoded, Monitor::Difference, Monitor::Dry, Monitor::Decoded];
    for (index, (block_in, block_out)) in input.chunks(4_800).zip(output.chunks_mut(4_800)).enumerate() {
        let monitor = monitors[index % monitors.len()];
        let mix = if index % 3 == 0 { 0.5 } else { 1.0 };
        engine.set_settings(&Settings {
            monitor,
            mix,
            output_gain_db: -(index as f32 % 4.0) * 3.0,
            ..Settings::default()
        });
        engine.process_interleaved(block_in, block_out);
    }
    let tone_slope = 0.5 * 2.0 * std::f32::consts::PI * 220.0 / 48_000.0;
    let latency = engine.latency_samples();
    let worst_step = output[latency + 1..].windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0f32, f32::max);
    assert!(worst_step < 2.5 * tone_slope, "a step of {worst_step} against a slope of {tone_slope}");
}
