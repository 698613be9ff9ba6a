//! ViSQOL v3's default speech mapping: a calibrated lattice ensemble (TensorFlow Lattice; You et
//! al., "Deep Lattice Networks and Partial Monotonic Functions", NIPS 2017) from four features
//! per band to a MOS-LQO.
//!
//! The reference runs it as a TensorFlow Lite graph. We run the same arithmetic on its numbers,
//! which `model/export_speech_lattice.py` took from that graph (google/visqol, Apache-2.0) after
//! checking the graph has exactly this shape:
//! - each input goes through a piecewise-linear calibrator with one output per lattice that reads
//!   it (a fixed output when the input equals the calibrator's "missing" value);
//! - each lattice interpolates multilinearly between the 2¹² values at the corners of its unit
//!   cube of 12 calibrated inputs;
//! - a weighted sum of the lattices, then a piecewise-linear output calibration, is the MOS.
//!
//! A hand-written evaluator rather than a TFLite runtime: the model is 16 kinds of elementwise op
//! arranged as the three steps above, and a runtime crate would bring a graph interpreter (and
//! its build) for ~100 lines of arithmetic.

use std::sync::OnceLock;

/// The four features per band, as the reference names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// The band's mean similarity over the patches.
    MeanSimilarity,
    /// The mean of the band's lowest tenth of patch similarities.
    LowTenthSimilarity,
    /// The band's similarity's standard deviation over every frame of every patch.
    SimilarityDeviation,
    /// The band's mean level in the degraded spectrogram.
    DegradedLevel,
}

/// What the mapping reads: per band, each [`Feature`].
#[derive(Debug, Clone, PartialEq)]
pub struct LatticeFeatures {
    pub mean_similarity: Vec<f64>,
    pub low_tenth_similarity: Vec<f64>,
    pub similarity_deviation: Vec<f64>,
    pub degraded_level: Vec<f64>,
}

impl LatticeFeatures {
    fn get(&self, feature: Feature, band: usize) -> Option<f64> {
        let values = match feature {
            Feature::MeanSimilarity => &self.mean_similarity,
            Feature::LowTenthSimilarity => &self.low_tenth_similarity,
            Feature::SimilarityDeviation => &self.similarity_deviation,
            Feature::DegradedLevel => &self.degraded_level,
        };
        values.get(band).copied()
    }
}

/// The model's one input that is not a feature; the reference always sets it to this.
const TAU: f64 = 0.5;

/// The MOS-LQO of `features`; `None` when they do not have the bands the model reads (21).
pub fn lattice_mos(features: &LatticeFeatures) -> Option<f64> {
    model().predict(features)
}

/// Which input a calibrator reads.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Input {
    Band(Feature, usize),
    Tau,
}

/// `[1, clamp((x − keypoints) ÷ lengths, 0, 1)]` times a matrix: one output per row.
#[derive(Debug)]
struct PiecewiseLinear {
    keypoints: Vec<f64>,
    inverse_lengths: Vec<f64>,
    /// Row-major, `keypoints.len() + 1` per output.
    matrix: Vec<f64>,
}

impl PiecewiseLinear {
    fn outputs(&self) -> usize {
        self.matrix.len() / (self.keypoints.len() + 1)
    }

    fn output(&self, x: f64, row: usize) -> f64 {
        let weights = &self.matrix[row * (self.keypoints.len() + 1)..][..self.keypoints.len() + 1];
        let pieces = self.keypoints.iter().zip(&self.inverse_lengths).zip(&weights[1..]);
        weights[0] + pieces.map(|((k, inverse), w)| w * ((x - k) * inverse).clamp(0.0, 1.0)).sum::<f64>()
    }
}

#[derive(Debug)]
struct Calibrator {
    input: Input,
    curve: PiecewiseLinear,
    /// The input value that means "missing", and the outputs given for it.
    missing: Option<(f64, Vec<f64>)>,
}

impl Calibrator {
    fn outputs(&self, x: f64, into: &mut Vec<f64>) {
        into.clear();
        match &self.missing {
            // The graph compares in f32.
            Some((value, outputs)) if x as f32 == *value as f32 => into.extend(outputs),
            _ => into.extend((0..self.curve.outputs()).map(|row| self.curve.output(x, row))),
        }
    }
}

#[derive(Debug)]
struct Lattice {
    /// Each dimension's calibrator and which of its outputs, most significant first.
    inputs: Vec<(usize, usize)>,
    /// The values at the 2^inputs corners, the first input's bit most significant.
    corners: Vec<f64>,
}

#[derive(Debug)]
struct Model {
    calibrators: Vec<Calibrator>,
    lattices: Vec<Lattice>,
    combination: Vec<f64>,
    output: PiecewiseLinear,
}

