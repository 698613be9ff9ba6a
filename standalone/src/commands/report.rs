//! `report`: the summary of a render, and its picture, from the render's stats, its input and its
//! output, both read block by block.

use crate::analysis::Analysis;
use crate::audio_file::InputFile;
use crate::cli::ReportArgs;
use crate::error::{AppError, InputProblem, Result};
use crate::render::{BLOCK_FRAMES, SampleSource};
use crate::stats::{Quality, RenderStats};

/// Runs `report` from the command line.
pub fn run(args: &ReportArgs) -> Result<()> {
    let mut stats = RenderStats::load(&RenderStats::path_for(&args.rendered))?;
    let input_path = args.input.as_deref().unwrap_or(&stats.input).to_path_buf();
    let mut input = InputFile::open(&input_path)?;
    let mut decoded = InputFile::open(&args.rendered)?;
    let (rate, channels, frames) = (input.sample_rate_hz(), input.channels(), input.frames());
    if (frames, rate, channels) != (decoded.frames(), decoded.sample_rate_hz(), decoded.channels()) {
        return Err(AppError::input(&input_path, InputProblem::NotTheInputOf(args.rendered.clone())));
    }
    let mut analysis = Analysis::new((rate, channels, frames), true, !args.no_png);
    let (mut input_block, mut decoded_block) = (vec![0.0; BLOCK_FRAMES * channels], vec![0.0; BLOCK_FRAMES * channels]);
    loop {
        let read = input.read(&mut input_block)?;
        if read == 0 {
            break;
        }
        decoded.read(&mut decoded_block[..read])?;
        analysis.push(&input_block[..read], &decoded_block[..read]);
    }
    let (quality, spectrograms) = analysis.finish();
    // The render measured the decoder's own samples; a fixed-point file holds them clipped, so
    // its peaks would hide the overs. The render's figures stay.
    let rendered_peaks = stats.quality.and_then(|quality| quality.peaks);
    stats.quality = quality.map(|quality| Quality { peaks: rendered_peaks.or(quality.peaks), ..quality });
    print!("{}", stats.summary());
    if let Some(spectrograms) = spectrograms {
        let png = args.output.clone().unwrap_or_else(|| args.rendered.with_extension("png"));
        crate::plot::draw_report(&png, &stats, &spectrograms)?;
        println!("  wrote      {}", png.display());
    }
    Ok(())
}
