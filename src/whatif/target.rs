//! `plgsim target`: goal seek. The value of one parameter (a lever) at
//! which a horizon metric reaches a target, on its mean or with a given
//! probability, with a bootstrap interval and the curve around it.
//!
//! Every value of the lever is the scenario with the lever overridden
//! ([`Scenario::with_overrides`], validated like the file) and simulated
//! with the scenario's seed, so run `r` draws the same random numbers at
//! every value (common random numbers) and the curve of the statistic
//! against the lever is smooth up to the model's own discreteness: a
//! bracketing root finder works on it.
//!
//! The method:
//! 1. a coarse grid over the range (9 points by default; for an integer key
//!    the integers, or 9 of them rounded);
//! 2. every pair of neighbouring grid points where the statistic crosses the
//!    target is a bracket, refined by the Illinois variant of regula falsi
//!    (Dowell & Jarratt 1971), with a bisection step whenever the bracket
//!    did not halve in two steps and no step closer than half the tolerance
//!    to an end of the bracket, to a width of [`TOLERANCE`] of the range
//!    (an integer key: to two neighbouring integers, integers only);
//! 3. the interval of each root from the Monte Carlo error: a bootstrap
//!    over runs ([`BOOTSTRAP`] resamples of the run indices, with a fixed
//!    seed): at every evaluated value the statistic is recomputed from the
//!    stored per-run values of the resample, the crossing re-solved by
//!    linear interpolation between evaluated values, and the interval is
//!    the 2.5th to 97.5th percentile of the re-solved roots.
//!
//! "Reaches" follows the metric's direction: for a higher-is-better metric
//! the metric reaches `R` when it is `>= R`; for a lower-is-better one
//! (CAC, payback, churn) when it is `<= R`. With a probability `p` the
//! statistic is the quantile that makes `P(reached) = p`: the `1 - p`
//! quantile across runs (higher is better) or the `p` quantile (lower is
//! better). Without one, it is the mean.

use crate::engine;
use crate::metrics::Horizon;
use crate::scenario::param::fmt_num as value_text;
use crate::scenario::{Override, Scenario, ScenarioError};
use crate::stats;

/// Coarse grid points by default.
pub const GRID_POINTS: usize = 9;
/// Width of a refined bracket, relative to the range.
pub const TOLERANCE: f64 = 1e-3;
/// Bootstrap resamples of the runs.
pub const BOOTSTRAP: usize = 200;
/// Most evaluations while refining one bracket.
pub const MAX_REFINE: usize = 30;

/// A statistic across runs: the mean or a percentile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    Mean,
    /// 0 to 100.
    Percentile(f64),
}

impl Statistic {
    /// `mean`, or `pNN` with NN from 1 to 99 (`p10`, `p50`, `p90`, `p5`).
    pub fn parse(s: &str) -> Option<Statistic> {
        let s = s.trim().to_ascii_lowercase();
        if s == "mean" {
            return Some(Statistic::Mean);
        }
        let n: u32 = s.strip_prefix('p')?.parse().ok()?;
        (1..=99).contains(&n).then_some(Statistic::Percentile(n as f64))
    }

    /// `mean`, `p10`, `p20.5`.
    pub fn name(self) -> String {
        match self {
            Statistic::Mean => "mean".into(),
            Statistic::Percentile(q) => format!("p{}", crate::format::as_written(q)),
        }
    }

    /// Of per-run values: over the runs where the value is defined (an
    /// infinite value, a runway never ended, counts); `None` with none.
    pub fn of(self, values: &[Option<f64>]) -> Option<f64> {
        let mut xs: Vec<f64> = values.iter().flatten().copied().filter(|x| !x.is_nan()).collect();
        if xs.is_empty() {
            return None;
        }
        xs.sort_by(f64::total_cmp);
        Some(match self {
            Statistic::Mean => xs.iter().sum::<f64>() / xs.len() as f64,
            Statistic::Percentile(q) => quantile(&xs, q),
        })
    }
}

