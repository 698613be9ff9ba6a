//! `cargo xtask screenshots`: the editor's pictures in `assets/`, taken under Xvfb with audio
//! flowing. The standalone app (`live`) reads speech through an ALSA configuration of its own:
//! a file capture (`file` PCM over `null`: no sound card) from a named pipe that a thread here
//! keeps full, the speech over and over. (ALSA's `null` PCM keeps no clock, so the app runs
//! many times faster than real time; a plain file would run out, and a pipe written in real
//! time would leave gaps.) `xdotool` works the editor as a person would: B on, B set to the voice-call preset, A to the bad Wi-Fi one, listening to B
//! (`editor.png`: the A/B meters and a packet timeline with losses), then a blind test started
//! and played (`editor-abx.png`).
//!
//! The clicks are at the editor's positions at its default layout; after a layout change, look
//! at `target/screenshots/*.png` and move them. Not part of the test suite: the pictures are
//! for the README, and the GUI tests check the editor itself.

use std::path::Path;
use std::process::Command;

use roundtrip_signal::test_signal;

const RATE: u32 = 48_000;

/// Seconds of speech, repeated for as long as the app reads.
const SPEECH_SECONDS: f64 = 10.0;

/// alsa-lib's configuration: `speech` captures from the pipe, `default` plays into nothing.
fn asoundrc(raw: &Path) -> String {
    format!(
        "pcm.speechfile {{ type file slave.pcm \"null\" file \"/dev/null\" infile \"{}\" format \"raw\" }}\n\
         pcm.speech {{ type plug slave {{ pcm \"speechfile\" format S16_LE rate {RATE} channels 2 }} }}\n\
         pcm.!default {{ type null }}\n",
        raw.display()
    )
}

/// Run under `xvfb-run` (`sh -c`, `$0` its name) with the app, the output folder and the alsa
/// home as `$1`, `$2`, `$3`.
const SCRIPT: &str = r#"
app="$1"; out="$2"; home="$3"
HOME="$home" "$app" live --backend alsa -i speech -o default -p 256 > "$out/app.log" 2>&1 &
pid=$!
for i in $(seq 120); do
    w=$(xdotool search --name "Opus Roundtrip" | head -1); [ -n "$w" ] && break; sleep 1
done
[ -n "$w" ] || { kill $pid; echo "the editor did not open; see $out/app.log"; exit 1; }
xdotool windowsize "$w" 900 1420
sleep 3
click() { xdotool mousemove "$1" "$2" click 1; sleep 1; }
click 303 45    # B on
click 88 45     # Edit B
click 124 69    # preset: Voice call 16 kbps
click 54 45     # Edit A
click 562 69    # preset: Bad Wi-Fi, 10 % bursty loss
click 262 45    # Listen: B
sleep 8
import -window "$w" "$out/editor.png"
click 272 584   # Blind test (Dry vs A): Start
xdotool key a; sleep 1; xdotool key b; sleep 1; xdotool key x; sleep 2
import -window "$w" "$out/editor-abx.png"
kill $pid; wait $pid
exit 0
"#;

pub fn run() -> Result<(), String> {
    crate::cargo(&["build", "--package", "opus-roundtrip-app", "--bin", "opus-roundtrip"])?;
    let target = crate::target_dir()?;
    let app = target.join("debug").join("opus-roundtrip");
    let out = target.join("screenshots");
    let home = out.join("home");
    std::fs::create_dir_all(&home).map_err(|error| format!("{}: {error}", home.display()))?;
    let pipe = out.join("speech.pipe");
    make_pipe(&pipe)?;
    let speech = test_signal::speech(RATE, SPEECH_SECONDS);
    let bytes: Vec<u8> = speech
        .iter()
        .flat_map(|&sample| {
            let value = (sample.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16;
            [value, value]
        })
        .flat_map(i16::to_le_bytes)
        .collect();
    let feeder = pipe.clone();
    std::thread::spawn(move || keep_full(&feeder, &bytes));
    std::fs::write(home.join(".asoundrc"), asoundrc(&pipe)).map_err(|error| format!("{error}"))?;
    let status = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1000x1480x24", "sh", "-c", SCRIPT, "screenshots"])
        .args([&app, &out, &home])
        .env("LIBGL_ALWAYS_SOFTWARE", "1")
        .status()
        .map_err(|error| format!("xvfb-run: {error} (run `cargo xtask setup`)"))?;
    if !status.success() {
        return Err(format!("the screenshot script failed ({status})"));
    }
    let assets = crate::workspace_root()?.join("assets");
    for name in ["editor.png", "editor-abx.png"] {
        std::fs::copy(out.join(name), assets.join(name)).map_err(|error| format!("{name}: {error}"))?;
        println!("assets/{name}");
    }
    Ok(())
}

/// A named pipe at `path` (replacing whatever is there).
fn make_pipe(path: &Path) -> Result<(), String> {
    let _ = std::fs::remove_file(path);
    let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).map_err(|error| format!("{error}"))?;
    // SAFETY: `name` is a NUL-terminated path that outlives the call.
    if unsafe { libc::mkfifo(name.as_ptr(), 0o600) } != 0 {
        return Err(format!("mkfifo {}: {}", path.display(), std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Writes `bytes` into the pipe over and over, as fast as it is read (so a read always finds a
/// whole period), opening it again whenever its reader goes (alsa-lib opens the device more
/// than once while the app starts). Runs until the process ends.
fn keep_full(pipe: &Path, bytes: &[u8]) {
    use std::io::Write as _;
    loop {
        let Ok(mut file) = std::fs::OpenOptions::new().write(true).open(pipe) else { return };
        while file.write_all(bytes).is_ok() {}
    }
}
