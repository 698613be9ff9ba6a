//! Errors: libopus's own codes, exactly, plus the ones this crate detects before calling into C.

use std::fmt;

use opusic_sys as sys;

/// What went wrong. The first seven variants mirror libopus's `OPUS_*` error constants one to one
/// (see `include/opus_defines.h`); the rest are checks this crate makes before it calls into C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `OPUS_BAD_ARG` (-1): one or more invalid or out-of-range arguments.
    BadArg,
    /// `OPUS_BUFFER_TOO_SMALL` (-2): not enough bytes in the output buffer.
    BufferTooSmall,
    /// `OPUS_INTERNAL_ERROR` (-3): an internal libopus error.
    InternalError,
    /// `OPUS_INVALID_PACKET` (-4): the compressed data passed is corrupted.
    InvalidPacket,
    /// `OPUS_UNIMPLEMENTED` (-5): the request is not implemented in this build.
    Unimplemented,
    /// `OPUS_INVALID_STATE` (-6): the state structure is invalid or already freed.
    InvalidState,
    /// `OPUS_ALLOC_FAIL` (-7): memory allocation failed.
    AllocFail,
    /// A negative code that libopus 1.6 does not define; kept so that nothing is lost.
    Unknown(i32),

    /// The sample rate is not one Opus codes at (8, 12, 16, 24 or 48 kHz).
    UnsupportedSampleRate(u32),
    /// The channel count is not 1 or 2.
    UnsupportedChannels(usize),
    /// A PCM slice does not hold a whole number of frames of a legal Opus duration
    /// (2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms).
    BadFrameSize(usize),
    /// A caller-provided buffer is shorter than the call needs.
    BufferLength {
        /// How many elements the call needs.
        needed: usize,
        /// How many it was given.
        given: usize,
    },
    /// A fixed arena has not enough free bytes left for a state.
    ArenaExhausted {
        /// Bytes the state needs, including alignment padding.
        needed: usize,
        /// Bytes the arena still has free.
        available: usize,
    },
    /// A caller-implemented allocator returned memory that breaks the requested layout.
    MisalignedAllocation {
        /// The alignment that was asked for.
        align: usize,
    },
}

impl ErrorCode {
    /// Maps a negative libopus return value to its variant.
    pub fn from_opus(code: i32) -> Self {
        match code {
            sys::OPUS_BAD_ARG => Self::BadArg,
            sys::OPUS_BUFFER_TOO_SMALL => Self::BufferTooSmall,
            sys::OPUS_INTERNAL_ERROR => Self::InternalError,
            sys::OPUS_INVALID_PACKET => Self::InvalidPacket,
            sys::OPUS_UNIMPLEMENTED => Self::Unimplemented,
            sys::OPUS_INVALID_STATE => Self::InvalidState,
            sys::OPUS_ALLOC_FAIL => Self::AllocFail,
            other => Self::Unknown(other),
        }
    }

    /// The libopus constant this variant mirrors, or `None` for this crate's own checks.
    pub fn opus_code(self) -> Option<i32> {
        match self {
            Self::BadArg => Some(sys::OPUS_BAD_ARG),
            Self::BufferTooSmall => Some(sys::OPUS_BUFFER_TOO_SMALL),
            Self::InternalError => Some(sys::OPUS_INTERNAL_ERROR),
            Self::InvalidPacket => Some(sys::OPUS_INVALID_PACKET),
            Self::Unimplemented => Some(sys::OPUS_UNIMPLEMENTED),
            Self::InvalidState => Some(sys::OPUS_INVALID_STATE),
            Self::AllocFail => Some(sys::OPUS_ALLOC_FAIL),
            Self::Unknown(code) => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::BadArg => f.write_str("invalid argument (OPUS_BAD_ARG); check the value's documented range"),
            Self::BufferTooSmall => f.write_str(
                "output buffer too small (OPUS_BUFFER_TOO_SMALL); pass a larger buffer, e.g. MAX_PACKET_BYTES",
            ),
            Self::InternalError => f.write_str("libopus internal error (OPUS_INTERNAL_ERROR); please report it"),
            Self::InvalidPacket => f.write_str("corrupted or truncated packet (OPUS_INVALID_PACKET); treat it as lost"),
            Self::Unimplemented => {
                f.write_str("not implemented in this libopus build (OPUS_UNIMPLEMENTED); the feature was compiled out")
            }
            Self::InvalidState => f.write_str("invalid codec state (OPUS_INVALID_STATE); create a new one"),
            Self::AllocFail => f.write_str("libopus could not allocate memory (OPUS_ALLOC_FAIL)"),
            Self::Unknown(code) => write!(f, "unknown libopus error code {code}"),
            Self::UnsupportedSampleRate(hz) => write!(
                f,
                "sample rate {hz} Hz is not an Opus rate; use 8000, 12000, 16000, 24000 or 48000 (or resample)"
            ),
            Self::UnsupportedChannels(n) => write!(f, "{n} channels are not supported; use 1 (mono) or 2 (stereo)"),
            Self::BadFrameSize(samples) => write!(
                f,
                "{samples} samples per channel is not an Opus frame; use 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms"
            ),
            Self::BufferLength { needed, given } => {
                write!(f, "buffer holds {given} elements but the call needs {needed}; pass a longer slice")
            }
            Self::ArenaExhausted { needed, available } => write!(
                f,
                "arena exhausted: a state needs {needed} bytes but only {available} are free; create a larger arena"
            ),
            Self::MisalignedAllocation { align } => write!(
                f,
                "the allocator returned memory not aligned to {align} bytes; fix the allocator implementation"
            ),
        }
    }
}

/// An error together with the call that produced it, e.g. `opus_encode_float`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    function: &'static str,
    code: ErrorCode,
}

impl Error {
    /// An error from `function` (a libopus function name, or one of this crate's).
    pub const fn new(function: &'static str, code: ErrorCode) -> Self {
        Self { function, code }
    }

    /// The function that failed.
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// What went wrong.
    pub fn code(&self) -> ErrorCode {
        self.code
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.function, self.code)
    }
}

impl std::error::Error for Error {}

/// The result of every fallible call in this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Turns a libopus return value into `Ok(value)` when it is non-negative and into an `Error`
/// naming `function` otherwise. One place for the rule "negative means error".
pub(crate) fn check(function: &'static str, ret: i32) -> Result<i32> {
    if ret < 0 { Err(Error::new(function, ErrorCode::from_opus(ret))) } else { Ok(ret) }
}
