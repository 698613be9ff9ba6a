//! FLAC in and out: files from the reference encoder read sample for sample, renders from them
//! keep length, rate and channels, our FLAC outputs pass the reference decoder's test and decode
//! to the samples a WAV render holds, and a broken FLAC gets a clear error.

mod common;

use std::path::Path;
use std::process::Command;

use roundtrip_app::audio_file::InputFile;
use roundtrip_app::error::{EXIT_INPUT, EXIT_USAGE};
use roundtrip_app::render::SampleSource;
use roundtrip_app::wav::{self, Audio, WavFormat};

use common::{app, folder, music_file, reference_flac};

/// All of `path`'s samples, through whichever reader its first bytes call for.
fn read_all(path: &Path) -> (Vec<f32>, u32, usize) {
    let mut input = InputFile::open(path).unwrap();
    let mut samples = vec![0.0; input.frames() * input.channels()];
    assert_eq!(input.read(&mut samples).unwrap(), samples.len(), "{} ends early", path.display());
    assert_eq!(input.read(&mut [0.0; 16]).unwrap(), 0, "{} holds more than it states", path.display());
    (samples, input.sample_rate_hz(), input.channels())
}

fn render(args: &[&str]) {
    let result = app(&[&["render", "-q"][..], args].concat());
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
}

#[test]
fn the_reference_encoders_flac_reads_as_its_wav_and_renders_to_its_length_rate_and_channels() {
    let dir = folder();
    for (name, rate, format) in [
        ("cd.wav", 44_100, WavFormat::Int16),
        ("studio.wav", 48_000, WavFormat::Int24),
        ("voice.wav", 16_000, WavFormat::Int16),
    ] {
        let wav_path = music_file(dir.path(), name, rate, 1.3, format);
        let flac_path = wav_path.with_extension("flac");
        reference_flac(&wav_path, &flac_path);
        let (original, _) = wav::read(&wav_path).unwrap();
        let (decoded, flac_rate, channels) = read_all(&flac_path);
        assert_eq!((flac_rate, channels), (rate, 2));
        assert!(decoded == original.samples, "{name}: the FLAC's samples differ from its WAV's");
        assert_eq!(InputFile::open(&flac_path).unwrap().format(), format, "{name}");

        let from_flac = dir.path().join(format!("{name}.from-flac.wav"));
        let from_wav = dir.path().join(format!("{name}.from-wav.wav"));
        render(&[flac_path.to_str().unwrap(), "-o", from_flac.to_str().unwrap(), "--loss", "5%"]);
        render(&[wav_path.to_str().unwrap(), "-o", from_wav.to_str().unwrap(), "--loss", "5%"]);
        let (rendered, rendered_format) = wav::read(&from_flac).unwrap();
        assert_eq!(
            (rendered.sample_rate_hz, rendered.channels, rendered.frames(), rendered_format),
            (rate, 2, original.frames(), format),
            "{name}"
        );
        assert!(rendered == wav::read(&from_wav).unwrap().0, "{name}: FLAC and WAV of one audio render differently");
    }
}

#[test]
fn flac_outputs_pass_the_reference_decoder_and_hold_what_a_wav_render_holds() {
    let dir = folder();
    let input = music_file(dir.path(), "in.wav", 48_000, 1.0, WavFormat::Int24);
    let (flac, difference, wav_out) =
        (dir.path().join("out.flac"), dir.path().join("diff.flac"), dir.path().join("out.wav"));
    let settings = ["--bitrate", "24k", "--loss", "10%"];
    render(
        &[&[input.to_str().unwrap(), "-o", flac.to_str().unwrap(), "-d", difference.to_str().unwrap()][..], &settings]
            .concat(),
    );
    render(&[&[input.to_str().unwrap(), "-o", wav_out.to_str().unwrap()][..], &settings].concat());
    // `flac --test` decodes every frame and checks each CRC and the whole stream's MD5.
    let test = Command::new("flac").args(["--test", "--silent"]).arg(&flac).arg(&difference).status().unwrap();
    assert!(test.success(), "the reference decoder rejects our FLAC");
    let played = dir.path().join("played.wav");
    let decode = Command::new("flac").args(["--decode", "--silent", "--force", "-o"]).arg(&played).arg(&flac).status();
    assert!(decode.unwrap().success());
    let (reference, format) = wav::read(&played).unwrap();
    assert_eq!(format, WavFormat::Int24, "the input's depth");
    assert!(reference == wav::read(&wav_out).unwrap().0, "the FLAC holds other samples than the WAV render");

    // Float input: 24-bit FLAC by default; float asked for FLAC is refused before any work.
    let float_input = music_file(dir.path(), "float.wav", 48_000, 0.5, WavFormat::Float32);
    let float_flac = dir.path().join("float.flac");
    render(&[float_input.to_str().unwrap(), "-o", float_flac.to_str().unwrap()]);
    assert_eq!(InputFile::open(&float_flac).unwrap().format(), WavFormat::Int24);
    let refused = app(&["render", float_input.to_str().unwrap(), "-o", "x.flac", "--format", "float32"]);
    assert_eq!(refused.status.code(), Some(EXIT_USAGE));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("FLAC holds integer samples"));
}

