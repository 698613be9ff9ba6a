//! What listeners would hear leads the outputs: the perceptual score (ViSQOL v3) in the mode the
//! application implies, with its mapping and what its levels mean, above the waveform measures;
//! where the change is audible (PEAQ's noise-to-mask ratio); both in the stats; and a file too
//! short to score says so instead of printing a number.

mod common;

use std::path::Path;

use roundtrip_app::stats::RenderStats;

use common::{app, folder, music_file, speech_file};
use roundtrip_app::wav::WavFormat;

fn render(input: &Path, output: &Path, flags: &[&str]) -> (String, RenderStats) {
    let mut args = vec!["render", input.to_str().unwrap(), "-o", output.to_str().unwrap(), "-q"];
    args.extend(flags);
    let result = app(&args);
    assert!(result.status.success(), "{args:?}: {}", String::from_utf8_lossy(&result.stderr));
    let stats = RenderStats::load(&RenderStats::path_for(output)).unwrap();
    (String::from_utf8(result.stdout).unwrap(), stats)
}

#[test]
fn speech_scores_in_speech_mode_rising_with_the_bitrate_and_less_audible() {
    let dir = folder();
    let input = speech_file(dir.path(), "speech.wav", 48_000, 6.0);
    let (low_summary, low) = render(&input, &dir.path().join("12.wav"), &["--bitrate", "12k", "--application", "voip"]);
    let (_, high) = render(&input, &dir.path().join("64.wav"), &["--bitrate", "64k", "--application", "voip"]);
    let score = |stats: &RenderStats| {
        let perceptual = stats.perceptual.as_ref().expect("a render scores what it rendered");
        assert_eq!((perceptual.metric.as_str(), perceptual.mode.as_str()), ("ViSQOL v3", "speech"));
        assert_eq!(perceptual.mapping, "lattice");
        perceptual.mos_lqo.expect("6 s of speech is scored")
    };
    let (low_mos, high_mos) = (score(&low), score(&high));
    println!("MOS-LQO 12 kbps {low_mos:.2}, 64 kbps {high_mos:.2}");
    assert!(low_mos < high_mos && (1.0..=5.0).contains(&low_mos), "{low_mos} {high_mos}");
    let audible = |stats: &RenderStats| stats.audibility.as_ref().expect("and says where it is audible").clone();
    let (low_audible, high_audible) = (audible(&low), audible(&high));
    println!(
        "audible frames 12 kbps {:.1} %, 64 kbps {:.1} %; NMR {:.1} and {:.1} dB",
        low_audible.disturbed_frames_percent,
        high_audible.disturbed_frames_percent,
        low_audible.nmr_total_db,
        high_audible.nmr_total_db
    );
    assert!(low_audible.nmr_total_db > high_audible.nmr_total_db);
    assert!(low_audible.disturbed_frames_percent > high_audible.disturbed_frames_percent);
    // The summary leads with the score, says what its levels mean, and names SNR as waveform
    // measures below it.
    let line = |start: &str| low_summary.lines().position(|line| line.starts_with(start));
    let quality = line("  quality    MOS-LQO ").expect(&low_summary);
    let audible_line = line("  audible    in ").expect(&low_summary);
    let snr = line("  SNR        ").expect(&low_summary);
    assert!(quality < audible_line && audible_line < snr, "{low_summary}");
    let text = &low_summary.lines().nth(quality).unwrap();
    assert!(text.contains("speech mode, lattice mapping") && text.contains("3 fair, 4 good"), "{text}");
    assert!(low_summary.lines().nth(snr).unwrap().contains("dB waveform"), "{low_summary}");
}

#[test]
fn music_scores_in_audio_mode_unless_told_otherwise() {
    let dir = folder();
    let input = music_file(dir.path(), "music.wav", 48_000, 4.0, WavFormat::Int16);
    let (_, stats) = render(&input, &dir.path().join("a.wav"), &["--bitrate", "96k"]);
    let perceptual = stats.perceptual.unwrap();
    assert_eq!((perceptual.mode.as_str(), perceptual.mapping.as_str()), ("audio", "SVR"));
    assert!(perceptual.mos_lqo.is_some());
    let (_, stats) = render(&input, &dir.path().join("s.wav"), &["--bitrate", "96k", "--quality-mode", "speech"]);
    assert_eq!(stats.perceptual.unwrap().mode, "speech");
    let (summary, stats) = render(&input, &dir.path().join("o.wav"), &["--quality-mode", "off"]);
    assert!(stats.perceptual.is_none() && !summary.contains("MOS-LQO"), "{summary}");
}

#[test]
fn a_file_too_short_to_score_says_so_instead_of_a_number() {
    let dir = folder();
    let input = speech_file(dir.path(), "short.wav", 48_000, 2.0);
    let (summary, stats) = render(&input, &dir.path().join("out.wav"), &["--application", "voip"]);
    let perceptual = stats.perceptual.unwrap();
    assert_eq!(perceptual.mos_lqo, None);
    assert!(perceptual.not_scored.unwrap().contains("too short"));
    assert!(summary.contains("  quality    no perceptual score: 2.0 s is too short"), "{summary}");
    // Where the change is audible needs no minimum length.
    assert!(stats.audibility.is_some());
}
