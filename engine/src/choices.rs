//! The values of each enumerated setting with their names, written once: a stable key (saved
//! sessions store it, the command line accepts it), the name a person reads, and other accepted
//! spellings. The plugin's menus (which the editor shows) and the app's flags read these tables.

use roundtrip_codec::{Application, Bandwidth, FrameDuration, RateControl};

use crate::comparison::Listen;
use crate::settings::{LossModel, Monitor};

/// One value of an enumerated setting and its names.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Named<T> {
    pub value: T,
    /// Never changes once released: plugin state saved by any version stores it.
    pub key: &'static str,
    /// What menus and summaries show.
    pub label: &'static str,
    /// Other spellings the command line accepts (earlier or longer names), never shown.
    pub aliases: &'static [&'static str],
}

impl<T> Named<T> {
    const fn new(value: T, key: &'static str, label: &'static str) -> Self {
        Self { value, key, label, aliases: &[] }
    }
}

impl<T: Copy> Named<T> {
    const fn with_aliases(self, aliases: &'static [&'static str]) -> Self {
        Self { aliases, ..self }
    }
}

/// An enumerated setting: its values in menu order, each with its names.
pub trait Choice: Copy + PartialEq + Send + Sync + 'static {
    /// Every value, in menu order (the first is the fallback for an unknown index).
    const ALL: &'static [Named<Self>];
    /// The keys of [`ALL`](Self::ALL), in the same order (for frameworks that want the slice).
    const KEYS: &'static [&'static str];
    /// The labels of [`ALL`](Self::ALL), in the same order.
    const LABELS: &'static [&'static str];

    /// The value's position in [`ALL`](Self::ALL), or 0 for a value no table lists (the codec's
    /// `FrameDuration::FromInput`, which [`Settings::clamped`](crate::Settings::clamped) turns
    /// into 20 ms).
    fn index(self) -> usize {
        Self::ALL.iter().position(|named| named.value == self).unwrap_or(0)
    }

    /// The value at `index`, or the first value when `index` is out of range.
    fn from_index(index: usize) -> Self {
        Self::ALL.get(index).unwrap_or(&Self::ALL[0]).value
    }

    /// The value's stable key.
    fn key(self) -> &'static str {
        Self::ALL[self.index()].key
    }

    /// The value's display name.
    fn label(self) -> &'static str {
        Self::ALL[self.index()].label
    }

    /// The value whose key or alias is `text`, ignoring case.
    fn from_key(text: &str) -> Option<Self> {
        let matches = |name: &str| name.eq_ignore_ascii_case(text);
        Self::ALL
            .iter()
            .find(|named| matches(named.key) || named.aliases.iter().any(|alias| matches(alias)))
            .map(|named| named.value)
    }
}

/// Which name [`names`] collects.
#[derive(Clone, Copy)]
enum Name {
    Key,
    Label,
}

/// One name of every row of a table, in order (compile time).
const fn names<T, const N: usize>(table: &[Named<T>; N], name: Name) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = match name {
            Name::Key => table[i].key,
            Name::Label => table[i].label,
        };
        i += 1;
    }
    out
}

/// Implements [`Choice`] for a type from one table.
macro_rules! choice {
    ($type:ty, $table:ident) => {
        impl Choice for $type {
            const ALL: &'static [Named<Self>] = &$table;
            const KEYS: &'static [&'static str] = &names(&$table, Name::Key);
            const LABELS: &'static [&'static str] = &names(&$table, Name::Label);
        }
    };
}

const FRAMES: [Named<FrameDuration>; 9] = [
    Named::new(FrameDuration::Ms2_5, "2.5", "2.5 ms"),
    Named::new(FrameDuration::Ms5, "5", "5 ms"),
    Named::new(FrameDuration::Ms10, "10", "10 ms"),
    Named::new(FrameDuration::Ms20, "20", "20 ms"),
    Named::new(FrameDuration::Ms40, "40", "40 ms"),
    Named::new(FrameDuration::Ms60, "60", "60 ms"),
    Named::new(FrameDuration::Ms80, "80", "80 ms"),
    Named::new(FrameDuration::Ms100, "100", "100 ms"),
    Named::new(FrameDuration::Ms120, "120", "120 ms"),
];
choice!(FrameDuration, FRAMES);

const APPLICATIONS: [Named<Application>; 3] = [
    Named::new(Application::Voip, "voip", "VoIP"),
    // "music" is what people call it who know the use and not libopus's name for it.
    Named::new(Application::Audio, "audio", "Audio").with_aliases(&["music"]),
    Named::new(Application::RestrictedLowDelay, "lowdelay", "Low delay").with_aliases(&["low-delay"]),
];
choice!(Application, APPLICATIONS);

