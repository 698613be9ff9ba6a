//! The codec thread: the engine on a thread of its own, so that the audio callback only copies
//! samples.
//!
//! Why a thread rather than spreading the work over callbacks: Opus codes a whole frame in one
//! call, so the callback that completes a frame pays for all of it — a 120 ms frame's encode
//! and decode, or deep PLC and DRED synthesis, cost up to 1 ms here, three times a 64-frame
//! block's deadline at 192 kHz. libopus cannot code part of a frame per call (its multi-frame
//! packets are coded by one call too), so no split of our own makes those peaks smaller. On a
//! thread, the work of a frame may take as long as the latency this adds:
//! [`extra_latency_frames`], the host's longest block plus [`MARGIN_MS`].
//!
//! Thread ownership:
//! - [`AudioEnd`] belongs to the audio thread. Each callback it pushes the input and any new
//!   settings, then pops the output; it never waits, allocates, locks or makes a system call.
//! - [`Worker`] owns the [`Engine`] on the codec thread: it takes input as it arrives, runs the
//!   engine and pushes the output. [`CodecThread::spawn`] runs it on a thread that polls every
//!   [`POLL_INTERVAL`] (waking it would be a system call on the audio thread);
//!   [`CodecThread::inline`] runs it in the callback after the push, for offline rendering, where
//!   there is no deadline and the result must not depend on scheduling.
//!
//! They share three single-producer single-consumer rings (`rtrb`): input samples, commands
//! (settings, reset) stamped with the input frame they apply at, and output samples.
//!
//! Timing: output frame `t` is the engine's output for input frame `t - extra`, sample for sample
//! what the engine gives in the callback, as long as the worker keeps up. When it does not, the
//! callback plays silence for what is missing (never a stale or repeated sample), counts it, and
//! discards those frames when they arrive, so the alignment holds from then on. If the worker
//! falls a whole second behind, input that does not fit is dropped and counted; the worker then
//! resets the engine and outputs silence in its place.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{JoinHandle, Thread};
use std::time::Duration;

use rtrb::{Consumer, Producer, RingBuffer};

use crate::comparison::{Comparison, Listen, SlotId};
use crate::config::EngineConfig;
use crate::engine::Engine;
use crate::meters::{CodecThreadCounters, Meters};
use crate::pipeline::prefaulted;
use crate::round_trip::PacketObserver;
use crate::settings::Settings;

/// Time the codec thread may take beyond the host's block, in ms: several frames' worst work
/// (about 1 ms each here) plus the poll interval and the scheduler's delays on a busy machine.
pub const MARGIN_MS: u32 = 10;

/// How often an idle codec thread looks for input.
pub const POLL_INTERVAL: Duration = Duration::from_micros(500);

/// The thread's name (short enough for Linux's 15-character thread names).
pub const THREAD_NAME: &str = "opus-codec";

/// Commands the ring holds; the audio thread only sends one when a setting changes.
const COMMAND_CAPACITY: usize = 1024;

/// What the worker hands each processed piece's latency-aligned input and the source heard (see
/// [`Engine::process_interleaved_tapped`]); it runs on the codec thread.
pub type Tap = Box<dyn FnMut(&[f32], &[f32]) + Send>;

/// What the worker tells of each packet (see [`PacketObserver`]); it runs on the codec thread.
pub type Observer = Box<dyn PacketObserver + Send>;

/// The latency the codec thread adds, in host frames: the longest block (a block's output is due
/// in the callback that brings its input) plus [`MARGIN_MS`].
pub fn extra_latency_frames(config: &EngineConfig) -> usize {
    config.max_block_frames + (u64::from(config.sample_rate_hz) * u64::from(MARGIN_MS)).div_ceil(1000) as usize
}

/// A command for the engine and the input frame (counted over the input ring) it applies at.
#[derive(Debug, Clone, Copy)]
struct Stamped {
    at_frame: u64,
    command: Command,
}

// A comparison (six slots' settings) is large, but boxing it would allocate on the audio
// thread: the ring's slots are allocated once, at their largest.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy)]
enum Command {
    Settings(Settings),
    Comparison(Comparison),
    BlindSwitch(Listen),
    Reset,
    /// Input frames dropped here: the engine restarts from silence and the output is silent
    /// for them.
    Gap(u64),
}

