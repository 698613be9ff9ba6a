//! Comparing settings: up to [`MAX_SLOTS`] slots, A (the engine's own settings) and B to F
//! (compared ones), coded side by side from the same input, and which source the listener
//! hears: the dry input or one slot's decoded signal.

use crate::settings::Settings;

/// How many slots an engine can code side by side, A included: six conditions of a MUSHRA
/// trial beside its references and anchors.
pub const MAX_SLOTS: usize = 6;

/// One compared setting's place: A is the engine's own, B to F are compared beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum SlotId {
    #[default]
    A,
    B,
    C,
    D,
    E,
    F,
}

impl SlotId {
    /// Every slot, in order; `ALL[slot.index()] == slot`.
    pub const ALL: [SlotId; MAX_SLOTS] = [SlotId::A, SlotId::B, SlotId::C, SlotId::D, SlotId::E, SlotId::F];

    /// The slots compared beside A.
    pub const COMPARED: [SlotId; MAX_SLOTS - 1] = [SlotId::B, SlotId::C, SlotId::D, SlotId::E, SlotId::F];

    /// Its place, from 0 (A).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The slot at `index`, if there is one.
    pub fn from_index(index: usize) -> Option<SlotId> {
        Self::ALL.get(index).copied()
    }

    /// Its letter, as the editor and the saved state's ids name it.
    pub const fn letter(self) -> &'static str {
        ["A", "B", "C", "D", "E", "F"][self as usize]
    }
}

/// The source the listener hears. Its keys are saved with sessions: new sources go at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Listen {
    /// The input, delayed by the latency.
    Dry,
    /// Slot A decoded: the engine's own settings.
    #[default]
    A,
    /// A compared slot decoded (B, and C to F likewise); slot A while that slot is off.
    B,
    C,
    D,
    E,
    F,
}

impl Listen {
    /// The slot heard, or `None` for the dry input.
    pub fn slot(self) -> Option<SlotId> {
        match self {
            Listen::Dry => None,
            Listen::A => Some(SlotId::A),
            Listen::B => Some(SlotId::B),
            Listen::C => Some(SlotId::C),
            Listen::D => Some(SlotId::D),
            Listen::E => Some(SlotId::E),
            Listen::F => Some(SlotId::F),
        }
    }
}

impl From<SlotId> for Listen {
    fn from(slot: SlotId) -> Self {
        match slot {
            SlotId::A => Listen::A,
            SlotId::B => Listen::B,
            SlotId::C => Listen::C,
            SlotId::D => Listen::D,
            SlotId::E => Listen::E,
            SlotId::F => Listen::F,
        }
    }
}

/// What the engine compares and plays.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Comparison {
    /// The settings of slots B to F (`compared[0]` is B's), each `None` when that slot is off
    /// (no work). Only their codec and network fields count: monitor, mix, gain and level
    /// matching are slot A's for all. Turning a slot on or off, or a change of one that needs a
    /// restart (its latency's shape, its application), restarts every chain: the latency is the
    /// slowest chain's, the others wait for it.
    compared: [Option<Settings>; MAX_SLOTS - 1],
    /// The source heard, switched with a 5 ms crossfade.
    pub listen: Listen,
}

impl Comparison {
    /// Slot A alone, `listen` heard.
    pub fn listening(listen: Listen) -> Self {
        Self { compared: [None; MAX_SLOTS - 1], listen }
    }

    /// This comparison with `slot` running `settings`, or off for `None`. Slot A always runs
    /// the engine's own settings: it is left as it is.
    pub fn with(mut self, slot: SlotId, settings: Option<Settings>) -> Self {
        if let Some(index) = slot.index().checked_sub(1) {
            self.compared[index] = settings;
        }
        self
    }

    /// The settings `slot` (B to F) runs, or `None` if it is off; `None` for A.
    pub fn settings(&self, slot: SlotId) -> Option<Settings> {
        slot.index().checked_sub(1).and_then(|index| self.compared[index])
    }

    /// Whether any slot beside A runs.
    pub fn compares(&self) -> bool {
        self.compared.iter().any(Option::is_some)
    }

    /// The source heard: slot A in place of a compared slot that is off.
    pub fn heard(&self) -> Listen {
        match self.listen.slot() {
            Some(slot) if slot != SlotId::A && self.settings(slot).is_none() => Listen::A,
            _ => self.listen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_sources_map_one_to_one() {
        for slot in SlotId::ALL {
            assert_eq!(SlotId::from_index(slot.index()), Some(slot));
            assert_eq!(Listen::from(slot).slot(), Some(slot));
        }
        assert_eq!(SlotId::from_index(MAX_SLOTS), None);
        assert_eq!(Listen::Dry.slot(), None);
    }

    #[test]
    fn a_slot_that_is_off_is_heard_as_a() {
        let settings = Settings::default();
        let comparison = Comparison::listening(Listen::D).with(SlotId::B, Some(settings));
        assert_eq!(comparison.heard(), Listen::A);
        assert_eq!(comparison.with(SlotId::D, Some(settings)).heard(), Listen::D);
        // A cannot be turned off or given other settings here.
        assert_eq!(comparison.with(SlotId::A, Some(settings)), comparison);
        assert_eq!(comparison.settings(SlotId::A), None);
        assert!(comparison.compares() && !Comparison::default().compares());
    }
}
