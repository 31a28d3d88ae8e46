//! The one way a number is written in plgsim's files, and the JSON
//! document helpers every exporter shares.
//!
//! A figure is an `Option<f64>`. `None`, NaN and the infinities are
//! undefined ("undefined is null", ARCHITECTURE.md): an empty CSV cell and a
//! JSON `null`, never `NaN`.
//!
//! In JSON a defined figure is written in full precision, as serde_json
//! does (`12.0`, `-3.5`, `0.0001`). In CSV it is rounded for people
//! (docs/metrics.md, "Rounding in CSV"): money to the cent, with two
//! decimals (`1234.50`); every other figure to [`SIGNIFICANT_DIGITS`]
//! significant digits, whole numbers of 6 digits or more to the unit
//! (`0.879`, `12.3457`, `1234568`), written as Rust's `Display` writes the
//! rounded value (no exponent, no trailing zeros). The rounding is decimal
//! and exact (Rust's formatting rounds the binary value correctly, ties to
//! even), and `-0` is written `0`.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::metrics::Unit;

/// Significant digits of a CSV figure that is not money.
pub const SIGNIFICANT_DIGITS: usize = 6;

/// A figure as a CSV cell, rounded for its unit: empty when undefined.
pub fn cell(x: Option<f64>, unit: Unit) -> String {
    match (finite(x), unit) {
        (None, _) => String::new(),
        (Some(x), Unit::Money) => cents(x),
        (Some(x), _) => significant(x),
    }
}

/// Money to the cent, two decimals.
fn cents(x: f64) -> String {
    let s = format!("{x:.2}");
    if s == "-0.00" { "0.00".into() } else { s }
}

/// [`SIGNIFICANT_DIGITS`] significant digits; a number of that many digits
/// or more before the point is rounded to the unit.
fn significant(x: f64) -> String {
    let rounded: f64 = if x.abs() >= 1e5 {
        x.round_ties_even()
    } else {
        format!("{x:.*e}", SIGNIFICANT_DIGITS - 1).parse().expect("a formatted number parses")
    };
    if rounded == 0.0 { "0".into() } else { format!("{rounded}") }
}

/// The rounded value [`cell`] writes, as a number (for the workbook, whose
/// cells must equal the CSV's).
pub fn rounded(x: f64, unit: Unit) -> f64 {
    cell(Some(x), unit).parse().unwrap_or(x)
}

/// A figure for a JSON document: `None` (`null`) when undefined.
pub fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|x| x.is_finite())
}

/// A JSON object whose keys are data (metric names, key paths), in the
/// order given. A key given twice keeps its first place and its last value,
/// as serde_json's ordered `Map` does.
pub(crate) struct Keyed<T>(Vec<(String, T)>);

impl<T> FromIterator<(String, T)> for Keyed<T> {
    fn from_iter<I: IntoIterator<Item = (String, T)>>(iter: I) -> Self {
        let mut entries: Vec<(String, T)> = Vec::new();
        for (key, value) in iter {
            match entries.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
        }
        Keyed(entries)
    }
}

impl<T: Serialize> Serialize for Keyed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// A JSON document's bytes: pretty-printed (two-space indent), with a
/// final newline.
pub(crate) fn json_bytes<T: Serialize>(doc: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(doc).expect("JSON of plain values");
    out.push(b'\n');
    out
}

/// A paired difference as the what-if documents write it: the mean with its
/// 95% interval, the P10/P50/P90 of the per-run difference, and the
/// probability that the variant is better with its 95% (Wilson) interval.
#[derive(Serialize)]
pub(crate) struct DifferenceDoc {
    mean: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    runs: usize,
    p10: Option<f64>,
    p50: Option<f64>,
    p90: Option<f64>,
    p_better: f64,
    p_better_low: f64,
    p_better_high: f64,
    ties: f64,
}

impl DifferenceDoc {
    pub(crate) fn of(d: crate::whatif::Difference, higher_is_better: bool) -> DifferenceDoc {
        let w = d.win(higher_is_better);
        DifferenceDoc {
            mean: finite(Some(d.mean)),
            low: finite(Some(d.low)),
            high: finite(Some(d.high)),
            runs: d.runs,
            p10: finite(Some(d.p10)),
            p50: finite(Some(d.p50)),
            p90: finite(Some(d.p90)),
            p_better: w.p,
            p_better_low: w.low,
            p_better_high: w.high,
            ties: w.ties,
        }
    }
}

/// A figure across runs as the what-if documents write it: mean, P10, P50,
/// P90 and the runs where it is defined.
#[derive(Serialize)]
pub(crate) struct StatDoc {
    mean: Option<f64>,
    p10: Option<f64>,
    p50: Option<f64>,
    p90: Option<f64>,
    defined_runs: usize,
}

