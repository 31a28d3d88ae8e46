//! Cohort heatmaps: conversion to paid and retention by signup month.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::runs_phrase;
use crate::metrics::Unit;
use crate::render::canvas::{
    self, Chart, DrawResult,
    palette::{INK, MUTED},
    viridis,
};
use crate::summary::Summary;

/// Which share of a cohort a heatmap shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortMeasure {
    /// Cumulative share that had become paying (first conversions).
    Conversion,
    /// Share still present, in any state.
    Retention,
}

/// Signup cohorts (rows: the month the accounts signed up) by months since
/// signup (columns), coloured by the cohort's cumulative conversion to paid
/// or by its retention, pooled over runs ([`crate::summary::CohortTable`]).
/// Reading down a column compares cohorts at the same age; the lower right
/// is empty because later cohorts have not reached those ages by the
/// horizon. Colours use viridis, readable by colour-blind readers and in
/// grey; the scale of conversion runs from 0 to the largest share shown.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortHeatmap {
    pub measure: CohortMeasure,
    pub runs: u32,
    /// `[signup month][months since signup]`, defined while within the horizon.
    pub cells: Vec<Vec<f64>>,
    /// The share the brightest colour stands for.
    pub scale_max: f64,
}

impl CohortHeatmap {
    pub fn new(summary: &Summary, measure: CohortMeasure) -> CohortHeatmap {
        let cells = match measure {
            CohortMeasure::Conversion => summary.cohorts.converted.clone(),
            CohortMeasure::Retention => summary.cohorts.retained.clone(),
        };
        let scale_max = match measure {
            CohortMeasure::Retention => 1.0,
            CohortMeasure::Conversion => {
                let max = cells.iter().flatten().copied().fold(0.0, f64::max);
                if max > 0.0 { max } else { 1.0 }
            }
        };
        CohortHeatmap { measure, runs: summary.runs, cells, scale_max }
    }
}

/// A share in a cell, short enough to fit: `3.4%`, `45%`.
fn cell_label(x: f64) -> String {
    let p = 100.0 * x;
    if p < 9.95 { format!("{p:.1}%") } else { format!("{p:.0}%") }
}

impl Chart for CohortHeatmap {
    fn name(&self) -> String {
        match self.measure {
            CohortMeasure::Conversion => "cohort_conversion",
            CohortMeasure::Retention => "cohort_retention",
        }
        .into()
    }

    fn title(&self) -> String {
        match self.measure {
            CohortMeasure::Conversion => "Cohort conversion to paid".into(),
            CohortMeasure::Retention => "Cohort retention".into(),
        }
    }

    fn caption(&self) -> String {
        match self.measure {
            CohortMeasure::Conversion => "Each row is the accounts that signed up in one month; each column, the months since they signed up. A cell is the share of that cohort that had become paying by then (cumulative), pooled over runs. Brighter is higher.".into(),
            CohortMeasure::Retention => "Each row is the accounts that signed up in one month; each column, the months since they signed up. A cell is the share of that cohort still present (free, blocked or paying) at the end of that month, pooled over runs. Brighter is higher.".into(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let subtitle = match self.measure {
            CohortMeasure::Conversion => {
                "Share of each signup month's accounts that had become paying, by months since signup"
            }
            CohortMeasure::Retention => "Share of each signup month's accounts still present, by months since signup",
        };
        let area = canvas::header(root, &self.title(), &format!("{subtitle}; pooled over {}", runs_phrase(self.runs)))?;
        let area = area.split_vertically(12).1;
        let (plot_area, scale_area) = area.split_horizontally(area.dim_in_pixel().0 - 130);

        let n = self.cells.len().max(1);
        let nf = n as f64;
        // Row of signup month `c` (0-based), top to bottom.
        let row = |c: usize| nf - c as f64;
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_left(12)
            .margin_right(8)
            .margin_bottom(8)
            .x_label_area_size(52)
            .y_label_area_size(96)
            .build_cartesian_2d(-0.5..nf - 0.5, 0.5..nf + 0.5)?;
        let labels = canvas::month_labels(n);
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(MUTED)
            .x_labels(labels)
            .y_labels(labels)
            .x_label_formatter(&|x| {
                if (x - x.round()).abs() < 1e-9 && *x >= 0.0 { format!("{}", x.round() as i64) } else { String::new() }
            })
            .y_label_formatter(&|y| canvas::month_tick(&(nf + 1.0 - y)))
            .x_desc("Months since signup")
            .y_desc("Signup month")
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;

        let (w, h) = chart.plotting_area().dim_in_pixel();
        let (cell_w, cell_h) = (w as f64 / nf, h as f64 / nf);
        let show_values = cell_w >= 36.0 && cell_h >= 18.0;
        let t = |v: f64| v / self.scale_max;
        chart.draw_series(self.cells.iter().enumerate().flat_map(|(c, ages)| {
            ages.iter().enumerate().map(move |(a, v)| {
                let (x, y) = (a as f64, row(c));
                Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], viridis(t(*v)).filled())
            })
        }))?;
        // Thin white lines between cells.
        chart.draw_series(self.cells.iter().enumerate().flat_map(|(c, ages)| {
            ages.iter().enumerate().map(move |(a, _)| {
                let (x, y) = (a as f64, row(c));
                Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], WHITE)
            })
        }))?;
        if show_values {
            let size = if cell_w >= 48.0 { 14 } else { 13 };
            let centered = Pos::new(HPos::Center, VPos::Center);
            chart.draw_series(self.cells.iter().enumerate().flat_map(|(c, ages)| {
                ages.iter().enumerate().map(move |(a, v)| {
                    let ink = if t(*v) < 0.6 { WHITE } else { INK };
                    Text::new(cell_label(*v), (a as f64, row(c)), canvas::text(size, ink).pos(centered))
                })
            }))?;
        }
        canvas::color_bar(&scale_area, (0.0, self.scale_max), Unit::Share, h as i32, 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::testing;

    #[test]
    fn cells_are_the_cohort_table_and_scale_covers_them() {
        let (_, _, summary) = testing::run();
        let conv = CohortHeatmap::new(&summary, CohortMeasure::Conversion);
        assert_eq!(conv.cells, summary.cohorts.converted);
        assert_eq!(conv.cells.len(), 8);
        assert_eq!(conv.cells[7].len(), 1);
        let max = conv.cells.iter().flatten().copied().fold(0.0, f64::max);
        assert_eq!(conv.scale_max, max);
        assert!(max > 0.0 && max < 1.0);
        let ret = CohortHeatmap::new(&summary, CohortMeasure::Retention);
        assert_eq!(ret.scale_max, 1.0);
        assert!(ret.cells.iter().flatten().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn cell_labels_fit_a_cell() {
        assert_eq!(cell_label(0.034), "3.4%");
        assert_eq!(cell_label(0.456), "46%");
        assert_eq!(cell_label(1.0), "100%");
        assert_eq!(cell_label(0.0), "0.0%");
    }
}