/// [`stats::percentile_sorted`], where an infinite neighbour is not mixed
/// into a finite value (`inf - inf` would be NaN).
fn quantile(xs: &[f64], q: f64) -> f64 {
    let h = (xs.len() - 1) as f64 * q / 100.0;
    let i = h.floor() as usize;
    let f = h - i as f64;
    if i + 1 >= xs.len() || f == 0.0 || xs[i] == xs[i + 1] {
        xs[i]
    } else if xs[i + 1].is_infinite() || xs[i].is_infinite() {
        if f < 0.5 { xs[i] } else { xs[i + 1] }
    } else {
        stats::percentile_sorted(xs, q)
    }
}

/// A run's value of `metric`, as the decision commands use it: a runway
/// that never ends (the cash never goes below zero) is infinite, not
/// undefined, when the scenario has a starting cash; else
/// [`engine::Simulation::horizon_values`].
pub fn run_values(scenario: &Scenario, sim: &engine::Simulation, metric: Horizon) -> Vec<Option<f64>> {
    let endless = metric == Horizon::RunwayMonths && scenario.has_starting_cash();
    sim.horizon_values(metric).map(|v| if endless { v.or(Some(f64::INFINITY)) } else { v }).collect()
}

/// One parameter and the range it may take.
#[derive(Debug, Clone, PartialEq)]
pub struct Lever {
    pub key: String,
    pub low: f64,
    pub high: f64,
    /// Only whole values are evaluated: a count (seats, accounts), or a
    /// usage limit whose range has whole ends (`free.usage_limit=1..20`).
    pub integer: bool,
    /// Points asked for with `low..high:n`.
    pub points: Option<usize>,
    /// Values given as a list (`KEY=1,3,5`), if so.
    pub list: Option<Vec<f64>>,
}

/// Why a lever (`KEY=low..high`) cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LeverError {
    #[error(
        "--param `{0}` is not KEY=LOW..HIGH (e.g. free.eventual_conversion=0.01..0.10 or plans.pro.price_per_month=8..30:12)"
    )]
    Syntax(String),
    #[error("--param {key}: {what}")]
    Range { key: String, what: String },
    #[error(
        "--param {key}: not a numeric parameter of the scenario (a lever must be a number the scenario uses, such as free.usage_limit or plans.<name>.price_per_month)"
    )]
    NotNumeric { key: String },
    /// The key or a value is not valid in the scenario.
    #[error("--param {key}:\n{error}")]
    Scenario { key: String, error: ScenarioError },
}

