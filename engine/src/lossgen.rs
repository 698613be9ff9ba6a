//! libopus's learned packet-loss generator (`dnn/lossgen.c`): a small recurrent network trained
//! on real network traces that, from a target loss rate and whether the last packet was lost,
//! gives the probability that the next one is. Its losses come in the runs and lulls of real
//! links rather than independently or in geometric bursts.
//!
//! The weights are libopus's ([`crate::lossgen_weights`]); the inference is written here because
//! `opusic-sys` does not compile libopus's `lossgen.c`, and that file draws with the C library's
//! global `rand()`, which no seed of ours reaches and which is not thread-safe. The arithmetic is
//! libopus's generic C path: the int8 layers round their input to 127 steps and scale the
//! integer dot product; the float layers are plain; the activations are libopus's rational
//! approximations. Those use only `+ − × ÷`, which IEEE 754 rounds alike everywhere, where a
//! platform's `tanh` and `exp` may differ in the last bit; and as each packet's rounding to 127
//! steps and its loss feed the next, one bit would in time give another pattern. So a seed gives
//! the same losses on every system.
//!
//! Layers: dense 2 → 8 (tanh), GRU 8 → 16, GRU 16 → 32, dense 32 → 1 (logistic).

use std::sync::OnceLock;

use crate::lossgen_weights as weights;

const DENSE_IN: usize = 8;
const GRU1: usize = 16;
const GRU2: usize = 32;

/// The network's memory between packets. Plain data: copied, never allocated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossGenState {
    gru1: [f32; GRU1],
    gru2: [f32; GRU2],
    last_lost: bool,
}

impl LossGenState {
    /// The state the model starts from: see [`warmed`].
    pub fn start() -> Self {
        *warmed()
    }

    /// The state a pattern from `seed` at `percent` starts from: [`warmed`], then run at
    /// `percent` for 100 to 299 packets, how many and their draws from `seed` (a stream apart
    /// from the pattern's own draws). The warm state alone lies in one of the model's lulls, so
    /// that patterns started from it lost too little at first (the default seed nothing in its
    /// first 165 packets at 5, 15, 30 and 60 %); from here the first 150 packets lose what later
    /// ones do (over 1,000 seeds at 15 %: 14.6 % against 15.0 %, where the warm state alone gave
    /// 11.0 %), lulls included, as often as the model has them. The cost is that
    /// of as many packets, some 2 million multiply-adds, once per start; nothing is allocated.
    pub fn start_for(seed: u64, percent: f32) -> Self {
        use rand_xoshiro::rand_core::SeedableRng;
        let mut state = Self::start();
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed ^ START_STREAM);
        let (fewest, most) = START_PACKETS;
        let packets = fewest + (crate::loss::uniform(&mut rng) * (most - fewest) as f64) as usize;
        for _ in 0..packets {
            let probability = state.next_probability(percent);
            state.record(crate::loss::uniform(&mut rng) < f64::from(probability));
        }
        state
    }

    /// Advances the network by one packet at `percent` loss and returns the probability that
    /// this packet is lost; [`LossGenState::record`] must then say whether it was.
    pub fn next_probability(&mut self, percent: f32) -> f32 {
        // The network was trained on the rate as a fraction (libopus passes `percent * .01f`). A
        // rate that is not a number would poison its memory for good: it reads as none.
        let fraction = if percent.is_finite() { percent.clamp(0.0, 100.0) * 0.01 } else { 0.0 };
        let input = [if self.last_lost { 1.0 } else { 0.0 }, fraction];
        let mut dense = [0.0; DENSE_IN];
        float_dense(&weights::DENSE_IN_WEIGHTS_FLOAT, &weights::DENSE_IN_BIAS, &input, &mut dense);
        dense.iter_mut().for_each(|value| *value = tanh(*value));
        let gru1_in = Int8Layer {
            weights: &weights::GRU1_INPUT_WEIGHTS_INT8,
            scale: &weights::GRU1_INPUT_SCALE,
            bias: &weights::GRU1_INPUT_BIAS,
        };
        let gru1_recurrent = Int8Layer {
            weights: &weights::GRU1_RECURRENT_WEIGHTS_INT8,
            scale: &weights::GRU1_RECURRENT_SCALE,
            bias: &weights::GRU1_RECURRENT_BIAS,
        };
        gru::<GRU1, { 3 * GRU1 }>(&gru1_in, &gru1_recurrent, &mut self.gru1, &dense);
        let gru2_in = Int8Layer {
            weights: &weights::GRU2_INPUT_WEIGHTS_INT8,
            scale: &weights::GRU2_INPUT_SCALE,
            bias: &weights::GRU2_INPUT_BIAS,
        };
        let gru2_recurrent = Int8Layer {
            weights: &weights::GRU2_RECURRENT_WEIGHTS_INT8,
            scale: &weights::GRU2_RECURRENT_SCALE,
            bias: &weights::GRU2_RECURRENT_BIAS,
        };
        let gru1 = self.gru1;
        gru::<GRU2, { 3 * GRU2 }>(&gru2_in, &gru2_recurrent, &mut self.gru2, &gru1);
        let mut out = [0.0];
        float_dense(&weights::DENSE_OUT_WEIGHTS_FLOAT, &weights::DENSE_OUT_BIAS, &self.gru2, &mut out);
        logistic(out[0])
    }

    /// Whether the packet just drawn was lost: the network's input for the next one.
    pub fn record(&mut self, lost: bool) {
        self.last_lost = lost;
    }
}

