//! The tornado chart of a sensitivity analysis.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{in_sentence, runs_phrase};
use crate::format;
use crate::metrics::Horizon;
use crate::render::canvas::{
    self, Chart, DrawResult, Mark,
    palette::{BLUE, GREY, GRID, INK, MUTED, ORANGE},
};
use crate::whatif::sensitivity::{Sensitivity, rho_text};

/// Most bars drawn; the parameters with the smallest swings beyond it are
/// left out (and counted in the subtitle).
pub const MAX_BARS: usize = 20;

/// The colour of the end with the input at its P10, and at its P90.
const P10_COLOR: RGBColor = BLUE;
const P90_COLOR: RGBColor = ORANGE;

/// One uncertain parameter's bar.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoBar {
    pub key: String,
    /// The parameter's P10 and P90.
    pub p10: f64,
    pub p90: f64,
    /// Mean output with the parameter at its P10, at its P90.
    pub at_p10: Option<f64>,
    pub at_p90: Option<f64>,
    pub swing: f64,
    /// Spearman's rho with the output across the runs as written, and its
    /// 95% interval (the right-hand panel).
    pub rank_correlation: Option<f64>,
    pub interval: Option<(f64, f64)>,
}

/// Which end of an input's range a piece of bar comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    P10,
    P90,
}

/// A piece of a bar: from the pivot to the output at one end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    pub from: f64,
    pub to: f64,
    pub end: End,
}

/// Where a value label goes: its anchor (a bar end) and the side of it.
#[derive(Debug, Clone, PartialEq)]
pub struct EndLabel {
    pub x: f64,
    /// Left of `x` (the bar grows left) or right of it.
    pub left: bool,
    pub text: String,
}

impl TornadoBar {
    /// The bar's pieces, from `pivot` to the output at each end, longer
    /// first (so that when both ends fall on the same side of the pivot the
    /// shorter is drawn over the longer and both show).
    pub fn segments(&self, pivot: f64) -> Vec<Segment> {
        let mut s: Vec<Segment> = [(self.at_p10, End::P10), (self.at_p90, End::P90)]
            .into_iter()
            .filter_map(|(to, end)| Some(Segment { from: pivot, to: to?, end }))
            .collect();
        s.sort_by(|a, b| (b.to - pivot).abs().total_cmp(&(a.to - pivot).abs()));
        s
    }

    /// The parameter's P10 and P90 values, printed beyond the bar ends they
    /// produce; when both ends fall on the same side of the pivot, one
    /// label at the far end names both.
    pub fn end_labels(&self, pivot: f64) -> Vec<EndLabel> {
        let (p10, p90) = (format::number(self.p10), format::number(self.p90));
        // An end at the pivot goes on the side its percentile suggests.
        let left_of = |x: f64, end: End| x < pivot || (x == pivot && end == End::P10);
        match (self.at_p10, self.at_p90) {
            (Some(a), Some(b)) if left_of(a, End::P10) == left_of(b, End::P90) => {
                let far = if (a - pivot).abs() >= (b - pivot).abs() { a } else { b };
                vec![EndLabel { x: far, left: left_of(a, End::P10), text: format!("{p10} (P10), {p90} (P90)") }]
            }
            (a, b) => [(a, End::P10, p10), (b, End::P90, p90)]
                .into_iter()
                .filter_map(|(x, end, text)| Some(EndLabel { x: x?, left: left_of(x?, end), text }))
                .collect(),
        }
    }
}

/// One horizontal bar per uncertain input, largest swing on top: the mean
/// output with the input at its P10 (blue end) and at its P90 (orange end),
/// every other uncertain input at its median, around a vertical line at the
/// output with all of them at their medians. The input's P10 and P90 are
/// printed at the ends they produce.
#[derive(Debug, Clone, PartialEq)]
pub struct Tornado {
    pub metric: Horizon,
    pub runs: u32,
    pub seed: u64,
    /// Mean output with every uncertain input at its median.
    pub base: Option<f64>,
    /// Largest swing first; at most [`MAX_BARS`].
    pub bars: Vec<TornadoBar>,
    /// Inputs left out beyond [`MAX_BARS`].
    pub hidden: usize,
    /// Whether the runs are too few to rank (the analysis has warnings).
    pub unranked: bool,
}

