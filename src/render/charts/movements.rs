//! MRR movements per month.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{mean, monthly, runs_phrase};
use crate::metrics::Unit;
use crate::render::canvas::{
    self, Chart, DrawResult, Mark,
    palette::{BLACK, BLUE, GREEN, GRID, MUTED, ORANGE, SKY_BLUE, VERMILLION},
};
use crate::summary::Summary;

/// One kind of MRR movement.
#[derive(Debug, Clone, PartialEq)]
pub struct Movement {
    pub label: &'static str,
    pub color: RGBColor,
    /// Signed dollars per month: gains above zero, losses below.
    pub values: Vec<f64>,
}

/// Where each month's change in MRR comes from: gains (new customers,
/// expansion, reactivation) stacked above zero, losses (contraction, churn)
/// below, and net new MRR as a line. Values are means across runs, so the
/// bars add up to the net line (a mean of a sum is the sum of the means;
/// medians would not add up).
#[derive(Debug, Clone, PartialEq)]
pub struct MrrMovements {
    pub runs: u32,
    pub months: usize,
    /// The calendar month of month 1 (dates on the axis), if any.
    pub start: Option<crate::calendar::YearMonth>,
    /// Gains first, then losses; movements absent or zero throughout are
    /// left out.
    pub movements: Vec<Movement>,
    /// Net new MRR per month.
    pub net: Vec<f64>,
}

impl MrrMovements {
    pub fn new(summary: &Summary) -> MrrMovements {
        let months = summary.monthly.len();
        // Losses are plotted below zero whatever sign the metric carries.
        let movements: Vec<Movement> = [
            ("new_mrr", "New", BLUE, 1.0),
            ("expansion_mrr", "Expansion", GREEN, 1.0),
            ("reactivation_mrr", "Reactivation", SKY_BLUE, 1.0),
            ("contraction_mrr", "Contraction", ORANGE, -1.0),
            ("churned_mrr", "Churn", VERMILLION, -1.0),
        ]
        .into_iter()
        .filter_map(|(metric, label, color, sign)| {
            let values: Vec<f64> = monthly(summary, metric, mean)?.into_iter().map(|v| sign * v.abs()).collect();
            values.iter().any(|v| *v != 0.0).then_some(Movement { label, color, values })
        })
        .collect();
        let net = monthly(summary, "net_new_mrr", mean)
            .unwrap_or_else(|| (0..months).map(|m| movements.iter().map(|mv| mv.values[m]).sum()).collect());
        MrrMovements { runs: summary.runs, months, start: summary.start, movements, net }
    }
}

impl Chart for MrrMovements {
    fn name(&self) -> String {
        "mrr_movements".into()
    }

    fn title(&self) -> String {
        "MRR movements per month".into()
    }

    fn caption(&self) -> String {
        "Where each month's change in MRR comes from: MRR gained (new customers, expansion, reactivation) above zero, MRR lost (contraction, churn) below, and net new MRR as the black line. Means across runs, so the bars add up to the line.".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let area = canvas::header(
            root,
            &self.title(),
            &format!("Mean across {}; gains above zero, losses below", runs_phrase(self.runs)),
        )?;
        let mut entries: Vec<(Mark, String)> =
            self.movements.iter().map(|m| (Mark::Fill(m.color.to_rgba()), m.label.to_string())).collect();
        entries.push((Mark::LineDot(BLACK), "Net new MRR".into()));
        let area = canvas::legend(&area, &entries)?;

        let months = self.months.max(1);
        // Stack gains up and losses down from zero.
        let mut up = vec![0.0; months];
        let mut down = vec![0.0; months];
        let mut bars = Vec::new();
        for mv in &self.movements {
            for (m, v) in mv.values.iter().enumerate() {
                let side = if *v >= 0.0 { &mut up } else { &mut down };
                let base = side[m];
                side[m] += v;
                bars.push((m, base, side[m], mv.color));
            }
        }
        let hi = up.iter().chain(&self.net).copied().fold(0.0, f64::max);
        let lo = down.iter().chain(&self.net).copied().fold(0.0, f64::min);
        let (y0, y1) = canvas::padded(lo, hi);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(36)
            .margin_bottom(8)
            .x_label_area_size(52)
            .y_label_area_size(96)
            .build_cartesian_2d(0.5..months as f64 + 0.5, y0..y1)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(canvas::month_labels(months))
            .y_labels(8)
            .x_label_formatter(&|x| canvas::date_tick(x, self.start))
            .y_label_formatter(&|y| canvas::tick(*y, Unit::Money))
            .x_desc("Month")
            .y_desc("MRR change ($ per month)")
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;
        let x = |m: usize| (m + 1) as f64;
        chart.draw_series(
            bars.iter().map(|&(m, a, b, color)| Rectangle::new([(x(m) - 0.36, a), (x(m) + 0.36, b)], color.filled())),
        )?;
        chart.draw_series(LineSeries::new([(0.5, 0.0), (months as f64 + 0.5, 0.0)], MUTED.stroke_width(1)))?;
        chart.draw_series(LineSeries::new(
            self.net.iter().enumerate().map(|(m, v)| (x(m), *v)),
            BLACK.stroke_width(2),
        ))?;
        chart.draw_series(self.net.iter().enumerate().map(|(m, v)| Circle::new((x(m), *v), 4, BLACK.filled())))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::testing;

    #[test]
    fn bars_add_up_to_net_new_mrr() {
        let (_, _, summary) = testing::run();
        let chart = MrrMovements::new(&summary);
        let labels: Vec<&str> = chart.movements.iter().map(|m| m.label).collect();
        assert_eq!(labels, ["New", "Churn"]);
        assert!(chart.movements[1].values.iter().all(|v| *v <= 0.0));
        for m in 0..chart.months {
            let sum: f64 = chart.movements.iter().map(|mv| mv.values[m]).sum();
            assert!((sum - chart.net[m]).abs() < 1e-6, "month {m}");
        }
    }
}
