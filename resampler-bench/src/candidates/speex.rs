//! The speexdsp resampler (what opusenc and many VoIP stacks use), as `speexdsp-resampler`'s
//! pure-Rust port: a polyphase windowed-sinc FIR, one mono state per channel. (One state of two
//! channels, fed by channel index as speexdsp's C is, came out distorted in this port: a 1 kHz tone
//! at 44.1 → 48 kHz left a residue at −21 dB, where a mono state leaves −137 dB.)

use crate::candidate::{BLOCK_FRAMES, CHANNELS, MAX_OUTPUT_FRAMES};
use crate::{Candidate, Direction};

/// speexdsp at one quality level (0–10).
pub struct Speex {
    states: Vec<speexdsp_resampler::State>,
    quality: usize,
    /// One block of each channel, then its output, one channel after the other.
    planar_in: Vec<f32>,
    planar_out: Vec<f32>,
}

impl std::fmt::Debug for Speex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Speex").field("quality", &self.quality).finish_non_exhaustive()
    }
}

impl Speex {
    /// The lowest quality that meets the bar: speexdsp's highest (its filters at 9 and below pass
    /// less than 20 kHz at 44.1 kHz: 0.945 of the Nyquist frequency, 20.8 kHz, but with a
    /// transition band that reaches into it).
    pub const QUALITY: usize = 10;

    pub fn new(direction: Direction, quality: usize) -> Self {
        let (from, to) = direction.rates();
        let states = (0..CHANNELS)
            .map(|_| {
                speexdsp_resampler::State::new(1, from as usize, to as usize, quality)
                    .expect("speexdsp takes 44.1 ↔ 48 kHz")
            })
            .collect();
        Self {
            states,
            quality,
            planar_in: vec![0.0; BLOCK_FRAMES * CHANNELS],
            planar_out: vec![0.0; MAX_OUTPUT_FRAMES * CHANNELS],
        }
    }
}

impl Candidate for Speex {
    fn name(&self) -> String {
        format!("speexdsp (Rust port 0.1), quality {}", self.quality)
    }

    fn process(&mut self, input: &[f32], output: &mut [f32]) -> usize {
        let frames = input.len() / CHANNELS;
        let mut written = 0;
        for (channel, state) in self.states.iter_mut().enumerate() {
            let planar_in = &mut self.planar_in[channel * BLOCK_FRAMES..][..frames];
            for (sample, frame) in planar_in.iter_mut().zip(input.chunks_exact(CHANNELS)) {
                *sample = frame[channel];
            }
            let planar_out = &mut self.planar_out[channel * MAX_OUTPUT_FRAMES..][..MAX_OUTPUT_FRAMES];
            let (_, out) = state.process_float(0, planar_in, planar_out).unwrap_or((0, 0));
            for (frame, &sample) in output.chunks_exact_mut(CHANNELS).zip(&planar_out[..out]) {
                frame[channel] = sample;
            }
            written = out;
        }
        written
    }
}
