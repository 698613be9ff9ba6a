//! The engine: host blocks in, the Opus round trip, host blocks out, at a constant latency.

use std::fmt;
use std::sync::Arc;

use roundtrip_codec::{Channels, FrameDuration, OPUS_SAMPLE_RATES_HZ};

use crate::fifo::SampleFifo;
use crate::latency::{Latency, ResamplerShape, latency};
use crate::meters::{Counters, Levels, Meters};
use crate::resampler::ChunkResampler;
use crate::round_trip::{PacketObserver, RoundTrip};
use crate::settings::{MAX_DRED_WAIT_MS, Monitor, Settings};

/// Input samples beyond ±this (+12 dBFS) are clamped before the encoder and counted.
pub const SANITIZE_LIMIT: f32 = 4.0;

/// The output never exceeds ±this (+24 dBFS): the most the output gain can make of a
/// full-scale signal.
pub const OUTPUT_CEILING: f32 = 16.0;

/// Lowest and highest host rates, in hertz: from telephone-bandwidth experiments to DXD and
/// beyond.
pub const HOST_RATE_RANGE_HZ: (u32, u32) = (1_000, 768_000);

/// The rate the codec runs at for a host rate that is not one of Opus's own: 48 kHz (fullband),
/// or 8 kHz below 8 kHz, where the host's band fits narrowband and the resampling ratio (and so
/// rubato's FFT block and delay) stays small.
fn codec_rate_for(host_rate_hz: u32) -> u32 {
    if OPUS_SAMPLE_RATES_HZ.contains(&host_rate_hz) {
        host_rate_hz
    } else if host_rate_hz < 8_000 {
        8_000
    } else {
        48_000
    }
}

/// The largest `max_block_frames` accepted. Longer host blocks are still processed, in pieces.
pub const MAX_BLOCK_FRAMES: usize = 1 << 16;

/// Length of the fade out before, and the fade in after, a restart for a latency change.
const RESTART_FADE_MS: f32 = 5.0;

/// Time constant of the mix, monitor and gain smoothing: long enough not to click, short enough
/// to feel immediate.
const SMOOTHING_MS: f32 = 5.0;

/// Averaging times of the meters.
const RMS_WINDOW_S: f32 = 0.3;
const SNR_WINDOW_S: f32 = 1.0;
const BITRATE_WINDOW_S: f32 = 1.0;

/// What the engine is created for; fixed until it is created again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineConfig {
    /// The host's sample rate, 1 to 768 kHz.
    pub sample_rate_hz: u32,
    /// 1 (mono) or 2 (stereo, interleaved).
    pub channels: usize,
    /// The longest block the host will pass, 1 to [`MAX_BLOCK_FRAMES`]. Longer blocks still
    /// work; they are processed in pieces of this size.
    pub max_block_frames: usize,
}

