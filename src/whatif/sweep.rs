//! `plgsim sweep`: one or two parameters over a grid.
//!
//! Each grid point is the scenario with the swept keys overridden (checked
//! like the file) and simulated with the scenario's seed, so every point
//! uses the same random numbers for the same run index and the difference
//! between two points is measured run by run.

use super::{Difference, paired_difference};
use crate::engine;
use crate::metrics::Horizon;
use crate::scenario::{Override, Scenario, ScenarioError};
use crate::stats::Stat;

// The axes and the `[sweep]` section belong to the scenario format.
pub use crate::scenario::sweep::{
    Axis, MAX_AXIS_POINTS, MAX_GRID_POINTS, SweepParam, SweepSection, Values, parse_values,
};

/// How a value is written as an override (`5`, not `5.0`, for integer keys):
/// exact (the shortest text that reads back as the same `f64`), so what is
/// simulated is the grid value itself. What people read is
/// [`format::as_written`](crate::format::as_written).
pub fn value_text(x: f64) -> String {
    crate::scenario::param::fmt_num(x)
}

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
            .map(|(axis, v)| Override { key: axis.key.clone(), value: value_text(*v) })
            .collect();
        let s = original
            .with_overrides(&ovr)
            .map_err(|error| SweepError::Scenario { point: describe(axes, coords), error })?;
        scenarios.push(s);
    }

    let mut done: Vec<Point> = Vec::with_capacity(points.len());
    for (coords, s) in points.into_iter().zip(&scenarios) {
        let sim = engine::simulate(s, &|| {});
        let values: Vec<Vec<Option<f64>>> = metrics.iter().map(|m| sim.horizon_values(*m).collect()).collect();
        let stats = values.iter().map(|v| Stat::of(v.iter().copied())).collect();
        done.push(Point { coords, values, stats, vs_baseline: Vec::new() });
        on_point();
    }

    // The baseline: the point whose coordinates are the scenario's own values.
    let own: Vec<Option<f64>> = axes
        .iter()
        .map(|a| original.param_by_key(&a.key).and_then(|id| original.param(id).dist.fixed_value()))
        .collect();
    let own_point = done.iter().position(|p| {
        p.coords.iter().zip(&own).all(|(c, o)| o.is_some_and(|o| (o - c).abs() <= 1e-9 * o.abs().max(1.0)))
    });
    let baseline = own_point.unwrap_or(0);
    let base_values = done[baseline].values.clone();
    for p in &mut done {
        p.vs_baseline = p.values.iter().zip(&base_values).map(|(a, b)| paired_difference(a, b)).collect();
    }
    let best = metrics
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let better = |a: f64, b: f64| if m.higher_is_better() { a > b } else { a < b };
            let mut best: Option<(usize, f64)> = None;
            for (j, p) in done.iter().enumerate() {
                if let Some(x) = p.stats[i].mean
                    && best.is_none_or(|(_, b)| better(x, b))
                {
                    best = Some((j, x));
                }
            }
            best.map(|(j, _)| j)
        })
        .collect();
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
    })
}

/// `free.usage_limit = 5, plans.pro.price_per_month = 12`, values as
/// written ([`format::as_written`](crate::format::as_written)).
pub fn describe(axes: &[Axis], coords: &[f64]) -> String {
    axes.iter().zip(coords).map(|(a, v)| format!("{} = {}", a.key, crate::format::as_written(*v))).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_row_major() {
        let a = Axis { key: "a".into(), values: vec![1.0, 2.0] };
        let b = Axis { key: "b".into(), values: vec![10.0, 20.0, 30.0] };
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[1], vec![1.0, 20.0]);
        assert_eq!(g[3], vec![2.0, 10.0]);
    }
}
