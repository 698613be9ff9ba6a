//! The engine's real-time calls also run clean under the `assert_no_alloc` crate, which aborts
//! the process on any allocation inside `assert_no_alloc(|| …)`; and it does abort on one.

use assert_no_alloc::{AllocDisabler, assert_no_alloc};
use roundtrip_codec::FrameDuration;
use roundtrip_engine::{Engine, EngineConfig, LossModel, LossSettings, Settings, SlotId};
use roundtrip_signal::test_signal;

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

/// Set in the child process that must abort.
const CHILD_ENV: &str = "ROUNDTRIP_ASSERT_NO_ALLOC_CHILD";

#[test]
fn engine_calls_run_clean_under_assert_no_alloc() {
    let config = EngineConfig { sample_rate_hz: 44_100, channels: 2, max_block_frames: 1024 };
    let mut engine = Engine::new(config, Settings::default()).unwrap();
    let input = test_signal::music(44_100, 2, 2.0);
    let mut output = vec![0.0f32; input.len()];
    let lossy = Settings {
        fec: true,
        dred_duration_ms: 100,
        frame: FrameDuration::Ms10,
        loss: LossSettings { model: LossModel::GilbertElliott, loss_percent: 20.0, mean_burst_packets: 3.0, seed: 1 },
        ..Settings::default()
    };
    assert_no_alloc(|| {
        for (index, (block_in, block_out)) in input.chunks(1000).zip(output.chunks_mut(1000)).enumerate() {
            if index == 20 {
                engine.set_settings(&lossy);
            }
            if index == 60 {
                engine.reset();
            }
            engine.process_interleaved(block_in, block_out);
        }
    });
    assert!(engine.counters(SlotId::A).packets_lost > 0);
}

#[test]
fn a_deliberate_allocation_aborts_the_process() {
    if std::env::var_os(CHILD_ENV).is_some() {
        assert_no_alloc(|| std::hint::black_box(vec![1u8; 64]));
        // Only reached if the allocation went unnoticed.
        std::process::exit(0);
    }
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "a_deliberate_allocation_aborts_the_process", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the child allocated under assert_no_alloc and was not stopped: {status}");
}
