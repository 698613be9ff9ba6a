//! Fixed-ratio resampling between the host rate and the codec rate, with rubato's synchronous
//! FFT resampler: fixed chunk sizes on both sides, all buffers allocated at creation, and an
//! integer delay in output samples (half the FFT block), which the engine's latency includes.

use rubato::audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Resampler as _};

/// Chunk sizes tried, smallest first; rubato rounds each to a multiple of the smallest block the
/// rate pair allows. Smaller chunks mean less delay and (measured) less CPU, but rubato's
/// anti-aliasing filter narrows with the FFT block, so the smallest chunk that still passes the
/// audio band is taken. Every rate from 8 to 192 kHz passes by 2048; the larger ones serve high
/// ratios (768 kHz to 48 kHz is 16 : 1, 2 MHz 125 : 3) and hosts below 8 kHz.
const CHUNK_CANDIDATES_FRAMES: [usize; 9] = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16_384];

/// The band a resampler must pass: Opus's fullband (20 kHz), or 90 % of the lower Nyquist
/// frequency where that is lower.
fn required_passband_hz(from_hz: u32, to_hz: u32) -> f32 {
    (0.45 * from_hz.min(to_hz) as f32).min(20_000.0)
}

/// Why a resampler could not be built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResamplerError {
    /// rubato refused the rate pair.
    Rejected { from_hz: u32, to_hz: u32, cause: rubato::ResamplerConstructionError },
    /// Even the largest chunk in [`CHUNK_CANDIDATES_FRAMES`] gives a filter narrower than the
    /// band the codec needs.
    NarrowPassband { from_hz: u32, to_hz: u32, required_hz: f32 },
}

impl std::fmt::Display for ResamplerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rejected { from_hz, to_hz, cause } => {
                write!(f, "cannot resample {from_hz} Hz to {to_hz} Hz: {cause}")
            }
            Self::NarrowPassband { from_hz, to_hz, required_hz } => {
                write!(f, "no resampler from {from_hz} Hz to {to_hz} Hz passes {required_hz:.0} Hz")
            }
        }
    }
}

impl std::error::Error for ResamplerError {}

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
    /// One chunk of input and of output, one channel after the other: rubato reads and writes
    /// such buffers with plain slice copies, which measured cheaper than its strided access to
    /// interleaved ones.
    planar_in: Vec<f32>,
    planar_out: Vec<f32>,
}

impl std::fmt::Debug for ChunkResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkResampler")
            .field("channels", &self.channels)
            .field("in_frames", &self.in_frames)
            .field("out_frames", &self.out_frames)
            .field("delay_input_frames", &self.delay_input_frames())
            .finish()
    }
}

impl ChunkResampler {
    /// A resampler from `from_hz` to `to_hz` with the smallest chunk whose filter passes
    /// [`required_passband_hz`]. This allocates.
    pub fn new(from_hz: u32, to_hz: u32, channels: usize) -> Result<Self, ResamplerError> {
        let build = |chunk| {
            Fft::<f32>::new(from_hz as usize, to_hz as usize, chunk, channels, FixedSync::Both)
                .map_err(|cause| ResamplerError::Rejected { from_hz, to_hz, cause })
        };
        let required = required_passband_hz(from_hz, to_hz);
        let mut chunks = CHUNK_CANDIDATES_FRAMES.iter();
        // rubato's cutoff is relative to the input's Nyquist frequency.
        let inner = loop {
            let Some(&chunk) = chunks.next() else {
                return Err(ResamplerError::NarrowPassband { from_hz, to_hz, required_hz: required });
            };
            let candidate = build(chunk)?;
            if candidate.cutoff() * from_hz as f32 / 2.0 >= required {
                break candidate;
            }
        };
        let (in_frames, out_frames) = (inner.input_frames_next(), inner.output_frames_next());
        let (mut planar_in, mut planar_out) = (vec![0.0; in_frames * channels], vec![0.0; out_frames * channels]);
        // Map the pages now rather than in the first audio callback.
        planar_in.fill(0.0);
        planar_out.fill(0.0);
        Ok(Self { inner, channels, in_frames, out_frames, planar_in, planar_out })
    }

