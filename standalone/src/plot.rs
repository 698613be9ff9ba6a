//! The report's picture (plotters, into a PNG): spectrograms of the input, the decoded audio and
//! their difference on one time axis, the level change per band, where the change is audible
//! (noise-to-mask ratio per critical band), the loss pattern under them, and when the network delayed
//! packets, every packet's delay against the receiver's deadline, so that a person sees where
//! the codec and the network hurt.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::audibility::AudibilityMap;
use crate::error::{AppError, Result};
use roundtrip_signal::bands::{BandMap, short_label};

use crate::spectrogram::{FLOOR_DB, Spectrogram, colour};
use crate::stats::{NetworkDelays, RenderStats, fate_char};

const WIDTH: u32 = 1400;
const HEIGHT: u32 = 1230;
/// The band-difference panel's height, between the spectrograms and the losses.
const BANDS_PLOT_HEIGHT: u32 = 190;
/// The band differences' colour range, dB: the decoded audio quieter (blue) or louder (red).
const BAND_DIFFERENCE_RANGE_DB: (f32, f32) = (-24.0, 12.0);
/// The noise-to-mask panel's height, and its colour scale: well masked to clearly audible.
const AUDIBILITY_PLOT_HEIGHT: u32 = 190;
const NMR_RANGE_DB: (f32, f32) = (-30.0, 20.0);
/// The delay plot's height, added below the losses when the network delayed packets.
const DELAY_PLOT_HEIGHT: u32 = 220;
/// The header's height: the title and two lines of figures.
const HEADER_HEIGHT: u32 = 100;
pub(crate) const FONT: &str = "sans-serif";
/// Right margin of every chart: room for the dB colour scale, and the same for all so that their
/// time axes line up.
const RIGHT_MARGIN: u32 = 90;
/// Left margin and label area of every chart.
const LEFT_MARGIN: u32 = 10;
const Y_LABEL_AREA: u32 = 56;
/// The spectrograms' width in pixels: a render computes this many columns, one per pixel.
pub const SPECTROGRAM_COLUMNS: usize = (WIDTH - LEFT_MARGIN - Y_LABEL_AREA - RIGHT_MARGIN) as usize;
/// The colour scale's labels, dBFS.
const SCALE_TICKS_DB: [f32; 5] = [0.0, -30.0, -60.0, -90.0, FLOOR_DB];

/// plotters draws text with a font registered by name; we embed one (egui's Ubuntu Light) so
/// that no system font lookup is needed.
pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font shipped with egui; failing here would only lose text.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, epaint_default_fonts::UBUNTU_LIGHT);
    });
}

/// Draws the report of `stats` with the spectrograms of the input, the decoded audio and their
/// difference into `path` (a PNG), whole or not at all.
pub fn draw_report(
    path: &Path,
    stats: &RenderStats,
    spectrograms: &[Spectrogram; 3],
    audibility: Option<&AudibilityMap>,
) -> Result<()> {
    register_font();
    let height = HEIGHT
        + if stats.network_delays.is_some() { DELAY_PLOT_HEIGHT } else { 0 }
        + if audibility.is_some() { AUDIBILITY_PLOT_HEIGHT } else { 0 };
    let mut pixels = vec![0u8; (WIDTH * height * 3) as usize];
    draw(&mut pixels, height, stats, spectrograms, audibility).map_err(|err| AppError::output(path, err))?;
    write_png(path, WIDTH, height, &pixels)
}

/// Writes RGB `pixels` of `width` × `height` into `path` as a PNG, whole or not at all.
pub(crate) fn write_png(path: &Path, width: u32, height: u32, pixels: &[u8]) -> Result<()> {
    let mut file = crate::output_file::OutputFile::create(path)?;
    {
        let mut encoder = png::Encoder::new(file.writer(), width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|err| AppError::output(path, err))?;
        writer.write_image_data(pixels).map_err(|err| AppError::output(path, err))?;
        writer.finish().map_err(|err| AppError::output(path, err))?;
    }
    file.commit()
}

type Error = Box<dyn std::error::Error>;

