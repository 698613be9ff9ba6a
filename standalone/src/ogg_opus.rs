//! Ogg Opus files (RFC 7845) through the `ogg` crate: the identification header, the comment
//! header, then the packets, with granule positions counted in 48 kHz samples so that players
//! skip the encoder's delay at the start and trim the padding at the end.

use std::io::{Read, Seek, Write};

use ogg::{PacketReader, PacketWriteEndInfo, PacketWriter};
use roundtrip_codec::PacketInfo;

/// Opus's granule rate: positions count samples at 48 kHz whatever the coded rate.
pub const GRANULE_RATE_HZ: u32 = 48_000;

/// How many packets go on one page at most (about a second of 20 ms packets): pages small
/// enough to seek well, large enough that the Ogg overhead stays near 1 %.
const PACKETS_PER_PAGE: usize = 50;

/// The identification header's fields (RFC 7845 §5.1), for channel mapping family 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusHead {
    /// 1 or 2.
    pub channels: u8,
    /// 48 kHz samples to drop from the start of the decoded stream.
    pub pre_skip: u16,
    /// The sample rate of the original input (informational).
    pub input_rate_hz: u32,
}

impl OpusHead {
    fn to_bytes(self) -> Vec<u8> {
        let mut bytes = b"OpusHead".to_vec();
        bytes.push(1); // version
        bytes.push(self.channels);
        bytes.extend_from_slice(&self.pre_skip.to_le_bytes());
        bytes.extend_from_slice(&self.input_rate_hz.to_le_bytes());
        bytes.extend_from_slice(&0i16.to_le_bytes()); // output gain
        bytes.push(0); // channel mapping family 0: mono or stereo, no mapping table
        bytes
    }

    fn parse(bytes: &[u8]) -> Option<Self> {
        if bytes.len() < 19 || &bytes[..8] != b"OpusHead" || bytes[8] & 0xF0 != 0 {
            return None;
        }
        Some(Self {
            channels: bytes[9],
            pre_skip: u16::from_le_bytes([bytes[10], bytes[11]]),
            input_rate_hz: u32::from_le_bytes([bytes[12], bytes[13], bytes[14], bytes[15]]),
        })
    }
}

/// The comment header (RFC 7845 §5.2): a vendor string and `KEY=value` comments.
fn opus_tags(vendor: &str, comments: &[String]) -> Vec<u8> {
    let mut bytes = b"OpusTags".to_vec();
    let mut field = |text: &[u8]| {
        bytes.extend_from_slice(&(text.len() as u32).to_le_bytes());
        bytes.extend_from_slice(text);
    };
    field(vendor.as_bytes());
    let count = comments.len() as u32;
    bytes.extend_from_slice(&count.to_le_bytes());
    for comment in comments {
        bytes.extend_from_slice(&(comment.len() as u32).to_le_bytes());
        bytes.extend_from_slice(comment.as_bytes());
    }
    bytes
}

/// 48 kHz samples a packet decodes to (0 for an invalid packet): its share of the granule
/// position.
pub fn packet_samples_48k(packet: &[u8]) -> u64 {
    PacketInfo::parse(packet, GRANULE_RATE_HZ).map_or(0, |info| info.samples_per_channel as u64)
}

/// An Ogg Opus stream written packet by packet: the packets in order, as many as cover the
/// real audio, and on the last page the position that trims its padding.
pub struct OggOpusWriter<W: Write> {
    ogg: PacketWriter<'static, W>,
    /// The granule position where the real audio ends (pre-skip included).
    end: u64,
    granule: u64,
    /// Packets written so far.
    written: usize,
    /// The newest packet, held back until the next shows whether it was the last.
    held: Option<(Vec<u8>, u64)>,
    ended: bool,
}

impl<W: Write> std::fmt::Debug for OggOpusWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OggOpusWriter").field("written", &self.written).finish_non_exhaustive()
    }
}

impl<W: Write> OggOpusWriter<W> {
    // Any fixed serial number is valid for a file with one logical stream; a fixed one keeps
    // renders reproducible byte for byte.
    const SERIAL: u32 = 0x4F52_5450; // "ORTP"

