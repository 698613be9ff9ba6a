//! One Opus frame at a time, at the codec rate: encode, send through the simulated network,
//! hold in the receiver's jitter buffer, and decode, rebuilding lost packets from FEC or DRED
//! where they can be and concealing them where not.

use std::sync::Arc;

use roundtrip_codec::{
    Bitrate, Channels, Decoder, Dred, DredDecoder, Encoder, PacketInfo, StateAllocator, mem::global,
};

use crate::comparison::SlotId;
use crate::jitter::JitterSimulator;
use crate::loss::{LossSimulator, LossTraceReceiver};
use crate::meters::Counters;
use crate::packet_queue::{Packet, PacketQueue};
use crate::playout::Playout;
use crate::settings::{Receiver, Settings};

/// How the receiver produced a packet's audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketFate {
    /// The packet arrived and was decoded.
    Decoded,
    /// Lost, rebuilt from the next packet's in-band FEC.
    RecoveredFec,
    /// Lost, rebuilt from deep redundancy (DRED) in a later packet.
    RecoveredDred,
    /// Lost (or undecodable) and concealed.
    Concealed,
}

/// Watches packets go by: what the encoder sent, and what became of each at the receiver.
/// Runs on the thread that processes audio; a real-time caller's observer must not allocate.
/// Sequence numbers restart from 0 when the codec restarts.
pub trait PacketObserver {
    /// The encoder produced a packet.
    fn sent(&mut self, packet: &SentPacket<'_>) {
        let _ = packet;
    }

    /// Packet `sequence` arrived after its playout time (it is then received as lost ones are).
    fn late(&mut self, sequence: u64) {
        let _ = sequence;
    }

    /// The receiver played packet `sequence` out as `fate`.
    fn received(&mut self, sequence: u64, fate: PacketFate) {
        let _ = (sequence, fate);
    }

    /// The adaptive receiver played faster (`seconds` below 0: that much audio removed) or
    /// slower (above 0: added), in the frame it is about to play.
    fn stretched(&mut self, seconds: f64) {
        let _ = seconds;
    }

    /// The adaptive receiver's delay (from sending to playing) and its target, each frame, ms.
    fn playout(&mut self, delay_ms: f64, target_ms: f64) {
        let _ = (delay_ms, target_ms);
    }

    /// The engine processed a piece: its latency-aligned input and decoded signal (interleaved,
    /// equal lengths), after the packets it played out, so that an observer can line the two up.
    fn piece(&mut self, aligned: &[f32], decoded: &[f32]) {
        let _ = (aligned, decoded);
    }

    /// The observer of a compared slot's (B to F) packets and pieces while it runs (see
    /// [`crate::comparison`]); every other call is slot A's. With `None` (the default) no one
    /// is told of that slot's.
    fn compared_slot(&mut self, slot: SlotId) -> Option<&mut dyn PacketObserver> {
        let _ = slot;
        None
    }
}

/// What an observer learns of a packet sent.
#[derive(Debug, Clone, Copy)]
pub struct SentPacket<'a> {
    /// Its number, from 0.
    pub sequence: u64,
    /// Its bytes (empty when the encoder failed).
    pub bytes: &'a [u8],
    /// Whether the simulated network lost it.
    pub lost: bool,
    /// Its network delay in ms beyond the fastest packet's (meaningless when lost).
    pub delay_ms: f64,
    /// Whether it carries in-band FEC for its predecessor.
    pub carries_fec: bool,
    /// Whether it carries deep redundancy (checked only when DRED is on).
    pub carries_dred: bool,
    /// The coding mode and bandwidth libopus chose for it, from its TOC byte (`None` when the
    /// encoder failed).
    pub coded: Option<(roundtrip_codec::CodingMode, roundtrip_codec::Bandwidth)>,
}

/// The observer that ignores everything.
impl PacketObserver for () {}

