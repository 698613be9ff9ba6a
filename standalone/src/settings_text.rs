//! A render's settings as a person reads them (every setting that differs from its default) and
//! as JSON fields a script compares.

use std::path::PathBuf;

use roundtrip_codec::FrameDuration;
use roundtrip_engine::{Choice, LossModel, Receiver, Settings};
use serde::{Deserialize, Serialize};

/// The settings in words: bitrate, frame and application always, then every other setting that
/// differs from [`Settings::DEFAULT`], e.g. "24 kbps, 20 ms, VoIP, FEC, gain −6 dB, 10 % bursty
/// loss, mean burst 3 (seed 1)". A loss trace, where one replaced the loss model, is named in
/// the model's place.
pub fn describe(settings: &Settings, loss_trace: Option<&TraceRecord>) -> String {
    let default = Settings::DEFAULT;
    let mut parts = vec![
        format!("{} kbps", f64::from(settings.bitrate_bps) / 1000.0),
        settings.frame.label().to_owned(),
        settings.application.label().to_owned(),
    ];
    let mut add = |differs: bool, text: &dyn Fn() -> String| {
        if differs {
            parts.push(text());
        }
    };
    add(settings.complexity != default.complexity, &|| format!("complexity {}", settings.complexity));
    add(settings.bandwidth != default.bandwidth, &|| format!("{} limit", settings.bandwidth.label()));
    add(settings.rate_control != default.rate_control, &|| settings.rate_control.label().to_owned());
    add(settings.force_mono, &|| "coded mono".to_owned());
    add(settings.dtx, &|| "DTX".to_owned());
    add(settings.fec, &|| "FEC".to_owned());
    add(settings.dred_duration_ms > 0, &|| format!("DRED {} ms", settings.dred_duration_ms));
    add(settings.expected_loss_percent.is_some(), &|| {
        format!("expected loss {} %", settings.expected_loss_percent.unwrap_or_default())
    });
    add(settings.decoder_complexity != default.decoder_complexity, &|| {
        format!("decoder complexity {}", settings.decoder_complexity)
    });
    let jitter = settings.jitter;
    match jitter.receiver {
        Receiver::Fixed => add(jitter.playout_ms > 0, &|| format!("playout {} ms", jitter.playout_ms)),
        Receiver::Adaptive { min_ms, max_ms } => add(true, &|| format!("adaptive receiver {min_ms}–{max_ms} ms")),
    }
    add(jitter.mean_jitter_ms > 0.0, &|| format!("jitter {} ms", jitter.mean_jitter_ms));
    add(jitter.spike_percent > 0.0 && jitter.spike_ms > 0.0, &|| {
        format!("{} % delay spikes of {} ms", jitter.spike_percent, jitter.spike_ms)
    });
    add(settings.monitor != default.monitor, &|| format!("monitoring {}", settings.monitor.label()));
    add(settings.mix != default.mix, &|| format!("mix {:.0} %", settings.mix * 100.0));
    add(settings.output_gain_db != default.output_gain_db, &|| format!("gain {:+} dB", settings.output_gain_db));
    let loss = settings.loss;
    parts.push(if let Some(trace) = loss_trace {
        let name = trace.path.file_name().unwrap_or(trace.path.as_os_str()).to_string_lossy();
        let kind = if trace.delays { "delay" } else { "loss" };
        format!("{kind} trace {name} ({} of {} packets lost)", trace.lost, trace.packets)
    } else if loss.loss_percent > 0.0 {
        match loss.model {
            LossModel::Bernoulli => format!("{} % random loss (seed {})", loss.loss_percent, loss.seed),
            LossModel::GilbertElliott => format!(
                "{} % bursty loss, mean burst {} (seed {})",
                loss.loss_percent, loss.mean_burst_packets, loss.seed
            ),
            LossModel::Realistic => format!("{} % realistic loss (seed {})", loss.loss_percent, loss.seed),
        }
    } else {
        "no loss".to_owned()
    });
    parts.join(", ")
}

