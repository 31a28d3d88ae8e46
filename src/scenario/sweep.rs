//! The `[sweep]` section of a scenario and the grid's axes: `KEY=VALUES`
//! as `plgsim sweep --param` takes it, and `values = "1..20"` or
//! `values = [9, 12, 15]` as the file writes it. `whatif::sweep` runs the
//! grid; the format owns its own section types.

use serde::Deserialize;

/// One swept key and its values: numbers, or words for a key whose value
/// is a choice (`trial.start=signup,activation`).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: String,
    /// The numbers swept; for an axis of words, their places 0, 1, 2, ...
    /// (a grid point's coordinate is then the place of its word).
    pub values: Vec<f64>,
    /// The words of an axis of words, in the order given; empty for numbers.
    pub words: Vec<String>,
}

/// Most points on one axis, and in a whole grid.
pub const MAX_AXIS_POINTS: usize = 200;
pub const MAX_GRID_POINTS: usize = 2_000;

/// Why a list or range of swept values cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ValuesError {
    #[error("`{0}` is not a number")]
    NotANumber(String),
    #[error("`{0}` is not a number of points")]
    NotACount(String),
    #[error("the range {low}..{high} goes down")]
    Descending { low: f64, high: f64 },
    #[error("a range needs at least 2 points")]
    TooFewPoints,
    #[error("{low}..{high} has more than {MAX_AXIS_POINTS} points")]
    RangeTooLong { low: f64, high: f64 },
    #[error("give the number of points of {low}..{high}, e.g. {low}..{high}:7")]
    MissingCount { low: f64, high: f64 },
    #[error("no values")]
    Empty,
    #[error("more than {MAX_AXIS_POINTS} values")]
    TooMany,
    #[error("every value must be a finite number")]
    NotFinite,
    #[error("`{0}` is given twice")]
    Repeated(String),
    #[error("a value is empty")]
    EmptyValue,
}

/// Why an axis (`KEY=VALUES`, or a `[sweep]` entry) cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AxisError {
    #[error("`{0}` is not KEY=VALUES (e.g. free.usage_limit=1..20 or plans.pro.price_per_month=9,12,15)")]
    NotKeyValues(String),
    /// In `--param KEY=VALUES`.
    #[error("{key}: {error}")]
    Values { key: String, error: ValuesError },
    /// In the scenario's `[sweep]` section.
    #[error("sweep.params `{key}`: {error}")]
    Section { key: String, error: ValuesError },
}

impl Axis {
    /// An axis of numbers.
    pub fn numbers(key: &str, values: Vec<f64>) -> Axis {
        Axis { key: key.to_string(), values, words: Vec::new() }
    }

    /// An axis of words (not empty, none twice).
    pub fn words(key: &str, words: Vec<String>) -> Result<Axis, ValuesError> {
        check_words(&words)?;
        Ok(Axis { key: key.to_string(), values: (0..words.len()).map(|i| i as f64).collect(), words })
    }

    /// Parses `KEY=VALUES`, where VALUES is a list (`1,3,5`), an integer
    /// range (`1..20`, both ends included), `low..high:n` (n evenly spaced
    /// points, both ends included) or a list of words (`signup,activation`)
    /// for a key whose value is a choice.
    pub fn parse(arg: &str) -> Result<Axis, AxisError> {
        let (key, values) = arg.split_once('=').ok_or_else(|| AxisError::NotKeyValues(arg.to_string()))?;
        let key = key.trim();
        let values = values.trim();
        let error = |error| AxisError::Values { key: key.to_string(), error };
        match parse_values(values) {
            Ok(values) => Ok(Axis::numbers(key, values)),
            Err(e) => match word_list(values) {
                Some(words) => Axis::words(key, words).map_err(error),
                None => Err(error(e)),
            },
        }
    }

    /// Whether the axis sweeps words.
    pub fn is_words(&self) -> bool {
        !self.words.is_empty()
    }

