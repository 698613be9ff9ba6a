//! The engine's API: host blocks in, the Opus round trip, host blocks out, at a constant
//! latency. The work is done by the pieces it holds: a [`crate::slot`] per compared setting
//! (each a [`crate::chain`]: the pipeline of FIFOs, resamplers and frames around the codec,
//! network and receiver), [`crate::restart`], [`crate::listen`], [`crate::mix`],
//! [`crate::levels`] and [`crate::sanitize`].

use std::sync::Arc;

use crate::comparison::{Comparison, Listen};
use crate::config::{EngineConfig, EngineError};
use crate::handoff::{HandoffSender, handoff};
use crate::listen::SourceSwitch;
use crate::loss_trace::LossTrace;
use crate::meters::{Counters, Meters};
use crate::mix::OutputMix;
use crate::pipeline::prefaulted;
use crate::restart::Restart;
use crate::round_trip::PacketObserver;
use crate::sanitize::sanitize_into;
use crate::settings::Settings;
use crate::slot::Slot;

/// The engine's own buffers for one piece of a block, each sized for the longest piece.
#[derive(Debug)]
struct PieceBuffers {
    /// Sanitised input.
    input: Vec<f32>,
    /// Latency-aligned input (slot A's; both slots' are the same).
    aligned: Vec<f32>,
    /// Slot B's copy of it, unused.
    aligned_b: Vec<f32>,
    /// What the listener hears, when that is not one slot's decoded signal as it is.
    heard: Vec<f32>,
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
/// **Comparing two settings.** [`Engine::set_comparison`] runs a second codec chain (slot B)
/// beside the engine's own (slot A) on the same input, and picks what the listener hears: the
/// dry input, A or B, crossfaded over 5 ms (see [`crate::listen`]). Both chains and the dry
/// signal are delayed to the slower chain's latency, so that a switch lands on the same sample.
/// B's meters go to [`Engine::meters_b`].
///
/// Thread ownership: one thread (the audio thread) owns the engine. Other threads read
/// [`Engine::meters`] through the shared, lock-free [`Meters`].
#[derive(Debug)]
pub struct Engine {
    /// What the engine was created for.
    config: EngineConfig,
    /// Slot A: the engine's own settings.
    a: Slot,
    /// Slot B: the compared settings; runs only while `b_running`.
    b: Slot,
    /// Whether B is asked for, and whether the chains' current shape includes it (they differ
    /// until the restart that turns it on or off).
    b_wanted: bool,
    b_running: bool,
    /// The source asked for.
    listen: Listen,
    /// Buffers for one piece.
    buffers: PieceBuffers,
    /// Restart state.
    restart: Restart,
    /// Dry, A or B, crossfaded and level-matched.
    switch: SourceSwitch,
    /// Monitor weights and gain.
    mix: OutputMix,
    /// Counters kept here rather than in a slot.
    sanitized_samples: u64,
    rejected_blocks: u64,
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
        let piece = max_block_frames * channels;
        let engine = Self {
            config,
            a: Slot::new(&config, settings, meters)?,
            b: Slot::new(&config, settings, Arc::new(Meters::default()))?,
            b_wanted: false,
            b_running: false,
            listen: Listen::A,
            buffers: PieceBuffers {
                input: prefaulted(piece),
                aligned: prefaulted(piece),
                aligned_b: prefaulted(piece),
                heard: prefaulted(piece),
                planar_in: prefaulted(piece),
                planar_out: prefaulted(piece),
            },
            restart: Restart::new(sample_rate_hz),
            switch: SourceSwitch::new(Listen::A, sample_rate_hz),
            mix: OutputMix::new(&settings, sample_rate_hz),
            sanitized_samples: 0,
            rejected_blocks: 0,
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
        self.a.chain.codec_rate_hz()
    }

    /// The settings in force (slot A's).
    pub fn settings(&self) -> &Settings {
        &self.a.settings
    }

    /// What is compared and heard, as last set.
    pub fn comparison(&self) -> Comparison {
        Comparison { b: self.b_wanted.then_some(self.b.settings), listen: self.listen }
    }

    /// The output's delay behind the input, in host samples.
    pub fn latency_samples(&self) -> usize {
        self.a.chain.latency().total_host
    }

    /// How far the encoded stream lags the input, in seconds: the down-resampler's delay plus
    /// the encoder's lookahead. A file of the packets skips this much at its start (an Ogg Opus
    /// file's pre-skip).
    pub fn encoded_delay_seconds(&self) -> f64 {
        self.a.chain.encoded_delay_seconds()
    }

    /// The shared meters (slot A's), for other threads.
    pub fn meters(&self) -> Arc<Meters> {
        Arc::clone(&self.a.meters)
    }

    /// Slot B's shared meters.
    pub fn meters_b(&self) -> Arc<Meters> {
        Arc::clone(&self.b.meters)
    }

