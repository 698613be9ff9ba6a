//! Presets a user recognises: a few everyday ways people hear Opus.

use nice_plug::prelude::*;

use roundtrip_engine::{LossSettings, Settings};

use crate::params::{ApplicationParam, BandwidthParam, FrameParam, LossModelParam, RoundtripParams};

/// One preset: the values it sets. Parameters it does not name keep their values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    /// The name shown in the editor.
    pub name: &'static str,
    /// What it is for, shown as a tooltip.
    pub description: &'static str,
    pub bitrate_kbps: f32,
    pub loss_percent: f32,
    pub loss_model: LossModelParam,
    pub mean_burst_packets: f32,
    pub frame: FrameParam,
    pub application: ApplicationParam,
    pub bandwidth: BandwidthParam,
    pub fec: bool,
    pub dred_tens_of_ms: i32,
    pub expected_loss_percent: i32,
    pub force_mono: bool,
}

const CLEAN_VOICE: Preset = Preset {
    name: "Voice call 16 kbps",
    description: "A typical VoIP call on a good connection: mono speech, wideband-ish, no loss.",
    bitrate_kbps: 16.0,
    loss_percent: 0.0,
    loss_model: LossModelParam::Random,
    mean_burst_packets: 1.0,
    frame: FrameParam::Ms20,
    application: ApplicationParam::Voip,
    bandwidth: BandwidthParam::Auto,
    fec: false,
    dred_tens_of_ms: 0,
    expected_loss_percent: -1,
    force_mono: true,
};

/// The presets, in the order the editor shows them.
pub const PRESETS: [Preset; 6] = [
    CLEAN_VOICE,
    Preset {
        name: "Game chat 32 kbps",
        description: "Voice chat in a game or on Discord: speech at 32 kbps, 20 ms packets.",
        bitrate_kbps: 32.0,
        ..CLEAN_VOICE
    },
    Preset {
        name: "Music stream 128 kbps",
        description: "Music or a DJ set streamed in stereo at 128 kbps, full band.",
        bitrate_kbps: 128.0,
        application: ApplicationParam::Audio,
        bandwidth: BandwidthParam::Fullband,
        force_mono: false,
        ..CLEAN_VOICE
    },
    Preset {
        name: "Bad Wi-Fi: 10 % bursty loss",
        description: "A call over congested Wi-Fi: 10 % of packets lost in bursts of 3, with in-band FEC.",
        bitrate_kbps: 24.0,
        loss_percent: 10.0,
        loss_model: LossModelParam::Bursty,
        mean_burst_packets: 3.0,
        fec: true,
        expected_loss_percent: 20,
        ..CLEAN_VOICE
    },
    Preset {
        name: "Bad Wi-Fi + DRED",
        description: "The same network, repaired with deep redundancy (DRED, 100 ms) instead of FEC.",
        bitrate_kbps: 24.0,
        loss_percent: 10.0,
        loss_model: LossModelParam::Bursty,
        mean_burst_packets: 3.0,
        dred_tens_of_ms: 10,
        expected_loss_percent: 20,
        ..CLEAN_VOICE
    },
    Preset {
        name: "Low delay 96 kbps",
        description: "Live music over the network: restricted low delay, 5 ms packets, stereo.",
        bitrate_kbps: 96.0,
        frame: FrameParam::Ms5,
        application: ApplicationParam::LowDelay,
        bandwidth: BandwidthParam::Fullband,
        force_mono: false,
        ..CLEAN_VOICE
    },
];

impl Preset {
    /// Sets every value of the preset through `setter`, as automation gestures the host records.
    pub fn apply(&self, params: &RoundtripParams, setter: &ParamSetter) {
        fn set<P: Param>(setter: &ParamSetter, param: &P, value: P::Plain) {
            setter.begin_set_parameter(param);
            setter.set_parameter(param, value);
            setter.end_set_parameter(param);
        }
        set(setter, &params.bitrate_kbps, self.bitrate_kbps);
        set(setter, &params.loss_percent, self.loss_percent);
        set(setter, &params.loss_model, self.loss_model);
        set(setter, &params.mean_burst_packets, self.mean_burst_packets);
        set(setter, &params.frame, self.frame);
        set(setter, &params.application, self.application);
        set(setter, &params.bandwidth, self.bandwidth);
        set(setter, &params.fec, self.fec);
        set(setter, &params.dred_tens_of_ms, self.dred_tens_of_ms);
        set(setter, &params.expected_loss_percent, self.expected_loss_percent);
        set(setter, &params.force_mono, self.force_mono);
    }

    /// The engine settings of the preset, over `base` for what it does not name (the offline
    /// renderer's way to the same sound).
    pub fn settings(&self, base: Settings) -> Settings {
        Settings {
            bitrate_bps: (self.bitrate_kbps * 1000.0).round() as i32,
            frame: self.frame.into(),
            application: self.application.into(),
            bandwidth: self.bandwidth.into(),
            fec: self.fec,
            expected_loss_percent: u8::try_from(self.expected_loss_percent).ok(),
            dred_duration_ms: (self.dred_tens_of_ms.clamp(0, 104) * 10) as u16,
            force_mono: self.force_mono,
            loss: LossSettings {
                model: self.loss_model.into(),
                loss_percent: self.loss_percent,
                mean_burst_packets: self.mean_burst_packets,
                ..base.loss
            },
            ..base
        }
    }

    /// Whether `params` currently hold this preset's values.
    pub fn is_active(&self, params: &RoundtripParams) -> bool {
        params.bitrate_kbps.value() == self.bitrate_kbps
            && params.loss_percent.value() == self.loss_percent
            && params.loss_model.value() == self.loss_model
            && params.frame.value() == self.frame
            && params.application.value() == self.application
            && params.bandwidth.value() == self.bandwidth
            && params.fec.value() == self.fec
            && params.dred_tens_of_ms.value() == self.dred_tens_of_ms
            && params.force_mono.value() == self.force_mono
    }
}
