//! The plugin's `process` through a real CLAP host library against the engine alone, on the
//! same audio in the same 64-frame blocks, in one run. `cargo xtask bench` prints the ratio.

#[path = "../tests/common/clap_host.rs"]
mod clap_host;

use std::hint::black_box;
use std::time::Duration;

use clap_host::{ClapHarness, PLUGIN_ID, built_plugin_path};
use criterion::{BenchmarkId, Criterion};
use roundtrip_engine::{Engine, EngineConfig, Settings};
use roundtrip_signal::test_signal;

const BLOCK_FRAMES: usize = 64;

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    // One second of stereo music, planar, as a host holds it.
    let music = test_signal::music(48_000, 2, 1.0);
    let (left, right): (Vec<f32>, Vec<f32>) = music.chunks_exact(2).map(|f| (f[0], f[1])).unzip();
    let (mut out_l, mut out_r) = (vec![0.0f32; left.len()], vec![0.0f32; right.len()]);

    let mut group = criterion.benchmark_group("plugin_48k_stereo_20ms_64k");
    group.sample_size(20).measurement_time(Duration::from_secs(8));
    // The plugin's defaults are the engine's: 64 kbps, 20 ms, complexity 10, no loss.
    let mut host = ClapHarness::load(&built_plugin_path(), PLUGIN_ID);
    host.activate(48_000.0, BLOCK_FRAMES as u32);
    group.bench_function(BenchmarkId::from_parameter("clap_host"), |b| {
        b.iter(|| {
            for start in (0..left.len()).step_by(BLOCK_FRAMES) {
                let end = (start + BLOCK_FRAMES).min(left.len());
                host.process_block(
                    &left[start..end],
                    &right[start..end],
                    &mut out_l[start..end],
                    &mut out_r[start..end],
                    &[],
                );
            }
            black_box(&out_l);
        })
    });
    let config = EngineConfig { sample_rate_hz: 48_000, channels: 2, max_block_frames: BLOCK_FRAMES };
    let mut engine = Engine::new(config, Settings::default()).unwrap();
    group.bench_function(BenchmarkId::from_parameter("engine"), |b| {
        b.iter(|| {
            for start in (0..left.len()).step_by(BLOCK_FRAMES) {
                let end = (start + BLOCK_FRAMES).min(left.len());
                out_l[start..end].copy_from_slice(&left[start..end]);
                out_r[start..end].copy_from_slice(&right[start..end]);
                engine.process_planar(&mut [&mut out_l[start..end], &mut out_r[start..end]]);
            }
            black_box(&out_l);
        })
    });
    group.finish();
    criterion.final_summary();
}
