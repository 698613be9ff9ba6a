//! `live`: the plugin with its editor as a standalone app (nice-plug's wrapper), after checking
//! that the chosen devices exist.

use opus_roundtrip::OpusRoundtrip;

use crate::cli::{Backend, LiveArgs};
use crate::devices::{self, DEFAULT_PCM, DeviceChoiceError, Devices, SYSTEM_AUDIO, SystemDevice};
use crate::error::{AppError, Result};

/// The wrapper's arguments for the checked choices, or why there is nothing to run on.
pub fn wrapper_arguments(args: &LiveArgs, devices: &Devices) -> Result<Vec<String>> {
    let found = devices.summary();
    let backend = match args.backend {
        Backend::Dummy => "dummy",
        Backend::Jack if !devices.jack_running => {
            return Err(AppError::Device(format!(
                "no JACK server is running; start one, or use --backend {} (found: {found})",
                SYSTEM_AUDIO.1
            )));
        }
        Backend::Jack => "jack",
        Backend::Auto if devices.jack_running => "jack",
        Backend::Auto | Backend::System => SYSTEM_AUDIO.1,
    };
    let mut wrapper = vec!["opus-roundtrip".to_string(), "--backend".into(), backend.into()];
    if args.mono {
        // The plugin's second layout is mono.
        wrapper.extend(["--audio-layout".into(), "1".into()]);
    }
    if backend != SYSTEM_AUDIO.1 {
        return Ok(wrapper);
    }
    // nice-plug's wrapper opens no input unless told one: the one asked for, else the system
    // default, else the first device it can open. Names go as `--flag=NAME`, so that one with
    // spaces or a leading '-' stays one argument.
    let input = match args.input_device.as_deref() {
        Some(asked) => chosen("input", &devices.inputs, asked, &found)?,
        None => devices::choose(&devices.inputs, DEFAULT_PCM)
            .ok()
            .or_else(|| devices.inputs.iter().find(|device| devices::choose(&devices.inputs, &device.id).is_ok()))
            .ok_or_else(|| no_device("input", &found))?,
    };
    wrapper.push(format!("--input-device={}", input.name));
    // Without a name the wrapper opens ALSA's default output, the system default.
    match args.output_device.as_deref() {
        Some(asked) => {
            wrapper.push(format!("--output-device={}", chosen("output", &devices.outputs, asked, &found)?.name))
        }
        None if devices.outputs.is_empty() => return Err(no_device("output", &found)),
        None => {}
    }
    wrapper.extend([
        "--sample-rate".into(),
        args.sample_rate.to_string(),
        "--period-size".into(),
        args.period_size.to_string(),
    ]);
    Ok(wrapper)
}

/// The device `asked` names for `direction`, or why it cannot be used.
fn chosen<'a>(direction: &str, available: &'a [SystemDevice], asked: &str, found: &str) -> Result<&'a SystemDevice> {
    devices::choose(available, asked).map_err(|error| {
        AppError::Device(match error {
            DeviceChoiceError::Unknown => format!(
                "no {} {direction} device '{asked}'; pass --{direction}-device with an id or name of those found ({found}), or --backend dummy",
                SYSTEM_AUDIO.2
            ),
            DeviceChoiceError::Shadowed { first } => format!(
                "{} {direction} device '{asked}' has the name '{}' of '{}', listed before it, which the audio backend would open instead; choose '{}' or another device",
                SYSTEM_AUDIO.2, first.name, first.id, first.id
            ),
        })
    })
}

fn no_device(direction: &str, found: &str) -> AppError {
    AppError::Device(format!(
        "no audio {direction} device found; connect one and pass --{direction}-device NAME, start JACK and pass --backend jack, or pass --backend dummy to open the editor without audio (found: {found})"
    ))
}

