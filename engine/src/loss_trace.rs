//! A recorded loss pattern, one flag per packet, replayed in place of a loss model.
//!
//! The text form is the one libopus's `opus_demo -lossfile` reads: whitespace-separated decimal
//! integers, one per packet, non-zero meaning lost (so `-1` is lost, as `fscanf("%d")` reads it).
//! Where `opus_demo` silently stops at the first word that is not an integer and treats the
//! packets after as received, a trace here refuses such a file and names the word. A trace
//! shorter than the audio repeats from its start.

use std::io::Read;
use std::path::Path;

/// A loss pattern: whether each packet, in order, is lost. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LossTrace {
    lost: Box<[bool]>,
    lost_count: usize,
}

/// The most bytes a trace file may hold: 64 MiB, some 33 million packets of `0\n`, which is
/// 23 hours of 2.5 ms packets. A bigger file is more likely a wrong path than a trace.
pub const MAX_TRACE_FILE_BYTES: u64 = 64 << 20;

/// Why a text is not a loss trace.
#[derive(Debug)]
pub enum LossTraceError {
    /// No packets: the text is empty or only whitespace.
    Empty,
    /// A word that is not a decimal integer, with its line (from 1).
    NotAnInteger { line: usize, word: String },
    /// The file is larger than [`MAX_TRACE_FILE_BYTES`].
    TooLarge { bytes: u64 },
    /// The file could not be read.
    Unreadable(std::io::Error),
    /// The file is not UTF-8 text.
    NotText,
}

impl std::fmt::Display for LossTraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => f.write_str("the loss trace holds no packets"),
            Self::NotAnInteger { line, word } => {
                let shown: String = word.chars().take(40).collect();
                write!(
                    f,
                    "line {line}: '{shown}' is not an integer (a loss trace holds one integer per packet, 0 = received)"
                )
            }
            Self::TooLarge { bytes } => {
                let limit = MAX_TRACE_FILE_BYTES >> 20;
                write!(
                    f,
                    "the loss trace holds over {limit} MiB ({bytes} bytes read or stated); at most {limit} MiB is read"
                )
            }
            Self::Unreadable(error) => write!(f, "cannot read the loss trace: {error}"),
            Self::NotText => f.write_str("the loss trace is not text (one integer per packet, 0 = received)"),
        }
    }
}

impl std::error::Error for LossTraceError {}

impl LossTrace {
    /// A trace of `lost` flags, or [`LossTraceError::Empty`].
    pub fn new(lost: Vec<bool>) -> Result<Self, LossTraceError> {
        if lost.is_empty() {
            return Err(LossTraceError::Empty);
        }
        let lost_count = lost.iter().filter(|&&lost| lost).count();
        Ok(Self { lost: lost.into_boxed_slice(), lost_count })
    }

