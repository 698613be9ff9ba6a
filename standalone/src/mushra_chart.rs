//! The usual MUSHRA chart (plotters, into a PNG): per condition the pooled mean with its 95 %
//! confidence interval on the 0–100 scale, over the scale's five labelled intervals, with the
//! perceptual model's MOS-LQO under each condition that it scored.

use std::path::Path;

use plotters::prelude::*;
use roundtrip_mushra::{ConditionSummary, Summary};

use crate::error::{AppError, Result};
use crate::plot::{FONT, register_font, write_png};

const WIDTH: u32 = 1000;
const HEIGHT: u32 = 620;
/// The scale's intervals, from the top, and their shades.
const INTERVALS: [(&str, f64, RGBColor); 5] = [
    ("Excellent", 80.0, RGBColor(226, 240, 226)),
    ("Good", 60.0, RGBColor(236, 244, 230)),
    ("Fair", 40.0, RGBColor(246, 246, 232)),
    ("Poor", 20.0, RGBColor(248, 238, 228)),
    ("Bad", 0.0, RGBColor(248, 230, 228)),
];

/// Draws `summary`'s chart into `path`, whole or not at all.
pub fn draw_chart(path: &Path, summary: &Summary, title: &str) -> Result<()> {
    register_font();
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw(&mut pixels, summary, title).map_err(|err| AppError::output(path, err))?;
    write_png(path, WIDTH, HEIGHT, &pixels)
}

type Error = Box<dyn std::error::Error>;

fn draw(pixels: &mut [u8], summary: &Summary, title: &str) -> Result<(), Error> {
    let root = BitMapBackend::with_buffer(pixels, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let conditions = &summary.conditions;
    let count = conditions.len().max(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 20).into_font())
        .margin(16)
        .x_label_area_size(64)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.5..count - 0.5, 0.0..100.0)?;
    for (index, &(label, low, shade)) in INTERVALS.iter().enumerate() {
        let high = if index == 0 { 100.0 } else { INTERVALS[index - 1].1 };
        chart.draw_series(std::iter::once(Rectangle::new([(-0.5, low), (count - 0.5, high)], shade.filled())))?;
        let style = (FONT, 14).into_font().color(&RGBColor(90, 90, 90));
        chart.draw_series(std::iter::once(Text::new(label, (-0.45, high - 3.0), style)))?;
    }
    let label = |x: &f64| {
        let index = x.round();
        if (x - index).abs() > 1e-6 || index < 0.0 {
            return String::new();
        }
        conditions.get(index as usize).map(condition_label).unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(conditions.len().max(1))
        .x_label_formatter(&label)
        .y_desc("rating (listeners kept, mean and 95 % interval)")
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 15))
        .draw()?;
    let whisker = RGBColor(30, 60, 120);
    for (index, condition) in conditions.iter().enumerate() {
        let Some(pooled) = condition.pooled else { continue };
        let x = index as f64;
        let (low, high) = pooled.bounds();
        let style = whisker.stroke_width(2);
        chart.draw_series(std::iter::once(PathElement::new(vec![(x, low), (x, high)], style)))?;
        for end in [low, high] {
            chart.draw_series(std::iter::once(PathElement::new(vec![(x - 0.12, end), (x + 0.12, end)], style)))?;
        }
        chart.draw_series(std::iter::once(Circle::new((x, pooled.mean), 6, whisker.filled())))?;
        let figure = format!("{:.1}", pooled.mean);
        chart.draw_series(std::iter::once(Text::new(figure, (x + 0.15, pooled.mean), (FONT, 14).into_font())))?;
    }
    root.present()?;
    Ok(())
}

/// A condition's name on the axis, with the model's score under it when it gave one.
fn condition_label(condition: &ConditionSummary) -> String {
    match condition.mos_lqo {
        Some(score) => format!("{} (MOS {:.2})", condition.key.name(), score.mean),
        None => condition.key.name().to_owned(),
    }
}
