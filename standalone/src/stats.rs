//! What a render measured, kept beside its output as JSON (`OUT.stats.json`) so that `report`
//! can summarise and draw it later, and printed as a summary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use roundtrip_codec::Application;
use roundtrip_engine::{LossModel, PacketFate, Settings};
use roundtrip_signal::measure;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, InputProblem, Result};
use crate::render::Rendered;
use crate::wav::Audio;

/// The version of the JSON layout; a file of another version is refused with a clear message.
const STATS_VERSION: u32 = 1;

/// One character per packet played out, in order (the loss pattern).
pub mod fate_char {
    /// Arrived and decoded.
    pub const DECODED: char = '.';
    /// Lost, rebuilt from in-band FEC.
    pub const FEC: char = 'F';
    /// Lost, rebuilt from DRED.
    pub const DRED: char = 'D';
    /// Lost and concealed.
    pub const CONCEALED: char = 'x';
}

/// A render's input, its decoded audio (equal lengths, aligned) and their difference, computed
/// once for the difference file, the quality figures and the report's picture.
#[derive(Debug, Clone)]
pub struct Comparison<'a> {
    pub input: &'a Audio,
    pub decoded: &'a Audio,
    /// Input minus decoded, sample for sample.
    pub difference: Audio,
}

impl<'a> Comparison<'a> {
    /// Subtracts `decoded` from `input`.
    pub fn new(input: &'a Audio, decoded: &'a Audio) -> Self {
        let samples = input.samples.iter().zip(&decoded.samples).map(|(x, y)| x - y).collect();
        let difference = Audio { sample_rate_hz: input.sample_rate_hz, channels: input.channels, samples };
        Self { input, decoded, difference }
    }
}

/// How close the decoded audio is to the input: measured from the two signals, by `report`
/// (and by `render --report`), not by every render, as the spectral measure costs a quarter of
/// a render's time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    /// Waveform SNR of the decoded audio against the input, dB.
    pub snr_db: f64,
    /// Phase-blind (spectral) SNR, dB: fairer to concealment and DRED, which rebuild the
    /// spectrum rather than the waveform.
    pub spectral_snr_db: f64,
    pub input_rms_dbfs: f64,
    pub difference_rms_dbfs: f64,
}

impl Quality {
    /// Measures the decoded audio against the input.
    pub fn measure(compared: &Comparison<'_>) -> Self {
        let (input, decoded) = (compared.input, compared.decoded);
        let window = (input.sample_rate_hz as usize / 50).next_power_of_two();
        Self {
            snr_db: measure::snr_db(&input.samples, &decoded.samples),
            spectral_snr_db: measure::spectral_snr_db(&input.samples, &decoded.samples, window),
            input_rms_dbfs: measure::rms_dbfs(&input.samples),
            difference_rms_dbfs: measure::rms_dbfs(&compared.difference.samples),
        }
    }
}

/// The numbers of one render.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderStats {
    pub version: u32,
    pub input: PathBuf,
    pub output: PathBuf,
    /// The settings in words.
    pub settings: String,
    pub sample_rate_hz: u32,
    pub channels: usize,
    pub frames: usize,
    pub frame_ms: f32,
    /// How far the packets lag the input (resampler and encoder lookahead), in ms: packet k
    /// covers the input from k × `frame_ms` − this.
    #[serde(default)]
    pub packet_delay_ms: f64,
    pub latency_samples: usize,
    /// Packets the encoder sent, including those that flushed the latency after the input.
    pub packets_sent: u64,
    /// Packets written to the Ogg Opus file (those covering the input), 0 without one.
    #[serde(default)]
    pub packets_recorded: u64,
    pub packets_lost: u64,
    pub recovered_fec: u64,
    pub recovered_dred: u64,
    pub concealed: u64,
    pub packets_with_fec: u64,
    pub packets_with_dred: u64,
    pub sanitized_samples: u64,
    pub codec_errors: u64,
    /// Bitrate of the packets sent.
    pub bitrate_bps: f64,
    /// The loss pattern, one [`fate_char`] per packet played out.
    pub fates: String,
}

impl RenderStats {
    /// Measures a render of `input` into `output`.
    pub fn measure(input_path: &Path, output_path: &Path, input: &Audio, rendered: &Rendered) -> Self {
        let counters = rendered.counters;
        let fates = rendered
            .fates
            .iter()
            .map(|fate| match fate {
                PacketFate::Decoded => fate_char::DECODED,
                PacketFate::RecoveredFec => fate_char::FEC,
                PacketFate::RecoveredDred => fate_char::DRED,
                PacketFate::Concealed => fate_char::CONCEALED,
            })
            .collect();
        Self {
            version: STATS_VERSION,
            input: absolute(input_path),
            output: absolute(output_path),
            settings: describe(&rendered.settings),
            sample_rate_hz: input.sample_rate_hz,
            channels: input.channels,
            frames: input.frames(),
            frame_ms: rendered.settings.frame.millis().unwrap_or(20.0),
            packet_delay_ms: f64::from(rendered.pre_skip) * 1000.0 / f64::from(crate::ogg_opus::GRANULE_RATE_HZ),
            latency_samples: rendered.latency_samples,
            packets_sent: counters.packets_sent,
            packets_recorded: 0,
            packets_lost: counters.packets_lost,
            recovered_fec: counters.recovered_fec,
            recovered_dred: counters.recovered_dred,
            concealed: counters.concealed,
            packets_with_fec: counters.packets_with_fec,
            packets_with_dred: counters.packets_with_dred,
            sanitized_samples: counters.sanitized_samples,
            codec_errors: counters.codec_errors,
            bitrate_bps: rendered.packet_bitrate_bps(),
            fates,
        }
    }

