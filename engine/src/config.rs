//! What an engine is created for (host rate, channels, longest block), the limits on each, and
//! why creation can fail.

use std::fmt;

use crate::resampler::ResamplerError;

/// Lowest and highest host rates, in hertz: from telephone-bandwidth experiments to DXD and
/// beyond. The top is above any rate a host runs at, because hosts' validators try odd rates:
/// Steinberg's VST3 validator activates at 1,234,567.8 Hz and fails a plugin that refuses it.
pub const HOST_RATE_RANGE_HZ: (u32, u32) = (1_000, 2_000_000);

/// The largest `max_block_frames` accepted. Longer host blocks are still processed, in pieces.
pub const MAX_BLOCK_FRAMES: usize = 1 << 16;

/// What the engine is created for; fixed until it is created again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineConfig {
    /// The host's sample rate, 1 kHz to 2 MHz.
    pub sample_rate_hz: u32,
    /// 1 (mono) or 2 (stereo, interleaved).
    pub channels: usize,
    /// The longest block the host will pass, 1 to [`MAX_BLOCK_FRAMES`]. Longer blocks still
    /// work; they are processed in pieces of this size.
    pub max_block_frames: usize,
}

impl EngineConfig {
    /// Checks every field against its limits.
    pub fn validate(&self) -> Result<(), EngineError> {
        if !(HOST_RATE_RANGE_HZ.0..=HOST_RATE_RANGE_HZ.1).contains(&self.sample_rate_hz) {
            return Err(EngineError::UnsupportedSampleRate(self.sample_rate_hz));
        }
        if !(1..=2).contains(&self.channels) {
            return Err(EngineError::UnsupportedChannels(self.channels));
        }
        if self.max_block_frames == 0 || self.max_block_frames > MAX_BLOCK_FRAMES {
            return Err(EngineError::UnsupportedMaxBlock(self.max_block_frames));
        }
        Ok(())
    }
}

/// Why an engine could not be created.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineError {
    /// The host rate is outside [`HOST_RATE_RANGE_HZ`].
    UnsupportedSampleRate(u32),
    /// Not 1 or 2 channels.
    UnsupportedChannels(usize),
    /// `max_block_frames` is 0 or above [`MAX_BLOCK_FRAMES`].
    UnsupportedMaxBlock(usize),
    /// libopus refused to create a state.
    Codec(roundtrip_codec::Error),
    /// The resampler could not be built for this rate.
    Resampler(ResamplerError),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedSampleRate(hz) => write!(
                f,
                "sample rate {hz} Hz is not supported; use a rate from {} to {} Hz",
                HOST_RATE_RANGE_HZ.0, HOST_RATE_RANGE_HZ.1
            ),
            Self::UnsupportedChannels(n) => write!(f, "{n} channels are not supported; use mono or stereo"),
            Self::UnsupportedMaxBlock(n) => {
                write!(f, "a maximum block of {n} frames is not supported; use 1 to {MAX_BLOCK_FRAMES}")
            }
            Self::Codec(error) => write!(f, "{error}"),
            Self::Resampler(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for EngineError {}

impl From<roundtrip_codec::Error> for EngineError {
    fn from(error: roundtrip_codec::Error) -> Self {
        Self::Codec(error)
    }
}
