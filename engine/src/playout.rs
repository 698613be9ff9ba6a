//! The adaptive receiver's playout ([`crate::settings::Receiver::Adaptive`]): decoded audio
//! waits in a buffer from which a frame is played each frame period; the delay between a
//! packet's sending and the playing of its audio is steered towards the target of
//! [`DelayManager`] by time-stretching ([`TimeStretcher`]), as NetEq's decision logic does in its
//! stable-delay mode:
//!
//! - at or above the target plus the largest recent relative delay plus 20 ms, accelerate;
//! - below the target, expand (never beyond the maximum);
//! - otherwise, and within 50 ms of the last stretch, play as decoded.
//!
//! [`RoundTrip`](crate::round_trip::RoundTrip) decodes into this buffer and asks it what to do.
//! Nothing here allocates after creation.

use crate::delay_manager::DelayManager;
use crate::time_stretch::{Stretch, TimeStretcher};

/// A stretch waits this long after the one before, ms (NetEq: "about 100 ms per second" at
/// most).
const STRETCH_SPACING_MS: f64 = 50.0;
/// The margin above the target (and the largest recent delay) before playing faster, ms.
const ACCELERATE_MARGIN_MS: f64 = 20.0;
/// The target before any delay has been measured: the minimum, but no less than NetEq's floor.
const FIRST_TARGET_MS: f64 = 20.0;

/// What the playout decided for this frame period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Normal,
    Accelerate,
    Expand,
}

/// Decoded audio before and after the play point, the target and the time-stretcher.
#[derive(Debug)]
pub struct Playout {
    channels: usize,
    rate_hz: u32,
    /// Played frames kept before the play point (a stretch reads a period back), then the
    /// decoded frames not yet played; `len` frames in all.
    frames: Vec<f32>,
    history: usize,
    len: usize,
    delays: DelayManager,
    stretcher: TimeStretcher,
    /// The delay bounds, ms.
    min_ms: f64,
    max_ms: f64,
    /// Time since the last stretch, ms.
    since_stretch_ms: f64,
    /// The target last computed and the delay last played at, ms (for the meters).
    pub target_ms: f64,
    pub delay_ms: f64,
}

impl Playout {
    /// A playout for frames of up to `max_frame_samples` at `rate_hz`. This allocates.
    pub fn new(rate_hz: u32, channels: usize, max_frame_samples: usize) -> Self {
        let stretcher = TimeStretcher::new(rate_hz, channels);
        let history = stretcher.max_period();
        // Before playing a frame the buffer holds at most a frame and a packet to spare
        // (accelerate wants two periods beyond the frame), plus a period an expand adds.
        let capacity = history + 3 * max_frame_samples + 4 * stretcher.max_period();
        let mut frames = vec![0.0; capacity * channels];
        // Map the pages now rather than in the first audio callback.
        frames.fill(0.0);
        Self {
            channels,
            rate_hz,
            frames,
            history,
            len: history,
            delays: DelayManager::new(),
            stretcher,
            min_ms: 0.0,
            max_ms: 0.0,
            since_stretch_ms: 0.0,
            target_ms: 0.0,
            delay_ms: 0.0,
        }
    }

    /// Starts afresh between `min_ms` and `max_ms`. Never allocates.
    pub fn restart(&mut self, min_ms: u16, max_ms: u16) {
        self.frames.fill(0.0);
        self.len = self.history;
        self.delays.reset();
        (self.min_ms, self.max_ms) = (f64::from(min_ms), f64::from(max_ms));
        self.since_stretch_ms = 0.0;
        self.target_ms = self.target();
        self.delay_ms = 0.0;
    }

    /// Moves the minimum (within the maximum set at the restart). Never allocates.
    pub fn set_minimum(&mut self, min_ms: u16) {
        self.min_ms = f64::from(min_ms).min(self.max_ms);
    }

    /// The target: the delay manager's, within the bounds.
    fn target(&self) -> f64 {
        self.delays.target_ms().unwrap_or(FIRST_TARGET_MS).clamp(self.min_ms, self.max_ms)
    }

