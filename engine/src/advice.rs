//! What the user asked for that is not happening, and what to change: the warnings the editor
//! shows and the app prints, decided in one place from the settings and the counters.

use std::fmt;

use roundtrip_codec::CodingMode;

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

/// Lost packets before "redundancy rebuilt none of them" is judged: with fewer, bad luck (each
/// loss in a burst, or in a pause that carries none) explains it.
const LOSSES_BEFORE_JUDGING_USE: u64 = 5;

/// Above this share of packets coded with CELT only, CELT is what keeps FEC out.
const CELT_MOSTLY_PERCENT: f64 = 50.0;

/// One warning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Advice {
    /// The settings contradict each other.
    Conflict(SettingsConflict),
    /// A redundancy is on, but (almost) no packet carries it, and why.
    NotSent { redundancy: Redundancy, because: NotSentBecause },
    /// A redundancy was carried and packets were lost, yet it rebuilt none of them.
    Unused { redundancy: Redundancy, lost: u64 },
    /// Late packets are lost to the listener, but the encoder plans its redundancy for less loss
    /// than lost and late packets together make.
    LateNotExpected { lost_or_late_percent: f64, expected_percent: u8 },
    /// DRED reaches further back than the receiver waits for a later packet: the rest is never
    /// used.
    DredBeyondWait { dred_ms: u16, wait_ms: f32 },
    /// Packets are delayed, but the receiver waits for none beyond FEC's or DRED's wait.
    JitterWithoutPlayout,
}

/// The two redundancies libopus can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redundancy {
    /// In-band FEC (SILK's LBRR): a low-rate copy of the packet before.
    Fec,
    /// Deep redundancy: features of up to a second before.
    Dred,
}

impl Redundancy {
    const fn name(self) -> &'static str {
        match self {
            Self::Fec => "FEC",
            Self::Dred => "DRED",
        }
    }
}

/// Why libopus sends no redundancy, the first that applies in this order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NotSentBecause {
    /// The encoder is told to expect no loss, and libopus budgets both redundancies from it.
    NoLossExpected,
    /// Frames under 10 ms are coded with CELT only, which carries neither.
    ShortFrames,
    /// libopus chose CELT only for most packets (music, or a high bitrate), and FEC is SILK's.
    CeltChosen { celt_percent: f64 },
    /// With FEC on, libopus budgets DRED only from what is left above 20 kbps.
    FecTakesTheBudget,
    /// Too few bits to spare.
    LowBitrate,
}

impl NotSentBecause {
    fn of(redundancy: Redundancy, settings: &Settings, counters: &Counters) -> Self {
        let celt_percent = counters.coded().mode_percent(CodingMode::Celt);
        if settings.expected_loss_hint() == 0 {
            Self::NoLossExpected
        } else if settings.frame.millis().is_some_and(|ms| ms < 10.0) {
            Self::ShortFrames
        } else if redundancy == Redundancy::Fec && celt_percent > CELT_MOSTLY_PERCENT {
            Self::CeltChosen { celt_percent }
        } else if redundancy == Redundancy::Dred && settings.fec {
            Self::FecTakesTheBudget
        } else {
            Self::LowBitrate
        }
    }
}

impl Advice {
    /// The warnings for `settings` after `counters`: the conflict if any (which explains
    /// everything else), or each requested redundancy that (almost) no packet carried, with its
    /// cause, or that rebuilt nothing while packets were lost. Judged after
    /// [`PACKETS_BEFORE_JUDGING`] packets, or after [`PACKETS_BEFORE_JUDGING_NONE`] when none
    /// carried it at all (a short file). `delay_trace`: a delay trace is in force, which delays
    /// packets whatever the jitter settings say.
    pub fn for_run(settings: &Settings, counters: &Counters, delay_trace: bool) -> impl Iterator<Item = Self> {
        let conflict = settings.conflict();
        let sent = counters.packets_sent;
        let rarely = |carried: u64| {
            let none = carried == 0 && sent >= PACKETS_BEFORE_JUDGING_NONE;
            none || (sent > PACKETS_BEFORE_JUDGING && carried * RARELY_SENT_ONE_IN < sent)
        };
        let judged = conflict.is_none();
        let lost = counters.packets_lost + counters.packets_late;
        let redundancy = |redundancy, on: bool, carried: u64, rebuilt: u64, rebuildable: u64| {
            if !(judged && on) {
                None
            } else if rarely(carried) {
                Some(Self::NotSent { redundancy, because: NotSentBecause::of(redundancy, settings, counters) })
            } else if rebuilt == 0 && rebuildable >= LOSSES_BEFORE_JUDGING_USE {
                Some(Self::Unused { redundancy, lost })
            } else {
                None
            }
        };
        let fec = redundancy(Redundancy::Fec, settings.fec, counters.packets_with_fec, counters.recovered_fec, lost);
        // FEC, when on, rebuilds single losses first: DRED is judged on the others.
        let dred = redundancy(
            Redundancy::Dred,
            settings.dred_duration_ms > 0,
            counters.packets_with_dred,
            counters.recovered_dred,
            lost.saturating_sub(counters.recovered_fec),
        );
        let wait_ms = settings.recovery_frames() as f32 * settings.frame.millis().unwrap_or(20.0);
        let beyond_wait = (judged && f32::from(settings.dred_duration_ms) > wait_ms)
            .then_some(Self::DredBeyondWait { dred_ms: settings.dred_duration_ms, wait_ms });
        let lost_or_late_percent = if sent == 0 { 0.0 } else { lost as f64 * 100.0 / sent as f64 };
        let expected_percent = settings.expected_loss_hint();
        let late_unplanned = judged
            && (settings.fec || settings.dred_duration_ms > 0)
            && counters.packets_late > 0
            && sent > PACKETS_BEFORE_JUDGING
            && lost_or_late_percent >= f64::from(expected_percent) + 1.0;
        let jitter = settings.jitter;
        let delayed = jitter.delays_packets() || delay_trace;
        [
            conflict.map(Self::Conflict),
            fec,
            dred,
            beyond_wait,
            late_unplanned.then_some(Self::LateNotExpected { lost_or_late_percent, expected_percent }),
            (delayed && jitter.longest_wait_ms() == 0).then_some(Self::JitterWithoutPlayout),
        ]
        .into_iter()
        .flatten()
    }
}