impl StatDoc {
    pub(crate) fn of(s: &crate::stats::Stat) -> StatDoc {
        StatDoc {
            mean: finite(s.mean),
            p10: finite(s.p10()),
            p50: finite(s.p50()),
            p90: finite(s.p90()),
            defined_runs: s.defined_runs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_rounded_for_their_unit_and_empty_when_undefined() {
        let r = Unit::Ratio;
        assert_eq!(cell(Some(12.0), r), "12");
        assert_eq!(cell(Some(0.1 + 0.2), r), "0.3");
        assert_eq!(cell(Some(0.8789999999999987), Unit::Share), "0.879");
        assert_eq!(cell(Some(12.345678), r), "12.3457");
        assert_eq!(cell(Some(-3.5), r), "-3.5");
        assert_eq!(cell(Some(-0.0), r), "0");
        assert_eq!(cell(Some(1e-7), r), "0.0000001");
        assert_eq!(cell(Some(1.234567e-7), Unit::Count), "0.000000123457");
        assert_eq!(cell(Some(99999.96), Unit::Count), "100000");
        assert_eq!(cell(Some(99999.95), Unit::Count), "99999.9", "99999.95 is 99999.94999... in binary");
        assert_eq!(cell(Some(123456.5), Unit::Count), "123456", "whole numbers keep every digit, ties to even");
        assert_eq!(cell(Some(12345678.4), Unit::Count), "12345678");
        assert_eq!(cell(Some(2.5e20), r), "250000000000000000000");
        assert_eq!(cell(Some(1234.5), Unit::Money), "1234.50");
        assert_eq!(cell(Some(0.005000001), Unit::Money), "0.01");
        assert_eq!(cell(Some(-0.001), Unit::Money), "0.00");
        assert_eq!(cell(Some(-12.345), Unit::Money), "-12.35");
        assert_eq!(cell(Some(1e12 / 3.0), Unit::Money), "333333333333.33");
        for undefined in [None, Some(f64::NAN), Some(f64::INFINITY), Some(f64::NEG_INFINITY)] {
            assert_eq!(cell(undefined, r), "", "{undefined:?}");
            assert_eq!(cell(undefined, Unit::Money), "", "{undefined:?}");
            assert_eq!(finite(undefined), None, "{undefined:?}");
        }
        assert_eq!(finite(Some(-1.25)), Some(-1.25));
        assert_eq!(rounded(0.1 + 0.2, r), 0.3);
        assert_eq!(rounded(1234.567, Unit::Money), 1234.57);
    }

    #[test]
    fn json_numbers_are_full_precision_and_null_when_undefined() {
        let doc: Keyed<Option<f64>> = [
            ("whole".to_string(), finite(Some(12.0))),
            ("negative".into(), finite(Some(-3.5))),
            ("small".into(), finite(Some(1e-7))),
            ("sum".into(), finite(Some(0.1 + 0.2))),
            ("nan".into(), finite(Some(f64::NAN))),
            ("none".into(), None),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            String::from_utf8(json_bytes(&doc)).unwrap(),
            "{\n  \"whole\": 12.0,\n  \"negative\": -3.5,\n  \"small\": 1e-7,\n  \"sum\": 0.30000000000000004,\n  \
             \"nan\": null,\n  \"none\": null\n}\n"
        );
    }

    /// Keys keep their first place; a repeated key (a metric asked for
    /// twice) is written once, with its last value.
    #[test]
    fn keyed_objects_keep_order_and_write_a_key_once() {
        let doc: Keyed<u32> = [("b".to_string(), 1), ("a".into(), 2), ("b".into(), 3)].into_iter().collect();
        assert_eq!(serde_json::to_string(&doc).unwrap(), r#"{"b":3,"a":2}"#);
        let empty: Keyed<u32> = std::iter::empty().collect();
        assert_eq!(String::from_utf8(json_bytes(&empty)).unwrap(), "{}\n");
    }

    /// Numbers and text that look like formulas go through the one CSV
    /// writer: negative numbers stay numbers, formula-like text is quoted.
    #[test]
    fn negative_numbers_stay_numbers_and_formulas_become_text() {
        let mut f = crate::output::CsvFile::new();
        let r = Unit::Ratio;
        f.row([cell(Some(-12.5), r), cell(Some(-1e-5), r), "=SUM(A1)".into(), "-x.toml".into(), cell(None, r)]);
        assert_eq!(String::from_utf8(f.into_bytes()).unwrap(), "-12.5,-0.00001,'=SUM(A1),'-x.toml,\n");
    }
}
