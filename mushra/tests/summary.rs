//! The analysis on a crafted results set, against values worked out by hand in the comments.

use roundtrip_mushra::screening::Verdict;
use roundtrip_mushra::{Rating, RatingError, Stimulus, Summary};

/// One listener's trials: per trial the excerpt and the ratings of the hidden reference, the
/// 7 kHz anchor, the 3.5 kHz anchor, condition A and condition B.
fn listener(name: &str, trials: &[(&str, [f64; 5])]) -> Vec<Rating> {
    let stimuli = [
        (Stimulus::HiddenReference, ""),
        (Stimulus::MidAnchor, ""),
        (Stimulus::LowAnchor, ""),
        (Stimulus::Condition, "A"),
        (Stimulus::Condition, "B"),
    ];
    let mut ratings = Vec::new();
    for (index, (excerpt, values)) in trials.iter().enumerate() {
        for ((stimulus, condition), &rating) in stimuli.iter().zip(values) {
            let (settings, mos_lqo) = match (*condition, *excerpt) {
                ("A", "speech") => ("64 kbps, 20 ms", Some(4.2)),
                ("A", _) => ("64 kbps, 20 ms", Some(4.6)),
                ("B", "speech") => ("12 kbps, 20 ms, 10 % loss", Some(2.9)),
                ("B", _) => ("12 kbps, 20 ms, 10 % loss", Some(3.3)),
                _ => ("", None),
            };
            ratings.push(Rating {
                listener: name.to_owned(),
                trial: index as u32 + 1,
                excerpt: (*excerpt).to_owned(),
                stimulus: *stimulus,
                condition: (*condition).to_owned(),
                settings: settings.to_owned(),
                rating,
                mos_lqo,
            });
        }
    }
    ratings
}

/// Three listeners, four trials each (speech, music, speech, music).
fn crafted() -> Vec<Rating> {
    let mut ratings = listener(
        "ann",
        &[
            ("speech", [100.0, 60.0, 20.0, 80.0, 40.0]),
            ("music", [100.0, 70.0, 25.0, 85.0, 50.0]),
            ("speech", [95.0, 65.0, 30.0, 75.0, 45.0]),
            ("music", [100.0, 55.0, 15.0, 90.0, 55.0]),
        ],
    );
    // Bob misses the hidden reference once in four trials: 25 % > 15 %, excluded.
    ratings.extend(listener(
        "bob",
        &[
            ("speech", [100.0, 50.0, 10.0, 70.0, 30.0]),
            ("music", [85.0, 60.0, 20.0, 60.0, 40.0]),
            ("speech", [100.0, 55.0, 15.0, 80.0, 35.0]),
            ("music", [100.0, 65.0, 25.0, 70.0, 25.0]),
        ],
    ));
    // Cy's 90 for the reference is not below 90, nor the anchor's 90 above it: kept.
    ratings.extend(listener(
        "cy",
        &[
            ("speech", [100.0, 90.0, 20.0, 90.0, 50.0]),
            ("music", [100.0, 70.0, 30.0, 80.0, 60.0]),
            ("speech", [100.0, 60.0, 10.0, 85.0, 55.0]),
            ("music", [90.0, 80.0, 20.0, 95.0, 45.0]),
        ],
    ));
    ratings
}

fn close(value: f64, expected: f64) -> bool {
    (value - expected).abs() < 1e-4
}

#[test]
fn screening_excludes_the_listener_who_misses_the_reference_and_says_so() {
    let summary = Summary::of(&crafted()).unwrap();
    let verdicts: Vec<(&str, Verdict, usize, usize)> = summary
        .screenings
        .iter()
        .map(|s| (s.listener.as_str(), s.verdict, s.reference_missed.len(), s.anchor_transparent.len()))
        .collect();
    assert_eq!(verdicts, [("ann", Verdict::Kept, 0, 0), ("bob", Verdict::Excluded, 1, 0), ("cy", Verdict::Kept, 0, 0)]);
    assert_eq!(summary.screenings[1].reference_missed, [2]);
    assert!(summary.screenings[1].describe().contains("EXCLUDED"), "{}", summary.screenings[1].describe());
    // 3 listeners × 4 trials × 5 stimuli; bob's 20 left out of the pooled means.
    assert_eq!((summary.ratings, summary.pooled_ratings), (60, 40));
}

