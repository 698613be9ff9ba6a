//! Helpers the app's tests share: generated input files and running the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use roundtrip_app::wav::{self, Audio, WavFormat};
use roundtrip_signal::test_signal;

/// A fresh folder for one test's files, removed when dropped.
pub fn folder() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// Writes `seconds` of generated stereo music at `rate` as a WAV in `format`.
pub fn music_file(dir: &Path, name: &str, rate: u32, seconds: f64, format: WavFormat) -> PathBuf {
    let audio = Audio { sample_rate_hz: rate, channels: 2, samples: test_signal::music(rate, 2, seconds) };
    let path = dir.join(name);
    wav::write(&path, &audio, format).expect("writing the test input");
    path
}

/// Runs `opus-roundtrip` with `args`.
pub fn app(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opus-roundtrip")).args(args).output().expect("the opus-roundtrip binary runs")
}

/// Runs `opus-roundtrip` with `args` in the folder `cwd`.
pub fn app_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opus-roundtrip"))
        .current_dir(cwd)
        .args(args)
        .output()
        .expect("the opus-roundtrip binary runs")
}

/// The file names in `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("folder")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Encodes `wav` with the reference FLAC encoder (Debian package `flac`) into `flac`.
pub fn reference_flac(wav: &Path, flac: &Path) {
    let status = Command::new("flac")
        .args(["--silent", "--force", "-o"])
        .arg(flac)
        .arg(wav)
        .status()
        .expect("flac is missing: run `cargo xtask setup` (Debian package flac)");
    assert!(status.success(), "flac could not encode {}", wav.display());
}

/// Writes `seconds` of generated mono speech at `rate` as a 16-bit WAV.
pub fn speech_file(dir: &Path, name: &str, rate: u32, seconds: f64) -> PathBuf {
    let audio = Audio { sample_rate_hz: rate, channels: 1, samples: test_signal::speech(rate, seconds) };
    let path = dir.join(name);
    wav::write(&path, &audio, WavFormat::Int16).expect("writing the test input");
    path
}
