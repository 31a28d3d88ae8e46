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
    /// By influence, largest swing first.
    parameters: Vec<RowDoc<'a>>,
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
}

const METHOD: &str = "tornado: mean output with one parameter at its P10 then P90, the other uncertain parameters \
at their medians, same seed for every variant; rank_correlation: Spearman's rho between sampled values and the \
output across the runs of the scenario as written";

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
            })
            .collect(),
    })
}
