//! libopus's own `opus_demo` as the oracle for our receiver: the same speech, the same packets
//! lost (its `-lossfile`), and our decoded output must equal its output bit for bit, with PLC,
//! with FEC and with DRED, whenever the receiver's wait covers every loss burst.
//!
//! `opus_demo` is compiled from the bundled libopus source (`src/opus_demo.c`) and linked
//! against the very `libopus.a` that opusic-sys built for this test binary, so the two run the
//! same code and the same DNN weights, with no system libopus involved. It is built once into
//! Cargo's target directory and rebuilt only when that library or its source changes (well
//! under a second: one C file).
//!
//! Like for like, flag by flag (ours are [`Settings`] fields, or the `render` flags):
//!
//! | ours | `opus_demo` |
//! |---|---|
//! | 48 kHz mono input and codec rate | `voip 48000 1 <bitrate>` |
//! | `bitrate_bps`, `complexity` (10), 20 ms frames | `<bitrate> -complexity 10 -framesize 20` |
//! | constrained VBR (our default) | `-cvbr` (its default is unconstrained) |
//! | `expected_loss_percent` | `-loss <perc>` (only the hint: `-lossfile` replaces its draws) |
//! | our loss trace (`render --write-trace`) | `-lossfile <trace>` |
//! | `fec` / `dred_duration_ms` | `-inbandfec` / `-dred <ms / 10>` |
//! | `decoder_complexity` | `-dec_complexity <n>` |
//! | float samples in and out | `-f32`: 24-bit input depth (our encoder's default) and output |
//!
//! `-f32` reads each sample as `round(x × 2²³)` and writes the decoder's output rounded to
//! 24 bits, so the input here sits on the 16-bit grid (exact in both) and our output is compared
//! after the same rounding. `opus_demo` drops the encoder's lookahead from the start of its
//! output; ours starts `latency_samples` late, lookahead included.
//!
//! Unix only: it needs a C compiler on the machine that runs it, which the Windows suites under
//! Wine do not have (their renders are checked against the Linux build's instead).
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use roundtrip_codec::{Application, FrameDuration};
use roundtrip_engine::{Counters, Engine, EngineConfig, LossTrace, Settings, SlotId};
use roundtrip_signal::test_signal;

const RATE_HZ: u32 = 48_000;
const FRAME: usize = 960;
/// Seconds of speech per case: 200 packets.
const SECONDS: f64 = 4.0;

/// The directory of the `libopus.a` that opusic-sys built for this profile (found beside this
/// test binary, in `target/<profile>/build/opusic-sys-*/out`), the newest if there are several.
fn opusic_out_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/<test>");
    let build = profile_dir.join("build");
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&build)
        .unwrap_or_else(|error| panic!("{}: {error}", build.display()))
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("opusic-sys-"))
        .map(|entry| entry.path().join("out"))
        .filter(|out| out.join("build/CMakeCache.txt").is_file())
        .filter_map(|out| Some((library(&out)?.metadata().ok()?.modified().ok()?, out)))
        .collect();
    found.sort();
    found.pop().map(|(_, out)| out).expect("no libopus.a built by opusic-sys beside this test binary")
}

fn library(out: &Path) -> Option<PathBuf> {
    ["lib", "lib64"].iter().map(|dir| out.join(dir).join("libopus.a")).find(|path| path.is_file())
}

/// The libopus source tree that CMake built `out` from (its cache's `CMAKE_HOME_DIRECTORY`).
fn source_dir(out: &Path) -> PathBuf {
    let cache = std::fs::read_to_string(out.join("build/CMakeCache.txt")).expect("CMakeCache.txt");
    let line = cache.lines().find_map(|line| line.strip_prefix("CMAKE_HOME_DIRECTORY:INTERNAL=")).expect("source dir");
    PathBuf::from(line.trim())
}

