//! `results.xlsx`: the run's results as an Excel workbook, for finance.
//!
//! Sheets, in order:
//!
//! - **Summary**: the scenario, the run's identity, the cash position, every
//!   horizon figure's P10, P50, P90 and mean (formatted as money, shares,
//!   counts, months), and native charts of MRR (and, with a starting cash,
//!   of the cash balance) with their P10-P90 band;
//! - **Monthly**: the table of `monthly_wide.csv`: a row per month (0, the
//!   opening state, to T, with its date when the scenario has a start), and
//!   for each monthly metric its P10, P50 and P90 side by side under the
//!   metric's name;
//! - **Runs**: the table of `runs.csv` (its first [`MAX_WORKBOOK_RUNS`]
//!   runs);
//! - **Inputs**: every parameter, its distribution and where its value
//!   came from (file line, `--set`, or the default);
//! - **Definitions**: each metric's formula, from `docs/metrics.md`;
//! - **Chart data**: the series the charts draw.
//!
//! Every number is the value the CSV files write, rounded the same way
//! (`number::rounded`); the cell formats only choose how it is shown.
//! Text cells are strings, never formulas. The file is deterministic: its
//! creation time is fixed ([`CREATED`]), so the same results give the same
//! bytes.

use rust_xlsxwriter::{
    Chart, ChartAxisLabelPosition, ChartFormat, ChartLegendPosition, ChartLine, ChartSolidFill, ChartType,
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::csv_file::{Cell, Table};
use super::number::rounded;
use super::run::WIDE_PERCENTILES;
use crate::calendar::YearMonth;
use crate::engine::Simulation;
use crate::metrics::{Horizon, Unit, monthly_unit};
use crate::scenario::Scenario;
use crate::stats::Stat;
use crate::summary::Summary;

/// The creation time written in the workbook's properties (instead of
/// the time of writing, so the bytes are reproducible).
pub const CREATED: (u16, u8, u8) = (2000, 1, 1);

/// The text of `docs/metrics.md`, whose tables the Definitions sheet holds.
const METRICS_MD: &str = include_str!("../../docs/metrics.md");

/// Most runs the Runs sheet holds (a workbook is built in memory, about a
/// hundred bytes a cell); `runs.csv` has every run.
pub const MAX_WORKBOOK_RUNS: usize = 50_000;

/// Excel's longest text in a cell.
const MAX_TEXT: usize = 32_767;

/// The shared cell formats.
struct Formats {
    title: Format,
    bold: Format,
    header: Format,
    /// A header over numbers.
    header_right: Format,
    /// Text after a column of numbers.
    indented: Format,
    group: Format,
    wrap: Format,
    date: Format,
}

impl Formats {
    fn new() -> Formats {
        let header = Format::new().set_bold().set_border_bottom(FormatBorder::Thin).set_background_color(0xDDEBF7);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            bold: Format::new().set_bold(),
            group: header.clone().set_align(FormatAlign::Center),
            header_right: header.clone().set_align(FormatAlign::Right),
            indented: Format::new().set_indent(1),
            header,
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            date: Format::new().set_num_format("mmm yyyy").set_align(FormatAlign::Left).set_indent(1),
        }
    }

    /// How a figure of `unit` is shown.
    fn number(unit: Unit) -> Format {
        Format::new().set_num_format(match unit {
            Unit::Money => "$#,##0.00",
            Unit::Share => "0.00%",
            Unit::Count => "#,##0",
            Unit::Ratio => "0.00",
            Unit::Months | Unit::Days => "0.0",
        })
    }
}

/// `results.xlsx`; see the module docs.
pub fn results_xlsx(scenario: &Scenario, summary: &Summary, sim: &Simulation) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    let (y, m, d) = CREATED;
    wb.set_properties(
        &DocProperties::new()
            .set_title(text(&summary.scenario))
            .set_comment("Written by plgsim")
            .set_creation_datetime(&ExcelDateTime::from_ymd(y, m, d)?),
    );
    let mut charts = vec![band_chart(summary, 0)];
    if summary.starting_cash.is_some() {
        charts.push(band_chart(summary, 1));
    }
    summary_sheet(wb.add_worksheet(), summary, &f, &charts)?;
    monthly_sheet(wb.add_worksheet(), summary, &f)?;
    runs_sheet(wb.add_worksheet(), scenario, sim, &f)?;
    inputs_sheet(wb.add_worksheet(), scenario, summary, &f)?;
    definitions_sheet(wb.add_worksheet(), &f)?;
    chart_data_sheet(wb.add_worksheet(), summary, &f)?;
    wb.save_to_buffer()
}

