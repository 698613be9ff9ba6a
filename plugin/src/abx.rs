//! The blind ABX test: two sources (Dry and A, A and B, or Dry and B) called A and B for the
//! test, and in each trial an X drawn at random from the two; the listener plays A, B and X as
//! often as they like, says which one X is, and at the end reads the score and the chance of
//! scoring that well by guessing (the one-sided binomial p-value).
//!
//! Blindness: the test's state lives in the editor alone (never a parameter, never saved), and
//! what plays reaches the audio thread through [`crate::blind_monitor`], which the test owns.
//! Nothing the test shows during a trial depends on X, and the running score stays hidden until
//! the end (it would tell whether earlier answers were right, and so what X was).

use std::fmt::Write as _;

use roundtrip_engine::{Choice, Listen};

/// The number of trials a test starts with.
pub const DEFAULT_TRIALS: usize = 16;

/// The fewest and most trials a test may have.
pub const TRIALS_RANGE: (usize, usize) = (4, 64);

/// The two sources a test compares, in the order the test calls them A and B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pair {
    DryA,
    AB,
    DryB,
}

impl Pair {
    /// Every pair, in the order the editor offers them.
    pub const ALL: [Self; 3] = [Self::DryA, Self::AB, Self::DryB];

    /// The sources the test calls A and B.
    pub fn sources(self) -> [Listen; 2] {
        match self {
            Self::DryA => [Listen::Dry, Listen::A],
            Self::AB => [Listen::A, Listen::B],
            Self::DryB => [Listen::Dry, Listen::B],
        }
    }

    /// "Dry vs A", …
    pub fn label(self) -> String {
        let [first, second] = self.sources();
        format!("{} vs {}", first.label(), second.label())
    }

    /// Whether the pair needs slot B running.
    pub fn needs_b(self) -> bool {
        self.sources().contains(&Listen::B)
    }
}

/// What the listener can play in a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    A,
    B,
    X,
}

/// One trial: which source X was, what the listener answered, and how often each was played.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Trial {
    x_is_b: bool,
    answered_b: Option<bool>,
    plays: [u32; 3],
}

/// A test in progress or finished.
#[derive(Debug, Clone)]
pub struct AbxTest {
    pair: Pair,
    trials: Vec<Trial>,
    /// The trial being answered (`trials.len()` once all are).
    current: usize,
    /// What plays now.
    playing: Button,
}

impl AbxTest {
    /// A test of `pair` over `count` trials (within [`TRIALS_RANGE`]), each X drawn from
    /// `random_bit` (true: X is the test's B).
    pub fn new(pair: Pair, count: usize, mut random_bit: impl FnMut() -> bool) -> Self {
        let count = count.clamp(TRIALS_RANGE.0, TRIALS_RANGE.1);
        let trials = (0..count).map(|_| Trial { x_is_b: random_bit(), answered_b: None, plays: [0; 3] }).collect();
        Self { pair, trials, current: 0, playing: Button::X }
    }

    /// The pair under test.
    pub fn pair(&self) -> Pair {
        self.pair
    }

    /// The number of trials.
    pub fn len(&self) -> usize {
        self.trials.len()
    }

    /// Never: a test has at least [`TRIALS_RANGE`]'s lower bound of trials.
    pub fn is_empty(&self) -> bool {
        self.trials.is_empty()
    }

    /// The trial being answered, from 1, while the test runs.
    pub fn trial_number(&self) -> Option<usize> {
        (!self.is_finished()).then_some(self.current + 1)
    }

    /// Whether every trial is answered.
    pub fn is_finished(&self) -> bool {
        self.current == self.trials.len()
    }

    /// What plays now: X when a trial starts, then the listener's last choice.
    pub fn playing(&self) -> Button {
        self.playing
    }

