//! `report`: the summary of a render, and its picture.

use crate::cli::ReportArgs;
use crate::error::{AppError, InputProblem, Result};
use crate::stats::{Comparison, RenderStats};
use crate::wav;

/// Runs `report` from the command line.
pub fn run(args: &ReportArgs) -> Result<()> {
    let stats = RenderStats::load(&RenderStats::path_for(&args.rendered))?;
    let input_path = args.input.as_deref().unwrap_or(&stats.input);
    let (input, _) = wav::read(input_path)?;
    let (decoded, _) = wav::read(&args.rendered)?;
    if input.samples.len() != decoded.samples.len() || input.sample_rate_hz != decoded.sample_rate_hz {
        return Err(AppError::input(input_path, InputProblem::NotTheInputOf(args.rendered.clone())));
    }
    let compared = Comparison::new(&input, &decoded);
    print!("{}", stats.summary());
    if !args.no_png {
        let png = args.output.clone().unwrap_or_else(|| args.rendered.with_extension("png"));
        crate::plot::draw_report(&png, &stats, &compared)?;
        println!("  wrote      {}", png.display());
    }
    Ok(())
}
