//! The Opus decoder over memory the caller allocates.

use std::alloc::Layout;
use std::sync::Arc;

use opusic_sys as sys;

use crate::ctl::{self, ctl_getter, ctl_setter};
use crate::dred::Dred;
use crate::error::{Error, ErrorCode, Result, check};
use crate::mem::{self, StateAllocator, state_layout};
use crate::settings::{Bandwidth, Channels, check_sample_rate, is_concealment_size};
use crate::state::OwnedState;

/// An Opus decoder state.
///
/// Created like [`crate::Encoder`]: `opus_decoder_get_size` → allocate → `opus_decoder_init`;
/// no method allocates afterwards. Thread ownership: `Send`, not `Sync`.
#[derive(Debug)]
pub struct Decoder {
    /// The libopus state and the memory behind it.
    state: OwnedState<sys::OpusDecoder>,
    /// Output rate in hertz.
    sample_rate_hz: u32,
    /// Output channel count.
    channels: Channels,
}

impl Decoder {
    /// The memory layout of a decoder state for `channels`.
    pub fn layout(channels: Channels) -> Result<Layout> {
        // SAFETY: a pure size query; the channel count is 1 or 2 by construction.
        let size = unsafe { sys::opus_decoder_get_size(channels.count() as i32) };
        state_layout("opus_decoder_get_size", size)
    }

    /// Creates a decoder in memory from Rust's global allocator. This allocates.
    pub fn new(sample_rate_hz: u32, channels: Channels) -> Result<Self> {
        Self::new_in(mem::global(), sample_rate_hz, channels)
    }

    /// Creates a decoder in memory from `allocator`. This allocates (from `allocator` only).
    pub fn new_in(allocator: Arc<dyn StateAllocator>, sample_rate_hz: u32, channels: Channels) -> Result<Self> {
        check_sample_rate("opus_decoder_init", sample_rate_hz)?;
        let layout = Self::layout(channels)?;
        let state = OwnedState::new_in(allocator, layout, "opus_decoder_init", |ptr| {
            // SAFETY: `ptr` is a zeroed, STATE_ALIGN-aligned block of `opus_decoder_get_size`
            // bytes for this channel count; the rate was checked above.
            unsafe { sys::opus_decoder_init(ptr, sample_rate_hz as i32, channels.count() as i32) }
        })?;
        Ok(Self { state, sample_rate_hz, channels })
    }

    /// Creates a decoder with `opus_decoder_create`, freed with `opus_decoder_destroy`. Only for
    /// tests and benchmarks that compare with [`Decoder::new_in`].
    #[cfg(feature = "library-managed")]
    pub fn create_library_managed(sample_rate_hz: u32, channels: Channels) -> Result<Self> {
        check_sample_rate("opus_decoder_create", sample_rate_hz)?;
        let mut error = 0;
        // SAFETY: arguments validated above; `error` is a valid out-pointer.
        let ptr = unsafe { sys::opus_decoder_create(sample_rate_hz as i32, channels.count() as i32, &mut error) };
        let state = OwnedState::from_library("opus_decoder_create", ptr, error, sys::opus_decoder_destroy)?;
        Ok(Self { state, sample_rate_hz, channels })
    }

    /// A byte-for-byte copy of this decoder in memory from `allocator`. This allocates.
    pub fn duplicate_in(&self, allocator: Arc<dyn StateAllocator>) -> Result<Self> {
        let state = self.state.duplicate_in(allocator, Self::layout(self.channels)?)?;
        Ok(Self { state, ..*self })
    }

    /// Whether the state lives in memory from a [`StateAllocator`].
    pub fn is_user_managed(&self) -> bool {
        self.state.is_user_managed()
    }

    /// The output rate in hertz.
    pub fn sample_rate_hz(&self) -> u32 {
        self.sample_rate_hz
    }

    /// The output channel count.
    pub fn channels(&self) -> Channels {
        self.channels
    }