/// Text as a cell holds it (at most [`MAX_TEXT`] characters).
fn text(s: &str) -> String {
    s.chars().take(MAX_TEXT).collect()
}

/// Writes `x` (rounded as the CSV files round it) in `unit`'s format, or
/// leaves the cell empty when it is undefined.
fn number(ws: &mut Worksheet, row: u32, col: u16, x: Option<f64>, unit: Unit) -> Result<(), XlsxError> {
    if let Some(x) = x.filter(|x| x.is_finite()) {
        ws.write_number_with_format(row, col, rounded(x, unit), &Formats::number(unit))?;
    }
    Ok(())
}

/// Writes a sampled input (rounded as in `runs.csv`) in Excel's General
/// format, which shows its digits, or leaves the cell empty.
fn plain(ws: &mut Worksheet, row: u32, col: u16, x: Option<f64>) -> Result<(), XlsxError> {
    if let Some(x) = x.filter(|x| x.is_finite()) {
        ws.write_number(row, col, rounded(x, Unit::Ratio))?;
    }
    Ok(())
}

/// A row height that shows `text` wrapped in a column `width` characters
/// wide (spreadsheets do not all size wrapped rows when they open a file).
fn wrapped_height(texts: &[(&str, f64)]) -> f64 {
    let lines = texts.iter().map(|(t, w)| (t.chars().count() as f64 / (w * 1.1)).ceil().max(1.0)).fold(1.0, f64::max);
    15.0 * lines
}

/// The first day of a calendar month, as an Excel date.
fn excel_date(d: YearMonth) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year(), d.month(), 1)
}

fn summary_sheet(ws: &mut Worksheet, s: &Summary, f: &Formats, charts: &[Chart]) -> Result<(), XlsxError> {
    ws.set_name("Summary")?;
    ws.set_landscape().set_print_fit_to_pages(1, 0);
    ws.write_string_with_format(0, 0, text(&s.scenario), &f.title)?;
    ws.write_string(1, 0, text(&s.description))?;
    let mut identity = format!("{} runs, {} months ({} steps), seed {}", s.runs, s.months, s.time_step, s.seed);
    if let Some(start) = s.start {
        identity += &format!(", month 1 = {start}");
    }
    ws.write_string(2, 0, identity)?;
    let mut row = 3;
    if let (Some(cash), Some(p)) = (s.starting_cash, s.out_of_cash_probability) {
        ws.write_string(row, 0, "Starting cash")?;
        number(ws, row, 2, Some(cash), Unit::Money)?;
        row += 1;
        ws.write_string_with_format(
            row,
            0,
            format!("Probability of running out of cash within {} months", s.months),
            &f.bold,
        )?;
        number(ws, row, 2, Some(p), Unit::Share)?;
        row += 1;
    }
    row += 1;
    let header = ["Figure", "Metric", "P10", "P50", "P90", "Mean", "Runs defined", "Definition"];
    for (c, h) in header.iter().enumerate() {
        let numeric = (2..7).contains(&c);
        ws.write_string_with_format(row, c as u16, *h, if numeric { &f.header_right } else { &f.header })?;
    }
    ws.set_freeze_panes(row + 1, 0)?;
    for (h, st) in &s.horizon {
        row += 1;
        let u = h.unit();
        ws.write_string(row, 0, h.label())?;
        ws.write_string(row, 1, h.name())?;
        number(ws, row, 2, st.p10(), u)?;
        number(ws, row, 3, st.p50(), u)?;
        number(ws, row, 4, st.p90(), u)?;
        number(ws, row, 5, st.mean, u)?;
        ws.write_number(row, 6, st.defined_runs as f64)?;
        ws.write_string_with_format(row, 7, h.definition(), &f.indented)?;
    }
    for (c, w) in [(0, 36.0), (1, 30.0), (2, 15.0), (3, 15.0), (4, 15.0), (5, 15.0), (6, 12.0), (7, 90.0)] {
        ws.set_column_width(c, w)?;
    }
    for (i, chart) in charts.iter().enumerate() {
        // 420 pixels: 21 rows of 20, and a row between charts.
        ws.insert_chart(row + 2 + 22 * i as u32, 0, chart)?;
    }
    Ok(())
}

