//! Two pieces of work timed in alternation, for a benchmark's ratio of our code to its baseline.
//!
//! Criterion measures each in a window of its own, several seconds long, so a change of the
//! machine's speed between the windows (clock, a neighbour's load) falls on one side only. Timed
//! round after round, a slow drift falls on both sides of every round alike, and the median of
//! the rounds' ratios is steadier. `cargo xtask bench` holds its limits to that median.

use std::time::{Duration, Instant};

/// Where `cargo xtask bench` wants the ratios written, one folder per criterion group; unset when
/// a bench runs by itself, which then only prints them.
pub const PAIRED_DIR_VAR: &str = "ROUNDTRIP_BENCH_PAIRED_DIR";

/// The file in a group's folder that holds its median ratio.
pub const PAIRED_FILE: &str = "paired_ratio.txt";

/// Rounds timed before the ones that count: caches, branch predictors and the clock settle.
const WARM_UP_ROUNDS: usize = 5;

/// Rounds that count.
pub const ROUNDS: usize = 201;

/// The rounds' ratios of our time to the baseline's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedRatio {
    pub median: f64,
    pub lower_quartile: f64,
    pub upper_quartile: f64,
}

impl PairedRatio {
    /// The quartiles of `ratios` (at least one).
    fn of(mut ratios: Vec<f64>) -> Self {
        ratios.sort_by(f64::total_cmp);
        let quantile = |q: f64| ratios[((ratios.len() - 1) as f64 * q).round() as usize];
        Self { median: quantile(0.5), lower_quartile: quantile(0.25), upper_quartile: quantile(0.75) }
    }
}

/// Times `ours` and `baseline` in alternation, [`ROUNDS`] times after a warm-up. Which goes first
/// swaps each round, so that neither always finds the caches as the other left them.
pub fn time_in_alternation(mut ours: impl FnMut(), mut baseline: impl FnMut()) -> PairedRatio {
    let mut ratios = Vec::with_capacity(ROUNDS);
    for round in 0..WARM_UP_ROUNDS + ROUNDS {
        let (ours_time, baseline_time) = if round % 2 == 0 {
            let ours_time = timed(&mut ours);
            (ours_time, timed(&mut baseline))
        } else {
            let baseline_time = timed(&mut baseline);
            (timed(&mut ours), baseline_time)
        };
        if round >= WARM_UP_ROUNDS {
            ratios.push(ours_time.as_secs_f64() / baseline_time.as_secs_f64());
        }
    }
    PairedRatio::of(ratios)
}

/// How long `work` takes once.
fn timed(work: &mut impl FnMut()) -> Duration {
    let start = Instant::now();
    work();
    start.elapsed()
}

/// Whether criterion runs to measure: not to profile (`--profile-time`), nor once each as a test
/// (`cargo test --benches`), where the paired rounds would only cost time.
pub fn criterion_measures() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|arg| arg == "--bench") && !args.iter().any(|arg| arg.starts_with("--profile-time"))
}

/// Prints `ratio` for `group`, and writes its median where `cargo xtask bench` asked for it.
pub fn report(group: &str, ours: &str, baseline: &str, ratio: PairedRatio) {
    println!(
        "{group}: {ours} / {baseline}, timed in alternation: median {:.4} of {ROUNDS} rounds (quartiles {:.4} to {:.4})",
        ratio.median, ratio.lower_quartile, ratio.upper_quartile
    );
    let Some(dir) = std::env::var_os(PAIRED_DIR_VAR) else { return };
    let path = std::path::Path::new(&dir).join(group).join(PAIRED_FILE);
    let written = std::fs::create_dir_all(path.parent().unwrap_or(&path))
        .and_then(|()| std::fs::write(&path, format!("{}\n", ratio.median)));
    if let Err(error) = written {
        eprintln!("cannot write {}: {error}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_and_quartiles_are_read_from_the_sorted_ratios() {
        let ratio = PairedRatio::of(vec![5.0, 1.0, 4.0, 2.0, 3.0]);
        assert_eq!(ratio, PairedRatio { median: 3.0, lower_quartile: 2.0, upper_quartile: 4.0 });
    }
}
