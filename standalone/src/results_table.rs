//! A batch's results: one row per file, in corpus order, written whole as CSV (for
//! spreadsheets) and JSON lines (for scripts); shards' tables concatenate into the table one
//! run over the whole corpus writes.

use std::path::Path;

use serde::{Deserialize, Serialize};

use roundtrip_engine::{Choice, LossModel, Settings};

use crate::augment::Drawn;
use crate::error::{AppError, Result};
use crate::stats::RenderStats;

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    /// The file's path in the corpus, `/`-separated.
    pub path: String,
    /// `ok`, or `error` with the reason in `error`.
    pub status: String,
    pub error: Option<String>,
    /// The settings drawn, and the seed that drew them and the loss pattern.
    pub seed: u64,
    pub bitrate_bps: i32,
    pub frame_ms: f32,
    pub loss_percent: f32,
    /// `random`, `bursty` or `realistic`.
    pub loss_model: String,
    /// Empty unless the loss is bursty.
    pub mean_burst_packets: Option<f32>,
    pub dred_ms: u16,
    /// The fixed settings (from the flags, or the file's manifest row).
    pub application: String,
    pub fec: bool,
    /// Empty when the encoder is told each file's loss.
    pub expect_loss_percent: Option<u8>,
    pub complexity: u8,
    pub decoder_complexity: u8,
    /// The network's delays and the receiver's wait.
    pub mean_jitter_ms: f32,
    pub spike_percent: f32,
    pub spike_ms: f32,
    pub playout_ms: u16,
    /// `fixed`, or `adaptive` with its bounds (empty for the fixed receiver).
    pub receiver: String,
    pub adaptive_min_ms: Option<u16>,
    pub adaptive_max_ms: Option<u16>,
    /// The settings every file of the batch takes as the flags give them: the bandwidth limit
    /// (`auto` when none), rate control, DTX, mono coding and output gain.
    pub bandwidth: String,
    pub rate_control: String,
    pub dtx: bool,
    pub force_mono: bool,
    pub gain_db: f32,
    /// What the render measured (empty on error).
    pub seconds: Option<f64>,
    /// The file's own rate and channels (the output has the same).
    pub sample_rate_hz: Option<u32>,
    pub channels: Option<usize>,
    pub actual_bitrate_bps: Option<f64>,
    pub packets_sent: Option<u64>,
    pub packets_lost: Option<u64>,
    pub packets_late: Option<u64>,
    pub recovered_fec: Option<u64>,
    pub recovered_dred: Option<u64>,
    pub concealed: Option<u64>,
    /// The adaptive receiver's time-stretches (faster and slower together) and the audio they
    /// removed and added, ms (empty for the fixed receiver).
    pub stretch_events: Option<u64>,
    pub stretch_removed_ms: Option<f64>,
    pub stretch_added_ms: Option<f64>,
    pub latency_samples: Option<usize>,
    /// The coding mode (`silk`, `hybrid`, `celt`) and audio bandwidth (`nb` to `fb`) libopus
    /// chose for the most packets, and their shares of the packets in percent (empty when the
    /// stats reused predate the counts).
    pub coded_mode: Option<String>,
    pub coded_mode_percent: Option<f64>,
    pub coded_bandwidth: Option<String>,
    pub coded_bandwidth_percent: Option<f64>,
    /// The perceptual score (ViSQOL v3's MOS-LQO, 1 to 5) and its mode, `speech` or `audio`
    /// (the score is empty for a file too short or too quiet to score).
    pub quality_mode: Option<String>,
    pub mos_lqo: Option<f64>,
    /// Where the change is audible (PEAQ's ear model): the share of frames with a band over its
    /// mask by 1.5 dB, and the total noise-to-mask ratio in dB.
    pub audible_frames_percent: Option<f64>,
    pub nmr_total_db: Option<f64>,
    /// Waveform and spectral SNR in dB (empty for a silent input).
    pub snr_db: Option<f64>,
    pub spectral_snr_db: Option<f64>,
    /// The decoded audio's true peak in dBTP, and its samples beyond full scale.
    pub decoded_true_peak_dbtp: Option<f64>,
    pub decoded_overs: Option<u64>,
    /// The render's warnings (as its summary prints them), separated by ` | `; empty when none.
    pub warnings: Option<String>,
}

/// Between two warnings in the `warnings` field (no warning holds it).
const WARNING_SEPARATOR: &str = " | ";

