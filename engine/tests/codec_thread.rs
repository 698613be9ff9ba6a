//! The codec thread gives the engine's output delayed by exactly its added latency, whatever the
//! blocks; a worker that stalls costs silence, counted to the frame, and never the alignment.
//! The worker is driven by hand here (or paced by count on a real thread), so no verdict depends
//! on the machine's speed.

mod common;

use std::time::{Duration, Instant};

use common::{engine, random_blocks};
use roundtrip_codec::FrameDuration;
use roundtrip_engine::codec_thread::{self, AudioEnd, CodecThread, Worker, extra_latency_frames};
use roundtrip_engine::{Comparison, Engine, EngineConfig, Listen, LossSettings, Settings, SlotId};
use roundtrip_signal::test_signal;

/// The settings a block starts with: a bitrate change, loss, and a frame change (a restart).
fn settings_at(block: usize) -> Settings {
    match block {
        0..40 => Settings::DEFAULT,
        40..90 => Settings { bitrate_bps: 24_000, ..Settings::DEFAULT },
        90..150 => Settings {
            bitrate_bps: 24_000,
            loss: LossSettings { loss_percent: 20.0, seed: 5, ..LossSettings::DEFAULT },
            ..Settings::DEFAULT
        },
        _ => Settings { frame: FrameDuration::Ms10, fec: true, ..Settings::DEFAULT },
    }
}

/// What a block compares and hears: B (shorter frames, a restart) from block 60, heard from 70,
/// the dry input from 100, and a blind test's switch at [`BLIND_BLOCK`].
fn comparison_at(block: usize) -> Comparison {
    let b = Settings { bitrate_bps: 16_000, frame: FrameDuration::Ms10, ..Settings::DEFAULT };
    match block {
        0..60 => Comparison::default(),
        60..70 => Comparison::listening(Listen::A).with(SlotId::B, Some(b)),
        70..100 => Comparison::listening(Listen::B).with(SlotId::B, Some(b)),
        _ => Comparison::listening(Listen::Dry).with(SlotId::B, Some(b)),
    }
}

/// The block at which a blind test presses A.
const BLIND_BLOCK: usize = 110;

/// Runs `input` through `engine` directly in `blocks`, with [`settings_at`],
/// [`comparison_at`] and a reset before block 120.
fn direct(mut engine: Engine, input: &[f32], blocks: &[usize]) -> Vec<f32> {
    let channels = engine.config().channels;
    let mut output = vec![0.0; input.len()];
    let mut done = 0;
    for (index, &block) in blocks.iter().enumerate() {
        let len = (block * channels).min(input.len() - done);
        engine.set_settings(&settings_at(index));
        engine.set_comparison(&comparison_at(index));
        if index == BLIND_BLOCK {
            engine.switch_blind(Listen::A);
        }
        if index == RESET_BLOCK {
            engine.reset();
        }
        engine.process_interleaved(&input[done..done + len], &mut output[done..done + len]);
        done += len;
    }
    output
}

/// `reference` delayed by `frames` frames, with silence before.
fn delayed(reference: &[f32], frames: usize, channels: usize) -> Vec<f32> {
    let shift = (frames * channels).min(reference.len());
    let mut out = vec![0.0; shift];
    out.extend_from_slice(&reference[..reference.len() - shift]);
    out
}

/// The block before which the tests reset.
const RESET_BLOCK: usize = 120;

/// Silences `frames` frames of `output` from frame `at`: after a reset, the codec thread
/// silences what it computed before.
fn silence(output: &mut [f32], at: usize, frames: usize, channels: usize) {
    let end = ((at + frames) * channels).min(output.len());
    output[(at * channels).min(end)..end].fill(0.0);
}

/// The first sample index at which `a` and `b` differ bit for bit.
fn first_difference(a: &[f32], b: &[f32]) -> Option<usize> {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).position(|(x, y)| x.to_bits() != y.to_bits())
}

fn no_tap() -> codec_thread::Tap {
    Box::new(|_, _| {})
}