/// The header of a month table: `Month` and `Date` over the two header rows;
/// returns the first column after them.
fn month_header(ws: &mut Worksheet, start: Option<YearMonth>, f: &Formats) -> Result<u16, XlsxError> {
    ws.merge_range(0, 0, 1, 0, "Month", &f.header)?;
    ws.set_column_width(0, 7.0)?;
    if start.is_some() {
        ws.merge_range(0, 1, 1, 1, "Date", &f.header)?;
        ws.set_column_width(1, 10.0)?;
        Ok(2)
    } else {
        Ok(1)
    }
}

/// A month's first cells (month number and date) on `row`.
fn month_cells(
    ws: &mut Worksheet,
    row: u32,
    month: u32,
    start: Option<YearMonth>,
    f: &Formats,
) -> Result<(), XlsxError> {
    ws.write_number(row, 0, month as f64)?;
    if let Some(d) = start.and_then(|s| s.of_horizon_month(month)) {
        ws.write_datetime_with_format(row, 1, excel_date(d)?, &f.date)?;
    }
    Ok(())
}

fn monthly_sheet(ws: &mut Worksheet, s: &Summary, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name("Monthly")?;
    ws.set_landscape().set_repeat_rows(0, 1)?.set_repeat_columns(0, if s.start.is_some() { 1 } else { 0 })?;
    let first = month_header(ws, s.start, f)?;
    let width = WIDE_PERCENTILES.len() as u16;
    for (i, name) in s.monthly_names.iter().enumerate() {
        let col = first + i as u16 * width;
        ws.merge_range(0, col, 0, col + width - 1, name, &f.group)?;
        for (j, q) in WIDE_PERCENTILES.iter().enumerate() {
            ws.write_string_with_format(1, col + j as u16, format!("P{q}"), &f.header_right)?;
            ws.set_column_width(col + j as u16, 12.0)?;
        }
    }
    ws.set_freeze_panes(2, first)?;
    for month in 0..=s.months {
        let row = 2 + month;
        month_cells(ws, row, month, s.start, f)?;
        for (i, (name, st)) in s.monthly_names.iter().zip(s.month(month as usize)).enumerate() {
            let col = first + i as u16 * width;
            for (j, &q) in WIDE_PERCENTILES.iter().enumerate() {
                number(ws, row, col + j as u16, st.percentile(q), monthly_unit(name))?;
            }
        }
    }
    Ok(())
}

fn runs_sheet(ws: &mut Worksheet, scenario: &Scenario, sim: &Simulation, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name("Runs")?;
    ws.set_landscape().set_repeat_rows(0, 0)?.set_repeat_columns(0, 0)?;
    let uncertain: Vec<_> = scenario.uncertain_params().collect();
    ws.write_string_with_format(0, 0, "run", &f.header)?;
    let mut col = 1u16;
    for (_, p) in &uncertain {
        ws.write_string_with_format(0, col, &p.key, &f.header)?;
        ws.set_column_width(col, (p.key.len() as f64 + 2.0).clamp(12.0, 40.0))?;
        col += 1;
    }
    for h in Horizon::ALL {
        ws.write_string_with_format(0, col, h.name(), &f.header)?;
        ws.set_column_width(col, (h.name().len() as f64 + 2.0).clamp(12.0, 40.0))?;
        col += 1;
    }
    ws.set_freeze_panes(1, 1)?;
    let shown = sim.runs().len().min(MAX_WORKBOOK_RUNS);
    if shown < sim.runs().len() {
        // A note below the runs shown: the rest are in runs.csv.
        ws.write_string_with_format(
            1 + shown as u32 + 1,
            0,
            format!("The first {shown} of {} runs; runs.csv has every run.", sim.runs().len()),
            &f.bold,
        )?;
    }
    for (i, r) in sim.runs()[..shown].iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_number(row, 0, r.index() as f64)?;
        let mut col = 1u16;
        for (id, _) in &uncertain {
            plain(ws, row, col, Some(r.params()[id.0]))?;
            col += 1;
        }
        for &h in Horizon::ALL {
            number(ws, row, col, r.horizon(h), h.unit())?;
            col += 1;
        }
    }
    Ok(())
}

