//! Comparison charts: the MRR of several scenarios on one axis, and their
//! horizon figures side by side.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{runs_phrase, signed};
use crate::format;
use crate::metrics::{self, Horizon, Unit};
use crate::render::canvas::{
    self, Chart, DrawResult, Mark,
    palette::{BLACK, BLUE, GREEN, GRID, INK, MUTED, ORANGE, PURPLE, SKY_BLUE, VERMILLION},
};
use crate::whatif::Difference;
use crate::whatif::compare::Comparison;

/// Scenario colours, in order: Okabe-Ito without yellow (too light for
/// lines on white). More scenarios than colours reuse them.
const SCENARIO_COLORS: [RGBColor; 7] = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY_BLUE, BLACK];

/// The colour of the `i`-th scenario.
pub fn scenario_color(i: usize) -> RGBColor {
    SCENARIO_COLORS[i % SCENARIO_COLORS.len()]
}

/// What the legend calls each scenario: its label ([`Variant::label`]:
/// its name, disambiguated when two scenarios share it), and its horizon
/// when the horizons differ (figures at the horizon are then at different
/// months).
///
/// [`Variant::label`]: crate::whatif::compare::Variant::label
pub fn scenario_labels(c: &Comparison) -> Vec<String> {
    let horizons_differ = c.variants.windows(2).any(|w| w[0].summary.months != w[1].summary.months);
    c.variants
        .iter()
        .map(|v| {
            if !horizons_differ {
                v.label.clone()
            } else if v.label == v.name {
                format!("{} ({} months)", v.name, v.summary.months)
            } else {
                format!("{}, {} months)", v.label.strip_suffix(')').unwrap_or(&v.label), v.summary.months)
            }
        })
        .collect()
}

/// "100 runs each", or each scenario's runs when they differ.
fn runs_of(c: &Comparison) -> String {
    let runs: Vec<u32> = c.variants.iter().map(|v| v.summary.runs).collect();
    if runs.windows(2).all(|w| w[0] == w[1]) {
        format!("{} each", runs_phrase(runs[0]))
    } else {
        let list: Vec<String> = runs.iter().map(|r| r.to_string()).collect();
        format!("each scenario's runs ({})", list.join(", "))
    }
}

/// One scenario's MRR, month by month.
#[derive(Debug, Clone, PartialEq)]
pub struct MrrSeries {
    pub label: String,
    pub color: RGBColor,
    /// One entry per month of the scenario's horizon: `[p10, p50, p90]`.
    pub bands: Vec<[f64; 3]>,
}

/// A monthly metric month by month of every scenario on one axis: the
/// median run as a line and the P10-P90 band of the runs in the scenario's
/// colour. Scenarios with a shorter horizon stop earlier. MRR
/// (`charts/compare_mrr`, [`CompareMonthly::new`]) is the chart of a
/// comparison with revenue; any other metric is drawn to
/// `charts/<metric>` ([`CompareMonthly::of`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CompareMonthly {
    /// File stem.
    pub name: String,
    /// The monthly column.
    pub metric: String,
    pub title: String,
    pub caption: String,
    pub y_desc: String,
    pub unit: Unit,
    /// Drawn across the plot when the metric is zero throughout.
    pub zero_note: String,
    pub runs: String,
    pub series: Vec<MrrSeries>,
}

/// The MRR comparison (the name of the chart before any metric could be
/// compared).
pub type CompareMrr = CompareMonthly;

impl CompareMonthly {
    /// MRR of every scenario (`charts/compare_mrr`).
    pub fn new(c: &Comparison) -> CompareMonthly {
        CompareMonthly {
            name: "compare_mrr".into(),
            title: "Monthly recurring revenue (MRR) by scenario".into(),
            caption: "MRR at the end of each month, one colour per scenario: the line is the median run, the band holds 80% of the runs (P10 to P90). A scenario with a shorter horizon stops earlier.".into(),
            y_desc: "MRR ($ per month)".into(),
            zero_note: "MRR is $0 in every month of every scenario".into(),
            ..CompareMonthly::of(c, "mrr")
        }
    }

