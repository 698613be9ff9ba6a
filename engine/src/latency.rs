//! The latency arithmetic: how long the pipeline takes, to the host sample.
//!
//! The pipeline is a chain of stages that each consume and produce fixed chunks: (down-resampler)
//! → Opus frames → (up-resampler). Between them, FIFOs; at the end, a FIFO pre-filled with
//! silence so that whatever block sizes the host uses, the output never runs dry. Two delays add
//! up to the latency:
//!
//! - **Buffering**: the pre-fill. With `c` host samples delivered, the host asks for `c` out;
//!   the chain has produced `out(c)`, which only grows when a chunk completes. The pre-fill must
//!   cover the largest shortfall `c − out(c)`, which occurs just before each down-resampler step.
//!   Without resampling that is `N − 1` for an `N`-sample frame.
//! - **Algorithmic**: what each stage's own signal path delays: the resamplers' filter delays,
//!   the encoder's lookahead, and the frames the receiver holds back for FEC or DRED. At the
//!   codec rate these must add up to a whole number of host samples, so the codec-rate part is
//!   padded to a multiple of `codec_rate / gcd(host_rate, codec_rate)`. Each resampler's delay
//!   is a whole number of its *input* frames: host frames for the down-resampler, codec frames
//!   for the up-resampler, which therefore counts in the codec-rate part.

/// Chunk sizes and delays of the stages between the host and the codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResamplerShape {
    /// Host frames into the down-resampler per step.
    pub down_in: usize,
    /// Codec-rate frames out of it per step.
    pub down_out: usize,
    /// Its delay in host frames (its input frames).
    pub down_delay_host: usize,
    /// Codec-rate frames into the up-resampler per step.
    pub up_in: usize,
    /// Host frames out of it per step.
    pub up_out: usize,
    /// Its delay in codec-rate frames (its input frames).
    pub up_delay_codec: usize,
}

/// The pipeline's delays for one set of settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    /// Silence pre-filled into the host-rate output FIFO, in host frames.
    pub prefill_host: usize,
    /// Silence pre-filled into the codec-rate output FIFO so that the codec-rate delay is a
    /// whole number of host frames, in codec frames.
    pub pad_codec: usize,
    /// The total: an impulse in comes out this many host frames later.
    pub total_host: usize,
}

/// How many seconds of chunk steps to simulate at least when looking for the largest shortfall.
/// For the common rates every chunk and frame size divides a whole number of seconds (at most 3:
/// a 120 ms frame against a 44.1 kHz host); [`latency`] also simulates one whole period of the
/// pattern, which at unusual rates (1,235 Hz, 12,346 Hz) is longer.
const SIMULATED_SECONDS: usize = 4;

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn lcm(a: u64, b: u64) -> u64 {
    a / gcd(a, b) * b
}

/// The latency for frames of `frame` codec samples, an encoder lookahead of `lookahead` codec
/// samples and `recovery_frames` frames held back, with or without resampling. Never allocates.
pub fn latency(
    host_rate_hz: u32,
    codec_rate_hz: u32,
    frame: usize,
    lookahead: usize,
    recovery_frames: usize,
    resampler: Option<&ResamplerShape>,
) -> Latency {
    let codec_delay = lookahead + recovery_frames * frame;
    let Some(shape) = resampler else {
        let prefill_host = frame - 1;
        return Latency { prefill_host, pad_codec: 0, total_host: prefill_host + codec_delay };
    };
    let divisor = gcd(u64::from(host_rate_hz), u64::from(codec_rate_hz));
    let codec_block = (u64::from(codec_rate_hz) / divisor) as usize;
    let host_block = (u64::from(host_rate_hz) / divisor) as usize;
    let codec_part = codec_delay + shape.up_delay_codec;
    let pad_codec = (codec_block - codec_part % codec_block) % codec_block;
    let algorithmic = shape.down_delay_host + (codec_part + pad_codec) / codec_block * host_block;

    // The shortfall repeats once the codec-rate input has advanced by a common multiple of the
    // down-resampler's output chunk, the frame and the up-resampler's input chunk.
    let common = lcm(lcm(shape.down_out as u64, frame as u64), shape.up_in as u64);
    let period = (common / shape.down_out as u64) as usize;
    let steps = (SIMULATED_SECONDS * host_rate_hz as usize / shape.down_in + 1).max(period + 1);
    let prefill_host = (0..steps)
        .map(|done| {
            let codec_in = done * shape.down_out;
            let codec_out = codec_in / frame * frame + pad_codec;
            let host_out = codec_out / shape.up_in * shape.up_out;
            // The most host frames delivered before the next down-resampler step.
            ((done + 1) * shape.down_in - 1).saturating_sub(host_out)
        })
        .max()
        .unwrap_or(0);
    Latency { prefill_host, pad_codec, total_host: prefill_host + algorithmic }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_resampling_latency_is_frame_minus_one_plus_codec_delay() {
        let latency = latency(48_000, 48_000, 960, 312, 1, None);
        assert_eq!(latency, Latency { prefill_host: 959, pad_codec: 0, total_host: 959 + 312 + 960 });
    }

    #[test]
    fn with_resampling_the_codec_delay_is_padded_to_whole_host_samples() {
        // 44.1 kHz ↔ 48 kHz: 147 host frames per 160 codec frames.
        let shape = ResamplerShape {
            down_in: 294,
            down_out: 320,
            down_delay_host: 147,
            up_in: 320,
            up_out: 294,
            up_delay_codec: 160,
        };
        let latency = latency(44_100, 48_000, 960, 312, 0, Some(&shape));
        assert_eq!((312 + 160 + latency.pad_codec) % 160, 0);
        assert_eq!(latency.pad_codec, 8);
        let algorithmic = 147 + (312 + 160 + 8) / 160 * 147;
        assert!(latency.prefill_host >= 882 - 1, "a frame of host samples must be buffered");
        assert_eq!(latency.total_host, latency.prefill_host + algorithmic);
    }
}
