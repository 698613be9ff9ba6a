//! The engine's demonstration, and for now the README's main command (`cargo xtask demo`):
//! generated speech and music through a handful of presets, as a host would drive the plugin
//! (44.1 kHz, 256-frame blocks), with what a user would want to know printed for each.

use roundtrip_codec::{Application, FrameDuration, measure, test_signal};
use roundtrip_engine::{Engine, EngineConfig, LossModel, LossSettings, Settings};

const HOST_RATE_HZ: u32 = 44_100;
const BLOCK_FRAMES: usize = 256;
const SECONDS: f64 = 10.0;

struct Preset {
    name: &'static str,
    material: Material,
    settings: Settings,
}

#[derive(Clone, Copy)]
enum Material {
    Speech,
    Music,
}

fn presets() -> Vec<Preset> {
    // Calls are mono: code the (duplicated) voice as one channel, as a VoIP client would.
    let voice = Settings { application: Application::Voip, force_mono: true, ..Settings::default() };
    let wifi = LossSettings { model: LossModel::GilbertElliott, loss_percent: 10.0, mean_burst_packets: 3.0, seed: 1 };
    // libopus sizes FEC and DRED by the loss it is told to expect; DRED reaches back about 55 ms
    // at a 10 % hint and 95 ms at 15 % or more, enough to rebuild bursts of three 20 ms packets.
    let voice = Settings { expected_loss_percent: Some(20), ..voice };
    vec![
        Preset {
            name: "Voice call 16 kbps",
            material: Material::Speech,
            settings: Settings { bitrate_bps: 16_000, ..voice },
        },
        Preset {
            name: "Game chat 32 kbps",
            material: Material::Speech,
            settings: Settings { bitrate_bps: 32_000, ..voice },
        },
        Preset {
            name: "Bad Wi-Fi, PLC only",
            material: Material::Speech,
            settings: Settings { bitrate_bps: 24_000, loss: wifi, ..voice },
        },
        Preset {
            name: "Bad Wi-Fi + FEC",
            material: Material::Speech,
            settings: Settings { bitrate_bps: 24_000, fec: true, loss: wifi, ..voice },
        },
        Preset {
            name: "Bad Wi-Fi + DRED",
            material: Material::Speech,
            settings: Settings { bitrate_bps: 24_000, dred_duration_ms: 100, loss: wifi, ..voice },
        },
        Preset {
            name: "Music stream 128k",
            material: Material::Music,
            settings: Settings { bitrate_bps: 128_000, ..Settings::default() },
        },
        Preset {
            name: "Low delay 96k 5ms",
            material: Material::Music,
            settings: Settings {
                bitrate_bps: 96_000,
                frame: FrameDuration::Ms5,
                application: Application::RestrictedLowDelay,
                ..Settings::default()
            },
        },
    ]
}

fn main() -> Result<(), roundtrip_engine::EngineError> {
    println!(
        "Opus Roundtrip engine demo: {} s of generated material per preset, {HOST_RATE_HZ} Hz stereo, \
         {BLOCK_FRAMES}-frame blocks, {}",
        SECONDS,
        roundtrip_codec::libopus_version()
    );
    println!(
        "\n{:<20} {:>10} {:>9} {:>7} {:>7} {:>7} {:>7} {:>9} {:>10}",
        "preset", "latency", "actual", "lost", "by FEC", "by DRED", "PLC", "SNR", "spectral"
    );
    let speech = test_signal::interleave_mono(&test_signal::speech(HOST_RATE_HZ, SECONDS), 2);
    let music = test_signal::music(HOST_RATE_HZ, 2, SECONDS);
    for preset in presets() {
        let input = match preset.material {
            Material::Speech => &speech,
            Material::Music => &music,
        };
        let config = EngineConfig { sample_rate_hz: HOST_RATE_HZ, channels: 2, max_block_frames: BLOCK_FRAMES };
        let mut engine = Engine::new(config, preset.settings)?;
        let mut output = vec![0.0f32; input.len()];
        for (block_in, block_out) in input.chunks(BLOCK_FRAMES * 2).zip(output.chunks_mut(BLOCK_FRAMES * 2)) {
            engine.process_interleaved(block_in, block_out);
        }
        let latency = engine.latency_samples();
        let aligned_in: Vec<f32> = input[..input.len() - latency * 2].iter().step_by(2).copied().collect();
        let aligned_out: Vec<f32> = output[latency * 2..].iter().step_by(2).copied().collect();
        let counters = engine.counters();
        let actual_kbps = counters.bytes_sent as f64 * 8.0 / SECONDS / 1000.0;
        println!(
            "{:<20} {:>7.1} ms {:>6.1} kb {:>7} {:>7} {:>7} {:>7} {:>6.1} dB {:>7.1} dB",
            preset.name,
            latency as f64 * 1000.0 / f64::from(HOST_RATE_HZ),
            actual_kbps,
            counters.packets_lost,
            counters.recovered_fec,
            counters.recovered_dred,
            counters.concealed,
            measure::snr_db(&aligned_in, &aligned_out),
            measure::spectral_snr_db(&aligned_in, &aligned_out, 1024),
        );
    }
    println!(
        "\nlatency: what the plugin reports to the host (frame, lookahead, resampling, and the frames\n\
         held back for FEC/DRED). SNR: output against latency-aligned input; spectral SNR ignores\n\
         phase, which speech coding and DRED's vocoder do not keep. The plugin and the standalone\n\
         app (live monitoring, file rendering with reports) build on this engine."
    );
    Ok(())
}
