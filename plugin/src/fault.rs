//! Panics never cross the plugin boundary.
//!
//! By construction the audio path should not panic: the engine checks every length at its
//! entry (a mismatched block is silenced and counted, not indexed), splits long blocks into
//! pieces no longer than the buffers `activate` allocated, takes every index from its own FIFO
//! lengths, and gets libopus failures back as values, never unwrapped. The host-torture, state
//! and packet fuzz tests hammer exactly those paths.
//!
//! Should a bug still panic there, unwinding out of the host's `process` call would abort the
//! host and lose the user's session. So `process` runs inside [`completes`]: a panic is caught,
//! the block is silenced, the plugin stays silent until the host activates it again (its engine
//! may be half-updated), and one message is logged. Release builds, which users run, work that
//! way; debug builds abort at the panic's own allocation, through nice-plug's allocation checker,
//! which is what a developer wants to see.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `work` and reports whether it returned normally (`false`: it panicked, and the panic
/// was stopped here).
pub fn completes(work: impl FnOnce()) -> bool {
    // `AssertUnwindSafe`: after a panic the caller stops using the state `work` touched.
    catch_unwind(AssertUnwindSafe(work)).is_ok()
}

/// Zeroes every channel.
pub fn silence(channels: &mut [&mut [f32]]) {
    channels.iter_mut().for_each(|channel| channel.fill(0.0));
}

/// Logs the fault once. Allocating here is allowed: the audio has already failed.
pub fn report() {
    nice_plug::util::permit_alloc(|| {
        nice_plug::nice_error!(
            "Opus Roundtrip: the audio path failed; output is muted until the plugin is re-activated. Please report this."
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_stopped_and_reported_as_such() {
        let mut touched = false;
        assert!(completes(|| touched = true));
        assert!(touched);
        // The default hook would print the panic; keep the test output clean.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let caught = !completes(|| panic!("a bug in the audio path"));
        std::panic::set_hook(hook);
        assert!(caught);
    }

    #[test]
    fn silence_zeroes_every_channel() {
        let (mut left, mut right) = (vec![0.5f32; 8], vec![f32::NAN; 8]);
        silence(&mut [&mut left, &mut right]);
        assert!(left.iter().chain(&right).all(|&s| s == 0.0));
    }
}
