//! What every chart shares: the embedded font, the palette, text styles, the
//! title and legend blocks, tick labels, and drawing one chart into PNG and
//! SVG bytes.
//!
//! Text is drawn with DejaVu Sans compiled into the binary and registered
//! with plotters' `ab_glyph` font table, so charts render the same on a
//! machine with no system fonts (plotters' default `ttf` feature asks
//! fontconfig for fonts and fails there). PNGs are drawn by [`Raster`],
//! which rasterises the glyphs itself; the SVG backend writes
//! `<text font-family="sans-serif">` and uses the embedded font only to
//! measure text, so an SVG viewer draws it with its own sans-serif.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

use super::raster::{Faces, Raster};
use crate::format;
use crate::metrics::Unit;

/// Width and height of every chart, in pixels (PNG) and user units (SVG).
pub const SIZE: (u32, u32) = (1200, 675);

/// The font family every text style names; the embedded font is registered
/// under it.
const FAMILY: &str = "sans-serif";
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// The embedded faces, parsed and registered with plotters (which measures
/// text with them) once per process.
fn faces() -> &'static Faces {
    static FACES: OnceLock<Faces> = OnceLock::new();
    FACES.get_or_init(|| {
        for (style, bytes) in [(FontStyle::Normal, REGULAR), (FontStyle::Bold, BOLD)] {
            if register_font(FAMILY, style, bytes).is_err() {
                panic!("the embedded DejaVu Sans ({}) does not parse", style.as_str());
            }
        }
        Faces::parse(REGULAR, BOLD).expect("the embedded DejaVu Sans parses")
    })
}

/// The result of drawing on backend `DB`.
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A chart: data ready to draw, drawn the same way on any backend.
pub trait Chart {
    /// File stem under `charts/` (`mrr_fan` -> `charts/mrr_fan.png`).
    fn name(&self) -> String;
    /// The title drawn on the chart and used in the report.
    fn title(&self) -> String;
    /// One or two sentences for a reader of the report: what the chart shows
    /// and how to read it.
    fn caption(&self) -> String;
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Drawing into memory with an embedded font does not fail; an error here is
/// a bug in a chart.
const DRAW_FAILED: &str = "drawing a chart into memory cannot fail";

/// The chart as an SVG document.
pub fn svg(chart: &impl Chart) -> String {
    faces();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        chart.draw(&root).expect(DRAW_FAILED);
        root.present().expect(DRAW_FAILED);
    }
    out
}

/// The chart as a PNG image (8-bit RGB).
pub fn png(chart: &impl Chart) -> Vec<u8> {
    let faces = faces();
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = Raster::new(&mut rgb, SIZE, faces).into_drawing_area();
        chart.draw(&root).expect(DRAW_FAILED);
        root.present().expect(DRAW_FAILED);
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("PNG encoding into memory cannot fail");
    writer.write_image_data(&rgb).expect("PNG encoding into memory cannot fail");
    writer.finish().expect("PNG encoding into memory cannot fail");
    out
}

/// The Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008): eight
/// colours that stay distinct for the common forms of colour blindness.
pub mod palette {
    use plotters::style::RGBColor;

    pub const BLACK: RGBColor = RGBColor(0, 0, 0);
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    pub const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    pub const YELLOW: RGBColor = RGBColor(240, 228, 66);
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
    /// Not Okabe-Ito: for "other" layers and secondary marks.
    pub const GREY: RGBColor = RGBColor(153, 153, 153);
    /// Text and axes.
    pub const INK: RGBColor = RGBColor(34, 34, 34);
    /// Subtitles and notes.
    pub const MUTED: RGBColor = RGBColor(90, 90, 90);
    /// Grid lines.
    pub const GRID: RGBColor = RGBColor(225, 225, 225);
}

use palette::{INK, MUTED};

/// Viridis (matplotlib's default colour map: perceptually uniform, readable
/// in grey and by colour-blind readers), sampled at 0, 0.1, ..., 1.
const VIRIDIS: [(u8, u8, u8); 11] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x24, 0x75),
    (0x41, 0x44, 0x87),
    (0x35, 0x5f, 0x8d),
    (0x2a, 0x78, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x22, 0xa8, 0x84),
    (0x44, 0xbf, 0x70),
    (0x7a, 0xd1, 0x51),
    (0xbd, 0xdf, 0x26),
    (0xfd, 0xe7, 0x25),
];

