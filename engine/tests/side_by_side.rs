//! Two codec chains run side by side on the same input, each as if it ran alone: the seam an
//! A/B comparison of two settings builds on. Each chain's decoded signal equals, bit for bit,
//! what an engine with that chain's settings plays (monitoring the decoded signal at unity gain).

mod common;

use common::{engine, random_blocks, run};
use roundtrip_engine::{CodecChain, EngineConfig, LossModel, LossSettings, Settings};
use roundtrip_signal::test_signal;

/// Runs `input` through `chains` together, block by block, and returns each one's decoded signal.
fn run_side_by_side(chains: &mut [CodecChain], input: &[f32], channels: usize, blocks: &[usize]) -> Vec<Vec<f32>> {
    let mut decoded = vec![vec![0.0f32; input.len()]; chains.len()];
    let mut aligned = vec![0.0f32; 4_096 * channels];
    let mut done = 0;
    for &block in blocks.iter().cycle() {
        if done == input.len() {
            break;
        }
        let len = (block * channels).min(input.len() - done);
        for (chain, decoded) in chains.iter_mut().zip(&mut decoded) {
            let missing =
                chain.process(&input[done..done + len], &mut decoded[done..done + len], &mut aligned[..len], &mut ());
            assert_eq!(missing, 0, "a chain ran dry");
        }
        done += len;
    }
    decoded
}

#[test]
fn two_chains_on_one_input_each_sound_as_if_alone() {
    for (rate, channels) in [(48_000, 2), (44_100, 1)] {
        let config = EngineConfig { sample_rate_hz: rate, channels, max_block_frames: 4_096 };
        let music = test_signal::music(rate, channels, 2.0);
        let a = Settings { bitrate_bps: 96_000, ..Settings::default() };
        let b = Settings {
            bitrate_bps: 16_000,
            fec: true,
            loss: LossSettings {
                model: LossModel::GilbertElliott,
                loss_percent: 10.0,
                mean_burst_packets: 2.0,
                seed: 7,
            },
            ..Settings::default()
        };
        let mut chains = [CodecChain::new(&config, &a).unwrap(), CodecChain::new(&config, &b).unwrap()];
        let blocks = random_blocks(400, 1_000, u64::from(rate));
        let decoded = run_side_by_side(&mut chains, &music, channels, &blocks);
        for (settings, decoded) in [a, b].iter().zip(&decoded) {
            let alone = run(&mut engine(rate, channels, *settings), &music, &[480]);
            assert!(
                *decoded == alone,
                "{rate} Hz, {} bps: the chain differs from the engine alone",
                settings.bitrate_bps
            );
        }
        assert!(decoded[0] != decoded[1], "the two settings should sound different");
        assert!(chains[1].counters().packets_lost > 0 && chains[0].counters().packets_lost == 0);
    }
}
