//! Opus Roundtrip: a CLAP and VST3 plugin that sends audio through libopus, encoder then
//! decoder, in the audio callback, so that you hear now what your audio will sound like after
//! Opus, at the bitrate, frame size and packet loss you set.
//!
//! Lifecycle, per the real-time rules: [`Default`] only builds parameters and small shared
//! handles; [`Plugin::activate`] creates the [`Engine`] for the host's rate and maximum block
//! (every codec state, FIFO, resampler and buffer) and reports its latency; [`Plugin::reset`]
//! clears it; [`Plugin::process`] never allocates (debug builds abort if it does, through
//! nice-plug's `assert_process_allocs`).
//!
//! Latency, per the hosts' rules: a plugin host compensates the latency it was told at
//! activation, and CLAP and VST3 both let it change only across a restart (deactivate, then
//! activate). So while active, a setting that would change the latency (frame size, low delay,
//! the playout delay, the FEC or DRED wait) is held: the engine keeps the latency the host knows, everything else
//! applies at once, and the plugin asks the host once for a restart; the next `activate` builds
//! the engine with the new settings and reports the new latency there (CLAP through
//! [`clap_entry`]). The standalone app has no host to compensate and applies it at once.
//!
//! Comparing: with Compare B on, the engine codes slot B's settings beside slot A's and the
//! Listen parameter picks the dry input, A or B (see `roundtrip_engine::comparison`). Turning B
//! on or off, or a change of B's latency, waits for the host's restart in the same way.
//!
//! The Codec thread parameter, read at activation, runs the engine on a thread of its own (see
//! [`runner`]): callbacks then only copy samples, at a fixed added latency. Turning it on or off
//! changes the latency, so it too waits for the host's restart.

// Parameter, editor and GUI-context types of the framework implement no `Debug`, so neither do
// the types that hold them.
#![allow(missing_debug_implementations)]

pub mod abx;
pub mod blind_monitor;
pub mod clap_entry;
mod editor;
mod fault;
pub mod live_score;
pub mod loss_trace;
pub mod menu;
pub mod params;
mod runner;
pub mod spectrum;
pub mod timeline;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use nice_plug::prelude::*;
use nice_plug_egui::{EguiEditor, EguiEditorState};
use roundtrip_engine::{
    CodecThreadCounters, Comparison, Engine, EngineConfig, MAX_BLOCK_FRAMES, Meters, Settings, SlotId as EngineSlot,
};

use crate::blind_monitor::{BlindMonitor, BlindReader};
use crate::editor::EditorApp;
use crate::live_score::ScoreSlot;
use crate::params::{RoundtripParams, SlotId};
use crate::runner::{Runner, ThreadMode};
use crate::spectrum::ConsumerSlot;
use crate::timeline::TimelineSlot;

/// The plugin.
pub struct OpusRoundtrip {
    /// Parameters; shared with the host and the editor, read on every thread.
    params: Arc<RoundtripParams>,
    /// The round trip, in the callback or on the codec thread. Created in `activate` (main
    /// thread), used in `process` and `reset` (audio thread), dropped in `deactivate` (which
    /// joins the codec thread); `None` until the host activates the plugin.
    runner: Option<Runner>,
    /// Meters the engine publishes and the editor reads; one for the plugin's lifetime, so that
    /// an open editor keeps working when the host re-activates at another rate.
    meters: Arc<Meters>,
    /// The same for slot B.
    meters_b: Arc<Meters>,
    /// Where `activate` leaves the ring's other end for the editor (main and GUI threads only).
    spectrum_slot: ConsumerSlot,
    /// The same for the packet timeline's rings, slot A's and slot B's.
    timeline_slot: TimelineSlot,
    timeline_slot_b: TimelineSlot,
    /// The same for the live scores' rings, slot A's and slot B's.
    score_slots: [ScoreSlot; 2],
    /// Whether the editor's window is open: the audio thread copies it from `editor_state` at
    /// each block (nice-plug-egui never tells the app that its window closed, but keeps this
    /// state), and feeds the spectrum and the timeline only then.
    editor_open: Arc<AtomicBool>,
    /// The editor window's state, once the host asked for the editor (main thread, once).
    editor_state: Option<Arc<EguiEditorState>>,
    /// The latency last reported to the host, in samples.
    reported_latency: u32,
    /// The settings of the last activation: their latency is the one the host compensates.
    activated_settings: Settings,
    /// Slot B's settings at the last activation, if it ran (its latency is part of that one).
    activated_b: Option<Settings>,
    /// Whether the last activation put the codec on its own thread (part of that latency too).
    activated_codec_thread: bool,
    /// Whether this activation has asked the host for a restart (once is enough).
    restart_requested: bool,
    /// Whether a latency change is held for the host's restart; the editor says so.
    latency_held: Arc<AtomicBool>,
    /// Set when `process` panicked (see [`fault`]): silent until the next activation.
    faulted: bool,
    /// The editor's blind test presses here; the audio thread reads through `blind_reader`.
    blind: Arc<BlindMonitor>,
    blind_reader: BlindReader,
}

