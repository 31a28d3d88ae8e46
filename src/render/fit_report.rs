//! `report.html` of `plgsim fit`: what was learned (each input's prior and
//! posterior, the inputs the history cannot tell apart), how the fitted
//! scenario meets the history month by month, the projection past it, and
//! the backtest of `--holdout`.
//!
//! Invariant, as for every report: the page references nothing outside
//! itself, and every text that comes from a scenario or a file name is
//! HTML-escaped.

use std::fmt::Write;

use super::RenderedChart;
use super::report::{escape, stat_cells, warning_list};
use super::whatif_report::{figure, page};
use crate::fit::output::{self as fit_output, Marginal, Parts};
use crate::fit::predict::{Backtest, Predictive, Score};
use crate::format;
use crate::metrics::{self, Horizon};

/// Everything the report shows: what `summary.json` is made of, and the
/// command that reproduces the fit.
#[derive(Debug, Clone, Copy)]
pub struct FitReport<'a> {
    pub parts: Parts<'a>,
    pub command: &'a str,
}

/// Horizon figures of the projection table.
const PROJECTION: &[Horizon] = &[
    Horizon::MrrFinal,
    Horizon::ArrFinal,
    Horizon::PaidAccountsFinal,
    Horizon::RevenueTotal,
    Horizon::SignupsTotal,
    Horizon::FreeToPaidConversion,
];

/// The warnings of a fit, for the console and the report: a history the
/// fitted scenario misses more often than chance.
pub fn warnings(predictive: &Predictive, backtest: Option<&Backtest>) -> Vec<String> {
    let mut w = Vec::new();
    let (outside, n) = predictive.outside_90();
    // A fitting model leaves about 10% of the months outside its P5-P95;
    // more than 10% plus two binomial standard errors is a miss. (The
    // months of a metric are correlated, so this is a rough bar.)
    if n > 0 && outside as f64 > n as f64 * 0.1 + 2.0 * libm::sqrt(n as f64 * 0.09) {
        w.push(format!(
            "{outside} of {n} observed values fall outside the fitted scenario's P5-P95, where a model that fits leaves \
             about 1 in 10: the scenario may lack something the business has (seasonality, a launch, a price change) \
             or its priors may exclude the values that would fit"
        ));
    }
    if let Some(b) = backtest {
        let s = b.overall();
        if s.cells > 0 && (s.inside_80 as f64) < s.cells as f64 * 0.8 - 2.0 * libm::sqrt(s.cells as f64 * 0.16) {
            w.push(format!(
                "the backtest's forecast holds only {} of {} held-out values in its P10-P90, where a calibrated forecast \
                 holds about 8 in 10: its bands are too narrow, or the business changed in the held-out months",
                s.inside_80, s.cells
            ));
        }
    }
    w
}

