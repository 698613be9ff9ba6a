//! Everything a user can change while the engine runs, with its range and default.

use roundtrip_codec::{Application, Bandwidth, FrameDuration, RateControl};

/// Lowest and highest bitrates libopus codes at, in bits per second.
pub const BITRATE_RANGE_BPS: (i32, i32) = (6_000, 510_000);

/// DRED durations go in steps of this (`OPUS_SET_DRED_DURATION` counts 10 ms units).
pub const DRED_STEP_MS: u16 = 10;

/// Longest DRED duration libopus accepts (`OPUS_SET_DRED_DURATION` takes 0 to 104 × 10 ms).
pub const MAX_DRED_DURATION_MS: u16 = 104 * DRED_STEP_MS;

/// Highest encoder and decoder complexity.
pub const MAX_COMPLEXITY: u8 = 10;

/// Lowest and highest mean loss-burst length, in packets.
pub const MEAN_BURST_RANGE_PACKETS: (f32, f32) = (1.0, 1_000.0);

/// Lowest and highest output gain, in dB: from nearly silent to +24 dB, which the output
/// ceiling ([`crate::OUTPUT_CEILING`]) allows for a full-scale signal.
pub const OUTPUT_GAIN_RANGE_DB: (f32, f32) = (-60.0, 24.0);

/// How far ahead of playback the simulated receiver may wait for a later packet that carries
/// deep redundancy for a lost one. A real receiver's jitter buffer bounds this the same way; the
/// wait is part of the reported latency, so it is capped to keep the plugin usable.
pub const MAX_DRED_WAIT_MS: f32 = 120.0;

/// What the listener hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Monitor {
    /// The decoded signal: what the far end hears.
    #[default]
    Decoded,
    /// Latency-aligned input minus decoded: the codec's artifacts alone.
    Difference,
    /// The input, delayed by the same latency, for A/B comparison.
    Dry,
}

/// How simulated packet losses are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LossModel {
    /// Each packet is lost independently with the given probability.
    #[default]
    Bernoulli,
    /// Two-state Gilbert–Elliott: losses come in bursts of the given mean length.
    GilbertElliott,
    /// libopus's generator learned from real network traces ([`crate::lossgen`]): runs and
    /// lulls as real links have them, for the given rate.
    Realistic,
}

impl LossModel {
    /// The mean burst to use when the user chose the model but no length: 1 packet for
    /// independent losses; 3 for bursty ones (60 ms at 20 ms frames, a typical Wi-Fi fade, long
    /// enough that the difference from random loss is audible).
    pub const fn usual_mean_burst_packets(self) -> f32 {
        match self {
            Self::Bernoulli | Self::Realistic => 1.0,
            Self::GilbertElliott => 3.0,
        }
    }
}

/// The simulated network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossSettings {
    /// Which model draws the losses.
    pub model: LossModel,
    /// Share of packets lost in the long run, 0 to 100 %.
    pub loss_percent: f32,
    /// Mean number of consecutive packets lost in a burst (Gilbert–Elliott only; the realistic
    /// model has bursts of its own), at least 1.
    pub mean_burst_packets: f32,
    /// Seed of the loss pattern: the same seed gives the same losses.
    pub seed: u64,
}

impl LossSettings {
    /// No loss.
    pub const DEFAULT: Self = Self { model: LossModel::Bernoulli, loss_percent: 0.0, mean_burst_packets: 1.0, seed: 1 };
}

impl Default for LossSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The simulated network's timing: how late packets come, and how long the receiver waits for
/// them ([`crate::jitter`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JitterSettings {
    /// Mean of each packet's random delay, 0 to [`MAX_JITTER_MS`] ms (exponentially distributed).
    pub mean_jitter_ms: f32,
    /// Share of packets that start a delay spike, 0 to 100 %.
    pub spike_percent: f32,
    /// A spike's extra delay, 0 to [`MAX_SPIKE_MS`] ms; the packets behind it arrive with it.
    pub spike_ms: f32,
    /// How long the receiver waits for a packet beyond the fastest one's delay (its jitter
    /// buffer), 0 to [`MAX_PLAYOUT_MS`] ms, in whole frames. A packet later than that is *late*:
    /// concealed or rebuilt like a lost one. Adds that much latency (and so restarts the codec,
    /// as a frame change does); FEC's and DRED's wait for later packets is part of it. The
    /// fixed receiver's only; the adaptive one chooses its own within its bounds.
    pub playout_ms: u16,
    /// How the receiver decides how long to wait: a fixed delay, or one that adapts to the
    /// delays it measures, as WebRTC's does ([`crate::playout`]).
    pub receiver: Receiver,
}

