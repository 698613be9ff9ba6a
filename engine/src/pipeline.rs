//! The pipeline between the host and the codec: FIFOs, the resamplers (when the host rate is not
//! one Opus codes at), the stage runner, and the worst-case sizing that lets it run without
//! allocating.
//!
//! Host samples go in at one end and come out, exactly [`Latency::total_host`] samples later, at
//! the other; the dry FIFO delays the input by the same amount for the dry and difference
//! signals. Each stage runs as far as its input allows, so its output depends on its input
//! stream alone, not on how the host cut it into blocks.

use roundtrip_codec::{FrameDuration, OPUS_SAMPLE_RATES_HZ};

use crate::config::{EngineConfig, EngineError};
use crate::fifo::SampleFifo;
use crate::latency::{Latency, ResamplerShape, latency};
use crate::resampler::ChunkResampler;
use crate::round_trip::{PacketObserver, RoundTrip};
use crate::settings::{MAX_DRED_WAIT_MS, MAX_PLAYOUT_MS};

/// The rate the codec runs at for a host rate: the host rate if Opus codes at it; else 48 kHz
/// (fullband), or 8 kHz below 8 kHz, where the host's band fits narrowband and the resampling
/// ratio (and so rubato's FFT block and delay) stays small.
pub fn codec_rate_for(host_rate_hz: u32) -> u32 {
    if OPUS_SAMPLE_RATES_HZ.contains(&host_rate_hz) {
        host_rate_hz
    } else if host_rate_hz < 8_000 {
        8_000
    } else {
        48_000
    }
}

/// The longest encoder lookahead at `codec_rate_hz`: libopus's 2.5 ms of CELT overlap (Fs/400)
/// plus its 4 ms of delay compensation (Fs/250), which every application but restricted low
/// delay adds.
fn max_lookahead_samples(codec_rate_hz: u32) -> usize {
    codec_rate_hz as usize / 400 + codec_rate_hz as usize / 250
}

/// The deepest the receiver can ever hold back: the longer of DRED's wait and the deepest
/// jitter buffer, in the shortest frames.
pub fn max_recovery_frames() -> usize {
    let shortest_ms = FrameDuration::Ms2_5.millis().unwrap_or(2.5);
    (max_hold_ms() / shortest_ms).ceil() as usize
}

/// The longest the receiver may hold a packet back, in ms.
fn max_hold_ms() -> f32 {
    MAX_DRED_WAIT_MS.max(f32::from(MAX_PLAYOUT_MS))
}

/// Extra room in the output FIFOs beyond the latency and one host block, in frames: whole frames
/// are only coded once complete, so a stage may push up to a frame and a resampler chunk each
/// way ahead of what the host has taken, twice to cover one step's overshoot on top of the
/// previous one's. `ROUNDING_SLACK_FRAMES` covers the integer rounding of the rate conversions
/// in those bounds (each at most a frame) with room to spare.
fn output_slack_frames(max_frame_host: usize, chunk_in: usize, chunk_out: usize) -> usize {
    const ROUNDING_SLACK_FRAMES: usize = 64;
    2 * (max_frame_host + chunk_in + chunk_out) + ROUNDING_SLACK_FRAMES
}

/// The pair of resamplers used when the host rate is not an Opus rate.
#[derive(Debug)]
struct Resamplers {
    down: ChunkResampler,
    up: ChunkResampler,
}

impl Resamplers {
    fn shape(&self) -> ResamplerShape {
        ResamplerShape {
            down_in: self.down.in_frames(),
            down_out: self.down.out_frames(),
            down_delay_host: self.down.delay_input_frames(),
            up_in: self.up.in_frames(),
            up_out: self.up.out_frames(),
            up_delay_codec: self.up.delay_input_frames(),
        }
    }
}

/// The pipeline's own scratch, each buffer sized for the worst case at creation.
#[derive(Debug)]
struct StageScratch {
    /// One down-resampler chunk in and out.
    chunk_in: Vec<f32>,
    chunk_out: Vec<f32>,
    /// One Opus frame in and out.
    frame_in: Vec<f32>,
    frame_out: Vec<f32>,
}

/// FIFOs and resamplers from host samples to codec frames and back.
#[derive(Debug)]
pub struct Pipeline {
    channels: usize,
    host_rate_hz: u32,
    codec_rate_hz: u32,
    /// Present when the host rate is not an Opus rate.
    resamplers: Option<Resamplers>,
    /// Host-rate input waiting for the down-resampler.
    host_in: SampleFifo,
    /// Codec-rate input waiting for a whole frame.
    codec_in: SampleFifo,
    /// Codec-rate output waiting for the up-resampler.
    codec_out: SampleFifo,
    /// Host-rate output waiting for the host.
    host_out: SampleFifo,
    /// The input delayed by the latency, for the dry and difference signals.
    dry: SampleFifo,
    scratch: StageScratch,
    /// The current delays.
    latency: Latency,
}

