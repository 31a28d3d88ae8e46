//! A run's files: `summary.json`, `monthly.csv`, `monthly_wide.csv`,
//! `runs.csv` and `paths.csv` (or `paths.csv.gz`).

use serde::Serialize;

use super::CsvFile;
use super::number::{Keyed, cell, finite, json_bytes};
use crate::calendar::YearMonth;
use crate::engine::Simulation;
use crate::metrics::{Horizon, Unit, monthly_unit};
use crate::scenario::Scenario;
use crate::stats::{PERCENTILES, Stat};
use crate::summary::Summary;

/// `summary.json`.
#[derive(Serialize)]
struct SummaryDoc<'a> {
    scenario: &'a str,
    seed: u64,
    runs: u32,
    months: u32,
    time_step: &'a str,
    /// `scenario.start` (`YYYY-MM`), or null.
    start: Option<String>,
    /// `finance.starting_cash` (its mean, if uncertain), or null.
    starting_cash: Option<f64>,
    /// The share of runs whose cash balance went below zero within the
    /// horizon; null without a starting cash.
    probability_out_of_cash: Option<f64>,
    plgsim_version: &'static str,
    percentile_method: &'static str,
    /// By horizon metric name.
    metrics: Keyed<StatDoc>,
    /// By key path.
    uncertain_parameters: Keyed<ParamDoc>,
    funnel: FunnelDoc,
    warnings: &'a [String],
}

/// The run report's funnel (`Summary::funnel`), as the chart shows it.
#[derive(Serialize)]
struct FunnelDoc {
    definition: &'static str,
    stages: Vec<StageDoc>,
    paying_any_path: StageDoc,
}

#[derive(Serialize)]
struct StageDoc {
    /// The horizon figure that counts the stage.
    metric: &'static str,
    /// Mean per run.
    accounts: Option<f64>,
    of_previous: Option<f64>,
    of_signups: Option<f64>,
}

const FUNNEL_DEFINITION: &str = "signups of the horizon, each counted once at each stage it reached, each stage a \
subset of the one before; accounts: mean per run of the stage's metric; of_previous, of_signups: ratios of those \
means (pooled over runs). paying_any_path: signups that became paying by any path (signups_converted)";

/// A figure's mean, percentiles (`p5` ... `p95`) and defined runs.
#[derive(Serialize)]
struct StatDoc {
    mean: Option<f64>,
    #[serde(flatten)]
    percentiles: Keyed<Option<f64>>,
    defined_runs: usize,
}

impl StatDoc {
    fn of(s: &Stat) -> StatDoc {
        StatDoc {
            mean: finite(s.mean),
            percentiles: PERCENTILES.iter().zip(s.p).map(|(q, p)| (format!("p{q}"), finite(p))).collect(),
            defined_runs: s.defined_runs,
        }
    }
}

/// An uncertain parameter's sampled values, and its distribution.
#[derive(Serialize)]
struct ParamDoc {
    #[serde(flatten)]
    stat: StatDoc,
    distribution: String,
}

const PERCENTILE_METHOD: &str = "linear interpolation (Hyndman-Fan 7; numpy/pandas default, Excel PERCENTILE.INC); \
runs where a figure is undefined are left out (see defined_runs)";

/// `summary.json`: the run's identity and every horizon metric's mean and
/// percentiles (null where undefined in every run).
pub fn summary_json(summary: &Summary) -> Vec<u8> {
    json_bytes(&SummaryDoc {
        scenario: &summary.scenario,
        seed: summary.seed,
        runs: summary.runs,
        months: summary.months,
        time_step: summary.time_step,
        start: summary.start.map(|d| d.to_string()),
        starting_cash: finite(summary.starting_cash),
        probability_out_of_cash: finite(summary.out_of_cash_probability),
        plgsim_version: env!("CARGO_PKG_VERSION"),
        percentile_method: PERCENTILE_METHOD,
        metrics: summary.horizon.iter().map(|(h, s)| (h.name().to_string(), StatDoc::of(s))).collect(),
        uncertain_parameters: summary
            .uncertain
            .iter()
            .map(|(spec, s)| (spec.key.clone(), ParamDoc { stat: StatDoc::of(s), distribution: spec.dist.describe() }))
            .collect(),
        funnel: FunnelDoc {
            definition: FUNNEL_DEFINITION,
            stages: summary
                .funnel
                .stages
                .iter()
                .map(|s| StageDoc {
                    metric: s.metric.name(),
                    accounts: finite(Some(s.accounts)),
                    of_previous: finite(s.of_previous),
                    of_signups: finite(s.of_signups),
                })
                .collect(),
            paying_any_path: StageDoc {
                metric: Horizon::SignupsConverted.name(),
                accounts: finite(Some(summary.funnel.paying_any_path)),
                of_previous: None,
                of_signups: finite(summary.funnel.paying_any_path_of_signups),
            },
        },
        warnings: &summary.warnings,
    })
}

/// The first columns of a monthly row: `month` (0 is the opening state)
/// and, when the scenario has a start, `date` (`YYYY-MM`).
fn month_columns(start: Option<YearMonth>, month: u32) -> Vec<String> {
    let mut cells = vec![month.to_string()];
    if let Some(s) = start {
        cells.push(s.of_horizon_month(month).map_or_else(String::new, |d| d.to_string()));
    }
    cells
}

