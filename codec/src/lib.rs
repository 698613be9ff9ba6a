//! Safe libopus encoder and decoder states in memory that the caller allocates.
//!
//! # Real-time contract
//!
//! Every state ([`Encoder`], [`Decoder`], [`DredDecoder`], [`Dred`]) is sized with libopus's
//! `opus_*_get_size`, allocated **once** by a [`StateAllocator`] of the caller's choosing (Rust's
//! global allocator, one [`Arena`] block for all of a plugin's states, or the caller's own), and
//! initialised in place with `opus_*_init`. It is freed by that same allocator when dropped, never
//! with `opus_*_destroy`. After creation, encoding, decoding, concealment, FEC and DRED recovery,
//! every CTL and every reset write only into the state and into slices the caller passes in: no
//! call allocates, locks or frees, in Rust or in C. The `no_alloc` integration test counts both
//! Rust allocations and C `malloc`/`free` to prove it.
//!
//! libopus's C code keeps its scratch arrays on the stack. Its build can instead use a
//! `malloc`-backed "pseudostack" (`NONTHREADSAFE_PSEUDOSTACK`), but opusic-sys builds libopus with
//! CMake, whose `OPUS_NONTHREADSAFE_PSEUDOSTACK` option is only available when neither
//! `OPUS_VAR_ARRAYS` (on by default wherever the C compiler supports variable-length arrays, as
//! GCC and Clang do) nor `OPUS_USE_ALLOCA` is on. The `no_alloc` test also checks it: the
//! pseudostack allocates on the first encode, and the test counts from the very first encode.
//!
//! # Layout
//!
//! - [`mem`]: the allocator trait, [`GlobalAllocator`], [`Arena`], [`StateBuffer`].
//! - [`Encoder`], [`Decoder`]: the codec states with typed CTLs.
//! - [`DredDecoder`], [`Dred`]: deep-redundancy recovery.
//! - [`PacketInfo`], [`CodingMode`]: what a packet holds, read from its bytes.
//! - [`settings`]: typed CTL values and frame-size rules.
//! - [`Error`], [`ErrorCode`]: libopus's error codes, exactly, plus ours.
//! - `raw` (feature `library-managed`): bare libopus calls, the benchmarks' baseline.

mod ctl;
mod decoder;
mod dred;
mod encoder;
mod error;
pub mod mem;
mod packet;
#[cfg(feature = "library-managed")]
pub mod raw;
pub mod settings;
mod state;

pub use decoder::Decoder;
pub use dred::{Dred, DredAvailable, DredDecoder};
pub use encoder::Encoder;
pub use error::{Error, ErrorCode, Result};
pub use mem::{Arena, GlobalAllocator, StateAllocator, StateBuffer};
pub use packet::{CodingMode, PacketInfo};
pub use settings::{
    Application, Bandwidth, Bitrate, Channels, FrameDuration, MAX_PACKET_BYTES, OPUS_SAMPLE_RATES_HZ, RateControl,
    Signal,
};

/// The libopus version this crate was built against, e.g. `"libopus 1.6.1"`.
pub fn libopus_version() -> &'static str {
    // SAFETY: libopus returns a pointer to a static, NUL-terminated string.
    let version = unsafe { std::ffi::CStr::from_ptr(opusic_sys::opus_get_version_string()) };
    version.to_str().unwrap_or("libopus (unknown version)")
}
