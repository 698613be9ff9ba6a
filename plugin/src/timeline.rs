//! The live packet timeline's data path: what became of each packet at the receiver (decoded,
//! rebuilt by FEC or DRED, concealed) and how long it was, with the decoded level every 10 ms,
//! from the thread that runs the engine to the editor.
//!
//! Packets and levels travel in one ring, in the order the engine produced them, so the editor
//! can line them up however many it drops.
//!
//! Thread ownership: [`TimelineFeed`] lives where the engine runs (the audio thread, or the codec
//! thread) and only pushes into a wait-free ring, while the editor is open; when the ring is
//! full, items are dropped. [`EditorTimeline`] lives on the GUI thread and keeps the last
//! [`SPAN_SECONDS`]. The consumer end travels from `activate` to the editor through a
//! [`TimelineSlot`], a mutex the audio thread never touches.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use roundtrip_codec::PacketInfo;
use roundtrip_engine::{PacketFate, PacketObserver, SentPacket};
use rtrb::{Consumer, Producer, RingBuffer};

/// The span the editor shows, in seconds.
pub const SPAN_SECONDS: f32 = 10.0;

/// The level strip's resolution, in seconds.
pub const LEVEL_SECONDS: f32 = 0.01;

/// Ring capacity: 20 s of 2.5 ms packets and their levels, far more than the editor's ~33 ms
/// between frames.
const FEED_CAPACITY: usize = 16_384;

/// Packet lengths remembered between sending and playing out, by sequence number modulo this:
/// more than the receiver ever holds (200 ms of playout and 120 ms of DRED in 2.5 ms packets).
const LENGTHS_KEPT: usize = 512;

/// What travels from the engine to the editor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimelineItem {
    /// A packet played out, its fate and length in seconds.
    Packet { fate: PacketFate, seconds: f32 },
    /// The decoded level over the last [`LEVEL_SECONDS`], dBFS.
    Level(f32),
    /// The adaptive receiver played faster (below 0: seconds removed) or slower (added), in the
    /// packet played next.
    Stretch(f32),
}

/// Where the consumer end waits for the editor.
pub type TimelineSlot = Arc<Mutex<Option<Consumer<TimelineItem>>>>;

/// A new ring for an engine at `rate_hz` with `channels`: the feed for the engine's thread, the
/// consumer put into `slot` for the editor. This allocates (call it from `activate`).
pub fn new_feed(slot: &TimelineSlot, editor_open: Arc<AtomicBool>, rate_hz: u32, channels: usize) -> TimelineFeed {
    let (producer, consumer) = RingBuffer::new(FEED_CAPACITY);
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(consumer);
    TimelineFeed {
        producer,
        editor_open,
        lengths: [0.02; LENGTHS_KEPT],
        channels: channels.max(1),
        level_frames: ((rate_hz as f32 * LEVEL_SECONDS) as usize).max(1),
        energy: 0.0,
        frames: 0,
    }
}

/// The engine's end: a [`PacketObserver`] that pushes each packet's fate and length, and the
/// decoded level. Never allocates or blocks.
#[derive(Debug)]
pub struct TimelineFeed {
    producer: Producer<TimelineItem>,
    /// Items are pushed only while the editor is open.
    editor_open: Arc<AtomicBool>,
    /// Each packet's length in seconds, by sequence number modulo [`LENGTHS_KEPT`].
    lengths: [f32; LENGTHS_KEPT],
    /// Interleaved channels, frames per level column, and the column being summed.
    channels: usize,
    level_frames: usize,
    energy: f64,
    frames: usize,
}

impl TimelineFeed {
    fn push(&mut self, item: TimelineItem) {
        if self.editor_open.load(Ordering::Relaxed) {
            // A full ring (an editor that stopped reading) drops the item.
            self.producer.push(item).ok();
        }
    }
}

impl PacketObserver for TimelineFeed {
    fn sent(&mut self, packet: &SentPacket<'_>) {
        // A packet the encoder failed to make keeps the last length.
        if let Ok(info) = PacketInfo::parse(packet.bytes, 48_000) {
            self.lengths[packet.sequence as usize % LENGTHS_KEPT] = info.samples_per_channel as f32 / 48_000.0;
        }
    }

    fn received(&mut self, sequence: u64, fate: PacketFate) {
        let seconds = self.lengths[sequence as usize % LENGTHS_KEPT];
        self.push(TimelineItem::Packet { fate, seconds });
    }

    fn stretched(&mut self, seconds: f64) {
        self.push(TimelineItem::Stretch(seconds as f32));
    }

