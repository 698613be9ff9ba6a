//! The spectrum plot: input, decoded and difference on a logarithmic frequency axis.

use roundtrip_signal::bands::BandMap;

use super::band_bars::BarPanel;
use crate::spectrum::{FFT_SIZE, FLOOR_DB, Spectra};

/// Lowest and highest frequencies shown, in hertz. The bins are placed relative to a 48 kHz
/// rate; at other rates the axis is off by the rate ratio, which is fine for reading artifacts.
const FREQUENCY_RANGE_HZ: (f32, f32) = (30.0, 20_000.0);
const NOMINAL_RATE_HZ: f32 = 48_000.0;
/// The level range shown, in dBFS.
const LEVEL_RANGE_DB: (f32, f32) = (-110.0, 0.0);

/// The band view's range, dB: bars stop at these.
const BAND_RANGE_DB: (f32, f32) = (-24.0, 12.0);

/// Draws the three spectra with a legend, and under them the decoded level against the input's
/// per third-octave band.
pub fn show(ui: &mut egui::Ui, spectra: &Spectra) {
    show_spectra(ui, spectra);
    show_bands(ui, spectra);
}

/// The decoded level against the input's in each third-octave band, as bars from 0 dB: the
/// phase-blind view of what the codec changes (a band limit, holes, added noise), which the
/// waveform difference above hides under phase at speech bitrates.
fn show_bands(ui: &mut egui::Ui, spectra: &Spectra) {
    ui.label(egui::RichText::new("Decoded − input per third-octave band").strong());
    let map = BandMap::new(spectra.input_db.len(), NOMINAL_RATE_HZ / FFT_SIZE as f32);
    let mut differences = vec![0.0f32; map.len()];
    map.difference_db(&spectra.input_db, &spectra.decoded_db, FLOOR_DB, &mut differences);
    let panel = BarPanel::new(ui, 90.0, BAND_RANGE_DB);
    let rect = panel.rect();
    let width = rect.width() / map.len().max(1) as f32;
    for (band, &db) in differences.iter().enumerate() {
        let x = rect.left() + band as f32 * width;
        if db.is_nan() {
            continue;
        }
        let color =
            if db < 0.0 { egui::Color32::from_rgb(90, 140, 255) } else { egui::Color32::from_rgb(255, 110, 90) };
        panel.bar((x + 1.0, x + width - 1.0), db, 1.0, color);
        if band % 3 == 0 {
            panel.band_label(x, f64::from(map.centre_hz(band)));
        }
    }
    let (low, high) = BAND_RANGE_DB;
    panel.caption(format!("{high:+} dB … {low} dB"));
}

/// Draws the three spectra with a legend.
fn show_spectra(ui: &mut egui::Ui, spectra: &Spectra) {
    let traces = [
        ("Input", &spectra.input_db, egui::Color32::from_rgb(120, 170, 255)),
        ("Decoded", &spectra.decoded_db, egui::Color32::from_rgb(120, 220, 140)),
        ("Difference (artifacts)", &spectra.difference_db, egui::Color32::from_rgb(255, 120, 100)),
    ];
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new("Spectrum").strong());
        for (name, _, color) in &traces {
            ui.colored_label(*color, *name);
        }
    });
    let height = (ui.available_height() - 8.0).clamp(140.0, 320.0);
    let (response, painter) = ui.allocate_painter(egui::vec2(ui.available_width(), height), egui::Sense::hover());
    let rect = response.rect;
    painter.rect_filled(rect, 4.0, egui::Color32::from_gray(18));
    let (low, high) = (FREQUENCY_RANGE_HZ.0.ln(), FREQUENCY_RANGE_HZ.1.ln());
    let x_of = |hz: f32| rect.left() + (hz.ln() - low) / (high - low) * rect.width();
    let y_of = |db: f32| {
        let t =
            (db.clamp(LEVEL_RANGE_DB.0, LEVEL_RANGE_DB.1) - LEVEL_RANGE_DB.0) / (LEVEL_RANGE_DB.1 - LEVEL_RANGE_DB.0);
        rect.bottom() - t * rect.height()
    };
    let grid = egui::Stroke::new(1.0, egui::Color32::from_gray(45));
    for hz in [100.0, 1_000.0, 10_000.0] {
        let x = x_of(hz);
        painter.line_segment([egui::pos2(x, rect.top()), egui::pos2(x, rect.bottom())], grid);
        let label = if hz >= 1_000.0 { format!("{} kHz", hz / 1_000.0) } else { format!("{hz} Hz") };
        painter.text(
            egui::pos2(x + 3.0, rect.bottom() - 3.0),
            egui::Align2::LEFT_BOTTOM,
            label,
            egui::FontId::proportional(11.0),
            egui::Color32::GRAY,
        );
    }
    for db in [-90.0, -60.0, -30.0] {
        let y = y_of(db);
        painter.line_segment([egui::pos2(rect.left(), y), egui::pos2(rect.right(), y)], grid);
        painter.text(
            egui::pos2(rect.left() + 3.0, y - 2.0),
            egui::Align2::LEFT_BOTTOM,
            format!("{db} dB"),
            egui::FontId::proportional(11.0),
            egui::Color32::GRAY,
        );
    }
    let bin_hz = NOMINAL_RATE_HZ / FFT_SIZE as f32;
    for (_, levels, color) in traces {
        let points: Vec<egui::Pos2> = levels
            .iter()
            .enumerate()
            .skip(1)
            .map(|(bin, &db)| (bin as f32 * bin_hz, db))
            .filter(|&(hz, _)| (FREQUENCY_RANGE_HZ.0..=FREQUENCY_RANGE_HZ.1).contains(&hz))
            .map(|(hz, db)| egui::pos2(x_of(hz), y_of(db)))
            .collect();
        painter.add(egui::Shape::line(points, egui::Stroke::new(1.5, color)));
    }
}