fn draw(
    pixels: &mut [u8],
    height: u32,
    stats: &RenderStats,
    spectrograms: &[Spectrogram; 3],
    audibility: Option<&AudibilityMap>,
) -> Result<(), Error> {
    let root = BitMapBackend::with_buffer(pixels, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (header, body) = root.split_vertically(HEADER_HEIGHT);
    let title = format!("Opus Roundtrip — {}", stats.description);
    header.draw_text(&title, &(FONT, 22).into_font().color(&BLACK), (16, 10))?;
    let lost_percent =
        if stats.packets_sent == 0 { 0.0 } else { 100.0 * stats.packets_lost as f64 / stats.packets_sent as f64 };
    let peak = match stats.quality.and_then(|quality| quality.peaks) {
        Some(peaks) if peaks.decoded_true_peak_dbtp.is_finite() => {
            format!(" · decoded peak {:+.1} dBTP, {} overs", peaks.decoded_true_peak_dbtp, peaks.decoded_overs)
        }
        _ => String::new(),
    };
    let snr = match &stats.quality {
        Some(_) if stats.stretch_events() > 0 => {
            format!("SNR not comparable (the adaptive receiver stretched time){peak}")
        }
        Some(quality) if quality.input_rms_dbfs.is_finite() => format!(
            "SNR {:.1} dB (spectral {:.1} dB) · difference {:.1} dBFS{peak}",
            quality.snr_db, quality.spectral_snr_db, quality.difference_rms_dbfs
        ),
        Some(_) => "silent input".to_owned(),
        None => "quality not measured".to_owned(),
    };
    let late = if stats.packets_late > 0 { format!(", {} late", stats.packets_late) } else { String::new() };
    let line = format!(
        "{:.1} kbps actual · {} packets, {} lost ({lost_percent:.1} %){late}: {} FEC, {} DRED, {} concealed · latency {} samples",
        stats.bitrate_bps / 1000.0,
        stats.packets_sent,
        stats.packets_lost,
        stats.recovered_fec,
        stats.recovered_dred,
        stats.concealed,
        stats.latency_samples,
    );
    let figures = (FONT, 16).into_font().color(&RGBColor(60, 60, 60));
    header.draw_text(&line, &figures, (16, 44))?;
    // The mode and bandwidth libopus chose, beside the quality they explain.
    let coded = match stats.coded.map(|coded| coded.counts()).filter(|coded| coded.packets() > 0) {
        Some(coded) => format!("coded {coded} · "),
        None => String::new(),
    };
    // The perceptual score leads: it ranks settings as listeners would, where SNR may not.
    let score = match &stats.perceptual {
        Some(perceptual) => match perceptual.mos_lqo {
            Some(mos) => format!(
                "MOS-LQO {mos:.2}, {} ({} {}) · ",
                roundtrip_quality::mapping::opinion(mos),
                crate::perceptual::METRIC,
                perceptual.mode
            ),
            None => "no perceptual score · ".to_owned(),
        },
        None => String::new(),
    };
    header.draw_text(&format!("{score}{coded}{snr}"), &figures, (16, 70))?;

    let audibility_height = if audibility.is_some() { AUDIBILITY_PLOT_HEIGHT } else { 0 };
    let (body, delays) = body.split_vertically(HEIGHT - HEADER_HEIGHT + audibility_height);
    let (spectra, below) = body.split_vertically(HEIGHT - HEADER_HEIGHT - 150 - BANDS_PLOT_HEIGHT);
    let (bands, below) = below.split_vertically(BANDS_PLOT_HEIGHT);
    let (audible, losses) = below.split_vertically(audibility_height);
    let panels = spectra.split_evenly((3, 1));
    let seconds = (stats.frames as f64 / f64::from(stats.sample_rate_hz.max(1))).max(1e-3);
    let names = ["Input", "Decoded", "Difference (input − decoded)"];
    for ((panel, name), spectrogram) in panels.iter().zip(names).zip(spectrograms) {
        draw_spectrogram(panel, name, spectrogram, stats.sample_rate_hz, seconds)?;
    }
    draw_colour_scale(&spectra)?;
    draw_band_differences(&bands, &spectrograms[0], &spectrograms[1], stats.sample_rate_hz, seconds)?;
    if let Some(map) = audibility {
        draw_audibility(&audible, map, seconds)?;
    }
    draw_losses(&losses, stats, seconds)?;
    if let Some(network) = &stats.network_delays {
        draw_delays(&delays, stats, network, seconds)?;
    }
    root.present()?;
    Ok(())
}

/// A chart on the report's one time axis: `caption` above, seconds along the bottom, `y` up the
/// side, labelled `y_desc` (no axis without one); the same margins for all, so that their time
/// axes line up.
fn time_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: &str,
    seconds: f64,
    y: std::ops::Range<f64>,
    y_desc: Option<&str>,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, Error>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 18))
        .margin_left(LEFT_MARGIN)
        .margin_right(RIGHT_MARGIN)
        .margin_bottom(8)
        .x_label_area_size(40)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(0.0..seconds, y)?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh().x_desc("time (s)").label_style((FONT, 13)).axis_desc_style((FONT, 14));
    match y_desc {
        Some(description) => mesh.y_desc(description),
        None => mesh.disable_y_axis(),
    };
    mesh.draw()?;
    Ok(chart)
}

