//! Block-length sequences and impulse timing for the CLAP tests.
#![allow(dead_code)]

/// Block lengths from 1 to `max` from a fixed-seed xorshift.
pub fn random_blocks(max: usize, seed: u64) -> impl Iterator<Item = usize> {
    let mut state = seed | 1;
    std::iter::repeat_with(move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        1 + (state % max as u64) as usize
    })
}

/// Where the peak of `signal` lies, to a fraction of a sample.
pub fn peak_position(signal: &[f32]) -> f64 {
    let i = signal.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap().0;
    if i == 0 || i + 1 == signal.len() {
        return i as f64;
    }
    let (a, b, c) = (f64::from(signal[i - 1].abs()), f64::from(signal[i].abs()), f64::from(signal[i + 1].abs()));
    let curvature = a - 2.0 * b + c;
    if curvature == 0.0 { i as f64 } else { i as f64 + 0.5 * (a - c) / curvature }
}