impl Pipeline {
    /// A pipeline for `config`, sized for the worst latency any setting can reach. Allocates;
    /// [`Pipeline::rebuild`] must run before the first samples.
    pub fn new(config: &EngineConfig, codec_rate_hz: u32) -> Result<Self, EngineError> {
        let EngineConfig { sample_rate_hz, channels, max_block_frames } = *config;
        let direct = codec_rate_hz == sample_rate_hz;
        let resamplers = if direct {
            None
        } else {
            Some(Resamplers {
                down: ChunkResampler::new(sample_rate_hz, codec_rate_hz, channels).map_err(EngineError::Resampler)?,
                up: ChunkResampler::new(codec_rate_hz, sample_rate_hz, channels).map_err(EngineError::Resampler)?,
            })
        };

        let shape = resamplers.as_ref().map(Resamplers::shape);
        let max_lookahead = max_lookahead_samples(codec_rate_hz);
        let worst = FrameDuration::FIXED
            .iter()
            .filter_map(|frame| frame.samples(codec_rate_hz))
            .map(|frame| {
                let frames = (max_hold_ms() * codec_rate_hz as f32 / 1000.0 / frame as f32).ceil() as usize;
                latency(sample_rate_hz, codec_rate_hz, frame, max_lookahead, frames.max(1), shape.as_ref())
            })
            .fold(Latency { prefill_host: 0, pad_codec: 0, total_host: 0 }, |a, b| Latency {
                prefill_host: a.prefill_host.max(b.prefill_host),
                pad_codec: a.pad_codec.max(b.pad_codec),
                total_host: a.total_host.max(b.total_host),
            });
        let max_frame = FrameDuration::Ms120.samples(codec_rate_hz).unwrap_or(5_760);
        let (chunk_in, chunk_out) = shape.map_or((1, 1), |s| (s.down_in.max(s.up_out), s.down_out.max(s.up_in)));
        // Rate conversions rounded up: `+ 1`.
        let max_frame_host = max_frame * sample_rate_hz as usize / codec_rate_hz as usize + 1;
        let max_block_codec = max_block_frames * codec_rate_hz as usize / sample_rate_hz as usize + 1;
        let slack = output_slack_frames(max_frame_host, chunk_in, chunk_out);
        let fifo = |frames: usize| SampleFifo::with_capacity(frames * channels);
        Ok(Self {
            channels,
            host_rate_hz: sample_rate_hz,
            codec_rate_hz,
            resamplers,
            host_in: fifo(max_block_frames + chunk_in + max_frame),
            // At an Opus rate the codec works straight on the host FIFOs and these stay unused.
            codec_in: fifo(if direct { 1 } else { max_block_codec + max_frame + 2 * chunk_out }),
            codec_out: fifo(if direct { 1 } else { worst.pad_codec + max_block_codec + max_frame + 2 * chunk_out }),
            // A latency padded to a second chain's (see `Pipeline::rebuild`) is still that
            // chain's, within the worst.
            host_out: fifo(worst.total_host + max_block_frames + slack),
            dry: fifo(worst.total_host + max_block_frames + slack),
            scratch: StageScratch {
                chunk_in: prefaulted(chunk_in * channels),
                chunk_out: prefaulted(chunk_out * channels),
                frame_in: prefaulted(max_frame * channels),
                frame_out: prefaulted(max_frame * channels),
            },
            latency: worst,
        })
    }

    /// The host rate, in hertz.
    pub fn host_rate_hz(&self) -> u32 {
        self.host_rate_hz
    }

    /// The rate the codec runs at, in hertz.
    pub fn codec_rate_hz(&self) -> u32 {
        self.codec_rate_hz
    }

    /// The current delays.
    pub fn latency(&self) -> Latency {
        self.latency
    }

    /// The down-resampler's delay in host frames (0 without resampling).
    pub fn down_delay_host_frames(&self) -> usize {
        self.resamplers.as_ref().map_or(0, |resamplers| resamplers.down.delay_input_frames())
    }

