//! The plugin's parameters: every engine setting, with short stable ids that are never renamed,
//! units, readable values and the defaults a first-time user expects.

use std::sync::{Arc, RwLock};

use nice_plug::params::internals::ParamPtr;
use nice_plug::plugin::ParamValue;
use nice_plug::prelude::*;
use roundtrip_codec::{Application, Bandwidth, FrameDuration, RateControl};
use roundtrip_engine::settings::{
    BITRATE_RANGE_BPS, DRED_STEP_MS, MAX_COMPLEXITY, MAX_DRED_DURATION_MS, MAX_JITTER_MS, MAX_PLAYOUT_MS, MAX_SPIKE_MS,
    MEAN_BURST_RANGE_PACKETS, OUTPUT_GAIN_RANGE_DB,
};
use roundtrip_engine::{
    Choice, Comparison, JitterSettings, Listen, LossModel, LossSettings, Monitor, Receiver, Settings,
};

use crate::loss_trace::TraceSlot;
use crate::menu::{FrozenMenu, Menu};

/// The loss control's span: above 50 % no call is usable (the engine takes up to 100 %).
const LOSS_CONTROL_MAX_PERCENT: f32 = 50.0;

/// The mean-burst control's span, within the engine's [`MEAN_BURST_RANGE_PACKETS`]: longer
/// bursts are outages, not loss.
const BURST_CONTROL_MAX_PACKETS: f32 = 20.0;

/// The delay-spike control's span: spikes in more than a tenth of the packets are a link
/// that is down, not one that stutters.
const SPIKE_CONTROL_MAX_PERCENT: f32 = 10.0;

/// The DRED control in steps of [`DRED_STEP_MS`].
const DRED_CONTROL_MAX_STEPS: i32 = (MAX_DRED_DURATION_MS / DRED_STEP_MS) as i32;

/// The key of [`RoundtripParams::loss_trace`] in a saved state. The `persist` attribute takes
/// only a literal; the session test that clears a trace fails if the two differ.
pub const LOSS_TRACE_FIELD: &str = "loss-trace";

/// The editor's default size in logical pixels.
pub const EDITOR_DEFAULT_SIZE: (f32, f32) = (900.0, 720.0);

/// Every parameter. Shared (`Arc`) between the host, the audio thread and the editor; each
/// field is read lock-free.
///
/// Numeric parameters state their unit as their unit (`with_unit`) and print the bare number,
/// so that a VST3 host shows the number beside its unit and a CLAP host (which has no unit
/// field: nice-plug appends it) reads "64 kbps". Text entry takes the number with or without its
/// unit. DRED and Expected loss are the exceptions: their lowest value is a word ("Off",
/// "Auto"), which an appended unit would turn into "Off ms"; they print their unit in the text.
#[derive(Params)]
pub struct RoundtripParams {
    /// The editor window's logical size, saved with the session.
    #[persist = "editor-size"]
    pub editor_size: Arc<RwLock<(f32, f32)>>,
    /// The loss trace replayed in place of the loss model, saved with the session.
    #[persist = "loss-trace"] // LOSS_TRACE_FIELD
    pub loss_trace: TraceSlot,

    /// Slot A: the codec and network settings heard by default, under the first release's ids.
    #[nested(group = "A")]
    pub a: SlotParams,

    /// What the listener hears.
    #[id = "mon"]
    pub monitor: EnumParam<Menu<Monitor>>,
    /// Monitored signal against dry, 0 to 1.
    #[id = "mix"]
    pub mix: FloatParam,
    /// Output gain in dB.
    #[id = "gain"]
    pub output_gain_db: FloatParam,

    /// Matches the decoded signal's loudness to the input's.
    #[id = "lmatch"]
    pub level_match: BoolParam,

    /// Runs the codec on a thread of its own, at a fixed added latency, so that no callback
    /// pays for a whole frame (see `roundtrip_engine::codec_thread`). Read at activation.
    #[id = "cthread"]
    pub codec_thread: BoolParam,