impl Lever {
    /// Parses `KEY=LOW..HIGH`, `KEY=LOW..HIGH:N` or (when `lists`) `KEY=A,B,C`,
    /// and checks the key against `scenario`: it must be a numeric parameter
    /// and both ends of the range valid values of it ([`Scenario::with_overrides`]).
    pub fn parse(scenario: &Scenario, arg: &str, lists: bool) -> Result<Lever, LeverError> {
        let (key, values) = arg.split_once('=').ok_or_else(|| LeverError::Syntax(arg.to_string()))?;
        let key = key.trim().to_string();
        let values = values.trim();
        let range = |what: String| LeverError::Range { key: key.clone(), what };
        let number = |t: &str| -> Result<f64, LeverError> {
            let t = t.trim().replace('_', "");
            t.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| range(format!("`{t}` is not a number")))
        };
        let (mut low, mut high, points, list) = if let Some((lo, rest)) = values.split_once("..") {
            let (hi, n) = match rest.split_once(':') {
                Some((h, n)) => {
                    let n = n.trim().parse::<usize>().ok().filter(|n| (2..=super::sweep::MAX_AXIS_POINTS).contains(n));
                    let n = n.ok_or_else(|| {
                        range(format!("the number of points must be 2 to {}", super::sweep::MAX_AXIS_POINTS))
                    })?;
                    (h, Some(n))
                }
                None => (rest, None),
            };
            (number(lo)?, number(hi)?, n, None)
        } else if lists && values.contains(',') {
            let mut v: Vec<f64> = values.split(',').map(number).collect::<Result<_, _>>()?;
            v.sort_by(f64::total_cmp);
            v.dedup();
            (v[0], v[v.len() - 1], None, Some(v))
        } else {
            return Err(LeverError::Syntax(arg.to_string()));
        };
        if low >= high {
            return Err(range(format!(
                "the range {}..{} is empty or goes down: give LOW..HIGH with LOW < HIGH",
                as_text(low),
                as_text(high)
            )));
        }
        let Some(id) = scenario.param_by_key(&key) else {
            // An unknown key gets the scenario's own message; a known key
            // that is not a number (trial.start) gets ours.
            return Err(
                match scenario.with_overrides(&[Override { key: key.clone(), value: value_text(low), origin: None }]) {
                    Err(error) => LeverError::Scenario { key, error },
                    Ok(_) => LeverError::NotNumeric { key },
                },
            );
        };
        // Counts (seats, accounts), and a usage limit given with whole ends
        // (`free.usage_limit=1..20` projects; `0.5..10` GB stays continuous).
        let integer =
            scenario.param(id).integer || (key.ends_with("usage_limit") && low.fract() == 0.0 && high.fract() == 0.0);
        if integer {
            low = libm::ceil(low);
            high = libm::floor(high);
            if low >= high {
                return Err(range("an integer key needs at least two whole values in its range".into()));
            }
        }
        for v in [low, high] {
            scenario
                .with_overrides(&[Override { key: key.clone(), value: value_text(v), origin: None }])
                .map_err(|error| LeverError::Scenario { key: key.clone(), error })?;
        }
        let list = list.map(|v: Vec<f64>| {
            let mut v: Vec<f64> = v.into_iter().map(|x| if integer { libm::round(x) } else { x }).collect();
            v.dedup();
            v
        });
        Ok(Lever { key, low, high, integer, points, list })
    }

    /// `n` evenly spaced values from low to high (both included); integers
    /// only, each once, for an integer key (all of them when there are at
    /// most `n`).
    pub fn grid(&self, n: usize) -> Vec<f64> {
        if let Some(v) = &self.list {
            return v.clone();
        }
        let n = n.max(2);
        if self.integer && self.high - self.low + 1.0 <= n as f64 {
            return (self.low as i64..=self.high as i64).map(|x| x as f64).collect();
        }
        let mut v: Vec<f64> = (0..n)
            .map(|i| {
                let x = self.low + (self.high - self.low) * i as f64 / (n - 1) as f64;
                if self.integer { libm::round(x) } else { x }
            })
            .collect();
        v.dedup();
        v
    }
}

/// A number as a command line gives it: `1000000`, `1_000_000`, `$1M`,
/// `-200k` (`k` and `M` multiply by a thousand and a million; `_`, `$` and
/// `,` are ignored).
pub fn amount(t: &str) -> Option<f64> {
    let t = t.trim().replace(['_', '$', ','], "");
    let (t, scale) = match t.strip_suffix(['k', 'K']) {
        Some(s) => (s.to_string(), 1e3),
        None => match t.strip_suffix('M') {
            Some(s) => (s.to_string(), 1e6),
            None => (t, 1.0),
        },
    };
    t.trim().parse::<f64>().ok().map(|x| x * scale).filter(|x| x.is_finite())
}

fn as_text(x: f64) -> String {
    crate::format::as_written(x)
}

/// What a reader must know of these levers (see [`super::lever_warnings`]).
pub fn warnings(original: &Scenario, keys: &[&str]) -> Vec<String> {
    super::lever_warnings(original, keys, "a lever")
}

/// The scenario with `keys` set to `coords`, validated like the file.
pub fn variant(original: &Scenario, keys: &[&str], coords: &[f64]) -> Result<Scenario, ScenarioError> {
    let ovr: Vec<Override> = keys
        .iter()
        .zip(coords)
        .map(|(k, v)| Override { key: k.to_string(), value: value_text(*v), origin: None })
        .collect();
    original.with_overrides(&ovr)
}