/// The state after the network has run 1,000 packets at [`WARM_UP_PERCENT`], drawn from a fixed
/// seed. libopus too runs its generator 1,000 packets before its first draw, as a zero state is
/// not one the network meets in use, but at the rate asked for and from its `rand()`; here the
/// warm state is one for every seed and rate, so that a pattern depends on its seed and rates
/// alone and a reset costs a copy. Computed once per process, on first use (the engine asks for
/// it where time may be spent, when it is built); after that, reading it is one atomic load.
pub fn warmed() -> &'static LossGenState {
    static WARMED: OnceLock<LossGenState> = OnceLock::new();
    WARMED.get_or_init(|| {
        use rand_xoshiro::rand_core::SeedableRng;
        let mut state = LossGenState { gru1: [0.0; GRU1], gru2: [0.0; GRU2], last_lost: false };
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(WARM_UP_SEED);
        for _ in 0..WARM_UP_PACKETS {
            let probability = state.next_probability(WARM_UP_PERCENT);
            state.record(crate::loss::uniform(&mut rng) < f64::from(probability));
        }
        state
    })
}

/// The warm-up: as many packets as libopus's `sample_loss` runs before its first draw, at a
/// middling rate, from a seed of its own.
const WARM_UP_PACKETS: usize = 1_000;
const WARM_UP_PERCENT: f32 = 10.0;
const WARM_UP_SEED: u64 = 0x6c6f_7373_6765_6e00;

/// How many packets [`LossGenState::start_for`] runs from the warm state, at least and at most
/// (exclusive): enough to leave its lull at any rate (the first 50 packets' loss is within 5 %
/// of the stationary loss from about 100 on), varied so that seeds start in different places.
const START_PACKETS: (usize, usize) = (100, 300);
/// Mixed into the seed for [`LossGenState::start_for`]'s draws, so that they are not the
/// pattern's own.
const START_STREAM: u64 = 0x7374_6172_7400_0000;

/// An int8 matrix in libopus's 8×4 block order, its per-row scale and its bias.
struct Int8Layer<'a> {
    weights: &'a [i8],
    scale: &'a [f32],
    bias: &'a [f32],
}

impl Int8Layer<'_> {
    /// `out = scale · (W · round(127 · input)) + bias`, as libopus's `cgemv8x4`: rows in blocks of
    /// 8, columns in blocks of 4, each block's 32 weights row by row.
    fn apply(&self, input: &[f32], out: &mut [f32]) {
        let (rows, columns) = (out.len(), input.len());
        debug_assert!(rows % 8 == 0 && columns % 4 == 0 && self.weights.len() == rows * columns);
        let mut quantised = [0i32; GRU2];
        for (q, &x) in quantised.iter_mut().zip(input) {
            *q = (0.5 + 127.0 * x).floor().clamp(-127.0, 127.0) as i32;
        }
        let mut blocks = self.weights.chunks_exact(32);
        for row_block in out.chunks_exact_mut(8) {
            let mut sums = [0i32; 8];
            for column_block in quantised[..columns].chunks_exact(4) {
                let Some(block) = blocks.next() else { return };
                for (sum, row) in sums.iter_mut().zip(block.chunks_exact(4)) {
                    *sum += row.iter().zip(column_block).map(|(&w, &x)| i32::from(w) * x).sum::<i32>();
                }
            }
            for (value, sum) in row_block.iter_mut().zip(sums) {
                *value = sum as f32;
            }
        }
        for ((value, &scale), &bias) in out.iter_mut().zip(self.scale).zip(self.bias) {
            *value = *value * scale + bias;
        }
    }
}

