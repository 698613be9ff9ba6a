//! FLAC files through `flac-codec`: read into interleaved `f32` as WAVs are, and written from it,
//! streaming both ways (a corpus's hour-long file is never held whole).

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use flac_codec::decode::{FlacSampleReader, Metadata};
use flac_codec::encode::{FlacSampleWriter, Options};

use crate::error::{AppError, InputProblem, Result};
use crate::output_file::OutputFile;
use crate::wav::WavFormat;

/// A FLAC file being read block by block.
pub struct FlacSource {
    reader: FlacSampleReader<BufReader<File>>,
    path: PathBuf,
    /// The file's bits per sample (4 to 32).
    pub bits: u32,
    pub sample_rate_hz: u32,
    /// 1 or 2.
    pub channels: usize,
    /// Frames the file holds, as its STREAMINFO states.
    pub frames: usize,
    /// Integer samples' full scale.
    scale: f32,
    /// Integer samples between the decoder and `read`'s caller; grown once to the block size.
    integers: Vec<i32>,
    /// Samples (not frames) not yet read of the length STREAMINFO states.
    remaining: usize,
}

impl std::fmt::Debug for FlacSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlacSource").field("path", &self.path).field("frames", &self.frames).finish_non_exhaustive()
    }
}

impl FlacSource {
    /// Opens a FLAC file. Refuses what the engine cannot take (more than two channels, rates
    /// outside its range) and a stream that does not state its length (a FLAC piped from an
    /// encoder that could not seek back), whose duration a render needs up front.
    pub fn open(path: &Path) -> Result<Self> {
        let fail = |problem| AppError::input(path, problem);
        let file = File::open(path).map_err(|error| fail(InputProblem::Unreadable(error)))?;
        let reader = FlacSampleReader::new(BufReader::new(file)).map_err(|error| fail(problem(error)))?;
        let channels = usize::from(reader.channel_count());
        if !(1..=2).contains(&channels) {
            return Err(fail(InputProblem::UnsupportedChannels(channels)));
        }
        let (low, high) = roundtrip_engine::HOST_RATE_RANGE_HZ;
        if !(low..=high).contains(&reader.sample_rate()) {
            return Err(fail(InputProblem::UnsupportedRate(reader.sample_rate())));
        }
        let frames = reader.total_samples().ok_or_else(|| fail(InputProblem::FlacLengthUnknown))?;
        let bits = reader.bits_per_sample();
        Ok(Self {
            path: path.to_path_buf(),
            bits,
            sample_rate_hz: reader.sample_rate(),
            channels,
            frames: usize::try_from(frames).unwrap_or(usize::MAX),
            scale: 1.0 / (1u64 << (bits - 1)) as f32,
            reader,
            integers: Vec::new(),
            remaining: usize::try_from(frames).unwrap_or(usize::MAX).saturating_mul(channels),
        })
    }

    /// The WAV sample format that holds this file's samples without loss: its bit depth, or the
    /// next one up for depths WAV does not have (12 or 20 bits).
    /// Names the file `path` in the messages of later reads (a copy standing for it).
    pub fn shown_as(&mut self, path: &Path) {
        self.path = path.to_path_buf();
    }

    pub fn format(&self) -> WavFormat {
        match self.bits {
            ..=8 => WavFormat::Int8,
            9..=16 => WavFormat::Int16,
            17..=24 => WavFormat::Int24,
            _ => WavFormat::Int32,
        }
    }

    /// Reads the next samples into `out`, interleaved; returns how many (fewer only at the end).
    /// A file that ends before its stated length is an error, as a truncated WAV is; one that
    /// holds more ends at that length, as its header says (and as a WAV's data size rules).
    pub fn read(&mut self, out: &mut [f32]) -> Result<usize> {
        let wanted = out.len().min(self.remaining);
        let out = &mut out[..wanted];
        if self.integers.len() < out.len() {
            self.integers.resize(out.len(), 0);
        }
        let mut count = 0;
        while count < out.len() {
            let read = self
                .reader
                .read(&mut self.integers[count..out.len()])
                .map_err(|error| AppError::input(&self.path, problem(error)))?;
            if read == 0 {
                break;
            }
            count += read;
        }
        for (slot, &sample) in out.iter_mut().zip(&self.integers[..count]) {
            *slot = sample as f32 * self.scale;
        }
        self.remaining -= count;
        Ok(count)
    }
}