/// The engine of every evaluation of `levers` (`engine::shared`): the
/// scenario's, probed with every lever at the low and at the high end of
/// its range (a lever that turns a mechanic on does so at an end).
pub(crate) fn shared_engine(original: &Scenario, levers: &[&Lever]) -> crate::scenario::EngineChoice {
    let keys: Vec<&str> = levers.iter().map(|l| l.key.as_str()).collect();
    let ends: Vec<Scenario> =
        [levers.iter().map(|l| l.low).collect::<Vec<f64>>(), levers.iter().map(|l| l.high).collect()]
            .iter()
            .filter_map(|coords| variant(original, &keys, coords).ok())
            .collect();
    engine::shared(original, &ends.iter().collect::<Vec<_>>()).choice()
}

/// What is sought.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    pub metric: Horizon,
    pub reach: f64,
    /// `None`: the mean reaches the target.
    pub probability: Option<f64>,
}

impl Goal {
    /// The statistic whose crossing of the target is sought (see the module docs).
    pub fn statistic(&self) -> Statistic {
        match self.probability {
            None => Statistic::Mean,
            Some(p) if self.metric.higher_is_better() => Statistic::Percentile(100.0 * (1.0 - p)),
            Some(p) => Statistic::Percentile(100.0 * p),
        }
    }

    /// Whether a value reaches the target.
    pub fn reached(&self, x: f64) -> bool {
        if self.metric.higher_is_better() { x >= self.reach } else { x <= self.reach }
    }

    /// The margin by which a statistic reaches the target: >= 0 when it does.
    fn margin(&self, s: f64) -> f64 {
        if self.metric.higher_is_better() { s - self.reach } else { self.reach - s }
    }
}

/// One evaluated value of the lever.
#[derive(Debug, Clone)]
pub struct CurvePoint {
    pub x: f64,
    /// The metric, run by run.
    pub values: Vec<Option<f64>>,
    /// The goal's statistic ([`Goal::statistic`]).
    pub stat: Option<f64>,
    pub mean: Option<f64>,
    pub p10: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    /// Share of the runs (where defined) that reach the target.
    pub p_reach: Option<f64>,
    /// Whether it is a coarse grid point (else a refinement step).
    pub on_grid: bool,
}

/// A value of the lever at which the statistic crosses the target.
#[derive(Debug, Clone, PartialEq)]
pub struct Root {
    /// Where the statistic meets the target: linear interpolation between
    /// the refined bracket's ends (an integer key: the bracket's end that
    /// reaches it, see `crossing`).
    pub value: f64,
    /// The interpolated crossing (for an integer key, between two integers).
    pub crossing: f64,
    /// Bootstrap 95% interval of the crossing.
    pub low: f64,
    pub high: f64,
    /// Bootstrap resamples in which this crossing vanished (the curve of
    /// the resample does not cross the target anywhere).
    pub resamples_without: usize,
    /// Whether the target is reached above this value (else below it).
    pub reached_above: bool,
    /// The refined bracket.
    pub bracket: (f64, f64),
}

/// How the search ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// One or more crossings (several: the curve is not monotone).
    Found(Vec<Root>),
    /// Reached at every evaluated value: the least margin is at `at`.
    Everywhere { at: f64, stat: f64 },
    /// Reached nowhere in the range: the best statistic, and where (`end`:
    /// `low`, `high` or `inside`).
    OutOfReach { at: f64, stat: f64, end: &'static str },
    /// The statistic is undefined at every value.
    Undefined,
}

/// A finished goal seek.
#[derive(Debug, Clone)]
pub struct Target {
    pub scenario: String,
    pub seed: u64,
    pub runs: u32,
    pub lever: Lever,
    pub goal: Goal,
    /// Sorted by the lever's value.
    pub curve: Vec<CurvePoint>,
    pub outcome: Outcome,
    /// Absolute tolerance of a root (0 for an integer key: exact integers).
    pub tolerance: f64,
    pub bootstrap: usize,
    /// See [`warnings`].
    pub warnings: Vec<String>,
}

