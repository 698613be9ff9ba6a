//! The built plugin driven the way careless or hostile hosts drive plugins, through a real CLAP
//! host library: blocks of 0, 1, prime and maximum lengths and random sequences of them;
//! activation at every supported rate in random order; reset mid-stream; automation on every
//! sample; NaN, infinities, subnormals, 1e30 and DC as input; an hour of silence with DTX and then
//! a transient; mono and stereo layouts; parameter changes from a second thread while the audio
//! thread processes. After each: no NaN or infinity out, every sample
//! within [`OUTPUT_CEILING`], and an impulse still comes out exactly as late as reported.
//!
//! The plugin under test is a debug build with nice-plug's `assert_process_allocs`: one
//! allocation inside `process` or `reset` aborts this test binary, so every test here also
//! proves the callback path allocation-free under that treatment.

mod common;

use common::clap_host::{ClapHarness, PLUGIN_ID, ParamDesc, built_plugin_path, param_named};
use roundtrip_engine::OUTPUT_CEILING;
use roundtrip_signal::test_signal;
use test_support::{peak_position, random_blocks};

/// Every rate a host may run at that the plugin supports.
const RATES_HZ: [u32; 12] =
    [8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000, 88_200, 96_000, 176_400, 192_000];

fn harness() -> ClapHarness {
    ClapHarness::load(&built_plugin_path(), PLUGIN_ID)
}

fn param_id(host: &mut ClapHarness, name: &str) -> u32 {
    param_named(&host.params(), name).id
}

/// Fails unless every sample is finite and within the ceiling.
fn assert_sane(what: &str, samples: &[f32]) {
    if let Some((index, sample)) = samples.iter().enumerate().find(|(_, s)| !s.is_finite() || s.abs() > OUTPUT_CEILING)
    {
        panic!("{what}: sample {index} is {sample}");
    }
}

/// Feeds one impulse and checks that it comes out `latency()` samples later (within a sample).
fn assert_impulse_latency(host: &mut ClapHarness, rate: u32, stereo: bool, what: &str) {
    let latency = host.latency() as usize;
    let mut input = vec![0.0f32; rate as usize / 5 + latency];
    let at = rate as usize / 20;
    input[at] = 0.9;
    let output = if stereo { host.process(&input, &input, &[]).0 } else { host.process_mono(&input, &[]) };
    assert_sane(what, &output);
    let peak = peak_position(&output[at..]);
    assert!((peak - latency as f64).abs() < 1.0, "{what}: reported {latency}, impulse at {peak:.2}");
}

/// Sets the bitrate high so that the codec keeps an impulse sharp (in a zero-length block).
fn full_bitrate(host: &mut ClapHarness, stereo: bool) {
    let bitrate = param_id(host, "Bitrate");
    let value = host.text_to_value(bitrate, "510 kbps").unwrap();
    let event = [(0, bitrate, value)];
    if stereo {
        host.process(&[], &[], &event);
    } else {
        host.process_mono(&[], &event);
    }
}

/// Block lengths 0, 1, the primes below the maximum, the maximum, then random lengths (0 too).
fn torture_blocks(max: usize) -> Vec<usize> {
    let is_prime = |n: usize| n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d));
    let mut blocks = vec![0, 1];
    blocks.extend((2..max).filter(|&n| is_prime(n)).step_by(7));
    blocks.push(max);
    blocks.extend(random_blocks(max + 1, 99).take(300).map(|n| n - 1));
    blocks
}

#[test]
fn block_lengths_from_zero_to_the_maximum_in_both_layouts() {
    let mut host = harness();
    let max = 4_096;
    for stereo in [true, false] {
        assert!(host.select_layout(if stereo { 2 } else { 1 }));
        host.activate(48_000.0, max as u32);
        full_bitrate(&mut host, stereo);
        let blocks = torture_blocks(max);
        let music = test_signal::music(48_000, 1, blocks.iter().sum::<usize>() as f64 / 48_000.0 + 0.1);
        let mut start = 0;
        for &len in &blocks {
            let input = &music[start..start + len];
            let out = if stereo { host.process(input, input, &[]).0 } else { host.process_mono(input, &[]) };
            assert_eq!(out.len(), len);
            assert_sane("block lengths", &out);
            start += len;
        }
        assert_impulse_latency(&mut host, 48_000, stereo, if stereo { "stereo" } else { "mono" });
    }
    assert!(host.select_layout(2));
}

