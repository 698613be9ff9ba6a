//! The offline render: a file through the engine block by block, as a host would play it, with
//! the engine's latency removed so that the output lines up with the input sample for sample.
//! Memory does not grow with the file's length: blocks stream from the input to the outputs, and
//! only counts and one character per packet are kept (and, when the network delays packets,
//! each one's delay).

use std::collections::VecDeque;
use std::path::PathBuf;

use roundtrip_engine::{
    CodedCounts, Counters, Engine, EngineConfig, LossTrace, PacketFate, PacketObserver, SentPacket, Settings, SlotId,
};

use crate::error::{AppError, InputProblem, Result};
use crate::ogg_opus::GRANULE_RATE_HZ;
use crate::progress::Progress;
use crate::settings_text::{TraceRecord, describe};
use crate::wav::{Audio, WavSource};

/// Frames per engine call: a host's typical large block. Any size gives the same output.
pub const BLOCK_FRAMES: usize = 1024;

/// What a render runs: the settings, and the loss trace that replaces their loss model, if any.
#[derive(Debug, Clone)]
pub struct Plan {
    pub settings: Settings,
    pub loss_trace: Option<TraceInput>,
}

impl Plan {
    /// `settings` with `trace` in place of their loss model. The loss rate they state, which
    /// the encoder is told to expect unless `expected_loss_percent` is set, becomes the trace's.
    pub fn with_trace(mut settings: Settings, trace: TraceInput) -> Self {
        settings.loss.loss_percent = trace.trace.loss_percent();
        Self { settings, loss_trace: Some(trace) }
    }
}

impl From<Settings> for Plan {
    fn from(settings: Settings) -> Self {
        Self { settings, loss_trace: None }
    }
}

/// A loss trace and the file it was read from.
#[derive(Debug, Clone)]
pub struct TraceInput {
    pub path: PathBuf,
    pub trace: LossTrace,
}

impl TraceInput {
    /// Reads the loss pattern at `path`.
    pub fn read(path: PathBuf) -> Result<Self> {
        let trace = LossTrace::read(&path).map_err(|error| AppError::input(&path, InputProblem::LossTrace(error)))?;
        Ok(Self { path, trace })
    }

    /// Reads the delay trace at `path`.
    pub fn read_delays(path: PathBuf) -> Result<Self> {
        let trace =
            LossTrace::read_delays(&path).map_err(|error| AppError::input(&path, InputProblem::LossTrace(error)))?;
        Ok(Self { path, trace })
    }

    /// The trace as the stats record it.
    fn record(&self) -> TraceRecord {
        let path = std::path::absolute(&self.path).unwrap_or_else(|_| self.path.clone());
        TraceRecord {
            path,
            packets: self.trace.len(),
            lost: self.trace.lost_count(),
            delays: self.trace.has_delays(),
            looks_like_a_loss_pattern: self.trace.looks_like_a_loss_pattern(),
        }
    }
}

/// Where a render's input comes from: a file being read, or audio in memory.
pub trait SampleSource {
    /// Sample rate in hertz.
    fn sample_rate_hz(&self) -> u32;
    /// 1 or 2.
    fn channels(&self) -> usize;
    /// Frames in all.
    fn frames(&self) -> usize;
    /// Reads the next interleaved samples into `out`; returns how many (fewer only at the end).
    fn read(&mut self, out: &mut [f32]) -> Result<usize>;
}

impl SampleSource for WavSource {
    fn sample_rate_hz(&self) -> u32 {
        self.sample_rate_hz
    }

    fn channels(&self) -> usize {
        self.channels
    }

    fn frames(&self) -> usize {
        self.frames
    }

    fn read(&mut self, out: &mut [f32]) -> Result<usize> {
        WavSource::read(self, out)
    }
}

/// Audio in memory, read from the start.
#[derive(Debug)]
pub struct AudioSource<'a> {
    audio: &'a Audio,
    position: usize,
}

impl<'a> AudioSource<'a> {
    pub fn new(audio: &'a Audio) -> Self {
        Self { audio, position: 0 }
    }
}

impl SampleSource for AudioSource<'_> {
    fn sample_rate_hz(&self) -> u32 {
        self.audio.sample_rate_hz
    }

    fn channels(&self) -> usize {
        self.audio.channels
    }

    fn frames(&self) -> usize {
        self.audio.frames()
    }

    fn read(&mut self, out: &mut [f32]) -> Result<usize> {
        let remaining = &self.audio.samples[self.position.min(self.audio.samples.len())..];
        let count = remaining.len().min(out.len());
        out[..count].copy_from_slice(&remaining[..count]);
        self.position += count;
        Ok(count)
    }
}

