//! MUSHRA results, as ITU-R BS.1534-3 asks a lab to treat them: each listener's ratings of
//! each trial's stimuli (the hidden reference, the two anchors and the codec conditions),
//! the post-screening that excludes a listener who cannot tell the reference or who finds the
//! mid anchor transparent, and per condition the mean with its 95 % confidence interval
//! (Student's t), pooled over the listeners kept and per listener.
//!
//! No engine, no audio: the plugin's test writes the ratings, `opus-roundtrip mushra-report`
//! reads many listeners' files and summarises them.
//!
//! | module | concept |
//! |---|---|
//! | [`rating`] | one rating: listener, trial, excerpt, stimulus, condition with its settings, 0–100 |
//! | [`results_file`] | ratings in and out as CSV or JSON, whole or not at all |
//! | [`confidence`] | a mean and its 95 % confidence interval |
//! | [`screening`] | BS.1534-3's post-screening of each listener |
//! | [`summary`] | the whole analysis: screening, pooled and per-listener means, by excerpt |

pub mod confidence;
pub mod rating;
pub mod results_file;
pub mod screening;
pub mod summary;

pub use confidence::Interval;
pub use rating::{Rating, RatingError, Stimulus};
pub use results_file::{ResultsError, ResultsProblem, read_results, write_csv, write_json};
pub use screening::{Screening, Verdict};
pub use summary::{ConditionKey, ConditionSummary, Summary};
