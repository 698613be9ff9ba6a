//! The app's errors: each says in one line what went wrong and what to do, and maps to an exit
//! code a script can test.

use std::fmt;
use std::path::{Path, PathBuf};

use roundtrip_engine::{EngineError, HOST_RATE_RANGE_HZ, LossTraceError};

/// Exit code for a bad command line (the same code `clap` uses for its own usage errors).
pub const EXIT_USAGE: i32 = 2;
/// Exit code for an input file that is missing, unreadable or unsupported.
pub const EXIT_INPUT: i32 = 3;
/// Exit code for an output file that cannot be written.
pub const EXIT_OUTPUT: i32 = 4;
/// Exit code for a missing or unusable audio device.
pub const EXIT_DEVICE: i32 = 5;
/// Exit code for a failure inside the engine or the codec.
pub const EXIT_INTERNAL: i32 = 1;

/// Why a command failed.
#[derive(Debug)]
pub enum AppError {
    /// Flags that contradict each other or make no sense together.
    Usage(String),
    /// An input file could not be used.
    Input { path: PathBuf, problem: InputProblem },
    /// An output file could not be written.
    Output { path: PathBuf, reason: String },
    /// No usable audio device.
    Device(String),
    /// The engine refused to start (a format or setting that the checks before it let through).
    Engine(EngineError),
    /// Something that should not happen did.
    Internal(String),
    /// Some files of a batch could not be rendered; the results table says why for each.
    SomeFailed { failed: usize, total: usize, results: PathBuf },
    /// Ctrl-C stopped the work; what was kept, in words.
    Interrupted(String),
}