/// The codec states, the network and the receiver. Everything allocated in [`RoundTrip::new`].
#[derive(Debug)]
pub struct RoundTrip {
    /// The encoder; its settings follow `applied`.
    encoder: Encoder,
    /// The decoder.
    decoder: Decoder,
    /// The DRED model's state.
    dred_decoder: DredDecoder,
    /// Redundancy from the packet numbered `dred_sequence`, processed and ready to decode.
    dred: Dred,
    /// Which packet `dred` came from, and how far back it reaches in samples.
    dred_source: Option<(u64, usize)>,
    /// Scratch for checking each new packet for redundancy (a cheap, deferred parse).
    dred_probe: Dred,
    /// Packets between the encoder and the decoder.
    queue: PacketQueue,
    /// The simulated network: which packets it drops,
    loss: LossSimulator,
    /// and how late the others come.
    jitter: JitterSimulator,
    /// The codec rate in hertz.
    sample_rate_hz: u32,
    /// Channel count.
    channels: Channels,
    /// The settings currently configured into the encoder and decoder.
    applied: Settings,
    /// Samples per channel in a frame, fixed between restarts.
    frame_samples: usize,
    /// Frames the receiver holds back for recovery, fixed between restarts.
    recovery_frames: usize,
    /// Number of the next packet.
    next_sequence: u64,
    /// Whether the previous packet was lost (for counting bursts).
    previous_lost: bool,
    /// The adaptive receiver's buffer and decisions, used while `adaptive`.
    playout: Playout,
    adaptive: bool,
    /// One decoded frame of the longest size, on its way into the playout.
    scratch: Vec<f32>,
    /// Whether the adaptive receiver has begun to play (it first waits its starting delay).
    playing: bool,
    /// Frames a packet must wait for the later packets that may rebuild it (FEC, DRED).
    redundancy_frames: usize,
    /// Packet counts since the last reset.
    pub counters: Counters,
    /// Size of the latest packet sent, in bytes.
    pub last_packet_bytes: usize,
}

impl RoundTrip {
    /// Creates the states for `channels` at `sample_rate_hz` (an Opus rate), able to hold back up
    /// to `max_recovery_frames`. All memory, one block, comes from one arena. This allocates.
    pub fn new(
        sample_rate_hz: u32,
        channels: Channels,
        settings: &Settings,
        max_recovery_frames: usize,
    ) -> roundtrip_codec::Result<Self> {
        let layouts = [
            Encoder::layout(channels)?,
            Decoder::layout(channels)?,
            DredDecoder::layout()?,
            Dred::layout()?,
            Dred::layout()?,
        ];
        // One allocation for every codec state; the arena is freed when the last state is.
        let arena: Arc<dyn StateAllocator> = match roundtrip_codec::Arena::for_layouts(&layouts) {
            Ok(arena) => Arc::new(arena),
            Err(_) => global(),
        };
        // Opus's longest frame, 120 ms.
        let longest_frame = sample_rate_hz as usize * 120 / 1000;
        let mut round_trip = Self {
            encoder: Encoder::new_in(arena.clone(), sample_rate_hz, channels, settings.application)?,
            decoder: Decoder::new_in(arena.clone(), sample_rate_hz, channels)?,
            dred_decoder: DredDecoder::new_in(arena.clone())?,
            dred: Dred::new_in(arena.clone())?,
            dred_source: None,
            dred_probe: Dred::new_in(arena)?,
            queue: PacketQueue::new(max_recovery_frames + 1),
            loss: LossSimulator::new(settings.loss),
            jitter: JitterSimulator::new(settings.jitter, settings.loss.seed),
            sample_rate_hz,
            channels,
            applied: *settings,
            frame_samples: 0,
            recovery_frames: 0,
            next_sequence: 0,
            previous_lost: false,
            playout: Playout::new(sample_rate_hz, channels.count(), longest_frame),
            adaptive: false,
            scratch: vec![0.0; longest_frame * channels.count()],
            playing: false,
            redundancy_frames: 0,
            counters: Counters::default(),
            last_packet_bytes: 0,
        };
        round_trip.restart(settings);
        Ok(round_trip)
    }

