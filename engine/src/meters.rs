//! Measurements the audio thread publishes and any other thread reads, lock-free.
//!
//! Thread ownership: the engine (on the audio thread, or on the codec thread) is the only writer
//! of every field but the codec thread's counters, which the codec thread's audio end alone
//! writes; each stores its fields once per `process` call with `Relaxed` ordering. Readers (a GUI, a report) call
//! [`Meters::snapshot`]. Fields are independent scalars, so a snapshot may mix values from two
//! consecutive calls, which is harmless for display.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use atomic_float::AtomicF32;
use roundtrip_codec::{Bandwidth, CodingMode};

use crate::coded::CodedCounts;
use crate::config::EngineConfig;

/// Declares a plain struct of meter values and its lock-free mirror of atomics, field for field,
/// with the mirror's `store` and `load`: adding a meter is one line here.
macro_rules! meter_block {
    (
        $(#[$plain_doc:meta])* $plain:ident, $(#[$shared_doc:meta])* $shared:ident, $value:ty, $atomic:ty {
            $( $(#[$field_doc:meta])* $field:ident, )*
        }
    ) => {
        $(#[$plain_doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq)]
        pub struct $plain {
            $( $(#[$field_doc])* pub $field: $value, )*
        }

        $(#[$shared_doc])*
        #[derive(Debug, Default)]
        struct $shared {
            $( $field: $atomic, )*
        }

        impl $shared {
            fn store(&self, values: &$plain) {
                $( self.$field.store(values.$field, Relaxed); )*
            }

            fn load(&self) -> $plain {
                $plain { $( $field: self.$field.load(Relaxed), )* }
            }
        }
    };
}

meter_block! {
    /// Plain counters kept by the audio thread and published into [`Meters`].
    Counters,
    /// [`Counters`] as atomics.
    SharedCounters, u64, AtomicU64 {
        /// Packets the encoder produced.
        packets_sent,
        /// Packets the loss simulator dropped.
        packets_lost,
        /// Packets that arrived after the receiver's playout time (counted apart from lost; they
        /// are rebuilt or concealed as lost ones are).
        packets_late,
        /// Lost or late packets rebuilt from the next packet's in-band FEC.
        recovered_fec,
        /// Lost or late packets rebuilt from deep redundancy in a later packet.
        recovered_dred,
        /// Lost or late packets the decoder could only conceal (PLC, or deep PLC).
        concealed,
        /// Runs of consecutive lost packets.
        loss_bursts,
        /// Packets that carried in-band FEC for their predecessor.
        packets_with_fec,
        /// Packets that carried deep redundancy.
        packets_with_dred,
        /// Bytes of all packets sent.
        bytes_sent,
        /// Input samples that were NaN, infinite, subnormal or beyond ±[`crate::SANITIZE_LIMIT`].
        sanitized_samples,
        /// Encode or decode calls that failed (each failure is handled as a lost packet).
        codec_errors,
        /// Blocks refused because the input and output lengths did not match the channel layout.
        rejected_blocks,
        /// Decoded samples (each channel's counted) beyond full scale: the codec made peaks the
        /// input did not have, which a fixed-point converter clips.
        decoded_overs,
        /// Output samples the pipeline could not supply in time (always 0 unless the engine's
        /// latency arithmetic is wrong; the tests check it).
        underruns,
        /// Packets sent that libopus coded with SILK only (read from each packet's TOC byte; see
        /// [`crate::CodedCounts`]). The three modes add up to `packets_sent` less the encodes
        /// that failed, and so do the five bandwidths.
        coded_silk,
        /// Packets sent coded hybrid (SILK below 8 kHz, CELT above).
        coded_hybrid,
        /// Packets sent coded with CELT only.
        coded_celt,
        /// Packets sent at narrowband (4 kHz audio).
        coded_narrowband,
        /// Packets sent at mediumband (6 kHz).
        coded_mediumband,
        /// Packets sent at wideband (8 kHz).
        coded_wideband,
        /// Packets sent at super-wideband (12 kHz).
        coded_superwideband,
        /// Packets sent at fullband (20 kHz).
        coded_fullband,
        /// The adaptive receiver's time-stretches that played faster (a pitch period removed),
        accelerations,
        /// and slower (one repeated),
        expansions,
        /// and the audio they removed and added, in µs.
        stretch_removed_us,
        stretch_added_us,
        /// The adaptive receiver's current delay (from sending to playing) and its target, µs
        /// (current values, not counts; 0 with the fixed receiver).
        playout_delay_us,
        target_delay_us,
    }
}

impl Counters {
    /// Lost packets over packets sent, in percent.
    pub fn loss_percent(&self) -> f64 {
        if self.packets_sent == 0 { 0.0 } else { self.packets_lost as f64 * 100.0 / self.packets_sent as f64 }
    }

    /// Late packets over packets sent, in percent.
    pub fn late_percent(&self) -> f64 {
        if self.packets_sent == 0 { 0.0 } else { self.packets_late as f64 * 100.0 / self.packets_sent as f64 }
    }

    /// Counts a packet sent that libopus coded in `mode` at `bandwidth`. Never allocates.
    pub fn count_coded(&mut self, mode: CodingMode, bandwidth: Bandwidth) {
        *match mode {
            CodingMode::Silk => &mut self.coded_silk,
            CodingMode::Hybrid => &mut self.coded_hybrid,
            CodingMode::Celt => &mut self.coded_celt,
        } += 1;
        *match bandwidth {
            Bandwidth::Narrowband => &mut self.coded_narrowband,
            Bandwidth::Mediumband => &mut self.coded_mediumband,
            Bandwidth::Wideband => &mut self.coded_wideband,
            Bandwidth::Superwideband => &mut self.coded_superwideband,
            Bandwidth::Fullband => &mut self.coded_fullband,
        } += 1;
    }

    /// The packets sent per coding mode and per bandwidth, together.
    pub fn coded(&self) -> CodedCounts {
        CodedCounts {
            modes: [self.coded_silk, self.coded_hybrid, self.coded_celt],
            bandwidths: [
                self.coded_narrowband,
                self.coded_mediumband,
                self.coded_wideband,
                self.coded_superwideband,
                self.coded_fullband,
            ],
        }
    }

    /// Mean length of a run of lost packets.
    pub fn mean_burst_packets(&self) -> f64 {
        if self.loss_bursts == 0 { 0.0 } else { self.packets_lost as f64 / self.loss_bursts as f64 }
    }
}

meter_block! {
    /// Levels and rates measured over the signal, smoothed for display.
    Levels,
    /// [`Levels`] as atomics.
    SharedLevels, f32, AtomicF32 {
        /// Bitrate of the packets actually sent, bits per second, averaged over about a second.
        actual_bitrate_bps,
        /// Size of the latest packet in bytes.
        packet_bytes,
        /// Input peak (absolute sample value) over the latest block.
        input_peak,
        /// Input RMS in dBFS, averaged over about 300 ms.
        input_rms_dbfs,
        /// Output peak over the latest block.
        output_peak,
        /// Output RMS in dBFS, averaged over about 300 ms.
        output_rms_dbfs,
        /// Decoded against latency-aligned input, in dB, averaged over about a second.
        snr_db,
        /// The largest sample of the input (aligned with the decoded signal) since the last reset.
        aligned_peak_hold,
        /// The largest sample of the decoded signal since the last reset.
        decoded_peak_hold,
        /// The gain applied to the decoded signal to match the input's loudness, in dB (0 while
        /// level matching is off).
        level_match_db,
    }
}

meter_block! {
    /// What the codec thread's audio end counts (see [`crate::codec_thread`]); all 0 while the
    /// engine runs in the callback.
    CodecThreadCounters,
    /// [`CodecThreadCounters`] as atomics.
    SharedCodecThreadCounters, u64, AtomicU64 {
        /// The latency the codec thread adds, in host samples (0 when it is off).
        extra_latency_samples,
        /// Callbacks in which the codec thread had not yet delivered all of the output due.
        late_callbacks,
        /// Output frames played as silence because the codec thread was late.
        silent_frames,
        /// Input frames dropped because the codec thread fell a second behind.
        dropped_input_frames,
        /// Blocks refused because the input and output lengths did not match the channel layout.
        rejected_blocks,
        /// 1 once the codec thread has stopped (it panicked): the output stays silent until the
        /// next activation.
        worker_stopped,
    }
}

/// The shared, lock-free meter block. Created with the engine; share it with `Arc`.
#[derive(Debug, Default)]
pub struct Meters {
    counters: SharedCounters,
    levels: SharedLevels,
    /// Written by the codec thread's audio end alone.
    codec_thread: SharedCodecThreadCounters,
    /// The engine's current latency in host samples.
    latency_samples: AtomicU64,
    /// The host sample rate the engine runs at, in hertz.
    sample_rate_hz: AtomicU64,
    /// The longest block the host said it would pass.
    max_block_frames: AtomicU64,
}

/// Everything in [`Meters`] at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MeterSnapshot {
    /// Packet counts.
    pub counters: Counters,
    /// Levels and rates.
    pub levels: Levels,
    /// The codec thread's counts.
    pub codec_thread: CodecThreadCounters,
    /// The engine's current latency in host samples (without the codec thread's).
    pub latency_samples: u64,
    /// The host sample rate the engine runs at, in hertz (0 before any engine ran).
    pub sample_rate_hz: u64,
    /// The longest block the host said it would pass (0 before any engine ran).
    pub max_block_frames: u64,
}

impl MeterSnapshot {
    /// The whole latency in milliseconds, the codec thread's included, if the sample rate is
    /// known.
    pub fn latency_ms(&self) -> Option<f64> {
        let samples = self.latency_samples + self.codec_thread.extra_latency_samples;
        (self.sample_rate_hz > 0).then(|| samples as f64 * 1000.0 / self.sample_rate_hz as f64)
    }
}

impl Meters {
    /// Publishes the audio thread's values. Never allocates or blocks.
    pub fn publish(&self, counters: &Counters, levels: &Levels, latency_samples: usize, config: &EngineConfig) {
        self.counters.store(counters);
        self.levels.store(levels);
        self.latency_samples.store(latency_samples as u64, Relaxed);
        self.sample_rate_hz.store(u64::from(config.sample_rate_hz), Relaxed);
        self.max_block_frames.store(config.max_block_frames as u64, Relaxed);
    }

    /// Publishes the codec thread's counts (its audio end is their only writer).
    pub fn publish_codec_thread(&self, counters: &CodecThreadCounters) {
        self.codec_thread.store(counters);
    }

    /// The engine's latency last published, in host samples.
    pub fn latency_samples(&self) -> u64 {
        self.latency_samples.load(Relaxed)
    }

    /// Reads every value.
    pub fn snapshot(&self) -> MeterSnapshot {
        MeterSnapshot {
            counters: self.counters.load(),
            levels: self.levels.load(),
            codec_thread: self.codec_thread.load(),
            latency_samples: self.latency_samples.load(Relaxed),
            sample_rate_hz: self.sample_rate_hz.load(Relaxed),
            max_block_frames: self.max_block_frames.load(Relaxed),
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
            packets_late: 14,
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
            decoded_overs: 15,
            coded_silk: 21,
            coded_hybrid: 22,
            coded_celt: 23,
            coded_narrowband: 24,
            coded_mediumband: 25,
            coded_wideband: 26,
            coded_superwideband: 27,
            coded_fullband: 28,
            accelerations: 29,
            expansions: 30,
            stretch_removed_us: 31,
            stretch_added_us: 32,
            playout_delay_us: 33,
            target_delay_us: 34,
        };
        let levels = Levels {
            actual_bitrate_bps: 1.0,
            packet_bytes: 2.0,
            input_peak: 3.0,
            input_rms_dbfs: 4.0,
            output_peak: 5.0,
            output_rms_dbfs: 6.0,
            snr_db: 7.0,
            aligned_peak_hold: 8.0,
            decoded_peak_hold: 9.0,
            level_match_db: 10.0,
        };
        let codec_thread = CodecThreadCounters {
            extra_latency_samples: 16,
            late_callbacks: 17,
            silent_frames: 18,
            dropped_input_frames: 19,
            rejected_blocks: 20,
            worker_stopped: 1,
        };
        meters.publish(
            &counters,
            &levels,
            14,
            &EngineConfig { sample_rate_hz: 48_000, channels: 2, max_block_frames: 21 },
        );
        meters.publish_codec_thread(&codec_thread);
        let snapshot = meters.snapshot();
        assert_eq!(
            snapshot,
            MeterSnapshot {
                counters,
                levels,
                codec_thread,
                latency_samples: 14,
                sample_rate_hz: 48_000,
                max_block_frames: 21
            }
        );
        assert_eq!(snapshot.latency_ms(), Some(30.0 / 48.0));
        assert_eq!(snapshot.counters.coded(), CodedCounts { modes: [21, 22, 23], bandwidths: [24, 25, 26, 27, 28] });
    }

    #[test]
    fn a_packet_counted_as_coded_lands_in_its_mode_and_its_bandwidth() {
        let mut counters = Counters::default();
        counters.count_coded(CodingMode::Hybrid, Bandwidth::Superwideband);
        counters.count_coded(CodingMode::Celt, Bandwidth::Fullband);
        counters.count_coded(CodingMode::Celt, Bandwidth::Narrowband);
        let mut expected = CodedCounts::default();
        expected.add(CodingMode::Hybrid, Bandwidth::Superwideband);
        expected.add(CodingMode::Celt, Bandwidth::Fullband);
        expected.add(CodingMode::Celt, Bandwidth::Narrowband);
        assert_eq!(counters.coded(), expected);
    }
}
