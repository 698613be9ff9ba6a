//! The engine against raw libopus on the same audio, in one run: one second of audio per
//! iteration, so criterion's time per iteration is the cost of a second of audio.
//! `cargo xtask bench` prints the ratios; this binary also prints the engine's ratios timed in
//! alternation with raw libopus (which `cargo xtask bench` holds to the limits), the worst single
//! call and the real-time factors.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use roundtrip_codec::raw::RawRoundTrip;
use roundtrip_codec::{Application, MAX_PACKET_BYTES};
use roundtrip_engine::{Comparison, Engine, EngineConfig, MAX_SLOTS, Settings, SlotId};
use roundtrip_signal::test_signal;
use test_support::paired_timing;

const BLOCK_FRAMES: usize = 64;
const BITRATE_BPS: i32 = 64_000;

fn settings() -> Settings {
    Settings { bitrate_bps: BITRATE_BPS, complexity: 10, application: Application::Audio, ..Settings::default() }
}

fn engine(rate: u32, settings: Settings) -> Engine {
    comparing_engine(rate, settings, 1)
}

/// An engine running `slots` slots, every one with `settings`, the last one heard.
fn comparing_engine(rate: u32, settings: Settings, slots: usize) -> Engine {
    let config = EngineConfig { sample_rate_hz: rate, channels: 2, max_block_frames: 4096 };
    let mut engine = Engine::with_slots(config, settings, slots).unwrap();
    let compared = SlotId::COMPARED.into_iter().take(slots - 1);
    let last = SlotId::ALL[slots - 1];
    engine.set_comparison(
        &compared.fold(Comparison::listening(last.into()), |comparison, slot| comparison.with(slot, Some(settings))),
    );
    engine.reset();
    engine
}

/// One second of stereo music at `rate`.
fn second_of_music(rate: u32) -> Vec<f32> {
    test_signal::music(rate, 2, 1.0)
}

/// Feeds one second through `engine` in 64-frame blocks.
fn engine_second(engine: &mut Engine, input: &[f32], output: &mut [f32]) {
    for (block_in, block_out) in input.chunks(BLOCK_FRAMES * 2).zip(output.chunks_mut(BLOCK_FRAMES * 2)) {
        engine.process_interleaved(block_in, block_out);
    }
}

/// Encodes and decodes one second at 48 kHz in 20 ms frames with bare libopus calls.
fn raw_second(raw: &mut RawRoundTrip, input: &[f32], packet: &mut [u8], output: &mut [f32]) {
    for (frame, out) in input.chunks_exact(960 * 2).zip(output.chunks_exact_mut(960 * 2)) {
        black_box(raw.round_trip(frame, packet, out));
    }
}

/// Benchmarks the engine on one second of `input` at `rate`, and, with `with_raw`, bare libopus
/// on the same music at 48 kHz, and the two timed in alternation ([`paired_ratio`]).
fn bench_group(c: &mut Criterion, group_name: &str, rate: u32, settings: Settings, input: &[f32], with_raw: bool) {
    let raw_input = second_of_music(48_000);
    let mut output = vec![0.0f32; input.len().max(raw_input.len())];
    let mut packet = vec![0u8; MAX_PACKET_BYTES];
    let mut group = c.benchmark_group(group_name);
    group.sample_size(20).measurement_time(Duration::from_secs(8));

    // Which of the two criterion ran: its filter decides whether the paired ratio is wanted.
    let (mut engine_ran, mut raw_ran) = (false, false);
    let mut ours = engine(rate, settings);
    group.bench_function(BenchmarkId::from_parameter("engine"), |b| {
        engine_ran = true;
        b.iter(|| engine_second(&mut ours, black_box(input), &mut output))
    });
    if with_raw {
        let mut raw = RawRoundTrip::new(48_000, 2, BITRATE_BPS, 10).with_constrained_vbr();
        group.bench_function(BenchmarkId::from_parameter("raw_libopus"), |b| {
            raw_ran = true;
            b.iter(|| raw_second(&mut raw, black_box(&raw_input), &mut packet, &mut output))
        });
    }
    group.finish();
    if engine_ran && raw_ran && paired_timing::criterion_measures() {
        paired_ratio(group_name, rate, settings, input, &raw_input);
    }
}

/// The engine on `input` against raw libopus on `raw_input` timed in alternation, one second of
/// audio each per round, from fresh states (see `test_support::paired_timing`).
fn paired_ratio(group_name: &str, rate: u32, settings: Settings, input: &[f32], raw_input: &[f32]) {
    let (mut engine_output, mut raw_output) = (vec![0.0f32; input.len()], vec![0.0f32; raw_input.len()]);
    let mut packet = vec![0u8; MAX_PACKET_BYTES];
    let mut ours = engine(rate, settings);
    let mut raw = RawRoundTrip::new(48_000, 2, BITRATE_BPS, 10).with_constrained_vbr();
    let ratio = paired_timing::time_in_alternation(
        || engine_second(&mut ours, black_box(input), &mut engine_output),
        || raw_second(&mut raw, black_box(raw_input), &mut packet, &mut raw_output),
    );
    paired_timing::report(group_name, "engine", "raw libopus", ratio);
}

