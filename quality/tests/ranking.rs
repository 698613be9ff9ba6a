//! The score ranks what listeners rank: our own generated speech through libopus at 12, 24 and
//! 64 kbps scores in that order, and what is not worth a score says so.
//!
//! What the metric does at the top of its scale, asserted as it is: the speech lattice model
//! gives identical signals about 4.5-4.6, not 5 (the reference's own identity score for its
//! speech clip is 4.51), and may put a transparent codec a little above that.

use roundtrip_codec::{Application, Bitrate, Channels, Decoder, Encoder, MAX_PACKET_BYTES};
use roundtrip_quality::{Mode, QualityError, score};
use roundtrip_signal::test_signal;

const RATE: u32 = 48_000;
const FRAME: usize = 960;

/// `pcm` through libopus at `bitrate_bps` (VoIP, 20 ms), lined up with the input.
fn opus(pcm: &[f32], bitrate_bps: i32) -> Vec<f32> {
    let mut encoder = Encoder::new(RATE, Channels::Mono, Application::Voip).unwrap();
    encoder.set_bitrate(Bitrate::BitsPerSecond(bitrate_bps)).unwrap();
    let mut decoder = Decoder::new(RATE, Channels::Mono).unwrap();
    let mut packet = [0u8; MAX_PACKET_BYTES];
    let mut frame = vec![0.0f32; FRAME];
    let mut decoded = Vec::with_capacity(pcm.len() + FRAME);
    let lookahead = encoder.lookahead().unwrap();
    let mut padded = pcm.to_vec();
    padded.resize(pcm.len().div_ceil(FRAME) * FRAME + FRAME, 0.0);
    for chunk in padded.chunks_exact(FRAME) {
        let len = encoder.encode_float(chunk, &mut packet).unwrap();
        decoder.decode_float(Some(&packet[..len]), &mut frame, false).unwrap();
        decoded.extend_from_slice(&frame);
    }
    decoded[lookahead..lookahead + pcm.len()].to_vec()
}

#[test]
fn speech_scores_rise_with_the_bitrate() {
    let speech = test_signal::speech(RATE, 8.0);
    let scores: Vec<f64> = [12_000, 24_000, 64_000]
        .into_iter()
        .map(|bitrate| score(&speech, &opus(&speech, bitrate), RATE, Mode::Speech).unwrap().mos)
        .collect();
    let itself = score(&speech, &speech, RATE, Mode::Speech).unwrap();
    println!(
        "speech mode: 12 kbps {:.3}, 24 kbps {:.3}, 64 kbps {:.3}, itself {:.3}",
        scores[0], scores[1], scores[2], itself.mos
    );
    assert!(itself.similarity > 0.999 && (4.4..4.8).contains(&itself.mos), "{itself:?}");
    assert!(scores[0] < scores[1] && scores[1] < scores[2], "{scores:?}");
    // The ends a fifth of a point apart or more: well beyond the clip-to-clip noise.
    assert!(scores[2] - scores[0] > 0.2, "{scores:?}");
}

#[test]
fn what_is_not_worth_a_score_says_why() {
    let speech = test_signal::speech(RATE, 8.0);
    let short = &speech[..RATE as usize * 2];
    assert!(matches!(score(short, short, RATE, Mode::Speech), Err(QualityError::TooShort { .. })));
    let silence = vec![0.0f32; speech.len()];
    assert_eq!(score(&silence, &speech, RATE, Mode::Speech).unwrap_err(), QualityError::TooQuiet);
    assert_eq!(score(&speech, &silence, RATE, Mode::Speech).unwrap_err(), QualityError::DegradedSilent);
    let mut broken = speech.clone();
    broken[100] = f32::NAN;
    assert_eq!(score(&speech, &broken, RATE, Mode::Speech).unwrap_err(), QualityError::NotFinite);
}
