//! The engine's API: host blocks in, the Opus round trip, host blocks out, at a constant
//! latency. The work is done by the pieces it holds: [`crate::chain`] (the pipeline of FIFOs,
//! resamplers and frames around the codec, network and receiver), [`crate::restart`],
//! [`crate::mix`], [`crate::levels`] and [`crate::sanitize`].

use std::sync::Arc;

use crate::chain::CodecChain;
use crate::config::{EngineConfig, EngineError};
use crate::handoff::{HandoffSender, handoff};
use crate::level_match::LevelMatcher;
use crate::levels::LevelMeter;
use crate::loss_trace::LossTrace;
use crate::meters::{Counters, Meters};
use crate::mix::OutputMix;
use crate::pipeline::prefaulted;
use crate::restart::Restart;
use crate::round_trip::PacketObserver;
use crate::sanitize::sanitize_into;
use crate::settings::Settings;

/// The engine's own buffers for one piece of a block, each sized for the longest piece.
#[derive(Debug)]
struct PieceBuffers {
    /// Sanitised input.
    input: Vec<f32>,
    /// Decoded output.
    decoded: Vec<f32>,
    /// Latency-aligned input.
    aligned: Vec<f32>,
    /// A planar block interleaved, and its processed output.
    planar_in: Vec<f32>,
    planar_out: Vec<f32>,
}

/// The real-time Opus round trip.
///
/// Created for a host rate, a channel count and a maximum block size: everything (codec states
/// in one arena, FIFOs, resamplers, packet buffers, scratch) is allocated in [`Engine::new`].
/// [`Engine::process_interleaved`] and [`Engine::process_planar`] take blocks of any length,
/// including 0 and more than the maximum; they, [`Engine::set_settings`] and [`Engine::reset`]
/// never allocate, lock, block or free.
///
/// The output is the processed input delayed by exactly [`Engine::latency_samples`] host
/// samples: the frame minus one sample of buffering, the encoder's lookahead, the frames the
/// receiver holds back for FEC or DRED, and, at rates Opus does not code at, the resamplers'
/// delays (padded so that the sum is a whole number of host samples).
///
/// **Changing latency while running.** The frame duration, the application (to or from
/// restricted low delay), and turning FEC or DRED on or off (or changing how far DRED reaches)
/// change the latency. The engine then fades the output out over 5 ms, restarts the codec with
/// the new shape, and fades the input back in; the new latency applies from the restart, and
/// the output is silent for that latency while the new pipeline fills. Every other setting takes
/// effect at the next frame boundary, without a restart.
///
/// Thread ownership: one thread (the audio thread) owns the engine. Other threads read
/// [`Engine::meters`] through the shared, lock-free [`Meters`].
#[derive(Debug)]
pub struct Engine {
    /// What the engine was created for.
    config: EngineConfig,
    /// FIFOs and resamplers around the codec, the network and the receiver.
    chain: CodecChain,
    /// Buffers for one piece.
    buffers: PieceBuffers,
    /// The settings in force (those of the pipeline's shape may lag until a restart).
    settings: Settings,
    /// The settings the current pipeline shape was built for.
    shape_settings: Settings,
    /// Restart state.
    restart: Restart,
    /// Monitor weights and gain.
    mix: OutputMix,
    /// The decoded signal's loudness against the input's; `None` below 8 kHz.
    level_matcher: Option<LevelMatcher>,
    /// Counters kept here rather than in the round trip.
    sanitized_samples: u64,
    rejected_blocks: u64,
    underruns: u64,
    /// Meter averages.
    level_meter: LevelMeter,
    /// Shared with readers on other threads.
    meters: Arc<Meters>,
}

impl Engine {
    /// Creates an engine. This allocates everything the engine will ever use.
    pub fn new(config: EngineConfig, settings: Settings) -> Result<Self, EngineError> {
        Self::with_meters(config, settings, Arc::new(Meters::default()))
    }

    /// Like [`Engine::new`], publishing into `meters`: a plugin creates its meters once, hands
    /// them to its editor, and keeps them across engines made for new sample rates.
    pub fn with_meters(config: EngineConfig, settings: Settings, meters: Arc<Meters>) -> Result<Self, EngineError> {
        config.validate()?;
        let EngineConfig { sample_rate_hz, channels, max_block_frames } = config;
        let settings = settings.clamped();
        let chain = CodecChain::new(&config, &settings)?;
        let piece = max_block_frames * channels;
        let engine = Self {
            config,
            chain,
            buffers: PieceBuffers {
                input: prefaulted(piece),
                decoded: prefaulted(piece),
                aligned: prefaulted(piece),
                planar_in: prefaulted(piece),
                planar_out: prefaulted(piece),
            },
            settings,
            shape_settings: settings,
            restart: Restart::new(sample_rate_hz),
            mix: OutputMix::new(&settings, sample_rate_hz),
            level_matcher: LevelMatcher::new(sample_rate_hz),
            sanitized_samples: 0,
            rejected_blocks: 0,
            underruns: 0,
            level_meter: LevelMeter::default(),
            meters,
        };
        engine.publish_meters();
        Ok(engine)
    }