/// The viridis colour at `t` in [0, 1] (clamped), linearly interpolated.
pub fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let h = t * (VIRIDIS.len() - 1) as f64;
    let i = (h.floor() as usize).min(VIRIDIS.len() - 2);
    let f = h - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + f * (y as f64 - x as f64)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Text of `size` pixels in the embedded font.
pub fn text(size: u32, color: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&color)
}

/// Bold text of `size` pixels.
pub fn bold(size: u32, color: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().style(FontStyle::Bold).color(&color)
}

/// Tick labels.
pub fn tick_style() -> TextStyle<'static> {
    text(16, INK)
}

/// Axis descriptions.
pub fn desc_style() -> TextStyle<'static> {
    text(17, INK)
}

/// Left edge of titles and legends.
pub const INSET: i32 = 24;

/// Draws the chart's title and a muted subtitle (what statistic is shown),
/// and returns the area below them.
pub fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.draw_text(title, &bold(26, INK), (INSET, 16))?;
    root.draw_text(subtitle, &text(17, MUTED), (INSET, 52))?;
    Ok(root.split_vertically(84).1)
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    /// A filled square (areas, bars, bands).
    Fill(RGBAColor),
    /// A short line.
    Line(RGBColor, u32),
    /// A short dashed line.
    Dashed(RGBColor),
    /// A line with a dot (a line series with markers).
    LineDot(RGBColor),
    /// A line across a light band of its colour (a median and its spread).
    Band(RGBColor),
    /// A filled dot (a marked point).
    Dot(RGBColor),
    /// A hollow ring (a marked point).
    Ring(RGBColor),
    /// A square drawn as a thick outline (an outlined cell).
    Outline(RGBColor),
    /// A square drawn as a dashed outline on white.
    DashedOutline(RGBColor),
}

/// Draws a legend as rows of entries under the header and returns the area
/// below it. Entries wrap to a new row rather than run off the chart.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(Mark, String)],
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    const ROW: i32 = 28;
    let style = text(16, INK).pos(Pos::new(HPos::Left, VPos::Center));
    let width = area.dim_in_pixel().0 as i32;
    let (mut x, mut y) = (INSET, ROW / 2);
    for (mark, label) in entries {
        let (tw, _) = area.estimate_text_size(label, &style)?;
        let w = 30 + tw as i32;
        if x > INSET && x + w > width - INSET {
            x = INSET;
            y += ROW;
        }
        match *mark {
            Mark::Fill(c) => {
                area.draw(&Rectangle::new([(x, y - 8), (x + 18, y + 8)], c.filled()))?;
            }
            Mark::Line(c, w) => {
                area.draw(&PathElement::new(vec![(x - 2, y), (x + 20, y)], c.stroke_width(w)))?;
            }
            Mark::Dashed(c) => {
                for s in [x - 2, x + 7, x + 16] {
                    area.draw(&PathElement::new(vec![(s, y), (s + 5, y)], c.stroke_width(2)))?;
                }
            }
            Mark::LineDot(c) => {
                area.draw(&PathElement::new(vec![(x - 2, y), (x + 20, y)], c.stroke_width(2)))?;
                area.draw(&Circle::new((x + 9, y), 4, c.filled()))?;
            }
            Mark::Band(c) => {
                area.draw(&Rectangle::new([(x - 2, y - 8), (x + 20, y + 8)], c.mix(0.2).filled()))?;
                area.draw(&PathElement::new(vec![(x - 2, y), (x + 20, y)], c.stroke_width(3)))?;
            }
            Mark::Dot(c) => {
                area.draw(&Circle::new((x + 9, y), 6, c.filled()))?;
            }
            Mark::Ring(c) => {
                area.draw(&Circle::new((x + 9, y), 7, c.stroke_width(3)))?;
            }
            Mark::Outline(c) => {
                area.draw(&Rectangle::new([(x, y - 8), (x + 18, y + 8)], c.stroke_width(3)))?;
            }
            Mark::DashedOutline(c) => {
                let corners = [(x, y - 8), (x + 18, y - 8), (x + 18, y + 8), (x, y + 8), (x, y - 8)];
                area.draw(&PathElement::new(corners.to_vec(), WHITE.stroke_width(2)))?;
                for w in corners.windows(2) {
                    let ((x0, y0), (x1, y1)) = (w[0], w[1]);
                    let (mx, my) = ((x0 + x1) / 2, (y0 + y1) / 2);
                    area.draw(&PathElement::new(vec![(x0, y0), ((x0 + mx) / 2, (y0 + my) / 2)], c.stroke_width(2)))?;
                    area.draw(&PathElement::new(vec![(mx, my), ((mx + x1) / 2, (my + y1) / 2)], c.stroke_width(2)))?;
                }
            }
        }
        area.draw_text(label, &style, (x + 26, y))?;
        x += w + 26;
    }
    Ok(area.split_vertically(y + ROW / 2 + 4).1)
}

