//! The audio devices `live` can use: ALSA devices through cpal, and whether a JACK server runs.
//! nice-plug's wrapper would silently fall back to no audio; we look first so that a user
//! without a device gets a clear message instead.

use cpal::traits::{DeviceTrait, HostTrait};

/// What was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Devices {
    /// ALSA devices that can record.
    pub inputs: Vec<String>,
    /// ALSA devices that can play.
    pub outputs: Vec<String>,
    /// Whether a JACK server answered.
    pub jack_running: bool,
}

impl Devices {
    /// Looks for devices. Never fails: what cannot be listed is absent.
    pub fn scan() -> Self {
        let mut devices = Self { jack_running: jack_running(), ..Self::default() };
        // Names as nice-plug's wrapper matches them: the description's name. ALSA's "null" PCM
        // swallows and produces silence, so it is no device for monitoring; and cpal's virtual
        // "default" device is not in these lists, so the wrapper could not select it by name.
        let name = |device: cpal::Device| {
            let pcm = device.id().ok()?;
            (pcm.id() != "null").then_some(())?;
            device.description().ok().map(|description| description.name().to_string())
        };
        if let Ok(host) = cpal::host_from_id(cpal::HostId::Alsa) {
            if let Ok(inputs) = host.input_devices() {
                devices.inputs = inputs.filter_map(name).collect();
            }
            if let Ok(outputs) = host.output_devices() {
                devices.outputs = outputs.filter_map(name).collect();
            }
        }
        devices
    }

    /// The list, as `--list-devices` prints it.
    pub fn listing(&self) -> String {
        let list = |names: &[String]| if names.is_empty() { "none".to_string() } else { names.join(", ") };
        format!(
            "JACK server: {}\nALSA inputs: {}\nALSA outputs: {}",
            if self.jack_running { "running" } else { "not running" },
            list(&self.inputs),
            list(&self.outputs)
        )
    }
}

/// Whether a JACK server is running (without starting one).
fn jack_running() -> bool {
    jack::Client::new("opus-roundtrip-probe", jack::ClientOptions::NO_START_SERVER).is_ok()
}