/// The report; `charts` are the fit's charts (`fit_inputs`, `fit_<metric>`,
/// `backtest_<metric>`).
pub fn html(r: &FitReport, charts: &[RenderedChart]) -> String {
    let s = r.parts.scenario;
    let fit = r.parts.fit;
    let pred = &r.parts.predictive.summary;
    let title = format!("{}: fitted to {}", s.name(), r.parts.actuals);
    let mut h = String::new();
    let _ = write!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">{} of the scenario's uncertain inputs learned from {} month{} of {} \
         ({}). {} draws of the priors were simulated over the history, the closest {} kept and adjusted by \
         regression (see Method). The fitted scenario (<code>fitted.toml</code>) was then run {} times over its {} months, seed {}.</p>\n</header>\n",
        escape(&title),
        fit.keys.len(),
        r.parts.history.months,
        if r.parts.history.months == 1 { "" } else { "s" },
        escape(r.parts.actuals),
        escape(&r.parts.history.metrics.join(", ")),
        fit.prior.len(),
        fit.adjusted.len(),
        pred.runs,
        pred.months,
        pred.seed
    );
    warning_list(&mut h, &warnings(r.parts.predictive, r.parts.backtest));
    let chart = |name: &str| charts.iter().find(|c| c.name == name);

    // What was learned.
    let marginals = fit_output::marginals(fit);
    h.push_str("<section id=\"inputs\">\n<h2>What the history taught</h2>\n");
    inputs_table(&mut h, &marginals);
    if let Some(c) = chart("fit_inputs") {
        figure(&mut h, c);
    }
    let correlations = fit_output::correlations(fit);
    let strong: Vec<&(String, String, f64)> = correlations.iter().filter(|c| c.2.abs() >= 0.5).collect();
    if correlations.is_empty() {
        h.push_str("<p class=\"note\">One input was fitted: there are no pairs to tell apart.</p>\n");
    } else {
        h.push_str(
            "<h3>Inputs the history cannot tell apart</h3>\n<p>Correlations of the posterior sample: a strong one \
             means the history pins down a combination of the two inputs (a higher activation with a lower \
             conversion fits as well), not each on its own. A decision that depends on one of them alone is less \
             certain than its interval above suggests.</p>\n<div class=\"wide\"><table>\n<thead><tr><th>Input</th>\
             <th>Input</th><th class=\"num\">Correlation</th><th></th></tr></thead>\n<tbody>\n",
        );
        let mut sorted: Vec<&(String, String, f64)> = correlations.iter().collect();
        sorted.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()));
        for (a, b, c) in sorted {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td class=\"num\">{c:+.2}</td><td>{}</td></tr>",
                escape(a),
                escape(b),
                if c.abs() >= 0.5 { "told apart poorly" } else { "" }
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
        if strong.is_empty() {
            h.push_str(
                "<p class=\"note\">No pair is correlated beyond 0.5: the history tells each input on its own.</p>\n",
            );
        }
    }
    h.push_str("</section>\n");

    // The history against the fitted scenario.
    let (outside, n) = r.parts.predictive.outside_90();
    let _ = write!(
        h,
        "<section id=\"history\">\n<h2>The history against the fitted scenario</h2>\n<p>Each observed metric, month by \
         month, over the runs of the fitted scenario: {outside} of {n} observed values fall outside their month's \
         P5-P95 (a model that fits leaves about 1 in 10 outside by chance).</p>\n"
    );
    let missed: Vec<String> = r
        .parts
        .predictive
        .checks
        .iter()
        .flat_map(|c| {
            c.cells.iter().filter(|x| x.outside_90()).map(move |x| {
                let u = metrics::monthly_unit(&c.metric);
                format!(
                    "{} in month {}: {} against P5-P95 {} to {}",
                    c.metric,
                    x.month,
                    format::value(x.actual, u),
                    format::value(x.band[0], u),
                    format::value(x.band[4], u)
                )
            })
        })
        .collect();
    if !missed.is_empty() {
        h.push_str("<p class=\"note\">Outside P5-P95:</p>\n<ul>\n");
        for m in &missed {
            let _ = writeln!(h, "<li>{}</li>", escape(m));
        }
        h.push_str("</ul>\n");
    }
    for c in &r.parts.predictive.checks {
        if let Some(chart) = chart(&format!("fit_{}", c.metric)) {
            figure(&mut h, chart);
        }
    }
    h.push_str("</section>\n");

    // The projection.
    let _ = write!(
        h,
        "<section id=\"projection\">\n<h2>The projection</h2>\n<p>The fitted scenario over its horizon (months 1 to {} \
         are the history's, {} the projection): every run draws its inputs from the posterior, so these bands hold \
         both what the history leaves unknown and the luck of each month. <code>plgsim run fitted.toml</code> gives \
         these runs with every chart, table and workbook; <code>sweep</code>, <code>compare</code> and the other \
         commands take it too.</p>\n",
        r.parts.history.months,
        if pred.months > r.parts.history.months {
            format!("months {} to {}", r.parts.history.months + 1, pred.months)
        } else {
            "none".to_string()
        }
    );
    h.push_str(
        "<div class=\"wide\"><table>\n<thead><tr><th>Figure</th><th class=\"num\">P10</th><th class=\"num\">P50</th>\
         <th class=\"num\">P90</th><th class=\"num\">Mean</th><th>Definition</th></tr></thead>\n<tbody>\n",
    );
    for &f in PROJECTION {
        let _ = writeln!(
            h,
            "<tr><td>{}</td>{}<td class=\"def\">{}</td></tr>",
            escape(f.label()),
            stat_cells(pred.horizon(f), f.unit()),
            escape(f.definition())
        );
    }
    h.push_str("</tbody>\n</table></div>\n</section>\n");

    if let Some(b) = r.parts.backtest {
        backtest_section(&mut h, b, charts);
    }

    let _ = write!(
        h,
        "<section id=\"method\">\n<h2>Method and limits</h2>\n<p>Each summary of the history (a flow's total, a \
         stock's mean over its observed months) is compared with the same summary of each prior draw's run, scaled \
         by the prior runs' spread; the draws closest to the history are kept and each input is moved along its \
         weighted regression on the summaries (Beaumont, Zhang &amp; Balding 2002). The posterior errs wide rather \
         than narrow: its calibration over synthetic histories is measured in docs/fit.md. Counts and MRR are taken \
         as exact: the history's noise is the business's own, which the runs reproduce. The fit learns only the \
         inputs the scenario makes uncertain, within the ranges it gives them: a value outside a prior cannot be \
         learned.</p>\n</section>\n"
    );
    let _ = write!(
        h,
        "<section id=\"reproducibility\">\n<h2>Reproducibility</h2>\n<p>plgsim {}. The same command gives the same \
         files on any machine and any number of threads:</p>\n<p><code>{}</code></p>\n<p class=\"note\">Every figure is \
         also in <code>summary.json</code>, <code>posterior.csv</code> and <code>predictive.csv</code>{} beside this \
         report.</p>\n</section>\n",
        env!("CARGO_PKG_VERSION"),
        escape(r.command),
        if r.parts.backtest.is_some() { ", <code>backtest.csv</code>" } else { "" }
    );
    page(&title, &h)
}

