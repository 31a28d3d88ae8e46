//! `plgsim compare`: several scenarios side by side.
//!
//! Each scenario is simulated on its own; when they share a seed, run `r`
//! of each uses the same random numbers (common random numbers), so the
//! difference against the first scenario is measured run by run.

use super::{Difference, paired_difference};
use crate::engine;
use crate::metrics::Horizon;
use crate::scenario::Scenario;
use crate::stats::Stat;
use crate::summary::Summary;

/// One scenario of a comparison.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The scenario's name, and the file it came from.
    pub name: String,
    pub file: String,
    pub seed: u64,
    pub summary: Summary,
    /// `[metric][run]`.
    pub values: Vec<Vec<Option<f64>>>,
    /// `[metric]`.
    pub stats: Vec<Stat>,
    /// `[metric]`: this scenario minus the first, run by run (only when
    /// every scenario shares the first one's seed).
    pub vs_first: Vec<Option<Difference>>,
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub variants: Vec<Variant>,
    pub metrics: Vec<Horizon>,
    /// Whether differences are paired (every scenario has the same seed).
    pub paired: bool,
}

/// Simulates every scenario (`(file, scenario)`) and compares them.
pub fn run(scenarios: &[(String, Scenario)], metrics: &[Horizon], on_done: &(dyn Fn() + Sync)) -> Comparison {
    let paired = scenarios.windows(2).all(|w| w[0].1.seed == w[1].1.seed);
    let mut variants: Vec<Variant> = scenarios
        .iter()
        .map(|(file, s)| {
            let sim = engine::simulate(s, &|| {});
            let summary = Summary::new(s, &sim);
            let values: Vec<Vec<Option<f64>>> =
                metrics.iter().map(|m| sim.runs.iter().map(|r| r.output.horizon[*m as usize]).collect()).collect();
            let stats = values.iter().map(|v| Stat::of(v.iter().copied())).collect();
            on_done();
            Variant {
                name: s.name.clone(),
                file: file.clone(),
                seed: s.seed,
                summary,
                values,
                stats,
                vs_first: Vec::new(),
            }
        })
        .collect();
    // (No scenario: an empty comparison, not a panic.)
    let first = variants.first().map(|v| v.values.clone()).unwrap_or_default();
    for v in &mut variants {
        v.vs_first = if paired {
            v.values.iter().zip(&first).map(|(a, b)| paired_difference(a, b)).collect()
        } else {
            vec![None; metrics.len()]
        };
    }
    Comparison { variants, metrics: metrics.to_vec(), paired }
}

fn cell(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite()).map_or_else(String::new, |x| format!("{x}"))
}

impl Comparison {
    /// `compare.csv`: one row per scenario and metric.
    pub fn csv(&self) -> Vec<u8> {
        let mut w = crate::output::CsvFile::new();
        w.row(["scenario", "file", "metric", "mean", "p10", "p50", "p90", "diff_vs_first", "diff_low", "diff_high"]);
        for v in &self.variants {
            for (m, metric) in self.metrics.iter().enumerate() {
                let s = &v.stats[m];
                let d = v.vs_first[m];
                w.row([
                    v.name.clone(),
                    v.file.clone(),
                    metric.name().to_string(),
                    cell(s.mean),
                    cell(s.p10()),
                    cell(s.p50()),
                    cell(s.p90()),
                    cell(d.map(|d| d.mean)),
                    cell(d.map(|d| d.low)),
                    cell(d.map(|d| d.high)),
                ]);
            }
        }
        w.into_bytes()
    }

    /// `summary.json`.
    pub fn json(&self) -> Vec<u8> {
        use serde_json::{Map, Value, json};
        let num = |x: Option<f64>| x.filter(|x| x.is_finite()).map_or(Value::Null, |x| json!(x));
        let variants: Vec<Value> = self
            .variants
            .iter()
            .map(|v| {
                let mut metrics = Map::new();
                for (m, metric) in self.metrics.iter().enumerate() {
                    let s = &v.stats[m];
                    metrics.insert(
                        metric.name().into(),
                        json!({
                            "mean": num(s.mean), "p10": num(s.p10()), "p50": num(s.p50()), "p90": num(s.p90()),
                            "defined_runs": s.defined_runs,
                            "diff_vs_first": v.vs_first[m].map_or(Value::Null, |d| json!({
                                "mean": num(Some(d.mean)), "low": num(Some(d.low)), "high": num(Some(d.high)), "runs": d.runs
                            })),
                        }),
                    );
                }
                json!({ "scenario": v.name, "file": v.file, "seed": v.seed, "runs": v.summary.runs,
                        "months": v.summary.months, "metrics": metrics })
            })
            .collect();
        let doc = json!({
            "plgsim_version": env!("CARGO_PKG_VERSION"),
            "paired": self.paired,
            "pairing": if self.paired {
                "every scenario has the same seed: differences against the first are paired run by run (95% intervals)"
            } else {
                "the scenarios have different seeds: no paired differences"
            },
            "scenarios": variants,
        });
        let mut out = serde_json::to_vec_pretty(&doc).expect("JSON of plain values");
        out.push(b'\n');
        out
    }
}