    /// Reads the text form (see the module's documentation).
    pub fn parse(text: &str) -> Result<Self, LossTraceError> {
        let mut lost = Vec::new();
        for (index, line) in text.lines().enumerate() {
            for word in line.split_whitespace() {
                let digits = word.strip_prefix(['+', '-']).unwrap_or(word);
                if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                    return Err(LossTraceError::NotAnInteger { line: index + 1, word: word.to_owned() });
                }
                // Any length of digits is an integer; only whether one is non-zero matters.
                lost.push(digits.bytes().any(|byte| byte != b'0'));
            }
        }
        Self::new(lost)
    }

    /// Reads a trace file, refusing one over [`MAX_TRACE_FILE_BYTES`]: a file that says so
    /// before it is read, and a pipe or device (which state no length) once that much is read.
    pub fn read(path: &Path) -> Result<Self, LossTraceError> {
        let file = std::fs::File::open(path).map_err(LossTraceError::Unreadable)?;
        let bytes = file.metadata().map_err(LossTraceError::Unreadable)?.len();
        if bytes > MAX_TRACE_FILE_BYTES {
            return Err(LossTraceError::TooLarge { bytes });
        }
        let mut data = Vec::new();
        file.take(MAX_TRACE_FILE_BYTES + 1).read_to_end(&mut data).map_err(LossTraceError::Unreadable)?;
        if data.len() as u64 > MAX_TRACE_FILE_BYTES {
            return Err(LossTraceError::TooLarge { bytes: data.len() as u64 });
        }
        let text = String::from_utf8(data).map_err(|_| LossTraceError::NotText)?;
        Self::parse(&text)
    }

    /// The text form: `0` or `1` per packet, one a line.
    pub fn to_text(&self) -> String {
        self.lost.iter().map(|&lost| if lost { "1\n" } else { "0\n" }).collect()
    }

    /// Packets in the trace (at least 1).
    pub fn len(&self) -> usize {
        self.lost.len()
    }

    /// Never true: a trace holds at least one packet.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Packets the trace loses.
    pub fn lost_count(&self) -> usize {
        self.lost_count
    }

    /// The share of packets lost, in percent.
    pub fn loss_percent(&self) -> f32 {
        (100.0 * self.lost_count as f64 / self.lost.len() as f64) as f32
    }

    /// Whether packet `index` (from 0) is lost, the trace repeating.
    pub fn is_lost(&self, index: u64) -> bool {
        self.lost[(index % self.lost.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opus_demo_files_read_as_opus_demo_reads_them() {
        let trace = LossTrace::parse("0 0 1\n\t2\r\n-1 +0 000 0010\n").unwrap();
        let flags: Vec<bool> = (0..8).map(|index| trace.is_lost(index)).collect();
        assert_eq!(flags, [false, false, true, true, true, false, false, true]);
        assert_eq!((trace.len(), trace.lost_count()), (8, 4));
        assert_eq!(trace.loss_percent(), 50.0);
        // Digits beyond any integer type are still one integer.
        assert!(LossTrace::parse("99999999999999999999999999").unwrap().is_lost(0));
    }

    #[test]
    fn a_short_trace_repeats_and_its_text_reads_back() {
        let trace = LossTrace::new(vec![true, false, false]).unwrap();
        assert!(trace.is_lost(0) && trace.is_lost(3) && trace.is_lost(300) && !trace.is_lost(301));
        assert_eq!(trace.to_text(), "1\n0\n0\n");
        assert_eq!(LossTrace::parse(&trace.to_text()).unwrap(), trace);
    }

    #[test]
    fn garbage_and_empty_texts_are_refused_with_the_place() {
        assert!(matches!(LossTrace::parse(""), Err(LossTraceError::Empty)));
        assert!(matches!(LossTrace::parse(" \n\t\n"), Err(LossTraceError::Empty)));
        for (text, line, word) in [("0 1\n0 x\n", 2, "x"), ("1.5", 1, "1.5"), ("0\n\n-\n", 3, "-"), ("0,1", 1, "0,1")] {
            match LossTrace::parse(text) {
                Err(LossTraceError::NotAnInteger { line: found_line, word: found_word }) => {
                    assert_eq!((found_line, found_word.as_str()), (line, word), "{text:?}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let message = LossTrace::parse("0\nlost\n").unwrap_err().to_string();
        assert!(message.contains("line 2") && message.contains("'lost'"), "{message}");
    }

    #[test]
    fn files_too_large_unreadable_or_binary_are_refused() {
        let dir = std::env::temp_dir().join(format!("roundtrip-loss-trace-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let huge = dir.join("huge.txt");
        let file = std::fs::File::create(&huge).unwrap();
        // A sparse file: its length is what is checked, before any byte is read.
        file.set_len(MAX_TRACE_FILE_BYTES + 1).unwrap();
        // Closed before the folder is removed: Windows keeps open files.
        drop(file);
        assert!(matches!(LossTrace::read(&huge), Err(LossTraceError::TooLarge { .. })));
        // A device states no length: the limit holds as it is read.
        #[cfg(unix)]
        assert!(matches!(LossTrace::read(Path::new("/dev/zero")), Err(LossTraceError::TooLarge { .. })));
        assert!(matches!(LossTrace::read(&dir.join("missing.txt")), Err(LossTraceError::Unreadable(_))));
        let binary = dir.join("binary.txt");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        assert!(matches!(LossTrace::read(&binary), Err(LossTraceError::NotText)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
