//! `plgsim fit`'s files: `posterior.csv`, `fitted.toml` and `summary.json`.

use serde::Serialize;

use super::abc::Fit;
use super::history::History;
use super::predict::{Backtest, Cell, Predictive, Score};
use crate::output::number;
use crate::scenario::Scenario;
use crate::stats;

/// What a fitted input's prior and posterior look like.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Marginal {
    pub key: String,
    pub prior: Spread,
    pub posterior: Spread,
    /// Posterior 90% width / prior 90% width: how much the data narrowed it
    /// (1: not at all).
    pub narrowed_to: f64,
}

/// Mean and P5/P50/P95 of a sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

impl Spread {
    fn of(xs: &[f64]) -> Spread {
        let mut s = xs.to_vec();
        s.sort_by(f64::total_cmp);
        let q = |p| stats::percentile_sorted(&s, p);
        Spread { mean: s.iter().sum::<f64>() / s.len().max(1) as f64, p5: q(5.0), p50: q(50.0), p95: q(95.0) }
    }
}

/// Each fitted input's prior and posterior.
pub fn marginals(fit: &Fit) -> Vec<Marginal> {
    fit.keys
        .iter()
        .enumerate()
        .map(|(k, key)| {
            let (prior, post) = fit.column(k);
            let (prior, posterior) = (Spread::of(&prior), Spread::of(&post));
            let width = |s: &Spread| s.p95 - s.p5;
            let narrowed_to = if width(&prior) > 0.0 { width(&posterior) / width(&prior) } else { 1.0 };
            Marginal { key: key.clone(), prior, posterior, narrowed_to }
        })
        .collect()
}

/// Pearson correlations of the posterior sample, `(a, b, r)` for every
/// pair of inputs: a strong one means the history tells their combination,
/// not each apart (a higher activation with a lower conversion fits as well).
pub fn correlations(fit: &Fit) -> Vec<(String, String, f64)> {
    let n = fit.keys.len();
    let col = |k: usize| fit.column(k).1;
    let mut out = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            let (x, y) = (col(a), col(b));
            out.push((fit.keys[a].clone(), fit.keys[b].clone(), pearson(&x, &y)));
        }
    }
    out
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx > 0.0 && syy > 0.0 { sxy / libm::sqrt(sxx * syy) } else { 0.0 }
}

/// `posterior.csv`: one row per posterior draw, closest to the history
/// first: its rank, its run's distance to the history, and each fitted
/// input (after the regression adjustment).
pub fn posterior_csv(fit: &Fit) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["sample".to_string(), "distance".to_string()];
    header.extend(fit.keys.iter().cloned());
    w.write_record(&header).expect("in memory");
    for (j, (&i, row)) in fit.kept.iter().zip(&fit.adjusted).enumerate() {
        let mut rec = vec![(j + 1).to_string(), crate::scenario::param::fmt_num(fit.distance[i])];
        rec.extend(row.iter().map(|x| crate::scenario::param::fmt_num(*x)));
        w.write_record(&rec).expect("in memory");
    }
    w.into_inner().expect("in memory")
}

/// Why `fitted.toml` cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FittedError {
    #[error(
        "{0} is uncertain by a --set override, not in the file, so fitted.toml cannot hold what was learned of it: write its distribution in the scenario file"
    )]
    NotInFile(String),
}

/// `fitted.toml`: the scenario's own text, each fitted input's value
/// replaced by the posterior sample (`{ dist = "sample", values = [...] }`,
/// a joint sample: a run takes one row of every fitted input), under a
/// comment saying where it came from. Every command runs it.
pub fn fitted_toml(scenario: &Scenario, fit: &Fit, actuals: &str) -> Result<String, FittedError> {
    let text = scenario.origin_text();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // Replacements by (line, column), from the end of a line backwards so
    // that earlier columns stay put.
    let mut edits: Vec<(usize, usize, usize, String)> = Vec::new();
    for (k, key) in fit.keys.iter().enumerate() {
        let loc = scenario
            .location(key)
            .filter(|l| l.origin == scenario.file_name())
            .ok_or_else(|| FittedError::NotInFile(key.clone()))?;
        let values: Vec<String> = fit.adjusted.iter().map(|r| crate::scenario::param::fmt_num(r[k])).collect();
        edits.push((
            loc.line,
            loc.column,
            loc.width,
            format!("{{ dist = \"sample\", values = [{}] }}", values.join(", ")),
        ));
    }
    edits.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
    for (line, column, width, new) in edits {
        let l = &mut lines[line - 1];
        let start = l.char_indices().nth(column - 1).map_or(l.len(), |(i, _)| i);
        let end = l.char_indices().nth(column - 1 + width).map_or(l.len(), |(i, _)| i);
        l.replace_range(start..end, &new);
    }
    let keys: String = fit.keys.iter().map(|k| format!("#   {k}\n")).collect();
    let header = format!(
        "# Fitted by plgsim fit to {actuals}. Learned from the history, each now a\n\
         # joint posterior sample of {} draws (posterior.csv; a run takes one row of\n\
         # every fitted input):\n{keys}\
         # Everything else is the scenario as it was; its months 1 to {} are the\n\
         # history's, the rest a projection.\n",
        fit.adjusted.len(),
        fit.months
    );
    Ok(header + &lines.join("\n") + "\n")
}