    /// Replays the traces `receiver` brings in place of the loss model (see
    /// [`LossSimulator::attach_traces`]).
    pub fn attach_loss_traces(&mut self, receiver: LossTraceReceiver) {
        self.loss.attach_traces(receiver);
    }

    /// Samples per channel in a frame.
    pub fn frame_samples(&self) -> usize {
        self.frame_samples
    }

    /// A frame's duration in ms.
    fn frame_ms(&self) -> f64 {
        self.frame_samples as f64 * 1000.0 / f64::from(self.sample_rate_hz)
    }

    /// Frames the receiver holds back for recovery.
    pub fn recovery_frames(&self) -> usize {
        self.recovery_frames
    }

    /// The encoder's lookahead in samples per channel: the codec's own delay.
    pub fn lookahead(&self) -> usize {
        self.encoder.lookahead().unwrap_or(0)
    }

    /// Starts the codec afresh with `settings`, which may change the frame size, the
    /// application and the recovery depth. Keeps the loss pattern's position. Never allocates.
    pub fn restart(&mut self, settings: &Settings) {
        let ok = self.encoder.reset_state().is_ok()
            && self.encoder.set_application(settings.application).is_ok()
            && self.decoder.reset_state().is_ok();
        self.count_error(!ok);
        self.queue.clear();
        self.dred_source = None;
        self.next_sequence = 0;
        self.previous_lost = false;
        self.frame_samples = settings.frame.samples(self.sample_rate_hz).unwrap_or(self.sample_rate_hz as usize / 50);
        // The queue was sized for the deepest recovery; never ask for more than it holds.
        self.recovery_frames = settings.recovery_frames().min(self.queue.capacity() - 1);
        self.redundancy_frames = settings.redundancy_frames().min(self.recovery_frames);
        self.playing = false;
        self.adaptive = match settings.jitter.receiver.clamped() {
            Receiver::Fixed => false,
            Receiver::Adaptive { min_ms, max_ms } => {
                let (min_ms, max_ms) = self.adaptive_bounds(min_ms, max_ms);
                self.playout.restart(min_ms, max_ms);
                true
            }
        };
        self.configure(settings, true);
    }

    /// Clears everything and restarts the loss pattern from its seed. Never allocates.
    pub fn reset(&mut self, settings: &Settings) {
        self.loss.reset();
        self.jitter.reset();
        self.restart(settings);
        self.counters = Counters::default();
        self.last_packet_bytes = 0;
    }

    /// Pushes the settings that may change between frames into the encoder, decoder and network.
    /// Frame size, application and recovery depth wait for [`RoundTrip::restart`].
    pub fn configure(&mut self, settings: &Settings, force: bool) {
        let old = if force { None } else { Some(self.applied) };
        let changed = |field: fn(&Settings) -> i64| old.is_none_or(|old| field(&old) != field(settings));
        let e = &mut self.encoder;
        let mut ok = true;
        if changed(|s| i64::from(s.bitrate_bps)) {
            ok &= e.set_bitrate(Bitrate::BitsPerSecond(settings.bitrate_bps)).is_ok();
        }
        if changed(|s| i64::from(s.complexity)) {
            ok &= e.set_complexity(settings.complexity).is_ok();
        }
        if changed(|s| s.bandwidth.map_or(-1, |b| b as i64)) {
            ok &= e.set_bandwidth(settings.bandwidth).is_ok();
        }
        if changed(|s| s.rate_control as i64) {
            ok &= e.set_rate_control(settings.rate_control).is_ok();
        }
        if changed(|s| i64::from(s.dtx)) {
            ok &= e.set_dtx(settings.dtx).is_ok();
        }
        if changed(|s| i64::from(s.fec)) {
            ok &= e.set_inband_fec(settings.fec).is_ok();
        }
        if changed(|s| i64::from(s.expected_loss_hint())) {
            ok &= e.set_packet_loss_perc(settings.expected_loss_hint()).is_ok();
        }
        if changed(|s| i64::from(s.dred_duration_ms)) {
            ok &= e.set_dred_duration((settings.dred_duration_ms / 10) as u8).is_ok();
        }
        if self.channels == Channels::Stereo && changed(|s| i64::from(s.force_mono)) {
            ok &= e.set_force_channels(settings.force_mono.then_some(Channels::Mono)).is_ok();
        }
        if changed(|s| i64::from(s.decoder_complexity)) {
            ok &= self.decoder.set_complexity(settings.decoder_complexity).is_ok();
        }
        self.count_error(!ok);
        self.loss.configure(settings.loss);
        self.jitter.configure(settings.jitter, settings.loss.seed);
        if let (true, Receiver::Adaptive { min_ms, max_ms }) = (self.adaptive, settings.jitter.receiver.clamped()) {
            // The maximum decides the latency (a restart's business); the minimum moves now.
            self.playout.set_minimum(self.adaptive_bounds(min_ms, max_ms).0);
        }
        self.applied = *settings;
    }