    /// Decodes into interleaved float PCM and returns the samples per channel written.
    ///
    /// - `Some(packet)` with `fec == false`: decodes the packet; `out` must have room for all of
    ///   it (up to 120 ms per channel).
    /// - `None`: the packet was lost; conceals `out.len() / channels` samples (PLC, or deep PLC at
    ///   decoder complexity 5 and above). That length must be a multiple of 2.5 ms.
    /// - `Some(packet)` with `fec == true`: the packet *before* `packet` was lost; recovers it
    ///   from `packet`'s in-band FEC if it carries any, else conceals. Same length rule.
    ///
    /// An empty packet is [`ErrorCode::InvalidPacket`]: say `None` for a loss. Never allocates.
    pub fn decode_float(&mut self, packet: Option<&[u8]>, out: &mut [f32], fec: bool) -> Result<usize> {
        const NAME: &str = "opus_decode_float";
        let (data, len, frame_size) = self.prepare(NAME, packet, out.len(), fec)?;
        // SAFETY: `data` is null or points to `len` readable bytes; `out` holds
        // `frame_size * channels` floats (checked in `prepare`); the state is exclusively borrowed.
        let ret = unsafe {
            sys::opus_decode_float(self.state.as_ptr(), data, len, out.as_mut_ptr(), frame_size, i32::from(fec))
        };
        check(NAME, ret).map(|samples| samples as usize)
    }

    /// Decodes into interleaved 16-bit PCM; see [`Decoder::decode_float`].
    pub fn decode(&mut self, packet: Option<&[u8]>, out: &mut [i16], fec: bool) -> Result<usize> {
        const NAME: &str = "opus_decode";
        let (data, len, frame_size) = self.prepare(NAME, packet, out.len(), fec)?;
        // SAFETY: as in `decode_float`.
        let ret =
            unsafe { sys::opus_decode(self.state.as_ptr(), data, len, out.as_mut_ptr(), frame_size, i32::from(fec)) };
        check(NAME, ret).map(|samples| samples as usize)
    }

    /// Checks a decode call's arguments; returns the packet pointer, its length and the frame
    /// size in samples per channel.
    fn prepare(
        &self,
        name: &'static str,
        packet: Option<&[u8]>,
        out_len: usize,
        fec: bool,
    ) -> Result<(*const u8, i32, i32)> {
        let channels = self.channels.count();
        let frame_size = out_len / channels;
        if frame_size == 0 || !out_len.is_multiple_of(channels) {
            return Err(Error::new(name, ErrorCode::BufferLength { needed: channels, given: out_len }));
        }
        let concealing = packet.is_none() || fec;
        if concealing && !is_concealment_size(self.sample_rate_hz, frame_size) {
            return Err(Error::new(name, ErrorCode::BadFrameSize(frame_size)));
        }
        let frame_size =
            i32::try_from(frame_size).map_err(|_| Error::new(name, ErrorCode::BadFrameSize(frame_size)))?;
        match packet {
            None => Ok((std::ptr::null(), 0, frame_size)),
            Some([]) => Err(Error::new(name, ErrorCode::InvalidPacket)),
            Some(bytes) => {
                let len = i32::try_from(bytes.len()).map_err(|_| Error::new(name, ErrorCode::InvalidPacket))?;
                Ok((bytes.as_ptr(), len, frame_size))
            }
        }
    }

    /// Recovers lost audio from deep redundancy (DRED) that [`crate::DredDecoder::parse`] found
    /// in a later packet. `offset_samples` is how far before the start of that packet's audio the
    /// wanted audio begins; `out` receives `out.len() / channels` samples, a multiple of 2.5 ms.
    /// An offset beyond the redundancy's reach is no error: libopus uses the features it has for
    /// the span and conceals the rest. Never allocates.
    pub fn decode_dred_float(&mut self, dred: &Dred, offset_samples: usize, out: &mut [f32]) -> Result<usize> {
        const NAME: &str = "opus_decoder_dred_decode_float";
        let (_, _, frame_size) = self.prepare(NAME, None, out.len(), false)?;
        let offset = i32::try_from(offset_samples).map_err(|_| Error::new(NAME, ErrorCode::BadArg))?;
        // SAFETY: `dred` is a live OpusDRED (filled by `opus_dred_parse` or still zeroed, which
        // libopus treats as holding no redundancy); `out` holds `frame_size * channels` floats.
        let ret = unsafe {
            sys::opus_decoder_dred_decode_float(
                self.state.as_ptr(),
                dred.as_ptr(),
                offset,
                out.as_mut_ptr(),
                frame_size,
            )
        };
        check(NAME, ret).map(|samples| samples as usize)
    }

