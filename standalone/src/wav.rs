//! WAV files through `hound`: 8/16/24/32-bit integer and 32-bit float, mono or stereo, read into
//! interleaved `f32` and written back in any of those formats.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use hound::{SampleFormat, WavReader, WavSpec, WavWriter};

use crate::error::{AppError, InputProblem, Result};
use crate::output_file::OutputFile;
use crate::riff::{self, DataChunk};

/// Interleaved audio in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Sample rate in hertz.
    pub sample_rate_hz: u32,
    /// 1 or 2.
    pub channels: usize,
    /// Interleaved samples, nominally within ±1.
    pub samples: Vec<f32>,
}

impl Audio {
    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.samples.len() / self.channels.max(1)
    }

    /// Duration in seconds.
    pub fn seconds(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate_hz.max(1))
    }
}

/// A sample format a WAV file can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WavFormat {
    /// 8-bit integer (unsigned in the file, as WAV defines it).
    Int8,
    /// 16-bit integer.
    Int16,
    /// 24-bit integer.
    Int24,
    /// 32-bit integer.
    Int32,
    /// 32-bit IEEE float.
    Float32,
}

impl WavFormat {
    fn of(spec: WavSpec) -> Option<Self> {
        match (spec.sample_format, spec.bits_per_sample) {
            (SampleFormat::Int, 8) => Some(Self::Int8),
            (SampleFormat::Int, 16) => Some(Self::Int16),
            (SampleFormat::Int, 24) => Some(Self::Int24),
            (SampleFormat::Int, 32) => Some(Self::Int32),
            (SampleFormat::Float, 32) => Some(Self::Float32),
            _ => None,
        }
    }

    /// Bits per sample of an integer format; `None` for float.
    pub fn integer_bits(self) -> Option<u16> {
        match self {
            Self::Int8 => Some(8),
            Self::Int16 => Some(16),
            Self::Int24 => Some(24),
            Self::Int32 => Some(32),
            Self::Float32 => None,
        }
    }

    fn spec(self, sample_rate_hz: u32, channels: usize) -> WavSpec {
        let (sample_format, bits_per_sample) = match self {
            Self::Int8 => (SampleFormat::Int, 8),
            Self::Int16 => (SampleFormat::Int, 16),
            Self::Int24 => (SampleFormat::Int, 24),
            Self::Int32 => (SampleFormat::Int, 32),
            Self::Float32 => (SampleFormat::Float, 32),
        };
        WavSpec { channels: channels as u16, sample_rate: sample_rate_hz, bits_per_sample, sample_format }
    }
}

/// A WAV file being read block by block.
pub struct WavSource {
    reader: WavReader<Box<dyn Read>>,
    path: PathBuf,
    /// The file's sample format.
    pub format: WavFormat,
    pub sample_rate_hz: u32,
    /// 1 or 2.
    pub channels: usize,
    /// Frames the file holds.
    pub frames: usize,
    /// Integer samples' full scale (1 for float).
    scale: f32,
}

impl std::fmt::Debug for WavSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSource").field("path", &self.path).field("frames", &self.frames).finish_non_exhaustive()
    }
}

impl WavSource {
    /// Opens a WAV file, a streaming one (data size left open) to its end. Refuses what the
    /// engine cannot take (more than two channels, rates outside 1 kHz–2 MHz), formats other than
    /// those of [`WavFormat`], other file formats (named), and truncated files (saying how much
    /// is there).
    pub fn open(path: &Path) -> Result<Self> {
        let fail = |problem| AppError::input(path, problem);
        let unreadable = |err| fail(InputProblem::Unreadable(err));
        let mut file = File::open(path).map_err(unreadable)?;
        if file.metadata().is_ok_and(|metadata| metadata.is_file() && metadata.len() == 0) {
            return Err(fail(InputProblem::Empty));
        }
        let data = riff::locate_data(&mut file).map_err(unreadable)?;
        if data.is_none() {
            let mut head = [0; 12];
            let read = file.seek(SeekFrom::Start(0)).and_then(|_| file.read(&mut head)).map_err(unreadable)?;
            if let Some(format) = riff::format_of(&head[..read]) {
                return Err(fail(InputProblem::OtherFormat(format)));
            }
        }
        let input: Box<dyn Read> = match &data {
            Some(data) if data.audio_bytes() == 0 => return Err(fail(InputProblem::NoAudio)),
            Some(data) if data.is_cut() => return Err(fail(InputProblem::OverFourGib)),
            Some(data) => Box::new(riff::audio_for_hound(BufReader::new(file), data).map_err(unreadable)?),
            None => {
                file.seek(SeekFrom::Start(0)).map_err(unreadable)?;
                Box::new(BufReader::new(file))
            }
        };
        let reader = WavReader::new(input).map_err(|err| fail(problem(err)))?;
        let spec = reader.spec();
        if let Some(data) = data.filter(DataChunk::is_truncated) {
            let bytes_per_second = f64::from(spec.sample_rate) * f64::from(data.block_align.max(1));
            return Err(fail(InputProblem::TruncatedAudio {
                present_seconds: data.present_bytes as f64 / bytes_per_second,
                declared_seconds: f64::from(data.declared_bytes) / bytes_per_second,
            }));
        }
        let format = WavFormat::of(spec).ok_or_else(|| {
            fail(InputProblem::UnsupportedSamples {
                bits: spec.bits_per_sample,
                float: spec.sample_format == SampleFormat::Float,
            })
        })?;
        let channels = usize::from(spec.channels);
        if !(1..=2).contains(&channels) {
            return Err(fail(InputProblem::UnsupportedChannels(channels)));
        }
        let (low, high) = roundtrip_engine::HOST_RATE_RANGE_HZ;
        if !(low..=high).contains(&spec.sample_rate) {
            return Err(fail(InputProblem::UnsupportedRate(spec.sample_rate)));
        }
        let samples = reader.len() as usize;
        let scale = match format {
            WavFormat::Float32 => 1.0,
            _ => 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32,
        };
        Ok(Self {
            reader,
            path: path.to_path_buf(),
            format,
            sample_rate_hz: spec.sample_rate,
            channels,
            frames: samples / channels,
            scale,
        })
    }

