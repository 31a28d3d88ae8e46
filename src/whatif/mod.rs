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
#[cfg(feature = "optimize")]
pub mod optimize;
pub mod sensitivity;
pub mod sweep;
pub mod target;

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
    /// P10, P50 and P90 of the per-run difference: how the difference is
    /// spread across the runs (the interval above is the mean's only).
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    /// Runs in which the difference is above zero and below zero; the rest
    /// (`runs - above - below`) are exact ties.
    pub above: usize,
    pub below: usize,
}

/// The probability that a variant is better than its baseline, with its
/// Monte Carlo interval (see [`Difference::win`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Win {
    /// The share of paired runs in which the variant is better, ties counted
    /// as half: (wins + ties / 2) / runs.
    pub p: f64,
    /// Wilson score 95% interval of `p` over the runs.
    pub low: f64,
    pub high: f64,
    /// Share of runs in which the two are exactly equal.
    pub ties: f64,
}

impl Difference {
    /// Of the per-run differences `d` (not empty).
    pub fn of(d: &[f64]) -> Difference {
        let (mean, se) = if d.len() > 1 { stats::mean_and_se(d) } else { (d[0], 0.0) };
        let mut sorted = d.to_vec();
        sorted.sort_by(f64::total_cmp);
        let q = |p| stats::percentile_sorted(&sorted, p);
        Difference {
            mean,
            low: mean - 1.96 * se,
            high: mean + 1.96 * se,
            runs: d.len(),
            p10: q(10.0),
            p50: q(50.0),
            p90: q(90.0),
            above: d.iter().filter(|&&x| x > 0.0).count(),
            below: d.iter().filter(|&&x| x < 0.0).count(),
        }
    }

    /// The probability that the variant (`a` of `a - b`) is better, for a
    /// metric where higher (or lower) is better. A variant that never
    /// differs from its baseline scores exactly 0.5, a tie.
    pub fn win(&self, higher_is_better: bool) -> Win {
        let n = self.runs as f64;
        let wins = if higher_is_better { self.above } else { self.below } as f64;
        let ties = (self.runs - self.above - self.below) as f64;
        let p = (wins + ties / 2.0) / n;
        // A variant that never differs is an exact tie, not an estimate.
        let (low, high) = if ties == n { (p, p) } else { stats::wilson_interval(p, n, 1.96) };
        Win { p, low, high, ties: ties / n }
    }
}

/// The uncertain input whose value best separates the runs a variant wins
/// from those it loses: "loses when `pricing.conversion_elasticity` > 1.1".
#[derive(Debug, Clone, PartialEq)]
pub struct Separator {
    /// The input's key.
    pub input: String,
    /// The split: midway between the two sampled values it falls between.
    pub threshold: f64,
    /// Whether the variant wins above the threshold (else below it).
    pub wins_above: bool,
    /// Share of the runs (ties left out) the split classifies correctly.
    pub accuracy: f64,
}

/// A split is reported when it classifies at least this share of the runs
/// correctly...
pub const SEPARATOR_ACCURACY: f64 = 0.8;
/// ...and this much more than calling every run for the majority outcome.
pub const SEPARATOR_GAIN: f64 = 0.1;

