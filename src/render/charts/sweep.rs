//! Sweep charts: a metric against one swept parameter (its median, mean and
//! spread, as a line), or against two (its mean over the grid, as a
//! heatmap).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{runs_phrase, signed};
use crate::format;
use crate::metrics::Horizon;
use crate::render::canvas::{
    self, Chart, DrawResult, Mark,
    palette::{BLACK, BLUE, GRID, INK, MUTED, VERMILLION},
    viridis,
};
use crate::whatif::Difference;
use crate::whatif::sweep::Sweep;

/// A title no wider than the chart: `long`, unless it has more characters
/// than the title font fits across the chart, then `short`.
fn fitting_title(long: String, short: impl FnOnce() -> String) -> String {
    const MAX_TITLE_CHARS: usize = 72;
    if long.chars().count() <= MAX_TITLE_CHARS { long } else { short() }
}

/// A swept value as it was given (`12`, `0.025`, `1234.5`; see
/// [`format::as_written`]), unless it is long (`0.333333333333`): then four
/// significant digits.
pub fn value_label(x: f64) -> String {
    let written = format::as_written(x);
    if written.len() <= 8 { written } else { format::number(x) }
}

/// A value of `axis` as a chart labels it: its word, or [`value_label`].
fn axis_label(axis: &crate::whatif::sweep::Axis, v: f64) -> String {
    if axis.is_words() { axis.label(v) } else { value_label(v) }
}

/// The label at position `v` of labels placed at 0, 1, 2, ...: empty
/// between them.
fn label_at(labels: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
        labels[i as usize].clone()
    } else {
        String::new()
    }
}

fn better_phrase(metric: Horizon) -> &'static str {
    if metric.higher_is_better() { "higher is better" } else { "lower is better" }
}

/// One value of the swept parameter and the metric across the runs there.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    pub x: f64,
    pub mean: Option<f64>,
    pub p10: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

/// A metric against one swept parameter: the median across runs as a line
/// with a dot at every swept value, the P10-P90 band around it, the mean as
/// a dashed line, and the baseline (the scenario's own value) and the best
/// mean marked and labelled. The x axis is the parameter's value, so
/// unevenly spaced values sit at their true distances.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepLine {
    pub key: String,
    pub metric: Horizon,
    pub runs: u32,
    /// Ascending by the parameter's value.
    pub points: Vec<SweepPoint>,
    /// For a parameter whose values are words (`trial.start`), the words in
    /// the order swept; the points' `x` are then their places 0, 1, 2, ...,
    /// and each is drawn as a bar, not joined to the next by a line.
    pub words: Vec<String>,
    /// Index in `points` of the baseline.
    pub baseline: usize,
    /// Index in `points` of the best mean (none if no mean is defined).
    pub best: Option<usize>,
    /// Other points whose mean equals the best (a parameter that does not
    /// move the metric leaves every point tied).
    pub tied: Vec<usize>,
    /// The best point minus the baseline, run by run.
    pub best_vs_baseline: Option<Difference>,
}

impl SweepLine {
    /// The chart of the `m`-th metric of a one-parameter sweep.
    pub fn new(sweep: &Sweep, m: usize) -> SweepLine {
        let mut order: Vec<usize> = (0..sweep.points.len()).collect();
        order.sort_by(|&a, &b| sweep.points[a].coords[0].total_cmp(&sweep.points[b].coords[0]));
        let at = |i: usize| order.iter().position(|&j| j == i).expect("every point is in the order");
        let points = order
            .iter()
            .map(|&i| {
                let p = &sweep.points[i];
                let s = &p.stats[m];
                SweepPoint { x: p.coords[0], mean: s.mean, p10: s.p10(), p50: s.p50(), p90: s.p90() }
            })
            .collect();
        let best = sweep.best[m];
        let tied = sweep.tied[m].iter().map(|&i| at(i)).collect();
        SweepLine {
            key: sweep.axes[0].key.clone(),
            words: sweep.axes[0].words.clone(),
            metric: sweep.metrics[m],
            runs: sweep.runs,
            points,
            baseline: at(sweep.baseline),
            best: best.map(at),
            tied,
            best_vs_baseline: best.and_then(|b| sweep.points[b].vs_baseline[m]),
        }
    }

    /// The parameter's value at `x`: its word, or the number.
    fn x_label(&self, x: f64) -> String {
        if self.words.is_empty() { value_label(x) } else { label_at(&self.words, x) }
    }