    /// The monthly column `metric` of every scenario (`charts/<metric>`); a
    /// scenario without it (another scenario's channel) has no months.
    pub fn of(c: &Comparison, metric: &str) -> CompareMonthly {
        let series = c
            .variants
            .iter()
            .zip(scenario_labels(c))
            .enumerate()
            .map(|(i, (v, label))| MrrSeries {
                label,
                color: scenario_color(i),
                bands: v
                    .summary
                    .series(metric)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| [s.p10(), s.p50(), s.p90()].map(|x| x.unwrap_or(0.0)))
                    .collect(),
            })
            .collect();
        let def = metrics::monthly_definition(metric);
        CompareMonthly {
            name: metric.to_string(),
            metric: metric.to_string(),
            title: format!("{metric} by scenario"),
            caption: format!(
                "{def} Monthly metric {metric} (monthly.csv), one colour per scenario: the line is the median run, the band holds 80% of the runs (P10 to P90). A scenario with a shorter horizon stops earlier."
            )
            .trim_start()
            .to_string(),
            y_desc: super::fan::monthly_desc(metric, metric),
            unit: metrics::monthly_unit(metric),
            zero_note: format!("{metric} is 0 in every month of every scenario"),
            runs: runs_of(c),
            series,
        }
    }

    /// The same chart titled for people: `Active free accounts by scenario`,
    /// with the axis `Active free accounts at month end`.
    pub fn titled(mut self, what: &str) -> CompareMonthly {
        self.title = format!("{what} by scenario");
        self.y_desc = super::fan::monthly_desc(what, &self.metric);
        self
    }

    /// The longest horizon, in months.
    pub fn months(&self) -> usize {
        self.series.iter().map(|s| s.bands.len()).max().unwrap_or(0)
    }
}

impl Chart for CompareMonthly {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn caption(&self) -> String {
        self.caption.clone()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let area =
            canvas::header(root, &self.title(), &format!("Median (line) and P10 to P90 (band) across {}", self.runs))?;
        let entries: Vec<(Mark, String)> = self.series.iter().map(|s| (Mark::Band(s.color), s.label.clone())).collect();
        let area = canvas::legend(&area, &entries)?;
        let months = self.months().max(1);
        let top = self.series.iter().flat_map(|s| s.bands.iter().map(|b| b[2])).fold(0.0, f64::max);
        let bottom = self.series.iter().flat_map(|s| s.bands.iter().map(|b| b[0])).fold(0.0, f64::min);
        let (y0, y1) = canvas::padded(bottom, top);
        let unit = self.unit;
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(36)
            .margin_bottom(8)
            .x_label_area_size(52)
            .y_label_area_size(96)
            .build_cartesian_2d(1.0..(months as f64).max(2.0), y0..y1)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(canvas::month_labels(months))
            .y_labels(8)
            .x_label_formatter(&canvas::month_tick)
            .y_label_formatter(&|y| canvas::tick(*y, unit))
            .x_desc("Month")
            .y_desc(&self.y_desc)
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;
        for s in &self.series {
            chart.draw_series(std::iter::once(Polygon::new(
                canvas::band_outline(&s.bands),
                s.color.mix(0.18).filled(),
            )))?;
        }
        for s in &self.series {
            chart.draw_series(LineSeries::new(canvas::median_line(&s.bands), s.color.stroke_width(3)))?;
            if let Some(last) = s.bands.last() {
                chart.draw_series(std::iter::once(Circle::new(
                    (s.bands.len() as f64, last[1]),
                    5,
                    s.color.filled(),
                )))?;
            }
        }
        if top == 0.0 && bottom == 0.0 {
            let (x, y) = chart.plotting_area().get_pixel_range();
            let style = canvas::text(18, MUTED).pos(Pos::new(HPos::Center, VPos::Center));
            let centre = ((x.start + x.end) / 2, (y.start + y.end) / 2);
            root.draw_text(&self.zero_note, &style, centre)?;
        }
        Ok(())
    }
}

/// One horizon figure of every scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPanel {
    pub metric: Horizon,
    /// Per scenario: `[p10, p50, p90]`, if the figure is defined in any run.
    pub intervals: Vec<Option<[f64; 3]>>,
    /// Per scenario: the mean.
    pub means: Vec<Option<f64>>,
    /// Per scenario: the paired difference against the first.
    pub diffs: Vec<Option<Difference>>,
}

