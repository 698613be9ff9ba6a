//! The report's picture (plotters, into a PNG): spectrograms of the input, the decoded audio and
//! their difference on one time axis, and the loss pattern under them, so that a person sees
//! where the codec and the network hurt.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::error::{AppError, Result};
use crate::spectrogram::{Spectrogram, colour};
use crate::stats::{Comparison, Quality, RenderStats, fate_char};
use crate::wav::Audio;

const WIDTH: u32 = 1400;
const HEIGHT: u32 = 1040;
const FONT: &str = "sans-serif";

/// plotters draws text with a font registered by name; we embed one (egui's Ubuntu Light) so
/// that no system font lookup is needed.
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font shipped with egui; failing here would only lose text.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT);
    });
}

/// Draws the report of `stats` for the compared signals into `path` (a PNG), whole or not at all.
pub fn draw_report(path: &Path, stats: &RenderStats, quality: &Quality, compared: &Comparison<'_>) -> Result<()> {
    register_font();
    let mut pixels = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    draw(&mut pixels, stats, quality, compared).map_err(|err| AppError::output(path, err))?;
    let mut file = crate::output_file::OutputFile::create(path)?;
    {
        let mut encoder = png::Encoder::new(file.writer(), WIDTH, HEIGHT);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|err| AppError::output(path, err))?;
        writer.write_image_data(&pixels).map_err(|err| AppError::output(path, err))?;
        writer.finish().map_err(|err| AppError::output(path, err))?;
    }
    file.commit()
}

type Error = Box<dyn std::error::Error>;

fn draw(pixels: &mut [u8], stats: &RenderStats, quality: &Quality, compared: &Comparison<'_>) -> Result<(), Error> {
    let root = BitMapBackend::with_buffer(pixels, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let (header, body) = root.split_vertically(78);
    let title = format!("Opus Roundtrip — {}", stats.settings);
    header.draw_text(&title, &(FONT, 22).into_font().color(&BLACK), (16, 10))?;
    let lost_percent =
        if stats.packets_sent == 0 { 0.0 } else { 100.0 * stats.packets_lost as f64 / stats.packets_sent as f64 };
    let line = format!(
        "{:.1} kbps actual · {} packets, {} lost ({lost_percent:.1} %): {} FEC, {} DRED, {} concealed · latency {} samples · SNR {:.1} dB (spectral {:.1} dB) · difference {:.1} dBFS",
        stats.bitrate_bps / 1000.0,
        stats.packets_sent,
        stats.packets_lost,
        stats.recovered_fec,
        stats.recovered_dred,
        stats.concealed,
        stats.latency_samples,
        quality.snr_db,
        quality.spectral_snr_db,
        quality.difference_rms_dbfs,
    );
    header.draw_text(&line, &(FONT, 16).into_font().color(&RGBColor(60, 60, 60)), (16, 44))?;

    let (spectra, losses) = body.split_vertically(HEIGHT - 78 - 150);
    let panels = spectra.split_evenly((3, 1));
    let input = compared.input;
    let seconds = input.seconds().max(1e-3);
    let signals: [(&str, &[f32]); 3] = [
        ("Input", &input.samples),
        ("Decoded", &compared.decoded.samples),
        ("Difference (input − decoded)", &compared.difference.samples),
    ];
    for (panel, (name, samples)) in panels.iter().zip(signals) {
        draw_spectrogram(panel, name, samples, input, seconds)?;
    }
    draw_losses(&losses, stats, seconds)?;
    root.present()?;
    Ok(())
}

fn draw_spectrogram<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    name: &str,
    samples: &[f32],
    audio: &Audio,
    seconds: f64,
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let nyquist_khz = f64::from(audio.sample_rate_hz) / 2000.0;
    let mut chart = ChartBuilder::on(area)
        .caption(name, (FONT, 18))
        .margin_left(10)
        .margin_right(24)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..seconds, 0.0..nyquist_khz)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("time (s)")
        .y_desc("kHz")
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .draw()?;
    let plot = chart.plotting_area().strip_coord_spec();
    let (width, height) = plot.dim_in_pixel();
    let spectrogram = Spectrogram::of(samples, audio.channels, audio.sample_rate_hz, width as usize);
    for x in 0..width {
        for y in 0..height {
            let bin = ((height - 1 - y) as usize * (spectrogram.bins - 1)) / (height.max(2) - 1) as usize;
            let (r, g, b) = colour(spectrogram.level_db(x as usize, bin));
            plot.draw_pixel((x as i32, y as i32), &RGBColor(r, g, b))?;
        }
    }
    Ok(())
}

fn draw_losses<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    stats: &RenderStats,
    seconds: f64,
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption("Packets: lost and concealed (red), rebuilt by FEC (blue), by DRED (green)", (FONT, 18))
        .margin_left(10)
        .margin_right(24)
        .margin_bottom(8)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..seconds, 0.0..1.0)?;
    chart.configure_mesh().disable_mesh().disable_y_axis().x_desc("time (s)").label_style((FONT, 13)).draw()?;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, 0.48), (seconds, 0.52)],
        RGBColor(200, 200, 200).filled(),
    )))?;
    let packet_seconds = f64::from(stats.frame_ms) / 1000.0;
    let delay_seconds = stats.packet_delay_ms / 1000.0;
    let bars = stats.fates.chars().enumerate().filter_map(|(index, fate)| {
        let colour = match fate {
            fate_char::CONCEALED => RGBColor(215, 40, 40),
            fate_char::FEC => RGBColor(40, 90, 220),
            fate_char::DRED => RGBColor(30, 160, 70),
            _ => return None,
        };
        let start = (index as f64 * packet_seconds - delay_seconds).max(0.0);
        Some(Rectangle::new([(start, 0.0), (start + packet_seconds, 1.0)], colour.filled()))
    });
    chart.draw_series(bars)?;
    Ok(())
}