fn draw_spectrogram<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    name: &str,
    spectrogram: &Spectrogram,
    sample_rate_hz: u32,
    seconds: f64,
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let nyquist_khz = f64::from(sample_rate_hz) / 2000.0;
    let chart = time_chart(area, name, seconds, 0.0..nyquist_khz, Some("kHz"))?;
    let plot = chart.plotting_area().strip_coord_spec();
    let (width, height) = plot.dim_in_pixel();
    for x in 0..width {
        // The spectrogram's columns spread over the plot's width.
        let column = x as usize * spectrogram.columns / width.max(1) as usize;
        for y in 0..height {
            let bin = ((height - 1 - y) as usize * (spectrogram.bins - 1)) / (height.max(2) - 1) as usize;
            let (r, g, b) = colour(spectrogram.level_db(column, bin));
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
    let caption = "Lost or late packets, the worst in each pixel column: concealed (red), rebuilt by DRED (green), \
                   by FEC (blue); below, the share lost (grey)";
    let chart = time_chart(area, caption, seconds, 0.0..1.0, None)?;
    // One column per pixel, so that no loss is thinner than a pixel and vanishes: the column's
    // worst fate on top, the share of its packets lost below.
    let plot = chart.plotting_area().strip_coord_spec();
    let (width, height) = plot.dim_in_pixel();
    let (lane, strip) = (height * 55 / 100, height * 40 / 100);
    let fates: Vec<char> = stats.fates.chars().collect();
    let timing = (f64::from(stats.frame_ms) / 1000.0, stats.packet_delay_ms / 1000.0);
    for (x, column) in loss_columns(&fates, timing, seconds, width as usize).into_iter().enumerate() {
        let x = x as i32;
        let colour = match column.worst {
            None => {
                plot.draw_pixel((x, (lane / 2) as i32), &RGBColor(200, 200, 200))?;
                continue;
            }
            Some(fate_char::CONCEALED) => RGBColor(215, 40, 40),
            Some(fate_char::DRED) => RGBColor(30, 160, 70),
            Some(_) => RGBColor(40, 90, 220),
        };
        plot.draw(&PathElement::new([(x, 0), (x, lane as i32)], colour))?;
        let share = (column.lost_share * f64::from(strip)).ceil() as i32;
        plot.draw(&PathElement::new([(x, height as i32 - share), (x, height as i32)], RGBColor(90, 90, 90)))?;
    }
    Ok(())
}

/// The decoded audio's level against the input's per third-octave band over time: phase-blind,
/// so it shows what the codec and the network changed in each band (the band limit, holes, noise,
/// concealment) where the waveform difference is mostly phase.
fn draw_band_differences<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    input: &Spectrogram,
    decoded: &Spectrogram,
    sample_rate_hz: u32,
    seconds: f64,
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let bin_hz = sample_rate_hz as f32 / 2.0 / (input.bins.max(2) - 1) as f32;
    let map = BandMap::new(input.bins, bin_hz);
    let top_khz = if map.is_empty() { 1.0 } else { f64::from(map.centre_hz(map.len() - 1)) / 1000.0 };
    let (low, high) = BAND_DIFFERENCE_RANGE_DB;
    let caption = format!(
        "Decoded − input per third-octave band: blue quieter (to {low} dB), red louder (to +{high} dB), dark where \
         the input has nothing"
    );
    let chart = time_chart(area, &caption, seconds, 0.0..top_khz, None)?;
    let plot = chart.plotting_area().strip_coord_spec();
    let (width, height) = plot.dim_in_pixel();
    if map.is_empty() || width == 0 || height == 0 {
        return Ok(());
    }
    let column_db = |spectrogram: &Spectrogram, column: usize| -> Vec<f32> {
        (0..spectrogram.bins).map(|bin| spectrogram.level_db(column, bin)).collect()
    };
    let mut differences = vec![0.0f32; map.len()];
    for x in 0..width {
        let column = x as usize * input.columns / width as usize;
        map.difference_db(&column_db(input, column), &column_db(decoded, column), FLOOR_DB, &mut differences);
        for y in 0..height {
            // Bands stacked evenly from the lowest (bottom) to the highest (top): a log axis.
            let band = ((height - 1 - y) as usize * map.len()) / height as usize;
            plot.draw_pixel((x as i32, y as i32), &band_colour(differences[band]))?;
        }
    }
    // The bands' labels, on the left, every few bands.
    let centres: Vec<f64> = (0..map.len()).map(|band| f64::from(map.centre_hz(band))).collect();
    draw_band_labels(area, height, &centres, 3)
}