/// A tick label for `x` in `unit`: the report's number format with trailing
/// zeros dropped (`$20.0k` -> `$20k`, `25.0%` -> `25%`).
pub fn tick(x: f64, unit: Unit) -> String {
    let x = if x == 0.0 { 0.0 } else { x }; // no "-0"
    let s = match unit {
        Unit::Ratio => format!("{x:.2}"),
        Unit::Months => format!("{x:.2}"),
        _ => format::value(x, unit),
    };
    trim_zeros(&s)
}

/// Drops trailing zeros of the first decimal fraction in `s` (and its point
/// when nothing is left): `$2.50k` -> `$2.5k`, `3.00` -> `3`.
fn trim_zeros(s: &str) -> String {
    let Some(dot) = s.find('.') else {
        return s.to_string();
    };
    let digits_end = s[dot + 1..].find(|c: char| !c.is_ascii_digit()).map_or(s.len(), |i| dot + 1 + i);
    let fraction = s[dot + 1..digits_end].trim_end_matches('0');
    let mut out = s[..dot].to_string();
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out.push_str(&s[digits_end..]);
    out
}

/// The outline of a fan's P10-P90 band, months 1, 2, ... along the P90 and
/// back along the P10 (`bands[i]` is month i + 1's `[P10, P50, P90]`), for a
/// filled polygon.
pub fn band_outline(bands: &[[f64; 3]]) -> Vec<(f64, f64)> {
    let month = |i: usize| (i + 1) as f64;
    let upper = bands.iter().enumerate().map(|(i, b)| (month(i), b[2]));
    upper.chain(bands.iter().enumerate().rev().map(|(i, b)| (month(i), b[0]))).collect()
}

/// A fan's median line: (month, P50) for months 1, 2, ...
pub fn median_line(bands: &[[f64; 3]]) -> impl Iterator<Item = (f64, f64)> + '_ {
    bands.iter().enumerate().map(|(i, b)| ((i + 1) as f64, b[1]))
}

/// `[lo, hi]` with some headroom above `hi` (and below `lo` when it is
/// negative), never empty: a chart of all zeros still gets an axis.
pub fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let span = hi - lo;
    if span <= 0.0 || !span.is_finite() {
        return (0.0, 1.0);
    }
    let lo = if lo < 0.0 { lo - 0.05 * span } else { lo };
    (lo, hi + 0.05 * span)
}

/// Round tick values from 0 to at most `max`, about `n` of them, with a step
/// of 1, 2, 2.5 or 5 times a power of ten.
pub fn nice_ticks(max: f64, n: usize) -> Vec<f64> {
    if !(max > 0.0 && max.is_finite()) || n == 0 {
        return vec![0.0];
    }
    nice_ticks_in(0.0, max, n)
}

