//! The engine's API: host blocks in, the Opus round trip, host blocks out, at a constant
//! latency. The work is done by the pieces it holds: a [`crate::slot`] per compared setting
//! (each a [`crate::chain`]: the pipeline of FIFOs, resamplers and frames around the codec,
//! network and receiver), [`crate::restart`], [`crate::listen`], [`crate::mix`],
//! [`crate::levels`] and [`crate::sanitize`].

use std::sync::Arc;

use crate::comparison::{Comparison, Listen, MAX_SLOTS, SlotId};
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
    /// Latency-aligned input (slot A's; every running slot's is the same).
    aligned: Vec<f32>,
    /// The other slots' copies of it, unused.
    aligned_spare: Vec<f32>,
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
/// **Comparing settings.** An engine made by [`Engine::with_slots`] has up to [`MAX_SLOTS`]
/// slots: A runs the engine's own settings, and [`Engine::set_comparison`] runs the compared
/// ones (B to F) each in a codec chain of its own beside A's, on the same input, and picks what
/// the listener hears: the dry input or one slot, crossfaded over 5 ms (see [`crate::listen`]).
/// Every running chain and the dry signal are delayed to the slowest chain's latency, so that a
/// switch lands on the same sample. Each slot has its own meters ([`Engine::meters`]), counters
/// and loss trace, all indexed by [`SlotId`].
///
/// Thread ownership: one thread (the audio thread) owns the engine. Other threads read
/// [`Engine::meters`] through the shared, lock-free [`Meters`].
#[derive(Debug)]
pub struct Engine {
    /// What the engine was created for.
    config: EngineConfig,
    /// The slots it was made with, A first (the engine's own settings); the others run only
    /// while `running`.
    slots: Vec<Slot>,
    /// Whether each slot is asked for, and whether the chains' current shape includes it (they
    /// differ until the restart that turns it on or off). A's are always true.
    wanted: [bool; MAX_SLOTS],
    running: [bool; MAX_SLOTS],
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
    /// Creates an engine with slot A alone. This allocates everything the engine will ever use.
    pub fn new(config: EngineConfig, settings: Settings) -> Result<Self, EngineError> {
        Self::with_slots(config, settings, 1)
    }

