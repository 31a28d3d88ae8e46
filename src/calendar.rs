//! Calendar months: a scenario's `scenario.start` and the date of each
//! month of the horizon.
//!
//! Month `m` of the horizon (1-based) is the calendar month `start + (m - 1)`;
//! month 0, the opening state, is the month before the start (its end is the
//! moment the simulation starts from).

use std::fmt;

/// A calendar month, January 1900 to December 9999 (the range Excel's dates
/// cover).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonth {
    year: u16,
    /// 1 to 12.
    month: u8,
}

/// The first and last years accepted.
pub const FIRST_YEAR: u16 = 1900;
pub const LAST_YEAR: u16 = 9999;

impl YearMonth {
    /// `year`-`month`, if `month` is 1 to 12 and the year in range.
    pub fn new(year: u16, month: u8) -> Option<YearMonth> {
        ((1..=12).contains(&month) && (FIRST_YEAR..=LAST_YEAR).contains(&year)).then_some(YearMonth { year, month })
    }

    /// Parses `YYYY-MM` (four digits, a hyphen, two digits).
    pub fn parse(text: &str) -> Option<YearMonth> {
        let b = text.as_bytes();
        if b.len() != 7 || b[4] != b'-' || !b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
            return None;
        }
        YearMonth::new(text[..4].parse().ok()?, text[5..].parse().ok()?)
    }

    pub fn year(self) -> u16 {
        self.year
    }

    /// 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// This month moved by `months` (negative: earlier), if still in range.
    pub fn plus(self, months: i64) -> Option<YearMonth> {
        let index = self.year as i64 * 12 + (self.month as i64 - 1) + months;
        let year = u16::try_from(index.div_euclid(12)).ok()?;
        YearMonth::new(year, (index.rem_euclid(12) + 1) as u8)
    }

    /// The calendar month of horizon month `m` (0 = the opening state, the
    /// month before `self`, the start).
    pub fn of_horizon_month(self, m: u32) -> Option<YearMonth> {
        self.plus(m as i64 - 1)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_only_yyyy_mm() {
        assert_eq!(YearMonth::parse("2027-01"), YearMonth::new(2027, 1));
        assert_eq!(YearMonth::parse("1999-12").map(|d| d.to_string()).as_deref(), Some("1999-12"));
        for bad in
            ["2027-1", "2027-13", "2027-00", "27-01", "2027/01", "2027-01-01", "", "1899-12", "+027-01", "２０２７-01"]
        {
            assert_eq!(YearMonth::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn months_roll_over_year_ends() {
        let start = YearMonth::parse("2027-11").unwrap();
        let dates: Vec<String> = (0..5).map(|m| start.of_horizon_month(m).unwrap().to_string()).collect();
        assert_eq!(dates, ["2027-10", "2027-11", "2027-12", "2028-01", "2028-02"]);
        let jan = YearMonth::parse("2027-01").unwrap();
        assert_eq!(jan.of_horizon_month(0).unwrap().to_string(), "2026-12");
        assert_eq!(jan.plus(-13).unwrap().to_string(), "2025-12");
        assert_eq!(jan.plus(24).unwrap().to_string(), "2029-01");
        assert_eq!(YearMonth::parse("9999-12").unwrap().plus(1), None);
        assert_eq!(YearMonth::parse("1900-01").unwrap().plus(-1), None);
    }
}
