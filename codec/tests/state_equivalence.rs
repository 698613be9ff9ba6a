//! A state we allocate and `init` behaves exactly like one libopus `create`s, and a state copied
//! byte for byte into other memory carries on exactly where the original was (libopus's
//! `tests/test_opus_api.c` checks the same two properties).

use std::sync::Arc;

use roundtrip_codec::{Application, Arena, Bitrate, Channels, Decoder, Encoder, MAX_PACKET_BYTES, StateAllocator, mem};
use roundtrip_signal::test_signal;

const SAMPLE_RATE_HZ: u32 = 48_000;
const FRAME_SAMPLES: usize = 960;

/// Encodes `frames` frames of music and returns every packet with the final range after it.
fn encode_all(encoder: &mut Encoder, pcm: &[f32]) -> Vec<(Vec<u8>, u32)> {
    let channels = encoder.channels().count();
    let mut packet = [0u8; MAX_PACKET_BYTES];
    pcm.chunks_exact(FRAME_SAMPLES * channels)
        .map(|frame| {
            let len = encoder.encode_float(frame, &mut packet).unwrap();
            (packet[..len].to_vec(), encoder.final_range().unwrap())
        })
        .collect()
}

/// Decodes `packets` (treating every fifth as lost) and returns the audio and final ranges.
fn decode_all(decoder: &mut Decoder, packets: &[(Vec<u8>, u32)]) -> (Vec<f32>, Vec<u32>) {
    let channels = decoder.channels().count();
    let mut out = vec![0.0f32; FRAME_SAMPLES * channels];
    let mut audio = Vec::new();
    let mut ranges = Vec::new();
    for (index, (packet, _)) in packets.iter().enumerate() {
        let packet = (index % 5 != 4).then_some(packet.as_slice());
        let samples = decoder.decode_float(packet, &mut out, false).unwrap();
        audio.extend_from_slice(&out[..samples * channels]);
        ranges.push(decoder.final_range().unwrap());
    }
    (audio, ranges)
}

fn configure(encoder: &mut Encoder) {
    encoder.set_bitrate(Bitrate::BitsPerSecond(64_000)).unwrap();
    encoder.set_complexity(10).unwrap();
    encoder.set_inband_fec(true).unwrap();
    encoder.set_packet_loss_perc(10).unwrap();
}

#[test]
fn encoder_from_init_matches_encoder_from_create_bit_for_bit() {
    for channels in [Channels::Mono, Channels::Stereo] {
        let pcm = test_signal::music(SAMPLE_RATE_HZ, channels.count(), 3.0);
        let mut ours = Encoder::new(SAMPLE_RATE_HZ, channels, Application::Audio).unwrap();
        let mut theirs = Encoder::create_library_managed(SAMPLE_RATE_HZ, channels, Application::Audio).unwrap();
        assert!(ours.is_user_managed() && !theirs.is_user_managed());
        configure(&mut ours);
        configure(&mut theirs);
        let ours = encode_all(&mut ours, &pcm);
        let theirs = encode_all(&mut theirs, &pcm);
        assert_eq!(ours.len(), 150);
        assert!(ours == theirs, "{channels:?}: packets or final ranges differ");
    }
}

#[test]
fn decoder_from_init_matches_decoder_from_create_bit_for_bit() {
    for channels in [Channels::Mono, Channels::Stereo] {
        let pcm = test_signal::music(SAMPLE_RATE_HZ, channels.count(), 3.0);
        let mut encoder = Encoder::new(SAMPLE_RATE_HZ, channels, Application::Audio).unwrap();
        configure(&mut encoder);
        let packets = encode_all(&mut encoder, &pcm);
        let mut ours = Decoder::new(SAMPLE_RATE_HZ, channels).unwrap();
        let mut theirs = Decoder::create_library_managed(SAMPLE_RATE_HZ, channels).unwrap();
        let (ours_audio, ours_ranges) = decode_all(&mut ours, &packets);
        let (theirs_audio, theirs_ranges) = decode_all(&mut theirs, &packets);
        assert_eq!(ours_ranges, theirs_ranges);
        assert!(ours_audio == theirs_audio, "{channels:?}: decoded audio differs");
        // Every packet that was received decodes to the encoder's final range.
        for (index, ((_, encoder_range), decoder_range)) in packets.iter().zip(&ours_ranges).enumerate() {
            if index % 5 != 4 {
                assert_eq!(encoder_range, decoder_range, "packet {index}");
            }
        }
    }
}

#[test]
fn a_copied_encoder_state_continues_identically_in_other_memory() {
    let pcm = test_signal::music(SAMPLE_RATE_HZ, 2, 2.0);
    let (first, second) = pcm.split_at(pcm.len() / 2);
    let mut original = Encoder::new(SAMPLE_RATE_HZ, Channels::Stereo, Application::Audio).unwrap();
    configure(&mut original);
    encode_all(&mut original, first);
    // Copy into an arena and into the global heap, then drop the original's memory first.
    let arena: Arc<dyn StateAllocator> = Arc::new(Arena::new(1 << 20).unwrap());
    let mut in_arena = original.duplicate_in(arena).unwrap();
    let mut on_heap = original.duplicate_in(mem::global()).unwrap();
    let expected = encode_all(&mut original, second);
    drop(original);
    assert!(encode_all(&mut in_arena, second) == expected);
    assert!(encode_all(&mut on_heap, second) == expected);
}

#[test]
fn a_copied_decoder_state_continues_identically_in_other_memory() {
    let pcm = test_signal::music(SAMPLE_RATE_HZ, 2, 2.0);
    let mut encoder = Encoder::new(SAMPLE_RATE_HZ, Channels::Stereo, Application::Audio).unwrap();
    configure(&mut encoder);
    let packets = encode_all(&mut encoder, &pcm);
    let (first, second) = packets.split_at(packets.len() / 2);
    let mut original = Decoder::new(SAMPLE_RATE_HZ, Channels::Stereo).unwrap();
    decode_all(&mut original, first);
    let mut copy = original.duplicate_in(Arc::new(Arena::new(1 << 20).unwrap())).unwrap();
    let expected = decode_all(&mut original, second);
    drop(original);
    assert!(decode_all(&mut copy, second) == expected);
}
