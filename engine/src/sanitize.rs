//! What the encoder never sees: NaN, infinities, subnormals and samples beyond +12 dBFS, each
//! replaced before the codec and counted.

/// Input samples beyond ±this (+12 dBFS) are clamped before the encoder and counted.
pub const SANITIZE_LIMIT: f32 = 4.0;

/// Copies `input` into `clean` with every sample [`sanitize`]d; returns how many changed.
pub fn sanitize_into(input: &[f32], clean: &mut [f32]) -> u32 {
    let mut changed_count = 0u32;
    for (&sample, out) in input.iter().zip(clean.iter_mut()) {
        let (value, changed) = sanitize(sample);
        changed_count += u32::from(changed);
        *out = value;
    }
    changed_count
}

/// Replaces NaN, infinities and subnormals with 0 and clamps beyond ±[`SANITIZE_LIMIT`];
/// says whether it changed anything.
/// Written with selects rather than early returns so that the input loop vectorises.
#[inline]
fn sanitize(sample: f32) -> (f32, bool) {
    let magnitude = sample.abs();
    // False for NaN, since every comparison with NaN is. Bitwise `&`/`|`: no branches.
    let ordinary = (magnitude <= SANITIZE_LIMIT) & ((magnitude >= f32::MIN_POSITIVE) | (magnitude == 0.0));
    let replacement = if magnitude > SANITIZE_LIMIT { SANITIZE_LIMIT.copysign(sample) } else { 0.0 };
    (if ordinary { sample } else { replacement }, !ordinary)
}
