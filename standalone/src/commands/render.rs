//! `render`: a WAV or FLAC file through the codec into WAV or FLAC files, an Ogg Opus file,
//! stats and a report.

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};

use roundtrip_engine::Settings;

use crate::analysis::{Analysed, Analysis};
use crate::audio_file::{InputFile, OutputSink};
use crate::cli::RenderArgs;
use crate::error::{AppError, Result};
use crate::file_identity::{FilePlan, is_standard_stream};
use crate::ogg_opus::{GRANULE_RATE_HZ, OggOpusWriter, OpusHead};
use crate::output_file::OutputFile;
use crate::perceptual::{Perceptual, QualityMode};
use crate::progress::Progress;
use crate::render::{AudioSource, Plan, RenderSink, SampleSource, TraceInput, render};
use crate::stats::RenderStats;
use crate::wav::{Audio, WavFormat};

/// Where a render writes.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub decoded: PathBuf,
    pub difference: Option<PathBuf>,
    pub record: Option<PathBuf>,
    pub report: Option<PathBuf>,
    /// The loss pattern used, as a trace to replay.
    pub loss_trace: Option<PathBuf>,
    pub format: Option<WavFormat>,
    /// Measure the quality figures (SNR, levels): a quarter of a render's time, so a benchmark
    /// of the codec path leaves them out.
    pub measure_quality: bool,
    /// The perceptual score's model (only with `measure_quality`).
    pub perceptual: QualityMode,
}

impl Outputs {
    /// Every path written, but the stats file beside the decoded WAV.
    fn paths(&self) -> Vec<&Path> {
        let mut paths = vec![self.decoded.as_path()];
        paths.extend(self.difference.as_deref());
        paths.extend(self.record.as_deref());
        paths.extend(self.report.as_deref());
        paths.extend(self.loss_trace.as_deref());
        paths
    }

    /// Every path written, owned.
    pub fn paths_owned(&self) -> Vec<PathBuf> {
        self.paths().into_iter().map(Path::to_path_buf).collect()
    }

    /// Refuses outputs whose name says another format than what is written into them: a WAV
    /// under an audio-codec name, Ogg Opus under anything but an Ogg name. (A `.flac` name
    /// writes FLAC.)
    fn check_extensions(&self) -> Result<()> {
        const NOT_WAV: [&str; 5] = ["opus", "ogg", "oga", "mp3", "m4a"];
        const OGG: [&str; 3] = ["opus", "ogg", "oga"];
        let extension = |path: &Path| path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        let refuse = |path: &Path, written: &str, name: &str| {
            let found = match extension(path) {
                found if found.is_empty() => "a name without an extension".to_owned(),
                found => format!("a .{found} name"),
            };
            let message = format!("'{}' would hold {written} under {found}; name it .{name}", path.display());
            Err(AppError::Usage(message))
        };
        for path in [Some(&self.decoded), self.difference.as_ref()].into_iter().flatten() {
            if NOT_WAV.contains(&extension(path).as_str()) {
                return refuse(path, "WAV audio", "wav");
            }
        }
        match &self.record {
            Some(path) if !OGG.contains(&extension(path).as_str()) => refuse(path, "Ogg Opus", "opus"),
            _ => Ok(()),
        }
    }

    /// Refuses outputs that would overwrite the input, the loss trace or each other, however
    /// they are spelled or linked ([`FilePlan`]).
    fn check(&self, input: &Path, loss_trace: Option<&Path>) -> Result<()> {
        self.check_extensions()?;
        let mut plan = FilePlan::new().reads("the input", input);
        if let Some(trace) = loss_trace {
            plan = plan.reads("the trace", trace);
        }
        let stats = self.stats_path();
        self.paths().into_iter().chain(stats.as_deref()).try_for_each(|path| plan.writes(path))
    }

    /// Where the stats go: beside the decoded audio, or nowhere when it goes to standard output.
    fn stats_path(&self) -> Option<PathBuf> {
        (!is_standard_stream(&self.decoded)).then(|| RenderStats::path_for(&self.decoded))
    }
}

