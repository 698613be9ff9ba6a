//! The RIFF layout around a WAV file's audio, for what `hound` does not do: it refuses a
//! streaming WAV (recorders and pipes, not knowing the length, write 0xFFFFFFFF or 0 as the data
//! size), misreads chunks of odd length (it skips no pad byte), and cannot say how much audio a
//! truncated file holds. Here the chunks are walked as RIFF defines them, the audio's real
//! length measured, and `hound` handed a plain header (format and data size) followed by the
//! audio alone; a file that is not RIFF at all is named by its first bytes.

use std::io::{self, Cursor, Read, Seek, SeekFrom};

/// The data sizes that mean "unknown length, read to the end".
const STREAMING_SIZES: [u32; 2] = [u32::MAX, 0];

/// Where a WAV file's audio is, and how much of it there is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataChunk {
    /// The `fmt` chunk's body, empty if none came before the data.
    fmt: Vec<u8>,
    /// Offset of the first byte of audio.
    start: u64,
    /// The size the header declares, in bytes.
    pub declared_bytes: u32,
    /// The bytes from the audio's start to the end of the file.
    pub present_bytes: u64,
    /// Bytes per sample frame (the `fmt` chunk's block align), 0 if no `fmt` came first.
    pub block_align: u16,
}

impl DataChunk {
    /// Whether the header leaves the length open (a streaming WAV).
    pub fn is_streaming(&self) -> bool {
        STREAMING_SIZES.contains(&self.declared_bytes)
    }

    /// Whether the file ends before the audio its header declares.
    pub fn is_truncated(&self) -> bool {
        !self.is_streaming() && self.present_bytes < u64::from(self.declared_bytes)
    }

    /// The bytes of audio to read: those declared, or for a streaming file all whole frames to
    /// the end (at most what a WAV header can state).
    pub fn audio_bytes(&self) -> u32 {
        if !self.is_streaming() {
            return self.declared_bytes;
        }
        let frame = u64::from(self.block_align.max(1));
        let largest = u64::from(u32::MAX) / frame * frame;
        (self.present_bytes / frame * frame).min(largest) as u32
    }

    /// Whether a streaming file holds more audio than a WAV header can state (4 GiB).
    pub fn is_cut(&self) -> bool {
        self.is_streaming() && self.present_bytes > u64::from(self.audio_bytes()) + u64::from(self.block_align)
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
    let (mut fmt, mut block_align) = (Vec::new(), 0);
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
                return Ok(Some(DataChunk { fmt, start: body, declared_bytes: size, present_bytes, block_align }));
            }
            // A format chunk is 16 to 40 bytes; a larger one is not a WAV that hound reads.
            b"fmt " if (16..=64).contains(&size) => {
                fmt = vec![0; size as usize];
                file.read_exact(&mut fmt)?;
                block_align = u16::from_le_bytes([fmt[12], fmt[13]]);
            }
            _ => {}
        }
        // Chunks are padded to an even length.
        at = body + u64::from(size) + u64::from(size & 1);
        file.seek(SeekFrom::Start(at))?;
    }
}

/// What `hound` reads for `data`: a plain header (the file's format, the audio's size) and then
/// the audio alone, from `file`.
pub fn audio_for_hound<R: Read + Seek>(
    mut file: R,
    data: &DataChunk,
) -> io::Result<io::Chain<Cursor<Vec<u8>>, io::Take<R>>> {
    let size = data.audio_bytes();
    let fmt_len = data.fmt.len() as u32;
    let mut header = b"RIFF".to_vec();
    header.extend_from_slice(&(4 + 8 + fmt_len + (fmt_len & 1) + 8).saturating_add(size).to_le_bytes());
    header.extend_from_slice(b"WAVEfmt ");
    header.extend_from_slice(&fmt_len.to_le_bytes());
    header.extend_from_slice(&data.fmt);
    if fmt_len & 1 == 1 {
        header.push(0);
    }
    header.extend_from_slice(b"data");
    header.extend_from_slice(&size.to_le_bytes());
    file.seek(SeekFrom::Start(data.start))?;
    Ok(Cursor::new(header).chain(file.take(u64::from(size))))
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

    /// What `hound` is given for `file`: its header, then the audio.
    fn given_to_hound(file: &[u8]) -> (DataChunk, Vec<u8>) {
        let data = locate_data(&mut Cursor::new(file)).unwrap().unwrap();
        let mut given = Vec::new();
        audio_for_hound(Cursor::new(file), &data).unwrap().read_to_end(&mut given).unwrap();
        (data, given)
    }

    #[test]
    fn hound_gets_a_plain_header_and_the_audio_alone() {
        // An odd chunk (padded) before the audio, and a chunk after it.
        let mut file = wav(b"LIST\x03\0\0\0abc\0", 400, 400);
        file.extend_from_slice(b"LIST\x04\0\0\0tail");
        let (data, given) = given_to_hound(&file);
        assert_eq!(data.audio_bytes(), 400);
        assert_eq!(&given[12..36], &file[12..36], "the format chunk");
        assert_eq!(&given[36..44], b"data\x90\x01\0\0");
        assert_eq!(&given[44..], &file[file.len() - 412..file.len() - 12], "the audio, without the chunk after it");
    }

    #[test]
    fn a_streaming_file_gives_its_whole_frames_to_the_end() {
        for declared in STREAMING_SIZES {
            let file = wav(b"", declared, 402);
            let (data, given) = given_to_hound(&file);
            assert!(data.is_streaming() && !data.is_truncated() && !data.is_cut());
            assert_eq!(data.audio_bytes(), 400);
            assert_eq!(&given[40..44], &400u32.to_le_bytes());
            assert_eq!(given.len(), 44 + 400);
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
