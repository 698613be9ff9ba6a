//! The live perceptual score line: what listeners would say of A (and of B while it runs) over
//! the last seconds, with the model and what its levels mean; and the bars of where the change
//! is audible now. Hidden during a blind test with the other meters (the editor returns before
//! drawing them).

use roundtrip_codec::Application;
use roundtrip_quality::Mode;
use roundtrip_quality::mapping::opinion;

use super::band_bars::BarPanel;
use crate::live_score::{LiveScore, LiveScorer, window};
use crate::params::{RoundtripParams, SlotId};
use crate::spectrum::FLOOR_DB;

/// Tells the scorer each slot's model (speech for the VoIP application, as the app chooses)
/// and shows the latest scores.
pub fn show(ui: &mut egui::Ui, live: &LiveScorer, params: &RoundtripParams, b_running: bool) {
    let mode =
        |slot| if params.slot(slot).application.value().0 == Application::Voip { Mode::Speech } else { Mode::Audio };
    live.set_modes([mode(SlotId::A), mode(SlotId::B)]);
    let [a, b] = live.scores();
    let text = |name: &str, score: &LiveScore, slot: SlotId| match score {
        LiveScore::Scored { mos, mode, seconds } => {
            format!("{name} {mos:.2} {} ({mode}, last {seconds:.0} s)", opinion(*mos))
        }
        LiveScore::Waiting => format!("{name} … (scores the first {:.0} s of sound)", window(mode(slot)).0),
        LiveScore::NotScored(why) => format!("{name} no score: {why}"),
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(egui::RichText::new("Listeners").strong())
            .on_hover_text("ViSQOL v3's MOS-LQO, a model of listeners: 1 bad, 2 poor, 3 fair, 4 good, 5 excellent");
        ui.label(text("A", &a, SlotId::A));
        if b_running {
            ui.label("·");
            ui.label(text("B", &b, SlotId::B));
        }
    });
}

/// The range of the audibility bars, dB of noise over mask.
const NMR_RANGE_DB: (f32, f32) = (-30.0, 20.0);

/// The noise-to-mask ratio per critical band of the slot heard, as bars from the mask (0 dB):
/// red above it (audible), grey below (masked by the input itself).
pub fn show_audibility(ui: &mut egui::Ui, live: &LiveScorer, heard: SlotId) {
    let audible = &live.audibility()[if heard == SlotId::B { 1 } else { 0 }];
    ui.label(
        egui::RichText::new("Audible: noise over mask per critical band (PEAQ's ear model, 92 dB SPL at full scale)")
            .strong(),
    );
    let panel = BarPanel::new(ui, 90.0, NMR_RANGE_DB);
    let rect = panel.rect();
    let bands = audible.nmr_db.len();
    let width = rect.width() / bands.max(1) as f32;
    for (band, &db) in audible.nmr_db.iter().enumerate() {
        if !db.is_finite() || db <= FLOOR_DB {
            continue;
        }
        let x = rect.left() + band as f32 * width;
        let color = if db > 0.0 { egui::Color32::from_rgb(255, 110, 90) } else { egui::Color32::from_gray(110) };
        panel.bar((x, x + width.max(1.0)), db, 0.0, color);
    }
    for (band, &hz) in audible.band_centres_hz.iter().enumerate().step_by(12) {
        panel.band_label(rect.left() + band as f32 * width, hz);
    }
    let (low, high) = NMR_RANGE_DB;
    panel.caption(format!("{high:+} dB … {low} dB, audible above the line"));
}
