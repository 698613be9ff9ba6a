//! The Opus encoder over memory the caller allocates.

use std::alloc::Layout;
use std::sync::Arc;

use opusic_sys as sys;

use crate::ctl::{self, ctl_getter, ctl_setter};
use crate::error::{Error, ErrorCode, Result, check};
use crate::mem::{self, StateAllocator, state_layout};
use crate::settings::{
    Application, Bandwidth, Bitrate, Channels, FrameDuration, RateControl, Signal, check_sample_rate, is_frame_size,
};
use crate::state::OwnedState;

/// An Opus encoder state.
///
/// Created with [`Encoder::new_in`] (memory from a [`StateAllocator`]) or [`Encoder::new`]
/// (Rust's global allocator): `opus_encoder_get_size` → allocate → `opus_encoder_init`. After
/// that, no method allocates; [`Encoder::encode_float`] and every setter write only into the
/// state and the caller's slices. Dropping it returns the memory to its allocator.
///
/// Thread ownership: `Send`, not `Sync`: one thread at a time, typically the audio thread after
/// creation on the main thread.
#[derive(Debug)]
pub struct Encoder {
    /// The libopus state and the memory behind it.
    state: OwnedState<sys::OpusEncoder>,
    /// Rate the encoder was initialised at, in hertz.
    sample_rate_hz: u32,
    /// Channel count the encoder was initialised with.
    channels: Channels,
}

impl Encoder {
    /// The memory layout of an encoder state for `channels`: `opus_encoder_get_size` bytes at
    /// [`mem::STATE_ALIGN`]. Use it to size an [`mem::Arena`].
    pub fn layout(channels: Channels) -> Result<Layout> {
        // SAFETY: a pure size query; the channel count is 1 or 2 by construction.
        let size = unsafe { sys::opus_encoder_get_size(channels.count() as i32) };
        state_layout("opus_encoder_get_size", size)
    }

    /// Creates an encoder in memory from Rust's global allocator. This allocates.
    pub fn new(sample_rate_hz: u32, channels: Channels, application: Application) -> Result<Self> {
        Self::new_in(mem::global(), sample_rate_hz, channels, application)
    }

    /// Creates an encoder in memory from `allocator`. This allocates (from `allocator` only).
    pub fn new_in(
        allocator: Arc<dyn StateAllocator>,
        sample_rate_hz: u32,
        channels: Channels,
        application: Application,
    ) -> Result<Self> {
        check_sample_rate("opus_encoder_init", sample_rate_hz)?;
        let layout = Self::layout(channels)?;
        let state = OwnedState::new_in(allocator, layout, "opus_encoder_init", |ptr| {
            // SAFETY: `ptr` is a zeroed, STATE_ALIGN-aligned block of `opus_encoder_get_size`
            // bytes for this channel count; the rate was checked above.
            unsafe { sys::opus_encoder_init(ptr, sample_rate_hz as i32, channels.count() as i32, application.raw()) }
        })?;
        Ok(Self { state, sample_rate_hz, channels })
    }

    /// Creates an encoder with `opus_encoder_create` (libopus calls `malloc`), freed with
    /// `opus_encoder_destroy`. Only for tests and benchmarks that compare with [`Encoder::new_in`].
    #[cfg(feature = "library-managed")]
    pub fn create_library_managed(sample_rate_hz: u32, channels: Channels, application: Application) -> Result<Self> {
        check_sample_rate("opus_encoder_create", sample_rate_hz)?;
        let mut error = 0;
        // SAFETY: arguments validated above; `error` is a valid out-pointer.
        let ptr = unsafe {
            sys::opus_encoder_create(sample_rate_hz as i32, channels.count() as i32, application.raw(), &mut error)
        };
        let state = OwnedState::from_library("opus_encoder_create", ptr, error, sys::opus_encoder_destroy)?;
        Ok(Self { state, sample_rate_hz, channels })
    }

