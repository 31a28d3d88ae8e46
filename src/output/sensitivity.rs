//! `plgsim sensitivity`'s files: `sensitivity.csv` and `summary.json`.

use serde::Serialize;

use super::csv_file::{Cell, Table};
use super::number::{finite, json_bytes};
use crate::metrics::Unit;
use crate::whatif::sensitivity::Sensitivity;

/// `sensitivity.csv`: one row per uncertain parameter, by influence.
pub fn sensitivity_csv(s: &Sensitivity) -> Vec<u8> {
    sensitivity_table(s).csv()
}

/// The table of `sensitivity.csv` (and of the sensitivity's workbook).
pub(crate) fn sensitivity_table(s: &Sensitivity) -> Table {
    let header = [
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
    ]
    .map(String::from)
    .to_vec();
    let u = s.metric.unit();
    let rows = s
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                Cell::Figure(Some((i + 1) as f64), Unit::Count),
                Cell::Text(r.key.clone()),
                Cell::Figure(Some(r.p10), Unit::Ratio),
                Cell::Figure(Some(r.p50), Unit::Ratio),
                Cell::Figure(Some(r.p90), Unit::Ratio),
                Cell::Text(s.metric.name().to_string()),
                Cell::Figure(r.output_at_p10, u),
                Cell::Figure(r.output_at_p90, u),
                Cell::Figure(Some(r.swing), u),
                Cell::Figure(r.rank_correlation, Unit::Ratio),
                Cell::Figure(r.rank_correlation_interval.map(|i| i.0), Unit::Ratio),
                Cell::Figure(r.rank_correlation_interval.map(|i| i.1), Unit::Ratio),
            ]
        })
        .collect();
    Table { header, rows }
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
