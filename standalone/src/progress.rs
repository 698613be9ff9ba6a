//! The progress bar (`indicatif`) on long jobs, hidden by `-q` or when stderr is not a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Work shorter than this (in seconds of audio) finishes too fast for a bar to help.
const MIN_SECONDS_FOR_BAR: f64 = 20.0;

/// A progress bar over seconds of audio, or nothing.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total_seconds` of audio, labelled `label`; hidden when `quiet` or when the job
    /// is short.
    pub fn new(label: &str, total_seconds: f64, quiet: bool) -> Self {
        let bar = if quiet || total_seconds < MIN_SECONDS_FOR_BAR {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::with_draw_target(Some(Self::millis(total_seconds)), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{prefix} [{bar:40}] {percent:>3}% {msg} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.to_string());
            bar
        };
        Self { bar }
    }

    fn millis(seconds: f64) -> u64 {
        (seconds * 1000.0).round() as u64
    }

    /// Reports that `done_seconds` of audio are processed.
    pub fn set(&self, done_seconds: f64) {
        self.bar.set_position(Self::millis(done_seconds));
        self.bar.set_message(format!("{done_seconds:.0} s"));
    }

    /// Adds `seconds` of audio done (from any thread), saying how far in `message` and the hours
    /// done so far.
    pub fn advance(&self, seconds: f64, message: &str) {
        self.bar.inc(Self::millis(seconds));
        let hours = self.bar.position() as f64 / 3_600_000.0;
        self.bar.set_message(format!("{message}, {hours:.2} h"));
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
