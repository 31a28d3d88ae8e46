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
    /// What every output calls it (console, CSV, JSON, charts, report):
    /// its name, unless another scenario of the comparison has the same
    /// name: then `name (file)`, and `name (file, #i)` (its place in the
    /// list) when the file is the same too.
    pub label: String,
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

impl Comparison {
    /// Whether any run of any scenario recognised revenue (see
    /// [`Summary::has_revenue`]).
    pub fn has_revenue(&self) -> bool {
        self.variants.iter().any(|v| v.summary.has_revenue)
    }

    /// Keeps only the figures in `metrics` (in that order; each must be one
    /// of the comparison's), as if it had been run with them alone.
    pub fn keep_metrics(&mut self, metrics: &[Horizon]) {
        let at: Vec<usize> = metrics.iter().filter_map(|m| self.metrics.iter().position(|n| n == m)).collect();
        for v in &mut self.variants {
            v.values = at.iter().map(|&i| v.values[i].clone()).collect();
            v.stats = at.iter().map(|&i| v.stats[i].clone()).collect();
            v.vs_first = at.iter().map(|&i| v.vs_first[i]).collect();
        }
        self.metrics = at.iter().map(|&i| self.metrics[i]).collect();
    }
}

/// Simulates every scenario (`(file, scenario)`) and compares them.
pub fn run(scenarios: &[(String, Scenario)], metrics: &[Horizon], on_done: &(dyn Fn() + Sync)) -> Comparison {
    let paired = scenarios.windows(2).all(|w| w[0].1.seed == w[1].1.seed);
    let mut variants: Vec<Variant> = scenarios
        .iter()
        .map(|(file, s)| {
            let sim = engine::simulate(s, &|| {});
            let summary = Summary::new(s, &sim);
            let values: Vec<Vec<Option<f64>>> = metrics.iter().map(|m| sim.horizon_values(*m).collect()).collect();
            let stats = values.iter().map(|v| Stat::of(v.iter().copied())).collect();
            on_done();
            Variant {
                name: s.name.clone(),
                file: file.clone(),
                label: String::new(),
                seed: s.seed,
                summary,
                values,
                stats,
                vs_first: Vec::new(),
            }
        })
        .collect();
    let labels = labels(&variants);
    for (v, label) in variants.iter_mut().zip(labels) {
        v.label = label;
    }
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

/// Each variant's [`Variant::label`].
fn labels(variants: &[Variant]) -> Vec<String> {
    variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut notes = Vec::new();
            if variants.iter().filter(|w| w.name == v.name).count() > 1 {
                notes.push(v.file.clone());
            }
            if variants.iter().filter(|w| w.name == v.name && w.file == v.file).count() > 1 {
                notes.push(format!("#{}", i + 1));
            }
            if notes.is_empty() { v.name.clone() } else { format!("{} ({})", v.name, notes.join(", ")) }
        })
        .collect()
}
