//! One compared setting (slot A to F, see [`crate::comparison`]): its codec chain, the settings
//! it runs and the ones its shape was built for, its level matching, level meters and the shared
//! meters it publishes into.

use std::sync::Arc;

use crate::chain::CodecChain;
use crate::config::{EngineConfig, EngineError};
use crate::level_match::LevelMatcher;
use crate::levels::LevelMeter;
use crate::meters::{Counters, Levels, Meters};
use crate::pipeline::prefaulted;
use crate::round_trip::PacketObserver;
use crate::settings::Settings;

/// A codec chain and what is measured of it. Owned by the engine, on the audio thread.
#[derive(Debug)]
pub struct Slot {
    /// FIFOs and resamplers around the codec, the network and the receiver.
    pub chain: CodecChain,
    /// The settings in force (those of the pipeline's shape may lag until a restart).
    pub settings: Settings,
    /// The settings the current pipeline shape was built for.
    pub shape: Settings,
    /// The decoded signal's loudness against the input's; `None` below 8 kHz.
    pub level_matcher: Option<LevelMatcher>,
    /// Meter averages.
    pub level_meter: LevelMeter,
    /// Samples the pipeline could not supply (0 unless the latency arithmetic is wrong).
    pub underruns: u64,
    /// Shared with readers on other threads.
    pub meters: Arc<Meters>,
    /// The decoded signal of the current piece.
    pub decoded: Vec<f32>,
}

impl Slot {
    /// A slot for `config` (valid) coding with `settings` (clamped), publishing into `meters`.
    /// Allocates everything it will use.
    pub fn new(config: &EngineConfig, settings: Settings, meters: Arc<Meters>) -> Result<Self, EngineError> {
        Ok(Self {
            chain: CodecChain::new(config, &settings)?,
            settings,
            shape: settings,
            level_matcher: LevelMatcher::new(config.sample_rate_hz),
            level_meter: LevelMeter::default(),
            underruns: 0,
            meters,
            decoded: prefaulted(config.max_block_frames * config.channels),
        })
    }

    /// Takes `settings` (clamped) at the next frame, but for those that wait for a restart.
    pub fn configure(&mut self, settings: &Settings) {
        self.chain.configure(&settings.with_restart_fields_of(&self.shape));
        self.settings = *settings;
    }

    /// Whether the settings in force need a restart to take effect.
    pub fn needs_restart(&self) -> bool {
        self.shape.needs_restart(&self.settings)
    }

    /// Rebuilds the chain with the settings in force, at its own latency.
    pub fn restart(&mut self) {
        self.shape = self.settings;
        self.chain.restart(&self.settings);
    }

    /// Clears everything, counters and meters included, as if just created.
    pub fn reset(&mut self) {
        self.shape = self.settings;
        self.chain.reset(&self.settings);
        self.restart_level_match();
        self.level_meter = LevelMeter::default();
        self.underruns = 0;
    }

    /// Forgets the loudness measured.
    pub fn restart_level_match(&mut self) {
        if let Some(matcher) = self.level_matcher.as_mut() {
            matcher.reset();
        }
    }

    /// Runs a piece of sanitised input through the chain into [`Slot::decoded`], and the input
    /// delayed by the latency into `aligned`, both as long as `input`.
    pub fn process(&mut self, input: &[f32], aligned: &mut [f32], packets: &mut dyn PacketObserver) {
        let decoded = &mut self.decoded[..input.len()];
        self.underruns += self.chain.process(input, decoded, aligned, packets) as u64;
    }

    /// The level-matching gain for the piece just processed (against `aligned`), in dB, or 0
    /// below the matcher's lowest rate.
    pub fn level_match_db(&mut self, aligned: &[f32], channels: usize) -> f32 {
        match self.level_matcher.as_mut() {
            Some(matcher) => matcher.add(aligned, &self.decoded[..aligned.len()], channels),
            None => 0.0,
        }
    }

    /// Folds the piece just processed into the meters: `input` sanitised, `output` what was
    /// played, `aligned` the input delayed, with the level-matching gain applied now.
    pub fn measure(&mut self, seconds: f32, input: &[f32], output: &[f32], aligned: &[f32], level_match_db: f32) {
        let len = input.len();
        self.level_meter.add_piece(seconds, input, output, aligned, &self.decoded[..len]);
        let chain = &self.chain;
        self.level_meter.add_packets(chain.counters(), chain.frame_seconds(), chain.last_packet_bytes());
        self.level_meter.set_level_match_db(level_match_db);
    }

    /// The chain's counters with the slot's and `engine`'s (sanitised samples, rejected blocks).
    pub fn counters(&self, engine: &Counters) -> Counters {
        Counters {
            sanitized_samples: engine.sanitized_samples,
            rejected_blocks: engine.rejected_blocks,
            underruns: self.underruns,
            decoded_overs: self.level_meter.decoded_overs(),
            ..*self.chain.counters()
        }
    }

    /// Publishes that the slot does not run: zero counters and levels, and a latency of 0
    /// (which a running slot never has), so that readers leave its figures out.
    pub fn publish_stopped(&self, config: &EngineConfig) {
        self.meters.publish(&Counters::default(), &Levels::default(), 0, config);
    }

    /// Publishes the counters (with `engine`'s) and levels.
    pub fn publish(&self, engine: &Counters, config: &EngineConfig) {
        self.meters.publish(&self.counters(engine), self.level_meter.levels(), self.chain.latency().total_host, config);
    }
}