#[test]
fn pooled_means_and_intervals_match_the_hand_computed_ones() {
    let summary = Summary::of(&crafted()).unwrap();
    let names: Vec<&str> = summary.conditions.iter().map(|c| c.key.name()).collect();
    assert_eq!(names, ["Hidden reference", "Anchor 7 kHz", "Anchor 3.5 kHz", "A", "B"]);
    let pooled = |name: &str| summary.conditions.iter().find(|c| c.key.name() == name).unwrap().pooled.unwrap();
    // A over ann and cy: 80 85 75 90 90 80 85 95, sum 680, n 8, mean 85. Deviations −5 0 −10 5
    // 5 −5 0 10, squares sum 300, s² = 300/7 = 42.857, s = 6.5465, s/√8 = 2.31455;
    // t(0.975, 7) = 2.36462, so the half-width is 5.47302.
    let a = pooled("A");
    assert_eq!(a.count, 8);
    assert!(close(a.mean, 85.0) && close(a.standard_deviation.unwrap(), 6.546537), "{a:?}");
    assert!(close(a.half_width.unwrap(), 5.473020), "{a:?}");
    // B: 40 50 45 55 50 60 55 45, sum 400, mean 50; deviations −10 0 −5 5 0 10 5 −5, squares
    // 300 again: the same half-width.
    let b = pooled("B");
    assert!(close(b.mean, 50.0) && close(b.half_width.unwrap(), 5.473020), "{b:?}");
    // The hidden reference: 100 100 95 100 100 100 100 90, sum 785, mean 98.125; squares of
    // the deviations 6 × 1.875² + 3.125² + 8.125² = 21.09375 + 9.765625 + 66.015625 = 96.875,
    // s² = 13.8393, s = 3.72012, s/√8 = 1.31526, half-width 1.31526 × 2.36462 = 3.11010; the
    // upper end clipped to the scale's 100.
    let reference = pooled("Hidden reference");
    assert!(close(reference.mean, 98.125) && close(reference.half_width.unwrap(), 3.110101), "{reference:?}");
    assert!(close(reference.bounds().0, 95.014899) && reference.bounds().1 == 100.0);
}

#[test]
fn per_listener_and_per_excerpt_means_match_the_hand_computed_ones() {
    let summary = Summary::of(&crafted()).unwrap();
    let a = summary.conditions.iter().find(|c| c.key.name() == "A").unwrap();
    // Bob's own A, excluded from the pool but reported: 70 60 80 70, mean 70, s² = 200/3,
    // s = 8.16497, s/√4 = 4.08248, t(0.975, 3) = 3.18245: half-width 12.99227.
    let (name, bob) = &a.by_listener[1];
    assert_eq!(name, "bob");
    assert!(close(bob.mean, 70.0) && close(bob.half_width.unwrap(), 12.992268), "{bob:?}");
    // Per excerpt over ann and cy: speech 80 75 90 85 → 82.5, music 85 90 80 95 → 87.5.
    let excerpts: Vec<(&str, f64)> =
        a.by_excerpt.iter().map(|(name, interval)| (name.as_str(), interval.mean)).collect();
    assert_eq!(excerpts, [("music", 87.5), ("speech", 82.5)]);
    // The model's score, each excerpt once: (4.2 + 4.6) / 2 = 4.4 for A, (2.9 + 3.3) / 2 = 3.1 for B.
    assert!(close(a.mos_lqo.unwrap().mean, 4.4));
    let b = summary.conditions.iter().find(|c| c.key.name() == "B").unwrap();
    assert!(close(b.mos_lqo.unwrap().mean, 3.1));
    assert!(summary.conditions[0].mos_lqo.is_none(), "the reference has no model score");
}

#[test]
fn the_fifteen_percent_limit_is_strict() {
    // One miss in seven trials is 14.3 %: kept. One in six is 16.7 %: excluded. The anchor
    // above 90 counts the same way.
    let trial = |reference: f64, anchor: f64| ("speech", [reference, anchor, 20.0, 80.0, 40.0]);
    let mut seven = vec![trial(100.0, 60.0); 7];
    seven[3] = trial(80.0, 60.0);
    let mut six = vec![trial(100.0, 60.0); 6];
    six[0] = trial(100.0, 95.0);
    let mut ratings = listener("seven", &seven);
    ratings.extend(listener("six", &six));
    let summary = Summary::of(&ratings).unwrap();
    let verdict = |name: &str| summary.screenings.iter().find(|s| s.listener == name).unwrap().verdict;
    assert_eq!((verdict("seven"), verdict("six")), (Verdict::Kept, Verdict::Excluded));
}

#[test]
fn a_trial_without_its_reference_is_reported_unscreened_and_bad_ratings_are_refused() {
    let mut ratings = listener("dee", &[("speech", [100.0, 60.0, 20.0, 80.0, 40.0]); 2]);
    ratings.retain(|rating| !(rating.trial == 2 && rating.stimulus == Stimulus::HiddenReference));
    let summary = Summary::of(&ratings).unwrap();
    assert_eq!(summary.screenings[0].verdict, Verdict::Unscreened);
    assert_eq!(summary.screenings[0].incomplete, [2]);
    let twice = [ratings.clone(), ratings[..1].to_vec()].concat();
    assert!(matches!(Summary::of(&twice), Err(RatingError::Duplicate { trial: 1, .. })));
    let mut over = ratings.clone();
    over[0].rating = 101.0;
    assert!(matches!(Summary::of(&over), Err(RatingError::OutOfScale { .. })));
    over[0].rating = f64::NAN;
    assert!(matches!(Summary::of(&over), Err(RatingError::OutOfScale { .. })));
}
