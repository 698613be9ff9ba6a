//! Every bad input gets a one-line message naming the problem, its exit code, and leaves no file
//! behind: missing, unreadable, non-WAV and truncated inputs, unsupported formats, rates and
//! layouts, contradictory flags, unwritable outputs, and no audio device.

mod common;

use std::path::Path;

use roundtrip_app::error::{EXIT_DEVICE, EXIT_INPUT, EXIT_OUTPUT, EXIT_USAGE};
use roundtrip_app::wav::WavFormat;

use common::{app, files_in, folder, music_file};

/// Runs the app and checks the exit code and that stderr is one line containing `expected`.
fn fails(args: &[&str], code: i32, expected: &str) {
    let output = app(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{args:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|line| !line.trim().is_empty()).collect();
    assert!(lines.iter().any(|line| line.contains(expected)), "{args:?}: expected '{expected}' in: {stderr}");
    if code != EXIT_USAGE {
        assert_eq!(lines.len(), 1, "{args:?}: not one line: {stderr}");
        assert!(lines[0].starts_with("opus-roundtrip: error: "), "{stderr}");
    }
}

/// A WAV header (PCM, 16-bit unless `bits`/`format` say otherwise) over `data` bytes of audio.
fn wav_bytes(channels: u16, rate: u32, bits: u16, format_tag: u16, data: &[u8], declared: u32) -> Vec<u8> {
    let block = channels * bits / 8;
    let mut bytes = b"RIFF".to_vec();
    bytes.extend_from_slice(&(36 + declared).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&format_tag.to_le_bytes());
    bytes.extend_from_slice(&channels.to_le_bytes());
    bytes.extend_from_slice(&rate.to_le_bytes());
    bytes.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    bytes.extend_from_slice(&block.to_le_bytes());
    bytes.extend_from_slice(&bits.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&declared.to_le_bytes());
    bytes.extend_from_slice(data);
    bytes
}

fn render_args<'a>(input: &'a str, output: &'a str) -> Vec<&'a str> {
    vec!["render", input, "-o", output, "-q"]
}

/// Nothing but `expected` in `dir`: no output and no temporary file left behind.
fn only(dir: &Path, expected: &[&str]) {
    assert_eq!(files_in(dir), expected.iter().map(|name| name.to_string()).collect::<Vec<_>>());
}

#[test]
fn bad_input_files_are_refused_and_leave_nothing_behind() {
    let dir = folder();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let out = path("out.wav");
    std::fs::write(path("text.wav"), "this is not audio").unwrap();
    std::fs::write(path("flac.wav"), b"fLaC\0\0\0\x22 and so on").unwrap();
    std::fs::write(path("ogg.wav"), b"OggS\0\x02 and so on").unwrap();
    // A streaming WAV (size left open as 0) that stopped right after its header.
    std::fs::write(path("empty.wav"), wav_bytes(2, 48_000, 16, 1, &[], 0)).unwrap();
    std::fs::write(path("zero.wav"), b"").unwrap();
    let audio = vec![0u8; 4000];
    std::fs::write(path("truncated.wav"), wav_bytes(2, 48_000, 16, 1, &audio, 400_000)).unwrap();
    std::fs::write(path("six.wav"), wav_bytes(6, 48_000, 16, 1, &audio, 3996)).unwrap();
    std::fs::write(path("slow.wav"), wav_bytes(1, 500, 16, 1, &audio, 4000)).unwrap();
    std::fs::write(path("double.wav"), wav_bytes(1, 48_000, 64, 3, &audio, 4000)).unwrap();
    std::fs::write(path("twelve.wav"), wav_bytes(1, 48_000, 12, 1, &audio, 4000)).unwrap();
    std::fs::create_dir(path("folder.wav")).unwrap();
    let existing = [
        "double.wav",
        "empty.wav",
        "flac.wav",
        "folder.wav",
        "ogg.wav",
        "six.wav",
        "slow.wav",
        "text.wav",
        "truncated.wav",
        "twelve.wav",
        "zero.wav",
    ];

    for (input, message) in [
        ("missing.wav", "No such file"),
        ("folder.wav", "cannot use input"),
        ("text.wav", "not a WAV file"),
        ("flac.wav", "not a valid FLAC file (STREAMINFO block not first in file)"),
        ("ogg.wav", "this is an Ogg (Opus, Vorbis or FLAC) file, not WAV or FLAC; decode it first (Ogg Opus: `opusdec"),
        ("empty.wav", "the file holds no audio (its data chunk is empty)"),
        ("zero.wav", "the file is empty (0 bytes)"),
        ("truncated.wav", "the file is truncated: its header declares 2.08 s of audio, only 0.02 s are there"),
        ("six.wav", "6 channels; only mono and stereo"),
        ("slow.wav", "sample rate 500 Hz is not supported"),
        ("double.wav", "not supported"),
        ("twelve.wav", "not supported"),
    ] {
        fails(&render_args(&path(input), &out), EXIT_INPUT, message);
        only(dir.path(), &existing);
    }
}

#[test]
fn contradictory_flags_are_usage_errors() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 48_000, 0.5, WavFormat::Int16);
    let input = input.to_str().unwrap();
    let out = dir.path().join("out.wav");
    let out = out.to_str().unwrap();
    let with = |extra: &[&'static str]| [render_args(input, out), extra.to_vec()].concat();
    fails(&with(&["--loss-model", "random", "--burst", "3"]), EXIT_USAGE, "--burst needs bursty loss");
    fails(&with(&["--application", "lowdelay", "--fec"]), EXIT_USAGE, "FEC and DRED need the SILK coder");
    fails(&with(&["--bitrate", "2k"]), EXIT_USAGE, "2 kbps is outside Opus's 6 to 510 kbps");
    fails(&with(&["--bitrate", "24000"]), EXIT_USAGE, "a bare number is kbps: did you mean 24k, that is 24000bps?");
    fails(&with(&["--loss", "0.05"]), EXIT_USAGE, "0.05 looks like a fraction: did you mean 5%?");
    let wav_record = [render_args(input, out), vec!["--record", out]].concat();
    fails(&wav_record, EXIT_USAGE, "would hold Ogg Opus under a .wav name; name it .opus");
    fails(&with(&["--frame", "30ms"]), EXIT_USAGE, "not an Opus frame");
    fails(&with(&["--loss", "120%"]), EXIT_USAGE, "outside 0 to 100");
    fails(&with(&["--dred", "2s"]), EXIT_USAGE, "DRED reaches 0 to 1040 ms");
    fails(&[render_args(input, out), vec!["--difference", out]].concat(), EXIT_USAGE, "would overwrite another output");
    fails(&render_args(input, input), EXIT_USAGE, "would overwrite the input");
    fails(&["render", input], EXIT_USAGE, "--output");
    fails(&["demo", "--duration", "0.1s", "-o", dir.path().join("demo").to_str().unwrap()], EXIT_USAGE, "--duration");
    // A bare duration is in seconds, as the help says: 700 is 700 s, not 0.7 s.
    fails(
        &["demo", "--duration", "700", "-o", dir.path().join("demo").to_str().unwrap()],
        EXIT_USAGE,
        "--duration 700 s",
    );
    fails(&["live", "--sample-rate", "500"], EXIT_USAGE, "--sample-rate 500");
    only(dir.path(), &["in.wav"]);
}

