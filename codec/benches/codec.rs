//! Encode + decode of one frame through our types vs direct libopus calls on the same frames,
//! in one run. `cargo xtask bench` prints the ratios.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion};
use roundtrip_codec::{
    Application, Bitrate, Channels, Decoder, Dred, DredDecoder, Encoder, MAX_PACKET_BYTES, raw::RawRoundTrip,
};
use roundtrip_signal::test_signal;

const SAMPLE_RATE_HZ: u32 = 48_000;
const BITRATE_BPS: i32 = 64_000;
const COMPLEXITY: i32 = 10;

fn ours(channels: Channels) -> (Encoder, Decoder) {
    let mut encoder = Encoder::new(SAMPLE_RATE_HZ, channels, Application::Audio).unwrap();
    encoder.set_bitrate(Bitrate::BitsPerSecond(BITRATE_BPS)).unwrap();
    encoder.set_complexity(COMPLEXITY as u8).unwrap();
    (encoder, Decoder::new(SAMPLE_RATE_HZ, channels).unwrap())
}

fn bench_frame(c: &mut Criterion, group_name: &str, frame_samples: usize) {
    let channels = Channels::Stereo;
    let pcm = test_signal::music(SAMPLE_RATE_HZ, channels.count(), 2.0);
    let frames: Vec<&[f32]> = pcm.chunks_exact(frame_samples * channels.count()).collect();
    let mut packet = vec![0u8; MAX_PACKET_BYTES];
    let mut out = vec![0.0f32; frame_samples * channels.count()];
    let mut group = c.benchmark_group(group_name);

    let (mut encoder, mut decoder) = ours(channels);
    let mut index = 0;
    group.bench_function(BenchmarkId::from_parameter("ours"), |b| {
        b.iter(|| {
            let frame = frames[index % frames.len()];
            index += 1;
            let len = encoder.encode_float(black_box(frame), &mut packet).unwrap();
            black_box(decoder.decode_float(Some(&packet[..len]), &mut out, false).unwrap())
        })
    });

    let mut raw = RawRoundTrip::new(SAMPLE_RATE_HZ, channels.count(), BITRATE_BPS, COMPLEXITY);
    let mut index = 0;
    group.bench_function(BenchmarkId::from_parameter("raw_libopus"), |b| {
        b.iter(|| {
            let frame = frames[index % frames.len()];
            index += 1;
            black_box(raw.round_trip(black_box(frame), &mut packet, &mut out))
        })
    });
    group.finish();
}

fn print_state_sizes() {
    for channels in [Channels::Mono, Channels::Stereo] {
        println!(
            "state sizes, {channels:?}: encoder {} bytes, decoder {} bytes",
            Encoder::layout(channels).unwrap().size(),
            Decoder::layout(channels).unwrap().size()
        );
    }
    println!(
        "state sizes, DRED: decoder {} bytes, parsed redundancy {} bytes",
        DredDecoder::layout().unwrap().size(),
        Dred::layout().unwrap().size()
    );
}

fn main() {
    print_state_sizes();
    let mut criterion = Criterion::default().configure_from_args();
    bench_frame(&mut criterion, "codec_20ms_stereo_64k", 960);
    bench_frame(&mut criterion, "codec_10ms_stereo_64k", 480);
    bench_frame(&mut criterion, "codec_2_5ms_stereo_64k", 120);
    criterion.final_summary();
}
