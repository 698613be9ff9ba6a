//! `live`: the plugin with its editor as a standalone app (nice-plug's wrapper), after checking
//! that the chosen devices exist.

use opus_roundtrip::OpusRoundtrip;

use crate::cli::{Backend, LiveArgs};
use crate::devices::Devices;
use crate::error::{AppError, Result};

/// The wrapper's arguments for the checked choices, or why there is nothing to run on.
pub fn wrapper_arguments(args: &LiveArgs, devices: &Devices) -> Result<Vec<String>> {
    let found = devices.listing().replace('\n', "; ");
    let backend = match args.backend {
        Backend::Dummy => "dummy",
        Backend::Jack if !devices.jack_running => {
            return Err(AppError::Device(format!(
                "no JACK server is running; start one, or use --backend alsa (found: {found})"
            )));
        }
        Backend::Jack => "jack",
        Backend::Auto if devices.jack_running => "jack",
        Backend::Auto | Backend::Alsa => "alsa",
    };
    let mut wrapper = vec!["opus-roundtrip".to_string(), "--backend".into(), backend.into()];
    if args.mono {
        // The plugin's second layout is mono.
        wrapper.extend(["--audio-layout".into(), "1".into()]);
    }
    if backend != "alsa" {
        return Ok(wrapper);
    }
    let input = pick("input", args.input_device.as_ref(), &devices.inputs, &found)?;
    let output = pick("output", args.output_device.as_ref(), &devices.outputs, &found)?;
    wrapper.extend([
        "--input-device".into(),
        input,
        "--output-device".into(),
        output,
        "--sample-rate".into(),
        args.sample_rate.to_string(),
        "--period-size".into(),
        args.period_size.to_string(),
    ]);
    Ok(wrapper)
}

/// The device to use for `direction`: the one asked for if it exists, else the first found.
fn pick(direction: &str, asked: Option<&String>, available: &[String], found: &str) -> Result<String> {
    match asked {
        Some(name) if available.contains(name) => Ok(name.clone()),
        Some(name) => Err(AppError::Device(format!(
            "no ALSA {direction} device '{name}'; pass --{direction}-device with one of those found ({found}), or --backend dummy"
        ))),
        None => available.first().cloned().ok_or_else(|| {
            AppError::Device(format!(
                "no audio {direction} device found; connect one and pass --{direction}-device NAME, start JACK and pass --backend jack, or pass --backend dummy to open the editor without audio (found: {found})"
            ))
        }),
    }
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
        Devices { inputs: vec!["USB Mic".into()], outputs: vec!["USB Mic".into()], jack_running: false }
    }

    #[test]
    fn auto_takes_jack_when_it_runs_else_the_first_alsa_devices() {
        let jack = Devices { jack_running: true, ..usb() };
        assert_eq!(wrapper_arguments(&args(Backend::Auto), &jack).unwrap(), ["opus-roundtrip", "--backend", "jack"]);
        let alsa = wrapper_arguments(&args(Backend::Auto), &usb()).unwrap().join(" ");
        assert_eq!(
            alsa,
            "opus-roundtrip --backend alsa --input-device USB Mic --output-device USB Mic --sample-rate 44100 --period-size 128"
        );
        let mono = LiveArgs { mono: true, ..args(Backend::Dummy) };
        assert_eq!(
            wrapper_arguments(&mono, &Devices::default()).unwrap().join(" "),
            "opus-roundtrip --backend dummy --audio-layout 1"
        );
    }

    #[test]
    fn a_missing_device_is_an_error_that_lists_what_was_found() {
        let err = wrapper_arguments(&args(Backend::Alsa), &Devices::default()).unwrap_err();
        assert!(matches!(err, AppError::Device(_)));
        assert!(err.to_string().contains("--backend dummy"), "{err}");
        let named = LiveArgs { output_device: Some("Speakers".into()), ..args(Backend::Alsa) };
        let err = wrapper_arguments(&named, &usb()).unwrap_err().to_string();
        assert!(err.contains("'Speakers'") && err.contains("USB Mic"), "{err}");
    }
}
