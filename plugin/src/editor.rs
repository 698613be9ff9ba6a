//! The egui editor: bitrate and packet loss large and first, the rest grouped as Codec, Network
//! and Monitor, live meters, a spectrum of input, decoded and difference, and presets.
//!
//! Thread ownership: everything here runs on the GUI thread, only while the window is open. It
//! reads parameters (lock-free), the engine's [`Meters`] (atomics) and the spectrum ring's
//! consumer; it never touches the audio thread's state.

mod abx_view;
mod band_bars;
mod compare_view;
mod live_score_view;
mod meters_view;
mod spectrum_view;
mod timeline_view;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::*;
use nice_plug_egui::widgets::ParamSlider;
use nice_plug_egui::{EguiEditor, EguiEditorState, EguiNiceSettings, Frame, NiceEguiApp, RepaintNotifier};
use roundtrip_engine::{Choice, LossModel, Meters, Named, PRESETS};

use crate::blind_monitor::BlindMonitor;
use crate::editor::abx_view::AbxPanel;
use crate::live_score::{LiveScorer, ScoreSlot};
use crate::loss_trace::TraceSlot;
use crate::menu::FrozenMenu;
use crate::params::{RoundtripParams, SlotId, SlotParams};
use crate::spectrum::{ConsumerSlot, EditorSpectra};
use crate::timeline::{EditorTimeline, TimelineSlot};

/// Smallest window that still shows every control.
const MIN_SIZE: (f32, f32) = (720.0, 520.0);

/// How often the meters and spectrum refresh while nothing else asks for a repaint: 30 Hz.
const METER_REFRESH: std::time::Duration = std::time::Duration::from_millis(33);

/// The editor's state on the GUI thread.
pub struct EditorApp {
    /// The parameters, shared with the host and the audio thread.
    params: Arc<RoundtripParams>,
    /// The engine's meters: slot A's and slot B's.
    meters: [Arc<Meters>; 2],
    /// The slot the controls edit.
    edited: SlotId,
    /// The blind test.
    abx: AbxPanel,
    /// Set by the audio thread while a latency change waits for the host's restart.
    latency_held: Arc<AtomicBool>,
    /// Turns the audio thread's samples into spectra.
    analyzer: EditorSpectra,
    /// The packets' fates for the timeline: slot A's, and slot B's.
    timeline: EditorTimeline,
    timeline_b: EditorTimeline,
    /// Scores A and B as listeners would, on a thread of its own.
    live: LiveScorer,
    /// The window's size, which `resized` saves with the session.
    state: Arc<EguiEditorState>,
    /// nice-plug's handle for setting parameters; present while the window is open.
    gui: Option<GuiContext>,
    /// The trace file field.
    trace_field: TraceField,
}

/// The window state for a new editor, at the size saved with the session.
pub fn editor_state(params: &RoundtripParams) -> Arc<EguiEditorState> {
    let (width, height) = *params.editor_size.read().unwrap_or_else(std::sync::PoisonError::into_inner);
    EguiEditorState::from_size(LogicalSize::new(width.max(MIN_SIZE.0), height.max(MIN_SIZE.1)), 1.0)
}

/// Where the rings from the audio thread reach the editor.
pub struct EditorFeeds {
    pub spectrum: ConsumerSlot,
    pub timeline: TimelineSlot,
    pub timeline_b: TimelineSlot,
    /// The live scores' rings, A's and B's.
    pub scores: [ScoreSlot; 2],
    /// The blind test's way to what plays.
    pub blind: Arc<BlindMonitor>,
}

