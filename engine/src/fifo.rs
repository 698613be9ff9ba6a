//! A fixed-capacity FIFO of interleaved samples between two stages of the pipeline.
//!
//! Written here rather than taken from a crate: both ends live on the audio thread, so rtrb's
//! cross-thread atomics would be wasted work, and `VecDeque` has no way to pop into a slice with
//! a copy (it drains element by element), which cost measurably in the engine benchmark.

/// Samples waiting between two stages: a ring over a buffer allocated (and written, so that its
/// pages are mapped) at creation. A push beyond the capacity drops the oldest samples rather
/// than reallocate; the engine sizes every FIFO so that this never happens.
#[derive(Debug, Clone)]
pub struct SampleFifo {
    buffer: Box<[f32]>,
    /// Index of the oldest sample.
    head: usize,
    /// Samples held.
    len: usize,
}

impl SampleFifo {
    /// A FIFO able to hold `capacity` samples. This allocates.
    pub fn with_capacity(capacity: usize) -> Self {
        let mut buffer = vec![0.0; capacity.max(1)].into_boxed_slice();
        // `vec![0.0; n]` may come from zero pages the kernel maps on first write; write them
        // now so that the first audio callback does not take the page faults.
        buffer.fill(0.0);
        Self { buffer, head: 0, len: 0 }
    }

    /// Samples the FIFO can hold.
    pub fn capacity(&self) -> usize {
        self.buffer.len()
    }

    /// Samples held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no samples are held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The free region after the newest sample, as up to two slices.
    fn free_slices(&mut self) -> (&mut [f32], &mut [f32]) {
        let capacity = self.buffer.len();
        let tail = (self.head + self.len) % capacity;
        let free = capacity - self.len;
        if tail + free <= capacity {
            (&mut self.buffer[tail..tail + free], &mut [])
        } else {
            let (front, back) = self.buffer.split_at_mut(tail);
            (back, &mut front[..free - (capacity - tail)])
        }
    }

    /// Appends `samples`. If they do not fit, the oldest samples are dropped to make room.
    pub fn push(&mut self, samples: &[f32]) {
        let samples = &samples[samples.len().saturating_sub(self.capacity())..];
        let overflow = (self.len + samples.len()).saturating_sub(self.capacity());
        self.discard(overflow);
        let (first, second) = self.free_slices();
        let split = first.len().min(samples.len());
        first[..split].copy_from_slice(&samples[..split]);
        second[..samples.len() - split].copy_from_slice(&samples[split..]);
        self.len += samples.len();
    }

    /// Appends `count` zeros (at most the capacity).
    pub fn push_zeros(&mut self, count: usize) {
        let count = count.min(self.capacity());
        self.discard((self.len + count).saturating_sub(self.capacity()));
        let (first, second) = self.free_slices();
        let split = first.len().min(count);
        first[..split].fill(0.0);
        second[..count - split].fill(0.0);
        self.len += count;
    }

    /// Moves the oldest `out.len()` samples into `out`; returns how many there were. Missing
    /// samples are left untouched in `out`.
    pub fn pop_into(&mut self, out: &mut [f32]) -> usize {
        let count = out.len().min(self.len);
        let capacity = self.buffer.len();
        let first = count.min(capacity - self.head);
        out[..first].copy_from_slice(&self.buffer[self.head..self.head + first]);
        out[first..count].copy_from_slice(&self.buffer[..count - first]);
        self.discard(count);
        count
    }

    /// Drops the oldest `count` samples.
    fn discard(&mut self, count: usize) {
        let count = count.min(self.len);
        self.head = (self.head + count) % self.buffer.len();
        self.len -= count;
    }

    /// Drops every sample. Keeps the capacity.
    pub fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
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

    #[test]
    fn the_ring_wraps_and_overflow_drops_the_oldest() {
        let mut fifo = SampleFifo::with_capacity(5);
        let mut out = [0.0; 5];
        for round in 0..7 {
            let base = round as f32 * 10.0;
            fifo.push(&[base, base + 1.0, base + 2.0]);
            assert_eq!(fifo.pop_into(&mut out[..3]), 3);
            assert_eq!(out[..3], [base, base + 1.0, base + 2.0], "round {round}");
        }
        fifo.push(&[1.0, 2.0, 3.0, 4.0]);
        fifo.push(&[5.0, 6.0, 7.0]);
        assert_eq!(fifo.len(), 5);
        assert_eq!(fifo.pop_into(&mut out), 5);
        assert_eq!(out, [3.0, 4.0, 5.0, 6.0, 7.0]);
    }
}
