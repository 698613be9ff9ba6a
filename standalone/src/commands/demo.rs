//! `demo`: the built-in signals through the presets (`roundtrip_engine::PRESETS`), into a folder of
//! WAVs, Ogg Opus files, stats and PNG reports. Needs no device and no input files.
//!
//! The signals are the project's own, synthesised by `roundtrip_signal::test_signal`: "speech" is
//! a glottal pulse train with a wandering pitch through moving formant resonators, cut into
//! syllables with pauses and breath noise; "music" is a changing chord of harmonic tones with
//! decaying notes, a bass line and a little noise. Nothing is recorded or downloaded, so the
//! demo's numbers are the same on every machine.

use std::path::{Path, PathBuf};

use roundtrip_codec::Application;
use roundtrip_engine::loss::LossSimulator;
use roundtrip_engine::{LossSettings, PRESETS, Settings};
use roundtrip_signal::test_signal;

use super::render::{Outputs, render_audio};
use crate::cli::DemoArgs;
use crate::error::{AppError, Result};
use crate::perceptual::QualityMode;
use crate::stats::{RenderStats, loss_far_from_asked};
use crate::wav::{self, Audio, WavFormat};

/// The demo's rate and layout: what a streamer's interface runs at.
const SAMPLE_RATE_HZ: u32 = 48_000;
const CHANNELS: usize = 2;

/// The seeds the demo tries for a preset with simulated loss (see [`seed_that_shows_the_loss`]).
const SEEDS_TRIED: u64 = 100;

/// One rendered preset.
#[derive(Debug, Clone)]
pub struct DemoResult {
    pub preset: &'static str,
    /// The seed the demo chose for the preset's loss, when it is not the default one.
    pub chosen_seed: Option<u64>,
    pub stats: RenderStats,
    pub files: Vec<PathBuf>,
}

/// Runs `demo` from the command line.
pub fn run(args: &DemoArgs) -> Result<()> {
    let results = run_demo(&args.out, args.duration_ms / 1000.0, args.quiet)?;
    for result in &results {
        println!("{}", result.preset);
        if let Some(seed) = result.chosen_seed {
            println!(
                "(seed {seed}, not the default: over so short a file the default seed loses far from the preset's rate)"
            );
        }
        print!("{}", result.stats.summary());
        println!();
    }
    let folder = std::path::absolute(&args.out).unwrap_or_else(|_| args.out.clone());
    println!("Wrote {} files to {}:", results.iter().map(|r| r.files.len()).sum::<usize>() + 2, folder.display());
    println!("  speech.wav, music.wav (the inputs)");
    for result in &results {
        let names: Vec<_> =
            result.files.iter().filter_map(|path| path.file_name()).map(|name| name.to_string_lossy()).collect();
        println!("  {}", names.join(", "));
    }
    println!("Listen to the .wav files, play the .opus files (opusdec, ffmpeg, VLC), look at the .png reports.");
    Ok(())
}

/// Renders every preset into `folder`; returns what each wrote.
pub fn run_demo(folder: &Path, seconds: f64, quiet: bool) -> Result<Vec<DemoResult>> {
    if !(0.5..=600.0).contains(&seconds) {
        return Err(AppError::Usage(format!("--duration {seconds} s: choose 0.5 to 600 s")));
    }
    std::fs::create_dir_all(folder).map_err(|err| AppError::output(folder, err))?;
    let speech = Audio {
        sample_rate_hz: SAMPLE_RATE_HZ,
        channels: CHANNELS,
        samples: test_signal::interleave_mono(&test_signal::speech(SAMPLE_RATE_HZ, seconds), CHANNELS),
    };
    let music = Audio {
        sample_rate_hz: SAMPLE_RATE_HZ,
        channels: CHANNELS,
        samples: test_signal::music(SAMPLE_RATE_HZ, CHANNELS, seconds),
    };
    let speech_path = folder.join("speech.wav");
    let music_path = folder.join("music.wav");
    wav::write(&speech_path, &speech, WavFormat::Int24)?;
    wav::write(&music_path, &music, WavFormat::Int24)?;

    let mut results = Vec::new();
    for preset in PRESETS {
        let mut settings = preset.applied_to(&Settings::default());
        let chosen_seed = seed_that_shows_the_loss(&settings, seconds);
        if let Some(seed) = chosen_seed {
            settings.loss.seed = seed;
        }
        // Voice presets get the voice; the others music.
        let (input_path, input) =
            if settings.application == Application::Voip { (&speech_path, &speech) } else { (&music_path, &music) };
        let slug = slug(preset.name);
        let outputs = Outputs {
            decoded: folder.join(format!("{slug}.wav")),
            difference: Some(folder.join(format!("{slug}.difference.wav"))),
            record: Some(folder.join(format!("{slug}.opus"))),
            report: Some(folder.join(format!("{slug}.png"))),
            loss_trace: None,
            format: Some(WavFormat::Int24),
            measure_quality: true,
            perceptual: QualityMode::Auto,
        };
        let stats = render_audio(input_path, input, WavFormat::Int24, &outputs, settings, quiet)?;
        let mut files = outputs.paths_owned();
        files.push(RenderStats::path_for(&outputs.decoded));
        results.push(DemoResult { preset: preset.name, chosen_seed, stats, files });
    }
    Ok(results)
}

/// A demo exists to let people hear its presets: a "10 % loss" preset that loses nothing over
/// a two-second demo, as any seed may by chance, shows nothing. When the preset's seed loses far
/// from its rate over `seconds` (as a render would warn), the first of the next seeds that
/// does not; `None` when the preset's own seed is fine, asks no loss, or none of them is.
fn seed_that_shows_the_loss(settings: &Settings, seconds: f64) -> Option<u64> {
    let loss = settings.loss;
    let frame_ms = f64::from(settings.frame.millis()?);
    // The packets that cover the input, as a render counts them: its last one overhangs.
    let packets = (seconds * 1000.0 / frame_ms).ceil() as u64 + 1;
    let lost_at = |seed| {
        let mut simulator = LossSimulator::new(LossSettings { seed, ..loss });
        (0..packets).filter(|_| simulator.next_is_lost()).count() as u64
    };
    if loss.loss_percent <= 0.0 || loss_far_from_asked(&loss, lost_at(loss.seed), packets).is_none() {
        return None;
    }
    (loss.seed + 1..=loss.seed + SEEDS_TRIED).find(|&seed| loss_far_from_asked(&loss, lost_at(seed), packets).is_none())
}

/// A file name from a preset name: "Bad Wi-Fi + DRED" → "bad-wi-fi-dred".
fn slug(name: &str) -> String {
    let lower: String = name.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    lower.split('-').filter(|part| !part.is_empty()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_are_file_names() {
        assert_eq!(super::slug("Bad Wi-Fi + DRED"), "bad-wi-fi-dred");
        assert_eq!(super::slug("Bad Wi-Fi: 10 % bursty loss"), "bad-wi-fi-10-bursty-loss");
    }
}
