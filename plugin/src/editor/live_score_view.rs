//! The live perceptual score line: what listeners would say of A (and of B while it runs) over
//! the last seconds, with the model and what its levels mean; and the bars of where the change
//! is audible now. Hidden during a blind test with the other meters (the editor returns before
//! drawing them).

use roundtrip_codec::Application;
use roundtrip_quality::Mode;
use roundtrip_quality::mapping::opinion;

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
    let (response, painter) = ui.allocate_painter(egui::vec2(ui.available_width(), 90.0), egui::Sense::hover());
    let rect = response.rect;
    painter.rect_filled(rect, 4.0, egui::Color32::from_gray(18));
    let (low, high) = NMR_RANGE_DB;
    let y_of = |db: f32| rect.top() + (high - db.clamp(low, high)) / (high - low) * rect.height();
    let zero = y_of(0.0);
    painter.line_segment(
        [egui::pos2(rect.left(), zero), egui::pos2(rect.right(), zero)],
        egui::Stroke::new(1.0, egui::Color32::GRAY),
    );
    let bands = audible.nmr_db.len();
    let width = rect.width() / bands.max(1) as f32;
    for (band, &db) in audible.nmr_db.iter().enumerate() {
        if !db.is_finite() || db <= FLOOR_DB {
            continue;
        }
        let x = rect.left() + band as f32 * width;
        let color = if db > 0.0 { egui::Color32::from_rgb(255, 110, 90) } else { egui::Color32::from_gray(110) };
        let bar = egui::Rect::from_two_pos(egui::pos2(x, zero), egui::pos2(x + width.max(1.0), y_of(db)));
        painter.rect_filled(bar, 0.0, color);
    }
    for (band, hz) in audible.band_centres_hz.iter().enumerate().step_by(12) {
        let label = if *hz >= 1_000.0 { format!("{:.1}k", hz / 1_000.0) } else { format!("{hz:.0}") };
        painter.text(
            egui::pos2(rect.left() + band as f32 * width + 2.0, rect.bottom() - 2.0),
            egui::Align2::LEFT_BOTTOM,
            label,
            egui::FontId::proportional(10.0),
            egui::Color32::GRAY,
        );
    }
    painter.text(
        egui::pos2(rect.right() - 4.0, rect.top() + 2.0),
        egui::Align2::RIGHT_TOP,
        format!("{high:+} dB … {low} dB, audible above the line"),
        egui::FontId::proportional(10.0),
        egui::Color32::GRAY,
    );
}
