//! What the listener models cost, against what the codec costs on the same audio, in one run:
//! each iteration is 10 s of mono speech at 48 kHz, through ViSQOL's speech mode, its audio
//! mode, the noise-to-mask model, and bare libopus (encode and decode, 24 kbps, 20 ms frames).
//! `cargo xtask bench` prints each per second of audio and as a multiple of libopus's time, and
//! what two live slots cost, each scoring its last 8 s every 8 s (see the plugin's live score).

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use roundtrip_codec::MAX_PACKET_BYTES;
use roundtrip_codec::raw::RawRoundTrip;
use roundtrip_quality::masking::NoiseToMask;
use roundtrip_quality::{Mode, score};
use roundtrip_signal::test_signal;

const RATE: u32 = 48_000;
const SECONDS: f64 = 10.0;

/// `pcm` through bare libopus, and the decoded signal (not lined up: the models align it).
fn round_trip(raw: &mut RawRoundTrip, pcm: &[f32], decoded: &mut [f32], packet: &mut [u8]) {
    for (frame, out) in pcm.chunks_exact(960).zip(decoded.chunks_exact_mut(960)) {
        black_box(raw.round_trip(frame, packet, out));
    }
}

fn listeners(c: &mut Criterion) {
    let speech = test_signal::speech(RATE, SECONDS);
    let mut decoded = vec![0.0f32; speech.len()];
    let mut packet = vec![0u8; MAX_PACKET_BYTES];
    let mut raw = RawRoundTrip::new(RATE, 1, 24_000, 10);
    round_trip(&mut raw, &speech, &mut decoded, &mut packet);
    let mut group = c.benchmark_group("listeners_10s_speech_48k");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.bench_function("raw_libopus", |b| {
        let mut out = vec![0.0f32; speech.len()];
        b.iter(|| round_trip(&mut raw, &speech, &mut out, &mut packet));
    });
    group.bench_function("visqol_speech", |b| b.iter(|| black_box(score(&speech, &decoded, RATE, Mode::Speech))));
    group.bench_function("visqol_audio", |b| b.iter(|| black_box(score(&speech, &decoded, RATE, Mode::Audio))));
    group.bench_function("noise_to_mask", |b| {
        b.iter(|| {
            let mut model = NoiseToMask::new(RATE).expect("48 kHz is covered");
            let mut frames = 0usize;
            model.push(&speech, &decoded, |_| frames += 1);
            black_box(frames)
        })
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    listeners(&mut criterion);
    criterion.final_summary();
}
