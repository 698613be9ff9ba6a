//! What a render measured, kept beside its output as JSON (`OUT.stats.json`) so that `report`
//! can summarise and draw it later, and printed as a summary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use roundtrip_engine::{Advice, Choice, CodedCounts, Counters, LossSettings, PacketFate};
use roundtrip_signal::peaks::Peaks;
use roundtrip_signal::running::{QualityFigures, RunningQuality};
use serde::{Deserialize, Serialize};

use crate::audibility::Audibility;
use crate::error::{AppError, InputProblem, Result};
use crate::perceptual::Perceptual;
use crate::render::Rendered;
use crate::settings_text::{SettingsRecord, describe};

/// The version of the JSON layout; a file of another version is refused with a clear message.
const STATS_VERSION: u32 = 2;

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

    use roundtrip_engine::PacketFate;

    /// The character of `fate`.
    pub fn of(fate: PacketFate) -> char {
        match fate {
            PacketFate::Decoded => DECODED,
            PacketFate::RecoveredFec => FEC,
            PacketFate::RecoveredDred => DRED,
            PacketFate::Concealed => CONCEALED,
        }
    }
}

/// How close the decoded audio is to the input, measured from the two signals by every render
/// (and again by `report`). In JSON, a figure that is not finite (the SNR of a silent input, the
/// level of silence) is `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// Waveform SNR of the decoded audio against the input, dB.
    #[serde(with = "finite_or_null")]
    pub snr_db: f64,
    /// Phase-blind (spectral) SNR, dB: fairer to concealment and DRED, which rebuild the
    /// spectrum rather than the waveform.
    #[serde(with = "finite_or_null")]
    pub spectral_snr_db: f64,
    #[serde(with = "finite_or_null")]
    pub input_rms_dbfs: f64,
    #[serde(with = "finite_or_null")]
    pub difference_rms_dbfs: f64,
    /// The peaks of the input and of the decoded audio (absent in stats written before they
    /// were measured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peaks: Option<PeakFigures>,
}

/// Sample and true peaks of the input and the decoded audio, and their samples beyond full
/// scale: a codec can make peaks its input did not have.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PeakFigures {
    #[serde(with = "finite_or_null")]
    pub input_sample_peak_dbfs: f64,
    #[serde(with = "finite_or_null")]
    pub input_true_peak_dbtp: f64,
    pub input_overs: u64,
    #[serde(with = "finite_or_null")]
    pub decoded_sample_peak_dbfs: f64,
    #[serde(with = "finite_or_null")]
    pub decoded_true_peak_dbtp: f64,
    /// Decoded samples (each channel's counted) beyond full scale: clipped in any fixed-point
    /// file or converter.
    pub decoded_overs: u64,
    /// The output gain applied after the decoder, dB: the decoded peaks include it, the codec's
    /// own peaks are this much lower (0 in stats written before it was kept).
    #[serde(default)]
    pub output_gain_db: f64,
}

impl PeakFigures {
    /// The figures of the input's and the decoded audio's peaks, the decoded audio at an output
    /// gain of `output_gain_db`.
    pub fn new(input: &Peaks, decoded: &Peaks, output_gain_db: f64) -> Self {
        Self {
            input_sample_peak_dbfs: input.sample_peak_dbfs(),
            input_true_peak_dbtp: input.true_peak_dbtp(),
            input_overs: input.overs,
            decoded_sample_peak_dbfs: decoded.sample_peak_dbfs(),
            decoded_true_peak_dbtp: decoded.true_peak_dbtp(),
            decoded_overs: decoded.overs,
            output_gain_db,
        }
    }

    /// How much lower the input must be for the decoded true peak to stay at or under 0 dBTP,
    /// as far as the codec's own peaks (before the output gain) make it go over: 0 when the
    /// decoded audio stays under, or only the output gain takes it over. Taking the codec's
    /// peaks to follow the input's level; rounded up to 0.1 dB, so that the advice printed is
    /// enough.
    pub fn needed_headroom_db(&self) -> f64 {
        round_up_to_tenth(self.decoded_true_peak_dbtp.min(self.decoded_true_peak_dbtp - self.output_gain_db))
    }

