//! `render`: a WAV file through the codec into WAV files, an Ogg Opus file, stats and a report.

use std::path::{Path, PathBuf};

use roundtrip_engine::Settings;

use crate::cli::RenderArgs;
use crate::error::{AppError, Result};
use crate::ogg_opus::{self, GRANULE_RATE_HZ, OpusHead};
use crate::output_file::OutputFile;
use crate::progress::Progress;
use crate::render::{Rendered, render};
use crate::settings_text::describe;
use crate::stats::{Comparison, RenderStats};
use crate::wav::{self, Audio, WavFormat};

/// Where a render writes.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub decoded: PathBuf,
    pub difference: Option<PathBuf>,
    pub record: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub format: Option<WavFormat>,
}

impl Outputs {
    /// Every path written, but the stats file beside the decoded WAV.
    fn paths(&self) -> Vec<&Path> {
        let mut paths = vec![self.decoded.as_path()];
        paths.extend(self.difference.as_deref());
        paths.extend(self.record.as_deref());
        paths.extend(self.report.as_deref());
        paths
    }

    /// Every path written, owned.
    pub fn paths_owned(&self) -> Vec<PathBuf> {
        self.paths().into_iter().map(Path::to_path_buf).collect()
    }

    /// Refuses outputs whose name says another format than what is written into them: a WAV
    /// under an audio-codec name, Ogg Opus under anything but an Ogg name.
    fn check_extensions(&self) -> Result<()> {
        const NOT_WAV: [&str; 6] = ["opus", "ogg", "oga", "flac", "mp3", "m4a"];
        const OGG: [&str; 3] = ["opus", "ogg", "oga"];
        let extension = |path: &Path| path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        let refuse = |path: &Path, written: &str, name: &str| {
            let found = extension(path);
            let message = format!("'{}' would hold {written} under a .{found} name; name it .{name}", path.display());
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

    /// Refuses outputs that would overwrite the input or each other.
    fn check(&self, input: &Path) -> Result<()> {
        self.check_extensions()?;
        let stats = RenderStats::path_for(&self.decoded);
        let mut seen: Vec<PathBuf> = vec![normalise(input)];
        for path in self.paths().into_iter().chain([stats.as_path()]) {
            let normal = normalise(path);
            if seen.contains(&normal) {
                let what = if normal == seen[0] { "the input" } else { "another output" };
                return Err(AppError::Usage(format!(
                    "'{}' would overwrite {what}; give each output its own name",
                    path.display()
                )));
            }
            seen.push(normal);
        }
        Ok(())
    }
}

fn normalise(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Runs `render` from the command line.
pub fn run(args: &RenderArgs) -> Result<()> {
    let settings = args.codec.settings().map_err(|conflict| AppError::Usage(conflict.to_string()))?;
    let outputs = Outputs {
        decoded: args.output.clone(),
        difference: args.difference.clone(),
        record: args.record.clone(),
        report: args.report.clone(),
        format: args.format,
    };
    let existing: Vec<PathBuf> =
        outputs.paths().into_iter().filter(|path| path.exists()).map(Path::to_path_buf).collect();
    if let (true, Some(first)) = (args.no_clobber, existing.first()) {
        return Err(AppError::Usage(format!("'{}' exists and --no-clobber was given", first.display())));
    }
    let stats = render_file(&args.input, &outputs, settings, args.quiet)?;
    print!("{}", stats.summary());
    if outputs.report.is_none() {
        println!("  (`opus-roundtrip report {}` draws the spectrograms and the losses)", args.output.display());
    }
    for path in outputs.paths() {
        let replaced = if existing.iter().any(|old| old == path) { " (replaced)" } else { "" };
        println!("  wrote      {}{replaced}", path.display());
    }
    Ok(())
}

/// Renders `input` into `outputs`; returns the stats it also saved beside the output.
pub fn render_file(input_path: &Path, outputs: &Outputs, settings: Settings, quiet: bool) -> Result<RenderStats> {
    outputs.check(input_path)?;
    let (input, input_format) = wav::read(input_path)?;
    render_audio(input_path, &input, input_format, outputs, settings, quiet)
}

/// Renders `input` (read from, or standing for, `input_path`) into `outputs`.
pub fn render_audio(
    input_path: &Path,
    input: &Audio,
    input_format: WavFormat,
    outputs: &Outputs,
    settings: Settings,
    quiet: bool,
) -> Result<RenderStats> {
    // Open every output before the long work, so that an unwritable path fails at once.
    for path in outputs.paths() {
        drop(OutputFile::create(path)?);
    }
    let label = input_path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let progress = Progress::new(&label, input.seconds(), quiet);
    let rendered = render(input, settings, &progress)?;
    let format = outputs.format.unwrap_or(input_format);
    wav::write(&outputs.decoded, &rendered.decoded, format)?;
    // The difference is computed once, for the file, the quality figures and the report.
    let compared = Comparison::new(input, &rendered.decoded);
    if let Some(path) = &outputs.difference {
        wav::write(path, &compared.difference, format)?;
    }
    let recorded = match &outputs.record {
        Some(path) => write_ogg(path, input, &rendered)?,
        None => 0,
    };
    let mut stats = RenderStats::measure(input_path, &outputs.decoded, &compared, &rendered);
    stats.packets_recorded = recorded as u64;
    stats.save(&RenderStats::path_for(&outputs.decoded))?;
    if let Some(path) = &outputs.report {
        crate::plot::draw_report(path, &stats, &compared)?;
    }
    Ok(stats)
}

/// Writes the packets the encoder sent as an Ogg Opus file.
fn write_ogg(path: &Path, input: &Audio, rendered: &Rendered) -> Result<usize> {
    let head =
        OpusHead { channels: input.channels as u8, pre_skip: rendered.pre_skip, input_rate_hz: input.sample_rate_hz };
    let total = (input.frames() as u64 * u64::from(GRANULE_RATE_HZ)).div_ceil(u64::from(input.sample_rate_hz));
    let comments = [
        format!("ENCODER=Opus Roundtrip {}", env!("CARGO_PKG_VERSION")),
        format!("COMMENT={}", describe(&rendered.settings)),
    ];
    let mut file = OutputFile::create(path)?;
    let written = ogg_opus::write(file.writer(), head, &comments, &rendered.packets, total)
        .map_err(|err| AppError::output(path, err))?;
    file.commit()?;
    Ok(written)
}
