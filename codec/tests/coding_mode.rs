//! The coding mode and bandwidth read from real packets are the ones the encoder was steered
//! to (libopus has no public CTL that forces a mode, so each case uses settings that leave it
//! one choice).

use roundtrip_codec::{
    Application, Bandwidth, Bitrate, Channels, CodingMode, Encoder, FrameDuration, MAX_PACKET_BYTES, PacketInfo, Signal,
};
use roundtrip_signal::test_signal;

/// The mode and bandwidth of every packet of `frame_samples` after the first few (libopus may
/// switch at the start), encoding `signal` (48 kHz mono) with `setup` applied.
fn modes_of(
    application: Application,
    signal: &[f32],
    frame_samples: usize,
    setup: impl FnOnce(&mut Encoder),
) -> Vec<(CodingMode, Bandwidth)> {
    let mut encoder = Encoder::new(48_000, Channels::Mono, application).unwrap();
    setup(&mut encoder);
    let mut packet = [0u8; MAX_PACKET_BYTES];
    let frames = signal.chunks_exact(frame_samples).map(|frame| {
        let len = encoder.encode_float(frame, &mut packet).unwrap();
        let info = PacketInfo::parse(&packet[..len], 48_000).unwrap();
        (info.mode, info.bandwidth)
    });
    frames.skip(5).collect()
}

fn all_are(found: &[(CodingMode, Bandwidth)], wanted: (CodingMode, Bandwidth)) {
    assert!(!found.is_empty());
    assert!(found.iter().all(|&pair| pair == wanted), "wanted only {wanted:?}, found {found:?}");
}

#[test]
fn low_bitrate_wideband_speech_is_coded_by_silk() {
    let speech = test_signal::speech(48_000, 1.0);
    let found = modes_of(Application::Voip, &speech, 960, |encoder| {
        encoder.set_bitrate(Bitrate::BitsPerSecond(12_000)).unwrap();
        encoder.set_bandwidth(Some(Bandwidth::Wideband)).unwrap();
        encoder.set_signal(Signal::Voice).unwrap();
    });
    all_are(&found, (CodingMode::Silk, Bandwidth::Wideband));
}

#[test]
fn super_wideband_speech_at_a_speech_bitrate_is_coded_hybrid() {
    let speech = test_signal::speech(48_000, 1.0);
    let found = modes_of(Application::Voip, &speech, 960, |encoder| {
        encoder.set_bitrate(Bitrate::BitsPerSecond(24_000)).unwrap();
        encoder.set_bandwidth(Some(Bandwidth::Superwideband)).unwrap();
        encoder.set_signal(Signal::Voice).unwrap();
    });
    all_are(&found, (CodingMode::Hybrid, Bandwidth::Superwideband));
}

#[test]
fn restricted_low_delay_and_short_frames_are_coded_by_celt() {
    let music = test_signal::music(48_000, 1, 1.0);
    let found = modes_of(Application::RestrictedLowDelay, &music, 960, |encoder| {
        encoder.set_bitrate(Bitrate::BitsPerSecond(64_000)).unwrap();
        encoder.set_bandwidth(Some(Bandwidth::Fullband)).unwrap();
    });
    all_are(&found, (CodingMode::Celt, Bandwidth::Fullband));
    // Frames under 10 ms exist only in CELT, whatever the application: narrowband too.
    let speech = test_signal::speech(48_000, 1.0);
    let found = modes_of(Application::Voip, &speech, 240, |encoder| {
        encoder.set_frame_duration(FrameDuration::Ms5).unwrap();
        encoder.set_bandwidth(Some(Bandwidth::Narrowband)).unwrap();
    });
    all_are(&found, (CodingMode::Celt, Bandwidth::Narrowband));
}