    /// Publishes slot B's meters into `meters` from now on (a plugin keeps one for its lifetime,
    /// as for [`Engine::with_meters`]). Call before the audio thread takes the engine: the
    /// previous handle is dropped here.
    pub fn use_meters_b(&mut self, meters: Arc<Meters>) {
        self.b.meters = meters;
        self.publish_all_meters();
    }

    /// Takes new settings (out-of-range values are clamped). Never allocates. Settings that
    /// change the latency start a restart (see the type's documentation); the rest take effect
    /// at the next frame boundary, and mix, monitor and gain glide there over a few ms.
    pub fn set_settings(&mut self, settings: &Settings) {
        let settings = settings.clamped();
        if settings == self.a.settings {
            return;
        }
        let level_match_changed = settings.level_match != self.a.settings.level_match;
        self.a.configure(&settings);
        self.mix.set(&settings);
        if level_match_changed {
            // Turned on: measure afresh. Turned off: glide back to unity.
            self.restart_level_match();
        }
        self.request_restart_if_needed();
    }

    /// Takes what to compare and hear (see [`Comparison`]). Never allocates. Turning B on or
    /// off, or a change of B that needs a restart, restarts both chains as a latency change does;
    /// the rest of B's settings take effect at its next frame, and a change of source fades
    /// over 5 ms.
    pub fn set_comparison(&mut self, comparison: &Comparison) {
        if let Some(b) = comparison.b {
            let b = b.clamped();
            if b != self.b.settings {
                self.b.configure(&b);
            }
        }
        if comparison.b.is_some() != self.b_wanted {
            self.b_wanted = comparison.b.is_some();
            self.b.restart_level_match();
        }
        self.listen = comparison.listen;
        self.switch.listen(self.heard_source());
        self.request_restart_if_needed();
    }

    /// Plays `listen` as a blind test's switch does: what plays fades out and `listen` fades in
    /// (5 ms each) even if it is what plays, so that every switch sounds alike (see
    /// [`crate::listen`]). A later [`Engine::set_comparison`] with the same source changes
    /// nothing. Never allocates.
    pub fn switch_blind(&mut self, listen: Listen) {
        self.listen = listen;
        self.switch.relisten(self.heard_source());
    }

    /// The source the switch plays: A in place of a B that is not running.
    fn heard_source(&self) -> Listen {
        if self.listen == Listen::B && !self.b_running { Listen::A } else { self.listen }
    }

    /// Starts a restart if the settings asked for differ in shape from the chains'.
    fn request_restart_if_needed(&mut self) {
        let b_reshaped = self.b_wanted && self.b_running && self.b.needs_restart();
        if self.a.needs_restart() || self.b_wanted != self.b_running || b_reshaped {
            self.restart.request();
        }
    }

    /// Rebuilds the chains that run with the settings in force, and aligns them.
    fn restart_chains(&mut self) {
        self.a.restart();
        let b_starts = self.b_wanted && !self.b_running;
        self.b_running = self.b_wanted;
        if b_starts {
            // A new comparison: B's counters and meters start from zero.
            self.b.reset();
        } else if self.b_running {
            self.b.restart();
        } else {
            self.b.publish_stopped(&self.config);
        }
        self.align_chains();
        self.switch.listen(self.heard_source());
    }

    /// Delays the faster of two running chains, each just rebuilt, to the slower one's latency.
    fn align_chains(&mut self) {
        if self.b_running {
            let total = self.a.chain.latency().total_host.max(self.b.chain.latency().total_host);
            self.a.chain.align_to(total);
            self.b.chain.align_to(total);
        }
    }

    /// Forgets the loudness measured and sends the level-matching gains back to unity (gliding,
    /// unless a snap follows). Never allocates.
    fn restart_level_match(&mut self) {
        self.a.restart_level_match();
        self.b.restart_level_match();
        self.switch.set_level_match_db(0.0, 0.0);
    }

    /// The way loss traces reach this engine from another thread: send `Some(trace)` to replay
    /// it in place of the loss model (from its start, repeating), `None` to give the model back.
    /// The engine takes the newest at its next packet; old traces are freed by the sender (see
    /// [`crate::handoff`]). This allocates the handoff: call it before the audio thread owns the
    /// engine. A sender taken earlier no longer reaches it. The trace replaces slot A's loss
    /// model; [`Engine::loss_trace_sender_b`] gives slot B's.
    pub fn loss_trace_sender(&mut self) -> HandoffSender<Option<LossTrace>> {
        let (sender, receiver) = handoff();
        self.a.chain.attach_loss_traces(receiver);
        sender
    }

    /// Like [`Engine::loss_trace_sender`], for slot B.
    pub fn loss_trace_sender_b(&mut self) -> HandoffSender<Option<LossTrace>> {
        let (sender, receiver) = handoff();
        self.b.chain.attach_loss_traces(receiver);
        sender
    }

    /// Clears all audio state (FIFOs, codec, resamplers, loss pattern and counters) as if just
    /// created with the current settings and comparison. Never allocates.
    pub fn reset(&mut self) {
        self.a.reset();
        self.b_running = self.b_wanted;
        if self.b_running {
            self.b.reset();
        }
        self.align_chains();
        self.restart.cancel();
        self.restart_level_match();
        self.switch.listen(self.heard_source());
        self.switch.snap();
        self.mix.snap();
        self.sanitized_samples = 0;
        self.rejected_blocks = 0;
        self.publish_all_meters();
    }

