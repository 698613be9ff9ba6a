//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

use roundtrip_engine::{Engine, EngineConfig, Settings};

/// Every host rate the engine is specified for: the Opus rates directly, the rest resampled.
pub const HOST_RATES_HZ: [u32; 11] =
    [8_000, 12_000, 16_000, 24_000, 48_000, 22_050, 44_100, 88_200, 96_000, 176_400, 192_000];

/// An engine for `rate` and `channels` with a maximum block of 4096 frames, slot A alone.
pub fn engine(rate: u32, channels: usize, settings: Settings) -> Engine {
    engine_with_slots(rate, channels, settings, 1)
}

/// Like [`engine`], with `slots` slots to compare.
pub fn engine_with_slots(rate: u32, channels: usize, settings: Settings, slots: usize) -> Engine {
    let config = EngineConfig { sample_rate_hz: rate, channels, max_block_frames: 4096 };
    Engine::with_slots(config, settings, slots).unwrap()
}

/// Runs `input` (interleaved) through `engine` in blocks whose lengths in frames cycle through
/// `blocks`, and returns the output.
pub fn run(engine: &mut Engine, input: &[f32], blocks: &[usize]) -> Vec<f32> {
    let channels = engine.config().channels;
    let mut output = vec![0.0; input.len()];
    let mut done = 0;
    for &block in blocks.iter().cycle() {
        if done == input.len() {
            break;
        }
        let len = (block * channels).min(input.len() - done);
        engine.process_interleaved(&input[done..done + len], &mut output[done..done + len]);
        done += len;
    }
    output
}

/// `count` block lengths from 1 to `max`, drawn from `seed`.
pub fn random_blocks(count: usize, max: usize, seed: u64) -> Vec<usize> {
    test_support::random_blocks(max, seed).take(count).collect()
}
