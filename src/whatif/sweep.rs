//! `plgsim sweep`: one or two parameters over a grid.
//!
//! Each grid point is the scenario with the swept keys overridden (checked
//! like the file) and simulated with the scenario's seed, so every point
//! uses the same random numbers for the same run index and the difference
//! between two points is measured run by run.

use std::fmt;

use serde::Deserialize;

use super::{Difference, paired_difference};
use crate::engine;
use crate::metrics::Horizon;
use crate::scenario::{Override, Scenario, ScenarioError};
use crate::stats::Stat;

/// One swept key and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<f64>,
}

/// Most points on one axis, and in a whole grid.
pub const MAX_AXIS_POINTS: usize = 200;
pub const MAX_GRID_POINTS: usize = 2_000;

impl Axis {
    /// Parses `KEY=VALUES`, where VALUES is a list (`1,3,5`), an integer
    /// range (`1..20`, both ends included) or `low..high:n` (n evenly spaced
    /// points, both ends included).
    pub fn parse(arg: &str) -> Result<Axis, String> {
        let (key, values) = arg.split_once('=').ok_or_else(|| {
            format!("`{arg}` is not KEY=VALUES (e.g. free.usage_limit=1..20 or plans.pro.price_per_month=9,12,15)")
        })?;
        Ok(Axis {
            key: key.trim().to_string(),
            values: parse_values(values.trim()).map_err(|e| format!("{}: {e}", key.trim()))?,
        })
    }
}

/// Parses a list, an integer range or `low..high:n`.
pub fn parse_values(s: &str) -> Result<Vec<f64>, String> {
    let number = |t: &str| -> Result<f64, String> {
        let t = t.trim().replace('_', "");
        t.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| format!("`{t}` is not a number"))
    };
    let values = if let Some((low, rest)) = s.split_once("..") {
        let (high, count) = match rest.split_once(':') {
            Some((h, n)) => {
                (h, Some(n.trim().parse::<usize>().map_err(|_| format!("`{n}` is not a number of points"))?))
            }
            None => (rest, None),
        };
        let (low, high) = (number(low)?, number(high)?);
        if high < low {
            return Err(format!("the range {low}..{high} goes down"));
        }
        match count {
            Some(n) if n >= 2 => (0..n).map(|i| low + (high - low) * i as f64 / (n - 1) as f64).collect(),
            Some(_) => return Err("a range needs at least 2 points".into()),
            None if low.fract() == 0.0 && high.fract() == 0.0 => {
                if high - low + 1.0 > MAX_AXIS_POINTS as f64 {
                    return Err(format!("{low}..{high} has more than {MAX_AXIS_POINTS} points"));
                }
                (low as i64..=high as i64).map(|x| x as f64).collect()
            }
            None => return Err(format!("give the number of points of {low}..{high}, e.g. {low}..{high}:7")),
        }
    } else {
        s.split(',').map(number).collect::<Result<Vec<f64>, String>>()?
    };
    if values.is_empty() {
        return Err("no values".into());
    }
    if values.len() > MAX_AXIS_POINTS {
        return Err(format!("more than {MAX_AXIS_POINTS} values"));
    }
    Ok(values)
}

/// How a value is written as an override (`5`, not `5.0`, for integer keys).
pub fn value_text(x: f64) -> String {
    crate::scenario::param::fmt_num(x)
}

/// A sweep declared in the scenario file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSection {
    #[serde(default)]
    pub params: Vec<SweepParam>,
    #[serde(default)]
    pub metrics: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepParam {
    pub key: String,
    pub values: Values,
}

/// `values = "1..20"` or `values = [9, 12, 15]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Values {
    Text(String),
    List(Vec<f64>),
}