#[test]
fn activation_at_every_rate_in_random_order_with_resets_mid_stream() {
    let mut host = harness();
    let mut order = RATES_HZ.to_vec();
    // A fixed shuffle (Fisher–Yates over the xorshift), so that a failure reproduces.
    let mut draws = random_blocks(1 << 20, 2_024);
    for i in (1..order.len()).rev() {
        order.swap(i, draws.next().unwrap() % (i + 1));
    }
    for (round, &rate) in order.iter().chain(order.iter().rev()).enumerate() {
        let max_block = [32u32, 256, 1_000, 4_096][round % 4];
        host.activate(f64::from(rate), max_block);
        full_bitrate(&mut host, true);
        let noise = test_signal::music(rate, 1, 0.2);
        let (left, _) = host.process(&noise, &noise, &[]);
        assert_sane("after activation", &left);
        host.reset();
        assert_impulse_latency(&mut host, rate, true, &format!("{rate} Hz after reset"));
    }
}

#[test]
fn automation_on_every_sample_and_at_random_offsets() {
    let mut host = harness();
    host.activate(44_100.0, 512);
    let (bitrate, loss, frame, gain) = (
        param_id(&mut host, "Bitrate"),
        param_id(&mut host, "Packet loss"),
        param_id(&mut host, "Frame"),
        param_id(&mut host, "Output gain"),
    );
    let music = test_signal::music(44_100, 1, 2.0);
    let mut values = random_blocks(1_000_000, 5);
    // Bitrate and loss change on every sample (normalised values), gain at random offsets.
    let mut events: Vec<(u32, u32, f64)> = Vec::new();
    for time in 0..music.len() as u32 {
        events.push((time, bitrate, values.next().unwrap() as f64 / 1e6));
        events.push((time, loss, values.next().unwrap() as f64 / 1e6));
        if values.next().unwrap().is_multiple_of(97) {
            events.push((time, gain, values.next().unwrap() as f64 / 1e6));
        }
    }
    let (left, right) = host.process(&music, &music, &events);
    assert_sane("automation", &left);
    assert_sane("automation", &right);
    // Frame changes (latency changes: restarts the host must honour) at random offsets.
    let frames: Vec<(u32, u32, f64)> =
        (0..8).map(|i| (i * 9_000 + (values.next().unwrap() % 5_000) as u32, frame, f64::from(i % 9))).collect();
    let (left, _) = host.process(&music, &music, &frames);
    assert_sane("frame automation", &left);
    // The latency changed: the plugin asked once for a restart, and after it the report is exact.
    assert_eq!(host.restart_requests(), 1, "frame changes must ask the host for one restart");
    assert!(host.honour_restart());
    let loss_off = host.text_to_value(loss, "0 %").unwrap();
    host.process(&[], &[], &[(0, loss, loss_off)]);
    full_bitrate(&mut host, true);
    assert_impulse_latency(&mut host, 44_100, true, "after automation");
}

#[test]
fn hostile_input_never_comes_out_as_nan_or_noise() {
    let mut host = harness();
    host.activate(48_000.0, 1_024);
    full_bitrate(&mut host, true);
    let len = 4_800;
    type Generator = fn(usize) -> f32;
    let hostile: [(&str, Generator); 8] = [
        ("NaN", |_| f32::NAN),
        ("+Inf", |_| f32::INFINITY),
        ("-Inf", |_| f32::NEG_INFINITY),
        ("subnormal", |i| f32::from_bits(1 + i as u32 % 1_000)),
        ("1e30", |i| if i % 2 == 0 { 1e30 } else { -1e30 }),
        ("DC", |_| 1.0),
        ("f32::MAX", |_| f32::MAX),
        ("mixed", |i| [f32::NAN, 0.5, f32::INFINITY, -3.0, 1e-40][i % 5]),
    ];
    for (name, sample) in hostile {
        let input: Vec<f32> = (0..len).map(sample).collect();
        let (left, right) = host.process(&input, &input, &[]);
        assert_sane(name, &left);
        assert_sane(name, &right);
    }
    // Afterwards the plugin plays clean audio normally again.
    let music = test_signal::music(48_000, 1, 1.0);
    let (left, _) = host.process(&music, &music, &[]);
    assert_sane("after hostile input", &left);
    let energy: f32 = left[24_000..].iter().map(|s| s * s).sum();
    assert!(energy > 1.0, "the plugin went silent after hostile input ({energy})");
    assert_impulse_latency(&mut host, 48_000, true, "after hostile input");
}