    /// A byte-for-byte copy of this encoder, in memory from `allocator`, that continues exactly
    /// where this one is. This allocates.
    pub fn duplicate_in(&self, allocator: Arc<dyn StateAllocator>) -> Result<Self> {
        let state = self.state.duplicate_in(allocator, Self::layout(self.channels)?)?;
        Ok(Self { state, ..*self })
    }

    /// Whether the state lives in memory from a [`StateAllocator`] (not `opus_encoder_create`).
    pub fn is_user_managed(&self) -> bool {
        self.state.is_user_managed()
    }

    /// The rate the encoder was created for, in hertz.
    pub fn sample_rate_hz(&self) -> u32 {
        self.sample_rate_hz
    }

    /// The channel count the encoder was created for.
    pub fn channels(&self) -> Channels {
        self.channels
    }

    /// Encodes one frame of interleaved float PCM (nominal range ±1.0) into `out` and returns
    /// the packet length in bytes. `pcm` must hold a whole Opus frame (2.5 to 120 ms) for every
    /// channel. Never allocates. A 1- or 2-byte packet means the encoder had nothing to send
    /// (DTX).
    pub fn encode_float(&mut self, pcm: &[f32], out: &mut [u8]) -> Result<usize> {
        const NAME: &str = "opus_encode_float";
        let frame_size = self.frame_size_of(NAME, pcm.len())?;
        let max_bytes = Self::out_len(NAME, out)?;
        // SAFETY: `pcm` holds `frame_size * channels` samples and `out` at least `max_bytes`
        // bytes, both checked above; the state is live and exclusively borrowed.
        let ret = unsafe {
            sys::opus_encode_float(self.state.as_ptr(), pcm.as_ptr(), frame_size as i32, out.as_mut_ptr(), max_bytes)
        };
        check(NAME, ret).map(|len| len as usize)
    }

    /// Encodes one frame of interleaved 16-bit PCM; see [`Encoder::encode_float`].
    pub fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize> {
        const NAME: &str = "opus_encode";
        let frame_size = self.frame_size_of(NAME, pcm.len())?;
        let max_bytes = Self::out_len(NAME, out)?;
        // SAFETY: as in `encode_float`.
        let ret = unsafe {
            sys::opus_encode(self.state.as_ptr(), pcm.as_ptr(), frame_size as i32, out.as_mut_ptr(), max_bytes)
        };
        check(NAME, ret).map(|len| len as usize)
    }

    fn frame_size_of(&self, name: &'static str, samples: usize) -> Result<usize> {
        let channels = self.channels.count();
        let frame_size = samples / channels;
        if !samples.is_multiple_of(channels) || !is_frame_size(self.sample_rate_hz, frame_size) {
            return Err(Error::new(name, ErrorCode::BadFrameSize(frame_size)));
        }
        Ok(frame_size)
    }

    fn out_len(name: &'static str, out: &[u8]) -> Result<i32> {
        if out.is_empty() {
            return Err(Error::new(name, ErrorCode::BufferLength { needed: 1, given: 0 }));
        }
        Ok(i32::try_from(out.len()).unwrap_or(i32::MAX))
    }

    fn set(&mut self, name: &'static str, request: i32, value: i32) -> Result<()> {
        // SAFETY: the state is live and exclusively borrowed; callers pass setter requests only.
        unsafe { ctl::set(sys::opus_encoder_ctl, self.state.as_ptr(), name, request, value) }
    }

    fn get(&self, name: &'static str, request: i32) -> Result<i32> {
        // SAFETY: the state is live; getters only read it, and `Encoder` is not `Sync`, so no
        // other thread can be mutating it through `&mut` while this `&self` exists.
        unsafe { ctl::get(sys::opus_encoder_ctl, self.state.as_ptr(), name, request) }
    }

    /// Resets the codec state to that of a freshly initialised encoder, keeping every setting
    /// (`OPUS_RESET_STATE`). Never allocates.
    pub fn reset_state(&mut self) -> Result<()> {
        // SAFETY: the state is live and exclusively borrowed; the request reads no argument.
        unsafe {
            ctl::call(
                sys::opus_encoder_ctl,
                self.state.as_ptr(),
                "opus_encoder_ctl(OPUS_RESET_STATE)",
                sys::OPUS_RESET_STATE,
            )
        }
    }

