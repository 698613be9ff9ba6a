//! Today's resampler: the engine's own `ChunkResampler` (rubato's synchronous FFT resampler at the
//! smallest chunk that passes 20 kHz), fed whole chunks from a FIFO as the engine's pipeline does.

use roundtrip_engine::resampler::ChunkResampler;

use crate::candidate::CHANNELS;
use crate::{Candidate, Direction};

/// rubato in fixed chunks behind an input FIFO.
#[derive(Debug)]
pub struct RubatoFft {
    inner: ChunkResampler,
    /// Input frames waiting for a whole chunk (interleaved), and how many samples it holds.
    pending: Vec<f32>,
    pending_len: usize,
}

impl RubatoFft {
    pub fn new(direction: Direction) -> Self {
        let (from, to) = direction.rates();
        let inner = ChunkResampler::new(from, to, CHANNELS).expect("rubato takes 44.1 ↔ 48 kHz");
        let pending = vec![0.0; inner.in_frames() * CHANNELS];
        Self { inner, pending, pending_len: 0 }
    }
}

impl Candidate for RubatoFft {
    fn name(&self) -> String {
        format!("rubato 5.1 FFT, chunk {} → {}", self.inner.in_frames(), self.inner.out_frames())
    }

    fn process(&mut self, mut input: &[f32], output: &mut [f32]) -> usize {
        let mut written = 0;
        while !input.is_empty() {
            let take = (self.pending.len() - self.pending_len).min(input.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&input[..take]);
            self.pending_len += take;
            input = &input[take..];
            if self.pending_len == self.pending.len() {
                let out_samples = self.inner.out_frames() * CHANNELS;
                self.inner.process(&self.pending, &mut output[written * CHANNELS..][..out_samples]);
                written += self.inner.out_frames();
                self.pending_len = 0;
            }
        }
        written
    }
}
