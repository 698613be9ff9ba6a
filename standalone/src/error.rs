//! The app's errors: each says in one line what went wrong and what to do, and maps to an exit
//! code a script can test.

use std::fmt;
use std::path::{Path, PathBuf};

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
    Input { path: PathBuf, reason: String },
    /// An output file could not be written.
    Output { path: PathBuf, reason: String },
    /// No usable audio device.
    Device(String),
    /// The engine or codec refused.
    Internal(String),
}

impl AppError {
    /// An input error about `path`.
    pub fn input(path: &Path, reason: impl fmt::Display) -> Self {
        Self::Input { path: path.to_path_buf(), reason: reason.to_string() }
    }

    /// An output error about `path`.
    pub fn output(path: &Path, reason: impl fmt::Display) -> Self {
        Self::Output { path: path.to_path_buf(), reason: reason.to_string() }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Usage(_) => EXIT_USAGE,
            Self::Input { .. } => EXIT_INPUT,
            Self::Output { .. } => EXIT_OUTPUT,
            Self::Device(_) => EXIT_DEVICE,
            Self::Internal(_) => EXIT_INTERNAL,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, always: multi-line causes are folded so that scripts can grep the message.
        let one_line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        match self {
            Self::Usage(reason) => write!(f, "{}", one_line(reason)),
            Self::Input { path, reason } => write!(f, "cannot use input '{}': {}", path.display(), one_line(reason)),
            Self::Output { path, reason } => {
                write!(f, "cannot write output '{}': {}", path.display(), one_line(reason))
            }
            Self::Device(reason) => write!(f, "{}", one_line(reason)),
            Self::Internal(reason) => write!(f, "internal error: {}", one_line(reason)),
        }
    }
}

impl std::error::Error for AppError {}

/// The result of a command.
pub type Result<T, E = AppError> = std::result::Result<T, E>;