/// What a decoding error of `flac-codec` means for the user.
fn problem(error: flac_codec::Error) -> InputProblem {
    match error {
        flac_codec::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => InputProblem::Truncated,
        flac_codec::Error::Io(io) => InputProblem::Unreadable(io),
        other => InputProblem::Flac(other.to_string()),
    }
}

/// A FLAC file being written block by block; [`FlacSink::finish`] puts it in place whole.
pub struct FlacSink {
    writer: FlacSampleWriter<CheckedWriter>,
    /// The error of the last flush, which `flac-codec` makes when it drops its writer.
    flush_error: Rc<RefCell<Option<std::io::Error>>>,
    file: OutputFile,
    full_scale: f32,
    /// Samples converted to integers, grown once to the block size.
    integers: Vec<i32>,
}

impl std::fmt::Debug for FlacSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlacSink").field("target", &self.file.target()).finish_non_exhaustive()
    }
}

impl FlacSink {
    /// Starts writing `path` with the bit depth of `format`, an integer one (FLAC holds no
    /// float samples).
    pub fn create(path: &Path, format: WavFormat, sample_rate_hz: u32, channels: usize) -> Result<Self> {
        let bits = format.integer_bits().ok_or_else(|| {
            AppError::Usage(format!("'{}': FLAC holds integer samples; choose --format int16 or int24", path.display()))
        })?;
        let file = OutputFile::create(path)?;
        let fail = |error: flac_codec::Error| AppError::output(path, error);
        let handle = file.handle().map_err(|error| AppError::output(path, error))?;
        let flush_error = Rc::new(RefCell::new(None));
        let checked = CheckedWriter { inner: BufWriter::new(handle), flush_error: Rc::clone(&flush_error) };
        // The length is left open and written when the file is finished: a render knows it only
        // then.
        let writer =
            FlacSampleWriter::new(checked, Options::default(), sample_rate_hz, u32::from(bits), channels as u8, None)
                .map_err(fail)?;
        Ok(Self { writer, flush_error, file, full_scale: (1u64 << (bits - 1)) as f32, integers: Vec::new() })
    }

    /// Appends interleaved samples, rounded and clipped to full scale.
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        self.integers.clear();
        self.integers.extend(samples.iter().map(|&sample| crate::wav::to_integer(sample, self.full_scale)));
        self.writer.write(&self.integers).map_err(|error| AppError::output(self.file.target(), error))
    }

    /// Writes the last frame and the final STREAMINFO (length, MD5), and puts the file in place.
    pub fn finish(self) -> Result<()> {
        let target = self.file.target().to_path_buf();
        self.writer.finalize().map_err(|error| AppError::output(&target, error))?;
        if let Some(error) = self.flush_error.take() {
            return Err(AppError::output(&target, error));
        }
        self.file.commit()
    }
}

/// A buffered file that, when dropped, flushes and keeps the error where [`FlacSink`] finds it.
/// `FlacSampleWriter::finalize` ends by dropping its writer and gives no way to flush it first;
/// a plain `BufWriter` would drop a full disk's error on the floor and let a cut file be put in
/// place.
struct CheckedWriter {
    inner: BufWriter<File>,
    flush_error: Rc<RefCell<Option<std::io::Error>>>,
}

impl Write for CheckedWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.inner.write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Seek for CheckedWriter {
    fn seek(&mut self, position: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(position)
    }
}

impl Drop for CheckedWriter {
    fn drop(&mut self) {
        if let Err(error) = self.inner.flush() {
            self.flush_error.borrow_mut().get_or_insert(error);
        }
    }
}
