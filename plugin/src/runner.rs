//! Where the engine runs, chosen at activation: in the audio callback (no added latency), or on
//! the codec thread (`roundtrip_engine::codec_thread`: a fixed added latency, and callbacks that
//! only copy samples). Under offline rendering the codec thread's worker runs in the callback,
//! so that a bounce does not depend on how busy the machine is.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use roundtrip_engine::{CodecThread, Comparison, Engine, Listen, Settings};

use crate::live_score::Observers;
use crate::spectrum::SpectrumFeed;

/// The engine, where it runs.
// One per plugin instance, held in place: boxing the engine would only add a pointer chase to
// every callback.
#[allow(clippy::large_enum_variant)]
pub enum Runner {
    /// In the callback; the spectrum, the packet timelines and the live scores are fed there.
    InCallback { engine: Engine, spectrum: SpectrumFeed, observers: Observers },
    /// On the codec thread, which feeds the spectrum and the packet timeline.
    CodecThread(CodecThread),
}

/// How the codec thread's worker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadMode {
    /// On a thread of its own.
    Spawned,
    /// In the callback after the input is pushed: for offline rendering.
    Inline,
}

impl Runner {
    /// The engine in the callback, feeding `spectrum` when asked to, and `observers`.
    pub fn in_callback(engine: Engine, spectrum: SpectrumFeed, observers: Observers) -> Self {
        Self::InCallback { engine, spectrum, observers }
    }

    /// The engine on the codec thread, feeding `spectrum` while `editor_open`, and `observers`.
    /// A thread that cannot be spawned falls back to running the worker in the callback, at the
    /// same latency.
    pub fn codec_thread(
        engine: Engine,
        mut spectrum: SpectrumFeed,
        observers: Observers,
        editor_open: Arc<AtomicBool>,
        mode: ThreadMode,
    ) -> Self {
        let channels = engine.config().channels;
        let tap = Box::new(move |aligned: &[f32], decoded: &[f32]| {
            if editor_open.load(Ordering::Relaxed) {
                spectrum.push(aligned, decoded, channels);
            }
        });
        let observer = Box::new(observers);
        Self::CodecThread(match mode {
            ThreadMode::Inline => CodecThread::inline(engine, tap, observer),
            ThreadMode::Spawned => {
                let thread = CodecThread::spawn(engine, tap, observer);
                if thread.runs_inline() {
                    nice_plug::nice_error!("Opus Roundtrip could not start its codec thread; it codes in the callback");
                }
                thread
            }
        })
    }

    /// Takes new settings. Never allocates.
    pub fn set_settings(&mut self, settings: &Settings) {
        match self {
            Self::InCallback { engine, .. } => engine.set_settings(settings),
            Self::CodecThread(thread) => thread.set_settings(settings),
        }
    }

    /// Takes what to compare and hear. Never allocates.
    pub fn set_comparison(&mut self, comparison: &Comparison) {
        match self {
            Self::InCallback { engine, .. } => engine.set_comparison(comparison),
            Self::CodecThread(thread) => thread.set_comparison(comparison),
        }
    }

    /// A blind test's switch to `listen` (see `Engine::switch_blind`). Never allocates.
    pub fn switch_blind(&mut self, listen: Listen) {
        match self {
            Self::InCallback { engine, .. } => engine.switch_blind(listen),
            Self::CodecThread(thread) => thread.switch_blind(listen),
        }
    }

    /// Clears the audio state. Never allocates.
    pub fn reset(&mut self) {
        match self {
            Self::InCallback { engine, .. } => engine.reset(),
            Self::CodecThread(thread) => thread.reset(),
        }
    }

    /// The output's delay behind the input, in host samples.
    pub fn latency_samples(&self) -> usize {
        match self {
            Self::InCallback { engine, .. } => engine.latency_samples(),
            Self::CodecThread(thread) => thread.latency_samples(),
        }
    }

    /// Processes per-channel buffers in place, feeding the editor's spectrum, packet timelines
    /// and live scores if `feeding` (the editor is open). Never allocates, locks or blocks.
    pub fn process(&mut self, channels: &mut [&mut [f32]], feeding: bool) {
        match self {
            Self::InCallback { engine, spectrum, observers } => {
                if feeding {
                    let count = channels.len();
                    let mut tap = |aligned: &[f32], decoded: &[f32]| spectrum.push(aligned, decoded, count);
                    engine.process_planar_observed(channels, &mut tap, observers);
                } else {
                    engine.process_planar(channels);
                }
            }
            Self::CodecThread(thread) => thread.process_planar(channels),
        }
    }
}
