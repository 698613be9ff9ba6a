//! The restart for a latency change: fade the output out, rebuild the codec and pipeline with
//! the new shape at an exact sample, fade the input back in.

/// Length of the fade out before, and the fade in after, a restart: long enough not to click.
const RESTART_FADE_MS: f32 = 5.0;

/// Where the engine is in a restart.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Running normally.
    Idle,
    /// Fading the output out; restarts when `remaining` reaches 0.
    FadingOut { remaining: usize },
    /// Restarted; fading the input in over `remaining` more samples.
    FadingIn { remaining: usize },
}

/// The restart state machine. Every method is cheap and never allocates.
#[derive(Debug, Clone, Copy)]
pub struct Restart {
    phase: Phase,
    /// Frames in each fade.
    fade_frames: usize,
}

impl Restart {
    /// Idle, with fades of [`RESTART_FADE_MS`] at `sample_rate_hz`.
    pub fn new(sample_rate_hz: u32) -> Self {
        let fade_frames = ((RESTART_FADE_MS / 1000.0) * sample_rate_hz as f32).round().max(1.0) as usize;
        Self { phase: Phase::Idle, fade_frames }
    }

    /// Starts the fade out. A fade out once started runs to its restart, even if the change is
    /// taken back: the output is already partly faded, and a restart with the old shape is
    /// harmless.
    pub fn request(&mut self) {
        if !self.is_fading_out() {
            self.phase = Phase::FadingOut { remaining: self.fade_frames };
        }
    }

    /// Back to idle, as after a reset.
    pub fn cancel(&mut self) {
        self.phase = Phase::Idle;
    }

    /// Whether the output is fading out.
    pub fn is_fading_out(&self) -> bool {
        matches!(self.phase, Phase::FadingOut { .. })
    }

    /// `frames` cut short, if need be, so that a piece ends exactly where the restart is due.
    pub fn piece_frames(&self, frames: usize) -> usize {
        match self.phase {
            Phase::FadingOut { remaining } => frames.min(remaining.max(1)),
            _ => frames,
        }
    }

    /// Fades in a piece of sanitised input (interleaved, `channels` wide) after a restart, and
    /// moves the fade on.
    pub fn fade_in(&mut self, input: &mut [f32], channels: usize) {
        let Phase::FadingIn { remaining } = self.phase else { return };
        let fade = self.fade_frames as f32;
        for (frame, samples) in input.chunks_exact_mut(channels).take(remaining).enumerate() {
            let ramp = 1.0 - (remaining - frame) as f32 / fade;
            samples.iter_mut().for_each(|sample| *sample *= ramp);
        }
        let frames = input.len() / channels;
        self.phase = if remaining > frames { Phase::FadingIn { remaining: remaining - frames } } else { Phase::Idle };
    }

    /// The output gain of the `frame`th frame of this piece: falling to 0 while fading out,
    /// else 1.
    #[inline]
    pub fn output_gain(&self, frame: usize) -> f32 {
        match self.phase {
            Phase::FadingOut { remaining } => remaining.saturating_sub(frame + 1) as f32 / self.fade_frames as f32,
            _ => 1.0,
        }
    }

    /// Moves the fade out on by a piece of `frames`.
    pub fn advance_fade_out(&mut self, frames: usize) {
        if let Phase::FadingOut { remaining } = self.phase {
            self.phase = Phase::FadingOut { remaining: remaining.saturating_sub(frames) };
        }
    }

    /// Whether the fade out is complete and the restart is due now.
    pub fn is_due(&self) -> bool {
        self.phase == (Phase::FadingOut { remaining: 0 })
    }

    /// The restart happened: fade the input in.
    pub fn restarted(&mut self) {
        self.phase = Phase::FadingIn { remaining: self.fade_frames };
    }
}
