//! What a packet holds, read from its bytes without decoding it (RFC 6716 §3.1, the TOC byte).

use opusic_sys as sys;

use crate::error::{Error, ErrorCode, Result, check};
use crate::settings::{Bandwidth, Channels, check_sample_rate};

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
            channels,
            has_fec,
        })
    }
}
