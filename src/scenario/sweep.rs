//! The `[sweep]` section of a scenario and the grid's axes: `KEY=VALUES`
//! as `plgsim sweep --param` takes it, and `values = "1..20"` or
//! `values = [9, 12, 15]` as the file writes it. `whatif::sweep` runs the
//! grid; the format owns its own section types.

use serde::Deserialize;

/// One swept key and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<f64>,
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
    /// Parses `KEY=VALUES`, where VALUES is a list (`1,3,5`), an integer
    /// range (`1..20`, both ends included) or `low..high:n` (n evenly spaced
    /// points, both ends included).
    pub fn parse(arg: &str) -> Result<Axis, AxisError> {
        let (key, values) = arg.split_once('=').ok_or_else(|| AxisError::NotKeyValues(arg.to_string()))?;
        let key = key.trim().to_string();
        match parse_values(values.trim()) {
            Ok(values) => Ok(Axis { key, values }),
            Err(error) => Err(AxisError::Values { key, error }),
        }
    }
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

/// `values = "1..20"` or `values = [9, 12, 15]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Values {
    Text(String),
    List(Vec<f64>),
}

impl SweepSection {
    pub fn axes(&self) -> Result<Vec<Axis>, AxisError> {
        self.params
            .iter()
            .map(|p| {
                let section = |error| AxisError::Section { key: p.key.clone(), error };
                let values = match &p.values {
                    Values::Text(s) => parse_values(s).map_err(&section)?,
                    Values::List(v) if v.is_empty() => return Err(section(ValuesError::Empty)),
                    Values::List(v) if v.len() > MAX_AXIS_POINTS => return Err(section(ValuesError::TooMany)),
                    Values::List(v) if v.iter().any(|x| !x.is_finite()) => {
                        return Err(section(ValuesError::NotFinite));
                    }
                    Values::List(v) => v.clone(),
                };
                Ok(Axis { key: p.key.clone(), values })
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
            Axis { key: "free.usage_limit".into(), values: vec![1.0, 2.0, 3.0] }
        );
    }
}