/// Why an engine could not be created.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineError {
    /// The host rate is outside [`HOST_RATE_RANGE_HZ`].
    UnsupportedSampleRate(u32),
    /// Not 1 or 2 channels.
    UnsupportedChannels(usize),
    /// `max_block_frames` is 0 or above [`MAX_BLOCK_FRAMES`].
    UnsupportedMaxBlock(usize),
    /// libopus refused to create a state.
    Codec(roundtrip_codec::Error),
    /// The resampler could not be built for this rate.
    Resampler(String),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedSampleRate(hz) => write!(
                f,
                "sample rate {hz} Hz is not supported; use a rate from {} to {} Hz",
                HOST_RATE_RANGE_HZ.0, HOST_RATE_RANGE_HZ.1
            ),
            Self::UnsupportedChannels(n) => write!(f, "{n} channels are not supported; use mono or stereo"),
            Self::UnsupportedMaxBlock(n) => {
                write!(f, "a maximum block of {n} frames is not supported; use 1 to {MAX_BLOCK_FRAMES}")
            }
            Self::Codec(error) => write!(f, "{error}"),
            Self::Resampler(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for EngineError {}

impl From<roundtrip_codec::Error> for EngineError {
    fn from(error: roundtrip_codec::Error) -> Self {
        Self::Codec(error)
    }
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

/// Where the engine is in a restart for a latency change.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Restart {
    /// Running normally.
    Idle,
    /// Fading the output out; restarts when `remaining` reaches 0.
    FadingOut { remaining: usize },
    /// Restarted; fading the input in over `remaining` more samples.
    FadingIn { remaining: usize },
}

/// A value that glides toward its target with a one-pole filter, and snaps once close.
#[derive(Debug, Clone, Copy)]
struct Smoothed {
    current: f32,
    target: f32,
}

impl Smoothed {
    fn new(value: f32) -> Self {
        Self { current: value, target: value }
    }

    #[inline]
    fn next(&mut self, coefficient: f32) -> f32 {
        if self.current != self.target {
            self.current += (self.target - self.current) * coefficient;
            if (self.target - self.current).abs() < 1e-6 {
                self.current = self.target;
            }
        }
        self.current
    }

    fn snap(&mut self) {
        self.current = self.target;
    }
}

/// The monitor weights and output gain, smoothed.
#[derive(Debug, Clone, Copy)]
struct OutputMix {
    decoded: Smoothed,
    difference: Smoothed,
    dry: Smoothed,
    gain: Smoothed,
}

impl OutputMix {
    fn new(settings: &Settings) -> Self {
        let mut mix = Self {
            decoded: Smoothed::new(0.0),
            difference: Smoothed::new(0.0),
            dry: Smoothed::new(0.0),
            gain: Smoothed::new(1.0),
        };
        mix.set(settings);
        mix.snap();
        mix
    }

    fn set(&mut self, settings: &Settings) {
        let wet = settings.mix;
        let is = |monitor: Monitor| if settings.monitor == monitor { wet } else { 0.0 };
        self.decoded.target = is(Monitor::Decoded);
        self.difference.target = is(Monitor::Difference);
        self.dry.target = 1.0 - wet + is(Monitor::Dry);
        self.gain.target = 10f32.powf(settings.output_gain_db / 20.0);
    }

    fn is_settled(&self) -> bool {
        [self.decoded, self.difference, self.dry, self.gain].iter().all(|s| s.current == s.target)
    }

    fn snap(&mut self) {
        self.decoded.snap();
        self.difference.snap();
        self.dry.snap();
        self.gain.snap();
    }
}

/// Running meter state, on the audio thread.
#[derive(Debug, Clone, Copy, Default)]
struct MeterState {
    levels: Levels,
    input_mean_square: f32,
    output_mean_square: f32,
    signal_energy: f32,
    noise_energy: f32,
    /// Packets and bytes already folded into the bitrate average.
    packets_seen: u64,
    bytes_seen: u64,
}

/// Scratch buffers, each sized for the worst case at creation.
#[derive(Debug)]
struct Scratch {
    /// Sanitised input of one piece of a block.
    input: Vec<f32>,
    /// Decoded output of that piece.
    wet: Vec<f32>,
    /// Latency-aligned input of that piece.
    dry: Vec<f32>,
    /// One down-resampler chunk in and out.
    chunk_in: Vec<f32>,
    chunk_out: Vec<f32>,
    /// One Opus frame in and out.
    frame_in: Vec<f32>,
    frame_out: Vec<f32>,
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
    /// Rate the codec runs at: the host rate if Opus codes at it, else 48 kHz.
    codec_rate_hz: u32,
    /// The codec, the network and the receiver.
    round_trip: RoundTrip,
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
    /// Scratch buffers.
    scratch: Scratch,
    /// The settings in force (those of `shape` may lag until a restart).
    settings: Settings,
    /// The settings the current pipeline shape was built for.
    shape_settings: Settings,
    /// The current delays.
    latency: Latency,
    /// Restart state.
    restart: Restart,
    /// Samples in a restart fade.
    fade_samples: usize,
    /// Smoothing coefficient per sample.
    smoothing: f32,
    /// Monitor weights and gain.
    mix: OutputMix,
    /// Counters kept here rather than in the round trip.
    sanitized_samples: u64,
    rejected_blocks: u64,
    underruns: u64,
    /// Meter averages.
    meter_state: MeterState,
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
        let EngineConfig { sample_rate_hz, channels, max_block_frames } = config;
        if !(HOST_RATE_RANGE_HZ.0..=HOST_RATE_RANGE_HZ.1).contains(&sample_rate_hz) {
            return Err(EngineError::UnsupportedSampleRate(sample_rate_hz));
        }
        let codec_channels = Channels::try_from(channels).map_err(|_| EngineError::UnsupportedChannels(channels))?;
        if max_block_frames == 0 || max_block_frames > MAX_BLOCK_FRAMES {
            return Err(EngineError::UnsupportedMaxBlock(max_block_frames));
        }
        let settings = settings.clamped();
        let codec_rate_hz = codec_rate_for(sample_rate_hz);
        let direct = codec_rate_hz == sample_rate_hz;
        let resamplers = if direct {
            None
        } else {
            Some(Resamplers {
                down: ChunkResampler::new(sample_rate_hz, codec_rate_hz, channels).map_err(EngineError::Resampler)?,
                up: ChunkResampler::new(codec_rate_hz, sample_rate_hz, channels).map_err(EngineError::Resampler)?,
            })
        };

        // The deepest the receiver can ever hold back: DRED's wait in the shortest frames.
        let max_recovery_frames = (MAX_DRED_WAIT_MS / 2.5).ceil() as usize;
        let round_trip = RoundTrip::new(codec_rate_hz, codec_channels, &settings, max_recovery_frames)?;

        // Size every buffer for the worst latency any setting can reach.
        let shape = resamplers.as_ref().map(Resamplers::shape);
        let max_lookahead = codec_rate_hz as usize / 400 + codec_rate_hz as usize / 250;
        let worst = FrameDuration::FIXED
            .iter()
            .filter_map(|frame| frame.samples(codec_rate_hz))
            .map(|frame| {
                let frames = (MAX_DRED_WAIT_MS * codec_rate_hz as f32 / 1000.0 / frame as f32).ceil() as usize;
                latency(sample_rate_hz, codec_rate_hz, frame, max_lookahead, frames.max(1), shape.as_ref())
            })
            .fold(Latency { prefill_host: 0, pad_codec: 0, total_host: 0 }, |a, b| Latency {
                prefill_host: a.prefill_host.max(b.prefill_host),
                pad_codec: a.pad_codec.max(b.pad_codec),
                total_host: a.total_host.max(b.total_host),
            });
        let max_frame = FrameDuration::Ms120.samples(codec_rate_hz).unwrap_or(5_760);
        let (chunk_in, chunk_out) = shape.map_or((1, 1), |s| (s.down_in.max(s.up_out), s.down_out.max(s.up_in)));
        let max_frame_host = max_frame * sample_rate_hz as usize / codec_rate_hz as usize + 1;
        let max_block_codec = max_block_frames * codec_rate_hz as usize / sample_rate_hz as usize + 1;
        let slack = 2 * (max_frame_host + chunk_in + chunk_out) + 64;
        let fifo = |frames: usize| SampleFifo::with_capacity(frames * channels);

        let fade_samples = ((RESTART_FADE_MS / 1000.0) * sample_rate_hz as f32).round().max(1.0) as usize;
        let smoothing = 1.0 - (-1.0 / (SMOOTHING_MS / 1000.0 * sample_rate_hz as f32)).exp();
        let mut engine = Self {
            config,
            codec_rate_hz,
            round_trip,
            resamplers,
            host_in: fifo(max_block_frames + chunk_in + max_frame),
            // At an Opus rate the codec works straight on the host FIFOs and these stay unused.
            codec_in: fifo(if direct { 1 } else { max_block_codec + max_frame + 2 * chunk_out }),
            codec_out: fifo(if direct { 1 } else { worst.pad_codec + max_block_codec + max_frame + 2 * chunk_out }),
            host_out: fifo(worst.total_host + max_block_frames + slack),
            dry: fifo(worst.total_host + max_block_frames + slack),
            scratch: Scratch {
                input: prefaulted(max_block_frames * channels),
                wet: prefaulted(max_block_frames * channels),
                dry: prefaulted(max_block_frames * channels),
                chunk_in: prefaulted(chunk_in * channels),
                chunk_out: prefaulted(chunk_out * channels),
                frame_in: prefaulted(max_frame * channels),
                frame_out: prefaulted(max_frame * channels),
                planar_in: prefaulted(max_block_frames * channels),
                planar_out: prefaulted(max_block_frames * channels),
            },
            settings,
            shape_settings: settings,
            latency: worst,
            restart: Restart::Idle,
            fade_samples,
            smoothing,
            mix: OutputMix::new(&settings),
            sanitized_samples: 0,
            rejected_blocks: 0,
            underruns: 0,
            meter_state: MeterState::default(),
            meters,
        };
        engine.rebuild_pipeline();
        engine.publish_meters();
        Ok(engine)
    }

    /// What the engine was created for.
    pub fn config(&self) -> EngineConfig {
        self.config
    }

    /// The rate the codec runs at.
    pub fn codec_rate_hz(&self) -> u32 {
        self.codec_rate_hz
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The output's delay behind the input, in host samples.
    pub fn latency_samples(&self) -> usize {
        self.latency.total_host
    }

    /// How far the encoded stream lags the input, in seconds: the down-resampler's delay plus
    /// the encoder's lookahead. A file of the packets skips this much at its start (an Ogg Opus
    /// file's pre-skip).
    pub fn encoded_delay_seconds(&self) -> f64 {
        let resampler_frames = self.resamplers.as_ref().map_or(0, |resamplers| resamplers.down.delay_input_frames());
        resampler_frames as f64 / f64::from(self.config.sample_rate_hz)
            + self.round_trip.lookahead() as f64 / f64::from(self.codec_rate_hz)
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
        // A fade-out once started runs to its restart, even if the change is taken back: the
        // output is already partly faded, and a restart with the old shape is harmless.
        self.restart = match self.restart {
            Restart::FadingOut { remaining } => Restart::FadingOut { remaining },
            _ if self.shape_settings.needs_restart(&settings) => Restart::FadingOut { remaining: self.fade_samples },
            other => other,
        };
        self.round_trip.configure(&with_shape_of(&settings, &self.shape_settings), false);
        self.mix.set(&settings);
        self.settings = settings;
    }

    /// Clears all audio state (FIFOs, codec, resamplers, loss pattern and counters) as if just
    /// created with the current settings. Never allocates.
    pub fn reset(&mut self) {
        self.shape_settings = self.settings;
        self.round_trip.reset(&self.settings);
        self.restart = Restart::Idle;
        self.mix.snap();
        self.sanitized_samples = 0;
        self.rejected_blocks = 0;
        self.underruns = 0;
        self.meter_state = MeterState::default();
        self.rebuild_pipeline();
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
        let mut interleaved = std::mem::take(&mut self.scratch.planar_in);
        let mut processed = std::mem::take(&mut self.scratch.planar_out);
        let mut done = 0;
        while done < frames {
            let piece = (frames - done).min(self.config.max_block_frames);
            let len = piece * count;
            for (frame, samples) in interleaved[..len].chunks_exact_mut(count).enumerate() {
                for (sample, channel) in samples.iter_mut().zip(channels.iter()) {
                    *sample = channel[done + frame];
                }
            }
            self.process_pieces(&interleaved[..len], &mut processed[..len], tap, &mut ());
            for (frame, samples) in processed[..len].chunks_exact(count).enumerate() {
                for (&sample, channel) in samples.iter().zip(channels.iter_mut()) {
                    channel[done + frame] = sample;
                }
            }
            done += piece;
        }
        self.scratch.planar_in = interleaved;
        self.scratch.planar_out = processed;
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
            let mut piece = (frames - done).min(self.config.max_block_frames);
            if let Restart::FadingOut { remaining } = self.restart {
                piece = piece.min(remaining.max(1));
            }
            let range = done * channels..(done + piece) * channels;
            self.process_piece(&input[range.clone()], &mut output[range], packets);
            let len = piece * channels;
            tap(&self.scratch.dry[..len], &self.scratch.wet[..len]);
            done += piece;
            if self.restart == (Restart::FadingOut { remaining: 0 }) {
                self.shape_settings = self.settings;
                self.round_trip.restart(&self.settings);
                self.rebuild_pipeline();
                self.restart = Restart::FadingIn { remaining: self.fade_samples };
            }
        }
    }

    /// Processes at most one maximum block.
    fn process_piece(&mut self, input: &[f32], output: &mut [f32], packets: &mut dyn PacketObserver) {
        let channels = self.config.channels;
        let len = input.len();
        let frames = len / channels;

        // Sanitise, and fade the input in after a restart.
        let mut sanitized = 0u32;
        let clean = &mut self.scratch.input[..len];
        for (&sample, out) in input.iter().zip(clean.iter_mut()) {
            let (value, changed) = sanitize(sample);
            sanitized += u32::from(changed);
            *out = value;
        }
        if let Restart::FadingIn { remaining } = self.restart {
            let fade = self.fade_samples as f32;
            for (frame, samples) in clean.chunks_exact_mut(channels).take(remaining).enumerate() {
                let ramp = 1.0 - (remaining - frame) as f32 / fade;
                samples.iter_mut().for_each(|sample| *sample *= ramp);
            }
        }
        if let Restart::FadingIn { remaining } = self.restart {
            self.restart =
                if remaining > frames { Restart::FadingIn { remaining: remaining - frames } } else { Restart::Idle };
        }
        self.sanitized_samples += u64::from(sanitized);

        self.dry.push(&self.scratch.input[..len]);
        self.host_in.push(&self.scratch.input[..len]);
        self.run_stages(packets);
        let got = self.host_out.pop_into(&mut self.scratch.wet[..len]);
        if got < len {
            self.scratch.wet[got..len].fill(0.0);
            self.underruns += (len - got) as u64;
        }
        let got = self.dry.pop_into(&mut self.scratch.dry[..len]);
        self.scratch.dry[got..len].fill(0.0);

        // Mix what the listener hears. While nothing glides or fades, the weights are constant
        // for the whole piece, and the per-sample work is one multiply-add chain.
        let coefficient = self.smoothing;
        let fade = self.fade_samples as f32;
        let settled = self.mix.is_settled() && !matches!(self.restart, Restart::FadingOut { .. });
        let (wet, aligned) = (&self.scratch.wet[..len], &self.scratch.dry[..len]);
        if settled {
            let mix = &self.mix;
            // gain·(decoded·wet + difference·(aligned − wet) + dry·aligned), regrouped.
            let wet_weight = mix.gain.current * (mix.decoded.current - mix.difference.current);
            let aligned_weight = mix.gain.current * (mix.difference.current + mix.dry.current);
            for ((out, &wet), &aligned) in output.iter_mut().zip(wet).zip(aligned) {
                *out = limit(wet_weight * wet + aligned_weight * aligned);
            }
        } else {
            let frames_in =
                output.chunks_exact_mut(channels).zip(wet.chunks_exact(channels).zip(aligned.chunks_exact(channels)));
            for (frame, (out, (wet, aligned))) in frames_in.enumerate() {
                let fade_out = match self.restart {
                    Restart::FadingOut { remaining } => remaining.saturating_sub(frame + 1) as f32 / fade,
                    _ => 1.0,
                };
                let mix = &mut self.mix;
                let (decoded, difference, dry, gain) = (
                    mix.decoded.next(coefficient),
                    mix.difference.next(coefficient),
                    mix.dry.next(coefficient),
                    mix.gain.next(coefficient) * fade_out,
                );
                for ((out, &wet), &aligned) in out.iter_mut().zip(wet).zip(aligned) {
                    *out = limit(gain * (decoded * wet + difference * (aligned - wet) + dry * aligned));
                }
            }
        }
        if let Restart::FadingOut { remaining } = self.restart {
            self.restart = Restart::FadingOut { remaining: remaining.saturating_sub(frames) };
        }
        self.update_levels(len, output);
    }

    /// Runs every stage as far as its input allows: eagerly, so that each stage's output is a
    /// function of its input stream alone and not of how the host cut it into blocks.
    fn run_stages(&mut self, packets: &mut dyn PacketObserver) {
        let channels = self.config.channels;
        let Some(resamplers) = self.resamplers.as_mut() else {
            // At an Opus rate the host FIFOs are the codec FIFOs: no copies between them.
            let (host_in, host_out) = (&mut self.host_in, &mut self.host_out);
            Self::run_frames(&mut self.round_trip, &mut self.scratch, host_in, host_out, channels, packets);
            return;
        };
        let (down_in, down_out) = (resamplers.down.in_frames() * channels, resamplers.down.out_frames() * channels);
        let (up_in, up_out) = (resamplers.up.in_frames() * channels, resamplers.up.out_frames() * channels);
        while self.host_in.len() >= down_in {
            let scratch = &mut self.scratch;
            self.host_in.pop_into(&mut scratch.chunk_in[..down_in]);
            resamplers.down.process(&scratch.chunk_in[..down_in], &mut scratch.chunk_out[..down_out]);
            self.codec_in.push(&scratch.chunk_out[..down_out]);
            Self::run_frames(&mut self.round_trip, scratch, &mut self.codec_in, &mut self.codec_out, channels, packets);
            while self.codec_out.len() >= up_in {
                self.codec_out.pop_into(&mut scratch.chunk_out[..up_in]);
                resamplers.up.process(&scratch.chunk_out[..up_in], &mut scratch.chunk_in[..up_out]);
                self.host_out.push(&scratch.chunk_in[..up_out]);
            }
        }
    }

    /// Codes every whole frame waiting in `codec_in` into `codec_out`.
    fn run_frames(
        round_trip: &mut RoundTrip,
        scratch: &mut Scratch,
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

    /// Empties every FIFO and resampler and fills the pre-fills for the current shape.
    fn rebuild_pipeline(&mut self) {
        let shape = self.resamplers.as_ref().map(Resamplers::shape);
        self.latency = latency(
            self.config.sample_rate_hz,
            self.codec_rate_hz,
            self.round_trip.frame_samples(),
            self.round_trip.lookahead(),
            self.round_trip.recovery_frames(),
            shape.as_ref(),
        );
        let channels = self.config.channels;
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

    /// Folds a processed piece into the level meters.
    fn update_levels(&mut self, len: usize, output: &[f32]) {
        if len == 0 {
            return;
        }
        let rate = self.config.sample_rate_hz as f32;
        let seconds = (len / self.config.channels) as f32 / rate;
        let state = &mut self.meter_state;
        let input = &self.scratch.input[..len];
        let (aligned, wet) = (&self.scratch.dry[..len], &self.scratch.wet[..len]);
        let sums = LevelSums::of(input, output, aligned, wet);
        let (input_energy, output_energy, signal_energy, noise_energy, input_peak, output_peak) = (
            sums.input_energy,
            sums.output_energy,
            sums.signal_energy,
            sums.noise_energy,
            sums.input_peak,
            sums.output_peak,
        );
        let count = len as f32;
        let rms_weight = 1.0 - (-seconds / RMS_WINDOW_S).exp();
        let snr_weight = 1.0 - (-seconds / SNR_WINDOW_S).exp();
        state.input_mean_square += (input_energy / count - state.input_mean_square) * rms_weight;
        state.output_mean_square += (output_energy / count - state.output_mean_square) * rms_weight;
        state.signal_energy += (signal_energy / count - state.signal_energy) * snr_weight;
        state.noise_energy += (noise_energy / count - state.noise_energy) * snr_weight;
        let db = |mean_square: f32| if mean_square > 1e-12 { 10.0 * mean_square.log10() } else { -120.0 };
        state.levels.input_peak = input_peak;
        state.levels.output_peak = output_peak;
        state.levels.input_rms_dbfs = db(state.input_mean_square);
        state.levels.output_rms_dbfs = db(state.output_mean_square);
        state.levels.snr_db =
            roundtrip_codec::measure::power_ratio_db(f64::from(state.signal_energy), f64::from(state.noise_energy))
                .clamp(-120.0, 120.0) as f32;

        let counters = &self.round_trip.counters;
        let new_packets = counters.packets_sent.saturating_sub(state.packets_seen);
        if new_packets > 0 {
            let frame_seconds = self.round_trip.frame_samples() as f32 / self.codec_rate_hz as f32;
            let bytes_per_packet = counters.bytes_sent.saturating_sub(state.bytes_seen) as f32 / new_packets as f32;
            let packet_bitrate = bytes_per_packet * 8.0 / frame_seconds;
            // One exponential step per packet, folded into one: weight 1 − (1 − w)^n.
            let per_packet = (-frame_seconds / BITRATE_WINDOW_S).exp();
            // The first packets set the average rather than rise to it from zero.
            let weight = if state.packets_seen == 0 {
                1.0
            } else {
                1.0 - per_packet.powi(new_packets.min(i32::MAX as u64) as i32)
            };
            state.levels.actual_bitrate_bps += (packet_bitrate - state.levels.actual_bitrate_bps) * weight;
            state.levels.packet_bytes = self.round_trip.last_packet_bytes as f32;
            state.packets_seen = counters.packets_sent;
            state.bytes_seen = counters.bytes_sent;
        }
    }

    /// The counters kept here and in the round trip, together.
    pub fn counters(&self) -> Counters {
        Counters {
            sanitized_samples: self.sanitized_samples,
            rejected_blocks: self.rejected_blocks,
            underruns: self.underruns,
            ..self.round_trip.counters
        }
    }

    fn publish_meters(&self) {
        self.meters.publish(
            &self.counters(),
            &self.meter_state.levels,
            self.latency.total_host,
            self.config.sample_rate_hz,
        );
    }
}

/// Energies and peaks of one piece, for the meters.
#[derive(Debug, Default)]
struct LevelSums {
    input_energy: f32,
    output_energy: f32,
    signal_energy: f32,
    noise_energy: f32,
    input_peak: f32,
    output_peak: f32,
}

impl LevelSums {
    /// One pass over the four signals, in eight independent lanes so that the compiler can
    /// vectorise the sums (it may not reorder a single running float sum).
    fn of(input: &[f32], output: &[f32], aligned: &[f32], wet: &[f32]) -> Self {
        const LANES: usize = 8;
        let mut lanes = [[0.0f32; LANES]; 6];
        let mut add = |x: &[f32], y: &[f32], a: &[f32], w: &[f32]| {
            for lane in 0..x.len().min(LANES) {
                let (x, y, a, w) = (x[lane], y[lane], a[lane], w[lane]);
                lanes[0][lane] += x * x;
                lanes[1][lane] += y * y;
                lanes[2][lane] += a * a;
                lanes[3][lane] += (a - w) * (a - w);
                lanes[4][lane] = lanes[4][lane].max(x.abs());
                lanes[5][lane] = lanes[5][lane].max(y.abs());
            }
        };
        let whole = input.len() / LANES * LANES;
        for (((x, y), a), w) in input[..whole]
            .chunks_exact(LANES)
            .zip(output[..whole].chunks_exact(LANES))
            .zip(aligned[..whole].chunks_exact(LANES))
            .zip(wet[..whole].chunks_exact(LANES))
        {
            add(x, y, a, w);
        }
        add(&input[whole..], &output[whole..], &aligned[whole..], &wet[whole..]);
        let sum = |lane: &[f32; LANES]| lane.iter().sum::<f32>();
        let peak = |lane: &[f32; LANES]| lane.iter().fold(0.0f32, |p, &v| p.max(v));
        Self {
            input_energy: sum(&lanes[0]),
            output_energy: sum(&lanes[1]),
            signal_energy: sum(&lanes[2]),
            noise_energy: sum(&lanes[3]),
            input_peak: peak(&lanes[4]),
            output_peak: peak(&lanes[5]),
        }
    }
}

/// A zeroed buffer whose pages are already mapped: `vec![0.0; n]` may hand out zero pages that
/// the kernel only maps on the first write, which would then happen in an audio callback.
fn prefaulted(len: usize) -> Vec<f32> {
    let mut buffer = vec![0.0; len];
    buffer.fill(0.0);
    buffer
}

/// Bounds an output sample to ±[`OUTPUT_CEILING`]. A NaN (never expected: inputs are
/// sanitised and libopus decodes to finite floats) also comes out bounded, as −ceiling, because
/// `max` returns its other operand for NaN. Branch-free, so the output loops vectorise.
#[inline]
#[allow(clippy::manual_clamp, reason = "clamp would pass a NaN through; max/min bound it")]
fn limit(sample: f32) -> f32 {
    sample.max(-OUTPUT_CEILING).min(OUTPUT_CEILING)
}

/// Replaces NaN, infinities and subnormals with 0 and clamps beyond ±[`SANITIZE_LIMIT`];
/// says whether it changed anything.
/// Written with selects rather than early returns so that the input loop vectorises.
#[inline]
fn sanitize(sample: f32) -> (f32, bool) {
    let magnitude = sample.abs();
    // False for NaN, since every comparison with NaN is. Bitwise `&`/`|`: no branches.
    let ordinary = (magnitude <= SANITIZE_LIMIT) & ((magnitude >= f32::MIN_POSITIVE) | (magnitude == 0.0));
    let replacement = if magnitude > SANITIZE_LIMIT { SANITIZE_LIMIT.copysign(sample) } else { 0.0 };
    (if ordinary { sample } else { replacement }, !ordinary)
}

/// `settings` with the shape fields (the latency's, and the application) of `shape`, so that
/// they wait for a restart while everything else applies now.
fn with_shape_of(settings: &Settings, shape: &Settings) -> Settings {
    Settings { application: shape.application, ..settings.with_latency_of(shape) }
}
