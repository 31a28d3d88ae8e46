//! Rejection ABC: the uncertain inputs of a scenario learned from a
//! history. Draws from the scenario's own distributions (the prior) are
//! simulated over the history's months, each draw one run; the draws whose
//! runs come closest to the history are kept as the posterior sample
//! (Pritchard et al. 1999; Beaumont, Zhang & Balding 2002, without the
//! regression adjustment).
//!
//! Distance: one summary per observed metric, a flow's total over the
//! observed months and a stock's mean over them (a few summaries, not every
//! month: rejection ABC degrades fast with the number of summaries, and for
//! inputs that are constant over the history the totals carry most of what
//! the months say). Each summary is scaled by the spread of the
//! prior-predictive runs (the median absolute deviation, times 1.4826 to
//! read as a standard deviation; at least 1e-9 and 0.1% of the observed
//! value), and a run's distance is the root mean square of its scaled
//! residuals. The kept share sets the tolerance: keeping more is
//! wider and safer. Rejection ABC's posterior is wider than the exact one
//! by the tolerance, never narrower: it errs towards false doubt, not
//! false confidence.

use rayon::prelude::*;

use super::history::History;
use crate::engine;
use crate::scenario::{Override, Scenario, ScenarioError};

/// The method, as `summary.json` names it.
pub const METHOD: &str = "rejection ABC with regression adjustment (Beaumont, Zhang & Balding 2002): prior draws simulated over the history, the closest kept, each input moved along its weighted linear regression on the summaries";

/// How a fit is run.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Prior draws simulated.
    pub draws: u32,
    /// Share of the draws kept, the closest ones.
    pub keep: f64,
    /// The keys fitted (empty: every uncertain input).
    pub keys: Vec<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options { draws: 2000, keep: 0.1, keys: Vec::new() }
    }
}

/// What a fit learned.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The fitted keys, in the scenario's order.
    pub keys: Vec<String>,
    /// `[draw][key]`: every prior draw.
    pub prior: Vec<Vec<f64>>,
    /// Each draw's distance to the history.
    pub distance: Vec<f64>,
    /// Indices of the kept draws, closest first.
    pub kept: Vec<usize>,
    /// The largest kept distance.
    pub tolerance: f64,
    /// `[kept draw][key]`: the kept values after the regression adjustment:
    /// the posterior sample.
    pub adjusted: Vec<Vec<f64>>,
    /// The history's months.
    pub months: u32,
}

impl Fit {
    /// The values of key `k` among the prior draws and in the posterior
    /// sample (the adjusted kept draws).
    pub fn column(&self, k: usize) -> (Vec<f64>, Vec<f64>) {
        (self.prior.iter().map(|r| r[k]).collect(), self.adjusted.iter().map(|r| r[k]).collect())
    }
}

/// Why a fit cannot run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FitError {
    #[error(
        "nothing uncertain to fit: give the inputs to learn a distribution in the scenario (e.g. paid.churn_per_month = [0.02, 0.05])"
    )]
    NothingUncertain,
    #[error("--fit {0}: not an uncertain input of the scenario (uncertain: {1})")]
    NotUncertain(String, String),
    #[error("the history has no observed value")]
    NothingObserved,
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
}

