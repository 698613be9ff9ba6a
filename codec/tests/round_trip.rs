//! Encode → decode round trips, measured: fidelity at high bitrate, the redundancy features
//! really present in packets, and packet inspection agreeing with the encoder.

use roundtrip_codec::{
    Application, Bandwidth, Bitrate, Channels, Decoder, Dred, DredDecoder, Encoder, FrameDuration, MAX_PACKET_BYTES,
    PacketInfo,
};
use roundtrip_signal::{measure, test_signal};

const SAMPLE_RATE_HZ: u32 = 48_000;

/// Measured on libopus 1.6.1 with the music test signal: 256 kbps stereo gives 25.9 dB (and
/// 6 kbps 3.0 dB).
/// The bound leaves about 3 dB for other compilers and SIMD paths.
const MIN_SNR_256K_STEREO_DB: f64 = 23.0;

/// Encodes and decodes `pcm` in frames of `frame_samples` and returns the decoded audio advanced
/// by the encoder's lookahead, so that it lines up with the input sample for sample.
fn round_trip(encoder: &mut Encoder, pcm: &[f32], frame_samples: usize) -> Vec<f32> {
    let channels = encoder.channels().count();
    let mut decoder = Decoder::new(encoder.sample_rate_hz(), encoder.channels()).unwrap();
    let mut packet = [0u8; MAX_PACKET_BYTES];
    let mut frame_out = vec![0.0f32; frame_samples * channels];
    let mut decoded = Vec::with_capacity(pcm.len());
    for frame in pcm.chunks_exact(frame_samples * channels) {
        let len = encoder.encode_float(frame, &mut packet).unwrap();
        let samples = decoder.decode_float(Some(&packet[..len]), &mut frame_out, false).unwrap();
        assert_eq!(samples, frame_samples);
        decoded.extend_from_slice(&frame_out);
        assert_eq!(encoder.final_range().unwrap(), decoder.final_range().unwrap());
    }
    let lookahead = encoder.lookahead().unwrap() * channels;
    decoded.split_off(lookahead)
}

fn snr_at(bitrate_bps: i32, channels: Channels) -> f64 {
    let pcm = test_signal::music(SAMPLE_RATE_HZ, channels.count(), 4.0);
    let mut encoder = Encoder::new(SAMPLE_RATE_HZ, channels, Application::Audio).unwrap();
    encoder.set_bitrate(Bitrate::BitsPerSecond(bitrate_bps)).unwrap();
    encoder.set_complexity(10).unwrap();
    let decoded = round_trip(&mut encoder, &pcm, 960);
    // Skip the first 100 ms while the codec settles.
    let skip = SAMPLE_RATE_HZ as usize / 10 * channels.count();
    measure::snr_db(&pcm[skip..decoded.len()], &decoded[skip..])
}

#[test]
fn stereo_music_at_256_kbps_is_faithful_and_6_kbps_is_not() {
    let high = snr_at(256_000, Channels::Stereo);
    let low = snr_at(6_000, Channels::Stereo);
    println!("SNR stereo music: 256 kbps {high:.1} dB, 6 kbps {low:.1} dB");
    assert!(high >= MIN_SNR_256K_STEREO_DB, "256 kbps SNR {high:.1} dB < {MIN_SNR_256K_STEREO_DB} dB");
    assert!(low < high - 15.0, "6 kbps ({low:.1} dB) should be far worse than 256 kbps ({high:.1} dB)");
}

#[test]
fn lookahead_is_the_delay_of_the_decoded_signal() {
    // An impulse comes out exactly `lookahead` samples late (CELT-only mode, which reproduces
    // transients sharply enough to locate the peak).
    let mut encoder = Encoder::new(SAMPLE_RATE_HZ, Channels::Mono, Application::RestrictedLowDelay).unwrap();
    encoder.set_bitrate(Bitrate::BitsPerSecond(256_000)).unwrap();
    let mut pcm = vec![0.0f32; 960 * 10];
    pcm[960 * 4 + 100] = 0.9;
    let mut decoder = Decoder::new(SAMPLE_RATE_HZ, Channels::Mono).unwrap();
    let mut packet = [0u8; MAX_PACKET_BYTES];
    let mut decoded = vec![0.0f32; pcm.len()];
    for (frame, out) in pcm.chunks_exact(960).zip(decoded.chunks_exact_mut(960)) {
        let len = encoder.encode_float(frame, &mut packet).unwrap();
        decoder.decode_float(Some(&packet[..len]), out, false).unwrap();
    }
    let peak = decoded.iter().enumerate().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs())).unwrap().0;
    let lookahead = encoder.lookahead().unwrap();
    assert_eq!(lookahead, 120, "restricted low delay has a 2.5 ms lookahead at 48 kHz");
    assert_eq!(peak, 960 * 4 + 100 + lookahead);
}

