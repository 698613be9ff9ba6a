//! The blind test's own way to what plays: the editor's ABX test ([`crate::abx`]) presses, the
//! audio thread plays. It is no parameter (a host could read or record one) and is never saved:
//! while a test runs, the Listen parameter keeps its value and the source heard comes from here.
//!
//! Thread ownership: the editor (GUI thread) writes through [`BlindMonitor`]; the audio thread
//! reads through its [`BlindReader`]. Two atomics, no lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};

use roundtrip_engine::{Choice, Comparison, Listen};

/// `source` when no test is playing.
const NOT_TESTING: u8 = u8::MAX;

/// The source a test plays, and a count of presses (each press switches through silence, even
/// to the source already playing, so that no press sounds different from another).
#[derive(Debug)]
pub struct BlindMonitor {
    source: AtomicU8,
    presses: AtomicU32,
}

impl Default for BlindMonitor {
    fn default() -> Self {
        Self { source: AtomicU8::new(NOT_TESTING), presses: AtomicU32::new(0) }
    }
}

impl BlindMonitor {
    /// Plays `source` for the test (GUI thread).
    pub fn press(&self, source: Listen) {
        self.source.store(source.index() as u8, Ordering::Relaxed);
        // Release: a reader that sees the new count sees the source stored before it.
        self.presses.fetch_add(1, Ordering::Release);
    }

    /// Ends the test's hold on what plays: the Listen parameter decides again (GUI thread).
    pub fn release(&self) {
        self.source.store(NOT_TESTING, Ordering::Relaxed);
        self.presses.fetch_add(1, Ordering::Release);
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
        let seen = monitor.presses.load(Ordering::Acquire);
        Self { monitor, seen }
    }

    /// `comparison` (the parameters') with the test's source in place of the Listen
    /// parameter's while a test plays, and the source to switch to through silence if the
    /// test pressed since the last call. Never allocates, locks or blocks.
    pub fn heard(&mut self, mut comparison: Comparison) -> (Comparison, Option<Listen>) {
        let presses = self.monitor.presses.load(Ordering::Acquire);
        let source = self.monitor.source.load(Ordering::Relaxed);
        let pressed = presses != self.seen;
        self.seen = presses;
        if source == NOT_TESTING {
            return (comparison, None);
        }
        comparison.listen = Listen::from_index(usize::from(source));
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
        let params = Comparison { b: None, listen: Listen::A };
        assert_eq!(reader.heard(params), (params, None));
        monitor.press(Listen::Dry);
        let held = Comparison { listen: Listen::Dry, ..params };
        assert_eq!(reader.heard(params), (held, Some(Listen::Dry)));
        assert_eq!(reader.heard(params), (held, None));
        // The same source pressed again switches again.
        monitor.press(Listen::Dry);
        assert_eq!(reader.heard(params), (held, Some(Listen::Dry)));
        monitor.release();
        assert_eq!(reader.heard(params), (params, None));
    }
}
