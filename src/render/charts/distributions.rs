//! Histograms of horizon figures across runs.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::runs_phrase;
use crate::engine::Simulation;
use crate::format;
use crate::metrics::{Horizon, Unit};
use crate::render::canvas::{
    self, Chart, DrawResult, Mark,
    palette::{BLACK, GRID, INK, MUTED, SKY_BLUE, VERMILLION},
};
use crate::stats::percentile_sorted;

/// The distribution of one horizon figure across runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub title: String,
    pub x_desc: &'static str,
    pub unit: Unit,
    /// Runs where the figure is defined.
    pub defined: usize,
    /// Runs where it is not (e.g. LTV:CAC with no new customers).
    pub undefined: usize,
    /// P10, P50, P90 of the defined values.
    pub p10_50_90: Option<[f64; 3]>,
    /// The range the bins cover.
    pub range: (f64, f64),
    pub counts: Vec<usize>,
    /// Defined values outside `range` (a long tail cut off), below and above.
    pub outside: (usize, usize),
}

impl Histogram {
    /// Bins the defined values of `values`.
    ///
    /// The bins cover the full range of the values, except that values
    /// beyond the 1st or 99th percentile by more than a quarter of the
    /// P1-P99 span (a long tail) are counted in `outside`, not binned, so
    /// that a few extreme runs do not squeeze the rest into one bar. A range narrower
    /// than the tick labels can resolve is widened around its centre. The
    /// number of bins is the square root of the number of runs, between 5
    /// and 30.
    pub fn new(
        title: String,
        x_desc: &'static str,
        unit: Unit,
        values: impl IntoIterator<Item = Option<f64>>,
    ) -> Histogram {
        let mut undefined = 0;
        let mut xs: Vec<f64> = values
            .into_iter()
            .filter_map(|v| {
                let v = v.filter(|x| x.is_finite());
                undefined += usize::from(v.is_none());
                v
            })
            .collect();
        xs.sort_by(f64::total_cmp);
        let n = xs.len();
        if n == 0 {
            return Histogram {
                title,
                x_desc,
                unit,
                defined: 0,
                undefined,
                p10_50_90: None,
                range: (0.0, 1.0),
                counts: Vec::new(),
                outside: (0, 0),
            };
        }
        let (p1, p99) = (percentile_sorted(&xs, 1.0), percentile_sorted(&xs, 99.0));
        let tail = 0.25 * (p99 - p1);
        let mut lo = *xs.iter().find(|&&x| x >= p1 - tail).expect("P1 is a value");
        let mut hi = *xs.iter().rev().find(|&&x| x <= p99 + tail).expect("P99 is a value");
        let resolution = match unit {
            Unit::Money | Unit::Count => 1.0,
            Unit::Share => 0.001,
            Unit::Ratio | Unit::Months | Unit::Days => 0.01,
        };
        let min_span = (0.05 * (0.5 * (lo + hi)).abs()).max(5.0 * resolution);
        if hi - lo < min_span {
            let mid = 0.5 * (lo + hi);
            (lo, hi) = (mid - 0.5 * min_span, mid + 0.5 * min_span);
        }
        let bins = ((n as f64).sqrt().ceil() as usize).clamp(5, 30);
        let width = (hi - lo) / bins as f64;
        let mut counts = vec![0; bins];
        let mut outside = (0, 0);
        for &x in &xs {
            if x < lo {
                outside.0 += 1;
            } else if x > hi {
                outside.1 += 1;
            } else {
                counts[(((x - lo) / width) as usize).min(bins - 1)] += 1;
            }
        }
        Histogram {
            title,
            x_desc,
            unit,
            defined: n,
            undefined,
            p10_50_90: Some([10.0, 50.0, 90.0].map(|q| percentile_sorted(&xs, q))),
            range: (lo, hi),
            counts,
            outside,
        }
    }

    /// What is not in the bars: undefined runs and cut-off tails.
    fn notes(&self) -> Vec<String> {
        let runs = |k: usize| {
            if k == 1 { "1 run".into() } else { format!("{k} runs") }
        };
        let mut notes = Vec::new();
        if self.undefined > 0 {
            notes.push(format!("undefined in {}", runs(self.undefined)));
        }
        if self.outside.0 > 0 {
            notes.push(format!("{} below {} not shown", runs(self.outside.0), format::value(self.range.0, self.unit)));
        }
        if self.outside.1 > 0 {
            notes.push(format!("{} above {} not shown", runs(self.outside.1), format::value(self.range.1, self.unit)));
        }
        notes
    }
}

