//! The charts of `plgsim fit`: each observed metric's history over the
//! fitted scenario's fan ([`FitFan`]), and each fitted input's prior and
//! posterior ([`PriorPosterior`]).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{fan::monthly_desc, runs_phrase};
use crate::fit::abc::Fit;
use crate::fit::output::Marginal;
use crate::fit::predict::MetricCheck;
use crate::format;
use crate::metrics::{self, Unit};
use crate::render::canvas::{
    self, Chart, DrawResult, Mark,
    palette::{BLACK, BLUE, GREY, GRID, INK, MUTED, VERMILLION},
};

/// An observed metric's actuals over the fitted scenario's runs, month by
/// month: the median, the P10-P90 and P5-P95 bands, every observed month as
/// a dot (a ringed dot when outside P5-P95), and a dashed line where the
/// fitted months end: after it the fan is a projection (or, in a backtest,
/// the forecast of the held-out months).
#[derive(Debug, Clone, PartialEq)]
pub struct FitFan {
    /// `fit_<metric>` or `backtest_<metric>`.
    pub name: String,
    pub metric: String,
    pub title: String,
    pub y_desc: String,
    pub unit: Unit,
    pub runs: u32,
    /// `[month - 1]`: P5, P10, P50, P90, P95.
    pub bands: Vec<[f64; 5]>,
    /// (month, actual, outside P5-P95).
    pub actuals: Vec<(u32, f64, bool)>,
    /// The months the fit saw (1 to this).
    pub fitted_months: u32,
    /// A backtest's fan: the months after `fitted_months` were held out.
    pub backtest: bool,
    pub start: Option<crate::calendar::YearMonth>,
}

impl FitFan {
    /// The fan of `check`, from a fit to months 1 to `fitted_months` of
    /// `runs` runs; `backtest` when later observed months were held out.
    pub fn new(
        check: &MetricCheck,
        runs: u32,
        fitted_months: u32,
        backtest: bool,
        start: Option<crate::calendar::YearMonth>,
    ) -> FitFan {
        let m = &check.metric;
        FitFan {
            name: format!("{}_{m}", if backtest { "backtest" } else { "fit" }),
            metric: m.clone(),
            title: if backtest {
                format!(
                    "{m}: months {} to {} forecast from months 1 to {fitted_months}",
                    fitted_months + 1,
                    check.bands.len()
                )
            } else {
                format!("{m}: the history and the fitted scenario")
            },
            y_desc: monthly_desc(m, m),
            unit: metrics::monthly_unit(m),
            runs,
            bands: check.bands.clone(),
            actuals: check.cells.iter().map(|c| (c.month, c.actual, c.outside_90())).collect(),
            fitted_months,
            backtest,
            start,
        }
    }

    fn outside(&self) -> usize {
        self.actuals.iter().filter(|a| a.2).count()
    }
}

