//! The conversion funnel.

use std::fmt::Write;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::runs_phrase;
use crate::format;
use crate::metrics::{Horizon, Unit};
use crate::render::canvas::{
    self, Chart, DrawResult,
    palette::{BLUE, GREEN, GREY, GRID, INK, MUTED},
};
use crate::summary::{self, Summary};

/// The funnel of the horizon's signups (`Summary::funnel`): each bar a
/// subset of the bar above it, account by account (signed up, activated,
/// hit the free limit, became a PQL, became paying; a stage the scenario
/// lacks is left out), as means per run, with the share of the bar above
/// and of the signups (ratios of the means: pooled over runs). Below it,
/// set apart, the signups that became paying by any path (also without a
/// limit hit or a PQL), with the free-to-paid conversion's P50 as the key
/// figures give it.
#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    pub runs: u32,
    pub months: usize,
    pub funnel: summary::Funnel,
    /// `free_to_paid_conversion`'s P50 across runs.
    pub conversion_p50: Option<f64>,
}

impl Funnel {
    pub fn new(summary: &Summary) -> Funnel {
        Funnel {
            runs: summary.runs,
            months: summary.monthly.len(),
            funnel: summary.funnel.clone(),
            conversion_p50: summary.horizon(Horizon::FreeToPaidConversion).p50(),
        }
    }

    /// The text beside bar `i`: its count, the share of the stage before
    /// and, from the third stage on, the share of signups.
    pub fn bar_label(&self, i: usize) -> String {
        let stages = &self.funnel.stages;
        let s = &stages[i];
        let mut label = format::count(s.accounts);
        if let Some(r) = s.of_previous {
            let _ = write!(label, "  ({} of {}", format::percent(r), stages[i - 1].short);
            if i >= 2
                && let Some(r0) = s.of_signups
            {
                let _ = write!(label, ", {} of signups", format::percent(r0));
            }
            label.push(')');
        }
        label
    }

    /// The text beside the bar of the signups that became paying by any path.
    pub fn any_path_label(&self) -> String {
        let mut label = format::count(self.funnel.paying_any_path);
        if let Some(r) = self.funnel.paying_any_path_of_signups {
            let _ = write!(label, "  ({} of signups", format::percent(r));
            if let Some(p50) = self.conversion_p50 {
                let _ = write!(label, "; free-to-paid conversion P50 {}", format::percent(p50));
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
            "The signups of the {} months (initial accounts left out), each counted once at each stage it reached: each bar is a subset of the bar above it (an account that became paying without a limit hit is not in the funnel's last bar). Counts are means per run; shares are ratios of those means. The grey bar, set apart, counts the signups that became paying by any path (also by baseline upgrades, trials, sales or at a limit hit before activating); the free-to-paid conversion beside it is the P50 of the runs' own shares, as in the key figures. The activation rate and the PQL conversion of the key figures count other accounts (signups whose activation window closed; every PQL marked while free, initial accounts included), so they differ from the shares here.",
            self.months
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let area = canvas::header(
            root,
            &self.title(),
            &format!(
                "Signups of the {} months, each bar a subset of the one above; mean per run across {}",
                self.months,
                runs_phrase(self.runs)
            ),
        )?;
        let area = area.split_vertically(12).1;
        let stages = &self.funnel.stages;
        // The funnel's bars, then the any-path bar, set apart.
        let n = stages.len() + 1;
        let widest = stages.iter().map(|s| s.accounts).chain([self.funnel.paying_any_path]).fold(0.0, f64::max);
        // Room to the right of the longest bar for its label.
        let x1 = if widest > 0.0 { widest * 1.6 } else { 1.0 };
        let row = |i: usize| (n - 1 - i) as f64;
        let mut labels: Vec<&str> = stages.iter().map(|s| s.label).collect();
        labels.push("Paying, any path");
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
            .x_desc(format!("Signups of the {} months (mean per run)", self.months))
            .label_style(canvas::tick_style())
            .y_label_style(canvas::text(17, INK))
            .axis_desc_style(canvas::desc_style())
            .draw()?;
        chart.draw_series(stages.iter().enumerate().map(|(i, s)| {
            let color = if i + 1 == stages.len() { GREEN } else { BLUE };
            Rectangle::new([(0.0, row(i) - 0.32), (s.accounts, row(i) + 0.32)], color.filled())
        }))?;
        let last = row(n - 1);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, last - 0.32), (self.funnel.paying_any_path, last + 0.32)],
            GREY.filled(),
        )))?;
        // The line that sets the any-path bar apart from the funnel.
        chart.draw_series(DashedLineSeries::new([(0.0, last + 0.5), (x1, last + 0.5)], 8, 6, MUTED.stroke_width(1)))?;
        let style = canvas::text(17, INK).pos(Pos::new(HPos::Left, VPos::Center));
        chart.draw_series(stages.iter().enumerate().map(|(i, s)| {
            EmptyElement::at((s.accounts, row(i))) + Text::new(self.bar_label(i), (10, 0), style.clone())
        }))?;
        chart.draw_series(std::iter::once(
            EmptyElement::at((self.funnel.paying_any_path, last)) + Text::new(self.any_path_label(), (10, 0), style),
        ))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::testing;

    #[test]
    fn stages_are_nested_means_with_pooled_shares_and_the_key_figure_beside() {
        let (_, sim, summary) = testing::run();
        let funnel = Funnel::new(&summary);
        let stages = &funnel.funnel.stages;
        let labels: Vec<&str> = stages.iter().map(|s| s.label).collect();
        // The test scenario names no PQL signals: the stage is left out.
        assert_eq!(labels, ["Signed up", "Activated", "Hit the free limit", "Became paying"]);
        // Each stage is the mean per run of its horizon figure, straight from the runs.
        let runs = sim.runs.len() as f64;
        for s in stages {
            let want = sim.runs.iter().map(|r| r.horizon(s.metric).unwrap()).sum::<f64>() / runs;
            assert!((s.accounts - want).abs() <= 1e-9 * want, "{s:?}");
        }
        for (i, s) in stages.iter().enumerate().skip(1) {
            assert!(s.accounts <= stages[i - 1].accounts, "{stages:?}");
            assert_eq!(s.of_previous, Some(s.accounts / stages[i - 1].accounts));
        }
        assert_eq!(stages[0].of_previous, None);
        assert!(funnel.bar_label(1).ends_with("% of signups)"));
        assert!(funnel.bar_label(3).contains("% of limit hits, "), "{}", funnel.bar_label(3));
        // The any-path bar holds the funnel's last bar and quotes the key figure as it is.
        assert!(funnel.funnel.paying_any_path >= stages[3].accounts);
        let p50 = summary.horizon(Horizon::FreeToPaidConversion).p50().unwrap();
        assert!(funnel.any_path_label().ends_with(&format!("free-to-paid conversion P50 {})", format::percent(p50))));
    }
}