fn month_header(start: Option<YearMonth>) -> Vec<String> {
    let mut cells = vec!["month".to_string()];
    if start.is_some() {
        cells.push("date".into());
    }
    cells
}

/// `monthly.csv`: long format, one row per month and metric, from month 0
/// (the opening state) to T, with the month's `date` when the scenario has
/// a start; the mean and percentiles rounded for the metric's unit.
pub fn monthly_csv(summary: &Summary) -> Vec<u8> {
    let mut w = CsvFile::new();
    let mut header = month_header(summary.start);
    header.extend(["metric".to_string(), "mean".into()]);
    header.extend(PERCENTILES.iter().map(|q| format!("p{q}")));
    w.row(&header);
    for month in 0..=summary.months {
        let row = summary.month(month as usize);
        for (name, s) in summary.monthly_names.iter().zip(row) {
            let unit = monthly_unit(name);
            let mut rec = month_columns(summary.start, month);
            rec.extend([name.clone(), cell(s.mean, unit)]);
            rec.extend(s.p.iter().map(|p| cell(*p, unit)));
            w.row(&rec);
        }
    }
    w.into_bytes()
}

/// The percentiles of the wide monthly table, side by side for each metric.
pub const WIDE_PERCENTILES: [u32; 3] = [10, 50, 90];

/// `monthly_wide.csv`: one row per month (0 to T, with its date when the
/// scenario has a start); for each monthly metric, its P10, P50 and P90
/// side by side (`mrr_p10,mrr_p50,mrr_p90`), rounded as in `monthly.csv`.
/// The workbook's Monthly sheet is the same table.
pub fn monthly_wide_csv(summary: &Summary) -> Vec<u8> {
    let mut w = CsvFile::new();
    let mut header = month_header(summary.start);
    for name in &summary.monthly_names {
        header.extend(WIDE_PERCENTILES.iter().map(|q| format!("{name}_p{q}")));
    }
    w.row(&header);
    for month in 0..=summary.months {
        let mut rec = month_columns(summary.start, month);
        for (name, s) in summary.monthly_names.iter().zip(summary.month(month as usize)) {
            let unit = monthly_unit(name);
            rec.extend(WIDE_PERCENTILES.iter().map(|&q| cell(s.percentile(q), unit)));
        }
        w.row(&rec);
    }
    w.into_bytes()
}

/// Most rows `paths.csv` may have (runs x (months + 1) x metrics): the file
/// is built in memory.
pub const MAX_PATH_ROWS: u64 = 20_000_000;

/// Above this size `paths.csv` is written gzip-compressed, as `paths.csv.gz`.
pub const PATHS_GZIP_BYTES: usize = 8 << 20;

/// `paths.csv` (`paths.csv.gz` when larger than [`PATHS_GZIP_BYTES`]): every
/// run's monthly values of the monthly columns `columns` (indices into
/// [`Simulation::monthly_names`]), long format: `run,month[,date],metric,value`,
/// from month 0 (the opening state) to T, rounded as in `monthly.csv`. The
/// compressed file is deterministic (no timestamp in its header).
pub fn paths_file(sim: &Simulation, start: Option<YearMonth>, columns: &[usize]) -> super::OutputFile {
    let mut w = CsvFile::new();
    let mut header = vec!["run".to_string()];
    header.extend(month_header(start));
    header.extend(["metric".to_string(), "value".into()]);
    w.row(&header);
    let names = sim.monthly_names();
    for r in sim.runs() {
        for month in 0..=sim.months() {
            let row = if month == 0 { r.opening_row() } else { r.month_row(month as usize - 1) };
            for &c in columns {
                let mut rec = vec![r.index().to_string()];
                rec.extend(month_columns(start, month));
                rec.extend([names[c].clone(), cell(Some(row[c]), monthly_unit(&names[c]))]);
                w.row(&rec);
            }
        }
    }
    let bytes = w.into_bytes();
    if bytes.len() <= PATHS_GZIP_BYTES {
        return super::OutputFile::new("paths.csv", bytes);
    }
    use std::io::Write;
    let mut gz = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::default());
    gz.write_all(&bytes).expect("compress to memory");
    super::OutputFile::new("paths.csv.gz", gz.finish().expect("compress to memory"))
}

/// `runs.csv`: one row per run: the sampled value of every uncertain
/// parameter (column = its key path) and every horizon metric.
pub fn runs_csv(scenario: &Scenario, sim: &Simulation) -> Vec<u8> {
    let mut w = CsvFile::new();
    let uncertain: Vec<_> = scenario.uncertain_params().collect();
    let mut header = vec!["run".to_string()];
    header.extend(uncertain.iter().map(|(_, p)| p.key.clone()));
    header.extend(Horizon::ALL.iter().map(|h| h.name().to_string()));
    w.row(&header);
    for r in &sim.runs {
        let mut rec = vec![r.output.run.to_string()];
        rec.extend(uncertain.iter().map(|(id, _)| cell(Some(r.params[id.0]), Unit::Ratio)));
        rec.extend(Horizon::ALL.iter().map(|&h| cell(r.horizon(h), h.unit())));
        w.row(&rec);
    }
    w.into_bytes()
}
