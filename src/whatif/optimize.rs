//! `plgsim optimize`: the best value of one to four levers for an objective
//! (the mean or a percentile of a horizon metric) under constraints on
//! other metrics, with common random numbers.
//!
//! The method:
//! - each lever is a lattice: the integers of its range for an integer key
//!   (`free.usage_limit=1..20`) or a range with whole ends (`8..30`: $1
//!   steps, as `sweep` reads it), `low..high:n` points, [`RESOLUTION`]
//!   points for other ranges (`0.01..0.1`), or the values listed;
//! - every lattice point is simulated at most once (a cache), with the
//!   scenario's seed: run `r` draws the same random numbers at every point;
//! - when the whole lattice has at most [`EXHAUSTIVE`] points it is
//!   evaluated in full; else argmin's Nelder-Mead simplex
//!   (`argmin::solver::neldermead`, Nelder & Mead 1965) searches the
//!   continuous relaxation (each lever scaled to [0, 1]), every vertex
//!   snapped to the nearest lattice point, from [`STARTS`] starts (the
//!   centre of the box and two diagonal points), then a lattice polish
//!   (each lever one lattice step up and down, as long as that improves);
//!   no more than [`MAX_EVALUATIONS`] simulations in all;
//! - a constraint (`cac_payback_months <= 12 at p90`) is a penalty: an
//!   infeasible point costs more than any feasible one, by how far it
//!   misses its bounds (relative to them), so the simplex is led back to
//!   the feasible region; the best point is the best feasible one.
//!
//! Deterministic: Nelder-Mead draws no random numbers, the starts are fixed,
//! and the points are simulated one after the other.

use std::cell::RefCell;
use std::collections::HashMap;

use super::target::{Lever, Statistic, run_values, variant};
use super::{Difference, paired_difference};
use crate::engine;
use crate::metrics::Horizon;
use crate::scenario::{Scenario, ScenarioError};

/// Points of a continuous lever's lattice when `low..high` gives no count.
pub const RESOLUTION: usize = 21;
/// A lattice of at most this many points is evaluated in full.
pub const EXHAUSTIVE: usize = 64;
/// Most simulations of a search.
pub const MAX_EVALUATIONS: usize = 160;
/// Nelder-Mead starts.
pub const STARTS: usize = 3;
/// Nelder-Mead iterations per start.
pub const ITERATIONS: u64 = 60;
/// Most levers.
pub const MAX_LEVERS: usize = 4;
/// Runners-up reported.
pub const RUNNERS_UP: usize = 5;

/// `<=` or `>=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    AtMost,
    AtLeast,
}

/// `METRIC <= X [at STAT]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    pub metric: Horizon,
    pub bound: Bound,
    pub value: f64,
    pub statistic: Statistic,
}

impl Constraint {
    /// Parses `cac_payback_months <= 12 at p90`, `cash_balance_min >= -200k`
    /// (the mean when no `at` is given; `k` and `M` multiply by a thousand
    /// and a million; `_` and `$` are ignored).
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let expected = "expected METRIC <= VALUE or METRIC >= VALUE, optionally followed by `at mean` or `at pNN` (NN from 1 to 99), e.g. \"cac_payback_months <= 12 at p90\"";
        let (lhs, op, rest) = ["<=", ">=", "<", ">"]
            .iter()
            .find_map(|op| text.split_once(op).map(|(l, r)| (l, *op, r)))
            .ok_or_else(|| format!("--constraint \"{text}\": no <= or >=; {expected}"))?;
        let name = lhs.trim();
        let metric = Horizon::from_name(name).ok_or_else(|| {
            format!(
                "--constraint \"{text}\": unknown metric `{name}`, expected one of {}",
                Horizon::ALL.iter().map(|h| h.name()).collect::<Vec<_>>().join(", ")
            )
        })?;
        let bound = if op.starts_with('<') { Bound::AtMost } else { Bound::AtLeast };
        let (value, stat) = match rest.split_once(" at ") {
            Some((v, s)) => (v, Some(s)),
            None => (rest, None),
        };
        let statistic = match stat {
            None => Statistic::Mean,
            Some(s) => Statistic::parse(s)
                .ok_or_else(|| format!("--constraint \"{text}\": `{}` is not a statistic; {expected}", s.trim()))?,
        };
        let value = super::target::amount(value)
            .ok_or_else(|| format!("--constraint \"{text}\": `{}` is not a number; {expected}", value.trim()))?;
        Ok(Constraint { metric, bound, value, statistic })
    }

    /// Whether the statistic `s` meets the bound.
    pub fn holds(&self, s: f64) -> bool {
        match self.bound {
            Bound::AtMost => s <= self.value,
            Bound::AtLeast => s >= self.value,
        }
    }

    /// How far `s` misses the bound, relative to it (0 when it holds).
    fn violation(&self, s: Option<f64>) -> f64 {
        let Some(s) = s.filter(|s| !s.is_nan()) else { return 1e3 };
        let miss = match self.bound {
            Bound::AtMost => s - self.value,
            Bound::AtLeast => self.value - s,
        };
        if miss <= 0.0 { 0.0 } else { (miss / self.value.abs().max(1e-9)).min(1e3) }
    }

    /// `cac_payback_months <= 12 at p90`.
    pub fn text(&self) -> String {
        let op = match self.bound {
            Bound::AtMost => "<=",
            Bound::AtLeast => ">=",
        };
        format!("{} {op} {} at {}", self.metric.name(), crate::format::as_written(self.value), self.statistic.name())
    }
}

