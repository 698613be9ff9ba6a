//! An enumerated engine setting as a nice-plug menu parameter: the values, their stable ids
//! (what saved sessions store) and their names all come from the engine's [`Choice`] tables.

use nice_plug::prelude::Enum;
use roundtrip_engine::{Choice, LossModel};

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

/// The loss-model menu: random and bursty, the two models the plugin's first release offered.
/// It stays at two because hosts automate a menu by its position (CLAP) or by its position
/// scaled to 0–1 (VST3): a third value at the end would move bursty from 1.0 to 0.5 in VST3
/// automation, one in the middle would move it in CLAP's. The realistic model has a parameter
/// of its own (`RoundtripParams::realistic_loss`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossModelMenu(pub LossModel);

/// The models the menu offers, in its order.
const MENU_MODELS: [LossModel; 2] = [LossModel::Bernoulli, LossModel::GilbertElliott];

impl Enum for LossModelMenu {
    fn variants() -> &'static [&'static str] {
        &LossModel::LABELS[..MENU_MODELS.len()]
    }

    fn ids() -> Option<&'static [&'static str]> {
        Some(&LossModel::KEYS[..MENU_MODELS.len()])
    }

    fn to_index(self) -> usize {
        MENU_MODELS.iter().position(|&model| model == self.0).unwrap_or(0)
    }

    fn from_index(index: usize) -> Self {
        Self(MENU_MODELS.get(index).copied().unwrap_or(MENU_MODELS[0]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loss_model_menu_keeps_its_first_releases_two_values_in_place() {
        assert_eq!(LossModelMenu::ids(), Some(&["random", "bursty"][..]));
        assert_eq!(LossModelMenu::variants(), ["Random", "Bursty"]);
        assert_eq!(LossModelMenu(LossModel::GilbertElliott).to_index(), 1);
        assert_eq!(LossModelMenu::from_index(1).0, LossModel::GilbertElliott);
    }
}