/// One step of libopus's GRU (`compute_generic_gru`): update gate `z`, reset gate `r`, candidate
/// `h`, each from the input and the state; `state = z·state + (1 − z)·h`.
fn gru<const N: usize, const N3: usize>(
    input_layer: &Int8Layer,
    recurrent: &Int8Layer,
    state: &mut [f32; N],
    input: &[f32],
) {
    let (mut from_input, mut from_state) = ([0.0; N3], [0.0; N3]);
    input_layer.apply(input, &mut from_input);
    recurrent.apply(state, &mut from_state);
    for i in 0..N {
        let z = logistic(from_input[i] + from_state[i]);
        let r = logistic(from_input[N + i] + from_state[N + i]);
        let h = tanh(from_input[2 * N + i] + r * from_state[2 * N + i]);
        state[i] = z * state[i] + (1.0 - z) * h;
    }
}

/// `out = W · input + bias` with `W` stored column by column (libopus's `sgemv`, then the bias,
/// in its order of additions).
fn float_dense(weights: &[f32], bias: &[f32], input: &[f32], out: &mut [f32]) {
    out.fill(0.0);
    for (column, &x) in weights.chunks_exact(out.len()).zip(input) {
        for (value, &w) in out.iter_mut().zip(column) {
            *value += w * x;
        }
    }
    for (value, &b) in out.iter_mut().zip(bias) {
        *value += b;
    }
}

/// libopus's `tanh_approx`: a ratio of two polynomials in x² (its published coefficients),
/// clipped to ±1. Within 1e-4 of `tanh`.
// The coefficients as libopus writes them; each rounds to the same `f32` as libopus's.
#[allow(clippy::excessive_precision)]
fn tanh(x: f32) -> f32 {
    const N: [f32; 3] = [952.528_015_14, 96.392_356_87, 0.608_630_42];
    const D: [f32; 3] = [952.723_999_02, 413.368_011_47, 11.886_009_22];
    let x2 = x * x;
    let numerator = (N[2] * x2 + N[1]) * x2 + N[0];
    let denominator = (D[2] * x2 + D[1]) * x2 + D[0];
    (numerator * x / denominator).clamp(-1.0, 1.0)
}

/// libopus's `sigmoid_approx`, from [`tanh`].
fn logistic(x: f32) -> f32 {
    0.5 + 0.5 * tanh(0.5 * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_activations_are_within_a_ten_thousandth_of_the_functions() {
        for step in -800..=800 {
            let x = step as f32 / 100.0;
            assert!((tanh(x) - x.tanh()).abs() < 1e-4, "tanh({x})");
            assert!((logistic(x) - 1.0 / (1.0 + (-x).exp())).abs() < 1e-4, "logistic({x})");
        }
    }

    #[test]
    fn a_whole_pattern_never_changes() {
        // Pinned: the same seed must give the same losses on every system and in every release.
        let mut state = LossGenState::start();
        let mut rng = <rand_xoshiro::Xoshiro256PlusPlus as rand_xoshiro::rand_core::SeedableRng>::seed_from_u64(1);
        let pattern: String = (0..200)
            .map(|_| {
                let lost = crate::loss::uniform(&mut rng) < f64::from(state.next_probability(20.0));
                state.record(lost);
                if lost { 'x' } else { '.' }
            })
            .collect();
        assert_eq!(pattern, PINNED_PATTERN);
    }

    /// 200 packets at 20 % from seed 1: a lull, then a run of losses, as real links have them.
    const PINNED_PATTERN: &str = concat!(
        "....................................................................................................",
        ".................................................................x...xx.x...xx.....x...x..x.xx.xx.x.",
    );
}