/// Why an input file cannot be used.
#[derive(Debug)]
pub enum InputProblem {
    /// It cannot be opened or read.
    Unreadable(std::io::Error),
    /// It is not a WAV file, and not a format we can name; what the WAV reader found instead.
    NotWav(&'static str),
    /// It is a file of another format (named).
    OtherFormat(&'static str),
    /// A FLAC stream that the FLAC decoder finds faulty (its words).
    Flac(String),
    /// A FLAC stream that does not state its length.
    FlacLengthUnknown,
    /// A WAV layout that the WAV reader does not take.
    UnsupportedWav(&'static str),
    /// Another fault that the WAV reader found.
    Wav(hound::Error),
    /// Samples of a size or kind that the app does not read.
    UnsupportedSamples { bits: u16, float: bool },
    /// Neither mono nor stereo.
    UnsupportedChannels(usize),
    /// A rate outside [`HOST_RATE_RANGE_HZ`].
    UnsupportedRate(u32),
    /// It ends before its header says.
    Truncated,
    /// A WAV with no audio after its header (a data chunk of 0 bytes, or a streaming WAV that
    /// ends there).
    NoAudio,
    /// A file of 0 bytes.
    Empty,
    /// A streaming WAV holding more than the 4 GiB a WAV header can state.
    OverFourGib,
    /// It ends before the audio that its header declares.
    TruncatedAudio { present_seconds: f64, declared_seconds: f64 },
    /// A render's stats file is missing or unreadable.
    NoStats(std::io::Error),
    /// A render's stats file is not valid JSON of the expected layout.
    BadStats(serde_json::Error),
    /// A render's stats file of another layout version.
    StatsVersion { found: u32, read: u32 },
    /// A render's input that does not match the render (length or rate).
    NotTheInputOf(PathBuf),
    /// A loss trace that cannot be read or is not one.
    LossTrace(LossTraceError),
    /// A MUSHRA results file that cannot be read or is not one.
    MushraResults(roundtrip_mushra::ResultsProblem),
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const FORMATS: &str = "use 8/16/24/32-bit integer or 32-bit float";
        match self {
            Self::Unreadable(error) => write!(f, "{error}"),
            Self::NotWav(what) => write!(f, "not a WAV file ({what})"),
            Self::OtherFormat(format) if format.starts_with("Ogg") => write!(
                f,
                "this is an {format} file, not WAV or FLAC; decode it first (Ogg Opus: `opusdec IN.opus OUT.wav`, \
                 from opus-tools; any Ogg: `ffmpeg -i IN OUT.wav`)"
            ),
            Self::OtherFormat(format) => {
                write!(f, "this is a {format} file, not WAV or FLAC; convert it first (e.g. `ffmpeg -i IN OUT.wav`)")
            }
            Self::Flac(what) => write!(f, "not a valid FLAC file ({what})"),
            Self::FlacLengthUnknown => {
                f.write_str("this FLAC stream does not state its length (written to a pipe?); re-encode it with `flac`")
            }
            Self::UnsupportedWav(what) => write!(f, "this WAV format is not supported ({what}); {FORMATS}"),
            Self::Wav(error) => write!(f, "{error}"),
            Self::UnsupportedSamples { bits, float } => {
                let kind = if *float { "float" } else { "integer" };
                write!(f, "{bits}-bit {kind} samples are not supported; {FORMATS}")
            }
            Self::UnsupportedChannels(channels) => {
                write!(f, "{channels} channels; only mono and stereo are supported")
            }
            Self::UnsupportedRate(hz) => {
                let (low, high) = HOST_RATE_RANGE_HZ;
                write!(f, "sample rate {hz} Hz is not supported; use {low} to {high} Hz")
            }
            Self::Truncated => f.write_str("the file is truncated (it ends before its header says)"),
            Self::NoAudio => f.write_str("the file holds no audio (its data chunk is empty)"),
            Self::Empty => f.write_str("the file is empty (0 bytes)"),
            Self::OverFourGib => {
                f.write_str("this streaming WAV holds more than the 4 GiB a WAV can state; split it into parts")
            }
            Self::TruncatedAudio { present_seconds, declared_seconds } => write!(
                f,
                "the file is truncated: its header declares {declared_seconds:.2} s of audio, only \
                 {present_seconds:.2} s are there"
            ),
            Self::NoStats(error) => write!(f, "{error}; render first, or pass the rendered WAV"),
            Self::BadStats(error) => write!(f, "{error}"),
            Self::StatsVersion { found, read } => write!(f, "stats version {found} (this build reads {read})"),
            Self::NotTheInputOf(rendered) => {
                write!(f, "it does not match '{}' (not the input of that render?)", rendered.display())
            }
            Self::LossTrace(error) => write!(f, "{error}"),
            Self::MushraResults(problem) => write!(f, "{problem}"),
        }
    }
}

impl AppError {
    /// An input error about `path`.
    pub fn input(path: &Path, problem: InputProblem) -> Self {
        Self::Input { path: path.to_path_buf(), problem }
    }

    /// An output error about `path`.
    pub fn output(path: &Path, reason: impl fmt::Display) -> Self {
        Self::Output { path: path.to_path_buf(), reason: reason.to_string() }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Usage(_) => EXIT_USAGE,
            Self::Input { .. } | Self::SomeFailed { .. } => EXIT_INPUT,
            Self::Output { .. } => EXIT_OUTPUT,
            Self::Device(_) => EXIT_DEVICE,
            Self::Engine(_) | Self::Internal(_) => EXIT_INTERNAL,
            Self::Interrupted(_) => crate::interrupt::EXIT_INTERRUPTED,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, always: multi-line causes are folded so that scripts can grep the message.
        let one_line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        match self {
            Self::Usage(reason) => write!(f, "{}", one_line(reason)),
            Self::Input { path, problem } => {
                write!(f, "cannot use input '{}': {}", path.display(), one_line(&problem.to_string()))
            }
            Self::Output { path, reason } => {
                write!(f, "cannot write output '{}': {}", path.display(), one_line(reason))
            }
            Self::Device(reason) => write!(f, "{}", one_line(reason)),
            Self::Engine(error) => write!(f, "the engine refused: {}", one_line(&error.to_string())),
            Self::Internal(reason) => write!(f, "internal error: {}", one_line(reason)),
            Self::SomeFailed { failed, total, results } => {
                write!(
                    f,
                    "{failed} of {total} files could not be rendered; their rows in '{}' say why",
                    results.display()
                )
            }
            Self::Interrupted(kept) => write!(f, "interrupted: {}", one_line(kept)),
        }
    }
}

impl std::error::Error for AppError {}

/// The result of a command.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_has_its_exit_code_and_says_it_in_one_line() {
        let truncated = AppError::input(
            Path::new("a.wav"),
            InputProblem::TruncatedAudio { present_seconds: 1.5, declared_seconds: 10.0 },
        );
        assert_eq!(truncated.exit_code(), EXIT_INPUT);
        assert_eq!(
            truncated.to_string(),
            "cannot use input 'a.wav': the file is truncated: its header declares 10.00 s of audio, only 1.50 s are there"
        );
        let engine = AppError::Engine(EngineError::UnsupportedChannels(3));
        assert_eq!(engine.exit_code(), EXIT_INTERNAL);
        assert!(engine.to_string().starts_with("the engine refused: "), "{engine}");
        let samples = InputProblem::UnsupportedSamples { bits: 64, float: true };
        assert!(samples.to_string().starts_with("64-bit float samples are not supported"), "{samples}");
        let folded = AppError::Usage("two\n  lines".into());
        assert_eq!((folded.exit_code(), folded.to_string().as_str()), (EXIT_USAGE, "two lines"));
    }
}