    /// How much lower the output gain must be for the decoded true peak to stay at or under
    /// 0 dBTP once the codec's own peaks do (0 when it does), rounded up to 0.1 dB.
    pub fn needed_gain_cut_db(&self) -> f64 {
        round_up_to_tenth(self.decoded_true_peak_dbtp - self.needed_headroom_db())
    }

    /// The summary's lines.
    fn describe(&self, text: &mut String) {
        let level = |db: f64| if db.is_finite() { format!("{db:+.1}") } else { "−∞".to_owned() };
        let overs = |count: u64| match count {
            0 => String::new(),
            1 => ", 1 sample over full scale".to_owned(),
            count => format!(", {count} samples over full scale"),
        };
        let _ = writeln!(
            text,
            "  peaks      input {} dBFS, {} dBTP{}; decoded {} dBFS, {} dBTP{}",
            level(self.input_sample_peak_dbfs),
            level(self.input_true_peak_dbtp),
            overs(self.input_overs),
            level(self.decoded_sample_peak_dbfs),
            level(self.decoded_true_peak_dbtp),
            overs(self.decoded_overs)
        );
        let needed = self.needed_headroom_db();
        if needed > 0.0 {
            let whose = if self.input_true_peak_dbtp >= self.decoded_true_peak_dbtp - self.output_gain_db {
                "the input's peaks go over full scale, and the decoded audio's with them"
            } else {
                "the codec's peaks go over full scale"
            };
            let _ = writeln!(text, "  headroom   {whose}: lower the input by {needed:.1} dB to keep them under");
        }
        let gain_cut = self.needed_gain_cut_db();
        if gain_cut > 0.0 {
            let _ = writeln!(
                text,
                "  headroom   the output gain ({:+.1} dB) takes the decoded peaks over full scale: lower it by \
                 {gain_cut:.1} dB (the codec's own stay under)",
                self.output_gain_db
            );
        }
    }
}

/// Packets a render sends before its measured loss is weighed against the loss asked.
const PACKETS_BEFORE_WEIGHING_LOSS: u64 = 20;

/// The warning when the share of packets lost is far from the loss asked: off by more than a
/// third of it, and by more than independent losses at that rate would be in 99 renders of 100
/// (2.6 standard deviations of a binomial count, and at least a point). Bursty and realistic
/// loss stray further than that over a short file, as their runs and lulls fall where they may;
/// a seed may start in a lull. `None` when it is close, when no loss was asked, or when too
/// few packets were sent to weigh.
pub(crate) fn loss_far_from_asked(asked: &LossSettings, lost: u64, sent: u64) -> Option<String> {
    let asked_percent = f64::from(asked.loss_percent);
    if asked_percent <= 0.0 || sent < PACKETS_BEFORE_WEIGHING_LOSS {
        return None;
    }
    let measured = lost as f64 * 100.0 / sent as f64;
    let off = (measured - asked_percent).abs();
    let p = asked_percent / 100.0;
    let chance_percent = 2.6 * (p * (1.0 - p) / sent as f64).sqrt() * 100.0;
    (off > asked_percent / 3.0 && off > chance_percent.max(1.0)).then(|| {
        format!(
            "{measured:.1} % of the packets were lost, far from the {asked_percent} % asked: {sent} packets are too few \
             for the {} loss to reach its rate; render a longer file, or try another --seed",
            asked.model.key()
        )
    })
}

/// `db` above 0, rounded up to 0.1 dB; 0 at or under 0 and for no figure (silence).
fn round_up_to_tenth(db: f64) -> f64 {
    if db.is_finite() { (db.max(0.0) * 10.0).ceil() / 10.0 } else { 0.0 }
}

/// JSON has no infinities: a non-finite figure is written as `null` and read back as NaN.
mod finite_or_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        match value.is_finite() {
            true => serializer.serialize_some(value),
            false => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
    }
}

impl Quality {
    /// The figures a [`RunningQuality`] measured of the decoded audio against the input at the
    /// output gain of `output_gain_db`. The levels are given at the input's own level: the
    /// difference is the codec's, not the gain's.
    pub fn from_figures(figures: &QualityFigures, output_gain_db: f64, peaks: Option<PeakFigures>) -> Self {
        Self {
            peaks,
            snr_db: figures.snr_db,
            spectral_snr_db: figures.spectral_snr_db,
            input_rms_dbfs: figures.reference_rms_dbfs - output_gain_db,
            difference_rms_dbfs: figures.difference_rms_dbfs - output_gain_db,
        }
    }

