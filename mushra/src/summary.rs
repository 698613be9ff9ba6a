//! The analysis of a set of ratings (one listener's file or many merged): every listener
//! screened, and per condition the mean and its interval pooled over the listeners kept, per
//! listener, and per excerpt, with the perceptual model's score beside it.

use std::collections::{BTreeMap, BTreeSet};

use crate::confidence::Interval;
use crate::rating::{Rating, RatingError, Stimulus};
use crate::screening::{Screening, Verdict};

/// What makes two ratings ratings of the same condition: the stimulus, and for a codec
/// condition its name and its settings. Ordered as a report lists them: the hidden reference,
/// the anchors from mid to low, then the conditions by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConditionKey {
    pub stimulus: Stimulus,
    pub condition: String,
    pub settings: String,
}

impl ConditionKey {
    fn of(rating: &Rating) -> Self {
        ConditionKey {
            stimulus: rating.stimulus,
            condition: rating.condition.clone(),
            settings: rating.settings.clone(),
        }
    }

    /// How a report names it.
    pub fn name(&self) -> &str {
        match self.stimulus {
            Stimulus::Condition => &self.condition,
            other => other.name(),
        }
    }
}

/// One condition's results.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionSummary {
    pub key: ConditionKey,
    /// Over every rating of the listeners the screening kept; `None` if it kept none who rated it.
    pub pooled: Option<Interval>,
    /// Each listener's own, the excluded included, by listener.
    pub by_listener: Vec<(String, Interval)>,
    /// Each excerpt's, over the listeners kept, by excerpt.
    pub by_excerpt: Vec<(String, Interval)>,
    /// The model's MOS-LQO over the excerpts it scored (each excerpt once), if it scored any.
    pub mos_lqo: Option<Interval>,
}

/// The whole analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Every listener, by name.
    pub screenings: Vec<Screening>,
    /// Every condition, in [`ConditionKey`]'s order.
    pub conditions: Vec<ConditionSummary>,
    /// How many ratings, and how many of them the pooled means use.
    pub ratings: usize,
    pub pooled_ratings: usize,
}

impl Summary {
    /// Analyses `ratings`, or says which one cannot be taken (each is validated, and a stimulus
    /// rated twice in one trial of one listener is refused: two files of one session, merged).
    pub fn of(ratings: &[Rating]) -> Result<Summary, RatingError> {
        let mut seen = BTreeSet::new();
        for rating in ratings {
            let rating = rating.clone().validated()?;
            let key = (rating.listener.clone(), rating.trial, rating.stimulus, rating.condition.clone());
            if !seen.insert(key) {
                let stimulus = rating.stimulus_name().to_owned();
                return Err(RatingError::Duplicate { listener: rating.listener, trial: rating.trial, stimulus });
            }
        }
        let listeners: BTreeSet<&str> = ratings.iter().map(|rating| rating.listener.as_str()).collect();
        let screenings: Vec<Screening> = listeners.iter().map(|listener| Screening::of(listener, ratings)).collect();
        let kept: BTreeSet<&str> = screenings
            .iter()
            .filter(|screening| screening.verdict != Verdict::Excluded)
            .map(|screening| screening.listener.as_str())
            .collect();
        let mut by_condition: BTreeMap<ConditionKey, Vec<&Rating>> = BTreeMap::new();
        for rating in ratings {
            by_condition.entry(ConditionKey::of(rating)).or_default().push(rating);
        }
        let conditions = by_condition
            .into_iter()
            .map(|(key, rated)| {
                let pooled_of = |filter: &dyn Fn(&Rating) -> bool| {
                    let values: Vec<f64> =
                        rated.iter().filter(|rating| filter(rating)).map(|rating| rating.rating).collect();
                    Interval::of(&values)
                };
                let is_kept = |rating: &Rating| kept.contains(rating.listener.as_str());
                let grouped = |group: &dyn Fn(&Rating) -> &str, filter: &dyn Fn(&Rating) -> bool| {
                    let names: BTreeSet<&str> = rated.iter().map(|rating| group(rating)).collect();
                    names
                        .into_iter()
                        .filter_map(|name| {
                            Some((name.to_owned(), pooled_of(&|rating| group(rating) == name && filter(rating))?))
                        })
                        .collect()
                };
                let mut scores: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
                for rating in &rated {
                    if let Some(score) = rating.mos_lqo {
                        scores.entry(rating.excerpt.as_str()).or_default().push(score);
                    }
                }
                let per_excerpt: Vec<f64> =
                    scores.values().map(|scores| scores.iter().sum::<f64>() / scores.len() as f64).collect();
                ConditionSummary {
                    pooled: pooled_of(&is_kept),
                    by_listener: grouped(&|rating| rating.listener.as_str(), &|_| true),
                    by_excerpt: grouped(&|rating| rating.excerpt.as_str(), &is_kept),
                    mos_lqo: Interval::of(&per_excerpt),
                    key,
                }
            })
            .collect();
        let pooled_ratings = ratings.iter().filter(|rating| kept.contains(rating.listener.as_str())).count();
        Ok(Summary { screenings, conditions, ratings: ratings.len(), pooled_ratings })
    }

    /// The conditions that share a name but not their settings: merged files of different
    /// tests, which a report must point out.
    pub fn ambiguous_names(&self) -> Vec<&str> {
        let mut settings_by_name: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for condition in self.conditions.iter().filter(|condition| condition.key.stimulus == Stimulus::Condition) {
            settings_by_name.entry(condition.key.name()).or_default().insert(&condition.key.settings);
        }
        settings_by_name.into_iter().filter(|(_, settings)| settings.len() > 1).map(|(name, _)| name).collect()
    }
}
