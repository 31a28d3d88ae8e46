//! Statistics across runs.
//!
//! Percentiles are exact (every run's value is kept and sorted) and use
//! linear interpolation between order statistics: for sorted values
//! `x[0..n]` the q-th percentile is `x[i] + f (x[i+1] - x[i])` with
//! `h = (n - 1) q / 100`, `i = floor(h)`, `f = h - i`. This is Hyndman &
//! Fan's definition 7, the default of R's `quantile`, NumPy and pandas, and
//! Excel's `PERCENTILE.INC`, so an analyst can reproduce every figure from
//! `runs.csv`.
//!
//! A figure undefined in a run (`None`, e.g. CAC with no new customers) is
//! left out: the mean and percentiles are over the runs where it is defined,
//! and `defined_runs` says how many those are. With none, every statistic is
//! `None` (null in JSON, empty in CSV).

/// The percentiles reported everywhere, in this order.
pub const PERCENTILES: [u32; 7] = [5, 10, 25, 50, 75, 90, 95];

/// Mean and percentiles of one figure across runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Stat {
    pub mean: Option<f64>,
    /// Matching [`PERCENTILES`].
    pub p: [Option<f64>; 7],
    pub defined_runs: usize,
}

impl Stat {
    pub fn of(values: impl IntoIterator<Item = Option<f64>>) -> Stat {
        let mut xs: Vec<f64> = values.into_iter().flatten().filter(|x| x.is_finite()).collect();
        // Values `total_cmp` calls equal have the same bits, so an unstable
        // sort gives the same sequence as a stable one, faster.
        xs.sort_unstable_by(f64::total_cmp);
        let n = xs.len();
        if n == 0 {
            return Stat { mean: None, p: [None; 7], defined_runs: 0 };
        }
        // Kahan-free but order-fixed: the sum runs over sorted values.
        let mean = xs.iter().sum::<f64>() / n as f64;
        let mut p = [None; 7];
        for (slot, q) in p.iter_mut().zip(PERCENTILES) {
            *slot = Some(percentile_sorted(&xs, q as f64));
        }
        Stat { mean: Some(mean), p, defined_runs: n }
    }

    /// The q-th percentile, if q is one of [`PERCENTILES`].
    pub fn percentile(&self, q: u32) -> Option<f64> {
        PERCENTILES.iter().position(|&x| x == q).and_then(|i| self.p[i])
    }

    pub fn p10(&self) -> Option<f64> {
        self.p[1]
    }
    pub fn p50(&self) -> Option<f64> {
        self.p[3]
    }
    pub fn p90(&self) -> Option<f64> {
        self.p[5]
    }
}

/// Percentile `q` (0..=100) of sorted, finite values, by linear interpolation
/// (Hyndman & Fan definition 7).
pub fn percentile_sorted(xs: &[f64], q: f64) -> f64 {
    assert!(!xs.is_empty());
    let h = (xs.len() - 1) as f64 * q / 100.0;
    let i = h.floor() as usize;
    let f = h - i as f64;
    if i + 1 < xs.len() { xs[i] + f * (xs[i + 1] - xs[i]) } else { xs[i] }
}

/// The Wilson score interval of a proportion `p` observed over `n` trials,
/// at `z` standard errors (1.96 for 95%; Wilson 1927). Unlike p ± z se it
/// stays within [0, 1] and is not empty at p = 0 or 1.
pub fn wilson_interval(p: f64, n: f64, z: f64) -> (f64, f64) {
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Sample mean and standard error of the mean.
pub fn mean_and_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, (var / n).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpy_linear_percentiles() {
        // numpy.percentile([1, 2, 3, 4, 10], [5, 10, 25, 50, 75, 90, 95])
        // -> [1.2, 1.4, 2.0, 3.0, 4.0, 7.6, 8.8]
        let s = Stat::of([4.0, 1.0, 10.0, 3.0, 2.0].map(Some));
        let want = [1.2, 1.4, 2.0, 3.0, 4.0, 7.6, 8.8];
        for (got, want) in s.p.iter().zip(want) {
            assert!((got.unwrap() - want).abs() < 1e-12, "{got:?} vs {want}");
        }
        assert_eq!(s.mean, Some(4.0));
    }

    #[test]
    fn undefined_values_are_left_out() {
        let s = Stat::of([Some(1.0), None, Some(3.0)]);
        assert_eq!((s.defined_runs, s.mean, s.p50()), (2, Some(2.0), Some(2.0)));
        let none = Stat::of([None, None]);
        assert_eq!((none.defined_runs, none.mean, none.p50()), (0, None, None));
    }

    #[test]
    fn one_value_is_every_percentile() {
        let s = Stat::of([Some(5.0)]);
        assert!(s.p.iter().all(|p| *p == Some(5.0)));
    }
}