    /// A measure of decoded audio against its input at `sample_rate_hz`: spectra of about 20 ms.
    pub fn running(sample_rate_hz: u32) -> RunningQuality {
        RunningQuality::new((sample_rate_hz as usize / 50).next_power_of_two())
    }

    /// The summary's lines for these figures; `stretches`: how often an adaptive receiver
    /// stretched time, after which the decoded audio no longer lines up with the input.
    fn describe(&self, text: &mut String, stretches: u64) {
        if let Some(peaks) = &self.peaks {
            peaks.describe(text);
        }
        if !self.input_rms_dbfs.is_finite() {
            let _ = writeln!(text, "  SNR        none: silent input");
            return;
        }
        if stretches > 0 {
            let _ = writeln!(
                text,
                "  SNR        not comparable: the adaptive receiver stretched time {stretches} times, so the decoded \
                 audio drifts against the input (the perceptual score realigns)"
            );
            return;
        }
        let _ = writeln!(text, "  SNR        {:.1} dB waveform, {:.1} dB spectral", self.snr_db, self.spectral_snr_db);
        let _ = writeln!(
            text,
            "  difference {:.1} dBFS RMS ({:.1} dB below the input at {:.1} dBFS)",
            self.difference_rms_dbfs,
            self.input_rms_dbfs - self.difference_rms_dbfs,
            self.input_rms_dbfs
        );
    }
}

/// The numbers of one render. Packet figures count the packets that cover the input; the few
/// sent after it, while the engine ran on to flush its latency, are counted apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderStats {
    pub version: u32,
    pub input: PathBuf,
    pub output: PathBuf,
    /// The settings in words: every one that differs from its default.
    pub description: String,
    /// Every setting, as fields.
    pub settings: SettingsRecord,
    pub sample_rate_hz: u32,
    pub channels: usize,
    pub frames: usize,
    pub frame_ms: f32,
    /// How far the packets lag the input (resampler and encoder lookahead), in ms: packet k
    /// covers the input from k × `frame_ms` − this.
    pub packet_delay_ms: f64,
    pub latency_samples: usize,
    /// Packets that cover the input.
    pub packets_sent: u64,
    /// Packets sent after those, flushing the latency out; in no other count.
    pub packets_flushed: u64,
    /// Packets written to the Ogg Opus file (those covering the input), 0 without one.
    pub packets_recorded: u64,
    /// Of `packets_sent`: lost, late (arrived after their playout time), and how each of those
    /// was played out. They add up: `packets_lost + packets_late = recovered_fec +
    /// recovered_dred + concealed`.
    pub packets_lost: u64,
    #[serde(default)]
    pub packets_late: u64,
    pub recovered_fec: u64,
    pub recovered_dred: u64,
    pub concealed: u64,
    /// Of `packets_sent`: how many carried in-band FEC, and deep redundancy.
    pub packets_with_fec: u64,
    pub packets_with_dred: u64,
    pub sanitized_samples: u64,
    pub codec_errors: u64,
    /// Bitrate of the packets covering the input.
    pub bitrate_bps: f64,
    /// Of `packets_sent`: how many libopus coded in each mode and at each bandwidth (absent in
    /// stats written before they were counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coded: Option<CodedPackets>,
    /// What the adaptive receiver did (absent with the fixed receiver, and in stats written
    /// before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_stretch: Option<TimeStretchRecord>,
    /// `null` when the render was asked not to measure it.
    pub quality: Option<Quality>,
    /// The perceptual score (absent when not measured, and in stats written before it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perceptual: Option<Perceptual>,
    /// Where the change is audible (absent when not measured, and in stats written before it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audibility: Option<Audibility>,
    /// What was asked for but did not happen, and what to change (as the editor says it).
    pub warnings: Vec<String>,
    /// The loss pattern, one [`fate_char`] per packet covering the input.
    pub fates: String,
    /// When the network delayed packets: each covering packet's delay against the receiver's
    /// deadline, for the report's delay plot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_delays: Option<NetworkDelays>,
}

