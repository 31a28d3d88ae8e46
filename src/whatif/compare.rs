//! `plgsim compare`: several scenarios side by side, or variants of one.
//!
//! Each scenario is simulated on its own; when they share a seed, run `r`
//! of each uses the same random numbers (common random numbers), so the
//! difference against the first scenario is measured run by run.

use super::{Difference, Separator, paired_difference, separator};
use crate::engine;
use crate::metrics::Horizon;
use crate::scenario::variants::VariantSpec;
use crate::scenario::{Scenario, ScenarioError};
use crate::stats::Stat;
use crate::summary::Summary;

/// One scenario to compare: a file as it is, or a variant of one.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The file it came from.
    pub file: String,
    pub scenario: Scenario,
    /// The variant's name and overrides, for a variant.
    pub variant: Option<VariantSpec>,
}

impl Entry {
    /// A scenario file as it is.
    pub fn file(file: impl Into<String>, scenario: Scenario) -> Entry {
        Entry { file: file.into(), scenario, variant: None }
    }
}

/// A variant whose overrides do not make a valid scenario.
#[derive(Debug, thiserror::Error)]
#[error("the variant `{name}` ({set}) is not a valid scenario:\n{error}")]
pub struct InvalidVariant {
    pub name: String,
    pub set: String,
    pub error: ScenarioError,
}

/// The variants `specs` of `base` (read from `file`), each the scenario
/// with the variant's overrides after its own, checked like the file.
pub fn variants(file: &str, base: &Scenario, specs: &[VariantSpec]) -> Result<Vec<Entry>, InvalidVariant> {
    specs
        .iter()
        .map(|v| match base.with_overrides(&v.set) {
            Ok(scenario) => Ok(Entry { file: file.to_string(), scenario, variant: Some(v.clone()) }),
            Err(error) => Err(InvalidVariant { name: v.name.clone(), set: v.describe(), error }),
        })
        .collect()
}

/// One scenario of a comparison.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The scenario's name (a variant's own name), and the file it came from.
    pub name: String,
    pub file: String,
    /// For a variant, what it sets (`trial.start=signup, trial.after=free`)
    /// and its `--variant` argument.
    pub set: Option<String>,
    pub variant_arg: Option<String>,
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
    /// `[metric]`: the uncertain input that separates the runs this scenario
    /// wins against the first from those it loses, if one does (among the
    /// inputs both draw alike; see [`super::separator`]).
    pub separator: Vec<Option<Separator>>,
}

#[derive(Debug, Clone)]
pub struct Comparison {
    pub variants: Vec<Variant>,
    pub metrics: Vec<Horizon>,
    /// Whether differences are paired (every scenario has the same seed).
    pub paired: bool,
    /// `[metric]`: the scenario with the best mean, and the others tied
    /// with it (the same mean, or a paired difference within the noise; see
    /// [`super::best_and_ties`]); none unless the differences are paired.
    pub best: Vec<Option<usize>>,
    pub tied: Vec<Vec<usize>>,
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
            v.separator = at.iter().map(|&i| v.separator[i].clone()).collect();
        }
        self.best = at.iter().map(|&i| self.best[i]).collect();
        self.tied = at.iter().map(|&i| self.tied[i].clone()).collect();
        self.metrics = at.iter().map(|&i| self.metrics[i]).collect();
    }

    /// What the comparison says of scenario `i` for metric `m`: "best",
    /// "tie for best", or nothing.
    pub fn best_mark(&self, m: usize, i: usize) -> Option<&'static str> {
        super::best_mark(self.best[m], &self.tied[m], i)
    }
}

/// Simulates every scenario and compares them.
pub fn run(entries: &[Entry], metrics: &[Horizon], on_done: &(dyn Fn() + Sync)) -> Comparison {
    let paired = entries.windows(2).all(|w| w[0].scenario.seed == w[1].scenario.seed);
    // One engine for every scenario (`engine::shared`), the first's.
    let all: Vec<&Scenario> = entries.iter().map(|e| &e.scenario).collect();
    let shared = all.first().map(|first| engine::shared(first, &all).choice());
    let mut variants: Vec<Variant> = entries
        .iter()
        .map(|e| {
            let s = &e.scenario;
            let pinned = shared.map(|c| s.clone().pinned(c));
            let sim = engine::simulate(pinned.as_ref().unwrap_or(s), &|| {});
            let summary = Summary::new(s, &sim);
            let values: Vec<Vec<Option<f64>>> = metrics.iter().map(|m| sim.horizon_values(*m).collect()).collect();
            let stats = values.iter().map(|v| Stat::of(v.iter().copied())).collect();
            on_done();
            Variant {
                name: e.variant.as_ref().map_or_else(|| s.name.clone(), |v| v.name.clone()),
                file: e.file.clone(),
                set: e.variant.as_ref().map(VariantSpec::describe),
                variant_arg: e.variant.as_ref().map(VariantSpec::arg),
                label: String::new(),
                seed: s.seed,
                summary,
                values,
                stats,
                vs_first: Vec::new(),
                separator: Vec::new(),
            }
        })
        .collect();
    let labels = labels(&variants);
    for (v, label) in variants.iter_mut().zip(labels) {
        v.label = label;
    }
    // (No scenario: an empty comparison, not a panic.)
    let first = variants.first().map(|v| v.values.clone()).unwrap_or_default();
    for (v, e) in variants.iter_mut().zip(entries) {
        v.vs_first = if paired {
            v.values.iter().zip(&first).map(|(a, b)| paired_difference(a, b)).collect()
        } else {
            vec![None; metrics.len()]
        };
        let inputs = if paired { shared_inputs(&entries[0].scenario, &e.scenario) } else { Vec::new() };
        v.separator = v
            .values
            .iter()
            .zip(&first)
            .zip(metrics)
            .map(|((a, b), m)| {
                let d: Vec<Option<f64>> = a.iter().zip(b).map(|(x, y)| Some((*x)? - (*y)?)).collect();
                separator(&d, m.higher_is_better(), &inputs)
            })
            .collect();
    }
    let (best, tied) = if paired {
        (0..metrics.len())
            .map(|m| {
                let values: Vec<&[Option<f64>]> = variants.iter().map(|v| &v.values[m][..]).collect();
                let means: Vec<Option<f64>> = variants.iter().map(|v| v.stats[m].mean).collect();
                super::best_and_ties(&means, &values, metrics[m].higher_is_better())
            })
            .unzip()
    } else {
        (vec![None; metrics.len()], vec![Vec::new(); metrics.len()])
    };
    Comparison { variants, metrics: metrics.to_vec(), paired, best, tied }
}

/// The uncertain inputs of `first` that `other` draws alike (the same key
/// and distribution, so run `r` of both has the same value), with their
/// values run by run.
fn shared_inputs(first: &Scenario, other: &Scenario) -> Vec<(String, Vec<f64>)> {
    let keys: Vec<(usize, String)> = first
        .uncertain_params()
        .filter(|(_, p)| other.param_by_key(&p.key).is_some_and(|id| other.param(id) == *p))
        .map(|(id, p)| (id.0, p.key.clone()))
        .collect();
    if keys.is_empty() {
        return Vec::new();
    }
    let drawn = first.sample_runs();
    keys.into_iter().map(|(i, key)| (key, drawn.iter().map(|r| r[i]).collect())).collect()
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
