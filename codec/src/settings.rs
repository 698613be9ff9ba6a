//! Typed values for libopus's integer CTL arguments, so that an illegal value cannot be passed.

use opusic_sys as sys;

use crate::error::{Error, ErrorCode, Result};

/// The sample rates Opus codes at directly.
pub const OPUS_SAMPLE_RATES_HZ: [u32; 5] = [8_000, 12_000, 16_000, 24_000, 48_000];

/// The largest packet libopus's encoder ever writes: `opus_encode_native` caps its output at
/// `1276 * 6` bytes (six 20 ms frames of at most 1276 bytes make a 120 ms packet; see
/// `src/opus_encoder.c`). An output buffer this long never gets `OPUS_BUFFER_TOO_SMALL`.
pub const MAX_PACKET_BYTES: usize = 1276 * 6;

/// Frames are multiples of 2.5 ms: this many of them make 120 ms, the longest packet.
pub const MAX_FRAME_QUARTER_MS: usize = 48;

/// The longest frame in milliseconds.
pub const MAX_FRAME_MS: f32 = 120.0;

/// Checks that `sample_rate_hz` is one Opus codes at.
pub fn check_sample_rate(function: &'static str, sample_rate_hz: u32) -> Result<u32> {
    if OPUS_SAMPLE_RATES_HZ.contains(&sample_rate_hz) {
        Ok(sample_rate_hz)
    } else {
        Err(Error::new(function, ErrorCode::UnsupportedSampleRate(sample_rate_hz)))
    }
}

/// Samples per channel in 2.5 ms at `sample_rate_hz` (an Opus rate, so this is exact).
pub const fn samples_per_2_5_ms(sample_rate_hz: u32) -> usize {
    sample_rate_hz as usize / 400
}

/// Whether `samples_per_channel` is a legal Opus frame at `sample_rate_hz`:
/// 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms.
pub fn is_frame_size(sample_rate_hz: u32, samples_per_channel: usize) -> bool {
    let quantum = samples_per_2_5_ms(sample_rate_hz);
    quantum > 0
        && samples_per_channel.is_multiple_of(quantum)
        && matches!(samples_per_channel / quantum, 1 | 2 | 4 | 8 | 16 | 24 | 32 | 40 | 48)
}

/// Whether `samples_per_channel` is a positive multiple of 2.5 ms up to 120 ms, which is what
/// libopus accepts for concealment and FEC decoding.
pub fn is_concealment_size(sample_rate_hz: u32, samples_per_channel: usize) -> bool {
    let quantum = samples_per_2_5_ms(sample_rate_hz);
    quantum > 0
        && samples_per_channel.is_multiple_of(quantum)
        && (1..=MAX_FRAME_QUARTER_MS).contains(&(samples_per_channel / quantum))
}

/// Mono or stereo: the only layouts a plain Opus stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channels {
    /// One channel.
    Mono = 1,
    /// Two channels, interleaved left/right.
    Stereo = 2,
}

impl Channels {
    /// The channel count.
    pub const fn count(self) -> usize {
        self as usize
    }
}

impl TryFrom<usize> for Channels {
    type Error = Error;

    fn try_from(count: usize) -> Result<Self> {
        match count {
            1 => Ok(Self::Mono),
            2 => Ok(Self::Stereo),
            other => Err(Error::new("Channels::try_from", ErrorCode::UnsupportedChannels(other))),
        }
    }
}

/// The encoder's intended use (`OPUS_APPLICATION_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Application {
    /// Best for most VoIP and video-conference speech (`OPUS_APPLICATION_VOIP`).
    Voip,
    /// Best for broadcast and high-fidelity music and mixed content (`OPUS_APPLICATION_AUDIO`).
    Audio,
    /// Lowest delay: CELT only, no speech-optimised modes (`OPUS_APPLICATION_RESTRICTED_LOWDELAY`).
    RestrictedLowDelay,
}

impl Application {
    pub(crate) const fn raw(self) -> i32 {
        match self {
            Self::Voip => sys::OPUS_APPLICATION_VOIP,
            Self::Audio => sys::OPUS_APPLICATION_AUDIO,
            Self::RestrictedLowDelay => sys::OPUS_APPLICATION_RESTRICTED_LOWDELAY,
        }
    }

