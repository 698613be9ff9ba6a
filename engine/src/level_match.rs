//! Level matching: the decoded signal's gain that brings its loudness to the input's, so that a
//! listener comparing them is not swayed by "louder sounds better".
//!
//! Loudness is ITU-R BS.1770's K-weighted mean square, of the latency-aligned input and of the
//! decoded signal, over the last 3 s (short-term loudness) in 100 ms blocks. A block counts only
//! when both signals are above [`GATE_LUFS`] and within [`MAX_GAIN_DB`] of each other, so a
//! pause or a dropout does not move the gain; the gain is the difference of the counted blocks'
//! loudness, within ±[`MAX_GAIN_DB`], and holds while no block counts. The source switch glides to each
//! new gain ([`crate::listen`]), never jumps; slot A and slot B each have a matcher of their own.
//!
//! Written here rather than taken from the `ebur128` crate (which `roundtrip-signal` uses
//! offline): its short-term loudness re-sums the whole 3 s window on every read and its reset
//! clears it, 0.5 ms and more of work landing in single audio callbacks. Here each block costs
//! O(1): two biquads per sample, a 30-entry ring of block energies and running sums.

/// The largest gain the matcher applies either way, in dB.
pub const MAX_GAIN_DB: f32 = 12.0;

/// Below this a block is taken for silence and does not count, in LUFS.
pub const GATE_LUFS: f64 = -70.0;

/// The lowest host rate the matcher runs at: K-weighting's high shelf (1.68 kHz) must lie well
/// under the Nyquist frequency.
pub const MIN_RATE_HZ: u32 = 8_000;

/// Block length, and blocks in the 3 s window.
const BLOCK_SECONDS: f64 = 0.1;
const WINDOW_BLOCKS: usize = 30;

/// Counted blocks needed before the gain moves: half a second of signal.
const MIN_BLOCKS: usize = 5;

/// One biquad's coefficients (a0 = 1) and per-channel state, in f64 as BS.1770 filters need at
/// high rates.
#[derive(Debug, Clone, Copy)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
}

impl Biquad {
    /// Direct form II transposed, one sample.
    #[inline]
    fn run(&self, state: &mut [f64; 2], x: f64) -> f64 {
        let y = self.b[0] * x + state[0];
        state[0] = self.b[1] * x - self.a[0] * y + state[1];
        state[1] = self.b[2] * x - self.a[1] * y;
        y
    }
}

/// BS.1770's K-weighting at `rate_hz`: the head's high shelf, then the RLB high-pass, with the
/// standard's analogue prototypes (libebur128's formulation) through the bilinear transform.
fn k_weighting(rate_hz: f64) -> [Biquad; 2] {
    let (f0, gain_db, q) = (1_681.974_450_955_533, 3.999_843_853_973_347, 0.707_175_236_955_419_6);
    let k = (std::f64::consts::PI * f0 / rate_hz).tan();
    let vh = 10f64.powf(gain_db / 20.0);
    let vb = vh.powf(0.499_666_774_154_541_6);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Biquad {
        b: [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    };
    let (f0, q) = (38.135_470_876_024_44, 0.500_327_037_323_877_3);
    let k = (std::f64::consts::PI * f0 / rate_hz).tan();
    let a0 = 1.0 + k / q + k * k;
    let high_pass = Biquad { b: [1.0, -2.0, 1.0], a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0] };
    [shelf, high_pass]
}

/// Loudness of a K-weighted mean square summed over channels, in LUFS.
fn lufs(mean_square: f64) -> f64 {
    -0.691 + 10.0 * mean_square.max(1e-30).log10()
}

/// One signal's K-weighting and the block being summed.
#[derive(Debug, Clone, Copy)]
struct Weighted {
    filters: [Biquad; 2],
    /// Filter states per channel (mono or stereo).
    states: [[[f64; 2]; 2]; 2],
    energy: f64,
}

impl Weighted {
    fn with(filters: [Biquad; 2]) -> Self {
        Self { filters, states: [[[0.0; 2]; 2]; 2], energy: 0.0 }
    }

    fn add(&mut self, frame: &[f32]) {
        for (channel, &sample) in frame.iter().enumerate().take(2) {
            let state = &mut self.states[channel];
            let shelved = self.filters[0].run(&mut state[0], f64::from(sample));
            let weighted = self.filters[1].run(&mut state[1], shelved);
            self.energy += weighted * weighted;
        }
    }
}

/// Loudness of the input and of the decoded signal, and the gain between them.
#[derive(Debug, Clone)]
pub struct LevelMatcher {
    input: Weighted,
    decoded: Weighted,
    /// Frames per block, and frames summed into the current one.
    block_frames: usize,
    frames: usize,
    /// The last [`WINDOW_BLOCKS`] blocks' mean squares, 0 where a block did not count, the
    /// next slot to write, and the counted blocks' sums and number.
    input_blocks: [f64; WINDOW_BLOCKS],
    decoded_blocks: [f64; WINDOW_BLOCKS],
    next: usize,
    input_sum: f64,
    decoded_sum: f64,
    counted: usize,
    gain_db: f32,
}

impl LevelMatcher {
    /// A matcher at `rate_hz`, or `None` below [`MIN_RATE_HZ`]. Mono and stereo (further
    /// channels are not weighed).
    pub fn new(rate_hz: u32) -> Option<Self> {
        let block_frames = (f64::from(rate_hz) * BLOCK_SECONDS).round() as usize;
        (rate_hz >= MIN_RATE_HZ).then(|| Self::fresh(k_weighting(f64::from(rate_hz)), block_frames))
    }