fn inputs_sheet(ws: &mut Worksheet, scenario: &Scenario, s: &Summary, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name("Inputs")?;
    ws.set_landscape().set_print_fit_to_pages(1, 0);
    let header = [
        "Parameter",
        "Distribution",
        "Varies across runs",
        "P10 sampled",
        "P50 sampled",
        "P90 sampled",
        "Where it came from",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header)?;
    }
    ws.set_freeze_panes(1, 1)?;
    for (i, p) in scenario.params().iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, &p.key)?;
        ws.write_string(row, 1, text(&p.dist.describe()))?;
        let sampled: Option<&Stat> = s.uncertain.iter().find(|(u, _)| u.key == p.key).map(|(_, st)| st);
        ws.write_string(row, 2, if sampled.is_some() { "yes" } else { "no" })?;
        if let Some(st) = sampled {
            plain(ws, row, 3, st.p10())?;
            plain(ws, row, 4, st.p50())?;
            plain(ws, row, 5, st.p90())?;
        }
        let origin = match scenario.location(&p.key) {
            Some(l) if l.origin.starts_with("--set") => text(&l.origin),
            Some(l) => text(&format!("{}, line {}", l.origin, l.line)),
            None => "default".to_string(),
        };
        ws.write_string_with_format(row, 6, origin, &f.indented)?;
    }
    for (c, w) in [(0, 56.0), (1, 34.0), (2, 18.0), (3, 13.0), (4, 13.0), (5, 13.0), (6, 40.0)] {
        ws.set_column_width(c, w)?;
    }
    Ok(())
}

/// A metric's entry in `docs/metrics.md`: its name, the table it is in
/// ("monthly" or "horizon"), its kind (flow, stock) or nothing, its formula,
/// and when it is undefined.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Definition {
    pub name: String,
    pub table: &'static str,
    pub kind: String,
    pub formula: String,
    pub undefined: String,
}

/// The metric tables of `docs/metrics.md`: rows `| `name` | ... |` under the
/// "Monthly metrics" and "Horizon metrics" headings, backquotes removed.
pub(crate) fn definitions() -> Vec<Definition> {
    let mut table = None;
    let mut out = Vec::new();
    for line in METRICS_MD.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            table = if h.starts_with("Monthly metrics") {
                Some("monthly")
            } else if h.starts_with("Horizon metrics") {
                Some("horizon")
            } else {
                None
            };
            continue;
        }
        let (Some(t), Some(row)) = (table, line.strip_prefix("| `")) else { continue };
        let cells: Vec<String> =
            row.trim_end_matches('|').split(" | ").map(|c| c.replace('`', "").trim().to_string()).collect();
        let name = cells[0].clone();
        let (kind, formula, undefined) = match (t, cells.as_slice()) {
            ("monthly", [_, kind, def]) => (kind.clone(), def.clone(), String::new()),
            ("horizon", [_, formula, undefined]) => (String::new(), formula.clone(), undefined.clone()),
            ("horizon", [_, formula]) => (String::new(), formula.clone(), String::new()),
            _ => continue,
        };
        out.push(Definition { name, table: t, kind, formula, undefined });
    }
    out
}

/// Widths of the Definitions sheet's text columns, in characters.
const FORMULA_WIDTH: f64 = 90.0;
const UNDEFINED_WIDTH: f64 = 40.0;

