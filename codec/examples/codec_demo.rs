//! The codec crate's demonstration: encodes and decodes generated music and speech at a few
//! settings, all states in one arena allocated up front, and prints what happened.

use std::sync::Arc;

use roundtrip_codec::{
    Application, Arena, Bitrate, Channels, Decoder, Encoder, MAX_PACKET_BYTES, PacketInfo, StateAllocator,
};
use roundtrip_signal::{measure, test_signal};

const SAMPLE_RATE_HZ: u32 = 48_000;
const FRAME_SAMPLES: usize = 960;
const SECONDS: f64 = 5.0;

struct Case {
    name: &'static str,
    material: &'static str,
    channels: Channels,
    application: Application,
    bitrate_bps: i32,
    fec: bool,
}

const CASES: [Case; 6] = [
    Case {
        name: "voice call",
        material: "speech",
        channels: Channels::Mono,
        application: Application::Voip,
        bitrate_bps: 16_000,
        fec: false,
    },
    Case {
        name: "voice call + FEC",
        material: "speech",
        channels: Channels::Mono,
        application: Application::Voip,
        bitrate_bps: 24_000,
        fec: true,
    },
    Case {
        name: "game chat",
        material: "speech",
        channels: Channels::Mono,
        application: Application::Voip,
        bitrate_bps: 32_000,
        fec: false,
    },
    Case {
        name: "low-rate music",
        material: "music",
        channels: Channels::Stereo,
        application: Application::Audio,
        bitrate_bps: 24_000,
        fec: false,
    },
    Case {
        name: "music stream",
        material: "music",
        channels: Channels::Stereo,
        application: Application::Audio,
        bitrate_bps: 128_000,
        fec: false,
    },
    Case {
        name: "transparent music",
        material: "music",
        channels: Channels::Stereo,
        application: Application::Audio,
        bitrate_bps: 256_000,
        fec: false,
    },
];

fn main() -> Result<(), roundtrip_codec::Error> {
    println!("Opus Roundtrip codec demo, {}", roundtrip_codec::libopus_version());
    let layouts = [Encoder::layout(Channels::Stereo)?, Decoder::layout(Channels::Stereo)?];
    let arena = Arc::new(Arena::for_layouts(&layouts)?);
    println!(
        "one arena of {} bytes holds the encoder ({} B) and decoder ({} B) of each case\n",
        arena.capacity(),
        layouts[0].size(),
        layouts[1].size()
    );
    println!(
        "{:<18} {:<7} {:>9} {:>11} {:>10} {:>9} {:>10} {:>8}",
        "case", "input", "target", "actual", "packet", "FEC pkts", "latency", "SNR"
    );
    for case in &CASES {
        let channels = case.channels.count();
        let pcm = match case.material {
            "speech" => test_signal::interleave_mono(&test_signal::speech(SAMPLE_RATE_HZ, SECONDS), channels),
            _ => test_signal::music(SAMPLE_RATE_HZ, channels, SECONDS),
        };
        let allocator: Arc<dyn StateAllocator> = arena.clone();
        let mut encoder = Encoder::new_in(allocator.clone(), SAMPLE_RATE_HZ, case.channels, case.application)?;
        let mut decoder = Decoder::new_in(allocator, SAMPLE_RATE_HZ, case.channels)?;
        encoder.set_bitrate(Bitrate::BitsPerSecond(case.bitrate_bps))?;
        encoder.set_inband_fec(case.fec)?;
        encoder.set_packet_loss_perc(if case.fec { 10 } else { 0 })?;
        let mut packet = [0u8; MAX_PACKET_BYTES];
        let mut out = vec![0.0f32; FRAME_SAMPLES * channels];
        let mut decoded = Vec::with_capacity(pcm.len());
        let (mut bytes, mut packets, mut with_fec) = (0usize, 0usize, 0usize);
        for frame in pcm.chunks_exact(FRAME_SAMPLES * channels) {
            let len = encoder.encode_float(frame, &mut packet)?;
            with_fec += usize::from(PacketInfo::parse(&packet[..len], SAMPLE_RATE_HZ)?.has_fec);
            decoder.decode_float(Some(&packet[..len]), &mut out, false)?;
            decoded.extend_from_slice(&out);
            bytes += len;
            packets += 1;
        }
        let lookahead = encoder.lookahead()?;
        let aligned = &decoded[lookahead * channels..];
        let snr = measure::snr_db(&pcm[..aligned.len()], aligned);
        let actual_kbps = bytes as f64 * 8.0 / (packets as f64 * 0.02) / 1000.0;
        println!(
            "{:<18} {:<7} {:>6} kb {:>8.1} kb {:>8.0} B {:>9} {:>7.2} ms {:>5.1} dB",
            case.name,
            case.material,
            case.bitrate_bps / 1000,
            actual_kbps,
            bytes as f64 / packets as f64,
            with_fec,
            lookahead as f64 * 1000.0 / f64::from(SAMPLE_RATE_HZ) + 20.0,
            snr
        );
    }
    println!("\nlatency = 20 ms frame + the encoder's lookahead; SNR = decoded vs input, aligned by the lookahead.");
    println!("Speech SNR is low by nature: SILK codes what the ear hears, not the waveform.");
    Ok(())
}