/// The adaptive receiver's stretches over a render, and where its delay ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeStretchRecord {
    /// Times it played faster (a pitch period removed) and slower (one repeated).
    pub accelerations: u64,
    pub expansions: u64,
    /// The audio those removed and added, ms.
    pub removed_ms: f64,
    pub added_ms: f64,
    /// Its delay and target when the render ended, ms.
    pub final_delay_ms: f64,
    pub final_target_ms: f64,
    /// Its delay averaged over the frames it played, ms.
    #[serde(default)]
    pub mean_delay_ms: f64,
}

impl TimeStretchRecord {
    /// The record of `rendered`, for an adaptive receiver only.
    pub fn of(rendered: &Rendered) -> Option<Self> {
        let (counters, receiver_ms) = (&rendered.counters, &rendered.receiver_ms);
        let ms = |us: u64| us as f64 / 1000.0;
        let mean_delay_ms = receiver_ms.iter().map(|&(delay, _)| delay).sum::<f64>() / receiver_ms.len().max(1) as f64;
        matches!(rendered.settings.jitter.receiver, roundtrip_engine::Receiver::Adaptive { .. }).then(|| Self {
            mean_delay_ms,
            accelerations: counters.accelerations,
            expansions: counters.expansions,
            removed_ms: ms(counters.stretch_removed_us),
            added_ms: ms(counters.stretch_added_us),
            final_delay_ms: ms(counters.playout_delay_us),
            final_target_ms: ms(counters.target_delay_us),
        })
    }
}

/// The coding modes and audio bandwidths libopus chose, in packets, read from each packet's TOC
/// byte: the mode and bandwidth explain a quality that the bitrate alone does not (DRED moves
/// speech at 64 kbps from CELT to hybrid, say).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodedPackets {
    pub silk: u64,
    pub hybrid: u64,
    pub celt: u64,
    pub narrowband: u64,
    pub mediumband: u64,
    pub wideband: u64,
    pub superwideband: u64,
    pub fullband: u64,
}

impl From<CodedCounts> for CodedPackets {
    fn from(coded: CodedCounts) -> Self {
        let ([silk, hybrid, celt], [narrowband, mediumband, wideband, superwideband, fullband]) =
            (coded.modes, coded.bandwidths);
        Self { silk, hybrid, celt, narrowband, mediumband, wideband, superwideband, fullband }
    }
}

impl CodedPackets {
    /// The counts as the engine keeps them, for their shares and their text.
    pub fn counts(&self) -> CodedCounts {
        CodedCounts {
            modes: [self.silk, self.hybrid, self.celt],
            bandwidths: [self.narrowband, self.mediumband, self.wideband, self.superwideband, self.fullband],
        }
    }
}

/// Every packet's network delay and the receiver's wait.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkDelays {
    /// How long after its send time the receiver plays a packet out (its playout delay in whole
    /// frames, FEC's and DRED's wait included): a packet delayed more is late.
    pub deadline_ms: f64,
    /// Each covering packet's delay in ms, exact (so that the late ones are those beyond the
    /// deadline); `null` for a lost one.
    pub delays_ms: Vec<Option<f64>>,
    /// The adaptive receiver's delay and target at each frame period from the first packet's,
    /// ms (its deadline moves; absent with the fixed receiver, whose deadline is `deadline_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_delay_ms: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiver_target_ms: Option<Vec<f64>>,
}

impl NetworkDelays {
    /// The delays of `rendered`'s covering packets, if the network delayed any.
    fn of(rendered: &Rendered) -> Option<Self> {
        if !rendered.delayed() || rendered.delays_ms.is_empty() {
            return None;
        }
        let frame_ms = f64::from(rendered.settings.frame.millis().unwrap_or(20.0));
        let covering = (rendered.covering_packets as usize).min(rendered.delays_ms.len());
        let packets = rendered.loss_pattern.iter().zip(&rendered.delays_ms).take(covering);
        // One per frame period, as the packets.
        let (receiver_delay_ms, receiver_target_ms) = if rendered.receiver_ms.is_empty() {
            (None, None)
        } else {
            let (delays, targets) = rendered.receiver_ms.iter().take(covering).copied().unzip();
            (Some(delays), Some(targets))
        };
        Some(Self {
            deadline_ms: rendered.settings.recovery_frames() as f64 * frame_ms,
            delays_ms: packets.map(|(&lost, &delay)| (!lost).then_some(delay)).collect(),
            receiver_delay_ms,
            receiver_target_ms,
        })
    }
}