impl Chart for FitFan {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn caption(&self) -> String {
        let def = metrics::monthly_definition(&self.metric);
        let seen = self.actuals.iter().filter(|a| a.0 <= self.fitted_months).count();
        let after = if self.backtest {
            format!(
                "The fit saw months 1 to {} only; the dots after the dashed line are the held-out months, set against their forecast.",
                self.fitted_months
            )
        } else if (self.bands.len() as u32) > self.fitted_months {
            "After the dashed line (the end of the history) the fan is the projection.".into()
        } else {
            String::new()
        };
        format!(
            "{def} The dots are the history ({seen} month{} fitted), the line and bands the fitted scenario's runs: \
             median (P50), 80% of the runs (P10 to P90) and 90% (P5 to P95). A ringed dot is outside P5-P95 ({} of {}): \
             about one month in ten is, by chance, when the model fits. {after}",
            if seen == 1 { "" } else { "s" },
            self.outside(),
            self.actuals.len()
        )
        .trim()
        .to_string()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let subtitle =
            format!("{}: the history (dots) over {} of the fitted scenario", self.metric, runs_phrase(self.runs));
        let area = canvas::header(root, &self.title, &subtitle)?;
        let mut entries = vec![
            (Mark::Line(BLUE, 3), "Median (P50)".to_string()),
            (Mark::Fill(BLUE.mix(0.35)), "P10 to P90".into()),
            (Mark::Fill(BLUE.mix(0.15)), "P5 to P95".into()),
            (Mark::Dot(BLACK), "Actual".into()),
        ];
        if self.outside() > 0 {
            entries.push((Mark::Ring(VERMILLION), "Outside P5-P95".into()));
        }
        let months = self.bands.len();
        if (months as u32) > self.fitted_months {
            let label = if self.backtest { "Fit ends: forecast from here" } else { "End of the history" };
            entries.push((Mark::Dashed(MUTED), label.into()));
        }
        let area = canvas::legend(&area, &entries)?;
        let top =
            self.bands.iter().map(|b| b[4]).chain(self.actuals.iter().map(|a| a.1)).fold(f64::NEG_INFINITY, f64::max);
        let bottom =
            self.bands.iter().map(|b| b[0]).chain(self.actuals.iter().map(|a| a.1)).fold(f64::INFINITY, f64::min);
        // Not from zero: the point is how the dots sit in the bands.
        let (y0, y1) = canvas::around(bottom, top, 0.05);
        let unit = self.unit;
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(36)
            .margin_bottom(8)
            .x_label_area_size(52)
            .y_label_area_size(96)
            .build_cartesian_2d(0.5..(months as f64).max(2.0) + 0.5, y0..y1)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(canvas::month_labels(months))
            .y_labels(8)
            .x_label_formatter(&|x| canvas::date_tick(x, self.start))
            .y_label_formatter(&|y| canvas::tick(*y, unit))
            .x_desc("Month")
            .y_desc(&self.y_desc)
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;
        let month = |i: usize| (i + 1) as f64;
        let band = |lo: usize, hi: usize| -> Vec<(f64, f64)> {
            let upper = self.bands.iter().enumerate().map(|(i, b)| (month(i), b[hi]));
            upper.chain(self.bands.iter().enumerate().rev().map(|(i, b)| (month(i), b[lo]))).collect()
        };
        chart.draw_series(std::iter::once(Polygon::new(band(0, 4), BLUE.mix(0.15).filled())))?;
        chart.draw_series(std::iter::once(Polygon::new(band(1, 3), BLUE.mix(0.35).filled())))?;
        chart.draw_series(LineSeries::new(
            self.bands.iter().enumerate().map(|(i, b)| (month(i), b[2])),
            BLUE.stroke_width(3),
        ))?;
        if (months as u32) > self.fitted_months {
            let x = self.fitted_months as f64 + 0.5;
            chart.draw_series(DashedLineSeries::new([(x, y0), (x, y1)], 8, 6, MUTED.stroke_width(2)))?;
        }
        chart.draw_series(
            self.actuals
                .iter()
                .filter(|a| a.2)
                .map(|&(m, y, _)| Circle::new((m as f64, y), 10, VERMILLION.stroke_width(3))),
        )?;
        chart.draw_series(self.actuals.iter().map(|&(m, y, _)| Circle::new((m as f64, y), 5, BLACK.filled())))?;
        Ok(())
    }
}

/// Each fitted input's prior (the scenario's distribution, as drawn) and
/// posterior (what the history left of it), as histograms on the same bins,
/// a panel per input.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorPosterior {
    pub panels: Vec<Panel>,
    pub draws: usize,
    pub kept: usize,
}

/// One input's panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub marginal: Marginal,
    /// The bins' range: the prior draws' range.
    pub range: (f64, f64),
    /// Share of the prior draws in each bin.
    pub prior: Vec<f64>,
    /// Share of the posterior sample in each bin.
    pub posterior: Vec<f64>,
}

/// Bins per panel: the prior is drawn 2,000 times by default, the
/// posterior 200, so 24 bins hold about 8 posterior draws each where it is
/// flat, enough to see its shape without noise hiding it.
const BINS: usize = 24;

impl PriorPosterior {
    pub fn new(fit: &Fit, marginals: &[Marginal]) -> PriorPosterior {
        let panels = marginals
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let (prior, post) = fit.column(k);
                let (lo, hi) = prior.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
                let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5, lo + 0.5) };
                let shares = |xs: &[f64]| {
                    let mut c = vec![0.0; BINS];
                    for &x in xs {
                        let i = (((x - lo) / (hi - lo)) * BINS as f64) as usize;
                        c[i.min(BINS - 1)] += 1.0;
                    }
                    let n = xs.len().max(1) as f64;
                    c.into_iter().map(|x| x / n).collect::<Vec<f64>>()
                };
                Panel { marginal: m.clone(), range: (lo, hi), prior: shares(&prior), posterior: shares(&post) }
            })
            .collect();
        PriorPosterior { panels, draws: fit.prior.len(), kept: fit.adjusted.len() }
    }
}

impl Chart for PriorPosterior {
    fn name(&self) -> String {
        "fit_inputs".into()
    }

    fn title(&self) -> String {
        "What the history taught: each input's prior and posterior".into()
    }