    /// What the listener hears: the dry input, slot A or slot B.
    #[id = "listen"]
    pub listen: EnumParam<FrozenMenu<Listen>>,
    /// Codes slot B beside slot A, to switch between them.
    #[id = "cmp"]
    pub compare: BoolParam,
    /// Slot B: the compared codec and network settings, under ids prefixed `b_`.
    #[nested(id_prefix = "b", group = "B")]
    pub b: SlotParams,
}

/// The settings one compared slot holds: the codec's and the network's. Slot A's ids are the
/// first release's, so that every saved session loads into A.
#[derive(Params)]
pub struct SlotParams {
    /// Target bitrate in kbps: the primary control.
    #[id = "kbps"]
    pub bitrate_kbps: FloatParam,
    /// Simulated packet loss in percent: the other primary control.
    #[id = "loss"]
    pub loss_percent: FloatParam,
    /// Random or bursty loss.
    #[id = "lmodel"]
    pub loss_model: EnumParam<FrozenMenu<LossModel>>,
    /// libopus's loss generator learned from real networks, in place of the loss-model menu
    /// (a parameter of its own, see [`FrozenMenu`]).
    #[id = "lreal"]
    pub realistic_loss: BoolParam,
    /// Mean burst length in packets (bursty loss).
    #[id = "burst"]
    pub mean_burst_packets: FloatParam,
    /// Seed of the loss pattern.
    #[id = "seed"]
    pub seed: IntParam,

    /// Mean random network delay in ms (exponential).
    #[id = "jitter"]
    pub mean_jitter_ms: FloatParam,
    /// Share of packets that meet a delay spike, in percent.
    #[id = "spikes"]
    pub spike_percent: FloatParam,
    /// A spike's extra delay in ms.
    #[id = "spikems"]
    pub spike_ms: FloatParam,
    /// The receiver's playout delay (jitter buffer) in ms: part of the latency.
    #[id = "playout"]
    pub playout_ms: IntParam,
    /// The receiver adapts its delay between the two below (WebRTC's design) instead of waiting
    /// the playout delay; its maximum is then part of the latency.
    #[id = "adapt"]
    pub adaptive_receiver: BoolParam,
    /// The adaptive receiver's shortest and longest delay in ms.
    #[id = "mindly"]
    pub min_delay_ms: IntParam,
    #[id = "maxdly"]
    pub max_delay_ms: IntParam,

    /// Packet duration.
    #[id = "frame"]
    pub frame: EnumParam<Menu<FrameDuration>>,
    /// Encoder complexity.
    #[id = "cplx"]
    pub complexity: IntParam,
    /// Encoder application.
    #[id = "app"]
    pub application: EnumParam<Menu<Application>>,
    /// Forced bandwidth.
    #[id = "bw"]
    pub bandwidth: EnumParam<Menu<Option<Bandwidth>>>,
    /// CBR, VBR or constrained VBR.
    #[id = "rate"]
    pub rate_control: EnumParam<Menu<RateControl>>,
    /// Discontinuous transmission.
    #[id = "dtx"]
    pub dtx: BoolParam,
    /// Code stereo as mono.
    #[id = "mono"]
    pub force_mono: BoolParam,

    /// In-band forward error correction.
    #[id = "fec"]
    pub fec: BoolParam,
    /// Expected loss told to the encoder; −1 means "the simulated loss".
    #[id = "xloss"]
    pub expected_loss_percent: IntParam,
    /// Deep redundancy in tens of milliseconds (0 is off).
    #[id = "dred"]
    pub dred_tens_of_ms: IntParam,
    /// Decoder complexity (5+: deep PLC, 6+: OSCE).
    #[id = "dcplx"]
    pub decoder_complexity: IntParam,
}

