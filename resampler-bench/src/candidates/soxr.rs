//! libsoxr (the SoX resampler), built from source by `soxr-sys` (its scalar float32 engine: that
//! crate's build leaves out libsoxr's SIMD code), interleaved float32 in and out, linear phase.
//! libsoxr removes its filter's delay from the stream it returns and holds output back instead,
//! so its whole latency shows as the prime; the smallest DFT size (`log2_min_dft_size`, tried
//! from 10 down to 6) does not change it.

use std::ffi::CStr;

use soxr_sys as sys;

use crate::candidate::CHANNELS;
use crate::{Candidate, Direction};

/// libsoxr with a quality specification of our own.
pub struct Soxr {
    handle: sys::soxr_t,
    spec: sys::soxr_quality_spec_t,
}

impl std::fmt::Debug for Soxr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Soxr").field("precision", &self.spec.precision).finish_non_exhaustive()
    }
}

impl Soxr {
    /// Bits of precision: libsoxr's stopband attenuation follows from it. 21 is the fewest that
    /// reach the bar's attenuation in both directions (20 leave aliases at −130.1 dB).
    pub const PRECISION_BITS: f64 = 21.0;
    /// The end of the flat passband (libsoxr's "0 dB point", within 0.01 dB), as a fraction of the
    /// lower Nyquist frequency: 19 kHz at 44.1 kHz, where the bar is flat to. The stopband begins
    /// at the Nyquist frequency, as the bar's does.
    pub const PASSBAND_END: f64 = 19_000.0 / 22_050.0;

    pub fn new(direction: Direction) -> Self {
        Self::with(direction, Self::PRECISION_BITS, Self::PASSBAND_END, None)
    }

    /// libsoxr with `precision` bits, its passband's 0 dB point at `passband_end` of the lower
    /// Nyquist frequency, and (if given) its smallest DFT at 2^`log2_min_dft_size` frames.
    pub fn with(direction: Direction, precision: f64, passband_end: f64, log2_min_dft_size: Option<u32>) -> Self {
        let (from, to) = direction.rates();
        // SAFETY: plain constructors of specification structs, no pointers involved.
        let (mut spec, io, runtime) = unsafe {
            (
                sys::soxr_quality_spec(sys::SOXR_20_BITQ as _, 0),
                sys::soxr_io_spec(sys::soxr_datatype_t_SOXR_FLOAT32_I, sys::soxr_datatype_t_SOXR_FLOAT32_I),
                sys::soxr_runtime_spec(1),
            )
        };
        let mut runtime = runtime;
        if let Some(log2) = log2_min_dft_size {
            runtime.log2_min_dft_size = log2;
        }
        spec.precision = precision;
        spec.passband_end = passband_end;
        spec.stopband_begin = 1.0;
        let mut error: sys::soxr_error_t = std::ptr::null();
        // SAFETY: the specifications live across the call and `error` is a valid out pointer;
        // libsoxr copies what it needs.
        let handle = unsafe {
            sys::soxr_create(f64::from(from), f64::from(to), CHANNELS as u32, &mut error, &io, &spec, &runtime)
        };
        assert!(error.is_null() && !handle.is_null(), "libsoxr refused: {}", describe(error));
        Self { handle, spec }
    }
}

/// libsoxr's error text.
fn describe(error: sys::soxr_error_t) -> String {
    if error.is_null() {
        return "no error".to_string();
    }
    // SAFETY: libsoxr's errors are static NUL-terminated strings.
    unsafe { CStr::from_ptr(error) }.to_string_lossy().into_owned()
}

impl Candidate for Soxr {
    fn name(&self) -> String {
        // SAFETY: the handle is live; the engine name is a static string.
        let engine = unsafe { CStr::from_ptr(sys::soxr_engine(self.handle)) }.to_string_lossy();
        format!("libsoxr 0.1.3 ({engine}), {:.0} bits, passband to {:.3}", self.spec.precision, self.spec.passband_end)
    }

    fn process(&mut self, input: &[f32], output: &mut [f32]) -> usize {
        let (mut consumed, mut produced) = (0usize, 0usize);
        // SAFETY: the buffers are valid for the lengths passed (in frames of interleaved stereo),
        // and the handle is live.
        let error = unsafe {
            sys::soxr_process(
                self.handle,
                input.as_ptr().cast(),
                input.len() / CHANNELS,
                &mut consumed,
                output.as_mut_ptr().cast(),
                output.len() / CHANNELS,
                &mut produced,
            )
        };
        debug_assert!(error.is_null() && consumed == input.len() / CHANNELS, "{}", describe(error));
        produced
    }
}

impl Drop for Soxr {
    fn drop(&mut self) {
        // SAFETY: created by soxr_create and deleted once.
        unsafe { sys::soxr_delete(self.handle) }
    }
}
