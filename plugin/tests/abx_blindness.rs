//! A blind ABX test gives X away nowhere but in the sound. The same test (the same presses and
//! answers) is run twice over the plugin's own parameters and audio path, once with every X
//! drawn as the test's A and once as its B; after every press and every answer, everything a
//! host or the listener can see is compared: every parameter's value and text, the fields saved
//! with the session, what the test's panel shows (trial, what plays, the log), and the engine's
//! meters of both slots. Only the output's level differs, as the sound does: the editor hides
//! those meters (with the spectrum and the timeline) until the test ends.

use nice_plug::prelude::*;
use opus_roundtrip::abx::{AbxTest, Button, Pair};
use opus_roundtrip::blind_monitor::{BlindMonitor, BlindReader};
use opus_roundtrip::params::RoundtripParams;
use roundtrip_engine::{Engine, EngineConfig, MeterSnapshot, SlotId};
use roundtrip_signal::test_signal;
use std::sync::Arc;

const RATE: u32 = 48_000;

/// Sets the parameter `id` from its text, as a host would.
fn set(params: &RoundtripParams, id: &str, text: &str) {
    let (_, ptr, _) = params.param_map().into_iter().find(|(key, _, _)| key == id).expect(id);
    // SAFETY: `ptr` points into `params`, alive for this call; nothing else touches it here.
    unsafe {
        let normalized = ptr.string_to_normalized_value(text).expect(text);
        ptr._internal_set_normalized_value(normalized);
    }
}

/// Everything a host or the listener can see, as text.
fn visible(params: &RoundtripParams, test: &AbxTest, meters: [MeterSnapshot; 2]) -> String {
    let mut seen = String::new();
    for (id, ptr, _) in params.param_map() {
        // SAFETY: as in `set`.
        let (value, text) = unsafe {
            let value = ptr.unmodulated_normalized_value();
            (value, ptr.normalized_value_to_string(value, true))
        };
        seen += &format!("{id}={value}:{text};");
    }
    seen += &format!("{:?};", params.serialize_fields());
    seen += &format!(
        "trial {:?}, playing {:?}, finished {}, {}",
        test.trial_number(),
        test.playing(),
        test.is_finished(),
        test.log()
    );
    for snapshot in meters {
        let levels = snapshot.levels;
        seen += &format!(
            "{:?} {} {} {} {} {} {} {} {} {}",
            snapshot.counters,
            snapshot.latency_samples,
            levels.input_rms_dbfs,
            levels.input_peak,
            levels.snr_db,
            levels.aligned_peak_hold,
            levels.decoded_peak_hold,
            levels.actual_bitrate_bps,
            levels.packet_bytes,
            levels.level_match_db,
        );
    }
    seen
}

/// Runs one test of `pair` with every X drawn as `x_is_b`; returns what was visible after each
/// step of the answering, and the audio.
fn run(pair: Pair, x_is_b: bool) -> (Vec<String>, Vec<f32>) {
    let params = RoundtripParams::default();
    for (id, text) in [("cmp", "On"), ("b_kbps", "12"), ("b_loss", "10"), ("lmatch", "On")] {
        set(&params, id, text);
    }
    let config = EngineConfig { sample_rate_hz: RATE, channels: 2, max_block_frames: 512 };
    let mut engine = Engine::with_slots(config, params.settings(), 2).unwrap();
    engine.set_comparison(&params.comparison());
    engine.reset();
    let monitor = Arc::new(BlindMonitor::default());
    let mut reader = BlindReader::new(monitor.clone());
    let input = test_signal::interleave_mono(&test_signal::speech(RATE, 8.0), 2);
    let mut output = vec![0.0; input.len()];
    let mut done = 0;
    // The plugin's audio path: the parameters, with the test's source in place of Listen's.
    let mut play_a_while = |engine: &mut Engine, reader: &mut BlindReader| {
        for _ in 0..20 {
            let (comparison, switch) = reader.heard(params.comparison(), true);
            if let Some(source) = switch {
                engine.switch_blind(source);
            }
            engine.set_settings(&params.settings());
            engine.set_comparison(&comparison);
            let block = done..done + 2 * 480;
            engine.process_interleaved(&input[block.clone()], &mut output[block]);
            done += 2 * 480;
        }
    };
    let mut test = AbxTest::new(pair, 16, || x_is_b);
    let mut seen = Vec::new();
    for trial in 0..4 {
        for button in [Button::X, Button::A, Button::B, Button::X] {
            monitor.press(test.play(button));
            play_a_while(&mut engine, &mut reader);
            seen.push(visible(&params, &test, [SlotId::A, SlotId::B].map(|slot| engine.meters(slot).snapshot())));
        }
        monitor.press(test.answer(trial % 2 == 0));
        play_a_while(&mut engine, &mut reader);
        seen.push(visible(&params, &test, [SlotId::A, SlotId::B].map(|slot| engine.meters(slot).snapshot())));
    }
    (seen, output)
}

#[test]
fn nothing_visible_changes_with_x_but_the_sound() {
    for pair in Pair::ALL {
        let (seen_a, sound_a) = run(pair, false);
        let (seen_b, sound_b) = run(pair, true);
        for (step, (a, b)) in seen_a.iter().zip(&seen_b).enumerate() {
            assert!(a == b, "{pair:?}, step {step}: what is visible depends on X:\n{a}\n{b}");
        }
        // The premise: X was heard, and differently.
        assert!(sound_a != sound_b, "{pair:?}: X did not change the sound");
    }
}

#[test]
fn every_press_switches_through_silence_even_to_what_plays() {
    // Pressed X twice: the second press fades out and in again, as a press to another source
    // would, so a listener cannot tell X from whether the sound changed.
    let params = RoundtripParams::default();
    let config = EngineConfig { sample_rate_hz: RATE, channels: 1, max_block_frames: 512 };
    let mut engine = Engine::with_slots(config, params.settings(), 2).unwrap();
    let monitor = Arc::new(BlindMonitor::default());
    let mut reader = BlindReader::new(monitor.clone());
    let tone: Vec<f32> = (0..RATE as usize).map(|n| 0.5 * (n as f32 * 0.05).sin()).collect();
    let mut output = vec![0.0; tone.len()];
    for (index, (block_in, block_out)) in tone.chunks(480).zip(output.chunks_mut(480)).enumerate() {
        if index == 60 {
            monitor.press(roundtrip_engine::Listen::A);
        }
        let (comparison, switch) = reader.heard(params.comparison(), true);
        if let Some(source) = switch {
            engine.switch_blind(source);
        }
        engine.set_comparison(&comparison);
        engine.process_interleaved(block_in, block_out);
    }
    // Silent at the press's middle (240 frames in), loud before and after.
    let press = 60 * 480;
    assert!(output[press + 240].abs() < 1e-3, "{}", output[press + 240]);
    let loud = |range: std::ops::Range<usize>| output[range].iter().fold(0.0f32, |m, &s| m.max(s.abs())) > 0.3;
    assert!(loud(press - 2_000..press) && loud(press + 600..press + 2_600));
}
