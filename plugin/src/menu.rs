//! An enumerated engine setting as a nice-plug menu parameter: the values, their stable ids
//! (what saved sessions store) and their names all come from the engine's [`Choice`] tables.

use nice_plug::prelude::Enum;
use roundtrip_engine::Choice;

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
