//! Presets a user recognises: a few everyday ways people hear Opus, as engine settings. The
//! plugin's editor offers them as buttons; the app's demo renders each.

use roundtrip_codec::{Application, Bandwidth, FrameDuration};

use crate::settings::{LossModel, LossSettings, Settings};

/// One preset: a name, what it is for, and the settings it decides (see [`Preset::applied_to`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    /// The name shown in the editor.
    pub name: &'static str,
    /// What it is for, shown as a tooltip.
    pub description: &'static str,
    /// Its settings; only the fields [`Preset::applied_to`] takes matter.
    pub settings: Settings,
}

impl Preset {
    /// `base` with what a preset decides: bitrate, frame, application, bandwidth, FEC, DRED, the
    /// expected loss, mono coding and the simulated network (but its seed). Everything else
    /// (complexity, rate control, DTX, decoder complexity, the loss seed, monitor, mix, gain)
    /// stays `base`'s, so that a preset changes the scenario, not the user's listening set-up.
    pub fn applied_to(&self, base: &Settings) -> Settings {
        let preset = &self.settings;
        Settings {
            bitrate_bps: preset.bitrate_bps,
            frame: preset.frame,
            application: preset.application,
            bandwidth: preset.bandwidth,
            fec: preset.fec,
            dred_duration_ms: preset.dred_duration_ms,
            expected_loss_percent: preset.expected_loss_percent,
            force_mono: preset.force_mono,
            loss: LossSettings { seed: base.loss.seed, ..preset.loss },
            ..*base
        }
    }

    /// Whether `current` holds every value this preset decides.
    pub fn is_active(&self, current: &Settings) -> bool {
        self.applied_to(current) == *current
    }
}

const CLEAN_VOICE: Settings = Settings {
    bitrate_bps: 16_000,
    frame: FrameDuration::Ms20,
    application: Application::Voip,
    bandwidth: None,
    force_mono: true,
    ..Settings::DEFAULT
};

/// A lossy Wi-Fi link: 10 % of packets lost in bursts of 3.
const BAD_WIFI: LossSettings =
    LossSettings { model: LossModel::GilbertElliott, loss_percent: 10.0, mean_burst_packets: 3.0, seed: 1 };

/// The presets, in the order the editor shows them.
pub const PRESETS: [Preset; 6] = [
    Preset {
        name: "Voice call 16 kbps",
        description: "A typical VoIP call on a good connection: mono speech, wideband-ish, no loss.",
        settings: CLEAN_VOICE,
    },
    Preset {
        name: "Game chat 32 kbps",
        description: "Voice chat in a game or on Discord: speech at 32 kbps, 20 ms packets.",
        settings: Settings { bitrate_bps: 32_000, ..CLEAN_VOICE },
    },
    Preset {
        name: "Music stream 128 kbps",
        description: "Music or a DJ set streamed in stereo at 128 kbps, full band.",
        settings: Settings {
            bitrate_bps: 128_000,
            application: Application::Audio,
            bandwidth: Some(Bandwidth::Fullband),
            force_mono: false,
            ..CLEAN_VOICE
        },
    },
    Preset {
        name: "Bad Wi-Fi: 10 % bursty loss",
        description: "A call over congested Wi-Fi: 10 % of packets lost in bursts of 3, with in-band FEC.",
        settings: Settings {
            bitrate_bps: 24_000,
            loss: BAD_WIFI,
            fec: true,
            expected_loss_percent: Some(20),
            ..CLEAN_VOICE
        },
    },
    Preset {
        name: "Bad Wi-Fi + DRED",
        description: "The same network, repaired with deep redundancy (DRED, 100 ms) instead of FEC.",
        settings: Settings {
            bitrate_bps: 24_000,
            loss: BAD_WIFI,
            dred_duration_ms: 100,
            expected_loss_percent: Some(20),
            ..CLEAN_VOICE
        },
    },
    Preset {
        name: "Low delay 96 kbps",
        description: "Live music over the network: restricted low delay, 5 ms packets, stereo.",
        settings: Settings {
            bitrate_bps: 96_000,
            frame: FrameDuration::Ms5,
            application: Application::RestrictedLowDelay,
            bandwidth: Some(Bandwidth::Fullband),
            force_mono: false,
            ..CLEAN_VOICE
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preset_sets_the_scenario_and_keeps_the_listening_set_up() {
        let base = Settings { complexity: 3, output_gain_db: -6.0, mix: 0.5, ..Settings::default() };
        let base = Settings { loss: LossSettings { seed: 42, ..base.loss }, ..base };
        for preset in PRESETS {
            let applied = preset.applied_to(&base);
            assert!(preset.is_active(&applied), "{}", preset.name);
            assert!(!preset.is_active(&base), "{} is not active before", preset.name);
            assert_eq!((applied.complexity, applied.output_gain_db, applied.mix), (3, -6.0, 0.5));
            assert_eq!(applied.loss.seed, 42);
            assert_eq!(applied.bitrate_bps, preset.settings.bitrate_bps);
        }
        // Every field a preset decides counts for whether it is active: here the mean burst.
        let wifi = PRESETS[3].applied_to(&base);
        let longer_bursts = Settings { loss: LossSettings { mean_burst_packets: 4.0, ..wifi.loss }, ..wifi };
        assert!(!PRESETS[3].is_active(&longer_bursts));
    }
}