    /// The labels beside the baseline and the best point: the parameter's
    /// value and the mean there, and for the best its paired difference
    /// against the baseline. One label when they are the same point.
    pub fn marker_labels(&self) -> (String, Option<String>) {
        let unit = self.metric.unit();
        let mean = |i: usize| format::opt(self.points[i].mean, unit);
        let x = |i: usize| self.x_label(self.points[i].x);
        let b = self.baseline;
        let others = |n: usize| if n == 1 { "1 other value".to_string() } else { format!("{n} other values") };
        match self.best {
            Some(best) if best == b || self.tied.contains(&b) => {
                let n = self.tied.len();
                let tie = if n == 0 { String::new() } else { format!(", tied with {}", others(n)) };
                (format!("Baseline {}, the best{tie}: mean {}", x(b), mean(b)), None)
            }
            Some(best) => {
                let diff = self
                    .best_vs_baseline
                    .map_or_else(String::new, |d| format!(" ({} vs baseline)", signed(d.mean, unit)));
                let tie = match self.tied.len() {
                    0 => String::new(),
                    n => format!(", tied with {}", others(n)),
                };
                (
                    format!("Baseline {}: mean {}", x(b), mean(b)),
                    Some(format!("Best {}{tie}: mean {}{diff}", x(best), mean(best))),
                )
            }
            None => (format!("Baseline {}: mean {}", x(b), mean(b)), None),
        }
    }
}

/// Stretches of consecutive points where `defined` holds.
fn stretches(points: &[SweepPoint], defined: impl Fn(&SweepPoint) -> bool) -> Vec<&[SweepPoint]> {
    points.split(|p| !defined(p)).filter(|s| !s.is_empty()).collect()
}

/// Lines through consecutive points where `f` is defined, as (x, f).
fn segments(points: &[SweepPoint], f: impl Fn(&SweepPoint) -> Option<f64>) -> Vec<Vec<(f64, f64)>> {
    stretches(points, |p| f(p).is_some())
        .into_iter()
        .map(|s| s.iter().filter_map(|p| Some((p.x, f(p)?))).collect())
        .collect()
}

/// Where to put labels beside vertical lines: each label (`(line x, width)`
/// in pixels) goes right of its line if it fits before `right`, else left
/// of it, else against the edge it crosses; in the first row where it
/// overlaps no label already placed. Returns each label's left edge and row.
pub fn place_labels(labels: &[(i32, i32)], (left, right): (i32, i32)) -> Vec<(i32, usize)> {
    const GAP: i32 = 8;
    let mut placed: Vec<(i32, i32, usize)> = Vec::new();
    for &(x, w) in labels {
        let start = if x + GAP + w <= right {
            x + GAP
        } else if x - GAP - w >= left {
            x - GAP - w
        } else {
            (right - w).max(left)
        };
        let row = (0..)
            .find(|row| !placed.iter().any(|&(s, e, r)| r == *row && start < e + GAP && s < start + w + GAP))
            .expect("some row is free");
        placed.push((start, start + w, row));
    }
    placed.into_iter().map(|(s, _, r)| (s, r)).collect()
}

impl Chart for SweepLine {
    fn name(&self) -> String {
        format!("sweep_{}", self.metric.name())
    }

    fn title(&self) -> String {
        fitting_title(format!("{} by {}", self.metric.label(), self.key), || {
            format!("{} by the swept parameter", self.metric.label())
        })
    }

