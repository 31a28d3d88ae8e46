//! CSV files whose text cells cannot be spreadsheet formulas.
//!
//! Every CSV plgsim writes goes through [`CsvFile`]. A spreadsheet reads a
//! cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return (or
//! their full-width forms) as a formula, so a scenario named
//! `=HYPERLINK(...)` or a file named `-x.toml` would run one when the CSV is
//! opened ("CSV injection", OWASP). Such a text cell gets the usual prefix,
//! a single quote, which spreadsheets show as text. Numbers, negative ones
//! included (`-12.5`, `-1e-5`), are left as they are.

use std::borrow::Cow;

/// A CSV file built in memory, one row at a time; see the module docs.
pub struct CsvFile {
    w: csv::Writer<Vec<u8>>,
}

impl Default for CsvFile {
    fn default() -> Self {
        CsvFile::new()
    }
}

impl CsvFile {
    pub fn new() -> CsvFile {
        CsvFile { w: csv::Writer::from_writer(Vec::new()) }
    }

    /// Appends a row (the header is a row like any other).
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells.into_iter().map(|c| safe_cell(c.as_ref()).into_owned()).collect();
        self.w.write_record(&cells).expect("write to memory");
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.w.into_inner().expect("flush to memory")
    }
}

/// A cell of a what-if table, which is written both as CSV and in the
/// command's workbook.
#[derive(Debug, Clone)]
pub(crate) enum Cell {
    /// Text (a name, a key, `true`).
    Text(String),
    /// A value as the user wrote it (a swept parameter's value): text in
    /// CSV, a number in the workbook when it reads as one.
    Written(String),
    /// A figure, rounded for its unit (`number::cell`).
    Figure(Option<f64>, crate::metrics::Unit),
}

/// The columns that follow a paired difference's mean and 95% interval in
/// the what-if tables: the P10/P50/P90 of the per-run difference and the
/// probability that the variant is better, with its 95% interval.
pub(crate) const DIFFERENCE_SPREAD: [&str; 6] =
    ["diff_p10", "diff_p50", "diff_p90", "p_better", "p_better_low", "p_better_high"];

/// A figure's mean and P10/P50/P90 across runs, as the what-if tables
/// write them (`mean, p10, p50, p90`).
pub(crate) fn stat_cells(s: &crate::stats::Stat, u: crate::metrics::Unit) -> [Cell; 4] {
    [Cell::Figure(s.mean, u), Cell::Figure(s.p10(), u), Cell::Figure(s.p50(), u), Cell::Figure(s.p90(), u)]
}

/// A paired difference of `metric` as the what-if tables write it: its mean
/// and 95% interval (`diff_vs_*, diff_low, diff_high`), then the
/// [`DIFFERENCE_SPREAD`] cells.
pub(crate) fn difference_cells(d: Option<crate::whatif::Difference>, metric: crate::metrics::Horizon) -> [Cell; 9] {
    use crate::metrics::Unit;
    let u = metric.unit();
    let w = d.map(|d| d.win(metric.higher_is_better()));
    [
        Cell::Figure(d.map(|d| d.mean), u),
        Cell::Figure(d.map(|d| d.low), u),
        Cell::Figure(d.map(|d| d.high), u),
        Cell::Figure(d.map(|d| d.p10), u),
        Cell::Figure(d.map(|d| d.p50), u),
        Cell::Figure(d.map(|d| d.p90), u),
        Cell::Figure(w.map(|w| w.p), Unit::Ratio),
        Cell::Figure(w.map(|w| w.low), Unit::Ratio),
        Cell::Figure(w.map(|w| w.high), Unit::Ratio),
    ]
}

/// A what-if table: a header and rows of [`Cell`]s.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The table as CSV, through [`CsvFile`].
    pub(crate) fn csv(&self) -> Vec<u8> {
        let mut w = CsvFile::new();
        w.row(&self.header);
        for r in &self.rows {
            w.row(r.iter().map(|c| match c {
                Cell::Text(s) | Cell::Written(s) => s.clone(),
                Cell::Figure(x, u) => super::number::cell(*x, *u),
            }));
        }
        w.into_bytes()
    }
}

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 10] = ['=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}'];

/// `cell`, or `'cell` when it is text a spreadsheet would read as a formula.
pub fn safe_cell(cell: &str) -> Cow<'_, str> {
    let number = || cell.trim().parse::<f64>().is_ok_and(f64::is_finite) && cell.trim() == cell;
    if cell.starts_with(FORMULA_STARTS) && !number() { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_cannot_be_formulas() {
        for text in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+1",
            "-x.toml",
            "@SUM(A1)",
            "\tcmd",
            "\rcmd",
            "-2+3",
            "-inf",
            "\u{FF1D}1+1",
        ] {
            assert_eq!(safe_cell(text), format!("'{text}"), "{text:?}");
        }
        for same in ["-12.5", "-1e-5", "+3", "12", "0.5", "", "mrr_final", "a=b", "Tiny scenario"] {
            assert_eq!(safe_cell(same), same, "{same:?}");
        }
        let mut f = CsvFile::new();
        f.row(["scenario", "mean"]);
        f.row(["=1+1", "-3.5"]);
        assert_eq!(String::from_utf8(f.into_bytes()).unwrap(), "scenario,mean\n'=1+1,-3.5\n");
    }
}