fn definitions_sheet(ws: &mut Worksheet, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name("Definitions")?;
    ws.set_landscape().set_print_fit_to_pages(1, 0);
    for (c, h) in ["Metric", "Table", "Kind", "Formula", "Undefined when"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header)?;
    }
    ws.set_freeze_panes(1, 1)?;
    for (i, d) in definitions().iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string_with_format(row, 0, &d.name, &f.wrap)?;
        ws.write_string_with_format(row, 1, d.table, &f.wrap)?;
        ws.write_string_with_format(row, 2, &d.kind, &f.wrap)?;
        ws.write_string_with_format(row, 3, text(&d.formula), &f.wrap)?;
        ws.write_string_with_format(row, 4, text(&d.undefined), &f.wrap)?;
        ws.set_row_height(row, wrapped_height(&[(&d.formula, FORMULA_WIDTH), (&d.undefined, UNDEFINED_WIDTH)]))?;
    }
    let notes = [
        "Monthly figures are across runs: P10, P50, P90 (Hyndman-Fan 7, as Excel's PERCENTILE.INC). Month 0 is the opening state.",
        "Numbers are rounded as in the CSV files: money to the cent, other figures to 6 significant digits (whole numbers of 6 digits or more to the unit). summary.json keeps full precision.",
    ];
    let row = 2 + definitions().len() as u32;
    for (i, n) in notes.iter().enumerate() {
        ws.write_string(row + i as u32, 0, *n)?;
    }
    for (c, w) in [(0, 34.0), (1, 9.0), (2, 7.0), (3, FORMULA_WIDTH), (4, UNDEFINED_WIDTH)] {
        ws.set_column_width(c, w)?;
    }
    Ok(())
}

/// The MRR percentiles the chart draws, and the band's height (P90 - P10),
/// which the chart stacks on P10.
fn chart_data_sheet(ws: &mut Worksheet, s: &Summary, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name("Chart data")?;
    ws.set_print_fit_to_pages(1, 0);
    let first = month_header(ws, s.start, f)?;
    ws.set_freeze_panes(2, first)?;
    for (k, (metric, label)) in CHARTED.iter().enumerate() {
        let col0 = first + 4 * k as u16;
        for (j, h) in ["P10", "P50", "P90", "P90 - P10"].iter().enumerate() {
            let c = col0 + j as u16;
            ws.write_string_with_format(1, c, *h, &f.header_right)?;
            ws.set_column_width(c, 14.0)?;
        }
        ws.merge_range(0, col0, 0, col0 + 3, label, &f.group)?;
        let column = s.monthly_names.iter().position(|n| n == metric).expect("a monthly metric");
        for month in 0..=s.months {
            let row = 2 + month;
            if k == 0 {
                month_cells(ws, row, month, s.start, f)?;
            }
            let st = &s.month(month as usize)[column];
            let money = |x: Option<f64>| x.map(|x| rounded(x, Unit::Money));
            let (p10, p90) = (money(st.p10()), money(st.p90()));
            number(ws, row, col0, p10, Unit::Money)?;
            number(ws, row, col0 + 1, st.p50(), Unit::Money)?;
            number(ws, row, col0 + 2, p90, Unit::Money)?;
            number(ws, row, col0 + 3, p90.zip(p10).map(|(h, l)| h - l), Unit::Money)?;
        }
    }
    Ok(())
}

/// The monthly metrics the Summary charts, with their titles: MRR, and the
/// cash balance (charted when the scenario has a starting cash).
const CHARTED: [(&str, &str); 2] = [("mrr", "MRR"), ("cash_balance", "Cash balance")];