impl Tornado {
    pub fn new(s: &Sensitivity) -> Tornado {
        let mut bars: Vec<TornadoBar> = s
            .rows
            .iter()
            .map(|r| TornadoBar {
                key: r.key.clone(),
                p10: r.p10,
                p90: r.p90,
                at_p10: r.output_at_p10,
                at_p90: r.output_at_p90,
                swing: r.swing,
                rank_correlation: r.rank_correlation,
                interval: r.rank_correlation_interval,
            })
            .collect();
        bars.sort_by(|a, b| b.swing.total_cmp(&a.swing).then(a.key.cmp(&b.key)));
        let hidden = bars.len().saturating_sub(MAX_BARS);
        bars.truncate(MAX_BARS);
        Tornado {
            metric: s.metric,
            runs: s.runs,
            seed: s.seed,
            base: s.base_output,
            bars,
            hidden,
            unranked: !s.warnings.is_empty(),
        }
    }

    /// Whether the right-hand panel of rank correlations is drawn.
    pub fn has_correlations(&self) -> bool {
        self.bars.iter().any(|b| b.rank_correlation.is_some())
    }

    /// Where the bars split: the output at the medians, or, if that is
    /// undefined, the middle of all the bar ends.
    pub fn pivot(&self) -> f64 {
        self.base.unwrap_or_else(|| {
            let ends: Vec<f64> = self.bars.iter().flat_map(|b| [b.at_p10, b.at_p90]).flatten().collect();
            let lo = ends.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = ends.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if ends.is_empty() { 0.0 } else { 0.5 * (lo + hi) }
        })
    }
}

/// `text`, shortened from the left with an ellipsis until `fits` says it
/// fits: `…channels.paid_search.cost_per_signup`.
fn elide_left<E>(text: &str, fits: impl Fn(&str) -> Result<bool, E>) -> Result<String, E> {
    if fits(text)? {
        return Ok(text.to_string());
    }
    let chars: Vec<char> = text.chars().collect();
    for start in 1..chars.len() {
        let s: String = std::iter::once('…').chain(chars[start..].iter().copied()).collect();
        if fits(&s)? {
            return Ok(s);
        }
    }
    Ok("…".into())
}

impl Chart for Tornado {
    fn name(&self) -> String {
        format!("tornado_{}", self.metric.name())
    }

    fn title(&self) -> String {
        format!("What moves {}", in_sentence(self.metric.label()))
    }

