//! `process`, `set_settings` and `reset` never touch the heap, in Rust or in C, across every
//! kind of setting change, with and without resampling. Counted with the `alloc-counter` shims.

alloc_counter::install!();

mod common;

use alloc_counter::count;
use common::{engine, engine_with_slots, random_blocks};
use roundtrip_codec::{Application, Bandwidth, FrameDuration, RateControl};
use roundtrip_engine::handoff::handoff;
use roundtrip_engine::{JitterSettings, LossModel, LossSettings, Monitor, Receiver, Settings, SlotId};
use roundtrip_signal::test_signal;

/// A settings sequence that changes every setting, including those that restart the codec.
fn settings_sequence() -> Vec<Settings> {
    let frames = FrameDuration::FIXED;
    let applications = [Application::Voip, Application::Audio, Application::RestrictedLowDelay];
    let monitors = [Monitor::Decoded, Monitor::Difference, Monitor::Dry];
    (0..24)
        .map(|step| Settings {
            bitrate_bps: [6_000, 24_000, 64_000, 510_000][step % 4],
            frame: frames[step % frames.len()],
            complexity: (step % 11) as u8,
            application: applications[step / 3 % 3],
            bandwidth: [None, Some(Bandwidth::Wideband), Some(Bandwidth::Fullband)][step % 3],
            rate_control: [RateControl::Cbr, RateControl::Vbr, RateControl::ConstrainedVbr][step % 3],
            dtx: step % 2 == 0,
            fec: step % 3 == 0,
            expected_loss_percent: if step % 4 == 0 { None } else { Some((step * 3) as u8) },
            dred_duration_ms: [0, 100, 40, 1_040][step % 4],
            decoder_complexity: [0, 5, 6, 7, 10][step % 5],
            force_mono: step % 5 == 0,
            loss: LossSettings {
                model: [LossModel::Bernoulli, LossModel::GilbertElliott, LossModel::Realistic][step % 3],
                loss_percent: (step % 5) as f32 * 5.0,
                mean_burst_packets: 1.0 + (step % 4) as f32,
                seed: step as u64 / 6,
            },
            jitter: JitterSettings {
                mean_jitter_ms: [0.0, 5.0, 30.0][step % 3],
                spike_percent: [0.0, 2.0][step % 2],
                spike_ms: 300.0,
                playout_ms: [0, 40, 200, 10][step % 4],
                receiver: [
                    Receiver::Fixed,
                    Receiver::ADAPTIVE_DEFAULT,
                    Receiver::Fixed,
                    Receiver::Adaptive { min_ms: 40, max_ms: 120 },
                ][step / 2 % 4],
            },
            monitor: monitors[step % 3],
            mix: (step % 4) as f32 / 3.0,
            output_gain_db: -((step % 7) as f32),
            level_match: step % 2 == 1,
        })
        .collect()
}

fn assert_no_allocation_at(rate: u32, channels: usize) {
    let mono = test_signal::speech(rate, 1.0);
    let mut input = test_signal::interleave_mono(&mono, channels);
    input[1000] = f32::NAN;
    let mut output = vec![0.0; input.len()];
    let blocks = random_blocks(200, 4_096, u64::from(rate));
    let settings = settings_sequence();
    let mut engine = engine(rate, channels, Settings::default());
    let (blocks_done, counts) = count(|| {
        let mut blocks_done = 0;
        for (step, next) in settings.iter().enumerate() {
            engine.set_settings(next);
            // Half a second of audio per settings change, in random blocks.
            let mut done = 0;
            for &block in blocks.iter().cycle().skip(step) {
                let len = (block * channels).min(input.len() / 2 - done);
                if len == 0 {
                    break;
                }
                engine.process_interleaved(&input[done..done + len], &mut output[done..done + len]);
                done += len;
                blocks_done += 1;
            }
            if step % 7 == 6 {
                engine.reset();
            }
        }
        blocks_done
    });
    assert!(counts.is_zero(), "{rate} Hz × {channels}: {counts:?} over {blocks_done} blocks");
    let counters = engine.counters(SlotId::A);
    assert!(counters.packets_sent > 0);
}

#[test]
fn no_allocation_at_48_khz_stereo() {
    assert_no_allocation_at(48_000, 2);
}

#[test]
fn no_allocation_at_44_1_khz_stereo_with_resampling() {
    assert_no_allocation_at(44_100, 2);
}

#[test]
fn no_allocation_at_16_khz_mono() {
    assert_no_allocation_at(16_000, 1);
}

#[test]
fn no_allocation_at_96_khz_mono_with_resampling() {
    assert_no_allocation_at(96_000, 1);
}

#[test]
fn comparing_six_settings_allocates_nothing_whatever_is_switched() {
    use roundtrip_engine::{Comparison, Listen, MAX_SLOTS};
    let input = test_signal::interleave_mono(&test_signal::speech(44_100, 1.0), 2);
    let mut output = vec![0.0; input.len()];
    let blocks = random_blocks(200, 4_096, 11);
    let settings = settings_sequence();
    let mut engine = engine_with_slots(44_100, 2, Settings { level_match: true, ..Settings::default() }, MAX_SLOTS);
    let sources = [Listen::Dry, Listen::A, Listen::B, Listen::C, Listen::D, Listen::E, Listen::F];
    let (_, counts) = count(|| {
        for step in 0..settings.len() {
            // Each compared slot takes every setting in turn (restarts included), each off one
            // step in five, at its own phase.
            let comparison = SlotId::COMPARED.into_iter().enumerate().fold(
                Comparison::listening(sources[step % sources.len()]),
                |comparison, (offset, slot)| {
                    let phase = step + offset;
                    comparison.with(slot, (phase % 5 != 4).then_some(settings[phase % settings.len()]))
                },
            );
            engine.set_comparison(&comparison);
            let mut done = 0;
            for &block in blocks.iter().cycle().skip(step).take(10) {
                let len = (block * 2).min(input.len() - done);
                engine.process_interleaved(&input[done..done + len], &mut output[done..done + len]);
                done += len;
            }
            if step % 7 == 6 {
                engine.reset();
            }
        }
    });
    assert!(counts.is_zero(), "{counts:?}");
    for slot in SlotId::ALL {
        assert!(engine.counters(slot).packets_sent > 0, "{slot:?} never ran");
    }
}

