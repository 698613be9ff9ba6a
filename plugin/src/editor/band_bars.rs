//! A panel of bars per band from 0 dB, as the editor draws the third-octave level difference and
//! the noise-to-mask ratio: one ground, scale, zero line, band labels and caption for both.

use roundtrip_signal::bands::short_label;

/// A panel the width of its `ui`, with bars drawn between 0 dB and a value.
pub struct BarPanel {
    painter: egui::Painter,
    rect: egui::Rect,
    /// The values the panel's bottom and top stand for, dB; bars stop there.
    range_db: (f32, f32),
}

impl BarPanel {
    /// Allocates a panel `height` high on a dark ground and draws its 0 dB line.
    pub fn new(ui: &mut egui::Ui, height: f32, range_db: (f32, f32)) -> Self {
        let (response, painter) = ui.allocate_painter(egui::vec2(ui.available_width(), height), egui::Sense::hover());
        let rect = response.rect;
        painter.rect_filled(rect, 4.0, egui::Color32::from_gray(18));
        let panel = Self { painter, rect, range_db };
        let zero = panel.y_of(0.0);
        panel.painter.line_segment(
            [egui::pos2(rect.left(), zero), egui::pos2(rect.right(), zero)],
            egui::Stroke::new(1.0, egui::Color32::GRAY),
        );
        panel
    }

    /// The panel's area.
    pub fn rect(&self) -> egui::Rect {
        self.rect
    }

    /// Where `db` lies, clamped to the range.
    fn y_of(&self, db: f32) -> f32 {
        let (low, high) = self.range_db;
        self.rect.top() + (high - db.clamp(low, high)) / (high - low) * self.rect.height()
    }

    /// A bar from 0 dB to `db` between `left` and `right`, its corners rounded by `rounding`.
    pub fn bar(&self, (left, right): (f32, f32), db: f32, rounding: f32, colour: egui::Color32) {
        let bar = egui::Rect::from_two_pos(egui::pos2(left, self.y_of(0.0)), egui::pos2(right, self.y_of(db)));
        self.painter.rect_filled(bar, rounding, colour);
    }

    /// A band's centre frequency under the bars, from `x`.
    pub fn band_label(&self, x: f32, hz: f64) {
        self.painter.text(
            egui::pos2(x + 2.0, self.rect.bottom() - 2.0),
            egui::Align2::LEFT_BOTTOM,
            short_label(hz),
            egui::FontId::proportional(10.0),
            egui::Color32::GRAY,
        );
    }

    /// What the scale means, in the top right corner.
    pub fn caption(&self, text: String) {
        self.painter.text(
            egui::pos2(self.rect.right() - 4.0, self.rect.top() + 2.0),
            egui::Align2::RIGHT_TOP,
            text,
            egui::FontId::proportional(10.0),
            egui::Color32::GRAY,
        );
    }
}