/// Builds `opus_demo` (once per run; on disk, again only when its inputs are newer) and
/// returns its path.
fn opus_demo() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| {
        let out = opusic_out_dir();
        let lib = library(&out).expect("libopus.a");
        let src = source_dir(&out);
        let demo_c = src.join("src/opus_demo.c");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("opus-demo");
        std::fs::create_dir_all(&dir).unwrap();
        let demo = dir.join("opus_demo");
        let modified = |path: &Path| path.metadata().and_then(|m| m.modified()).ok();
        let fresh = modified(&demo).is_some_and(|built| {
            modified(&lib).is_some_and(|lib| lib <= built) && modified(&demo_c).is_some_and(|c| c <= built)
        });
        if !fresh {
            // A process-unique name, renamed into place: parallel test binaries never see half a file.
            let partial = dir.join(format!("opus_demo.{}", std::process::id()));
            let mut cc = Command::new(std::env::var_os("CC").unwrap_or_else(|| "cc".into()));
            cc.arg("-O2");
            for include in ["include", "celt", "silk", "src", "dnn"] {
                cc.arg("-I").arg(src.join(include));
            }
            let status = cc
                .arg(&demo_c)
                .arg(&lib)
                .args(["-lm", "-o"])
                .arg(&partial)
                .status()
                .expect("a C compiler (`cc`, or $CC) to build opus_demo");
            assert!(status.success(), "building opus_demo failed: {status}");
            std::fs::rename(&partial, &demo).unwrap();
        }
        demo
    })
}

/// 16-bit speech (exact in both programs' sample formats).
fn speech() -> Vec<f32> {
    test_signal::speech(RATE_HZ, SECONDS)
        .iter()
        .map(|&x| (x * 32768.0).round().clamp(-32768.0, 32767.0) / 32768.0)
        .collect()
}

/// A loss pattern over `packets`: about `percent` % lost, in single losses and bursts of two
/// and three, drawn from `seed`; the first ten and the last ten packets arrive (`opus_demo`
/// needs a decoded packet before a loss, and never decodes losses at the end).
fn pattern(packets: usize, percent: u32, seed: u64) -> Vec<bool> {
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u32
    };
    let mut lost = vec![false; packets];
    let mut i = 10;
    while i < packets - 10 {
        if next() % 100 < percent {
            let burst = [1, 1, 1, 2, 3][(next() % 5) as usize];
            for slot in lost.iter_mut().skip(i).take(burst.min(packets - 10 - i)) {
                *slot = true;
            }
            i += burst + 1;
        } else {
            i += 1;
        }
    }
    lost
}

/// Our render of `input` with `settings` and the loss pattern `lost`: the decoded output
/// aligned to the input, and the counters.
fn ours(settings: Settings, input: &[f32], lost: &[bool]) -> (Vec<f32>, Counters) {
    let config = EngineConfig { sample_rate_hz: RATE_HZ, channels: 1, max_block_frames: 4096 };
    let mut engine = Engine::new(config, settings).unwrap();
    engine.loss_trace_sender(SlotId::A).send(Some(LossTrace::new(lost.to_vec()).unwrap()));
    let latency = engine.latency_samples();
    let mut padded = input.to_vec();
    padded.resize(input.len() + latency + FRAME, 0.0);
    let mut output = vec![0.0; padded.len()];
    for (input, output) in padded.chunks(FRAME).zip(output.chunks_mut(FRAME)) {
        engine.process_interleaved(input, output);
    }
    output.drain(..latency);
    output.truncate(input.len());
    (output, engine.counters(SlotId::A))
}