    fn piece(&mut self, _aligned: &[f32], decoded: &[f32]) {
        for frame in decoded.chunks_exact(self.channels) {
            self.energy += frame.iter().map(|&sample| f64::from(sample * sample)).sum::<f64>();
            self.frames += 1;
            if self.frames == self.level_frames {
                let mean = self.energy / (self.level_frames * self.channels) as f64;
                (self.energy, self.frames) = (0.0, 0);
                self.push(TimelineItem::Level((10.0 * mean.max(1e-12).log10()) as f32));
            }
        }
    }
}

/// The editor's end: the packets and levels of the last [`SPAN_SECONDS`], oldest first.
#[derive(Debug)]
pub struct EditorTimeline {
    consumer: Option<Consumer<TimelineItem>>,
    slot: TimelineSlot,
    /// Packets with their fates and lengths, and their total length.
    packets: VecDeque<(PacketFate, f32)>,
    packet_seconds: f32,
    levels: VecDeque<f32>,
    /// The adaptive receiver's stretches: where they fell (seconds of packets since the
    /// timeline started) and how much each removed (below 0) or added.
    stretches: VecDeque<(f64, f32)>,
    /// Seconds of packets since the timeline started.
    elapsed: f64,
}

impl EditorTimeline {
    /// A timeline that takes its consumer from `slot` as soon as the plugin has put one there.
    pub fn new(slot: TimelineSlot) -> Self {
        Self {
            consumer: None,
            slot,
            packets: VecDeque::new(),
            packet_seconds: 0.0,
            levels: VecDeque::new(),
            stretches: VecDeque::new(),
            elapsed: 0.0,
        }
    }

    /// Forgets what is shown and what waits in the ring (the editor reopened: packets went by
    /// unrecorded while it was closed, so old marks would sit next to new ones as if contiguous).
    pub fn clear(&mut self) {
        if let Some(consumer) = self.consumer.as_mut() {
            let waiting = consumer.slots();
            if let Ok(chunk) = consumer.read_chunk(waiting) {
                chunk.commit_all();
            }
        }
        self.packets.clear();
        self.packet_seconds = 0.0;
        self.levels.clear();
        self.stretches.clear();
        self.elapsed = 0.0;
    }

    /// The packets (fate, seconds) and levels shown, oldest first, as [`Self::update`] left them.
    pub fn shown(&self) -> (&VecDeque<(PacketFate, f32)>, &VecDeque<f32>) {
        (&self.packets, &self.levels)
    }

    /// The stretches in the span shown: how long ago each fell (seconds before the newest
    /// packet's end) and how much it removed (below 0) or added. Call after [`Self::update`].
    pub fn stretches(&self) -> impl Iterator<Item = (f32, f32)> + '_ {
        self.stretches.iter().map(|&(at, seconds)| ((self.elapsed - at) as f32, seconds))
    }

    /// Reads what arrived; returns the packets (fate, seconds) and the levels, oldest first.
    pub fn update(&mut self) -> (&VecDeque<(PacketFate, f32)>, &VecDeque<f32>) {
        let fresh = self.slot.try_lock().ok().and_then(|mut slot| slot.take());
        if let Some(consumer) = fresh {
            // A new activation: a new ring, and a timeline that starts afresh.
            self.consumer = Some(consumer);
            self.clear();
        }
        if let Some(consumer) = self.consumer.as_mut() {
            while let Ok(item) = consumer.pop() {
                match item {
                    TimelineItem::Packet { fate, seconds } => {
                        self.packets.push_back((fate, seconds));
                        self.packet_seconds += seconds;
                        self.elapsed += f64::from(seconds);
                    }
                    TimelineItem::Level(db) => self.levels.push_back(db),
                    TimelineItem::Stretch(seconds) => self.stretches.push_back((self.elapsed, seconds)),
                }
            }
        }
        // (A thousandth of a second of slack for the float sum of 2.5 ms lengths.)
        while self.packet_seconds > SPAN_SECONDS + 1e-3
            && let Some((_, seconds)) = self.packets.pop_front()
        {
            self.packet_seconds -= seconds;
        }
        while self.stretches.front().is_some_and(|&(at, _)| self.elapsed - at > f64::from(SPAN_SECONDS)) {
            self.stretches.pop_front();
        }
        let level_columns = (SPAN_SECONDS / LEVEL_SECONDS) as usize;
        while self.levels.len() > level_columns {
            self.levels.pop_front();
        }
        (&self.packets, &self.levels)
    }
}

/// How many of `packets` had each fate, indexed by [`fate_index`].
pub fn count_fates<'a>(packets: impl IntoIterator<Item = &'a (PacketFate, f32)>) -> [usize; 4] {
    let mut counts = [0; 4];
    for (fate, _) in packets {
        counts[fate_index(*fate)] += 1;
    }
    counts
}

