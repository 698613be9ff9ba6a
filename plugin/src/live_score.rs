//! The live perceptual score of A and of B: what listeners would say of each slot over its last
//! few seconds (ViSQOL v3, as the app scores a render), updated every few seconds; and where the
//! change is audible now (PEAQ's noise-to-mask ratio per critical band, held at its peak and
//! falling 20 dB a second, as a level meter's peak does).
//!
//! Thread ownership: [`ScoreFeed`] lives on the audio thread (or the codec thread) and only
//! pushes each slot's latency-aligned input and decoded audio, mixed to mono, into a wait-free
//! ring, and only while the editor is open (it never allocates or blocks; a full ring drops).
//! [`LiveScorer`] owns a thread of its own, started with the editor and joined when the editor
//! goes, which drains the rings, keeps the last seconds and scores them; the editor reads the
//! latest scores through a mutex the audio thread never touches. The rings' consumer ends travel
//! from `activate` to the scorer through [`ScoreSlot`]s, as the spectrum's do.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use roundtrip_engine::{PacketFate, PacketObserver, SentPacket, SlotId};
use roundtrip_quality::Mode;
use roundtrip_quality::masking::NoiseToMask;
use rtrb::{Consumer, Producer, RingBuffer};

use crate::spectrum::{SamplePair, push_mono_pairs};
use crate::timeline::TimelineFeed;

/// Ring capacity in sample pairs: 2.7 s at 48 kHz, 0.7 s at 192 kHz, against the scorer's
/// 50 ms between drains.
pub const RING_CAPACITY: usize = 1 << 17;
/// How often the scorer drains the rings.
const DRAIN_INTERVAL: Duration = Duration::from_millis(50);
/// How fast the held noise-to-mask peaks fall, dB per second.
const AUDIBLE_FALL_DB_PER_SECOND: f64 = 20.0;

/// How much each mode scores, and how often. Speech: the last 8 s, every 8 s. Audio mode costs
/// about 3.5 times as much a second, so the last 3 s (its shortest meaningful clip) every 10 s:
/// two slots stay under a tenth of a core either way (see `cargo xtask bench`).
pub fn window(mode: Mode) -> (f64, f64) {
    match mode {
        Mode::Speech => (8.0, 8.0),
        Mode::Audio => (3.0, 10.0),
    }
}

/// Where a ring's consumer end and its rate wait for the scorer.
pub type ScoreSlot = Arc<Mutex<Option<(Consumer<SamplePair>, u32)>>>;

/// A new ring for one slot at `rate_hz` with `channels`: the producer for the audio thread,
/// fed while `editor_open`; the consumer put into `slot`. This allocates (call it from
/// `activate`).
pub fn new_feed(slot: &ScoreSlot, editor_open: Arc<AtomicBool>, rate_hz: u32, channels: usize) -> ScoreFeed {
    let (producer, consumer) = RingBuffer::new(RING_CAPACITY);
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some((consumer, rate_hz));
    ScoreFeed { producer, editor_open, channels: channels.max(1) }
}

/// The audio thread's end of one slot's ring.
#[derive(Debug)]
pub struct ScoreFeed {
    producer: Producer<SamplePair>,
    editor_open: Arc<AtomicBool>,
    channels: usize,
}

impl ScoreFeed {
    /// Pushes interleaved `aligned` and `decoded`, mixed to mono, while the editor is open.
    /// Never allocates or blocks; drops what does not fit.
    pub fn push(&mut self, aligned: &[f32], decoded: &[f32]) {
        if self.editor_open.load(Ordering::Relaxed) {
            push_mono_pairs(&mut self.producer, aligned, decoded, self.channels);
        }
    }

    /// The pairs the ring can take now.
    pub fn room(&self) -> usize {
        self.producer.slots()
    }
}

/// One slot's observers of the engine: its packet timeline and its live score.
#[derive(Debug)]
pub struct SlotObservers {
    pub timeline: TimelineFeed,
    pub score: ScoreFeed,
}

impl PacketObserver for SlotObservers {
    fn sent(&mut self, packet: &SentPacket<'_>) {
        self.timeline.sent(packet);
    }

    fn late(&mut self, sequence: u64) {
        self.timeline.late(sequence);
    }

    fn received(&mut self, sequence: u64, fate: PacketFate) {
        self.timeline.received(sequence, fate);
    }

    fn stretched(&mut self, seconds: f64) {
        self.timeline.stretched(seconds);
    }

    fn piece(&mut self, aligned: &[f32], decoded: &[f32]) {
        self.timeline.piece(aligned, decoded);
        self.score.push(aligned, decoded);
    }
}

