//! The real-time Opus round trip that the plugin, the standalone app and the offline renderer
//! all run: host blocks of any size at any rate from 1 kHz to 2 MHz, Opus frames of 2.5 to 120 ms,
//! simulated packet loss with concealment, FEC and DRED recovery, and lock-free meters.
//!
//! # Real-time contract
//!
//! [`Engine::new`] allocates everything for the worst case: codec states (in one arena, through
//! `roundtrip-codec`), FIFOs, resamplers, the receiver's packet queue and scratch. After that,
//! [`Engine::process_interleaved`], [`Engine::process_planar`], [`Engine::set_settings`] and
//! [`Engine::reset`] never allocate, lock, block, log or free. The `no_alloc` tests count Rust
//! and C allocations across every setting change to prove it.
//!
//! # Latency
//!
//! The output is the input delayed by exactly [`Engine::latency_samples`] host samples, whatever
//! block sizes the host uses; the `latency` tests measure it with an impulse. See [`Engine`] for
//! what it is made of and what happens when a setting changes it.
//!
//! # Layout
//!
//! | module | concept |
//! |---|---|
//! | [`engine`] | [`Engine`]: the API that ties the pieces below together |
//! | [`codec_thread`] | the engine on a thread of its own, behind a fixed added latency |
//! | [`callback_budget`] | whether the engine's worst callback fits the host's block |
//! | [`config`] | [`EngineConfig`], its limits, [`EngineError`] |
//! | [`settings`] | [`Settings`]: every user setting, its range, its rules, and which force a restart |
//! | [`choices`] | each enumerated setting's values with their stable keys and names |
//! | [`advice`] | warnings for what was asked but is not happening (conflicts, redundancy not sent) |
//! | [`presets`] | everyday scenarios as [`Settings`], for the editor and the demo |
//! | [`comparison`] | Comparing settings: slots A to F coded side by side, and the source heard |
//! | [`slot`] | one compared setting: its chain, settings, level matching and meters |
//! | [`chain`] | one codec chain: pipeline and round trip |
//! | [`pipeline`] | FIFOs, resamplers and frames between host and codec; worst-case sizing |
//! | [`round_trip`] | one frame through encoder, network, receiver and decoder |
//! | [`restart`] | the fade out, restart and fade in for a latency change |
//! | [`listen`] | dry, A or B, crossfaded, each level-matched |
//! | [`mix`] | decoded, difference or dry, smoothed weights, output gain and ceiling |
//! | [`sanitize`] | NaN, infinities, subnormals and overs kept from the encoder |
//! | [`levels`] | peaks, RMS, SNR and bitrate averages on the audio thread |
//! | [`level_match`] | the decoded signal's gain that matches its loudness to the input's |
//! | [`meters`] | lock-free measurements for other threads |
//! | [`handoff`] | heap data to the audio thread and back, never freed there |
//! | [`latency`] | the latency arithmetic |
//! | [`loss`] | Bernoulli, Gilbert–Elliott or learned loss, or a trace replayed |
//! | [`jitter`] | each packet's delay: exponential jitter and delay spikes |
//! | [`delay_manager`] | the adaptive receiver's target delay: NetEq's forgetting histogram, 95th percentile |
//! | [`playout`] | the adaptive receiver's buffer and decisions: play faster, slower or as decoded |
//! | [`time_stretch`] | a pitch period removed or repeated, crossfaded, on voiced or quiet audio |
//! | [`lossgen`], [`lossgen_weights`] | libopus's loss generator learned from real networks, and its weights |
//! | [`loss_trace`] | a recorded loss pattern and its `opus_demo` text form |
//! | [`fifo`], [`packet_queue`], [`resampler`] | the pipeline's buffers and rate conversion |

pub mod advice;
pub mod callback_budget;
pub mod chain;
pub mod choices;
pub mod codec_thread;
pub mod coded;
pub mod comparison;
pub mod config;
pub mod delay_manager;
pub mod engine;
pub mod fifo;
pub mod handoff;
pub mod jitter;
pub mod latency;
pub mod level_match;
pub mod levels;
pub mod listen;
pub mod loss;
pub mod loss_trace;
pub mod lossgen;
pub mod lossgen_weights;
pub mod meters;
pub mod mix;
pub mod packet_queue;
pub mod pipeline;
pub mod playout;
pub mod presets;
pub mod resampler;
pub mod restart;
pub mod round_trip;
pub mod sanitize;
pub mod settings;
pub mod slot;
pub mod time_stretch;

pub use advice::Advice;
pub use chain::CodecChain;
pub use choices::{Choice, Named};
pub use codec_thread::CodecThread;
pub use coded::CodedCounts;
pub use comparison::{Comparison, Listen, MAX_SLOTS, SlotId};
pub use config::{EngineConfig, EngineError, HOST_RATE_RANGE_HZ, MAX_BLOCK_FRAMES};
pub use engine::Engine;
pub use loss_trace::{LossTrace, LossTraceError};
pub use meters::{CodecThreadCounters, Counters, Levels, MeterSnapshot, Meters};
pub use mix::OUTPUT_CEILING;
pub use presets::{PRESETS, Preset};
pub use resampler::ResamplerError;
pub use round_trip::{PacketFate, PacketObserver, SentPacket};
pub use sanitize::SANITIZE_LIMIT;
pub use settings::{
    JitterSettings, LatencyShape, LossModel, LossSettings, Monitor, Receiver, Settings, SettingsConflict,
};