impl SweepSection {
    pub fn axes(&self) -> Result<Vec<Axis>, String> {
        self.params
            .iter()
            .map(|p| {
                let values = match &p.values {
                    Values::Text(s) => parse_values(s).map_err(|e| format!("sweep.params `{}`: {e}", p.key))?,
                    Values::List(v) if v.is_empty() => return Err(format!("sweep.params `{}`: no values", p.key)),
                    Values::List(v) if v.len() > MAX_AXIS_POINTS => {
                        return Err(format!("sweep.params `{}`: more than {MAX_AXIS_POINTS} values", p.key));
                    }
                    Values::List(v) if v.iter().any(|x| !x.is_finite()) => {
                        return Err(format!("sweep.params `{}`: every value must be a finite number", p.key));
                    }
                    Values::List(v) => v.clone(),
                };
                Ok(Axis { key: p.key.clone(), values })
            })
            .collect()
    }
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

/// Why a sweep could not run.
#[derive(Debug)]
pub enum SweepError {
    /// The grid itself is wrong (exit 2).
    Grid(String),
    /// A grid point is not a valid scenario.
    Scenario { point: String, error: ScenarioError },
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepError::Grid(m) => f.write_str(m),
            SweepError::Scenario { point, error } => write!(f, "at {point}:\n{error}"),
        }
    }
}

/// The grid points, row-major.
fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    axes.iter().fold(vec![Vec::new()], |acc, axis| {
        acc.iter().flat_map(|prefix| axis.values.iter().map(move |v| [prefix.clone(), vec![*v]].concat())).collect()
    })
}

/// Runs the sweep. `file_name` and `text` are the scenario; `base` the
/// overrides applied to every point (e.g. `--runs`); `on_point` is called
/// after each point.
pub fn run(
    file_name: &str,
    text: &str,
    base: &[Override],
    axes: &[Axis],
    metrics: &[Horizon],
    on_point: &(dyn Fn() + Sync),
) -> Result<Sweep, SweepError> {
    if axes.is_empty() || axes.len() > 2 {
        return Err(SweepError::Grid(format!("a sweep takes one or two parameters, got {}", axes.len())));
    }
    if let Some(a) = axes.iter().find(|a| a.values.is_empty()) {
        return Err(SweepError::Grid(format!("`{}` has no values to sweep", a.key)));
    }
    if axes.len() == 2 && axes[0].key == axes[1].key {
        return Err(SweepError::Grid(format!("`{}` is swept twice", axes[0].key)));
    }
    let points = grid(axes);
    if points.len() > MAX_GRID_POINTS {
        return Err(SweepError::Grid(format!("{} grid points; at most {MAX_GRID_POINTS}", points.len())));
    }
    let original = Scenario::from_str(file_name, text, base)
        .map_err(|error| SweepError::Scenario { point: "the scenario itself".into(), error })?;

    // Check every point before running any.
    let mut scenarios = Vec::with_capacity(points.len());
    for coords in &points {
        let mut ovr = base.to_vec();
        for (axis, v) in axes.iter().zip(coords) {
            ovr.push(Override { key: axis.key.clone(), value: value_text(*v) });
        }
        let s = Scenario::from_str(file_name, text, &ovr)
            .map_err(|error| SweepError::Scenario { point: describe(axes, coords), error })?;
        scenarios.push(s);
    }

    let mut done: Vec<Point> = Vec::with_capacity(points.len());
    for (coords, s) in points.into_iter().zip(&scenarios) {
        let sim = engine::simulate(s, &|| {});
        let values: Vec<Vec<Option<f64>>> =
            metrics.iter().map(|m| sim.runs.iter().map(|r| r.output.horizon[*m as usize]).collect()).collect();
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

/// `free.usage_limit = 5, plans.pro.price_per_month = 12`.
pub fn describe(axes: &[Axis], coords: &[f64]) -> String {
    axes.iter().zip(coords).map(|(a, v)| format!("{} = {}", a.key, value_text(*v))).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_ranges() {
        assert_eq!(parse_values("1,3,5").unwrap(), vec![1.0, 3.0, 5.0]);
        assert_eq!(parse_values("1..4").unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(parse_values("0.02..0.05:4").unwrap().len(), 4);
        let v = parse_values("0.02..0.05:7").unwrap();
        assert!((v[0] - 0.02).abs() < 1e-15 && (v[6] - 0.05).abs() < 1e-15);
        assert_eq!(
            parse_values("0.02..0.05").unwrap_err(),
            "give the number of points of 0.02..0.05, e.g. 0.02..0.05:7"
        );
        assert_eq!(parse_values("5..1").unwrap_err(), "the range 5..1 goes down");
        assert_eq!(parse_values("a,b").unwrap_err(), "`a` is not a number");
        assert_eq!(
            Axis::parse("free.usage_limit=1..3").unwrap(),
            Axis { key: "free.usage_limit".into(), values: vec![1.0, 2.0, 3.0] }
        );
    }

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