impl Target {
    /// Simulations run: one per evaluated value.
    pub fn simulations(&self) -> usize {
        self.curve.len()
    }
}

/// Why a goal seek could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// A value of the lever is not a valid scenario.
    #[error("at {point}:\n{error}")]
    Scenario { point: String, error: ScenarioError },
}

/// Runs the goal seek of `goal` over `lever` on `original`; `on_eval` is
/// called after each simulation.
pub fn run(
    original: &Scenario,
    lever: &Lever,
    goal: Goal,
    grid_points: usize,
    on_eval: &(dyn Fn() + Sync),
) -> Result<Target, TargetError> {
    let key = lever.key.as_str();
    let shared = shared_engine(original, &[lever]);
    let mut eval = |x: f64| -> Result<Vec<Option<f64>>, TargetError> {
        let s = variant(original, &[key], &[x])
            .map_err(|error| TargetError::Scenario { point: format!("{key} = {}", as_text(x)), error })?
            .pinned(shared);
        let sim = engine::simulate(&s, &|| {});
        on_eval();
        Ok(run_values(&s, &sim, goal.metric))
    };
    let grid = lever.grid(grid_points);
    let (curve, outcome, tolerance) = seek(&grid, lever.integer, goal, bootstrap_seed(original.seed), &mut eval)?;
    Ok(Target {
        scenario: original.name.clone(),
        seed: original.seed,
        runs: original.runs,
        lever: lever.clone(),
        goal,
        curve,
        outcome,
        tolerance,
        bootstrap: BOOTSTRAP,
        warnings: warnings(original, &[key]),
    })
}

fn bootstrap_seed(seed: u64) -> u64 {
    crate::rng::mix64(seed ^ 0x7a72_6574_5f62_6f6f)
}

