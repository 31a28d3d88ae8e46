//! What a fit predicts: the fitted scenario run over its whole horizon (the
//! posterior predictive), checked against the history month by month, and
//! the backtest (`--holdout K`: fitted to all but the last K months, the
//! forecast of those months set against what happened).
//!
//! The fitted scenario is exactly `fitted.toml` with the fit's `--set`
//! overrides, so the predictive runs are the ones `plgsim run fitted.toml`
//! gives: each run draws one row of the posterior sample and its own
//! process noise (signups, activations, conversions, churn are random in
//! every run), so the fan holds both what the history leaves unknown about
//! the inputs and the luck of a month.

use super::abc::Fit;
use super::history::History;
use crate::engine;
use crate::scenario::{Scenario, ScenarioError};
use crate::summary::Summary;

/// The percentiles of a predictive band: P5, P10, P50, P90, P95.
pub const BAND: [u32; 5] = [5, 10, 50, 90, 95];

/// One observed month of one metric, with what the runs predicted of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// 1-based.
    pub month: u32,
    pub actual: f64,
    /// P5, P10, P50, P90, P95 of the runs in that month ([`BAND`]).
    pub band: [f64; 5],
}

impl Cell {
    /// Outside the runs' P5-P95 (90% of them): a month the fitted model
    /// finds surprising.
    pub fn outside_90(&self) -> bool {
        self.actual < self.band[0] || self.actual > self.band[4]
    }

    /// Inside the runs' P10-P90 (80% of them).
    pub fn inside_80(&self) -> bool {
        self.actual >= self.band[1] && self.actual <= self.band[3]
    }

    /// The median's error relative to the actual, `(P50 - actual) /
    /// |actual|`; `None` when the actual is 0.
    pub fn error(&self) -> Option<f64> {
        (self.actual != 0.0).then(|| (self.band[2] - self.actual) / self.actual.abs())
    }
}

/// One observed metric: its predictive band over the whole horizon and its
/// observed months.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricCheck {
    /// The monthly column (`paid_accounts`).
    pub metric: String,
    /// `[month - 1]`: P5, P10, P50, P90, P95 of the runs ([`BAND`]).
    pub bands: Vec<[f64; 5]>,
    /// The observed months, in order.
    pub cells: Vec<Cell>,
}

/// The posterior predictive of a fit.
#[derive(Debug, Clone)]
pub struct Predictive {
    /// The fitted scenario (`fitted.toml` with the fit's overrides).
    pub scenario: Scenario,
    /// Its runs' summary, over its whole horizon.
    pub summary: Summary,
    /// One per observed metric, in the history's order.
    pub checks: Vec<MetricCheck>,
}

impl Predictive {
    /// Runs the fitted scenario `fitted` (the text of `fitted.toml`, read with
    /// `overrides`) on the current rayon pool and sets `history` against it.
    pub fn new(fitted: &str, base: &Scenario, history: &History) -> Result<Predictive, ScenarioError> {
        let scenario = Scenario::from_str("fitted.toml", fitted, base.overrides())?;
        let sim = engine::simulate(&scenario, &|| {});
        let summary = Summary::new(&scenario, &sim);
        let checks = history
            .metrics
            .iter()
            .enumerate()
            .map(|(i, metric)| {
                let bands: Vec<[f64; 5]> = summary
                    .series(metric)
                    .expect("a history's metrics are monthly columns of the scenario")
                    .into_iter()
                    .map(|s| BAND.map(|q| s.percentile(q).unwrap_or(0.0)))
                    .collect();
                let cells = history
                    .observed(i)
                    .map(|(month, actual)| Cell { month, actual, band: bands[month as usize - 1] })
                    .collect();
                MetricCheck { metric: metric.clone(), bands, cells }
            })
            .collect();
        Ok(Predictive { scenario, summary, checks })
    }

    /// Observed cells outside P5-P95, and all observed cells.
    pub fn outside_90(&self) -> (usize, usize) {
        let cells = self.checks.iter().flat_map(|c| &c.cells);
        (cells.clone().filter(|c| c.outside_90()).count(), cells.count())
    }
}