/// Commands the audio thread could not send because the command ring was full; sent first
/// at the next call. Their order among themselves is kept only roughly (gap, reset, settings,
/// comparison, blind switch): the ring fills only when the worker has stalled through a thousand setting
/// changes.
#[derive(Debug, Clone, Copy, Default)]
struct Pending {
    gap_frames: u64,
    reset: bool,
    settings: Option<Settings>,
    comparison: Option<Comparison>,
    blind_switch: Option<Listen>,
}

/// The audio thread's end. Never allocates, locks, blocks or makes a system call.
#[derive(Debug)]
pub struct AudioEnd {
    channels: usize,
    input: Producer<f32>,
    commands: Producer<Stamped>,
    output: Consumer<f32>,
    /// Frames pushed into the input ring so far.
    pushed_frames: u64,
    pending: Pending,
    /// The settings and comparison last sent.
    sent_settings: Settings,
    sent_comparison: Comparison,
    /// Frames played as silence for which the worker's output is still to be discarded.
    debt_frames: u64,
    /// Output frames still to be silenced after a reset: they were computed before it.
    mute_frames: u64,
    /// The added latency, in frames.
    extra_frames: u64,
    counters: CodecThreadCounters,
    meters: Arc<Meters>,
}

/// The codec thread's end: owns the engine.
pub struct Worker {
    engine: Engine,
    channels: usize,
    input: Consumer<f32>,
    commands: Consumer<Stamped>,
    output: Producer<f32>,
    /// Frames taken from the input ring so far.
    consumed_frames: u64,
    /// Silent frames still to output for a gap.
    silence_owed_frames: u64,
    /// One piece of input and of output, interleaved.
    piece_in: Vec<f32>,
    piece_out: Vec<f32>,
    tap: Tap,
    observer: Observer,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("engine", &self.engine)
            .field("consumed_frames", &self.consumed_frames)
            .field("silence_owed_frames", &self.silence_owed_frames)
            .finish_non_exhaustive()
    }
}

/// The two ends around `engine`, its output ring already holding the added latency's silence.
/// This allocates (rings of a second of input, scratch): call it before the audio thread runs.
pub fn pair(engine: Engine, tap: Tap, observer: Observer) -> (AudioEnd, Worker) {
    let config = engine.config();
    let channels = config.channels;
    let extra = extra_latency_frames(&config);
    let input_frames = config.sample_rate_hz as usize + 2 * config.max_block_frames;
    let (mut input_producer, mut input_consumer) = RingBuffer::new(input_frames * channels);
    let (mut command_producer, mut command_consumer) = RingBuffer::new(COMMAND_CAPACITY);
    // Holds the added latency, plus everything a stalled worker may push once it catches up
    // while the audio thread still owes a discard (at most the input ring's worth and a block).
    let (mut output_producer, mut output_consumer) =
        RingBuffer::new((input_frames + extra + config.max_block_frames) * channels);
    // Map the rings' pages now rather than in the first second of audio callbacks.
    prefault(&mut input_producer, &mut input_consumer, 0.0);
    prefault(&mut output_producer, &mut output_consumer, 0.0);
    prefault(&mut command_producer, &mut command_consumer, Stamped { at_frame: 0, command: Command::Reset });
    if let Ok(chunk) = output_producer.write_chunk_uninit(extra * channels) {
        chunk.fill_from_iter(std::iter::repeat(0.0));
    }
    let meters = engine.meters(SlotId::A);
    let counters = CodecThreadCounters { extra_latency_samples: extra as u64, ..CodecThreadCounters::default() };
    meters.publish_codec_thread(&counters);
    let piece = config.max_block_frames * channels;
    let audio = AudioEnd {
        channels,
        input: input_producer,
        commands: command_producer,
        output: output_consumer,
        pushed_frames: 0,
        pending: Pending::default(),
        sent_settings: *engine.settings(),
        sent_comparison: engine.comparison(),
        debt_frames: 0,
        mute_frames: 0,
        extra_frames: extra as u64,
        counters,
        meters,
    };
    let worker = Worker {
        engine,
        channels,
        input: input_consumer,
        commands: command_consumer,
        output: output_producer,
        consumed_frames: 0,
        silence_owed_frames: 0,
        piece_in: prefaulted(piece),
        piece_out: prefaulted(piece),
        tap,
        observer,
    };
    (audio, worker)
}