/// The search on `grid` (sorted), with `eval` giving the metric run by run
/// at a value: the evaluated curve, the outcome and the tolerance used.
pub fn seek<E>(
    grid: &[f64],
    integer: bool,
    goal: Goal,
    seed: u64,
    eval: &mut dyn FnMut(f64) -> Result<Vec<Option<f64>>, E>,
) -> Result<(Vec<CurvePoint>, Outcome, f64), E> {
    let range = grid[grid.len() - 1] - grid[0];
    let tol = if integer { 0.0 } else { TOLERANCE * range };
    let mut curve: Vec<CurvePoint> = Vec::new();
    let mut point = |x: f64, on_grid: bool, curve: &mut Vec<CurvePoint>| -> Result<Option<f64>, E> {
        if let Some(p) = curve.iter().find(|p| p.x == x) {
            return Ok(p.stat.map(|s| goal.margin(s)));
        }
        let values = eval(x)?;
        let p = curve_point(x, values, goal, on_grid);
        let m = p.stat.map(|s| goal.margin(s));
        curve.push(p);
        Ok(m)
    };
    let mut margins = Vec::with_capacity(grid.len());
    for &x in grid {
        margins.push(point(x, true, &mut curve)?);
    }
    // Brackets between neighbouring grid values, and exact hits.
    let mut found: Vec<Root> = Vec::new();
    for i in 0..grid.len() {
        let Some(gi) = margins[i] else { continue };
        if gi == 0.0 {
            // Exactly on target: reached on the side where the neighbours are.
            let above = margins
                .get(i + 1)
                .copied()
                .flatten()
                .map_or_else(|| i > 0 && margins[i - 1].is_some_and(|g| g < 0.0), |g| g >= 0.0);
            found.push(exact_root(grid[i], above));
            continue;
        }
        if i + 1 == grid.len() {
            break;
        }
        let Some(gj) = margins[i + 1] else { continue };
        if gj == 0.0 || (gi > 0.0) == (gj > 0.0) {
            continue;
        }
        let (mut a, mut b, mut ga, mut gb) = (grid[i], grid[i + 1], gi, gj);
        let (mut fa, mut fb) = (ga, gb); // the values used for interpolation (Illinois halves them)
        let mut side = 0i8;
        let mut widths = vec![b - a];
        let mut exact = None;
        for _ in 0..MAX_REFINE {
            let done = if integer { b - a <= 1.0 } else { b - a <= tol };
            if done {
                break;
            }
            let n = widths.len();
            let bisect = n >= 3 && widths[n - 1] > 0.5 * widths[n - 3];
            let mut c = if bisect { 0.5 * (a + b) } else { b - fb * (b - a) / (fb - fa) };
            if integer {
                c = libm::round(c).clamp(a + 1.0, b - 1.0);
            } else if !(c > a && c < b) {
                c = 0.5 * (a + b);
            } else {
                // Never closer than half the tolerance to an end: a step
                // curve (prices billed in cents) or a very flat end would
                // otherwise creep along one side.
                c = c.clamp(a + 0.5 * tol, b - 0.5 * tol);
            }
            let Some(gc) = point(c, false, &mut curve)? else {
                break;
            };
            if gc == 0.0 {
                exact = Some(c);
                break;
            }
            if (gc > 0.0) == (gb > 0.0) {
                b = c;
                gb = gc;
                fb = gc;
                if side == -1 {
                    fa /= 2.0;
                }
                side = -1;
            } else {
                a = c;
                ga = gc;
                fa = gc;
                if side == 1 {
                    fb /= 2.0;
                }
                side = 1;
            }
            widths.push(b - a);
        }
        let reached_above = gb > 0.0;
        let root = match exact {
            Some(c) => exact_root(c, reached_above),
            None => {
                let crossing = a - ga * (b - a) / (gb - ga);
                let value = if integer { if reached_above { b } else { a } } else { crossing };
                Root {
                    value,
                    crossing,
                    low: crossing,
                    high: crossing,
                    resamples_without: 0,
                    reached_above,
                    bracket: (a, b),
                }
            }
        };
        found.push(root);
    }
    curve.sort_by(|p, q| p.x.total_cmp(&q.x));
    let outcome = if !found.is_empty() {
        found.sort_by(|a, b| a.crossing.total_cmp(&b.crossing));
        bootstrap(&curve, goal, &mut found, seed);
        Outcome::Found(found)
    } else {
        let defined: Vec<(f64, f64)> = curve.iter().filter_map(|p| Some((p.x, p.stat?))).collect();
        if defined.is_empty() {
            Outcome::Undefined
        } else if defined.iter().all(|&(_, s)| goal.margin(s) >= 0.0) {
            let &(at, stat) =
                defined.iter().min_by(|a, b| goal.margin(a.1).total_cmp(&goal.margin(b.1))).expect("not empty");
            Outcome::Everywhere { at, stat }
        } else {
            // The best value: the largest margin (the first of equals).
            let mut best = defined[0];
            for &d in &defined[1..] {
                if goal.margin(d.1) > goal.margin(best.1) {
                    best = d;
                }
            }
            let end = if best.0 == grid[0] {
                "low"
            } else if best.0 == grid[grid.len() - 1] {
                "high"
            } else {
                "inside"
            };
            Outcome::OutOfReach { at: best.0, stat: best.1, end }
        }
    };
    Ok((curve, outcome, tol))
}

fn exact_root(x: f64, reached_above: bool) -> Root {
    Root { value: x, crossing: x, low: x, high: x, resamples_without: 0, reached_above, bracket: (x, x) }
}

fn curve_point(x: f64, values: Vec<Option<f64>>, goal: Goal, on_grid: bool) -> CurvePoint {
    let defined: Vec<f64> = values.iter().flatten().copied().filter(|v| !v.is_nan()).collect();
    let p_reach = (!defined.is_empty())
        .then(|| defined.iter().filter(|&&v| goal.reached(v)).count() as f64 / defined.len() as f64);
    CurvePoint {
        x,
        stat: goal.statistic().of(&values),
        mean: Statistic::Mean.of(&values),
        p10: Statistic::Percentile(10.0).of(&values),
        p50: Statistic::Percentile(50.0).of(&values),
        p90: Statistic::Percentile(90.0).of(&values),
        p_reach,
        values,
        on_grid,
    }
}