/// The `k`-th metric of [`CHARTED`] by month: its P50 as a line over the
/// P10-P90 band (an area stacked on an invisible P10 area; Excel stacks
/// areas algebraically, so a negative balance draws right), dates on the
/// axis when the scenario has a start.
fn band_chart(s: &Summary, k: usize) -> Chart {
    let sheet = "Chart data";
    let label = CHARTED[k].1;
    let first: u16 = if s.start.is_some() { 2 } else { 1 };
    let col0 = first + 4 * k as u16;
    let (r0, r1) = (2u32, 2 + s.months);
    let categories = (sheet, r0, 0, r1, 0);
    let categories = if s.start.is_some() { (sheet, r0, 1, r1, 1) } else { categories };
    let mut band = Chart::new(ChartType::AreaStacked);
    band.add_series()
        .set_name("P10")
        .set_categories(categories)
        .set_values((sheet, r0, col0, r1, col0))
        .set_format(ChartFormat::new().set_no_fill().set_no_line());
    band.add_series()
        .set_name("P10 to P90 (80% of runs)")
        .set_categories(categories)
        .set_values((sheet, r0, col0 + 3, r1, col0 + 3))
        .set_format(ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(0xBDD7EE)).set_no_line());
    let mut line = Chart::new(ChartType::Line);
    line.add_series()
        .set_name("P50 (median)")
        .set_categories(categories)
        .set_values((sheet, r0, col0 + 1, r1, col0 + 1))
        .set_format(ChartFormat::new().set_line(ChartLine::new().set_color(0x1F4E79).set_width(2.25)));
    band.combine(&line);
    band.title().set_name(&format!("{label}: median and P10-P90 band, {} runs", s.runs));
    // Labels at the bottom of the plot, below a negative balance.
    band.x_axis()
        .set_name(if s.start.is_some() { "Month" } else { "Month (0 = opening)" })
        .set_label_position(ChartAxisLabelPosition::Low);
    if s.start.is_some() {
        band.x_axis().set_date_axis(true).set_num_format("mmm yyyy");
    }
    band.y_axis().set_name(label).set_num_format("$#,##0");
    band.legend().set_position(ChartLegendPosition::Bottom).delete_entries(&[0]);
    band.set_width(900).set_height(420);
    band
}

/// A what-if command's workbook: its table (the rows of its CSV file, with
/// the same rounded numbers) on one sheet, headers frozen, numbers
/// formatted by unit, under a title.
pub(crate) fn table_xlsx(sheet: &str, title: &str, table: &Table) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    let (y, m, d) = CREATED;
    wb.set_properties(
        &DocProperties::new()
            .set_title(text(title))
            .set_comment("Written by plgsim")
            .set_creation_datetime(&ExcelDateTime::from_ymd(y, m, d)?),
    );
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    ws.set_landscape().set_print_fit_to_pages(1, 0);
    ws.write_string_with_format(0, 0, text(title), &f.title)?;
    for (c, h) in table.header.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, h, &f.header)?;
        // As wide as the header and the longest text; a figure takes 15.
        let widest = table.rows.iter().filter_map(|r| r.get(c)).fold(h.chars().count(), |w, cell| {
            w.max(match cell {
                Cell::Text(s) | Cell::Written(s) => s.chars().count(),
                Cell::Figure(..) => 15,
            })
        });
        ws.set_column_width(c as u16, (widest as f64 + 2.0).clamp(8.0, 50.0))?;
    }
    ws.set_freeze_panes(3, 0)?;
    for (i, r) in table.rows.iter().enumerate() {
        let row = 3 + i as u32;
        for (c, cell) in r.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(row, c, text(s))?;
                }
                Cell::Written(s) => match s.parse::<f64>() {
                    Ok(x) if x.is_finite() => {
                        ws.write_number(row, c, x)?;
                    }
                    _ => {
                        ws.write_string(row, c, text(s))?;
                    }
                },
                Cell::Figure(x, u) => number(ws, row, c, *x, *u)?,
            }
        }
    }
    wb.save_to_buffer()
}

/// `results.xlsx` of `plgsim sweep`: the table of `sweep.csv`.
pub fn sweep_xlsx(sweep: &crate::whatif::sweep::Sweep) -> Result<Vec<u8>, XlsxError> {
    table_xlsx("Sweep", &format!("{}: sweep", sweep.scenario), &super::sweep::sweep_table(sweep))
}

/// `results.xlsx` of `plgsim compare`: the table of `compare.csv`.
pub fn compare_xlsx(cmp: &crate::whatif::compare::Comparison) -> Result<Vec<u8>, XlsxError> {
    table_xlsx("Compare", "Comparison", &super::compare::compare_table(cmp))
}

/// `results.xlsx` of `plgsim sensitivity`: the table of `sensitivity.csv`.
pub fn sensitivity_xlsx(s: &crate::whatif::sensitivity::Sensitivity) -> Result<Vec<u8>, XlsxError> {
    table_xlsx("Sensitivity", &format!("Sensitivity of {}", s.metric.name()), &super::sensitivity::sensitivity_table(s))
}