/// The receiver's playout policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Receiver {
    /// Waits [`JitterSettings::playout_ms`] for every packet; a later one is late.
    #[default]
    Fixed,
    /// Aims at the 95th percentile of recent delays, between `min_ms` and `max_ms` (each up to
    /// [`MAX_PLAYOUT_MS`]), and gets there by playing faster or slower (time-stretching
    /// pitch periods). The latency reported is the maximum's.
    Adaptive { min_ms: u16, max_ms: u16 },
}

impl Receiver {
    /// The adaptive receiver with the bounds a voice call's typically has.
    pub const ADAPTIVE_DEFAULT: Self = Self::Adaptive { min_ms: 20, max_ms: 200 };

    /// Its stable name in saved settings, stats and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::Adaptive { .. } => "adaptive",
        }
    }

    /// The adaptive receiver's bounds in ms, `None` for the fixed one.
    pub fn bounds_ms(self) -> Option<(u16, u16)> {
        match self {
            Self::Fixed => None,
            Self::Adaptive { min_ms, max_ms } => Some((min_ms, max_ms)),
        }
    }

    /// These bounds made valid: each within [`MAX_PLAYOUT_MS`], the minimum no more than the
    /// maximum.
    pub fn clamped(self) -> Self {
        match self {
            Self::Fixed => Self::Fixed,
            Self::Adaptive { min_ms, max_ms } => {
                let max_ms = max_ms.min(MAX_PLAYOUT_MS);
                Self::Adaptive { min_ms: min_ms.min(max_ms), max_ms }
            }
        }
    }
}

impl JitterSettings {
    /// Every packet on time, no wait; spikes, when some are asked for, of 200 ms (a Wi-Fi
    /// retry storm or a route change).
    pub const DEFAULT: Self =
        Self { mean_jitter_ms: 0.0, spike_percent: 0.0, spike_ms: 200.0, playout_ms: 0, receiver: Receiver::Fixed };

    /// The longest the receiver may wait, in ms: the fixed playout delay, or the adaptive
    /// receiver's maximum.
    pub fn longest_wait_ms(&self) -> u16 {
        match self.receiver.clamped() {
            Receiver::Fixed => self.playout_ms.min(MAX_PLAYOUT_MS),
            Receiver::Adaptive { max_ms, .. } => max_ms,
        }
    }

    /// Whether these settings delay any packet.
    pub fn delays_packets(&self) -> bool {
        self.mean_jitter_ms > 0.0 || (self.spike_percent > 0.0 && self.spike_ms > 0.0)
    }
}

impl Default for JitterSettings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The largest mean jitter, ms.
pub const MAX_JITTER_MS: f32 = 100.0;
/// The longest delay spike, ms.
pub const MAX_SPIKE_MS: f32 = 1_000.0;
/// The deepest jitter buffer, ms.
pub const MAX_PLAYOUT_MS: u16 = 200;

