//! Each library as a [`Candidate`](crate::Candidate), set to the bar (see [`crate::measure`]).

mod libsamplerate;
mod rubato_fft;
mod soxr;
mod speex;

pub use libsamplerate::Libsamplerate;
pub use rubato_fft::RubatoFft;
pub use soxr::Soxr;
pub use speex::Speex;

use crate::{Candidate, Direction};

/// Every candidate for `direction`, today's first.
pub fn all(direction: Direction) -> Vec<Box<dyn Candidate>> {
    vec![
        Box::new(RubatoFft::new(direction)),
        Box::new(Soxr::new(direction)),
        Box::new(Speex::new(direction, Speex::QUALITY)),
        Box::new(Libsamplerate::new(direction)),
    ]
}
