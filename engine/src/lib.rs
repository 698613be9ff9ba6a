//! The real-time Opus round trip that the plugin, the standalone app and the offline renderer
//! all run: host blocks of any size at any rate from 8 to 192 kHz, Opus frames of 2.5 to 120 ms,
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
//! - [`engine`]: [`Engine`], [`EngineConfig`], [`EngineError`].
//! - [`settings`]: [`Settings`] and its parts.
//! - [`round_trip`]: one frame through encoder, network, receiver and decoder.
//! - [`loss`]: Bernoulli and Gilbert–Elliott loss.
//! - [`latency`]: the latency arithmetic.
//! - [`meters`]: lock-free measurements for other threads.
//! - [`fifo`], [`packet_queue`], [`resampler`]: the pipeline's buffers and rate conversion.

pub mod engine;
pub mod fifo;
pub mod latency;
pub mod loss;
pub mod meters;
pub mod packet_queue;
pub mod resampler;
pub mod round_trip;
pub mod settings;

pub use engine::{
    Engine, EngineConfig, EngineError, HOST_RATE_RANGE_HZ, MAX_BLOCK_FRAMES, OUTPUT_CEILING, SANITIZE_LIMIT,
};
pub use meters::{Counters, Levels, MeterSnapshot, Meters};
pub use round_trip::{PacketFate, PacketObserver};
pub use settings::{LatencyShape, LossModel, LossSettings, Monitor, Settings};