    pub(crate) fn from_raw(function: &'static str, raw: i32) -> Result<Self> {
        match raw {
            sys::OPUS_APPLICATION_VOIP => Ok(Self::Voip),
            sys::OPUS_APPLICATION_AUDIO => Ok(Self::Audio),
            sys::OPUS_APPLICATION_RESTRICTED_LOWDELAY => Ok(Self::RestrictedLowDelay),
            other => Err(Error::new(function, ErrorCode::Unknown(other))),
        }
    }
}

/// Audio bandwidth (`OPUS_BANDWIDTH_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bandwidth {
    /// 4 kHz audio bandwidth.
    Narrowband,
    /// 6 kHz.
    Mediumband,
    /// 8 kHz.
    Wideband,
    /// 12 kHz.
    Superwideband,
    /// 20 kHz.
    Fullband,
}

impl Bandwidth {
    /// Every bandwidth, narrowest first.
    pub const ALL: [Self; 5] =
        [Self::Narrowband, Self::Mediumband, Self::Wideband, Self::Superwideband, Self::Fullband];

    pub(crate) const fn raw(self) -> i32 {
        match self {
            Self::Narrowband => sys::OPUS_BANDWIDTH_NARROWBAND,
            Self::Mediumband => sys::OPUS_BANDWIDTH_MEDIUMBAND,
            Self::Wideband => sys::OPUS_BANDWIDTH_WIDEBAND,
            Self::Superwideband => sys::OPUS_BANDWIDTH_SUPERWIDEBAND,
            Self::Fullband => sys::OPUS_BANDWIDTH_FULLBAND,
        }
    }

    /// Maps a libopus `OPUS_BANDWIDTH_*` value; `None` for anything else (e.g. `OPUS_AUTO`).
    pub fn from_raw(raw: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|bandwidth| bandwidth.raw() == raw)
    }

    /// The abbreviation RFC 6716 uses (§2, Table 1), for people: `NB`, `MB`, `WB`, `SWB`, `FB`.
    pub const fn abbreviation(self) -> &'static str {
        match self {
            Self::Narrowband => "NB",
            Self::Mediumband => "MB",
            Self::Wideband => "WB",
            Self::Superwideband => "SWB",
            Self::Fullband => "FB",
        }
    }

    /// The audio bandwidth in hertz.
    pub const fn audio_hz(self) -> u32 {
        match self {
            Self::Narrowband => 4_000,
            Self::Mediumband => 6_000,
            Self::Wideband => 8_000,
            Self::Superwideband => 12_000,
            Self::Fullband => 20_000,
        }
    }
}

/// A hint about the content (`OPUS_SET_SIGNAL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Let the encoder decide (`OPUS_AUTO`).
    Auto,
    /// Speech (`OPUS_SIGNAL_VOICE`).
    Voice,
    /// Music (`OPUS_SIGNAL_MUSIC`).
    Music,
}

impl Signal {
    pub(crate) const fn raw(self) -> i32 {
        match self {
            Self::Auto => sys::OPUS_AUTO,
            Self::Voice => sys::OPUS_SIGNAL_VOICE,
            Self::Music => sys::OPUS_SIGNAL_MUSIC,
        }
    }

    pub(crate) fn from_raw(function: &'static str, raw: i32) -> Result<Self> {
        match raw {
            sys::OPUS_AUTO => Ok(Self::Auto),
            sys::OPUS_SIGNAL_VOICE => Ok(Self::Voice),
            sys::OPUS_SIGNAL_MUSIC => Ok(Self::Music),
            other => Err(Error::new(function, ErrorCode::Unknown(other))),
        }
    }
}

/// The target bitrate (`OPUS_SET_BITRATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bitrate {
    /// libopus picks from the sample rate and channel count (`OPUS_AUTO`).
    Auto,
    /// As many bits as the packet size allows (`OPUS_BITRATE_MAX`).
    Max,
    /// Bits per second, 500 to 512,000 (libopus clamps outside 6 k–510 k to what it can do).
    BitsPerSecond(i32),
}

