//! One codec chain: the pipeline (FIFOs, resamplers, whole frames) around one round trip
//! (encoder, simulated network, receiver, decoder). The engine runs one; a comparison of two
//! settings runs two on the same input, each with its own state, latency and counters.

use roundtrip_codec::Channels;

use crate::config::{EngineConfig, EngineError};
use crate::latency::Latency;
use crate::loss::LossTraceReceiver;
use crate::meters::Counters;
use crate::pipeline::{Pipeline, codec_rate_for, max_recovery_frames};
use crate::round_trip::{PacketObserver, RoundTrip};
use crate::settings::Settings;

/// Host samples in, the decoded signal and the latency-aligned input out.
#[derive(Debug)]
pub struct CodecChain {
    round_trip: RoundTrip,
    pipeline: Pipeline,
}

impl CodecChain {
    /// A chain for `config` (which must be valid) coding with `settings`, ready for samples.
    /// This allocates everything the chain will use, for the worst case of any setting.
    pub fn new(config: &EngineConfig, settings: &Settings) -> Result<Self, EngineError> {
        let channels =
            Channels::try_from(config.channels).map_err(|_| EngineError::UnsupportedChannels(config.channels))?;
        let codec_rate_hz = codec_rate_for(config.sample_rate_hz);
        let pipeline = Pipeline::new(config, codec_rate_hz)?;
        let round_trip = RoundTrip::new(codec_rate_hz, channels, settings, max_recovery_frames())?;
        let mut chain = Self { round_trip, pipeline };
        chain.pipeline.rebuild(&chain.round_trip, 0);
        Ok(chain)
    }

    /// The rate the codec runs at (see [`codec_rate_for`]).
    pub fn codec_rate_hz(&self) -> u32 {
        self.pipeline.codec_rate_hz()
    }

    /// The current delays.
    pub fn latency(&self) -> Latency {
        self.pipeline.latency()
    }

    /// How far the encoded stream lags the input, in seconds: the down-resampler's delay plus
    /// the encoder's lookahead.
    pub fn encoded_delay_seconds(&self) -> f64 {
        self.pipeline.down_delay_host_frames() as f64 / f64::from(self.pipeline.host_rate_hz())
            + self.round_trip.lookahead() as f64 / f64::from(self.codec_rate_hz())
    }

    /// The round trip's counters (packets, losses, recoveries, bytes, errors).
    pub fn counters(&self) -> &Counters {
        &self.round_trip.counters
    }

    /// The duration of one packet, in seconds.
    pub fn frame_seconds(&self) -> f32 {
        self.round_trip.frame_samples() as f32 / self.codec_rate_hz() as f32
    }

    /// The size of the latest packet, in bytes.
    pub fn last_packet_bytes(&self) -> usize {
        self.round_trip.last_packet_bytes
    }

    /// Takes new settings at the next frame; those that change the chain's shape (frame,
    /// application, recovery depth) wait for [`CodecChain::restart`]. Never allocates.
    pub fn configure(&mut self, settings: &Settings) {
        self.round_trip.configure(settings, false);
    }

    /// Rebuilds the codec and the pipeline with `settings`' shape, from silence, at the shape's
    /// own latency. Never allocates.
    pub fn restart(&mut self, settings: &Settings) {
        self.round_trip.restart(settings);
        self.pipeline.rebuild(&self.round_trip, 0);
    }

    /// Empties the pipeline again and delays the chain's output and dry signal so that its
    /// latency is `total_host` (if that is more than its own): two compared chains, each just
    /// restarted or reset, are aligned to the slower one this way. Never allocates.
    pub fn align_to(&mut self, total_host: usize) {
        self.pipeline.rebuild(&self.round_trip, total_host);
    }

    /// Replays the loss traces `receiver` brings in place of the loss model. Call before the
    /// audio thread takes the chain: a receiver attached earlier is freed here.
    pub fn attach_loss_traces(&mut self, receiver: LossTraceReceiver) {
        self.round_trip.attach_loss_traces(receiver);
    }

    /// Clears everything, counters and loss pattern included, as if just created. Never allocates.
    pub fn reset(&mut self, settings: &Settings) {
        self.round_trip.reset(settings);
        self.pipeline.rebuild(&self.round_trip, 0);
    }

    /// Runs interleaved host `input` through the chain, filling `decoded` and `aligned` with as
    /// many samples; returns the samples it could not supply (see [`Pipeline::process`]). Never
    /// allocates.
    pub fn process(
        &mut self,
        input: &[f32],
        decoded: &mut [f32],
        aligned: &mut [f32],
        packets: &mut dyn PacketObserver,
    ) -> usize {
        self.pipeline.process(input, decoded, aligned, &mut self.round_trip, packets)
    }
}
