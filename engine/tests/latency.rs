//! The latency an impulse measures equals the latency the engine reports, to the sample, at
//! every host rate, for 2.5, 10, 20 and 60 ms frames, with FEC off and on, whatever the blocks.

mod common;

use common::{HOST_RATES_HZ, engine, random_blocks, run};
use roundtrip_codec::{Application, FrameDuration};
use roundtrip_engine::{JitterSettings, Settings, SlotId};
use test_support::{add_pulse, peak_position};

/// How far a measured peak may lie from the reported latency, in samples. libopus 1.6.1 and
/// rubato 5.1 measure within 0.015 samples at every rate; "to the sample" needs < 0.5.
const TOLERANCE_SAMPLES: f64 = 0.1;

/// [`TOLERANCE_SAMPLES`] at `rate`: above 768 kHz, the same time (0.13 µs). The pulse is
/// band-limited to the codec's 20 kHz, so at 2 MHz it spans some hundred samples, and the codec's
/// noise moves its interpolated peak by a share of a codec sample, which is more host samples the
/// higher the rate: 2 MHz measures up to 0.17 samples off, still the reported sample to the
/// nearest.
fn tolerance_samples(rate: u32) -> f64 {
    TOLERANCE_SAMPLES * (f64::from(rate) / 768_000.0).max(1.0)
}

/// Impulses this far apart, so that each one's ringing has died before the next.
const IMPULSE_SPACING_S: f64 = 0.37;

/// Settings under which the codec reproduces an impulse sharply: high-rate CELT.
fn impulse_friendly(frame: FrameDuration, fec: bool) -> Settings {
    Settings { bitrate_bps: 510_000, frame, fec, application: Application::Audio, ..Settings::default() }
}

/// Sends band-limited impulses through the engine and returns the reported latency and, for
/// each impulse, how many samples late its peak came out (to a fraction of a sample).
fn measured_delays(rate: u32, settings: Settings) -> (usize, Vec<f64>) {
    let mut engine = engine(rate, 1, settings);
    let latency = engine.latency_samples();
    // Far enough apart that each impulse's window (half the spacing past its latency) holds no
    // other impulse's output, even where the latency exceeds the usual spacing (low odd rates).
    let spacing = ((IMPULSE_SPACING_S * f64::from(rate)) as usize).max(2 * (latency + 64 * 5));
    let impulses = 5;
    let mut input = vec![0.0f32; spacing * (impulses + 1) + latency];
    // Offsets that fall at different places within a frame.
    let starts: Vec<usize> = (0..impulses).map(|i| spacing / 2 + i * spacing + i * 37).collect();
    for &start in &starts {
        add_pulse(&mut input, start, rate);
    }
    let output = run(&mut engine, &input, &random_blocks(64, 700, u64::from(rate)));
    assert_eq!(engine.counters(SlotId::A).underruns, 0, "{rate} Hz: the output ran dry");
    let delays = starts
        .iter()
        .map(|&start| {
            let window = &output[start..(start + spacing / 2 + latency).min(output.len())];
            peak_position(window)
        })
        .collect();
    (latency, delays)
}