    /// Like [`Engine::new`], with `slots` slots (1 to [`MAX_SLOTS`], clamped) to compare: each a
    /// codec chain allocated here, running only when [`Engine::set_comparison`] turns it on.
    pub fn with_slots(config: EngineConfig, settings: Settings, slots: usize) -> Result<Self, EngineError> {
        config.validate()?;
        let EngineConfig { sample_rate_hz, channels, max_block_frames } = config;
        let settings = settings.clamped();
        let piece = max_block_frames * channels;
        let slots = (0..slots.clamp(1, MAX_SLOTS))
            .map(|_| Slot::new(&config, settings, Arc::new(Meters::default())))
            .collect::<Result<Vec<_>, _>>()?;
        let mut running = [false; MAX_SLOTS];
        running[SlotId::A.index()] = true;
        let engine = Self {
            config,
            slots,
            wanted: running,
            running,
            listen: Listen::A,
            buffers: PieceBuffers {
                input: prefaulted(piece),
                aligned: prefaulted(piece),
                aligned_spare: prefaulted(piece),
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

    /// How many slots it was made with, A included.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Slot A: the engine's own settings.
    fn a(&self) -> &Slot {
        &self.slots[SlotId::A.index()]
    }

    /// The slots other than A that it was made with.
    fn compared(&self) -> impl Iterator<Item = SlotId> + use<> {
        SlotId::COMPARED.into_iter().take(self.slots.len() - 1)
    }

    /// The rate the codec runs at.
    pub fn codec_rate_hz(&self) -> u32 {
        self.a().chain.codec_rate_hz()
    }

    /// The settings in force (slot A's).
    pub fn settings(&self) -> &Settings {
        &self.a().settings
    }

    /// What is compared and heard, as last set (a slot the engine was not made with is off).
    pub fn comparison(&self) -> Comparison {
        self.compared().fold(Comparison::listening(self.listen), |comparison, slot| {
            let settings = self.wanted[slot.index()].then_some(self.slots[slot.index()].settings);
            comparison.with(slot, settings)
        })
    }

    /// The output's delay behind the input, in host samples.
    pub fn latency_samples(&self) -> usize {
        self.a().chain.latency().total_host
    }

    /// How far the encoded stream lags the input, in seconds: the down-resampler's delay plus
    /// the encoder's lookahead. A file of the packets skips this much at its start (an Ogg Opus
    /// file's pre-skip).
    pub fn encoded_delay_seconds(&self) -> f64 {
        self.a().chain.encoded_delay_seconds()
    }

    /// A slot's shared meters, for other threads (a slot the engine was not made with has
    /// meters of its own that never move).
    pub fn meters(&self, slot: SlotId) -> Arc<Meters> {
        self.slots.get(slot.index()).map_or_else(Arc::default, |slot| Arc::clone(&slot.meters))
    }

    /// Publishes a slot's meters into `meters` from now on: a plugin creates its meters once,
    /// hands them to its editor, and keeps them across engines made for new sample rates. Call
    /// before the audio thread takes the engine: the previous handle is dropped here. A slot
    /// the engine was not made with is left as it is.
    pub fn use_meters(&mut self, slot: SlotId, meters: Arc<Meters>) {
        if let Some(slot) = self.slots.get_mut(slot.index()) {
            slot.meters = meters;
            self.publish_all_meters();
        }
    }

    /// Takes new settings (out-of-range values are clamped). Never allocates. Settings that
    /// change the latency start a restart (see the type's documentation); the rest take effect
    /// at the next frame boundary, and mix, monitor and gain glide there over a few ms.
    pub fn set_settings(&mut self, settings: &Settings) {
        let settings = settings.clamped();
        if settings == self.a().settings {
            return;
        }
        let level_match_changed = settings.level_match != self.a().settings.level_match;
        self.slots[SlotId::A.index()].configure(&settings);
        self.mix.set(&settings);
        if level_match_changed {
            // Turned on: measure afresh. Turned off: glide back to unity.
            self.restart_level_match();
        }
        self.request_restart_if_needed();
    }

    /// Takes what to compare and hear (see [`Comparison`]); slots the engine was not made with
    /// stay off. Never allocates. Turning a slot on or off, or a change of one that needs a
    /// restart, restarts every chain as a latency change does; the rest of a slot's settings
    /// take effect at its next frame, and a change of source fades over 5 ms.
    pub fn set_comparison(&mut self, comparison: &Comparison) {
        for id in self.compared() {
            let (index, settings) = (id.index(), comparison.settings(id));
            let slot = &mut self.slots[index];
            if let Some(settings) = settings.map(|settings| settings.clamped())
                && settings != slot.settings
            {
                slot.configure(&settings);
            }
            if settings.is_some() != self.wanted[index] {
                self.wanted[index] = settings.is_some();
                slot.restart_level_match();
            }
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

    /// The source the switch plays: A in place of a slot that is not running.
    fn heard_source(&self) -> Listen {
        match self.listen.slot() {
            Some(slot) if !self.running[slot.index()] => Listen::A,
            _ => self.listen,
        }
    }

    /// The slots that run now, A first.
    fn running_slots(&self) -> impl Iterator<Item = usize> + use<> {
        let running = self.running;
        (0..self.slots.len()).filter(move |&index| running[index])
    }

    /// Starts a restart if the settings asked for differ in shape from the chains'.
    fn request_restart_if_needed(&mut self) {
        let reshaped = |index: usize| {
            let (wanted, running) = (self.wanted[index], self.running[index]);
            wanted != running || (running && self.slots[index].needs_restart())
        };
        if (0..self.slots.len()).any(reshaped) {
            self.restart.request();
        }
    }

    /// Rebuilds the chains that run with the settings in force, and aligns them.
    fn restart_chains(&mut self) {
        for (index, slot) in self.slots.iter_mut().enumerate() {
            let starts = self.wanted[index] && !self.running[index];
            self.running[index] = self.wanted[index];
            if starts {
                // A new comparison: the slot's counters and meters start from zero.
                slot.reset();
            } else if self.running[index] {
                slot.restart();
            } else {
                slot.publish_stopped(&self.config);
            }
        }
        self.align_chains();
        self.switch.listen(self.heard_source());
    }

    /// Delays every running chain, each just rebuilt, to the slowest one's latency (a chain
    /// that runs alone keeps its own).
    fn align_chains(&mut self) {
        if self.running_slots().nth(1).is_none() {
            return;
        }
        let slowest = self.running_slots().map(|index| self.slots[index].chain.latency().total_host).max();
        for index in self.running_slots() {
            self.slots[index].chain.align_to(slowest.unwrap_or(0));
        }
    }

    /// Forgets the loudness measured and sends the level-matching gains back to unity (gliding,
    /// unless a snap follows). Never allocates.
    fn restart_level_match(&mut self) {
        self.slots.iter_mut().for_each(Slot::restart_level_match);
        self.switch.set_level_match_db(&[0.0; MAX_SLOTS]);
    }

    /// The way loss traces reach this engine from another thread: send `Some(trace)` to replay
    /// it in place of the loss model (from its start, repeating), `None` to give the model back.
    /// The engine takes the newest at its next packet; old traces are freed by the sender (see
    /// [`crate::handoff`]). This allocates the handoff: call it before the audio thread owns the
    /// engine. A sender taken earlier no longer reaches it. The trace replaces `slot`'s loss
    /// model (a slot the engine was not made with: nothing).
    pub fn loss_trace_sender(&mut self, slot: SlotId) -> HandoffSender<Option<LossTrace>> {
        let (sender, receiver) = handoff();
        if let Some(slot) = self.slots.get_mut(slot.index()) {
            slot.chain.attach_loss_traces(receiver);
        }
        sender
    }

    /// Clears all audio state (FIFOs, codec, resamplers, loss pattern and counters) as if just
    /// created with the current settings and comparison. Never allocates.
    pub fn reset(&mut self) {
        self.running = self.wanted;
        for index in self.running_slots() {
            self.slots[index].reset();
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
    /// played out, slot A's (and each compared slot's to the observer
    /// [`PacketObserver::compared_slot`] gives): an offline renderer records them, the plugin's
    /// packet timeline shows them.
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
            let (aligned, decoded) = (&self.buffers.aligned[..len], &self.a().decoded[..len]);
            tap(aligned, if heard_is_a { decoded } else { &self.buffers.heard[..len] });
            packets.piece(aligned, decoded);
            for index in self.running_slots().skip(1) {
                if let Some(observer) = packets.compared_slot(SlotId::ALL[index]) {
                    observer.piece(aligned, &self.slots[index].decoded[..len]);
                }
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
        let running = self.running;
        let (a, compared) = self.slots.split_first_mut().expect("an engine has slot A");
        a.process(clean, aligned, packets);
        for (slot, id) in compared.iter_mut().zip(SlotId::COMPARED).filter(|(_, id)| running[id.index()]) {
            let mut unobserved = ();
            let observer = packets.compared_slot(id).unwrap_or(&mut unobserved);
            slot.process(clean, &mut buffers.aligned_spare[..len], observer);
        }
        if a.settings.level_match {
            let mut gains_db = [0.0; MAX_SLOTS];
            for ((gain_db, slot), _) in gains_db.iter_mut().zip(&mut self.slots).zip(running).filter(|(_, on)| *on) {
                *gain_db = slot.level_match_db(aligned, channels);
            }
            self.switch.set_level_match_db(&gains_db);
        }
        let heard_is_a = self.switch.plays_only(Listen::A);
        let a_decoded = &self.slots[SlotId::A.index()].decoded[..len];
        let heard: &[f32] = if heard_is_a {
            // The others, unheard, still glide to their level-matching gains.
            self.switch.skip(frames);
            a_decoded
        } else {
            // A slot that does not run plays A's in its place (the switch never fades to it).
            let decoded: [&[f32]; MAX_SLOTS] = std::array::from_fn(|index| match self.slots.get(index) {
                Some(slot) if running[index] => &slot.decoded[..len],
                _ => a_decoded,
            });
            let decoded = &decoded[..self.slots.len()];
            self.switch.render(&mut buffers.heard[..len], aligned, decoded, channels);
            &buffers.heard[..len]
        };
        let restart = self.restart;
        self.mix.render(output, heard, aligned, channels, restart.is_fading_out(), |frame| restart.output_gain(frame));
        self.restart.advance_fade_out(frames);
        if len > 0 {
            let seconds = frames as f32 / self.config.sample_rate_hz as f32;
            let gains_db = self.switch.level_match_db();
            for (index, slot) in self.slots.iter_mut().enumerate().filter(|(index, _)| running[*index]) {
                slot.measure(seconds, clean, output, aligned, gains_db[index]);
            }
        }
        heard_is_a
    }

    /// A slot's counters with the engine's, together (a compared slot's as they stood when it
    /// last ran; zero for a slot the engine was not made with).
    pub fn counters(&self, slot: SlotId) -> Counters {
        self.slots.get(slot.index()).map_or_else(Counters::default, |slot| slot.counters(&self.engine_counters()))
    }

    /// The counters the engine keeps rather than a slot.
    fn engine_counters(&self) -> Counters {
        Counters {
            sanitized_samples: self.sanitized_samples,
            rejected_blocks: self.rejected_blocks,
            ..Counters::default()
        }
    }

    /// Publishes every meter, those of slots that do not run as stopped (see
    /// [`Slot::publish_stopped`]): after a reset or a new handle. Each block publishes only the
    /// slots that run.
    fn publish_all_meters(&self) {
        self.publish_meters();
        for (slot, _) in self.slots.iter().zip(self.running).filter(|(_, running)| !running) {
            slot.publish_stopped(&self.config);
        }
    }

    fn publish_meters(&self) {
        let engine = self.engine_counters();
        for index in self.running_slots() {
            self.slots[index].publish(&engine, &self.config);
        }
    }
}