    fn caption(&self) -> String {
        format!(
            "Grey: the prior, the scenario's distribution of each input ({} draws). Blue: the posterior, what is left of it \
             once the history is taken into account ({} draws). \"Narrowed to\" is the posterior's P5-P95 width as a share \
             of the prior's: near 100%, the history says little about that input.",
            self.draws, self.kept
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let area = canvas::header(
            root,
            &self.title(),
            "Share of the draws per range of values, prior and posterior on the same bins",
        )?;
        let area = canvas::legend(
            &area,
            &[(Mark::Fill(GREY.mix(0.55)), "Prior".into()), (Mark::Fill(BLUE.mix(0.75)), "Posterior".into())],
        )?;
        let n = self.panels.len().max(1);
        let cols = match n {
            1..=3 => n,
            4 => 2,
            5..=6 => 3,
            _ => 4,
        };
        let rows = n.div_ceil(cols);
        let cells = area.margin(0, 0, 8, 8).split_evenly((rows, cols));
        for (panel, area) in self.panels.iter().zip(&cells) {
            draw_panel(panel, area)?;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(p: &Panel, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
    let m = &p.marginal;
    area.draw_text(&m.key, &canvas::bold(16, INK), (12, 2))?;
    let note = format!(
        "{} [{}, {}], narrowed to {:.0}%",
        format::sig(m.posterior.p50),
        format::sig(m.posterior.p5),
        format::sig(m.posterior.p95),
        100.0 * m.narrowed_to
    );
    area.draw_text(&note, &canvas::text(14, MUTED), (12, 24))?;
    let area = area.split_vertically(44).1;
    let (lo, hi) = p.range;
    let top = p.prior.iter().chain(&p.posterior).copied().fold(0.0, f64::max);
    let mut chart = ChartBuilder::on(&area)
        .margin_right(18)
        .margin_bottom(6)
        .x_label_area_size(30)
        .y_label_area_size(12)
        .build_cartesian_2d(lo..hi, 0.0..(top * 1.08).max(1e-9))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .axis_style(MUTED)
        .x_labels(4)
        .y_labels(0)
        .x_label_formatter(&|x| axis_number(*x))
        .label_style(canvas::text(13, MUTED))
        .draw()?;
    let width = (hi - lo) / BINS as f64;
    let bars = |shares: &[f64], color: RGBAColor| -> Vec<Rectangle<(f64, f64)>> {
        shares
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0.0)
            .map(|(i, &s)| {
                let x0 = lo + i as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width, s)], color.filled())
            })
            .collect()
    };
    chart.draw_series(bars(&p.prior, GREY.mix(0.55)))?;
    chart.draw_series(bars(&p.posterior, BLUE.mix(0.75)))?;
    Ok(())
}

/// An axis number: three significant digits, trailing zeros dropped
/// (`0.05`, `0.125`, `20`).
fn axis_number(x: f64) -> String {
    let s = format::sig(x);
    match s.find('.') {
        Some(_) if !s.contains('e') => s.trim_end_matches('0').trim_end_matches('.').to_string(),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fit::output::Spread;
    use crate::fit::predict::Cell;

    #[test]
    fn a_fit_fan_marks_the_months_outside_p5_p95_and_the_end_of_the_fit() {
        let band = [80.0, 90.0, 100.0, 110.0, 120.0];
        let check = MetricCheck {
            metric: "paid_accounts".into(),
            bands: vec![band; 6],
            cells: vec![
                Cell { month: 1, actual: 100.0, band },
                Cell { month: 2, actual: 130.0, band },
                Cell { month: 3, actual: 79.0, band },
            ],
        };
        let fan = FitFan::new(&check, 50, 3, false, None);
        assert_eq!(fan.name(), "fit_paid_accounts");
        assert_eq!(fan.actuals, vec![(1, 100.0, false), (2, 130.0, true), (3, 79.0, true)]);
        assert!(fan.caption().contains("(2 of 3)"), "{}", fan.caption());
        assert!(fan.caption().contains("projection"), "{}", fan.caption());
        let back = FitFan::new(&check, 50, 2, true, None);
        assert_eq!(back.name(), "backtest_paid_accounts");
        assert!(back.caption().contains("months 1 to 2 only"), "{}", back.caption());
    }

    #[test]
    fn prior_and_posterior_shares_each_add_up_to_one_on_the_priors_bins() {
        let prior: Vec<Vec<f64>> = (0..100).map(|i| vec![i as f64 / 99.0]).collect();
        let adjusted: Vec<Vec<f64>> = (0..10).map(|i| vec![0.5 + i as f64 / 100.0]).collect();
        let fit = Fit {
            keys: vec!["a".into()],
            prior,
            distance: vec![0.0; 100],
            kept: (0..10).collect(),
            tolerance: 1.0,
            adjusted,
            months: 3,
        };
        let s = Spread { mean: 0.5, p5: 0.5, p50: 0.55, p95: 0.59 };
        let m = Marginal { key: "a".into(), prior: s, posterior: s, narrowed_to: 0.1 };
        let c = PriorPosterior::new(&fit, &[m]);
        let p = &c.panels[0];
        assert_eq!(p.range, (0.0, 1.0));
        assert!((p.prior.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((p.posterior.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // The posterior sits in the bins of 0.5 to 0.6 only.
        assert!(p.posterior[..12].iter().all(|&x| x == 0.0) && p.posterior[15..].iter().all(|&x| x == 0.0));
    }
}