    /// Plays `choice`; returns the source that must play now. After the last answer the test's
    /// B or A plays, as chosen: X has no meaning any more.
    pub fn play(&mut self, choice: Button) -> Listen {
        self.playing = choice;
        if let Some(trial) = self.trials.get_mut(self.current) {
            trial.plays[choice as usize] += 1;
        }
        self.source_of(choice)
    }

    /// The source `choice` stands for in the current trial.
    pub fn source_of(&self, choice: Button) -> Listen {
        let [a, b] = self.pair.sources();
        let x_is_b = self.trials.get(self.current).is_some_and(|trial| trial.x_is_b);
        match choice {
            Button::A => a,
            Button::B => b,
            Button::X if x_is_b => b,
            Button::X => a,
        }
    }

    /// Answers the current trial ("X is B" if `b`) and moves to the next, which starts on X
    /// (not counted as a play: the listener did not choose it); returns the source that must
    /// play now. After the last, A plays.
    pub fn answer(&mut self, b: bool) -> Listen {
        if let Some(trial) = self.trials.get_mut(self.current) {
            trial.answered_b = Some(b);
            self.current += 1;
        }
        self.playing = if self.is_finished() { Button::A } else { Button::X };
        self.source_of(self.playing)
    }

    /// Right answers and answers so far. Only for the end: shown earlier, it would tell what
    /// earlier Xs were.
    pub fn score(&self) -> (usize, usize) {
        let answered = self.trials.iter().filter(|trial| trial.answered_b.is_some()).count();
        let right = self.trials.iter().filter(|trial| trial.answered_b == Some(trial.x_is_b)).count();
        (right, answered)
    }

    /// The chance of at least this score by guessing, once finished.
    pub fn p_value(&self) -> Option<f64> {
        let (right, answered) = self.score();
        self.is_finished().then(|| binomial_tail(right, answered))
    }

    /// The log: one line per trial (X, the answer, right or wrong, the plays of A, B and X),
    /// then the score and p-value. Only complete once finished; before, it tells nothing of X.
    pub fn log(&self) -> String {
        let [a, b] = self.pair.sources();
        let name = |is_b: bool| if is_b { "B" } else { "A" };
        let mut log = format!("ABX test: {} (A = {}, B = {})\n", self.pair.label(), a.label(), b.label());
        let _ = writeln!(log, "trial\tX\tanswer\tright\tplays A\tplays B\tplays X");
        for (index, trial) in self.trials.iter().enumerate().filter(|_| self.is_finished()) {
            let answer = trial.answered_b.map_or("-", name);
            let right = if trial.answered_b == Some(trial.x_is_b) { "yes" } else { "no" };
            let [pa, pb, px] = trial.plays;
            let _ = writeln!(log, "{}\t{}\t{answer}\t{right}\t{pa}\t{pb}\t{px}", index + 1, name(trial.x_is_b));
        }
        if let Some(p) = self.p_value() {
            let (right, answered) = self.score();
            let _ = writeln!(log, "score: {right} of {answered}, p = {} ({})", format_p(p), verdict(p));
        }
        log
    }
}

/// A p-value to four significant figures: 0.03841 (12 of 16), 0.002090 (14 of 16), 1.526e-5
/// (16 of 16).
pub fn format_p(p: f64) -> String {
    if p >= 0.001 {
        // Decimals for four significant figures: 3 below the first digit's place.
        let decimals = (3 - p.log10().floor() as i32).max(0) as usize;
        format!("{p:.decimals$}")
    } else {
        format!("{p:.3e}")
    }
}

/// What a p-value says, in words.
pub fn verdict(p: f64) -> &'static str {
    if p < 0.01 {
        "you can hear it"
    } else if p < 0.05 {
        "probably audible"
    } else {
        "not shown to be audible: as good as guessing"
    }
}

