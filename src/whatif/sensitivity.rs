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
//!   inputs varying together), with a 95% confidence interval by Fisher's z
//!   transformation with the variance of Fieller, Hartley and Pearson
//!   (1957) for rank correlations: atanh(rho) is about normal with variance
//!   1.06 / (n - 3) for n runs, so the interval is
//!   tanh(atanh(rho) -+ 1.96 sqrt(1.06 / (n - 3))). (E. C. Fieller, H. O.
//!   Hartley and E. S. Pearson, "Tests for rank correlation coefficients.
//!   I", Biometrika 44 (1957) 470-481; recommended for Spearman's rho by
//!   D. G. Bonett and T. A. Wright, Psychometrika 65 (2000) 23-28, for
//!   |rho| up to about 0.9.)
//!
//! Too few runs to rank is a warning ([`warnings`]): an interval that holds
//! 0 (the sign is not known), and tornado neighbours whose rank
//! correlations' intervals overlap (the runs do not tell which matters
//! more) or that order them the other way.
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
    /// Its 95% confidence interval ([`spearman_interval`]).
    pub rank_correlation_interval: Option<(f64, f64)>,
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
    /// The runs the rank correlations are computed over (those where the
    /// output is defined).
    pub correlation_runs: usize,
    /// Where the runs are too few to rank ([`warnings`]).
    pub warnings: Vec<String>,
}

/// A rank correlation as printed: two decimals, without a sign on a value
/// that rounds to zero.
pub fn rho_text(rho: f64) -> String {
    let t = format!("{rho:.2}");
    if t == "-0.00" { "0.00".into() } else { t }
}

/// The confidence level of the rank correlations' intervals.
pub const LEVEL: f64 = 0.95;

/// The variance of atanh(Spearman's rho) times (n - 3) (Fieller, Hartley
/// and Pearson 1957).
const FHP_VARIANCE: f64 = 1.06;

/// The [`LEVEL`] confidence interval of a Spearman correlation `rho` over
/// `n` pairs: tanh(atanh(rho) -+ z sqrt(1.06 / (n - 3))), with z the normal
/// quantile of (1 + level) / 2; `None` with fewer than 4 pairs.
pub fn spearman_interval(rho: f64, n: usize) -> Option<(f64, f64)> {
    if n < 4 || !rho.is_finite() {
        return None;
    }
    let z = libm::atanh(rho.clamp(-1.0, 1.0));
    let half = crate::sampling::normal_quantile(0.5 + LEVEL / 2.0) * libm::sqrt(FHP_VARIANCE / (n - 3) as f64);
    Some((libm::tanh(z - half), libm::tanh(z + half)))
}

/// The runs at which the Fisher-z intervals of two rank correlations of
/// sizes `a` and `b` (|rho|) would just stop overlapping: 3 + 1.06 (2 z /
/// (atanh a - atanh b))^2; `None` when they are equal.
fn runs_to_separate(a: f64, b: f64) -> Option<f64> {
    let dz = (libm::atanh(a.min(0.999_999)) - libm::atanh(b.min(0.999_999))).abs();
    let z = crate::sampling::normal_quantile(0.5 + LEVEL / 2.0);
    (dz > 1e-9).then(|| 3.0 + FHP_VARIANCE * (2.0 * z / dz) * (2.0 * z / dz))
}

/// The interval of |rho| from that of rho.
fn abs_interval((lo, hi): (f64, f64)) -> (f64, f64) {
    if lo <= 0.0 && hi >= 0.0 {
        (0.0, lo.abs().max(hi.abs()))
    } else {
        (lo.abs().min(hi.abs()), lo.abs().max(hi.abs()))
    }
}

