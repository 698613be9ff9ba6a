//! The source switch: what the listener hears of the dry input and the slots' decoded signals
//! (see [`crate::comparison`]), each slot level-matched to the input when asked, a change of
//! source crossfaded over [`SWITCH_MS`].
//!
//! The crossfade keeps equal gain (weights cos² and sin², which sum to 1), not equal power
//! (cos and sin): the sources are time-aligned and, wherever the codec keeps the waveform,
//! nearly the same signal, and an equal-power fade between two equal signals swells by 3 dB
//! halfway, a bump a listener hears as the switch. Equal gain keeps correlated sources at their
//! level and dips by at most 3 dB, for those 5 ms, between unrelated ones. The raised-cosine
//! shape starts and ends flat, so the fade has no corner to click.
//!
//! A blind test switches differently ([`SourceSwitch::relisten`]): every press fades what plays
//! out and the chosen source in, even when they are the same, so that no press can be told from
//! another by whether the sound changed at the switch.

use std::f32::consts::FRAC_PI_2;

use crate::comparison::{Listen, MAX_SLOTS};

/// How long a change of source takes.
pub const SWITCH_MS: f32 = 5.0;

/// Time constant of the level-matching gains' glide: slow enough not to be heard as a fade.
const LEVEL_MATCH_GLIDE_MS: f64 = 300.0;

/// A level-matching gain's glide, in f64: over 300 ms at high rates a per-sample step is too
/// small for an f32 near 1 to take, and the glide would end in a step.
#[derive(Debug, Clone, Copy)]
struct Glide {
    current: f64,
    target: f64,
}

impl Glide {
    const UNITY: Self = Self { current: 1.0, target: 1.0 };

    #[inline]
    fn next(&mut self, coefficient: f64) -> f32 {
        if self.current != self.target {
            self.current += (self.target - self.current) * coefficient;
            if (self.target - self.current).abs() < 1e-9 {
                self.current = self.target;
            }
        }
        self.current as f32
    }

    /// `frames` steps of [`Glide::next`] at once.
    fn skip(&mut self, coefficient: f64, frames: usize) {
        if self.current != self.target {
            self.current = self.target + (self.current - self.target) * (1.0 - coefficient).powi(frames as i32);
            if (self.target - self.current).abs() < 1e-9 {
                self.current = self.target;
            }
        }
    }

    fn set_db(&mut self, gain_db: f32) {
        self.target = 10f64.powf(f64::from(gain_db) / 20.0);
    }

    fn db(&self) -> f32 {
        20.0 * self.current.log10() as f32
    }
}

/// The sources' count: the dry input, then each slot.
const SOURCES: usize = 1 + MAX_SLOTS;

/// Where `source` is in a weight array: the dry input first, then the slots in order.
fn source_index(source: Listen) -> usize {
    source.slot().map_or(0, |slot| 1 + slot.index())
}

/// Weights of (dry, A, B, …) that pick one source.
fn only(source: Listen) -> [f32; SOURCES] {
    let mut weights = [0.0; SOURCES];
    weights[source_index(source)] = 1.0;
    weights
}

/// The switch between the dry input and the slots. Cheap, `Copy`, never allocates.
#[derive(Debug, Clone, Copy)]
pub struct SourceSwitch {
    /// Weights of (dry, A, B, …) when the current fade began (a blend, if it began mid-fade).
    from: [f32; SOURCES],
    /// The source faded to.
    to: Listen,
    /// Frames into the fade; [`SourceSwitch::fade_length`] once it is over.
    position: usize,
    fade_frames: usize,
    /// Whether the current fade goes through silence (out, then in: twice `fade_frames`).
    through_silence: bool,
    /// Each slot's level-matching gain (linear).
    gains: [Glide; MAX_SLOTS],
    glide_coefficient: f64,
}

impl SourceSwitch {
    /// Playing `source` at `sample_rate_hz`, unmatched.
    pub fn new(source: Listen, sample_rate_hz: u32) -> Self {
        let fade_frames = (SWITCH_MS / 1000.0 * sample_rate_hz as f32).round().max(1.0) as usize;
        Self {
            from: only(source),
            to: source,
            position: fade_frames,
            fade_frames,
            through_silence: false,
            gains: [Glide::UNITY; MAX_SLOTS],
            glide_coefficient: -(-1.0 / (LEVEL_MATCH_GLIDE_MS / 1000.0 * f64::from(sample_rate_hz))).exp_m1(),
        }
    }

    /// Fades to `source`, from wherever the switch is (mid-fade too).
    pub fn listen(&mut self, source: Listen) {
        if source != self.to {
            self.from = self.weights();
            self.to = source;
            self.position = 0;
            self.through_silence = false;
        }
    }

    /// Fades what plays out and `source` in, each over [`SWITCH_MS`], even if `source` is what
    /// plays: a blind test's switch, the same whatever the sources.
    pub fn relisten(&mut self, source: Listen) {
        self.from = self.weights();
        self.to = source;
        self.position = 0;
        self.through_silence = true;
    }

    /// Frames from the start of the current fade to its end.
    fn fade_length(&self) -> usize {
        if self.through_silence { 2 * self.fade_frames } else { self.fade_frames }
    }