fn inputs_table(h: &mut String, marginals: &[Marginal]) {
    h.push_str(
        "<div class=\"wide\"><table>\n<thead><tr><th>Input</th><th class=\"num\">Prior P5</th><th class=\"num\">Prior P95</th>\
         <th class=\"num\">Posterior P5</th><th class=\"num\">P50</th><th class=\"num\">P95</th>\
         <th class=\"num\">Narrowed to</th></tr></thead>\n<tbody>\n",
    );
    for m in marginals {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\"><strong>{}</strong></td><td class=\"num\">{}</td><td class=\"num\">{:.0}%</td></tr>",
            escape(&m.key),
            format::sig(m.prior.p5),
            format::sig(m.prior.p95),
            format::sig(m.posterior.p5),
            format::sig(m.posterior.p50),
            format::sig(m.posterior.p95),
            100.0 * m.narrowed_to
        );
    }
    h.push_str(
        "</tbody>\n</table></div>\n<p class=\"note\">Narrowed to: the posterior's P5-P95 width as a share of the prior's. \
         Near 100%, the observed metrics say little about that input: observe a metric it drives to learn it.</p>\n",
    );
}

fn score_cells(s: &Score) -> String {
    let pct = |x: Option<f64>| x.map_or_else(|| "n/a".to_string(), |x| format!("{:.1}%", 100.0 * x));
    let bias = s.median_bias.map_or_else(|| "n/a".to_string(), |x| format!("{:+.1}%", 100.0 * x));
    format!(
        "<td class=\"num\">{} of {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{bias}</td>",
        s.inside_80,
        s.cells,
        pct(s.coverage()),
        pct(s.median_error)
    )
}

fn backtest_section(h: &mut String, b: &Backtest, charts: &[RenderedChart]) {
    let fitted = b.fit.months;
    let overall = b.overall();
    let _ = write!(
        h,
        "<section id=\"backtest\">\n<h2>Backtest: the last {} month{} held out</h2>\n<p>The same fit run on months 1 to \
         {fitted} only, and its fitted scenario's forecast of months {} to {} set against what happened. A calibrated \
         forecast holds about 80% of the held-out values in its P10-P90 band; {} of {} are. Median error: the mean of \
         |P50 &minus; actual| / actual; bias: the same with its sign (above 0, the forecast ran high).</p>\n\
         <div class=\"wide\"><table>\n<thead><tr><th>Metric</th><th class=\"num\">In P10-P90</th><th class=\"num\">Coverage</th>\
         <th class=\"num\">Median error</th><th class=\"num\">Bias</th></tr></thead>\n<tbody>\n",
        b.holdout,
        if b.holdout == 1 { "" } else { "s" },
        fitted + 1,
        fitted + b.holdout,
        overall.inside_80,
        overall.cells
    );
    for (metric, s) in b.by_metric() {
        let _ = writeln!(h, "<tr><td>{}</td>{}</tr>", escape(metric), score_cells(&s));
    }
    let _ = writeln!(h, "<tr><td><strong>all</strong></td>{}</tr>", score_cells(&overall));
    h.push_str(
        "</tbody>\n</table></div>\n<p class=\"note\">Held-out months of one metric are correlated (a forecast that runs \
         high in one month tends to in the next), so a short holdout's coverage is a rough check, not a test. \
         <code>fitted.toml</code> and the sections above use every month of the history; this section alone uses \
         the shorter fit.</p>\n",
    );
    for c in &b.predictive.checks {
        if let Some(chart) = charts.iter().find(|x| x.name == format!("backtest_{}", c.metric)) {
            figure(h, chart);
        }
    }
    h.push_str("</section>\n");
}