/// Blocks of `block` frames covering `input`.
fn even_blocks(input: &[f32], channels: usize, block: usize) -> Vec<usize> {
    vec![block; (input.len() / channels).div_ceil(block)]
}

/// One callback through the two ends, the worker doing all it can in between unless `stalled`.
fn callback(audio: &mut AudioEnd, worker: &mut Worker, input: &[f32], output: &mut [f32], stalled: bool) {
    audio.push_interleaved(input);
    if !stalled {
        worker.run_until_idle();
    }
    audio.pull_interleaved(output);
}

#[test]
fn the_output_is_the_engines_delayed_by_the_added_latency_for_hostile_blocks() {
    let input = test_signal::interleave_mono(&test_signal::music(44_100, 1, 4.0), 2);
    // 1 frame, then 4,096, then 1, then random lengths.
    let mut blocks = vec![1, 4_096, 1];
    blocks.extend(random_blocks(400, 1_024, 11));
    let total: usize = blocks.iter().sum();
    assert!(total * 2 >= input.len());
    let reference = direct(engine(44_100, 2, Settings::DEFAULT), &input, &blocks);

    let mut thread = CodecThread::inline(engine(44_100, 2, Settings::DEFAULT), no_tap(), Box::new(()));
    let extra = thread.extra_latency_samples();
    assert_eq!(extra, 4_096 + 441);
    let mut output = vec![0.0; input.len()];
    let mut done = 0;
    for (index, &block) in blocks.iter().enumerate() {
        let len = (block * 2).min(input.len() - done);
        thread.set_settings(&settings_at(index));
        thread.set_comparison(&comparison_at(index));
        if index == BLIND_BLOCK {
            thread.switch_blind(Listen::A);
        }
        if index == RESET_BLOCK {
            thread.reset();
        }
        thread.process_interleaved(&input[done..done + len], &mut output[done..done + len]);
        done += len;
    }
    // Every change, the reset and the restart happen before the input ends.
    assert!(blocks[..=150].iter().sum::<usize>() * 2 < input.len());
    let mut expected = delayed(&reference, extra, 2);
    silence(&mut expected, blocks[..RESET_BLOCK].iter().sum(), extra, 2);
    assert_eq!(first_difference(&output, &expected), None);
    assert_eq!(thread.counters().late_callbacks, 0);
    assert!(output.iter().any(|&sample| sample.abs() > 0.1), "the comparison must not be of silence");
}

#[test]
fn a_stalled_worker_costs_silence_counted_to_the_frame_and_keeps_the_alignment() {
    const BLOCK: usize = 64;
    let config = EngineConfig { sample_rate_hz: 48_000, channels: 2, max_block_frames: BLOCK };
    let input = test_signal::music(48_000, 2, 2.0);
    let blocks = even_blocks(&input, 2, BLOCK);
    let reference = direct(Engine::with_slots(config, Settings::DEFAULT, 2).unwrap(), &input, &blocks);

    let (mut audio, mut worker) =
        codec_thread::pair(Engine::with_slots(config, Settings::DEFAULT, 2).unwrap(), no_tap(), Box::new(()));
    let extra = extra_latency_frames(&config);
    assert_eq!(extra, 64 + 480);
    let stalled = 100..150;
    let mut output = vec![0.0; input.len()];
    for (index, (block_in, block_out)) in input.chunks(BLOCK * 2).zip(output.chunks_mut(BLOCK * 2)).enumerate() {
        audio.set_settings(&settings_at(index));
        audio.set_comparison(&comparison_at(index));
        if index == BLIND_BLOCK {
            audio.switch_blind(Listen::A);
        }
        if index == RESET_BLOCK {
            audio.reset();
        }
        callback(&mut audio, &mut worker, block_in, block_out, stalled.contains(&index));
    }
    // The output ring held `extra` frames when the worker stalled: the first 8½ stalled blocks
    // play from it, the rest of the stall is silent.
    let silent = stalled.start * BLOCK + extra..stalled.end * BLOCK;
    let counters = audio.counters();
    assert_eq!(counters.silent_frames, silent.len() as u64);
    assert_eq!(counters.late_callbacks, (stalled.len() - extra / BLOCK) as u64);
    assert_eq!(counters.dropped_input_frames, 0);
    let mut expected = delayed(&reference, extra, 2);
    expected[silent.start * 2..silent.end * 2].fill(0.0);
    silence(&mut expected, RESET_BLOCK * BLOCK, extra, 2);
    assert_eq!(first_difference(&output, &expected), None);
    assert!(output[silent.end * 2..].iter().any(|&sample| sample.abs() > 0.1));
}

