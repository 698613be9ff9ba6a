//! The signals Opus Roundtrip makes and measures, one implementation for every picture and
//! figure: the editor's live spectrum, the report's spectrograms, the quality figures of
//! renders, tests and demos, and the test material they are measured on.
//!
//! - [`test_signal`]: deterministic music-like and speech-like signals.
//! - [`spectrum`]: a Hann-windowed short-time FFT whose levels read 0 dBFS for a full-scale sine.
//! - [`measure`]: waveform and phase-blind SNR, RMS level; [`running`]: the same over a signal
//!   that arrives in blocks, in constant memory.
//!
//! Building a [`spectrum::SpectrumAnalyser`] allocates, and so do the generators and the
//! spectral measure; [`spectrum::SpectrumAnalyser::analyse`] and [`measure::power_ratio_db`]
//! (which the engine's meters call on the audio thread) never do.

pub mod bands;
pub mod measure;
pub mod peaks;
pub mod running;
pub mod spectrum;
pub mod test_signal;
