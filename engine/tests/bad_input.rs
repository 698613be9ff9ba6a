//! Bad input gets a clear error at creation, or is made safe and counted while running; the
//! output is never NaN or infinite and recovers on the next clean frame.

mod common;

use common::{engine, run};
use roundtrip_engine::{Engine, EngineConfig, EngineError, OUTPUT_CEILING, Settings, SlotId};
use roundtrip_signal::test_signal;

fn create(sample_rate_hz: u32, channels: usize, max_block_frames: usize) -> Result<Engine, EngineError> {
    Engine::new(EngineConfig { sample_rate_hz, channels, max_block_frames }, Settings::default())
}

#[test]
fn unsupported_configurations_are_refused_with_a_message() {
    for rate in [0, 500, 999, 2_000_001, 10_000_000] {
        let error = create(rate, 2, 512).unwrap_err();
        assert_eq!(error, EngineError::UnsupportedSampleRate(rate));
        assert!(error.to_string().contains("1000 to 2000000"), "{error}");
    }
    for channels in [0, 3, 6] {
        assert_eq!(create(48_000, channels, 512).unwrap_err(), EngineError::UnsupportedChannels(channels));
    }
    for block in [0, roundtrip_engine::MAX_BLOCK_FRAMES + 1] {
        assert_eq!(create(48_000, 2, block).unwrap_err(), EngineError::UnsupportedMaxBlock(block));
    }
    // Rates that are neither Opus rates nor listed still work, through the resampler.
    for rate in [11_025, 32_000, 37_800] {
        assert!(create(rate, 1, 256).is_ok(), "{rate}");
    }
}

#[test]
fn nan_infinity_subnormal_and_huge_samples_are_sanitised_and_counted() {
    let mut input = test_signal::music(48_000, 2, 2.0);
    let poison = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-40, -1e-41, 1e30, -1e30, 5.0];
    for (index, &value) in poison.iter().enumerate() {
        for sample in &mut input[48_000 + index * 1_000..48_000 + index * 1_000 + 100] {
            *sample = value;
        }
    }
    let mut engine = engine(48_000, 2, Settings::default());
    let output = run(&mut engine, &input, &[256]);
    assert!(output.iter().all(|s| s.is_finite() && s.abs() <= OUTPUT_CEILING));
    assert_eq!(engine.counters(SlotId::A).sanitized_samples, 800);
    // A second of clean input later, the output is ordinary audio again.
    let latency = engine.latency_samples() * 2;
    let tail = &output[output.len() - 24_000..];
    let clean = &input[input.len() - 24_000 - latency..input.len() - latency];
    let snr = roundtrip_signal::measure::snr_db(clean, tail);
    assert!(snr > 10.0, "no recovery after bad input: {snr:.1} dB");
}

#[test]
fn zero_length_huge_and_mismatched_blocks_are_handled() {
    let mut engine = engine(48_000, 2, Settings::default());
    engine.process_interleaved(&[], &mut []);
    engine.process_planar(&mut [&mut [], &mut []]);
    // Ten times the maximum block in one call: processed in pieces.
    let input = test_signal::music(48_000, 2, 1.0);
    let mut output = vec![0.0; input.len()];
    engine.process_interleaved(&input, &mut output);
    assert_eq!(engine.counters(SlotId::A).underruns, 0);
    assert!(output.iter().any(|&s| s != 0.0));
    // Lengths that do not fit the layout: silence, counted.
    let mut short = [1.0f32; 3];
    engine.process_interleaved(&[0.5; 4], &mut short);
    engine.process_interleaved(&[0.5; 3], &mut [1.0; 3]);
    let (mut left, mut right) = ([1.0f32; 8], [1.0f32; 7]);
    engine.process_planar(&mut [&mut left, &mut right]);
    engine.process_planar(&mut [&mut left]);
    assert_eq!(short, [0.0; 3]);
    assert_eq!(left, [0.0; 8]);
    assert_eq!(engine.counters(SlotId::A).rejected_blocks, 4);
}

#[test]
fn out_of_range_settings_are_clamped_not_trusted() {
    let mut engine = engine(48_000, 1, Settings::default());
    engine.set_settings(&Settings { bitrate_bps: -5, mix: f32::NAN, output_gain_db: 1e9, ..Settings::default() });
    assert_eq!(engine.settings().bitrate_bps, 6_000);
    assert_eq!(engine.settings().mix, 1.0);
    assert_eq!(engine.settings().output_gain_db, 24.0);
    let output = run(&mut engine, &test_signal::music(48_000, 1, 0.5), &[480]);
    assert!(output.iter().all(|s| s.is_finite() && s.abs() <= OUTPUT_CEILING));
}