/// Fills the ring with `value` and empties it again, so that its memory is mapped.
fn prefault<T: Copy>(producer: &mut Producer<T>, consumer: &mut Consumer<T>, value: T) {
    if let Ok(chunk) = producer.write_chunk_uninit(producer.slots()) {
        chunk.fill_from_iter(std::iter::repeat(value));
    }
    if let Ok(chunk) = consumer.read_chunk(consumer.slots()) {
        chunk.commit_all();
    }
}

impl AudioEnd {
    /// Sends new settings, to apply at the next frame pushed; sends nothing if they did not
    /// change.
    pub fn set_settings(&mut self, settings: &Settings) {
        if *settings != self.sent_settings {
            self.sent_settings = *settings;
            self.pending.settings = Some(*settings);
            self.send_pending();
        }
    }

    /// Sends a new comparison, as [`AudioEnd::set_settings`] does settings.
    pub fn set_comparison(&mut self, comparison: &Comparison) {
        if *comparison != self.sent_comparison {
            self.sent_comparison = *comparison;
            self.pending.comparison = Some(*comparison);
            self.send_pending();
        }
    }

    /// Sends a blind test's switch (see [`Engine::switch_blind`]), to apply at the next frame
    /// pushed.
    pub fn switch_blind(&mut self, listen: Listen) {
        self.sent_comparison.listen = listen;
        self.pending.blind_switch = Some(listen);
        self.send_pending();
    }

    /// Resets the engine at the next frame pushed, and silences the output already computed
    /// before it (the added latency's worth): as with the engine in the callback, nothing from
    /// before a reset plays after it.
    pub fn reset(&mut self) {
        self.pending.reset = true;
        self.mute_frames = self.extra_frames;
        self.send_pending();
    }

    /// The counts so far.
    pub fn counters(&self) -> CodecThreadCounters {
        self.counters
    }

    /// Output frames ready for the coming callbacks. Right after a callback it equals the added
    /// latency once the worker has caught up: tests pace the worker by this count.
    pub fn ready_frames(&self) -> usize {
        (self.output.slots() / self.channels).saturating_sub(self.debt_frames.try_into().unwrap_or(usize::MAX))
    }

    /// Pushes interleaved input. Each callback must push and then pull the same whole number of
    /// frames, or the output loses its alignment; [`CodecThread`] checks that for its callers.
    pub fn push_interleaved(&mut self, input: &[f32]) {
        let channels = self.channels;
        self.push_frames(input.len() / channels, |frame, channel| input[frame * channels + channel]);
    }

    /// Pops interleaved output due for this callback.
    pub fn pull_interleaved(&mut self, output: &mut [f32]) {
        let channels = self.channels;
        self.pull_frames(output.len() / channels, |frame, channel, sample| output[frame * channels + channel] = sample);
    }

    /// Pushes per-channel input.
    pub fn push_planar(&mut self, channels: &[&mut [f32]]) {
        let frames = channels.first().map_or(0, |channel| channel.len());
        self.push_frames(frames, |frame, channel| channels[channel][frame]);
    }

    /// Pops per-channel output into the same buffers.
    pub fn pull_planar(&mut self, channels: &mut [&mut [f32]]) {
        let frames = channels.first().map_or(0, |channel| channel.len());
        self.pull_frames(frames, |frame, channel, sample| channels[channel][frame] = sample);
    }

    /// Whether a block has the layout the engine was made for; one that does not is refused and
    /// silenced, as the engine does.
    pub fn accepts_interleaved(&mut self, input: &[f32], output: &[f32]) -> bool {
        let fits = input.len() == output.len() && input.len().is_multiple_of(self.channels);
        self.count_refusal(fits)
    }