/// Benchmarks one chain against comparisons of two and of six chains with the same settings (the
/// engine's share that is not a chain's, sanitising, mixing and metering, is paid once).
fn bench_comparison(c: &mut Criterion, group_name: &str, rate: u32, input: &[f32]) {
    let mut output = vec![0.0f32; input.len()];
    let mut group = c.benchmark_group(group_name);
    group.sample_size(20).measurement_time(Duration::from_secs(8));
    let mut one = engine(rate, settings());
    group.bench_function(BenchmarkId::from_parameter("one_chain"), |b| {
        b.iter(|| engine_second(&mut one, black_box(input), &mut output))
    });
    let mut two = comparing_engine(rate, settings(), 2);
    group.bench_function(BenchmarkId::from_parameter("two_chains"), |b| {
        b.iter(|| engine_second(&mut two, black_box(input), &mut output))
    });
    let mut six = comparing_engine(rate, settings(), MAX_SLOTS);
    group.bench_function(BenchmarkId::from_parameter("six_chains"), |b| {
        b.iter(|| engine_second(&mut six, black_box(input), &mut output))
    });
    group.finish();
}

/// Times of each call in `run`, repeated `RUNS` times on fresh state, keeping each call's
/// fastest time: what the work costs, without the scheduler's interruptions.
fn fastest_of_runs(calls: usize, mut run: impl FnMut(&mut dyn FnMut(usize, Duration))) -> Vec<Duration> {
    const RUNS: usize = 5;
    let mut fastest = vec![Duration::MAX; calls];
    for _ in 0..RUNS {
        run(&mut |index, elapsed| fastest[index] = fastest[index].min(elapsed));
    }
    fastest
}

/// The slowest single 64-frame call over 10 s, against the slowest raw encode+decode of one
/// 20 ms frame of the same music: no call may do more than one frame's work.
fn worst_call_report(rate: u32) {
    let input = test_signal::music(rate, 2, 10.0);
    let mut output = vec![0.0f32; input.len()];
    let calls = input.chunks(BLOCK_FRAMES * 2).count();
    let engine_calls = fastest_of_runs(calls, |record| {
        let mut ours = engine(rate, settings());
        for (index, (block_in, block_out)) in
            input.chunks(BLOCK_FRAMES * 2).zip(output.chunks_mut(BLOCK_FRAMES * 2)).enumerate()
        {
            let start = Instant::now();
            ours.process_interleaved(block_in, block_out);
            record(index, start.elapsed());
        }
    });
    let raw_input = test_signal::music(48_000, 2, 10.0);
    let mut raw_output = vec![0.0f32; raw_input.len()];
    let frames = raw_input.chunks_exact(960 * 2).count();
    let raw_frames = fastest_of_runs(frames, |record| {
        let mut raw = RawRoundTrip::new(48_000, 2, BITRATE_BPS, 10).with_constrained_vbr();
        let mut packet = vec![0u8; MAX_PACKET_BYTES];
        for (index, (frame, out)) in
            raw_input.chunks_exact(960 * 2).zip(raw_output.chunks_exact_mut(960 * 2)).enumerate()
        {
            let start = Instant::now();
            black_box(raw.round_trip(frame, &mut packet, out));
            record(index, start.elapsed());
        }
    });
    let worst_call = engine_calls.iter().max().copied().unwrap_or_default();
    let worst_frame = raw_frames.iter().max().copied().unwrap_or_default();
    println!(
        "slowest 64-frame call at {rate} Hz: {:.1} µs; slowest raw 20 ms frame: {:.1} µs; ratio {:.2} \
         (each the fastest of 5 runs)",
        worst_call.as_secs_f64() * 1e6,
        worst_frame.as_secs_f64() * 1e6,
        worst_call.as_secs_f64() / worst_frame.as_secs_f64()
    );
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let (music_48k, music_44k1) = (second_of_music(48_000), second_of_music(44_100));
    bench_group(&mut criterion, "engine_48k_stereo_20ms_64k", 48_000, settings(), &music_48k, true);
    bench_group(&mut criterion, "engine_44k1_stereo_20ms_64k", 44_100, settings(), &music_44k1, true);
    bench_comparison(&mut criterion, "a_b_48k_stereo_20ms_64k", 48_000, &music_48k);
    bench_comparison(&mut criterion, "a_b_44k1_stereo_20ms_64k", 44_100, &music_44k1);
    // The neural features, on speech (where they engage) at 24 kbps VoIP with 10 % loss, each
    // beside the same settings without them.
    let speech = test_signal::interleave_mono(&test_signal::speech(48_000, 1.0), 2);
    let voice = Settings {
        bitrate_bps: 24_000,
        application: Application::Voip,
        loss: roundtrip_engine::LossSettings { loss_percent: 10.0, ..Default::default() },
        ..settings()
    };
    bench_group(&mut criterion, "engine_48k_voice_24k_plain", 48_000, voice, &speech, false);
    bench_group(
        &mut criterion,
        "engine_48k_voice_24k_dred_100ms",
        48_000,
        Settings { dred_duration_ms: 100, ..voice },
        &speech,
        false,
    );
    for complexity in [5, 6, 7, 10] {
        let name = format!("engine_48k_voice_24k_decoder_complexity_{complexity}");
        bench_group(
            &mut criterion,
            &name,
            48_000,
            Settings { decoder_complexity: complexity, ..voice },
            &speech,
            false,
        );
    }
    criterion.final_summary();
    worst_call_report(48_000);
    worst_call_report(44_100);
}
