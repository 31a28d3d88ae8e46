//! Numeric scenario parameters that may be uncertain.
//!
//! Every numeric input of a scenario is a [`Dist`]: a fixed value, or a
//! distribution sampled once per run (parameter uncertainty). What a
//! parameter may hold is its [`Domain`]; the `[low, high]` 90%-interval
//! shorthand is resolved into a concrete family by that domain, as Guesstimate
//! and Squiggle do:
//!
//! | domain        | `[low, high]` becomes                                  |
//! |---------------|--------------------------------------------------------|
//! | probability   | logit-normal with P5 = low, P95 = high (needs 0 < low) |
//! | positive      | lognormal with P5 = low, P95 = high (needs 0 < low)    |
//! | anything else | normal with P5 = low, P95 = high, kept in the domain   |

use std::fmt;

use rand::{Rng, RngExt};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// z such that P(Z < z) = 0.95 for a standard normal Z.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// A parameter's value as written in a scenario: fixed, or a distribution
/// across runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Fixed(f64),
    Uniform {
        low: f64,
        high: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    LogNormal {
        median: f64,
        sigma: f64,
    },
    Beta {
        alpha: f64,
        beta: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// 5th and 95th percentiles; the family depends on the parameter's domain.
    Interval90 {
        low: f64,
        high: f64,
    },
    /// Values drawn as given, equally likely: `{ dist = "sample", values =
    /// [...] }`. Every such parameter of a scenario has as many values and
    /// they are rows of one joint sample (a posterior sample, an analyst's
    /// own simulation): a run takes the same row for all of them
    /// ([`Scenario::sample`](super::Scenario::sample)), so their dependence
    /// is kept, not only their margins.
    Sample(std::sync::Arc<[f64]>),
}

/// The set of values a parameter may take.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Domain {
    /// A probability or share, in [0, 1].
    Probability,
    /// Zero or more.
    NonNegative,
    /// Strictly more than zero.
    Positive,
    /// A growth rate: more than -1.
    Growth,
}

impl Domain {
    pub fn contains(self, x: f64) -> bool {
        x.is_finite()
            && match self {
                Domain::Probability => (0.0..=1.0).contains(&x),
                Domain::NonNegative => x >= 0.0,
                Domain::Positive => x > 0.0,
                Domain::Growth => x > -1.0,
            }
    }

    /// What the domain expects, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            Domain::Probability => "a probability between 0 and 1",
            Domain::NonNegative => "a number of 0 or more",
            Domain::Positive => "a number greater than 0",
            Domain::Growth => "a growth rate greater than -1 (-100%)",
        }
    }

    pub fn clamp(self, x: f64) -> f64 {
        match self {
            Domain::Probability => x.clamp(0.0, 1.0),
            Domain::NonNegative => x.max(0.0),
            Domain::Positive => x.max(f64::MIN_POSITIVE),
            Domain::Growth => x.max(-1.0 + 1e-9),
        }
    }
}

impl Dist {
    pub fn is_fixed(&self) -> bool {
        matches!(self, Dist::Fixed(_))
    }

    /// The value of a fixed parameter.
    pub fn fixed_value(&self) -> Option<f64> {
        match *self {
            Dist::Fixed(x) => Some(x),
            _ => None,
        }
    }

