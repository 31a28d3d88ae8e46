//! Charts and the HTML report of a run, and the charts of the what-if
//! commands: pure functions of the results that return files
//! ([`OutputFile`]) for the one place that writes them.
//!
//! ```text
//! Summary + Simulation --charts::*::new--> chart data --Chart::draw--> PNG + SVG
//!                                                     \--> report.html (SVGs inline)
//! Sweep / Comparison / Sensitivity --charts::*::new--> chart data --Chart::draw--> PNG + SVG
//!                                                     \--> report.html (whatif_report)
//! ```
//!
//! Every chart is drawn at [`canvas::SIZE`] with the embedded DejaVu Sans
//! (see [`canvas`]), once into a PNG and once into an SVG. The report is one
//! self-contained HTML file: charts inline as SVG, CSS inline, no scripts,
//! no fonts or images to fetch, and no URL of any kind, so it can be mailed,
//! opened offline or projected.

pub mod canvas;
pub mod charts;
pub mod decide_report;
pub mod fit_report;
mod raster;
pub mod report;
pub mod whatif_report;

use crate::engine::Simulation;
use crate::output::OutputFile;
use crate::scenario::Scenario;
use crate::summary::Summary;
use crate::whatif::compare::Comparison;
use crate::whatif::sensitivity::Sensitivity;
use crate::whatif::sweep::Sweep;

use canvas::Chart;
use charts::*;

/// One chart, drawn.
#[derive(Debug, Clone)]
pub struct RenderedChart {
    /// File stem (`mrr_fan`).
    pub name: String,
    pub title: String,
    pub caption: String,
    pub svg: String,
    pub png: Vec<u8>,
}

fn rendered(chart: &impl Chart) -> RenderedChart {
    RenderedChart {
        name: chart.name(),
        title: chart.title(),
        caption: chart.caption(),
        svg: canvas::svg(chart),
        png: canvas::png(chart),
    }
}

/// Every chart of a run, in the order the report shows them.
///
/// A run with revenue leads with MRR. One where no run earned any
/// ([`Summary::has_revenue`]) leads with accounts instead: active free
/// accounts (`charts/active_free`), signups by source, accounts by state
/// (when there is more than one), retention by cohort and the distributions of active accounts, signups
/// and K; the MRR, MRR movements, funnel to paying and conversion charts,
/// zero throughout, are left out.
pub fn charts(summary: &Summary, sim: &Simulation) -> Vec<RenderedChart> {
    if !summary.has_revenue {
        let mut charts = vec![
            rendered(&MetricFan::new(summary, "active_free").titled("Active free accounts")),
            rendered(&StackedMonthly::acquisition_mix(summary)),
        ];
        // With one state (every account active and free), the lead chart says it all.
        let states = StackedMonthly::accounts_by_state(summary);
        if states.layers.len() > 1 {
            charts.push(rendered(&states));
        }
        charts.push(rendered(&CohortHeatmap::new(summary, CohortMeasure::Retention)));
        charts.push(rendered(&HorizonDistributions::accounts(sim)));
        return charts;
    }
    vec![
        rendered(&MrrFan::new(summary)),
        rendered(&StackedMonthly::accounts_by_state(summary)),
        rendered(&Funnel::new(summary)),
        rendered(&StackedMonthly::acquisition_mix(summary)),
        rendered(&MrrMovements::new(summary)),
        rendered(&CohortHeatmap::new(summary, CohortMeasure::Conversion)),
        rendered(&CohortHeatmap::new(summary, CohortMeasure::Retention)),
        rendered(&HorizonDistributions::new(sim)),
    ]
}

/// `charts` followed by a fan chart (`charts/<metric>`) of each monthly
/// metric in `extra` (`--chart`), each once and none that is already there.
pub fn charts_with(summary: &Summary, sim: &Simulation, extra: &[String]) -> Vec<RenderedChart> {
    let mut charts = charts(summary, sim);
    for metric in extra {
        if !charts.iter().any(|c| &c.name == metric) {
            charts.push(rendered(&MetricFan::new(summary, metric)));
        }
    }
    charts
}

/// The charts (`charts/<name>.png` and `.svg`) and `report.html` of a run.
pub fn render(scenario: &Scenario, summary: &Summary, sim: &Simulation) -> Vec<OutputFile> {
    render_with(scenario, summary, sim, &[])
}

/// As [`render`], with a fan chart of each monthly metric in `extra`
/// (`--chart`; the names must be monthly columns of the run).
pub fn render_with(scenario: &Scenario, summary: &Summary, sim: &Simulation, extra: &[String]) -> Vec<OutputFile> {
    let charts = charts_with(summary, sim, extra);
    let report = report::html(scenario, summary, &charts);
    let mut files = chart_files(charts);
    files.push(OutputFile::new("report.html", report.into_bytes()));
    files
}

/// `charts/<name>.svg` and `charts/<name>.png` of every chart.
fn chart_files(charts: Vec<RenderedChart>) -> Vec<OutputFile> {
    let mut files = Vec::with_capacity(2 * charts.len() + 1);
    for c in charts {
        files.push(OutputFile::new(format!("charts/{}.svg", c.name), c.svg.into_bytes()));
        files.push(OutputFile::new(format!("charts/{}.png", c.name), c.png));
    }
    files
}

