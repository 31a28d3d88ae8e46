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

impl Axis {
    /// Parses `KEY=VALUES`, where VALUES is a list (`1,3,5`), an integer
    /// range (`1..20`, both ends included) or `low..high:n` (n evenly spaced
    /// points, both ends included).
    pub fn parse(arg: &str) -> Result<Axis, String> {
        let (key, values) = arg.split_once('=').ok_or_else(|| {
            format!("`{arg}` is not KEY=VALUES (e.g. free.usage_limit=1..20 or plans.pro.price_per_month=9,12,15)")
        })?;
        Ok(Axis {
            key: key.trim().to_string(),
            values: parse_values(values.trim()).map_err(|e| format!("{}: {e}", key.trim()))?,
        })
    }
}

/// Parses a list, an integer range or `low..high:n`.
pub fn parse_values(s: &str) -> Result<Vec<f64>, String> {
    let number = |t: &str| -> Result<f64, String> {
        let t = t.trim().replace('_', "");
        t.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| format!("`{t}` is not a number"))
    };
    let values = if let Some((low, rest)) = s.split_once("..") {
        let (high, count) = match rest.split_once(':') {
            Some((h, n)) => {
                (h, Some(n.trim().parse::<usize>().map_err(|_| format!("`{n}` is not a number of points"))?))
            }
            None => (rest, None),
        };
        let (low, high) = (number(low)?, number(high)?);
        if high < low {
            return Err(format!("the range {low}..{high} goes down"));
        }
        match count {
            Some(n) if n >= 2 => (0..n).map(|i| low + (high - low) * i as f64 / (n - 1) as f64).collect(),
            Some(_) => return Err("a range needs at least 2 points".into()),
            None if low.fract() == 0.0 && high.fract() == 0.0 => {
                if high - low + 1.0 > MAX_AXIS_POINTS as f64 {
                    return Err(format!("{low}..{high} has more than {MAX_AXIS_POINTS} points"));
                }
                (low as i64..=high as i64).map(|x| x as f64).collect()
            }
            None => return Err(format!("give the number of points of {low}..{high}, e.g. {low}..{high}:7")),
        }
    } else {
        s.split(',').map(number).collect::<Result<Vec<f64>, String>>()?
    };
    if values.is_empty() {
        return Err("no values".into());
    }
    if values.len() > MAX_AXIS_POINTS {
        return Err(format!("more than {MAX_AXIS_POINTS} values"));
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
    pub fn axes(&self) -> Result<Vec<Axis>, String> {
        self.params
            .iter()
            .map(|p| {
                let values = match &p.values {
                    Values::Text(s) => parse_values(s).map_err(|e| format!("sweep.params `{}`: {e}", p.key))?,
                    Values::List(v) if v.is_empty() => return Err(format!("sweep.params `{}`: no values", p.key)),
                    Values::List(v) if v.len() > MAX_AXIS_POINTS => {
                        return Err(format!("sweep.params `{}`: more than {MAX_AXIS_POINTS} values", p.key));
                    }
                    Values::List(v) if v.iter().any(|x| !x.is_finite()) => {
                        return Err(format!("sweep.params `{}`: every value must be a finite number", p.key));
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
            parse_values("0.02..0.05").unwrap_err(),
            "give the number of points of 0.02..0.05, e.g. 0.02..0.05:7"
        );
        assert_eq!(parse_values("5..1").unwrap_err(), "the range 5..1 goes down");
        assert_eq!(parse_values("a,b").unwrap_err(), "`a` is not a number");
        assert_eq!(
            Axis::parse("free.usage_limit=1..3").unwrap(),
            Axis { key: "free.usage_limit".into(), values: vec![1.0, 2.0, 3.0] }
        );
    }
}