/// Every setting as a field; choices by their stable keys (as saved plugin sessions and the
/// command line spell them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsRecord {
    pub bitrate_bps: i32,
    pub frame_ms: f32,
    pub complexity: u8,
    pub application: String,
    pub bandwidth: String,
    pub rate_control: String,
    pub dtx: bool,
    pub fec: bool,
    pub dred_ms: u16,
    /// `null`: the encoder is told the simulated loss rate.
    pub expected_loss_percent: Option<u8>,
    pub decoder_complexity: u8,
    pub force_mono: bool,
    pub loss_model: String,
    pub loss_percent: f32,
    pub mean_burst_packets: f32,
    pub seed: u64,
    /// The network's delays and the receiver's wait (0 in stats written before they existed).
    #[serde(default)]
    pub mean_jitter_ms: f32,
    #[serde(default)]
    pub spike_percent: f32,
    #[serde(default = "default_spike_ms")]
    pub spike_ms: f32,
    #[serde(default)]
    pub playout_ms: u16,
    /// The receiver: "fixed" (waits `playout_ms`) or "adaptive" between its bounds (absent in
    /// stats written before it existed: fixed).
    #[serde(default = "default_receiver")]
    pub receiver: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adaptive_min_ms: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adaptive_max_ms: Option<u16>,
    pub monitor: String,
    pub mix: f32,
    pub output_gain_db: f32,
    /// The loss trace replayed in place of the loss model (`loss_model` is then "trace" and
    /// `loss_percent` the trace's rate); absent when the model drew the losses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_trace: Option<TraceRecord>,
}

fn default_receiver() -> String {
    Receiver::Fixed.key().to_owned()
}

fn default_spike_ms() -> f32 {
    roundtrip_engine::JitterSettings::DEFAULT.spike_ms
}

/// A loss trace a render replayed. (Equal by what the stats keep: see `PartialEq`.)
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TraceRecord {
    /// The file it was read from.
    pub path: PathBuf,
    /// Packets in the trace, and of those lost; it repeats when the audio is longer.
    pub packets: usize,
    pub lost: usize,
    /// Whether it is a delay trace (each packet's delay, in place of the jitter settings).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delays: bool,
    /// A delay trace of 0 and 1 ms with nothing lost: likely a loss pattern given as delays
    /// (the summary warns; not kept in the stats).
    #[serde(skip)]
    pub looks_like_a_loss_pattern: bool,
}

/// Equal by the fields the stats keep, so that a record read back equals the one written.
impl PartialEq for TraceRecord {
    fn eq(&self, other: &Self) -> bool {
        (&self.path, self.packets, self.lost, self.delays) == (&other.path, other.packets, other.lost, other.delays)
    }
}

impl SettingsRecord {
    /// The fields of `settings`, with `loss_trace` replayed in place of their loss model (which
    /// the fields then name "trace").
    pub fn new(settings: &Settings, loss_trace: Option<&TraceRecord>) -> Self {
        let mut record = Self::from(settings);
        if let Some(trace) = loss_trace {
            record.loss_model = "trace".to_owned();
            record.loss_trace = Some(trace.clone());
        }
        record
    }
}

