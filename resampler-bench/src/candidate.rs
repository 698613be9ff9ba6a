//! One resampler behind one interface: interleaved stereo in, whatever is ready out.

/// Channels every candidate runs with: the engine's common case.
pub const CHANNELS: usize = 2;

/// The host block the engine is fed in the bench and the tests.
pub const BLOCK_FRAMES: usize = 64;

/// The most frames any candidate writes for one block: room for a block at 48/44.1 plus what a
/// block-based candidate releases at once (rubato's 160, soxr's and r8brain's internal blocks).
pub const MAX_OUTPUT_FRAMES: usize = 8192;

/// Which way a candidate converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// 44.1 kHz host input to the codec's 48 kHz.
    Up,
    /// The codec's 48 kHz back to the 44.1 kHz host.
    Down,
}

impl Direction {
    /// Both directions, in the order the engine runs them.
    pub const BOTH: [Self; 2] = [Self::Up, Self::Down];

    /// Input and output rates in hertz.
    pub fn rates(self) -> (u32, u32) {
        match self {
            Self::Up => (44_100, 48_000),
            Self::Down => (48_000, 44_100),
        }
    }

    /// "44.1 → 48 kHz".
    pub fn label(self) -> &'static str {
        match self {
            Self::Up => "44.1 → 48 kHz",
            Self::Down => "48 → 44.1 kHz",
        }
    }
}

/// A streaming stereo resampler. Creation allocates; [`Candidate::process`] is what is timed.
pub trait Candidate {
    /// Library, version and settings, for the tables.
    fn name(&self) -> String;

    /// Resamples `input` (interleaved stereo, at most [`BLOCK_FRAMES`] frames) and writes the
    /// frames that are ready to the front of `output` (interleaved, room for
    /// [`MAX_OUTPUT_FRAMES`]); returns how many frames it wrote.
    fn process(&mut self, input: &[f32], output: &mut [f32]) -> usize;
}
