//! Measurements the audio thread publishes and any other thread reads, lock-free.
//!
//! Thread ownership: the engine (audio thread) is the only writer; it stores every field once
//! per `process` call with `Relaxed` ordering. Readers (a GUI, a report) call
//! [`Meters::snapshot`]. Fields are independent scalars, so a snapshot may mix values from two
//! consecutive calls, which is harmless for display.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use atomic_float::AtomicF32;

/// Plain counters kept by the audio thread and published into [`Meters`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counters {
    /// Packets the encoder produced.
    pub packets_sent: u64,
    /// Packets the loss simulator dropped.
    pub packets_lost: u64,
    /// Lost packets rebuilt from the next packet's in-band FEC.
    pub recovered_fec: u64,
    /// Lost packets rebuilt from deep redundancy in a later packet.
    pub recovered_dred: u64,
    /// Lost packets the decoder could only conceal (PLC, or deep PLC).
    pub concealed: u64,
    /// Runs of consecutive lost packets.
    pub loss_bursts: u64,
    /// Packets that carried in-band FEC for their predecessor.
    pub packets_with_fec: u64,
    /// Packets that carried deep redundancy.
    pub packets_with_dred: u64,
    /// Bytes of all packets sent.
    pub bytes_sent: u64,
    /// Input samples that were NaN, infinite, subnormal or beyond ±[`crate::SANITIZE_LIMIT`].
    pub sanitized_samples: u64,
    /// Encode or decode calls that failed (each failure is handled as a lost packet).
    pub codec_errors: u64,
    /// Blocks refused because the input and output lengths did not match the channel layout.
    pub rejected_blocks: u64,
    /// Output samples the pipeline could not supply in time (always 0 unless the engine's
    /// latency arithmetic is wrong; the tests check it).
    pub underruns: u64,
}

impl Counters {
    /// Lost packets over packets sent, in percent.
    pub fn loss_percent(&self) -> f64 {
        if self.packets_sent == 0 { 0.0 } else { self.packets_lost as f64 * 100.0 / self.packets_sent as f64 }
    }

    /// Mean length of a run of lost packets.
    pub fn mean_burst_packets(&self) -> f64 {
        if self.loss_bursts == 0 { 0.0 } else { self.packets_lost as f64 / self.loss_bursts as f64 }
    }
}

/// Levels and rates measured over the signal, smoothed for display.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Levels {
    /// Bitrate of the packets actually sent, bits per second, averaged over about a second.
    pub actual_bitrate_bps: f32,
    /// Size of the latest packet in bytes.
    pub packet_bytes: f32,
    /// Input peak (absolute sample value) over the latest block.
    pub input_peak: f32,
    /// Input RMS in dBFS, averaged over about 300 ms.
    pub input_rms_dbfs: f32,
    /// Output peak over the latest block.
    pub output_peak: f32,
    /// Output RMS in dBFS, averaged over about 300 ms.
    pub output_rms_dbfs: f32,
    /// Decoded against latency-aligned input, in dB, averaged over about a second.
    pub snr_db: f32,
}

/// The shared, lock-free meter block. Created with the engine; share it with `Arc`.
#[derive(Debug, Default)]
pub struct Meters {
    counters: [AtomicU64; 13],
    levels: [AtomicF32; 7],
    /// The engine's current latency in host samples.
    latency_samples: AtomicU64,
    /// The host sample rate the engine runs at, in hertz.
    sample_rate_hz: AtomicU64,
}

/// Everything in [`Meters`] at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MeterSnapshot {
    /// Packet counts.
    pub counters: Counters,
    /// Levels and rates.
    pub levels: Levels,
    /// The engine's current latency in host samples.
    pub latency_samples: u64,
    /// The host sample rate the engine runs at, in hertz (0 before any engine ran).
    pub sample_rate_hz: u64,
}

impl MeterSnapshot {
    /// The latency in milliseconds, if the sample rate is known.
    pub fn latency_ms(&self) -> Option<f64> {
        (self.sample_rate_hz > 0).then(|| self.latency_samples as f64 * 1000.0 / self.sample_rate_hz as f64)
    }
}

impl Meters {
    /// Publishes the audio thread's values. Never allocates or blocks.
    pub fn publish(&self, counters: &Counters, levels: &Levels, latency_samples: usize, sample_rate_hz: u32) {
        let counts = [
            counters.packets_sent,
            counters.packets_lost,
            counters.recovered_fec,
            counters.recovered_dred,
            counters.concealed,
            counters.loss_bursts,
            counters.packets_with_fec,
            counters.packets_with_dred,
            counters.bytes_sent,
            counters.sanitized_samples,
            counters.codec_errors,
            counters.rejected_blocks,
            counters.underruns,
        ];
        for (slot, value) in self.counters.iter().zip(counts) {
            slot.store(value, Relaxed);
        }
        let values = [
            levels.actual_bitrate_bps,
            levels.packet_bytes,
            levels.input_peak,
            levels.input_rms_dbfs,
            levels.output_peak,
            levels.output_rms_dbfs,
            levels.snr_db,
        ];
        for (slot, value) in self.levels.iter().zip(values) {
            slot.store(value, Relaxed);
        }
        self.latency_samples.store(latency_samples as u64, Relaxed);
        self.sample_rate_hz.store(u64::from(sample_rate_hz), Relaxed);
    }

    /// Reads every value.
    pub fn snapshot(&self) -> MeterSnapshot {
        let c = |index: usize| self.counters[index].load(Relaxed);
        let l = |index: usize| self.levels[index].load(Relaxed);
        MeterSnapshot {
            counters: Counters {
                packets_sent: c(0),
                packets_lost: c(1),
                recovered_fec: c(2),
                recovered_dred: c(3),
                concealed: c(4),
                loss_bursts: c(5),
                packets_with_fec: c(6),
                packets_with_dred: c(7),
                bytes_sent: c(8),
                sanitized_samples: c(9),
                codec_errors: c(10),
                rejected_blocks: c(11),
                underruns: c(12),
            },
            levels: Levels {
                actual_bitrate_bps: l(0),
                packet_bytes: l(1),
                input_peak: l(2),
                input_rms_dbfs: l(3),
                output_peak: l(4),
                output_rms_dbfs: l(5),
                snr_db: l(6),
            },
            latency_samples: self.latency_samples.load(Relaxed),
            sample_rate_hz: self.sample_rate_hz.load(Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_returns_what_was_published() {
        let meters = Meters::default();
        let counters = Counters {
            packets_sent: 1,
            packets_lost: 2,
            recovered_fec: 3,
            recovered_dred: 4,
            concealed: 5,
            loss_bursts: 6,
            packets_with_fec: 7,
            packets_with_dred: 8,
            bytes_sent: 9,
            sanitized_samples: 10,
            codec_errors: 11,
            rejected_blocks: 12,
            underruns: 13,
        };
        let levels = Levels {
            actual_bitrate_bps: 1.0,
            packet_bytes: 2.0,
            input_peak: 3.0,
            input_rms_dbfs: 4.0,
            output_peak: 5.0,
            output_rms_dbfs: 6.0,
            snr_db: 7.0,
        };
        meters.publish(&counters, &levels, 14, 48_000);
        let snapshot = meters.snapshot();
        assert_eq!(snapshot, MeterSnapshot { counters, levels, latency_samples: 14, sample_rate_hz: 48_000 });
        assert_eq!(snapshot.latency_ms(), Some(14.0 / 48.0));
    }
}
