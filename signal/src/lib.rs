//! The signals Opus Roundtrip makes and measures, one implementation for every picture and
//! figure: the editor's live spectrum, the report's spectrograms, the quality figures of
//! renders, tests and demos, and the test material they are measured on.
//!
//! - [`test_signal`]: deterministic music-like and speech-like signals.
//! - [`spectrum`]: a Hann-windowed short-time FFT whose levels read 0 dBFS for a full-scale sine.
//! - [`measure`]: waveform and phase-blind SNR, RMS level.
//!
//! Nothing here is real-time code: building a [`spectrum::SpectrumAnalyser`] allocates, and the
//! measures and generators allocate their buffers. The audio thread hands samples to an
//! analyser elsewhere.

pub mod measure;
pub mod spectrum;
pub mod test_signal;