/// All settings. Changing any of them never allocates; see [`crate::Engine::set_settings`] for
/// when each takes effect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Target bitrate, 6,000 to 510,000 bits per second.
    pub bitrate_bps: i32,
    /// Packet duration, 2.5 to 120 ms. Changes the latency.
    pub frame: FrameDuration,
    /// Encoder complexity, 0 to 10.
    pub complexity: u8,
    /// Encoder application. Changing it restarts the codec; to or from restricted low delay it
    /// also changes the latency.
    pub application: Application,
    /// Forced bandwidth, or `None` for automatic.
    pub bandwidth: Option<Bandwidth>,
    /// CBR, VBR or constrained VBR.
    pub rate_control: RateControl,
    /// Discontinuous transmission during silence.
    pub dtx: bool,
    /// In-band forward error correction; the receiver then waits one packet (adds one frame of
    /// latency) so that a lost packet can be rebuilt from the next one.
    pub fec: bool,
    /// The loss the encoder is told to expect, 0 to 100 %, or `None` to tell it the simulated
    /// loss rate.
    pub expected_loss_percent: Option<u8>,
    /// Deep redundancy, 0 (off) to 1040 ms in 10 ms steps. When on, the receiver waits up to
    /// [`MAX_DRED_WAIT_MS`] for redundancy (adds that much latency, in whole frames).
    pub dred_duration_ms: u16,
    /// Decoder complexity, 0 to 10: 5 and up enable deep PLC, 6 and up OSCE enhancement.
    pub decoder_complexity: u8,
    /// Code a stereo input as mono.
    pub force_mono: bool,
    /// The simulated network.
    pub loss: LossSettings,
    /// The simulated network's delays and the receiver's wait.
    pub jitter: JitterSettings,
    /// What the listener hears.
    pub monitor: Monitor,
    /// Share of the monitored signal against the dry signal, 0 (all dry) to 1 (all monitored).
    pub mix: f32,
    /// Output gain in dB, −60 to +24.
    pub output_gain_db: f32,
    /// Match the decoded signal's loudness to the input's (BS.1770 short-term loudness), so
    /// that "louder sounds better" cannot decide a comparison (see [`crate::level_match`]).
    pub level_match: bool,
}

impl Settings {
    /// What a first-time user gets: 64 kbps, 20 ms, complexity 10, no loss, the decoded signal.
    pub const DEFAULT: Self = Self {
        bitrate_bps: 64_000,
        frame: FrameDuration::Ms20,
        complexity: 10,
        application: Application::Audio,
        bandwidth: None,
        rate_control: RateControl::ConstrainedVbr,
        dtx: false,
        fec: false,
        expected_loss_percent: None,
        dred_duration_ms: 0,
        decoder_complexity: 0,
        force_mono: false,
        loss: LossSettings::DEFAULT,
        jitter: JitterSettings::DEFAULT,
        monitor: Monitor::Decoded,
        mix: 1.0,
        output_gain_db: 0.0,
        level_match: false,
    };
}

impl Default for Settings {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Settings {
    /// The same settings with every value brought into its range (NaN becomes the default).
    /// A frame duration of [`FrameDuration::FromInput`] becomes 20 ms.
    pub fn clamped(mut self) -> Self {
        let finite_or = |value: f32, default: f32| if value.is_finite() { value } else { default };
        self.bitrate_bps = self.bitrate_bps.clamp(BITRATE_RANGE_BPS.0, BITRATE_RANGE_BPS.1);
        if self.frame == FrameDuration::FromInput {
            self.frame = FrameDuration::Ms20;
        }
        self.complexity = self.complexity.min(MAX_COMPLEXITY);
        self.expected_loss_percent = self.expected_loss_percent.map(|p| p.min(100));
        self.dred_duration_ms = self.dred_duration_ms.min(MAX_DRED_DURATION_MS) / DRED_STEP_MS * DRED_STEP_MS;
        self.decoder_complexity = self.decoder_complexity.min(MAX_COMPLEXITY);
        self.loss.loss_percent = finite_or(self.loss.loss_percent, 0.0).clamp(0.0, 100.0);
        let (burst_min, burst_max) = MEAN_BURST_RANGE_PACKETS;
        self.loss.mean_burst_packets = finite_or(self.loss.mean_burst_packets, 1.0).clamp(burst_min, burst_max);
        let jitter = &mut self.jitter;
        jitter.mean_jitter_ms = finite_or(jitter.mean_jitter_ms, 0.0).clamp(0.0, MAX_JITTER_MS);
        jitter.spike_percent = finite_or(jitter.spike_percent, 0.0).clamp(0.0, 100.0);
        jitter.spike_ms = finite_or(jitter.spike_ms, 0.0).clamp(0.0, MAX_SPIKE_MS);
        jitter.playout_ms = jitter.playout_ms.min(MAX_PLAYOUT_MS);
        jitter.receiver = jitter.receiver.clamped();
        self.mix = finite_or(self.mix, 1.0).clamp(0.0, 1.0);
        let (gain_min, gain_max) = OUTPUT_GAIN_RANGE_DB;
        self.output_gain_db = finite_or(self.output_gain_db, 0.0).clamp(gain_min, gain_max);
        self
    }