impl Default for RoundtripParams {
    fn default() -> Self {
        let defaults = Settings::default();
        Self {
            editor_size: Arc::new(RwLock::new(EDITOR_DEFAULT_SIZE)),
            loss_trace: TraceSlot::default(),
            a: SlotParams::named(""),
            monitor: EnumParam::new("Monitor", Menu(defaults.monitor)),
            mix: FloatParam::new("Mix", 1.0, FloatRange::Linear { min: 0.0, max: 1.0 })
                .with_unit(" %")
                .with_value_to_string(formatters::v2s_f32_percentage(0))
                .with_string_to_value(formatters::s2v_f32_percentage()),
            output_gain_db: FloatParam::new(
                "Output gain",
                defaults.output_gain_db,
                FloatRange::Linear { min: OUTPUT_GAIN_RANGE_DB.0, max: OUTPUT_GAIN_RANGE_DB.1 },
            )
            .with_step_size(0.1)
            .with_unit(" dB"),
            level_match: BoolParam::new("Level match", defaults.level_match),
            codec_thread: BoolParam::new("Codec thread", false),
            listen: EnumParam::new("Listen", FrozenMenu(Listen::A)),
            compare: BoolParam::new("Compare B", false),
            b: SlotParams::named("B "),
        }
    }
}