    fn caption(&self) -> String {
        let shapes = if self.words.is_empty() {
            "the line is the median run, the band holds 80% of the runs (P10 to P90), the dashed line is the mean"
        } else {
            "the solid bar is the median run, the shaded bar holds 80% of the runs (P10 to P90), the dashed bar is the mean"
        };
        format!(
            "{} ({}) at each value of {}: {shapes}. Every value uses the same random numbers, so the differences between values are due to the parameter, not to luck. The ring marks the baseline, which differences are measured against: the scenario's own value when it is among the swept values, else the first one. The orange dot marks the best mean ({}).",
            self.metric.label(),
            self.metric.definition(),
            self.key,
            better_phrase(self.metric)
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let unit = self.metric.unit();
        let area = canvas::header(
            root,
            &self.title(),
            &format!(
                "Across {} at each value, the same random numbers at every value; {}",
                runs_phrase(self.runs),
                better_phrase(self.metric)
            ),
        )?;
        let mut entries = vec![
            (Mark::LineDot(BLUE), "Median".to_string()),
            (Mark::Fill(BLUE.mix(0.2)), "P10 to P90 (80% of the runs)".into()),
            (Mark::Dashed(BLACK), "Mean".into()),
            (Mark::Ring(INK), "Baseline (differences are against it)".into()),
        ];
        if self.best.is_some() {
            let which = if self.metric.higher_is_better() { "highest" } else { "lowest" };
            entries.push((Mark::Dot(VERMILLION), format!("Best ({which} mean)")));
        }
        let area = canvas::legend(&area, &entries)?;

        let xs = self.points.iter().map(|p| p.x);
        let words = !self.words.is_empty();
        let (x0, x1) = if words {
            (-0.5, self.words.len() as f64 - 0.5)
        } else {
            canvas::around(xs.clone().fold(f64::INFINITY, f64::min), xs.fold(f64::NEG_INFINITY, f64::max), 0.04)
        };
        let ys: Vec<f64> = self.points.iter().flat_map(|p| [p.mean, p.p10, p.p50, p.p90]).flatten().collect();
        let (y0, y1) = if ys.is_empty() {
            (0.0, 1.0)
        } else {
            canvas::around(
                ys.iter().copied().fold(f64::INFINITY, f64::min),
                ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                0.06,
            )
        };
        // Headroom above the data for the two rows of marker labels.
        const X_LABELS: u32 = 52;
        const MARGIN_BOTTOM: u32 = 8;
        const HEADROOM: f64 = 64.0;
        let plot_h = (area.dim_in_pixel().1 - X_LABELS - MARGIN_BOTTOM) as f64;
        let y1 = y1 + (y1 - y0) * HEADROOM / (plot_h - HEADROOM).max(1.0);

        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(36)
            .margin_bottom(MARGIN_BOTTOM)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(96)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(if words { self.words.len() } else { self.points.len().clamp(2, 12) })
            .y_labels(8)
            .x_label_formatter(&|x| if words { label_at(&self.words, *x) } else { format::number(*x) })
            .y_label_formatter(&|y| canvas::tick(*y, unit))
            .x_desc(self.key.as_str())
            .y_desc(canvas::unit_desc(self.metric.label(), unit))
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;

        // Guides at the baseline and the best value, under the data.
        let best_is_base = self.best == Some(self.baseline) || self.tied.contains(&self.baseline);
        let mut marked = vec![(self.baseline, INK, false)];
        if let Some(best) = self.best.filter(|_| !best_is_base) {
            marked.push((best, VERMILLION, true));
        }
        for &(i, color, _) in &marked {
            let x = self.points[i].x;
            chart.draw_series(DashedLineSeries::new([(x, y0), (x, y1)], 5, 5, color.mix(0.7).stroke_width(1)))?;
        }

        if words {
            // Choices are not on a scale: a bar for each, nothing between.
            const HALF: f64 = 0.18;
            for p in &self.points {
                if let (Some(lo), Some(hi)) = (p.p10, p.p90) {
                    chart
                        .draw_series([Rectangle::new([(p.x - HALF, lo), (p.x + HALF, hi)], BLUE.mix(0.2).filled())])?;
                }
                if let Some(m) = p.mean {
                    chart.draw_series(DashedLineSeries::new(
                        [(p.x - HALF, m), (p.x + HALF, m)],
                        8,
                        5,
                        BLACK.stroke_width(2),
                    ))?;
                }
                if let Some(m) = p.p50 {
                    chart.draw_series([PathElement::new([(p.x - HALF, m), (p.x + HALF, m)], BLUE.stroke_width(3))])?;
                    chart.draw_series([Circle::new((p.x, m), 4, BLUE.filled())])?;
                }
            }
        } else {
            for band in stretches(&self.points, |p| p.p10.is_some() && p.p90.is_some()) {
                let outline: Vec<(f64, f64)> = band
                    .iter()
                    .filter_map(|p| Some((p.x, p.p90?)))
                    .chain(band.iter().rev().filter_map(|p| Some((p.x, p.p10?))))
                    .collect();
                chart.draw_series(std::iter::once(Polygon::new(outline, BLUE.mix(0.2).filled())))?;
            }
            for line in segments(&self.points, |p| p.mean) {
                chart.draw_series(DashedLineSeries::new(line, 8, 5, BLACK.stroke_width(2)))?;
            }
            for line in segments(&self.points, |p| p.p50) {
                chart.draw_series(LineSeries::new(line.clone(), BLUE.stroke_width(3)))?;
                chart.draw_series(line.into_iter().map(|(x, y)| Circle::new((x, y), 4, BLUE.filled())))?;
            }
        }

        // Markers on the mean, and their labels in the headroom.
        let best_dot = |p: &SweepPoint| {
            p.mean.map(|m| [Circle::new((p.x, m), 10, WHITE.filled()), Circle::new((p.x, m), 8, VERMILLION.filled())])
        };
        for &i in self.tied.iter().chain(self.best.iter()) {
            if let Some(dot) = best_dot(&self.points[i]) {
                chart.draw_series(dot)?;
            }
        }
        let (x_px, y_px) = chart.plotting_area().get_pixel_range();
        let (base_label, best_label) = self.marker_labels();
        let style = canvas::text(16, INK).pos(Pos::new(HPos::Left, VPos::Center));
        let mut labels = Vec::new();
        for &(i, color, filled) in &marked {
            let p = &self.points[i];
            if let Some(m) = p.mean.filter(|_| !filled) {
                chart.draw_series([Circle::new((p.x, m), 11, color.stroke_width(3))])?;
            }
            let text = if i == self.baseline { base_label.clone() } else { best_label.clone().unwrap_or_default() };
            let (w, _) = root.estimate_text_size(&text, &style)?;
            let (px, _) = chart.backend_coord(&(p.x, y1));
            labels.push((px, w as i32 + 22, text, color, filled));
        }
        let spots =
            place_labels(&labels.iter().map(|l| (l.0, l.1)).collect::<Vec<_>>(), (x_px.start + 4, x_px.end - 4));
        for ((_, w, text, color, filled), (left, row)) in labels.iter().zip(spots) {
            let y = y_px.start + 16 + 26 * row as i32;
            // On white, so that no guide line runs through the text.
            root.draw(&Rectangle::new([(left - 3, y - 12), (left + w + 3, y + 12)], WHITE.filled()))?;
            if *filled || best_is_base {
                root.draw(&Circle::new((left + 8, y), 6, VERMILLION.filled()))?;
            }
            if !*filled {
                root.draw(&Circle::new((left + 8, y), 8, color.stroke_width(3)))?;
            }
            root.draw_text(text, &style, (left + 22, y))?;
        }
        Ok(())
    }
}

/// A metric over a two-parameter grid: one cell per grid point, coloured by
/// the mean across runs (viridis, brighter is higher, scaled from the
/// lowest to the highest mean), with the value printed when it fits, the
/// best cell outlined and the baseline cell dashed. The first parameter
/// runs along x, the second up y, both in ascending order.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepHeatmap {
    pub x_key: String,
    pub y_key: String,
    pub metric: Horizon,
    pub runs: u32,
    /// The first parameter's values, ascending (columns).
    pub xs: Vec<f64>,
    /// The second parameter's values, ascending (rows, bottom to top).
    pub ys: Vec<f64>,
    /// The values as labelled (a number as written, or a word), in the
    /// order of `xs` and `ys`.
    pub x_text: Vec<String>,
    pub y_text: Vec<String>,
    /// `[row][column]`: the mean at `(xs[column], ys[row])`.
    pub cells: Vec<Vec<Option<f64>>>,
    /// `(column, row)` of the baseline.
    pub baseline: (usize, usize),
    /// `(column, row)` of the best mean.
    pub best: Option<(usize, usize)>,
    /// Other cells whose mean equals the best.
    pub tied: Vec<(usize, usize)>,
    /// The means the darkest and brightest colours stand for.
    pub scale: (f64, f64),
}

