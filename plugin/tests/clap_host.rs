//! The built plugin, loaded through a real CLAP host library (`clack-host`) and driven as a DAW
//! drives it: descriptor, parameters, activation at several rates and block sizes, random block
//! lengths, latency measured with an impulse, automation, state saved and restored.
//!
//! The plugin under test is a debug build with nice-plug's `assert_process_allocs`: any
//! allocation inside `process` or `reset` aborts this test binary.

mod common;

use clack_extensions::params::ParamInfoFlags;
use common::clap_host::{ClapHarness, PLUGIN_ID, built_plugin_path, list, param_named, process_random_blocks};
use opus_roundtrip::params::LOSS_TRACE_FIELD;
use roundtrip_signal::test_signal;
use test_support::peak_position;

fn harness() -> ClapHarness {
    ClapHarness::load(&built_plugin_path(), PLUGIN_ID)
}

#[test]
fn the_descriptor_and_parameters_are_what_a_host_shows() {
    let descriptors = list(&built_plugin_path());
    assert_eq!(descriptors.len(), 1);
    let (id, name, vendor, version, features) = &descriptors[0];
    assert_eq!((id.as_str(), name.as_str()), (PLUGIN_ID, "Opus Roundtrip"));
    assert!(!vendor.is_empty() && version == env!("CARGO_PKG_VERSION"));
    for feature in ["audio-effect", "stereo", "mono"] {
        assert!(features.iter().any(|f| f == feature), "missing feature {feature}: {features:?}");
    }
    let mut host = harness();
    assert_eq!(host.channel_counts(true), vec![2]);
    assert_eq!(host.channel_counts(false), vec![2]);
    let params = host.params();
    assert!(params.len() >= 19, "{} parameters", params.len());
    let bitrate = param_named(&params, "Bitrate");
    assert_eq!(host.value_to_text(bitrate.id, bitrate.default).as_deref(), Some("64 kbps"));
    assert_eq!(host.value_to_text(bitrate.id, bitrate.min).as_deref(), Some("6 kbps"));
    assert_eq!(host.value_to_text(bitrate.id, bitrate.max).as_deref(), Some("510 kbps"));
    let loss = param_named(&params, "Packet loss");
    let five = host.text_to_value(loss.id, "5 %").unwrap();
    assert_eq!(host.value_to_text(loss.id, five).as_deref(), Some("5.0 %"));
    let frame = param_named(&params, "Frame");
    assert_eq!(host.value_to_text(frame.id, frame.default).as_deref(), Some("20 ms"));
    assert_eq!(host.value_to_text(param_named(&params, "DRED").id, 0.0).as_deref(), Some("Off"));
}

/// The unit each numeric parameter states, and the word that stands for its lowest value where
/// one does ("" for plain numbers).
const NUMERIC_UNITS: [(&str, &str, Option<&str>); 14] = [
    ("Bitrate", "kbps", None),
    ("Packet loss", "%", None),
    ("Mean burst", "packets", None),
    ("Loss seed", "", None),
    ("Jitter", "ms", None),
    ("Delay spikes", "%", None),
    ("Spike delay", "ms", None),
    ("Playout delay", "ms", None),
    ("Complexity", "", None),
    ("Expected loss", "%", Some("Auto")),
    ("DRED", "ms", Some("Off")),
    ("Decoder complexity", "", None),
    ("Mix", "%", None),
    ("Output gain", "dB", None),
];

