//! The plugin as a standalone application (nice-plug's wrapper: JACK, ALSA or a dummy backend),
//! with its editor open. `opus_roundtrip --help` lists the options; `--backend dummy` runs
//! without any audio device.

fn main() {
    nice_plug::wrapper::standalone::nice_export_standalone::<opus_roundtrip::OpusRoundtrip>();
}