impl SlotParams {
    /// The slot's parameters at their defaults, each name after `prefix` ("B " for slot B), so
    /// that a host's automation list tells the slots apart.
    fn named(prefix: &str) -> Self {
        let defaults = Settings::default();
        let name = |name: &str| format!("{prefix}{name}");
        let adaptive_default = Receiver::ADAPTIVE_DEFAULT.bounds_ms().unwrap_or((0, MAX_PLAYOUT_MS));
        let delay_param = |name: String, default_ms: u16| {
            IntParam::new(name, i32::from(default_ms), IntRange::Linear { min: 0, max: i32::from(MAX_PLAYOUT_MS) })
                .with_unit(" ms")
                .with_string_to_value(Arc::new(|text| parse_number(text, &["ms"]).map(|ms| ms.round() as i32)))
        };
        Self {
            bitrate_kbps: FloatParam::new(
                name("Bitrate"),
                defaults.bitrate_bps as f32 / 1000.0,
                FloatRange::Skewed {
                    min: BITRATE_RANGE_BPS.0 as f32 / 1000.0,
                    max: BITRATE_RANGE_BPS.1 as f32 / 1000.0,
                    factor: FloatRange::skew_factor(-1.5),
                },
            )
            .with_step_size(1.0)
            .with_unit(" kbps")
            .with_value_to_string(Arc::new(|kbps| format!("{kbps:.0}")))
            .with_string_to_value(Arc::new(|text| parse_number(text, &["kbps", "kb/s", "k"]))),
            loss_percent: FloatParam::new(
                name("Packet loss"),
                defaults.loss.loss_percent,
                FloatRange::Linear { min: 0.0, max: LOSS_CONTROL_MAX_PERCENT },
            )
            .with_step_size(0.1)
            .with_unit(" %")
            .with_value_to_string(Arc::new(|percent| format!("{percent:.1}")))
            .with_string_to_value(Arc::new(|text| parse_number(text, &["%"]))),
            loss_model: EnumParam::new(name("Loss model"), FrozenMenu(defaults.loss.model)),
            realistic_loss: BoolParam::new(name("Realistic loss"), defaults.loss.model == LossModel::Realistic),
            mean_burst_packets: FloatParam::new(
                name("Mean burst"),
                LossModel::GilbertElliott.usual_mean_burst_packets(),
                FloatRange::Linear { min: MEAN_BURST_RANGE_PACKETS.0, max: BURST_CONTROL_MAX_PACKETS },
            )
            .with_step_size(0.1)
            .with_unit(" packets")
            .with_value_to_string(Arc::new(|packets| format!("{packets:.1}")))
            .with_string_to_value(Arc::new(|text| parse_number(text, &["packets", "pkts"]))),
            seed: IntParam::new(name("Loss seed"), 1, IntRange::Linear { min: 1, max: 9_999 }),
            mean_jitter_ms: FloatParam::new(
                name("Jitter"),
                defaults.jitter.mean_jitter_ms,
                FloatRange::Skewed { min: 0.0, max: MAX_JITTER_MS, factor: FloatRange::skew_factor(-1.0) },
            )
            .with_step_size(0.1)
            .with_unit(" ms")
            .with_value_to_string(Arc::new(|ms| format!("{ms:.1}")))
            .with_string_to_value(Arc::new(|text| parse_number(text, &["ms"]))),
            spike_percent: FloatParam::new(
                name("Delay spikes"),
                defaults.jitter.spike_percent,
                FloatRange::Linear { min: 0.0, max: SPIKE_CONTROL_MAX_PERCENT },
            )
            .with_step_size(0.1)
            .with_unit(" %")
            .with_value_to_string(Arc::new(|percent| format!("{percent:.1}")))
            .with_string_to_value(Arc::new(|text| parse_number(text, &["%"]))),
            spike_ms: FloatParam::new(
                name("Spike delay"),
                defaults.jitter.spike_ms,
                FloatRange::Skewed { min: 0.0, max: MAX_SPIKE_MS, factor: FloatRange::skew_factor(-1.0) },
            )
            .with_step_size(1.0)
            .with_unit(" ms")
            .with_value_to_string(Arc::new(|ms| format!("{ms:.0}")))
            .with_string_to_value(Arc::new(|text| parse_number(text, &["ms"]))),
            playout_ms: IntParam::new(
                name("Playout delay"),
                i32::from(defaults.jitter.playout_ms),
                IntRange::Linear { min: 0, max: i32::from(MAX_PLAYOUT_MS) },
            )
            .with_unit(" ms")
            .with_string_to_value(Arc::new(|text| parse_number(text, &["ms"]).map(|ms| ms.round() as i32))),
            adaptive_receiver: BoolParam::new(name("Adaptive receiver"), defaults.jitter.receiver != Receiver::Fixed),
            min_delay_ms: delay_param(name("Min delay"), adaptive_default.0),
            max_delay_ms: delay_param(name("Max delay"), adaptive_default.1),
            frame: EnumParam::new(name("Frame"), Menu(defaults.frame)),
            complexity: IntParam::new(
                name("Complexity"),
                i32::from(defaults.complexity),
                IntRange::Linear { min: 0, max: i32::from(MAX_COMPLEXITY) },
            ),
            application: EnumParam::new(name("Application"), Menu(defaults.application)),
            bandwidth: EnumParam::new(name("Bandwidth"), Menu(defaults.bandwidth)),
            rate_control: EnumParam::new(name("Rate control"), Menu(defaults.rate_control)),
            dtx: BoolParam::new(name("DTX"), false),
            force_mono: BoolParam::new(name("Force mono"), false),
            fec: BoolParam::new(name("In-band FEC"), false),
            expected_loss_percent: IntParam::new(name("Expected loss"), -1, IntRange::Linear { min: -1, max: 100 })
                .with_value_to_string(Arc::new(
                    |percent| {
                        if percent < 0 { "Auto".to_owned() } else { format!("{percent} %") }
                    },
                ))
                .with_string_to_value(Arc::new(|text| {
                    if text.trim().eq_ignore_ascii_case("auto") {
                        Some(-1)
                    } else {
                        parse_number(text, &["%"]).map(|v| v.round() as i32)
                    }
                })),
            dred_tens_of_ms: IntParam::new(name("DRED"), 0, IntRange::Linear { min: 0, max: DRED_CONTROL_MAX_STEPS })
                .with_value_to_string(Arc::new(|tens| {
                    if tens == 0 { "Off".to_owned() } else { format!("{} ms", tens * i32::from(DRED_STEP_MS)) }
                }))
                .with_string_to_value(Arc::new(|text| {
                    if text.trim().eq_ignore_ascii_case("off") {
                        Some(0)
                    } else {
                        parse_number(text, &["ms"]).map(|ms| (ms / f32::from(DRED_STEP_MS)).round() as i32)
                    }
                })),
            decoder_complexity: IntParam::new(
                name("Decoder complexity"),
                i32::from(defaults.decoder_complexity),
                IntRange::Linear { min: 0, max: i32::from(MAX_COMPLEXITY) },
            ),
        }
    }
}