    /// What the engine was created for.
    pub fn config(&self) -> EngineConfig {
        self.config
    }

    /// The rate the codec runs at.
    pub fn codec_rate_hz(&self) -> u32 {
        self.chain.codec_rate_hz()
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The output's delay behind the input, in host samples.
    pub fn latency_samples(&self) -> usize {
        self.chain.latency().total_host
    }

    /// How far the encoded stream lags the input, in seconds: the down-resampler's delay plus
    /// the encoder's lookahead. A file of the packets skips this much at its start (an Ogg Opus
    /// file's pre-skip).
    pub fn encoded_delay_seconds(&self) -> f64 {
        self.chain.encoded_delay_seconds()
    }

    /// The shared meters, for other threads.
    pub fn meters(&self) -> Arc<Meters> {
        Arc::clone(&self.meters)
    }

    /// Takes new settings (out-of-range values are clamped). Never allocates. Settings that
    /// change the latency start a restart (see the type's documentation); the rest take effect
    /// at the next frame boundary, and mix, monitor and gain glide there over a few ms.
    pub fn set_settings(&mut self, settings: &Settings) {
        let settings = settings.clamped();
        if settings == self.settings {
            return;
        }
        if self.shape_settings.needs_restart(&settings) {
            self.restart.request();
        }
        self.chain.configure(&settings.with_restart_fields_of(&self.shape_settings));
        self.mix.set(&settings);
        if settings.level_match != self.settings.level_match {
            // Turned on: measure afresh. Turned off: glide back to unity.
            self.restart_level_match();
        }
        self.settings = settings;
    }

    /// Forgets the loudness measured and sends the level-matching gain back to unity (gliding,
    /// unless a snap follows). Never allocates.
    fn restart_level_match(&mut self) {
        if let Some(matcher) = self.level_matcher.as_mut() {
            matcher.reset();
        }
        self.mix.set_level_match_db(0.0);
    }

    /// The way loss traces reach this engine from another thread: send `Some(trace)` to replay
    /// it in place of the loss model (from its start, repeating), `None` to give the model back.
    /// The engine takes the newest at its next packet; old traces are freed by the sender (see
    /// [`crate::handoff`]). This allocates the handoff: call it before the audio thread owns the
    /// engine. A sender taken earlier no longer reaches it.
    pub fn loss_trace_sender(&mut self) -> HandoffSender<Option<LossTrace>> {
        let (sender, receiver) = handoff();
        self.chain.attach_loss_traces(receiver);
        sender
    }

    /// Clears all audio state (FIFOs, codec, resamplers, loss pattern and counters) as if just
    /// created with the current settings. Never allocates.
    pub fn reset(&mut self) {
        self.shape_settings = self.settings;
        self.chain.reset(&self.settings);
        self.restart.cancel();
        self.restart_level_match();
        self.mix.snap();
        self.sanitized_samples = 0;
        self.rejected_blocks = 0;
        self.underruns = 0;
        self.level_meter = LevelMeter::default();
        self.publish_meters();
    }

    /// Processes interleaved audio: `output` receives `input.len()` samples. Any length is
    /// accepted; lengths that disagree with each other or with the channel count produce
    /// silence and are counted. Never allocates, locks or blocks.
    pub fn process_interleaved(&mut self, input: &[f32], output: &mut [f32]) {
        self.process_interleaved_tapped(input, output, &mut |_, _| {});
    }

    /// Like [`Engine::process_interleaved`], and hands `tap` each processed piece's
    /// latency-aligned input and decoded signal (interleaved, equal lengths), e.g. for a
    /// spectrum display. `tap` runs on the calling thread and must not allocate either.
    pub fn process_interleaved_tapped(
        &mut self,
        input: &[f32],
        output: &mut [f32],
        tap: &mut dyn FnMut(&[f32], &[f32]),
    ) {
        self.process_interleaved_observed(input, output, tap, &mut ());
    }

    /// Like [`Engine::process_interleaved_tapped`], and tells `packets` of every packet sent and
    /// played out (an offline renderer records them; the plugin passes nothing).
    pub fn process_interleaved_observed(
        &mut self,
        input: &[f32],
        output: &mut [f32],
        tap: &mut dyn FnMut(&[f32], &[f32]),
        packets: &mut dyn PacketObserver,
    ) {
        let channels = self.config.channels;
        if input.len() != output.len() || !input.len().is_multiple_of(channels) {
            output.fill(0.0);
            self.rejected_blocks += 1;
        } else {
            self.process_pieces(input, output, tap, packets);
        }
        self.publish_meters();
    }

    /// Processes per-channel buffers in place (the layout plugin hosts use). There must be one
    /// slice per channel, all of the same length, else the block is silenced and counted.
    /// Never allocates.
    pub fn process_planar(&mut self, channels: &mut [&mut [f32]]) {
        self.process_planar_tapped(channels, &mut |_, _| {});
    }

    /// Like [`Engine::process_planar`], with a tap as in [`Engine::process_interleaved_tapped`].
    pub fn process_planar_tapped(&mut self, channels: &mut [&mut [f32]], tap: &mut dyn FnMut(&[f32], &[f32])) {
        self.process_planar_observed(channels, tap, &mut ());
    }

    /// Like [`Engine::process_planar_tapped`], and tells `packets` of every packet, as
    /// [`Engine::process_interleaved_observed`] does (the plugin's packet timeline).
    pub fn process_planar_observed(
        &mut self,
        channels: &mut [&mut [f32]],
        tap: &mut dyn FnMut(&[f32], &[f32]),
        packets: &mut dyn PacketObserver,
    ) {
        let count = self.config.channels;
        let frames = channels.first().map_or(0, |channel| channel.len());
        if channels.len() != count || channels.iter().any(|channel| channel.len() != frames) {
            channels.iter_mut().for_each(|channel| channel.fill(0.0));
            self.rejected_blocks += 1;
            self.publish_meters();
            return;
        }
        // Borrow the planar scratch out of `self` (taking a `Vec` leaves an empty one, which
        // does not allocate) so that `process_pieces` can borrow `self` mutably.
        let mut interleaved = std::mem::take(&mut self.buffers.planar_in);
        let mut processed = std::mem::take(&mut self.buffers.planar_out);
        let mut done = 0;
        while done < frames {
            let piece = (frames - done).min(self.config.max_block_frames);
            let len = piece * count;
            for (frame, samples) in interleaved[..len].chunks_exact_mut(count).enumerate() {
                for (sample, channel) in samples.iter_mut().zip(channels.iter()) {
                    *sample = channel[done + frame];
                }
            }
            self.process_pieces(&interleaved[..len], &mut processed[..len], tap, packets);
            for (frame, samples) in processed[..len].chunks_exact(count).enumerate() {
                for (&sample, channel) in samples.iter().zip(channels.iter_mut()) {
                    channel[done + frame] = sample;
                }
            }
            done += piece;
        }
        self.buffers.planar_in = interleaved;
        self.buffers.planar_out = processed;
        self.publish_meters();
    }

    /// Splits a block into pieces of at most the maximum block size, and at the end of a
    /// restart fade, so that the restart happens at its exact sample.
    fn process_pieces(
        &mut self,
        input: &[f32],
        output: &mut [f32],
        tap: &mut dyn FnMut(&[f32], &[f32]),
        packets: &mut dyn PacketObserver,
    ) {
        let channels = self.config.channels;
        let frames = input.len() / channels;
        let mut done = 0;
        while done < frames {
            let piece = self.restart.piece_frames((frames - done).min(self.config.max_block_frames));
            let range = done * channels..(done + piece) * channels;
            self.process_piece(&input[range.clone()], &mut output[range], packets);
            let len = piece * channels;
            tap(&self.buffers.aligned[..len], &self.buffers.decoded[..len]);
            packets.piece(&self.buffers.aligned[..len], &self.buffers.decoded[..len]);
            done += piece;
            if self.restart.is_due() {
                self.shape_settings = self.settings;
                self.chain.restart(&self.settings);
                self.restart.restarted();
            }
        }
    }

    /// Processes at most one maximum block.
    fn process_piece(&mut self, input: &[f32], output: &mut [f32], packets: &mut dyn PacketObserver) {
        let channels = self.config.channels;
        let len = input.len();
        let frames = len / channels;
        let buffers = &mut self.buffers;
        let clean = &mut buffers.input[..len];
        self.sanitized_samples += u64::from(sanitize_into(input, clean));
        self.restart.fade_in(clean, channels);
        let (decoded, aligned) = (&mut buffers.decoded[..len], &mut buffers.aligned[..len]);
        self.underruns += self.chain.process(clean, decoded, aligned, packets) as u64;
        if let Some(matcher) = self.level_matcher.as_mut().filter(|_| self.settings.level_match) {
            self.mix.set_level_match_db(matcher.add(aligned, decoded, channels));
        }
        let restart = self.restart;
        self.mix
            .render(output, decoded, aligned, channels, restart.is_fading_out(), |frame| restart.output_gain(frame));
        self.restart.advance_fade_out(frames);
        if len > 0 {
            let seconds = frames as f32 / self.config.sample_rate_hz as f32;
            self.level_meter.add_piece(seconds, clean, output, aligned, decoded);
            let chain = &self.chain;
            self.level_meter.add_packets(chain.counters(), chain.frame_seconds(), chain.last_packet_bytes());
            self.level_meter.set_level_match_db(self.mix.level_match_db());
        }
    }

    /// The counters kept here and in the round trip, together.
    pub fn counters(&self) -> Counters {
        Counters {
            sanitized_samples: self.sanitized_samples,
            rejected_blocks: self.rejected_blocks,
            underruns: self.underruns,
            decoded_overs: self.level_meter.decoded_overs(),
            ..*self.chain.counters()
        }
    }

    fn publish_meters(&self) {
        self.meters.publish(&self.counters(), self.level_meter.levels(), self.chain.latency().total_host, &self.config);
    }
}
