//! libsamplerate (Secret Rabbit Code), built from source by `libsamplerate-sys` with CMake: its
//! band-limited sinc interpolator, interleaved float in and out.

use libsamplerate_sys as sys;

use crate::candidate::CHANNELS;
use crate::{Candidate, Direction};

/// libsamplerate at one of its sinc converters.
pub struct Libsamplerate {
    state: *mut sys::SRC_STATE,
    converter: u32,
    ratio: f64,
}

impl std::fmt::Debug for Libsamplerate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Libsamplerate").field("converter", &self.converter).finish_non_exhaustive()
    }
}

impl Libsamplerate {
    /// The fastest converter that passes 20 kHz at 44.1 kHz: "medium" passes 90 % of the Nyquist
    /// frequency (19.8 kHz) and "fastest" 80 %, so only "best" (96 %) is in the running.
    pub const CONVERTER: u32 = sys::SRC_SINC_BEST_QUALITY;

    pub fn new(direction: Direction) -> Self {
        let (from, to) = direction.rates();
        let mut error = 0;
        // SAFETY: `error` is a valid out pointer.
        let state = unsafe { sys::src_new(Self::CONVERTER as i32, CHANNELS as i32, &mut error) };
        assert!(error == 0 && !state.is_null(), "libsamplerate refused: error {error}");
        Self { state, converter: Self::CONVERTER, ratio: f64::from(to) / f64::from(from) }
    }
}

impl Candidate for Libsamplerate {
    fn name(&self) -> String {
        // SAFETY: libsamplerate's names are static NUL-terminated strings.
        let converter = unsafe { std::ffi::CStr::from_ptr(sys::src_get_name(self.converter as i32)) };
        format!("libsamplerate 0.2, {}", converter.to_string_lossy())
    }

    fn process(&mut self, input: &[f32], output: &mut [f32]) -> usize {
        let mut data = sys::SRC_DATA {
            data_in: input.as_ptr(),
            data_out: output.as_mut_ptr(),
            input_frames: (input.len() / CHANNELS) as _,
            output_frames: (output.len() / CHANNELS) as _,
            input_frames_used: 0,
            output_frames_gen: 0,
            end_of_input: 0,
            src_ratio: self.ratio,
        };
        // SAFETY: the buffers are valid for the frame counts given, and the state is live.
        let error = unsafe { sys::src_process(self.state, &mut data) };
        debug_assert!(error == 0 && data.input_frames_used as usize == input.len() / CHANNELS);
        data.output_frames_gen as usize
    }
}

impl Drop for Libsamplerate {
    fn drop(&mut self) {
        // SAFETY: created by src_new and deleted once.
        unsafe { sys::src_delete(self.state) };
    }
}