    /// Writes the headers; `total_samples` is the real audio after the pre-skip, in 48 kHz
    /// samples.
    pub fn new(writer: W, head: OpusHead, comments: &[String], total_samples: u64) -> std::io::Result<Self> {
        let mut ogg = PacketWriter::new(writer);
        let vendor = format!("Opus Roundtrip {} ({})", env!("CARGO_PKG_VERSION"), roundtrip_codec::libopus_version());
        ogg.write_packet(head.to_bytes(), Self::SERIAL, PacketWriteEndInfo::EndPage, 0)?;
        ogg.write_packet(opus_tags(&vendor, comments), Self::SERIAL, PacketWriteEndInfo::EndPage, 0)?;
        let end = u64::from(head.pre_skip) + total_samples;
        Ok(Self { ogg, end, granule: 0, written: 0, held: None, ended: false })
    }

    /// Adds the next packet. The stream ends with the packet that reaches the end of the real
    /// audio; later ones (the encoder ran on past the input to flush the latency) are left out,
    /// as RFC 7845 allows end trimming within the last packet only.
    pub fn push(&mut self, packet: &[u8]) -> std::io::Result<()> {
        if self.ended {
            return Ok(());
        }
        if let Some((held, position)) = self.held.take() {
            self.write(&held, position, false)?;
        }
        self.granule += packet_samples_48k(packet);
        if self.granule >= self.end {
            // The last page's position marks the end of the real audio (end trimming, §4.4).
            return self.write(packet, self.end, true);
        }
        self.held = Some((packet.to_vec(), self.granule));
        Ok(())
    }

    fn write(&mut self, packet: &[u8], position: u64, last: bool) -> std::io::Result<()> {
        self.written += 1;
        let info = if last {
            self.ended = true;
            PacketWriteEndInfo::EndStream
        } else if self.written.is_multiple_of(PACKETS_PER_PAGE) {
            PacketWriteEndInfo::EndPage
        } else {
            PacketWriteEndInfo::NormalPacket
        };
        self.ogg.write_packet(packet.to_vec(), Self::SERIAL, info, position)
    }

    /// Ends the stream (with the packet held back, if the audio's end was not reached) and
    /// returns how many packets it holds.
    pub fn finish(mut self) -> std::io::Result<usize> {
        if let Some((held, position)) = self.held.take() {
            self.write(&held, position, true)?;
        }
        Ok(self.written)
    }
}

/// An Ogg Opus stream read back.
#[derive(Debug, Clone, PartialEq)]
pub struct OggOpus {
    /// The identification header.
    pub head: OpusHead,
    /// The audio packets, in order.
    pub packets: Vec<Vec<u8>>,
    /// The last granule position: pre-skip plus the 48 kHz samples of real audio.
    pub final_granule: u64,
}

/// Why an Ogg Opus stream cannot be read.
#[derive(Debug)]
pub enum ReadError {
    /// The Ogg layer failed (I/O, a bad page).
    Ogg(ogg::OggReadError),
    /// No packet at all.
    Empty,
    /// The first packet is not an `OpusHead`.
    NoOpusHead,
    /// The second packet is not an `OpusTags`.
    NoOpusTags,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Ogg(error) => write!(f, "{error}"),
            Self::Empty => f.write_str("empty file"),
            Self::NoOpusHead => f.write_str("not an Ogg Opus stream (no OpusHead)"),
            Self::NoOpusTags => f.write_str("no OpusTags header"),
        }
    }
}

impl std::error::Error for ReadError {}

/// Reads an Ogg Opus stream (the first logical stream).
pub fn read<R: Read + Seek>(reader: R) -> Result<OggOpus, ReadError> {
    let mut ogg = PacketReader::new(reader);
    let mut next = || ogg.read_packet().map_err(ReadError::Ogg);
    let head = next()?.ok_or(ReadError::Empty)?;
    let head = OpusHead::parse(&head.data).ok_or(ReadError::NoOpusHead)?;
    let tags = next()?.ok_or(ReadError::NoOpusTags)?;
    if !tags.data.starts_with(b"OpusTags") {
        return Err(ReadError::NoOpusTags);
    }
    let mut packets = Vec::new();
    let mut final_granule = 0;
    while let Some(packet) = next()? {
        final_granule = packet.absgp_page();
        packets.push(packet.data);
    }
    Ok(OggOpus { head, packets, final_granule })
}
