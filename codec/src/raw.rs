//! Direct libopus calls with no wrapper at all, as the baseline that benchmarks compare our
//! types against. Only built with the `library-managed` feature; never for real-time use.

use std::ptr::NonNull;

use opusic_sys as sys;

/// An encoder and decoder from `opus_*_create`, driven by raw `opus_encode_float` /
/// `opus_decode_float` calls.
#[derive(Debug)]
pub struct RawRoundTrip {
    encoder: NonNull<sys::OpusEncoder>,
    decoder: NonNull<sys::OpusDecoder>,
    channels: usize,
}

impl RawRoundTrip {
    /// An `OPUS_APPLICATION_AUDIO` encoder at `bitrate_bps` and `complexity`, and a decoder.
    /// Panics on any libopus error: this is benchmark scaffolding.
    pub fn new(sample_rate_hz: u32, channels: usize, bitrate_bps: i32, complexity: i32) -> Self {
        let mut error = 0;
        let (rate, count) = (sample_rate_hz as i32, channels as i32);
        // SAFETY: `error` is a valid out-pointer; bad arguments come back as an error code.
        let encoder = unsafe { sys::opus_encoder_create(rate, count, sys::OPUS_APPLICATION_AUDIO, &mut error) };
        assert_eq!(error, 0, "opus_encoder_create");
        // SAFETY: as above.
        let decoder = unsafe { sys::opus_decoder_create(rate, count, &mut error) };
        assert_eq!(error, 0, "opus_decoder_create");
        let encoder = NonNull::new(encoder).expect("opus_encoder_create returned null");
        // SAFETY: a live encoder; both CTLs take one opus_int32.
        unsafe {
            assert_eq!(sys::opus_encoder_ctl(encoder.as_ptr(), sys::OPUS_SET_BITRATE_REQUEST, bitrate_bps), 0);
            assert_eq!(sys::opus_encoder_ctl(encoder.as_ptr(), sys::OPUS_SET_COMPLEXITY_REQUEST, complexity), 0);
        }
        Self { encoder, decoder: NonNull::new(decoder).expect("opus_decoder_create returned null"), channels }
    }

    /// The same, with the encoder's VBR constrained: the engine's default rate control, so that
    /// a comparison with the engine measures our code, not another encoder configuration.
    pub fn with_constrained_vbr(self) -> Self {
        // SAFETY: a live encoder; the CTL takes one opus_int32.
        let status = unsafe { sys::opus_encoder_ctl(self.encoder.as_ptr(), sys::OPUS_SET_VBR_CONSTRAINT_REQUEST, 1) };
        assert_eq!(status, 0, "OPUS_SET_VBR_CONSTRAINT");
        self
    }

    /// Encodes `pcm` (one whole frame, interleaved) into `packet` and decodes it into `out`;
    /// returns the decoded samples per channel (or a negative libopus error).
    pub fn round_trip(&mut self, pcm: &[f32], packet: &mut [u8], out: &mut [f32]) -> i32 {
        let frame = (pcm.len() / self.channels) as i32;
        assert!(out.len() >= pcm.len() && !packet.is_empty());
        // SAFETY: `pcm` holds `frame` samples per channel, `out` at least as many, `packet`
        // `packet.len()` bytes; both states are live.
        unsafe {
            let len = sys::opus_encode_float(
                self.encoder.as_ptr(),
                pcm.as_ptr(),
                frame,
                packet.as_mut_ptr(),
                packet.len().min(i32::MAX as usize) as i32,
            );
            if len < 0 {
                return len;
            }
            sys::opus_decode_float(self.decoder.as_ptr(), packet.as_ptr(), len, out.as_mut_ptr(), frame, 0)
        }
    }
}

impl Drop for RawRoundTrip {
    fn drop(&mut self) {
        // SAFETY: both came from the matching create calls and are destroyed once, here.
        unsafe {
            sys::opus_encoder_destroy(self.encoder.as_ptr());
            sys::opus_decoder_destroy(self.decoder.as_ptr());
        }
    }
}