/// Builds the editor. Called by the host on the main thread.
pub fn create(
    params: Arc<RoundtripParams>,
    meters: [Arc<Meters>; 2],
    latency_held: Arc<AtomicBool>,
    feeds: EditorFeeds,
    state: Arc<EguiEditorState>,
) -> Option<EguiEditor<EditorApp>> {
    let settings = EguiNiceSettings::new()
        .with_tile("Opus Roundtrip")
        .with_resize_hint(ResizeHint::resizable().with_min_logical_size(LogicalSize::new(MIN_SIZE.0, MIN_SIZE.1)));
    let analyzer = EditorSpectra::new(feeds.spectrum);
    let timeline = EditorTimeline::new(feeds.timeline);
    let timeline_b = EditorTimeline::new(feeds.timeline_b);
    // The trace menu starts at the kind of the trace in force (a session may have brought one).
    let trace_field =
        TraceField { delays: params.loss_trace.summary().is_some_and(|trace| trace.delays), ..TraceField::default() };
    let app = EditorApp {
        params,
        meters,
        edited: SlotId::A,
        abx: AbxPanel::new(feeds.blind),
        latency_held,
        analyzer,
        timeline,
        timeline_b,
        live: LiveScorer::start(feeds.scores),
        state: state.clone(),
        gui: None,
        trace_field,
    };
    nice_plug_egui::create_egui_editor(state, RepaintNotifier::new(), settings, app)
}

impl NiceEguiApp for EditorApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        egui_ctx.set_visuals(egui::Visuals::dark());
        self.gui = Some(nice_gui_ctx);
        // Nothing was fed while the window was closed: start the timeline afresh rather than
        // join old marks to new ones.
        self.timeline.clear();
        self.timeline_b.clear();
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut Frame) {
        let Some(gui) = self.gui.as_ref() else { return };
        let setter = gui.param_setter();
        let params = self.params.as_ref();
        egui::ScrollArea::vertical().show(ui, |ui| {
            egui::Frame::new().inner_margin(10.0).show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.heading("Opus Roundtrip");
                    ui.label(egui::RichText::new(roundtrip_codec::libopus_version()).weak());
                });
                compare_view::show(ui, params, &mut self.edited, self.abx.is_testing(), &setter);
                let edited = self.edited;
                presets_row(ui, params, edited, &setter);
                ui.separator();
                let slot = params.slot(edited);
                primary_controls(ui, slot, &setter);
                ui.separator();
                ui.columns(3, |columns| {
                    let slot_title = |title: &str| format!("{title} ({})", if edited == SlotId::A { "A" } else { "B" });
                    group(&mut columns[0], &slot_title("Codec"), |ui| {
                        slider_row(ui, "Frame", &slot.frame, &setter);
                        slider_row(ui, "Application", &slot.application, &setter);
                        slider_row(ui, "Complexity", &slot.complexity, &setter);
                        slider_row(ui, "Bandwidth", &slot.bandwidth, &setter);
                        slider_row(ui, "Rate control", &slot.rate_control, &setter);
                        toggle_row(ui, "DTX", &slot.dtx, &setter);
                        toggle_row(ui, "Force mono", &slot.force_mono, &setter);
                    });
                    group(&mut columns[1], &slot_title("Network"), |ui| {
                        loss_model_row(ui, params, edited, &setter);
                        slider_row(ui, "Mean burst", &slot.mean_burst_packets, &setter);
                        slider_row(ui, "Seed", &slot.seed, &setter);
                        slider_row(ui, "Jitter", &slot.mean_jitter_ms, &setter);
                        slider_row(ui, "Delay spikes", &slot.spike_percent, &setter);
                        slider_row(ui, "Spike delay", &slot.spike_ms, &setter);
                        slider_row(ui, "Playout", &slot.playout_ms, &setter);
                        toggle_row(ui, "Adaptive receiver", &slot.adaptive_receiver, &setter);
                        slider_row(ui, "Min delay", &slot.min_delay_ms, &setter);
                        slider_row(ui, "Max delay", &slot.max_delay_ms, &setter);
                        toggle_row(ui, "In-band FEC", &slot.fec, &setter);
                        slider_row(ui, "Expected loss", &slot.expected_loss_percent, &setter);
                        slider_row(ui, "DRED", &slot.dred_tens_of_ms, &setter);
                        slider_row(ui, "Decoder cplx", &slot.decoder_complexity, &setter);
                    });
                    group(&mut columns[2], "Monitor", |ui| {
                        slider_row(ui, "Monitor", &params.monitor, &setter);
                        slider_row(ui, "Mix", &params.mix, &setter);
                        slider_row(ui, "Output gain", &params.output_gain_db, &setter);
                        toggle_row(ui, "Level match", &params.level_match, &setter);
                        toggle_row(ui, "Codec thread", &params.codec_thread, &setter);
                    });
                });
                trace_row(ui, &params.loss_trace, &mut self.trace_field);
                ui.separator();
                // B runs once its meters say so (a host restarts the plugin for it first).
                let b_snapshot = self.meters[1].snapshot();
                let b_running = params.compare.value() && b_snapshot.latency_samples > 0;
                self.abx.show(ui, params, b_running);
                ui.separator();
                // Drained either way, so that nothing queued during a blind test shows after it.
                self.timeline.update();
                let spectra = self.analyzer.update();
                if !b_running {
                    // B's marks from before it stopped must not join those after it restarts.
                    self.timeline_b.clear();
                }
                self.timeline_b.update();
                if self.abx.is_blind() {
                    // Meters, timeline and spectrum show what plays: they would tell X.
                    return;
                }
                let latency_held = self.latency_held.load(Ordering::Relaxed);
                let snapshot = self.meters[0].snapshot();
                let b = b_running.then_some(b_snapshot);
                meters_view::show(ui, &snapshot, b.as_ref(), params, latency_held);
                live_score_view::show(ui, &self.live, params, b_running);
                ui.separator();
                if b_running {
                    timeline_view::show(ui, "Packets of A, last 10 s", &self.timeline);
                    timeline_view::show(ui, "Packets of B, last 10 s", &self.timeline_b);
                } else {
                    timeline_view::show(ui, "Packets, last 10 s", &self.timeline);
                }
                ui.separator();
                spectrum_view::show(ui, spectra);
                // Beside the level change per band, whether it is audible, for the slot heard.
                let heard_b = b_running && params.listen.value().0 == roundtrip_engine::Listen::B;
                live_score_view::show_audibility(ui, &self.live, if heard_b { SlotId::B } else { SlotId::A });
            });
        });
        ui.ctx().request_repaint_after(METER_REFRESH);
    }

    fn resized(&mut self, _new_size: nice_plug_egui::baseview::WindowSize) {
        // Save the size with the session; the editor state already follows the window.
        let size = self.state.logical_size();
        if let Ok(mut saved) = self.params.editor_size.write() {
            *saved = (size.width, size.height);
        }
    }

    fn editor_closed(&mut self) {
        // (nice-plug-egui 0.6 never calls this: the audio thread reads whether the window is
        // open from the editor state, and a blind test pauses while it is closed.)
        self.gui = None;
    }
}

