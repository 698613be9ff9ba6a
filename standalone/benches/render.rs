//! Offline render speed: `render` of a 10 s, 48 kHz stereo WAV (20 ms, 64 kbps, complexity 10)
//! against raw libopus encode+decode of the same file, both reading and writing the WAVs the same
//! way, in one run. `cargo xtask bench` prints the ratio and seconds of audio per CPU second.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use roundtrip_app::commands::render::{Outputs, render_file};
use roundtrip_app::wav::{self, Audio, WavFormat};
use roundtrip_codec::MAX_PACKET_BYTES;
use roundtrip_codec::raw::RawRoundTrip;
use roundtrip_engine::Settings;
use roundtrip_signal::test_signal;

const RATE_HZ: u32 = 48_000;
const SECONDS: f64 = 10.0;
const FRAME: usize = 960;

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let input_path = dir.path().join("in.wav");
    let music = Audio { sample_rate_hz: RATE_HZ, channels: 2, samples: test_signal::music(RATE_HZ, 2, SECONDS) };
    wav::write(&input_path, &music, WavFormat::Float32).expect("input");
    let output_path = dir.path().join("out.wav");

    let mut group = criterion.benchmark_group("render_48k_stereo_20ms_64k");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    // The codec path only, as raw libopus does: no quality measures.
    let outputs = Outputs {
        decoded: output_path.clone(),
        difference: None,
        record: None,
        report: None,
        loss_trace: None,
        format: None,
        measure_quality: false,
        perceptual: roundtrip_app::perceptual::QualityMode::Off,
    };
    group.bench_function(BenchmarkId::from_parameter("render"), |b| {
        b.iter(|| black_box(render_file(&input_path, &outputs, &Settings::default().into(), true).expect("render")))
    });
    group.bench_function(BenchmarkId::from_parameter("raw_libopus"), |b| {
        b.iter(|| {
            let (input, format) = wav::read(&input_path).expect("input");
            let mut raw = RawRoundTrip::new(RATE_HZ, 2, 64_000, 10).with_constrained_vbr();
            let mut packet = vec![0u8; MAX_PACKET_BYTES];
            let mut decoded = vec![0.0f32; input.samples.len()];
            for (pcm, out) in input.samples.chunks_exact(FRAME * 2).zip(decoded.chunks_exact_mut(FRAME * 2)) {
                assert_eq!(raw.round_trip(pcm, &mut packet, out), FRAME as i32);
            }
            wav::write(&output_path, &Audio { samples: decoded, ..input }, format).expect("output");
        })
    });
    group.finish();
    criterion.final_summary();
}
