//! How close single callbacks come to their deadline: for each mode, host rate and block size,
//! the engine processes 30,000 stereo blocks of music and every call is timed. Prints the
//! worst, 99.9th-percentile and median call against the deadline (the block's duration) and
//! how many calls went over it. Opus codes whole frames, so the call that completes a frame
//! pays for all of it; this table is what spreading that work must bring down.
//!
//! Then the same modes with the codec thread (`roundtrip_engine::codec_thread`): the callbacks
//! are paced in real time (the worker needs real time to keep up), and the table adds how many
//! were late, i.e. played silence because the worker had not finished.
//!
//! Timing figures depend on the machine: they are information, never a test verdict.

use std::hint::black_box;
use std::time::{Duration, Instant};

use roundtrip_codec::{Application, FrameDuration};
use roundtrip_engine::{CodecThread, Engine, EngineConfig, JitterSettings, LossSettings, Receiver, Settings};
use roundtrip_signal::test_signal;

/// Calls timed per row.
const CALLS: usize = 30_000;

/// Calls timed per codec-thread row, paced in real time (2 to 4 s each).
const PACED_CALLS: usize = 6_000;

/// The modes: everyday settings and the costliest ones (deep PLC, DRED, long frames).
fn modes() -> [(&'static str, Settings); 6] {
    let lossy = LossSettings { loss_percent: 15.0, seed: 3, ..LossSettings::DEFAULT };
    [
        ("64 kbps, 20 ms", Settings::DEFAULT),
        (
            "voice 24 kbps, 15 % loss, PLC",
            Settings { bitrate_bps: 24_000, application: Application::Voip, loss: lossy, ..Settings::DEFAULT },
        ),
        ("deep PLC, 15 % loss", Settings { decoder_complexity: 10, loss: lossy, ..Settings::DEFAULT }),
        (
            "DRED 100 ms + deep PLC, 15 % loss",
            Settings {
                bitrate_bps: 32_000,
                application: Application::Voip,
                dred_duration_ms: 100,
                decoder_complexity: 10,
                loss: lossy,
                ..Settings::DEFAULT
            },
        ),
        ("64 kbps, 120 ms frames", Settings { frame: FrameDuration::Ms120, ..Settings::DEFAULT }),
        (
            // Stretches decode a packet ahead and search a pitch period in the same call.
            "adaptive receiver, 20 ms jitter, 15 % loss",
            Settings {
                jitter: JitterSettings {
                    mean_jitter_ms: 20.0,
                    receiver: Receiver::ADAPTIVE_DEFAULT,
                    ..JitterSettings::DEFAULT
                },
                loss: lossy,
                ..Settings::DEFAULT
            },
        ),
    ]
}

/// Host rate and block size pairs.
const HOSTS: [(u32, usize); 4] = [(48_000, 64), (48_000, 32), (96_000, 64), (192_000, 64)];

fn main() {
    // `cargo bench` passes `--bench`; a filter argument selects rows by mode name.
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    println!("\nCallback times, {CALLS} calls of stereo music each (late: only with the codec thread):");
    print_table(filter.as_deref(), false);
    println!("\nWith the codec thread, {PACED_CALLS} calls paced in real time:");
    print_table(filter.as_deref(), true);
}

/// Measures and prints every mode at every host, the codec in the callback or on its thread.
fn print_table(filter: Option<&str>, codec_thread: bool) {
    println!(
        "{:<36} {:>9} {:>6} {:>10} {:>10} {:>10} {:>10} {:>6} {:>6}",
        "mode", "rate", "block", "worst", "99.9 %", "median", "deadline", "over", "late"
    );
    for (name, settings) in modes() {
        if filter.is_some_and(|filter| !name.contains(filter)) {
            continue;
        }
        for (rate, block) in HOSTS {
            let row = measure(settings, rate, block, codec_thread);
            println!(
                "{:<36} {:>9} {:>6} {:>10} {:>10} {:>10} {:>10} {:>6} {:>6}",
                name,
                format!("{} kHz", rate / 1000),
                block,
                micros(row.worst),
                micros(row.p999),
                micros(row.median),
                micros(row.deadline),
                row.over,
                if codec_thread { row.late.to_string() } else { "—".to_owned() }
            );
        }
    }
}

fn micros(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros < 10.0 { format!("{micros:.1} µs") } else { format!("{micros:.0} µs") }
}

/// One row of the table.
struct Row {
    worst: Duration,
    p999: Duration,
    median: Duration,
    deadline: Duration,
    over: usize,
    /// Callbacks the codec thread was late for.
    late: u64,
}

/// Times `CALLS` callbacks of the engine in the callback, or `PACED_CALLS` of the codec thread's
/// audio end, each started at its block's time.
fn measure(settings: Settings, rate: u32, block: usize, codec_thread: bool) -> Row {
    let config = EngineConfig { sample_rate_hz: rate, channels: 2, max_block_frames: block };
    let engine = Engine::new(config, settings).expect("the engine takes every mode");
    let calls = if codec_thread { PACED_CALLS } else { CALLS };
    let seconds = (calls * block) as f64 / f64::from(rate);
    let input = test_signal::music(rate, 2, seconds.min(10.0));
    let mut output = vec![0.0f32; block * 2];
    let mut times = Vec::with_capacity(calls);
    let mut blocks = input.chunks_exact(block * 2).cycle();
    let deadline = Duration::from_secs_f64(block as f64 / f64::from(rate));
    let mut late = 0;
    if codec_thread {
        let mut thread = CodecThread::spawn(engine, Box::new(|_, _| {}), Box::new(()));
        let begin = Instant::now();
        for call in 0..calls {
            let Some(block_in) = blocks.next() else { break };
            let due = begin + deadline * call as u32;
            while Instant::now() < due {
                std::hint::spin_loop();
            }
            let start = Instant::now();
            thread.process_interleaved(black_box(block_in), &mut output);
            times.push(start.elapsed());
        }
        late = thread.counters().late_callbacks;
    } else {
        let mut engine = engine;
        for _ in 0..calls {
            let Some(block_in) = blocks.next() else { break };
            let start = Instant::now();
            engine.process_interleaved(black_box(block_in), &mut output);
            times.push(start.elapsed());
        }
    }
    let over = times.iter().filter(|&&time| time > deadline).count();
    times.sort_unstable();
    let at = |share: f64| times[((times.len() - 1) as f64 * share).round() as usize];
    Row { worst: at(1.0), p999: at(0.999), median: at(0.5), deadline, over, late }
}