    /// How many frames the simulated receiver holds back: enough for its playout delay (the
    /// jitter buffer, rounded up to whole frames), and for FEC or DRED in later packets to
    /// rebuild a lost one: 1 for FEC; for DRED, enough frames to cover the DRED duration up to
    /// [`MAX_DRED_WAIT_MS`]; 0 when none is on.
    pub fn recovery_frames(&self) -> usize {
        let frame_ms = self.frame.millis().unwrap_or(20.0);
        let playout_ms = f32::from(self.jitter.longest_wait_ms());
        let playout = (playout_ms / frame_ms).ceil() as usize;
        self.redundancy_frames().max(playout)
    }

    /// How many frames a packet waits for the later ones that may rebuild it: 1 for FEC; for
    /// DRED, enough to cover its duration up to [`MAX_DRED_WAIT_MS`]; 0 when neither is on.
    pub fn redundancy_frames(&self) -> usize {
        let frame_ms = self.frame.millis().unwrap_or(20.0);
        let fec = usize::from(self.fec);
        let dred = if self.dred_duration_ms > 0 {
            let wait_ms = f32::from(self.dred_duration_ms).min(MAX_DRED_WAIT_MS);
            ((wait_ms / frame_ms).ceil() as usize).max(1)
        } else {
            0
        };
        fec.max(dred)
    }

    /// The encoder's expected-loss hint in percent.
    pub fn expected_loss_hint(&self) -> u8 {
        self.expected_loss_percent.unwrap_or(self.loss.loss_percent.round().clamp(0.0, 100.0) as u8)
    }

    /// What of these settings decides the latency: two settings with the same shape give the
    /// engine the same latency at any host rate.
    pub fn latency_shape(&self) -> LatencyShape {
        LatencyShape {
            frame: self.frame,
            restricted_low_delay: self.application == Application::RestrictedLowDelay,
            recovery_frames: self.recovery_frames(),
        }
    }

    /// These settings with the latency-deciding fields of `held` (frame, low delay or not, and
    /// the receiver's wait: playout, FEC and DRED), so that the latency stays that of `held` while everything else
    /// takes the new values. A plugin host must restart the plugin before its latency changes;
    /// until it does, the plugin runs these.
    pub fn with_latency_of(&self, held: &Self) -> Self {
        let mut merged = *self;
        merged.frame = held.frame;
        if merged.latency_shape().restricted_low_delay != held.latency_shape().restricted_low_delay {
            merged.application = held.application;
        }
        if merged.recovery_frames() != held.recovery_frames() {
            merged.fec = held.fec;
            merged.dred_duration_ms = held.dred_duration_ms;
            merged.jitter.playout_ms = held.jitter.playout_ms;
            merged.jitter.receiver = held.jitter.receiver;
        }
        merged
    }

    /// The first combination of these settings that cannot work as asked, if any. The engine
    /// still runs them (a host may pass through such a state while automating); the app refuses
    /// them and the editor warns.
    pub fn conflict(&self) -> Option<SettingsConflict> {
        let redundancy = self.fec || self.dred_duration_ms > 0;
        (redundancy && self.application == Application::RestrictedLowDelay)
            .then_some(SettingsConflict::RedundancyInLowDelay)
    }

    /// What a running engine can change only by restarting: the latency's shape, and the
    /// encoder's application (which libopus takes only from a fresh state).
    fn restart_fields(&self) -> (LatencyShape, Application) {
        (self.latency_shape(), self.application)
    }

    /// Whether going from `self` to `next` changes a [restart field](Self::restart_fields). The
    /// engine handles it by fading out, restarting the codec and fading back in.
    pub(crate) fn needs_restart(&self, next: &Self) -> bool {
        self.restart_fields() != next.restart_fields()
    }