/// What happens to a render's output as it comes: each block of input (aligned) with its decoded
/// audio, and each packet sent that covers the input, in order.
pub trait RenderSink {
    /// The render starts: the engine is built, its packets lag the input by `pre_skip` 48 kHz
    /// samples, and it runs what `description` says (see [`describe`]).
    fn start(&mut self, pre_skip: u16, description: &str) -> Result<()>;
    /// The next samples of the input and, sample for sample, the decoded audio.
    fn block(&mut self, input: &[f32], decoded: &[f32]) -> Result<()>;
    /// The next packet that covers the input.
    fn packet(&mut self, packet: &[u8]) -> Result<()>;
}

/// What a render did, beside its audio.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The fate of each packet that covers the input, in order.
    pub fates: Vec<PacketFate>,
    /// Of those: how many arrived after their playout time.
    pub late: u64,
    /// Packets that cover the input: up to the one that reaches its end, counting the packets'
    /// delay. The Ogg Opus file holds the same packets.
    pub covering_packets: u64,
    /// Of those: how many carried in-band FEC, and deep redundancy; their bytes.
    pub with_fec: u64,
    pub with_dred: u64,
    pub covering_bytes: u64,
    /// Of those: how many libopus coded in each mode and at each bandwidth.
    pub coded: CodedCounts,
    /// The engine's counters at the end (all packets, the flushing ones too).
    pub counters: Counters,
    /// The latency that was removed, in samples at the file's rate.
    pub latency_samples: usize,
    /// How far the packets lag the input, in 48 kHz samples (the Ogg Opus pre-skip).
    pub pre_skip: u16,
    /// The settings used (after clamping).
    pub settings: Settings,
    /// The loss trace replayed in place of the settings' loss model.
    pub loss_trace: Option<TraceRecord>,
    /// Whether the network lost each packet sent, the flushing ones too: the pattern
    /// `--write-trace` saves, which replays this render's losses exactly,
    pub loss_pattern: Vec<bool>,
    /// and each one's network delay in ms, kept when packets were delayed (empty otherwise).
    pub delays_ms: Vec<f64>,
    /// The adaptive receiver's delay and target at each frame it played, ms (empty with the
    /// fixed receiver).
    pub receiver_ms: Vec<(f64, f64)>,
}

impl Rendered {
    /// Whether the network delayed packets: by the jitter settings or a delay trace.
    pub fn delayed(&self) -> bool {
        self.settings.jitter.delays_packets() || self.loss_trace.as_ref().is_some_and(|trace| trace.delays)
    }

    /// The network pattern of every packet sent, as a trace that replays it: a delay trace if
    /// packets were delayed, else a loss pattern.
    pub fn network_trace(&self) -> std::result::Result<LossTrace, roundtrip_engine::LossTraceError> {
        if self.delays_ms.len() == self.loss_pattern.len() && self.delayed() {
            let delays = self.loss_pattern.iter().zip(&self.delays_ms);
            LossTrace::with_delays(delays.map(|(&lost, &delay)| (!lost).then_some(delay)).collect())
        } else {
            LossTrace::new(self.loss_pattern.clone())
        }
    }
}

impl Rendered {
    /// Bitrate of the packets covering the input, bits per second over their duration.
    pub fn packet_bitrate_bps(&self) -> f64 {
        let seconds = self.covering_packets as f64 * f64::from(self.settings.frame.millis().unwrap_or(20.0)) / 1000.0;
        if seconds > 0.0 { self.covering_bytes as f64 * 8.0 / seconds } else { 0.0 }
    }
}

/// Keeps the counts of the packets that cover the input, and those packets until the sink takes
/// them (at most one engine call's worth).
#[derive(Debug)]
struct Recorder {
    covering: u64,
    keep_packets: bool,
    pending: Vec<Vec<u8>>,
    rendered: Rendered,
}

impl PacketObserver for Recorder {
    fn playout(&mut self, delay_ms: f64, target_ms: f64) {
        self.rendered.receiver_ms.push((delay_ms, target_ms));
    }

    fn sent(&mut self, packet: &SentPacket<'_>) {
        self.rendered.loss_pattern.push(packet.lost);
        if self.rendered.delayed() {
            self.rendered.delays_ms.push(packet.delay_ms);
        }
        if packet.sequence < self.covering {
            let rendered = &mut self.rendered;
            rendered.with_fec += u64::from(packet.carries_fec);
            rendered.with_dred += u64::from(packet.carries_dred);
            rendered.covering_bytes += packet.bytes.len() as u64;
            if let Some((mode, bandwidth)) = packet.coded {
                rendered.coded.add(mode, bandwidth);
            }
            if self.keep_packets {
                self.pending.push(packet.bytes.to_vec());
            }
        }
    }

    fn late(&mut self, sequence: u64) {
        self.rendered.late += u64::from(sequence < self.covering);
    }

    fn received(&mut self, sequence: u64, fate: PacketFate) {
        if sequence < self.covering {
            self.rendered.fates.push(fate);
        }
    }
}