    /// The value at coordinate `v` as an override (`--set KEY=...`) takes
    /// it: the word, or the number exactly (`5`, not `5.0`, for integer
    /// keys: the shortest text that reads back as the same `f64`).
    pub fn override_text(&self, v: f64) -> String {
        match self.word(v) {
            Some(w) => w.to_string(),
            None => super::param::fmt_num(v),
        }
    }

    /// The value at coordinate `v` as people read it: the word, or the
    /// number as written ([`format::as_written`](crate::format::as_written)).
    pub fn label(&self, v: f64) -> String {
        match self.word(v) {
            Some(w) => w.to_string(),
            None => crate::format::as_written(v),
        }
    }

    /// The values as `--param` takes them, reproducing the axis exactly:
    /// `signup,activation`; `1..20` or `0.05..0.1:6` when that is what the
    /// numbers are (so a range's binary fractions need not be spelled out),
    /// else the exact list `1,3,5`.
    pub fn values_arg(&self) -> String {
        if self.is_words() {
            return self.words.join(",");
        }
        let text = super::param::fmt_num;
        let values = &self.values[..];
        if let [first, .., last] = values
            && values.len() >= 3
        {
            let (low, high) = (text(*first), text(*last));
            for range in [format!("{low}..{high}"), format!("{low}..{high}:{}", values.len())] {
                if parse_values(&range).is_ok_and(|v| v == values) {
                    return range;
                }
            }
        }
        values.iter().map(|v| text(*v)).collect::<Vec<_>>().join(",")
    }

    fn word(&self, v: f64) -> Option<&str> {
        if self.is_words() { self.words.get(v as usize).map(String::as_str) } else { None }
    }
}

/// `signup,activation` as words: a list none of whose items is a number
/// (`None` when some is: a mistyped number list stays an error about
/// numbers) and that is not a range.
fn word_list(s: &str) -> Option<Vec<String>> {
    if s.contains("..") {
        return None;
    }
    let items: Vec<String> = s.split(',').map(|t| t.trim().to_string()).collect();
    let is_number = |t: &str| t.replace('_', "").parse::<f64>().is_ok();
    if items.iter().any(|t| is_number(t)) {
        return None;
    }
    Some(items)
}

fn check_words(words: &[String]) -> Result<(), ValuesError> {
    if words.is_empty() {
        return Err(ValuesError::Empty);
    }
    if words.len() > MAX_AXIS_POINTS {
        return Err(ValuesError::TooMany);
    }
    if words.iter().any(|w| w.trim().is_empty()) {
        return Err(ValuesError::EmptyValue);
    }
    if let Some((_, w)) = words.iter().enumerate().find(|(i, w)| words[..*i].contains(w)) {
        return Err(ValuesError::Repeated(w.clone()));
    }
    Ok(())
}

/// Parses a list, an integer range or `low..high:n`.
pub fn parse_values(s: &str) -> Result<Vec<f64>, ValuesError> {
    let number = |t: &str| -> Result<f64, ValuesError> {
        let t = t.trim().replace('_', "");
        t.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or(ValuesError::NotANumber(t))
    };
    let values = if let Some((low, rest)) = s.split_once("..") {
        let (high, count) = match rest.split_once(':') {
            Some((h, n)) => (h, Some(n.trim().parse::<usize>().map_err(|_| ValuesError::NotACount(n.to_string()))?)),
            None => (rest, None),
        };
        let (low, high) = (number(low)?, number(high)?);
        if high < low {
            return Err(ValuesError::Descending { low, high });
        }
        match count {
            Some(n) if n >= 2 => (0..n).map(|i| low + (high - low) * i as f64 / (n - 1) as f64).collect(),
            Some(_) => return Err(ValuesError::TooFewPoints),
            None if low.fract() == 0.0 && high.fract() == 0.0 => {
                if high - low + 1.0 > MAX_AXIS_POINTS as f64 {
                    return Err(ValuesError::RangeTooLong { low, high });
                }
                (low as i64..=high as i64).map(|x| x as f64).collect()
            }
            None => return Err(ValuesError::MissingCount { low, high }),
        }
    } else {
        s.split(',').map(number).collect::<Result<Vec<f64>, ValuesError>>()?
    };
    if values.is_empty() {
        return Err(ValuesError::Empty);
    }
    if values.len() > MAX_AXIS_POINTS {
        return Err(ValuesError::TooMany);
    }
    Ok(values)
}

