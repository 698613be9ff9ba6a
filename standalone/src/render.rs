//! The offline render: a whole file through the engine, as a host would play it, with the
//! engine's latency removed so that the output lines up with the input sample for sample.

use roundtrip_engine::{Counters, Engine, EngineConfig, PacketFate, PacketObserver, SentPacket, Settings};

use crate::error::{AppError, Result};
use crate::ogg_opus::{GRANULE_RATE_HZ, packet_samples_48k};
use crate::progress::Progress;
use crate::wav::Audio;

/// Frames per engine call: a host's typical large block. Any size gives the same output.
pub const BLOCK_FRAMES: usize = 1024;

/// What a render produced.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The decoded audio, as long as the input and aligned with it.
    pub decoded: Audio,
    /// Every packet the encoder sent, in order (the stream before the network).
    pub packets: Vec<Vec<u8>>,
    /// What each of `packets` carried.
    pub sent: Vec<SentInfo>,
    /// What the receiver made of each packet it played out, in order.
    pub fates: Vec<PacketFate>,
    /// The engine's counters at the end.
    pub counters: Counters,
    /// The latency that was removed, in samples at the file's rate.
    pub latency_samples: usize,
    /// How far the packets lag the input, in 48 kHz samples (the Ogg Opus pre-skip).
    pub pre_skip: u16,
    /// The settings used (after clamping).
    pub settings: Settings,
}

/// The redundancy one packet carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentInfo {
    pub fec: bool,
    pub dred: bool,
}

impl Rendered {
    /// How many of the first packets cover `input` (the rest were sent while the engine ran on
    /// to flush its latency): those up to the one that reaches the input's end, counting the
    /// packets' delay. The Ogg Opus file holds the same packets.
    pub fn covering_packets(&self, input: &Audio) -> usize {
        let end = u64::from(self.pre_skip)
            + (input.frames() as u64 * u64::from(GRANULE_RATE_HZ)).div_ceil(u64::from(input.sample_rate_hz));
        let mut covered = 0;
        let reached = self.packets.iter().position(|packet| {
            covered += packet_samples_48k(packet);
            covered >= end
        });
        reached.map_or(self.packets.len(), |index| index + 1)
    }

    /// Bitrate of the first `count` packets, bits per second over their own duration.
    pub fn packet_bitrate_bps(&self, count: usize) -> f64 {
        let packets = &self.packets[..count.min(self.packets.len())];
        let samples: u64 = packets.iter().map(|packet| packet_samples_48k(packet)).sum();
        let bytes: usize = packets.iter().map(Vec::len).sum();
        if samples == 0 { 0.0 } else { bytes as f64 * 8.0 * f64::from(GRANULE_RATE_HZ) / samples as f64 }
    }
}

/// Collects packets and their fates.
#[derive(Debug, Default)]
struct Recorder {
    packets: Vec<Vec<u8>>,
    sent: Vec<SentInfo>,
    fates: Vec<PacketFate>,
}

impl PacketObserver for Recorder {
    fn sent(&mut self, packet: &SentPacket<'_>) {
        self.packets.push(packet.bytes.to_vec());
        self.sent.push(SentInfo { fec: packet.carries_fec, dred: packet.carries_dred });
    }

    fn received(&mut self, _sequence: u64, fate: PacketFate) {
        self.fates.push(fate);
    }
}

/// Renders `input` through the engine with `settings`. The output has exactly the input's
/// length: the engine runs on past the end of the input (on silence) for its latency, and the
/// first latency samples of its output are dropped.
pub fn render(input: &Audio, settings: Settings, progress: &Progress) -> Result<Rendered> {
    let channels = input.channels;
    let config = EngineConfig { sample_rate_hz: input.sample_rate_hz, channels, max_block_frames: BLOCK_FRAMES };
    let mut engine = Engine::new(config, settings).map_err(AppError::Engine)?;
    let latency = engine.latency_samples();
    let pre_skip = (engine.encoded_delay_seconds() * f64::from(GRANULE_RATE_HZ)).round() as u16;

    let frames = input.frames();
    let total_frames = frames + latency;
    let mut decoded = Vec::with_capacity(input.samples.len());
    let mut recorder = Recorder::default();
    let mut block_in = vec![0.0; BLOCK_FRAMES * channels];
    let mut block_out = vec![0.0; BLOCK_FRAMES * channels];
    let mut done = 0;
    while done < total_frames {
        let len = (total_frames - done).min(BLOCK_FRAMES) * channels;
        let start = done * channels;
        // The input, then silence for the latency.
        let remaining = input.samples.get(start..).unwrap_or_default();
        let available = remaining.len().min(len);
        block_in[..available].copy_from_slice(&remaining[..available]);
        block_in[available..len].fill(0.0);
        engine.process_interleaved_observed(&block_in[..len], &mut block_out[..len], &mut |_, _| {}, &mut recorder);
        // Keep what comes after the first `latency` frames.
        let skip = (latency * channels).saturating_sub(start).min(len);
        decoded.extend_from_slice(&block_out[skip..len]);
        done += len / channels;
        progress.set(done as f64 / f64::from(input.sample_rate_hz));
    }
    progress.finish();
    decoded.truncate(input.samples.len());
    let counters = engine.counters();
    if counters.underruns > 0 || counters.rejected_blocks > 0 {
        return Err(AppError::Internal(format!("the engine reported {counters:?}")));
    }
    Ok(Rendered {
        decoded: Audio { sample_rate_hz: input.sample_rate_hz, channels, samples: decoded },
        packets: recorder.packets,
        sent: recorder.sent,
        fates: recorder.fates,
        counters,
        latency_samples: latency,
        pre_skip,
        settings: *engine.settings(),
    })
}