#[test]
fn numeric_parameters_read_as_a_number_and_their_unit_and_take_the_bare_number_back() {
    let mut host = harness();
    let params = host.params();
    let mut checked = 0;
    for (name, unit, word) in NUMERIC_UNITS {
        let param = param_named(&params, name);
        let steps = 40.0;
        for step in 0..=steps as u32 {
            let value = param.min + (param.max - param.min) * f64::from(step) / steps;
            let value = if param.flags.contains(ParamInfoFlags::IS_STEPPED) { value.round() } else { value };
            let text = host.value_to_text(param.id, value).unwrap_or_else(|| panic!("{name}: no text for {value}"));
            if word == Some(text.as_str()) {
                assert_eq!(value, param.min, "{name}: the word {text:?} stands for the lowest value only");
                continue;
            }
            let (number, rest) = text.split_at(text.find(' ').unwrap_or(text.len()));
            let number: f64 =
                number.parse().unwrap_or_else(|_| panic!("{name}: {text:?} does not start with a number"));
            assert_eq!(rest.trim(), unit, "{name}: {text:?} has another unit");
            // The bare number and the full text both set the value the text shows.
            let from_number = host.text_to_value(param.id, &number.to_string());
            let from_text = host.text_to_value(param.id, &text);
            assert_eq!(from_number, from_text, "{name}: {number} and {text:?} parse differently");
            let shown = host.value_to_text(param.id, from_number.unwrap()).unwrap();
            assert_eq!(shown, text, "{name}: {text:?} read back as {shown:?}");
            checked += 1;
        }
    }
    // Text entry also takes the short forms a person types.
    let bitrate = param_named(&params, "Bitrate").id;
    let forms = ["24", "24k", "24 kbps", "24kbps", "24 kb/s"].map(|text| host.text_to_value(bitrate, text));
    assert!(forms.iter().all(|form| form.is_some() && *form == forms[0]), "{forms:?}");
    assert_eq!(host.value_to_text(bitrate, forms[0].unwrap()).as_deref(), Some("24 kbps"));
    assert!(checked > 500, "{checked} values checked");
}

#[test]
fn an_impulse_comes_out_exactly_as_late_as_the_plugin_reports_at_every_rate() {
    let mut host = harness();
    let bitrate = param_named(&host.params(), "Bitrate").id;
    let full_bitrate = host.text_to_value(bitrate, "510 kbps").unwrap();
    for (rate, max_block) in [(44_100u32, 512u32), (48_000, 64), (96_000, 2_048)] {
        host.activate(f64::from(rate), max_block);
        let latency = host.latency() as usize;
        // Full bitrate so that the codec keeps the impulse sharp; settle, then one impulse.
        let settle = vec![0.0f32; rate as usize / 4];
        process_random_blocks(&mut host, &settle, &settle, max_block as usize, &[(0, bitrate, full_bitrate)], 1);
        let mut input = vec![0.0f32; rate as usize / 2 + latency];
        let at = rate as usize / 10 + 17;
        input[at] = 0.9;
        let (left, right) = process_random_blocks(&mut host, &input, &input, max_block as usize, &[], u64::from(rate));
        for output in [&left, &right] {
            assert!(output.iter().all(|s| s.is_finite()));
            let peak = peak_position(&output[at..]);
            assert!((peak - latency as f64).abs() < 1.0, "{rate} Hz: reported {latency}, impulse at {peak:.2}");
        }
    }
}

