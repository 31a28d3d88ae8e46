//! Stacked monthly areas: accounts by state, and signups by source.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{median, monthly, runs_phrase};
use crate::metrics::Unit;
use crate::render::canvas::{
    self, Chart, DrawResult, Mark,
    palette::{BLUE, GREEN, GREY, GRID, MUTED, ORANGE, PURPLE, SKY_BLUE, VERMILLION, YELLOW},
};
use crate::summary::Summary;

/// One layer of a stacked chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub label: String,
    pub color: RGBColor,
    /// One value per month.
    pub values: Vec<f64>,
}

/// Monthly medians of several metrics, stacked from the bottom in `layers`
/// order. Stacking medians is an approximation of the median total (medians
/// do not add up exactly); the subtitle says so.
#[derive(Debug, Clone, PartialEq)]
pub struct StackedMonthly {
    name: &'static str,
    title: &'static str,
    caption: &'static str,
    y_desc: &'static str,
    pub runs: u32,
    pub months: usize,
    /// The calendar month of month 1 (dates on the axis), if any.
    pub start: Option<crate::calendar::YearMonth>,
    /// Bottom first. Metrics that are absent or zero in every month are left
    /// out.
    pub layers: Vec<Layer>,
}

impl StackedMonthly {
    /// Accounts by state at each month end: paid, trial, blocked at the free
    /// limit, active free, and signed up but not yet activated.
    pub fn accounts_by_state(summary: &Summary) -> StackedMonthly {
        let layers = [
            ("paid_accounts", "Paid", BLUE),
            ("trial", "Trial", YELLOW),
            ("blocked", "Blocked at the free limit", VERMILLION),
            ("active_free", "Active free", GREEN),
            ("signed_up", "Signed up, not yet activated", SKY_BLUE),
        ]
        .into_iter()
        .filter_map(|(metric, label, color)| layer(summary, metric, label, color))
        .collect();
        StackedMonthly {
            name: "accounts_by_state",
            title: "Accounts by state",
            caption: "Accounts at the end of each month by state, stacked: paying accounts at the bottom, then trials (when the model has them), free accounts stopped at the plan limit, active free accounts, and signups that have not reached the activation moment yet. Each layer is the median run's count for that state.",
            y_desc: "Accounts at month end",
            runs: summary.runs,
            months: summary.monthly.len(),
            start: summary.start,
            layers,
        }
    }

    /// New accounts per month by source: organic discovery, each paid
    /// channel, accepted invitations and exposure. With more channels than
    /// distinct colours, the smallest channels are merged into one layer.
    pub fn acquisition_mix(summary: &Summary) -> StackedMonthly {
        const CHANNEL_COLORS: [RGBColor; 4] = [ORANGE, PURPLE, VERMILLION, YELLOW];
        let mut channels: Vec<Layer> = summary
            .monthly_names
            .iter()
            .filter_map(|n| {
                let channel = n.strip_prefix("signups_channel_")?;
                layer(summary, n, &format!("Paid: {channel}"), GREY)
            })
            .collect();
        let merged = channels.len() > CHANNEL_COLORS.len();
        if merged {
            channels.sort_by(|a, b| {
                let total = |l: &Layer| l.values.iter().sum::<f64>();
                total(b).total_cmp(&total(a))
            });
            let rest = channels.split_off(CHANNEL_COLORS.len() - 1);
            let months = summary.monthly.len();
            channels.push(Layer {
                label: format!("Paid: {} other channels", rest.len()),
                color: GREY,
                values: (0..months).map(|m| rest.iter().map(|l| l.values[m]).sum()).collect(),
            });
        }
        let named = channels.len() - usize::from(merged);
        for (l, c) in channels[..named].iter_mut().zip(CHANNEL_COLORS) {
            l.color = c;
        }
        let mut layers: Vec<Layer> = layer(summary, "signups_organic", "Organic", BLUE).into_iter().collect();
        layers.extend(channels);
        layers.extend(layer(summary, "signups_invite", "Invitations", GREEN));
        layers.extend(layer(summary, "signups_exposure", "Exposure", SKY_BLUE));
        StackedMonthly {
            name: "acquisition_mix",
            title: "Signups by source",
            caption: "New accounts per month by where they came from: organic discovery, each paid channel, accepted invitations from existing users, and exposure. Each layer is the median run's signups from that source.",
            y_desc: "Signups per month",
            runs: summary.runs,
            months: summary.monthly.len(),
            start: summary.start,
            layers,
        }
    }
}