impl Bitrate {
    pub(crate) const fn raw(self) -> i32 {
        match self {
            Self::Auto => sys::OPUS_AUTO,
            Self::Max => sys::OPUS_BITRATE_MAX,
            Self::BitsPerSecond(bps) => bps,
        }
    }
}

/// How the encoder spends bits over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateControl {
    /// Constant bitrate: every packet the same size (`OPUS_SET_VBR(0)`).
    Cbr,
    /// Unconstrained variable bitrate (`OPUS_SET_VBR(1)`, `OPUS_SET_VBR_CONSTRAINT(0)`).
    Vbr,
    /// VBR that never exceeds the CBR budget over a frame (libopus's default).
    ConstrainedVbr,
}

/// How long each packet is (`OPUS_SET_EXPERT_FRAME_DURATION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameDuration {
    /// Take the duration of whatever PCM is passed to `encode` (`OPUS_FRAMESIZE_ARG`).
    FromInput,
    /// 2.5 ms.
    Ms2_5,
    /// 5 ms.
    Ms5,
    /// 10 ms.
    Ms10,
    /// 20 ms.
    Ms20,
    /// 40 ms.
    Ms40,
    /// 60 ms.
    Ms60,
    /// 80 ms.
    Ms80,
    /// 100 ms.
    Ms100,
    /// 120 ms.
    Ms120,
}

impl FrameDuration {
    /// Every fixed duration, shortest first.
    pub const FIXED: [Self; 9] =
        [Self::Ms2_5, Self::Ms5, Self::Ms10, Self::Ms20, Self::Ms40, Self::Ms60, Self::Ms80, Self::Ms100, Self::Ms120];

    const RAW: [(Self, i32); 10] = [
        (Self::FromInput, sys::OPUS_FRAMESIZE_ARG),
        (Self::Ms2_5, sys::OPUS_FRAMESIZE_2_5_MS),
        (Self::Ms5, sys::OPUS_FRAMESIZE_5_MS),
        (Self::Ms10, sys::OPUS_FRAMESIZE_10_MS),
        (Self::Ms20, sys::OPUS_FRAMESIZE_20_MS),
        (Self::Ms40, sys::OPUS_FRAMESIZE_40_MS),
        (Self::Ms60, sys::OPUS_FRAMESIZE_60_MS),
        (Self::Ms80, sys::OPUS_FRAMESIZE_80_MS),
        (Self::Ms100, sys::OPUS_FRAMESIZE_100_MS),
        (Self::Ms120, sys::OPUS_FRAMESIZE_120_MS),
    ];

    pub(crate) fn raw(self) -> i32 {
        Self::RAW.iter().find(|(duration, _)| *duration == self).map_or(sys::OPUS_FRAMESIZE_ARG, |&(_, raw)| raw)
    }

    pub(crate) fn from_raw(function: &'static str, raw: i32) -> Result<Self> {
        Self::RAW
            .iter()
            .find(|&&(_, value)| value == raw)
            .map(|&(duration, _)| duration)
            .ok_or(Error::new(function, ErrorCode::Unknown(raw)))
    }

    /// The duration in quarter-of-10-ms units (2.5 ms); `None` for [`Self::FromInput`].
    pub fn quarters_2_5_ms(self) -> Option<usize> {
        match self {
            Self::FromInput => None,
            Self::Ms2_5 => Some(1),
            Self::Ms5 => Some(2),
            Self::Ms10 => Some(4),
            Self::Ms20 => Some(8),
            Self::Ms40 => Some(16),
            Self::Ms60 => Some(24),
            Self::Ms80 => Some(32),
            Self::Ms100 => Some(40),
            Self::Ms120 => Some(48),
        }
    }

    /// The duration in milliseconds; `None` for [`Self::FromInput`].
    pub fn millis(self) -> Option<f32> {
        self.quarters_2_5_ms().map(|quarters| quarters as f32 * 2.5)
    }

    /// Samples per channel at `sample_rate_hz`; `None` for [`Self::FromInput`].
    pub fn samples(self, sample_rate_hz: u32) -> Option<usize> {
        self.quarters_2_5_ms().map(|quarters| quarters * samples_per_2_5_ms(sample_rate_hz))
    }
}