    /// These settings with the [restart fields](Self::restart_fields) of `shape`: what the
    /// codec runs until the restart that takes the new ones.
    pub(crate) fn with_restart_fields_of(&self, shape: &Self) -> Self {
        Self { application: shape.application, ..self.with_latency_of(shape) }
    }
}

/// Settings that contradict each other (see [`Settings::conflict`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettingsConflict {
    /// FEC and DRED ride on the SILK coder, which restricted low delay turns off: nothing would
    /// be sent, yet the receiver would still wait for it (added latency).
    RedundancyInLowDelay,
}

impl std::fmt::Display for SettingsConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::RedundancyInLowDelay => {
                f.write_str("FEC and DRED need the SILK coder, which the low-delay application turns off")
            }
        }
    }
}

impl std::error::Error for SettingsConflict {}

/// The settings that decide the engine's latency (see [`Settings::latency_shape`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LatencyShape {
    /// Packet duration.
    pub frame: FrameDuration,
    /// Restricted low delay: a shorter encoder lookahead.
    pub restricted_low_delay: bool,
    /// Frames the receiver holds back for FEC or DRED.
    pub recovery_frames: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamping_brings_every_value_into_range() {
        let wild = Settings {
            bitrate_bps: 1,
            frame: FrameDuration::FromInput,
            complexity: 200,
            expected_loss_percent: Some(250),
            dred_duration_ms: 5_000,
            decoder_complexity: 99,
            loss: LossSettings { loss_percent: f32::NAN, mean_burst_packets: 0.0, ..LossSettings::default() },
            mix: 7.0,
            output_gain_db: f32::INFINITY,
            ..Settings::default()
        }
        .clamped();
        assert_eq!(wild.bitrate_bps, 6_000);
        assert_eq!(wild.frame, FrameDuration::Ms20);
        assert_eq!((wild.complexity, wild.decoder_complexity), (10, 10));
        assert_eq!(wild.expected_loss_percent, Some(100));
        assert_eq!(wild.dred_duration_ms, 1_040);
        assert_eq!(wild.loss.loss_percent, 0.0);
        assert_eq!(wild.loss.mean_burst_packets, 1.0);
        assert_eq!((wild.mix, wild.output_gain_db), (1.0, 0.0));
    }

    #[test]
    fn recovery_waits_one_frame_for_fec_and_the_dred_span_for_dred() {
        let base = Settings::default();
        assert_eq!(base.recovery_frames(), 0);
        assert_eq!(Settings { fec: true, ..base }.recovery_frames(), 1);
        assert_eq!(Settings { dred_duration_ms: 100, ..base }.recovery_frames(), 5);
        assert_eq!(Settings { dred_duration_ms: 1_000, ..base }.recovery_frames(), 6);
        let long = Settings { dred_duration_ms: 100, frame: FrameDuration::Ms120, ..base };
        assert_eq!(long.recovery_frames(), 1);
    }

    #[test]
    fn holding_the_latency_keeps_its_shape_and_takes_everything_else() {
        let held = Settings { fec: true, ..Settings::default() };
        let wanted = Settings {
            frame: FrameDuration::Ms60,
            application: Application::RestrictedLowDelay,
            fec: false,
            dred_duration_ms: 100,
            bitrate_bps: 24_000,
            ..Settings::default()
        };
        let merged = wanted.with_latency_of(&held);
        assert_eq!(merged.latency_shape(), held.latency_shape());
        assert_eq!((merged.frame, merged.application, merged.fec), (held.frame, held.application, true));
        assert_eq!(merged.bitrate_bps, 24_000);
        // VoIP and Audio have the same latency: the application changes at once.
        let voip = Settings { application: Application::Voip, ..held }.with_latency_of(&held);
        assert_eq!(voip.application, Application::Voip);
        assert!(held.needs_restart(&voip) && held.latency_shape() == voip.latency_shape());
        // A deeper jitter buffer waits for the restart too; the delays themselves do not.
        let jittery = Settings {
            jitter: JitterSettings { mean_jitter_ms: 5.0, playout_ms: 100, ..JitterSettings::DEFAULT },
            ..held
        };
        let merged = jittery.with_latency_of(&held);
        assert_eq!((merged.latency_shape(), merged.jitter.mean_jitter_ms), (held.latency_shape(), 5.0));
    }
}