/// Renders `source` through the engine as `plan` says into `sink`. The output has exactly the
/// input's length: the engine runs on past the end of the input (on silence) for its latency,
/// and the first latency samples of its output are dropped. `packets` says whether the sink
/// wants the packets.
pub fn render(
    source: &mut dyn SampleSource,
    plan: &Plan,
    progress: &Progress,
    sink: &mut dyn RenderSink,
    packets: bool,
) -> Result<Rendered> {
    let (rate, channels, frames) = (source.sample_rate_hz(), source.channels(), source.frames());
    let config = EngineConfig { sample_rate_hz: rate, channels, max_block_frames: BLOCK_FRAMES };
    let mut engine = Engine::new(config, plan.settings).map_err(AppError::Engine)?;
    if let Some(input) = &plan.loss_trace {
        engine.loss_trace_sender(SlotId::A).send(Some(input.trace.clone()));
    }
    let latency = engine.latency_samples();
    let pre_skip = (engine.encoded_delay_seconds() * f64::from(GRANULE_RATE_HZ)).round() as u16;
    let settings = *engine.settings();
    let loss_trace = plan.loss_trace.as_ref().map(TraceInput::record);
    sink.start(pre_skip, &describe(&settings, loss_trace.as_ref()))?;
    // Packet k covers the input from k × frame − delay: those that start before the input's
    // end are needed for the output, so the receiver plays every one of them out.
    let frame_seconds = f64::from(settings.frame.millis().unwrap_or(20.0)) / 1000.0;
    let input_seconds = frames as f64 / f64::from(rate);
    // (Less a hair, so that rounding cannot count a packet starting exactly at the end.)
    let covering = match frames {
        0 => 0,
        _ => ((input_seconds + engine.encoded_delay_seconds()) / frame_seconds - 1e-9).ceil() as u64,
    };
    let mut recorder = Recorder {
        covering,
        keep_packets: packets,
        pending: Vec::new(),
        rendered: Rendered {
            fates: Vec::new(),
            late: 0,
            covering_packets: covering,
            with_fec: 0,
            with_dred: 0,
            covering_bytes: 0,
            coded: CodedCounts::default(),
            counters: Counters::default(),
            latency_samples: latency,
            pre_skip,
            settings,
            loss_trace,
            loss_pattern: Vec::new(),
            delays_ms: Vec::new(),
            receiver_ms: Vec::new(),
        },
    };

    let total_frames = frames + latency;
    let mut block_in = vec![0.0; BLOCK_FRAMES * channels];
    let mut block_out = vec![0.0; BLOCK_FRAMES * channels];
    // The input not yet matched with its decoded audio: `latency` frames at most.
    let mut waiting: VecDeque<f32> = VecDeque::with_capacity((latency + BLOCK_FRAMES) * channels);
    let mut aligned = vec![0.0; BLOCK_FRAMES * channels];
    let (mut done, mut read_total, mut written) = (0, 0, 0);
    while done < total_frames {
        // Ctrl-C: the outputs in progress are temporary files, which go when the sink is dropped.
        if crate::interrupt::requested() {
            return Err(AppError::Interrupted("nothing was written".to_owned()));
        }
        let len = (total_frames - done).min(BLOCK_FRAMES) * channels;
        // The input, then silence for the latency.
        let wanted = (frames * channels).saturating_sub(read_total).min(len);
        let read = source.read(&mut block_in[..wanted])?;
        if read < wanted {
            return Err(AppError::Internal(format!("the input ended {} samples early", wanted - read)));
        }
        read_total += read;
        block_in[read..len].fill(0.0);
        waiting.extend(&block_in[..read]);
        engine.process_interleaved_observed(&block_in[..len], &mut block_out[..len], &mut |_, _| {}, &mut recorder);
        for packet in recorder.pending.drain(..) {
            sink.packet(&packet)?;
        }
        // Keep what comes after the first `latency` frames, up to the input's length.
        let start = done * channels;
        let skip = (latency * channels).saturating_sub(start).min(len);
        let keep = (len - skip).min(frames * channels - written);
        let decoded = &block_out[skip..skip + keep];
        for (slot, sample) in aligned.iter_mut().zip(waiting.drain(..keep)) {
            *slot = sample;
        }
        sink.block(&aligned[..keep], decoded)?;
        written += keep;
        done += len / channels;
        progress.set(done as f64 / f64::from(rate));
    }
    progress.finish();
    let counters = engine.counters(SlotId::A);
    if counters.underruns > 0 || counters.rejected_blocks > 0 {
        return Err(AppError::Internal(format!("the engine reported {counters:?}")));
    }
    if recorder.rendered.fates.len() as u64 != covering {
        let played = recorder.rendered.fates.len();
        return Err(AppError::Internal(format!("{covering} packets cover the input, but {played} were played out")));
    }
    recorder.rendered.counters = counters;
    Ok(recorder.rendered)
}
