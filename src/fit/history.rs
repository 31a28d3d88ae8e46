//! `history.csv`: a company's observed months, as a user exports them from
//! a spreadsheet. One row per month: a `month` column (1, 2, ...: month 1 is
//! the first month after the state the scenario's `[initial]` describes) or
//! a `date` column (`YYYY-MM`; month 1 is `scenario.start`, or the first
//! row's month when the scenario has no start), then one column per
//! observed metric, named as in `monthly.csv` (`signups_organic`,
//! `activated`, `paid_accounts`, `mrr`, `conversions`, `churned_paid`, ...).
//! Any subset of metrics; an empty cell is a missing value.
//!
//! Everything that is wrong is reported at once, each with the file, line
//! and column and what was expected; a history that passes fits the
//! scenario: every metric is one it produces, the months are consecutive
//! from 1 and within its horizon.

use std::fmt;

use crate::calendar::YearMonth;
use crate::metrics::Monthly;
use crate::scenario::Scenario;

/// A checked history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The observed columns, in file order: names of `monthly.csv`.
    pub metrics: Vec<String>,
    /// Months observed: 1 to `months`, consecutive.
    pub months: u32,
    /// `[metric][month - 1]`; `None` where the cell is empty.
    pub values: Vec<Vec<Option<f64>>>,
}

impl History {
    /// The observed (month, value) pairs of metric `i`.
    pub fn observed(&self, i: usize) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.values[i].iter().enumerate().filter_map(|(m, v)| Some((m as u32 + 1, (*v)?)))
    }

    /// The first `months` months (all of them when there are fewer).
    pub fn first(&self, months: u32) -> History {
        let months = months.min(self.months);
        History {
            metrics: self.metrics.clone(),
            months,
            values: self.values.iter().map(|v| v[..months as usize].to_vec()).collect(),
        }
    }
}

/// One problem with a history file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    /// 1-based; 0 when the problem is with the file as a whole.
    pub line: usize,
    /// 1-based character column; 0 for a whole line.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "error: {}: {}", self.file, self.message),
            (l, 0) => write!(f, "error: {}:{l}: {}", self.file, self.message),
            (l, c) => write!(f, "error: {}:{l}:{c}: {}", self.file, self.message),
        }
    }
}

/// Every problem of a history file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct HistoryError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Monthly metrics that may be below zero; every other one is a count or
/// an amount of 0 or more.
const MAY_BE_NEGATIVE: &[Monthly] =
    &[Monthly::NetNewMrr, Monthly::GrossProfit, Monthly::CashFlow, Monthly::CashBalance];

/// Why `scenario` cannot produce the monthly column `name` (a metric of a
/// mechanic it does not have), if it cannot.
fn cannot_produce(scenario: &Scenario, name: &str) -> Option<&'static str> {
    use Monthly::*;
    let m = Monthly::from_name(name)?;
    let model = &scenario.model;
    match m {
        Trial | TrialStarts | TrialConversions if model.trial.is_none() => Some("the scenario has no [trial]"),
        Pqls if model.pql.is_none() => Some("the scenario has no [pql] signals"),
        SalesContacts | SalesConversions if model.sales.is_none() => Some("the scenario has no [sales] team"),
        Blocked | LimitHits if model.free.usage_limit.is_none() && model.free.seat_limit.is_none() => {
            Some("the scenario's free plan has no limit (free.usage_limit or free.seat_limit)")
        }
        _ => None,
    }
}