    /// Checks that the distribution is well formed and can only produce
    /// values in `domain` (families with unbounded support, such as the
    /// normal, are truncated to the domain when sampled). Returns what was
    /// expected, for an error message.
    pub fn check(&self, domain: Domain) -> Result<(), String> {
        let finite = |xs: &[f64]| xs.iter().all(|x| x.is_finite());
        let in_dom = |x: f64, what: &str| {
            if domain.contains(x) { Ok(()) } else { Err(format!("expected {}, got {what} = {x}", domain.expected())) }
        };
        match *self {
            Dist::Sample(ref values) => {
                if values.is_empty() {
                    return Err("a sample distribution needs at least one value in `values`".into());
                }
                match values.iter().find(|x| !domain.contains(**x)) {
                    Some(x) => Err(format!("expected {}, got a sampled value of {}", domain.expected(), fmt_num(*x))),
                    None => Ok(()),
                }
            }
            Dist::Fixed(x) => {
                if domain.contains(x) {
                    Ok(())
                } else {
                    Err(format!("expected {}, got {}", domain.expected(), fmt_num(x)))
                }
            }
            Dist::Uniform { low, high } => {
                if !finite(&[low, high]) || low > high {
                    return Err(format!("a uniform distribution needs low <= high, got low = {low}, high = {high}"));
                }
                in_dom(low, "low")?;
                in_dom(high, "high")
            }
            Dist::Normal { mean, sd } => {
                if !finite(&[mean, sd]) || sd < 0.0 {
                    return Err(format!("a normal distribution needs sd >= 0, got sd = {sd}"));
                }
                in_dom(mean, "mean")
            }
            Dist::LogNormal { median, sigma } => {
                if !finite(&[median, sigma]) || median <= 0.0 || sigma < 0.0 {
                    return Err(format!(
                        "a lognormal distribution needs median > 0 and sigma >= 0, got median = {median}, sigma = {sigma}"
                    ));
                }
                if domain == Domain::Probability {
                    return Err(
                        "a lognormal can exceed 1; for a probability use beta, uniform or a [low, high] interval"
                            .into(),
                    );
                }
                Ok(())
            }
            Dist::Beta { alpha, beta } => {
                if !finite(&[alpha, beta]) || alpha <= 0.0 || beta <= 0.0 {
                    return Err(format!(
                        "a beta distribution needs alpha > 0 and beta > 0, got alpha = {alpha}, beta = {beta}"
                    ));
                }
                match domain {
                    Domain::Probability | Domain::NonNegative | Domain::Growth => Ok(()),
                    Domain::Positive => Err("a beta distribution can be 0; this value must be greater than 0".into()),
                }
            }
            Dist::Triangular { min, mode, max } => {
                let ordered = min <= mode && mode <= max && min < max;
                if !finite(&[min, mode, max]) || !ordered {
                    return Err(format!(
                        "a triangular distribution needs min <= mode <= max and min < max, got min = {min}, mode = {mode}, max = {max}"
                    ));
                }
                in_dom(min, "min")?;
                in_dom(max, "max")
            }
            Dist::Interval90 { low, high } => {
                if !finite(&[low, high]) || low > high {
                    return Err(format!("a [low, high] interval needs low <= high, got [{low}, {high}]"));
                }
                in_dom(low, "low")?;
                in_dom(high, "high")?;
                match domain {
                    Domain::Probability if low <= 0.0 || high >= 1.0 => Err(
                        "a [low, high] interval on a probability needs 0 < low and high < 1 (it is a logit-normal); use uniform or beta to include 0 or 1"
                            .into(),
                    ),
                    Domain::Positive if low <= 0.0 => Err("a [low, high] interval needs low > 0 here (it is a lognormal)".into()),
                    _ => Ok(()),
                }
            }
        }
    }

    /// A central value: the median where it is known in closed form, the mean
    /// otherwise. Used by `validate` to describe a parameter and by the
    /// sensitivity analysis as the "held" value.
    pub fn center(&self, domain: Domain) -> f64 {
        match *self {
            // The mean, summed in order.
            Dist::Sample(ref v) => v.iter().sum::<f64>() / v.len().max(1) as f64,
            Dist::Fixed(x) => x,
            Dist::Uniform { low, high } => 0.5 * (low + high),
            Dist::Normal { mean, .. } => mean,
            Dist::LogNormal { median, .. } => median,
            Dist::Beta { alpha, beta } => alpha / (alpha + beta),
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::Interval90 { low, high } => match interval_family(domain, low, high) {
                Family::LogitNormal { mu, .. } => logistic(mu),
                Family::LogNormal { mu, .. } => libm::exp(mu),
                Family::Normal { mu, .. } => mu,
            },
        }
    }