/// The horizon figures side by side, one panel per figure: for each
/// scenario (in its colour) the median as a dot, P10 to P90 as a bar and
/// the mean as a tick; under each scenario after the first, the paired
/// difference of its mean against the first with the half-width of its 95%
/// interval (when the scenarios share a seed).
#[derive(Debug, Clone, PartialEq)]
pub struct CompareMetrics {
    pub labels: Vec<String>,
    pub colors: Vec<RGBColor>,
    pub runs: String,
    pub paired: bool,
    pub panels: Vec<MetricPanel>,
}

impl CompareMetrics {
    pub fn new(c: &Comparison) -> CompareMetrics {
        let panels = c
            .metrics
            .iter()
            .enumerate()
            .map(|(m, &metric)| MetricPanel {
                metric,
                intervals: c
                    .variants
                    .iter()
                    .map(|v| {
                        let s = &v.stats[m];
                        Some([s.p10()?, s.p50()?, s.p90()?])
                    })
                    .collect(),
                means: c.variants.iter().map(|v| v.stats[m].mean).collect(),
                diffs: c.variants.iter().map(|v| v.vs_first.get(m).copied().flatten()).collect(),
            })
            .collect();
        CompareMetrics {
            labels: scenario_labels(c),
            colors: (0..c.variants.len()).map(scenario_color).collect(),
            runs: runs_of(c),
            paired: c.paired,
            panels,
        }
    }

    /// Panels per row: one row up to three panels, then two rows of two
    /// or three, then rows of three or four.
    pub fn columns(&self) -> usize {
        match self.panels.len() {
            0..=3 => self.panels.len().max(1),
            4 => 2,
            5..=9 => 3,
            _ => 4,
        }
    }
}

/// The difference under a scenario's bar: `Δ +$127k` and `± $5.90k`.
pub fn difference_lines(d: &Difference, unit: crate::metrics::Unit) -> (String, String) {
    let half = 0.5 * (d.high - d.low);
    let half = format::gap(half, unit);
    (format!("Δ {}", signed(d.mean, unit)), format!("± {half}"))
}

impl Chart for CompareMetrics {
    fn name(&self) -> String {
        "compare_metrics".into()
    }

    fn title(&self) -> String {
        "Horizon figures by scenario".into()
    }