/// What is optimised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    pub metric: Horizon,
    pub statistic: Statistic,
}

/// One evaluated lattice point.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// Lattice indices, one per lever.
    pub index: Vec<usize>,
    pub coords: Vec<f64>,
    /// The objective's statistic.
    pub objective: Option<f64>,
    /// The objective metric, run by run.
    pub values: Vec<Option<f64>>,
    /// Each constraint's statistic.
    pub constraints: Vec<Option<f64>>,
    pub feasible: bool,
}

/// A runner-up and how the best compares with it, run by run.
#[derive(Debug, Clone)]
pub struct RunnerUp {
    /// Index in [`Optimum::points`].
    pub point: usize,
    /// Best minus this point on the objective's metric, run by run.
    pub diff: Option<Difference>,
    /// Best minus this point on the objective (its statistic), with a 95%
    /// interval: the paired interval of the mean difference for the mean;
    /// for a percentile, a paired bootstrap over runs ([`BOOTSTRAP`]
    /// resamples of the run indices, the same for both points).
    pub objective_diff: Option<(f64, f64, f64)>,
    /// That interval excludes 0 in the best's favour.
    pub beyond_noise: bool,
}

/// A finished search.
#[derive(Debug, Clone)]
pub struct Optimum {
    pub scenario: String,
    pub seed: u64,
    pub runs: u32,
    pub levers: Vec<Lever>,
    pub lattices: Vec<Vec<f64>>,
    pub objective: Objective,
    pub constraints: Vec<Constraint>,
    /// In evaluation order.
    pub points: Vec<Evaluated>,
    /// The best feasible point (index in `points`).
    pub best: Option<usize>,
    pub runners_up: Vec<RunnerUp>,
    /// Points of the whole lattice.
    pub full_grid: usize,
    /// Whether the whole lattice was evaluated.
    pub exhaustive: bool,
    /// See [`super::target::warnings`].
    pub warnings: Vec<String>,
}

impl Optimum {
    /// Simulations run: one per evaluated point.
    pub fn simulations(&self) -> usize {
        self.points.len()
    }

