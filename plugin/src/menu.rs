//! An enumerated engine setting as a nice-plug menu parameter: the values, their stable ids
//! (what saved sessions store) and their names all come from the engine's [`Choice`] tables.

use nice_plug::prelude::Enum;
use roundtrip_engine::{Choice, Listen, LossModel};

/// The value of an `EnumParam<Menu<T>>`: one of the engine's values for `T`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Menu<T>(pub T);

impl<T: Choice> Enum for Menu<T> {
    fn variants() -> &'static [&'static str] {
        T::LABELS
    }

    fn ids() -> Option<&'static [&'static str]> {
        Some(T::KEYS)
    }

    fn to_index(self) -> usize {
        self.0.index()
    }

    fn from_index(index: usize) -> Self {
        Self(T::from_index(index))
    }
}

/// A menu that offers the first values of an engine choice, as many as the plugin offered when
/// it was released: hosts automate a menu by its position (CLAP) or by its position scaled to
/// 0–1 (VST3), so a value added at the end would move the others in VST3 automation, one in
/// the middle in CLAP's. The engine's values past the menu have parameters of their own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrozenMenu<T>(pub T);

/// How many of a choice's first values its [`FrozenMenu`] offers.
pub trait FrozenChoice: Choice + PartialEq + Copy + 'static {
    const MENU_LEN: usize;
}

/// Random and bursty, the two models of the first release; the realistic model has a switch
/// of its own (`SlotParams::realistic_loss`).
impl FrozenChoice for LossModel {
    const MENU_LEN: usize = 2;
}

/// Dry, A and B, the sources of A/B's release.
impl FrozenChoice for Listen {
    const MENU_LEN: usize = 3;
}

impl<T: FrozenChoice> Enum for FrozenMenu<T> {
    fn variants() -> &'static [&'static str] {
        &T::LABELS[..T::MENU_LEN]
    }

    fn ids() -> Option<&'static [&'static str]> {
        Some(&T::KEYS[..T::MENU_LEN])
    }

    fn to_index(self) -> usize {
        Some(self.0.index()).filter(|&index| index < T::MENU_LEN).unwrap_or(0)
    }

    fn from_index(index: usize) -> Self {
        Self(T::from_index(if index < T::MENU_LEN { index } else { 0 }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loss_model_menu_keeps_its_first_releases_two_values_in_place() {
        assert_eq!(FrozenMenu::<LossModel>::ids(), Some(&["random", "bursty"][..]));
        assert_eq!(FrozenMenu::<LossModel>::variants(), ["Random", "Bursty"]);
        assert_eq!(FrozenMenu(LossModel::GilbertElliott).to_index(), 1);
        assert_eq!(FrozenMenu::<LossModel>::from_index(1).0, LossModel::GilbertElliott);
        assert_eq!(FrozenMenu(LossModel::Realistic).to_index(), 0);
    }

    #[test]
    fn the_listen_menu_keeps_a_b_s_three_sources_in_place() {
        assert_eq!(FrozenMenu::<Listen>::ids(), Some(&["dry", "a", "b"][..]));
        assert_eq!(FrozenMenu::<Listen>::variants(), ["Dry", "A", "B"]);
        assert_eq!(FrozenMenu(Listen::B).to_index(), 2);
        assert_eq!(FrozenMenu::<Listen>::from_index(2).0, Listen::B);
        assert_eq!(FrozenMenu::<Listen>::from_index(6).0, Listen::Dry);
    }
}
