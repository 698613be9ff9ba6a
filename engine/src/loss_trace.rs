//! A recorded network pattern replayed in place of the loss model (and the jitter): which packets
//! were lost and, in a delay trace, how late each other one came.
//!
//! A loss pattern's text form is the one libopus's `opus_demo -lossfile` reads: whitespace-
//! separated decimal integers, one per packet, non-zero meaning lost (so `-1` is lost, as
//! `fscanf("%d")` reads it). Where `opus_demo` silently stops at the first word that is not an
//! integer and treats the packets after as received, a trace here refuses such a file and names
//! the word.
//!
//! A delay trace's text form is one word per packet: its network delay in ms beyond the path's
//! fixed delay (a decimal number, 0 or more; the receiver's playout delay counts from there), or
//! `lost`. The delays are taken as they are written, so that a trace written by a render
//! replays it exactly; a measured trace that still holds the path's fixed delay should have its
//! smallest delay taken off first. A trace shorter than the audio repeats from its start.

use std::io::Read;
use std::path::Path;

/// A loss pattern: whether each packet, in order, is lost, and in a delay trace how late each
/// came. Never empty.
#[derive(Debug, Clone, PartialEq)]
pub struct LossTrace {
    lost: Box<[bool]>,
    lost_count: usize,
    /// Each packet's delay in ms (0 for a lost one), for a delay trace,
    delays_ms: Option<Box<[f64]>>,
    /// and the smallest and largest delay of those that arrive (found once, not per look).
    delay_range_ms: Option<(f64, f64)>,
}