/// Where `n` runs are too few to rank the inputs (`rows` in the tornado's
/// order): a rank correlation whose interval holds 0, and tornado
/// neighbours whose rank correlations cannot be told apart (their |rho|
/// intervals overlap) or rank them the other way.
pub fn warnings(rows: &[Row], n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let pct = format!("{:.0}%", 100.0 * LEVEL);
    for r in rows {
        if let (Some(rho), Some((lo, hi))) = (r.rank_correlation, r.rank_correlation_interval)
            && lo <= 0.0
            && hi >= 0.0
        {
            out.push(format!(
                "{}: rank correlation {}, {pct} interval {} to {} holds 0: at {n} runs its sign is not known",
                r.key,
                rho_text(rho),
                rho_text(lo),
                rho_text(hi)
            ));
        }
    }
    for (i, pair) in rows.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        let (Some(ra), Some(rb), Some(ia), Some(ib)) =
            (a.rank_correlation, b.rank_correlation, a.rank_correlation_interval, b.rank_correlation_interval)
        else {
            continue;
        };
        let (ia, ib) = (abs_interval(ia), abs_interval(ib));
        let more = runs_to_separate(ra.abs(), rb.abs())
            .map_or(String::new(), |m| format!("; about {} runs would separate them", libm::ceil(m) as u64));
        if ia.0 <= ib.1 && ib.0 <= ia.1 {
            out.push(format!(
                "ranks {} and {} ({}, {}): the {pct} intervals of their rank correlations ({}, {}) overlap: at {n} runs they cannot be ranked{more}",
                i + 1,
                i + 2,
                a.key,
                b.key,
                rho_text(ra),
                rho_text(rb)
            ));
        } else if ia.1 < ib.0 {
            out.push(format!(
                "ranks {} and {} ({}, {}): the tornado ranks {} higher, the rank correlations ({}, {}) the other way: the one-at-a-time swing and the joint variation disagree (an interaction, or an effect that is not monotone)",
                i + 1,
                i + 2,
                a.key,
                b.key,
                a.key,
                rho_text(ra),
                rho_text(rb)
            ));
        }
    }
    out
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
    let set = |key: &str, x: f64| Override { key: key.to_string(), value: fmt_num(x), origin: None };
    let medians: Vec<Override> = uncertain.iter().zip(&quantiles).map(|(k, q)| set(k, q.1)).collect();
    // One engine for every variant (`engine::shared`): a variant fixes
    // uncertain inputs, which never adds a mechanic the scenario lacks.
    let shared = engine::shared(scenario, &[]).choice();
    let mean_with = |extra: &[Override]| -> Result<Option<f64>, ScenarioError> {
        let s = scenario.with_overrides(&[&medians[..], extra].concat())?.pinned(shared);
        let sim = engine::simulate(&s, &|| {});
        on_variant();
        Ok(Stat::of(sim.runs.iter().map(|r| r.horizon(metric))).mean)
    };
    let base_output = mean_with(&[])?;

    // The scenario as written, for the rank correlations.
    let sim = engine::simulate(&scenario.clone().pinned(shared), &|| {});
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
        let rho = spearman(&sampled, &outputs);
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
            rank_correlation: rho,
            rank_correlation_interval: rho.and_then(|r| spearman_interval(r, outputs.len())),
        });
    }
    rows.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.key.cmp(&b.key)));
    let warnings = warnings(&rows, outputs.len());
    Ok(Sensitivity {
        scenario: scenario.name.clone(),
        metric,
        runs: scenario.runs,
        seed: scenario.seed,
        base_output,
        rows,
        correlation_runs: outputs.len(),
        warnings,
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

    /// Coverage on a constructed case: pairs from a bivariate normal of
    /// correlation r, whose Spearman correlation is (6 / pi) asin(r / 2)
    /// (Pearson 1907). Over `REPS` samples, the 95% interval must hold it
    /// in a share within 4 binomial standard errors of 95% (plus 0.5 point
    /// for the approximation; Bonett and Wright 2000 report the Fieller,
    /// Hartley and Pearson interval within a point of nominal at these
    /// sizes), for a weak and a strong correlation, at 30 and 150 runs.
    #[test]
    fn the_interval_covers_the_true_rank_correlation_95_times_in_100() {
        use crate::sampling::standard_normal;
        const REPS: usize = 2000;
        let mut rng = rng::param_rng(7, 0, "coverage");
        for (r, n) in [(0.3, 30), (0.3, 150), (0.7, 30), (0.7, 150)] {
            let truth = 6.0 / std::f64::consts::PI * libm::asin(r / 2.0);
            let mut covered = 0;
            for _ in 0..REPS {
                let mut xs = Vec::with_capacity(n);
                let mut ys = Vec::with_capacity(n);
                for _ in 0..n {
                    let (a, b) = (standard_normal(&mut rng), standard_normal(&mut rng));
                    xs.push(a);
                    ys.push(r * a + libm::sqrt(1.0 - r * r) * b);
                }
                let rho = spearman(&xs, &ys).unwrap();
                let (lo, hi) = spearman_interval(rho, n).unwrap();
                covered += (lo <= truth && truth <= hi) as usize;
            }
            let share = covered as f64 / REPS as f64;
            let se = libm::sqrt(LEVEL * (1.0 - LEVEL) / REPS as f64);
            assert!((share - LEVEL).abs() <= 4.0 * se + 0.005, "r {r}, n {n}: coverage {share} (SE {se})");
        }
    }

    #[test]
    fn intervals_narrow_with_runs_and_stay_within_minus_one_and_one() {
        let (lo, hi) = spearman_interval(0.5, 150).unwrap();
        // atanh(0.5) = 0.5493, half-width 1.96 sqrt(1.06 / 147) = 0.1664.
        assert!((lo - libm::tanh(0.549_306_1 - 0.166_43)).abs() < 1e-4, "{lo}");
        assert!((hi - libm::tanh(0.549_306_1 + 0.166_43)).abs() < 1e-4, "{hi}");
        let (lo2, hi2) = spearman_interval(0.5, 1500).unwrap();
        assert!(lo2 > lo && hi2 < hi);
        assert_eq!(spearman_interval(1.0, 50), Some((1.0, 1.0)));
        assert_eq!(spearman_interval(0.5, 3), None);
    }

    fn row(key: &str, swing: f64, rho: f64, n: usize) -> Row {
        Row {
            key: key.into(),
            p10: 0.0,
            p50: 0.5,
            p90: 1.0,
            output_at_p10: Some(0.0),
            output_at_p90: Some(swing),
            swing,
            rank_correlation: Some(rho),
            rank_correlation_interval: spearman_interval(rho, n),
        }
    }

    #[test]
    fn too_few_runs_to_rank_is_a_warning() {
        // At 150 runs: 0.8 and 0.5 are told apart, 0.5 and 0.45 are not, and
        // -0.1 may be of either sign.
        let n = 150;
        let rows = [row("a", 9.0, 0.8, n), row("b", 5.0, 0.5, n), row("c", 4.0, 0.45, n), row("d", 1.0, -0.1, n)];
        let w = warnings(&rows, n);
        assert_eq!(w.len(), 2, "{w:#?}");
        assert!(
            w[0].starts_with("d: rank correlation -0.10, 95% interval -0.26 to 0.07 holds 0: at 150 runs"),
            "{}",
            w[0]
        );
        assert!(w[1].starts_with("ranks 2 and 3 (b, c): the 95% intervals"), "{}", w[1]);
        // 3 + 1.06 (2 x 1.96 / (atanh 0.5 - atanh 0.45))^2.
        assert!(w[1].ends_with("about 3906 runs would separate them"), "{}", w[1]);
        // At 5,000 runs everything is resolved.
        let n = 5000;
        let rows = [row("a", 9.0, 0.8, n), row("b", 5.0, 0.5, n), row("c", 4.0, 0.45, n), row("d", 1.0, -0.1, n)];
        assert_eq!(warnings(&rows, n), Vec::<String>::new());
        // A tornado order the correlations contradict.
        let rows = [row("a", 9.0, 0.2, n), row("b", 5.0, 0.6, n)];
        let w = warnings(&rows, n);
        assert!(
            w.len() == 1
                && w[0].contains("the tornado ranks a higher, the rank correlations (0.20, 0.60) the other way"),
            "{w:?}"
        );
    }
}