/// The [`Separator`] of a paired comparison: `diff` is the variant minus
/// the baseline run by run, `inputs` the uncertain inputs' keys and their
/// values run by run. Of every input and every split between two sampled
/// values, the one that classifies the most runs (exact ties left out) as
/// won or lost; `None` unless it reaches [`SEPARATOR_ACCURACY`] and beats
/// the majority by [`SEPARATOR_GAIN`], or with fewer than 20 decided runs.
pub fn separator(diff: &[Option<f64>], higher_is_better: bool, inputs: &[(String, Vec<f64>)]) -> Option<Separator> {
    let decided: Vec<(usize, bool)> = diff
        .iter()
        .enumerate()
        .filter_map(|(r, d)| d.filter(|d| *d != 0.0 && d.is_finite()).map(|d| (r, (d > 0.0) == higher_is_better)))
        .collect();
    let n = decided.len();
    let wins = decided.iter().filter(|(_, w)| *w).count();
    if n < 20 || wins == 0 || wins == n {
        return None;
    }
    let majority = wins.max(n - wins) as f64 / n as f64;
    let mut best: Option<Separator> = None;
    for (key, values) in inputs {
        let mut pairs: Vec<(f64, bool)> = decided.iter().map(|&(r, w)| (values[r], w)).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Wins and losses at or below each split.
        let (mut wins_below, mut losses_below) = (0usize, 0usize);
        for i in 0..n - 1 {
            if pairs[i].1 {
                wins_below += 1
            } else {
                losses_below += 1
            }
            if pairs[i].0 == pairs[i + 1].0 {
                continue;
            }
            let (wins_above, losses_above) = (wins - wins_below, (n - wins) - losses_below);
            for (above, correct) in [(true, losses_below + wins_above), (false, wins_below + losses_above)] {
                let accuracy = correct as f64 / n as f64;
                if best.as_ref().is_none_or(|b| accuracy > b.accuracy) {
                    let threshold = (pairs[i].0 + pairs[i + 1].0) / 2.0;
                    best = Some(Separator { input: key.clone(), threshold, wins_above: above, accuracy });
                }
            }
        }
    }
    best.filter(|b| b.accuracy >= SEPARATOR_ACCURACY && b.accuracy - majority >= SEPARATOR_GAIN)
}

/// The paired difference `a - b`, run by run; `None` when no run has both.
pub fn paired_difference(a: &[Option<f64>], b: &[Option<f64>]) -> Option<Difference> {
    let d: Vec<f64> = a.iter().zip(b).filter_map(|(x, y)| Some((*x)? - (*y)?)).collect();
    if d.is_empty() {
        return None;
    }
    Some(Difference::of(&d))
}

/// Of several candidates (sweep points, compared scenarios) with these
/// means and per-run values of one metric, the one with the best mean, and
/// the others tied with it: those whose mean is the best mean exactly (up
/// to a relative 1e-12 of rounding), or whose paired difference from the
/// best, run by run, has a 95% interval that holds zero (the best is not
/// told apart from them beyond the Monte Carlo noise). A candidate whose
/// difference is undefined ties only by its mean.
pub(crate) fn best_and_ties(
    means: &[Option<f64>],
    values: &[&[Option<f64>]],
    higher_is_better: bool,
) -> (Option<usize>, Vec<usize>) {
    let better = |a: f64, b: f64| if higher_is_better { a > b } else { a < b };
    let mut best: Option<(usize, f64)> = None;
    for (j, mean) in means.iter().enumerate() {
        if let Some(x) = *mean
            && best.is_none_or(|(_, b)| better(x, b))
        {
            best = Some((j, x));
        }
    }
    let Some((b, target)) = best else {
        return (None, Vec::new());
    };
    let tied = (0..means.len())
        .filter(|&j| j != b)
        .filter(|&j| {
            let Some(mean) = means[j] else {
                return false;
            };
            let equal = (mean - target).abs() <= 1e-12 * target.abs();
            let within_noise = paired_difference(values[b], values[j]).is_some_and(|d| d.low <= 0.0 && d.high >= 0.0);
            equal || within_noise
        })
        .collect();
    (Some(b), tied)
}

/// What a what-if says of candidate `i`: "best", "tie for best" (one of
/// several tied with the best, see [`best_and_ties`]), or nothing.
pub fn best_mark(best: Option<usize>, tied: &[usize], i: usize) -> Option<&'static str> {
    if best == Some(i) || tied.contains(&i) {
        Some(if tied.is_empty() { "best" } else { "tie for best" })
    } else {
        None
    }
}