    /// Processes interleaved audio: `output` receives `input.len()` samples. Any length is
    /// accepted; lengths that disagree with each other or with the channel count produce
    /// silence and are counted. Never allocates, locks or blocks.
    pub fn process_interleaved(&mut self, input: &[f32], output: &mut [f32]) {
        self.process_interleaved_tapped(input, output, &mut |_, _| {});
    }

    /// Like [`Engine::process_interleaved`], and hands `tap` each processed piece's
    /// latency-aligned input and the source heard (interleaved, equal lengths): slot A's
    /// decoded signal, or B's, level-matched if asked (the input itself under Dry), e.g. for a
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
    /// played out, slot A's (and slot B's to the observer [`PacketObserver::slot_b`] gives): an
    /// offline renderer records them, the plugin's packet timeline shows them.
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
            let heard_is_a = self.process_piece(&input[range.clone()], &mut output[range], packets);
            let len = piece * channels;
            let (aligned, decoded) = (&self.buffers.aligned[..len], &self.a.decoded[..len]);
            tap(aligned, if heard_is_a { decoded } else { &self.buffers.heard[..len] });
            packets.piece(aligned, decoded);
            if self.b_running
                && let Some(observer) = packets.slot_b()
            {
                observer.piece(aligned, &self.b.decoded[..len]);
            }
            done += piece;
            if self.restart.is_due() {
                self.restart_chains();
                self.restart.restarted();
            }
        }
    }

    /// Processes at most one maximum block. Returns whether the listener heard slot A's decoded
    /// signal as it is (else [`PieceBuffers::heard`] holds what was heard).
    fn process_piece(&mut self, input: &[f32], output: &mut [f32], packets: &mut dyn PacketObserver) -> bool {
        let channels = self.config.channels;
        let len = input.len();
        let frames = len / channels;
        let buffers = &mut self.buffers;
        let clean = &mut buffers.input[..len];
        self.sanitized_samples += u64::from(sanitize_into(input, clean));
        self.restart.fade_in(clean, channels);
        let aligned = &mut buffers.aligned[..len];
        self.a.process(clean, aligned, packets);
        if self.b_running {
            let mut unobserved = ();
            let observer = packets.slot_b().unwrap_or(&mut unobserved);
            self.b.process(clean, &mut buffers.aligned_b[..len], observer);
        }
        let matching = self.a.settings.level_match;
        if matching {
            let a_db = self.a.level_match_db(aligned, channels);
            let b_db = if self.b_running { self.b.level_match_db(aligned, channels) } else { 0.0 };
            self.switch.set_level_match_db(a_db, b_db);
        }
        let heard_is_a = self.switch.plays_only(Listen::A);
        let heard: &[f32] = if heard_is_a {
            // B, unheard, still glides to its level-matching gain.
            self.switch.skip(frames);
            &self.a.decoded[..len]
        } else {
            let b = if self.b_running { &self.b.decoded[..len] } else { &self.a.decoded[..len] };
            self.switch.render(&mut buffers.heard[..len], aligned, &self.a.decoded[..len], b, channels);
            &buffers.heard[..len]
        };
        let restart = self.restart;
        self.mix.render(output, heard, aligned, channels, restart.is_fading_out(), |frame| restart.output_gain(frame));
        self.restart.advance_fade_out(frames);
        if len > 0 {
            let seconds = frames as f32 / self.config.sample_rate_hz as f32;
            let (a_db, b_db) = self.switch.level_match_db();
            self.a.measure(seconds, clean, output, aligned, a_db);
            if self.b_running {
                self.b.measure(seconds, clean, output, aligned, b_db);
            }
        }
        heard_is_a
    }

    /// Slot A's counters with the engine's, together.
    pub fn counters(&self) -> Counters {
        self.a.counters(&self.engine_counters())
    }

    /// Slot B's, the same way (as they stood when B last ran).
    pub fn counters_b(&self) -> Counters {
        self.b.counters(&self.engine_counters())
    }

    /// The counters the engine keeps rather than a slot.
    fn engine_counters(&self) -> Counters {
        Counters {
            sanitized_samples: self.sanitized_samples,
            rejected_blocks: self.rejected_blocks,
            ..Counters::default()
        }
    }

    /// Publishes every meter, slot B's as stopped when it does not run (see
    /// [`Slot::publish_stopped`]): after a reset or a new handle. Each block publishes only the
    /// slots that run.
    fn publish_all_meters(&self) {
        self.publish_meters();
        if !self.b_running {
            self.b.publish_stopped(&self.config);
        }
    }

    fn publish_meters(&self) {
        let engine = self.engine_counters();
        self.a.publish(&engine, &self.config);
        if self.b_running {
            self.b.publish(&engine, &self.config);
        }
    }
}
