//! `batch`: a corpus through the codec on every core, each file with the settings drawn for it,
//! resumable, and shardable across machines; a results table of every file.
//!
//! Threads: `-j` scoped workers take files from a shared counter (an atomic), each with its own
//! engine (`render_file` builds one per file); they share nothing else but the progress bar.
//! Rows are put back in corpus order at the end, so results never depend on the workers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use roundtrip_codec::Application;
use roundtrip_engine::{Choice, JitterSettings, LossModel, LossSettings, Settings};

use crate::audio_file::InputFile;
use crate::augment::{Augmentation, Drawn};
use crate::cli::BatchArgs;
use crate::commands::render::{Outputs, render_file};
use crate::corpus::{self, CorpusFile, Shard};
use crate::error::{AppError, Result};
use crate::file_identity;
use crate::manifest::Overrides;
use crate::progress::Progress;
use crate::render::{Plan, SampleSource, TraceInput};
use crate::results_table::{self, ResultRow};
use crate::settings_text::SettingsRecord;
use crate::stats::RenderStats;

/// One file's work.
#[derive(Debug)]
struct Job<'a> {
    file: &'a CorpusFile,
    /// The loss or delay trace every file replays, if one was given.
    trace: Option<&'a TraceInput>,
    drawn: Drawn,
    settings: Settings,
    outputs: Outputs,
    seconds: f64,
}

/// Every file a render to `outputs` writes: the outputs and the stats.
fn written(outputs: &Outputs) -> Vec<PathBuf> {
    let mut paths = outputs.paths_owned();
    paths.push(RenderStats::path_for(&outputs.decoded));
    paths
}

