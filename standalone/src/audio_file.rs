//! Audio files of either format the app reads and writes, WAV or FLAC: an input is known by its
//! first bytes (a FLAC named `.wav` is still read), an output by its name (`.flac` writes FLAC).

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::{AppError, InputProblem, Result};
use crate::file_identity::is_standard_stream;
use crate::flac::{FlacSink, FlacSource};
use crate::render::SampleSource;
use crate::wav::{WavFormat, WavSink, WavSource};

/// An input file being read.
#[derive(Debug)]
pub struct InputFile {
    source: Source,
    /// Where a stream that cannot seek (standard input, a pipe) was copied to be read: WAV and
    /// FLAC readers seek (to find the data chunk, to learn the length before the render), and
    /// the render needs the length up front. Deleted when the input is dropped.
    _spooled: Option<tempfile::NamedTempFile>,
}

/// The reader of either format.
#[derive(Debug)]
enum Source {
    Wav(WavSource),
    /// Boxed: a FLAC decoder's state is several times a WAV reader's.
    Flac(Box<FlacSource>),
}

impl InputFile {
    /// Opens `path` as FLAC if it starts as one, as WAV otherwise (whose reader names any other
    /// format it finds). `-` is standard input; it, and any other stream that cannot seek
    /// (`/dev/stdin` on a pipe), is first copied to a temporary file.
    pub fn open(path: &Path) -> Result<Self> {
        let unreadable = |error| AppError::input(path, InputProblem::Unreadable(error));
        let spooled = if is_standard_stream(path) {
            Some(spool(&mut std::io::stdin().lock()).map_err(unreadable)?)
        } else {
            let mut file = std::fs::File::open(path).map_err(unreadable)?;
            match file.seek(SeekFrom::Start(0)) {
                Ok(_) => None,
                Err(_) => Some(spool(&mut file).map_err(unreadable)?),
            }
        };
        let Some(spooled) = spooled else {
            return Ok(Self { source: Source::open(path)?, _spooled: None });
        };
        // Read from the copy; every message still names the input as the user gave it.
        let rename = |error: AppError| match error {
            AppError::Input { problem, .. } => AppError::input(path, problem),
            other => other,
        };
        let mut source = Source::open(spooled.path()).map_err(rename)?;
        source.shown_as(path);
        Ok(Self { source, _spooled: Some(spooled) })
    }

    /// The sample format outputs take by default: the input's, as WAV names it.
    pub fn format(&self) -> WavFormat {
        match &self.source {
            Source::Wav(source) => source.format,
            Source::Flac(source) => source.format(),
        }
    }

    /// Duration in seconds.
    pub fn seconds(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate_hz().max(1))
    }
}

impl Source {
    fn open(path: &Path) -> Result<Self> {
        let mut head = [0; 4];
        let mut file =
            std::fs::File::open(path).map_err(|error| AppError::input(path, InputProblem::Unreadable(error)))?;
        let read = file.read(&mut head).map_err(|error| AppError::input(path, InputProblem::Unreadable(error)))?;
        drop(file);
        if head[..read] == *b"fLaC" {
            FlacSource::open(path).map(|source| Self::Flac(Box::new(source)))
        } else {
            WavSource::open(path).map(Self::Wav)
        }
    }

    /// Names the input `path` in the messages of later reads.
    fn shown_as(&mut self, path: &Path) {
        match self {
            Self::Wav(source) => source.shown_as(path),
            Self::Flac(source) => source.shown_as(path),
        }
    }

    fn frames(&self) -> usize {
        match self {
            Self::Wav(source) => source.frames,
            Self::Flac(source) => source.frames,
        }
    }
}

/// Copies all of `stream` into a new temporary file.
fn spool(stream: &mut impl Read) -> std::io::Result<tempfile::NamedTempFile> {
    let mut copy = tempfile::NamedTempFile::new()?;
    std::io::copy(stream, copy.as_file_mut())?;
    copy.as_file_mut().flush()?;
    Ok(copy)
}

impl SampleSource for InputFile {
    fn sample_rate_hz(&self) -> u32 {
        match &self.source {
            Source::Wav(source) => source.sample_rate_hz,
            Source::Flac(source) => source.sample_rate_hz,
        }
    }

    fn channels(&self) -> usize {
        match &self.source {
            Source::Wav(source) => source.channels,
            Source::Flac(source) => source.channels,
        }
    }

    fn frames(&self) -> usize {
        self.source.frames()
    }

    fn read(&mut self, out: &mut [f32]) -> Result<usize> {
        match &mut self.source {
            Source::Wav(source) => source.read(out),
            Source::Flac(source) => source.read(out),
        }
    }
}

/// Whether `path` names a FLAC file.
pub fn is_flac_name(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("flac"))
}

/// An output audio file being written.
#[derive(Debug)]
pub enum OutputSink {
    Wav(WavSink),
    /// Boxed: a FLAC encoder's state is many times a WAV writer's.
    Flac(Box<FlacSink>),
}

impl OutputSink {
    /// Starts writing `path`, as FLAC when its name ends in `.flac`, as WAV otherwise; in the
    /// `chosen` sample format, or else the input's. FLAC holds integers only: a float input is
    /// written as 24-bit FLAC (about 144 dB, more than the codec's output can use), and float
    /// chosen for a FLAC is refused.
    pub fn create(
        path: &Path,
        chosen: Option<WavFormat>,
        input: WavFormat,
        sample_rate_hz: u32,
        channels: usize,
    ) -> Result<Self> {
        if !is_flac_name(path) {
            return WavSink::create(path, chosen.unwrap_or(input), sample_rate_hz, channels).map(Self::Wav);
        }
        let format = match (chosen, input) {
            (Some(format), _) => format,
            (None, WavFormat::Float32) => WavFormat::Int24,
            (None, input) => input,
        };
        FlacSink::create(path, format, sample_rate_hz, channels).map(|sink| Self::Flac(Box::new(sink)))
    }

    /// Appends interleaved samples.
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        match self {
            Self::Wav(sink) => sink.write(samples),
            Self::Flac(sink) => sink.write(samples),
        }
    }

    /// Completes the file and puts it in place.
    pub fn finish(self) -> Result<()> {
        match self {
            Self::Wav(sink) => sink.finish(),
            Self::Flac(sink) => sink.finish(),
        }
    }
}