/// What a reader of a what-if over `keys` must know: a key the scenario
/// draws as uncertain is fixed at each value tried (so its uncertainty is
/// not in the runs), and a price moved on a scenario without a price
/// response changes no conversion or churn (revenue simply scales with
/// it). `moved` says how the keys are moved ("swept", "a lever").
pub(crate) fn lever_warnings(original: &crate::Scenario, keys: &[&str], moved: &str) -> Vec<String> {
    let mut out = Vec::new();
    for key in keys {
        if let Some(id) = original.param_by_key(key)
            && !original.param(id).dist.is_fixed()
        {
            out.push(format!(
                "{key} is uncertain in the scenario; here it is fixed at each value tried, so its uncertainty is not in the runs"
            ));
        }
    }
    let pricing = &original.model.pricing;
    let zero = |id| original.param(id).dist.fixed_value() == Some(0.0);
    let responds = !zero(pricing.conversion_elasticity)
        || !zero(pricing.churn_elasticity)
        || keys.contains(&"pricing.conversion_elasticity")
        || keys.contains(&"pricing.churn_elasticity");
    for key in keys.iter().filter(|k| !responds && k.starts_with("plans.") && k.ends_with(".price_per_month")) {
        out.push(format!(
            "{key} is {moved} but the scenario has no price response (pricing.conversion_elasticity and \
             pricing.churn_elasticity are 0): every price has the same conversions and churn, so revenue simply \
             scales with the price; set pricing.reference_price and an elasticity to model how customers respond"
        ));
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probability_of_winning_is_the_share_of_runs_won_ties_as_half() {
        let d = Difference::of(&[3.0, -1.0, 2.0, 0.0, 5.0]);
        assert_eq!((d.above, d.below, d.runs), (3, 1, 5));
        assert_eq!(d.win(true).p, 3.5 / 5.0);
        assert_eq!(d.win(false).p, 1.5 / 5.0);
        assert_eq!(d.win(true).ties, 0.2);
        let w = d.win(true);
        assert!(w.low < w.p && w.p < w.high && w.low >= 0.0 && w.high <= 1.0);
        assert_eq!((d.p10, d.p50, d.p90), (-0.6, 2.0, 4.2));
        // Never different: an exact tie.
        let tie = Difference::of(&[0.0; 40]).win(true);
        assert_eq!((tie.p, tie.low, tie.high, tie.ties), (0.5, 0.5, 0.5, 1.0));
    }

    /// Wilson's interval for 70 of 200, worked by hand: centre (0.35 + z²/400) /
    /// (1 + z²/200) = 0.35283, half-width 0.06554: 0.2873 to 0.4184.
    #[test]
    fn the_wilson_interval_matches_its_closed_form() {
        let (lo, hi) = stats::wilson_interval(0.35, 200.0, 1.96);
        assert!((lo - 0.2873).abs() < 1e-4 && (hi - 0.4184).abs() < 1e-4, "{lo} {hi}");
        assert_eq!(stats::wilson_interval(0.0, 10.0, 1.96).0, 0.0);
    }

    #[test]
    fn the_separator_finds_the_input_that_decides_the_sign() {
        // Wins when x < 1.1, whatever y; y is noise.
        let x: Vec<f64> = (0..100).map(|i| 0.5 + i as f64 * 0.011).collect();
        let y: Vec<f64> = (0..100).map(|i| ((i * 37) % 100) as f64).collect();
        let diff: Vec<Option<f64>> = x.iter().map(|&x| Some(if x < 1.1 { 10.0 } else { -5.0 })).collect();
        let inputs = vec![("y".to_string(), y), ("x".to_string(), x)];
        let s = separator(&diff, true, &inputs).expect("x separates");
        assert_eq!((s.input.as_str(), s.wins_above, s.accuracy), ("x", false, 1.0));
        assert!((s.threshold - 1.1).abs() < 0.011, "{}", s.threshold);
        // Lower is better: the same runs are now won above the split.
        assert!(separator(&diff, false, &inputs).expect("x separates").wins_above);
        // Outcomes unrelated to any input: no separator.
        let noise: Vec<Option<f64>> = (0..100).map(|i| Some(if (i * 61) % 7 < 3 { 1.0 } else { -1.0 })).collect();
        assert_eq!(separator(&noise, true, &inputs[..1]), None);
        // All ties: nothing to separate.
        assert_eq!(separator(&vec![Some(0.0); 100], true, &inputs), None);
    }
}
