//! `batch`: a corpus through the codec on every core, each file with the settings drawn for it,
//! resumable, and shardable across machines; a results table of every file.
//!
//! Threads: `-j` scoped workers take files from a shared counter (an atomic), each with its own
//! engine (`render_file` builds one per file); they share nothing else but the progress bar.
//! Rows are put back in corpus order at the end, so results never depend on the workers.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use roundtrip_engine::{LossModel, LossSettings, Settings};

use crate::augment::{Augmentation, Drawn};
use crate::cli::BatchArgs;
use crate::commands::render::{Outputs, render_file};
use crate::corpus::{self, CorpusFile, Shard};
use crate::error::{AppError, Result};
use crate::progress::Progress;
use crate::render::Plan;
use crate::results_table::{self, ResultRow};
use crate::settings_text::SettingsRecord;
use crate::stats::RenderStats;
use crate::wav::WavSource;

/// One file's work.
#[derive(Debug)]
struct Job<'a> {
    file: &'a CorpusFile,
    drawn: Drawn,
    settings: Settings,
    output: PathBuf,
    seconds: f64,
}

/// Runs `batch` from the command line.
pub fn run(args: &BatchArgs) -> Result<()> {
    let corpus = corpus::scan(&args.input, &args.output)?;
    let shard = args.shard.unwrap_or(Shard::ALL);
    let augmentation = Augmentation {
        seed: args.seed,
        bitrate: args.bitrate.clone(),
        frame: args.frame.clone(),
        loss: args.loss.clone(),
        burst: args.burst.clone(),
        dred: args.dred.clone(),
    };
    // Every file's settings before any work, so that a conflict stops the batch at once.
    let jobs = shard
        .of(&corpus)
        .iter()
        .map(|file| {
            let drawn = augmentation.draw(&file.relative);
            let settings = settings_for(args, &drawn);
            if let Some(conflict) = settings.conflict() {
                return Err(AppError::Usage(format!("{}: {conflict}", file.relative)));
            }
            // A file that cannot be opened still gets its row (with the reason) when its turn comes.
            let seconds = WavSource::open(&file.path)
                .map_or(0.0, |source| source.frames as f64 / f64::from(source.sample_rate_hz.max(1)));
            Ok(Job { file, drawn, settings, output: output_path(&args.output, &file.relative), seconds })
        })
        .collect::<Result<Vec<Job>>>()?;
    refuse_shared_outputs(&jobs)?;
    std::fs::create_dir_all(&args.output).map_err(|error| AppError::output(&args.output, error))?;

    let total_seconds: f64 = jobs.iter().map(|job| job.seconds).sum();
    let progress = Progress::new("batch", total_seconds, args.quiet);
    let workers = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, usize::from), usize::from);
    let workers = workers.clamp(1, jobs.len().max(1));
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let mut outcomes: Vec<(usize, ResultRow, bool)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(index) else { break };
                        // A panic in one file's render is that file's error row, not the batch's end.
                        let (row, reused) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process(job)))
                            .unwrap_or_else(|_| {
                                (ResultRow::failed(&job.file.relative, &job.drawn, "internal error".into()), false)
                            });
                        let done = finished.fetch_add(1, Ordering::Relaxed) + 1;
                        progress.advance(job.seconds, &format!("{done}/{} files", jobs.len()));
                        mine.push((index, row, reused));
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().unwrap_or_default()).collect()
    });
    progress.finish();
    if outcomes.len() != jobs.len() {
        return Err(AppError::Internal(format!(
            "{} of {} files came back from the workers",
            outcomes.len(),
            jobs.len()
        )));
    }
    outcomes.sort_by_key(|(index, _, _)| *index);

    let rows: Vec<ResultRow> = outcomes.iter().map(|(_, row, _)| row.clone()).collect();
    let (csv, jsonl) = results_paths(&args.output, shard);
    for table in [&csv, &jsonl] {
        crate::output_file::remove_partials_of(table);
    }
    results_table::write(&rows, &csv, &jsonl)?;
    let reused = outcomes.iter().filter(|(_, _, reused)| *reused).count();
    let failed = rows.iter().filter(|row| !row.is_ok()).count();
    print!("{}", summary(&rows, reused, workers, shard));
    println!("  wrote      {}", csv.display());
    println!("  wrote      {}", jsonl.display());
    if failed > 0 {
        return Err(AppError::SomeFailed { failed, total: rows.len(), results: csv });
    }
    Ok(())
}

/// The engine settings for a file's draw and the fixed flags.
fn settings_for(args: &BatchArgs, drawn: &Drawn) -> Settings {
    let model = if drawn.mean_burst_packets.is_some() { LossModel::GilbertElliott } else { LossModel::Bernoulli };
    Settings {
        bitrate_bps: drawn.bitrate_bps,
        frame: drawn.frame,
        complexity: args.complexity,
        application: args.application,
        fec: args.fec,
        expected_loss_percent: args.expect_loss.map(|percent| percent.round() as u8),
        dred_duration_ms: drawn.dred_ms,
        decoder_complexity: args.decoder_complexity,
        loss: LossSettings {
            model,
            loss_percent: drawn.loss_percent,
            mean_burst_packets: drawn.mean_burst_packets.unwrap_or(model.usual_mean_burst_packets()),
            seed: drawn.seed,
        },
        ..Settings::default()
    }
}

/// Where a file's output goes: its corpus path under `output`, as a WAV.
fn output_path(output: &Path, relative: &str) -> PathBuf {
    relative.split('/').fold(output.to_path_buf(), |path, part| path.join(part)).with_extension("wav")
}