    fn caption(&self) -> String {
        let diff = if self.paired {
            " Under each scenario after the first, Δ is its mean minus the first scenario's, measured run by run (the scenarios share a seed, so run r of each uses the same random numbers), with the half-width of its 95% interval."
        } else {
            " The scenarios have different seeds, so no paired difference is shown."
        };
        format!(
            "Each panel is one figure at the horizon. For each scenario, the dot is the median run, the bar holds 80% of the runs (P10 to P90) and the black tick beside it is the mean.{diff}"
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let subtitle = if self.paired {
            format!(
                "Median (dot), P10 to P90 (bar), mean (tick) across {}; Δ = mean difference vs the first scenario, paired, ± 95% interval",
                self.runs
            )
        } else {
            format!(
                "Median (dot), P10 to P90 (bar), mean (tick) across {}; seeds differ, so no paired differences",
                self.runs
            )
        };
        let area = canvas::header(root, &self.title(), &subtitle)?;
        let entries: Vec<(Mark, String)> =
            self.labels.iter().zip(&self.colors).map(|(l, c)| (Mark::Dot(*c), l.clone())).collect();
        let area = canvas::legend(&area, &entries)?;
        let cols = self.columns();
        let rows = self.panels.len().div_ceil(cols).max(1);
        let cells = area.margin(4, 0, 8, 8).split_evenly((rows, cols));
        for (panel, cell) in self.panels.iter().zip(&cells) {
            self.draw_panel(panel, cell)?;
        }
        Ok(())
    }
}

impl CompareMetrics {
    fn draw_panel<DB: DrawingBackend>(&self, p: &MetricPanel, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let unit = p.metric.unit();
        area.draw_text(&canvas::unit_desc(p.metric.label(), unit), &canvas::bold(17, INK), (16, 4))?;
        let area = area.split_vertically(30).1;
        let k = self.labels.len().max(1);
        let values: Vec<f64> =
            p.intervals.iter().flatten().flat_map(|i| [i[0], i[2]]).chain(p.means.iter().flatten().copied()).collect();
        if values.is_empty() {
            area.draw_text("undefined in every run", &canvas::text(15, MUTED), (16, 8))?;
            return Ok(());
        }
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (y0, y1) = canvas::around(lo, hi, 0.1);
        let show_diffs = self.paired && k > 1;
        let mut chart = ChartBuilder::on(&area)
            .margin_right(16)
            .margin_bottom(4)
            .x_label_area_size(if show_diffs { 44 } else { 8 })
            .y_label_area_size(74)
            .build_cartesian_2d(-0.5..k as f64 - 0.5, y0..y1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(0)
            .y_labels(5)
            .y_label_formatter(&|y| canvas::tick(*y, unit))
            .label_style(canvas::tick_style())
            .draw()?;
        for (i, (interval, mean)) in p.intervals.iter().zip(&p.means).enumerate() {
            let x = i as f64;
            let color = self.colors[i];
            if interval.is_none() {
                let (px, py) = chart.backend_coord(&(x, 0.5 * (y0 + y1)));
                let (ax, ay) = area.get_base_pixel();
                let style = canvas::text(15, MUTED).pos(Pos::new(HPos::Center, VPos::Center));
                area.draw_text("n/a", &style, (px - ax, py - ay))?;
            }
            if let Some([p10, p50, p90]) = *interval {
                chart
                    .draw_series(std::iter::once(PathElement::new(vec![(x, p10), (x, p90)], color.stroke_width(4))))?;
                let cap = 0.12;
                for y in [p10, p90] {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(x - cap, y), (x + cap, y)],
                        color.stroke_width(2),
                    )))?;
                }
                chart.draw_series([
                    Circle::new((x, p50), 9, WHITE.filled()),
                    Circle::new((x, p50), 7, color.filled()),
                ])?;
            }
            // The mean: a notch right of the bar.
            if let Some(m) = *mean {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x + 0.07, m), (x + 0.22, m)],
                    BLACK.stroke_width(3),
                )))?;
            }
        }
        if show_diffs {
            let (x_px, y_px) = chart.plotting_area().get_pixel_range();
            let slot = (x_px.end - x_px.start) / k as i32;
            for (i, d) in p.diffs.iter().enumerate() {
                let (cx, _) = chart.backend_coord(&(i as f64, y0));
                let (a, b) = match (i, d) {
                    (0, _) => ("reference".to_string(), String::new()),
                    (_, Some(d)) => difference_lines(d, unit),
                    (_, None) => ("Δ n/a".to_string(), String::new()),
                };
                let mut size = 15;
                let width =
                    |s: &str, size: u32| area.estimate_text_size(s, &canvas::text(size, INK)).map(|(w, _)| w as i32);
                while size > 12 && (width(&a, size)? > slot - 6 || width(&b, size)? > slot - 6) {
                    size -= 1;
                }
                if width(&a, size)? > slot - 2 || width(&b, size)? > slot - 2 {
                    continue;
                }
                let ink = if i == 0 { MUTED } else { INK };
                let style = canvas::text(size, ink).pos(Pos::new(HPos::Center, VPos::Top));
                let (ax, ay) = area.get_base_pixel();
                area.draw_text(&a, &style, (cx - ax, y_px.end - ay + 6))?;
                area.draw_text(&b, &style, (cx - ax, y_px.end - ay + 24))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::testing;
    use crate::scenario::{Override, Scenario};
    use crate::whatif::compare::{self, Entry};

    /// The chart-test scenario, a variant at twice the price with fewer
    /// months, and the scenario again.
    fn comparison() -> Comparison {
        let a = Scenario::from_str("tiny.toml", testing::SCENARIO, &[]).unwrap();
        let set = |s: &str| Override::parse(s).unwrap();
        let b = Scenario::from_str(
            "tiny_dear.toml",
            testing::SCENARIO,
            &[set("plans.pro.price_per_month=30"), set("scenario.months=5"), set("scenario.name=\"Dear\"")],
        )
        .unwrap();
        compare::run(
            &[Entry::file("tiny.toml", a.clone()), Entry::file("dear.toml", b), Entry::file("again.toml", a)],
            &[Horizon::MrrFinal, Horizon::FreeToPaidConversion],
            &|| {},
        )
    }

    #[test]
    fn each_scenario_has_its_colour_horizon_and_a_unique_label() {
        let c = comparison();
        let fan = CompareMrr::new(&c);
        let labels: Vec<&str> = fan.series.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["Tiny (tiny.toml, 8 months)", "Dear (5 months)", "Tiny (again.toml, 8 months)"]);
        assert_eq!(fan.series.iter().map(|s| s.bands.len()).collect::<Vec<_>>(), [8, 5, 8]);
        assert_eq!(fan.months(), 8);
        assert_eq!(fan.series.iter().map(|s| s.color).collect::<Vec<_>>(), [BLUE, ORANGE, GREEN]);
        for b in fan.series.iter().flat_map(|s| &s.bands) {
            assert!(b[0] <= b[1] && b[1] <= b[2], "{b:?}");
        }
        let mrr = c.variants[1].summary.series("mrr").unwrap();
        assert_eq!(fan.series[1].bands[4][1], mrr[4].p50().unwrap());
        assert_eq!(fan.runs, "24 runs each");
    }

    #[test]
    fn any_monthly_metric_is_overlaid_under_its_own_name() {
        let c = comparison();
        let chart = CompareMonthly::of(&c, "signups_organic").titled("Organic signups");
        assert_eq!(chart.name(), "signups_organic");
        assert_eq!(chart.title(), "Organic signups by scenario");
        assert_eq!(chart.y_desc, "Organic signups per month");
        assert_eq!(chart.unit, Unit::Count);
        let s = c.variants[1].summary.series("signups_organic").unwrap();
        assert_eq!(chart.series[1].bands[2], [s[2].p10().unwrap(), s[2].p50().unwrap(), s[2].p90().unwrap()]);
        assert_eq!(CompareMrr::new(&c).name(), "compare_mrr");
        assert!(c.has_revenue());
    }

    #[test]
    fn keeping_metrics_keeps_their_values_statistics_and_differences() {
        let mut c = comparison();
        let (stats, diff) = (c.variants[1].stats[1].clone(), c.variants[1].vs_first[1]);
        c.keep_metrics(&[Horizon::FreeToPaidConversion, Horizon::KFactor]);
        assert_eq!(c.metrics, [Horizon::FreeToPaidConversion]);
        assert_eq!((c.variants[1].stats.len(), c.variants[1].values.len()), (1, 1));
        assert_eq!((&c.variants[1].stats[0], c.variants[1].vs_first[0]), (&stats, diff));
    }

    #[test]
    fn the_same_file_twice_is_told_apart_by_its_place() {
        let a =
            Scenario::from_str("tiny.toml", testing::SCENARIO, &[Override::parse("scenario.runs=2").unwrap()]).unwrap();
        let c = compare::run(
            &[Entry::file("tiny.toml", a.clone()), Entry::file("tiny.toml", a)],
            &[Horizon::MrrFinal],
            &|| {},
        );
        assert_eq!(scenario_labels(&c), ["Tiny (tiny.toml, #1)", "Tiny (tiny.toml, #2)"]);
    }

    #[test]
    fn panels_hold_every_scenarios_interval_and_paired_difference() {
        let c = comparison();
        let chart = CompareMetrics::new(&c);
        assert!(chart.paired);
        assert_eq!(chart.panels.len(), 2);
        let mrr = &chart.panels[0];
        assert_eq!(mrr.metric, Horizon::MrrFinal);
        let [p10, p50, p90] = mrr.intervals[0].unwrap();
        assert!(p10 <= p50 && p50 <= p90);
        assert_eq!(mrr.intervals[0], mrr.intervals[2], "the same scenario twice");
        let same = mrr.diffs[2].unwrap();
        assert_eq!((same.mean, same.low, same.high), (0.0, 0.0, 0.0));
        assert_eq!(mrr.diffs[1], c.variants[1].vs_first[0]);
        assert_eq!(chart.columns(), 2);
    }

    #[test]
    fn differences_read_as_a_signed_mean_and_a_half_width() {
        let d = Difference {
            mean: 127_114.0,
            low: 121_213.0,
            high: 133_015.0,
            runs: 100,
            p10: 0.0,
            p50: 0.0,
            p90: 0.0,
            above: 0,
            below: 0,
        };
        assert_eq!(difference_lines(&d, crate::metrics::Unit::Money), ("Δ +$127k".into(), "± $5.90k".into()));
        let d = Difference {
            mean: -0.0136,
            low: -0.0144,
            high: -0.0128,
            runs: 100,
            p10: 0.0,
            p50: 0.0,
            p90: 0.0,
            above: 0,
            below: 0,
        };
        assert_eq!(difference_lines(&d, crate::metrics::Unit::Share), ("Δ -1.36 pp".into(), "± 0.080 pp".into()));
    }
}
