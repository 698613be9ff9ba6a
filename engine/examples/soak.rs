//! The soak run (`cargo xtask soak`): an hour of audio (offline, faster than real time) through
//! the engine at 48 kHz stereo in 256-frame callbacks, with the settings changed at random every
//! second. Reports allocations inside the callbacks (must be zero), resident memory over the run
//! (must stay flat), the latency measured with an impulse at the end against the reported one,
//! and the worst callback time against the median. Exits non-zero if a promise is broken.
//!
//! `cargo run --release -p roundtrip-engine --example soak -- [minutes]` runs another length.

use std::time::Instant;

use roundtrip_codec::{Application, FrameDuration};
use roundtrip_engine::{Engine, EngineConfig, LossModel, LossSettings, Settings, SlotId};
use roundtrip_signal::test_signal;

alloc_counter::install!();

const RATE_HZ: u32 = 48_000;
const BLOCK: usize = 256;

/// Resident memory in kB, from /proc/self/statm (pages × 4 kB).
fn resident_kb() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4)
}

/// Valid settings drawn at random: what a user could set with the controls.
fn random_settings(draw: &mut impl FnMut(u64) -> u64) -> Settings {
    Settings {
        bitrate_bps: 6_000 + draw(200) as i32 * 1_000,
        frame: FrameDuration::FIXED[draw(9) as usize],
        complexity: draw(11) as u8,
        application: [Application::Voip, Application::Audio, Application::RestrictedLowDelay][draw(3) as usize],
        dtx: draw(4) == 0,
        fec: draw(2) == 0,
        dred_duration_ms: [0, 0, 50, 100][draw(4) as usize],
        loss: LossSettings {
            model: if draw(2) == 0 { LossModel::Bernoulli } else { LossModel::GilbertElliott },
            loss_percent: draw(30) as f32,
            mean_burst_packets: 1.0 + draw(4) as f32,
            seed: draw(1_000),
        },
        ..Settings::default()
    }
}

fn main() {
    let minutes: f64 = std::env::args().nth(1).and_then(|m| m.parse().ok()).unwrap_or(60.0);
    let config = EngineConfig { sample_rate_hz: RATE_HZ, channels: 2, max_block_frames: BLOCK };
    let mut engine = Engine::new(config, Settings::default()).expect("engine");
    let music = test_signal::music(RATE_HZ, 2, 10.0);
    let mut output = vec![0.0f32; BLOCK * 2];
    let mut random = test_support::XorShift::new(0x50A4);
    let mut draw = move |n: u64| random.below(n);
    let callbacks = (minutes * 60.0 * f64::from(RATE_HZ) / BLOCK as f64) as usize;
    let per_second = RATE_HZ as usize / BLOCK;
    // Written now, so that its pages are resident before the first memory reading.
    let mut times_ns: Vec<u32> = vec![u32::MAX; callbacks];
    // The slowest callback for each frame duration, and the settings behind the slowest of all.
    let mut worst_by_frame = [0u32; 9];
    let mut settings = Settings::default();
    let mut worst_settings = settings;
    let (mut allocations, mut changes) = (0usize, 0usize);
    let mut rss_after_first_minute = resident_kb();
    let started = Instant::now();
    for (callback, time_ns) in times_ns.iter_mut().enumerate() {
        if callback % per_second == 0 {
            settings = random_settings(&mut draw);
            engine.set_settings(&settings);
            changes += 1;
        }
        let start = (callback * BLOCK * 2) % (music.len() - BLOCK * 2);
        let input = &music[start..start + BLOCK * 2];
        let ((), counts) = alloc_counter::count(|| {
            let before = Instant::now();
            engine.process_interleaved(input, &mut output);
            *time_ns = before.elapsed().as_nanos().min(u128::from(u32::MAX)) as u32;
        });
        let frame = FrameDuration::FIXED.iter().position(|&f| f == settings.frame).unwrap_or(0);
        if *time_ns > worst_by_frame.iter().copied().max().unwrap_or(0) {
            worst_settings = settings;
        }
        worst_by_frame[frame] = worst_by_frame[frame].max(*time_ns);
        allocations += counts.rust + counts.c;
        if callback == per_second * 60 {
            rss_after_first_minute = resident_kb();
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let rss_end = resident_kb();

    // Latency: settle on fixed settings (the change may restart the codec), then one impulse.
    engine.set_settings(&Settings { bitrate_bps: 510_000, ..Settings::default() });
    let silence = vec![0.0f32; RATE_HZ as usize * 2];
    let mut sink = vec![0.0f32; silence.len()];
    engine.process_interleaved(&silence, &mut sink);
    let latency = engine.latency_samples();
    let at = 1_000;
    let mut impulse = vec![0.0f32; (RATE_HZ as usize / 2 + latency) * 2];
    impulse[2 * at] = 0.9;
    let mut response = vec![0.0f32; impulse.len()];
    engine.process_interleaved(&impulse, &mut response);
    let peak = response.iter().step_by(2).enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).map_or(0, |p| p.0);
    let measured = peak as i64 - at as i64;

    times_ns.sort_unstable();
    let median = f64::from(times_ns[times_ns.len() / 2]) / 1e3;
    let p999 = f64::from(times_ns[times_ns.len() * 999 / 1_000]) / 1e3;
    let worst = f64::from(times_ns[times_ns.len() - 1]) / 1e3;
    let counters = engine.counters(SlotId::A);
    println!("soak: {minutes} min of 48 kHz stereo audio in {wall:.1} s ({:.0}x real time)", minutes * 60.0 / wall);
    println!("  callbacks        {callbacks} of {BLOCK} frames; setting changes {changes}");
    println!("  allocations      {allocations} inside callbacks");
    println!("  resident memory  {rss_after_first_minute} kB after 1 min, {rss_end} kB at the end");
    println!("  latency          reported {latency}, impulse measured at {measured}");
    println!(
        "  callback time    median {median:.1} µs, 99.9 % {p999:.1} µs, worst {worst:.1} µs ({:.1}x the median)",
        worst / median
    );
    let by_frame: Vec<String> = FrameDuration::FIXED
        .iter()
        .zip(worst_by_frame)
        .map(|(frame, ns)| format!("{} ms {:.0} µs", frame.millis().unwrap_or(0.0), f64::from(ns) / 1e3))
        .collect();
    println!("  worst by frame   {}", by_frame.join(", "));
    println!(
        "  slowest settings {} kbps, {} ms, {:?}, complexity {}, FEC {}, DRED {} ms, {} % loss; deadline of a {BLOCK}-frame callback {:.0} µs",
        worst_settings.bitrate_bps / 1000,
        worst_settings.frame.millis().unwrap_or(0.0),
        worst_settings.application,
        worst_settings.complexity,
        worst_settings.fec,
        worst_settings.dred_duration_ms,
        worst_settings.loss.loss_percent,
        BLOCK as f64 * 1e6 / f64::from(RATE_HZ)
    );
    println!("  counters         {counters:?}");
    let mut failures = Vec::new();
    if allocations != 0 {
        failures.push("allocations in callbacks");
    }
    if rss_end > rss_after_first_minute + 1_024 {
        failures.push("resident memory grew by more than 1 MB");
    }
    if measured != latency as i64 {
        failures.push("measured latency differs from the report");
    }
    if counters.underruns != 0 {
        failures.push("underruns");
    }
    if !failures.is_empty() {
        eprintln!("soak failed: {}", failures.join(", "));
        std::process::exit(1);
    }
}
