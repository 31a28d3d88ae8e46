//! The one way a number is written in plgsim's files, and the JSON
//! document helpers every exporter shares.
//!
//! A figure is an `Option<f64>`. `None`, NaN and the infinities are
//! undefined ("undefined is null", ARCHITECTURE.md): an empty CSV cell and a
//! JSON `null`, never `NaN`. A defined figure is written in full precision:
//! in CSV as Rust's `Display` writes it (`12`, `-3.5`, `0.0001`), in JSON as
//! serde_json does (`12.0`, `-3.5`, `0.0001`).

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// A figure as a CSV cell: empty when undefined.
pub fn cell(x: Option<f64>) -> String {
    finite(x).map_or_else(String::new, |x| format!("{x}"))
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

/// A paired difference with its 95% interval, as the what-if documents
/// write it.
#[derive(Serialize)]
pub(crate) struct DifferenceDoc {
    mean: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    runs: usize,
}

impl DifferenceDoc {
    pub(crate) fn of(d: crate::whatif::Difference) -> DifferenceDoc {
        DifferenceDoc { mean: finite(Some(d.mean)), low: finite(Some(d.low)), high: finite(Some(d.high)), runs: d.runs }
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
    fn cells_are_full_precision_and_empty_when_undefined() {
        assert_eq!(cell(Some(12.0)), "12");
        assert_eq!(cell(Some(0.1 + 0.2)), "0.30000000000000004");
        assert_eq!(cell(Some(-3.5)), "-3.5");
        assert_eq!(cell(Some(-0.0)), "-0");
        assert_eq!(cell(Some(1e-7)), "0.0000001");
        assert_eq!(cell(Some(2.5e20)), "250000000000000000000");
        for undefined in [None, Some(f64::NAN), Some(f64::INFINITY), Some(f64::NEG_INFINITY)] {
            assert_eq!(cell(undefined), "", "{undefined:?}");
            assert_eq!(finite(undefined), None, "{undefined:?}");
        }
        assert_eq!(finite(Some(-1.25)), Some(-1.25));
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
        f.row([cell(Some(-12.5)), cell(Some(-1e-5)), "=SUM(A1)".into(), "-x.toml".into(), cell(None)]);
        assert_eq!(String::from_utf8(f.into_bytes()).unwrap(), "-12.5,-0.00001,'=SUM(A1),'-x.toml,\n");
    }
}
