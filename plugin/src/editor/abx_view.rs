//! The blind test's panel: set up (which two sources, how many trials), run (play A, B and X
//! by mouse or keys, answer), and the result with its log. While a test runs it takes the place
//! of the meters, the packet timeline and the spectrum, which show what plays and would tell X.

use std::sync::Arc;

use crate::abx::{AbxTest, Button, DEFAULT_TRIALS, Pair, TRIALS_RANGE, format_p, verdict};
use crate::blind_monitor::BlindMonitor;
use crate::params::RoundtripParams;

/// The panel's state, on the GUI thread.
pub struct AbxPanel {
    monitor: Arc<BlindMonitor>,
    pair: Pair,
    trials: usize,
    test: Option<AbxTest>,
    /// Where the last log was saved, or why it could not be.
    saved: Option<String>,
}

impl AbxPanel {
    pub fn new(monitor: Arc<BlindMonitor>) -> Self {
        Self { monitor, pair: Pair::DryA, trials: DEFAULT_TRIALS, test: None, saved: None }
    }

    /// Whether a test holds what plays (running, or finished and not yet closed).
    pub fn is_testing(&self) -> bool {
        self.test.is_some()
    }

    /// Whether a test is being answered: the window must then show nothing that depends on X.
    pub fn is_blind(&self) -> bool {
        self.test.as_ref().is_some_and(|test| !test.is_finished())
    }

    /// Ends any test and gives what plays back to the Listen parameter.
    pub fn stop(&mut self) {
        if self.test.take().is_some() {
            self.monitor.release();
        }
    }

    fn play(&mut self, button: Button) {
        if let Some(test) = self.test.as_mut() {
            self.monitor.press(test.play(button));
        }
    }

    fn answer(&mut self, b: bool) {
        if let Some(test) = self.test.as_mut() {
            self.monitor.press(test.answer(b));
        }
    }

    fn start(&mut self) {
        let mut random = fastrand::Rng::new();
        let test = AbxTest::new(self.pair, self.trials, || random.bool());
        // Each trial starts on X.
        self.monitor.press(test.source_of(Button::X));
        self.saved = None;
        self.test = Some(test);
    }

    /// Shows the panel; `b_running`: slot B is coded now. A test of a pair with B stops if B
    /// is turned off.
    pub fn show(&mut self, ui: &mut egui::Ui, params: &RoundtripParams, b_running: bool) {
        if self.test.as_ref().is_some_and(|test| test.pair().needs_b() && !params.compare.value()) {
            self.stop();
        }
        match &self.test {
            None => self.setup(ui, b_running),
            Some(test) if test.is_finished() => self.result(ui),
            Some(_) => self.running(ui, params.level_match.value()),
        }
    }