    /// Like [`AudioEnd::accepts_interleaved`] for per-channel buffers.
    pub fn accepts_planar(&mut self, channels: &[&mut [f32]]) -> bool {
        let frames = channels.first().map_or(0, |channel| channel.len());
        let fits = channels.len() == self.channels && channels.iter().all(|channel| channel.len() == frames);
        self.count_refusal(fits)
    }

    fn count_refusal(&mut self, fits: bool) -> bool {
        if !fits {
            self.counters.rejected_blocks += 1;
            self.meters.publish_codec_thread(&self.counters);
        }
        fits
    }

    /// Sends what is pending, in order, as long as the command ring has room.
    fn send_pending(&mut self) {
        let at_frame = self.pushed_frames;
        if self.pending.gap_frames > 0 {
            let command = Command::Gap(self.pending.gap_frames);
            if self.commands.push(Stamped { at_frame, command }).is_err() {
                return;
            }
            self.pending.gap_frames = 0;
        }
        if self.pending.reset {
            if self.commands.push(Stamped { at_frame, command: Command::Reset }).is_err() {
                return;
            }
            self.pending.reset = false;
        }
        if let Some(settings) = self.pending.settings {
            if self.commands.push(Stamped { at_frame, command: Command::Settings(settings) }).is_err() {
                return;
            }
            self.pending.settings = None;
        }
        if let Some(comparison) = self.pending.comparison {
            if self.commands.push(Stamped { at_frame, command: Command::Comparison(comparison) }).is_err() {
                return;
            }
            self.pending.comparison = None;
        }
        if let Some(listen) = self.pending.blind_switch
            && self.commands.push(Stamped { at_frame, command: Command::BlindSwitch(listen) }).is_ok()
        {
            self.pending.blind_switch = None;
        }
    }

    /// Pushes `frames` frames read through `sample(frame, channel)`. What does not fit (the
    /// worker a second behind) is dropped and announced to the worker as a gap before any later
    /// input, so that later input keeps its place in time.
    fn push_frames(&mut self, frames: usize, sample: impl Fn(usize, usize) -> f32) {
        let channels = self.channels;
        let room = self.input.slots() / channels;
        if self.pending.gap_frames > 0 && room < frames {
            // Still no room for the input after a gap: the gap grows, announced once input follows.
            self.pending.gap_frames += frames as u64;
            self.counters.dropped_input_frames += frames as u64;
            return;
        }
        self.send_pending();
        // Input may not overtake a gap the worker has not been told of.
        let room = if self.pending.gap_frames > 0 { 0 } else { room };
        let fit = frames.min(room);
        if let Ok(chunk) = self.input.write_chunk_uninit(fit * channels) {
            let sample = &sample;
            chunk.fill_from_iter((0..fit).flat_map(|frame| (0..channels).map(move |channel| sample(frame, channel))));
            self.pushed_frames += fit as u64;
        }
        let dropped = (frames - fit) as u64;
        self.pending.gap_frames += dropped;
        self.counters.dropped_input_frames += dropped;
    }

    /// Pops `frames` frames through `write(frame, channel, sample)`: first discards output owed
    /// for earlier silence, then takes what is there and plays silence for the rest.
    fn pull_frames(&mut self, frames: usize, mut write: impl FnMut(usize, usize, f32)) {
        let channels = self.channels;
        let mut available = self.output.slots() / channels;
        let discard = (self.debt_frames.min(available as u64)) as usize;
        if let Ok(chunk) = self.output.read_chunk(discard * channels) {
            chunk.commit_all();
            self.debt_frames -= discard as u64;
            available -= discard;
        }
        let take = available.min(frames);
        let muted = self.mute_frames.min(frames as u64) as usize;
        self.mute_frames -= muted as u64;
        if let Ok(chunk) = self.output.read_chunk(take * channels) {
            let (first, second) = chunk.as_slices();
            for (index, &sample) in first.iter().chain(second).enumerate() {
                let frame = index / channels;
                write(frame, index % channels, if frame < muted { 0.0 } else { sample });
            }
            chunk.commit_all();
        }
        if take < frames {
            // A worker that panicked has dropped its end: say so rather than "late".
            self.counters.worker_stopped = u64::from(self.output.is_abandoned());
            for frame in take..frames {
                (0..channels).for_each(|channel| write(frame, channel, 0.0));
            }
            let missing = (frames - take) as u64;
            self.counters.late_callbacks += 1;
            self.counters.silent_frames += missing;
            self.debt_frames += missing;
        }
        self.meters.publish_codec_thread(&self.counters);
    }
}

