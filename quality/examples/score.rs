//! Scores a degraded WAV against its reference, as the reference implementation's command line
//! does: `cargo run --release -p roundtrip-quality --example score -- REF.wav DEG.wav speech|audio`.
//! Both are mixed to mono; 16-bit files are read as the reference reads them (÷ 32768).

use roundtrip_quality::{Mode, score};

fn read(path: &str) -> (Vec<f32>, u32) {
    let mut reader = hound::WavReader::open(path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader.samples::<i32>().map(|s| s.unwrap() as f32 * scale).collect()
        }
    };
    let mono = samples.chunks_exact(channels).map(|frame| frame.iter().sum::<f32>() / channels as f32).collect();
    (mono, spec.sample_rate)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, reference, degraded, mode] = args.as_slice() else {
        eprintln!("usage: score REF.wav DEG.wav speech|audio");
        std::process::exit(2);
    };
    let mode = if mode == "speech" { Mode::Speech } else { Mode::Audio };
    let ((reference, rate), (degraded, degraded_rate)) = (read(reference), read(degraded));
    assert_eq!(rate, degraded_rate, "the two rates differ");
    match score(&reference, &degraded, rate, mode) {
        Ok(score) => {
            println!("MOS-LQO {:.6} NSIM {:.6} patches {}", score.mos, score.similarity, score.patches.len());
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