/// Bitrate and packet loss: large, first, and impossible to miss.
fn primary_controls(ui: &mut egui::Ui, slot: &SlotParams, setter: &ParamSetter) {
    ui.horizontal(|ui| {
        for (label, param) in [("BITRATE", &slot.bitrate_kbps), ("PACKET LOSS", &slot.loss_percent)] {
            ui.vertical(|ui| {
                ui.label(egui::RichText::new(label).strong().size(18.0));
                ui.label(egui::RichText::new(param.to_string()).size(28.0).monospace());
                ui.add(ParamSlider::for_param(param, setter).with_width(300.0).without_value());
            });
            ui.add_space(40.0);
        }
    });
}

/// The trace: a path typed or pasted (a file manager's `file://` copy too), read as a loss
/// pattern or a delay trace, loaded on Enter or Load; what is in force, and Clear. (Files
/// dropped on the window would be nicer, but egui-baseview 0.9 does not pass drop events on to
/// egui.)
fn trace_row(ui: &mut egui::Ui, slot: &TraceSlot, field: &mut TraceField) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Trace:");
        let hint = if field.delays {
            "path of a delay trace (ms or 'lost' per packet)"
        } else {
            "path of a loss trace (0 = received, else lost)"
        };
        let entry = ui.add(egui::TextEdit::singleline(&mut field.path).hint_text(hint).desired_width(300.0));
        let entered = entry.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        egui::ComboBox::from_id_salt("trace-kind")
            .selected_text(if field.delays { "delays" } else { "losses" })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut field.delays, false, "losses");
                ui.selectable_value(&mut field.delays, true, "delays");
            });
        if ui.button("Load").clicked() || entered {
            let typed = field.path.trim().trim_matches(['"', '\'']);
            let typed = typed.strip_prefix("file://").unwrap_or(typed);
            field.error =
                slot.load_file(std::path::Path::new(typed), field.delays).err().map(|error| error.to_string());
        }
        match slot.summary() {
            Some(summary) => {
                let percent = 100.0 * summary.lost as f64 / summary.packets as f64;
                let (lost, packets, name) = (summary.lost, summary.packets, &summary.name);
                let replaces = match summary.delay_range_ms {
                    Some((low, high)) => {
                        format!("delays {low:.1} to {high:.1} ms; it replaces the loss and jitter controls")
                    }
                    None if summary.delays => "it replaces the loss and jitter controls".to_owned(),
                    None => "it replaces the loss controls".to_owned(),
                };
                ui.label(format!("{name}: {lost} of {packets} packets lost ({percent:.1} %), repeating; {replaces}"));
                if ui.button("Clear").clicked() {
                    slot.replace(None);
                }
            }
            None => {
                ui.label(egui::RichText::new("none: the loss and jitter controls decide").weak());
            }
        }
        if let Some(error) = &field.error {
            ui.colored_label(egui::Color32::from_rgb(255, 110, 90), error.as_str());
        }
    });
}

