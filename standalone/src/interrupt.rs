//! Ctrl-C (SIGINT) as a request to stop: the first one lets the work end cleanly at the next
//! block (outputs in progress are dropped, never left half-written, and `batch` says what it
//! kept); a second one ends the process at once, for a user who means it.
//!
//! The handler runs on a thread of the `ctrlc` crate's, so that the request is only an atomic
//! flag the render loop reads.

use std::sync::atomic::{AtomicBool, Ordering};

/// The shell's exit status for a process ended by SIGINT (128 + 2), kept for a clean stop too.
pub const EXIT_INTERRUPTED: i32 = 130;

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Catches Ctrl-C from now on. Calling it again changes nothing; a process that cannot catch it
/// (no signal handling) just stops as it would have.
pub fn catch() {
    let _ = ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::Relaxed) {
            std::process::exit(EXIT_INTERRUPTED);
        }
    });
}

/// Whether Ctrl-C was pressed: the work should stop at the next block.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