impl From<&Settings> for SettingsRecord {
    fn from(settings: &Settings) -> Self {
        Self {
            bitrate_bps: settings.bitrate_bps,
            frame_ms: settings.frame.millis().unwrap_or_else(|| FrameDuration::Ms20.millis().unwrap_or(20.0)),
            complexity: settings.complexity,
            application: settings.application.key().to_owned(),
            bandwidth: settings.bandwidth.key().to_owned(),
            rate_control: settings.rate_control.key().to_owned(),
            dtx: settings.dtx,
            fec: settings.fec,
            dred_ms: settings.dred_duration_ms,
            expected_loss_percent: settings.expected_loss_percent,
            decoder_complexity: settings.decoder_complexity,
            force_mono: settings.force_mono,
            loss_model: settings.loss.model.key().to_owned(),
            loss_percent: settings.loss.loss_percent,
            mean_burst_packets: settings.loss.mean_burst_packets,
            seed: settings.loss.seed,
            mean_jitter_ms: settings.jitter.mean_jitter_ms,
            spike_percent: settings.jitter.spike_percent,
            spike_ms: settings.jitter.spike_ms,
            playout_ms: settings.jitter.playout_ms,
            receiver: settings.jitter.receiver.key().to_owned(),
            adaptive_min_ms: settings.jitter.receiver.bounds_ms().map(|(min_ms, _)| min_ms),
            adaptive_max_ms: settings.jitter.receiver.bounds_ms().map(|(_, max_ms)| max_ms),
            monitor: settings.monitor.key().to_owned(),
            mix: settings.mix,
            output_gain_db: settings.output_gain_db,
            loss_trace: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use roundtrip_codec::{Application, Bandwidth, RateControl};
    use roundtrip_engine::{JitterSettings, LossSettings, Monitor};

    use super::*;

    /// One change of every field, each away from its default.
    fn every_change() -> Vec<(&'static str, Settings)> {
        let d = Settings::DEFAULT;
        let loss = |loss: LossSettings| Settings { loss, ..d };
        let lossy = LossSettings { loss_percent: 5.0, ..d.loss };
        vec![
            ("bitrate", Settings { bitrate_bps: 24_000, ..d }),
            ("frame", Settings { frame: FrameDuration::Ms60, ..d }),
            ("complexity", Settings { complexity: 5, ..d }),
            ("application", Settings { application: Application::Voip, ..d }),
            ("bandwidth", Settings { bandwidth: Some(Bandwidth::Wideband), ..d }),
            ("rate control", Settings { rate_control: RateControl::Cbr, ..d }),
            ("dtx", Settings { dtx: true, ..d }),
            ("fec", Settings { fec: true, ..d }),
            ("expected loss", Settings { expected_loss_percent: Some(0), ..d }),
            ("dred", Settings { dred_duration_ms: 100, ..d }),
            ("decoder complexity", Settings { decoder_complexity: 6, ..d }),
            ("force mono", Settings { force_mono: true, ..d }),
            ("loss", loss(lossy)),
            ("loss model", loss(LossSettings { model: LossModel::GilbertElliott, ..lossy })),
            ("burst", loss(LossSettings { model: LossModel::GilbertElliott, mean_burst_packets: 4.0, ..lossy })),
            ("seed", loss(LossSettings { seed: 7, ..lossy })),
            ("jitter", Settings { jitter: JitterSettings { mean_jitter_ms: 5.0, ..d.jitter }, ..d }),
            ("spikes", Settings { jitter: JitterSettings { spike_percent: 1.0, spike_ms: 200.0, ..d.jitter }, ..d }),
            ("playout", Settings { jitter: JitterSettings { playout_ms: 40, ..d.jitter }, ..d }),
            ("monitor", Settings { monitor: Monitor::Dry, ..d }),
            ("mix", Settings { mix: 0.5, ..d }),
            ("gain", Settings { output_gain_db: -6.0, ..d }),
        ]
    }

    #[test]
    fn every_setting_that_changes_the_sound_shows_in_words_and_in_fields() {
        let default_text = describe(&Settings::DEFAULT, None);
        assert_eq!(default_text, "64 kbps, 20 ms, Audio, no loss");
        let default_record = SettingsRecord::from(&Settings::DEFAULT);
        let texts: Vec<String> = every_change().iter().map(|(_, settings)| describe(settings, None)).collect();
        for ((name, settings), text) in every_change().iter().zip(&texts) {
            assert_ne!(text, &default_text, "{name} does not show in words");
            assert_ne!(SettingsRecord::from(settings), default_record, "{name} does not show in the fields");
        }
        // A loss model, burst or seed only means something with loss: each compared with the
        // lossy settings it differs from in that one field.
        let changes = every_change();
        let text_of =
            |name: &str| changes.iter().find(|(found, _)| *found == name).map(|(_, settings)| describe(settings, None));
        for (name, against) in [("loss model", "loss"), ("burst", "loss model"), ("seed", "loss")] {
            assert_ne!(text_of(name), text_of(against), "{name}");
        }
        assert_eq!(
            describe(&Settings { output_gain_db: -6.0, rate_control: RateControl::Cbr, ..Settings::DEFAULT }, None),
            "64 kbps, 20 ms, Audio, CBR, gain -6 dB, no loss"
        );
    }

    #[test]
    fn the_fields_survive_json() {
        for (_, settings) in every_change() {
            let record = SettingsRecord::from(&settings);
            let json = serde_json::to_string(&record).unwrap();
            assert_eq!(serde_json::from_str::<SettingsRecord>(&json).unwrap(), record);
        }
    }
}
