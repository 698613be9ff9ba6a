//! The blind test's own way to what plays: the editor's ABX test ([`crate::abx`]) presses, the
//! audio thread plays. It is no parameter (a host could read or record one) and is never saved:
//! while a test runs, the Listen parameter keeps its value and the source heard comes from here.
//!
//! Thread ownership: the editor (GUI thread, the only writer) presses through [`BlindMonitor`];
//! the audio thread reads through its [`BlindReader`]. One atomic holds both the source and the
//! count of presses, so that a reader never sees a new source with an old count (it would then
//! switch without going through silence, and so tell a changed source from an unchanged one).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use roundtrip_engine::{Choice, Comparison, Listen};

/// The source's value when no test is playing.
const NOT_TESTING: u32 = 0xff;

/// The source a test plays (low 8 bits) and a count of presses (the rest): each press switches
/// through silence, even to the source already playing, so that no press sounds different
/// from another.
#[derive(Debug)]
pub struct BlindMonitor {
    state: AtomicU32,
}

impl Default for BlindMonitor {
    fn default() -> Self {
        Self { state: AtomicU32::new(NOT_TESTING) }
    }
}

impl BlindMonitor {
    /// Stores `source` with the next press count (GUI thread only: the one writer).
    fn store(&self, source: u32) {
        let presses = (self.state.load(Ordering::Relaxed) >> 8).wrapping_add(1);
        self.state.store(presses << 8 | source, Ordering::Relaxed);
    }

    /// Plays `source` for the test (GUI thread).
    pub fn press(&self, source: Listen) {
        self.store(source.index() as u32);
    }

    /// Ends the test's hold on what plays: the Listen parameter decides again (GUI thread).
    pub fn release(&self) {
        self.store(NOT_TESTING);
    }
}

/// The audio thread's end: remembers the last press it acted on.
#[derive(Debug)]
pub struct BlindReader {
    monitor: Arc<BlindMonitor>,
    seen: u32,
}

impl BlindReader {
    pub fn new(monitor: Arc<BlindMonitor>) -> Self {
        let seen = monitor.state.load(Ordering::Relaxed);
        Self { monitor, seen }
    }

    /// `comparison` (the parameters') with the test's source in place of the Listen
    /// parameter's while a test plays and its window is open (`window_open`: a test paused by
    /// closing its window gives Listen back), and the source to switch to through silence if the
    /// test pressed since the last call, or its window opened again. Never allocates, locks or
    /// blocks.
    pub fn heard(&mut self, mut comparison: Comparison, window_open: bool) -> (Comparison, Option<Listen>) {
        let state = self.monitor.state.load(Ordering::Relaxed);
        let source = state & 0xff;
        if source == NOT_TESTING || !window_open {
            // Seen once the window is open again: it comes back through silence.
            self.seen = state.wrapping_add(1 << 8);
            return (comparison, None);
        }
        let pressed = state != self.seen;
        self.seen = state;
        comparison.listen = Listen::from_index(source as usize);
        (comparison, pressed.then_some(comparison.listen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_press_plays_its_source_once_through_silence_and_holds_it_until_released() {
        let monitor = Arc::new(BlindMonitor::default());
        let mut reader = BlindReader::new(monitor.clone());
        let params = Comparison::listening(Listen::A);
        assert_eq!(reader.heard(params, true), (params, None));
        monitor.press(Listen::Dry);
        let held = Comparison::listening(Listen::Dry);
        assert_eq!(reader.heard(params, true), (held, Some(Listen::Dry)));
        assert_eq!(reader.heard(params, true), (held, None));
        // The same source pressed again switches again.
        monitor.press(Listen::Dry);
        assert_eq!(reader.heard(params, true), (held, Some(Listen::Dry)));
        // A closed window gives Listen back; opened again, the test's source comes back.
        assert_eq!(reader.heard(params, false), (params, None));
        assert_eq!(reader.heard(params, true), (held, Some(Listen::Dry)));
        monitor.release();
        assert_eq!(reader.heard(params, true), (params, None));
    }
}