    ctl_setter!("opus_encoder_ctl",
        /// Sets the target bitrate (`OPUS_SET_BITRATE`).
        set_bitrate, OPUS_SET_BITRATE_REQUEST, bitrate: Bitrate => bitrate.raw()
    );
    ctl_getter!("opus_encoder_ctl",
        /// The bitrate in bits per second the encoder is using (`OPUS_GET_BITRATE`); with
        /// [`Bitrate::Auto`] or [`Bitrate::Max`] this is what they resolved to.
        bitrate_bps, OPUS_GET_BITRATE_REQUEST -> i32, |raw, _| Ok(raw)
    );
    ctl_setter!("opus_encoder_ctl",
        /// Sets the computational complexity, 0 (fastest) to 10 (best) (`OPUS_SET_COMPLEXITY`).
        set_complexity, OPUS_SET_COMPLEXITY_REQUEST, complexity: u8 => i32::from(complexity)
    );
    ctl_getter!("opus_encoder_ctl",
        /// The complexity, 0 to 10 (`OPUS_GET_COMPLEXITY`).
        complexity, OPUS_GET_COMPLEXITY_REQUEST -> u8, |raw, _| Ok(raw as u8)
    );
    ctl_setter!("opus_encoder_ctl",
        /// Turns variable bitrate on or off (`OPUS_SET_VBR`).
        set_vbr, OPUS_SET_VBR_REQUEST, enabled: bool => i32::from(enabled)
    );
    ctl_getter!("opus_encoder_ctl",
        /// Whether variable bitrate is on (`OPUS_GET_VBR`).
        vbr, OPUS_GET_VBR_REQUEST -> bool, |raw, _| Ok(raw != 0)
    );
    ctl_setter!("opus_encoder_ctl",
        /// Constrains VBR to the CBR budget (`OPUS_SET_VBR_CONSTRAINT`); only matters with VBR on.
        set_vbr_constraint, OPUS_SET_VBR_CONSTRAINT_REQUEST, constrained: bool => i32::from(constrained)
    );
    ctl_getter!("opus_encoder_ctl",
        /// Whether VBR is constrained (`OPUS_GET_VBR_CONSTRAINT`).
        vbr_constraint, OPUS_GET_VBR_CONSTRAINT_REQUEST -> bool, |raw, _| Ok(raw != 0)
    );

    /// Sets CBR, VBR or constrained VBR in one call (two CTLs).
    pub fn set_rate_control(&mut self, mode: RateControl) -> Result<()> {
        self.set_vbr(mode != RateControl::Cbr)?;
        self.set_vbr_constraint(mode == RateControl::ConstrainedVbr)
    }

    /// CBR, VBR or constrained VBR, from the two CTLs.
    pub fn rate_control(&self) -> Result<RateControl> {
        Ok(match (self.vbr()?, self.vbr_constraint()?) {
            (false, _) => RateControl::Cbr,
            (true, false) => RateControl::Vbr,
            (true, true) => RateControl::ConstrainedVbr,
        })
    }

