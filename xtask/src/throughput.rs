//! `cargo xtask throughput`: how well `batch` uses the machine, one run, as ratios. The same
//! corpus on 2 workers against 1 (at least 1.8 on 2 cores), and 1,000 files of 1 s against one
//! file of 1,000 s (at least 85 % of its audio per second: the cost of starting a file is small);
//! these without the perceptual score, which a 1 s file does not get. Then what the listener
//! models cost: a file of 120 s with the perceptual score (in each mode) against without,
//! reported, not judged.
//!
//! At 64 kbps: at low bitrates a fresh encoder codes the first second of music in SILK before its
//! analysis settles on CELT, so a corpus of short files costs more for the codec's own reason
//! (at 24 kbps, 2.7 times as much here), which is not the batch's overhead.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const FILES: u32 = 1_000;
const MIN_SPEEDUP: f64 = 1.8;
const MIN_SHORT_FILE_SHARE: f64 = 0.85;
const SCORED_SECONDS: u32 = 120;

pub fn run() -> Result<(), String> {
    crate::cargo(&["build", "--release", "--package", "opus-roundtrip-app", "--bin", "opus-roundtrip"])?;
    let app = crate::target_dir()?.join("release/opus-roundtrip");
    let folder = crate::target_dir()?.join("throughput");
    let _ = std::fs::remove_dir_all(&folder);
    let (short, long) = (folder.join("short"), folder.join("long"));
    for corpus in [&short, &long] {
        std::fs::create_dir_all(corpus).map_err(|error| format!("{}: {error}", corpus.display()))?;
    }
    let write = |path: &Path, seconds| {
        crate::memory::write_test_wav(path, seconds).map_err(|error| format!("{}: {error}", path.display()))
    };
    write(&short.join("0000.wav"), 1)?;
    for n in 1..FILES {
        let copy = short.join(format!("{n:04}.wav"));
        std::fs::copy(short.join("0000.wav"), &copy).map_err(|error| format!("{}: {error}", copy.display()))?;
    }
    write(&long.join("long.wav"), FILES)?;
    let scored = folder.join("scored");
    std::fs::create_dir_all(&scored).map_err(|error| format!("{}: {error}", scored.display()))?;
    write(&scored.join("two-minutes.wav"), SCORED_SECONDS)?;

    let timed = |corpus: &Path, jobs: &str, quality: &str| -> Result<f64, String> {
        let out = folder.join(format!("out-{}-{jobs}", corpus.file_name().unwrap_or_default().to_string_lossy()));
        let started = Instant::now();
        let status = Command::new(&app)
            .arg("batch")
            .arg(corpus)
            .arg("-o")
            .arg(&out)
            .args(["-q", "-j", jobs, "--bitrate", "64k", "--loss", "5%", "--quality-mode", quality])
            .stdout(Stdio::null())
            .status()
            .map_err(|error| format!("could not start the app: {error}"))?;
        let elapsed = started.elapsed().as_secs_f64();
        let _ = std::fs::remove_dir_all(&out);
        if status.success() { Ok(elapsed) } else { Err(format!("batch failed ({status})")) }
    };
    let seconds = |corpus: &Path, jobs: &str| timed(corpus, jobs, "off");
    let (one_worker, two_workers, one_file) = (seconds(&short, "1")?, seconds(&short, "2")?, seconds(&long, "1")?);
    let (off, speech, audio) =
        (timed(&scored, "1", "off")?, timed(&scored, "1", "speech")?, timed(&scored, "1", "audio")?);
    let _ = std::fs::remove_dir_all(&folder);
    let per_second = |with: f64| (with - off) / f64::from(SCORED_SECONDS) * 1000.0;
    println!(
        "xtask: {SCORED_SECONDS} s of stereo music, 1 worker: {off:.2} s without the perceptual score (its noise-to-mask map \
         included), {speech:.2} s with it in speech mode ({:.2}x, +{:.0} ms per second of audio), {audio:.2} s in audio \
         mode ({:.2}x, +{:.0} ms)",
        speech / off,
        per_second(speech),
        audio / off,
        per_second(audio)
    );
    let speedup = one_worker / two_workers;
    let share = one_file / one_worker;
    println!(
        "xtask: {FILES} files of 1 s: {one_worker:.2} s on 1 worker, {two_workers:.2} s on 2: {speedup:.2}x (limit {MIN_SPEEDUP})"
    );
    println!(
        "xtask: one file of {FILES} s: {one_file:.2} s; the short files run at {:.0} % of its audio per second (limit {:.0} %)",
        share * 100.0,
        MIN_SHORT_FILE_SHARE * 100.0
    );
    if speedup < MIN_SPEEDUP || share < MIN_SHORT_FILE_SHARE {
        return Err("batch's throughput is below its limits".to_owned());
    }
    Ok(())
}