    /// The highest frequency the anti-aliasing filter passes, in hertz.
    pub fn passband_hz(&self, from_hz: u32) -> f32 {
        self.inner.cutoff() * from_hz as f32 / 2.0
    }

    /// Frames consumed per [`ChunkResampler::process`] call.
    pub fn in_frames(&self) -> usize {
        self.in_frames
    }

    /// Frames produced per call.
    pub fn out_frames(&self) -> usize {
        self.out_frames
    }

    /// The delay in *input* frames: an impulse at input frame `t` comes out at the output
    /// instant of input frame `t + delay_input_frames()`. rubato centres its filter on its FFT
    /// block, `fft_size_in / 2` input frames in (rounded down for odd blocks such as 147 at
    /// 44.1 kHz), which is a whole number of input frames but generally not of output frames;
    /// `output_delay()` rounds it to output frames, so the exact figure is taken from here.
    pub fn delay_input_frames(&self) -> usize {
        self.inner.fft_size_in() / 2
    }

    /// Resamples exactly one chunk: `input` holds `in_frames` interleaved frames, `output`
    /// receives `out_frames`. Never allocates. Returns `false` (and writes silence) if rubato
    /// refuses, which only wrong lengths can cause.
    pub fn process(&mut self, input: &[f32], output: &mut [f32]) -> bool {
        let (channels, in_frames, out_frames) = (self.channels, self.in_frames, self.out_frames);
        if input.len() != in_frames * channels || output.len() != out_frames * channels {
            output.fill(0.0);
            return false;
        }
        match channels {
            1 => self.planar_in.copy_from_slice(input),
            2 => deinterleave_stereo(input, &mut self.planar_in),
            _ => deinterleave_any(input, &mut self.planar_in, in_frames),
        }
        let done = SequentialSlice::new(&self.planar_in[..], channels, in_frames).ok().and_then(|input| {
            let mut output = SequentialSlice::new_mut(&mut self.planar_out[..], channels, out_frames).ok()?;
            self.inner.process_into_buffer(&input, &mut output, None).ok()
        });
        if done.is_none() {
            output.fill(0.0);
            return false;
        }
        match channels {
            1 => output.copy_from_slice(&self.planar_out),
            2 => interleave_stereo(&self.planar_out, output),
            _ => interleave_any(&self.planar_out, output, out_frames),
        }
        true
    }

    /// Clears the filter history. Never allocates.
    pub fn reset(&mut self) {
        self.inner.reset();
    }
}

// Stereo, the common case, has copies of its own: with the channel count known at compile time
// the compiler turns the strided loads and stores into shuffles, and the run-time stride of the
// general copies had made them 40 % of this resampler's own time at 44.1 kHz.

/// Interleaved stereo into the left channel, then the right.
fn deinterleave_stereo(interleaved: &[f32], planar: &mut [f32]) {
    let (left, right) = planar.split_at_mut(interleaved.len() / 2);
    for ((frame, left), right) in interleaved.chunks_exact(2).zip(left).zip(right) {
        (*left, *right) = (frame[0], frame[1]);
    }
}

/// The left channel, then the right, into interleaved stereo.
fn interleave_stereo(planar: &[f32], interleaved: &mut [f32]) {
    let (left, right) = planar.split_at(interleaved.len() / 2);
    for ((frame, &left), &right) in interleaved.chunks_exact_mut(2).zip(left).zip(right) {
        (frame[0], frame[1]) = (left, right);
    }
}

/// Interleaved `frames` into one channel after the other (each channel `frames` long).
fn deinterleave_any(interleaved: &[f32], planar: &mut [f32], frames: usize) {
    let channels = planar.len() / frames;
    for (channel_idx, planar) in planar.chunks_exact_mut(frames).enumerate() {
        for (sample, frame) in planar.iter_mut().zip(interleaved.chunks_exact(channels)) {
            *sample = frame[channel_idx];
        }
    }
}