    /// Each slot's level-matching gain to glide to, in dB.
    pub fn set_level_match_db(&mut self, gains_db: &[f32; MAX_SLOTS]) {
        for (glide, &gain_db) in self.gains.iter_mut().zip(gains_db) {
            glide.set_db(gain_db);
        }
    }

    /// Each slot's level-matching gain applied now, in dB.
    pub fn level_match_db(&self) -> [f32; MAX_SLOTS] {
        self.gains.map(|glide| glide.db())
    }

    /// Ends the fade and the glides at once.
    pub fn snap(&mut self) {
        self.position = self.fade_length();
        for glide in &mut self.gains {
            glide.current = glide.target;
        }
    }

    /// Moves the glides on by `frames` without rendering: while [`SourceSwitch::plays_only`]
    /// holds, the caller plays the source as it is.
    pub fn skip(&mut self, frames: usize) {
        for glide in &mut self.gains {
            glide.skip(self.glide_coefficient, frames);
        }
    }

    /// Whether the switch plays `source` alone, at unity gain, and will until told otherwise:
    /// then the listener hears that source's samples as they are.
    pub fn plays_only(&self, source: Listen) -> bool {
        let unity = |glide: &Glide| glide.current == 1.0 && glide.target == 1.0;
        self.to == source
            && self.position >= self.fade_length()
            && source.slot().is_none_or(|slot| unity(&self.gains[slot.index()]))
    }

    /// The weights of (dry, A, B, …) now.
    fn weights(&self) -> [f32; SOURCES] {
        let (position, fade) = (self.position, self.fade_frames);
        let rise = |frames: usize| (FRAC_PI_2 * frames as f32 / fade as f32).sin().powi(2);
        let (to, from) = (only(self.to), self.from);
        if position >= self.fade_length() {
            to
        } else if !self.through_silence {
            std::array::from_fn(|source| from[source] * (1.0 - rise(position)) + to[source] * rise(position))
        } else if position < fade {
            from.map(|weight| weight * (1.0 - rise(position)))
        } else {
            to.map(|weight| weight * rise(position - fade))
        }
    }

    /// Writes what the listener hears into `heard`: `dry` and each slot's `decoded` signal
    /// (A's first; as many as the engine has, a slot that does not run given another's)
    /// weighted and level-matched, all interleaved `channels` wide and of one length. Slots past
    /// `decoded` are silent; their gains still glide.
    pub fn render(&mut self, heard: &mut [f32], dry: &[f32], decoded: &[&[f32]], channels: usize) {
        let coefficient = self.glide_coefficient;
        let slots = decoded.len().min(MAX_SLOTS);
        for (frame, heard) in heard.chunks_exact_mut(channels).enumerate() {
            let mut weights = self.weights();
            for (weight, glide) in weights[1..].iter_mut().zip(&mut self.gains) {
                *weight *= glide.next(coefficient);
            }
            for (channel, heard) in heard.iter_mut().enumerate() {
                let i = frame * channels + channel;
                let mut sum = weights[0] * dry[i];
                for (weight, decoded) in weights[1..=slots].iter().zip(decoded) {
                    sum += weight * decoded[i];
                }
                *heard = sum;
            }
            self.position = (self.position + 1).min(self.fade_length());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switch_fades_with_equal_gain_over_its_length_and_then_plays_one_source() {
        let mut switch = SourceSwitch::new(Listen::A, 48_000);
        assert!(switch.plays_only(Listen::A));
        switch.listen(Listen::B);
        let len = 300;
        let (dry, a, b) = (vec![0.0; len], vec![1.0; len], vec![-1.0; len]);
        let mut heard = vec![0.0; len];
        switch.render(&mut heard, &dry, &[&a, &b], 1);
        // 240 frames (5 ms): from +1 through 0 halfway to −1, monotonic, then B alone.
        assert_eq!(heard[0], 1.0);
        assert!((heard[120]).abs() < 1e-6, "{}", heard[120]);
        assert!(heard.windows(2).all(|pair| pair[1] <= pair[0]));
        assert!(heard[240..].iter().all(|&sample| sample == -1.0));
        assert!(switch.plays_only(Listen::B));
        // Equal gain: the same signal through both sources comes out unchanged while fading.
        switch.listen(Listen::Dry);
        let same = vec![0.5; len];
        switch.render(&mut heard, &same, &[&same, &same], 1);
        assert!(heard.iter().all(|&sample| (sample - 0.5).abs() < 1e-6));
    }

    #[test]
    fn a_blind_switch_sounds_the_same_whether_or_not_the_source_changes() {
        let len = 600;
        let (dry, a, b) = (vec![0.25; len], vec![0.5; len], vec![0.5; len]);
        let mut heard = [vec![0.0; len], vec![0.0; len]];
        for (target, heard) in [Listen::A, Listen::B].into_iter().zip(&mut heard) {
            let mut switch = SourceSwitch::new(Listen::A, 48_000);
            switch.relisten(target);
            switch.render(heard, &dry, &[&a, &b], 1);
            assert!(switch.plays_only(target));
        }
        // Out over 240 frames to silence, in over 240: the same for A to A as for A to B.
        assert_eq!(heard[0], heard[1]);
        assert!(heard[0][240].abs() < 1e-6 && heard[0][480..].iter().all(|&sample| sample == 0.5));
    }
}
