//! How libopus coded the packets: how many in each coding mode (SILK, hybrid, CELT) and at each
//! audio bandwidth, read from each packet's TOC byte
//! ([RFC 6716 §3.1](https://www.rfc-editor.org/rfc/rfc6716#section-3.1)).
//!
//! libopus picks the mode and bandwidth itself, frame by frame, and they decide the quality more
//! than any one setting: DRED at 64 kbps, say, moves music from CELT to hybrid, and its waveform
//! SNR falls by 10 dB with nothing lost. The counts let a person see that choice.

use std::fmt;

use roundtrip_codec::{Bandwidth, CodingMode};

/// Packets per coding mode and per bandwidth. Plain counts, kept on the audio thread in
/// [`crate::Counters`] (as one atomic each) and by the app for the packets it reports on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CodedCounts {
    /// Packets per mode, in [`CodingMode::ALL`]'s order.
    pub modes: [u64; 3],
    /// Packets per bandwidth, in [`Bandwidth::ALL`]'s order.
    pub bandwidths: [u64; 5],
}

impl CodedCounts {
    /// Counts one packet coded in `mode` at `bandwidth`. Never allocates.
    pub fn add(&mut self, mode: CodingMode, bandwidth: Bandwidth) {
        // Both enums list their variants in their `ALL` order, without explicit values.
        self.modes[mode as usize] += 1;
        self.bandwidths[bandwidth as usize] += 1;
    }

    /// The packets counted (each has one mode and one bandwidth).
    pub fn packets(&self) -> u64 {
        self.modes.iter().sum()
    }

    /// The share of the packets coded in `mode`, in percent; 0 with no packets.
    pub fn mode_percent(&self, mode: CodingMode) -> f64 {
        let packets = self.packets();
        if packets == 0 { 0.0 } else { self.modes[mode as usize] as f64 * 100.0 / packets as f64 }
    }

    /// The modes that coded any packet with their share in percent, the largest first (ties in
    /// [`CodingMode::ALL`]'s order).
    pub fn mode_shares(&self) -> Vec<(CodingMode, f64)> {
        shares(CodingMode::ALL.into_iter().zip(self.modes), self.packets())
    }

    /// The bandwidths that coded any packet with their share in percent, the largest first.
    pub fn bandwidth_shares(&self) -> Vec<(Bandwidth, f64)> {
        shares(Bandwidth::ALL.into_iter().zip(self.bandwidths), self.packets())
    }

    /// The mode that coded the most packets, and its share in percent.
    pub fn main_mode(&self) -> Option<(CodingMode, f64)> {
        self.mode_shares().first().copied()
    }

    /// The bandwidth that coded the most packets, and its share in percent.
    pub fn main_bandwidth(&self) -> Option<(Bandwidth, f64)> {
        self.bandwidth_shares().first().copied()
    }
}

fn shares<T>(counts: impl Iterator<Item = (T, u64)>, total: u64) -> Vec<(T, f64)> {
    let mut shares: Vec<(T, u64)> = counts.filter(|&(_, count)| count > 0).collect();
    // Stable, so that equal counts keep their order.
    shares.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
    shares.into_iter().map(|(item, count)| (item, count as f64 * 100.0 / total as f64)).collect()
}

/// A share in whole percent, but never 0 % or 100 % for a share that is not (a single CELT
/// packet in a hybrid file is worth seeing).
fn percent_text(percent: f64) -> String {
    match percent {
        p if p > 0.0 && p < 0.5 => "<1 %".to_owned(),
        p if p < 100.0 && p > 99.5 => ">99 %".to_owned(),
        p => format!("{p:.0} %"),
    }
}

/// `hybrid 97 %, CELT 3 % · SWB 97 %, FB 3 %`, or `no packets`.
impl fmt::Display for CodedCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.packets() == 0 {
            return f.write_str("no packets");
        }
        let modes: Vec<String> = self
            .mode_shares()
            .into_iter()
            .map(|(mode, percent)| format!("{} {}", mode.name(), percent_text(percent)))
            .collect();
        let bandwidths: Vec<String> = self
            .bandwidth_shares()
            .into_iter()
            .map(|(bandwidth, percent)| format!("{} {}", bandwidth.abbreviation(), percent_text(percent)))
            .collect();
        write!(f, "{} · {}", modes.join(", "), bandwidths.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_all_orders_index_the_counts() {
        for (index, mode) in CodingMode::ALL.into_iter().enumerate() {
            assert_eq!(mode as usize, index);
        }
        for (index, bandwidth) in Bandwidth::ALL.into_iter().enumerate() {
            assert_eq!(bandwidth as usize, index);
        }
    }

    #[test]
    fn shares_are_named_largest_first_and_a_rare_one_is_not_rounded_away() {
        let mut coded = CodedCounts::default();
        assert_eq!(coded.to_string(), "no packets");
        assert_eq!(coded.main_mode(), None);
        for _ in 0..97 {
            coded.add(CodingMode::Hybrid, Bandwidth::Superwideband);
        }
        for _ in 0..3 {
            coded.add(CodingMode::Celt, Bandwidth::Fullband);
        }
        assert_eq!(coded.packets(), 100);
        assert_eq!(coded.to_string(), "hybrid 97 %, CELT 3 % · SWB 97 %, FB 3 %");
        assert_eq!(coded.main_mode(), Some((CodingMode::Hybrid, 97.0)));
        assert_eq!(coded.main_bandwidth(), Some((Bandwidth::Superwideband, 97.0)));
        for _ in 0..900 {
            coded.add(CodingMode::Celt, Bandwidth::Fullband);
        }
        coded.add(CodingMode::Silk, Bandwidth::Wideband);
        assert_eq!(coded.to_string(), "CELT 90 %, hybrid 10 %, SILK <1 % · FB 90 %, SWB 10 %, WB <1 %");
        let only_celt = CodedCounts { modes: [0, 0, 1000], bandwidths: [0, 0, 0, 1, 999] };
        assert_eq!(only_celt.to_string(), "CELT 100 % · FB >99 %, SWB <1 %");
    }
}
