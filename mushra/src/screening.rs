//! BS.1534-3's post-screening (its § 4.1.2): a listener is excluded from the pooled results
//! who rates the hidden reference below 90 in more than 15 % of the trials, or the mid-range
//! anchor (the 7 kHz low-pass) above 90 in more than 15 %: the first cannot hear the
//! difference the test is about, the second hears none where there is one. The verdict and
//! its counts are always reported, a listener excluded included.

use std::collections::BTreeSet;

use crate::rating::{Rating, Stimulus};

/// The rating below which a hidden reference counts as missed, and above which a mid anchor
/// counts as transparent.
pub const SCREENING_RATING: f64 = 90.0;

/// The share of trials, in percent, that a listener may miss (strictly more excludes).
pub const SCREENING_PERCENT: usize = 15;

/// What the screening decided for one listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within both limits: pooled.
    Kept,
    /// Beyond one limit or both: left out of the pooled results (still in their own).
    Excluded,
    /// Some trial lacks the hidden reference or the mid anchor, so the rule cannot be applied;
    /// pooled, and said so.
    Unscreened,
}

/// One listener's screening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    pub listener: String,
    /// How many trials the listener rated.
    pub trials: usize,
    /// The trials whose hidden reference was rated below 90.
    pub reference_missed: Vec<u32>,
    /// The trials whose mid anchor was rated above 90.
    pub anchor_transparent: Vec<u32>,
    /// The trials without a hidden reference or without a mid anchor.
    pub incomplete: Vec<u32>,
    pub verdict: Verdict,
}

impl Screening {
    /// Screens `listener` on their `ratings` (other listeners' are ignored).
    pub fn of(listener: &str, ratings: &[Rating]) -> Screening {
        let own: Vec<&Rating> = ratings.iter().filter(|rating| rating.listener == listener).collect();
        let trials: BTreeSet<u32> = own.iter().map(|rating| rating.trial).collect();
        let of_kind = |stimulus: Stimulus| -> Vec<&Rating> {
            own.iter().copied().filter(|rating| rating.stimulus == stimulus).collect()
        };
        let (references, anchors) = (of_kind(Stimulus::HiddenReference), of_kind(Stimulus::MidAnchor));
        let trials_of = |ratings: &[&Rating], wanted: &dyn Fn(f64) -> bool| -> Vec<u32> {
            let set: BTreeSet<u32> =
                ratings.iter().filter(|rating| wanted(rating.rating)).map(|rating| rating.trial).collect();
            set.into_iter().collect()
        };
        let reference_missed = trials_of(&references, &|rating| rating < SCREENING_RATING);
        let anchor_transparent = trials_of(&anchors, &|rating| rating > SCREENING_RATING);
        let has = |ratings: &[&Rating], trial: u32| ratings.iter().any(|rating| rating.trial == trial);
        let incomplete: Vec<u32> =
            trials.iter().copied().filter(|&trial| !has(&references, trial) || !has(&anchors, trial)).collect();
        let beyond = |count: usize| count * 100 > SCREENING_PERCENT * trials.len();
        let verdict = if beyond(reference_missed.len()) || beyond(anchor_transparent.len()) {
            Verdict::Excluded
        } else if !incomplete.is_empty() {
            Verdict::Unscreened
        } else {
            Verdict::Kept
        };
        Screening {
            listener: listener.to_owned(),
            trials: trials.len(),
            reference_missed,
            anchor_transparent,
            incomplete,
            verdict,
        }
    }

    /// The verdict in words, with its counts.
    pub fn describe(&self) -> String {
        let trials = self.trials;
        let counts = format!(
            "hidden reference below 90 in {} of {trials} trials, mid anchor above 90 in {} of {trials}",
            self.reference_missed.len(),
            self.anchor_transparent.len()
        );
        match self.verdict {
            Verdict::Kept => format!("{}: kept ({counts})", self.listener),
            Verdict::Excluded => {
                format!("{}: EXCLUDED, beyond BS.1534-3's 15 % ({counts})", self.listener)
            }
            Verdict::Unscreened => format!(
                "{}: not screened, trials {:?} lack the hidden reference or the mid anchor; kept ({counts})",
                self.listener, self.incomplete
            ),
        }
    }
}