/// A splitmix64 sequence (the bootstrap's resampling; deterministic).
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        // Multiply-shift: uniform enough for n far below 2^32.
        (((crate::rng::mix64(self.0) >> 32) * n as u64) >> 32) as usize
    }
}

/// The bootstrap interval of every root (see the module docs): the
/// crossing nearest the original one in each resample's curve, by linear
/// interpolation between evaluated values.
fn bootstrap(curve: &[CurvePoint], goal: Goal, roots: &mut [Root], seed: u64) {
    let runs = curve[0].values.len();
    if runs < 2 {
        return;
    }
    let statistic = goal.statistic();
    let mut rng = SplitMix(seed);
    let mut solved: Vec<Vec<f64>> = vec![Vec::new(); roots.len()];
    let mut missing = vec![0usize; roots.len()];
    let mut sample = vec![None; runs];
    for _ in 0..BOOTSTRAP {
        let idx: Vec<usize> = (0..runs).map(|_| rng.below(runs)).collect();
        let margins: Vec<Option<f64>> = curve
            .iter()
            .map(|p| {
                for (slot, &i) in sample.iter_mut().zip(&idx) {
                    *slot = p.values[i];
                }
                statistic.of(&sample).map(|s| goal.margin(s))
            })
            .collect();
        let crossings = crossings(curve, &margins);
        for (k, r) in roots.iter().enumerate() {
            match crossings.iter().min_by(|a, b| (*a - r.crossing).abs().total_cmp(&(*b - r.crossing).abs())) {
                Some(&c) => solved[k].push(c),
                None => missing[k] += 1,
            }
        }
    }
    for (k, r) in roots.iter_mut().enumerate() {
        r.resamples_without = missing[k];
        let mut s = std::mem::take(&mut solved[k]);
        if s.is_empty() {
            continue;
        }
        s.sort_by(f64::total_cmp);
        r.low = stats::percentile_sorted(&s, 2.5).min(r.crossing);
        r.high = stats::percentile_sorted(&s, 97.5).max(r.crossing);
    }
}