impl ResultRow {
    /// The CSV header: the fields, in order (a test checks them against serde's).
    pub const FIELDS: [&str; 54] = [
        "path",
        "status",
        "error",
        "seed",
        "bitrate_bps",
        "frame_ms",
        "loss_percent",
        "loss_model",
        "mean_burst_packets",
        "dred_ms",
        "application",
        "fec",
        "expect_loss_percent",
        "complexity",
        "decoder_complexity",
        "mean_jitter_ms",
        "spike_percent",
        "spike_ms",
        "playout_ms",
        "receiver",
        "adaptive_min_ms",
        "adaptive_max_ms",
        "bandwidth",
        "rate_control",
        "dtx",
        "force_mono",
        "gain_db",
        "seconds",
        "sample_rate_hz",
        "channels",
        "actual_bitrate_bps",
        "packets_sent",
        "packets_lost",
        "packets_late",
        "recovered_fec",
        "recovered_dred",
        "concealed",
        "stretch_events",
        "stretch_removed_ms",
        "stretch_added_ms",
        "latency_samples",
        "coded_mode",
        "coded_mode_percent",
        "coded_bandwidth",
        "coded_bandwidth_percent",
        "quality_mode",
        "mos_lqo",
        "audible_frames_percent",
        "nmr_total_db",
        "snr_db",
        "spectral_snr_db",
        "decoded_true_peak_dbtp",
        "decoded_overs",
        "warnings",
    ];

    /// The row of a file rendered (now or by an earlier run) with these stats.
    pub fn rendered(path: &str, drawn: &Drawn, settings: &Settings, stats: &RenderStats) -> Self {
        let quality = stats.quality.as_ref();
        let aligned = quality.filter(|_| stats.stretch_events() == 0);
        let peaks = quality.and_then(|quality| quality.peaks.as_ref());
        let coded = stats.coded.map(|coded| coded.counts());
        let main_mode = coded.and_then(|coded| coded.main_mode());
        let main_bandwidth = coded.and_then(|coded| coded.main_bandwidth());
        Self {
            seconds: Some(stats.frames as f64 / f64::from(stats.sample_rate_hz)),
            sample_rate_hz: Some(stats.sample_rate_hz),
            channels: Some(stats.channels),
            actual_bitrate_bps: Some(stats.bitrate_bps),
            packets_sent: Some(stats.packets_sent),
            packets_lost: Some(stats.packets_lost),
            packets_late: Some(stats.packets_late),
            recovered_fec: Some(stats.recovered_fec),
            recovered_dred: Some(stats.recovered_dred),
            concealed: Some(stats.concealed),
            stretch_events: stats.time_stretch.map(|stretch| stretch.accelerations + stretch.expansions),
            stretch_removed_ms: stats.time_stretch.map(|stretch| stretch.removed_ms),
            stretch_added_ms: stats.time_stretch.map(|stretch| stretch.added_ms),
            latency_samples: Some(stats.latency_samples),
            coded_mode: main_mode.map(|(mode, _)| mode.key().to_owned()),
            coded_mode_percent: main_mode.map(|(_, percent)| round_percent(percent)),
            coded_bandwidth: main_bandwidth.map(|(bandwidth, _)| Some(bandwidth).key().to_owned()),
            coded_bandwidth_percent: main_bandwidth.map(|(_, percent)| round_percent(percent)),
            quality_mode: stats.perceptual.as_ref().map(|perceptual| perceptual.mode.clone()),
            mos_lqo: stats.perceptual.as_ref().and_then(|perceptual| perceptual.mos_lqo),
            audible_frames_percent: stats
                .audibility
                .as_ref()
                .map(|audible| round_percent(audible.disturbed_frames_percent)),
            nmr_total_db: stats.audibility.as_ref().map(|audible| audible.nmr_total_db),
            // Not when an adaptive receiver stretched time: the decode no longer lines up.
            snr_db: aligned.map(|quality| quality.snr_db).filter(|db| db.is_finite()),
            spectral_snr_db: aligned.map(|quality| quality.spectral_snr_db).filter(|db| db.is_finite()),
            decoded_true_peak_dbtp: peaks.map(|peaks| peaks.decoded_true_peak_dbtp).filter(|db| db.is_finite()),
            decoded_overs: peaks.map(|peaks| peaks.decoded_overs),
            warnings: (!stats.warnings.is_empty()).then(|| stats.warnings.join(WARNING_SEPARATOR)),
            ..Self::settings(path, drawn, settings)
        }
    }

    /// The row of a file that could not be rendered, and why.
    pub fn failed(path: &str, drawn: &Drawn, settings: &Settings, error: String) -> Self {
        Self { status: "error".to_owned(), error: Some(error), ..Self::settings(path, drawn, settings) }
    }

