//! The conversion funnel.

use std::fmt::Write;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{mean, monthly, runs_phrase};
use crate::format;
use crate::metrics::{Unit, ratio};
use crate::render::canvas::{
    self, Chart, DrawResult,
    palette::{BLUE, GREEN, GRID, INK, MUTED},
};
use crate::summary::Summary;

/// One step of the funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// As the axis shows it ("Hit the free limit").
    pub label: &'static str,
    /// As a rate refers to it ("limit hits" in "72% of limit hits").
    pub short: &'static str,
    /// Accounts over the horizon, mean per run.
    pub accounts: f64,
}

/// Accounts reaching each step over the whole horizon (mean per run):
/// signups, activated, hit the free limit, product-qualified leads (when the
/// engine reports them), became paying; with the rate from each step to the
/// next. Steps are monthly flows summed over the months; the mean of a sum
/// is the sum of the monthly means, so each step is exact, and a rate is
/// pooled over runs (sum over runs of one step / sum of the other).
///
/// Paying accounts include upgrades without a limit hit (and from free
/// accounts present at the start), so the last rate is a ratio of counts,
/// not the share of one group that went on to the next; it can exceed 100%.
#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    pub runs: u32,
    pub months: usize,
    pub steps: Vec<Step>,
}

impl Funnel {
    pub fn new(summary: &Summary) -> Funnel {
        let steps = [
            ("signups_total", "Signups", "signups"),
            ("activated", "Activated", "activated"),
            ("limit_hits", "Hit the free limit", "limit hits"),
            ("pqls", "Product-qualified leads", "PQLs"),
            ("conversions", "Became paying", "paying"),
        ]
        .into_iter()
        .filter_map(|(metric, label, short)| {
            let accounts: f64 = monthly(summary, metric, mean)?.iter().sum();
            // The middle steps are mechanics a scenario may not have (no
            // limit, no PQL signals): a step no account reached is left out.
            let optional = matches!(metric, "limit_hits" | "pqls");
            (!optional || accounts > 0.0).then_some(Step { label, short, accounts })
        })
        .collect();
        Funnel { runs: summary.runs, months: summary.monthly.len(), steps }
    }

    /// Step `i` over step `i - 1`; `None` for the first step or an empty
    /// previous step.
    pub fn rate(&self, i: usize) -> Option<f64> {
        let prev = self.steps.get(i.checked_sub(1)?)?;
        ratio(self.steps.get(i)?.accounts, prev.accounts)
    }

    /// The text beside bar `i`: its count, the rate from the step before
    /// and, from the third step on, the share of signups.
    fn bar_label(&self, i: usize) -> String {
        let mut label = format::count(self.steps[i].accounts);
        if let Some(r) = self.rate(i) {
            let _ = write!(label, "  ({} of {}", format::percent(r), self.steps[i - 1].short);
            if i >= 2
                && let Some(r0) = ratio(self.steps[i].accounts, self.steps[0].accounts)
            {
                let _ = write!(label, ", {} of {}", format::percent(r0), self.steps[0].short);
            }
            label.push(')');
        }
        label
    }
}

impl Chart for Funnel {
    fn name(&self) -> String {
        "funnel".into()
    }

    fn title(&self) -> String {
        "Conversion funnel".into()
    }

    fn caption(&self) -> String {
        format!(
            "Accounts reaching each step over the {} months (mean per run), with the rate from the step before. Paying accounts also include upgrades without a limit hit, so the last rate compares counts rather than following one group, and can exceed 100%.",
            self.months
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let area = canvas::header(
            root,
            &self.title(),
            &format!(
                "Accounts over the {} months, mean per run across {}; rates from the step before",
                self.months,
                runs_phrase(self.runs)
            ),
        )?;
        let area = area.split_vertically(12).1;
        let n = self.steps.len().max(1);
        let widest = self.steps.iter().map(|s| s.accounts).fold(0.0, f64::max);
        // Room to the right of the longest bar for its label.
        let x1 = if widest > 0.0 { widest * 1.45 } else { 1.0 };
        let row = |i: usize| (n - 1 - i) as f64;
        let labels: Vec<&str> = self.steps.iter().map(|s| s.label).collect();
        let y_tick = |y: &f64| {
            let r = y.round();
            if (y - r).abs() > 1e-9 || r < 0.0 || r >= n as f64 {
                return String::new();
            }
            labels[n - 1 - r as usize].to_string()
        };
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(36)
            .margin_bottom(8)
            .x_label_area_size(52)
            .y_label_area_size(230)
            .build_cartesian_2d(0.0..x1, -0.5..(n as f64 - 0.5))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(8)
            .y_labels(n)
            .x_label_formatter(&|x| canvas::tick(*x, Unit::Count))
            .y_label_formatter(&y_tick)
            .x_desc(format!("Accounts over the {} months (mean per run)", self.months))
            .label_style(canvas::tick_style())
            .y_label_style(canvas::text(17, INK))
            .axis_desc_style(canvas::desc_style())
            .draw()?;
        chart.draw_series(self.steps.iter().enumerate().map(|(i, s)| {
            let color = if i + 1 == self.steps.len() { GREEN } else { BLUE };
            Rectangle::new([(0.0, row(i) - 0.32), (s.accounts, row(i) + 0.32)], color.filled())
        }))?;
        let style = canvas::text(17, INK).pos(Pos::new(HPos::Left, VPos::Center));
        chart.draw_series(self.steps.iter().enumerate().map(|(i, s)| {
            EmptyElement::at((s.accounts, row(i))) + Text::new(self.bar_label(i), (10, 0), style.clone())
        }))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::testing;

    #[test]
    fn steps_are_horizon_sums_with_rates_between_them() {
        let (_, sim, summary) = testing::run();
        let funnel = Funnel::new(&summary);
        let labels: Vec<&str> = funnel.steps.iter().map(|s| s.label).collect();
        // The test scenario names no PQL signals: the step is left out.
        assert_eq!(labels, ["Signups", "Activated", "Hit the free limit", "Became paying"]);
        // The mean per run of the horizon total, straight from the runs.
        let col = sim.monthly_names.iter().position(|n| n == "signups_total").unwrap();
        let total: f64 = (0..sim.months as usize).flat_map(|m| sim.column_values(m, col).collect::<Vec<_>>()).sum();
        let want = total / sim.runs.len() as f64;
        assert!((funnel.steps[0].accounts - want).abs() < 1e-6 * want);
        let r = funnel.rate(1).unwrap();
        assert!((r - funnel.steps[1].accounts / funnel.steps[0].accounts).abs() < 1e-12);
        assert!(r > 0.0 && r < 1.0, "{funnel:?}");
        assert_eq!(funnel.rate(0), None);
        assert!(funnel.bar_label(1).ends_with("% of signups)"));
        assert!(funnel.bar_label(3).contains("% of limit hits, "));
    }
}