/// The one-sided binomial tail: the chance of `right` or more right answers out of `trials`
/// by guessing (each right with probability ½), in f64: exact up to 53 trials (every
/// coefficient below 2⁵³), within a relative 10⁻¹⁴ at 64.
pub fn binomial_tail(right: usize, trials: usize) -> f64 {
    if right == 0 {
        return 1.0;
    }
    if right > trials {
        return 0.0;
    }
    // C(n, k) from C(n, k − 1), from k = 0 up; summed from `right`.
    let mut coefficient = 1.0f64;
    let mut tail = 0.0;
    for k in 0..=trials {
        if k > 0 {
            coefficient = coefficient * (trials + 1 - k) as f64 / k as f64;
        }
        if k >= right {
            tail += coefficient;
        }
    }
    tail / 2f64.powi(trials as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// C(n, k) counted exactly, by Pascal's triangle in integers.
    fn pascal_row(n: usize) -> Vec<u128> {
        let mut row = vec![1u128];
        for _ in 0..n {
            let mut next = vec![1u128; row.len() + 1];
            for k in 1..row.len() {
                next[k] = row[k - 1] + row[k];
            }
            row = next;
        }
        row
    }

    #[test]
    fn the_p_value_is_the_binomial_tail_for_every_score_of_16_trials() {
        let row = pascal_row(16);
        for right in 0..=16 {
            let exact = row[right..].iter().sum::<u128>() as f64 / 65_536.0;
            assert_eq!(binomial_tail(right, 16), exact, "{right} of 16");
        }
        // The figures people quote: 12 of 16 is p ≈ 0.038, 14 of 16 is p ≈ 0.0021.
        assert!((binomial_tail(12, 16) - 0.0384).abs() < 1e-4);
        assert!((binomial_tail(14, 16) - 0.0021).abs() < 1e-4);
        let row = pascal_row(64);
        for right in 0..=64 {
            let exact = row[right..].iter().sum::<u128>() as f64 / 2f64.powi(64);
            let error = (binomial_tail(right, 64) - exact).abs() / exact;
            assert!(error < 1e-14, "{right} of 64: relative error {error}");
        }
    }

    #[test]
    fn a_test_plays_what_each_choice_stands_for_and_scores_at_the_end() {
        let draws = [true, false, true, true];
        let mut next = draws.iter().copied();
        let mut test = AbxTest::new(Pair::AB, 4, || next.next().unwrap());
        assert_eq!(test.play(Button::A), Listen::A);
        assert_eq!(test.play(Button::B), Listen::B);
        assert_eq!(test.play(Button::X), Listen::B, "trial 1's X is B");
        // Answers: right, wrong, right, right.
        for answer in [true, true, true, true] {
            assert!(!test.is_finished());
            test.answer(answer);
        }
        assert!(test.is_finished());
        assert_eq!(test.score(), (3, 4));
        assert_eq!(test.p_value(), Some(5.0 / 16.0));
        let log = test.log();
        assert!(log.contains("1\tB\tB\tyes\t1\t1\t1"), "{log}");
        // Trial 2 started on X by itself: no plays counted.
        assert!(log.contains("2\tA\tB\tno\t0\t0\t0"), "{log}");
        assert!(log.contains("score: 3 of 4, p = 0.3125"), "{log}");
        assert_eq!(format_p(binomial_tail(16, 16)), "1.526e-5");
        assert_eq!(format_p(binomial_tail(12, 16)), "0.03841");
        assert_eq!(format_p(binomial_tail(14, 16)), "0.002090");
        assert_eq!(format_p(1.0), "1.000");
    }

    #[test]
    fn before_the_end_nothing_the_test_tells_depends_on_x() {
        let run = |x_is_b: bool| {
            let mut test = AbxTest::new(Pair::DryA, 16, || x_is_b);
            let mut told = Vec::new();
            for answer in [true, false, true] {
                test.play(Button::A);
                test.play(Button::X);
                test.answer(answer);
                told.push((test.trial_number(), test.log(), test.p_value(), test.playing(), test.is_finished()));
            }
            told
        };
        assert_eq!(run(true), run(false));
    }
}
