//! The fan chart of any monthly metric (`--chart METRIC`, and the lead
//! chart of a scenario without revenue).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::runs_phrase;
use crate::metrics::{self, Kind, Unit};
use crate::render::canvas::{
    self, Chart, DrawResult, Mark,
    palette::{BLUE, GRID, MUTED},
};
use crate::summary::Summary;

/// A monthly metric month by month across runs: the median (P50) as a line
/// and 80% of the runs (P10-P90) as a band, as [`super::MrrFan`] draws MRR.
/// Drawn to `charts/<metric>.png` and `.svg`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricFan {
    /// The monthly column (`signups_invite`).
    pub metric: String,
    pub title: String,
    /// The left axis.
    pub y_desc: String,
    pub unit: Unit,
    pub runs: u32,
    /// One entry per month: `[p10, p50, p90]`.
    pub bands: Vec<[f64; 3]>,
    /// The calendar month of month 1 (dates on the axis), if any.
    pub start: Option<crate::calendar::YearMonth>,
}

/// The axis description of a monthly column: `signups_invite per month`,
/// `active_free at month end`, `($)` after money.
pub fn monthly_desc(what: &str, metric: &str) -> String {
    let when = match metrics::monthly_kind(metric) {
        Kind::Flow => "per month",
        Kind::Stock => "at month end",
    };
    match metrics::monthly_unit(metric) {
        Unit::Money => format!("{what} {when} ($)"),
        _ => format!("{what} {when}"),
    }
}

impl MetricFan {
    /// The fan of the monthly column `metric`, titled by its name (a metric
    /// the summary lacks has no months).
    pub fn new(summary: &Summary, metric: &str) -> MetricFan {
        let bands = summary
            .series(metric)
            .unwrap_or_default()
            .into_iter()
            .map(|s| [10, 50, 90].map(|q| s.percentile(q).unwrap_or(0.0)))
            .collect();
        MetricFan {
            metric: metric.to_string(),
            title: format!("{metric} by month"),
            y_desc: monthly_desc(metric, metric),
            unit: metrics::monthly_unit(metric),
            runs: summary.runs,
            bands,
            start: summary.start,
        }
    }

    /// The same chart with a title and an axis for people (`Active free
    /// accounts`).
    pub fn titled(mut self, title: &str) -> MetricFan {
        self.title = title.to_string();
        self.y_desc = monthly_desc(title, &self.metric);
        self
    }
}

impl Chart for MetricFan {
    fn name(&self) -> String {
        self.metric.clone()
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn caption(&self) -> String {
        let def = metrics::monthly_definition(&self.metric);
        format!(
            "{def} Monthly metric {} (monthly.csv). The line is the median run (P50); the band holds 80% of the runs (P10 to P90).",
            self.metric
        )
        .trim_start()
        .to_string()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let subtitle = format!("{}: median and spread across {}", self.metric, runs_phrase(self.runs));
        let area = canvas::header(root, &self.title, &subtitle)?;
        let mut entries = vec![(Mark::Line(BLUE, 3), "Median (P50)".to_string())];
        if self.runs > 1 {
            entries.push((Mark::Fill(BLUE.mix(0.25)), "P10 to P90 (80% of the runs)".into()));
        }
        let area = canvas::legend(&area, &entries)?;
        let months = self.bands.len().max(1) as f64;
        let top = self.bands.iter().map(|b| b[2]).fold(0.0, f64::max);
        let bottom = self.bands.iter().map(|b| b[0]).fold(0.0, f64::min);
        let (y0, y1) = canvas::padded(bottom, top);
        let unit = self.unit;
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(36)
            .margin_bottom(8)
            .x_label_area_size(52)
            .y_label_area_size(96)
            .build_cartesian_2d(1.0..months.max(2.0), y0..y1)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(canvas::month_labels(self.bands.len()))
            .y_labels(8)
            .x_label_formatter(&|x| canvas::date_tick(x, self.start))
            .y_label_formatter(&|y| canvas::tick(*y, unit))
            .x_desc("Month")
            .y_desc(&self.y_desc)
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;
        chart.draw_series(std::iter::once(Polygon::new(canvas::band_outline(&self.bands), BLUE.mix(0.25).filled())))?;
        chart.draw_series(LineSeries::new(canvas::median_line(&self.bands), BLUE.stroke_width(3)))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::testing;

    #[test]
    fn any_monthly_metric_gets_its_percentiles_and_a_name_of_its_own() {
        let (_, _, summary) = testing::run();
        let fan = MetricFan::new(&summary, "signups_organic");
        assert_eq!(fan.name(), "signups_organic");
        assert_eq!(fan.y_desc, "signups_organic per month");
        assert_eq!(fan.unit, Unit::Count);
        let s = summary.series("signups_organic").unwrap();
        assert_eq!(fan.bands.len(), 8);
        assert_eq!(fan.bands[3], [s[3].p10().unwrap(), s[3].p50().unwrap(), s[3].p90().unwrap()]);
        assert!(fan.caption().starts_with("New accounts from organic discovery."), "{}", fan.caption());
        let fan = MetricFan::new(&summary, "mrr").titled("MRR");
        assert_eq!((fan.title.as_str(), fan.y_desc.as_str()), ("MRR", "MRR at month end ($)"));
        let ads = MetricFan::new(&summary, "signups_channel_ads");
        assert!(ads.caption().starts_with("New accounts from the paid channel `ads`."));
    }
}