#[test]
fn each_playout_delay_adds_its_whole_frames_to_the_latency_and_the_impulse_follows_to_the_sample() {
    let mut host = harness();
    let params = host.params();
    let (bitrate, playout, jitter) = (
        param_named(&params, "Bitrate").id,
        param_named(&params, "Playout delay").id,
        param_named(&params, "Jitter").id,
    );
    let full_bitrate = host.text_to_value(bitrate, "510 kbps").unwrap();
    host.activate(48_000.0, 256);
    let without = host.latency() as usize;
    // 20 ms frames (960 samples at 48 kHz): a playout delay waits whole frames, rounded up.
    for (text, frames) in [("0 ms", 0), ("30 ms", 2), ("100 ms", 5), ("200 ms", 10)] {
        let value = host.text_to_value(playout, text).unwrap();
        // Jitter well inside the playout delay: packets come late to the network but never to
        // the receiver, so the impulse comes out whole.
        let small_jitter = host.text_to_value(jitter, if frames > 0 { "1 ms" } else { "0 ms" }).unwrap();
        host.process(
            &[0.0; 256],
            &[0.0; 256],
            &[(0, playout, value), (0, jitter, small_jitter), (0, bitrate, full_bitrate)],
        );
        host.honour_restart();
        let latency = host.latency() as usize;
        assert_eq!(latency, without + frames * 960, "{text}: latency {latency}, {without} without");
        let settle = vec![0.0f32; 12_000];
        process_random_blocks(&mut host, &settle, &settle, 256, &[], 3);
        let mut input = vec![0.0f32; 24_000 + latency];
        let at = 4_817;
        input[at] = 0.9;
        let (left, right) = process_random_blocks(&mut host, &input, &input, 256, &[], frames as u64);
        for output in [&left, &right] {
            let peak = peak_position(&output[at..]);
            assert!((peak - latency as f64).abs() < 1.0, "{text}: reported {latency}, impulse at {peak:.2}");
        }
    }
    host.assert_protocol();
}

#[test]
fn automation_of_bitrate_and_loss_takes_effect_and_a_frame_change_asks_for_a_restart() {
    let mut host = harness();
    let params = host.params();
    let (bitrate, loss, frame) =
        (param_named(&params, "Bitrate"), param_named(&params, "Packet loss"), param_named(&params, "Frame"));
    host.activate(48_000.0, 256);
    let latency_before = host.latency();
    let music = test_signal::music(48_000, 1, 2.0);
    // Automation on many samples: bitrate sweeps down, loss sweeps up (CLAP values 0–1).
    let events: Vec<(u32, u32, f64)> = (0..200)
        .flat_map(|i| {
            let time = i * 450 + (i % 7);
            [(time, bitrate.id, 1.0 - f64::from(i) / 200.0), (time + 3, loss.id, f64::from(i) / 400.0)]
        })
        .collect();
    let (left, _) = process_random_blocks(&mut host, &music, &music, 256, &events, 9);
    assert!(left.iter().all(|s| s.is_finite() && s.abs() < 4.0));
    let (last_bitrate, now) = (1.0 - 199.0 / 200.0, host.param_value(bitrate.id).unwrap());
    assert_eq!(host.value_to_text(bitrate.id, now), host.value_to_text(bitrate.id, last_bitrate));
    let loss_value = host.param_value(loss.id).unwrap();
    let loss_text = host.value_to_text(loss.id, loss_value).unwrap();
    assert_eq!(loss_text, "24.9 %");
    assert_eq!(host.restart_requests(), 0, "bitrate and loss must not restart the plugin");
    // 60 ms frames need more latency: the plugin asks the host for a restart and reports the
    // new latency from the activation that follows.
    let sixty_ms = host.text_to_value(frame.id, "60 ms").unwrap();
    host.process(&music[..512], &music[..512], &[(0, frame.id, sixty_ms)]);
    host.process(&vec![0.0; 4_800], &vec![0.0; 4_800], &[]);
    assert_eq!(host.restart_requests(), 1, "the host was not asked to restart");
    assert_eq!(host.latency(), latency_before, "the latency changed before the restart");
    assert!(host.honour_restart());
    assert!(host.latency() > latency_before, "{} vs {latency_before}", host.latency());
}