impl RenderStats {
    /// The stats of a render of `input` (`frames` frames of `channels` at `sample_rate_hz`)
    /// into `output`, with the quality if it was measured.
    pub fn measure(
        (input_path, output_path): (&Path, &Path),
        (sample_rate_hz, channels, frames): (u32, usize, usize),
        rendered: &Rendered,
        quality: Option<Quality>,
    ) -> Self {
        let count = |wanted: PacketFate| rendered.fates.iter().filter(|&&fate| fate == wanted).count() as u64;
        let counters = Counters {
            packets_sent: rendered.covering_packets,
            packets_with_fec: rendered.with_fec,
            packets_with_dred: rendered.with_dred,
            ..rendered.counters
        };
        let mut warnings: Vec<String> = Advice::for_run(
            &rendered.settings,
            &counters,
            rendered.loss_trace.as_ref().is_some_and(|trace| trace.delays),
        )
        .map(|advice| advice.to_string())
        .collect();
        let settings = SettingsRecord::new(&rendered.settings, rendered.loss_trace.as_ref());
        if let Some(trace) = rendered.loss_trace.as_ref().filter(|trace| trace.looks_like_a_loss_pattern) {
            warnings.push(format!(
                "the delay trace {} holds only delays of 0 and 1 ms and loses nothing: if it is a loss pattern, \
                 give it to --loss-trace",
                trace.path.display()
            ));
        }
        if let Some(trace) = &rendered.loss_trace {
            let sent = rendered.loss_pattern.len();
            if sent > trace.packets {
                let kind = if trace.delays { "delay" } else { "loss" };
                warnings.push(format!(
                    "the {kind} trace holds {} packets and the render sent {sent}: it repeated from its start",
                    trace.packets
                ));
            }
        }
        let (recovered_fec, recovered_dred, concealed) =
            (count(PacketFate::RecoveredFec), count(PacketFate::RecoveredDred), count(PacketFate::Concealed));
        let packets_lost = (recovered_fec + recovered_dred + concealed).saturating_sub(rendered.late);
        if rendered.loss_trace.is_none()
            && let Some(far) = loss_far_from_asked(&rendered.settings.loss, packets_lost, rendered.covering_packets)
        {
            warnings.push(far);
        }
        Self {
            version: STATS_VERSION,
            input: absolute(input_path),
            output: absolute(output_path),
            description: describe(&rendered.settings, rendered.loss_trace.as_ref()),
            settings,
            sample_rate_hz,
            channels,
            frames,
            frame_ms: rendered.settings.frame.millis().unwrap_or(20.0),
            packet_delay_ms: f64::from(rendered.pre_skip) * 1000.0 / f64::from(crate::ogg_opus::GRANULE_RATE_HZ),
            latency_samples: rendered.latency_samples,
            packets_sent: rendered.covering_packets,
            packets_flushed: rendered.counters.packets_sent.saturating_sub(rendered.covering_packets),
            packets_recorded: 0,
            packets_lost,
            packets_late: rendered.late,
            recovered_fec,
            recovered_dred,
            concealed,
            packets_with_fec: rendered.with_fec,
            packets_with_dred: rendered.with_dred,
            sanitized_samples: rendered.counters.sanitized_samples,
            codec_errors: rendered.counters.codec_errors,
            bitrate_bps: rendered.packet_bitrate_bps(),
            coded: Some(rendered.coded.into()),
            time_stretch: TimeStretchRecord::of(rendered),
            quality,
            perceptual: None,
            audibility: None,
            warnings,
            fates: rendered.fates.iter().map(|&fate| fate_char::of(fate)).collect(),
            network_delays: NetworkDelays::of(rendered),
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
        /// The field every version has, read first so that another version's layout is named
        /// as such rather than as a missing field.
        #[derive(Deserialize)]
        struct Versioned {
            version: u32,
        }
        let bad = |err| AppError::input(path, InputProblem::BadStats(err));
        let bytes = std::fs::read(path).map_err(|err| AppError::input(path, InputProblem::NoStats(err)))?;
        let Versioned { version } = serde_json::from_slice(&bytes).map_err(bad)?;
        if version != STATS_VERSION {
            let problem = InputProblem::StatsVersion { found: version, read: STATS_VERSION };
            return Err(AppError::input(path, problem));
        }
        serde_json::from_slice(&bytes).map_err(bad)
    }

    /// How often an adaptive receiver stretched time (0 with the fixed one).
    pub fn stretch_events(&self) -> u64 {
        self.time_stretch.map_or(0, |stretch| stretch.accelerations + stretch.expansions)
    }

    /// The summary a person reads after a render.
    pub fn summary(&self) -> String {
        let mut text = String::new();
        let seconds = self.frames as f64 / f64::from(self.sample_rate_hz);
        let percent =
            |part: u64| if self.packets_sent == 0 { 0.0 } else { 100.0 * part as f64 / self.packets_sent as f64 };
        let latency_ms = self.latency_samples as f64 * 1000.0 / f64::from(self.sample_rate_hz);
        let _ = writeln!(text, "{}", self.description);
        let _ = writeln!(
            text,
            "  audio      {seconds:.2} s, {} Hz, {}",
            self.sample_rate_hz,
            if self.channels == 1 { "mono" } else { "stereo" }
        );
        let _ = writeln!(text, "  bitrate    {:.1} kbps actual", self.bitrate_bps / 1000.0);
        if let Some(coded) = self.coded.filter(|coded| coded.counts().packets() > 0) {
            let _ = writeln!(text, "  coded      {}", coded.counts());
        }
        if let Some(stretch) = self.time_stretch {
            let _ = writeln!(
                text,
                "  receiver   adaptive, {:.1} ms delay on average: {} times faster ({:.1} ms removed), {} slower \
                 ({:.1} ms added); delay {:.1} ms at the end, target {:.0} ms",
                stretch.mean_delay_ms,
                stretch.accelerations,
                stretch.removed_ms,
                stretch.expansions,
                stretch.added_ms,
                stretch.final_delay_ms,
                stretch.final_target_ms
            );
        }
        let waits = self.settings.playout_ms > 0 || self.time_stretch.is_some();
        let late = if self.packets_late > 0 || self.network_delays.is_some() || waits {
            format!(", {} late ({:.1} %)", self.packets_late, percent(self.packets_late))
        } else {
            String::new()
        };
        let _ = writeln!(
            text,
            "  packets    {} sent, {} lost ({:.1} %){late}: {} rebuilt by FEC, {} by DRED, {} concealed",
            self.packets_sent,
            self.packets_lost,
            percent(self.packets_lost),
            self.recovered_fec,
            self.recovered_dred,
            self.concealed
        );
        let requested = [
            (self.settings.fec, "FEC", self.packets_with_fec),
            (self.settings.dred_ms > 0, "DRED", self.packets_with_dred),
        ];
        let carried: Vec<String> = requested
            .iter()
            .filter(|(on, ..)| *on)
            .map(|&(_, name, count)| format!("{name} in {count} ({:.0} %)", percent(count)))
            .collect();
        if !carried.is_empty() {
            let _ = writeln!(text, "  carried    {} of the {} packets", carried.join(", "), self.packets_sent);
        }
        if self.packets_recorded > 0 {
            let _ = writeln!(text, "  recorded   {} packets as Ogg Opus", self.packets_recorded);
        }
        let _ = writeln!(
            text,
            "  latency    {} samples ({latency_ms:.2} ms), removed from the output ({} packets flushed it, not counted above)",
            self.latency_samples, self.packets_flushed
        );
        if let Some(perceptual) = &self.perceptual {
            perceptual.describe(&mut text);
        }
        if let Some(audibility) = &self.audibility {
            audibility.describe(&mut text);
        }
        if let Some(quality) = &self.quality {
            quality.describe(&mut text, self.stretch_events());
        }
        for warning in &self.warnings {
            let _ = writeln!(text, "  warning    {warning}");
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