#[test]
fn the_codec_thread_allocates_nothing_on_either_side_even_when_the_worker_stalls() {
    use roundtrip_engine::CodecThread;
    use roundtrip_engine::codec_thread::pair;
    let input = test_signal::interleave_mono(&test_signal::speech(44_100, 1.0), 2);
    let mut output = vec![0.0; input.len()];
    let blocks = random_blocks(200, 4_096, 7);
    let settings = settings_sequence();
    let mut thread = CodecThread::inline(engine(44_100, 2, Settings::default()), Box::new(|_, _| {}), Box::new(()));
    let (mut audio, mut worker) = pair(engine(44_100, 2, Settings::default()), Box::new(|_, _| {}), Box::new(()));
    let (_, counts) = count(|| {
        for (step, next) in settings.iter().enumerate() {
            thread.set_settings(next);
            audio.set_settings(next);
            let mut done = 0;
            for &block in blocks.iter().cycle().skip(step).take(20) {
                let len = (block * 2).min(input.len() - done);
                thread.process_interleaved(&input[done..done + len], &mut output[done..done + len]);
                // The hand-driven pair stalls for whole settings steps, long enough to drop input.
                audio.push_interleaved(&input[done..done + len]);
                if step % 4 == 3 {
                    worker.run_until_idle();
                }
                audio.pull_interleaved(&mut output[done..done + len]);
                done += len;
            }
            if step % 7 == 6 {
                thread.reset();
                audio.reset();
            }
        }
    });
    assert!(counts.is_zero(), "{counts:?}");
    assert!(audio.counters().dropped_input_frames > 0 && audio.counters().late_callbacks > 0);
    assert!(thread.counters().late_callbacks == 0 && worker.engine().counters(SlotId::A).packets_sent > 0);
}

#[test]
fn the_counter_sees_an_allocation_inside_the_engine_loop() {
    let mut engine = engine(48_000, 2, Settings::default());
    let input = vec![0.0f32; 960];
    let mut output = vec![0.0f32; 960];
    let (_, counts) = count(|| {
        engine.process_interleaved(&input, &mut output);
        std::hint::black_box(vec![0u8; 16]);
    });
    assert!(counts.rust >= 1 && (counts.c >= 1 || !alloc_counter::COUNTS_C_HEAP), "{counts:?}");
}

#[test]
fn heap_data_handed_to_the_audio_thread_is_taken_without_allocating_or_freeing_there() {
    // A loss trace's worth of data, allocated and dropped here, never on the counted side.
    let (mut sender, mut receiver) = handoff::<Vec<f32>>();
    for round in 0..100u16 {
        sender.send(vec![f32::from(round); 4_096]);
        let (changed, counts) = count(|| receiver.update());
        assert!(changed, "round {round}");
        assert!(counts.is_zero(), "round {round}: {counts:?}");
        assert_eq!(receiver.current().first(), Some(&f32::from(round)));
    }
}

#[test]
fn replaying_and_swapping_loss_and_delay_traces_allocates_and_frees_nothing_on_the_audio_thread() {
    use roundtrip_engine::{JitterSettings, LossTrace};
    let jitter = JitterSettings { playout_ms: 40, ..JitterSettings::DEFAULT };
    let mut engine = engine(44_100, 2, Settings { fec: true, dred_duration_ms: 100, jitter, ..Settings::default() });
    let mut sender = engine.loss_trace_sender(SlotId::A);
    let input = test_signal::interleave_mono(&test_signal::speech(44_100, 0.5), 2);
    let mut output = vec![0.0; input.len()];
    let (mut lost, mut late) = (0, 0);
    for round in 0..12usize {
        // Traces are made and freed here; on the audio thread they are only taken and retired.
        let trace = match round % 4 {
            0 | 1 => Some(LossTrace::new((0..round + 2).map(|index| index % 2 == 0).collect())),
            // A delay trace: one packet lost, one 170 ms late (beyond the wait, DRED's 100 ms).
            2 => Some(LossTrace::parse_delays(&format!("lost 3 170 {}", "1.5 ".repeat(round)))),
            _ => None,
        };
        sender.send(trace.transpose().unwrap());
        let (before, before_late) = (engine.counters(SlotId::A).packets_lost, engine.counters(SlotId::A).packets_late);
        let ((), counts) = count(|| {
            for (block_in, block_out) in input.chunks(2 * 301).zip(output.chunks_mut(2 * 301)) {
                engine.process_interleaved(block_in, block_out);
            }
        });
        assert!(counts.is_zero(), "round {round}: {counts:?}");
        lost += engine.counters(SlotId::A).packets_lost - before;
        late += engine.counters(SlotId::A).packets_late - before_late;
    }
    assert!(lost > 50 && late > 5, "the traces were in force: {lost} packets lost, {late} late");
}