    /// The adaptive receiver's bounds, never below the wait that FEC and DRED need.
    fn adaptive_bounds(&self, min_ms: u16, max_ms: u16) -> (u16, u16) {
        let redundancy_ms = (self.redundancy_frames as f64 * self.frame_ms()).ceil() as u16;
        let max_ms = max_ms.max(redundancy_ms);
        (min_ms.max(redundancy_ms).min(max_ms), max_ms)
    }

    fn count_error(&mut self, failed: bool) {
        self.counters.codec_errors += u64::from(failed);
    }

    /// Codes one frame: `input` and `output` hold `frame_samples() × channels` interleaved
    /// samples. The output is the frame `recovery_frames` frames back (silence until then).
    /// Never allocates; `observer` hears of the packet sent and the packet played out.
    pub fn process_frame(&mut self, input: &[f32], output: &mut [f32], observer: &mut dyn PacketObserver) {
        self.send(input, observer);
        if self.adaptive {
            self.play_adaptive(output, observer);
        } else if self.queue.len() > self.recovery_frames {
            // Played out `recovery_frames` frames after it was sent.
            let now_ms = self.queue.get(0).map_or(0.0, |oldest| (oldest.sequence + self.recovery_frames as u64) as f64)
                * self.frame_ms();
            self.receive(output, now_ms, observer);
        } else {
            output.fill(0.0);
        }
    }

    /// The adaptive receiver's frame: decodes what the playout needs, stretches as it decides
    /// and plays a frame from it (see [`crate::playout`]).
    fn play_adaptive(&mut self, output: &mut [f32], observer: &mut dyn PacketObserver) {
        let newest = self.next_sequence.saturating_sub(1);
        let (frame_ms, frame_samples) = (self.frame_ms(), self.frame_samples);
        // Frame durations are whole multiples of 2.5 ms, exact in binary.
        let now_ms = newest as f64 * frame_ms;
        if !self.playing {
            let start = self.playout.start_frames(frame_ms).max(self.redundancy_frames);
            if (newest as usize) < start {
                // Waiting to start at that delay.
                observer.playout(start as f64 * frame_ms, self.playout.target_ms);
                output.fill(0.0);
                return;
            }
            self.playing = true;
        }
        let sample_ms = 1000.0 / f64::from(self.sample_rate_hz);
        let next_decoded = self.queue.get(0).map_or(self.next_sequence, |oldest| oldest.sequence);
        let delay_ms = (newest as f64 - next_decoded as f64) * frame_ms + self.playout.unplayed() as f64 * sample_ms;
        let decision = self.playout.decide(now_ms, delay_ms, frame_ms);
        let needed = self.playout.needed_for(decision, frame_samples);
        while self.playout.unplayed() < needed {
            let Some(oldest) = self.queue.get(0) else { break };
            // A packet is decoded early (for a stretch) only if it is there, and may be rebuilt
            // from later ones; the frame about to play is decoded whatever became of it.
            let early = self.playout.unplayed() >= frame_samples;
            let waited = (newest - oldest.sequence) as usize >= self.redundancy_frames;
            if early && (oldest.lost || oldest.arrival_ms > now_ms || !waited) {
                break;
            }
            // Decoded into scratch, then into the playout (the decoder and the playout are both
            // borrowed from `self`).
            let mut scratch = std::mem::take(&mut self.scratch);
            let frame = &mut scratch[..frame_samples * self.channels.count()];
            self.receive(frame, now_ms, observer);
            if let Some(slot) = self.playout.decode_slot(frame_samples) {
                slot.copy_from_slice(frame);
                self.playout.commit(frame_samples);
            }
            self.scratch = scratch;
        }
        let stretched = self.playout.stretch(decision, frame_samples);
        observer.playout(self.playout.delay_ms, self.playout.target_ms);
        if stretched != 0 {
            observer.stretched(stretched as f64 * sample_ms / 1000.0);
        }
        let micros = |frames: isize| (frames.unsigned_abs() as f64 * sample_ms * 1000.0).round() as u64;
        if stretched < 0 {
            self.counters.accelerations += 1;
            self.counters.stretch_removed_us += micros(stretched);
        } else if stretched > 0 {
            self.counters.expansions += 1;
            self.counters.stretch_added_us += micros(stretched);
        }
        self.counters.playout_delay_us = (self.playout.delay_ms * 1000.0).round() as u64;
        self.counters.target_delay_us = (self.playout.target_ms * 1000.0).round() as u64;
        self.playout.play(output);
    }