/// The longest delay a delay trace may give a packet: 1,000 s. Any packet later than the
/// deepest playout delay is late; a larger number is more likely a wrong unit or column.
pub const MAX_TRACE_DELAY_MS: f64 = 1_000_000.0;

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
    /// In a delay trace, a word that is neither a delay in ms (0 to [`MAX_TRACE_DELAY_MS`])
    /// nor `lost`, with its line (from 1).
    NotADelay { line: usize, word: String },
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
            Self::Empty => f.write_str("the trace holds no packets"),
            Self::NotAnInteger { line, word } => {
                let shown: String = word.chars().take(40).collect();
                write!(
                    f,
                    "line {line}: '{shown}' is not an integer (a loss trace holds one integer per packet, 0 = received)"
                )?;
                // A delay trace's words: name the way to read one.
                if shown.eq_ignore_ascii_case("lost") || shown.parse::<f64>().is_ok() {
                    f.write_str("; a trace of delays in ms and 'lost' reads as a delay trace")?;
                }
                Ok(())
            }
            Self::NotADelay { line, word } => {
                let shown: String = word.chars().take(40).collect();
                let why = if shown.starts_with('-') { "a negative delay" } else { "not a delay" };
                write!(
                    f,
                    "line {line}: '{shown}' is {why} (a delay trace holds one delay per packet, in ms from 0 to \
                     {MAX_TRACE_DELAY_MS}, or 'lost')"
                )
            }
            Self::TooLarge { bytes } => {
                let limit = MAX_TRACE_FILE_BYTES >> 20;
                write!(
                    f,
                    "the trace holds over {limit} MiB ({bytes} bytes read or stated); at most {limit} MiB is read"
                )
            }
            Self::Unreadable(error) => write!(f, "cannot read the trace: {error}"),
            Self::NotText => f.write_str("the trace is not text (one number or word per packet)"),
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
        Ok(Self { lost: lost.into_boxed_slice(), lost_count, delays_ms: None, delay_range_ms: None })
    }

    /// A delay trace: each packet's delay in ms, `None` for a lost one. [`LossTraceError::Empty`]
    /// without packets; a delay that is not a number from 0 to [`MAX_TRACE_DELAY_MS`] is
    /// refused as [`LossTraceError::NotADelay`] on line 0.
    pub fn with_delays(delays: Vec<Option<f64>>) -> Result<Self, LossTraceError> {
        if let Some(bad) = delays.iter().flatten().find(|delay| !(0.0..=MAX_TRACE_DELAY_MS).contains(*delay)) {
            return Err(LossTraceError::NotADelay { line: 0, word: bad.to_string() });
        }
        let mut trace = Self::new(delays.iter().map(Option::is_none).collect())?;
        trace.delay_range_ms = delays.iter().flatten().fold(None, |range, &delay| match range {
            None => Some((delay, delay)),
            Some((low, high)) => Some((f64::min(low, delay), f64::max(high, delay))),
        });
        trace.delays_ms = Some(delays.into_iter().map(|delay| delay.unwrap_or(0.0)).collect());
        Ok(trace)
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

    /// Reads the text form of a delay trace (see the module's documentation).
    pub fn parse_delays(text: &str) -> Result<Self, LossTraceError> {
        let mut delays = Vec::new();
        for (index, line) in text.lines().enumerate() {
            for word in line.split_whitespace() {
                if word.eq_ignore_ascii_case("lost") {
                    delays.push(None);
                    continue;
                }
                // Plain decimals only: Rust's float syntax also takes "inf" and "NaN".
                let decimal = word.bytes().all(|byte| byte.is_ascii_digit() || b".eE+-".contains(&byte));
                match word.parse::<f64>() {
                    Ok(delay) if decimal && (0.0..=MAX_TRACE_DELAY_MS).contains(&delay) => delays.push(Some(delay)),
                    _ => return Err(LossTraceError::NotADelay { line: index + 1, word: word.to_owned() }),
                }
            }
        }
        Self::with_delays(delays)
    }

    /// Reads a loss-pattern file (see [`LossTrace::read_text`]).
    pub fn read(path: &Path) -> Result<Self, LossTraceError> {
        Self::parse(&Self::read_text(path)?)
    }

    /// Reads a delay-trace file (see [`LossTrace::read_text`]).
    pub fn read_delays(path: &Path) -> Result<Self, LossTraceError> {
        Self::parse_delays(&Self::read_text(path)?)
    }

    /// Reads a trace file's text, refusing one over [`MAX_TRACE_FILE_BYTES`]: a file that says
    /// so before it is read, and a pipe or device (which state no length) once that much is read.
    fn read_text(path: &Path) -> Result<String, LossTraceError> {
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
        String::from_utf8(data).map_err(|_| LossTraceError::NotText)
    }

    /// The text form, one packet a line: `0` or `1`, or for a delay trace the delay (written
    /// to read back exactly) or `lost`.
    pub fn to_text(&self) -> String {
        match &self.delays_ms {
            None => self.lost.iter().map(|&lost| if lost { "1\n" } else { "0\n" }).collect(),
            Some(delays) => self
                .lost
                .iter()
                .zip(delays)
                .map(|(&lost, delay)| if lost { "lost\n".to_owned() } else { format!("{delay}\n") })
                .collect(),
        }
    }

    /// Whether the trace gives each packet's delay (a delay trace), not only its loss.
    pub fn has_delays(&self) -> bool {
        self.delays_ms.is_some()
    }

    /// The delay in ms the trace gives packet `index` (from 0, the trace repeating): `None` for a
    /// loss pattern, which leaves delays to the jitter settings, and 0 for a lost packet.
    pub fn delay_ms(&self, index: u64) -> Option<f64> {
        let delays = self.delays_ms.as_ref()?;
        Some(delays[(index % delays.len() as u64) as usize])
    }

    /// The smallest and largest delay of the packets that arrive, for a delay trace with any.
    pub fn delay_range_ms(&self) -> Option<(f64, f64)> {
        self.delay_range_ms
    }

    /// Whether this delay trace looks like a loss pattern read as delays: nothing lost, and
    /// every delay 0 or 1 ms.
    pub fn looks_like_a_loss_pattern(&self) -> bool {
        self.lost_count == 0
            && self.delay_range_ms.is_some_and(|(low, high)| low >= 0.0 && high <= 1.0)
            && self.delays_ms.as_ref().is_some_and(|delays| delays.iter().all(|&delay| delay == 0.0 || delay == 1.0))
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
    fn delay_traces_read_their_delays_and_losses_and_write_them_back_exactly() {
        let trace = LossTrace::parse_delays("12.5 0\nLOST 3e1\n0.30000000000000004 lost").unwrap();
        assert!(trace.has_delays());
        let delays: Vec<Option<f64>> = (0..7).map(|index| trace.delay_ms(index)).collect();
        assert_eq!(
            delays,
            [Some(12.5), Some(0.0), Some(0.0), Some(30.0), Some(0.30000000000000004), Some(0.0), Some(12.5)]
        );
        let lost: Vec<bool> = (0..6).map(|index| trace.is_lost(index)).collect();
        assert_eq!(lost, [false, false, true, false, false, true]);
        assert_eq!(trace.delay_range_ms(), Some((0.0, 30.0)));
        assert_eq!(LossTrace::parse_delays(&trace.to_text()).unwrap(), trace);
        assert_eq!(LossTrace::parse("0 1").unwrap().delay_ms(0), None, "a loss pattern leaves delays to jitter");
        for (text, line, word) in
            [("1 -2", 1, "-2"), ("1\nx", 2, "x"), ("inf", 1, "inf"), ("NaN", 1, "NaN"), ("2e6", 1, "2e6")]
        {
            match LossTrace::parse_delays(text) {
                Err(LossTraceError::NotADelay { line: found_line, word: found_word }) => {
                    assert_eq!((found_line, found_word.as_str()), (line, word), "{text:?}");
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert!(LossTrace::parse_delays("1 -2").unwrap_err().to_string().contains("negative delay"));
        assert!(LossTrace::parse_delays("0 1 1 0").unwrap().looks_like_a_loss_pattern());
        assert!(!LossTrace::parse_delays("0 1 lost 0").unwrap().looks_like_a_loss_pattern());
        assert!(!trace.looks_like_a_loss_pattern());
        let hint = LossTrace::parse("0 lost").unwrap_err().to_string();
        assert!(hint.contains("delay trace"), "{hint}");
        assert!(matches!(LossTrace::parse_delays(" \n"), Err(LossTraceError::Empty)));
        assert!(matches!(LossTrace::with_delays(vec![Some(f64::NAN)]), Err(LossTraceError::NotADelay { .. })));
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
