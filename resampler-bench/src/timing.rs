//! Several pieces of work timed in rotation, as `test_support::paired_timing` times two: each
//! round runs every piece once, starting one further along each round, so that a drift in the
//! machine's speed falls on all of them alike and none always finds the caches as another left
//! them. The medians of the rounds are what the tables print.

use std::time::{Duration, Instant};

/// Rounds run before the ones that count.
const WARM_UP_ROUNDS: usize = 5;

/// Each piece's median time, and its median ratio to the first piece's time in the same round.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timed {
    pub median: Duration,
    pub median_ratio_to_first: f64,
}

/// Times every piece in `work` over `rounds` rounds after a warm-up.
pub fn time_in_rotation(work: &mut [&mut dyn FnMut()], rounds: usize) -> Vec<Timed> {
    let count = work.len();
    let mut times = vec![Vec::with_capacity(rounds); count];
    for round in 0..WARM_UP_ROUNDS + rounds {
        let mut this_round = vec![Duration::ZERO; count];
        for step in 0..count {
            let index = (round + step) % count;
            let start = Instant::now();
            work[index]();
            this_round[index] = start.elapsed();
        }
        if round >= WARM_UP_ROUNDS {
            for (piece, time) in times.iter_mut().zip(this_round) {
                piece.push(time);
            }
        }
    }
    let ratios: Vec<Vec<f64>> = times
        .iter()
        .map(|piece| {
            piece.iter().zip(&times[0]).map(|(ours, first)| ours.as_secs_f64() / first.as_secs_f64()).collect()
        })
        .collect();
    times
        .into_iter()
        .zip(ratios)
        .map(|(piece, ratios)| Timed { median: median(piece), median_ratio_to_first: median(ratios) })
        .collect()
}

fn median<T: PartialOrd + Copy>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}