#[test]
fn bad_loss_traces_are_refused_before_anything_is_written() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 48_000, 0.5, WavFormat::Int16);
    let input = input.to_str().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (out, written) = (path("out.wav"), path("written.txt"));
    std::fs::write(path("garbage.txt"), "0 1 0\n0 lost 1\n").unwrap();
    std::fs::write(path("empty.txt"), " \n").unwrap();
    std::fs::write(path("binary.txt"), [0xffu8, 0xfe, 0x00, 0x01]).unwrap();
    let existing = ["binary.txt", "empty.txt", "garbage.txt", "in.wav"];
    for (trace, message) in [
        ("garbage.txt", "line 2: 'lost' is not an integer"),
        ("empty.txt", "the trace holds no packets"),
        ("binary.txt", "the trace is not text"),
        ("missing.txt", "cannot read the trace"),
    ] {
        let trace = path(trace);
        let args = [render_args(input, &out), vec!["--loss-trace", &trace, "--write-trace", &written]].concat();
        fails(&args, EXIT_INPUT, message);
        only(dir.path(), &existing);
    }
    // A delay trace: a negative delay, a word, a 1 GB file (sparse), empty.
    std::fs::write(path("negative.txt"), "12.5 lost\n-3\n").unwrap();
    let huge = std::fs::File::create(path("huge.txt")).unwrap();
    huge.set_len(1 << 30).unwrap();
    drop(huge);
    let existing = ["binary.txt", "empty.txt", "garbage.txt", "huge.txt", "in.wav", "negative.txt"];
    for (trace, message) in [
        ("negative.txt", "line 2: '-3' is a negative delay"),
        ("garbage.txt", "line 1: '0 1 0'"),
        ("huge.txt", "the trace holds over 64 MiB"),
        ("empty.txt", "the trace holds no packets"),
    ] {
        let trace = path(trace);
        let args = [render_args(input, &out), vec!["--delay-trace", &trace, "--write-trace", &written]].concat();
        if message.contains("'0 1 0'") {
            // A loss pattern is a delay trace of tiny delays; it reads, and a word would not.
            std::fs::write(&trace, "0 1 0\nx\n").unwrap();
            fails(&args, EXIT_INPUT, "line 2: 'x' is not a delay");
            std::fs::write(&trace, "0 1 0\n0 lost 1\n").unwrap();
        } else {
            fails(&args, EXIT_INPUT, message);
        }
        only(dir.path(), &existing);
    }
    let negative = path("negative.txt");
    let with_jitter = [render_args(input, &out), vec!["--delay-trace", &negative, "--jitter", "5ms"]].concat();
    fails(&with_jitter, EXIT_USAGE, "cannot be used with");
    let garbage = path("garbage.txt");
    let with_loss = [render_args(input, &out), vec!["--loss-trace", &garbage, "--loss", "5"]].concat();
    fails(&with_loss, EXIT_USAGE, "cannot be used with");
    std::fs::write(&garbage, "0 1").unwrap();
    let onto_itself = [render_args(input, &out), vec!["--loss-trace", &garbage, "--write-trace", &garbage]].concat();
    fails(&onto_itself, EXIT_USAGE, "would overwrite the trace");
    only(dir.path(), &existing);
}