/// How the forecast of the held-out months fared, for one metric or all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Held-out values inside the forecast's P10-P90.
    pub inside_80: usize,
    /// Held-out values.
    pub cells: usize,
    /// The mean of |P50 - actual| / |actual| over the held-out values
    /// (those with a non-zero actual); `None` without one.
    pub median_error: Option<f64>,
    /// The mean of (P50 - actual) / |actual|: above 0, the forecast ran high.
    pub median_bias: Option<f64>,
}

impl Score {
    fn of<'a>(cells: impl Iterator<Item = &'a Cell> + Clone) -> Score {
        let errors: Vec<f64> = cells.clone().filter_map(Cell::error).collect();
        let mean =
            |xs: &mut dyn Iterator<Item = f64>| (!errors.is_empty()).then(|| xs.sum::<f64>() / errors.len() as f64);
        Score {
            inside_80: cells.clone().filter(|c| c.inside_80()).count(),
            cells: cells.count(),
            median_error: mean(&mut errors.iter().map(|e| e.abs())),
            median_bias: mean(&mut errors.iter().copied()),
        }
    }

    /// The share inside P10-P90 (80% expected of a calibrated forecast).
    pub fn coverage(&self) -> Option<f64> {
        (self.cells > 0).then(|| self.inside_80 as f64 / self.cells as f64)
    }
}

/// The backtest of `--holdout K`: the fit to the first `months - K` months,
/// its forecast of the last K.
#[derive(Debug, Clone)]
pub struct Backtest {
    /// Months held out (the last ones of the history).
    pub holdout: u32,
    /// The fit to the months before them.
    pub fit: Fit,
    /// That fit's predictive, checked against the whole history (the
    /// held-out months are the cells after `fit.months`).
    pub predictive: Predictive,
}

impl Backtest {
    /// The held-out cells of check `c`.
    fn held_out<'a>(&'a self, c: &'a MetricCheck) -> impl Iterator<Item = &'a Cell> + Clone + 'a {
        c.cells.iter().filter(move |cell| cell.month > self.fit.months)
    }

    /// Each observed metric's score over the held-out months (metrics
    /// without a held-out value are left out).
    pub fn by_metric(&self) -> Vec<(&str, Score)> {
        self.predictive
            .checks
            .iter()
            .map(|c| (c.metric.as_str(), Score::of(self.held_out(c))))
            .filter(|(_, s)| s.cells > 0)
            .collect()
    }

    /// The score over every held-out value.
    pub fn overall(&self) -> Score {
        Score::of(self.predictive.checks.iter().flat_map(|c| self.held_out(c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(actual: f64) -> Cell {
        Cell { month: 1, actual, band: [80.0, 90.0, 100.0, 110.0, 120.0] }
    }

    #[test]
    fn a_cell_is_inside_or_outside_its_bands_at_their_edges() {
        assert!(cell(90.0).inside_80() && cell(110.0).inside_80() && !cell(89.9).inside_80());
        assert!(!cell(80.0).outside_90() && !cell(120.0).outside_90());
        assert!(cell(79.9).outside_90() && cell(120.1).outside_90());
        assert_eq!(cell(80.0).error(), Some(0.25));
        assert_eq!(cell(0.0).error(), None);
    }

    #[test]
    fn a_score_counts_coverage_and_averages_the_median_error() {
        let cells = [cell(100.0), cell(125.0), cell(80.0), cell(0.0)];
        let s = Score::of(cells.iter());
        assert_eq!((s.inside_80, s.cells), (1, 4));
        assert_eq!(s.coverage(), Some(0.25));
        // Errors 0, -0.2, +0.25 (the zero actual has none).
        assert!((s.median_error.unwrap() - 0.15).abs() < 1e-12);
        assert!((s.median_bias.unwrap() - 0.05 / 3.0).abs() < 1e-12);
        assert_eq!(Score::of([].iter()).coverage(), None);
    }
}