    /// Duration in seconds.
    pub fn seconds(&self) -> f64 {
        self.frames as f64 / f64::from(self.sample_rate_hz.max(1))
    }

    /// Names the file `path` in the messages of later reads (a copy standing for it).
    pub fn shown_as(&mut self, path: &Path) {
        self.path = path.to_path_buf();
    }

    /// Reads the next samples into `out`, interleaved; returns how many (fewer only at the end).
    pub fn read(&mut self, out: &mut [f32]) -> Result<usize> {
        let mut count = 0;
        let result: Result<(), hound::Error> = if self.format == WavFormat::Float32 {
            // `out` first: zip stops on it without taking one more sample from the file.
            out.iter_mut().zip(self.reader.samples::<f32>()).try_for_each(|(slot, sample)| {
                *slot = sample?;
                count += 1;
                Ok(())
            })
        } else {
            let scale = self.scale;
            out.iter_mut().zip(self.reader.samples::<i32>()).try_for_each(|(slot, sample)| {
                *slot = sample? as f32 * scale;
                count += 1;
                Ok(())
            })
        };
        result.map_err(|err| AppError::input(&self.path, problem(err)))?;
        Ok(count)
    }
}

/// Reads a whole WAV file (see [`WavSource::open`] for what it refuses).
pub fn read(path: &Path) -> Result<(Audio, WavFormat)> {
    let mut source = WavSource::open(path)?;
    let mut samples = vec![0.0; source.frames * source.channels];
    let read = source.read(&mut samples)?;
    if read != samples.len() {
        return Err(AppError::input(path, InputProblem::Truncated));
    }
    let audio = Audio { sample_rate_hz: source.sample_rate_hz, channels: source.channels, samples };
    Ok((audio, source.format))
}

/// What a reading error of `hound` means for the user.
fn problem(err: hound::Error) -> InputProblem {
    match err {
        // hound reports a short read as a plain I/O error with this text, not as `UnexpectedEof`.
        hound::Error::IoError(io)
            if io.kind() == std::io::ErrorKind::UnexpectedEof || io.to_string() == "Failed to read enough bytes." =>
        {
            InputProblem::Truncated
        }
        hound::Error::IoError(io) => InputProblem::Unreadable(io),
        hound::Error::FormatError(what) if what.contains("RIFF") || what.contains("WAVE") => InputProblem::NotWav(what),
        hound::Error::FormatError(what) => InputProblem::UnsupportedWav(what),
        hound::Error::Unsupported => InputProblem::UnsupportedWav("its sample encoding"),
        other => InputProblem::Wav(other),
    }
}

/// A WAV file being written block by block; [`WavSink::finish`] puts it in place whole.
pub struct WavSink {
    writer: WavWriter<BufWriter<File>>,
    file: OutputFile,
    /// Integer formats' full scale; `None` for float.
    full_scale: Option<f32>,
}

impl std::fmt::Debug for WavSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSink").field("target", &self.file.target()).finish_non_exhaustive()
    }
}

impl WavSink {
    /// Starts writing `path` in `format`.
    pub fn create(path: &Path, format: WavFormat, sample_rate_hz: u32, channels: usize) -> Result<Self> {
        let file = OutputFile::create(path)?;
        let spec = format.spec(sample_rate_hz, channels);
        let handle = file.handle().map_err(|err| AppError::output(path, err))?;
        let writer = WavWriter::new(BufWriter::new(handle), spec).map_err(|err| AppError::output(path, err))?;
        let full_scale = (format != WavFormat::Float32).then(|| (1u64 << (spec.bits_per_sample - 1)) as f32);
        Ok(Self { writer, file, full_scale })
    }

    /// Appends interleaved samples. Integer formats are rounded and clipped to full scale.
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        let result = match self.full_scale {
            None => samples.iter().try_for_each(|&sample| self.writer.write_sample(sample)),
            Some(full_scale) => {
                samples.iter().try_for_each(|&sample| self.writer.write_sample(to_integer(sample, full_scale)))
            }
        };
        result.map_err(|err| AppError::output(self.file.target(), err))
    }

    /// Completes the header and puts the file in place.
    pub fn finish(self) -> Result<()> {
        let target = self.file.target().to_path_buf();
        self.writer.finalize().map_err(|err| AppError::output(&target, err))?;
        self.file.commit()
    }
}

/// `sample` as an integer sample of `full_scale`, rounded and clipped.
pub fn to_integer(sample: f32, full_scale: f32) -> i32 {
    (sample * full_scale).round().clamp(-full_scale, full_scale - 1.0) as i32
}

/// Writes `audio` as a WAV file in `format`, whole or not at all.
pub fn write(path: &Path, audio: &Audio, format: WavFormat) -> Result<()> {
    let mut sink = WavSink::create(path, format, audio.sample_rate_hz, audio.channels)?;
    sink.write(&audio.samples)?;
    sink.finish()
}