/// Fits `scenario`'s uncertain inputs to `history`.
pub fn run(scenario: &Scenario, history: &History, options: &Options) -> Result<Fit, FitError> {
    let uncertain: Vec<String> = scenario.uncertain_params().map(|(_, p)| p.key.clone()).collect();
    if uncertain.is_empty() {
        return Err(FitError::NothingUncertain);
    }
    for k in &options.keys {
        if !uncertain.contains(k) {
            return Err(FitError::NotUncertain(k.clone(), uncertain.join(", ")));
        }
    }
    let keys: Vec<String> =
        uncertain.into_iter().filter(|k| options.keys.is_empty() || options.keys.contains(k)).collect();
    // The history's months, one run per draw.
    let set = [("scenario.months", history.months.to_string()), ("scenario.runs", options.draws.to_string())];
    let over: Vec<Override> =
        set.iter().map(|(k, v)| Override { key: k.to_string(), value: v.clone(), origin: None }).collect();
    let s = scenario.with_overrides(&over)?;
    let sim = engine::simulate(&s, &|| {});
    let ids: Vec<usize> = keys.iter().map(|k| s.param_by_key(k).expect("an uncertain key").0).collect();
    let prior: Vec<Vec<f64>> = sim.runs().iter().map(|r| ids.iter().map(|&i| r.params()[i]).collect()).collect();

    // One summary per observed metric: a flow's total over the observed
    // months, a stock's mean over them (a month left empty counts in
    // neither, for the history and for every run alike).
    let names = sim.monthly_names();
    let summaries: Vec<(usize, Vec<usize>, f64)> = history
        .metrics
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let col = names.iter().position(|n| n == name).expect("checked against the scenario");
            let obs: Vec<(u32, f64)> = history.observed(i).collect();
            if obs.is_empty() {
                return None;
            }
            let months: Vec<usize> = obs.iter().map(|(m, _)| *m as usize - 1).collect();
            let total: f64 = obs.iter().map(|(_, y)| y).sum();
            let y = if flow(name) { total } else { total / obs.len() as f64 };
            Some((col, months, y))
        })
        .collect();
    if summaries.is_empty() {
        return Err(FitError::NothingObserved);
    }
    let runs = sim.runs();
    let summary = |r: &engine::RunRecord, (col, months, _): &(usize, Vec<usize>, f64), is_flow: bool| {
        let total: f64 = months.iter().map(|&t| r.month_row(t)[*col]).sum();
        if is_flow { total } else { total / months.len() as f64 }
    };
    let is_flow: Vec<bool> = summaries.iter().map(|(col, _, _)| flow(&names[*col])).collect();
    let scale: Vec<f64> = summaries
        .par_iter()
        .zip(&is_flow)
        .map(|(sm, &f)| {
            let mut xs: Vec<f64> = runs.iter().map(|r| summary(r, sm, f)).collect();
            let med = median(&mut xs);
            let mut dev: Vec<f64> = xs.iter().map(|x| (x - med).abs()).collect();
            (1.4826 * median(&mut dev)).max(1e-3 * sm.2.abs()).max(1e-9)
        })
        .collect();
    let distance: Vec<f64> = runs
        .par_iter()
        .map(|r| {
            let ss: f64 = summaries
                .iter()
                .zip(&scale)
                .zip(&is_flow)
                .map(|((sm, s), &f)| {
                    let z = (summary(r, sm, f) - sm.2) / s;
                    z * z
                })
                .sum();
            libm::sqrt(ss / summaries.len() as f64)
        })
        .collect();
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| distance[a].total_cmp(&distance[b]).then(a.cmp(&b)));
    let n_keep = ((options.keep * runs.len() as f64).round() as usize).clamp(1, runs.len());
    let kept: Vec<usize> = order[..n_keep].to_vec();
    let tolerance = distance[kept[n_keep - 1]];

    // Regression adjustment (Beaumont, Zhang & Balding 2002): among the
    // kept draws, each input regressed on the scaled summaries' residuals
    // by least squares weighted with the Epanechnikov kernel of the
    // distance; each kept value moved along the fitted slope to where the
    // summaries equal the history's. Kept inside the prior draws' range.
    let z: Vec<Vec<f64>> = kept
        .iter()
        .map(|&i| {
            summaries
                .iter()
                .zip(&scale)
                .zip(&is_flow)
                .map(|((sm, s), &f)| (summary(&runs[i], sm, f) - sm.2) / s)
                .collect()
        })
        .collect();
    let w: Vec<f64> = kept
        .iter()
        .map(|&i| {
            if tolerance > 0.0 {
                1.0 - {
                    let u = distance[i] / tolerance;
                    u * u
                }
            } else {
                1.0
            }
        })
        .collect();
    let mut adjusted: Vec<Vec<f64>> = kept.iter().map(|&i| prior[i].clone()).collect();
    for k in 0..keys.len() {
        let theta: Vec<f64> = kept.iter().map(|&i| prior[i][k]).collect();
        let Some(beta) = weighted_slopes(&z, &theta, &w) else { continue };
        let (lo, hi) =
            prior.iter().map(|r| r[k]).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
        for (row, zi) in adjusted.iter_mut().zip(&z) {
            let shift: f64 = beta.iter().zip(zi).map(|(b, x)| b * x).sum();
            row[k] = (row[k] - shift).clamp(lo, hi);
        }
    }
    Ok(Fit { keys, prior, distance, kept, tolerance, adjusted, months: history.months })
}

/// The slopes of `y` on the columns of `x` (with an intercept), by least
/// squares weighted by `w`; `None` when the system is singular or there are
/// too few points.
fn weighted_slopes(x: &[Vec<f64>], y: &[f64], w: &[f64]) -> Option<Vec<f64>> {
    let d = x.first()?.len();
    let n = d + 1;
    if x.len() <= n + 1 {
        return None;
    }
    // Normal equations A b = c over [1, x...].
    let mut a = vec![vec![0.0; n]; n];
    let mut c = vec![0.0; n];
    for ((xi, yi), wi) in x.iter().zip(y).zip(w) {
        let row: Vec<f64> = std::iter::once(1.0).chain(xi.iter().copied()).collect();
        for p in 0..n {
            c[p] += wi * row[p] * yi;
            for q in 0..n {
                a[p][q] += wi * row[p] * row[q];
            }
        }
    }
    // Gaussian elimination with partial pivoting.
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        c.swap(col, pivot);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (r, row) in rest.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            c[col + 1 + r] -= f * c[col];
        }
    }
    let mut b = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|q| a[r][q] * b[q]).sum();
        b[r] = (c[r] - s) / a[r][r];
    }
    Some(b[1..].to_vec())
}

/// Whether the monthly column `name` is a flow (summed over months).
fn flow(name: &str) -> bool {
    crate::metrics::monthly_kind(name) == crate::metrics::Kind::Flow
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_unstable_by(f64::total_cmp);
    crate::stats::percentile_sorted(xs, 50.0)
}