    /// Where the stats of a render to `output` are kept: `OUT.stats.json` beside it.
    pub fn path_for(output: &Path) -> PathBuf {
        output.with_extension("stats.json")
    }

    /// Writes the stats as JSON, whole or not at all.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(|err| AppError::output(path, err))?;
        crate::output_file::write_all(path, &json)
    }

    /// Reads stats written by [`RenderStats::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|err| AppError::input(path, InputProblem::NoStats(err)))?;
        let stats: Self =
            serde_json::from_slice(&bytes).map_err(|err| AppError::input(path, InputProblem::BadStats(err)))?;
        if stats.version != STATS_VERSION {
            let problem = InputProblem::StatsVersion { found: stats.version, read: STATS_VERSION };
            return Err(AppError::input(path, problem));
        }
        Ok(stats)
    }

    /// The summary a person reads after a render, with the quality if it was measured.
    pub fn summary(&self, quality: Option<&Quality>) -> String {
        let mut text = String::new();
        let seconds = self.frames as f64 / f64::from(self.sample_rate_hz);
        let lost_percent =
            if self.packets_sent == 0 { 0.0 } else { 100.0 * self.packets_lost as f64 / self.packets_sent as f64 };
        let latency_ms = self.latency_samples as f64 * 1000.0 / f64::from(self.sample_rate_hz);
        let _ = writeln!(text, "{}", self.settings);
        let _ = writeln!(
            text,
            "  audio      {seconds:.2} s, {} Hz, {}",
            self.sample_rate_hz,
            if self.channels == 1 { "mono" } else { "stereo" }
        );
        let _ = writeln!(text, "  bitrate    {:.1} kbps actual", self.bitrate_bps / 1000.0);
        let _ = writeln!(
            text,
            "  packets    {} sent, {} lost ({lost_percent:.1} %): {} rebuilt by FEC, {} by DRED, {} concealed",
            self.packets_sent, self.packets_lost, self.recovered_fec, self.recovered_dred, self.concealed
        );
        if self.packets_recorded > 0 {
            let _ =
                writeln!(text, "  recorded   {} packets (those covering the input) as Ogg Opus", self.packets_recorded);
        }
        let _ = writeln!(
            text,
            "  latency    {} samples ({latency_ms:.2} ms), removed from the output",
            self.latency_samples
        );
        if let Some(quality) = quality {
            let _ = writeln!(
                text,
                "  SNR        {:.1} dB waveform, {:.1} dB spectral",
                quality.snr_db, quality.spectral_snr_db
            );
            let _ = writeln!(
                text,
                "  difference {:.1} dBFS RMS ({:.1} dB below the input at {:.1} dBFS)",
                quality.difference_rms_dbfs,
                quality.input_rms_dbfs - quality.difference_rms_dbfs,
                quality.input_rms_dbfs
            );
        }
        if self.sanitized_samples > 0 || self.codec_errors > 0 {
            let _ = writeln!(
                text,
                "  warning    {} input samples were NaN, infinite or beyond ±4 and were replaced; {} codec errors",
                self.sanitized_samples, self.codec_errors
            );
        }
        text
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The settings in words, e.g. "24 kbps, 20 ms, VoIP, FEC, 10 % bursty loss (mean burst 3)".
pub fn describe(settings: &Settings) -> String {
    let mut parts = vec![
        format!("{} kbps", f64::from(settings.bitrate_bps) / 1000.0),
        format!("{} ms", settings.frame.millis().unwrap_or(20.0)),
        match settings.application {
            Application::Voip => "VoIP".to_string(),
            Application::Audio => "audio".to_string(),
            Application::RestrictedLowDelay => "low delay".to_string(),
        },
        format!("complexity {}", settings.complexity),
    ];
    if let Some(bandwidth) = settings.bandwidth {
        parts.push(format!("{bandwidth:?}").to_lowercase());
    }
    if settings.force_mono {
        parts.push("coded mono".into());
    }
    if settings.dtx {
        parts.push("DTX".into());
    }
    if settings.fec {
        parts.push("FEC".into());
    }
    if settings.dred_duration_ms > 0 {
        parts.push(format!("DRED {} ms", settings.dred_duration_ms));
    }
    let loss = settings.loss;
    if loss.loss_percent > 0.0 {
        parts.push(match loss.model {
            LossModel::Bernoulli => format!("{} % random loss (seed {})", loss.loss_percent, loss.seed),
            LossModel::GilbertElliott => format!(
                "{} % bursty loss, mean burst {} (seed {})",
                loss.loss_percent, loss.mean_burst_packets, loss.seed
            ),
        });
    } else {
        parts.push("no loss".into());
    }
    parts.join(", ")
}