    /// The delay to start at, in whole frames of `frame_ms`: the first target.
    pub fn start_frames(&self, frame_ms: f64) -> usize {
        (FIRST_TARGET_MS.clamp(self.min_ms, self.max_ms) / frame_ms).ceil() as usize
    }

    /// A packet sent at `sent_ms` arrives at `arrival_ms` (lost ones are not told of).
    pub fn sent(&mut self, sent_ms: f64, arrival_ms: f64) {
        self.delays.sent(sent_ms, arrival_ms);
    }

    /// Decoded frames not yet played.
    pub fn unplayed(&self) -> usize {
        self.len - self.history
    }

    /// Room for `frames` decoded frames after the unplayed ones (interleaved), if there is.
    pub fn decode_slot(&mut self, frames: usize) -> Option<&mut [f32]> {
        let (start, end) = (self.len * self.channels, (self.len + frames) * self.channels);
        self.frames.get_mut(start..end)
    }

    /// The slot's frames were decoded (a slot [`Playout::decode_slot`] gave).
    pub fn commit(&mut self, frames: usize) {
        self.len += frames;
    }

    /// Unplayed frames a stretch needs beyond the frame about to play, for each decision.
    pub fn needed_for(&self, decision: Decision, frame_samples: usize) -> usize {
        match decision {
            Decision::Accelerate => frame_samples + 2 * self.stretcher.max_period(),
            Decision::Expand => self.stretcher.max_period().max(frame_samples),
            Decision::Normal => frame_samples,
        }
    }

    /// What to do this period, `now_ms` into the stream, playing at `delay_ms` (how long ago the
    /// next unplayed frame was sent) with frames of `frame_ms`.
    pub fn decide(&mut self, now_ms: f64, delay_ms: f64, frame_ms: f64) -> Decision {
        self.delays.advance(now_ms);
        self.target_ms = self.target();
        self.delay_ms = delay_ms;
        self.since_stretch_ms += frame_ms;
        if self.since_stretch_ms < STRETCH_SPACING_MS {
            return Decision::Normal;
        }
        let high = self.target_ms + self.delays.largest_recent_delay_ms() + ACCELERATE_MARGIN_MS;
        let period_ms = self.stretcher.max_period() as f64 * 1000.0 / f64::from(self.rate_hz);
        if delay_ms >= high {
            Decision::Accelerate
        } else if delay_ms < self.target_ms && delay_ms + period_ms <= self.max_ms {
            Decision::Expand
        } else {
            Decision::Normal
        }
    }

    /// Carries out `decision` on the unplayed frames (which must hold
    /// [`Playout::needed_for`] of it). Returns the frames removed (negative) or added.
    pub fn stretch(&mut self, decision: Decision, frame_samples: usize) -> isize {
        if decision == Decision::Normal || self.unplayed() < self.needed_for(decision, frame_samples) {
            return 0;
        }
        let at = self.history;
        let done = match decision {
            Decision::Normal => 0,
            Decision::Accelerate => {
                let end = self.len * self.channels;
                match self.stretcher.accelerate(&mut self.frames[..end], at) {
                    Stretch::Done(period) => {
                        self.len -= period;
                        -(period as isize)
                    }
                    Stretch::Refused => 0,
                }
            }
            Decision::Expand => {
                let room = self.frames.len() / self.channels - self.len;
                match self.stretcher.expand(&mut self.frames, at, self.len, room) {
                    Stretch::Done(period) => {
                        self.len += period;
                        period as isize
                    }
                    Stretch::Refused => 0,
                }
            }
        };
        if done != 0 {
            self.since_stretch_ms = 0.0;
        }
        done
    }

    /// Plays `output.len() / channels` frames (silence for any the buffer lacks; returns how
    /// many it lacked), keeping the last played ones as history.
    pub fn play(&mut self, output: &mut [f32]) -> usize {
        let channels = self.channels;
        let frames = output.len() / channels;
        let available = self.unplayed().min(frames);
        let start = self.history * channels;
        output[..available * channels].copy_from_slice(&self.frames[start..start + available * channels]);
        output[available * channels..].fill(0.0);
        // Drop what was played, keeping `history` frames before the new play point.
        self.frames.copy_within(available * channels..self.len * channels, 0);
        self.len -= available;
        frames - available
    }
}
