//! One rating: what a listener gave one stimulus of one trial, on MUSHRA's 0–100 scale.

use serde::{Deserialize, Serialize};

/// What a stimulus is, behind the neutral label the listener saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stimulus {
    /// The dry input, unlabelled among the others: a listener who can hear should give it 100.
    HiddenReference,
    /// The input low-passed at 7 kHz: BS.1534-3's mid-range anchor.
    #[serde(rename = "anchor_7k")]
    MidAnchor,
    /// The input low-passed at 3.5 kHz: the low-range anchor.
    #[serde(rename = "anchor_3k5")]
    LowAnchor,
    /// A codec condition: one slot's settings.
    Condition,
}

impl Stimulus {
    /// How a report names it (a condition by its own name instead).
    pub fn name(self) -> &'static str {
        match self {
            Stimulus::HiddenReference => "Hidden reference",
            Stimulus::MidAnchor => "Anchor 7 kHz",
            Stimulus::LowAnchor => "Anchor 3.5 kHz",
            Stimulus::Condition => "Condition",
        }
    }
}

/// One row of a results file: one stimulus of one trial, as one listener rated it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    /// Who listened, as they typed it.
    pub listener: String,
    /// The trial, from 1, in the order the listener took them.
    pub trial: u32,
    /// The excerpt the trial played (a file and its loop region, or the host's loop).
    pub excerpt: String,
    pub stimulus: Stimulus,
    /// The condition's name (the slot, "A" to "F"); empty for the references and anchors.
    #[serde(default)]
    pub condition: String,
    /// The condition's settings in full, in words (empty for the references and anchors): two
    /// conditions are the same only if these are.
    #[serde(default)]
    pub settings: String,
    /// The rating, 0 (bad) to 100 (excellent).
    pub rating: f64,
    /// What the perceptual model (ViSQOL's MOS-LQO, 1 to 5) said of the same stimulus on the
    /// same excerpt, if it scored it: where the model and the listeners disagree.
    #[serde(default)]
    pub mos_lqo: Option<f64>,
}

/// Why a rating cannot be taken.
#[derive(Debug, Clone, PartialEq)]
pub enum RatingError {
    /// The rating is not a number from 0 to 100.
    OutOfScale { listener: String, trial: u32, rating: f64 },
    /// No listener named.
    NoListener { trial: u32 },
    /// Trials count from 1.
    TrialZero { listener: String },
    /// A codec condition without a name.
    UnnamedCondition { listener: String, trial: u32 },
    /// The same stimulus rated twice in one trial.
    Duplicate { listener: String, trial: u32, stimulus: String },
    /// A model score outside MOS-LQO's 1 to 5.
    ScoreOutOfRange { listener: String, trial: u32, mos_lqo: f64 },
}

impl std::fmt::Display for RatingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::OutOfScale { listener, trial, rating } => {
                write!(f, "{listener}, trial {trial}: rating {rating} is not on MUSHRA's scale of 0 to 100")
            }
            Self::NoListener { trial } => write!(f, "trial {trial}: a rating names no listener"),
            Self::TrialZero { listener } => write!(f, "{listener}: trial 0 (trials count from 1)"),
            Self::UnnamedCondition { listener, trial } => {
                write!(f, "{listener}, trial {trial}: a condition without a name")
            }
            Self::Duplicate { listener, trial, stimulus } => {
                write!(f, "{listener}, trial {trial}: {stimulus} is rated twice")
            }
            Self::ScoreOutOfRange { listener, trial, mos_lqo } => {
                write!(f, "{listener}, trial {trial}: MOS-LQO {mos_lqo} is outside 1 to 5")
            }
        }
    }
}

impl std::error::Error for RatingError {}

impl Rating {
    /// The rating if it is whole, or why not.
    pub fn validated(self) -> Result<Self, RatingError> {
        let (listener, trial) = (self.listener.clone(), self.trial);
        if self.listener.trim().is_empty() {
            return Err(RatingError::NoListener { trial });
        }
        if trial == 0 {
            return Err(RatingError::TrialZero { listener });
        }
        if !(0.0..=100.0).contains(&self.rating) {
            return Err(RatingError::OutOfScale { listener, trial, rating: self.rating });
        }
        if self.stimulus == Stimulus::Condition && self.condition.trim().is_empty() {
            return Err(RatingError::UnnamedCondition { listener, trial });
        }
        if let Some(mos_lqo) = self.mos_lqo.filter(|score| !(1.0..=5.0).contains(score)) {
            return Err(RatingError::ScoreOutOfRange { listener, trial, mos_lqo });
        }
        Ok(self)
    }

    /// How a report names what was rated: a condition by its name, the others by their role.
    pub fn stimulus_name(&self) -> &str {
        match self.stimulus {
            Stimulus::Condition => &self.condition,
            other => other.name(),
        }
    }
}