#[test]
fn saved_state_restores_into_a_fresh_instance_with_identical_output() {
    let input = test_signal::speech(48_000, 1.5);
    let mut original = harness();
    let params = original.params();
    original.activate(48_000.0, 480);
    let settings: Vec<(u32, u32, f64)> = [
        ("Bitrate", "24 kbps"),
        ("Packet loss", "7.5 %"),
        ("Frame", "10 ms"),
        ("In-band FEC", "On"),
        ("Loss seed", "42"),
    ]
    .iter()
    .map(|(name, text)| {
        let id = param_named(&params, name).id;
        (0, id, original.text_to_value(id, text).unwrap_or_else(|| panic!("{name}: {text}")))
    })
    .collect();
    original.process(&input[..480], &input[..480], &settings);
    let state = original.save_state();
    assert!(!state.is_empty());

    let mut restored = harness();
    restored.load_state(&state);
    for &(_, id, value) in &settings {
        assert_eq!(restored.param_value(id), Some(value), "parameter {id}");
    }
    // Same settings, fresh activations: the same input gives the same output, bit for bit.
    original.activate(48_000.0, 480);
    restored.activate(48_000.0, 480);
    let a = process_random_blocks(&mut original, &input, &input, 480, &[], 3);
    let b = process_random_blocks(&mut restored, &input, &input, 480, &[], 3);
    assert!(a == b, "restored instance sounds different");
}

#[test]
fn the_network_controls_reach_the_engine_late_packets_and_the_realistic_model() {
    use roundtrip_signal::measure::rms_dbfs;
    let input = test_signal::speech(48_000, 2.0);
    let second_half = input.len() / 2..;
    let run = |settings: &[(&str, &str)]| {
        let mut host = harness();
        let params = host.params();
        let events: Vec<(u32, u32, f64)> = settings
            .iter()
            .map(|(name, text)| {
                let id = param_named(&params, name).id;
                (0, id, host.text_to_value(id, text).unwrap_or_else(|| panic!("{name}: {text}")))
            })
            .collect();
        host.activate(48_000.0, 480);
        host.process(&[0.0; 480], &[0.0; 480], &events);
        assert_eq!(host.restart_requests(), 0, "{settings:?} should not change the latency");
        process_random_blocks(&mut host, &input, &input, 480, &[], 5).0
    };
    let clean_output = run(&[]);
    let clean = rms_dbfs(&clean_output[second_half.clone()]);
    // A receiver that waits for nothing: every delayed packet is late, and only concealed.
    let late = rms_dbfs(&run(&[("Jitter", "20 ms")])[second_half.clone()]);
    assert!(late < clean - 10.0, "jittered {late:.1} dBFS against {clean:.1} dBFS clean");
    // The realistic model draws another pattern than the menu's random one at the same rate.
    let random = run(&[("Packet loss", "20 %")]);
    let realistic = run(&[("Packet loss", "20 %"), ("Realistic loss", "On")]);
    assert!(random != realistic, "the realistic model changed nothing");
    assert!(realistic != clean_output, "20 % realistic loss lost nothing");
}

/// `state` with the persisted field `key` set to `value` (the field's own JSON text), or
/// without it.
fn with_field(state: &[u8], key: &str, value: Option<&str>) -> Vec<u8> {
    // nice-plug's CLAP state: the JSON's length as 8 little-endian bytes, then the JSON.
    let mut json: serde_json::Value = serde_json::from_slice(&state[8..]).expect("a JSON state");
    let fields = json["fields"].as_object_mut().expect("persisted fields");
    match value {
        Some(value) => fields.insert(key.to_owned(), serde_json::Value::String(value.to_owned())),
        None => fields.remove(key),
    };
    let body = serde_json::to_vec(&json).unwrap();
    [&(body.len() as u64).to_le_bytes()[..], &body].concat()
}