/// A sweep declared in the scenario file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSection {
    #[serde(default)]
    pub params: Vec<SweepParam>,
    #[serde(default)]
    pub metrics: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepParam {
    pub key: String,
    pub values: Values,
}

/// `values = "1..20"`, `values = [9, 12, 15]` or `values = ["signup",
/// "activation"]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Values {
    Text(String),
    List(Vec<f64>),
    Words(Vec<String>),
}

impl SweepSection {
    pub fn axes(&self) -> Result<Vec<Axis>, AxisError> {
        self.params
            .iter()
            .map(|p| {
                let section = |error| AxisError::Section { key: p.key.clone(), error };
                let values = match &p.values {
                    Values::Text(s) => match (parse_values(s), word_list(s)) {
                        (Ok(values), _) => values,
                        (Err(_), Some(words)) => return Axis::words(&p.key, words).map_err(section),
                        (Err(e), None) => return Err(section(e)),
                    },
                    Values::Words(w) => return Axis::words(&p.key, w.clone()).map_err(section),
                    Values::List(v) if v.is_empty() => return Err(section(ValuesError::Empty)),
                    Values::List(v) if v.len() > MAX_AXIS_POINTS => return Err(section(ValuesError::TooMany)),
                    Values::List(v) if v.iter().any(|x| !x.is_finite()) => {
                        return Err(section(ValuesError::NotFinite));
                    }
                    Values::List(v) => v.clone(),
                };
                Ok(Axis::numbers(&p.key, values))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_ranges() {
        assert_eq!(parse_values("1,3,5").unwrap(), vec![1.0, 3.0, 5.0]);
        assert_eq!(parse_values("1..4").unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(parse_values("0.02..0.05:4").unwrap().len(), 4);
        let v = parse_values("0.02..0.05:7").unwrap();
        assert!((v[0] - 0.02).abs() < 1e-15 && (v[6] - 0.05).abs() < 1e-15);
        assert_eq!(
            parse_values("0.02..0.05").unwrap_err().to_string(),
            "give the number of points of 0.02..0.05, e.g. 0.02..0.05:7"
        );
        assert_eq!(parse_values("5..1").unwrap_err().to_string(), "the range 5..1 goes down");
        assert_eq!(parse_values("a,b").unwrap_err().to_string(), "`a` is not a number");
        assert_eq!(
            Axis::parse("free.usage_limit=1..3").unwrap(),
            Axis::numbers("free.usage_limit", vec![1.0, 2.0, 3.0])
        );
    }

    #[test]
    fn parses_words_for_choices() {
        let a = Axis::parse("trial.start = signup, activation").unwrap();
        assert_eq!(
            (a.key.as_str(), &a.words[..], &a.values[..]),
            ("trial.start", &["signup".to_string(), "activation".to_string()][..], &[0.0, 1.0][..])
        );
        assert_eq!(
            (a.override_text(1.0), a.label(0.0), a.values_arg()),
            ("activation".into(), "signup".into(), "signup,activation".into())
        );
        // A list with a number in it is a mistyped list of numbers.
        assert_eq!(
            Axis::parse("free.usage_limit=3,five").unwrap_err().to_string(),
            "free.usage_limit: `five` is not a number"
        );
        assert_eq!(
            Axis::parse("trial.start=signup,signup").unwrap_err().to_string(),
            "trial.start: `signup` is given twice"
        );
        assert_eq!(Axis::parse("trial.start=signup,").unwrap_err().to_string(), "trial.start: a value is empty");
        let n = Axis::parse("free.usage_limit=3,5").unwrap();
        assert!(!n.is_words());
        assert_eq!((n.override_text(5.0), n.values_arg()), ("5".into(), "3,5".into()));
    }
}