    /// Draws one value, always inside `domain` (the distribution was
    /// [`check`](Dist::check)ed). Fixed values consume no randomness.
    pub fn sample<R: Rng + ?Sized>(&self, domain: Domain, rng: &mut R) -> f64 {
        let x = match *self {
            Dist::Fixed(x) => return x,
            Dist::Sample(ref v) => v[rng.random_range(0..v.len())],
            Dist::Uniform { low, high } => low + (high - low) * rng.random::<f64>(),
            Dist::Normal { mean, sd } => truncated_normal(mean, sd, domain, rng),
            Dist::LogNormal { median, sigma } => median * libm::exp(sigma * std_normal(rng)),
            Dist::Beta { alpha, beta } => crate::sampling::beta(alpha, beta, rng),
            Dist::Triangular { min, mode, max } => {
                // Inverse CDF of the triangular distribution.
                let u: f64 = rng.random();
                let f = (mode - min) / (max - min);
                if u < f {
                    min + libm::sqrt(u * (max - min) * (mode - min))
                } else {
                    max - libm::sqrt((1.0 - u) * (max - min) * (max - mode))
                }
            }
            Dist::Interval90 { low, high } => match interval_family(domain, low, high) {
                Family::LogitNormal { mu, sigma } => logistic(mu + sigma * std_normal(rng)),
                Family::LogNormal { mu, sigma } => libm::exp(mu + sigma * std_normal(rng)),
                Family::Normal { mu, sigma } => truncated_normal(mu, sigma, domain, rng),
            },
        };
        domain.clamp(x)
    }

    /// How the value reads in a scenario file (used in reports).
    pub fn describe(&self) -> String {
        match *self {
            Dist::Fixed(x) => fmt_num(x),
            Dist::Sample(ref v) => {
                format!("sample of {} values (mean {})", v.len(), fmt_num(self.center(Domain::NonNegative)))
            }
            Dist::Uniform { low, high } => format!("uniform({}, {})", fmt_num(low), fmt_num(high)),
            Dist::Normal { mean, sd } => {
                format!("normal(mean {}, sd {})", fmt_num(mean), fmt_num(sd))
            }
            Dist::LogNormal { median, sigma } => {
                format!("lognormal(median {}, sigma {})", fmt_num(median), fmt_num(sigma))
            }
            Dist::Beta { alpha, beta } => format!("beta({}, {})", fmt_num(alpha), fmt_num(beta)),
            Dist::Triangular { min, mode, max } => {
                format!("triangular({}, {}, {})", fmt_num(min), fmt_num(mode), fmt_num(max))
            }
            Dist::Interval90 { low, high } => {
                format!("90% in [{}, {}]", fmt_num(low), fmt_num(high))
            }
        }
    }
}

enum Family {
    LogitNormal { mu: f64, sigma: f64 },
    LogNormal { mu: f64, sigma: f64 },
    Normal { mu: f64, sigma: f64 },
}

fn interval_family(domain: Domain, low: f64, high: f64) -> Family {
    match domain {
        Domain::Probability if low > 0.0 && high < 1.0 => {
            let (a, b) = (logit(low), logit(high));
            Family::LogitNormal { mu: 0.5 * (a + b), sigma: (b - a) / (2.0 * Z95) }
        }
        Domain::Positive | Domain::NonNegative if low > 0.0 => {
            let (a, b) = (libm::log(low), libm::log(high));
            Family::LogNormal { mu: 0.5 * (a + b), sigma: (b - a) / (2.0 * Z95) }
        }
        _ => Family::Normal { mu: 0.5 * (low + high), sigma: (high - low) / (2.0 * Z95) },
    }
}

fn logit(p: f64) -> f64 {
    libm::log(p / (1.0 - p))
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

fn std_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    crate::sampling::standard_normal(rng)
}

/// A normal draw restricted to `domain` by rejection (at most 64 tries, then
/// clamped: only reached when the domain holds almost none of the mass).
fn truncated_normal<R: Rng + ?Sized>(mean: f64, sd: f64, domain: Domain, rng: &mut R) -> f64 {
    let mut x = mean;
    for _ in 0..64 {
        x = mean + sd * std_normal(rng);
        if domain.contains(x) {
            return x;
        }
    }
    domain.clamp(x)
}