/// Every `step`th of the `centres_hz` of bands stacked evenly up a plot `height` pixels high, on
/// the left of `area`.
fn draw_band_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    height: u32,
    centres_hz: &[f64],
    step: usize,
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let bands = centres_hz.len();
    for (band, &hz) in centres_hz.iter().enumerate().step_by(step) {
        let y = height as i32 - 1 - ((band as f32 + 0.5) * height as f32 / bands as f32) as i32;
        area.draw_text(&short_label(hz), &(FONT, 12).into_font().color(&RGBColor(60, 60, 60)), (24, y + 22))?;
    }
    Ok(())
}

/// The noise-to-mask ratio per critical band over time: where listeners would hear the change.
fn draw_audibility<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    map: &AudibilityMap,
    seconds: f64,
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let bands = map.band_centres_hz.len();
    let top_khz = map.band_centres_hz.last().map_or(1.0, |hz| hz / 1000.0);
    let (low, high) = NMR_RANGE_DB;
    let caption = format!(
        "Audible change: noise-to-mask ratio per critical band (PEAQ's ear model): red above the mask, to +{high} dB; \
         grey to dark, masked, to {low} dB"
    );
    let chart = time_chart(area, &caption, seconds, 0.0..top_khz, None)?;
    let plot = chart.plotting_area().strip_coord_spec();
    let (width, height) = plot.dim_in_pixel();
    if bands == 0 || width == 0 || height == 0 {
        return Ok(());
    }
    for x in 0..width {
        let column = x as usize * map.columns / width as usize;
        for y in 0..height {
            // Critical bands stacked evenly: a Bark axis.
            let band = ((height - 1 - y) as usize * bands) / height as usize;
            plot.draw_pixel((x as i32, y as i32), &nmr_colour(map.nmr_db(column, band)))?;
        }
    }
    draw_band_labels(area, height, &map.band_centres_hz, 12)
}

/// An NMR's colour: masked from dark (well under the mask) to light grey (at it), audible from
/// yellow (just over) to red; a column with no frame is the background.
fn nmr_colour(db: f32) -> RGBColor {
    if db.is_nan() {
        return RGBColor(255, 255, 255);
    }
    let (low, high) = NMR_RANGE_DB;
    if db <= 0.0 {
        let t = 1.0 - (db / low).min(1.0);
        let level = 30.0 + 185.0 * t;
        RGBColor(level as u8, level as u8, (level + 15.0).min(255.0) as u8)
    } else {
        let t = (db / high).min(1.0);
        RGBColor(255, (230.0 * (1.0 - t)) as u8, (60.0 * (1.0 - t)) as u8)
    }
}

