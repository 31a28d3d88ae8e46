//! The MRR fan chart.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::runs_phrase;
use crate::metrics::Unit;
use crate::render::canvas::{
    self, Chart, DrawResult, Mark,
    palette::{BLUE, GRID, MUTED},
};
use crate::summary::Summary;

/// MRR month by month across runs: the median (P50) as a line and 80% of
/// the runs (P10-P90, the convention of every table and what-if chart) as a
/// band. The right axis reads the same curve as ARR (12 x MRR).
#[derive(Debug, Clone, PartialEq)]
pub struct MrrFan {
    pub runs: u32,
    /// One entry per month: `[p10, p50, p90]` of MRR.
    pub bands: Vec<[f64; 3]>,
    /// The calendar month of month 1 (dates on the axis), if any.
    pub start: Option<crate::calendar::YearMonth>,
}

impl MrrFan {
    pub fn new(summary: &Summary) -> MrrFan {
        let bands = summary
            .series("mrr")
            .unwrap_or_default()
            .into_iter()
            .map(|s| [10, 50, 90].map(|q| s.percentile(q).unwrap_or(0.0)))
            .collect();
        MrrFan { runs: summary.runs, bands, start: summary.start }
    }
}

impl Chart for MrrFan {
    fn name(&self) -> String {
        "mrr_fan".into()
    }

    fn title(&self) -> String {
        "Monthly recurring revenue (MRR) and ARR".into()
    }

    fn caption(&self) -> String {
        "MRR at the end of each month. The line is the median run (P50); the band holds 80% of the runs (P10 to P90). The right axis reads the same curve as ARR (12 x MRR).".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let area =
            canvas::header(root, &self.title(), &format!("Median and spread across {}", runs_phrase(self.runs)))?;
        let mut entries = vec![(Mark::Line(BLUE, 3), "Median (P50)".to_string())];
        if self.runs > 1 {
            entries.push((Mark::Fill(BLUE.mix(0.25)), "P10 to P90 (80% of the runs)".into()));
        }
        let area = canvas::legend(&area, &entries)?;
        let months = self.bands.len().max(1) as f64;
        let top = self.bands.iter().map(|b| b[2]).fold(0.0, f64::max);
        let (y0, y1) = canvas::padded(0.0, top);
        let x_range = 1.0..months.max(2.0);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(12)
            .margin_bottom(8)
            .x_label_area_size(52)
            .y_label_area_size(96)
            .right_y_label_area_size(96)
            .build_cartesian_2d(x_range.clone(), y0..y1)?
            .set_secondary_coord(x_range, 12.0 * y0..12.0 * y1);
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(canvas::month_labels(self.bands.len()))
            .y_labels(8)
            .x_label_formatter(&|x| canvas::date_tick(x, self.start))
            .y_label_formatter(&|y| canvas::tick(*y, Unit::Money))
            .x_desc("Month")
            .y_desc("MRR ($ per month)")
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;
        chart
            .configure_secondary_axes()
            .axis_style(MUTED)
            .y_labels(8)
            .y_label_formatter(&|y| canvas::tick(*y, Unit::Money))
            .y_desc("ARR ($ per year)")
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
    fn the_band_is_p10_to_p90_around_the_p50_like_every_table() {
        let (_, _, summary) = testing::run();
        let fan = MrrFan::new(&summary);
        assert_eq!(fan.bands.len(), 8);
        for b in &fan.bands {
            assert!(b.windows(2).all(|w| w[0] <= w[1]), "{b:?}");
        }
        let mrr = summary.series("mrr").unwrap();
        assert_eq!(fan.bands[7], [mrr[7].p10().unwrap(), mrr[7].p50().unwrap(), mrr[7].p90().unwrap()]);
        assert!(fan.bands[7][1] > 0.0);
        assert!(fan.caption().contains("P10 to P90") && !fan.caption().contains("P25"));
    }
}