/// Histograms of the horizon figures a finance reader checks first: ARR at
/// the horizon, LTV:CAC and CAC payback, one panel each, across runs, with
/// the median and the P10 and P90 marked. They show how much the outcome
/// depends on luck and on the uncertain inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct HorizonDistributions {
    pub title: String,
    pub runs: u32,
    pub panels: Vec<Histogram>,
}

impl HorizonDistributions {
    pub fn new(sim: &Simulation) -> HorizonDistributions {
        let values = |h: Horizon| sim.runs.iter().map(move |r| r.horizon(h));
        let panels = vec![
            Histogram::new(
                format!("ARR at month {}", sim.months),
                "ARR ($ per year)",
                Unit::Money,
                values(Horizon::ArrFinal),
            ),
            Histogram::new("LTV:CAC".into(), "LTV / blended CAC (x)", Unit::Ratio, values(Horizon::LtvToCac)),
            Histogram::new(
                "CAC payback".into(),
                "Months to recover blended CAC",
                Unit::Months,
                values(Horizon::CacPaybackMonths),
            ),
        ];
        HorizonDistributions {
            title: "Distribution of ARR, LTV:CAC and CAC payback".into(),
            runs: sim.runs.len() as u32,
            panels,
        }
    }

    /// The figures of a scenario without revenue, where ARR, LTV:CAC and
    /// payback are zero or undefined in every run: active free accounts at
    /// the horizon, signups over it and the K-factor.
    pub fn accounts(sim: &Simulation) -> HorizonDistributions {
        let values = |h: Horizon| sim.runs.iter().map(move |r| r.horizon(h));
        let col = crate::metrics::Monthly::ActiveFree as usize;
        let last = (sim.months as usize).saturating_sub(1);
        let active: Vec<Option<f64>> =
            if sim.months == 0 { Vec::new() } else { sim.column_values(last, col).map(Some).collect() };
        let panels = vec![
            Histogram::new(
                format!("Active free accounts at month {}", sim.months),
                "Active free accounts",
                Unit::Count,
                active,
            ),
            Histogram::new("Signups".into(), "Signups over the horizon", Unit::Count, values(Horizon::SignupsTotal)),
            Histogram::new("K-factor".into(), "New users per active user (x)", Unit::Ratio, values(Horizon::KFactor)),
        ];
        HorizonDistributions {
            title: "Distribution of active accounts, signups and K-factor".into(),
            runs: sim.runs.len() as u32,
            panels,
        }
    }
}

impl Chart for HorizonDistributions {
    fn name(&self) -> String {
        "horizon_distributions".into()
    }

    fn title(&self) -> String {
        self.title.clone()
    }

