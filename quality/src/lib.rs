//! What listeners would hear, as a number: ViSQOL v3's full-reference perceptual score
//! (MOS-LQO, 1 to 5), computed in process from the input and the decoded audio.
//!
//! Written from the papers and checked against the reference implementation (google/visqol)
//! on recorded pairs (`tests/conformance.rs`). A model of listeners, not a listening test.
//!
//! Layout, in the order the signal goes: [`resample`] to the model's rate,
//! [`alignment`] in time, [`gammatone`] spectrograms, [`patches`] chosen and matched, [`nsim`]
//! per patch, [`mapping`] and [`lattice`] to MOS; [`score`] runs them on a clip, [`file_score`] on a whole
//! file, segment by segment. [`masking`] is the other view: where in time and frequency a change
//! is audible (PEAQ's noise-to-mask ratio).

pub mod alignment;
pub mod file_score;
pub mod gammatone;
pub mod lattice;
pub mod mapping;
pub mod masking;
pub mod nsim;
pub mod patches;
pub mod resample;
pub mod score;

pub use file_score::{FileScore, FileScorer, SEGMENT_SECONDS, SegmentScore};
pub use score::{MIN_SECONDS, Mode, QualityError, Score, score, score_as_reference, score_at_model_rate};
