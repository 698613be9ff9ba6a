//! Whether the engine's worst callback fits the host's block, so that the editor can say when to
//! move the codec to its own thread (see [`crate::codec_thread`]).
//!
//! The audio thread cannot time itself without a system call, so this is an estimate: the
//! callback that completes a frame pays for the frame's encode and decode, for deep PLC or
//! DRED synthesis when a packet is lost, and for a chunk of resampling. The costs below are
//! fitted, rounded up, to the worst callbacks that `cargo bench -p roundtrip-engine --bench
//! deadline` measured on the project's 2-core CI machine (README, "Benchmarks"); a faster machine
//! has more room.

use std::time::Duration;

use crate::settings::Settings;

/// Encode and decode of one frame: a fixed part and a part per ms of frame (20 ms: 220 µs,
/// 120 ms: 720 µs).
const CODEC_FIXED: Duration = Duration::from_micros(120);
const CODEC_PER_FRAME_MS: Duration = Duration::from_micros(5);

/// Concealing a lost frame, on top of the decode: classic PLC, deep PLC, and DRED (which also
/// runs deep PLC where its redundancy does not reach).
const PLC: Duration = Duration::from_micros(150);
const DEEP_PLC: Duration = Duration::from_micros(400);
const DRED: Duration = Duration::from_micros(520);

/// One chunk of resampling, both ways, per 48 kHz of host rate, at rates Opus does not code at.
const RESAMPLING_PER_48K: Duration = Duration::from_micros(25);

/// The share of a block's duration the worst callback may take: the host needs the rest for
/// itself and for other plugins.
pub const BUDGET_SHARE: f64 = 0.5;

/// The decoder complexity from which libopus uses deep PLC (and OSCE).
const DEEP_PLC_COMPLEXITY: u8 = 5;

/// The worst callback the engine is expected to take at `host_rate_hz` with `chains`: the
/// settings of each codec chain that runs (slot A's, and slot B's while comparing, see
/// [`crate::comparison`]). Each chain may complete a frame in the same callback, so their
/// worst cases add up.
pub fn worst_callback_estimate(chains: &[Settings], host_rate_hz: u32) -> Duration {
    chains.iter().map(|settings| worst_chain_callback(settings, host_rate_hz)).sum()
}

/// The worst callback of one chain with `settings` at `host_rate_hz`.
fn worst_chain_callback(settings: &Settings, host_rate_hz: u32) -> Duration {
    let frame_ms = settings.frame.samples(48_000).unwrap_or(960) as u32 / 48;
    let mut worst = CODEC_FIXED + CODEC_PER_FRAME_MS * frame_ms;
    if settings.loss.loss_percent > 0.0 || settings.jitter.delays_packets() {
        worst += if settings.dred_duration_ms > 0 {
            DRED
        } else if settings.decoder_complexity >= DEEP_PLC_COMPLEXITY {
            DEEP_PLC
        } else {
            PLC
        };
    }
    if ![8_000, 12_000, 16_000, 24_000, 48_000].contains(&host_rate_hz) {
        worst += RESAMPLING_PER_48K.mul_f64(f64::from(host_rate_hz) / 48_000.0);
    }
    worst
}

/// Whether the worst callback with `chains` may take more than [`BUDGET_SHARE`] of a
/// `block_frames` block.
pub fn may_overrun(chains: &[Settings], host_rate_hz: u32, block_frames: usize) -> bool {
    let block = Duration::from_secs_f64(block_frames as f64 / f64::from(host_rate_hz.max(1)));
    worst_callback_estimate(chains, host_rate_hz) > block.mul_f64(BUDGET_SHARE)
}

#[cfg(test)]
mod tests {
    use roundtrip_codec::FrameDuration;

    use super::*;
    use crate::settings::LossSettings;

    #[test]
    fn the_everyday_setting_fits_a_64_frame_block_up_to_96_khz_but_not_at_192() {
        let settings = [Settings::DEFAULT];
        assert!(!may_overrun(&settings, 48_000, 64));
        assert!(!may_overrun(&settings, 96_000, 64));
        assert!(may_overrun(&settings, 192_000, 64));
        assert!(!may_overrun(&settings, 48_000, 32));
    }

    #[test]
    fn comparing_two_settings_adds_their_worst_callbacks() {
        let one = worst_callback_estimate(&[Settings::DEFAULT], 96_000);
        assert_eq!(worst_callback_estimate(&[Settings::DEFAULT; 2], 96_000), 2 * one);
        // What fits a 64-frame block at 96 kHz alone does not beside a second chain.
        assert!(!may_overrun(&[Settings::DEFAULT], 96_000, 64));
        assert!(may_overrun(&[Settings::DEFAULT; 2], 96_000, 64));
    }

    #[test]
    fn the_estimates_are_the_measured_worst_callbacks_rounded_up() {
        let lossy = LossSettings { loss_percent: 15.0, ..LossSettings::DEFAULT };
        let micros = |settings: Settings, rate| worst_callback_estimate(&[settings], rate).as_micros();
        assert_eq!(micros(Settings::DEFAULT, 48_000), 220);
        assert_eq!(micros(Settings { frame: FrameDuration::Ms120, ..Settings::DEFAULT }, 192_000), 820);
        let dred = Settings { dred_duration_ms: 100, decoder_complexity: 10, loss: lossy, ..Settings::DEFAULT };
        assert_eq!(micros(dred, 96_000), 790);
    }

    #[test]
    fn long_frames_and_neural_concealment_need_larger_blocks() {
        let long = Settings { frame: FrameDuration::Ms120, ..Settings::DEFAULT };
        assert!(may_overrun(&[long], 96_000, 64));
        assert!(!may_overrun(&[long], 48_000, 256));
        let lossy = LossSettings { loss_percent: 15.0, ..LossSettings::DEFAULT };
        let deep_plc = Settings { decoder_complexity: 10, loss: lossy, ..Settings::DEFAULT };
        assert!(may_overrun(&[deep_plc], 96_000, 64));
        // Without loss there is nothing to conceal.
        assert!(!may_overrun(&[Settings { decoder_complexity: 10, ..Settings::DEFAULT }], 96_000, 64));
    }
}
