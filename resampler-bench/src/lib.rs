//! The resamplers the engine could use between a 44.1 kHz host and Opus's 48 kHz, each set to the
//! bar today's resampler defines, run the way the engine runs them (stereo, 64-frame host
//! blocks), and measured side by side: cost per second of audio, passband ripple, rejection of
//! images and aliases, and the delay a real-time caller must add.
//!
//! Bench-only: nothing here ships. `cargo xtask bench resamplers` (or
//! `cargo bench -p resampler-bench`) prints the tables; the README quotes them.
//!
//! | module | concept |
//! |---|---|
//! | [`candidate`] | [`Candidate`]: one resampler behind one streaming interface |
//! | [`candidates`] | each library, set to the bar |
//! | [`measure`] | ripple, rejection and delay, measured with tones and a pulse |
//! | [`timing`] | the candidates timed in rotation, one second of audio each per round |

pub mod candidate;
pub mod candidates;
pub mod measure;
pub mod timing;

pub use candidate::{Candidate, Direction};