    /// A matcher with these filters and block length that has measured nothing.
    fn fresh(filters: [Biquad; 2], block_frames: usize) -> Self {
        Self {
            input: Weighted::with(filters),
            decoded: Weighted::with(filters),
            block_frames,
            frames: 0,
            input_blocks: [0.0; WINDOW_BLOCKS],
            decoded_blocks: [0.0; WINDOW_BLOCKS],
            next: 0,
            input_sum: 0.0,
            decoded_sum: 0.0,
            counted: 0,
            gain_db: 0.0,
        }
    }

    /// The gain in force, in dB.
    pub fn gain_db(&self) -> f32 {
        self.gain_db
    }

    /// Forgets the loudness measured so far and the gain. Never allocates.
    pub fn reset(&mut self) {
        *self = Self::fresh(self.input.filters, self.block_frames);
    }

    /// Measures a piece of latency-aligned input and decoded signal (interleaved, `channels`
    /// wide, equal lengths) and returns the gain for the decoded signal, in dB. Never
    /// allocates.
    pub fn add(&mut self, aligned: &[f32], decoded: &[f32], channels: usize) -> f32 {
        for (input, output) in aligned.chunks_exact(channels.max(1)).zip(decoded.chunks_exact(channels.max(1))) {
            self.input.add(input);
            self.decoded.add(output);
            self.frames += 1;
            if self.frames == self.block_frames {
                self.end_block();
            }
        }
        self.gain_db
    }

    /// Closes a block: into the window if it counts, and the gain from the window.
    fn end_block(&mut self) {
        let frames = self.frames as f64;
        let (input, decoded) = (self.input.energy / frames, self.decoded.energy / frames);
        (self.input.energy, self.decoded.energy, self.frames) = (0.0, 0.0, 0);
        let apart = (lufs(input) - lufs(decoded)).abs();
        let counts = lufs(input) > GATE_LUFS && lufs(decoded) > GATE_LUFS && apart <= f64::from(MAX_GAIN_DB);
        let slot = self.next;
        let (old_input, old_decoded) = (self.input_blocks[slot], self.decoded_blocks[slot]);
        if old_input > 0.0 {
            self.counted -= 1;
        }
        let (new_input, new_decoded) = if counts { (input, decoded) } else { (0.0, 0.0) };
        if counts {
            self.counted += 1;
        }
        self.input_blocks[slot] = new_input;
        self.decoded_blocks[slot] = new_decoded;
        self.input_sum += new_input - old_input;
        self.decoded_sum += new_decoded - old_decoded;
        self.next = (slot + 1) % WINDOW_BLOCKS;
        if self.counted == 0 {
            // Running sums drift by rounding; with nothing counted they are exactly 0.
            (self.input_sum, self.decoded_sum) = (0.0, 0.0);
        }
        if self.counted >= MIN_BLOCKS {
            let gain = 10.0 * (self.input_sum / self.decoded_sum).log10();
            self.gain_db = (gain as f32).clamp(-MAX_GAIN_DB, MAX_GAIN_DB);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f32, amplitude: f32, seconds: f32) -> Vec<f32> {
        let frames = (rate as f32 * seconds) as usize;
        (0..frames)
            .flat_map(|n| {
                let x = amplitude * (std::f32::consts::TAU * hz * n as f32 / rate as f32).sin();
                [x, x]
            })
            .collect()
    }

    /// The loudness the matcher would report for `signal` (stereo) against silence-free itself.
    fn block_lufs(rate: u32, signal: &[f32]) -> f64 {
        let mut weighted = Weighted::with(k_weighting(f64::from(rate)));
        signal.chunks_exact(2).for_each(|frame| weighted.add(frame));
        lufs(weighted.energy / (signal.len() / 2) as f64)
    }

    #[test]
    fn k_weighting_reads_a_997_hz_tone_as_bs_1770_says_at_every_rate() {
        // BS.1770: a 0 dBFS 997 Hz sine in one channel reads −3.01 LUFS; both channels, +0.0.
        for rate in [8_000, 44_100, 48_000, 96_000, 192_000, 768_000] {
            let loudness = block_lufs(rate, &tone(rate, 997.0, 1.0, 2.0)[2 * rate as usize / 2..]);
            assert!(loudness.abs() < 0.05, "{rate} Hz: {loudness:.3} LUFS");
        }
    }

    #[test]
    fn the_gain_is_the_loudness_difference_and_holds_through_silence_and_dropouts() {
        let mut matcher = LevelMatcher::new(48_000).unwrap();
        let (loud, quiet) = (tone(48_000, 1000.0, 0.5, 4.0), tone(48_000, 1000.0, 0.25, 4.0));
        let mut gain = 0.0;
        for (a, d) in loud.chunks(2 * 480).zip(quiet.chunks(2 * 480)) {
            gain = matcher.add(a, d, 2);
        }
        assert!((gain - 6.02).abs() < 0.05, "{gain} dB");
        // Silence, then a dropout of the decoded signal alone: neither counts.
        let silence = vec![0.0f32; 2 * 48_000 * 5];
        for piece in silence.chunks(2 * 333) {
            gain = matcher.add(piece, piece, 2);
        }
        for (a, d) in loud.chunks(2 * 100).zip(silence.chunks(2 * 100)) {
            gain = matcher.add(a, d, 2);
        }
        assert!((gain - 6.02).abs() < 0.05, "silence moved the gain to {gain} dB");
        matcher.reset();
        assert_eq!(matcher.gain_db(), 0.0);
        assert!(LevelMatcher::new(7_999).is_none());
    }
}
