//! What the user asked for that is not happening, and what to change: the warnings the editor
//! shows and the app prints, decided in one place from the settings and the counters.

use std::fmt;

use crate::meters::Counters;
use crate::settings::{Settings, SettingsConflict};

/// Packets sent before a share of them is judged: 50 is one second of 20 ms frames, long enough
/// for libopus's rate control to have settled.
const PACKETS_BEFORE_JUDGING: u64 = 50;

/// Packets sent before "none at all" is judged (a short file): a fifth of a second at 20 ms, so
/// that the editor does not flash a warning while the first packets go out.
const PACKETS_BEFORE_JUDGING_NONE: u64 = 10;

/// Below one packet in this many carrying it, a requested redundancy counts as not sent.
const RARELY_SENT_ONE_IN: u64 = 20;

/// One warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// The settings contradict each other.
    Conflict(SettingsConflict),
    /// FEC is on, but (almost) no packet carries it.
    FecNotSent,
    /// DRED is on, but (almost) no packet carries it.
    DredNotSent { fec_on: bool },
    /// Packets are delayed, but the receiver waits for none beyond FEC's or DRED's wait.
    JitterWithoutPlayout,
}

impl Advice {
    /// The warnings for `settings` after `counters`: the conflict if any (which explains
    /// everything else), or each requested redundancy that (almost) no packet carried. Judged
    /// after [`PACKETS_BEFORE_JUDGING`] packets, or after [`PACKETS_BEFORE_JUDGING_NONE`] when
    /// none carried it at all (a short file). `delay_trace`: a delay trace is in force, which
    /// delays packets whatever the jitter settings say.
    pub fn for_run(settings: &Settings, counters: &Counters, delay_trace: bool) -> impl Iterator<Item = Self> {
        let conflict = settings.conflict();
        let sent = counters.packets_sent;
        let rarely = |carried: u64| {
            let none = carried == 0 && sent >= PACKETS_BEFORE_JUDGING_NONE;
            none || (sent > PACKETS_BEFORE_JUDGING && carried * RARELY_SENT_ONE_IN < sent)
        };
        let judged = conflict.is_none();
        let fec = judged && settings.fec && rarely(counters.packets_with_fec);
        let dred = judged && settings.dred_duration_ms > 0 && rarely(counters.packets_with_dred);
        let jitter = settings.jitter;
        let delayed = jitter.delays_packets() || delay_trace;
        [
            conflict.map(Self::Conflict),
            fec.then_some(Self::FecNotSent),
            dred.then_some(Self::DredNotSent { fec_on: settings.fec }),
            (delayed && jitter.playout_ms == 0).then_some(Self::JitterWithoutPlayout),
        ]
        .into_iter()
        .flatten()
    }
}

impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Conflict(conflict) => write!(f, "{conflict}: nothing is sent, yet the receiver still waits for it."),
            Self::FecNotSent => f.write_str(
                "FEC is on, but the encoder sends none: raise the bitrate or the expected loss (libopus needs room \
                 for it).",
            ),
            Self::DredNotSent { fec_on: true } => f.write_str(
                "DRED is on, but the encoder sends none: raise the bitrate or the expected loss (with FEC on, libopus \
                 budgets DRED only above 20 kbps).",
            ),
            Self::DredNotSent { fec_on: false } => f.write_str(
                "DRED is on, but the encoder sends none: raise the bitrate or the expected loss (libopus needs room \
                 for it).",
            ),
            Self::JitterWithoutPlayout => f.write_str(
                "packets are delayed, but the receiver waits for none: nearly every one is late; set a playout \
                 delay of a few times the jitter (and a frame more for FEC to come in time).",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use roundtrip_codec::Application;

    use super::*;

    fn advice(settings: &Settings, sent: u64, with_fec: u64, with_dred: u64) -> Vec<Advice> {
        let counters = Counters {
            packets_sent: sent,
            packets_with_fec: with_fec,
            packets_with_dred: with_dred,
            ..Counters::default()
        };
        Advice::for_run(settings, &counters, false).collect()
    }

    #[test]
    fn redundancy_asked_for_but_not_sent_is_reported_once_judged() {
        let both = Settings { fec: true, dred_duration_ms: 100, ..Settings::DEFAULT };
        assert_eq!(advice(&both, 0, 0, 0), []);
        assert_eq!(advice(&both, 9, 0, 0), []);
        // A short run: only "none at all" counts.
        assert_eq!(advice(&both, 10, 0, 0), [Advice::FecNotSent, Advice::DredNotSent { fec_on: true }]);
        assert_eq!(advice(&both, 10, 1, 1), []);
        // A long run: fewer than 1 in 20 counts.
        assert_eq!(advice(&both, 1000, 49, 50), [Advice::FecNotSent]);
        assert_eq!(advice(&both, 1000, 50, 49), [Advice::DredNotSent { fec_on: true }]);
        assert_eq!(advice(&Settings::DEFAULT, 1000, 0, 0), []);
    }

    #[test]
    fn jitter_without_a_playout_delay_is_reported() {
        let jittery = Settings {
            jitter: crate::JitterSettings { mean_jitter_ms: 5.0, ..crate::JitterSettings::DEFAULT },
            ..Settings::DEFAULT
        };
        assert_eq!(advice(&jittery, 10, 0, 0), [Advice::JitterWithoutPlayout]);
        let buffered = Settings { jitter: crate::JitterSettings { playout_ms: 40, ..jittery.jitter }, ..jittery };
        assert_eq!(advice(&buffered, 10, 0, 0), []);
        // A delay trace delays packets with the jitter settings at rest.
        let counters = Counters { packets_sent: 10, ..Counters::default() };
        assert_eq!(
            Advice::for_run(&Settings::DEFAULT, &counters, true).collect::<Vec<_>>(),
            [Advice::JitterWithoutPlayout]
        );
    }

    #[test]
    fn a_conflict_replaces_the_advice_it_explains() {
        let low_delay = Settings { fec: true, application: Application::RestrictedLowDelay, ..Settings::DEFAULT };
        assert_eq!(advice(&low_delay, 1000, 0, 0), [Advice::Conflict(SettingsConflict::RedundancyInLowDelay)]);
    }
}
