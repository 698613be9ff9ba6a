//! What a packet holds, read from its bytes without decoding it (RFC 6716 §3.1, the TOC byte).
//!
//! Every Opus packet starts with a table-of-contents byte,
//! [RFC 6716 §3.1](https://www.rfc-editor.org/rfc/rfc6716#section-3.1):
//!
//! ```text
//!  0 1 2 3 4 5 6 7
//! +-+-+-+-+-+-+-+-+
//! | config  |s| c |
//! +-+-+-+-+-+-+-+-+
//! ```
//!
//! `s` is set for stereo, `c` says how many frames follow (one, two equal, two different, or a
//! count in the next byte), and `config` (0 to 31) names the coding mode, the audio bandwidth and
//! the frame duration together (the RFC's Table 2):
//!
//! | config | mode | bandwidth | frame ms |
//! |---|---|---|---|
//! | 0–3, 4–7, 8–11 | SILK only | NB, MB, WB | 10, 20, 40, 60 |
//! | 12–13, 14–15 | hybrid | SWB, FB | 10, 20 |
//! | 16–19, 20–23, 24–27, 28–31 | CELT only | NB, WB, SWB, FB | 2.5, 5, 10, 20 |
//!
//! libopus reads the bandwidth, frame duration and channels for us (`opus_packet_get_*`); it
//! has no public call for the mode, so [`CodingMode::from_toc`] reads it from `config`.

use opusic_sys as sys;

use crate::error::{Error, ErrorCode, Result, check};
use crate::settings::{Bandwidth, Channels, check_sample_rate};

/// Which of Opus's two codecs coded a packet, or both (the TOC's `config`, RFC 6716 §3.1).
/// libopus chooses per frame from the bitrate, bandwidth, signal and settings (DRED, FEC and
/// the application among them), and the choice shapes the quality more than any one setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CodingMode {
    /// SILK only: the linear-prediction speech codec, up to wideband.
    Silk,
    /// SILK below 8 kHz and CELT above it, at super-wideband or fullband.
    Hybrid,
    /// CELT only: the transform codec.
    Celt,
}

impl CodingMode {
    /// Every mode, in the order of their `config` values.
    pub const ALL: [Self; 3] = [Self::Silk, Self::Hybrid, Self::Celt];

    /// The mode a TOC byte names: `config` (its top five bits) 0–11 is SILK only, 12–15 hybrid,
    /// 16–31 CELT only (RFC 6716 §3.1, Table 2). Every byte names one.
    pub const fn from_toc(toc: u8) -> Self {
        match toc >> 3 {
            0..=11 => Self::Silk,
            12..=15 => Self::Hybrid,
            _ => Self::Celt,
        }
    }

    /// The mode's name as the RFC writes it, for people: `SILK`, `hybrid`, `CELT`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Silk => "SILK",
            Self::Hybrid => "hybrid",
            Self::Celt => "CELT",
        }
    }

    /// A stable lower-case key, for tables and scripts: `silk`, `hybrid`, `celt`.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Silk => "silk",
            Self::Hybrid => "hybrid",
            Self::Celt => "celt",
        }
    }
}

/// The facts libopus's `opus_packet_get_*` functions read off a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketInfo {
    /// Samples per channel the packet decodes to, at the rate given to [`PacketInfo::parse`].
    pub samples_per_channel: usize,
    /// Opus frames in the packet (1 to 48).
    pub frames: usize,
    /// Samples per channel in each frame.
    pub samples_per_frame: usize,
    /// The coded bandwidth.
    pub bandwidth: Bandwidth,
    /// The coding mode libopus chose for the packet's frames (all of a packet's frames share
    /// its TOC byte).
    pub mode: CodingMode,
    /// The coded channel count (a stereo decoder may receive mono packets and vice versa).
    pub channels: Channels,
    /// Whether the packet carries in-band FEC (LBRR) for the packet before it.
    pub has_fec: bool,
}