/// Slot A's observers, and slot B's while a comparison runs.
#[derive(Debug)]
pub struct Observers {
    a: SlotObservers,
    b: Option<SlotObservers>,
}

impl Observers {
    pub fn new(a: SlotObservers, b: SlotObservers) -> Self {
        Self { a, b: Some(b) }
    }

    /// The pairs both score rings can take now.
    pub fn room(&self) -> usize {
        self.b.as_ref().map_or(usize::MAX, |b| b.score.room()).min(self.a.score.room())
    }
}

impl PacketObserver for Observers {
    fn sent(&mut self, packet: &SentPacket<'_>) {
        self.a.sent(packet);
    }

    fn late(&mut self, sequence: u64) {
        self.a.late(sequence);
    }

    fn received(&mut self, sequence: u64, fate: PacketFate) {
        self.a.received(sequence, fate);
    }

    fn stretched(&mut self, seconds: f64) {
        self.a.stretched(seconds);
    }

    fn playout(&mut self, delay_ms: f64, target_ms: f64) {
        self.a.playout(delay_ms, target_ms);
    }

    fn piece(&mut self, aligned: &[f32], decoded: &[f32]) {
        self.a.piece(aligned, decoded);
    }

    fn compared_slot(&mut self, slot: SlotId) -> Option<&mut dyn PacketObserver> {
        self.b.as_mut().filter(|_| slot == SlotId::B).map(|b| b as &mut dyn PacketObserver)
    }
}

/// A slot's latest live score.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum LiveScore {
    /// Not enough audio yet (nothing came, or less than the mode's window).
    #[default]
    Waiting,
    /// MOS-LQO over the last `seconds`, in `mode`.
    Scored { mos: f64, mode: Mode, seconds: f64 },
    /// The last window could not be scored, and why (too quiet, say).
    NotScored(String),
}

/// Where a slot's change is audible now: each critical band's noise-to-mask ratio in dB (its
/// recent peak), lowest band first, with the bands' centres; empty before any audio.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LiveAudibility {
    pub band_centres_hz: Vec<f64>,
    pub nmr_db: Vec<f32>,
}

/// The scoring thread, and what it found.
pub struct LiveScorer {
    stop: Arc<AtomicBool>,
    scores: Arc<Mutex<[LiveScore; 2]>>,
    audible: Arc<Mutex<[LiveAudibility; 2]>>,
    /// Each slot's mode, as [`mode_code`] writes it.
    modes: Arc<[AtomicU8; 2]>,
    thread: Option<JoinHandle<()>>,
}

fn mode_code(mode: Mode) -> u8 {
    match mode {
        Mode::Speech => 0,
        Mode::Audio => 1,
    }
}

fn mode_of(code: u8) -> Mode {
    if code == 0 { Mode::Speech } else { Mode::Audio }
}

