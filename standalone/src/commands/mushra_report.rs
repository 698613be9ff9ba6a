//! `mushra-report`: MUSHRA results files (one listener's or a lab's many) merged, screened as
//! BS.1534-3 states, summarised per condition with 95 % intervals beside the perceptual model's
//! score, and drawn as the usual chart.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use roundtrip_mushra::{Interval, Rating, Stimulus, Summary, read_results, write_csv, write_json};

use crate::cli::MushraReportArgs;
use crate::error::{AppError, InputProblem, Result};
use crate::file_identity::FilePlan;
use crate::output_file::OutputFile;

/// Runs `mushra-report` from the command line.
pub fn run(args: &MushraReportArgs) -> Result<()> {
    let png = args.output.clone().unwrap_or_else(|| args.results[0].with_file_name("mushra.png"));
    let mut plan = args.results.iter().fold(FilePlan::new(), |plan, path| plan.reads("a results file", path));
    if !args.no_png {
        plan.writes(&png)?;
    }
    if let Some(merged) = &args.merged {
        plan.writes(merged)?;
    }
    let mut ratings: Vec<Rating> = Vec::new();
    for path in &args.results {
        let read =
            read_results(path).map_err(|error| AppError::input(path, InputProblem::MushraResults(error.problem)))?;
        ratings.extend(read);
    }
    let summary = Summary::of(&ratings).map_err(|error| {
        AppError::Usage(format!("the results given cannot be merged: {error} (the same session given twice?)"))
    })?;
    print!("{}", describe(&summary, &ratings));
    if let Some(merged) = &args.merged {
        write_merged(merged, &ratings)?;
        println!("  wrote      {}", merged.display());
    }
    if !args.no_png {
        crate::mushra_chart::draw_chart(&png, &summary, &title(&summary, &ratings))?;
        println!("  wrote      {}", png.display());
    }
    Ok(())
}

/// Every rating in one file, CSV or JSON by its name.
fn write_merged(path: &Path, ratings: &[Rating]) -> Result<()> {
    let mut file = OutputFile::create(path)?;
    let json = path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("json"));
    let written = if json { write_json(file.writer(), ratings) } else { write_csv(file.writer(), ratings) };
    written.map_err(|error| AppError::output(path, error))?;
    file.commit()
}

/// The chart's title: how many listeners, and how many of them pooled.
fn title(summary: &Summary, ratings: &[Rating]) -> String {
    let kept = summary.screenings.iter().filter(|s| s.verdict != roundtrip_mushra::Verdict::Excluded).count();
    let excerpts: BTreeSet<&str> = ratings.iter().map(|rating| rating.excerpt.as_str()).collect();
    format!("MUSHRA — {kept} of {} listeners kept, {} excerpts", summary.screenings.len(), excerpts.len())
}

/// A mean with its interval, as the tables print it.
fn interval_text(interval: &Interval) -> String {
    match interval.half_width {
        Some(_) => {
            let (low, high) = interval.bounds();
            format!("{:5.1}  {low:5.1}–{high:5.1}  {:4}", interval.mean, interval.count)
        }
        None => format!("{:5.1}  {:>11}  {:4}", interval.mean, "—", interval.count),
    }
}

/// The summary in words: the screening of every listener, the pooled table, each listener's
/// means.
fn describe(summary: &Summary, ratings: &[Rating]) -> String {
    let mut text = String::new();
    let trials: BTreeSet<(&str, u32)> = ratings.iter().map(|rating| (rating.listener.as_str(), rating.trial)).collect();
    let _ = writeln!(
        text,
        "MUSHRA results: {} ratings, {} listeners, {} trials",
        summary.ratings,
        summary.screenings.len(),
        trials.len()
    );
    let _ = writeln!(text, "  screening (ITU-R BS.1534-3 § 4.1.2)");
    for screening in &summary.screenings {
        let _ = writeln!(text, "    {}", screening.describe());
    }
    let width = summary.conditions.iter().map(|c| c.key.name().chars().count()).max().unwrap_or(0).max(16);
    let _ = writeln!(text, "  pooled over the listeners kept ({} ratings)", summary.pooled_ratings);
    let _ = writeln!(
        text,
        "    {:width$}  {:>5}  {:>11}  {:>4}  {:>7}  settings",
        "condition", "mean", "95 % CI", "n", "MOS-LQO"
    );
    for condition in &summary.conditions {
        let pooled = condition.pooled.as_ref().map_or_else(|| format!("{:>25}", "no listener kept"), interval_text);
        let score = condition.mos_lqo.map_or_else(String::new, |score| format!("{:.2}", score.mean));
        let _ = writeln!(text, "    {:width$}  {pooled}  {score:>7}  {}", condition.key.name(), condition.key.settings);
    }
    for name in summary.ambiguous_names() {
        let _ = writeln!(text, "  note: '{name}' names conditions of different settings; each is listed apart");
    }
    let excluded: BTreeSet<&str> = summary
        .screenings
        .iter()
        .filter(|s| s.verdict == roundtrip_mushra::Verdict::Excluded)
        .map(|s| s.listener.as_str())
        .collect();
    let _ = writeln!(text, "  per listener (mean, n)");
    for condition in summary.conditions.iter().filter(|c| c.key.stimulus == Stimulus::Condition) {
        let listeners: Vec<String> = condition
            .by_listener
            .iter()
            .map(|(listener, interval)| {
                let mark = if excluded.contains(listener.as_str()) { ", excluded" } else { "" };
                format!("{listener} {:.1} ({}{mark})", interval.mean, interval.count)
            })
            .collect();
        let _ = writeln!(text, "    {:width$}  {}", condition.key.name(), listeners.join(", "));
    }
    text
}