    ctl_setter!("opus_encoder_ctl",
        /// Forces a bandwidth, or `None` to let the encoder choose (`OPUS_SET_BANDWIDTH`).
        set_bandwidth, OPUS_SET_BANDWIDTH_REQUEST, bandwidth: Option<Bandwidth> =>
            bandwidth.map_or(sys::OPUS_AUTO, Bandwidth::raw)
    );
    ctl_getter!("opus_encoder_ctl",
        /// The bandwidth of the most recent packet (`OPUS_GET_BANDWIDTH`); `None` before any.
        bandwidth, OPUS_GET_BANDWIDTH_REQUEST -> Option<Bandwidth>, |raw, _| Ok(Bandwidth::from_raw(raw))
    );
    ctl_setter!("opus_encoder_ctl",
        /// Caps the bandwidth the encoder may choose (`OPUS_SET_MAX_BANDWIDTH`).
        set_max_bandwidth, OPUS_SET_MAX_BANDWIDTH_REQUEST, bandwidth: Bandwidth => bandwidth.raw()
    );
    ctl_getter!("opus_encoder_ctl",
        /// The bandwidth cap (`OPUS_GET_MAX_BANDWIDTH`).
        max_bandwidth, OPUS_GET_MAX_BANDWIDTH_REQUEST -> Bandwidth, |raw, name| Bandwidth::from_raw(raw).ok_or(Error::new(name, ErrorCode::Unknown(raw)))
    );
    ctl_setter!("opus_encoder_ctl",
        /// Hints at the content type (`OPUS_SET_SIGNAL`).
        set_signal, OPUS_SET_SIGNAL_REQUEST, signal: Signal => signal.raw()
    );
    ctl_getter!("opus_encoder_ctl",
        /// The content hint (`OPUS_GET_SIGNAL`).
        signal, OPUS_GET_SIGNAL_REQUEST -> Signal, |raw, name| Signal::from_raw(name, raw)
    );
    ctl_setter!("opus_encoder_ctl",
        /// Changes the application (`OPUS_SET_APPLICATION`). libopus refuses this once the
        /// first frame has been encoded, with [`ErrorCode::BadArg`]; reset first.
        set_application, OPUS_SET_APPLICATION_REQUEST, application: Application => application.raw()
    );
    ctl_getter!("opus_encoder_ctl",
        /// The application (`OPUS_GET_APPLICATION`).
        application, OPUS_GET_APPLICATION_REQUEST -> Application, |raw, name| Application::from_raw(name, raw)
    );
    ctl_setter!("opus_encoder_ctl",
        /// Forces mono or stereo coding of a stereo input, or `None` for automatic
        /// (`OPUS_SET_FORCE_CHANNELS`).
        set_force_channels, OPUS_SET_FORCE_CHANNELS_REQUEST, channels: Option<Channels> =>
            channels.map_or(sys::OPUS_AUTO, |c| c.count() as i32)
    );
    ctl_setter!("opus_encoder_ctl",
        /// Adds in-band forward error correction (LBRR) to SILK frames (`OPUS_SET_INBAND_FEC`).
        /// libopus only codes it in SILK or hybrid mode and when the bitrate leaves room.
        set_inband_fec, OPUS_SET_INBAND_FEC_REQUEST, enabled: bool => i32::from(enabled)
    );
    ctl_getter!("opus_encoder_ctl",
        /// Whether in-band FEC is requested (`OPUS_GET_INBAND_FEC`).
        inband_fec, OPUS_GET_INBAND_FEC_REQUEST -> bool, |raw, _| Ok(raw != 0)
    );
    ctl_setter!("opus_encoder_ctl",
        /// Tells the encoder the expected packet loss, 0 to 100 % (`OPUS_SET_PACKET_LOSS_PERC`);
        /// FEC and DRED spend bits according to it.
        set_packet_loss_perc, OPUS_SET_PACKET_LOSS_PERC_REQUEST, loss_percent: u8 => i32::from(loss_percent)
    );
    ctl_getter!("opus_encoder_ctl",
        /// The expected packet loss in percent (`OPUS_GET_PACKET_LOSS_PERC`).
        packet_loss_perc, OPUS_GET_PACKET_LOSS_PERC_REQUEST -> u8, |raw, _| Ok(raw as u8)
    );
    ctl_setter!("opus_encoder_ctl",
        /// Discontinuous transmission: send almost nothing during silence (`OPUS_SET_DTX`).
        set_dtx, OPUS_SET_DTX_REQUEST, enabled: bool => i32::from(enabled)
    );
    ctl_getter!("opus_encoder_ctl",
        /// Whether DTX is on (`OPUS_GET_DTX`).
        dtx, OPUS_GET_DTX_REQUEST -> bool, |raw, _| Ok(raw != 0)
    );
    ctl_getter!("opus_encoder_ctl",
        /// Whether the last frame was coded as DTX silence (`OPUS_GET_IN_DTX`).
        in_dtx, OPUS_GET_IN_DTX_REQUEST -> bool, |raw, _| Ok(raw != 0)
    );
    ctl_setter!("opus_encoder_ctl",
        /// The input's real resolution in bits, 8 to 24 (`OPUS_SET_LSB_DEPTH`); lower values
        /// let DTX and the encoder treat quiet noise as silence.
        set_lsb_depth, OPUS_SET_LSB_DEPTH_REQUEST, bits: u8 => i32::from(bits)
    );
    ctl_getter!("opus_encoder_ctl",
        /// The input resolution in bits (`OPUS_GET_LSB_DEPTH`).
        lsb_depth, OPUS_GET_LSB_DEPTH_REQUEST -> u8, |raw, _| Ok(raw as u8)
    );
    ctl_setter!("opus_encoder_ctl",
        /// Disables inter-frame prediction so that every packet decodes on its own, at a cost in
        /// quality (`OPUS_SET_PREDICTION_DISABLED`).
        set_prediction_disabled, OPUS_SET_PREDICTION_DISABLED_REQUEST, disabled: bool => i32::from(disabled)
    );
    ctl_getter!("opus_encoder_ctl",
        /// Whether prediction is disabled (`OPUS_GET_PREDICTION_DISABLED`).
        prediction_disabled, OPUS_GET_PREDICTION_DISABLED_REQUEST -> bool, |raw, _| Ok(raw != 0)
    );
    ctl_setter!("opus_encoder_ctl",
        /// Disables stereo phase inversion, which helps downmixing decoders
        /// (`OPUS_SET_PHASE_INVERSION_DISABLED`).
        set_phase_inversion_disabled, OPUS_SET_PHASE_INVERSION_DISABLED_REQUEST, disabled: bool => i32::from(disabled)
    );
    ctl_getter!("opus_encoder_ctl",
        /// Whether phase inversion is disabled (`OPUS_GET_PHASE_INVERSION_DISABLED`).
        phase_inversion_disabled, OPUS_GET_PHASE_INVERSION_DISABLED_REQUEST -> bool, |raw, _| Ok(raw != 0)
    );
    ctl_setter!("opus_encoder_ctl",
        /// Fixes the packet duration, or takes it from the input (`OPUS_SET_EXPERT_FRAME_DURATION`).
        set_frame_duration, OPUS_SET_EXPERT_FRAME_DURATION_REQUEST, duration: FrameDuration => duration.raw()
    );
    ctl_getter!("opus_encoder_ctl",
        /// The packet duration setting (`OPUS_GET_EXPERT_FRAME_DURATION`).
        frame_duration, OPUS_GET_EXPERT_FRAME_DURATION_REQUEST -> FrameDuration, |raw, name| FrameDuration::from_raw(name, raw)
    );
    ctl_setter!("opus_encoder_ctl",
        /// How much deep redundancy (DRED) to send, in 10 ms units, 0 (off) to 104
        /// (`OPUS_SET_DRED_DURATION`). libopus only sends it when the bitrate and the expected
        /// loss leave room.
        set_dred_duration, OPUS_SET_DRED_DURATION_REQUEST, tens_of_ms: u8 => i32::from(tens_of_ms)
    );
    ctl_getter!("opus_encoder_ctl",
        /// The DRED duration in 10 ms units (`OPUS_GET_DRED_DURATION`).
        dred_duration, OPUS_GET_DRED_DURATION_REQUEST -> u8, |raw, _| Ok(raw as u8)
    );
    ctl_getter!("opus_encoder_ctl",
        /// Samples per channel (at the encoder's rate) that the encoder looks ahead: the codec's
        /// own algorithmic delay beyond the frame (`OPUS_GET_LOOKAHEAD`).
        lookahead, OPUS_GET_LOOKAHEAD_REQUEST -> usize, |raw, _| Ok(raw as usize)
    );
    ctl_getter!("opus_encoder_ctl",
        /// The range coder's final state after the last packet, for checking that an encoder and
        /// a decoder agree bit for bit (`OPUS_GET_FINAL_RANGE`).
        final_range, OPUS_GET_FINAL_RANGE_REQUEST -> u32, |raw, _| Ok(raw as u32)
    );
}