impl Default for OpusRoundtrip {
    fn default() -> Self {
        let blind = Arc::new(BlindMonitor::default());
        Self {
            params: Arc::new(RoundtripParams::default()),
            runner: None,
            meters: Arc::new(Meters::default()),
            meters_b: Arc::new(Meters::default()),
            spectrum_slot: Arc::new(Mutex::new(None)),
            timeline_slot: Arc::new(Mutex::new(None)),
            timeline_slot_b: Arc::new(Mutex::new(None)),
            score_slots: [Arc::new(Mutex::new(None)), Arc::new(Mutex::new(None))],
            editor_open: Arc::new(AtomicBool::new(false)),
            editor_state: None,
            reported_latency: 0,
            activated_settings: Settings::default(),
            activated_b: None,
            activated_codec_thread: false,
            restart_requested: false,
            latency_held: Arc::new(AtomicBool::new(false)),
            faulted: false,
            blind: blind.clone(),
            blind_reader: BlindReader::new(blind),
        }
    }
}

impl Plugin for OpusRoundtrip {
    const NAME: &'static str = "Opus Roundtrip";
    const VENDOR: &'static str = "Opus Roundtrip developers";
    const URL: &'static str = "https://github.com/opus-roundtrip/opus-roundtrip";
    const EMAIL: &'static str = "opus-roundtrip@users.noreply.github.com";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            ..AudioIOLayout::const_default()
        },
    ];

    // Blocks are split at parameter changes, so automation lands at the exact sample; the engine
    // applies it at the next frame boundary.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = EguiEditor<EditorApp>;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    /// A session saved without a loss trace (before traces existed, or with none) loads as
    /// "no trace", and one saved before a parameter existed loads it at its default: nice-plug
    /// only sets the fields and parameters a state holds, and would keep the others as they were.
    fn filter_state(state: &mut PluginState) {
        state.fields.entry(params::LOSS_TRACE_FIELD.to_owned()).or_insert_with(|| "null".to_owned());
        for (id, default) in RoundtripParams::default().added_since_first_release() {
            state.params.entry(id.to_owned()).or_insert(default);
        }
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        let state = editor::editor_state(&self.params);
        self.editor_state = Some(state.clone());
        let (params, latency_held) = (self.params.clone(), self.latency_held.clone());
        let meters = [self.meters.clone(), self.meters_b.clone()];
        let feeds = editor::EditorFeeds {
            spectrum: self.spectrum_slot.clone(),
            timeline: self.timeline_slot.clone(),
            timeline_b: self.timeline_slot_b.clone(),
            scores: self.score_slots.clone(),
            blind: self.blind.clone(),
        };
        editor::create(params, meters, latency_held, feeds, state)
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let channels = audio_io_layout.main_output_channels.map_or(2, NonZeroU32::get) as usize;
        // A fractional host rate (1,234.5678 Hz) runs as the nearest whole rate: the engine
        // resamples to the codec's rate and back by the same ratio, so the output is still the
        // input delayed by exactly the reported latency; only the codec's idea of time is off,
        // by at most 0.04 % (half a hertz at 1 kHz).
        let config = EngineConfig {
            sample_rate_hz: buffer_config.sample_rate.round() as u32,
            channels,
            max_block_frames: (buffer_config.max_buffer_size as usize).clamp(1, MAX_BLOCK_FRAMES),
        };
        // Stop the previous runner (joining its codec thread) first: it publishes into the same
        // meters, and must not overwrite what the new engine publishes. In the callback, the
        // codec thread's meters read zero.
        self.runner = None;
        self.meters.publish_codec_thread(&CodecThreadCounters::default());
        match Engine::with_slots(config, self.params.settings(), 2) {
            Ok(mut engine) => {
                let senders = [EngineSlot::A, EngineSlot::B].map(|slot| engine.loss_trace_sender(slot));
                self.params.loss_trace.connect(senders.into());
                engine.use_meters(EngineSlot::A, self.meters.clone());
                engine.use_meters(EngineSlot::B, self.meters_b.clone());
                // Slot B from the start: the latency reported is the slower slot's.
                engine.set_comparison(&self.params.comparison());
                engine.reset();
                self.activated_settings = *engine.settings();
                self.activated_b = engine.comparison().settings(EngineSlot::B);
                self.activated_codec_thread = self.params.codec_thread.value();
                let spectrum = spectrum::new_feed(&self.spectrum_slot);
                let slot_observers = |timeline_slot, score_slot| live_score::SlotObservers {
                    timeline: timeline::new_feed(
                        timeline_slot,
                        self.editor_open.clone(),
                        config.sample_rate_hz,
                        channels,
                    ),
                    score: live_score::new_feed(score_slot, self.editor_open.clone(), config.sample_rate_hz, channels),
                };
                let [score_a, score_b] = &self.score_slots;
                let observers = live_score::Observers::new(
                    slot_observers(&self.timeline_slot, score_a),
                    slot_observers(&self.timeline_slot_b, score_b),
                );
                let runner = if self.activated_codec_thread {
                    // An offline bounce must not depend on how busy the machine is.
                    let mode = match buffer_config.process_mode {
                        ProcessMode::Offline => ThreadMode::Inline,
                        ProcessMode::Realtime | ProcessMode::Buffered => ThreadMode::Spawned,
                    };
                    Runner::codec_thread(engine, spectrum, observers, self.editor_open.clone(), mode)
                } else {
                    Runner::in_callback(engine, spectrum, observers)
                };
                self.reported_latency = runner.latency_samples() as u32;
                if !clap_entry::report_activation_latency(self.reported_latency) {
                    context.set_latency_samples(self.reported_latency);
                }
                self.restart_requested = false;
                self.latency_held.store(false, Ordering::Relaxed);
                self.runner = Some(runner);
                self.faulted = false;
                true
            }
            Err(error) => {
                nice_error!("Opus Roundtrip cannot run: {error}");
                false
            }
        }
    }

    fn reset(&mut self) {
        if let Some(runner) = self.runner.as_mut().filter(|_| !self.faulted) {
            runner.reset();
        }
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        // A panic must not unwind into the host (see `fault`).
        if !self.faulted && !fault::completes(|| self.process_audio(buffer, context)) {
            self.faulted = true;
            fault::report();
        }
        if self.faulted {
            fault::silence(buffer.as_slice());
        }
        ProcessStatus::Normal
    }

    fn deactivate(&mut self) {
        self.runner = None;
    }
}