/// A band difference's colour: grey at 0 dB, to blue (quieter) or red (louder); dark for none.
fn band_colour(db: f32) -> RGBColor {
    if db.is_nan() {
        return RGBColor(35, 35, 40);
    }
    let (low, high) = BAND_DIFFERENCE_RANGE_DB;
    let grey = 225.0;
    if db < 0.0 {
        let t = (db / low).min(1.0);
        RGBColor((grey * (1.0 - t)) as u8, (grey * (1.0 - 0.8 * t)) as u8, (grey + (255.0 - grey) * t) as u8)
    } else {
        let t = (db / high).min(1.0);
        RGBColor((grey + (255.0 - grey) * t) as u8, (grey * (1.0 - 0.85 * t)) as u8, (grey * (1.0 - 0.85 * t)) as u8)
    }
}

/// Every packet's network delay at its time (late ones red, those in time grey) under the
/// receiver's deadline (a dashed line), on the spectrograms' time axis.
fn draw_delays<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    stats: &RenderStats,
    network: &NetworkDelays,
    seconds: f64,
) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let (frame_s, lag_s) = (f64::from(stats.frame_ms) / 1000.0, stats.packet_delay_ms / 1000.0);
    // Packet k is due when the receiver's delay has passed since its sending: the fixed
    // deadline, or the adaptive receiver's delay when it played k (about its delay later).
    let receiver = network.receiver_delay_ms.as_deref().filter(|delays| !delays.is_empty());
    let receiver_largest = receiver.unwrap_or_default().iter().fold(0.0f64, |a, &b| a.max(b));
    let largest = network.delays_ms.iter().flatten().fold(network.deadline_ms.max(receiver_largest), |a, &b| a.max(b));
    // Room above the deadline, so that a line at the top is not mistaken for the frame.
    let top = (largest * 1.1).max(1.0);
    let deadline_of = |index: usize| match receiver {
        None => network.deadline_ms,
        Some(delays) => {
            let due = index + (delays[index.min(delays.len() - 1)] / f64::from(stats.frame_ms)).round() as usize;
            delays[due.min(delays.len() - 1)]
        }
    };
    let packets = network.delays_ms.iter().enumerate().filter_map(|(index, delay)| Some((index, (*delay)?)));
    let (in_time, late): (Vec<_>, Vec<_>) = packets
        .map(|(index, delay)| (index, (index as f64 * frame_s - lag_s).max(0.0), delay))
        .partition(|&(index, _, delay)| delay <= deadline_of(index));
    let caption = match receiver {
        None => format!(
            "Network delay of each packet (ms): {} later than the receiver's {} ms deadline (red)",
            late.len(),
            network.deadline_ms
        ),
        Some(_) => format!(
            "Network delay of each packet (ms): {} later than the adaptive receiver's delay (blue; its target dashed green)",
            late.len()
        ),
    };
    let mut chart = time_chart(area, &caption, seconds, 0.0..top, Some("ms"))?;
    let point = |&(_, time, delay): &(usize, f64, f64)| (time, delay);
    chart.draw_series(in_time.iter().map(|p| Pixel::new(point(p), RGBColor(70, 70, 70))))?;
    chart.draw_series(late.iter().map(|p| Circle::new(point(p), 2, RGBColor(215, 40, 40).filled())))?;
    let blue = RGBColor(30, 90, 200).stroke_width(2);
    match (receiver, network.receiver_target_ms.as_deref()) {
        (Some(delays), targets) => {
            let at = |index: usize| (index as f64 * frame_s - lag_s).max(0.0);
            chart.draw_series(LineSeries::new(
                delays.iter().enumerate().map(|(index, &delay)| (at(index), delay)),
                blue,
            ))?;
            if let Some(targets) = targets {
                let targets = targets.iter().enumerate().map(|(index, &target)| (at(index), target));
                chart.draw_series(DashedLineSeries::new(targets, 6, 4, RGBColor(40, 150, 70).stroke_width(2)))?;
            }
        }
        (None, _) => {
            chart.draw_series(DashedLineSeries::new(
                [(0.0, network.deadline_ms), (seconds, network.deadline_ms)],
                6,
                4,
                blue,
            ))?;
        }
    }
    Ok(())
}

