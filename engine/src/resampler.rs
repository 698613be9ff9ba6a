//! Fixed-ratio resampling between the host rate and the codec rate, with rubato's synchronous
//! FFT resampler: fixed chunk sizes on both sides, all buffers allocated at creation, and an
//! integer delay in output samples (half the FFT block), which the engine's latency includes.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};

/// Input chunk the resampler is asked for; rubato rounds it to a multiple of the smallest block
/// the rate pair allows. About 5 ms at 48 kHz keeps the delay low, and rubato's FFT filter at
/// that size still passes everything below 20 kHz.
const TARGET_CHUNK_FRAMES: usize = 256;

/// One direction of resampling, interleaved in and out.
pub struct ChunkResampler {
    /// rubato's resampler; owns its FFT plans and scratch.
    inner: Fft<f32>,
    /// Channel count.
    channels: usize,
    /// Frames consumed per call.
    in_frames: usize,
    /// Frames produced per call.
    out_frames: usize,
}

impl std::fmt::Debug for ChunkResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkResampler")
            .field("channels", &self.channels)
            .field("in_frames", &self.in_frames)
            .field("out_frames", &self.out_frames)
            .field("delay_half_frames", &self.inner.fft_size_out())
            .finish()
    }
}

impl ChunkResampler {
    /// A resampler from `from_hz` to `to_hz`. This allocates.
    pub fn new(from_hz: u32, to_hz: u32, channels: usize) -> Result<Self, String> {
        let inner = Fft::<f32>::new(from_hz as usize, to_hz as usize, TARGET_CHUNK_FRAMES, channels, FixedSync::Both)
            .map_err(|error| format!("cannot resample {from_hz} Hz to {to_hz} Hz: {error}"))?;
        let (in_frames, out_frames) = (inner.input_frames_next(), inner.output_frames_next());
        Ok(Self { inner, channels, in_frames, out_frames })
    }

    /// Frames consumed per [`ChunkResampler::process`] call.
    pub fn in_frames(&self) -> usize {
        self.in_frames
    }

    /// Frames produced per call.
    pub fn out_frames(&self) -> usize {
        self.out_frames
    }

    /// The delay in *half* output frames: an impulse at input frame 0 peaks at output frame
    /// `delay_half_frames / 2`. rubato's filter is centred on its FFT block, so the delay is
    /// half the block, which is a half-integer when the block is odd (147 frames at 22.05 and
    /// 176.4 kHz); `output_delay()` rounds that down, so the exact figure is taken from the
    /// block size instead.
    pub fn delay_half_frames(&self) -> usize {
        self.inner.fft_size_out()
    }

    /// Resamples exactly one chunk: `input` holds `in_frames` interleaved frames, `output`
    /// receives `out_frames`. Never allocates. Returns `false` (and writes silence) if rubato
    /// refuses, which only wrong lengths can cause.
    pub fn process(&mut self, input: &[f32], output: &mut [f32]) -> bool {
        let done = InterleavedSlice::new(input, self.channels, self.in_frames).ok().and_then(|input| {
            let mut output = InterleavedSlice::new_mut(output, self.channels, self.out_frames).ok()?;
            self.inner.process_into_buffer(&input, &mut output, None).ok()
        });
        if done.is_none() {
            output.fill(0.0);
        }
        done.is_some()
    }

    /// Clears the filter history. Never allocates.
    pub fn reset(&mut self) {
        self.inner.reset();
    }
}