/// The charts and `report.html` of a sweep.
pub fn render_sweep(sweep: &Sweep) -> Vec<OutputFile> {
    let charts = sweep_rendered(sweep);
    let report = whatif_report::sweep_html(sweep, &charts);
    with_report(chart_files(charts), report)
}

/// The charts and `report.html` of a comparison.
pub fn render_compare(comparison: &Comparison) -> Vec<OutputFile> {
    render_compare_with(comparison, &[])
}

/// As [`render_compare`], with an overlay by scenario of each monthly
/// metric in `extra` (`--chart`), written to `charts/<metric>`.
pub fn render_compare_with(comparison: &Comparison, extra: &[String]) -> Vec<OutputFile> {
    let mut charts = compare_rendered(comparison);
    for metric in extra {
        if !charts.iter().any(|c| &c.name == metric) {
            charts.push(rendered(&CompareMonthly::of(comparison, metric)));
        }
    }
    let report = whatif_report::compare_html(comparison, &charts);
    with_report(chart_files(charts), report)
}

/// The tornado chart and `report.html` of a sensitivity analysis.
pub fn render_sensitivity(sensitivity: &Sensitivity) -> Vec<OutputFile> {
    let charts = sensitivity_rendered(sensitivity);
    let report = whatif_report::sensitivity_html(sensitivity, &charts);
    with_report(chart_files(charts), report)
}

fn with_report(mut files: Vec<OutputFile>, report: String) -> Vec<OutputFile> {
    files.push(OutputFile::new("report.html", report.into_bytes()));
    files
}

/// The goal seek's chart (`charts/target.png` and `.svg`): the sought
/// statistic against the lever, its band, the target and the roots.
pub fn target_charts(target: &crate::whatif::target::Target) -> Vec<OutputFile> {
    chart_files(vec![rendered(&charts::TargetChart { target })])
}

/// The goal seek's chart and `report.html`.
pub fn render_target(target: &crate::whatif::target::Target) -> Vec<OutputFile> {
    let charts = vec![rendered(&charts::TargetChart { target })];
    let report = decide_report::target_html(target, &charts);
    with_report(chart_files(charts), report)
}

/// The charts of a sweep, one per metric (`charts/sweep_<metric>.png` and
/// `.svg`): the metric against the parameter (one parameter), or a heatmap
/// over the grid (two).
pub fn sweep_charts(sweep: &Sweep) -> Vec<OutputFile> {
    chart_files(sweep_rendered(sweep))
}

fn sweep_rendered(sweep: &Sweep) -> Vec<RenderedChart> {
    (0..sweep.metrics.len())
        .map(|m| match sweep.axes.len() {
            1 => rendered(&SweepLine::new(sweep, m)),
            _ => rendered(&SweepHeatmap::new(sweep, m)),
        })
        .collect()
}

/// The charts of a comparison: MRR of every scenario on one axis
/// (`charts/compare_mrr`) and the horizon figures side by side
/// (`charts/compare_metrics`). When no scenario earns revenue, active free
/// accounts (`charts/active_free`) and signups (`charts/signups_total`) of
/// every scenario take MRR's place.
pub fn compare_charts(comparison: &Comparison) -> Vec<OutputFile> {
    chart_files(compare_rendered(comparison))
}

fn compare_rendered(comparison: &Comparison) -> Vec<RenderedChart> {
    let mut charts = if comparison.has_revenue() {
        vec![rendered(&CompareMrr::new(comparison))]
    } else {
        vec![
            rendered(&CompareMonthly::of(comparison, "active_free").titled("Active free accounts")),
            rendered(&CompareMonthly::of(comparison, "signups_total").titled("Signups")),
        ]
    };
    charts.push(rendered(&CompareMetrics::new(comparison)));
    charts
}

/// The tornado chart of a sensitivity analysis (`charts/tornado_<metric>`).
pub fn sensitivity_charts(sensitivity: &Sensitivity) -> Vec<OutputFile> {
    chart_files(sensitivity_rendered(sensitivity))
}

fn sensitivity_rendered(sensitivity: &Sensitivity) -> Vec<RenderedChart> {
    vec![rendered(&Tornado::new(sensitivity))]
}

/// The charts and `report.html` of a fit: each input's prior and posterior
/// (`charts/fit_inputs`), each observed metric over the fitted scenario's
/// fan (`charts/fit_<metric>`) and, with a backtest, over the shorter fit's
/// forecast (`charts/backtest_<metric>`).
pub fn render_fit(r: &fit_report::FitReport) -> Vec<OutputFile> {
    let marginals = crate::fit::output::marginals(r.parts.fit);
    let mut charts = vec![rendered(&PriorPosterior::new(r.parts.fit, &marginals))];
    let p = r.parts.predictive;
    for c in &p.checks {
        charts.push(rendered(&FitFan::new(c, p.summary.runs, r.parts.history.months, false, p.summary.start)));
    }
    if let Some(b) = r.parts.backtest {
        let p = &b.predictive;
        // Drawn over the history's months only: the held-out ones are the point.
        for c in &p.checks {
            let mut c = c.clone();
            c.bands.truncate(r.parts.history.months as usize);
            charts.push(rendered(&FitFan::new(&c, p.summary.runs, b.fit.months, true, p.summary.start)));
        }
    }
    let report = fit_report::html(r, &charts);
    with_report(chart_files(charts), report)
}