/// Round tick values within `[lo, hi]`, about `n` of them, with a step of
/// 1, 2, 2.5 or 5 times a power of ten; `[lo]` if the range is empty.
pub fn nice_ticks_in(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) || n == 0 {
        return vec![lo];
    }
    let rough = span / n as f64;
    let power = libm::pow(10.0, libm::floor(libm::log10(rough)));
    let step = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= rough).unwrap_or(10.0 * power);
    let slack = 1e-9 * lo.abs().max(hi.abs());
    let first = ((lo - slack) / step).ceil() as i64;
    (first..)
        .map(|k| {
            let v = k as f64 * step;
            if v.abs() < 1e-9 * step { 0.0 } else { v }
        })
        .take_while(|v| *v <= hi + slack)
        .collect()
}

/// `[lo, hi]` widened by `pad` times its span on each side, for data that
/// need not start at zero (a sweep's curve, a tornado's bars). Never empty:
/// a flat series gets 5% of its value on each side, and one that is zero
/// throughout gets `[0, 1]` (no negative axis for what cannot be negative).
pub fn around(lo: f64, hi: f64, pad: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) || hi < lo {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span <= 1e-12 * lo.abs().max(hi.abs()) {
        if lo == 0.0 {
            return (0.0, 1.0);
        }
        let d = 0.05 * lo.abs();
        return (lo - d, hi + d);
    }
    (lo - pad * span, hi + pad * span)
}

/// An axis description for a figure in `unit`: `Revenue ($)`, `Free-to-paid
/// conversion (%)`, `CAC payback (months)`.
pub fn unit_desc(label: &str, unit: Unit) -> String {
    match unit {
        Unit::Money => format!("{label} ($)"),
        Unit::Share => format!("{label} (%)"),
        Unit::Count | Unit::Ratio => label.to_string(),
        Unit::Months => format!("{label} (months)"),
        Unit::Days => format!("{label} (days)"),
    }
}

/// A vertical colour bar in `area`, viridis from `lo` (at `height`, the
/// bottom) to `hi` (at 0), with about `ticks` round ticks in `unit`.
pub fn color_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (lo, hi): (f64, f64),
    unit: Unit,
    height: i32,
    ticks: usize,
) -> DrawResult<DB> {
    let (x0, x1) = (10, 34);
    let (top, bottom) = (0, height);
    let steps = 100;
    for i in 0..steps {
        let y_hi = bottom - (bottom - top) * (i + 1) / steps;
        let y_lo = bottom - (bottom - top) * i / steps;
        let color = viridis((i as f64 + 0.5) / steps as f64);
        area.draw(&Rectangle::new([(x0, y_hi), (x1, y_lo)], color.filled()))?;
    }
    area.draw(&Rectangle::new([(x0, top), (x1, bottom)], MUTED))?;
    let style = tick_style().pos(Pos::new(HPos::Left, VPos::Center));
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) {
        return Ok(());
    }
    for v in nice_ticks_in(lo, hi, ticks) {
        let y = bottom - ((bottom - top) as f64 * (v - lo) / span).round() as i32;
        area.draw(&PathElement::new(vec![(x1, y), (x1 + 5, y)], MUTED))?;
        area.draw_text(&tick(v, unit), &style, (x1 + 9, y))?;
    }
    Ok(())
}

/// How many month ticks to ask plotters for: at most one per month, at most
/// twelve.
pub fn month_labels(months: usize) -> usize {
    months.clamp(1, 12)
}

/// A month tick: whole months only (plotters may propose halves on short
/// horizons).
pub fn month_tick(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-9 && *x >= 0.5 { format!("{}", x.round() as i64) } else { String::new() }
}

