//! `plgsim sensitivity`: which uncertain input moves an output most.
//!
//! Two measures for every uncertain parameter:
//!
//! - **tornado swing**: the output's mean over the runs with that parameter
//!   at its P10, then at its P90, every other uncertain parameter held at
//!   its median (one-at-a-time; all variants share the seed, so process
//!   noise is the same draws in each and cancels in the difference);
//! - **rank correlation**: Spearman's rho between the parameter's sampled
//!   values and the output across the runs of the scenario as written (all
//!   inputs varying together).
//!
//! A parameter's P10, P50 and P90 are the percentiles (Hyndman-Fan 7) of
//! 20,001 draws from its own distribution, from a stream keyed by the
//! scenario seed and its key path, so they are reproducible.

use crate::engine;
use crate::metrics::Horizon;
use crate::rng;
use crate::scenario::param::fmt_num;
use crate::scenario::{Override, Scenario, ScenarioError};
use crate::stats::{Stat, percentile_sorted};

/// One uncertain parameter's influence.
#[derive(Debug, Clone)]
pub struct Row {
    pub key: String,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    /// Mean output with the parameter at its P10 / P90 (others at medians).
    pub output_at_p10: Option<f64>,
    pub output_at_p90: Option<f64>,
    /// |output_at_p90 - output_at_p10|.
    pub swing: f64,
    /// Spearman's rho between the sampled values and the output across runs.
    pub rank_correlation: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Sensitivity {
    pub scenario: String,
    pub metric: Horizon,
    pub runs: u32,
    pub seed: u64,
    /// Mean output with every uncertain parameter at its median.
    pub base_output: Option<f64>,
    /// Sorted by swing, largest first.
    pub rows: Vec<Row>,
}

/// Draws used to find a parameter's percentiles.
const QUANTILE_DRAWS: usize = 20_001;

/// P10, P50, P90 of a parameter's distribution.
pub fn percentiles(scenario: &Scenario, key: &str) -> Option<(f64, f64, f64)> {
    let spec = scenario.param(scenario.param_by_key(key)?);
    let mut r = rng::param_rng(scenario.seed, u64::MAX, &format!("sensitivity:{key}"));
    let mut xs: Vec<f64> = (0..QUANTILE_DRAWS).map(|_| spec.dist.sample(spec.domain, &mut r).min(spec.max)).collect();
    xs.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let x = percentile_sorted(&xs, p);
        if spec.integer { x.round() } else { x }
    };
    Some((q(10.0), q(50.0), q(90.0)))
}

/// Ranks (1-based, ties averaged).
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation: Pearson's correlation of the ranks.
pub fn spearman(xs: &[f64], ys: &[f64]) -> Option<f64> {
    let (rx, ry) = (ranks(xs), ranks(ys));
    let n = rx.len() as f64;
    if n < 3.0 {
        return None;
    }
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in rx.iter().zip(&ry) {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    crate::metrics::ratio(sxy, (sxx * syy).sqrt())
}

/// Runs the analysis of `scenario` for `metric`; each variant is the
/// scenario with overrides ([`Scenario::with_overrides`]).
pub fn run(scenario: &Scenario, metric: Horizon, on_variant: &(dyn Fn() + Sync)) -> Result<Sensitivity, ScenarioError> {
    let uncertain: Vec<String> = scenario.uncertain_params().map(|(_, p)| p.key.clone()).collect();
    let quantiles: Vec<(f64, f64, f64)> =
        uncertain.iter().map(|k| percentiles(scenario, k).expect("a registered key")).collect();
    let set = |key: &str, x: f64| Override { key: key.to_string(), value: fmt_num(x) };
    let medians: Vec<Override> = uncertain.iter().zip(&quantiles).map(|(k, q)| set(k, q.1)).collect();
    let mean_with = |extra: &[Override]| -> Result<Option<f64>, ScenarioError> {
        let s = scenario.with_overrides(&[&medians[..], extra].concat())?;
        let sim = engine::simulate(&s, &|| {});
        on_variant();
        Ok(Stat::of(sim.runs.iter().map(|r| r.horizon(metric))).mean)
    };
    let base_output = mean_with(&[])?;

    // The scenario as written, for the rank correlations.
    let sim = engine::simulate(scenario, &|| {});
    on_variant();
    let ids: Vec<_> = scenario.uncertain_params().map(|(id, _)| id).collect();
    let defined: Vec<usize> = (0..sim.runs.len()).filter(|&r| sim.runs[r].horizon(metric).is_some()).collect();
    let outputs: Vec<f64> = defined.iter().map(|&r| sim.runs[r].horizon(metric).unwrap()).collect();

    let mut rows = Vec::with_capacity(uncertain.len());
    for (i, key) in uncertain.iter().enumerate() {
        let (p10, p50, p90) = quantiles[i];
        let low = mean_with(&[set(key, p10)])?;
        let high = mean_with(&[set(key, p90)])?;
        let sampled: Vec<f64> = defined.iter().map(|&r| sim.runs[r].params[ids[i].0]).collect();
        rows.push(Row {
            key: key.clone(),
            p10,
            p50,
            p90,
            output_at_p10: low,
            output_at_p90: high,
            swing: match (low, high) {
                (Some(l), Some(h)) => (h - l).abs(),
                _ => 0.0,
            },
            rank_correlation: spearman(&sampled, &outputs),
        });
    }
    rows.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.key.cmp(&b.key)));
    Ok(Sensitivity {
        scenario: scenario.name.clone(),
        metric,
        runs: scenario.runs,
        seed: scenario.seed,
        base_output,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_of_monotone_data_is_one() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [10.0, 20.0, 25.0, 100.0, 101.0];
        assert!((spearman(&x, &y).unwrap() - 1.0).abs() < 1e-12);
        let z: Vec<f64> = y.iter().map(|v| -v).collect();
        assert!((spearman(&x, &z).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(ranks(&[3.0, 1.0, 3.0]), vec![2.5, 1.0, 2.5]);
    }
}
