//! `plgsim sweep`: one or two parameters over a grid.
//!
//! Each grid point is the scenario with the swept keys overridden (checked
//! like the file) and simulated with the scenario's seed, so every point
//! uses the same random numbers for the same run index and the difference
//! between two points is measured run by run.

use super::{Difference, Separator, paired_difference, separator};
use crate::engine;
use crate::metrics::Horizon;
use crate::scenario::{Override, Scenario, ScenarioError};
use crate::stats::Stat;

// The axes and the `[sweep]` section belong to the scenario format.
pub use crate::scenario::sweep::{
    Axis, MAX_AXIS_POINTS, MAX_GRID_POINTS, SweepParam, SweepSection, Values, parse_values,
};

/// One grid point and what its runs produced.
#[derive(Debug, Clone)]
pub struct Point {
    /// One value per axis.
    pub coords: Vec<f64>,
    /// `[metric][run]`.
    pub values: Vec<Vec<Option<f64>>>,
    /// `[metric]`.
    pub stats: Vec<Stat>,
    /// `[metric]`: this point minus the baseline, run by run.
    pub vs_baseline: Vec<Option<Difference>>,
    /// `[metric]`: the uncertain input that separates the runs this point
    /// wins against the baseline from those it loses, if one does.
    pub separator: Vec<Option<Separator>>,
}

/// A finished sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub scenario: String,
    pub seed: u64,
    pub runs: u32,
    pub axes: Vec<Axis>,
    pub metrics: Vec<Horizon>,
    /// Row-major over the axes (the last axis varies fastest).
    pub points: Vec<Point>,
    /// Index of the baseline point: the scenario's own values when they are
    /// on the grid, else the first point.
    pub baseline: usize,
    /// Whether the baseline is the scenario's own values (else the first point).
    pub baseline_is_scenario: bool,
    /// `[metric]`: index of the point with the best mean.
    pub best: Vec<Option<usize>>,
    /// `[metric]`: the other points tied with the best (see [`best_and_ties`]);
    /// when there are any, no point is "the best".
    pub tied: Vec<Vec<usize>>,
    /// What a reader of the results must know (a price swept without a
    /// price response, ...).
    pub warnings: Vec<String>,
}

/// What is wrong with a grid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GridError {
    #[error("a sweep takes one or two parameters, got {0}")]
    Axes(usize),
    #[error("`{0}` has no values to sweep")]
    NoValues(String),
    #[error("`{0}` is swept twice")]
    Twice(String),
    #[error("{0} grid points; at most {MAX_GRID_POINTS}")]
    TooManyPoints(usize),
}

/// Why a sweep could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// The grid itself is wrong (exit 2).
    #[error(transparent)]
    Grid(#[from] GridError),
    /// A grid point is not a valid scenario.
    #[error("at {point}:\n{error}")]
    Scenario { point: String, error: ScenarioError },
}

/// The grid points, row-major.
fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    axes.iter().fold(vec![Vec::new()], |acc, axis| {
        acc.iter().flat_map(|prefix| axis.values.iter().map(move |v| [prefix.clone(), vec![*v]].concat())).collect()
    })
}