    fn caption(&self) -> String {
        format!(
            "Each bar is one uncertain input, largest effect on top. Its blue end is the mean {label} with that input at its P10, its orange end with the input at its P90, every other uncertain input held at its median; the input's P10 and P90 are printed at those ends. The vertical line is the mean {label} with every input at its median. All variants use the same random numbers. On the right, each input's Spearman rank correlation with {label} across the runs of the scenario as written (all inputs varying together), with its 95% interval (Fisher z, variance 1.06 / (runs - 3)); a hollow grey dot is a correlation whose interval holds 0.{} {name}: {}.",
            if self.unranked { " The runs are too few to rank some inputs: see the warnings." } else { "" },
            self.metric.definition(),
            label = in_sentence(self.metric.label()),
            name = self.metric.label(),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let unit = self.metric.unit();
        let label = in_sentence(self.metric.label());
        let mut subtitle = format!(
            "Mean {label} with one uncertain input at its P10, then its P90, the others at their medians; {} per variant, seed {}",
            runs_phrase(self.runs),
            self.seed
        );
        if self.hidden > 0 {
            subtitle.push_str(&format!("; {} smaller inputs not shown", self.hidden));
        }
        let area = canvas::header(root, &self.title(), &subtitle)?;
        let area = canvas::legend(
            &area,
            &[
                (Mark::Fill(P10_COLOR.to_rgba()), "Input at its P10".to_string()),
                (Mark::Fill(P90_COLOR.to_rgba()), "Input at its P90".into()),
                (Mark::Line(INK, 2), format!("All inputs at their medians: {}", format::opt(self.base, unit))),
            ],
        )?;
        if self.bars.is_empty() {
            return Ok(());
        }
        // The rank correlations' panel takes the right quarter.
        let (area, side) = if self.has_correlations() {
            let (w, _) = area.dim_in_pixel();
            let (main, side) = area.split_horizontally((w * 73 / 100) as i32);
            (main, Some(side))
        } else {
            (area, None)
        };

        // The key column: as wide as the longest key, at most 40% of the chart.
        let key_style = canvas::text(16, INK);
        let (area_w, _) = area.dim_in_pixel();
        let max_key = (area_w as f64 * 0.4) as u32;
        let keys: Vec<String> = self
            .bars
            .iter()
            .map(|b| elide_left(&b.key, |s| root.estimate_text_size(s, &key_style).map(|(w, _)| w <= max_key)))
            .collect::<Result<_, _>>()?;
        let key_w = keys
            .iter()
            .map(|k| root.estimate_text_size(k, &key_style).map(|(w, _)| w))
            .collect::<Result<Vec<u32>, _>>()?
            .into_iter()
            .max()
            .unwrap_or(0);
        let key_area = key_w + 36;

        // The x range leaves room for the value labels beyond the bar ends.
        let pivot = self.pivot();
        let value_style = canvas::text(15, INK);
        let (mut room_left, mut room_right) = (0u32, 0u32);
        for b in &self.bars {
            for l in b.end_labels(pivot) {
                let (w, _) = root.estimate_text_size(&l.text, &value_style)?;
                if l.left {
                    room_left = room_left.max(w + 16);
                } else {
                    room_right = room_right.max(w + 16);
                }
            }
        }
        const MARGIN_RIGHT: u32 = 24;
        let plot_w = area_w.saturating_sub(key_area + MARGIN_RIGHT + 12).max(1) as f64;
        let ends = self.bars.iter().flat_map(|b| [b.at_p10, b.at_p90]).flatten().chain([pivot]);
        let (lo, hi) = ends.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let (lo, hi) = canvas::around(lo, hi, 0.0);
        let free = (plot_w - (room_left + room_right) as f64).max(0.4 * plot_w);
        let per_px = (hi - lo) / free;
        let (x0, x1) = (lo - room_left as f64 * per_px, hi + room_right as f64 * per_px);

        let n = self.bars.len();
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(MARGIN_RIGHT)
            .margin_bottom(8)
            .margin_top(6)
            .x_label_area_size(52)
            .y_label_area_size(key_area)
            .build_cartesian_2d(x0..x1, -0.5..n as f64 - 0.5)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(8)
            .y_labels(0)
            .x_label_formatter(&|x| canvas::tick(*x, unit))
            .x_desc(canvas::unit_desc(&format!("Mean {label}"), unit))
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;

        let row = |i: usize| (n - 1 - i) as f64;
        // Bars 60% of a row, but no thicker than 40 pixels.
        let row_px = chart.plotting_area().dim_in_pixel().1 as f64 / n as f64;
        let half = 0.3f64.min(20.0 / row_px.max(1.0));
        for (i, b) in self.bars.iter().enumerate() {
            let y = row(i);
            for s in b.segments(pivot) {
                let color = match s.end {
                    End::P10 => P10_COLOR,
                    End::P90 => P90_COLOR,
                };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(s.from.min(s.to), y - half), (s.from.max(s.to), y + half)],
                    color.filled(),
                )))?;
            }
        }
        chart.draw_series(LineSeries::new([(pivot, -0.5), (pivot, n as f64 - 0.5)], INK.stroke_width(2)))?;

        for (i, (b, key)) in self.bars.iter().zip(&keys).enumerate() {
            let y = row(i);
            let (px, py) = chart.backend_coord(&(x0, y));
            let style = key_style.pos(Pos::new(HPos::Right, VPos::Center));
            root.draw_text(key, &style, (px - 12, py))?;
            for l in b.end_labels(pivot) {
                let (ex, ey) = chart.backend_coord(&(l.x, y));
                let (dx, h) = if l.left { (-8, HPos::Right) } else { (8, HPos::Left) };
                root.draw_text(&l.text, &value_style.pos(Pos::new(h, VPos::Center)), (ex + dx, ey))?;
            }
        }
        if let Some(side) = side {
            self.draw_correlations(&side)?;
        }
        Ok(())
    }
}