/// Parses "64", "64 kbps" or "64kbps" (any of `units`) into a number.
fn parse_number(text: &str, units: &[&str]) -> Option<f32> {
    let text = text.trim();
    let number = units.iter().find_map(|unit| text.strip_suffix(unit)).unwrap_or(text);
    number.trim().parse().ok()
}

/// Which slot's parameters: the editor edits one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SlotId {
    #[default]
    A,
    B,
}

impl RoundtripParams {
    /// The engine settings these parameters describe for slot A (the engine's own; monitor,
    /// mix, gain and level matching included): the controls', but with a loss trace in force,
    /// its loss rate as the loss stated (and expected by the encoder, on Auto). Never allocates
    /// or locks: called on the audio thread every block.
    pub fn settings(&self) -> Settings {
        self.settings_of(SlotId::A)
    }

    /// What the engine compares and plays: slot B's settings (with the same trace in force as
    /// A's) while Compare B is on, and the source heard. Never allocates or locks.
    pub fn comparison(&self) -> Comparison {
        let b = self.compare.value().then(|| self.settings_of(SlotId::B));
        Comparison::listening(self.listen.value().0).with(roundtrip_engine::SlotId::B, b)
    }

    /// A slot's settings as [`RoundtripParams::settings`] gives A's, whether or not B is on.
    pub fn settings_of(&self, slot: SlotId) -> Settings {
        self.with_trace(self.control_settings_of(slot))
    }

    /// `settings` with the loss trace's rate, if one is in force.
    fn with_trace(&self, mut settings: Settings) -> Settings {
        if let Some(percent) = self.loss_trace.loss_percent() {
            settings.loss.loss_percent = percent;
        }
        settings
    }

    /// A slot's settings as the controls say, whatever trace is in force: what presets start
    /// from. Monitor, mix, gain and level matching are shared by both slots.
    pub fn control_settings_of(&self, slot: SlotId) -> Settings {
        self.slot(slot).settings_over(Settings {
            monitor: self.monitor.value().0,
            mix: self.mix.value(),
            output_gain_db: self.output_gain_db.value(),
            level_match: self.level_match.value(),
            ..Settings::default()
        })
    }

    /// A slot's parameters.
    pub fn slot(&self, slot: SlotId) -> &SlotParams {
        match slot {
            SlotId::A => &self.a,
            SlotId::B => &self.b,
        }
    }

    /// The parameters added since the first release (0.1.0), by id, with their defaults as a
    /// saved state holds them. nice-plug leaves a parameter that a loaded state lacks where it
    /// was, so the plugin adds these to an older session: it then loads as it was saved, with
    /// what the newer controls had not yet changed (no jitter, the menu's loss model, no B).
    pub fn added_since_first_release(&self) -> Vec<(String, ParamValue)> {
        let mut added: Vec<(String, ParamValue)> = [
            ("lreal", ParamValue::Bool(self.a.realistic_loss.default_plain_value())),
            ("jitter", ParamValue::F32(self.a.mean_jitter_ms.default_plain_value())),
            ("spikes", ParamValue::F32(self.a.spike_percent.default_plain_value())),
            ("spikems", ParamValue::F32(self.a.spike_ms.default_plain_value())),
            ("playout", ParamValue::I32(self.a.playout_ms.default_plain_value())),
            ("adapt", ParamValue::Bool(self.a.adaptive_receiver.default_plain_value())),
            ("mindly", ParamValue::I32(self.a.min_delay_ms.default_plain_value())),
            ("maxdly", ParamValue::I32(self.a.max_delay_ms.default_plain_value())),
            ("cthread", ParamValue::Bool(self.codec_thread.default_plain_value())),
            ("lmatch", ParamValue::Bool(self.level_match.default_plain_value())),
            ("listen", ParamValue::I32(self.listen.default_plain_value().0.index() as i32)),
            ("cmp", ParamValue::Bool(self.compare.default_plain_value())),
        ]
        .into_iter()
        .map(|(id, value)| (id.to_owned(), value))
        .collect();
        added.extend(self.b.defaults().into_iter().map(|(id, value)| (format!("b_{id}"), value)));
        added
    }