/// Reads and checks `text`, the contents of `file`, against `scenario`.
pub fn parse(file: &str, text: &str, scenario: &Scenario) -> Result<History, HistoryError> {
    let mut problems = Vec::new();
    let at = |line: usize, column: usize, message: String| Problem { file: file.to_string(), line, column, message };
    // A spreadsheet's UTF-8 export may begin with a byte-order mark.
    let lines: Vec<&str> = text.strip_prefix('\u{feff}').unwrap_or(text).lines().collect();
    let Some(header_line) = lines.iter().position(|l| !l.trim().is_empty()) else {
        return Err(HistoryError {
            problems: vec![at(
                0,
                0,
                "the file is empty: expected a header row (month or date, then metric names) and a row per month"
                    .into(),
            )],
        });
    };
    let header = fields(lines[header_line]);
    let valid = crate::metrics::monthly_names(&scenario.channel_names().map(String::from).collect::<Vec<_>>());
    let first = header[0].1.trim();
    let by_date = match first {
        "month" => false,
        "date" => true,
        other => {
            problems.push(at(
                header_line + 1,
                header[0].0,
                format!("the first column must be `month` (1, 2, ...) or `date` (YYYY-MM), got `{other}`"),
            ));
            return Err(HistoryError { problems });
        }
    };
    let mut metrics: Vec<String> = Vec::new();
    for (col, name) in &header[1..] {
        let (col, name) = (*col, name.trim());
        if name.is_empty() {
            problems.push(at(header_line + 1, col, "a column has no name".into()));
        } else if !valid.iter().any(|v| v == name) {
            problems.push(at(
                header_line + 1,
                col,
                format!("unknown metric `{name}`, expected one of the names of monthly.csv: {}", valid.join(", ")),
            ));
        } else if metrics.iter().any(|m| m == name) {
            problems.push(at(header_line + 1, col, format!("`{name}` is a column twice")));
        } else if let Some(why) = cannot_produce(scenario, name) {
            problems.push(at(header_line + 1, col, format!("`{name}` cannot be compared with this scenario: {why}")));
        }
        metrics.push(name.to_string());
    }
    if header.len() < 2 {
        problems.push(at(
            header_line + 1,
            0,
            "no metric columns: expected `month` or `date`, then one column per observed metric".into(),
        ));
    }

    // Rows: (line, month, cells).
    let mut rows: Vec<(usize, u32, Vec<Option<f64>>)> = Vec::new();
    let mut first_date: Option<YearMonth> = None;
    for (i, raw) in lines.iter().enumerate().skip(header_line + 1) {
        if raw.trim().is_empty() {
            continue;
        }
        let line = i + 1;
        let cells = fields(raw);
        if cells.len() != header.len() {
            problems.push(at(line, 0, format!("{} cells, but the header has {} columns", cells.len(), header.len())));
            continue;
        }
        let (col, key) = (cells[0].0, cells[0].1.trim().to_string());
        let key = key.as_str();
        let month = if by_date {
            match YearMonth::parse(key) {
                None => {
                    problems.push(at(line, col, format!("`{key}` is not a date YYYY-MM")));
                    continue;
                }
                Some(d) => {
                    let origin = *scenario.start().as_ref().or(first_date.as_ref()).unwrap_or(&d);
                    first_date.get_or_insert(d);
                    let m = (d.year() as i64 * 12 + d.month() as i64)
                        - (origin.year() as i64 * 12 + origin.month() as i64)
                        + 1;
                    if m < 1 {
                        let before =
                            if scenario.start().is_some() { "scenario.start" } else { "the first row's month" };
                        problems.push(at(line, col, format!("{key} is before {before} ({origin})")));
                        continue;
                    }
                    m as u32
                }
            }
        } else {
            match key.parse::<u32>() {
                Ok(m) if m >= 1 => m,
                _ => {
                    problems.push(at(line, col, format!("`{key}` is not a month number (1, 2, ...)")));
                    continue;
                }
            }
        };
        let mut values = Vec::with_capacity(metrics.len());
        for ((col, cell), name) in cells[1..].iter().zip(&metrics) {
            let (col, cell) = (*col, cell.trim());
            if cell.is_empty() {
                values.push(None);
                continue;
            }
            match cell.replace('_', "").parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    let negative_ok = Monthly::from_name(name).is_some_and(|m| MAY_BE_NEGATIVE.contains(&m));
                    if x < 0.0 && !negative_ok {
                        problems.push(at(
                            line,
                            col,
                            format!("{name}: {cell} is below zero; a count or an amount is 0 or more"),
                        ));
                    }
                    values.push(Some(x));
                }
                _ => {
                    problems.push(at(
                        line,
                        col,
                        format!("{name}: `{cell}` is not a number (leave the cell empty for a missing value)"),
                    ));
                    values.push(None);
                }
            }
        }
        rows.push((line, month, values));
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(at(0, 0, "no months: expected a row per observed month after the header".into()));
    }
    // Months: each once, consecutive from 1, within the horizon.
    let mut seen: Vec<Option<usize>> = Vec::new();
    for (line, month, _) in &rows {
        let m = *month as usize;
        if seen.len() < m {
            seen.resize(m, None);
        }
        match seen[m - 1] {
            Some(earlier) => {
                problems.push(at(*line, 1, format!("month {month} is given twice (first on line {earlier})")))
            }
            None => seen[m - 1] = Some(*line),
        }
    }
    if let Some(missing) = seen.iter().position(Option::is_none) {
        problems.push(at(0, 0, format!("month {} is missing: the months must run from 1 without a gap (an unobserved month is a row of empty cells)", missing + 1)));
    }
    let months = seen.len() as u32;
    if months > scenario.months() {
        let line = rows.iter().find(|r| r.1 > scenario.months()).map_or(0, |r| r.0);
        problems.push(at(
            line,
            1,
            format!(
                "{months} months of history, more than the scenario's horizon (scenario.months = {})",
                scenario.months()
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(HistoryError { problems });
    }
    let mut values = vec![vec![None; months as usize]; metrics.len()];
    for (_, month, cells) in rows {
        for (i, v) in cells.into_iter().enumerate() {
            values[i][month as usize - 1] = v;
        }
    }
    Ok(History { metrics, months, values })
}

/// The fields of a CSV line with the 1-based character column each starts
/// at; a field in double quotes is unquoted (`""` is a quote).
fn fields(line: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut field = String::new();
    let (mut start, mut quoted, mut column) = (1usize, false, 0usize);
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
                column += 1;
            }
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push((start, std::mem::take(&mut field)));
                start = column + 1;
            }
            _ => field.push(c),
        }
    }
    out.push((start, field));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(extra: &str) -> Scenario {
        let text = format!(
            "[scenario]\nmonths = 6\nstart = \"2025-01\"\n[acquisition.organic]\nsignups_per_month = 100\n[[plans]]\nname = \"pro\"\nprice_per_month = 10\n{extra}"
        );
        Scenario::from_str("s.toml", &text, &[]).unwrap()
    }

    fn errors(text: &str, s: &Scenario) -> Vec<String> {
        parse("h.csv", text, s).unwrap_err().problems.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn reads_months_dates_and_missing_cells() {
        let s = scenario("");
        let h = parse("h.csv", "month,signups_total,mrr\n1,100,\n2,\"1_10\",250.5\n3,,300\n", &s).unwrap();
        assert_eq!((h.months, h.metrics.clone()), (3, vec!["signups_total".to_string(), "mrr".to_string()]));
        assert_eq!(h.values[0], [Some(100.0), Some(110.0), None]);
        assert_eq!(h.observed(1).collect::<Vec<_>>(), [(2, 250.5), (3, 300.0)]);
        // Dates count from scenario.start, in any row order.
        let d = parse("h.csv", "\u{feff}date,mrr\r\n2025-02,20\r\n2025-01,10\r\n", &s).unwrap();
        assert_eq!((d.months, &d.values[0][..]), (2, &[Some(10.0), Some(20.0)][..]));
    }

    #[test]
    fn every_problem_is_named_with_its_line_and_column() {
        let s = scenario("");
        assert_eq!(
            errors("", &s)[0],
            "error: h.csv: the file is empty: expected a header row (month or date, then metric names) and a row per month"
        );
        assert_eq!(
            errors("week,mrr\n1,2\n", &s)[0],
            "error: h.csv:1:1: the first column must be `month` (1, 2, ...) or `date` (YYYY-MM), got `week`"
        );
        let e = errors("month,mrr,sigups\n1,2,3\n", &s);
        assert!(
            e[0].starts_with(
                "error: h.csv:1:11: unknown metric `sigups`, expected one of the names of monthly.csv: signups_total, "
            ),
            "{e:?}"
        );
        assert_eq!(
            errors("month,trial_starts\n1,2\n", &s),
            ["error: h.csv:1:7: `trial_starts` cannot be compared with this scenario: the scenario has no [trial]"]
        );
        assert_eq!(
            errors("month,mrr,paid_accounts\n1,ten,-3\n2,1,2\n2,1,2\n4,1,1\n", &s),
            [
                "error: h.csv:2:3: mrr: `ten` is not a number (leave the cell empty for a missing value)",
                "error: h.csv:2:7: paid_accounts: -3 is below zero; a count or an amount is 0 or more",
                "error: h.csv:4:1: month 2 is given twice (first on line 3)",
                "error: h.csv: month 3 is missing: the months must run from 1 without a gap (an unobserved month is a row of empty cells)",
            ]
        );
        assert_eq!(
            errors("month,mrr\n1,1\n2,1\n3,1\n4,1\n5,1\n6,1\n7,1\n", &s),
            ["error: h.csv:8:1: 7 months of history, more than the scenario's horizon (scenario.months = 6)"]
        );
        assert_eq!(
            errors("month,mrr\n", &s),
            ["error: h.csv: no months: expected a row per observed month after the header"]
        );
        assert_eq!(errors("month,mrr\n1,2,3\n", &s), ["error: h.csv:2: 3 cells, but the header has 2 columns"]);
        assert_eq!(
            errors("date,mrr\n2024-12,1\n", &s),
            ["error: h.csv:2:1: 2024-12 is before scenario.start (2025-01)"]
        );
        assert_eq!(errors("month,mrr,mrr\n1,1,1\n", &s), ["error: h.csv:1:11: `mrr` is a column twice"]);
        // A cash balance may be below zero.
        assert!(parse("h.csv", "month,cash_balance\n1,-5000\n", &s).is_ok());
    }
}
