//! The decoding path fed arbitrary bytes: random packets, and real packets with bits flipped,
//! truncated or extended, through packet inspection, the decoder (normal and FEC) and the DRED
//! parser. Each call returns a result or an error, never crashes, and decoded audio is finite.
//!
//! Bounded here (`ROUNDTRIP_FUZZ_PACKETS`, default 20,000 of each kind); `cargo xtask fuzz`
//! runs millions.

use roundtrip_codec::{Application, Channels, Decoder, Dred, DredDecoder, Encoder, MAX_PACKET_BYTES, PacketInfo};
use roundtrip_signal::test_signal;

const RATE_HZ: u32 = 48_000;

/// Fixed-seed draws, so that a failure reproduces.
struct Draws(test_support::XorShift);

impl Draws {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn below(&mut self, n: usize) -> usize {
        self.0.below(n.max(1) as u64) as usize
    }
}

fn packets_per_kind() -> usize {
    std::env::var("ROUNDTRIP_FUZZ_PACKETS").ok().and_then(|n| n.parse().ok()).unwrap_or(20_000)
}

/// Real packets of speech and music: SILK, hybrid and CELT, with FEC and DRED.
fn real_packets() -> Vec<Vec<u8>> {
    let mut packets = Vec::new();
    let speech = test_signal::interleave_mono(&test_signal::speech(RATE_HZ, 2.0), 2);
    let music = test_signal::music(RATE_HZ, 2, 2.0);
    for (application, bitrate, signal) in [
        (Application::Voip, 16_000, &speech),
        (Application::Voip, 32_000, &speech),
        (Application::Audio, 128_000, &music),
    ] {
        let mut encoder = Encoder::new(RATE_HZ, Channels::Stereo, application).unwrap();
        encoder.set_bitrate(roundtrip_codec::Bitrate::BitsPerSecond(bitrate)).unwrap();
        encoder.set_inband_fec(true).unwrap();
        encoder.set_packet_loss_perc(20).unwrap();
        encoder.set_dred_duration(10).unwrap();
        let mut packet = vec![0u8; MAX_PACKET_BYTES];
        for frame in signal.chunks_exact(960 * 2) {
            let len = encoder.encode_float(frame, &mut packet).unwrap();
            packets.push(packet[..len].to_vec());
        }
    }
    packets
}

#[test]
fn arbitrary_bytes_never_crash_the_decoding_path() {
    let mut draws = Draws(test_support::XorShift::new(0x5EED_F00D));
    let real = real_packets();
    let mut decoders =
        [Decoder::new(RATE_HZ, Channels::Stereo).unwrap(), Decoder::new(16_000, Channels::Mono).unwrap()];
    let mut dred_decoder = DredDecoder::new().unwrap();
    let mut dred = Dred::new().unwrap();
    let mut out = vec![0.0f32; 5_760 * 2];
    let (mut decoded, mut refused) = (0u64, 0u64);
    let count = packets_per_kind();
    for n in 0..count * 2 {
        let packet: Vec<u8> = if n % 2 == 0 {
            let len = draws.below(1_500);
            (0..len).map(|_| draws.next() as u8).collect()
        } else {
            let mut packet = real[draws.below(real.len())].clone();
            match draws.below(3) {
                0 => {
                    for _ in 0..1 + draws.below(8) {
                        let bit = draws.below(packet.len() * 8);
                        packet[bit / 8] ^= 1 << (bit % 8);
                    }
                }
                1 => packet.truncate(draws.below(packet.len() + 1)),
                _ => packet.extend((0..draws.below(64)).map(|_| draws.next() as u8)),
            }
            packet
        };
        let _ = PacketInfo::parse(&packet, RATE_HZ);
        for decoder in &mut decoders {
            let fec = draws.below(4) == 0;
            match decoder.decode_float(Some(&packet), &mut out, fec) {
                Ok(samples) => {
                    decoded += 1;
                    let channels = if decoder.channels() == Channels::Stereo { 2 } else { 1 };
                    assert!(out[..samples * channels].iter().all(|s| s.is_finite()), "packet {n}: non-finite audio");
                }
                Err(_) => refused += 1,
            }
        }
        let _ = dred_decoder.parse(&mut dred, &packet, 4_800, RATE_HZ);
    }
    eprintln!("{} packets: {decoded} decodes, {refused} refused", count * 2);
    assert!(decoded > 0 && refused > 0);
}