    /// Encodes `input` and puts the packet, lost or not, into the receiver's queue.
    fn send(&mut self, input: &[f32], observer: &mut dyn PacketObserver) {
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let frame_ms = self.frame_ms();
        let encoder = &mut self.encoder;
        let mut failed = false;
        let Some(packet) = self.queue.push_with(sequence, |bytes| {
            let len = encoder.encode_float(input, bytes);
            failed = len.is_err();
            len.ok()
        }) else {
            return;
        };
        // Drawn for packets that exist only, so that every draw has its `sent` (a written trace
        // stays in step with the packets).
        let lost = self.loss.next_is_lost();
        let delay_ms = self.loss.traced_delay_ms().unwrap_or_else(|| self.jitter.next_delay_ms(frame_ms));
        packet.arrival_ms = sequence as f64 * frame_ms + delay_ms;
        let arrival_ms = packet.arrival_ms;
        let len = packet.bytes().len();
        let info = PacketInfo::parse(packet.bytes(), self.sample_rate_hz).ok();
        packet.has_fec = info.is_some_and(|info| info.has_fec);
        let coded = info.map(|info| (info.mode, info.bandwidth));
        let counters = &mut self.counters;
        if let Some((mode, bandwidth)) = coded {
            counters.count_coded(mode, bandwidth);
        }
        counters.codec_errors += u64::from(failed);
        counters.packets_sent += 1;
        counters.bytes_sent += len as u64;
        counters.packets_with_fec += u64::from(packet.has_fec);
        let mut carries_dred = false;
        if self.applied.dred_duration_ms > 0 && len > 0 {
            let probe = self.dred_decoder.parse_deferred(
                &mut self.dred_probe,
                packet.bytes(),
                self.frame_samples,
                self.sample_rate_hz,
            );
            carries_dred = probe.is_ok_and(|found| found.offset_samples > 0);
            counters.packets_with_dred += u64::from(carries_dred);
        }
        self.last_packet_bytes = len;
        let lost = lost || packet.lost;
        packet.lost = lost;
        if self.adaptive && !lost {
            self.playout.sent(sequence as f64 * frame_ms, arrival_ms);
        }
        counters.packets_lost += u64::from(lost);
        counters.loss_bursts += u64::from(lost && !self.previous_lost);
        self.previous_lost = lost;
        let carries_fec = packet.has_fec;
        observer.sent(&SentPacket {
            sequence,
            bytes: packet.bytes(),
            lost,
            delay_ms,
            carries_fec,
            carries_dred,
            coded,
        });
    }