/// `opus_demo`'s encode-and-decode of `input` with the flags that match `settings`, and the
/// loss pattern `lost`.
fn reference(name: &str, settings: &Settings, input: &[f32], lost: &[bool]) -> Vec<f32> {
    let demo = opus_demo();
    let dir = demo.parent().unwrap();
    let raw_in = dir.join(format!("{name}.in.f32"));
    let raw_out = dir.join(format!("{name}.out.f32"));
    let loss_file = dir.join(format!("{name}.loss.txt"));
    std::fs::write(&raw_in, input.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>()).unwrap();
    std::fs::write(&loss_file, LossTrace::new(lost.to_vec()).unwrap().to_text()).unwrap();
    let application = match settings.application {
        Application::Voip => "voip",
        Application::Audio => "audio",
        other => panic!("no opus_demo application for {other:?}"),
    };
    let mut demo = Command::new(demo);
    demo.args([application, "48000", "1", &settings.bitrate_bps.to_string()])
        .args(["-f32", "-cvbr", "-framesize", "20", "-complexity", &settings.complexity.to_string()])
        .args(["-dec_complexity", &settings.decoder_complexity.to_string()])
        .args(["-loss", &settings.expected_loss_hint().to_string()])
        .arg("-lossfile")
        .arg(&loss_file);
    if settings.fec {
        demo.arg("-inbandfec");
    }
    if settings.dred_duration_ms > 0 {
        demo.args(["-dred", &(settings.dred_duration_ms / 10).to_string()]);
    }
    let result = demo.arg(&raw_in).arg(&raw_out).output().expect("run opus_demo");
    assert!(result.status.success(), "opus_demo failed: {}", String::from_utf8_lossy(&result.stderr));
    let bytes = std::fs::read(&raw_out).unwrap();
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// A float sample as `opus_demo -f32` writes it: rounded to 24 bits (libopus's `RES2INT24`).
fn to_24_bits(x: f32) -> i32 {
    (x * 8_388_608.0).clamp(-8_388_608.0, 8_388_607.0).round_ties_even() as i32
}

/// Compares ours with `opus_demo`'s output at 24 bits; returns how many 20 ms frames differ,
/// and prints the first few.
fn frames_differing(name: &str, ours: &[f32], theirs: &[f32], lost: &[bool]) -> usize {
    assert!(theirs.len() + FRAME >= ours.len() && theirs.len() <= ours.len(), "{} vs {}", theirs.len(), ours.len());
    let mut differing = 0;
    for (frame, (a, b)) in ours.chunks(FRAME).zip(theirs.chunks(FRAME)).enumerate() {
        let first = a.iter().zip(b).position(|(&a, &b)| to_24_bits(a) != to_24_bits(b));
        if let Some(at) = first {
            if differing < 5 {
                println!(
                    "{name}: output frame {frame} differs from sample {at} (ours {}, opus_demo {}); lost around it: {:?}",
                    to_24_bits(a[at]),
                    to_24_bits(b[at]),
                    &lost[frame.saturating_sub(2)..(frame + 3).min(lost.len())]
                );
            }
            differing += 1;
        }
    }
    differing
}

fn voip(bitrate_bps: i32, expected_loss_percent: u8) -> Settings {
    Settings {
        bitrate_bps,
        application: Application::Voip,
        frame: FrameDuration::Ms20,
        expected_loss_percent: Some(expected_loss_percent),
        ..Settings::default()
    }
}

/// Runs one case through both and checks them bit for bit; returns our counters.
fn check(name: &str, settings: Settings, percent: u32, seed: u64) -> Counters {
    let input = speech();
    let packets = input.len().div_ceil(FRAME) + 20;
    let lost = pattern(packets, percent, seed);
    let (ours, counters) = ours(settings, &input, &lost);
    let theirs = reference(name, &settings, &input, &lost);
    let differing = frames_differing(name, &ours, &theirs, &lost);
    println!("{name}: {differing} of {} frames differ; {counters:?}", ours.len().div_ceil(FRAME));
    assert!(counters.packets_lost > 5, "{name}: too few losses to test anything: {counters:?}");
    assert_eq!(differing, 0, "{name}: our output is not opus_demo's");
    counters
}

#[test]
fn plc_matches_opus_demo_bit_for_bit() {
    check("plc", voip(24_000, 5), 5, 1);
    check("deep-plc", Settings { decoder_complexity: 5, ..voip(24_000, 5) }, 5, 2);
}

#[test]
fn fec_matches_opus_demo_bit_for_bit() {
    let counters = check("fec", Settings { fec: true, ..voip(32_000, 10) }, 10, 3);
    assert!(counters.recovered_fec > 0, "{counters:?}");
}

#[test]
fn dred_matches_opus_demo_bit_for_bit_at_5_percent_expected_loss() {
    let counters = check("dred-5", Settings { dred_duration_ms: 100, ..voip(24_000, 5) }, 5, 4);
    assert!(counters.recovered_dred > 0, "{counters:?}");
}

#[test]
fn dred_matches_opus_demo_bit_for_bit_at_15_percent_expected_loss() {
    let settings = Settings { dred_duration_ms: 100, decoder_complexity: 5, ..voip(24_000, 15) };
    let counters = check("dred-15", settings, 15, 5);
    assert!(counters.recovered_dred > 0, "{counters:?}");
}