#[test]
fn an_hour_of_silence_with_dtx_then_a_transient() {
    let mut host = harness();
    host.activate(48_000.0, 2_048);
    let dtx = param_id(&mut host, "DTX");
    let bitrate = param_id(&mut host, "Bitrate");
    let on = host.text_to_value(dtx, "On").unwrap();
    let full = host.text_to_value(bitrate, "510 kbps").unwrap();
    host.process(&[0.0], &[0.0], &[(0, dtx, on), (0, bitrate, full)]);
    let silence = vec![0.0f32; 48_000 * 10];
    for _ in 0..360 {
        let (left, _) = host.process(&silence, &silence, &[]);
        assert!(left.iter().all(|s| s.abs() < 1e-3), "noise out of silence");
    }
    assert_impulse_latency(&mut host, 48_000, true, "after an hour of DTX silence");
}

#[test]
fn parameter_changes_from_a_second_thread_while_the_audio_thread_processes() {
    let mut host = harness();
    host.activate(48_000.0, 512);
    let params = host.params();
    let changed: Vec<ParamDesc> =
        ["Bitrate", "Packet loss", "Complexity", "Mix", "Output gain", "Monitor", "Loss model"]
            .into_iter()
            .map(|name| param_named(&params, name))
            .collect();
    let music = test_signal::music(48_000, 1, 5.0);
    let mut draws = random_blocks(1 << 20, 31);
    let (mut sent, mut reads) = (0usize, 0usize);
    // The audio thread keeps playing until this many changes have reached the plugin.
    const CHANGES: usize = 400;
    let (left, right, delivered) = host.process_concurrently(&music, &music, 256, CHANGES, |main, changes| {
        let param = &changed[draws.next().unwrap() % changed.len()];
        let value = param.min + (param.max - param.min) * (draws.next().unwrap() as f64 / f64::from(1u32 << 20));
        // Stepped parameters take step indices (max above 1); continuous ones 0–1.
        let value = if param.max > 1.0 { value.round() } else { value };
        if changes.send((param.id, value)).is_ok() {
            sent += 1;
        }
        // What a host's GUI reads meanwhile, on this thread.
        for param in &changed {
            let value = main.param_value(param.id).unwrap_or_else(|| panic!("no value for {}", param.name));
            assert!(main.value_to_text(param.id, value).is_some(), "{} has no text for {value}", param.name);
            reads += 1;
        }
        assert!(main.latency() > 0);
        std::thread::yield_now();
    });
    assert_sane("second-thread changes", &left);
    assert_sane("second-thread changes", &right);
    // Counts, not speed: the audio thread ran until the changes arrived, and every change sent
    // came with one round of reads.
    assert!(delivered >= CHANGES && sent >= delivered, "{sent} sent, {delivered} delivered");
    assert!(reads >= delivered * changed.len(), "{delivered} delivered, {reads} reads");
    eprintln!("second thread: {sent} changes sent, {delivered} delivered to the audio thread, {reads} parameter reads");
    // Back to the defaults (loss 0 %, decoded signal), then the latency still holds.
    let defaults: Vec<(u32, u32, f64)> = changed.iter().map(|param| (0, param.id, param.default)).collect();
    host.process(&[], &[], &defaults);
    full_bitrate(&mut host, true);
    assert_impulse_latency(&mut host, 48_000, true, "after second-thread changes");
}