/// `predictive.csv`: every observed value of the history beside what the
/// fitted scenario's runs give that month: `metric, month, actual, p5, p10,
/// p50, p90, p95, outside_p5_p95`.
pub fn predictive_csv(p: &Predictive) -> Vec<u8> {
    cells_csv(p, |_| true, false)
}

/// `backtest.csv`: the held-out values beside the shorter fit's forecast,
/// with `inside_p10_p90` and the median's relative `error`.
pub fn backtest_csv(b: &Backtest) -> Vec<u8> {
    cells_csv(&b.predictive, |c| c.month > b.fit.months, true)
}

fn cells_csv(p: &Predictive, keep: impl Fn(&Cell) -> bool, backtest: bool) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["metric", "month", "actual", "p5", "p10", "p50", "p90", "p95"];
    header.extend(if backtest { ["inside_p10_p90", "error"].as_slice() } else { ["outside_p5_p95"].as_slice() });
    w.write_record(&header).expect("in memory");
    for c in &p.checks {
        let unit = crate::metrics::monthly_unit(&c.metric);
        for cell in c.cells.iter().filter(|c| keep(c)) {
            let mut rec = vec![c.metric.clone(), cell.month.to_string()];
            rec.push(number::cell(Some(cell.actual), unit));
            rec.extend(cell.band.iter().map(|x| number::cell(Some(*x), unit)));
            if backtest {
                rec.push(cell.inside_80().to_string());
                rec.push(number::cell(cell.error(), crate::metrics::Unit::Ratio));
            } else {
                rec.push(cell.outside_90().to_string());
            }
            w.write_record(&rec).expect("in memory");
        }
    }
    w.into_inner().expect("in memory")
}

#[derive(Serialize)]
struct SummaryDoc<'a> {
    plgsim_version: &'static str,
    scenario: &'a str,
    actuals: &'a str,
    months: u32,
    metrics: &'a [String],
    method: &'static str,
    draws: usize,
    kept: usize,
    tolerance: f64,
    inputs: Vec<Marginal>,
    posterior_correlations: Vec<CorrelationDoc>,
    predictive: PredictiveDoc,
    #[serde(skip_serializing_if = "Option::is_none")]
    backtest: Option<BacktestDoc<'a>>,
}

/// How the fitted scenario's runs meet the history.
#[derive(Serialize)]
struct PredictiveDoc {
    runs: u32,
    observed: usize,
    /// Observed values outside their month's P5-P95 (about 10% when the
    /// model fits).
    outside_p5_p95: usize,
}

#[derive(Serialize)]
struct BacktestDoc<'a> {
    holdout_months: u32,
    fitted_months: u32,
    all: ScoreDoc<'a>,
    by_metric: Vec<ScoreDoc<'a>>,
}

#[derive(Serialize)]
struct ScoreDoc<'a> {
    metric: &'a str,
    held_out: usize,
    inside_p10_p90: usize,
    coverage: Option<f64>,
    median_error: Option<f64>,
    median_bias: Option<f64>,
}

impl<'a> ScoreDoc<'a> {
    fn new(metric: &'a str, s: &Score) -> ScoreDoc<'a> {
        ScoreDoc {
            metric,
            held_out: s.cells,
            inside_p10_p90: s.inside_80,
            coverage: s.coverage(),
            median_error: s.median_error,
            median_bias: s.median_bias,
        }
    }
}

#[derive(Serialize)]
struct CorrelationDoc {
    a: String,
    b: String,
    r: f64,
}

/// What `summary.json` is made of.
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    pub scenario: &'a Scenario,
    pub history: &'a History,
    pub fit: &'a Fit,
    pub actuals: &'a str,
    pub predictive: &'a Predictive,
    pub backtest: Option<&'a Backtest>,
}

/// `summary.json`: what was fitted to what, each input's prior and
/// posterior, how the fitted scenario meets the history and, with a
/// holdout, the backtest's scores.
pub fn summary_json(parts: Parts) -> Vec<u8> {
    let Parts { scenario, history, fit, actuals, predictive, backtest } = parts;
    let (outside, observed) = predictive.outside_90();
    let doc = SummaryDoc {
        plgsim_version: env!("CARGO_PKG_VERSION"),
        scenario: scenario.name(),
        actuals,
        months: history.months,
        metrics: &history.metrics,
        method: super::abc::METHOD,
        draws: fit.prior.len(),
        kept: fit.kept.len(),
        tolerance: fit.tolerance,
        inputs: marginals(fit),
        posterior_correlations: correlations(fit).into_iter().map(|(a, b, r)| CorrelationDoc { a, b, r }).collect(),
        predictive: PredictiveDoc { runs: predictive.summary.runs, observed, outside_p5_p95: outside },
        backtest: backtest.map(|b| BacktestDoc {
            holdout_months: b.holdout,
            fitted_months: b.fit.months,
            all: ScoreDoc::new("all", &b.overall()),
            by_metric: b.by_metric().into_iter().map(|(m, s)| ScoreDoc::new(m, &s)).collect(),
        }),
    };
    let mut out = serde_json::to_vec_pretty(&doc).expect("serialisable");
    out.push(b'\n');
    out
}
