//! `plgsim sweep`'s files: `sweep.csv` and `summary.json`.

use serde::Serialize;

use super::csv_file::{Cell, DIFFERENCE_SPREAD, Table, difference_cells, stat_cells};
use super::number::{DifferenceDoc, Keyed, StatDoc, json_bytes};
use crate::format::as_written;
use crate::metrics::Unit;
use crate::whatif::sweep::{Sweep, best_mark, describe};

/// `sweep.csv`: long format, one row per point and metric: the point's
/// coordinates, the metric's mean and P10/P50/P90 across runs, the paired
/// difference against the baseline point with its 95% interval, the P10/P50/P90
/// of the per-run difference and the probability that the point is better
/// than the baseline (`p_better`, ties counted as half, with its 95% Wilson
/// interval), `wins_when` (the uncertain input that separates the runs it
/// wins from those it loses, when one does: `whatif::separator`), whether the
/// point is the baseline, and `best`: `true` for the one best point, `tie`
/// for every point of a tie for the best (see `whatif::sweep::best_and_ties`),
/// else `false`.
pub fn sweep_csv(sweep: &Sweep) -> Vec<u8> {
    sweep_table(sweep).csv()
}

/// The `wins_when` cell: the condition on an uncertain input under which
/// the point beats the baseline, e.g. `pricing.conversion_elasticity <
/// 1.08`, with the share of runs it gets right.
pub(crate) fn wins_when(s: &crate::whatif::Separator) -> String {
    let op = if s.wins_above { ">" } else { "<" };
    format!("{} {op} {} ({:.0}% of runs)", s.input, crate::format::sig(s.threshold), 100.0 * s.accuracy)
}

/// The table of `sweep.csv` (and of the sweep's workbook).
pub(crate) fn sweep_table(sweep: &Sweep) -> Table {
    let mut header = vec!["point".to_string()];
    header.extend(sweep.axes.iter().map(|a| a.key.clone()));
    header
        .extend(["metric", "mean", "p10", "p50", "p90", "diff_vs_baseline", "diff_low", "diff_high"].map(String::from));
    header.extend(DIFFERENCE_SPREAD.map(String::from));
    header.extend(["wins_when", "baseline", "best"].map(String::from));
    let mut rows = Vec::new();
    for (i, p) in sweep.points.iter().enumerate() {
        for (m, metric) in sweep.metrics.iter().enumerate() {
            let mut rec = vec![Cell::Figure(Some((i + 1) as f64), Unit::Count)];
            rec.extend(
                sweep
                    .axes
                    .iter()
                    .zip(&p.coords)
                    .map(|(a, c)| if a.is_words() { Cell::Text(a.label(*c)) } else { Cell::Written(as_written(*c)) }),
            );
            rec.push(Cell::Text(metric.name().to_string()));
            rec.extend(stat_cells(&p.stats[m], metric.unit()));
            rec.extend(difference_cells(p.vs_baseline[m], *metric));
            rec.extend([
                Cell::Text(p.separator[m].as_ref().map_or_else(String::new, wins_when)),
                Cell::Text((i == sweep.baseline).to_string()),
                Cell::Text(best_cell(best_mark(sweep, m, i)).to_string()),
            ]);
            rows.push(rec);
        }
    }
    Table { header, rows }
}

/// The `best` cell: `true` for the one best, `tie` for each of a tie for
/// the best, else `false`.
pub(crate) fn best_cell(mark: Option<&str>) -> &'static str {
    match mark {
        Some("best") => "true",
        Some(_) => "tie",
        None => "false",
    }
}

/// `summary.json`.
#[derive(Serialize)]
struct SweepDoc<'a> {
    scenario: &'a str,
    seed: u64,
    runs: u32,
    plgsim_version: &'static str,
    parameters: Vec<AxisDoc<'a>>,
    baseline: BaselineDoc,
    common_random_numbers: &'static str,
    /// What a reader must know (a price swept without a price response).
    warnings: &'a [String],
    /// By metric name; null when no point has a defined mean.
    best: Keyed<Option<BestDoc>>,
    points: Vec<PointDoc<'a>>,
}

#[derive(Serialize)]
struct AxisDoc<'a> {
    key: &'a str,
    values: Vec<AxisValue<'a>>,
}

/// A swept value: a number, or a word (`trial.start = "signup"`).
#[derive(Serialize)]
#[serde(untagged)]
enum AxisValue<'a> {
    Number(f64),
    Word(&'a str),
}