/// The medians of `metric`, unless it is absent or zero throughout.
fn layer(summary: &Summary, metric: &str, label: &str, color: RGBColor) -> Option<Layer> {
    let values = monthly(summary, metric, median)?;
    values.iter().any(|v| *v != 0.0).then(|| Layer { label: label.to_string(), color, values })
}

impl Chart for StackedMonthly {
    fn name(&self) -> String {
        self.name.into()
    }

    fn title(&self) -> String {
        self.title.into()
    }

    fn caption(&self) -> String {
        self.caption.into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let area = canvas::header(
            root,
            self.title,
            &format!("Median of each layer across {}, stacked", runs_phrase(self.runs)),
        )?;
        // The legend lists the layers top first, as they appear.
        let entries: Vec<(Mark, String)> =
            self.layers.iter().rev().map(|l| (Mark::Fill(l.color.to_rgba()), l.label.clone())).collect();
        let area = canvas::legend(&area, &entries)?;

        let months = self.months.max(1);
        let mut tops = vec![0.0; months];
        let mut stacks = Vec::with_capacity(self.layers.len());
        for l in &self.layers {
            let bottom = tops.clone();
            for (t, v) in tops.iter_mut().zip(&l.values) {
                *t += v.max(0.0);
            }
            stacks.push((bottom, tops.clone()));
        }
        let (y0, y1) = canvas::padded(0.0, tops.iter().copied().fold(0.0, f64::max));
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
            .x_label_formatter(&|x| canvas::date_tick(x, self.start))
            .y_label_formatter(&|y| canvas::tick(*y, Unit::Count))
            .x_desc("Month")
            .y_desc(self.y_desc)
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;
        let month = |i: usize| (i + 1) as f64;
        for (l, (bottom, top)) in self.layers.iter().zip(&stacks) {
            let outline: Vec<(f64, f64)> = top
                .iter()
                .enumerate()
                .map(|(i, y)| (month(i), *y))
                .chain(bottom.iter().enumerate().rev().map(|(i, y)| (month(i), *y)))
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(outline, l.color.mix(0.85).filled())))?;
            chart.draw_series(LineSeries::new(
                top.iter().enumerate().map(|(i, y)| (month(i), *y)),
                WHITE.stroke_width(1),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::testing;

    #[test]
    fn states_are_the_present_non_zero_stocks() {
        let (_, _, summary) = testing::run();
        let chart = StackedMonthly::accounts_by_state(&summary);
        let labels: Vec<&str> = chart.layers.iter().map(|l| l.label.as_str()).collect();
        // No "trial" metric (yet): the layer is simply absent.
        assert!(!labels.contains(&"Trial"));
        assert_eq!(labels[0], "Paid");
        assert!(labels.contains(&"Active free"));
        let paid = summary.series("paid_accounts").unwrap();
        assert_eq!(chart.layers[0].values[5], paid[5].p50().unwrap());
    }

    #[test]
    fn sources_have_one_layer_per_channel() {
        let (_, _, summary) = testing::run();
        let chart = StackedMonthly::acquisition_mix(&summary);
        let labels: Vec<&str> = chart.layers.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels[..2], ["Organic", "Paid: ads"]);
        assert_eq!(chart.layers[1].color, ORANGE);
    }

    #[test]
    fn many_channels_keep_three_and_merge_the_rest() {
        let (_, _, mut summary) = testing::run();
        let col = summary.monthly_names.iter().position(|n| n == "signups_channel_ads").unwrap();
        for i in 0..5 {
            summary.monthly_names.push(format!("signups_channel_c{i}"));
            for row in &mut summary.monthly {
                let s = row[col].clone();
                row.push(s);
            }
        }
        let chart = StackedMonthly::acquisition_mix(&summary);
        let labels: Vec<&str> = chart.layers.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["Organic", "Paid: ads", "Paid: c0", "Paid: c1", "Paid: 3 other channels"]);
        let colors: Vec<RGBColor> = chart.layers[1..5].iter().map(|l| l.color).collect();
        assert_eq!(colors, [ORANGE, PURPLE, VERMILLION, GREY]);
        let merged: f64 = chart.layers[4].values.iter().sum();
        let one: f64 = chart.layers[1].values.iter().sum();
        assert!((merged - 3.0 * one).abs() < 1e-9 * merged);
    }
}