/// Where a curve of margins crosses zero, by linear interpolation between
/// neighbouring evaluated values (an exact zero counts once).
fn crossings(curve: &[CurvePoint], margins: &[Option<f64>]) -> Vec<f64> {
    let mut out = Vec::new();
    let pts: Vec<(f64, f64)> = curve.iter().zip(margins).filter_map(|(p, m)| Some((p.x, (*m)?))).collect();
    for (i, &(x, g)) in pts.iter().enumerate() {
        if g == 0.0 {
            out.push(x);
            continue;
        }
        if let Some(&(x2, g2)) = pts.get(i + 1)
            && g2 != 0.0
            && (g > 0.0) != (g2 > 0.0)
        {
            out.push(x - g * (x2 - x) / (g2 - g));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn goal(metric: Horizon, reach: f64, probability: Option<f64>) -> Goal {
        Goal { metric, reach, probability }
    }

    /// Revenue = x * k_r in run r: the mean crosses R at R / mean(k), the
    /// 20th percentile at R / q20(k).
    #[test]
    fn a_linear_curve_has_its_root_within_the_tolerance() {
        let k: Vec<f64> = (0..50).map(|r| 100.0 + (r * 37 % 50) as f64).collect();
        let mut eval = |x: f64| -> Result<Vec<Option<f64>>, ()> { Ok(k.iter().map(|k| Some(x * k)).collect()) };
        let grid: Vec<f64> = (0..9).map(|i| 1.0 + i as f64).collect();
        let mean = k.iter().sum::<f64>() / 50.0;
        let (_, out, tol) = seek(&grid, false, goal(Horizon::RevenueTotal, 600.0, None), 1, &mut eval).unwrap();
        let Outcome::Found(r) = out else { panic!("{out:?}") };
        assert_eq!(r.len(), 1);
        assert!((r[0].value - 600.0 / mean).abs() <= tol, "{:?}", r[0]);
        assert!(r[0].reached_above && r[0].low <= r[0].value && r[0].value <= r[0].high);
        let mut sorted = k.clone();
        sorted.sort_by(f64::total_cmp);
        let q20 = stats::percentile_sorted(&sorted, 20.0);
        let (_, out, _) = seek(&grid, false, goal(Horizon::RevenueTotal, 600.0, Some(0.8)), 1, &mut eval).unwrap();
        let Outcome::Found(r) = out else { panic!("{out:?}") };
        assert!((r[0].value - 600.0 / q20).abs() <= tol, "{:?} vs {}", r[0], 600.0 / q20);
        // Out of reach: the best is at the high end.
        let (_, out, _) = seek(&grid, false, goal(Horizon::RevenueTotal, 1e6, None), 1, &mut eval).unwrap();
        assert!(matches!(out, Outcome::OutOfReach { at: 9.0, end: "high", .. }), "{out:?}");
        // Lower is better (CAC): reached below the root.
        let (_, out, _) = seek(&grid, false, goal(Horizon::CacBlended, 600.0, None), 1, &mut eval).unwrap();
        let Outcome::Found(r) = out else { panic!("{out:?}") };
        assert!(!r[0].reached_above && (r[0].value - 600.0 / mean).abs() <= tol);
    }

    /// A hump crosses twice; integers only on an integer key.
    #[test]
    fn a_hump_has_two_roots_and_integer_keys_stay_whole() {
        let mut seen = Vec::new();
        let mut eval = |x: f64| -> Result<Vec<Option<f64>>, ()> {
            seen.push(x);
            Ok(vec![Some(100.0 - (x - 10.0) * (x - 10.0)); 3])
        };
        let grid: Vec<f64> = (0..9).map(|i| libm::round(1.0 + 19.0 * i as f64 / 8.0)).collect();
        let (_, out, _) = seek(&grid, true, goal(Horizon::RevenueTotal, 50.0, None), 1, &mut eval).unwrap();
        let Outcome::Found(r) = out else { panic!("{out:?}") };
        assert_eq!(r.len(), 2);
        // 100 - (x - 10)^2 >= 50 for |x - 10| <= 7.07: 3 to 17.
        assert_eq!((r[0].value, r[0].reached_above), (3.0, true));
        assert_eq!((r[1].value, r[1].reached_above), (17.0, false));
        assert!(seen.iter().all(|x| x.fract() == 0.0), "{seen:?}");
    }

    #[test]
    fn statistics_parse_and_keep_infinite_runways() {
        assert_eq!(Statistic::parse("p90"), Some(Statistic::Percentile(90.0)));
        assert_eq!(Statistic::parse("mean"), Some(Statistic::Mean));
        assert_eq!(Statistic::parse("p200"), None);
        assert_eq!(Statistic::parse("p0"), None);
        let v = [Some(3.0), Some(f64::INFINITY), None, Some(5.0)];
        assert_eq!(Statistic::Percentile(10.0).of(&v), Some(3.4));
        assert_eq!(Statistic::Percentile(90.0).of(&v), Some(f64::INFINITY));
    }

    /// Revenue at a price billed in cents is a staircase: the root finder
    /// still stops within the tolerance, in a few steps.
    #[test]
    fn a_staircase_curve_converges_in_a_few_steps() {
        let mut evals = 0;
        let mut eval = |x: f64| -> Result<Vec<Option<f64>>, ()> {
            evals += 1;
            Ok(vec![Some(libm::round(x * 100.0) / 100.0 * 64103.23); 3])
        };
        let grid: Vec<f64> = (0..9).map(|i| 6.0 + 3.0 * i as f64).collect();
        let g = goal(Horizon::RevenueTotal, 1.5e6, None);
        let (_, out, tol) = seek(&grid, false, g, 1, &mut eval).unwrap();
        let Outcome::Found(r) = out else { panic!("{out:?}") };
        assert!((r[0].value - 23.40).abs() <= tol, "{r:?}");
        assert!(evals <= 9 + 3, "{evals} evaluations");
    }
}