#[test]
fn a_worker_a_second_behind_drops_input_exactly_and_comes_back_at_the_same_latency() {
    const BLOCK: usize = 64;
    let config = EngineConfig { sample_rate_hz: 48_000, channels: 1, max_block_frames: BLOCK };
    let (mut audio, mut worker) =
        codec_thread::pair(Engine::with_slots(config, Settings::DEFAULT, 2).unwrap(), no_tap(), Box::new(()));
    let extra = extra_latency_frames(&config);
    let latency = worker.engine().latency_samples();
    let silence = [0.0f32; BLOCK];
    let mut output = [0.0f32; BLOCK];
    // 1,000 stalled blocks: 64,000 frames against a ring of 48,000 + 2 × 64.
    for _ in 0..1_000 {
        callback(&mut audio, &mut worker, &silence, &mut output, true);
    }
    assert_eq!(audio.counters().dropped_input_frames, 64_000 - 48_128);
    // The worker catches up; then an impulse comes out at the same latency as before.
    for _ in 0..10 {
        callback(&mut audio, &mut worker, &silence, &mut output, false);
    }
    let late = audio.counters().late_callbacks;
    assert!(late >= 1_000 - (extra / BLOCK) as u64);
    let mut impulse = [0.0f32; BLOCK];
    impulse[5] = 0.9;
    let mut out = Vec::new();
    callback(&mut audio, &mut worker, &impulse, &mut output, false);
    out.extend_from_slice(&output);
    for _ in 0..(latency + extra) / BLOCK + 4 {
        callback(&mut audio, &mut worker, &silence, &mut output, false);
        out.extend_from_slice(&output);
    }
    let peak = out.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap().0;
    assert_eq!(peak, 5 + latency + extra, "peak {}", out[peak]);
    assert_eq!(audio.counters().late_callbacks, late, "caught up before the impulse");
}

#[test]
fn a_real_codec_thread_paced_by_count_gives_the_same_output() {
    const BLOCK: usize = 64;
    let config = EngineConfig { sample_rate_hz: 96_000, channels: 2, max_block_frames: BLOCK };
    let input = test_signal::music(96_000, 2, 1.0);
    let blocks = even_blocks(&input, 2, BLOCK);
    let reference = direct(Engine::with_slots(config, Settings::DEFAULT, 2).unwrap(), &input, &blocks);

    let mut thread =
        CodecThread::spawn(Engine::with_slots(config, Settings::DEFAULT, 2).unwrap(), no_tap(), Box::new(()));
    assert!(!thread.runs_inline());
    let extra = thread.extra_latency_samples();
    let mut output = vec![0.0; input.len()];
    // Only a hang guard: the test waits for the worker by count, however slow the machine.
    let give_up = Instant::now() + Duration::from_secs(300);
    for (index, (block_in, block_out)) in input.chunks(BLOCK * 2).zip(output.chunks_mut(BLOCK * 2)).enumerate() {
        thread.set_settings(&settings_at(index));
        thread.set_comparison(&comparison_at(index));
        if index == BLIND_BLOCK {
            thread.switch_blind(Listen::A);
        }
        if index == RESET_BLOCK {
            thread.reset();
        }
        thread.process_interleaved(block_in, block_out);
        while thread.ready_frames() < extra {
            assert!(Instant::now() < give_up, "the codec thread stopped working");
            std::thread::yield_now();
        }
    }
    assert_eq!(thread.counters().late_callbacks, 0);
    let mut expected = delayed(&reference, extra, 2);
    silence(&mut expected, RESET_BLOCK * BLOCK, extra, 2);
    assert_eq!(first_difference(&output, &expected), None);
}
