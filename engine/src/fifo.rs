//! A fixed-capacity FIFO of interleaved samples between two stages of the pipeline.

use std::collections::VecDeque;

/// Samples waiting between two stages. Built on `VecDeque`, whose capacity is reserved at
/// creation; the engine sizes every FIFO for its worst case, so pushes never reallocate (the
/// allocation-counting tests would see it if one did).
#[derive(Debug, Clone)]
pub struct SampleFifo {
    samples: VecDeque<f32>,
}

impl SampleFifo {
    /// A FIFO able to hold `capacity` samples. This allocates.
    pub fn with_capacity(capacity: usize) -> Self {
        Self { samples: VecDeque::with_capacity(capacity) }
    }

    /// Samples held.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether no samples are held.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Appends `samples`.
    pub fn push(&mut self, samples: &[f32]) {
        self.samples.extend(samples);
    }

    /// Appends `count` zeros.
    pub fn push_zeros(&mut self, count: usize) {
        self.samples.extend(std::iter::repeat_n(0.0, count));
    }

    /// Moves the oldest `out.len()` samples into `out`; returns how many there were. Missing
    /// samples are left untouched in `out`.
    pub fn pop_into(&mut self, out: &mut [f32]) -> usize {
        let count = out.len().min(self.samples.len());
        for (slot, sample) in out.iter_mut().zip(self.samples.drain(..count)) {
            *slot = sample;
        }
        count
    }

    /// Moves everything into `other`.
    pub fn drain_into(&mut self, other: &mut Self) {
        other.samples.extend(self.samples.drain(..));
    }

    /// Drops every sample. Keeps the capacity.
    pub fn clear(&mut self) {
        self.samples.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_come_out_in_order_and_short_reads_say_so() {
        let mut fifo = SampleFifo::with_capacity(8);
        fifo.push_zeros(2);
        fifo.push(&[1.0, 2.0, 3.0]);
        let mut out = [9.0; 4];
        assert_eq!(fifo.pop_into(&mut out), 4);
        assert_eq!(out, [0.0, 0.0, 1.0, 2.0]);
        let mut out = [9.0; 3];
        assert_eq!(fifo.pop_into(&mut out), 1);
        assert_eq!(out, [3.0, 9.0, 9.0]);
        assert!(fifo.is_empty());
    }
}