impl<'a> AxisValue<'a> {
    fn at(axis: &'a crate::whatif::sweep::Axis, v: f64) -> AxisValue<'a> {
        match axis.words.get(v as usize) {
            Some(w) if axis.is_words() => AxisValue::Word(w),
            _ => AxisValue::Number(v),
        }
    }
}

#[derive(Serialize)]
struct BaselineDoc {
    point: usize,
    /// `key = value, ...`.
    values: String,
    is_the_scenarios_own_value: bool,
}

#[derive(Serialize)]
struct BestDoc {
    /// The point with the best mean (when `tied_with` is not empty, one of
    /// a tie: no point is the best).
    point: usize,
    values: String,
    higher_is_better: bool,
    /// The other points tied with it: the same mean, or a paired
    /// difference whose 95% interval holds zero.
    tied_with: Vec<usize>,
}

#[derive(Serialize)]
pub(crate) struct SeparatorDoc {
    input: String,
    threshold: f64,
    /// `true`: the point wins above the threshold and loses below it.
    wins_above: bool,
    /// Share of the decided runs the split classifies correctly.
    accuracy: f64,
}

impl SeparatorDoc {
    pub(crate) fn of(s: &crate::whatif::Separator) -> SeparatorDoc {
        SeparatorDoc { input: s.input.clone(), threshold: s.threshold, wins_above: s.wins_above, accuracy: s.accuracy }
    }
}

#[derive(Serialize)]
struct PointDoc<'a> {
    /// 1-based, as in `sweep.csv`.
    point: usize,
    /// By swept key.
    values: Keyed<AxisValue<'a>>,
    /// By metric name.
    metrics: Keyed<PointMetricDoc>,
}

#[derive(Serialize)]
struct PointMetricDoc {
    #[serde(flatten)]
    stat: StatDoc,
    /// The uncertain input that separates the runs this point wins from
    /// those it loses (`whatif::separator`), if one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    separated_by: Option<SeparatorDoc>,
    diff_vs_baseline: Option<DifferenceDoc>,
}

const COMMON_RANDOM_NUMBERS: &str = "every point runs with the same seed: run r of every point uses the same \
random numbers, so differences are paired run by run";

/// `summary.json`: the grid, the baseline, and the best point per metric.
pub fn sweep_json(sweep: &Sweep) -> Vec<u8> {
    let points = sweep
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| PointDoc {
            point: i + 1,
            values: sweep.axes.iter().zip(&p.coords).map(|(a, c)| (a.key.clone(), AxisValue::at(a, *c))).collect(),
            metrics: sweep
                .metrics
                .iter()
                .enumerate()
                .map(|(m, metric)| {
                    let doc = PointMetricDoc {
                        stat: StatDoc::of(&p.stats[m]),
                        diff_vs_baseline: p.vs_baseline[m].map(|d| DifferenceDoc::of(d, metric.higher_is_better())),
                        separated_by: p.separator[m].as_ref().map(SeparatorDoc::of),
                    };
                    (metric.name().to_string(), doc)
                })
                .collect(),
        })
        .collect();
    let best = sweep
        .metrics
        .iter()
        .zip(sweep.best.iter().zip(&sweep.tied))
        .map(|(metric, (best, tied))| {
            let doc = best.map(|i| BestDoc {
                point: i + 1,
                values: describe(&sweep.axes, &sweep.points[i].coords),
                higher_is_better: metric.higher_is_better(),
                tied_with: tied.iter().map(|j| j + 1).collect(),
            });
            (metric.name().to_string(), doc)
        })
        .collect();
    json_bytes(&SweepDoc {
        scenario: &sweep.scenario,
        seed: sweep.seed,
        runs: sweep.runs,
        plgsim_version: env!("CARGO_PKG_VERSION"),
        parameters: sweep
            .axes
            .iter()
            .map(|a| AxisDoc { key: &a.key, values: a.values.iter().map(|v| AxisValue::at(a, *v)).collect() })
            .collect(),
        baseline: BaselineDoc {
            point: sweep.baseline + 1,
            values: describe(&sweep.axes, &sweep.points[sweep.baseline].coords),
            is_the_scenarios_own_value: sweep.baseline_is_scenario,
        },
        common_random_numbers: COMMON_RANDOM_NUMBERS,
        warnings: &sweep.warnings,
        best,
        points,
    })
}
