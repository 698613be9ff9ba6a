//! A mean and its 95 % confidence interval, as BS.1534-3 reports each condition: the interval
//! from Student's t with n − 1 degrees of freedom, since a lab's listeners are few.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// The mean of some ratings and how far the 95 % confidence interval reaches each side of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// How many ratings.
    pub count: usize,
    pub mean: f64,
    /// The sample standard deviation (n − 1 in the denominator); `None` for one rating.
    pub standard_deviation: Option<f64>,
    /// t(0.975, n − 1) · s / √n; `None` for one rating, where no interval can be drawn.
    pub half_width: Option<f64>,
}

impl Interval {
    /// The interval of `values`, or `None` if there are none.
    pub fn of(values: &[f64]) -> Option<Interval> {
        let count = values.len();
        if count == 0 {
            return None;
        }
        let n = count as f64;
        let mean = values.iter().sum::<f64>() / n;
        if count == 1 {
            return Some(Interval { count, mean, standard_deviation: None, half_width: None });
        }
        let variance = values.iter().map(|value| (value - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let standard_deviation = variance.sqrt();
        let half_width = t_975(count - 1) * standard_deviation / n.sqrt();
        Some(Interval { count, mean, standard_deviation: Some(standard_deviation), half_width: Some(half_width) })
    }

    /// The interval's ends, clipped to the scale (a mean near 100 with a wide interval would
    /// otherwise reach past it).
    pub fn bounds(&self) -> (f64, f64) {
        let half = self.half_width.unwrap_or(0.0);
        ((self.mean - half).max(0.0), (self.mean + half).min(100.0))
    }
}

/// Student's t at 97.5 % with `degrees_of_freedom` (≥ 1): the two-sided 95 % critical value.
pub fn t_975(degrees_of_freedom: usize) -> f64 {
    let distribution = StudentsT::new(0.0, 1.0, degrees_of_freedom as f64)
        .expect("a t distribution with at least one degree of freedom exists");
    distribution.inverse_cdf(0.975)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_values_match_the_tables() {
        // Student's t tables, two-sided 95 %: 12.706 (1), 4.303 (2), 2.571 (5), 2.228 (10),
        // 2.042 (30), 1.984 (100).
        for (df, table) in [(1, 12.706), (2, 4.303), (5, 2.571), (10, 2.228), (30, 2.042), (100, 1.984)] {
            assert!((t_975(df) - table).abs() < 5e-4, "df {df}: {} against {table}", t_975(df));
        }
    }

    #[test]
    fn one_rating_has_a_mean_and_no_interval() {
        let one = Interval::of(&[70.0]).unwrap();
        assert_eq!((one.count, one.mean, one.half_width), (1, 70.0, None));
        assert_eq!(one.bounds(), (70.0, 70.0));
        assert!(Interval::of(&[]).is_none());
    }
}