/// Formats a number the way a person writes it in a scenario file.
pub fn fmt_num(x: f64) -> String {
    if x.is_finite() && x == x.trunc() && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

const DIST_KINDS: &str = "fixed, uniform, normal, lognormal, beta, triangular, sample";

impl<'de> serde::Deserialize<'de> for Dist {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DistVisitor)
    }
}

struct DistVisitor;

impl<'de> Visitor<'de> for DistVisitor {
    type Value = Dist;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, a [low, high] 90% interval, or a distribution such as { dist = \"normal\", mean = 1.0, sd = 0.2 }")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dist, E> {
        Ok(Dist::Fixed(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Dist, E> {
        Ok(Dist::Fixed(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Dist, E> {
        Ok(Dist::Fixed(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Dist, A::Error> {
        let mut xs = Vec::new();
        while let Some(x) = seq.next_element::<Number>()? {
            xs.push(x.0);
        }
        match xs[..] {
            [low, high] => Ok(Dist::Interval90 { low, high }),
            _ => {
                Err(de::Error::custom(format!("a [low, high] 90% interval needs exactly 2 numbers, got {}", xs.len())))
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Dist, A::Error> {
        let mut kind: Option<String> = None;
        let mut fields: Vec<(String, f64)> = Vec::new();
        let mut values: Option<Vec<f64>> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "dist" {
                kind = Some(map.next_value()?);
            } else if key == "values" {
                let xs: Vec<Number> = map.next_value()?;
                values = Some(xs.into_iter().map(|x| x.0).collect());
            } else {
                let Number(v) = map.next_value()?;
                fields.push((key, v));
            }
        }
        let Some(kind) = kind else {
            return Err(de::Error::custom(format!("a distribution table needs `dist`, one of {DIST_KINDS}")));
        };
        if kind == "sample" {
            if let Some((key, _)) = fields.first() {
                return Err(de::Error::custom(format!(
                    "unknown field `{key}` for a sample distribution, expected `values`"
                )));
            }
            let Some(values) = values else {
                return Err(de::Error::custom("a sample distribution needs `values`, a list of numbers"));
            };
            return Ok(Dist::Sample(values.into()));
        }
        if values.is_some() {
            return Err(de::Error::custom(format!("`values` belongs to a sample distribution, not a {kind} one")));
        }
        let names: &[&str] = match kind.as_str() {
            "fixed" => &["value"],
            "uniform" => &["low", "high"],
            "normal" => &["mean", "sd"],
            "lognormal" => &["median", "sigma"],
            "beta" => &["alpha", "beta"],
            "triangular" => &["min", "mode", "max"],
            other => {
                return Err(de::Error::custom(format!("unknown distribution `{other}`, expected one of {DIST_KINDS}")));
            }
        };
        for (key, _) in &fields {
            if !names.contains(&key.as_str()) {
                return Err(de::Error::custom(format!(
                    "unknown field `{key}` for a {kind} distribution, expected {}",
                    list(names)
                )));
            }
        }
        let get = |name: &str| -> Result<f64, A::Error> {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| de::Error::custom(format!("a {kind} distribution needs {}", list(names))))
        };
        Ok(match kind.as_str() {
            "fixed" => Dist::Fixed(get("value")?),
            "uniform" => Dist::Uniform { low: get("low")?, high: get("high")? },
            "normal" => Dist::Normal { mean: get("mean")?, sd: get("sd")? },
            "lognormal" => Dist::LogNormal { median: get("median")?, sigma: get("sigma")? },
            "beta" => Dist::Beta { alpha: get("alpha")?, beta: get("beta")? },
            _ => Dist::Triangular { min: get("min")?, mode: get("mode")?, max: get("max")? },
        })
    }
}

fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.len() {
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// A TOML integer or float, as f64.
struct Number(f64);

impl<'de> serde::Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                Ok(Number(v))
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    fn parse(s: &str) -> Result<Dist, String> {
        #[derive(serde::Deserialize)]
        struct W {
            x: Dist,
        }
        toml::from_str::<W>(&format!("x = {s}")).map(|w| w.x).map_err(|e| e.message().to_string())
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(parse("3").unwrap(), Dist::Fixed(3.0));
        assert_eq!(parse("0.5").unwrap(), Dist::Fixed(0.5));
        assert_eq!(parse("[1, 2.5]").unwrap(), Dist::Interval90 { low: 1.0, high: 2.5 });
        assert_eq!(parse("{ dist = \"normal\", mean = 1, sd = 0.5 }").unwrap(), Dist::Normal { mean: 1.0, sd: 0.5 });
        assert_eq!(
            parse("{ dist = \"triangular\", min = 1, mode = 2, max = 4 }").unwrap(),
            Dist::Triangular { min: 1.0, mode: 2.0, max: 4.0 }
        );
    }

    #[test]
    fn rejects_malformed_tables() {
        assert_eq!(
            parse("{ dist = \"normal\", mean = 1, sdev = 0.5 }").unwrap_err(),
            "unknown field `sdev` for a normal distribution, expected `mean` and `sd`"
        );
        assert_eq!(
            parse("{ dist = \"normal\", mean = 1 }").unwrap_err(),
            "a normal distribution needs `mean` and `sd`"
        );
        assert_eq!(
            parse("{ dist = \"cauchy\" }").unwrap_err(),
            "unknown distribution `cauchy`, expected one of fixed, uniform, normal, lognormal, beta, triangular, sample"
        );
        assert_eq!(parse("[1, 2, 3]").unwrap_err(), "a [low, high] 90% interval needs exactly 2 numbers, got 3");
        assert_eq!(
            parse("{ dist = \"sample\" }").unwrap_err(),
            "a sample distribution needs `values`, a list of numbers"
        );
        assert_eq!(
            parse("{ dist = \"sample\", values = [1], mean = 2 }").unwrap_err(),
            "unknown field `mean` for a sample distribution, expected `values`"
        );
        assert_eq!(
            parse("{ dist = \"normal\", mean = 1, sd = 2, values = [1] }").unwrap_err(),
            "`values` belongs to a sample distribution, not a normal one"
        );
    }

    #[test]
    fn a_sample_is_its_values() {
        let d = parse("{ dist = \"sample\", values = [0.1, 0.2, 0.6] }").unwrap();
        assert_eq!(d, Dist::Sample(vec![0.1, 0.2, 0.6].into()));
        assert!((d.center(Domain::Probability) - 0.3).abs() < 1e-15);
        assert_eq!(d.describe(), "sample of 3 values (mean 0.3)");
        assert_eq!(
            Dist::Sample(vec![0.5, 1.5].into()).check(Domain::Probability).unwrap_err(),
            "expected a probability between 0 and 1, got a sampled value of 1.5"
        );
        assert!(Dist::Sample(Vec::new().into()).check(Domain::Probability).is_err());
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        assert!((0..100).all(|_| [0.1, 0.2, 0.6].contains(&d.sample(Domain::Probability, &mut rng))));
    }

    #[test]
    fn interval_shorthand_hits_its_percentiles() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for (domain, low, high) in
            [(Domain::Probability, 0.02, 0.05), (Domain::Positive, 10.0, 40.0), (Domain::Growth, -0.1, 0.3)]
        {
            let d = Dist::Interval90 { low, high };
            d.check(domain).unwrap();
            let n = 200_000;
            let below = (0..n).filter(|_| d.sample(domain, &mut rng) < low).count() as f64 / n as f64;
            // Binomial standard error of a 5% share over n draws is ~0.0005.
            assert!((below - 0.05).abs() < 0.003, "{domain:?}: {below}");
        }
    }

    #[test]
    fn samples_stay_in_domain() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let d = Dist::Normal { mean: 0.02, sd: 0.05 };
        assert!((0..10_000).all(|_| Domain::Probability.contains(d.sample(Domain::Probability, &mut rng))));
    }

    #[test]
    fn check_names_what_is_expected() {
        assert_eq!(
            Dist::Fixed(1.3).check(Domain::Probability).unwrap_err(),
            "expected a probability between 0 and 1, got 1.3"
        );
        assert!(Dist::LogNormal { median: 0.1, sigma: 0.2 }.check(Domain::Probability).is_err());
    }
}