#[test]
fn unwritable_outputs_are_refused_before_any_work_and_leave_nothing() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 48_000, 0.5, WavFormat::Int16);
    let input = input.to_str().unwrap();
    let nowhere = dir.path().join("no/such/folder/out.wav");
    fails(&render_args(input, nowhere.to_str().unwrap()), EXIT_OUTPUT, "does not exist");
    let folder_out = dir.path().to_str().unwrap();
    fails(&render_args(input, folder_out), EXIT_OUTPUT, "it is a folder");
    // The decoded WAV could be written, the recording cannot: nothing at all is written.
    let out = dir.path().join("out.wav");
    let mut args = render_args(input, out.to_str().unwrap());
    let nowhere_ogg = nowhere.with_extension("opus");
    args.extend(["--record", nowhere_ogg.to_str().unwrap()]);
    fails(&args, EXIT_OUTPUT, "does not exist");
    only(dir.path(), &["in.wav"]);
}

/// The spellings of the input, from inside its folder: each is refused before any work
/// with exit 2, for every kind of output, and the input stays byte for byte.
#[test]
fn no_output_replaces_the_input_however_it_is_spelled_or_linked() {
    let dir = folder();
    let bad = dir.path().join("bad");
    std::fs::create_dir_all(bad.join("o")).unwrap();
    let input = music_file(&bad, "v.wav", 48_000, 0.5, WavFormat::Int16);
    let original = std::fs::read(&input).unwrap();
    let mut names = vec!["../bad/v.wav", "o/../v.wav", "./v.wav", "missing/../v.wav"];
    let absolute = input.to_string_lossy().into_owned();
    names.push(&absolute);
    #[cfg(unix)]
    {
        std::fs::hard_link(&input, bad.join("hard.wav")).unwrap();
        std::os::unix::fs::symlink(&input, bad.join("soft.wav")).unwrap();
        names.extend(["hard.wav", "soft.wav"]);
    }
    let run = |args: &[&str]| {
        let output = common::app_in(&bad, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(EXIT_USAGE), "{args:?}: {stderr}");
        // An Ogg Opus recording under a .wav name is refused for its name first.
        let reason = if args.contains(&"--record") { "would hold Ogg Opus" } else { "would overwrite the input" };
        assert!(stderr.contains(reason), "{args:?}: {stderr}");
    };
    for name in &names {
        run(&["render", "v.wav", "-o", name, "-q"]);
        for flag in ["--difference", "--record", "--report", "--write-trace"] {
            run(&["render", "v.wav", "-o", "out.wav", "-q", flag, name]);
        }
    }
    assert_eq!(std::fs::read(&input).unwrap(), original, "the input changed");
    let mut left = files_in(&bad);
    left.retain(|name| !["hard.wav", "soft.wav"].contains(&name.as_str()));
    assert_eq!(left, ["o", "v.wav"], "a refused render wrote something");

    // The report's picture may not replace the render it draws, nor its input.
    app_in_ok(&bad, &["render", "v.wav", "-o", "out.wav", "-q"]);
    for name in ["o/../out.wav", "./v.wav"] {
        let output = common::app_in(&bad, &["report", "out.wav", "-o", name]);
        assert_eq!(output.status.code(), Some(EXIT_USAGE), "{}", String::from_utf8_lossy(&output.stderr));
    }
    assert_eq!(std::fs::read(&input).unwrap(), original, "the input changed");
}

fn app_in_ok(cwd: &Path, args: &[&str]) {
    let output = common::app_in(cwd, args);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn report_without_a_render_says_what_to_do() {
    let dir = folder();
    let wav = music_file(dir.path(), "in.wav", 48_000, 0.5, WavFormat::Int16);
    fails(&["report", wav.to_str().unwrap()], EXIT_INPUT, "render first");
}

#[test]
fn live_without_a_device_names_the_flag_to_use() {
    // No JACK server runs on a test machine; a named ALSA device that does not exist fails
    // the same on machines with and without sound cards.
    fails(&["live", "--backend", "jack"], EXIT_DEVICE, "no JACK server is running");
    fails(&["live", "--backend", "alsa", "--input-device", "No Such Microphone"], EXIT_DEVICE, "--input-device");
    let listing = app(&["live", "--list-devices"]);
    assert!(listing.status.success());
    assert!(String::from_utf8_lossy(&listing.stdout).contains("ALSA inputs:"));
}

#[test]
fn every_subcommand_has_help() {
    for command in ["live", "render", "report", "demo"] {
        let output = app(&[command, "--help"]);
        assert!(output.status.success(), "{command} --help");
        assert!(String::from_utf8_lossy(&output.stdout).contains("Usage: opus-roundtrip"), "{command}");
    }
}