/// Runs `live` from the command line.
pub fn run(args: &LiveArgs) -> Result<()> {
    let (low, high) = roundtrip_engine::HOST_RATE_RANGE_HZ;
    if !(low..=high).contains(&args.sample_rate) {
        return Err(AppError::Usage(format!("--sample-rate {}: use {low} to {high} Hz", args.sample_rate)));
    }
    if !(16..=8192).contains(&args.period_size) {
        return Err(AppError::Usage(format!("--period-size {}: use 16 to 8192 frames", args.period_size)));
    }
    let devices =
        if args.backend == Backend::Dummy && !args.list_devices { Devices::default() } else { Devices::scan() };
    if args.list_devices {
        println!("{}", devices.listing());
        return Ok(());
    }
    let wrapper = wrapper_arguments(args, &devices)?;
    if nice_plug::wrapper::standalone::nice_export_standalone_with_args::<OpusRoundtrip, _>(wrapper) {
        Ok(())
    } else {
        Err(AppError::Device("the audio backend failed to start; see the messages above".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(backend: Backend) -> LiveArgs {
        LiveArgs {
            backend,
            input_device: None,
            output_device: None,
            sample_rate: 44_100,
            period_size: 128,
            mono: false,
            list_devices: false,
        }
    }

    fn usb() -> Devices {
        let headset = vec![
            SystemDevice::new("hw:CARD=Mic,DEV=0", "USB Mic"),
            SystemDevice::new("plughw:CARD=Mic,DEV=0", "USB Mic"),
        ];
        Devices { inputs: headset.clone(), outputs: headset, jack_running: false }
    }

    fn desktop() -> Devices {
        let mut devices = usb();
        let default = SystemDevice::new("default", "Default ALSA Output (currently PipeWire Media Server)");
        devices.inputs.push(default.clone());
        devices.outputs.push(default);
        devices
    }

    #[test]
    fn auto_takes_jack_when_it_runs_else_alsa_with_the_system_default() {
        let jack = Devices { jack_running: true, ..usb() };
        assert_eq!(wrapper_arguments(&args(Backend::Auto), &jack).unwrap(), ["opus-roundtrip", "--backend", "jack"]);
        // The system default input when there is one; the output left to the backend's default.
        let alsa = wrapper_arguments(&args(Backend::Auto), &desktop()).unwrap().join(" ");
        let expected = format!(
            "opus-roundtrip --backend {} --input-device=Default ALSA Output (currently PipeWire Media Server) \
             --sample-rate 44100 --period-size 128",
            SYSTEM_AUDIO.1
        );
        assert_eq!(alsa, expected);
        // Without one, the first device the backend can open.
        let alsa = wrapper_arguments(&args(Backend::System), &usb()).unwrap().join(" ");
        assert!(alsa.contains("--input-device=USB Mic --sample-rate"), "{alsa}");
        let mono = LiveArgs { mono: true, ..args(Backend::Dummy) };
        assert_eq!(
            wrapper_arguments(&mono, &Devices::default()).unwrap().join(" "),
            "opus-roundtrip --backend dummy --audio-layout 1"
        );
    }

    #[test]
    fn devices_are_chosen_by_pcm_id_or_name() {
        let named = LiveArgs {
            input_device: Some("default".into()),
            output_device: Some("hw:CARD=Mic,DEV=0".into()),
            ..args(Backend::System)
        };
        let arguments = wrapper_arguments(&named, &desktop()).unwrap();
        assert!(arguments.contains(&"--input-device=Default ALSA Output (currently PipeWire Media Server)".to_owned()));
        assert!(arguments.contains(&"--output-device=USB Mic".to_owned()), "{arguments:?}");
        let shadowed = LiveArgs { input_device: Some("plughw:CARD=Mic,DEV=0".into()), ..args(Backend::System) };
        let error = wrapper_arguments(&shadowed, &desktop()).unwrap_err().to_string();
        assert!(error.contains("choose 'hw:CARD=Mic,DEV=0'"), "{error}");
    }

    #[test]
    fn a_missing_device_is_an_error_that_lists_what_was_found() {
        let err = wrapper_arguments(&args(Backend::System), &Devices::default()).unwrap_err();
        assert!(matches!(err, AppError::Device(_)));
        assert!(err.to_string().contains("--backend dummy"), "{err}");
        let named = LiveArgs { output_device: Some("Speakers".into()), ..args(Backend::System) };
        let err = wrapper_arguments(&named, &usb()).unwrap_err().to_string();
        assert!(err.contains("'Speakers'") && err.contains("USB Mic"), "{err}");
    }
}
