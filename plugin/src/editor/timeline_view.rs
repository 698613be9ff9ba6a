//! The live packet timeline: the last 10 s, one cell per packet coloured by what became of it at
//! the receiver, over a strip of the decoded level on the same time axis (now at the right), so
//! that a user can see whether FEC and DRED are rebuilding what the network lost; the adaptive
//! receiver's stretches are ticks above the cells (down: faster, up: slower).

use crate::timeline::{EditorTimeline, LEVEL_SECONDS, SPAN_SECONDS, count_fates, fate_index};

/// Colours by [`fate_index`]: decoded, rebuilt by FEC, rebuilt by DRED, concealed.
const FATE_COLOURS: [egui::Color32; 4] = [
    egui::Color32::from_rgb(52, 96, 64),
    egui::Color32::from_rgb(240, 200, 60),
    egui::Color32::from_rgb(80, 200, 240),
    egui::Color32::from_rgb(235, 70, 60),
];
const FATE_NAMES: [&str; 4] = ["decoded", "rebuilt by FEC", "rebuilt by DRED", "concealed"];

/// The level strip's range, dBFS.
const LEVEL_RANGE_DB: (f32, f32) = (-60.0, 0.0);

/// Colours of the adaptive receiver's stretches: faster, slower.
const STRETCH_COLOURS: [egui::Color32; 2] =
    [egui::Color32::from_rgb(250, 150, 40), egui::Color32::from_rgb(170, 120, 255)];

/// Draws the packets (fate, seconds; oldest first), the decoded levels (oldest first, one per
/// [`LEVEL_SECONDS`]) and the stretches of `timeline`'s last [`SPAN_SECONDS`], under `title`.
pub fn show(ui: &mut egui::Ui, title: &str, timeline: &EditorTimeline) {
    let (packets, levels_db) = timeline.shown();
    let counts = count_fates(packets);
    let (faster, slower) =
        timeline.stretches().fold(
            (0, 0),
            |(faster, slower), (_, seconds)| {
                if seconds < 0.0 { (faster + 1, slower) } else { (faster, slower + 1) }
            },
        );
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new(title).strong());
        for (index, name) in FATE_NAMES.iter().enumerate() {
            ui.colored_label(FATE_COLOURS[index], format!("{name} {}", counts[index]));
        }
        if faster + slower > 0 {
            ui.colored_label(STRETCH_COLOURS[0], format!("faster {faster}"));
            ui.colored_label(STRETCH_COLOURS[1], format!("slower {slower}"));
        }
    });
    let (response, painter) = ui.allocate_painter(egui::vec2(ui.available_width(), 56.0), egui::Sense::hover());
    let rect = response.rect;
    painter.rect_filled(rect, 4.0, egui::Color32::from_gray(18));
    let cells = egui::Rect::from_min_max(rect.min, egui::pos2(rect.right(), rect.top() + 24.0));
    let strip = egui::Rect::from_min_max(egui::pos2(rect.left(), rect.top() + 28.0), rect.max);
    let pixels_per_second = rect.width() / SPAN_SECONDS;
    // The span the packets cover, in the decoded colour; then each run of other fates on top,
    // at least a pixel wide, so that a lost 2.5 ms packet stays visible.
    let covered: f32 = packets.iter().map(|&(_, seconds)| seconds).sum();
    let start = (cells.right() - covered * pixels_per_second).max(cells.left());
    painter.rect_filled(egui::Rect::from_min_max(egui::pos2(start, cells.top()), cells.max), 0.0, FATE_COLOURS[0]);
    let mut right = cells.right();
    let mut run: Option<(usize, f32)> = None;
    let draw = |index: usize, from: f32, to: f32| {
        let left = from.min(to - 1.0).max(cells.left());
        let cell = egui::Rect::from_min_max(egui::pos2(left, cells.top()), egui::pos2(to, cells.bottom()));
        painter.rect_filled(cell, 0.0, FATE_COLOURS[index]);
    };
    for &(fate, seconds) in packets.iter().rev() {
        let left = right - seconds * pixels_per_second;
        let index = fate_index(fate);
        match run {
            Some((run_index, run_right)) if run_index == index => run = Some((run_index, run_right)),
            _ => {
                if let Some((run_index, run_right)) = run.take().filter(|&(run_index, _)| run_index != 0) {
                    draw(run_index, right, run_right);
                }
                run = Some((index, right));
            }
        }
        right = left;
        if right < cells.left() {
            break;
        }
    }
    if let Some((run_index, run_right)) = run.filter(|&(run_index, _)| run_index != 0) {
        draw(run_index, right, run_right);
    }
    // Each stretch, a tick over the cells where it fell.
    for (age, seconds) in timeline.stretches() {
        let x = cells.right() - age * pixels_per_second;
        if x >= cells.left() {
            let (colour, from, to) = if seconds < 0.0 {
                (STRETCH_COLOURS[0], cells.top(), cells.top() + 10.0)
            } else {
                (STRETCH_COLOURS[1], cells.top() + 10.0, cells.top())
            };
            painter.arrow(egui::pos2(x, from), egui::vec2(0.0, to - from), egui::Stroke::new(1.5, colour));
        }
    }
    // The level strip, one bar per pixel column (the loudest level in it).
    let (low, high) = LEVEL_RANGE_DB;
    let columns_per_pixel = (1.0 / (LEVEL_SECONDS * pixels_per_second)).max(1.0) as usize;
    let column_width = LEVEL_SECONDS * pixels_per_second * columns_per_pixel as f32;
    let bars = levels_db.iter().rev().collect::<Vec<_>>();
    for (age, group) in bars.chunks(columns_per_pixel).enumerate() {
        let right = strip.right() - age as f32 * column_width;
        if right <= strip.left() {
            break;
        }
        let db = group.iter().fold(low, |loudest, &&db| loudest.max(db));
        let height = (db.clamp(low, high) - low) / (high - low) * strip.height();
        let bar = egui::Rect::from_min_max(
            egui::pos2((right - column_width).max(strip.left()), strip.bottom() - height),
            egui::pos2(right, strip.bottom()),
        );
        painter.rect_filled(bar, 0.0, egui::Color32::from_gray(150));
    }
    response.on_hover_text(
        "Each cell is a packet, newest at the right; the grey strip is the decoded level; a tick above a cell is the \
         adaptive receiver playing faster (orange, down) or slower (violet, up).",
    );
}