    fn caption(&self) -> String {
        "How the horizon figures vary across runs: each bar counts the runs that ended in that range. The black line is the median, the dashed lines P10 and P90: eight runs in ten fall between them.".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let area = canvas::header(
            root,
            &self.title(),
            &format!("Runs per range of values, across {}", runs_phrase(self.runs)),
        )?;
        let area = canvas::legend(
            &area,
            &[
                (Mark::Fill(SKY_BLUE.to_rgba()), "Runs".into()),
                (Mark::Line(BLACK, 2), "Median".into()),
                (Mark::Dashed(VERMILLION), "P10 and P90".into()),
            ],
        )?;
        let columns = area.margin(0, 0, 8, 8).split_evenly((1, self.panels.len()));
        for (panel, area) in self.panels.iter().zip(&columns) {
            draw_panel(panel, area)?;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(h: &Histogram, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
    let left = 16;
    area.draw_text(&h.title, &canvas::bold(18, INK), (left, 4))?;
    // Paybacks of a month or two need two decimals to tell P10 from P90.
    let value = |x: f64| match h.unit {
        Unit::Months => format!("{} mo", canvas::tick(x, Unit::Months)),
        u => format::value(x, u),
    };
    let summary = match h.p10_50_90 {
        Some([p10, p50, p90]) => format!("median {}, P10 {}, P90 {}", value(p50), value(p10), value(p90)),
        None => "undefined in every run".into(),
    };
    area.draw_text(&summary, &canvas::text(16, MUTED), (left, 32))?;
    let notes = h.notes();
    if !notes.is_empty() && h.defined > 0 {
        area.draw_text(&notes.join("; "), &canvas::text(16, MUTED), (left, 54))?;
    }
    let area = area.split_vertically(80).1;
    if h.defined == 0 {
        return Ok(());
    }
    let (lo, hi) = h.range;
    let top = h.counts.iter().copied().max().unwrap_or(0) as f64;
    let mut chart = ChartBuilder::on(&area)
        .margin_right(22)
        .margin_bottom(8)
        .x_label_area_size(52)
        .y_label_area_size(56)
        .build_cartesian_2d(lo..hi, 0.0..(top * 1.08).max(1.0))?;
    let unit = h.unit;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .x_labels(5)
        // Whole runs only: no more labels than counts.
        .y_labels((top as usize + 1).min(6))
        .x_label_formatter(&|x| canvas::tick(*x, unit))
        .y_label_formatter(&|y| {
            if (y - y.round()).abs() < 1e-9 { format!("{}", y.round() as i64) } else { String::new() }
        })
        .x_desc(h.x_desc)
        .y_desc("Runs")
        .label_style(canvas::tick_style())
        .axis_desc_style(canvas::desc_style())
        .draw()?;
    let width = (hi - lo) / h.counts.len() as f64;
    chart.draw_series(h.counts.iter().enumerate().map(|(i, &c)| {
        let x0 = lo + i as f64 * width;
        Rectangle::new([(x0, 0.0), (x0 + width, c as f64)], SKY_BLUE.filled())
    }))?;
    chart.draw_series(h.counts.iter().enumerate().map(|(i, &c)| {
        let x0 = lo + i as f64 * width;
        Rectangle::new([(x0, 0.0), (x0 + width, c as f64)], WHITE.stroke_width(1))
    }))?;
    if let Some([p10, p50, p90]) = h.p10_50_90 {
        let y1 = top * 1.04;
        for p in [p10, p90].into_iter().filter(|p| (lo..=hi).contains(p)) {
            chart.draw_series(DashedLineSeries::new([(p, 0.0), (p, y1)], 6, 4, VERMILLION.stroke_width(2)))?;
        }
        if (lo..=hi).contains(&p50) {
            chart.draw_series(LineSeries::new([(p50, 0.0), (p50, y1)], BLACK.stroke_width(2)))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(values: &[Option<f64>], unit: Unit) -> Histogram {
        Histogram::new("t".into(), "x", unit, values.iter().copied())
    }

    #[test]
    fn every_defined_value_is_counted_once() {
        let values: Vec<Option<f64>> = (0..100).map(|i| Some(i as f64)).collect();
        let h = hist(&values, Unit::Count);
        assert_eq!(h.counts.len(), 10);
        assert_eq!(h.counts.iter().sum::<usize>(), 100);
        assert!(h.counts.iter().all(|&c| c == 10), "{:?}", h.counts);
        assert_eq!(h.range, (0.0, 99.0));
        assert_eq!(h.p10_50_90, Some([9.9, 49.5, 89.1]));
    }

    #[test]
    fn undefined_runs_are_counted_apart() {
        let h = hist(&[Some(1.0), None, Some(2.0), Some(f64::NAN)], Unit::Ratio);
        assert_eq!((h.defined, h.undefined), (2, 2));
        assert_eq!(h.counts.iter().sum::<usize>(), 2);
        assert_eq!(h.notes(), ["undefined in 2 runs"]);
        let none = hist(&[None, None], Unit::Ratio);
        assert_eq!((none.defined, none.p10_50_90), (0, None));
    }

    #[test]
    fn a_long_tail_is_cut_off_and_reported() {
        let mut values: Vec<Option<f64>> = (0..199).map(|i| Some(10.0 + i as f64 / 100.0)).collect();
        values.push(Some(1000.0));
        let h = hist(&values, Unit::Ratio);
        assert_eq!(h.outside, (0, 1));
        assert!(h.range.1 < 20.0, "{:?}", h.range);
        assert_eq!(h.counts.iter().sum::<usize>(), 199);
        assert_eq!(h.notes(), ["1 run above 11.98 not shown"]);
    }

    #[test]
    fn identical_values_get_a_readable_range() {
        let h = hist(&[Some(977_000.0); 50], Unit::Money);
        let (lo, hi) = h.range;
        assert!(lo < 977_000.0 && hi > 977_000.0);
        assert!((hi - lo - 0.05 * 977_000.0).abs() < 1e-6);
        assert_eq!(h.counts.iter().sum::<usize>(), 50);
    }
}
