//! The audio devices `live` can use: ALSA PCMs through cpal, and whether a JACK server runs.
//! nice-plug's wrapper would silently fall back to no audio; we look first so that a user
//! without a device gets a clear message instead.
//!
//! A desktop Linux reaches its sound card through ALSA's `default` PCM (or `pipewire`,
//! `pulse`), whose *names* are descriptions such as "Default ALSA Output (currently PipeWire
//! Media Server)". nice-plug's wrapper selects devices by that name and takes the first PCM that
//! has it, so a user names a device here by PCM id or by name, and we hand the wrapper the name
//! only when it leads to that same PCM.

use cpal::traits::{DeviceTrait, HostTrait};

/// The system's own audio API: how cpal and nice-plug's wrapper name it, and how people do.
#[cfg(all(unix, not(target_os = "macos")))]
pub const SYSTEM_AUDIO: (cpal::HostId, &str, &str) = (cpal::HostId::Alsa, "alsa", "ALSA");
#[cfg(windows)]
pub const SYSTEM_AUDIO: (cpal::HostId, &str, &str) = (cpal::HostId::Wasapi, "wasapi", "WASAPI");
#[cfg(target_os = "macos")]
pub const SYSTEM_AUDIO: (cpal::HostId, &str, &str) = (cpal::HostId::CoreAudio, "coreaudio", "CoreAudio");

/// ALSA's PCM for the system's default device (on Linux; elsewhere no device has this id, and
/// `live` takes the first device found).
pub const DEFAULT_PCM: &str = "default";

/// One device of the system's audio API (on Linux, an ALSA PCM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemDevice {
    /// The device's id; ALSA's PCM id on Linux: `default`, `pipewire`, `hw:CARD=USB,DEV=0`…
    pub id: String,
    /// The first line of ALSA's description, which nice-plug's wrapper selects by.
    pub name: String,
}

impl SystemDevice {
    /// A device with this id and name.
    pub fn new(id: &str, name: &str) -> Self {
        Self { id: id.to_owned(), name: name.to_owned() }
    }
}

/// What was found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Devices {
    /// ALSA PCMs that can record, in cpal's order.
    pub inputs: Vec<SystemDevice>,
    /// ALSA PCMs that can play, in cpal's order.
    pub outputs: Vec<SystemDevice>,
    /// Whether a JACK server answered.
    pub jack_running: bool,
}

/// Why a named device cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceChoiceError {
    /// No PCM has this id or name.
    Unknown,
    /// The device's name belongs to another PCM listed before it, which the wrapper would open.
    Shadowed {
        /// The PCM the wrapper would open instead.
        first: SystemDevice,
    },
}

impl Devices {
    /// Looks for devices. Never fails: what cannot be listed is absent.
    pub fn scan() -> Self {
        let mut devices = Self { jack_running: jack_running(), ..Self::default() };
        // ALSA's "null" PCM swallows and produces silence: no device for monitoring.
        let describe = |device: cpal::Device| {
            let id = device.id().ok()?.id().to_string();
            (id != "null").then_some(())?;
            let name = device.description().ok().map_or_else(|| id.clone(), |d| d.name().to_string());
            Some(SystemDevice { id, name })
        };
        if let Ok(host) = cpal::host_from_id(SYSTEM_AUDIO.0) {
            if let Ok(inputs) = host.input_devices() {
                devices.inputs = inputs.filter_map(describe).collect();
            }
            if let Ok(outputs) = host.output_devices() {
                devices.outputs = outputs.filter_map(describe).collect();
            }
        }
        devices
    }

    /// The list on one line, for error messages: PCM ids with their names.
    pub fn summary(&self) -> String {
        let api = SYSTEM_AUDIO.2;
        let list = |devices: &[SystemDevice]| {
            let items: Vec<String> =
                devices.iter().map(|device| format!("{} ('{}')", device.id, device.name)).collect();
            if items.is_empty() { "none".to_owned() } else { items.join(", ") }
        };
        format!(
            "JACK server {}; {api} inputs: {}; {api} outputs: {}",
            if self.jack_running { "running" } else { "not running" },
            list(&self.inputs),
            list(&self.outputs)
        )
    }

    /// The list, as `--list-devices` prints it: PCM id, name, and which is the system default.
    pub fn listing(&self) -> String {
        let api = SYSTEM_AUDIO.2;
        let list = |devices: &[SystemDevice]| {
            if devices.is_empty() {
                return " none".to_owned();
            }
            devices
                .iter()
                .map(|device| {
                    let mark = if device.id == DEFAULT_PCM { " (system default)" } else { "" };
                    format!("\n  {} — {}{mark}", device.id, device.name)
                })
                .collect()
        };
        format!(
            "JACK server: {}\n{api} inputs:{}\n{api} outputs:{}",
            if self.jack_running { "running" } else { "not running" },
            list(&self.inputs),
            list(&self.outputs)
        )
    }
}

/// The device in `devices` that `asked` names, by PCM id first, then by name, and checked to be
/// the one nice-plug's wrapper opens for its name.
pub fn choose<'a>(devices: &'a [SystemDevice], asked: &str) -> Result<&'a SystemDevice, DeviceChoiceError> {
    let device = devices
        .iter()
        .find(|device| device.id == asked)
        .or_else(|| devices.iter().find(|device| device.name == asked))
        .ok_or(DeviceChoiceError::Unknown)?;
    match devices.iter().find(|other| other.name == device.name) {
        Some(first) if first.id != device.id => Err(DeviceChoiceError::Shadowed { first: first.clone() }),
        _ => Ok(device),
    }
}

/// Whether a JACK server is running (without starting one).
fn jack_running() -> bool {
    jack::Client::new("opus-roundtrip-probe", jack::ClientOptions::NO_START_SERVER).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What cpal lists on a PipeWire desktop with one USB headset (shortened).
    fn desktop() -> Vec<SystemDevice> {
        vec![
            SystemDevice::new("pipewire", "PipeWire Sound Server"),
            SystemDevice::new("default", "Default ALSA Output (currently PipeWire Media Server)"),
            SystemDevice::new("hw:CARD=Headset,DEV=0", "USB Headset, USB Audio"),
            SystemDevice::new("plughw:CARD=Headset,DEV=0", "USB Headset, USB Audio"),
        ]
    }

    #[test]
    fn a_device_is_found_by_pcm_id_or_by_name() {
        let devices = desktop();
        assert_eq!(choose(&devices, "default").unwrap().id, "default");
        assert_eq!(choose(&devices, "PipeWire Sound Server").unwrap().id, "pipewire");
        assert_eq!(choose(&devices, "USB Headset, USB Audio").unwrap().id, "hw:CARD=Headset,DEV=0");
        assert_eq!(choose(&devices, "pulse"), Err(DeviceChoiceError::Unknown));
    }

    #[test]
    fn a_pcm_whose_name_an_earlier_one_has_cannot_be_chosen() {
        let devices = desktop();
        let error = choose(&devices, "plughw:CARD=Headset,DEV=0").unwrap_err();
        assert_eq!(error, DeviceChoiceError::Shadowed { first: devices[2].clone() });
    }

    #[test]
    fn the_listing_shows_ids_names_and_the_system_default() {
        let devices = Devices { inputs: desktop(), outputs: Vec::new(), jack_running: false };
        let listing = devices.listing();
        assert!(listing.contains("  default — Default ALSA Output (currently PipeWire Media Server) (system default)"));
        assert!(listing.contains("  pipewire — PipeWire Sound Server\n"), "{listing}");
        assert!(listing.ends_with("ALSA outputs: none"), "{listing}");
    }
}