#[test]
fn a_loss_trace_in_a_session_reaches_the_running_plugin_and_is_saved_with_it() {
    use roundtrip_signal::measure::rms_dbfs;
    let input = test_signal::speech(48_000, 2.0);
    let second_half = input.len() / 2..;
    let mut host = harness();
    host.activate(48_000.0, 480);
    let (clean, _) = process_random_blocks(&mut host, &input, &input, 480, &[], 5);
    let base = host.save_state();
    // Every packet lost: concealment alone, which fades to silence within a few frames.
    let all_lost = r#"{"name":"all-lost.txt","pattern":"1"}"#;
    host.load_state(&with_field(&base, LOSS_TRACE_FIELD, Some(all_lost)));
    let (lost, _) = process_random_blocks(&mut host, &input, &input, 480, &[], 6);
    let (clean_db, lost_db) = (rms_dbfs(&clean[second_half.clone()]), rms_dbfs(&lost[second_half.clone()]));
    assert!(clean_db > -40.0 && lost_db < clean_db - 40.0, "clean {clean_db:.1} dBFS, all lost {lost_db:.1} dBFS");

    // A damaged trace is refused; the one in force stays.
    let damaged = r#"{"name":"bad.txt","pattern":"10x"}"#;
    let _ = host.try_load_state(&with_field(&base, LOSS_TRACE_FIELD, Some(damaged)));
    let (still_lost, _) = process_random_blocks(&mut host, &input, &input, 480, &[], 7);
    assert!(rms_dbfs(&still_lost[second_half.clone()]) < clean_db - 40.0, "the damaged trace replaced the good one");

    // Saved with the session: a fresh instance replays it, bit for bit (a pattern whose place
    // in the audio shows).
    host.load_state(&with_field(&base, LOSS_TRACE_FIELD, Some(r#"{"name":"some.txt","pattern":"0010110"}"#)));
    let saved = host.save_state();
    assert!(String::from_utf8_lossy(&saved).contains("some.txt"), "the trace is not in the saved state");
    let mut restored = harness();
    restored.load_state(&saved);
    host.deactivate();
    host.activate(48_000.0, 480);
    restored.activate(48_000.0, 480);
    let a = process_random_blocks(&mut host, &input, &input, 480, &[], 8);
    let b = process_random_blocks(&mut restored, &input, &input, 480, &[], 8);
    assert!(a == b, "the restored instance replays another pattern");
    // A session without a trace (as 0.1.0 saved them) clears it: the loss controls decide again.
    restored.load_state(&with_field(&base, LOSS_TRACE_FIELD, None));
    let (back, _) = process_random_blocks(&mut restored, &input, &input, 480, &[], 9);
    assert!(rms_dbfs(&back[second_half]) > clean_db - 1.0, "no trace, no loss: the audio is back");
}

/// A session saved through CLAP by version 0.1.0 (main at 4b4a098), with every parameter away
/// from its default, and the value text of each as that version showed it.
const SESSION_0_1_0: &[u8] = include_bytes!("data/session-0.1.0.clapstate");
const SESSION_0_1_0_VALUES: [(&str, &str); 19] = [
    ("Bitrate", "24 kbps"),
    ("Packet loss", "7.5 %"),
    ("Loss model", "Bursty"),
    ("Mean burst", "4.5 packets"),
    ("Loss seed", "42"),
    ("Frame", "10 ms"),
    ("Complexity", "7"),
    ("Application", "VoIP"),
    ("Bandwidth", "Wideband"),
    ("Rate control", "CBR"),
    ("DTX", "On"),
    ("Force mono", "On"),
    ("In-band FEC", "On"),
    ("Expected loss", "12 %"),
    ("DRED", "80 ms"),
    ("Decoder complexity", "6"),
    ("Monitor", "Difference"),
    ("Mix", "75 %"),
    ("Output gain", "-3.5 dB"),
];

/// The parameters added since 0.1.0, and what a 0.1.0 session leaves them at: their defaults,
/// which do what 0.1.0 did (the menu's loss model, a network that delays nothing).
const ADDED_SINCE_0_1_0: [(&str, &str); 36] = [
    ("Realistic loss", "Off"),
    ("Jitter", "0.0 ms"),
    ("Delay spikes", "0.0 %"),
    ("Spike delay", "200 ms"),
    ("Playout delay", "0 ms"),
    ("Adaptive receiver", "Off"),
    ("Min delay", "20 ms"),
    ("Max delay", "200 ms"),
    ("Codec thread", "Off"),
    ("Level match", "Off"),
    ("Listen", "A"),
    ("Compare B", "Off"),
    ("B Bitrate", "64 kbps"),
    ("B Packet loss", "0.0 %"),
    ("B Loss model", "Random"),
    ("B Realistic loss", "Off"),
    ("B Mean burst", "3.0 packets"),
    ("B Loss seed", "1"),
    ("B Jitter", "0.0 ms"),
    ("B Delay spikes", "0.0 %"),
    ("B Spike delay", "200 ms"),
    ("B Playout delay", "0 ms"),
    ("B Adaptive receiver", "Off"),
    ("B Min delay", "20 ms"),
    ("B Max delay", "200 ms"),
    ("B Frame", "20 ms"),
    ("B Complexity", "10"),
    ("B Application", "Audio"),
    ("B Bandwidth", "Auto"),
    ("B Rate control", "Constrained VBR"),
    ("B DTX", "Off"),
    ("B Force mono", "Off"),
    ("B In-band FEC", "Off"),
    ("B Expected loss", "Auto"),
    ("B DRED", "Off"),
    ("B Decoder complexity", "0"),
];

#[test]
fn a_session_saved_by_version_0_1_0_loads_every_value() {
    let mut host = harness();
    let params = host.params();
    assert_eq!(
        params.len(),
        SESSION_0_1_0_VALUES.len() + ADDED_SINCE_0_1_0.len(),
        "a parameter was added: list it in ADDED_SINCE_0_1_0 with the value a 0.1.0 session gives it"
    );
    // Away from their defaults first, so that the check sees the session set them back.
    host.activate(48_000.0, 256);
    let away: Vec<(u32, u32, f64)> = ADDED_SINCE_0_1_0
        .iter()
        .map(|(name, _)| {
            let param = param_named(&params, name);
            (0, param.id, if param.default == param.max { param.min } else { param.max })
        })
        .collect();
    host.process(&[0.0; 64], &[0.0; 64], &away);
    host.deactivate();
    host.load_state(SESSION_0_1_0);
    for (name, expected) in SESSION_0_1_0_VALUES.into_iter().chain(ADDED_SINCE_0_1_0) {
        let id = param_named(&params, name).id;
        let value = host.param_value(id).unwrap_or_else(|| panic!("{name} has no value"));
        assert_eq!(host.value_to_text(id, value).as_deref(), Some(expected), "{name}");
    }
}

#[test]
fn corrupt_state_is_refused_and_the_defaults_stay() {
    let mut host = harness();
    let bitrate = param_named(&host.params(), "Bitrate");
    for garbage in [&b""[..], b"{", b"\x00\x01\x02not json", br#"{"version":"99.0","params":{"kbps":"x"}}"#] {
        let _ = host.try_load_state(garbage);
        assert_eq!(host.param_value(bitrate.id), Some(bitrate.default), "state {garbage:?} changed the bitrate");
    }
    host.activate(48_000.0, 128);
    let (left, _) = host.process(&[0.1; 128], &[0.1; 128], &[]);
    assert!(left.iter().all(|s| s.is_finite()));
}

#[test]
fn the_mono_layout_runs_with_the_same_exact_latency() {
    let mut host = harness();
    assert!(host.select_layout(1), "the plugin offers no mono layout");
    host.activate(48_000.0, 256);
    assert_eq!(host.channel_counts(true), vec![1]);
    assert_eq!(host.channel_counts(false), vec![1]);
    let latency = host.latency() as usize;
    let mut input = vec![0.0f32; 24_000 + latency];
    input[4_800] = 0.9;
    let output = host.process_mono(&input, &[]);
    assert!(output.iter().all(|s| s.is_finite()));
    let peak = peak_position(&output[4_800..]);
    assert!((peak - latency as f64).abs() < 1.0, "mono: reported {latency}, impulse at {peak:.2}");
}