/// A fate's place in [`count_fates`]'s array: decoded, FEC, DRED, concealed.
pub fn fate_index(fate: PacketFate) -> usize {
    match fate {
        PacketFate::Decoded => 0,
        PacketFate::RecoveredFec => 1,
        PacketFate::RecoveredDred => 2,
        PacketFate::Concealed => 3,
    }
}

#[cfg(test)]
mod tests {
    use roundtrip_engine::{Engine, EngineConfig, LossModel, LossSettings, Settings};

    use super::*;

    #[test]
    fn every_packet_played_out_reaches_the_editor_with_its_fate_and_length_without_allocating() {
        let slot: TimelineSlot = Arc::new(Mutex::new(None));
        let open = Arc::new(AtomicBool::new(true));
        let mut feed = new_feed(&slot, open.clone(), 48_000, 1);
        let mut timeline = EditorTimeline::new(slot);
        // The editor takes the ring (and forgets what was in it) at its first frame.
        timeline.update();
        let settings = Settings {
            fec: true,
            dred_duration_ms: 100,
            bitrate_bps: 32_000,
            application: roundtrip_codec::Application::Voip,
            loss: LossSettings {
                model: LossModel::GilbertElliott,
                loss_percent: 20.0,
                mean_burst_packets: 2.0,
                seed: 4,
            },
            ..Settings::DEFAULT
        };
        let config = EngineConfig { sample_rate_hz: 48_000, channels: 1, max_block_frames: 480 };
        let mut engine = Engine::new(config, settings).unwrap();
        let mut speech = roundtrip_signal::test_signal::speech(48_000, 4.0);
        let (mut counted, mut packets, mut levels) = ([0usize; 4], 0, 0);
        for block in speech.chunks_mut(480) {
            // Counts allocations in debug builds (nice-plug's checker).
            nice_assert_no_alloc::assert_no_alloc(|| {
                engine.process_planar_observed(&mut [block], &mut |_, _| {}, &mut feed);
            });
            // The editor reads now and then, as its frames do, and keeps under 10 s.
            let (shown, shown_levels) = timeline.update();
            if shown.len() > 100 {
                counted.iter_mut().zip(count_fates(shown)).for_each(|(total, count)| *total += count);
                assert!(shown.iter().all(|&(_, seconds)| seconds == 0.02));
                (packets, levels) = (packets + shown.len(), levels + shown_levels.len());
                timeline.packets.clear();
                timeline.levels.clear();
            }
        }
        let (shown, shown_levels) = timeline.update();
        counted.iter_mut().zip(count_fates(shown)).for_each(|(total, count)| *total += count);
        (packets, levels) = (packets + shown.len(), levels + shown_levels.len());
        let counters = engine.counters(roundtrip_engine::SlotId::A);
        assert_eq!(counted[1] as u64, counters.recovered_fec);
        assert_eq!(counted[2] as u64, counters.recovered_dred);
        assert_eq!(counted[3] as u64, counters.concealed);
        assert!(counted[1] > 0 && counted[3] > 0, "{counted:?}");
        // Every packet played out is marked once: all but the five the receiver still holds for
        // DRED (100 ms of 20 ms packets).
        assert_eq!(counters.packets_sent - packets as u64, 5);
        // A level every 10 ms of the 4 s.
        assert_eq!(levels, 400);
    }

    #[test]
    fn the_adaptive_receivers_stretches_reach_the_editor_where_they_fell() {
        let slot: TimelineSlot = Arc::new(Mutex::new(None));
        let mut feed = new_feed(&slot, Arc::new(AtomicBool::new(true)), 48_000, 1);
        let mut timeline = EditorTimeline::new(slot);
        timeline.update();
        let settings = Settings {
            jitter: roundtrip_engine::JitterSettings {
                mean_jitter_ms: 15.0,
                receiver: roundtrip_engine::Receiver::ADAPTIVE_DEFAULT,
                ..roundtrip_engine::JitterSettings::DEFAULT
            },
            ..Settings::DEFAULT
        };
        let config = EngineConfig { sample_rate_hz: 48_000, channels: 1, max_block_frames: 480 };
        let mut engine = Engine::new(config, settings).unwrap();
        let mut speech = roundtrip_signal::test_signal::speech(48_000, 8.0);
        for block in speech.chunks_mut(480) {
            nice_assert_no_alloc::assert_no_alloc(|| {
                engine.process_planar_observed(&mut [block], &mut |_, _| {}, &mut feed);
            });
            timeline.update();
        }
        let counters = engine.counters(roundtrip_engine::SlotId::A);
        let stretches: Vec<(f32, f32)> = timeline.stretches().collect();
        // All 8 s lie within the 10 s shown: every stretch is there, oldest first.
        assert_eq!(stretches.len() as u64, counters.accelerations + counters.expansions, "{counters:?}");
        assert!(counters.expansions > 0, "{counters:?}");
        let added: f32 = stretches.iter().map(|&(_, seconds)| seconds.max(0.0)).sum();
        assert!((f64::from(added) * 1e6 - counters.stretch_added_us as f64).abs() < 100.0, "{added} s added");
        assert!(
            stretches.windows(2).all(|pair| pair[0].0 >= pair[1].0) && stretches.iter().all(|&(age, _)| age <= 8.0)
        );
    }

