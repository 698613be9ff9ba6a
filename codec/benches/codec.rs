//! Encode + decode of one frame through our types vs direct libopus calls on the same frames,
//! in one run, and the two timed in alternation. `cargo xtask bench` prints the ratios and holds
//! the limits to the ones timed in alternation.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion};
use roundtrip_codec::{
    Application, Bitrate, Channels, Decoder, Dred, DredDecoder, Encoder, MAX_PACKET_BYTES, raw::RawRoundTrip,
};
use roundtrip_signal::test_signal;
use test_support::paired_timing;

const SAMPLE_RATE_HZ: u32 = 48_000;
const BITRATE_BPS: i32 = 64_000;
const COMPLEXITY: i32 = 10;

fn ours(channels: Channels) -> (Encoder, Decoder) {
    let mut encoder = Encoder::new(SAMPLE_RATE_HZ, channels, Application::Audio).unwrap();
    encoder.set_bitrate(Bitrate::BitsPerSecond(BITRATE_BPS)).unwrap();
    encoder.set_complexity(COMPLEXITY as u8).unwrap();
    (encoder, Decoder::new(SAMPLE_RATE_HZ, channels).unwrap())
}

/// Frames per round of [`paired_ratio`]: one second of audio at 20 ms.
const PAIRED_ROUND_FRAMES: usize = 50;

fn bench_frame(c: &mut Criterion, group_name: &str, frame_samples: usize) {
    let channels = Channels::Stereo;
    let pcm = test_signal::music(SAMPLE_RATE_HZ, channels.count(), 2.0);
    let frames: Vec<&[f32]> = pcm.chunks_exact(frame_samples * channels.count()).collect();
    let mut packet = vec![0u8; MAX_PACKET_BYTES];
    let mut out = vec![0.0f32; frame_samples * channels.count()];
    let mut group = c.benchmark_group(group_name);

    // Which of the two criterion ran: its filter decides whether the paired ratio is wanted.
    let (mut ours_ran, mut raw_ran) = (false, false);
    let (mut encoder, mut decoder) = ours(channels);
    let mut index = 0;
    group.bench_function(BenchmarkId::from_parameter("ours"), |b| {
        ours_ran = true;
        b.iter(|| {
            ours_round_trip(&mut encoder, &mut decoder, frames[index % frames.len()], &mut packet, &mut out);
            index += 1;
        })
    });

    let mut raw = RawRoundTrip::new(SAMPLE_RATE_HZ, channels.count(), BITRATE_BPS, COMPLEXITY);
    let mut index = 0;
    group.bench_function(BenchmarkId::from_parameter("raw_libopus"), |b| {
        raw_ran = true;
        b.iter(|| {
            black_box(raw.round_trip(black_box(frames[index % frames.len()]), &mut packet, &mut out));
            index += 1;
        })
    });
    group.finish();
    if ours_ran && raw_ran && paired_timing::criterion_measures() {
        paired_ratio(group_name, &frames);
    }
}

/// Encodes and decodes one frame through our types.
fn ours_round_trip(encoder: &mut Encoder, decoder: &mut Decoder, frame: &[f32], packet: &mut [u8], out: &mut [f32]) {
    let len = encoder.encode_float(black_box(frame), packet).unwrap();
    black_box(decoder.decode_float(Some(&packet[..len]), out, false).unwrap());
}

/// Our types against raw libopus timed in alternation, [`PAIRED_ROUND_FRAMES`] frames each per
/// round, from fresh states (see `test_support::paired_timing`).
fn paired_ratio(group_name: &str, frames: &[&[f32]]) {
    let (mut encoder, mut decoder) = ours(Channels::Stereo);
    let mut raw = RawRoundTrip::new(SAMPLE_RATE_HZ, Channels::Stereo.count(), BITRATE_BPS, COMPLEXITY);
    let (mut ours_packet, mut raw_packet) = (vec![0u8; MAX_PACKET_BYTES], vec![0u8; MAX_PACKET_BYTES]);
    let (mut ours_out, mut raw_out) = (vec![0.0f32; frames[0].len()], vec![0.0f32; frames[0].len()]);
    let (mut ours_index, mut raw_index) = (0, 0);
    let ratio = paired_timing::time_in_alternation(
        || {
            for _ in 0..PAIRED_ROUND_FRAMES {
                let frame = frames[ours_index % frames.len()];
                ours_round_trip(&mut encoder, &mut decoder, frame, &mut ours_packet, &mut ours_out);
                ours_index += 1;
            }
        },
        || {
            for _ in 0..PAIRED_ROUND_FRAMES {
                let frame = frames[raw_index % frames.len()];
                black_box(raw.round_trip(black_box(frame), &mut raw_packet, &mut raw_out));
                raw_index += 1;
            }
        },
    );
    paired_timing::report(group_name, "ours", "raw libopus", ratio);
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