/// A month tick as [`month_tick`], or, when the scenario has a start, the
/// month's date (`Nov 2027`).
pub fn date_tick(x: &f64, start: Option<crate::calendar::YearMonth>) -> String {
    const NAMES: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let Some(start) = start else { return month_tick(x) };
    if month_tick(x).is_empty() {
        return String::new();
    }
    start
        .of_horizon_month(x.round() as u32)
        .map_or_else(String::new, |d| format!("{} {}", NAMES[d.month() as usize - 1], d.year()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_ticks_name_the_month_and_its_year() {
        let start = crate::calendar::YearMonth::parse("2027-11");
        assert_eq!(date_tick(&1.0, start), "Nov 2027");
        assert_eq!(date_tick(&2.0, start), "Dec 2027");
        assert_eq!(date_tick(&3.0, start), "Jan 2028");
        assert_eq!(date_tick(&3.5, start), "");
        assert_eq!(date_tick(&3.0, None), "3");
    }

    #[test]
    fn ticks_read_like_the_report_without_trailing_zeros() {
        assert_eq!(tick(20_000.0, Unit::Money), "$20k");
        assert_eq!(tick(1_500_000.0, Unit::Money), "$1.5M");
        assert_eq!(tick(0.0, Unit::Money), "$0");
        assert_eq!(tick(-2_500.0, Unit::Money), "-$2.5k");
        assert_eq!(tick(0.25, Unit::Share), "25%");
        assert_eq!(tick(0.025, Unit::Share), "2.5%");
        assert_eq!(tick(12_500.0, Unit::Count), "12.5k");
        assert_eq!(tick(2_000.0, Unit::Count), "2000");
        assert_eq!(tick(19.5, Unit::Ratio), "19.5");
        assert_eq!(tick(3.0, Unit::Months), "3");
        assert_eq!(tick(1.35, Unit::Months), "1.35");
        assert_eq!(tick(-0.0, Unit::Count), "0");
    }

    #[test]
    fn padding_never_gives_an_empty_range() {
        assert_eq!(padded(0.0, 0.0), (0.0, 1.0));
        assert_eq!(padded(0.0, 100.0), (0.0, 105.0));
        assert_eq!(padded(-100.0, 100.0), (-110.0, 110.0));
        assert_eq!(padded(f64::NAN, f64::NAN), (0.0, 1.0));
    }

    #[test]
    fn viridis_ends_and_clamps() {
        assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(viridis(1.0), RGBColor(0xfd, 0xe7, 0x25));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }

    #[test]
    fn nice_ticks_are_round() {
        let close = |got: Vec<f64>, want: &[f64]| {
            got.len() == want.len() && got.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12)
        };
        assert!(close(nice_ticks(0.158, 4), &[0.0, 0.05, 0.1, 0.15]));
        assert!(close(nice_ticks(1.0, 4), &[0.0, 0.25, 0.5, 0.75, 1.0]));
        assert!(close(nice_ticks(37.0, 5), &[0.0, 10.0, 20.0, 30.0]));
        assert_eq!(nice_ticks(0.0, 4), [0.0]);
        assert!(close(nice_ticks_in(604_965.0, 1_210_000.0, 4), &[800_000.0, 1e6, 1.2e6]));
        assert!(close(nice_ticks_in(0.104, 0.1182, 4), &[0.105, 0.11, 0.115]));
        assert!(close(nice_ticks_in(-3.0, 7.0, 4), &[-2.5, 0.0, 2.5, 5.0]));
        assert_eq!(nice_ticks_in(5.0, 5.0, 4), [5.0]);
    }

    #[test]
    fn around_pads_without_reaching_for_zero() {
        assert_eq!(around(100.0, 200.0, 0.1), (90.0, 210.0));
        assert_eq!(around(50.0, 50.0, 0.1), (47.5, 52.5));
        assert_eq!(around(0.0, 0.0, 0.1), (0.0, 1.0));
        assert_eq!(around(f64::NAN, 1.0, 0.1), (0.0, 1.0));
    }

    #[test]
    fn axis_descriptions_carry_the_unit() {
        assert_eq!(unit_desc("Revenue", Unit::Money), "Revenue ($)");
        assert_eq!(unit_desc("Free-to-paid conversion", Unit::Share), "Free-to-paid conversion (%)");
        assert_eq!(unit_desc("LTV:CAC", Unit::Ratio), "LTV:CAC");
        assert_eq!(unit_desc("CAC payback", Unit::Months), "CAC payback (months)");
    }

    #[test]
    fn month_ticks_are_whole_months() {
        assert_eq!(month_tick(&6.0), "6");
        assert_eq!(month_tick(&6.5), "");
        assert_eq!(month_tick(&0.0), "");
    }
}