/// The trace field's state: the path being typed or pasted, how to read it, and why the last
/// one could not be loaded.
#[derive(Default)]
struct TraceField {
    path: String,
    delays: bool,
    error: Option<String>,
}

/// The loss model as one menu of three, over the two parameters that hold it (the first
/// release's two-value menu and the realistic model's switch, see [`crate::menu::FrozenMenu`]).
fn loss_model_row(ui: &mut egui::Ui, params: &RoundtripParams, edited: SlotId, setter: &ParamSetter) {
    ui.label("Loss model");
    let current = params.control_settings_of(edited).loss.model;
    let slot = params.slot(edited);
    egui::ComboBox::from_id_salt("loss-model").width(80.0).selected_text(current.label()).show_ui(ui, |ui| {
        for &Named { value: model, label, .. } in LossModel::ALL {
            if ui.selectable_label(model == current, label).clicked() && model != current {
                let realistic = model == LossModel::Realistic;
                setter.begin_set_parameter(&slot.realistic_loss);
                setter.set_parameter(&slot.realistic_loss, realistic);
                setter.end_set_parameter(&slot.realistic_loss);
                if !realistic {
                    setter.begin_set_parameter(&slot.loss_model);
                    setter.set_parameter(&slot.loss_model, FrozenMenu(model));
                    setter.end_set_parameter(&slot.loss_model);
                }
            }
        }
    });
    ui.end_row();
}

/// The presets, for the slot being edited.
fn presets_row(ui: &mut egui::Ui, params: &RoundtripParams, edited: SlotId, setter: &ParamSetter) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Presets:");
        let current = params.control_settings_of(edited);
        for preset in &PRESETS {
            let button = egui::Button::new(preset.name).selected(preset.is_active(&current));
            if ui.add(button).on_hover_text(preset.description).clicked() {
                params.slot(edited).set_from_settings(setter, &preset.applied_to(&current));
            }
        }
    });
}

fn group(ui: &mut egui::Ui, title: &str, contents: impl FnOnce(&mut egui::Ui)) {
    ui.group(|ui| {
        ui.label(egui::RichText::new(title).strong());
        egui::Grid::new(title).num_columns(2).spacing([8.0, 6.0]).show(ui, contents);
    });
}

fn slider_row<P: Param>(ui: &mut egui::Ui, label: &str, param: &P, setter: &ParamSetter) {
    ui.label(label);
    ui.add(ParamSlider::for_param(param, setter).with_width(80.0));
    ui.end_row();
}

fn toggle_row(ui: &mut egui::Ui, label: &str, param: &BoolParam, setter: &ParamSetter) {
    let mut value = param.value();
    ui.label(label);
    if ui.checkbox(&mut value, "").changed() {
        setter.begin_set_parameter(param);
        setter.set_parameter(param, value);
        setter.end_set_parameter(param);
    }
    ui.end_row();
}
