//! A run's files: `summary.json`, `monthly.csv` and `runs.csv`.

use serde::Serialize;

use super::CsvFile;
use super::number::{Keyed, cell, finite, json_bytes};
use crate::engine::Simulation;
use crate::metrics::Horizon;
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

/// `monthly.csv`: long format, one row per month (1-based) and metric.
pub fn monthly_csv(summary: &Summary) -> Vec<u8> {
    let mut w = CsvFile::new();
    let mut header = vec!["month".to_string(), "metric".into(), "mean".into()];
    header.extend(PERCENTILES.iter().map(|q| format!("p{q}")));
    w.row(&header);
    for (month, row) in summary.monthly.iter().enumerate() {
        for (name, s) in summary.monthly_names.iter().zip(row) {
            let mut rec = vec![(month + 1).to_string(), name.clone(), cell(s.mean)];
            rec.extend(s.p.iter().map(|p| cell(*p)));
            w.row(&rec);
        }
    }
    w.into_bytes()
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
        rec.extend(uncertain.iter().map(|(id, _)| cell(Some(r.params[id.0]))));
        rec.extend(r.horizon_figures().iter().map(|x| cell(*x)));
        w.row(&rec);
    }
    w.into_bytes()
}