#[test]
fn a_broken_flac_gets_a_clear_error() {
    let dir = folder();
    let wav_path = music_file(dir.path(), "in.wav", 48_000, 1.0, WavFormat::Int16);
    let flac_path = dir.path().join("in.flac");
    reference_flac(&wav_path, &flac_path);
    let bytes = std::fs::read(&flac_path).unwrap();
    let cut = dir.path().join("cut.flac");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let mut damaged_bytes = bytes.clone();
    let middle = damaged_bytes.len() / 2;
    for byte in &mut damaged_bytes[middle..middle + 64] {
        *byte ^= 0x5A;
    }
    let damaged = dir.path().join("damaged.flac");
    std::fs::write(&damaged, &damaged_bytes).unwrap();
    let surround = dir.path().join("surround.wav");
    let audio = Audio { sample_rate_hz: 48_000, channels: 3, samples: vec![0.0; 3 * 4_800] };
    wav::write(&surround, &audio, WavFormat::Int16).unwrap();
    let surround_flac = dir.path().join("surround.flac");
    reference_flac(&surround, &surround_flac);
    for (input, expected) in
        [(&cut, "truncated"), (&damaged, "not a valid FLAC file"), (&surround_flac, "3 channels; only mono and stereo")]
    {
        let out = dir.path().join("out.wav");
        let result = app(&["render", input.to_str().unwrap(), "-o", out.to_str().unwrap(), "-q"]);
        let said = String::from_utf8_lossy(&result.stderr);
        assert_eq!(result.status.code(), Some(EXIT_INPUT), "{said}");
        assert!(said.contains(expected), "expected '{expected}' in: {said}");
        assert!(common::files_in(dir.path()).iter().all(|name| !name.starts_with("out")), "a failed render left files");
    }
}

/// A FLAC whose STREAMINFO states fewer samples than its frames hold ends where it says, as a
/// WAV ends at its data size.
#[test]
fn a_flac_ends_at_the_length_it_states() {
    let dir = folder();
    let wav_path = music_file(dir.path(), "in.wav", 48_000, 1.0, WavFormat::Int16);
    let flac_path = dir.path().join("in.flac");
    reference_flac(&wav_path, &flac_path);
    let mut bytes = std::fs::read(&flac_path).unwrap();
    // STREAMINFO follows "fLaC" and its block header; its 36-bit sample count ends 4 bytes into
    // its 14th byte: the low 32 bits are bytes 22 to 25 of the file. 1000 cuts the first frame.
    bytes[22..26].copy_from_slice(&1000u32.to_be_bytes());
    let short = dir.path().join("short.flac");
    std::fs::write(&short, &bytes).unwrap();
    let (samples, _, channels) = read_all(&short);
    assert_eq!(samples.len(), 1000 * channels);
    assert!(samples == wav::read(&wav_path).unwrap().0.samples[..2000], "the first 1000 frames");
    let out = dir.path().join("out.wav");
    render(&[short.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(wav::read(&out).unwrap().0.frames(), 1000);
    let report = app(&["report", out.to_str().unwrap(), "--no-png"]);
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
}