#[test]
fn every_frame_duration_round_trips_at_its_own_length() {
    for frame in FrameDuration::FIXED {
        let frame_samples = frame.samples(SAMPLE_RATE_HZ).unwrap();
        let pcm = test_signal::music(SAMPLE_RATE_HZ, 2, 0.48);
        let mut encoder = Encoder::new(SAMPLE_RATE_HZ, Channels::Stereo, Application::Audio).unwrap();
        encoder.set_bitrate(Bitrate::BitsPerSecond(128_000)).unwrap();
        encoder.set_frame_duration(frame).unwrap();
        let mut packet = [0u8; MAX_PACKET_BYTES];
        let len = encoder.encode_float(&pcm[..frame_samples * 2], &mut packet).unwrap();
        let info = PacketInfo::parse(&packet[..len], SAMPLE_RATE_HZ).unwrap();
        assert_eq!(info.samples_per_channel, frame_samples, "{frame:?}");
        assert_eq!(info.frames * info.samples_per_frame, frame_samples, "{frame:?}");
        assert_eq!(encoder.frame_duration().unwrap(), frame);
    }
}

#[test]
fn packet_info_reads_what_the_encoder_chose() {
    let pcm = test_signal::speech(SAMPLE_RATE_HZ, 0.5);
    let mut encoder = Encoder::new(SAMPLE_RATE_HZ, Channels::Mono, Application::Voip).unwrap();
    encoder.set_bitrate(Bitrate::BitsPerSecond(16_000)).unwrap();
    encoder.set_max_bandwidth(Bandwidth::Wideband).unwrap();
    let mut packet = [0u8; MAX_PACKET_BYTES];
    for frame in pcm.chunks_exact(960) {
        let len = encoder.encode_float(frame, &mut packet).unwrap();
        let info = PacketInfo::parse(&packet[..len], SAMPLE_RATE_HZ).unwrap();
        assert!(info.bandwidth <= Bandwidth::Wideband, "{info:?}");
        assert_eq!(info.channels, Channels::Mono);
        assert_eq!(info.samples_per_channel, 960);
    }
    let last_len = encoder.encode_float(&pcm[..960], &mut packet).unwrap();
    let last = PacketInfo::parse(&packet[..last_len], SAMPLE_RATE_HZ).unwrap();
    assert_eq!(encoder.bandwidth().unwrap(), Some(last.bandwidth));
}

/// Encodes speech at 24 kbps, 20 ms, with 15 % expected loss, in-band FEC if `fec`, and 100 ms
/// of DRED if `dred`, and returns the packets.
fn redundant_speech_packets(fec: bool, dred: bool) -> Vec<Vec<u8>> {
    let pcm = test_signal::speech(SAMPLE_RATE_HZ, 3.0);
    let mut encoder = Encoder::new(SAMPLE_RATE_HZ, Channels::Mono, Application::Voip).unwrap();
    encoder.set_bitrate(Bitrate::BitsPerSecond(24_000)).unwrap();
    encoder.set_inband_fec(fec).unwrap();
    encoder.set_packet_loss_perc(15).unwrap();
    encoder.set_dred_duration(if dred { 10 } else { 0 }).unwrap();
    let mut packet = [0u8; MAX_PACKET_BYTES];
    pcm.chunks_exact(960)
        .map(|frame| {
            let len = encoder.encode_float(frame, &mut packet).unwrap();
            packet[..len].to_vec()
        })
        .collect()
}

/// How many of `packets` carry in-band FEC and how many carry DRED.
fn count_redundancy(packets: &[Vec<u8>]) -> (usize, usize) {
    let with_fec = packets.iter().filter(|p| PacketInfo::parse(p, SAMPLE_RATE_HZ).unwrap().has_fec).count();
    let mut dred_decoder = DredDecoder::new().unwrap();
    let mut dred = Dred::new().unwrap();
    let with_dred = packets
        .iter()
        .filter(|p| dred_decoder.parse(&mut dred, p, 4800, SAMPLE_RATE_HZ).unwrap().offset_samples > 0)
        .count();
    (with_fec, with_dred)
}

