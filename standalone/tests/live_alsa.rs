//! `live` on a desktop's ALSA setup: ALSA's `default` PCM (where PipeWire or PulseAudio sit) is
//! listed, marked as the system default, and is what `live` opens when no device is named. The
//! test gives alsa-lib a configuration of its own (through `HOME`): a `default` and a second
//! PCM, both of ALSA's `null` type, so that no sound card is needed. The editor opens under Xvfb.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A guard against a hung app; the verdict comes from what the app logs, not from the clock.
const HANG_GUARD: Duration = Duration::from_secs(300);

/// The card is listed before the default, so that "the first device found" would be the card.
const ASOUNDRC: &str = r#"
pcm.testcard { type null hint { show on description "Test card" } }
pcm.!default { type null hint { show on description "Test default device" } }
"#;

fn alsa_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(home.path().join(".asoundrc"), ASOUNDRC).expect("writing .asoundrc");
    home
}

fn app(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_opus-roundtrip"));
    command.env("HOME", home);
    command
}

#[test]
fn the_system_default_is_listed_and_chosen_by_pcm_id() {
    let home = alsa_home();
    let listing = app(home.path()).args(["live", "--list-devices"]).output().unwrap();
    let text = String::from_utf8_lossy(&listing.stdout);
    assert!(text.contains("  default — Test default device (system default)"), "{text}");
    assert!(text.contains("  testcard — Test card"), "{text}");
    // A PCM id that is not there names the flag and lists the ids.
    let wrong = app(home.path()).args(["live", "--backend", "alsa", "-i", "pulse"]).output().unwrap();
    let message = String::from_utf8_lossy(&wrong.stderr);
    assert_eq!(wrong.status.code(), Some(5), "{message}");
    assert!(message.contains("'pulse'") && message.contains("default ('Test default device')"), "{message}");
}

#[test]
fn live_opens_the_system_default_input_and_output() {
    let home = alsa_home();
    let stop = home.path().join("stop");
    let log = home.path().join("live.log");
    let script =
        "\"$0\" live --backend alsa & app=$!; while [ ! -e \"$1\" ]; do sleep 0.2; done; kill $app; wait $app; exit 0";
    let mut child = Command::new("xvfb-run")
        .args(["-a", "sh", "-c", script, env!("CARGO_BIN_EXE_opus-roundtrip")])
        .arg(&stop)
        .env("HOME", home.path())
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("xvfb-run is missing: run `cargo xtask setup`");
    // nice-plug's backend logs each stream it starts, with the PCM it opened.
    let (input, output) =
        ("Starting input stream: Device { pcm_id: \"default\"", "Starting output stream: Device { pcm_id: \"default\"");
    let started = Instant::now();
    let mut text = String::new();
    while started.elapsed() < HANG_GUARD {
        std::thread::sleep(Duration::from_millis(200));
        text = std::fs::read_to_string(&log).unwrap_or_default();
        if (text.contains(input) && text.contains(output)) || child.try_wait().ok().flatten().is_some() {
            break;
        }
    }
    std::fs::write(&stop, b"").unwrap();
    let _ = child.wait();
    assert!(text.contains(input) && text.contains(output), "live did not open ALSA's default PCM:\n{text}");
}