impl Model {
    fn predict(&self, features: &LatticeFeatures) -> Option<f64> {
        let mut calibrated = Vec::with_capacity(self.calibrators.len());
        for calibrator in &self.calibrators {
            let x = match calibrator.input {
                Input::Band(feature, band) => features.get(feature, band)?,
                Input::Tau => TAU,
            };
            // The reference hands the graph f32 inputs.
            let x = f64::from(x as f32);
            let mut outputs = Vec::new();
            calibrator.outputs(x, &mut outputs);
            calibrated.push(outputs);
        }
        let mut weights = Vec::with_capacity(1 << 12);
        let mut next = Vec::with_capacity(1 << 12);
        let mut sum = 0.0;
        for (lattice, coefficient) in self.lattices.iter().zip(&self.combination) {
            // Multilinear interpolation: each corner's weight is the product over dimensions of
            // x or 1 − x (0 or 1 outside [0, 1]), built one dimension at a time.
            weights.clear();
            weights.push(1.0);
            for &(calibrator, output) in &lattice.inputs {
                let x: f64 = calibrated[calibrator][output];
                let (at_zero, at_one) = (1.0 - x.abs().min(1.0), 1.0 - (x - 1.0).abs().min(1.0));
                next.clear();
                next.extend(weights.iter().flat_map(|w| [w * at_zero, w * at_one]));
                std::mem::swap(&mut weights, &mut next);
            }
            let value: f64 = weights.iter().zip(&lattice.corners).map(|(w, c)| w * c).sum();
            sum += coefficient * value;
        }
        Some(self.output.output(sum, 0))
    }
}

/// The model's numbers, in `export_speech_lattice.py`'s layout (little-endian `u32` counts and
/// `f32` values).
const MODEL: &[u8] = include_bytes!("../model/speech_lattice.bin");
const MAGIC: &[u8] = b"VISQOL-LATTICE-1";

fn model() -> &'static Model {
    static MODEL_CELL: OnceLock<Model> = OnceLock::new();
    // The file is ours, compiled in: a malformed one is a build defect, which the tests catch.
    MODEL_CELL.get_or_init(|| parse(MODEL).expect("quality/model/speech_lattice.bin is malformed"))
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    fn count(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }

    fn values(&mut self, n: usize) -> Option<Vec<f64>> {
        let bytes = self.take(n.checked_mul(4)?)?;
        Some(bytes.chunks_exact(4).map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))).collect())
    }

    fn curve(&mut self, outputs: Option<usize>) -> Option<(usize, PiecewiseLinear)> {
        let points = self.count()?;
        let keypoints = self.values(points)?;
        let inverse_lengths = self.values(points)?;
        let outputs = match outputs {
            Some(outputs) => outputs,
            None => self.count()?,
        };
        let matrix = self.values(outputs * (points + 1))?;
        Some((outputs, PiecewiseLinear { keypoints, inverse_lengths, matrix }))
    }
}

fn input_named(name: &str) -> Option<Input> {
    if name == "tau" {
        return Some(Input::Tau);
    }
    // Longest prefix first: "fvnsim10_3" is not "fvnsim" band 10_3.
    let prefixes = [
        ("fvnsim10_", Feature::LowTenthSimilarity),
        ("fvdegenergy", Feature::DegradedLevel),
        ("fstdnsim", Feature::SimilarityDeviation),
        ("fvnsim", Feature::MeanSimilarity),
    ];
    let (prefix, feature) = prefixes.into_iter().find(|(prefix, _)| name.starts_with(prefix))?;
    Some(Input::Band(feature, name[prefix.len()..].parse().ok()?))
}

fn parse(bytes: &[u8]) -> Option<Model> {
    let mut reader = Reader { bytes };
    (reader.take(MAGIC.len())? == MAGIC).then_some(())?;
    let mut calibrators = Vec::new();
    for _ in 0..reader.count()? {
        let length = reader.count()?;
        let input = input_named(std::str::from_utf8(reader.take(length)?).ok()?)?;
        let (outputs, curve) = reader.curve(None)?;
        let missing = match reader.count()? {
            0 => None,
            _ => Some((reader.values(1)?[0], reader.values(outputs)?)),
        };
        calibrators.push(Calibrator { input, curve, missing });
    }
    let (count, dimensions) = (reader.count()?, reader.count()?);
    let mut lattices = Vec::new();
    for _ in 0..count {
        let mut inputs = Vec::new();
        for _ in 0..dimensions {
            let (calibrator, output) = (reader.count()?, reader.count()?);
            (output < calibrators.get(calibrator)?.curve.outputs()).then_some(())?;
            inputs.push((calibrator, output));
        }
        lattices.push(Lattice { inputs, corners: reader.values(1 << dimensions)? });
    }
    let combination = reader.values(count)?;
    let (_, output) = reader.curve(Some(1))?;
    reader.bytes.is_empty().then_some(Model { calibrators, lattices, combination, output })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_reads_whole_with_every_feature_of_21_bands() {
        let model = model();
        assert_eq!((model.calibrators.len(), model.lattices.len()), (85, 60));
        for feature in
            [Feature::MeanSimilarity, Feature::LowTenthSimilarity, Feature::SimilarityDeviation, Feature::DegradedLevel]
        {
            for band in 0..21 {
                assert!(model.calibrators.iter().any(|c| c.input == Input::Band(feature, band)), "{feature:?} {band}");
            }
        }
        // A damaged file is refused, not misread.
        assert!(parse(&MODEL[..MODEL.len() - 1]).is_none());
    }

    #[test]
    fn missing_bands_give_no_score() {
        let short = vec![0.9; 20];
        let features = LatticeFeatures {
            mean_similarity: short.clone(),
            low_tenth_similarity: short.clone(),
            similarity_deviation: short.clone(),
            degraded_level: short,
        };
        assert_eq!(lattice_mos(&features), None);
    }
}