/// `None` lets the encoder choose.
const BANDWIDTHS: [Named<Option<Bandwidth>>; 6] = [
    Named::new(None, "auto", "Auto"),
    Named::new(Some(Bandwidth::Narrowband), "nb", "Narrowband").with_aliases(&["narrow"]),
    Named::new(Some(Bandwidth::Mediumband), "mb", "Mediumband").with_aliases(&["medium"]),
    Named::new(Some(Bandwidth::Wideband), "wb", "Wideband").with_aliases(&["wide"]),
    Named::new(Some(Bandwidth::Superwideband), "swb", "Super-wideband").with_aliases(&["superwide"]),
    Named::new(Some(Bandwidth::Fullband), "fb", "Fullband").with_aliases(&["full"]),
];
choice!(Option<Bandwidth>, BANDWIDTHS);

const RATE_CONTROLS: [Named<RateControl>; 3] = [
    Named::new(RateControl::ConstrainedVbr, "cvbr", "Constrained VBR"),
    Named::new(RateControl::Vbr, "vbr", "VBR"),
    Named::new(RateControl::Cbr, "cbr", "CBR"),
];
choice!(RateControl, RATE_CONTROLS);

// The plugin's menu shows the first two only (`FrozenMenu` in `plugin/src/menu.rs` says why).
const LOSS_MODELS: [Named<LossModel>; 3] = [
    Named::new(LossModel::Bernoulli, "random", "Random"),
    Named::new(LossModel::GilbertElliott, "bursty", "Bursty"),
    Named::new(LossModel::Realistic, "realistic", "Realistic"),
];
choice!(LossModel, LOSS_MODELS);

const MONITORS: [Named<Monitor>; 3] = [
    Named::new(Monitor::Decoded, "decoded", "Decoded"),
    Named::new(Monitor::Difference, "diff", "Difference"),
    Named::new(Monitor::Dry, "dry", "Dry"),
];
choice!(Monitor, MONITORS);

// The plugin's Listen menu shows the first three only (`plugin/src/menu.rs`).
const LISTENS: [Named<Listen>; 7] = [
    Named::new(Listen::Dry, "dry", "Dry"),
    Named::new(Listen::A, "a", "A"),
    Named::new(Listen::B, "b", "B"),
    Named::new(Listen::C, "c", "C"),
    Named::new(Listen::D, "d", "D"),
    Named::new(Listen::E, "e", "E"),
    Named::new(Listen::F, "f", "F"),
];
choice!(Listen, LISTENS);

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: Choice + std::fmt::Debug>() {
        assert_eq!(T::KEYS.len(), T::ALL.len());
        assert_eq!(T::LABELS.len(), T::ALL.len());
        for (index, named) in T::ALL.iter().enumerate() {
            assert_eq!(named.value.index(), index, "{named:?} is listed twice");
            assert_eq!(T::from_index(index), named.value);
            assert_eq!((T::KEYS[index], T::LABELS[index]), (named.key, named.label));
            assert_eq!(T::from_key(named.key), Some(named.value));
            assert_eq!(T::from_key(&named.key.to_uppercase()), Some(named.value));
            for alias in named.aliases {
                assert_eq!(T::from_key(alias), Some(named.value), "{alias}");
            }
        }
        assert_eq!(T::from_index(T::ALL.len()), T::ALL[0].value);
        assert_eq!(T::from_key("no such value"), None);
    }

    #[test]
    fn every_table_is_consistent_and_parses_its_own_names() {
        check::<FrameDuration>();
        check::<Application>();
        check::<Option<Bandwidth>>();
        check::<RateControl>();
        check::<LossModel>();
        check::<Monitor>();
        check::<Listen>();
    }

    #[test]
    fn frames_are_the_codec_fixed_durations_in_order() {
        assert_eq!(FRAMES.map(|named| named.value), FrameDuration::FIXED);
    }

    /// Saved sessions store these keys: renaming one loses that setting in every saved project.
    #[test]
    fn keys_are_the_released_ones() {
        assert_eq!(FrameDuration::KEYS, ["2.5", "5", "10", "20", "40", "60", "80", "100", "120"]);
        assert_eq!(Application::KEYS, ["voip", "audio", "lowdelay"]);
        assert_eq!(<Option<Bandwidth>>::KEYS, ["auto", "nb", "mb", "wb", "swb", "fb"]);
        assert_eq!(RateControl::KEYS, ["cvbr", "vbr", "cbr"]);
        assert_eq!(LossModel::KEYS, ["random", "bursty", "realistic"]);
        assert_eq!(Monitor::KEYS, ["decoded", "diff", "dry"]);
        assert_eq!(Listen::KEYS, ["dry", "a", "b", "c", "d", "e", "f"]);
    }
}