    /// Sets, through `setter` (as automation gestures the host records), every parameter of
    /// slot A and of the shared monitor whose value differs from what `settings` say: the
    /// inverse of [`RoundtripParams::settings`]. GUI thread only.
    pub fn set_from_settings(&self, setter: &ParamSetter, settings: &Settings) {
        let settings = settings.clamped();
        self.a.set_from_settings(setter, &settings);
        set(setter, &self.monitor, Menu(settings.monitor));
        set(setter, &self.mix, settings.mix);
        set(setter, &self.output_gain_db, settings.output_gain_db);
        set(setter, &self.level_match, settings.level_match);
    }
}

/// Sets `param` to `value` through `setter` as one gesture, if it differs.
fn set<P: Param>(setter: &ParamSetter, param: &P, value: P::Plain)
where
    P::Plain: PartialEq,
{
    if param.modulated_plain_value() != value {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, value);
        setter.end_set_parameter(param);
    }
}

impl SlotParams {
    /// `base` with this slot's codec and network settings.
    pub fn settings_over(&self, base: Settings) -> Settings {
        Settings {
            bitrate_bps: (self.bitrate_kbps.value() * 1000.0).round() as i32,
            frame: self.frame.value().0,
            complexity: self.complexity.value().clamp(0, i32::from(MAX_COMPLEXITY)) as u8,
            application: self.application.value().0,
            bandwidth: self.bandwidth.value().0,
            rate_control: self.rate_control.value().0,
            dtx: self.dtx.value(),
            fec: self.fec.value(),
            expected_loss_percent: u8::try_from(self.expected_loss_percent.value()).ok(),
            dred_duration_ms: self.dred_tens_of_ms.value().clamp(0, DRED_CONTROL_MAX_STEPS) as u16 * DRED_STEP_MS,
            decoder_complexity: self.decoder_complexity.value().clamp(0, i32::from(MAX_COMPLEXITY)) as u8,
            force_mono: self.force_mono.value(),
            loss: LossSettings {
                model: if self.realistic_loss.value() { LossModel::Realistic } else { self.loss_model.value().0 },
                loss_percent: self.loss_percent.value(),
                mean_burst_packets: self.mean_burst_packets.value(),
                seed: self.seed.value().max(0) as u64,
            },
            jitter: JitterSettings {
                mean_jitter_ms: self.mean_jitter_ms.value(),
                spike_percent: self.spike_percent.value(),
                spike_ms: self.spike_ms.value(),
                playout_ms: self.playout_ms.value().clamp(0, i32::from(MAX_PLAYOUT_MS)) as u16,
                receiver: if self.adaptive_receiver.value() {
                    let ms = |param: &IntParam| param.value().clamp(0, i32::from(MAX_PLAYOUT_MS)) as u16;
                    Receiver::Adaptive { min_ms: ms(&self.min_delay_ms), max_ms: ms(&self.max_delay_ms) }.clamped()
                } else {
                    Receiver::Fixed
                },
            },
            ..base
        }
    }

    /// Every parameter's default as a saved state holds it, by id (without a slot's prefix).
    fn defaults(&self) -> Vec<(String, ParamValue)> {
        self.param_map()
            .into_iter()
            .map(|(id, ptr, _)| {
                // SAFETY: `param_map` points into `self`, which outlives this call.
                let value = unsafe {
                    match ptr {
                        ParamPtr::FloatParam(p) => ParamValue::F32((*p).default_plain_value()),
                        ParamPtr::IntParam(p) => ParamValue::I32((*p).default_plain_value()),
                        ParamPtr::BoolParam(p) => ParamValue::Bool((*p).default_plain_value()),
                        // A menu's default by its index, which nice-plug loads as well as the
                        // stable id it saves.
                        ParamPtr::EnumParam(p) => ParamValue::I32((*p).default_plain_value()),
                    }
                };
                (id, value)
            })
            .collect()
    }