/// Runs `batch` from the command line.
pub fn run(args: &BatchArgs) -> Result<()> {
    let corpus = corpus::load(&args.input, &args.output)?;
    let shard = args.shard.unwrap_or(Shard::ALL);
    // Checked over the whole corpus, not the shard: another machine writes the other shards.
    refuse_shared_outputs(args, &corpus)?;
    let trace = match (&args.loss_trace, &args.delay_trace) {
        (Some(path), _) => Some(TraceInput::read(path.clone())?),
        (None, Some(path)) => Some(TraceInput::read_delays(path.clone())?),
        (None, None) => None,
    };
    // Every file's settings before any work, so that a conflict stops the batch at once.
    let jobs = shard
        .of(&corpus)
        .iter()
        .map(|file| {
            let recipe = Recipe::of(args, &file.overrides);
            if let Some(model) = recipe.model_without_bursts() {
                return Err(AppError::Usage(format!(
                    "{}: a burst needs bursty loss, but the loss model is {}",
                    file.relative,
                    model.key()
                )));
            }
            let drawn = recipe.augmentation.draw(&file.relative);
            let settings = recipe.settings(&drawn);
            if let Some(conflict) = settings.conflict() {
                return Err(AppError::Usage(format!("{}: {conflict}", file.relative)));
            }
            // A file that cannot be opened still gets its row (with the reason) when its turn comes.
            let seconds = InputFile::open(&file.path).map_or(0.0, |source| source.seconds());
            Ok(Job { file, trace: trace.as_ref(), drawn, settings, outputs: outputs_of(args, file), seconds })
        })
        .collect::<Result<Vec<Job>>>()?;
    // What a killed run left of these files' outputs goes now, each folder read once; no other
    // job writes them.
    let written: Vec<PathBuf> = jobs.iter().flat_map(|job| written(&job.outputs)).collect();
    crate::output_file::remove_partials_of(written.iter().map(PathBuf::as_path));
    std::fs::create_dir_all(&args.output).map_err(|error| AppError::output(&args.output, error))?;

    let total_seconds: f64 = jobs.iter().map(|job| job.seconds).sum();
    let progress = Progress::new("batch", total_seconds, args.quiet);
    let workers = args.jobs.map_or_else(|| std::thread::available_parallelism().map_or(1, usize::from), usize::from);
    let workers = workers.clamp(1, jobs.len().max(1));
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    // Ctrl-C: each worker ends the file it renders (dropping its outputs) and takes no other.
    crate::interrupt::catch();
    let dropped = AtomicUsize::new(0);
    let mut outcomes: Vec<(usize, ResultRow, bool)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    while !crate::interrupt::requested() {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(index) else { break };
                        // A panic in one file's render is that file's error row, not the batch's end.
                        let (row, reused) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process(job)))
                            .unwrap_or_else(|_| {
                                (
                                    ResultRow::failed(
                                        &job.file.relative,
                                        &job.drawn,
                                        &job.settings,
                                        "internal error".into(),
                                    ),
                                    false,
                                )
                            });
                        if !row.is_ok() && crate::interrupt::requested() {
                            dropped.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
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
    if crate::interrupt::requested() {
        let reused = outcomes.iter().filter(|(_, _, reused)| *reused).count();
        return Err(AppError::Interrupted(format!(
            "kept the {} of {} files finished ({reused} of them from an earlier run), each with its outputs and \
             stats; dropped the {} in progress; wrote no results table. The same command goes on from there",
            outcomes.len(),
            jobs.len(),
            dropped.load(Ordering::Relaxed)
        )));
    }
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
    crate::output_file::remove_partials_of([csv.as_path(), jsonl.as_path()]);
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

/// A file's recipe: the flags, with a manifest row's own settings in their place.
#[derive(Debug, Clone)]
struct Recipe {
    augmentation: Augmentation,
    application: Application,
    /// The model asked for, if any; random loss when neither it nor a burst is.
    loss_model: Option<LossModel>,
    fec: bool,
    expect_loss: Option<f32>,
    complexity: u8,
    decoder_complexity: u8,
    jitter: JitterSettings,
    /// The flags every file takes as they are.
    fixed: Settings,
}

impl Recipe {
    fn of(args: &BatchArgs, row: &Overrides) -> Self {
        let augmentation = Augmentation {
            seed: args.seed,
            bitrate: row.bitrate.clone().unwrap_or_else(|| args.bitrate.clone()),
            frame: row.frame.clone().unwrap_or_else(|| args.frame.clone()),
            loss: row.loss.clone().unwrap_or_else(|| args.loss.clone()),
            burst: row.burst.clone().or_else(|| args.burst.clone()),
            dred: row.dred.clone().unwrap_or_else(|| args.dred.clone()),
        };
        Self {
            augmentation,
            application: row.application.unwrap_or(args.coding.application),
            loss_model: row.loss_model.or(args.loss_model),
            fec: row.fec.unwrap_or(args.coding.fec),
            expect_loss: row.expect_loss.or(args.coding.expect_loss.0),
            complexity: row.complexity.unwrap_or(args.coding.complexity),
            decoder_complexity: row.decoder_complexity.unwrap_or(args.coding.decoder_complexity),
            jitter: args.delays.settings(),
            fixed: Settings {
                bandwidth: args.coding.bandwidth,
                rate_control: args.coding.rate_control,
                dtx: args.coding.dtx,
                force_mono: args.coding.force_mono,
                output_gain_db: args.coding.gain,
                ..Settings::default()
            },
        }
    }

    /// A model asked for that has no bursts, while a burst is asked for too.
    fn model_without_bursts(&self) -> Option<LossModel> {
        self.loss_model.filter(|&model| model != LossModel::GilbertElliott && self.augmentation.burst.is_some())
    }

    /// The engine settings for a file's draw.
    fn settings(&self, drawn: &Drawn) -> Settings {
        let model = if drawn.mean_burst_packets.is_some() {
            LossModel::GilbertElliott
        } else {
            self.loss_model.unwrap_or_default()
        };
        Settings {
            bitrate_bps: drawn.bitrate_bps,
            frame: drawn.frame,
            complexity: self.complexity,
            application: self.application,
            fec: self.fec,
            expected_loss_percent: self.expect_loss.map(|percent| percent.round() as u8),
            dred_duration_ms: drawn.dred_ms,
            decoder_complexity: self.decoder_complexity,
            loss: LossSettings {
                model,
                loss_percent: drawn.loss_percent,
                mean_burst_packets: drawn.mean_burst_packets.unwrap_or(model.usual_mean_burst_packets()),
                seed: drawn.seed,
            },
            jitter: self.jitter,
            ..self.fixed
        }
    }
}

/// What a file's render writes: its audio where the manifest row says, or at its corpus path
/// under `--output` (`.flac` with `--flac`, else `.wav`), and beside it the difference
/// (`NAME.difference.wav`) and the packets (`NAME.opus`) when asked for.
fn outputs_of(args: &BatchArgs, file: &CorpusFile) -> Outputs {
    let extension = if args.flac { "flac" } else { "wav" };
    let relative = file.output.as_deref().unwrap_or(&file.relative);
    let mut decoded = relative.split('/').fold(args.output.clone(), |path, part| path.join(part));
    if file.output.as_ref().is_none_or(|_| decoded.extension().is_none()) {
        decoded.set_extension(extension);
    }
    let [difference, record] = extras_of(&decoded);
    Outputs {
        difference: args.difference.then_some(difference),
        record: args.record.then_some(record),
        decoded,
        report: None,
        loss_trace: None,
        format: None,
        measure_quality: true,
        perceptual: args.quality_mode,
    }
}

/// Where `--difference` and `--record` write beside `decoded`: `NAME.difference.EXT` (the
/// audio's extension) and `NAME.opus`.
fn extras_of(decoded: &Path) -> [PathBuf; 2] {
    let extension = decoded.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
    [decoded.with_extension(format!("difference.{extension}")), decoded.with_extension("opus")]
}

/// Refuses two files that would write one output (`a.wav` and `a.WAV`, or `a.wave`; the same
/// name in other cases, which a Windows or macOS disk does not tell apart), and an output that
/// would overwrite an input (a manifest can name one). Paths are compared resolved (links, `..`),
/// and an output that exists also by its device and inode (a hard link to an input).
fn refuse_shared_outputs(args: &BatchArgs, corpus: &[CorpusFile]) -> Result<()> {
    let key = |path: &Path| file_identity::resolved(path).to_string_lossy().to_lowercase();
    let inputs: HashMap<String, &str> = corpus.iter().map(|file| (key(&file.path), file.relative.as_str())).collect();
    let input_files: HashMap<(u64, u64), &str> = corpus
        .iter()
        .filter_map(|file| Some((file_identity::device_and_inode(&file.path)?, file.relative.as_str())))
        .collect();
    let mut seen: HashMap<String, &str> = HashMap::new();
    for file in corpus {
        for output in written(&outputs_of(args, file)) {
            let output_key = key(&output);
            let same_file = || file_identity::device_and_inode(&output).and_then(|id| input_files.get(&id));
            if let Some(input) = inputs.get(&output_key).or_else(same_file) {
                return Err(AppError::Usage(format!(
                    "'{}' would overwrite the input of '{input}'; write the outputs elsewhere",
                    output.display()
                )));
            }
            if let Some(first) = seen.insert(output_key, &file.relative) {
                return Err(AppError::Usage(format!(
                    "'{first}' and '{}' would both write '{}'; rename one",
                    file.relative,
                    output.display()
                )));
            }
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
    let stats_path = RenderStats::path_for(&job.outputs.decoded);
    if let Some(stats) = already_rendered(job) {
        return (ResultRow::rendered(&job.file.relative, &job.drawn, &job.settings, &stats), true);
    }
    // Stats of an older render must not outlive it: if this render is killed after its audio is
    // in place, the next run must not take the old stats for it. Nor may the extra outputs of an
    // older render that asked for them when this one does not: a later run that asks again
    // would take them for this render's.
    let _ = std::fs::remove_file(&stats_path);
    for extra in extras_of(&job.outputs.decoded) {
        if !job.outputs.paths_owned().contains(&extra) {
            let _ = std::fs::remove_file(extra);
        }
    }
    let rendered = job
        .outputs
        .decoded
        .parent()
        .map_or(Ok(()), |folder| std::fs::create_dir_all(folder).map_err(|error| AppError::output(folder, error)))
        .and_then(|()| {
            let plan = match job.trace {
                Some(trace) => Plan::with_trace(job.settings, trace.clone()),
                None => Plan::from(job.settings),
            };
            render_file(&job.file.path, &job.outputs, &plan, true)
        });
    match rendered {
        Ok(stats) => (ResultRow::rendered(&job.file.relative, &job.drawn, &job.settings, &stats), false),
        Err(error) => (ResultRow::failed(&job.file.relative, &job.drawn, &job.settings, error.to_string()), false),
    }
}

/// The stats of an earlier render of this job, if it is complete and current: the stats file
/// (written after every output is in place) records the same settings, input and output (a
/// WAV's stats and a FLAC's share a name), the audio has its length, every output asked for is
/// there (none outlives a render that did not write it), and the input has not changed since.
fn already_rendered(job: &Job) -> Option<RenderStats> {
    let decoded = &job.outputs.decoded;
    let stats = RenderStats::load(&RenderStats::path_for(decoded)).ok()?;
    let input = std::path::absolute(&job.file.path).ok()?;
    let output_frames = InputFile::open(decoded).ok()?.frames();
    let modified = |path: &Path| std::fs::metadata(path).and_then(|metadata| metadata.modified()).ok();
    let input_older = matches!((modified(&job.file.path), modified(decoded)), (Some(i), Some(o)) if i <= o);
    let current = stats.settings == SettingsRecord::from(&job.settings.clamped())
        && stats.input == input
        && stats.output == std::path::absolute(decoded).ok()?
        && stats.frames == output_frames
        && stats.frames > 0
        && job.outputs.paths_owned().iter().all(|path| path.is_file())
        && input_older;
    current.then_some(stats)
}

/// The mean MOS-LQO by each drawn setting that varied over the files: per value when it took
/// at most [`MAX_GROUPS`] values, each for two files or more on average (a list), else per third
/// of the range drawn.
fn scores_by_setting(ok: &[&ResultRow]) -> Vec<String> {
    const MAX_GROUPS: usize = 6;
    type Field = fn(&ResultRow) -> Option<f64>;
    type Show = fn(f64) -> String;
    let settings: [(&str, Field, Show); 5] = [
        ("bitrate", |row| Some(f64::from(row.bitrate_bps)), |v| format!("{:.0} kbps", v / 1000.0)),
        ("frame", |row| Some(f64::from(row.frame_ms)), |v| format!("{v} ms")),
        ("loss", |row| Some(f64::from(row.loss_percent)), |v| format!("{v:.1} %")),
        ("burst", |row| row.mean_burst_packets.map(f64::from), |v| format!("{v:.1}")),
        ("DRED", |row| Some(f64::from(row.dred_ms)), |v| format!("{v:.0} ms")),
    ];
    let mut lines = Vec::new();
    for (name, field, show) in settings {
        let scored: Vec<(f64, f64)> = ok.iter().filter_map(|row| Some((field(row)?, row.mos_lqo?))).collect();
        let mut values: Vec<f64> = scored.iter().map(|&(value, _)| value).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        if values.len() < 2 {
            continue;
        }
        // Each group: its label and which values it takes.
        let groups: Vec<(String, f64, f64)> = if values.len() <= MAX_GROUPS && values.len() * 2 <= scored.len() {
            values.iter().map(|&v| (show(v), v, v)).collect()
        } else {
            let (low, high) = (values[0], values[values.len() - 1]);
            let edge = |i: usize| low + (high - low) * i as f64 / 3.0;
            (0..3).map(|i| (format!("{}–{}", show(edge(i)), show(edge(i + 1))), edge(i), edge(i + 1))).collect()
        };
        let last = groups.len() - 1;
        let parts: Vec<String> = groups
            .iter()
            .enumerate()
            .filter_map(|(i, (label, from, to))| {
                let inside = |v: f64| {
                    if from == to { v == *from } else { v >= *from && (v < *to || (i == last && v <= *to)) }
                };
                let group: Vec<f64> = scored.iter().filter(|&&(v, _)| inside(v)).map(|&(_, mos)| mos).collect();
                (!group.is_empty())
                    .then(|| format!("{label} {:.2} ({})", group.iter().sum::<f64>() / group.len() as f64, group.len()))
            })
            .collect();
        lines.push(format!("  by {name:<8} {}\n", parts.join(" · ")));
    }
    lines
}

/// What the batch did, for a person.
fn summary(rows: &[ResultRow], reused: usize, workers: usize, shard: Shard) -> String {
    let ok: Vec<&ResultRow> = rows.iter().filter(|row| row.is_ok()).collect();
    let hours: f64 = ok.iter().filter_map(|row| row.seconds).sum::<f64>() / 3600.0;
    let sum = |field: fn(&ResultRow) -> Option<u64>| ok.iter().filter_map(|row| field(row)).sum::<u64>();
    let (sent, lost, late) = (sum(|row| row.packets_sent), sum(|row| row.packets_lost), sum(|row| row.packets_late));
    let snrs: Vec<f64> = ok.iter().filter_map(|row| row.snr_db).collect();
    let scores: Vec<f64> = ok.iter().filter_map(|row| row.mos_lqo).collect();
    let mut text = String::new();
    let shard_text =
        if shard == Shard::ALL { String::new() } else { format!(" (shard {}/{})", shard.index, shard.count) };
    text += &format!(
        "{} files{shard_text}: {} rendered, {reused} already done, {} failed; {hours:.3} h of audio on {workers} {}\n",
        rows.len(),
        ok.len() - reused,
        rows.len() - ok.len(),
        if workers == 1 { "worker" } else { "workers" }
    );
    let loss = if sent > 0 { 100.0 * lost as f64 / sent as f64 } else { 0.0 };
    let late = if late > 0 { format!(", {late} late") } else { String::new() };
    text += &format!("  packets    {sent} sent, {lost} lost ({loss:.1} %){late}\n");
    if !scores.is_empty() {
        let mean = scores.iter().sum::<f64>() / scores.len() as f64;
        text += &format!("  quality    mean MOS-LQO {mean:.2} over {} files\n", scores.len());
        for line in scores_by_setting(&ok) {
            text += &line;
        }
    }
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
    fn shard_tables_list_in_order() {
        assert_eq!(results_paths(Path::new("o"), Shard::ALL).0, Path::new("o/results.csv"));
        let shard = Shard { index: 3, count: 12 };
        assert_eq!(results_paths(Path::new("o"), shard).1, Path::new("o/results-shard-03-of-12.jsonl"));
    }

    #[test]
    fn scores_are_averaged_per_value_of_a_list_and_per_third_of_a_range() {
        use crate::augment::Drawn;
        use roundtrip_codec::FrameDuration;
        use roundtrip_engine::settings::Settings;
        let drawn = Drawn {
            seed: 1,
            bitrate_bps: 0,
            frame: FrameDuration::Ms20,
            loss_percent: 0.0,
            mean_burst_packets: None,
            dred_ms: 0,
        };
        let row = |bitrate_bps: i32, frame_ms: f32, mos: f64| ResultRow {
            status: "ok".into(),
            error: None,
            bitrate_bps,
            frame_ms,
            mos_lqo: Some(mos),
            ..ResultRow::failed("x.wav", &drawn, &Settings::default(), String::new())
        };
        // Bitrates drawn from 6 to 36 kbps: thirds of 10 kbps; frames from a list of two.
        let rows = [row(6_000, 10.0, 3.0), row(12_000, 20.0, 3.4), row(20_000, 10.0, 4.0), row(36_000, 20.0, 4.5)];
        let ok: Vec<&ResultRow> = rows.iter().collect();
        let lines = scores_by_setting(&ok);
        assert_eq!(
            lines,
            [
                "  by bitrate  6 kbps–16 kbps 3.20 (2) · 16 kbps–26 kbps 4.00 (1) · 26 kbps–36 kbps 4.50 (1)\n",
                "  by frame    10 ms 3.50 (2) · 20 ms 3.95 (2)\n",
            ]
        );
        // A setting every file shares says nothing.
        assert!(scores_by_setting(&ok[..1]).is_empty());
    }
}
