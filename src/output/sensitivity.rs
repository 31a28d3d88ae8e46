//! `plgsim sensitivity`'s files: `sensitivity.csv` and `summary.json`.

use serde::Serialize;

use super::CsvFile;
use super::number::{cell, finite, json_bytes};
use crate::whatif::sensitivity::Sensitivity;

/// `sensitivity.csv`: one row per uncertain parameter, by influence.
pub fn sensitivity_csv(s: &Sensitivity) -> Vec<u8> {
    let mut w = CsvFile::new();
    w.row([
        "rank",
        "parameter",
        "p10",
        "p50",
        "p90",
        "metric",
        "output_at_p10",
        "output_at_p90",
        "swing",
        "rank_correlation",
        "rank_correlation_ci95_low",
        "rank_correlation_ci95_high",
    ]);
    for (i, r) in s.rows.iter().enumerate() {
        w.row([
            (i + 1).to_string(),
            r.key.clone(),
            cell(Some(r.p10)),
            cell(Some(r.p50)),
            cell(Some(r.p90)),
            s.metric.name().to_string(),
            cell(r.output_at_p10),
            cell(r.output_at_p90),
            cell(Some(r.swing)),
            cell(r.rank_correlation),
            cell(r.rank_correlation_interval.map(|i| i.0)),
            cell(r.rank_correlation_interval.map(|i| i.1)),
        ]);
    }
    w.into_bytes()
}

/// `summary.json`.
#[derive(Serialize)]
struct SensitivityDoc<'a> {
    scenario: &'a str,
    metric: &'static str,
    runs: u32,
    seed: u64,
    plgsim_version: &'static str,
    method: &'static str,
    output_at_medians: Option<f64>,
    /// The runs the rank correlations are computed over.
    correlation_runs: usize,
    /// By influence, largest swing first.
    parameters: Vec<RowDoc<'a>>,
    /// Where the runs are too few to rank.
    warnings: &'a [String],
}

#[derive(Serialize)]
struct RowDoc<'a> {
    parameter: &'a str,
    p10: Option<f64>,
    p50: Option<f64>,
    p90: Option<f64>,
    output_at_p10: Option<f64>,
    output_at_p90: Option<f64>,
    swing: Option<f64>,
    rank_correlation: Option<f64>,
    rank_correlation_ci95_low: Option<f64>,
    rank_correlation_ci95_high: Option<f64>,
}

const METHOD: &str = "tornado: mean output with one parameter at its P10 then P90, the other uncertain parameters \
at their medians, same seed for every variant; rank_correlation: Spearman's rho between sampled values and the \
output across the runs of the scenario as written (correlation_runs), with its 95% interval by Fisher's z with the \
rank-correlation variance 1.06 / (n - 3) of Fieller, Hartley and Pearson (1957): tanh(atanh(rho) -+ 1.96 sqrt(1.06 / \
(n - 3))); warnings: an interval that holds 0, and tornado neighbours whose intervals overlap or rank them the other way";

/// `summary.json`: the method, the output at the medians, and every
/// parameter's percentiles, tornado outputs and rank correlation.
pub fn sensitivity_json(s: &Sensitivity) -> Vec<u8> {
    json_bytes(&SensitivityDoc {
        scenario: &s.scenario,
        metric: s.metric.name(),
        runs: s.runs,
        seed: s.seed,
        plgsim_version: env!("CARGO_PKG_VERSION"),
        method: METHOD,
        output_at_medians: finite(s.base_output),
        correlation_runs: s.correlation_runs,
        parameters: s
            .rows
            .iter()
            .map(|r| RowDoc {
                parameter: &r.key,
                p10: finite(Some(r.p10)),
                p50: finite(Some(r.p50)),
                p90: finite(Some(r.p90)),
                output_at_p10: finite(r.output_at_p10),
                output_at_p90: finite(r.output_at_p90),
                swing: finite(Some(r.swing)),
                rank_correlation: finite(r.rank_correlation),
                rank_correlation_ci95_low: finite(r.rank_correlation_interval.map(|i| i.0)),
                rank_correlation_ci95_high: finite(r.rank_correlation_interval.map(|i| i.1)),
            })
            .collect(),
        warnings: &s.warnings,
    })
}