impl SweepHeatmap {
    /// The heatmap of the `m`-th metric of a two-parameter sweep.
    pub fn new(sweep: &Sweep, m: usize) -> SweepHeatmap {
        let ascending = |values: &[f64]| {
            let mut order: Vec<usize> = (0..values.len()).collect();
            order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
            order
        };
        let (ax, ay) = (&sweep.axes[0].values, &sweep.axes[1].values);
        let (x_order, y_order) = (ascending(ax), ascending(ay));
        // Points are row-major over the axes: the second axis varies fastest.
        let index = |i: usize, j: usize| i * ay.len() + j;
        let cells: Vec<Vec<Option<f64>>> = y_order
            .iter()
            .map(|&j| x_order.iter().map(|&i| sweep.points[index(i, j)].stats[m].mean).collect())
            .collect();
        let cell_of = |p: usize| {
            let (i, j) = (p / ay.len(), p % ay.len());
            let col = x_order.iter().position(|&k| k == i).expect("a column");
            let row = y_order.iter().position(|&k| k == j).expect("a row");
            (col, row)
        };
        let defined = cells.iter().flatten().flatten().copied();
        let (lo, hi) = defined.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        let scale = if lo > hi {
            (0.0, 1.0)
        } else if hi - lo <= 1e-12 * lo.abs().max(hi.abs()) {
            canvas::around(lo, hi, 0.0)
        } else {
            (lo, hi)
        };
        SweepHeatmap {
            x_key: sweep.axes[0].key.clone(),
            y_key: sweep.axes[1].key.clone(),
            metric: sweep.metrics[m],
            runs: sweep.runs,
            xs: x_order.iter().map(|&i| ax[i]).collect(),
            ys: y_order.iter().map(|&j| ay[j]).collect(),
            x_text: x_order.iter().map(|&i| axis_label(&sweep.axes[0], ax[i])).collect(),
            y_text: y_order.iter().map(|&j| axis_label(&sweep.axes[1], ay[j])).collect(),
            cells,
            baseline: cell_of(sweep.baseline),
            best: sweep.best[m].map(cell_of),
            tied: sweep.tied[m].iter().map(|&i| cell_of(i)).collect(),
            scale,
        }
    }

