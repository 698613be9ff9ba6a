//! The RIFF layout around a WAV file's audio, for what `hound` does not do: it refuses a
//! streaming WAV (recorders and pipes, not knowing the length, write 0xFFFFFFFF or 0 as the data
//! size) and cannot say how much audio a truncated file holds. Here the data chunk is found, its
//! real length measured, and the size patched on the fly for `hound`; a file that is not RIFF
//! at all is named by its first bytes.

use std::io::{self, Read, Seek, SeekFrom};

/// The data sizes that mean "unknown length, read to the end".
const STREAMING_SIZES: [u32; 2] = [u32::MAX, 0];

/// Where a WAV file's audio is, and how much of it there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataChunk {
    /// Offset of the chunk's 4-byte size field.
    size_field_at: u64,
    /// The size the header declares, in bytes.
    pub declared_bytes: u32,
    /// The bytes of audio actually present after the chunk header.
    pub present_bytes: u64,
    /// Bytes per sample frame (the `fmt` chunk's block align), 0 if no `fmt` came first.
    pub block_align: u16,
}

impl DataChunk {
    /// Whether the header leaves the length open (a streaming WAV).
    pub fn is_streaming(&self) -> bool {
        STREAMING_SIZES.contains(&self.declared_bytes) && self.present_bytes > 0
    }

    /// Whether the file ends before the audio its header declares.
    pub fn is_truncated(&self) -> bool {
        !self.is_streaming() && self.present_bytes < u64::from(self.declared_bytes)
    }
}

/// Finds the data chunk of a RIFF WAVE file, walking the chunks from the start. `None` when the
/// file is not RIFF WAVE or has no data chunk (`hound` then says why).
pub fn locate_data(file: &mut (impl Read + Seek)) -> io::Result<Option<DataChunk>> {
    let length = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;
    let mut riff = [0; 12];
    if file.read_exact(&mut riff).is_err() || &riff[..4] != b"RIFF" || &riff[8..] != b"WAVE" {
        return Ok(None);
    }
    let mut block_align = 0;
    let mut at = 12u64;
    loop {
        let mut header = [0; 8];
        if file.read_exact(&mut header).is_err() {
            return Ok(None);
        }
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let body = at + 8;
        match &header[..4] {
            b"data" => {
                let present_bytes = length.saturating_sub(body);
                return Ok(Some(DataChunk { size_field_at: at + 4, declared_bytes: size, present_bytes, block_align }));
            }
            b"fmt " => {
                let mut fmt = [0; 14];
                if file.read_exact(&mut fmt).is_ok() {
                    block_align = u16::from_le_bytes([fmt[12], fmt[13]]);
                }
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        at = body + u64::from(size) + u64::from(size & 1);
        file.seek(SeekFrom::Start(at))?;
    }
}

/// `inner` with a streaming data chunk's size replaced by the length present (whole sample
/// frames), so that `hound` reads the audio to the end. Other files pass unchanged.
pub fn with_real_size<R: Read>(inner: R, data: Option<&DataChunk>) -> SizePatched<R> {
    let patch = data.filter(|data| data.is_streaming()).map(|data| {
        let frame = u64::from(data.block_align.max(1));
        let whole = (data.present_bytes / frame * frame).min(u64::from(u32::MAX - 1) / frame * frame);
        (data.size_field_at, (whole as u32).to_le_bytes())
    });
    SizePatched { inner, position: 0, patch }
}

/// A reader with four bytes at one offset replaced.
#[derive(Debug)]
pub struct SizePatched<R> {
    inner: R,
    position: u64,
    patch: Option<(u64, [u8; 4])>,
}

impl<R: Read> Read for SizePatched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        if let Some((at, bytes)) = self.patch {
            for (offset, byte) in buf[..read].iter_mut().enumerate() {
                let index = self.position + offset as u64;
                if (at..at + 4).contains(&index) {
                    *byte = bytes[(index - at) as usize];
                }
            }
        }
        self.position += read as u64;
        Ok(read)
    }
}

/// What a file that is not a WAV file is, from its first bytes, when that is recognisable.
pub fn format_of(head: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    match () {
        () if starts(b"fLaC") => Some("FLAC"),
        () if starts(b"OggS") => Some("Ogg (Opus, Vorbis or FLAC)"),
        () if starts(b"ID3") || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0) => Some("MP3"),
        () if starts(b"FORM") => Some("AIFF"),
        () if starts(b"RF64") || starts(b"BW64") => Some("RF64 (a WAV over 4 GB)"),
        () if starts(b"caff") => Some("CAF"),
        () if head.get(4..8) == Some(b"ftyp") => Some("MP4 or M4A"),
        () => None,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// A 16-bit stereo WAV header with `chunks` before the data, declaring `declared` data
    /// bytes, followed by `present` bytes.
    fn wav(chunks: &[u8], declared: u32, present: usize) -> Vec<u8> {
        let mut bytes = b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x02\0\x80\xbb\0\0\0\xee\x02\0\x04\0\x10\0".to_vec();
        bytes.extend_from_slice(chunks);
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&declared.to_le_bytes());
        bytes.extend((0..present).map(|i| i as u8));
        bytes
    }

    #[test]
    fn the_data_chunk_is_found_past_other_chunks_and_measured() {
        let odd_chunk = b"LIST\x03\0\0\0abc\0";
        let file = wav(odd_chunk, 400, 400);
        let data = locate_data(&mut Cursor::new(&file)).unwrap().unwrap();
        assert_eq!((data.declared_bytes, data.present_bytes, data.block_align), (400, 400, 4));
        assert!(!data.is_streaming() && !data.is_truncated());
        let cut = wav(b"", 400, 150);
        assert!(locate_data(&mut Cursor::new(&cut)).unwrap().unwrap().is_truncated());
        assert_eq!(locate_data(&mut Cursor::new(b"fLaC\0\0\0\0")).unwrap(), None);
    }

    #[test]
    fn a_streaming_size_is_replaced_by_the_whole_frames_present() {
        for declared in STREAMING_SIZES {
            let file = wav(b"", declared, 402);
            let data = locate_data(&mut Cursor::new(&file)).unwrap().unwrap();
            assert!(data.is_streaming());
            let mut patched = Vec::new();
            // Read in small pieces, so that the patch straddles reads.
            let mut reader = with_real_size(Cursor::new(&file), Some(&data));
            let mut piece = [0; 3];
            loop {
                let n = reader.read(&mut piece).unwrap();
                if n == 0 {
                    break;
                }
                patched.extend_from_slice(&piece[..n]);
            }
            let at = file.len() - 402 - 4;
            assert_eq!(&patched[at..at + 4], &400u32.to_le_bytes());
            assert_eq!(&patched[..at], &file[..at]);
            assert_eq!(&patched[at + 4..], &file[at + 4..]);
        }
    }

    #[test]
    fn other_formats_are_named() {
        assert_eq!(format_of(b"fLaC\0\0\0\x22"), Some("FLAC"));
        assert_eq!(format_of(b"ID3\x04"), Some("MP3"));
        assert_eq!(format_of(&[0xFF, 0xFB, 0x90]), Some("MP3"));
        assert_eq!(format_of(b"OggS\0\x02"), Some("Ogg (Opus, Vorbis or FLAC)"));
        assert_eq!(format_of(b"\0\0\0\x20ftypM4A "), Some("MP4 or M4A"));
        assert_eq!(format_of(b"hello"), None);
    }
}