impl PacketInfo {
    /// Reads the packet's table of contents. Borrows `packet`, never allocates.
    pub fn parse(packet: &[u8], sample_rate_hz: u32) -> Result<Self> {
        const NAME: &str = "opus_packet_get_nb_samples";
        check_sample_rate(NAME, sample_rate_hz)?;
        if packet.is_empty() {
            return Err(Error::new(NAME, ErrorCode::InvalidPacket));
        }
        let len = i32::try_from(packet.len()).map_err(|_| Error::new(NAME, ErrorCode::InvalidPacket))?;
        let data = packet.as_ptr();
        // SAFETY: `data` points to `len` readable bytes, at least one, which is all the TOC-only
        // functions below read; the others are bounded by `len`. The same holds for each call below.
        let samples = check(NAME, unsafe { sys::opus_packet_get_nb_samples(data, len, sample_rate_hz as i32) })?;
        // SAFETY: see above.
        let frames = check("opus_packet_get_nb_frames", unsafe { sys::opus_packet_get_nb_frames(data, len) })?;
        // SAFETY: see above.
        let per_frame = unsafe { sys::opus_packet_get_samples_per_frame(data, sample_rate_hz as i32) };
        // SAFETY: see above.
        let raw_bandwidth = unsafe { sys::opus_packet_get_bandwidth(data) };
        // SAFETY: see above.
        let channels = unsafe { sys::opus_packet_get_nb_channels(data) };
        // SAFETY: see above.
        let has_fec = check("opus_packet_has_lbrr", unsafe { sys::opus_packet_has_lbrr(data, len) })? != 0;
        let bandwidth = Bandwidth::from_raw(raw_bandwidth)
            .ok_or(Error::new("opus_packet_get_bandwidth", ErrorCode::InvalidPacket))?;
        let channels = Channels::try_from(channels.max(0) as usize)
            .map_err(|_| Error::new("opus_packet_get_nb_channels", ErrorCode::InvalidPacket))?;
        Ok(Self {
            samples_per_channel: samples as usize,
            frames: frames as usize,
            samples_per_frame: per_frame.max(0) as usize,
            bandwidth,
            mode: CodingMode::from_toc(packet[0]),
            channels,
            has_fec,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-frame mono packet with `config` in its TOC and a few bytes of payload (libopus
    /// reads only the TOC, and the frame length from the packet's length).
    fn packet_of_config(config: u8) -> [u8; 4] {
        [config << 3, 0, 0, 0]
    }

    #[test]
    fn every_toc_config_names_the_mode_and_bandwidth_of_rfc_6716_table_2() {
        use Bandwidth::{Fullband as Fb, Mediumband as Mb, Narrowband as Nb, Superwideband as Swb, Wideband as Wb};
        use CodingMode::{Celt, Hybrid, Silk};
        // Four configs a row (their frame durations), in config order.
        let table =
            [(Silk, Nb), (Silk, Mb), (Silk, Wb), (Hybrid, Swb), (Celt, Nb), (Celt, Wb), (Celt, Swb), (Celt, Fb)];
        let mut expected = Vec::new();
        for (mode, bandwidth) in table {
            // Hybrid has two frame durations per bandwidth, so its row holds SWB and FB.
            let bandwidths = if mode == Hybrid { [Swb, Swb, Fb, Fb] } else { [bandwidth; 4] };
            expected.extend(bandwidths.map(|bandwidth| (mode, bandwidth)));
        }
        for (config, &(mode, bandwidth)) in (0u8..32).zip(&expected) {
            let info = PacketInfo::parse(&packet_of_config(config), 48_000).unwrap();
            assert_eq!((info.mode, info.bandwidth), (mode, bandwidth), "config {config}");
            // The stereo flag and frame count code do not change the mode.
            assert_eq!(CodingMode::from_toc((config << 3) | 0b111), mode, "config {config}");
        }
    }
}
