//! `cargo xtask memory`: the proof that `render` runs in memory independent of the file's length.
//! It renders 10 and 60 minutes of generated 48 kHz stereo (with `--report`, `--difference` and
//! `--record`, so every output streams) with the release app and compares the peak resident
//! memory of the two runs, read from the kernel's accounting of each finished child
//! (`wait4`'s `ru_maxrss`): a difference of 10 % or more fails.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// The two lengths compared, in minutes.
const MINUTES: [u32; 2] = [10, 60];
/// The largest growth of peak memory allowed from the shorter to the longer render.
const MAX_GROWTH: f64 = 0.10;
const RATE_HZ: u32 = 48_000;

pub fn run() -> Result<(), String> {
    crate::cargo(&["build", "--release", "--package", "opus-roundtrip-app", "--bin", "opus-roundtrip"])?;
    let app = crate::target_dir()?.join("release/opus-roundtrip");
    let folder = crate::target_dir()?.join("memory");
    std::fs::create_dir_all(&folder).map_err(|error| format!("{}: {error}", folder.display()))?;
    let mut peaks = Vec::new();
    for minutes in MINUTES {
        let input = folder.join(format!("{minutes}min.wav"));
        write_test_wav(&input, minutes * 60).map_err(|error| format!("{}: {error}", input.display()))?;
        let out = |extension: &str| folder.join(format!("{minutes}min.out.{extension}"));
        let mut command = Command::new(&app);
        command.arg("render").arg(&input).arg("-o").arg(out("wav")).arg("-q");
        command.args(["--bitrate", "32", "--loss", "5", "--dred", "100ms", "--application", "voip"]);
        command.arg("--difference").arg(out("difference.wav")).arg("--record").arg(out("opus"));
        command.arg("--report").arg(out("png")).stdout(Stdio::null());
        let peak_kib = peak_memory_kib(&mut command)?;
        println!("xtask: {minutes:>2} min of 48 kHz stereo: peak resident memory {:.1} MB", peak_kib as f64 / 1024.0);
        peaks.push(peak_kib);
        let stats = folder.join(format!("{minutes}min.out.stats.json"));
        for path in [input, out("wav"), out("difference.wav"), out("opus"), out("png"), stats] {
            let _ = std::fs::remove_file(path);
        }
    }
    let growth = peaks[1] as f64 / peaks[0] as f64 - 1.0;
    println!(
        "xtask: {} min against {} min: {:+.1} % (limit {:.0} %)",
        MINUTES[1],
        MINUTES[0],
        growth * 100.0,
        MAX_GROWTH * 100.0
    );
    if growth < MAX_GROWTH { Ok(()) } else { Err("render's memory grows with the file's length".to_owned()) }
}

/// Writes `seconds` of a 48 kHz 16-bit stereo WAV: two slowly gliding tones and a little noise,
/// made sample by sample so that the generator itself stays small.
pub(crate) fn write_test_wav(path: &Path, seconds: u32) -> std::io::Result<()> {
    let frames = u64::from(seconds) * u64::from(RATE_HZ);
    let data_bytes = u32::try_from(frames * 4).map_err(std::io::Error::other)?;
    let mut file = BufWriter::new(std::fs::File::create(path)?);
    file.write_all(b"RIFF")?;
    file.write_all(&(36 + data_bytes).to_le_bytes())?;
    file.write_all(b"WAVEfmt ")?;
    for field in [16u32.to_le_bytes(), [1, 0, 2, 0], RATE_HZ.to_le_bytes(), (RATE_HZ * 4).to_le_bytes(), [4, 0, 16, 0]]
    {
        file.write_all(&field)?;
    }
    file.write_all(b"data")?;
    file.write_all(&data_bytes.to_le_bytes())?;
    let mut noise = 0x2545_f491_4f6c_dd1d_u64;
    for n in 0..frames {
        let t = n as f64 / f64::from(RATE_HZ);
        noise ^= noise << 13;
        noise ^= noise >> 7;
        noise ^= noise << 17;
        let hiss = (noise >> 40) as f64 / (1u64 << 24) as f64 - 0.5;
        let glide = 220.0 * (1.0 + 0.5 * (t * 0.05).sin());
        let left = 0.3 * (std::f64::consts::TAU * glide * t).sin() + 0.02 * hiss;
        let right = 0.3 * (std::f64::consts::TAU * glide * 1.5 * t).sin() + 0.02 * hiss;
        for sample in [left, right] {
            file.write_all(&((sample * 32_767.0) as i16).to_le_bytes())?;
        }
    }
    file.flush()
}

/// Runs `command` and returns its peak resident memory in KiB, as the kernel accounted it.
#[cfg(target_os = "linux")]
fn peak_memory_kib(command: &mut Command) -> Result<u64, String> {
    let child = command.spawn().map_err(|error| format!("could not start the app: {error}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills; all-zero is a valid value of it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for; `status` and `usage` are valid for writes.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if waited != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("the render failed (wait status {status})"));
    }
    // Linux reports `ru_maxrss` in KiB.
    Ok(usage.ru_maxrss as u64)
}

#[cfg(not(target_os = "linux"))]
fn peak_memory_kib(_command: &mut Command) -> Result<u64, String> {
    Err("`cargo xtask memory` reads Linux's accounting of a child (ru_maxrss in KiB)".to_owned())
}