    fn set(&mut self, name: &'static str, request: i32, value: i32) -> Result<()> {
        // SAFETY: the state is live and exclusively borrowed; callers pass setter requests only.
        unsafe { ctl::set(sys::opus_decoder_ctl, self.state.as_ptr(), name, request, value) }
    }

    fn get(&self, name: &'static str, request: i32) -> Result<i32> {
        // SAFETY: the state is live; getters only read it, and `Decoder` is not `Sync`.
        unsafe { ctl::get(sys::opus_decoder_ctl, self.state.as_ptr(), name, request) }
    }

    /// Resets the decoder to a freshly initialised state (`OPUS_RESET_STATE`). Never allocates.
    pub fn reset_state(&mut self) -> Result<()> {
        // SAFETY: the state is live and exclusively borrowed; the request reads no argument.
        unsafe {
            ctl::call(
                sys::opus_decoder_ctl,
                self.state.as_ptr(),
                "opus_decoder_ctl(OPUS_RESET_STATE)",
                sys::OPUS_RESET_STATE,
            )
        }
    }

    ctl_setter!("opus_decoder_ctl",
        /// Output gain in Q8 dB (256 = +1 dB), −32768 to 32767 (`OPUS_SET_GAIN`).
        set_gain_q8_db, OPUS_SET_GAIN_REQUEST, gain_q8_db: i16 => i32::from(gain_q8_db)
    );
    ctl_getter!("opus_decoder_ctl",
        /// Output gain in Q8 dB (`OPUS_GET_GAIN`).
        gain_q8_db, OPUS_GET_GAIN_REQUEST -> i16, |raw, _| Ok(raw as i16)
    );
    ctl_setter!("opus_decoder_ctl",
        /// Decoder complexity, 0 to 10 (`OPUS_SET_COMPLEXITY`): 5 and up switch on deep PLC
        /// (and DRED decoding quality), 6 and up the OSCE speech enhancement (LACE), 7 and up
        /// NoLACE. Each step costs noticeably more CPU.
        set_complexity, OPUS_SET_COMPLEXITY_REQUEST, complexity: u8 => i32::from(complexity)
    );
    ctl_getter!("opus_decoder_ctl",
        /// Decoder complexity (`OPUS_GET_COMPLEXITY`).
        complexity, OPUS_GET_COMPLEXITY_REQUEST -> u8, |raw, _| Ok(raw as u8)
    );
    ctl_setter!("opus_decoder_ctl",
        /// Disables stereo phase inversion (`OPUS_SET_PHASE_INVERSION_DISABLED`).
        set_phase_inversion_disabled, OPUS_SET_PHASE_INVERSION_DISABLED_REQUEST, disabled: bool => i32::from(disabled)
    );
    ctl_setter!("opus_decoder_ctl",
        /// Turns on OSCE bandwidth extension of wideband speech (`OPUS_SET_OSCE_BWE`).
        set_osce_bwe, OPUS_SET_OSCE_BWE_REQUEST, enabled: bool => i32::from(enabled)
    );
    ctl_getter!("opus_decoder_ctl",
        /// Whether OSCE bandwidth extension is on (`OPUS_GET_OSCE_BWE`).
        osce_bwe, OPUS_GET_OSCE_BWE_REQUEST -> bool, |raw, _| Ok(raw != 0)
    );
    ctl_getter!("opus_decoder_ctl",
        /// Samples per channel of the last decoded or concealed packet
        /// (`OPUS_GET_LAST_PACKET_DURATION`).
        last_packet_duration, OPUS_GET_LAST_PACKET_DURATION_REQUEST -> usize, |raw, _| Ok(raw as usize)
    );
    ctl_getter!("opus_decoder_ctl",
        /// Bandwidth of the last decoded packet (`OPUS_GET_BANDWIDTH`); `None` before any.
        bandwidth, OPUS_GET_BANDWIDTH_REQUEST -> Option<Bandwidth>, |raw, _| Ok(Bandwidth::from_raw(raw))
    );
    ctl_getter!("opus_decoder_ctl",
        /// The range decoder's final state after the last packet; equals the encoder's
        /// [`crate::Encoder::final_range`] for that packet when both agree bit for bit.
        final_range, OPUS_GET_FINAL_RANGE_REQUEST -> u32, |raw, _| Ok(raw as u32)
    );
}