    /// Sets, through `setter`, every codec and network parameter of this slot whose value
    /// differs from what `settings` say. GUI thread only.
    pub fn set_from_settings(&self, setter: &ParamSetter, settings: &Settings) {
        // In range, and with a frame duration that the menu lists.
        let settings = settings.clamped();
        set(setter, &self.bitrate_kbps, settings.bitrate_bps as f32 / 1000.0);
        set(setter, &self.loss_percent, settings.loss.loss_percent);
        let realistic = settings.loss.model == LossModel::Realistic;
        set(setter, &self.realistic_loss, realistic);
        // The menu keeps its value under the realistic model, for when that is turned off.
        if !realistic {
            set(setter, &self.loss_model, FrozenMenu(settings.loss.model));
        }
        set(setter, &self.mean_burst_packets, settings.loss.mean_burst_packets);
        set(setter, &self.seed, i32::try_from(settings.loss.seed).unwrap_or(i32::MAX));
        set(setter, &self.mean_jitter_ms, settings.jitter.mean_jitter_ms);
        set(setter, &self.spike_percent, settings.jitter.spike_percent);
        set(setter, &self.spike_ms, settings.jitter.spike_ms);
        set(setter, &self.playout_ms, i32::from(settings.jitter.playout_ms));
        set(setter, &self.adaptive_receiver, settings.jitter.receiver != Receiver::Fixed);
        if let Some((min_ms, max_ms)) = settings.jitter.receiver.bounds_ms() {
            set(setter, &self.min_delay_ms, i32::from(min_ms));
            set(setter, &self.max_delay_ms, i32::from(max_ms));
        }
        set(setter, &self.frame, Menu(settings.frame));
        set(setter, &self.complexity, i32::from(settings.complexity));
        set(setter, &self.application, Menu(settings.application));
        set(setter, &self.bandwidth, Menu(settings.bandwidth));
        set(setter, &self.rate_control, Menu(settings.rate_control));
        set(setter, &self.dtx, settings.dtx);
        set(setter, &self.force_mono, settings.force_mono);
        set(setter, &self.fec, settings.fec);
        set(setter, &self.expected_loss_percent, settings.expected_loss_percent.map_or(-1, i32::from));
        set(setter, &self.dred_tens_of_ms, i32::from(settings.dred_duration_ms / DRED_STEP_MS));
        set(setter, &self.decoder_complexity, i32::from(settings.decoder_complexity));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_parameters_give_the_engine_defaults_with_no_loss() {
        let settings = RoundtripParams::default().settings();
        assert_eq!(settings, Settings { loss: LossSettings { seed: 1, ..settings.loss }, ..Settings::default() });
        assert_eq!(settings.bitrate_bps, 64_000);
        assert_eq!(settings.loss.loss_percent, 0.0);
    }

    #[test]
    fn values_read_and_parse_as_a_person_writes_them() {
        let params = RoundtripParams::default();
        let slot = &params.a;
        assert_eq!(slot.bitrate_kbps.to_string(), "64 kbps");
        assert_eq!(slot.loss_percent.to_string(), "0.0 %");
        assert_eq!(slot.frame.to_string(), "20 ms");
        // Menu names are the engine's labels, the same as before they moved there.
        assert_eq!(slot.application.to_string(), "Audio");
        assert_eq!(slot.bandwidth.to_string(), "Auto");
        assert_eq!(slot.rate_control.to_string(), "Constrained VBR");
        assert_eq!(slot.loss_model.to_string(), "Random");
        assert_eq!(params.monitor.to_string(), "Decoded");
        assert_eq!(slot.dred_tens_of_ms.to_string(), "Off");
        assert_eq!(slot.expected_loss_percent.to_string(), "Auto");
        assert_eq!(parse_number("24 kbps", &["kbps"]), Some(24.0));
        assert_eq!(parse_number(" 5.5% ", &["%"]), Some(5.5));
    }
}