/// Runs `render` from the command line.
pub fn run(args: &RenderArgs) -> Result<()> {
    // Ctrl-C ends the render at the next block, its outputs dropped (exit 130).
    crate::interrupt::catch();
    let settings = args.codec.settings().map_err(|conflict| AppError::Usage(conflict.to_string()))?;
    let plan = match (&args.loss_trace, &args.delay_trace) {
        (Some(path), _) => Plan::with_trace(settings, TraceInput::read(path.clone())?),
        (None, Some(path)) => Plan::with_trace(settings, TraceInput::read_delays(path.clone())?),
        (None, None) => Plan::from(settings),
    };
    let outputs = Outputs {
        decoded: args.output.clone(),
        difference: args.difference.clone(),
        record: args.record.clone(),
        report: args.report.clone(),
        loss_trace: args.write_trace.clone(),
        format: args.format,
        measure_quality: true,
        perceptual: args.quality_mode,
    };
    let existing: Vec<PathBuf> = outputs
        .paths()
        .into_iter()
        .filter(|path| !is_standard_stream(path) && path.exists())
        .map(Path::to_path_buf)
        .collect();
    if let (true, Some(first)) = (args.no_clobber, existing.first()) {
        return Err(AppError::output(first, "it exists and --no-clobber was given"));
    }
    for warning in args.codec.warnings() {
        eprintln!("opus-roundtrip: warning: {warning}");
    }
    let stats = render_file(&args.input, &outputs, &plan, args.quiet)?;
    let mut text = stats.summary();
    if outputs.report.is_none() && !is_standard_stream(&args.output) {
        let _ = writeln!(
            text,
            "  (`opus-roundtrip report {}` draws the spectrograms and the losses)",
            args.output.display()
        );
    }
    for path in outputs.paths() {
        let replaced = if existing.iter().any(|old| old == path) { " (replaced)" } else { "" };
        let shown = if is_standard_stream(path) { "standard output".into() } else { path.display().to_string() };
        let _ = writeln!(text, "  wrote      {shown}{replaced}");
    }
    if let Some(trace) = &args.write_trace {
        // A replay states the trace's measured rate, which may round to another expected loss.
        let expect = format!(" --expect-loss {}%", plan.settings.expected_loss_hint());
        let (flag, playout, same) = match stats.network_delays.is_some() {
            true => ("--delay-trace", receiver_flags(&plan.settings.jitter), "losses and delays"),
            false => ("--loss-trace", String::new(), "losses"),
        };
        let _ = writeln!(text, "  replay     {flag} {}{expect}{playout} (the same {same})", trace.display());
    }
    // Audio on standard output: the words go to standard error, so as not to mix with it.
    if outputs.paths().iter().any(|path| is_standard_stream(path)) {
        eprint!("{text}");
    } else {
        print!("{text}");
    }
    Ok(())
}

/// Renders `input` into `outputs` as `plan` says, streaming; returns the stats it also saved
/// beside the output.
pub fn render_file(input_path: &Path, outputs: &Outputs, plan: &Plan, quiet: bool) -> Result<RenderStats> {
    outputs.check(input_path, plan.loss_trace.as_ref().map(|trace| trace.path.as_path()))?;
    let mut source = InputFile::open(input_path)?;
    let format = source.format();
    render_from(input_path, &mut source, format, outputs, plan, quiet)
}

/// Renders `input` (in memory, standing for `input_path`) into `outputs`.
pub fn render_audio(
    input_path: &Path,
    input: &Audio,
    input_format: WavFormat,
    outputs: &Outputs,
    settings: Settings,
    quiet: bool,
) -> Result<RenderStats> {
    render_from(input_path, &mut AudioSource::new(input), input_format, outputs, &settings.into(), quiet)
}

/// Renders `source` (read from, or standing for, `input_path`) into `outputs`.
fn render_from(
    input_path: &Path,
    source: &mut dyn SampleSource,
    input_format: WavFormat,
    outputs: &Outputs,
    plan: &Plan,
    quiet: bool,
) -> Result<RenderStats> {
    let (rate, channels, frames) = (source.sample_rate_hz(), source.channels(), source.frames());
    let mut writers = Writers::create(outputs, input_format, (rate, channels, frames), &plan.settings)?;
    let label = input_path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let progress = Progress::new(&label, frames as f64 / f64::from(rate.max(1)), quiet);
    let rendered = render(source, plan, &progress, &mut writers, outputs.record.is_some())?;
    let (recorded, analysed) = writers.finish()?;
    if let Some(path) = &outputs.loss_trace {
        // The pattern of every packet sent, so that a replay loses (and delays) the same ones.
        let pattern = rendered.network_trace().map_err(|err| AppError::output(path, err))?;
        crate::output_file::write_all(path, pattern.to_text().as_bytes())?;
    }
    let mut stats =
        RenderStats::measure((input_path, &outputs.decoded), (rate, channels, frames), &rendered, analysed.quality);
    stats.perceptual = analysed.perceptual.map(|(mode, result)| Perceptual::from_result(mode, result));
    stats.audibility = analysed.audibility;
    stats.packets_recorded = recorded as u64;
    let spectrograms = analysed.spectrograms;
    if let Some(path) = outputs.stats_path() {
        stats.save(&path)?;
    }
    if let (Some(path), Some(spectrograms)) = (&outputs.report, &spectrograms) {
        crate::plot::draw_report(path, &stats, spectrograms, analysed.audibility_map.as_ref())?;
    }
    Ok(stats)
}

