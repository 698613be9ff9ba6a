//! The same input, settings and seed give bit-identical output whatever block sizes the host
//! uses, interleaved or planar.

mod common;

use common::{engine, random_blocks, run};
use roundtrip_codec::{Application, FrameDuration};
use roundtrip_engine::{JitterSettings, LossModel, LossSettings, Settings, SlotId};
use roundtrip_signal::test_signal;

/// Settings that exercise every path: loss with FEC and DRED recovery.
fn busy() -> Settings {
    Settings {
        bitrate_bps: 32_000,
        application: Application::Voip,
        frame: FrameDuration::Ms20,
        fec: true,
        dred_duration_ms: 40,
        loss: LossSettings { model: LossModel::GilbertElliott, loss_percent: 10.0, mean_burst_packets: 2.0, seed: 77 },
        // Late packets too: which are late depends on the packets alone, not on the blocks.
        jitter: JitterSettings {
            mean_jitter_ms: 8.0,
            spike_percent: 2.0,
            spike_ms: 100.0,
            playout_ms: 40,
            ..JitterSettings::DEFAULT
        },
        ..Settings::default()
    }
}

fn outputs_for_block_sequences(rate: u32, channels: usize) {
    let mono = test_signal::speech(rate, 3.0);
    let input = test_signal::interleave_mono(&mono, channels);
    let reference = run(&mut engine(rate, channels, busy()), &input, &[480]);
    let sequences: [&[usize]; 5] = [&[1], &[7], &[64], &[4096], &random_blocks(500, 1500, 5)];
    for blocks in sequences {
        let mut engine = engine(rate, channels, busy());
        let output = run(&mut engine, &input, blocks);
        assert_eq!(engine.counters(SlotId::A).underruns, 0);
        assert!(engine.counters(SlotId::A).packets_lost > 0, "the loss path must run");
        let first_difference = output.iter().zip(&reference).position(|(a, b)| a.to_bits() != b.to_bits());
        assert_eq!(
            first_difference,
            None,
            "{rate} Hz × {channels}: blocks {:?}… differ",
            &blocks[..blocks.len().min(3)]
        );
    }
}

#[test]
fn output_is_bit_identical_for_any_block_sequence_at_48_khz() {
    outputs_for_block_sequences(48_000, 2);
}

#[test]
fn output_is_bit_identical_for_any_block_sequence_at_44_1_khz() {
    outputs_for_block_sequences(44_100, 1);
}

#[test]
fn planar_and_interleaved_processing_agree() {
    let input = test_signal::music(48_000, 2, 1.0);
    let interleaved = run(&mut engine(48_000, 2, busy()), &input, &[333]);
    let mut engine = engine(48_000, 2, busy());
    let (mut left, mut right): (Vec<f32>, Vec<f32>) = input.chunks_exact(2).map(|f| (f[0], f[1])).unzip();
    for start in (0..left.len()).step_by(5000) {
        let end = (start + 5000).min(left.len());
        engine.process_planar(&mut [&mut left[start..end], &mut right[start..end]]);
    }
    let planar: Vec<f32> = left.iter().zip(&right).flat_map(|(&l, &r)| [l, r]).collect();
    assert!(planar == interleaved);
}
