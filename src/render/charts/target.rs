//! The goal seek's chart: the sought statistic against the lever, the
//! P10-P90 band, the target as a line and each root with its interval.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::runs_phrase;
use crate::format;
use crate::render::canvas::{
    self, Chart, DrawResult, Mark,
    palette::{BLACK, BLUE, GRID, MUTED, VERMILLION},
};
use crate::whatif::target::{Outcome, Target};

/// `plgsim target`'s chart (`charts/target.png|svg`).
pub struct TargetChart<'a> {
    pub target: &'a Target,
}

impl TargetChart<'_> {
    fn stat_label(&self) -> String {
        match self.target.goal.probability {
            None => "Mean".into(),
            Some(_) => self.target.goal.statistic().name().to_uppercase(),
        }
    }
}

impl Chart for TargetChart<'_> {
    fn name(&self) -> String {
        "target".into()
    }

    fn title(&self) -> String {
        let t = self.target;
        format!(
            "{} against {}: where it reaches {}",
            t.goal.metric.label(),
            t.lever.key,
            format::value(t.goal.reach, t.goal.metric.unit())
        )
    }

    fn caption(&self) -> String {
        let t = self.target;
        format!(
            "{} ({}) at each evaluated value of {}: the solid line is the {} across runs (the statistic sought), the band holds 80% of the runs (P10 to P90), the dashed line is the mean. The red line is the target; each vertical line is a value where the statistic meets it, the shaded strip its 95% bootstrap interval. Every value uses the same random numbers.",
            t.goal.metric.label(),
            t.goal.metric.definition(),
            t.lever.key,
            self.stat_label()
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let t = self.target;
        let unit = t.goal.metric.unit();
        root.fill(&WHITE)?;
        let area = canvas::header(
            root,
            &self.title(),
            &format!("Across {} at each value, the same random numbers at every value", runs_phrase(t.runs)),
        )?;
        let entries = vec![
            (Mark::LineDot(BLUE), format!("{} (sought)", self.stat_label())),
            (Mark::Fill(BLUE.mix(0.2)), "P10 to P90 (80% of the runs)".to_string()),
            (Mark::Dashed(BLACK), "Mean".into()),
            (Mark::Dashed(VERMILLION), "Target, and where it is met".into()),
        ];
        let area = canvas::legend(&area, &entries)?;
        let finite = |x: Option<f64>| x.filter(|v| v.is_finite());
        let pts: Vec<_> = t.curve.iter().collect();
        let (x0, x1) = canvas::around(t.lever.low, t.lever.high, 0.04);
        let mut ys: Vec<f64> = pts.iter().flat_map(|p| [p.mean, p.p10, p.p90, p.stat]).filter_map(finite).collect();
        ys.push(t.goal.reach);
        let (y0, y1) = canvas::around(
            ys.iter().copied().fold(f64::INFINITY, f64::min),
            ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            0.06,
        );
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(36)
            .margin_bottom(8)
            .x_label_area_size(52)
            .y_label_area_size(96)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&|x| format::number(*x))
            .y_label_formatter(&|y| canvas::tick(*y, unit))
            .x_desc(t.lever.key.as_str())
            .y_desc(canvas::unit_desc(t.goal.metric.label(), unit))
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;
        if let Outcome::Found(roots) = &t.outcome {
            for r in roots {
                if r.high > r.low {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(r.low, y0), (r.high, y1)],
                        VERMILLION.mix(0.15).filled(),
                    )))?;
                }
                chart.draw_series(DashedLineSeries::new(
                    [(r.value, y0), (r.value, y1)],
                    6,
                    4,
                    VERMILLION.stroke_width(2),
                ))?;
            }
        }
        let band: Vec<(f64, f64)> = pts
            .iter()
            .filter_map(|p| Some((p.x, finite(p.p90)?)))
            .chain(pts.iter().rev().filter_map(|p| Some((p.x, finite(p.p10)?))))
            .collect();
        if band.len() > 2 {
            chart.draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.2).filled())))?;
        }
        let mean: Vec<(f64, f64)> = pts.iter().filter_map(|p| Some((p.x, finite(p.mean)?))).collect();
        chart.draw_series(DashedLineSeries::new(mean, 8, 5, BLACK.stroke_width(2)))?;
        let stat: Vec<(f64, f64)> = pts.iter().filter_map(|p| Some((p.x, finite(p.stat)?))).collect();
        chart.draw_series(LineSeries::new(stat.clone(), BLUE.stroke_width(3)))?;
        chart.draw_series(stat.into_iter().map(|(x, y)| Circle::new((x, y), 4, BLUE.filled())))?;
        chart.draw_series(DashedLineSeries::new(
            [(x0, t.goal.reach), (x1, t.goal.reach)],
            10,
            6,
            VERMILLION.stroke_width(2),
        ))?;
        Ok(())
    }
}