impl Worker {
    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Does one piece of work: owed silence, due commands, or up to a block of input through the
    /// engine. Returns whether there was anything to do. Never allocates, locks or blocks.
    pub fn run_once(&mut self) -> bool {
        let channels = self.channels;
        if self.silence_owed_frames > 0 {
            let owed = usize::try_from(self.silence_owed_frames).unwrap_or(usize::MAX);
            let frames = (self.output.slots() / channels).min(owed);
            if let Ok(chunk) = self.output.write_chunk_uninit(frames * channels) {
                chunk.fill_from_iter(std::iter::repeat(0.0));
                self.silence_owed_frames -= frames as u64;
            }
            return frames > 0;
        }
        // Read the input's fill first: every command stamped before the end of the input seen here
        // was pushed before that input, so it is visible below.
        let available = self.input.slots() / channels;
        let mut did_something = false;
        while let Ok(&Stamped { at_frame, command }) = self.commands.peek() {
            if at_frame > self.consumed_frames {
                break;
            }
            self.commands.pop().ok();
            did_something = true;
            match command {
                Command::Settings(settings) => self.engine.set_settings(&settings),
                Command::Comparison(comparison) => self.engine.set_comparison(&comparison),
                Command::BlindSwitch(listen) => self.engine.switch_blind(listen),
                Command::Reset => self.engine.reset(),
                Command::Gap(frames) => {
                    self.engine.reset();
                    self.silence_owed_frames += frames;
                    return true;
                }
            }
        }
        let until_command = self.commands.peek().map_or(u64::MAX, |stamped| stamped.at_frame - self.consumed_frames);
        let frames = available
            .min(self.piece_in.len() / channels)
            .min(self.output.slots() / channels)
            .min(until_command.try_into().unwrap_or(usize::MAX));
        if frames == 0 {
            return did_something;
        }
        let len = frames * channels;
        if let Ok(chunk) = self.input.read_chunk(len) {
            let (first, second) = chunk.as_slices();
            self.piece_in[..first.len()].copy_from_slice(first);
            self.piece_in[first.len()..len].copy_from_slice(second);
            chunk.commit_all();
        }
        self.engine.process_interleaved_observed(
            &self.piece_in[..len],
            &mut self.piece_out[..len],
            &mut *self.tap,
            &mut *self.observer,
        );
        if let Ok(chunk) = self.output.write_chunk_uninit(len) {
            chunk.fill_from_iter(self.piece_out[..len].iter().copied());
        }
        self.consumed_frames += frames as u64;
        true
    }

    /// Works until there is nothing left to do.
    pub fn run_until_idle(&mut self) {
        while self.run_once() {}
    }
}

/// Where the worker runs.
enum Runner {
    /// In the callback, after the push: for offline rendering.
    Inline(Box<Worker>),
    /// On its own thread, until `stop`.
    Thread { handle: Option<JoinHandle<()>>, thread: Thread, stop: Arc<AtomicBool> },
}

/// The engine behind a codec thread, as the audio thread sees it.
pub struct CodecThread {
    audio: AudioEnd,
    runner: Runner,
    extra_frames: usize,
}

impl std::fmt::Debug for CodecThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inline = matches!(self.runner, Runner::Inline(_));
        f.debug_struct("CodecThread").field("audio", &self.audio).field("inline", &inline).finish_non_exhaustive()
    }
}