impl LiveScorer {
    /// Starts the thread on the rings that `slots` (A's, B's) bring. Scoring only happens while
    /// samples come, that is while the editor is open. If the thread cannot start, no live
    /// score is shown; nothing else changes.
    pub fn start(slots: [ScoreSlot; 2]) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let scores = Arc::new(Mutex::new([LiveScore::Waiting, LiveScore::Waiting]));
        let modes = Arc::new([AtomicU8::new(1), AtomicU8::new(1)]);
        let audible = Arc::new(Mutex::new([LiveAudibility::default(), LiveAudibility::default()]));
        let worker = Worker {
            slots,
            stop: stop.clone(),
            scores: scores.clone(),
            audible: audible.clone(),
            modes: modes.clone(),
        };
        let thread =
            std::thread::Builder::new().name("opus-roundtrip live score".into()).spawn(move || worker.run()).ok();
        Self { stop, scores, audible, modes, thread }
    }

    /// Which model scores each slot (A's, B's) from now on.
    pub fn set_modes(&self, modes: [Mode; 2]) {
        for (atomic, mode) in self.modes.iter().zip(modes) {
            atomic.store(mode_code(mode), Ordering::Relaxed);
        }
    }

    /// The latest scores, A's and B's.
    pub fn scores(&self) -> [LiveScore; 2] {
        self.scores.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Where each slot's change is audible now, A's and B's.
    pub fn audibility(&self) -> [LiveAudibility; 2] {
        self.audible.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for LiveScorer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One slot's ring and its last seconds, on the scoring thread.
#[derive(Default)]
struct SlotState {
    consumer: Option<Consumer<SamplePair>>,
    rate_hz: u32,
    recent: VecDeque<SamplePair>,
    /// Pairs arrived since the last score, the mode it was made in, and whether one was made
    /// in that mode yet.
    fresh: usize,
    mode: Option<Mode>,
    scored: bool,
    /// The noise-to-mask model on the same audio, and each band's held peak.
    masking: Option<NoiseToMask>,
    peaks: Vec<f32>,
    /// The chunk just drained, as two signals.
    chunk: [Vec<f32>; 2],
}

struct Worker {
    slots: [ScoreSlot; 2],
    stop: Arc<AtomicBool>,
    scores: Arc<Mutex<[LiveScore; 2]>>,
    audible: Arc<Mutex<[LiveAudibility; 2]>>,
    modes: Arc<[AtomicU8; 2]>,
}

impl Worker {
    fn run(self) {
        let mut states: [SlotState; 2] = Default::default();
        while !self.stop.load(Ordering::Relaxed) {
            for (index, state) in states.iter_mut().enumerate() {
                // A new activation brings a new ring: start afresh on it.
                if let Some((consumer, rate_hz)) =
                    self.slots[index].lock().unwrap_or_else(PoisonError::into_inner).take()
                {
                    let masking = NoiseToMask::new(rate_hz);
                    let bands = masking.as_ref().map_or(0, |model| model.band_centres_hz().len());
                    let centres = masking.as_ref().map(NoiseToMask::band_centres_hz).unwrap_or_default();
                    *state = SlotState {
                        consumer: Some(consumer),
                        rate_hz,
                        masking,
                        peaks: vec![f32::NEG_INFINITY; bands],
                        ..SlotState::default()
                    };
                    self.publish(index, LiveScore::Waiting);
                    self.audible.lock().unwrap_or_else(PoisonError::into_inner)[index] =
                        LiveAudibility { band_centres_hz: centres, nmr_db: Vec::new() };
                }
                let Some(consumer) = &mut state.consumer else { continue };
                let mode = mode_of(self.modes[index].load(Ordering::Relaxed));
                // Another model (the slot's application changed): the score shown was the other
                // model's, so it goes, and the new one comes once its window is full.
                if state.mode != Some(mode) {
                    state.mode = Some(mode);
                    state.scored = false;
                    self.publish(index, LiveScore::Waiting);
                }
                let (window_seconds, every_seconds) = window(mode);
                let rate = f64::from(state.rate_hz);
                let keep = (window_seconds * rate) as usize;
                let available = consumer.slots();
                if let Ok(chunk) = consumer.read_chunk(available) {
                    let [reference, degraded] = &mut state.chunk;
                    reference.clear();
                    degraded.clear();
                    let (first, second) = chunk.as_slices();
                    for &[a, d] in first.iter().chain(second) {
                        reference.push(a);
                        degraded.push(d);
                    }
                    chunk.commit_all();
                    state.recent.extend(reference.iter().zip(degraded.iter()).map(|(&a, &d)| [a, d]));
                    state.fresh += available;
                    if let Some(masking) = &mut state.masking {
                        let fall = (AUDIBLE_FALL_DB_PER_SECOND * masking.hop_seconds()) as f32;
                        let peaks = &mut state.peaks;
                        masking.push(reference, degraded, |frame| {
                            for (peak, &db) in peaks.iter_mut().zip(frame.band_nmr_db) {
                                *peak = (db as f32).max(*peak - fall);
                            }
                        });
                        self.audible.lock().unwrap_or_else(PoisonError::into_inner)[index].nmr_db.clone_from(peaks);
                    }
                }
                while state.recent.len() > keep {
                    state.recent.pop_front();
                }
                // The first score as soon as the window is full, then one every period.
                if state.recent.len() >= keep && (!state.scored || state.fresh as f64 >= every_seconds * rate) {
                    state.fresh = 0;
                    state.scored = true;
                    let (reference, degraded): (Vec<f32>, Vec<f32>) = state.recent.iter().map(|&[a, d]| (a, d)).unzip();
                    let score = match roundtrip_quality::score(&reference, &degraded, state.rate_hz, mode) {
                        Ok(score) => LiveScore::Scored { mos: score.mos, mode, seconds: window_seconds },
                        Err(why) => LiveScore::NotScored(why.to_string()),
                    };
                    self.publish(index, score);
                }
            }
            std::thread::sleep(DRAIN_INTERVAL);
        }
    }

    fn publish(&self, index: usize, score: LiveScore) {
        self.scores.lock().unwrap_or_else(PoisonError::into_inner)[index] = score;
    }
}
