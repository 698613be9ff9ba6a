//! Deep redundancy (DRED): a compact neural description of past audio that libopus 1.5+ can
//! carry in each packet, from which a decoder rebuilds audio lost in earlier packets.
//!
//! Decoding it takes two objects beside the [`crate::Decoder`]: a [`DredDecoder`] (the neural
//! model's state, `opus_dred_decoder_get_size` + `opus_dred_decoder_init`) and a [`Dred`] (the
//! redundancy parsed out of one packet, `opus_dred_get_size`, which needs no initialisation).
//! Both live in memory we allocate, like the codec states.

use std::alloc::Layout;
use std::sync::Arc;

use opusic_sys as sys;

use crate::error::{Error, ErrorCode, Result, check};
use crate::mem::{self, StateAllocator, StateBuffer, state_layout};
use crate::settings::check_sample_rate;
use crate::state::OwnedState;

/// The DRED model's decoder state. `Send`, not `Sync`.
#[derive(Debug)]
pub struct DredDecoder {
    /// The libopus state and the memory behind it.
    state: OwnedState<sys::OpusDREDDecoder>,
}

/// Redundancy parsed out of one packet, ready for [`crate::Decoder::decode_dred_float`].
#[derive(Debug)]
pub struct Dred {
    /// An `OpusDRED`, which libopus fills in `opus_dred_parse`.
    buffer: StateBuffer,
}

/// What [`DredDecoder::parse`] found in a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DredAvailable {
    /// How many samples per channel before the packet's own audio the redundancy reaches back;
    /// 0 when the packet carries none. A lost frame that starts further back is still worth
    /// decoding from it: libopus places its 10 ms features with a lead this figure does not
    /// show, and conceals whatever they do not cover.
    pub offset_samples: usize,
    /// Samples at the end of that span that were silence and carry nothing.
    pub end_samples: usize,
}

impl DredDecoder {
    /// The memory layout of a DRED decoder state.
    pub fn layout() -> Result<Layout> {
        // SAFETY: a pure size query.
        let size = unsafe { sys::opus_dred_decoder_get_size() };
        state_layout("opus_dred_decoder_get_size", size)
    }

    /// Creates a DRED decoder in memory from Rust's global allocator. This allocates.
    pub fn new() -> Result<Self> {
        Self::new_in(mem::global())
    }

    /// Creates a DRED decoder in memory from `allocator`. This allocates.
    pub fn new_in(allocator: Arc<dyn StateAllocator>) -> Result<Self> {
        let state = OwnedState::new_in(allocator, Self::layout()?, "opus_dred_decoder_init", |ptr| {
            // SAFETY: `ptr` is a zeroed, aligned block of `opus_dred_decoder_get_size` bytes.
            unsafe { sys::opus_dred_decoder_init(ptr) }
        })?;
        Ok(Self { state })
    }

    /// Parses the redundancy in `packet` into `dred`, looking back at most `max_samples` per
    /// channel at `sample_rate_hz`, and runs the DRED model on it, so that `dred` is ready to
    /// decode. This is the expensive step. Never allocates.
    ///
    /// `max_samples` is not only a bound: libopus decodes just the latents (40 ms each) it
    /// needs for that span, and features it did not decode are missing when decoding, so the
    /// audio rebuilt depends on it. Pass the gap to fill (the lost samples up to `packet`), as
    /// libopus's `opus_demo` does, to rebuild what it rebuilds.
    pub fn parse(
        &mut self,
        dred: &mut Dred,
        packet: &[u8],
        max_samples: usize,
        sample_rate_hz: u32,
    ) -> Result<DredAvailable> {
        self.parse_with(dred, packet, max_samples, sample_rate_hz, false)
    }

    /// Like [`DredDecoder::parse`], but only reads what the packet carries and defers running
    /// the model to [`DredDecoder::process`]: cheap enough to call on every packet just to learn
    /// whether it carries redundancy. Never allocates.
    pub fn parse_deferred(
        &mut self,
        dred: &mut Dred,
        packet: &[u8],
        max_samples: usize,
        sample_rate_hz: u32,
    ) -> Result<DredAvailable> {
        self.parse_with(dred, packet, max_samples, sample_rate_hz, true)
    }

    /// Runs the DRED model on redundancy parsed with [`DredDecoder::parse_deferred`]
    /// (`opus_dred_process`, in place). Calling it on already processed redundancy is harmless.
    /// Never allocates.
    pub fn process(&mut self, dred: &mut Dred) -> Result<()> {
        let ptr = dred.buffer.as_ptr().cast::<sys::OpusDRED>();
        // SAFETY: both states are live and exclusively borrowed; libopus documents processing in
        // place (source and destination the same state) as the usual case.
        let ret = unsafe { sys::opus_dred_process(self.state.as_ptr(), ptr, ptr) };
        check("opus_dred_process", ret).map(drop)
    }

    fn parse_with(
        &mut self,
        dred: &mut Dred,
        packet: &[u8],
        max_samples: usize,
        sample_rate_hz: u32,
        defer: bool,
    ) -> Result<DredAvailable> {
        const NAME: &str = "opus_dred_parse";
        check_sample_rate(NAME, sample_rate_hz)?;
        if packet.is_empty() {
            return Err(Error::new(NAME, ErrorCode::InvalidPacket));
        }
        let len = i32::try_from(packet.len()).map_err(|_| Error::new(NAME, ErrorCode::InvalidPacket))?;
        let max_samples = i32::try_from(max_samples).unwrap_or(i32::MAX);
        let mut end = 0;
        // SAFETY: both states are live and exclusively borrowed; `packet` holds `len` bytes;
        // `end` is a valid out-pointer.
        let ret = unsafe {
            sys::opus_dred_parse(
                self.state.as_ptr(),
                dred.buffer.as_ptr().cast(),
                packet.as_ptr(),
                len,
                max_samples,
                sample_rate_hz as i32,
                &mut end,
                i32::from(defer),
            )
        };
        let offset = check(NAME, ret)?;
        Ok(DredAvailable { offset_samples: offset as usize, end_samples: end.max(0) as usize })
    }
}

impl Dred {
    /// The memory layout of one parsed-redundancy object.
    pub fn layout() -> Result<Layout> {
        // SAFETY: a pure size query.
        let size = unsafe { sys::opus_dred_get_size() };
        state_layout("opus_dred_get_size", size)
    }

    /// Allocates an empty redundancy object from Rust's global allocator. This allocates.
    pub fn new() -> Result<Self> {
        Self::new_in(mem::global())
    }

    /// Allocates an empty redundancy object from `allocator`. libopus has no init call for it:
    /// `opus_dred_alloc` only allocates, and `opus_dred_parse` fills it. This allocates.
    pub fn new_in(allocator: Arc<dyn StateAllocator>) -> Result<Self> {
        Ok(Self { buffer: StateBuffer::new_in(allocator, Self::layout()?)? })
    }

    pub(crate) fn as_ptr(&self) -> *const sys::OpusDRED {
        self.buffer.as_ptr().cast_const().cast()
    }
}