    /// Empties every FIFO and resampler and fills the pre-fills for `round_trip`'s shape, with
    /// the output and the dry signal delayed further if need be so that the latency is at least
    /// `align_to_host` frames (a chain compared with a slower one waits for it). Never allocates.
    pub fn rebuild(&mut self, round_trip: &RoundTrip, align_to_host: usize) {
        let shape = self.resamplers.as_ref().map(Resamplers::shape);
        let mut latency = latency(
            self.host_rate_hz,
            self.codec_rate_hz,
            round_trip.frame_samples(),
            round_trip.lookahead(),
            round_trip.recovery_frames(),
            shape.as_ref(),
        );
        let padding = align_to_host.saturating_sub(latency.total_host);
        latency.prefill_host += padding;
        latency.total_host += padding;
        self.latency = latency;
        let channels = self.channels;
        for fifo in [&mut self.host_in, &mut self.codec_in, &mut self.codec_out, &mut self.host_out, &mut self.dry] {
            fifo.clear();
        }
        if let Some(resamplers) = self.resamplers.as_mut() {
            resamplers.down.reset();
            resamplers.up.reset();
        }
        self.codec_out.push_zeros(self.latency.pad_codec * channels);
        self.host_out.push_zeros(self.latency.prefill_host * channels);
        self.dry.push_zeros(self.latency.total_host * channels);
    }

    /// Takes host input (interleaved), runs every stage as far as it can, and fills `decoded`
    /// and `aligned` (the input delayed by the latency) with as many samples. Returns the
    /// samples the pipeline could not supply (0 unless the latency arithmetic is wrong), which
    /// come out as silence. Never allocates.
    pub fn process(
        &mut self,
        input: &[f32],
        decoded: &mut [f32],
        aligned: &mut [f32],
        round_trip: &mut RoundTrip,
        packets: &mut dyn PacketObserver,
    ) -> usize {
        let len = input.len();
        self.dry.push(input);
        self.host_in.push(input);
        self.run_stages(round_trip, packets);
        let got = self.host_out.pop_into(&mut decoded[..len]);
        decoded[got..len].fill(0.0);
        let aligned_got = self.dry.pop_into(&mut aligned[..len]);
        aligned[aligned_got..len].fill(0.0);
        len - got
    }

    /// Runs every stage as far as its input allows.
    fn run_stages(&mut self, round_trip: &mut RoundTrip, packets: &mut dyn PacketObserver) {
        let channels = self.channels;
        let Some(resamplers) = self.resamplers.as_mut() else {
            // At an Opus rate the host FIFOs are the codec FIFOs: no copies between them.
            run_frames(round_trip, &mut self.scratch, &mut self.host_in, &mut self.host_out, channels, packets);
            return;
        };
        let (down_in, down_out) = (resamplers.down.in_frames() * channels, resamplers.down.out_frames() * channels);
        let (up_in, up_out) = (resamplers.up.in_frames() * channels, resamplers.up.out_frames() * channels);
        while self.host_in.len() >= down_in {
            let scratch = &mut self.scratch;
            self.host_in.pop_into(&mut scratch.chunk_in[..down_in]);
            resamplers.down.process(&scratch.chunk_in[..down_in], &mut scratch.chunk_out[..down_out]);
            self.codec_in.push(&scratch.chunk_out[..down_out]);
            run_frames(round_trip, scratch, &mut self.codec_in, &mut self.codec_out, channels, packets);
            while self.codec_out.len() >= up_in {
                self.codec_out.pop_into(&mut scratch.chunk_out[..up_in]);
                resamplers.up.process(&scratch.chunk_out[..up_in], &mut scratch.chunk_in[..up_out]);
                self.host_out.push(&scratch.chunk_in[..up_out]);
            }
        }
    }
}

/// Codes every whole frame waiting in `codec_in` into `codec_out`.
fn run_frames(
    round_trip: &mut RoundTrip,
    scratch: &mut StageScratch,
    codec_in: &mut SampleFifo,
    codec_out: &mut SampleFifo,
    channels: usize,
    packets: &mut dyn PacketObserver,
) {
    let frame = round_trip.frame_samples() * channels;
    while codec_in.len() >= frame {
        codec_in.pop_into(&mut scratch.frame_in[..frame]);
        round_trip.process_frame(&scratch.frame_in[..frame], &mut scratch.frame_out[..frame], packets);
        codec_out.push(&scratch.frame_out[..frame]);
    }
}

/// A zeroed buffer whose pages are already mapped: `vec![0.0; n]` may hand out zero pages that
/// the kernel only maps on the first write, which would then happen in an audio callback.
pub fn prefaulted(len: usize) -> Vec<f32> {
    let mut buffer = vec![0.0; len];
    buffer.fill(0.0);
    buffer
}
