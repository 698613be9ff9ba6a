//! The resampler candidates side by side (see the crate's documentation): first what each does to
//! the signal, then what it costs per second of stereo music in 64-frame host blocks, timed in
//! rotation with raw libopus's round trip of the same second at 48 kHz.

use std::hint::black_box;

use resampler_bench::candidate::{BLOCK_FRAMES, CHANNELS, MAX_OUTPUT_FRAMES};
use resampler_bench::{Candidate, Direction, candidates, measure, timing};
use roundtrip_codec::MAX_PACKET_BYTES;
use roundtrip_codec::raw::RawRoundTrip;
use roundtrip_signal::test_signal;
use test_support::paired_timing;

/// Rounds timed: each runs every candidate once per direction, and raw libopus once.
const ROUNDS: usize = 51;

/// The candidates in the order [`candidates::all`] lists them, made afresh.
fn make(direction: Direction, index: usize) -> Box<dyn Candidate> {
    candidates::all(direction).swap_remove(index)
}

/// Where `cargo xtask bench` reads the share this bench measured, under its paired-ratio folder
/// (`test_support::paired_timing::PAIRED_DIR_VAR`).
const SHARE_GROUP: &str = "resamplers_44k1_stereo";

/// Whether this run is wanted: always, unless criterion-style filters were given that name
/// neither this bench nor the engine group whose limit it sets.
fn wanted() -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "--list") {
        return false;
    }
    let filters: Vec<&String> = args.iter().filter(|arg| !arg.starts_with("--")).collect();
    filters.is_empty()
        || filters.iter().any(|filter| {
            "resamplers".contains(filter.as_str())
                || filter.contains("resampl")
                || "engine_44k1_stereo_20ms_64k".contains(filter.as_str())
        })
}

/// One candidate in one direction: what it measured, and its state and buffer for the timing.
struct Runner {
    direction: Direction,
    name: String,
    meets_bar: bool,
    candidate: Box<dyn Candidate>,
    block_out: Vec<f32>,
}

/// Measures every candidate against the bar (the first, today's) and prints the table.
fn measure_all() -> Vec<Runner> {
    println!("resamplers: each set to the bar rubato defines; stereo, {BLOCK_FRAMES}-frame blocks\n");
    println!(
        "{:<58} {:>14} {:>10} {:>10} {:>10} {:>10} {:>6} {:>9}",
        "candidate", "direction", "ripple", "at 20 kHz", "images", "above Nyq", "prime", "latency"
    );
    let mut runners = Vec::new();
    for direction in Direction::BOTH {
        let bar = measure::measure(|| make(direction, 0), direction);
        for index in 0..candidates::all(direction).len() {
            let figures = if index == 0 { bar } else { measure::measure(|| make(direction, index), direction) };
            let candidate = make(direction, index);
            let (name, meets_bar) = (candidate.name(), figures.meets(&bar));
            println!(
                "{name:<58} {:>14} {:>7.3} dB {:>7.2} dB {:>7.1} dB {:>10} {:>6} {:>6.2} ms{}",
                direction.label(),
                figures.ripple_db(),
                figures.edge_gain_db,
                figures.images_db,
                figures.above_nyquist_db.map_or("—".to_string(), |db| format!("{db:.1} dB")),
                figures.prime_frames,
                figures.latency_ms(),
                if meets_bar { "" } else { "  (misses the bar)" },
            );
            let block_out = vec![0.0f32; MAX_OUTPUT_FRAMES * CHANNELS];
            runners.push(Runner { direction, name, meets_bar, candidate, block_out });
        }
    }
    runners
}

fn main() {
    if !wanted() {
        return;
    }
    let mut runners = measure_all();

    let music = Direction::BOTH.map(|direction| test_signal::music(direction.rates().0, CHANNELS, 1.0));
    let raw_input = test_signal::music(48_000, CHANNELS, 1.0);
    let mut raw = RawRoundTrip::new(48_000, CHANNELS, 64_000, 10).with_constrained_vbr();
    let (mut packet, mut raw_output) = (vec![0u8; MAX_PACKET_BYTES], vec![0.0f32; raw_input.len()]);
    let mut raw_second = || {
        for (frame, out) in raw_input.chunks_exact(960 * CHANNELS).zip(raw_output.chunks_exact_mut(960 * CHANNELS)) {
            black_box(raw.round_trip(frame, &mut packet, out));
        }
    };
    let mut seconds: Vec<Box<dyn FnMut() + '_>> = vec![Box::new(&mut raw_second)];
    for runner in &mut runners {
        let input = &music[usize::from(runner.direction == Direction::Down)];
        let (candidate, block_out) = (&mut runner.candidate, &mut runner.block_out);
        seconds.push(Box::new(move || {
            for block in input.chunks(BLOCK_FRAMES * CHANNELS) {
                black_box(candidate.process(black_box(block), block_out));
            }
        }));
    }
    let mut work: Vec<&mut dyn FnMut()> = seconds.iter_mut().map(|f| f.as_mut() as &mut dyn FnMut()).collect();
    let timed = timing::time_in_rotation(&mut work, ROUNDS);
    drop(work);
    drop(seconds);

    println!(
        "\ncost per second of stereo audio, median of {ROUNDS} rounds in rotation with raw libopus's round trip (48 kHz, 64 kbps, 20 ms):"
    );
    println!("{:<58} {:>14} {:>12} {:>14}", "candidate", "direction", "µs per s", "of libopus");
    println!(
        "{:<58} {:>14} {:>12.0} {:>14}",
        "raw libopus encode + decode",
        "48 kHz",
        timed[0].median.as_secs_f64() * 1e6,
        "1"
    );
    for (runner, figures) in runners.iter().zip(&timed[1..]) {
        println!(
            "{:<58} {:>14} {:>12.0} {:>14.4}{}",
            runner.name,
            runner.direction.label(),
            figures.median.as_secs_f64() * 1e6,
            figures.median_ratio_to_first,
            if runner.meets_bar { "" } else { "  (misses the bar)" }
        );
    }

    // The engine at 44.1 kHz pays libopus, its own share (held at 48 kHz) and a resampler each
    // way: the cheapest that meets the bar in each direction sets the 44.1 kHz limit.
    let cheapest = |direction: Direction| {
        runners
            .iter()
            .zip(&timed[1..])
            .filter(|(runner, _)| runner.direction == direction && runner.meets_bar)
            .map(|(_, figures)| figures.median_ratio_to_first)
            .fold(f64::INFINITY, f64::min)
    };
    let share = cheapest(Direction::Up) + cheapest(Direction::Down);
    println!("\nthe cheapest pair that meets the bar costs {share:.4} of raw libopus's round trip");
    if let Some(dir) = std::env::var_os(paired_timing::PAIRED_DIR_VAR) {
        let path = std::path::Path::new(&dir).join(SHARE_GROUP).join(paired_timing::PAIRED_FILE);
        let written = std::fs::create_dir_all(path.parent().unwrap_or(&path))
            .and_then(|()| std::fs::write(&path, format!("{share}\n")));
        if let Err(error) = written {
            eprintln!("cannot write {}: {error}", path.display());
        }
    }
}