#[test]
fn impulse_latency_equals_reported_latency_at_every_rate_frame_and_fec_setting() {
    let mut failures = Vec::new();
    for rate in HOST_RATES_HZ {
        for frame in [FrameDuration::Ms2_5, FrameDuration::Ms10, FrameDuration::Ms20, FrameDuration::Ms60] {
            for fec in [false, true] {
                let (latency, delays) = measured_delays(rate, impulse_friendly(frame, fec));
                if delays.iter().any(|&delay| (delay - latency as f64).abs() > TOLERANCE_SAMPLES) {
                    failures.push(format!("{rate} Hz {frame:?} fec={fec}: reported {latency}, measured {delays:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of 88 cases differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn latency_is_as_low_as_the_settings_allow() {
    // 48 kHz, 20 ms, no recovery: one frame less a sample, plus the 6.5 ms lookahead.
    let engine = engine(48_000, 2, impulse_friendly(FrameDuration::Ms20, false));
    assert_eq!(engine.latency_samples(), 959 + 312);
    // Restricted low delay: 2.5 ms lookahead.
    let low_delay =
        Settings { application: Application::RestrictedLowDelay, ..impulse_friendly(FrameDuration::Ms2_5, false) };
    assert_eq!(common::engine(48_000, 1, low_delay).latency_samples(), 119 + 120);
    // FEC holds back one frame.
    assert_eq!(
        common::engine(48_000, 1, impulse_friendly(FrameDuration::Ms20, true)).latency_samples(),
        959 + 312 + 960
    );
}

#[test]
fn restricted_low_delay_and_dred_latencies_match_impulses_too() {
    let low_delay =
        Settings { application: Application::RestrictedLowDelay, ..impulse_friendly(FrameDuration::Ms5, false) };
    let dred = Settings { dred_duration_ms: 60, ..impulse_friendly(FrameDuration::Ms20, false) };
    for (rate, settings) in [(48_000, low_delay), (44_100, low_delay), (48_000, dred), (96_000, dred)] {
        let (latency, delays) = measured_delays(rate, settings);
        let exact = delays.iter().all(|&delay| (delay - latency as f64).abs() <= TOLERANCE_SAMPLES);
        assert!(exact, "{rate}: reported {latency}, measured {delays:?}");
    }
}

#[test]
fn a_jitter_buffer_adds_its_playout_delay_in_whole_frames_and_impulses_measure_it() {
    // Jitter without loss or delay beyond the buffer: every packet on time, so the impulses pass.
    for (rate, frame, playout_ms, fec) in [
        (48_000, FrameDuration::Ms20, 60, false),
        (48_000, FrameDuration::Ms20, 50, true),
        (44_100, FrameDuration::Ms10, 200, false),
        (96_000, FrameDuration::Ms2_5, 40, true),
    ] {
        let settings = Settings {
            jitter: JitterSettings { playout_ms, ..JitterSettings::DEFAULT },
            ..impulse_friendly(frame, fec)
        };
        let frame_ms = frame.millis().unwrap_or(20.0);
        let held_frames = (f32::from(playout_ms) / frame_ms).ceil() as usize;
        let (latency, delays) = measured_delays(rate, settings);
        let without = engine(rate, 1, impulse_friendly(frame, false)).latency_samples();
        let frame_host = (f64::from(frame_ms) * f64::from(rate) / 1000.0) as usize;
        assert_eq!(latency, without + held_frames * frame_host, "{rate} Hz {frame:?} playout {playout_ms} ms");
        let exact = delays.iter().all(|&delay| (delay - latency as f64).abs() <= TOLERANCE_SAMPLES);
        assert!(exact, "{rate} Hz {frame:?} playout {playout_ms} ms: reported {latency}, measured {delays:?}");
    }
}

#[test]
fn rates_from_1_khz_to_2_mhz_measure_their_reported_latency() {
    // 1,235 and 12,346 Hz are how a host's 1,234.5678 and 12,345.678 Hz arrive (the plugin runs
    // a fractional rate as the nearest whole one); both share small factors with the codec's rate.
    let mut failures = Vec::new();
    for rate in [1_000, 1_235, 12_346, 352_800, 384_000, 768_000, 1_234_568, 2_000_000] {
        for frame in [FrameDuration::Ms2_5, FrameDuration::Ms20, FrameDuration::Ms60] {
            let (latency, delays) = measured_delays(rate, impulse_friendly(frame, false));
            if delays.iter().any(|&delay| (delay - latency as f64).abs() > tolerance_samples(rate)) {
                failures.push(format!("{rate} Hz {frame:?}: reported {latency}, measured {delays:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} cases differ:\n{}", failures.len(), failures.join("\n"));
}