    /// `free.usage_limit = 3, plans.pro.price_per_month = 20`.
    fn describe(&self, (c, r): (usize, usize)) -> String {
        format!("{} = {}, {} = {}", self.x_key, self.x_text[c], self.y_key, self.y_text[r])
    }

    fn mean_at(&self, (c, r): (usize, usize)) -> String {
        format::opt(self.cells[r][c], self.metric.unit())
    }
}

/// A value in a cell: `$95.8k`, `11.8%`, `n/a`.
fn cell_label(v: Option<f64>, unit: crate::metrics::Unit) -> String {
    format::opt(v, unit)
}

impl Chart for SweepHeatmap {
    fn name(&self) -> String {
        format!("sweep_{}", self.metric.name())
    }

    fn title(&self) -> String {
        fitting_title(format!("{} by {} and {}", self.metric.label(), self.x_key, self.y_key), || {
            format!("{} over the grid of the two swept parameters", self.metric.label())
        })
    }

    fn caption(&self) -> String {
        format!(
            "{} ({}), mean across runs at every combination of {} (columns) and {} (rows). Brighter is higher; {}. The solid outline marks the best mean, the dashed one the baseline, which differences are measured against: the scenario's own values when they are on the grid, else the first point. Every cell uses the same random numbers, so differences between cells are due to the parameters, not to luck.",
            self.metric.label(),
            self.metric.definition(),
            self.x_key,
            self.y_key,
            better_phrase(self.metric)
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let unit = self.metric.unit();
        let area = canvas::header(
            root,
            &self.title(),
            &format!(
                "Mean across {} at each grid point, the same random numbers at every point; {}",
                runs_phrase(self.runs),
                better_phrase(self.metric)
            ),
        )?;
        let mut entries = Vec::new();
        if let Some(best) = self.best {
            let tie = match self.tied.len() {
                0 => String::new(),
                1 => " and 1 more point".into(),
                n => format!(" and {n} more points"),
            };
            entries.push((
                Mark::Outline(INK),
                format!("Best mean {} at {}{tie}", self.mean_at(best), self.describe(best)),
            ));
        }
        entries.push((
            Mark::DashedOutline(INK),
            format!("Baseline {} at {}", self.mean_at(self.baseline), self.describe(self.baseline)),
        ));
        let area = canvas::legend(&area, &entries)?;
        let area = area.split_vertically(8).1;
        let (plot_area, scale_area) = area.split_horizontally(area.dim_in_pixel().0 - 130);

        let (nx, ny) = (self.xs.len().max(1), self.ys.len().max(1));
        let tick_style = canvas::tick_style();
        let widest = self
            .x_text
            .iter()
            .map(|x| root.estimate_text_size(x, &tick_style).map(|s| s.0))
            .collect::<Result<Vec<u32>, _>>()?
            .into_iter()
            .max()
            .unwrap_or(0);
        const Y_LABELS: u32 = 96;
        const X_LABELS: u32 = 52;
        let plot_w = plot_area.dim_in_pixel().0.saturating_sub(Y_LABELS + 20) as usize;
        let plot_h = plot_area.dim_in_pixel().1.saturating_sub(X_LABELS + 8) as usize;
        let x_labels = nx.min(plot_w / (widest as usize + 16).max(1)).max(1);
        let y_labels = ny.min(plot_h / 24).max(1);

        let mut chart = ChartBuilder::on(&plot_area)
            .margin_left(12)
            .margin_right(8)
            .margin_bottom(8)
            .x_label_area_size(X_LABELS)
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(-0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(MUTED)
            .x_labels(x_labels)
            .y_labels(y_labels)
            .x_label_formatter(&|x| label_at(&self.x_text, *x))
            .y_label_formatter(&|y| label_at(&self.y_text, *y))
            .x_desc(self.x_key.as_str())
            .y_desc(self.y_key.as_str())
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;

        let (lo, hi) = self.scale;
        let t = |v: f64| (v - lo) / (hi - lo);
        let cell = |c: usize, r: usize, inset: (f64, f64)| {
            let (x, y) = (c as f64, r as f64);
            [(x - 0.5 + inset.0, y - 0.5 + inset.1), (x + 0.5 - inset.0, y + 0.5 - inset.1)]
        };
        let (w, h) = chart.plotting_area().dim_in_pixel();
        let (cell_w, cell_h) = (w as f64 / nx as f64, h as f64 / ny as f64);
        // An inset of `px` pixels in data units, along x and y.
        let inset = |px: f64| (px / cell_w, px / cell_h);
        chart.draw_series(self.cells.iter().enumerate().flat_map(|(r, row)| {
            row.iter().enumerate().map(move |(c, v)| {
                let color = v.map_or(GRID, |v| viridis(t(v)));
                Rectangle::new(cell(c, r, (0.0, 0.0)), color.filled())
            })
        }))?;
        if cell_w >= 8.0 && cell_h >= 8.0 {
            chart.draw_series(self.cells.iter().enumerate().flat_map(|(r, row)| {
                row.iter().enumerate().map(move |(c, _)| Rectangle::new(cell(c, r, (0.0, 0.0)), WHITE))
            }))?;
        }
        let size = if cell_w >= 64.0 && cell_h >= 28.0 { 15 } else { 13 };
        let style = canvas::text(size, INK);
        let fits = self.cells.iter().flatten().try_fold(true, |ok, v| {
            root.estimate_text_size(&cell_label(*v, unit), &style)
                .map(|(tw, th)| ok && (tw as f64) + 10.0 <= cell_w && (th as f64) + 4.0 <= cell_h)
        })?;
        if fits {
            let centered = Pos::new(HPos::Center, VPos::Center);
            chart.draw_series(self.cells.iter().enumerate().flat_map(|(r, row)| {
                row.iter().enumerate().map(move |(c, v)| {
                    let ink = if v.is_some_and(|v| t(v) < 0.6) { WHITE } else { INK };
                    Text::new(cell_label(*v, unit), (c as f64, r as f64), canvas::text(size, ink).pos(centered))
                })
            }))?;
        }

        let outline = |c: usize, r: usize, px: f64| {
            let [(x0, y0), (x1, y1)] = cell(c, r, inset(px));
            vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        };
        // Outlines sit on the cell's edge, clear of its text; when the
        // baseline is also the best, its dashes go just inside a large cell
        // or just outside a small one.
        let best: Vec<(usize, usize)> = self.best.iter().chain(&self.tied).copied().collect();
        let large = cell_w >= 60.0 && cell_h >= 36.0;
        let base_inset = match (best.contains(&self.baseline), large) {
            (false, _) => 0.0,
            (true, true) => 6.0,
            (true, false) => -4.0,
        };
        let (bc, br) = self.baseline;
        chart.draw_series(std::iter::once(PathElement::new(outline(bc, br, base_inset), WHITE.stroke_width(3))))?;
        chart.draw_series(DashedLineSeries::new(outline(bc, br, base_inset), 6, 4, INK.stroke_width(3)))?;
        // Black inside the edge, white just outside it: visible on any colour.
        chart.draw_series(best.iter().map(|&(c, r)| PathElement::new(outline(c, r, -2.0), WHITE.stroke_width(3))))?;
        chart.draw_series(best.iter().map(|&(c, r)| PathElement::new(outline(c, r, 1.0), INK.stroke_width(3))))?;
        canvas::color_bar(&scale_area, self.scale, unit, h as i32, 6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Stat;
    use crate::whatif::sweep::{Axis, Point};

    /// A sweep with made-up values: `value(coords, run)` for every metric.
    pub(crate) fn sweep(axes: &[(&str, &[f64])], runs: usize, value: impl Fn(&[f64], usize) -> Option<f64>) -> Sweep {
        let axes: Vec<Axis> = axes.iter().map(|(k, v)| Axis::numbers(k, v.to_vec())).collect();
        let mut coords: Vec<Vec<f64>> = vec![Vec::new()];
        for a in &axes {
            coords = coords.iter().flat_map(|c| a.values.iter().map(move |v| [c.clone(), vec![*v]].concat())).collect();
        }
        let metrics = vec![Horizon::RevenueTotal, Horizon::CostToServeFreeTotal];
        let points: Vec<Point> = coords
            .into_iter()
            .map(|c| {
                let values: Vec<Vec<Option<f64>>> =
                    metrics.iter().map(|_| (0..runs).map(|r| value(&c, r)).collect()).collect();
                let stats = values.iter().map(|v| Stat::of(v.iter().copied())).collect();
                Point {
                    coords: c,
                    values,
                    stats,
                    vs_baseline: vec![None; metrics.len()],
                    separator: vec![None; metrics.len()],
                }
            })
            .collect();
        let (best, tied) = crate::whatif::sweep::best_and_ties(&points, &metrics);
        Sweep {
            scenario: "t".into(),
            seed: 1,
            runs: runs as u32,
            axes,
            metrics,
            points,
            baseline: 0,
            baseline_is_scenario: true,
            best,
            tied,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn the_line_is_in_the_order_of_the_values_with_its_markers() {
        // Values given out of order; the metric peaks at x = 4.
        let mut s = sweep(&[("free.usage_limit", &[10.0, 1.0, 4.0, 2.0])], 5, |c, r| {
            Some(100.0 - (c[0] - 4.0).powi(2) + r as f64)
        });
        s.baseline = 3; // x = 2
        let line = SweepLine::new(&s, 0);
        let xs: Vec<f64> = line.points.iter().map(|p| p.x).collect();
        assert_eq!(xs, [1.0, 2.0, 4.0, 10.0]);
        assert_eq!(line.points[line.baseline].x, 2.0);
        assert_eq!(line.points[line.best.unwrap()].x, 4.0);
        let p = &line.points[2];
        assert_eq!((p.mean, p.p50, p.p10), (Some(102.0), Some(102.0), Some(100.4)));
        // Lower cost is better: the best of the same values is the far end.
        let cost = SweepLine::new(&s, 1);
        assert_eq!(cost.points[cost.best.unwrap()].x, 10.0);
    }

    #[test]
    fn marker_labels_give_the_value_the_mean_and_the_difference() {
        let mut s = sweep(&[("k", &[1.0, 2.0, 3.0])], 3, |c, _| Some(1000.0 * c[0]));
        s.baseline = 1;
        s.points[2].vs_baseline[0] = Some(Difference {
            mean: 1000.0,
            low: 900.0,
            high: 1100.0,
            runs: 3,
            p10: 0.0,
            p50: 0.0,
            p90: 0.0,
            above: 0,
            below: 0,
        });
        let line = SweepLine::new(&s, 0);
        let (base, best) = line.marker_labels();
        assert_eq!(base, "Baseline 2: mean $2.00k");
        assert_eq!(best.unwrap(), "Best 3: mean $3.00k (+$1.00k vs baseline)");
        s.baseline = 2;
        let (base, best) = SweepLine::new(&s, 0).marker_labels();
        assert_eq!(base, "Baseline 3, the best: mean $3.00k");
        assert_eq!(best, None);
    }

    #[test]
    fn a_parameter_that_does_not_move_the_metric_ties_every_point() {
        let mut s = sweep(&[("k", &[1.0, 2.0, 3.0])], 3, |_, r| Some(1000.0 + r as f64));
        let line = SweepLine::new(&s, 0);
        assert_eq!((line.best, line.tied.clone()), (Some(0), vec![1, 2]));
        assert_eq!(line.marker_labels(), ("Baseline 1, the best, tied with 2 other values: mean $1.00k".into(), None));
        s.baseline = 1;
        // The baseline is among the tied points, so it is not beaten.
        assert_eq!(SweepLine::new(&s, 0).marker_labels().1, None);
        let s = sweep(&[("a", &[1.0, 2.0]), ("b", &[5.0, 6.0, 7.0])], 2, |c, _| Some(c[0]));
        let map = SweepHeatmap::new(&s, 0);
        assert_eq!(map.best, Some((1, 0)));
        assert_eq!(map.tied, [(1, 1), (1, 2)]);
    }

    #[test]
    fn undefined_means_break_the_line() {
        let s = sweep(&[("k", &[1.0, 2.0, 3.0, 4.0])], 2, |c, _| (c[0] != 2.0).then_some(c[0]));
        let line = SweepLine::new(&s, 0);
        let parts = segments(&line.points, |p| p.mean);
        assert_eq!(parts, vec![vec![(1.0, 1.0)], vec![(3.0, 3.0), (4.0, 4.0)]]);
    }

    #[test]
    fn swept_values_read_as_given_without_binary_noise() {
        assert_eq!(value_label(12.0), "12");
        assert_eq!(value_label(1234.5), "1234.5");
        assert_eq!(value_label(0.025), "0.025");
        assert_eq!(value_label(0.1 + 0.2), "0.3");
        assert_eq!(value_label(0.02 + 0.03 * 2.0 / 6.0), "0.03");
    }

    #[test]
    fn labels_go_right_of_their_line_then_left_then_down_a_row() {
        // Room on the right.
        assert_eq!(place_labels(&[(100, 50)], (0, 1000)), [(108, 0)]);
        // No room on the right: left of the line.
        assert_eq!(place_labels(&[(980, 50)], (0, 1000)), [(922, 0)]);
        // Two labels that would overlap: the second drops a row.
        assert_eq!(place_labels(&[(100, 200), (150, 200)], (0, 1000)), [(108, 0), (158, 1)]);
        // Far enough apart: one row.
        assert_eq!(place_labels(&[(100, 200), (400, 200)], (0, 1000)), [(108, 0), (408, 0)]);
        // Wider than either side: against the edge.
        assert_eq!(place_labels(&[(500, 700)], (0, 1000)), [(300, 0)]);
    }

    #[test]
    fn the_heatmap_grid_has_x_columns_and_y_rows_in_ascending_order() {
        // Second axis given in descending order.
        let mut s = sweep(&[("a", &[1.0, 2.0, 3.0]), ("b", &[20.0, 10.0])], 4, |c, _| Some(c[0] * 100.0 + c[1]));
        s.baseline = 1; // a = 1, b = 10
        let map = SweepHeatmap::new(&s, 0);
        assert_eq!((map.xs.clone(), map.ys.clone()), (vec![1.0, 2.0, 3.0], vec![10.0, 20.0]));
        assert_eq!(map.cells.len(), 2);
        assert!(map.cells.iter().all(|row| row.len() == 3));
        assert_eq!(map.cells[0], [Some(110.0), Some(210.0), Some(310.0)]);
        assert_eq!(map.cells[1], [Some(120.0), Some(220.0), Some(320.0)]);
        assert_eq!(map.baseline, (0, 0));
        assert_eq!(map.best, Some((2, 1)), "highest revenue at a = 3, b = 20");
        assert_eq!(map.scale, (110.0, 320.0));
        let cost = SweepHeatmap::new(&s, 1);
        assert_eq!(cost.best, Some((0, 0)));
    }

    #[test]
    fn a_flat_heatmap_still_has_a_scale() {
        let s = sweep(&[("a", &[1.0, 2.0]), ("b", &[1.0, 2.0])], 2, |_, _| Some(50.0));
        let map = SweepHeatmap::new(&s, 0);
        assert!(map.scale.0 < 50.0 && map.scale.1 > 50.0, "{:?}", map.scale);
        let none = SweepHeatmap::new(&sweep(&[("a", &[1.0]), ("b", &[1.0])], 2, |_, _| None), 0);
        assert_eq!((none.scale, none.best), ((0.0, 1.0), None));
    }

    #[test]
    fn long_titles_fall_back_to_a_short_one() {
        let s = sweep(
            &[("acquisition.channels.paid_search.cost_per_signup", &[1.0]), ("plans.pro.price_per_month", &[1.0])],
            1,
            |_, _| Some(1.0),
        );
        assert_eq!(SweepHeatmap::new(&s, 0).title(), "Revenue over the grid of the two swept parameters");
        let s = sweep(&[("free.usage_limit", &[1.0])], 1, |_, _| Some(1.0));
        assert_eq!(SweepLine::new(&s, 0).title(), "Revenue by free.usage_limit");
    }
}