    /// Decodes the oldest packet in the queue into `output`, or rebuilds or conceals it: at its
    /// playout time `now` (ms into the stream), when a packet that has not arrived yet is late
    /// and counts as missing.
    fn receive(&mut self, output: &mut [f32], now: f64, observer: &mut dyn PacketObserver) {
        let Some(oldest) = self.queue.get(0) else {
            output.fill(0.0);
            return;
        };
        let sequence = oldest.sequence;
        let late = !oldest.lost && oldest.arrival_ms > now;
        if late {
            self.counters.packets_late += 1;
            observer.late(sequence);
        }
        let (decoded, fate) = if oldest.lost || late {
            self.recover(output, now)
        } else {
            match self.decoder.decode_float(Some(oldest.bytes()), output, false) {
                Ok(samples) => (Ok(samples), PacketFate::Decoded),
                Err(_) => {
                    self.counters.codec_errors += 1;
                    (self.conceal(output), PacketFate::Concealed)
                }
            }
        };
        observer.received(sequence, fate);
        let samples = decoded.unwrap_or(0).min(self.frame_samples);
        output[samples * self.channels.count()..].fill(0.0);
        self.queue.pop();
    }

    /// Rebuilds the oldest (lost or late) packet: from the next packet's FEC, else from the DRED
    /// of the first later packet, each only if it has arrived by `now`; else by concealment.
    fn recover(&mut self, output: &mut [f32], now_ms: f64) -> (Result<usize, ()>, PacketFate) {
        let lost_sequence = self.queue.get(0).map_or(0, |p| p.sequence);
        let arrived = |packet: &Packet| !packet.lost && packet.arrival_ms <= now_ms;
        if self.applied.fec
            && let Some(next) = self.queue.get(1)
            && arrived(next)
            && next.has_fec
            && let Ok(samples) = self.decoder.decode_float(Some(next.bytes()), output, true)
        {
            self.counters.recovered_fec += 1;
            return (Ok(samples), PacketFate::RecoveredFec);
        }
        if self.applied.dred_duration_ms > 0 {
            let later = (1..self.queue.len()).filter_map(|offset| self.queue.get(offset)).find(|p| arrived(p));
            if let Some(later) = later {
                // How far before `later`'s audio the lost frame starts.
                let needed = (later.sequence - lost_sequence) as usize * self.frame_samples;
                let reach = match self.dred_source {
                    Some((sequence, reach)) if sequence == later.sequence => reach,
                    _ => {
                        // Parsed once per gap, at its first frame (the furthest back), for that
                        // gap only, at most 1 s, as opus_demo does: how much is asked for decides
                        // how many latents libopus decodes, and so the audio it rebuilds.
                        let wanted = needed.min(self.sample_rate_hz as usize);
                        let parsed =
                            self.dred_decoder.parse(&mut self.dred, later.bytes(), wanted, self.sample_rate_hz);
                        let reach = parsed.map_or(0, |found| found.offset_samples);
                        self.dred_source = Some((later.sequence, reach));
                        reach
                    }
                };
                // Any redundancy at all is handed to libopus, as opus_demo does, even when its
                // reach falls short of the frame's start: libopus takes the features it has
                // for the frame (its 10 ms features are placed with a lead that the reach does
                // not show; at low expected loss the encoder sends one 40 ms latent, whose reach
                // of 15 ms before the packet still covers the whole 20 ms frame before it) and
                // conceals the rest. The frame counts as rebuilt by DRED when the reach overlaps
                // it, as concealed when it lies wholly before the reach.
                if reach > 0
                    && let Ok(samples) = self.decoder.decode_dred_float(&self.dred, needed, output)
                {
                    if reach + self.frame_samples > needed {
                        self.counters.recovered_dred += 1;
                        return (Ok(samples), PacketFate::RecoveredDred);
                    }
                    self.counters.concealed += 1;
                    return (Ok(samples), PacketFate::Concealed);
                }
            }
        }
        self.counters.concealed += 1;
        (self.conceal(output), PacketFate::Concealed)
    }

    fn conceal(&mut self, output: &mut [f32]) -> Result<usize, ()> {
        self.decoder.decode_float(None, output, false).map_err(drop)
    }
}