    fn setup(&mut self, ui: &mut egui::Ui, b_running: bool) {
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new("Blind test").strong());
            egui::ComboBox::from_id_salt("abx-pair").selected_text(self.pair.label()).show_ui(ui, |ui| {
                for pair in Pair::ALL {
                    ui.selectable_value(&mut self.pair, pair, pair.label());
                }
            });
            ui.add(egui::DragValue::new(&mut self.trials).range(TRIALS_RANGE.0..=TRIALS_RANGE.1).suffix(" trials"));
            let ready = b_running || !self.pair.needs_b();
            let start = ui
                .add_enabled(ready, egui::Button::new("Start"))
                .on_disabled_hover_text("Turn on B first (in a host, B runs from the host's restart)");
            if start.clicked() {
                self.start();
            }
            ui.label(
                egui::RichText::new("X is drawn at random each trial; meters and spectrum hide until the end.").weak(),
            );
        });
    }

    fn running(&mut self, ui: &mut egui::Ui, level_match: bool) {
        let Some(test) = self.test.as_ref() else { return };
        let (pair, number, count, playing) =
            (test.pair(), test.trial_number().unwrap_or(0), test.len(), test.playing());
        // Keys, unless a text field has them: each press once (a key held down repeats, and
        // would answer trial after trial unheard), and without modifiers (shortcuts).
        if !ui.ctx().egui_wants_keyboard_input() {
            let pressed = |wanted: egui::Key| {
                ui.input(|input| {
                    input.events.iter().any(|event| {
                        matches!(event, egui::Event::Key { key, pressed: true, repeat: false, modifiers, .. }
                            if *key == wanted && modifiers.is_none())
                    })
                })
            };
            for (key, button) in [(egui::Key::A, Button::A), (egui::Key::B, Button::B), (egui::Key::X, Button::X)] {
                if pressed(key) {
                    self.play(button);
                }
            }
            for (key, b) in [(egui::Key::Num1, false), (egui::Key::Num2, true)] {
                if pressed(key) {
                    self.answer(b);
                    return;
                }
            }
        }
        ui.group(|ui| {
            ui.label(egui::RichText::new(format!("Blind test: {} — trial {number} of {count}", pair.label())).strong());
            ui.horizontal(|ui| {
                for (button, label) in [(Button::A, "A"), (Button::B, "B"), (Button::X, "X")] {
                    let text = egui::RichText::new(label).size(22.0).monospace();
                    if ui
                        .add(egui::Button::new(text).selected(playing == button).min_size([56.0, 40.0].into()))
                        .clicked()
                    {
                        self.play(button);
                    }
                }
                ui.add_space(24.0);
                ui.label("X is:");
                for (b, label) in [(false, "A (1)"), (true, "B (2)")] {
                    if ui.add(egui::Button::new(egui::RichText::new(label).size(18.0))).clicked() {
                        self.answer(b);
                    }
                }
            });
            ui.horizontal(|ui| {
                let matched = if level_match { "on" } else { "off" };
                ui.label(
                    egui::RichText::new(format!("keys: a, b, x to listen; 1 or 2 to answer. Level match: {matched}"))
                        .weak(),
                );
                if ui.button("Stop test").clicked() {
                    self.stop();
                }
            });
        });
    }

    fn result(&mut self, ui: &mut egui::Ui) {
        let Some(test) = self.test.as_ref() else { return };
        let (right, answered) = test.score();
        let p = test.p_value().unwrap_or(1.0);
        let (log, pair) = (test.log(), test.pair().label());
        ui.group(|ui| {
            ui.label(
                egui::RichText::new(format!(
                    "Result ({pair}): {right} of {answered}, p = {} — {}",
                    format_p(p),
                    verdict(p)
                ))
                .strong()
                .size(16.0),
            );
            ui.label(
                egui::RichText::new(
                    "p: the chance of scoring this well or better by guessing. A and B play as labelled now.",
                )
                .weak(),
            );
            ui.horizontal(|ui| {
                for (button, label) in [(Button::A, "Play A"), (Button::B, "Play B")] {
                    if ui.button(label).clicked() {
                        self.play(button);
                    }
                }
                if ui.button("Copy log").clicked() {
                    ui.ctx().copy_text(log.clone());
                }
                if ui.button("Save log").clicked() {
                    self.saved = Some(save_log(&log));
                }
                if ui.button("Close").clicked() {
                    self.stop();
                }
            });
            if let Some(saved) = &self.saved {
                ui.label(saved.as_str());
            }
            egui::ScrollArea::vertical().max_height(160.0).show(ui, |ui| {
                ui.label(egui::RichText::new(log.as_str()).monospace());
            });
        });
    }
}

/// Writes `log` to a new file in the home folder (or the working folder); says where, or why not.
fn save_log(log: &str) -> String {
    let folder = std::env::home_dir().unwrap_or_else(|| std::path::PathBuf::from("."));
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |time| time.as_secs());
    let path = folder.join(format!("opus-roundtrip-abx-{stamp}.txt"));
    match std::fs::write(&path, log) {
        Ok(()) => format!("Saved to {}", path.display()),
        Err(error) => format!("Could not save to {}: {error}", path.display()),
    }
}
