//! Test-only helpers shared by the workspace's tests and benchmarks: reproducible random numbers
//! and block lengths, where an impulse's peak lies, and benchmarks' ratios timed in alternation.

pub mod paired_timing;

/// A fixed-seed xorshift64 generator. Written out (three shifts) rather than taken from a crate
/// so that a failing seed reproduces the same sequence whatever crate versions come later.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (0 is made odd: xorshift never leaves the all-zero state).
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number from 0 to `bound − 1` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }
}

/// Endless block lengths from 1 to `max`, drawn from `seed`: how a host that never calls twice
/// with the same length cuts audio.
pub fn random_blocks(max: usize, seed: u64) -> impl Iterator<Item = usize> {
    let mut random = XorShift::new(seed);
    std::iter::repeat_with(move || 1 + random.below(max as u64) as usize)
}

/// Where the largest magnitude of `signal` lies, to a fraction of a sample: the vertex of the
/// parabola through it and its neighbours.
pub fn peak_position(signal: &[f32]) -> f64 {
    let Some((i, _)) = signal.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())) else {
        return 0.0;
    };
    if i == 0 || i + 1 == signal.len() {
        return i as f64;
    }
    let (a, b, c) = (f64::from(signal[i - 1].abs()), f64::from(signal[i].abs()), f64::from(signal[i + 1].abs()));
    let curvature = a - 2.0 * b + c;
    if curvature == 0.0 { i as f64 } else { i as f64 + 0.5 * (a - c) / curvature }
}

/// Adds a band-limited impulse centred on sample `centre`: a Hann-windowed sinc whose band
/// (at most 8 kHz) passes through every stage, so its peak survives resampling grids that do
/// not contain the exact instant. A bare one-sample click can come out ±1 sample off for that
/// reason alone at 22.05 and 176.4 kHz, although the delay is exact.
pub fn add_pulse(signal: &mut [f32], centre: usize, rate: u32) {
    let cutoff = (8_000.0 / f64::from(rate)).min(0.2);
    let half_width = (4.0 / cutoff) as usize;
    for (n, sample) in signal.iter_mut().enumerate().take(centre + half_width + 1).skip(centre - half_width) {
        let x = n as f64 - centre as f64;
        let sinc = if x == 0.0 {
            1.0
        } else {
            (std::f64::consts::PI * 2.0 * cutoff * x).sin() / (std::f64::consts::PI * 2.0 * cutoff * x)
        };
        let window = 0.5 + 0.5 * (std::f64::consts::PI * x / half_width as f64).cos();
        *sample += (0.8 * sinc * window) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_stay_in_range_and_repeat_for_a_seed() {
        let blocks: Vec<usize> = random_blocks(7, 3).take(1_000).collect();
        assert!(blocks.iter().all(|&block| (1..=7).contains(&block)));
        assert!((1..=7).all(|length| blocks.contains(&length)), "every length comes up");
        assert_eq!(blocks, random_blocks(7, 3).take(1_000).collect::<Vec<_>>());
    }

    #[test]
    fn a_peak_between_samples_is_found_between_them() {
        // A parabola with its vertex at 10.25.
        let signal: Vec<f32> = (0..21).map(|i| 100.0 - (i as f32 - 10.25).powi(2)).collect();
        assert!((peak_position(&signal) - 10.25).abs() < 1e-6);
        assert_eq!(peak_position(&[0.0, 0.0, -3.0]), 2.0);
    }
}
