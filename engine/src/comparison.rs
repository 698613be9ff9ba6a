//! A/B comparison: a second setting (slot B) coded beside the engine's own (slot A) from the
//! same input, and which source the listener hears: the dry input, A or B.

use crate::settings::Settings;

/// The source the listener hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Listen {
    /// The input, delayed by the latency.
    Dry,
    /// Slot A decoded: the engine's own settings.
    #[default]
    A,
    /// Slot B decoded; slot A while B is off.
    B,
}

/// What the engine compares and plays.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Comparison {
    /// Slot B's settings, or `None` when B is off (one chain's work). Only their codec and
    /// network fields count: monitor, mix, gain and level matching are slot A's for both.
    /// Turning B on or off, or a change of B that needs a restart (its latency's shape, its
    /// application), restarts both chains: the latency is the slower chain's, the other waits
    /// for it.
    pub b: Option<Settings>,
    /// The source heard, switched with a 5 ms crossfade.
    pub listen: Listen,
}

impl Comparison {
    /// The source heard: slot A in place of a B that is off.
    pub fn heard(&self) -> Listen {
        if self.listen == Listen::B && self.b.is_none() { Listen::A } else { self.listen }
    }
}
