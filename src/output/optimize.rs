//! `plgsim optimize`'s files: `optimize.csv` and `summary.json`.

use serde::Serialize;

use super::csv_file::{Cell, Table};
use super::number::{DifferenceDoc, Keyed, finite, json_bytes};
use crate::format::as_written;
use crate::metrics::Unit;
use crate::whatif::optimize::{EXHAUSTIVE, MAX_EVALUATIONS, Optimum, RESOLUTION};
use crate::whatif::target::Statistic;

/// `optimize.csv`: every evaluated point, in evaluation order: its lever
/// values, the objective (its statistic of the metric), the metric's mean
/// and P10/P50/P90, each constraint's statistic (the column is the
/// constraint), whether the point is feasible, and its `rank` among the
/// feasible points (1 the best; empty when infeasible).
pub fn optimize_csv(o: &Optimum) -> Vec<u8> {
    let u = o.objective.metric.unit();
    let mut header = vec!["point".to_string()];
    header.extend(o.levers.iter().map(|l| l.key.clone()));
    header.push(format!("objective ({} {})", o.objective.statistic.name(), o.objective.metric.name()));
    header.extend(["mean", "p10", "p50", "p90"].map(String::from));
    header.extend(o.constraints.iter().map(|c| c.text()));
    header.extend(["feasible", "rank"].map(String::from));
    let ranks = ranks(o);
    let rows = o
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut r = vec![Cell::Figure(Some((i + 1) as f64), Unit::Count)];
            r.extend(p.coords.iter().map(|c| Cell::Written(as_written(*c))));
            r.push(Cell::Figure(p.objective, u));
            for s in
                [Statistic::Mean, Statistic::Percentile(10.0), Statistic::Percentile(50.0), Statistic::Percentile(90.0)]
            {
                r.push(Cell::Figure(s.of(&p.values), u));
            }
            r.extend(o.constraints.iter().zip(&p.constraints).map(|(c, s)| Cell::Figure(*s, c.metric.unit())));
            r.push(Cell::Text(p.feasible.to_string()));
            r.push(Cell::Figure(ranks[i].map(|k| k as f64), Unit::Count));
            r
        })
        .collect();
    Table { header, rows }.csv()
}

/// The rank of each feasible point by objective (1 the best; ties in
/// evaluation order).
fn ranks(o: &Optimum) -> Vec<Option<usize>> {
    let higher = o.objective.metric.higher_is_better();
    let mut feasible: Vec<usize> = (0..o.points.len()).filter(|&i| o.points[i].feasible).collect();
    feasible.sort_by(|&a, &b| {
        let (x, y) = (o.points[a].objective.unwrap_or(0.0), o.points[b].objective.unwrap_or(0.0));
        let c = if higher { y.total_cmp(&x) } else { x.total_cmp(&y) };
        c.then(a.cmp(&b))
    });
    let mut out = vec![None; o.points.len()];
    for (k, i) in feasible.into_iter().enumerate() {
        out[i] = Some(k + 1);
    }
    out
}

#[derive(Serialize)]
struct OptimizeDoc<'a> {
    scenario: &'a str,
    seed: u64,
    runs: u32,
    plgsim_version: &'static str,
    levers: Vec<LeverDoc<'a>>,
    metric: &'static str,
    objective: String,
    higher_is_better: bool,
    constraints: Vec<String>,
    warnings: &'a [String],
    method: MethodDoc,
    simulations: usize,
    full_grid: usize,
    exhaustive: bool,
    /// Null when no evaluated point is feasible.
    best: Option<PointDoc>,
    /// Whether the best beats every runner-up beyond the Monte Carlo noise
    /// (each 95% interval of the objective's difference excludes 0).
    best_beyond_noise: Option<bool>,
    runners_up: Vec<RunnerDoc>,
}

#[derive(Serialize)]
struct LeverDoc<'a> {
    key: &'a str,
    integer: bool,
    lattice: &'a [f64],
}

#[derive(Serialize)]
struct MethodDoc {
    search: String,
    constraints: &'static str,
    common_random_numbers: &'static str,
}

#[derive(Serialize)]
struct PointDoc {
    point: usize,
    values: Keyed<f64>,
    objective: Option<f64>,
    constraints: Keyed<Option<f64>>,
}

#[derive(Serialize)]
struct RunnerDoc {
    #[serde(flatten)]
    point: PointDoc,
    /// The best minus this point on the objective's metric, run by run.
    best_minus_this: Option<DifferenceDoc>,
    /// The best minus this point on the objective, with its 95% interval
    /// (paired; a bootstrap over runs for a percentile).
    objective_diff: Option<[f64; 3]>,
    beyond_noise: bool,
}

fn point_doc(o: &Optimum, i: usize) -> PointDoc {
    let p = &o.points[i];
    PointDoc {
        point: i + 1,
        values: o.levers.iter().zip(&p.coords).map(|(l, c)| (l.key.clone(), *c)).collect(),
        objective: finite(p.objective),
        constraints: o.constraints.iter().zip(&p.constraints).map(|(c, s)| (c.text(), finite(*s))).collect(),
    }
}

/// `summary.json`: the search, the best point and the runners-up.
pub fn optimize_json(o: &Optimum) -> Vec<u8> {
    let higher = o.objective.metric.higher_is_better();
    json_bytes(&OptimizeDoc {
        scenario: &o.scenario,
        seed: o.seed,
        runs: o.runs,
        plgsim_version: env!("CARGO_PKG_VERSION"),
        levers: o
            .levers
            .iter()
            .zip(&o.lattices)
            .map(|(l, v)| LeverDoc { key: &l.key, integer: l.integer, lattice: v })
            .collect(),
        metric: o.objective.metric.name(),
        objective: format!("{} of {}", o.objective.statistic.name(), o.objective.metric.name()),
        higher_is_better: higher,
        constraints: o.constraints.iter().map(|c| c.text()).collect(),
        warnings: &o.warnings,
        method: MethodDoc {
            search: if o.exhaustive {
                format!("the whole lattice ({} points, at most {EXHAUSTIVE} are evaluated in full)", o.full_grid)
            } else {
                format!(
                    "argmin Nelder-Mead on the continuous relaxation (levers scaled to [0, 1], vertices snapped to the lattice), 3 starts, then a lattice polish; at most {MAX_EVALUATIONS} simulations; continuous levers without a count have {RESOLUTION} lattice points"
                )
            },
            constraints: "a penalty: an infeasible point costs more than any feasible one, by its relative miss",
            common_random_numbers: "every point runs with the same seed: run r draws the same random numbers at every point",
        },
        simulations: o.simulations(),
        full_grid: o.full_grid,
        exhaustive: o.exhaustive,
        best: o.best.map(|b| point_doc(o, b)),
        best_beyond_noise: o.best.map(|_| o.runners_up.iter().all(|r| r.beyond_noise)),
        runners_up: o
            .runners_up
            .iter()
            .map(|r| RunnerDoc {
                point: point_doc(o, r.point),
                best_minus_this: r.diff.map(|d| DifferenceDoc::of(d, higher)),
                objective_diff: r.objective_diff.map(|(d, l, h)| [d, l, h]),
                beyond_noise: r.beyond_noise,
            })
            .collect(),
    })
}