    /// A row with the file's settings and nothing measured.
    fn settings(path: &str, drawn: &Drawn, settings: &Settings) -> Self {
        Self {
            path: path.to_owned(),
            status: "ok".to_owned(),
            error: None,
            seed: drawn.seed,
            bitrate_bps: drawn.bitrate_bps,
            frame_ms: drawn.frame.millis().unwrap_or(20.0),
            loss_percent: drawn.loss_percent,
            loss_model: settings.loss.model.key().to_owned(),
            // Bursty loss without a burst drawn has the usual mean burst.
            mean_burst_packets: (settings.loss.model == LossModel::GilbertElliott)
                .then_some(settings.loss.mean_burst_packets),
            dred_ms: drawn.dred_ms,
            application: settings.application.key().to_owned(),
            fec: settings.fec,
            expect_loss_percent: settings.expected_loss_percent,
            complexity: settings.complexity,
            decoder_complexity: settings.decoder_complexity,
            mean_jitter_ms: settings.jitter.mean_jitter_ms,
            spike_percent: settings.jitter.spike_percent,
            spike_ms: settings.jitter.spike_ms,
            playout_ms: settings.jitter.playout_ms,
            receiver: settings.jitter.receiver.key().to_owned(),
            adaptive_min_ms: settings.jitter.receiver.bounds_ms().map(|(min_ms, _)| min_ms),
            adaptive_max_ms: settings.jitter.receiver.bounds_ms().map(|(_, max_ms)| max_ms),
            bandwidth: settings.bandwidth.key().to_owned(),
            rate_control: settings.rate_control.key().to_owned(),
            dtx: settings.dtx,
            force_mono: settings.force_mono,
            gain_db: settings.output_gain_db,
            seconds: None,
            sample_rate_hz: None,
            channels: None,
            actual_bitrate_bps: None,
            packets_sent: None,
            packets_lost: None,
            packets_late: None,
            recovered_fec: None,
            recovered_dred: None,
            concealed: None,
            stretch_events: None,
            stretch_removed_ms: None,
            stretch_added_ms: None,
            latency_samples: None,
            coded_mode: None,
            coded_mode_percent: None,
            coded_bandwidth: None,
            coded_bandwidth_percent: None,
            quality_mode: None,
            mos_lqo: None,
            audible_frames_percent: None,
            nmr_total_db: None,
            snr_db: None,
            spectral_snr_db: None,
            decoded_true_peak_dbtp: None,
            decoded_overs: None,
            warnings: None,
        }
    }

    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }
}

/// A share to 0.1 %, which is all a table needs (and what reads back the same from CSV).
fn round_percent(percent: f64) -> f64 {
    (percent * 10.0).round() / 10.0
}

/// Writes `rows` to `csv` and `jsonl`, each whole or not at all. The CSV has its header even
/// with no rows (an empty shard), so that every shard's table merges the same way.
pub fn write(rows: &[ResultRow], csv: &Path, jsonl: &Path) -> Result<()> {
    let mut table = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    table.write_record(ResultRow::FIELDS).map_err(|error| AppError::output(csv, error))?;
    for row in rows {
        table.serialize(row).map_err(|error| AppError::output(csv, error))?;
    }
    let table = table.into_inner().map_err(|error| AppError::output(csv, error))?;
    crate::output_file::write_all(csv, &table)?;
    let mut lines = Vec::new();
    for row in rows {
        serde_json::to_writer(&mut lines, row).map_err(|error| AppError::output(jsonl, error))?;
        lines.push(b'\n');
    }
    crate::output_file::write_all(jsonl, &lines)
}

#[cfg(test)]
mod tests {
    use roundtrip_codec::FrameDuration;

    use super::*;

    #[test]
    fn rows_read_back_from_both_tables() {
        let drawn = Drawn {
            seed: 3,
            bitrate_bps: 24_000,
            frame: FrameDuration::Ms10,
            loss_percent: 7.5,
            mean_burst_packets: None,
            dred_ms: 100,
        };
        let rows = [
            ResultRow::failed("a, \"quoted\".wav", &drawn, &Settings::default(), "not a WAV file".into()),
            ResultRow {
                snr_db: Some(21.5),
                coded_mode: Some("hybrid".into()),
                coded_mode_percent: Some(97.3),
                coded_bandwidth: Some("swb".into()),
                coded_bandwidth_percent: Some(100.0),
                quality_mode: Some("speech".into()),
                mos_lqo: Some(3.4213),
                seconds: Some(1.0),
                sample_rate_hz: Some(44_100),
                channels: Some(2),
                warnings: Some("DRED is on, but the encoder sends none: x, y; z. | another".into()),
                ..ResultRow::settings(
                    "b.wav",
                    &drawn,
                    &Settings { expected_loss_percent: Some(5), ..Settings::default() },
                )
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        let (csv_path, jsonl_path) = (dir.path().join("r.csv"), dir.path().join("r.jsonl"));
        write(&rows, &csv_path, &jsonl_path).unwrap();
        let from_csv: Vec<ResultRow> =
            csv::Reader::from_path(&csv_path).unwrap().deserialize().collect::<Result<_, _>>().unwrap();
        assert_eq!(from_csv, rows);
        let text = std::fs::read_to_string(&jsonl_path).unwrap();
        let from_jsonl: Vec<ResultRow> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert_eq!(from_jsonl, rows);
        assert!(rows[1].is_ok() && !rows[0].is_ok());
        // The header written is serde's, and an empty table still has it.
        let mut by_serde = csv::Writer::from_writer(Vec::new());
        by_serde.serialize(&rows[1]).unwrap();
        let by_serde = String::from_utf8(by_serde.into_inner().unwrap()).unwrap();
        assert_eq!(by_serde.lines().next(), Some(ResultRow::FIELDS.join(",").as_str()));
        write(&[], &csv_path, &jsonl_path).unwrap();
        assert_eq!(std::fs::read_to_string(&csv_path).unwrap().trim_end(), ResultRow::FIELDS.join(","));
    }
}