    /// Point `i`'s lever values as written in a scenario: `free.usage_limit
    /// = 5, plans.pro.price_per_month = 12`.
    pub fn describe(&self, i: usize) -> String {
        self.levers
            .iter()
            .zip(&self.points[i].coords)
            .map(|(l, v)| format!("{} = {}", l.key, crate::format::as_written(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What is wrong with a search.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OptimizeError {
    #[error("optimize takes 1 to {MAX_LEVERS} levers (--param), got {0}")]
    Levers(usize),
    #[error("`{0}` is given twice")]
    Twice(String),
    /// A lattice point is not a valid scenario.
    #[error("at {point}:\n{error}")]
    Scenario { point: String, error: ScenarioError },
}

/// The lattice of a lever (see the module docs).
pub fn lattice(lever: &Lever) -> Vec<f64> {
    if lever.list.is_some() {
        return lever.grid(0);
    }
    match lever.points {
        Some(n) => lever.grid(n),
        None if lever.integer => lever.grid(super::sweep::MAX_AXIS_POINTS),
        // Whole ends (`8..30`): whole steps, as `sweep` reads `8..30`.
        None if lever.low.fract() == 0.0
            && lever.high.fract() == 0.0
            && lever.high - lever.low < super::sweep::MAX_AXIS_POINTS as f64 =>
        {
            lever.grid((lever.high - lever.low) as usize + 1)
        }
        None => lever.grid(RESOLUTION),
    }
}

/// How many simulations a search of these lattices runs at most.
pub fn planned(levers: &[Lever]) -> usize {
    let full: usize = levers.iter().map(|l| lattice(l).len()).product();
    if full <= EXHAUSTIVE { full } else { full.min(MAX_EVALUATIONS) }
}

struct Search<'a> {
    original: &'a Scenario,
    /// The engine of every point (`engine::shared`).
    engine: crate::scenario::EngineChoice,
    keys: Vec<&'a str>,
    lattices: Vec<Vec<f64>>,
    objective: Objective,
    constraints: &'a [Constraint],
    metrics: Vec<Horizon>,
    points: RefCell<Vec<Evaluated>>,
    by_index: RefCell<HashMap<Vec<usize>, usize>>,
    error: RefCell<Option<OptimizeError>>,
    on_eval: &'a (dyn Fn() + Sync),
}

/// Stops Nelder-Mead when the budget is spent (not an error of ours).
#[derive(Debug, thiserror::Error)]
#[error("stopped")]
struct Stop;

impl Search<'_> {
    fn point_text(&self, coords: &[f64]) -> String {
        self.keys
            .iter()
            .zip(coords)
            .map(|(k, v)| format!("{k} = {}", crate::format::as_written(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The point at `index`, simulated once.
    fn eval(&self, index: &[usize]) -> Result<usize, OptimizeError> {
        if let Some(&i) = self.by_index.borrow().get(index) {
            return Ok(i);
        }
        let coords: Vec<f64> = index.iter().zip(&self.lattices).map(|(&i, l)| l[i]).collect();
        let s = variant(self.original, &self.keys, &coords)
            .map_err(|error| OptimizeError::Scenario { point: self.point_text(&coords), error })?
            .pinned(self.engine);
        let sim = engine::simulate(&s, &|| {});
        (self.on_eval)();
        let per_metric: Vec<Vec<Option<f64>>> = self.metrics.iter().map(|m| run_values(&s, &sim, *m)).collect();
        let col = |m: Horizon| self.metrics.iter().position(|x| *x == m).expect("listed");
        let values = per_metric[col(self.objective.metric)].clone();
        let objective = self.objective.statistic.of(&values).filter(|x| !x.is_nan());
        let constraints: Vec<Option<f64>> =
            self.constraints.iter().map(|c| c.statistic.of(&per_metric[col(c.metric)])).collect();
        let feasible = objective.is_some()
            && self.constraints.iter().zip(&constraints).all(|(c, s)| s.is_some_and(|s| c.holds(s)));
        let mut points = self.points.borrow_mut();
        points.push(Evaluated { index: index.to_vec(), coords, objective, values, constraints, feasible });
        let i = points.len() - 1;
        self.by_index.borrow_mut().insert(index.to_vec(), i);
        Ok(i)
    }

    /// The cost of a point (lower is better): minus the objective (or the
    /// objective, lower is better), or a penalty above any feasible cost.
    fn cost(&self, i: usize) -> f64 {
        let points = self.points.borrow();
        let p = &points[i];
        if p.feasible {
            let o = p.objective.expect("feasible points have an objective");
            if self.objective.metric.higher_is_better() { -o } else { o }
        } else {
            let v: f64 = if p.objective.is_none() { 1e3 } else { 0.0 }
                + self.constraints.iter().zip(&p.constraints).map(|(c, s)| c.violation(*s)).sum::<f64>();
            PENALTY * (1.0 + v)
        }
    }

    /// The lattice point nearest `u` (each lever scaled to [0, 1]).
    fn snap(&self, u: &[f64]) -> Vec<usize> {
        u.iter()
            .zip(&self.lattices)
            .map(|(&x, l)| {
                let x = if x.is_nan() { 0.5 } else { x.clamp(0.0, 1.0) };
                libm::round(x * (l.len() - 1) as f64) as usize
            })
            .collect()
    }
}

/// The cost of an infeasible point starts here: above the cost of any
/// feasible one (money is bounded far below it).
const PENALTY: f64 = 1e18;

/// The continuous relaxation argmin searches.
struct Relaxed<'s, 'a>(&'s Search<'a>);

impl argmin::core::CostFunction for Relaxed<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, u: &Vec<f64>) -> Result<f64, argmin::core::Error> {
        let this = self.0;
        let index = this.snap(u);
        let known = this.by_index.borrow().get(&index).copied();
        let i = match known {
            Some(i) => i,
            None if this.points.borrow().len() >= MAX_EVALUATIONS => return Err(Stop.into()),
            None => match this.eval(&index) {
                Ok(i) => i,
                Err(e) => {
                    *this.error.borrow_mut() = Some(e);
                    return Err(Stop.into());
                }
            },
        };
        Ok(this.cost(i))
    }
}

/// Runs the search of `objective` over `levers` under `constraints`;
/// `on_eval` is called after each simulation.
pub fn run(
    original: &Scenario,
    levers: &[Lever],
    objective: Objective,
    constraints: &[Constraint],
    on_eval: &(dyn Fn() + Sync),
) -> Result<Optimum, OptimizeError> {
    if levers.is_empty() || levers.len() > MAX_LEVERS {
        return Err(OptimizeError::Levers(levers.len()));
    }
    for (i, l) in levers.iter().enumerate() {
        if levers[..i].iter().any(|m| m.key == l.key) {
            return Err(OptimizeError::Twice(l.key.clone()));
        }
    }
    let mut metrics = vec![objective.metric];
    for c in constraints {
        if !metrics.contains(&c.metric) {
            metrics.push(c.metric);
        }
    }
    let lattices: Vec<Vec<f64>> = levers.iter().map(lattice).collect();
    let full: usize = lattices.iter().map(Vec::len).product();
    let search = Search {
        original,
        engine: super::target::shared_engine(original, &levers.iter().collect::<Vec<_>>()),
        keys: levers.iter().map(|l| l.key.as_str()).collect(),
        lattices: lattices.clone(),
        objective,
        constraints,
        metrics,
        points: RefCell::new(Vec::new()),
        by_index: RefCell::new(HashMap::new()),
        error: RefCell::new(None),
        on_eval,
    };
    let exhaustive = full <= EXHAUSTIVE;
    if exhaustive {
        let mut index = vec![0usize; lattices.len()];
        'all: loop {
            search.eval(&index)?;
            // Row-major: the last lever varies fastest.
            for d in (0..index.len()).rev() {
                index[d] += 1;
                if index[d] < lattices[d].len() {
                    continue 'all;
                }
                index[d] = 0;
            }
            break;
        }
    } else {
        let d = lattices.len();
        let starts: [f64; STARTS] = [0.5, 0.2, 0.8];
        for &s in &starts {
            if search.points.borrow().len() >= MAX_EVALUATIONS {
                break;
            }
            let start = vec![s; d];
            let mut simplex = vec![start.clone()];
            for k in 0..d {
                let mut v = start.clone();
                v[k] += if s > 0.5 { -0.25 } else { 0.25 };
                simplex.push(v);
            }
            let solver = argmin::solver::neldermead::NelderMead::new(simplex)
                .with_sd_tolerance(1e-12)
                .expect("a valid tolerance");
            // An error is the budget spent or a bad point (kept in `error`):
            // what was evaluated stays in the cache either way.
            let _ =
                argmin::core::Executor::new(Relaxed(&search), solver).configure(|st| st.max_iters(ITERATIONS)).run();
            if let Some(e) = search.error.borrow_mut().take() {
                return Err(e);
            }
        }
        polish(&search)?;
        return Ok(finish(search, levers, lattices, objective, constraints, full, false));
    }
    Ok(finish(search, levers, lattices, objective, constraints, full, exhaustive))
}

/// From the best point, one lattice step along each lever, as long as that
/// improves the cost (and the budget lasts).
fn polish(search: &Search) -> Result<(), OptimizeError> {
    loop {
        let Some(best) = best_by_cost(search) else { return Ok(()) };
        let here = search.points.borrow()[best].index.clone();
        let mut improved = false;
        for d in 0..here.len() {
            for step in [-1i64, 1] {
                let j = here[d] as i64 + step;
                if j < 0 || j >= search.lattices[d].len() as i64 {
                    continue;
                }
                let mut index = here.clone();
                index[d] = j as usize;
                let known = search.by_index.borrow().contains_key(&index);
                if !known && search.points.borrow().len() >= MAX_EVALUATIONS {
                    return Ok(());
                }
                let i = search.eval(&index)?;
                if search.cost(i) < search.cost(best) {
                    improved = true;
                }
            }
        }
        if !improved {
            return Ok(());
        }
    }
}

/// The point of least cost (the first evaluated of equals).
fn best_by_cost(search: &Search) -> Option<usize> {
    let n = search.points.borrow().len();
    (0..n).fold(None, |b: Option<usize>, i| match b {
        Some(b) if search.cost(b) <= search.cost(i) => Some(b),
        _ => Some(i),
    })
}

fn finish(
    search: Search,
    levers: &[Lever],
    lattices: Vec<Vec<f64>>,
    objective: Objective,
    constraints: &[Constraint],
    full: usize,
    exhaustive: bool,
) -> Optimum {
    let n = search.points.borrow().len();
    let mut order: Vec<usize> = (0..n).filter(|&i| search.points.borrow()[i].feasible).collect();
    order.sort_by(|&a, &b| search.cost(a).total_cmp(&search.cost(b)).then(a.cmp(&b)));
    let points = search.points.into_inner();
    let best = order.first().copied();
    let higher = objective.metric.higher_is_better();
    let runners_up = match best {
        None => Vec::new(),
        Some(b) => order[1..]
            .iter()
            .take(RUNNERS_UP)
            .map(|&j| {
                let diff = paired_difference(&points[b].values, &points[j].values);
                let objective_diff = match objective.statistic {
                    Statistic::Mean => diff.map(|d| (d.mean, d.low, d.high)),
                    s => stat_difference(&points[b].values, &points[j].values, s, search.original.seed),
                };
                let beyond_noise =
                    objective_diff.is_some_and(|(_, low, high)| if higher { low > 0.0 } else { high < 0.0 });
                RunnerUp { point: j, diff, objective_diff, beyond_noise }
            })
            .collect(),
    };
    let mut warnings = super::target::warnings(search.original, &search.keys);
    // A best at the end of a lever's range may only be the best of the range.
    if let Some(b) = best {
        for ((lever, lattice), &i) in levers.iter().zip(&lattices).zip(&points[b].index) {
            let end = if lattice.len() < 2 {
                None
            } else if i == 0 {
                Some("lowest")
            } else if i + 1 == lattice.len() {
                Some("highest")
            } else {
                None
            };
            if let Some(end) = end {
                warnings.push(format!(
                    "the best {} is the {end} value searched ({}): the optimum may lie beyond the range; widen it to know",
                    lever.key,
                    crate::format::as_written(lattice[i])
                ));
            }
        }
    }
    Optimum {
        scenario: search.original.name.clone(),
        seed: search.original.seed,
        runs: search.original.runs,
        levers: levers.to_vec(),
        lattices,
        objective,
        constraints: constraints.to_vec(),
        points,
        best,
        runners_up,
        full_grid: full,
        exhaustive,
        warnings,
    }
}

/// Bootstrap resamples of a percentile objective's paired difference.
pub const BOOTSTRAP: usize = 200;

/// `statistic(a) - statistic(b)` and its paired bootstrap 95% interval:
/// the same resampled run indices for both.
fn stat_difference(a: &[Option<f64>], b: &[Option<f64>], statistic: Statistic, seed: u64) -> Option<(f64, f64, f64)> {
    let d = statistic.of(a)? - statistic.of(b)?;
    let n = a.len().min(b.len());
    if n < 2 || !d.is_finite() {
        return Some((d, d, d));
    }
    let mut rng = super::target::SplitMix(crate::rng::mix64(seed ^ 0x6f70_7469_6d69_7a65));
    let (mut ra, mut rb) = (vec![None; n], vec![None; n]);
    let mut ds: Vec<f64> = Vec::with_capacity(BOOTSTRAP);
    for _ in 0..BOOTSTRAP {
        for k in 0..n {
            let i = rng.below(n);
            ra[k] = a[i];
            rb[k] = b[i];
        }
        if let (Some(x), Some(y)) = (statistic.of(&ra), statistic.of(&rb))
            && (x - y).is_finite()
        {
            ds.push(x - y);
        }
    }
    if ds.is_empty() {
        return Some((d, d, d));
    }
    ds.sort_by(f64::total_cmp);
    Some((d, crate::stats::percentile_sorted(&ds, 2.5), crate::stats::percentile_sorted(&ds, 97.5)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_parse_with_their_statistic() {
        let c = Constraint::parse("cac_payback_months <= 12 at p90").unwrap();
        assert_eq!(
            c,
            Constraint {
                metric: Horizon::CacPaybackMonths,
                bound: Bound::AtMost,
                value: 12.0,
                statistic: Statistic::Percentile(90.0)
            }
        );
        assert_eq!(c.text(), "cac_payback_months <= 12 at p90");
        let c = Constraint::parse("cash_balance_min >= -200k").unwrap();
        assert_eq!((c.value, c.bound, c.statistic), (-200_000.0, Bound::AtLeast, Statistic::Mean));
        assert!(c.holds(-150_000.0) && !c.holds(-250_000.0));
        assert!((c.violation(Some(-300_000.0)) - 0.5).abs() < 1e-12);
        for bad in ["cac <= 3", "cac_blended <= x", "cac_blended <= 3 at p200", "cac_blended 3"] {
            assert!(Constraint::parse(bad).is_err(), "{bad}");
        }
        assert!(Constraint::parse("cac_blended <= 3 at p200").unwrap_err().contains("p200"));
    }
}