    #[test]
    fn slot_b_has_a_timeline_of_its_own() {
        use roundtrip_engine::{Comparison, Listen, SlotId};
        let (slot, slot_b): (TimelineSlot, TimelineSlot) = (Arc::new(Mutex::new(None)), Arc::new(Mutex::new(None)));
        let open = Arc::new(AtomicBool::new(true));
        // B's timeline reaches the engine as slot B's observers do in the plugin.
        use crate::live_score::{Observers, SlotObservers, new_feed as score_feed};
        let observers = |slot: &TimelineSlot| SlotObservers {
            timeline: new_feed(slot, open.clone(), 48_000, 1),
            score: score_feed(&Arc::new(Mutex::new(None)), open.clone(), 48_000, 1),
        };
        let mut feed = Observers::new(observers(&slot), observers(&slot_b));
        let (mut timeline, mut timeline_b) = (EditorTimeline::new(slot), EditorTimeline::new(slot_b));
        timeline.update();
        timeline_b.update();
        let config = EngineConfig { sample_rate_hz: 48_000, channels: 1, max_block_frames: 480 };
        let mut engine = Engine::with_slots(config, Settings::DEFAULT, 2).unwrap();
        let lossy =
            Settings { loss: LossSettings { loss_percent: 20.0, ..LossSettings::DEFAULT }, ..Settings::DEFAULT };
        engine.set_comparison(&Comparison::listening(Listen::B).with(SlotId::B, Some(lossy)));
        engine.reset();
        let mut speech = roundtrip_signal::test_signal::speech(48_000, 2.0);
        for block in speech.chunks_mut(480) {
            nice_assert_no_alloc::assert_no_alloc(|| {
                engine.process_planar_observed(&mut [block], &mut |_, _| {}, &mut feed);
            });
        }
        let (a, a_levels) = timeline.update();
        assert_eq!(count_fates(a)[3], 0, "A loses nothing");
        assert!(a.len() > 90 && a_levels.len() == 200);
        let (b, b_levels) = timeline_b.update();
        assert_eq!(count_fates(b)[3] as u64, engine.counters(SlotId::B).concealed);
        assert!(count_fates(b)[3] > 10 && b.len() == a.len() && b_levels.len() == 200);
    }

    #[test]
    fn nothing_is_pushed_while_the_editor_is_closed_and_only_the_last_10_s_are_kept() {
        let slot: TimelineSlot = Arc::new(Mutex::new(None));
        let open = Arc::new(AtomicBool::new(false));
        let mut feed = new_feed(&slot, open.clone(), 48_000, 1);
        let mut timeline = EditorTimeline::new(slot.clone());
        feed.received(0, PacketFate::Concealed);
        feed.piece(&[0.0; 480], &[0.5; 480]);
        assert!(timeline.update().0.is_empty() && timeline.update().1.is_empty());
        open.store(true, Ordering::Relaxed);
        // 12 s of 20 ms packets (the default length), read as the editor does.
        for sequence in 0..600u64 {
            feed.received(sequence, if sequence % 2 == 0 { PacketFate::Decoded } else { PacketFate::RecoveredFec });
            feed.piece(&[0.0; 960], &[0.5; 960]);
            if sequence % 10 == 0 {
                timeline.update();
            }
        }
        let (packets, levels) = timeline.update();
        assert_eq!(packets.len(), 500);
        assert_eq!(packets.back(), Some(&(PacketFate::RecoveredFec, 0.02)));
        assert_eq!(levels.len(), 1_000);
        assert!((levels.back().unwrap() + 6.02).abs() < 0.01);
        // Reopening forgets what waited; a new activation's ring starts afresh too.
        feed.received(600, PacketFate::Concealed);
        timeline.clear();
        assert!(timeline.update().0.is_empty());
        feed.received(601, PacketFate::Concealed);
        let _new_feed = new_feed(&slot, open, 48_000, 1);
        assert!(timeline.update().0.is_empty());
    }
}
