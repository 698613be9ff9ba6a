//! From similarity to a mean opinion score (MOS-LQO, 1 to 5), as ViSQOL v3 maps it.
//!
//! - Speech: the default is the lattice model (`lattice.rs`). Here is the reference's other
//!   mapping, the exponential fit of the mean band similarity to the subjective scores of the
//!   TCD-VoIP corpus, scaled so that identical signals score 5: kept for conformance, not used
//!   by the app, because its scale is squeezed (our speech at 12, 24 and 64 kbps with and
//!   without 15 % loss spans 4.42–4.90 on it, 3.42–4.72 on the lattice, 1.65–4.42 on PESQ-WB).
//! - Audio: the ν-SVR on the 32 band similarities that the reference ships as its default audio
//!   model (`model/libsvm_nu_svr_model.txt`, trained on TCD-Audio14, AACvOpus14 and CoreSV15;
//!   Apache-2.0, Google).
//!
//! The exponential's constants and the support vectors are the reference's: facts its scores
//! depend on, not code.

use std::sync::OnceLock;

/// MOS = A + exp(B·(x − X0)), × SCALE; from the reference's fit.
const SPEECH_FIT_A: f64 = -262.847869;
const SPEECH_FIT_B: f64 = 0.0154302525;
const SPEECH_FIT_X0: f64 = -361.063949;
const SPEECH_FIT_SCALE: f64 = 1.245063;

/// The absolute category rating a MOS is nearest to (ITU-T P.800): what its levels mean.
pub fn opinion(mos: f64) -> &'static str {
    match mos {
        m if m >= 4.5 => "excellent",
        m if m >= 3.5 => "good",
        m if m >= 2.5 => "fair",
        m if m >= 1.5 => "poor",
        _ => "bad",
    }
}

/// The exponential speech mapping of the bands' mean similarity.
pub fn speech_mos(band_similarities: &[f64]) -> f64 {
    let mean = band_similarities.iter().sum::<f64>() / band_similarities.len().max(1) as f64;
    let mos = SPEECH_FIT_A + (SPEECH_FIT_B * (mean - SPEECH_FIT_X0)).exp();
    (mos * SPEECH_FIT_SCALE).clamp(1.0, 5.0)
}

/// The audio mapping of the 32 band similarities; `None` for another number of bands.
pub fn audio_mos(band_similarities: &[f64]) -> Option<f64> {
    let model = audio_model();
    (band_similarities.len() == model.features).then(|| model.predict(band_similarities).clamp(1.0, 5.0))
}

/// A ν-SVR with an RBF kernel, as libsvm writes it.
#[derive(Debug)]
struct SupportVectorRegression {
    gamma: f64,
    rho: f64,
    features: usize,
    /// Each support vector's coefficient and its dense features.
    vectors: Vec<(f64, Vec<f64>)>,
}

impl SupportVectorRegression {
    fn predict(&self, x: &[f64]) -> f64 {
        let sum: f64 = self
            .vectors
            .iter()
            .map(|(coefficient, vector)| {
                let distance: f64 = vector.iter().zip(x).map(|(v, x)| (v - x) * (v - x)).sum();
                coefficient * (-self.gamma * distance).exp()
            })
            .sum();
        sum - self.rho
    }

    /// Reads libsvm's text format. The model is ours, compiled in: a malformed one is a
    /// build defect, which the tests catch.
    fn parse(text: &str) -> Self {
        let mut lines = text.lines();
        let (mut gamma, mut rho) = (0.0, 0.0);
        for line in lines.by_ref() {
            let mut words = line.split_whitespace();
            match (words.next(), words.next()) {
                (Some("gamma"), Some(value)) => gamma = value.parse().expect("gamma"),
                (Some("rho"), Some(value)) => rho = value.parse().expect("rho"),
                (Some("SV"), None) => break,
                _ => {}
            }
        }
        let sparse: Vec<(f64, Vec<(usize, f64)>)> = lines
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let mut words = line.split_whitespace();
                let coefficient = words.next().and_then(|w| w.parse().ok()).expect("coefficient");
                let features = words
                    .map(|pair| {
                        let (index, value) = pair.split_once(':').expect("index:value");
                        (index.parse::<usize>().expect("index"), value.parse::<f64>().expect("value"))
                    })
                    .collect();
                (coefficient, features)
            })
            .collect();
        let features = sparse.iter().flat_map(|(_, f)| f.iter().map(|&(i, _)| i)).max().unwrap_or(0);
        let vectors = sparse
            .into_iter()
            .map(|(coefficient, pairs)| {
                let mut dense = vec![0.0; features];
                for (index, value) in pairs {
                    dense[index - 1] = value;
                }
                (coefficient, dense)
            })
            .collect();
        Self { gamma, rho, features, vectors }
    }
}

fn audio_model() -> &'static SupportVectorRegression {
    static MODEL: OnceLock<SupportVectorRegression> = OnceLock::new();
    MODEL.get_or_init(|| SupportVectorRegression::parse(include_str!("../model/libsvm_nu_svr_model.txt")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_signals_score_five_and_lower_similarity_scores_lower() {
        assert!((speech_mos(&[1.0; 21]) - 5.0).abs() < 0.1, "{}", speech_mos(&[1.0; 21]));
        assert!(speech_mos(&[0.8; 21]) < speech_mos(&[0.9; 21]));
        let model = audio_model();
        assert_eq!((model.features, model.vectors.len()), (32, 317));
        let perfect = audio_mos(&[1.0; 32]).unwrap();
        assert!(perfect > 4.5, "{perfect}");
        assert!(audio_mos(&[0.7; 32]).unwrap() < perfect);
        assert_eq!(audio_mos(&[1.0; 21]), None);
    }
}