/// Refuses two files that would render to one output (`a.wav` and `a.WAV`, or `a.wave`; the
/// same name in other cases, which a Windows or macOS disk does not tell apart).
fn refuse_shared_outputs(jobs: &[Job]) -> Result<()> {
    let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for job in jobs {
        let key = job.output.to_string_lossy().to_lowercase();
        if let Some(first) = seen.insert(key, &job.file.relative) {
            return Err(AppError::Usage(format!(
                "'{first}' and '{}' would both render to '{}'; rename one",
                job.file.relative,
                job.output.display()
            )));
        }
    }
    Ok(())
}

/// The results tables; a shard's are named for it, so that shards can share an output folder.
fn results_paths(output: &Path, shard: Shard) -> (PathBuf, PathBuf) {
    let stem = if shard == Shard::ALL {
        "results".to_owned()
    } else {
        // Zero-padded, so that the shards' files list in shard order.
        let width = (shard.count - 1).to_string().len();
        format!("results-shard-{:0width$}-of-{}", shard.index, shard.count)
    };
    (output.join(format!("{stem}.csv")), output.join(format!("{stem}.jsonl")))
}

/// Renders one file, unless an earlier run already did with the same settings; returns its row
/// and whether the earlier render was reused.
fn process(job: &Job) -> (ResultRow, bool) {
    // What a killed run left of this file's outputs goes; no other job writes them.
    let stats_path = RenderStats::path_for(&job.output);
    crate::output_file::remove_partials_of(&job.output);
    crate::output_file::remove_partials_of(&stats_path);
    if let Some(stats) = already_rendered(job) {
        return (ResultRow::rendered(&job.file.relative, &job.drawn, &stats), true);
    }
    // Stats of an older render must not outlive it: if this render is killed after its audio is
    // in place, the next run must not take the old stats for it.
    let _ = std::fs::remove_file(&stats_path);
    let outputs = Outputs {
        decoded: job.output.clone(),
        difference: None,
        record: None,
        report: None,
        loss_trace: None,
        format: None,
        measure_quality: true,
    };
    let rendered = job
        .output
        .parent()
        .map_or(Ok(()), |folder| std::fs::create_dir_all(folder).map_err(|error| AppError::output(folder, error)))
        .and_then(|()| render_file(&job.file.path, &outputs, &Plan::from(job.settings), true));
    match rendered {
        Ok(stats) => (ResultRow::rendered(&job.file.relative, &job.drawn, &stats), false),
        Err(error) => (ResultRow::failed(&job.file.relative, &job.drawn, error.to_string()), false),
    }
}

/// The stats of an earlier render of this job, if it is complete and current: the stats file
/// (written after the audio is in place) records the same settings and input, the audio has
/// its length, and the input has not changed since.
fn already_rendered(job: &Job) -> Option<RenderStats> {
    let stats = RenderStats::load(&RenderStats::path_for(&job.output)).ok()?;
    let input = std::path::absolute(&job.file.path).ok()?;
    let output_frames = WavSource::open(&job.output).ok()?.frames;
    let modified = |path: &Path| std::fs::metadata(path).and_then(|metadata| metadata.modified()).ok();
    let input_older = matches!((modified(&job.file.path), modified(&job.output)), (Some(i), Some(o)) if i <= o);
    let current = stats.settings == SettingsRecord::from(&job.settings.clamped())
        && stats.input == input
        && stats.frames == output_frames
        && stats.frames > 0
        && input_older;
    current.then_some(stats)
}

/// What the batch did, for a person.
fn summary(rows: &[ResultRow], reused: usize, workers: usize, shard: Shard) -> String {
    let ok: Vec<&ResultRow> = rows.iter().filter(|row| row.is_ok()).collect();
    let hours: f64 = ok.iter().filter_map(|row| row.seconds).sum::<f64>() / 3600.0;
    let sum = |field: fn(&ResultRow) -> Option<u64>| ok.iter().filter_map(|row| field(row)).sum::<u64>();
    let (sent, lost) = (sum(|row| row.packets_sent), sum(|row| row.packets_lost));
    let snrs: Vec<f64> = ok.iter().filter_map(|row| row.snr_db).collect();
    let mut text = String::new();
    let shard_text =
        if shard == Shard::ALL { String::new() } else { format!(" (shard {}/{})", shard.index, shard.count) };
    text += &format!(
        "{} files{shard_text}: {} rendered, {reused} already done, {} failed; {hours:.3} h of audio on {workers} workers\n",
        rows.len(),
        ok.len() - reused,
        rows.len() - ok.len()
    );
    let loss = if sent > 0 { 100.0 * lost as f64 / sent as f64 } else { 0.0 };
    text += &format!("  packets    {sent} sent, {lost} lost ({loss:.1} %)\n");
    if !snrs.is_empty() {
        let mean = snrs.iter().sum::<f64>() / snrs.len() as f64;
        text += &format!("  SNR        mean {mean:.1} dB over {} files\n", snrs.len());
    }
    for row in rows.iter().filter(|row| !row.is_ok()) {
        text += &format!("  failed     {}: {}\n", row.path, row.error.as_deref().unwrap_or_default());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_mirror_the_corpus_and_shard_tables_list_in_order() {
        assert_eq!(output_path(Path::new("out"), "a/b/c.WAV"), Path::new("out/a/b/c.wav"));
        assert_eq!(results_paths(Path::new("o"), Shard::ALL).0, Path::new("o/results.csv"));
        let shard = Shard { index: 3, count: 12 };
        assert_eq!(results_paths(Path::new("o"), shard).1, Path::new("o/results-shard-03-of-12.jsonl"));
    }
}