/// One channel after the other (each `frames` long) into interleaved frames.
fn interleave_any(planar: &[f32], interleaved: &mut [f32], frames: usize) {
    let channels = planar.len() / frames;
    for (channel_idx, planar) in planar.chunks_exact(frames).enumerate() {
        for (&sample, frame) in planar.iter().zip(interleaved.chunks_exact_mut(channels)) {
            frame[channel_idx] = sample;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where a band-limited pulse centred on input frame `centre` peaks in the output, in output
    /// frames (parabolic interpolation).
    fn pulse_peak(resampler: &mut ChunkResampler, from_hz: u32, centre: usize) -> f64 {
        let mut input = vec![0.0f32; from_hz as usize];
        let cutoff = (8_000.0 / f64::from(from_hz)).min(0.2);
        let half_width = (4.0 / cutoff) as usize;
        for (n, sample) in input.iter_mut().enumerate().take(centre + half_width + 1).skip(centre - half_width) {
            let x = std::f64::consts::TAU * cutoff * (n as f64 - centre as f64);
            let sinc = if x == 0.0 { 1.0 } else { x.sin() / x };
            let window = 0.5 + 0.5 * (std::f64::consts::PI * (n as f64 - centre as f64) / half_width as f64).cos();
            *sample = (sinc * window) as f32;
        }
        let mut output = Vec::new();
        let mut chunk = vec![0.0f32; resampler.out_frames()];
        for piece in input.chunks_exact(resampler.in_frames()) {
            resampler.process(piece, &mut chunk);
            output.extend_from_slice(&chunk);
        }
        let i = output.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
        let (a, b, c) = (f64::from(output[i - 1]), f64::from(output[i]), f64::from(output[i + 1]));
        i as f64 + 0.5 * (a - c) / (a - 2.0 * b + c)
    }

    #[test]
    fn the_delay_is_a_whole_number_of_input_frames_as_reported() {
        for (from, to) in [(44_100, 48_000), (48_000, 44_100), (22_050, 48_000), (48_000, 176_400), (96_000, 48_000)] {
            let mut resampler = ChunkResampler::new(from, to, 1).unwrap();
            let centre = from as usize / 2;
            let peak = pulse_peak(&mut resampler, from, centre);
            let expected = (centre + resampler.delay_input_frames()) as f64 * f64::from(to) / f64::from(from);
            assert!((peak - expected).abs() < 0.05, "{from} → {to}: peak at {peak:.3}, expected {expected:.3}");
        }
    }

    #[test]
    fn every_channel_is_resampled_alone_and_stays_in_its_place() {
        for channels in [2, 3] {
            for (from, to) in [(44_100, 48_000), (48_000, 44_100)] {
                let mut together = ChunkResampler::new(from, to, channels).unwrap();
                let mut alone: Vec<ChunkResampler> =
                    (0..channels).map(|_| ChunkResampler::new(from, to, 1).unwrap()).collect();
                let (in_frames, out_frames) = (together.in_frames(), together.out_frames());
                // Each channel a tone of its own, long enough to fill the filter's history.
                let input: Vec<f32> = (0..in_frames * channels * 4)
                    .map(|i| ((i / channels) as f32 * 0.01 * (i % channels + 1) as f32).sin())
                    .collect();
                let mut output = vec![0.0; out_frames * channels];
                let mut channel_out = vec![0.0; out_frames];
                for chunk in input.chunks_exact(in_frames * channels) {
                    assert!(together.process(chunk, &mut output));
                    for (channel_idx, resampler) in alone.iter_mut().enumerate() {
                        let channel_in: Vec<f32> = chunk.iter().skip(channel_idx).step_by(channels).copied().collect();
                        assert!(resampler.process(&channel_in, &mut channel_out));
                        let interleaved = output.iter().skip(channel_idx).step_by(channels);
                        assert!(
                            interleaved.eq(channel_out.iter()),
                            "{channels} channels, {from} → {to}: channel {channel_idx}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_resampler_passes_the_audio_band() {
        for host_hz in [11_025, 22_050, 32_000, 44_100, 88_200, 96_000, 176_400, 192_000] {
            for (from, to) in [(host_hz, 48_000), (48_000, host_hz)] {
                let resampler = ChunkResampler::new(from, to, 2).unwrap();
                let passband = resampler.passband_hz(from);
                assert!(passband >= required_passband_hz(from, to), "{from} → {to}: {passband:.0} Hz");
            }
        }
    }
}