impl fmt::Display for Advice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Conflict(conflict) => write!(f, "{conflict}: nothing is sent, yet the receiver still waits for it."),
            Self::NotSent { redundancy, because } => {
                write!(f, "{} is on, but the encoder sends none: ", redundancy.name())?;
                match because {
                    NotSentBecause::NoLossExpected => f.write_str(
                        "it is told to expect no loss, and libopus budgets redundancy from that figure; set the \
                         expected loss (--expect-loss, or Expected loss in the editor) to the loss you plan for.",
                    ),
                    NotSentBecause::ShortFrames => f.write_str(
                        "frames under 10 ms are coded with CELT only, which carries no redundancy; choose frames of \
                         10 ms or longer.",
                    ),
                    NotSentBecause::CeltChosen { celt_percent } => write!(
                        f,
                        "libopus coded {celt_percent:.0} % of the packets with CELT only, and FEC is SILK's; lower \
                         the bitrate, or choose the voip application or the voice signal."
                    ),
                    NotSentBecause::FecTakesTheBudget => f.write_str(
                        "raise the bitrate or the expected loss (with FEC on, libopus budgets DRED only above \
                         20 kbps).",
                    ),
                    NotSentBecause::LowBitrate => {
                        f.write_str("raise the bitrate or the expected loss (libopus needs room for it).")
                    }
                }
            }
            Self::Unused { redundancy: Redundancy::Fec, lost } => write!(
                f,
                "FEC is sent, but rebuilt none of the {lost} lost or late packets: it rides in the packet after \
                 each one, which was lost or late too; bursts need DRED, late packets a longer playout delay."
            ),
            Self::Unused { redundancy: Redundancy::Dred, lost } => write!(
                f,
                "DRED is sent, but rebuilt none of the {lost} lost or late packets: no packet carrying it arrived \
                 within the receiver's wait after them; a longer playout delay lets it wait longer."
            ),
            Self::LateNotExpected { lost_or_late_percent, expected_percent } => write!(
                f,
                "{lost_or_late_percent:.1} % of the packets were lost or late (a late packet is lost to the \
                 listener), but the encoder plans its redundancy for {expected_percent} %: set the expected loss \
                 to about {lost_or_late_percent:.0} %."
            ),
            Self::DredBeyondWait { dred_ms, wait_ms } => write!(
                f,
                "DRED reaches back {dred_ms} ms, but the receiver waits only {wait_ms:.0} ms for a later packet: \
                 the redundancy from further back is never used (a longer playout delay waits longer)."
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
    use roundtrip_codec::{Application, Bandwidth, CodingMode, FrameDuration};

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

    const fn not_sent(redundancy: Redundancy, because: NotSentBecause) -> Advice {
        Advice::NotSent { redundancy, because }
    }

    /// FEC and DRED on, 24 kbps, the encoder told to expect 10 % loss.
    const BOTH: Settings =
        Settings { fec: true, dred_duration_ms: 100, expected_loss_percent: Some(10), ..Settings::DEFAULT };

    #[test]
    fn redundancy_asked_for_but_not_sent_is_reported_once_judged() {
        use NotSentBecause::{FecTakesTheBudget, LowBitrate};
        let fec_low = not_sent(Redundancy::Fec, LowBitrate);
        let dred_budget = not_sent(Redundancy::Dred, FecTakesTheBudget);
        assert_eq!(advice(&BOTH, 0, 0, 0), []);
        assert_eq!(advice(&BOTH, 9, 0, 0), []);
        // A short run: only "none at all" counts.
        assert_eq!(advice(&BOTH, 10, 0, 0), [fec_low, dred_budget]);
        assert_eq!(advice(&BOTH, 10, 1, 1), []);
        // A long run: fewer than 1 in 20 counts.
        assert_eq!(advice(&BOTH, 1000, 49, 50), [fec_low]);
        assert_eq!(advice(&BOTH, 1000, 50, 49), [dred_budget]);
        assert_eq!(advice(&Settings::DEFAULT, 1000, 0, 0), []);
        let dred_alone = Settings { fec: false, ..BOTH };
        assert_eq!(advice(&dred_alone, 1000, 0, 0), [not_sent(Redundancy::Dred, LowBitrate)]);
    }

    #[test]
    fn redundancy_not_sent_names_its_real_cause() {
        use NotSentBecause::{CeltChosen, NoLossExpected, ShortFrames};
        // No loss expected comes first: FEC at 64 kbps with no loss is not the bitrate's fault.
        let unexpected = Settings { bitrate_bps: 64_000, expected_loss_percent: None, ..BOTH };
        let text = advice(&unexpected, 100, 0, 0);
        assert_eq!(text, [not_sent(Redundancy::Fec, NoLossExpected), not_sent(Redundancy::Dred, NoLossExpected)]);
        assert!(text[0].to_string().contains("--expect-loss"), "{}", text[0]);
        let short = Settings { frame: FrameDuration::Ms2_5, ..BOTH };
        assert_eq!(
            advice(&short, 100, 0, 0),
            [not_sent(Redundancy::Fec, ShortFrames), not_sent(Redundancy::Dred, ShortFrames)]
        );
        // Music at a high bitrate: libopus chose CELT, and FEC is SILK's alone.
        let mut counters = Counters { packets_sent: 100, packets_with_dred: 90, ..Counters::default() };
        (0..80).for_each(|_| counters.count_coded(CodingMode::Celt, Bandwidth::Fullband));
        (0..20).for_each(|_| counters.count_coded(CodingMode::Hybrid, Bandwidth::Fullband));
        let found: Vec<Advice> = Advice::for_run(&BOTH, &counters, false).collect();
        assert_eq!(found, [not_sent(Redundancy::Fec, CeltChosen { celt_percent: 80.0 })]);
    }

    #[test]
    fn redundancy_carried_that_rebuilds_no_loss_is_reported() {
        let counters = |lost: u64, fec: u64, dred: u64| Counters {
            packets_sent: 1000,
            packets_with_fec: 900,
            packets_with_dred: 900,
            packets_lost: lost,
            recovered_fec: fec,
            recovered_dred: dred,
            ..Counters::default()
        };
        let run = |counters: &Counters| Advice::for_run(&BOTH, counters, false).collect::<Vec<_>>();
        assert_eq!(run(&counters(4, 0, 0)), []);
        assert_eq!(
            run(&counters(5, 0, 0)),
            [
                Advice::Unused { redundancy: Redundancy::Fec, lost: 5 },
                Advice::Unused { redundancy: Redundancy::Dred, lost: 5 }
            ]
        );
        assert_eq!(run(&counters(50, 10, 30)), []);
        // FEC rebuilt every loss but two: DRED had too few left to be judged.
        assert_eq!(run(&counters(50, 48, 0)), []);
        assert_eq!(run(&counters(50, 0, 30)), [Advice::Unused { redundancy: Redundancy::Fec, lost: 50 }]);
    }

    #[test]
    fn late_packets_the_encoder_does_not_plan_for_are_reported() {
        let fec = Settings { fec: true, expected_loss_percent: None, ..Settings::DEFAULT };
        let counters = Counters {
            packets_sent: 1000,
            packets_late: 150,
            packets_with_fec: 0,
            recovered_fec: 0,
            ..Counters::default()
        };
        let found: Vec<Advice> = Advice::for_run(&fec, &counters, false).collect();
        assert_eq!(found[0], not_sent(Redundancy::Fec, NotSentBecause::NoLossExpected));
        assert_eq!(found[1], Advice::LateNotExpected { lost_or_late_percent: 15.0, expected_percent: 0 });
        assert!(found[1].to_string().contains("set the expected loss to about 15 %"), "{}", found[1]);
        let planned = Settings { expected_loss_percent: Some(15), ..fec };
        assert!(
            Advice::for_run(&planned, &counters, false).all(|advice| !matches!(advice, Advice::LateNotExpected { .. }))
        );
    }

    #[test]
    fn dred_beyond_the_receivers_wait_is_reported() {
        let long = Settings { dred_duration_ms: 200, ..BOTH };
        let found = advice(&long, 100, 90, 90);
        assert_eq!(found, [Advice::DredBeyondWait { dred_ms: 200, wait_ms: 120.0 }]);
        assert!(found[0].to_string().contains("waits only 120 ms"), "{}", found[0]);
        // A playout delay of 200 ms waits that long.
        let waited = Settings { jitter: crate::JitterSettings { playout_ms: 200, ..long.jitter }, ..long };
        assert_eq!(advice(&waited, 100, 90, 90), []);
        assert_eq!(advice(&BOTH, 100, 90, 90), []);
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
