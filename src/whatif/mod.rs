//! What-if analysis on top of the engine: sweeps over a grid of parameter
//! values, side-by-side comparison of scenarios, and sensitivity to the
//! uncertain inputs.
//!
//! Every variant of a scenario is the original text with `--set`-style
//! overrides, validated like the file, and simulated with the same seed:
//! run `r` of every variant draws the same random numbers (each parameter
//! and each process has its own stream keyed by the seed, the run index and
//! a label), so differences between variants are paired, run by run, and
//! not drowned in noise (common random numbers).

pub mod compare;
pub mod explain;
pub mod sensitivity;
pub mod sweep;

use crate::metrics::Horizon;
use crate::stats;

/// A paired difference between two variants over the same runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub mean: f64,
    /// 95% confidence interval of the mean difference (mean ± 1.96 standard
    /// errors, over the runs where both values are defined).
    pub low: f64,
    pub high: f64,
    pub runs: usize,
}

/// The paired difference `a - b`, run by run; `None` when no run has both.
pub fn paired_difference(a: &[Option<f64>], b: &[Option<f64>]) -> Option<Difference> {
    let d: Vec<f64> = a.iter().zip(b).filter_map(|(x, y)| Some((*x)? - (*y)?)).collect();
    if d.is_empty() {
        return None;
    }
    let (mean, se) = if d.len() > 1 { stats::mean_and_se(&d) } else { (d[0], 0.0) };
    Some(Difference { mean, low: mean - 1.96 * se, high: mean + 1.96 * se, runs: d.len() })
}

/// The figures reported by default by the what-if commands.
pub const DEFAULT_METRICS: &[Horizon] = &[
    Horizon::MrrFinal,
    Horizon::RevenueTotal,
    Horizon::FreeToPaidConversion,
    Horizon::CostToServeFreeTotal,
    Horizon::LtvToCac,
];

/// The figures `compare` reports by default when no scenario earns revenue
/// (where every figure of [`DEFAULT_METRICS`] is zero or undefined): what a
/// free product or a viral loop is about.
pub const ACCOUNT_METRICS: &[Horizon] = &[Horizon::SignupsTotal, Horizon::KFactor, Horizon::ActivationRate];