#[test]
fn fec_and_dred_are_really_in_the_packets_at_24_kbps() {
    let (fec_only, dred_only, both) = (
        count_redundancy(&redundant_speech_packets(true, false)),
        count_redundancy(&redundant_speech_packets(false, true)),
        count_redundancy(&redundant_speech_packets(true, true)),
    );
    println!("of 150 packets (FEC, DRED): FEC alone {fec_only:?}, DRED alone {dred_only:?}, both {both:?}");
    assert!(fec_only.0 >= 120 && fec_only.1 == 0, "{fec_only:?}");
    assert!(dred_only.0 == 0 && dred_only.1 >= 120, "{dred_only:?}");
    // With FEC on, libopus budgets DRED from the bitrate above 20 kbps only
    // (`compute_dred_bitrate` in src/opus_encoder.c): at 24 kbps that is too little for two
    // DRED chunks, so it sends none and FEC takes the redundancy bits.
    assert!(both.0 >= 120 && both.1 == 0, "{both:?}");
}

#[test]
fn dred_rebuilds_lost_frames_at_the_right_level_and_unlike_concealment() {
    let packets = redundant_speech_packets(false, true);
    // Lose every 10th packet; recover each from the next packet's DRED, or conceal it.
    let is_lost = |index: usize| index % 10 == 5;
    let decode = |lose: bool, use_dred: bool| {
        let mut decoder = Decoder::new(SAMPLE_RATE_HZ, Channels::Mono).unwrap();
        decoder.set_complexity(5).unwrap();
        let mut dred_decoder = DredDecoder::new().unwrap();
        let mut dred = Dred::new().unwrap();
        let mut out = Vec::new();
        let mut frame = [0.0f32; 960];
        for (index, packet) in packets.iter().enumerate() {
            if lose && is_lost(index) {
                let next = &packets[index + 1];
                let available = dred_decoder.parse(&mut dred, next, 1920, SAMPLE_RATE_HZ).unwrap();
                if use_dred && available.offset_samples >= 960 {
                    decoder.decode_dred_float(&dred, 960, &mut frame).unwrap();
                } else {
                    decoder.decode_float(None, &mut frame, false).unwrap();
                }
            } else {
                decoder.decode_float(Some(packet), &mut frame, false).unwrap();
            }
            out.extend_from_slice(&frame);
        }
        out
    };
    // Judge each lost frame against what the decoder produced when nothing was lost: the
    // codec's own error is the same in both, so what remains is the cost of the loss.
    let reference = decode(false, false);
    let snr_of_lost_frames = |decoded: &[f32]| {
        let (mut signal, mut noise) = (0.0, 0.0);
        for index in (0..packets.len()).filter(|&i| is_lost(i)) {
            let span = index * 960..(index + 1) * 960;
            for (&r, &d) in reference[span.clone()].iter().zip(&decoded[span]) {
                signal += f64::from(r) * f64::from(r);
                noise += f64::from(r - d) * f64::from(r - d);
            }
        }
        measure::power_ratio_db(signal, noise)
    };
    let (with_dred, plc_only) = (decode(true, true), decode(true, false));
    let lost_level = |decoded: &[f32]| {
        let lost: Vec<f32> =
            (0..packets.len()).filter(|&i| is_lost(i)).flat_map(|i| decoded[i * 960..(i + 1) * 960].to_vec()).collect();
        measure::rms_dbfs(&lost)
    };
    let (reference_db, dred_db, plc_db) = (lost_level(&reference), lost_level(&with_dred), lost_level(&plc_only));
    let (dred_snr, plc_snr) = (snr_of_lost_frames(&with_dred), snr_of_lost_frames(&plc_only));
    println!(
        "lost frames: level lossless {reference_db:.1} dBFS, DRED {dred_db:.1}, PLC {plc_db:.1}; \
         waveform SNR vs lossless: DRED {dred_snr:.2} dB, PLC {plc_snr:.2} dB"
    );
    // DRED resynthesises speech with a neural vocoder, so it does not match the waveform's phase
    // and a waveform SNR does not show its benefit (libopus 1.6.1: DRED 1.9 dB, PLC 2.7 dB here);
    // the engine's tests judge it over whole signals. Here: it ran, produced speech at the right
    // level, and is not concealment under another name.
    assert!((dred_db - reference_db).abs() < 6.0, "DRED level {dred_db:.1} vs {reference_db:.1} dBFS");
    assert!(measure::snr_db(&plc_only, &with_dred) < 20.0, "DRED output is the same as PLC output");
}