/// The files and measures a render feeds as its blocks come.
#[derive(Debug)]
struct Writers {
    decoded: OutputSink,
    difference: Option<OutputSink>,
    /// Where the Ogg Opus file goes, until the render starts and its header can be written.
    record_to: Option<OutputFile>,
    record: Option<(OutputFile, OggOpusWriter<File>)>,
    /// The real audio after the pre-skip, in 48 kHz samples.
    total_48k: u64,
    channels: usize,
    rate: u32,
    analysis: Analysis,
}

impl Writers {
    /// Opens every output before the long work, so that an unwritable path fails at once.
    /// The settings give the gain after the decoder, which the measures take out, and the
    /// application, which chooses the perceptual score's model.
    fn create(
        outputs: &Outputs,
        input_format: WavFormat,
        (rate, channels, frames): (u32, usize, usize),
        settings: &Settings,
    ) -> Result<Self> {
        let sink = |path: &Path| OutputSink::create(path, outputs.format, input_format, rate, channels);
        let writers = Self {
            decoded: sink(&outputs.decoded)?,
            difference: outputs.difference.as_deref().map(sink).transpose()?,
            record_to: outputs.record.as_deref().map(OutputFile::create).transpose()?,
            record: None,
            total_48k: (frames as u64 * u64::from(GRANULE_RATE_HZ)).div_ceil(u64::from(rate)),
            channels,
            rate,
            analysis: Analysis::new(
                (rate, channels, frames),
                settings.output_gain_db,
                outputs.measure_quality,
                outputs.report.is_some(),
                outputs.perceptual.resolve(settings.application).filter(|_| outputs.measure_quality),
            ),
        };
        // Written after the render: tried now, so that a bad path fails before the work.
        for path in outputs.report.iter().chain(&outputs.loss_trace) {
            drop(OutputFile::create(path)?);
        }
        Ok(writers)
    }

    /// Completes every file; returns the packets recorded, the quality and the spectrograms.
    fn finish(self) -> Result<(usize, Analysed)> {
        self.decoded.finish()?;
        if let Some(difference) = self.difference {
            difference.finish()?;
        }
        let recorded = match self.record {
            Some((file, stream)) => {
                let count = stream.finish().map_err(|err| AppError::output(file.target(), err))?;
                file.commit()?;
                count
            }
            None => 0,
        };
        Ok((recorded, self.analysis.finish()))
    }
}

impl RenderSink for Writers {
    fn start(&mut self, pre_skip: u16, description: &str) -> Result<()> {
        let Some(file) = self.record_to.take() else { return Ok(()) };
        let head = OpusHead { channels: self.channels as u8, pre_skip, input_rate_hz: self.rate };
        let comments =
            [format!("ENCODER=Opus Roundtrip {}", env!("CARGO_PKG_VERSION")), format!("COMMENT={description}")];
        let fail = |err| AppError::output(file.target(), err);
        let stream = OggOpusWriter::new(file.handle().map_err(fail)?, head, &comments, self.total_48k).map_err(fail)?;
        self.record = Some((file, stream));
        Ok(())
    }

    fn block(&mut self, input: &[f32], decoded: &[f32]) -> Result<()> {
        self.decoded.write(decoded)?;
        let difference = self.analysis.push(input, decoded);
        match &mut self.difference {
            Some(sink) => sink.write(difference),
            None => Ok(()),
        }
    }

    fn packet(&mut self, packet: &[u8]) -> Result<()> {
        match &mut self.record {
            Some((file, stream)) => stream.push(packet).map_err(|err| AppError::output(file.target(), err)),
            None => Ok(()),
        }
    }
}

/// The receiver's flags that a replay of a delay trace needs: the fixed receiver's wait, or the
/// adaptive receiver and its bounds.
fn receiver_flags(jitter: &roundtrip_engine::JitterSettings) -> String {
    match jitter.receiver.bounds_ms() {
        None => format!(" --playout {}ms", jitter.playout_ms),
        Some((min_ms, max_ms)) => format!(" --receiver adaptive --min-delay {min_ms}ms --max-delay {max_ms}ms"),
    }
}
