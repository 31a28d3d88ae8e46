//! `plgsim target`'s files: `target.csv` and `summary.json`.

use serde::Serialize;

use super::csv_file::{Cell, Table};
use super::number::{finite, json_bytes};
use crate::format::as_written;
use crate::metrics::Unit;
use crate::whatif::target::{Outcome, Target};

/// `target.csv`: one row per evaluated value of the lever, in increasing
/// order: the value, whether it is a coarse grid point or a refinement
/// step, the metric's mean and P10/P50/P90 across runs, the goal's
/// statistic (`statistic`: the mean, or the quantile whose crossing of the
/// target is sought), `p_reach` (the share of runs that reach the target),
/// and whether the statistic reaches it.
pub fn target_csv(t: &Target) -> Vec<u8> {
    let u = t.goal.metric.unit();
    let header = [t.lever.key.as_str(), "stage", "mean", "p10", "p50", "p90", "statistic", "p_reach", "reached"]
        .map(String::from)
        .to_vec();
    let rows = t
        .curve
        .iter()
        .map(|p| {
            vec![
                Cell::Written(as_written(p.x)),
                Cell::Text(if p.on_grid { "grid" } else { "refine" }.into()),
                Cell::Figure(p.mean, u),
                Cell::Figure(p.p10, u),
                Cell::Figure(p.p50, u),
                Cell::Figure(p.p90, u),
                Cell::Figure(p.stat, u),
                Cell::Figure(p.p_reach, Unit::Ratio),
                Cell::Text(p.stat.map_or(String::new(), |s| t.goal.reached(s).to_string())),
            ]
        })
        .collect();
    Table { header, rows }.csv()
}

#[derive(Serialize)]
struct TargetDoc<'a> {
    scenario: &'a str,
    seed: u64,
    runs: u32,
    plgsim_version: &'static str,
    parameter: ParamDoc<'a>,
    metric: &'static str,
    higher_is_better: bool,
    /// `arr_final >= 1000000`.
    reaches_when: String,
    reach: f64,
    probability: Option<f64>,
    /// `mean`, or the quantile `pNN` whose crossing is sought.
    statistic: String,
    warnings: &'a [String],
    method: MethodDoc,
    /// `found`, `out_of_reach`, `reached_everywhere` or `undefined`.
    outcome: &'static str,
    /// Every crossing (several: the curve is not monotone).
    roots: Vec<RootDoc>,
    /// Out of reach: the best statistic attained and where.
    #[serde(skip_serializing_if = "Option::is_none")]
    best: Option<BestDoc>,
    simulations: usize,
    curve: Vec<PointDoc>,
}

#[derive(Serialize)]
struct ParamDoc<'a> {
    key: &'a str,
    low: f64,
    high: f64,
    integer: bool,
}

#[derive(Serialize)]
struct MethodDoc {
    grid_points: usize,
    root_finder: &'static str,
    tolerance: f64,
    interval: String,
    common_random_numbers: &'static str,
}

#[derive(Serialize)]
struct RootDoc {
    value: f64,
    crossing: f64,
    low: f64,
    high: f64,
    /// `above`: the target is reached for values above this one.
    reached: &'static str,
    bracket: [f64; 2],
    resamples_without_crossing: usize,
}

#[derive(Serialize)]
struct BestDoc {
    value: f64,
    statistic: Option<f64>,
    /// `low`, `high` or `inside` the range (or `least_margin` when reached everywhere).
    end: &'static str,
}

#[derive(Serialize)]
struct PointDoc {
    value: f64,
    on_grid: bool,
    mean: Option<f64>,
    p10: Option<f64>,
    p50: Option<f64>,
    p90: Option<f64>,
    statistic: Option<f64>,
    p_reach: Option<f64>,
}

/// `summary.json`: the goal, the method, the roots and the curve.
pub fn target_json(t: &Target) -> Vec<u8> {
    let (outcome, roots, best) = match &t.outcome {
        Outcome::Found(r) => (
            "found",
            r.iter()
                .map(|r| RootDoc {
                    value: r.value,
                    crossing: r.crossing,
                    low: r.low,
                    high: r.high,
                    reached: if r.reached_above { "above" } else { "below" },
                    bracket: [r.bracket.0, r.bracket.1],
                    resamples_without_crossing: r.resamples_without,
                })
                .collect(),
            None,
        ),
        Outcome::OutOfReach { at, stat, end } => {
            ("out_of_reach", Vec::new(), Some(BestDoc { value: *at, statistic: finite(Some(*stat)), end }))
        }
        Outcome::Everywhere { at, stat } => (
            "reached_everywhere",
            Vec::new(),
            Some(BestDoc { value: *at, statistic: finite(Some(*stat)), end: "least_margin" }),
        ),
        Outcome::Undefined => ("undefined", Vec::new(), None),
    };
    let op = if t.goal.metric.higher_is_better() { ">=" } else { "<=" };
    json_bytes(&TargetDoc {
        scenario: &t.scenario,
        seed: t.seed,
        runs: t.runs,
        plgsim_version: env!("CARGO_PKG_VERSION"),
        parameter: ParamDoc { key: &t.lever.key, low: t.lever.low, high: t.lever.high, integer: t.lever.integer },
        metric: t.goal.metric.name(),
        higher_is_better: t.goal.metric.higher_is_better(),
        reaches_when: format!("{} {op} {}", t.goal.metric.name(), as_written(t.goal.reach)),
        reach: t.goal.reach,
        probability: t.goal.probability,
        statistic: t.goal.statistic().name(),
        warnings: &t.warnings,
        method: MethodDoc {
            grid_points: t.curve.iter().filter(|p| p.on_grid).count(),
            root_finder: "Illinois regula falsi with bisection safeguard, per bracket of the coarse grid (integer keys: integers only)",
            tolerance: t.tolerance,
            interval: format!(
                "bootstrap over runs: {} resamples of the run indices, the statistic recomputed at every evaluated value and the crossing re-solved by linear interpolation; 2.5th to 97.5th percentile",
                t.bootstrap
            ),
            common_random_numbers: "every value runs with the same seed: run r draws the same random numbers at every value",
        },
        outcome,
        roots,
        best,
        simulations: t.simulations(),
        curve: t
            .curve
            .iter()
            .map(|p| PointDoc {
                value: p.x,
                on_grid: p.on_grid,
                mean: finite(p.mean),
                p10: finite(p.p10),
                p50: finite(p.p50),
                p90: finite(p.p90),
                statistic: finite(p.stat),
                p_reach: p.p_reach,
            })
            .collect(),
    })
}
