//! Scores a degraded WAV against its reference, as the reference implementation's command line
//! does: `cargo run --release -p roundtrip-quality --example score -- REF.wav DEG.wav speech|audio`.
//! With `REFERENCE_RULES=1` it scores as the reference does, at the files' own rate and any
//! length (see `score_as_reference`); otherwise as the app does.

#[path = "../tests/common/wav.rs"]
mod wav;

use std::path::Path;

use roundtrip_quality::{Mode, score, score_as_reference};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, reference, degraded, mode] = args.as_slice() else {
        eprintln!("usage: score REF.wav DEG.wav speech|audio");
        std::process::exit(2);
    };
    let mode = if mode == "speech" { Mode::Speech } else { Mode::Audio };
    let (reference, rate) = wav::read_mono(Path::new(reference));
    let (degraded, degraded_rate) = wav::read_mono(Path::new(degraded));
    if rate != degraded_rate {
        eprintln!("the two rates differ: {rate} and {degraded_rate} Hz");
        std::process::exit(2);
    }
    let result = if std::env::var_os("REFERENCE_RULES").is_some() {
        let widen = |signal: &[f32]| signal.iter().map(|&x| f64::from(x)).collect::<Vec<f64>>();
        score_as_reference(&widen(&reference), &widen(&degraded), rate, mode)
    } else {
        score(&reference, &degraded, rate, mode)
    };
    match result {
        Ok(score) => {
            println!("MOS-LQO {:.6} NSIM {:.6} patches {}", score.mos, score.similarity, score.patches.len());
            if score.mode == Mode::Speech {
                let exponential = roundtrip_quality::mapping::speech_mos(&score.band_similarities);
                println!("exponential mapping {exponential:.6}");
            }
            let bands: Vec<String> = score
                .band_centres_hz
                .iter()
                .zip(&score.band_similarities)
                .map(|(hz, nsim)| format!("{hz:.0}:{nsim:.3}"))
                .collect();
            println!("bands {}", bands.join(" "));
        }
        Err(why) => println!("no score: {why}"),
    }
}