impl OpusRoundtrip {
    /// The work of `process`: parameters into the engine (a latency change held for a host
    /// restart, see the crate's documentation), the block through it. Never allocates.
    fn process_audio(&mut self, buffer: &mut Buffer, context: &mut impl ProcessContext<Self>) {
        let Some(runner) = self.runner.as_mut() else {
            // Not activated (never happens in a conforming host): pass the input through.
            return;
        };
        let wanted = self.params.settings().clamped();
        let editor_open = self.editor_state.as_ref().is_some_and(|state| state.is_open());
        self.editor_open.store(editor_open, Ordering::Relaxed);
        // A blind test's source, if one plays (only while its window is open), in place of the
        // Listen parameter's.
        let (comparison, blind_switch) = self.blind_reader.heard(self.params.comparison(), editor_open);
        if let Some(source) = blind_switch {
            runner.switch_blind(source);
        }
        let host_compensates = context.plugin_api() != PluginApi::Standalone;
        let codec_thread_changed = self.params.codec_thread.value() != self.activated_codec_thread;
        let b_shape_changed = match (comparison.settings(EngineSlot::B), self.activated_b) {
            (Some(b), Some(activated)) => b.clamped().latency_shape() != activated.latency_shape(),
            (b, activated) => b.is_some() != activated.is_some(),
        };
        let held = host_compensates
            && (wanted.latency_shape() != self.activated_settings.latency_shape()
                || codec_thread_changed
                || b_shape_changed);
        self.latency_held.store(held, Ordering::Relaxed);
        if held {
            if !self.restart_requested {
                // CLAP's `request_restart` is thread-safe; nice-plug's VST3 wrapper turns it into
                // `restartComponent(kLatencyChanged)` on the main thread.
                self.restart_requested = true;
                context.request_restart();
            }
            runner.set_settings(&wanted.with_latency_of(&self.activated_settings));
            // B runs, or not, as activated until the restart, with B's current settings in its
            // latency's shape; one turned off is not heard.
            let current_b =
                comparison.settings(EngineSlot::B).unwrap_or_else(|| self.params.settings_of(SlotId::B)).clamped();
            let b = self.activated_b.map(|held| current_b.with_latency_of(&held));
            runner.set_comparison(&Comparison::listening(comparison.heard()).with(EngineSlot::B, b));
        } else {
            runner.set_settings(&wanted);
            runner.set_comparison(&comparison);
        }
        runner.process(buffer.as_slice(), editor_open);
        let latency = runner.latency_samples() as u32;
        if latency != self.reported_latency {
            // Only without a host (the standalone app): the latency changed at once.
            self.reported_latency = latency;
            context.set_latency_samples(latency);
        }
    }
}

impl ClapPlugin for OpusRoundtrip {
    const CLAP_ID: &'static str = "com.github.opus-roundtrip.opus-roundtrip";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Hear your audio through the Opus codec: bitrate, frame size, packet loss, FEC and DRED");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] =
        &[ClapFeature::AudioEffect, ClapFeature::Utility, ClapFeature::Stereo, ClapFeature::Mono];
}

impl Vst3Plugin for OpusRoundtrip {
    const VST3_CLASS_ID: [u8; 16] = *b"OpusRoundtrip001";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Tools, Vst3SubCategory::Stereo, Vst3SubCategory::Mono];
}

nice_export_vst3!(OpusRoundtrip);
