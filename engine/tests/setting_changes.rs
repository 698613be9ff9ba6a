//! Changing settings while running: latency changes restart the pipeline cleanly and the new
//! latency is exact; reset returns the engine to its freshly created behaviour.

mod common;

use common::{engine, run};
use roundtrip_codec::FrameDuration;
use roundtrip_engine::{LossModel, LossSettings, Settings, SlotId};
use roundtrip_signal::test_signal;

#[test]
fn a_frame_size_change_restarts_with_the_new_exact_latency() {
    for rate in [48_000, 44_100] {
        let mut engine = engine(rate, 1, Settings { bitrate_bps: 510_000, ..Settings::default() });
        let before = engine.latency_samples();
        run(&mut engine, &vec![0.0; rate as usize / 2], &[512]);
        engine.set_settings(&Settings { bitrate_bps: 510_000, frame: FrameDuration::Ms60, ..Settings::default() });
        // The restart happens after the 5 ms fade-out.
        run(&mut engine, &vec![0.0; rate as usize / 10], &[512]);
        let after = engine.latency_samples();
        assert!(after > before, "{rate}: 60 ms frames must cost more latency than 20 ms ({after} vs {before})");
        assert_eq!(engine.meters(SlotId::A).snapshot().latency_samples, after as u64);
        // A click through the restarted pipeline comes out exactly `after` samples late.
        let mut input = vec![0.0f32; rate as usize];
        input[1_000] = 0.9;
        let output = run(&mut engine, &input, &[333]);
        let peak = output.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap().0;
        assert!(peak.abs_diff(1_000 + after) <= 1, "{rate}: peak at {peak}, expected {}", 1_000 + after);
        assert_eq!(engine.counters(SlotId::A).underruns, 0);
    }
}

#[test]
fn a_restart_fades_out_and_in_without_a_click() {
    let input: Vec<f32> =
        (0..96_000).map(|n| 0.5 * (n as f32 * 2.0 * std::f32::consts::PI * 200.0 / 48_000.0).sin()).collect();
    let mut engine = engine(48_000, 1, Settings { bitrate_bps: 256_000, ..Settings::default() });
    let mut output = vec![0.0; input.len()];
    for (index, (block_in, block_out)) in input.chunks(4_800).zip(output.chunks_mut(4_800)).enumerate() {
        let frame = if index % 2 == 0 { FrameDuration::Ms20 } else { FrameDuration::Ms10 };
        engine.set_settings(&Settings { bitrate_bps: 256_000, frame, ..Settings::default() });
        engine.process_interleaved(block_in, block_out);
    }
    // The tone's own steepest step is 0.013; the codec adds a little. A cut would be ~0.5.
    let worst_step = output.windows(2).map(|w| (w[1] - w[0]).abs()).fold(0.0f32, f32::max);
    assert!(worst_step < 0.05, "a step of {worst_step} at a restart");
}

#[test]
fn reset_replays_exactly_what_a_fresh_engine_does() {
    let settings = Settings {
        fec: true,
        loss: LossSettings { model: LossModel::GilbertElliott, loss_percent: 12.0, mean_burst_packets: 2.0, seed: 5 },
        ..Settings::default()
    };
    let input = test_signal::music(48_000, 2, 1.5);
    let fresh = run(&mut engine(48_000, 2, settings), &input, &[256]);
    let mut reused = engine(48_000, 2, settings);
    run(&mut reused, &test_signal::speech(48_000, 0.7).repeat(2), &[1000]);
    reused.reset();
    assert_eq!(reused.counters(SlotId::A).packets_sent, 0);
    assert!(run(&mut reused, &input, &[256]) == fresh);
}