impl Tornado {
    /// The right-hand panel: each input's rank correlation (a dot) and its
    /// 95% interval (a bar with caps), on the rows of the tornado, around
    /// a line at 0. A correlation whose interval holds 0 is a hollow grey dot.
    fn draw_correlations<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let n = self.bars.len();
        // The same vertical layout as the tornado, so the rows line up.
        let mut chart = ChartBuilder::on(area)
            .margin_left(4)
            .margin_right(24)
            .margin_bottom(8)
            .margin_top(6)
            .x_label_area_size(52)
            .build_cartesian_2d(-1.0..1.0, -0.5..n as f64 - 0.5)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .x_labels(5)
            .y_labels(0)
            .x_label_formatter(&|x| format!("{x:.1}"))
            .x_desc("Rank correlation ρ, 95% interval")
            .label_style(canvas::tick_style())
            .axis_desc_style(canvas::desc_style())
            .draw()?;
        chart.draw_series(DashedLineSeries::new([(0.0, -0.5), (0.0, n as f64 - 0.5)], 6, 4, INK.stroke_width(1)))?;
        let row = |i: usize| (n - 1 - i) as f64;
        // Caps 7 pixels either side of the row, at most 18% of a row.
        let row_px = chart.plotting_area().dim_in_pixel().1 as f64 / n as f64;
        let cap = 0.18f64.min(7.0 / row_px.max(1.0));
        let value_style = canvas::text(13, INK).pos(Pos::new(HPos::Center, VPos::Bottom));
        for (i, b) in self.bars.iter().enumerate() {
            let y = row(i);
            let unsure = b.interval.is_some_and(|(lo, hi)| lo <= 0.0 && hi >= 0.0);
            if let Some((lo, hi)) = b.interval {
                let style = MUTED.stroke_width(2);
                chart.draw_series(LineSeries::new([(lo, y), (hi, y)], style))?;
                for x in [lo, hi] {
                    chart.draw_series(LineSeries::new([(x, y - cap), (x, y + cap)], style))?;
                }
            }
            if let Some(rho) = b.rank_correlation {
                let dot = if unsure {
                    Circle::new((rho, y), 6, GREY.stroke_width(2))
                } else {
                    Circle::new((rho, y), 6, INK.filled())
                };
                chart.draw_series(std::iter::once(dot))?;
                let (px, py) = chart.backend_coord(&(rho, y));
                let (bx, by) = area.get_base_pixel();
                area.draw_text(&rho_text(rho), &value_style, (px - bx, py - by - 10))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whatif::sensitivity::Row;

    fn row(key: &str, (p10, p90): (f64, f64), (lo, hi): (Option<f64>, Option<f64>)) -> Row {
        let swing = match (lo, hi) {
            (Some(l), Some(h)) => (h - l).abs(),
            _ => 0.0,
        };
        Row {
            key: key.into(),
            p10,
            p50: 0.5 * (p10 + p90),
            p90,
            output_at_p10: lo,
            output_at_p90: hi,
            swing,
            rank_correlation: None,
            rank_correlation_interval: None,
        }
    }

    fn sensitivity(rows: Vec<Row>) -> Sensitivity {
        Sensitivity {
            scenario: "t".into(),
            metric: Horizon::ArrFinal,
            runs: 100,
            seed: 42,
            base_output: Some(100.0),
            rows,
            correlation_runs: 100,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn bars_are_ordered_by_swing_largest_on_top() {
        let t = Tornado::new(&sensitivity(vec![
            row("small", (1.0, 2.0), (Some(99.0), Some(101.0))),
            row("large", (0.01, 0.05), (Some(80.0), Some(130.0))),
            row("middle", (10.0, 20.0), (Some(110.0), Some(90.0))),
        ]));
        let keys: Vec<&str> = t.bars.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["large", "middle", "small"]);
        assert_eq!((t.pivot(), t.hidden), (100.0, 0));
    }

    #[test]
    fn segments_run_from_the_base_to_each_end() {
        let t = Tornado::new(&sensitivity(vec![row("k", (1.0, 2.0), (Some(110.0), Some(70.0)))]));
        let s = t.bars[0].segments(t.pivot());
        assert_eq!(
            s,
            [Segment { from: 100.0, to: 70.0, end: End::P90 }, Segment { from: 100.0, to: 110.0, end: End::P10 }]
        );
        // More of the input, less output: its P90 is printed left, its P10 right.
        assert_eq!(
            t.bars[0].end_labels(100.0),
            [EndLabel { x: 110.0, left: false, text: "1".into() }, EndLabel { x: 70.0, left: true, text: "2".into() },]
        );
    }

    #[test]
    fn both_ends_on_one_side_share_a_label_at_the_far_end() {
        let bar = TornadoBar {
            key: "k".into(),
            p10: 0.0143,
            p90: 0.0455,
            at_p10: Some(104.0),
            at_p90: Some(120.0),
            swing: 16.0,
            rank_correlation: None,
            interval: None,
        };
        assert_eq!(
            bar.end_labels(100.0),
            [EndLabel { x: 120.0, left: false, text: "0.0143 (P10), 0.0455 (P90)".into() }]
        );
        // The shorter piece is drawn last, over the longer.
        let s = bar.segments(100.0);
        assert_eq!((s[0].end, s[1].end), (End::P90, End::P10));
    }

    #[test]
    fn an_undefined_end_has_no_piece_and_no_label() {
        let bar = TornadoBar {
            key: "k".into(),
            p10: 1.0,
            p90: 2.0,
            at_p10: None,
            at_p90: Some(90.0),
            swing: 0.0,
            rank_correlation: None,
            interval: None,
        };
        assert_eq!(bar.segments(100.0), [Segment { from: 100.0, to: 90.0, end: End::P90 }]);
        assert_eq!(bar.end_labels(100.0), [EndLabel { x: 90.0, left: true, text: "2".into() }]);
    }

    #[test]
    fn many_inputs_keep_the_largest_and_count_the_rest() {
        let rows: Vec<Row> = (0..25)
            .map(|i| row(&format!("k{i:02}"), (0.0, 1.0), (Some(100.0 - i as f64), Some(100.0 + i as f64))))
            .collect();
        let t = Tornado::new(&sensitivity(rows));
        assert_eq!((t.bars.len(), t.hidden), (MAX_BARS, 5));
        assert_eq!(t.bars[0].key, "k24");
        assert_eq!(t.bars[MAX_BARS - 1].key, "k05");
    }

    #[test]
    fn without_a_base_the_bars_split_in_the_middle() {
        let mut s = sensitivity(vec![row("k", (1.0, 2.0), (Some(80.0), Some(120.0)))]);
        s.base_output = None;
        assert_eq!(Tornado::new(&s).pivot(), 100.0);
    }

    #[test]
    fn long_keys_are_shortened_from_the_left() {
        let fits = |s: &str| Ok::<bool, ()>(s.chars().count() <= 12);
        assert_eq!(elide_left("paid.churn", fits), Ok("paid.churn".into()));
        assert_eq!(elide_left("acquisition.organic.growth", fits), Ok("…anic.growth".into()));
    }
}
