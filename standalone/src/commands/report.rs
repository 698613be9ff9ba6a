//! `report`: the summary of a render, and its picture, from the render's stats, its input and its
//! output, both read block by block.

use roundtrip_codec::Application;
use roundtrip_engine::Choice;
use roundtrip_quality::Mode;

use crate::analysis::Analysis;
use crate::audio_file::InputFile;
use crate::cli::ReportArgs;
use crate::error::{AppError, InputProblem, Result};
use crate::file_identity::FilePlan;
use crate::perceptual::{Perceptual, QualityMode};
use crate::render::{BLOCK_FRAMES, SampleSource};
use crate::stats::{Quality, RenderStats};

/// Runs `report` from the command line.
pub fn run(args: &ReportArgs) -> Result<()> {
    // Given the stats file itself, the render is the file it names, in the stats' folder.
    let given_stats = args.rendered.to_string_lossy().ends_with(".stats.json");
    let stats_path = if given_stats { args.rendered.clone() } else { RenderStats::path_for(&args.rendered) };
    let mut stats = RenderStats::load(&stats_path)?;
    let rendered = match (given_stats, stats.output.file_name()) {
        (true, Some(name)) => stats_path.with_file_name(name),
        _ => args.rendered.clone(),
    };
    let input_path = args.input.as_deref().unwrap_or(&stats.input).to_path_buf();
    let png = args.output.clone().unwrap_or_else(|| rendered.with_extension("png"));
    if !args.no_png {
        let plan = FilePlan::new().reads("the input", &input_path).reads("the render", &rendered);
        plan.reads("the render's stats", &stats_path).writes(&png)?;
    }
    let mut input = InputFile::open(&input_path)?;
    let mut decoded = InputFile::open(&rendered)?;
    let (rate, channels, frames) = (input.sample_rate_hz(), input.channels(), input.frames());
    if (frames, rate, channels) != (decoded.frames(), decoded.sample_rate_hz(), decoded.channels()) {
        return Err(AppError::input(&input_path, InputProblem::NotTheInputOf(rendered.clone())));
    }
    let gain_db = stats.settings.output_gain_db;
    // Scored again in the mode the render was scored in (or would have been).
    let mode = match stats.perceptual.as_ref().map(|perceptual| perceptual.mode.as_str()) {
        Some("speech") => Some(Mode::Speech),
        Some(_) => Some(Mode::Audio),
        None => Application::from_key(&stats.settings.application)
            .and_then(|application| QualityMode::Auto.resolve(application)),
    };
    let mut analysis = Analysis::new((rate, channels, frames), gain_db, true, !args.no_png, mode);
    let (mut input_block, mut decoded_block) = (vec![0.0; BLOCK_FRAMES * channels], vec![0.0; BLOCK_FRAMES * channels]);
    loop {
        let read = input.read(&mut input_block)?;
        if read == 0 {
            break;
        }
        decoded.read(&mut decoded_block[..read])?;
        analysis.push(&input_block[..read], &decoded_block[..read]);
    }
    let analysed = analysis.finish();
    // The render measured the decoder's own samples; a fixed-point file holds them clipped, so
    // its peaks would hide the overs. The render's figures stay.
    let rendered_peaks = stats.quality.and_then(|quality| quality.peaks);
    stats.quality = analysed.quality.map(|quality| Quality { peaks: rendered_peaks.or(quality.peaks), ..quality });
    stats.perceptual = analysed.perceptual.map(|(mode, result)| Perceptual::from_result(mode, result));
    stats.audibility = analysed.audibility;
    let spectrograms = analysed.spectrograms;
    print!("{}", stats.summary());
    if let Some(spectrograms) = spectrograms {
        crate::plot::draw_report(&png, &stats, &spectrograms, analysed.audibility_map.as_ref())?;
        println!("  wrote      {}", png.display());
    }
    Ok(())
}