impl CodecThread {
    /// Runs `engine` on a new thread. This allocates and spawns: call it in `activate`. If the
    /// system refuses a thread, the worker runs in the callback instead, at the same latency
    /// (see [`CodecThread::runs_inline`]).
    pub fn spawn(engine: Engine, tap: Tap, observer: Observer) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        // The worker is sent once the thread exists, so that a refusal leaves it here.
        let (send_worker, receive_worker) = std::sync::mpsc::channel::<Worker>();
        let spawned = std::thread::Builder::new().name(THREAD_NAME.to_owned()).spawn(move || {
            let Ok(mut worker) = receive_worker.recv() else { return };
            while !thread_stop.load(Ordering::Acquire) {
                if !worker.run_once() {
                    std::thread::park_timeout(POLL_INTERVAL);
                }
            }
        });
        let extra_frames = extra_latency_frames(&engine.config());
        let (audio, worker) = pair(engine, tap, observer);
        let runner = match spawned {
            Ok(handle) => match send_worker.send(worker) {
                Ok(()) => Runner::Thread { thread: handle.thread().clone(), handle: Some(handle), stop },
                Err(unsent) => Runner::Inline(Box::new(unsent.0)),
            },
            Err(_) => Runner::Inline(Box::new(worker)),
        };
        Self { audio, runner, extra_frames }
    }

    /// Whether the worker runs in the callback (made so, or because no thread could be spawned).
    pub fn runs_inline(&self) -> bool {
        matches!(self.runner, Runner::Inline(_))
    }

    /// The same ends and latency with the worker run in the callback: the output is exactly the
    /// threaded one when that keeps up, whatever the machine's load. For offline rendering.
    pub fn inline(engine: Engine, tap: Tap, observer: Observer) -> Self {
        let extra_frames = extra_latency_frames(&engine.config());
        let (audio, worker) = pair(engine, tap, observer);
        Self { audio, runner: Runner::Inline(Box::new(worker)), extra_frames }
    }

    /// The latency the codec thread adds, in host samples.
    pub fn extra_latency_samples(&self) -> usize {
        self.extra_frames
    }

    /// The whole latency: the engine's last published latency plus the codec thread's.
    pub fn latency_samples(&self) -> usize {
        self.audio.meters.latency_samples() as usize + self.extra_frames
    }

    /// See [`AudioEnd::set_settings`].
    pub fn set_settings(&mut self, settings: &Settings) {
        self.audio.set_settings(settings);
    }

    /// See [`AudioEnd::set_comparison`].
    pub fn set_comparison(&mut self, comparison: &Comparison) {
        self.audio.set_comparison(comparison);
    }

    /// See [`AudioEnd::switch_blind`].
    pub fn switch_blind(&mut self, listen: Listen) {
        self.audio.switch_blind(listen);
    }

    /// See [`AudioEnd::reset`].
    pub fn reset(&mut self) {
        self.audio.reset();
    }

    /// The audio end's counts.
    pub fn counters(&self) -> CodecThreadCounters {
        self.audio.counters()
    }

    /// See [`AudioEnd::ready_frames`].
    pub fn ready_frames(&self) -> usize {
        self.audio.ready_frames()
    }

    /// Processes interleaved audio: `output` receives the engine's output of
    /// [`CodecThread::extra_latency_samples`] frames ago. Never allocates, locks or blocks.
    pub fn process_interleaved(&mut self, input: &[f32], output: &mut [f32]) {
        if !self.audio.accepts_interleaved(input, output) {
            output.fill(0.0);
            return;
        }
        self.audio.push_interleaved(input);
        self.run_inline();
        self.audio.pull_interleaved(output);
    }

    /// Processes per-channel buffers in place.
    pub fn process_planar(&mut self, channels: &mut [&mut [f32]]) {
        if !self.audio.accepts_planar(channels) {
            channels.iter_mut().for_each(|channel| channel.fill(0.0));
            return;
        }
        self.audio.push_planar(channels);
        self.run_inline();
        self.audio.pull_planar(channels);
    }

    fn run_inline(&mut self) {
        if let Runner::Inline(worker) = &mut self.runner {
            worker.run_until_idle();
        }
    }
}

impl Drop for CodecThread {
    /// Stops and joins the thread (on the thread that drops this: the main thread, in
    /// `deactivate`); the engine is freed on the codec thread as it ends.
    fn drop(&mut self) {
        if let Runner::Thread { handle, thread, stop } = &mut self.runner {
            stop.store(true, Ordering::Release);
            thread.unpark();
            if let Some(handle) = handle.take() {
                // A worker that panicked has already stopped; its output was silence since.
                handle.join().ok();
            }
        }
    }
}