/// Runs the sweep of `scenario` over `axes`: each point is the scenario
/// with the point's values as overrides ([`Scenario::with_overrides`]),
/// checked before any runs; `on_point` is called after each point.
pub fn run(
    original: &Scenario,
    axes: &[Axis],
    metrics: &[Horizon],
    on_point: &(dyn Fn() + Sync),
) -> Result<Sweep, SweepError> {
    if axes.is_empty() || axes.len() > 2 {
        return Err(GridError::Axes(axes.len()).into());
    }
    if let Some(a) = axes.iter().find(|a| a.values.is_empty()) {
        return Err(GridError::NoValues(a.key.clone()).into());
    }
    if axes.len() == 2 && axes[0].key == axes[1].key {
        return Err(GridError::Twice(axes[0].key.clone()).into());
    }
    let points = grid(axes);
    if points.len() > MAX_GRID_POINTS {
        return Err(GridError::TooManyPoints(points.len()).into());
    }
    // Check every point before running any.
    let mut scenarios = Vec::with_capacity(points.len());
    for coords in &points {
        let ovr: Vec<Override> = axes
            .iter()
            .zip(coords)
            .map(|(axis, v)| Override { key: axis.key.clone(), value: axis.override_text(*v), origin: None })
            .collect();
        let s = original
            .with_overrides(&ovr)
            .map_err(|error| SweepError::Scenario { point: describe(axes, coords), error })?;
        scenarios.push(s);
    }

    // One engine for every point (`engine::shared`).
    let shared = engine::shared(original, &scenarios.iter().collect::<Vec<_>>()).choice();
    let scenarios: Vec<Scenario> = scenarios.into_iter().map(|s| s.pinned(shared)).collect();
    let mut done: Vec<Point> = Vec::with_capacity(points.len());
    for (coords, s) in points.into_iter().zip(&scenarios) {
        let sim = engine::simulate(s, &|| {});
        let values: Vec<Vec<Option<f64>>> = metrics.iter().map(|m| sim.horizon_values(*m).collect()).collect();
        let stats = values.iter().map(|v| Stat::of(v.iter().copied())).collect();
        done.push(Point { coords, values, stats, vs_baseline: Vec::new(), separator: Vec::new() });
        on_point();
    }

    // The baseline: the point whose coordinates are the scenario's own
    // values: a number equal to the parameter's fixed value, or the word
    // that leaves the scenario as it is.
    let own: Vec<Option<f64>> = axes
        .iter()
        .map(|a| {
            if a.is_words() {
                a.values.iter().copied().find(|&v| {
                    let o = [Override { key: a.key.clone(), value: a.override_text(v), origin: None }];
                    original.with_overrides(&o).is_ok_and(|s| s.same_model(original))
                })
            } else {
                original.param_by_key(&a.key).and_then(|id| original.param(id).dist.fixed_value())
            }
        })
        .collect();
    let own_point = done.iter().position(|p| {
        p.coords.iter().zip(&own).all(|(c, o)| o.is_some_and(|o| (o - c).abs() <= 1e-9 * o.abs().max(1.0)))
    });
    let baseline = own_point.unwrap_or(0);
    let base_values = done[baseline].values.clone();
    // The uncertain inputs that are not swept, as the baseline's runs drew
    // them (`sample_runs` is what `simulate` ran with; every point's run r
    // draws the same values: common random numbers).
    let base = &scenarios[baseline];
    let drawn = base.sample_runs();
    let inputs: Vec<(String, Vec<f64>)> = original
        .uncertain_params()
        .filter(|(_, p)| axes.iter().all(|a| a.key != p.key))
        .filter_map(|(_, p)| {
            let id = base.param_by_key(&p.key)?;
            Some((p.key.clone(), drawn.iter().map(|r| r[id.0]).collect()))
        })
        .collect();
    for p in &mut done {
        p.vs_baseline = p.values.iter().zip(&base_values).map(|(a, b)| paired_difference(a, b)).collect();
        p.separator = p
            .values
            .iter()
            .zip(&base_values)
            .zip(metrics)
            .map(|((a, b), m)| {
                let d: Vec<Option<f64>> = a.iter().zip(b).map(|(x, y)| Some((*x)? - (*y)?)).collect();
                separator(&d, m.higher_is_better(), &inputs)
            })
            .collect();
    }
    let (best, tied) = best_and_ties(&done, metrics);
    let warnings = warnings(original, axes);
    Ok(Sweep {
        scenario: original.name.clone(),
        seed: original.seed,
        runs: original.runs,
        axes: axes.to_vec(),
        metrics: metrics.to_vec(),
        points: done,
        baseline,
        baseline_is_scenario: own_point.is_some(),
        best,
        tied,
        warnings,
    })
}

/// Per metric, the point with the best mean and the other points tied with
/// it (see [`super::best_and_ties`]).
pub(crate) fn best_and_ties(points: &[Point], metrics: &[Horizon]) -> (Vec<Option<usize>>, Vec<Vec<usize>>) {
    metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let means: Vec<Option<f64>> = points.iter().map(|p| p.stats[i].mean).collect();
            let values: Vec<&[Option<f64>]> = points.iter().map(|p| &p.values[i][..]).collect();
            super::best_and_ties(&means, &values, m.higher_is_better())
        })
        .unzip()
}

/// What a reader of the sweep must know (see [`super::lever_warnings`]).
fn warnings(original: &Scenario, axes: &[Axis]) -> Vec<String> {
    let keys: Vec<&str> = axes.iter().map(|a| a.key.as_str()).collect();
    super::lever_warnings(original, &keys, "swept")
}

/// What a sweep says of point `i` for metric `m`: "best", "tie for best"
/// (one of several points tied with the best, see [`best_and_ties`]), or
/// nothing.
pub fn best_mark(sweep: &Sweep, m: usize, i: usize) -> Option<&'static str> {
    super::best_mark(sweep.best[m], &sweep.tied[m], i)
}

/// `free.usage_limit = 5, plans.pro.price_per_month = 12`, values as
/// written ([`Axis::label`]).
pub fn describe(axes: &[Axis], coords: &[f64]) -> String {
    axes.iter().zip(coords).map(|(a, v)| format!("{} = {}", a.key, a.label(*v))).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_row_major() {
        let a = Axis::numbers("a", vec![1.0, 2.0]);
        let b = Axis::numbers("b", vec![10.0, 20.0, 30.0]);
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[1], vec![1.0, 20.0]);
        assert_eq!(g[3], vec![2.0, 10.0]);
    }

    fn point(values: &[f64]) -> Point {
        let values = vec![values.iter().map(|x| Some(*x)).collect::<Vec<_>>()];
        let stats = values.iter().map(|v| Stat::of(v.iter().copied())).collect();
        Point { coords: vec![0.0], values, stats, vs_baseline: Vec::new(), separator: Vec::new() }
    }

    /// A point ties the best when their paired difference's 95% interval
    /// holds zero; a point beaten run by run beyond the noise does not.
    #[test]
    fn ties_are_within_the_paired_noise() {
        let best = point(&[10.0, 12.0, 11.0, 13.0]);
        let noisy = point(&[10.5, 11.0, 11.5, 12.0]); // differences -0.5, 1, -0.5, 1
        let beaten = point(&[9.0, 11.0, 10.0, 12.0]); // 1 less in every run
        let (b, tied) = best_and_ties(&[beaten, best, noisy], &[Horizon::MrrFinal]);
        assert_eq!((b, tied), (vec![Some(1)], vec![vec![2]]));
    }
}