/// What one pixel column of the loss lane shows.
#[derive(Debug, Clone, Copy, PartialEq)]
struct LossColumn {
    /// The worst fate of the packets it covers (concealed, then DRED, then FEC), if any was lost.
    worst: Option<char>,
    /// The share of those packets lost.
    lost_share: f64,
}

/// The loss lane's `width` columns over `seconds`, for packets of `packet_seconds` that lag the
/// input by `delay_seconds`: each column covers every packet that overlaps its time span, so no
/// loss is too short to show.
fn loss_columns(
    fates: &[char],
    (packet_seconds, delay_seconds): (f64, f64),
    seconds: f64,
    width: usize,
) -> Vec<LossColumn> {
    let time = |x: usize| x as f64 * seconds / width.max(1) as f64;
    (0..width)
        .map(|x| {
            // Packet k covers the input from k × packet − delay. (A stats file edited to a frame of
            // 0 ms gives no packets rather than a division by zero.)
            let packet_of = |seconds: f64| ((seconds + delay_seconds) / packet_seconds).max(0.0);
            let first = (packet_of(time(x)).floor() as usize).min(fates.len());
            let end = (packet_of(time(x + 1)).ceil() as usize).clamp(first.saturating_add(1), fates.len().max(first));
            let packets = if packet_seconds > 0.0 { &fates[first..end.min(fates.len())] } else { &[] };
            let lost = packets.iter().filter(|&&fate| fate != fate_char::DECODED).count();
            let worst =
                [fate_char::CONCEALED, fate_char::DRED, fate_char::FEC].into_iter().find(|fate| packets.contains(fate));
            LossColumn { worst, lost_share: lost as f64 / packets.len().max(1) as f64 }
        })
        .collect()
}

/// The spectrograms' dB scale: a vertical colour bar in the charts' right margin.
fn draw_colour_scale<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Result<(), Error>
where
    DB::ErrorType: 'static,
{
    let (width, height) = area.dim_in_pixel();
    let (left, top, bar_width) = (width as i32 - RIGHT_MARGIN as i32 + 12, 40, 14);
    let bar_height = height as i32 - 2 * top;
    let y_of = |db: f32| top + ((db / FLOOR_DB) * bar_height as f32).round() as i32;
    for y in 0..=bar_height {
        let db = FLOOR_DB * y as f32 / bar_height as f32;
        let (r, g, b) = colour(db);
        area.draw(&PathElement::new([(left, top + y), (left + bar_width, top + y)], RGBColor(r, g, b)))?;
    }
    let style = (FONT, 13).into_font().color(&BLACK);
    for db in SCALE_TICKS_DB {
        area.draw_text(&format!("{db:.0}"), &style, (left + bar_width + 4, y_of(db) - 6))?;
    }
    area.draw_text("dBFS", &style, (left - 2, top - 20))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_loss_shows_however_short_and_the_worst_fate_wins() {
        // Ten minutes of 20 ms packets on 1,244 columns: about 24 packets a column.
        let mut fates = vec![fate_char::DECODED; 30_000];
        let losses = [(123, fate_char::CONCEALED), (2_420, fate_char::FEC), (29_999, fate_char::DRED)];
        for (index, fate) in losses {
            fates[index] = fate;
        }
        // Packets 2,420 and 2,421 (48.39 to 48.43 s) lie inside one column (48.23 to 48.71 s).
        fates[2_421] = fate_char::DRED;
        let columns = loss_columns(&fates, (0.02, 0.0065), 600.0, SPECTROGRAM_COLUMNS);
        assert_eq!(columns.len(), SPECTROGRAM_COLUMNS);
        let shown: Vec<Option<char>> = columns.iter().map(|column| column.worst).filter(Option::is_some).collect();
        assert_eq!(shown, [Some(fate_char::CONCEALED), Some(fate_char::DRED), Some(fate_char::DRED)]);
        for column in columns.iter().filter(|column| column.worst.is_some()) {
            assert!(column.lost_share > 0.0 && column.lost_share < 0.2, "{column:?}");
        }
        // A column of nothing but losses is all lost.
        let all_lost = loss_columns(&[fate_char::CONCEALED; 10], (0.02, 0.0), 0.2, 2);
        assert!(all_lost.iter().all(|column| column.lost_share == 1.0 && column.worst == Some(fate_char::CONCEALED)));
    }
}
