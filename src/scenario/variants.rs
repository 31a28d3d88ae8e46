//! Variants of a scenario: a name and `--set`-style overrides, from
//! `plgsim compare --variant "NAME=KEY=VALUE,KEY=VALUE"` or the file's
//! `[[variants]]` section (`name = "reverse"`, `set = ["trial.start=signup",
//! "trial.after=free"]`). `whatif::compare` simulates them; each override is
//! checked like `--set`, so a variant gets the file's own errors.

use serde::Deserialize;
use toml::Spanned;

use super::load::Override;

/// A named set of overrides of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantSpec {
    pub name: String,
    pub set: Vec<Override>,
}

/// Why a `--variant` (or a `[[variants]]` entry) cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum VariantError {
    #[error("`{0}` is not NAME=KEY=VALUE[,KEY=VALUE...] (e.g. \"reverse=trial.start=signup,trial.after=free\")")]
    NotNamed(String),
    #[error("variant `{name}`: `{item}` is not KEY=VALUE (e.g. trial.start=signup)")]
    NotKeyValue { name: String, item: String },
    #[error("variant `{0}` sets nothing")]
    Empty(String),
    #[error("variant `{name}` sets `{key}` twice")]
    Twice { name: String, key: String },
    #[error("two variants are named `{0}`")]
    SameName(String),
}

impl VariantSpec {
    /// Parses `NAME=KEY=VALUE[,KEY=VALUE...]`. The overrides are split at
    /// the commas outside brackets, braces and quotes, so a value may be a
    /// list or a distribution: `wide=pricing.conversion_elasticity=[0.5, 1.6]`.
    pub fn parse(arg: &str) -> Result<VariantSpec, VariantError> {
        let (name, rest) = arg.split_once('=').ok_or_else(|| VariantError::NotNamed(arg.to_string()))?;
        let name = name.trim();
        // `free.usage_limit=3` is an override without a name: what follows
        // the name must hold a `KEY=VALUE`.
        if name.is_empty() || !rest.contains('=') {
            return Err(VariantError::NotNamed(arg.to_string()));
        }
        let items: Vec<&str> = split_top_level(rest).into_iter().map(str::trim).collect();
        VariantSpec::new(name, &items)
    }

    /// A variant named `name` setting each `KEY=VALUE` of `items`.
    pub fn new(name: &str, items: &[&str]) -> Result<VariantSpec, VariantError> {
        let name = name.trim().to_string();
        if items.is_empty() {
            return Err(VariantError::Empty(name));
        }
        let mut set: Vec<Override> = Vec::with_capacity(items.len());
        for item in items {
            let o = Override::parse(item)
                .map_err(|_| VariantError::NotKeyValue { name: name.clone(), item: item.to_string() })?;
            if set.iter().any(|p| p.key == o.key) {
                return Err(VariantError::Twice { name, key: o.key });
            }
            set.push(o);
        }
        Ok(VariantSpec { name, set })
    }

    /// `trial.start=signup, trial.after=free`.
    pub fn describe(&self) -> String {
        self.set.iter().map(|o| format!("{}={}", o.key, o.value)).collect::<Vec<_>>().join(", ")
    }

    /// The variant as `--variant` takes it.
    pub fn arg(&self) -> String {
        let set: Vec<String> = self.set.iter().map(|o| format!("{}={}", o.key, o.value)).collect();
        format!("{}={}", self.name, set.join(","))
    }
}

/// Checks that no two variants share a name.
pub fn check_names(variants: &[VariantSpec]) -> Result<(), VariantError> {
    match variants.iter().enumerate().find(|(i, v)| variants[..*i].iter().any(|w| w.name == v.name)) {
        Some((_, v)) => Err(VariantError::SameName(v.name.clone())),
        None => Ok(()),
    }
}

/// `s` split at the commas that are not inside `[]`, `{}` or a quoted string.
fn split_top_level(s: &str) -> Vec<&str> {
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    let mut parts = Vec::new();
    for (i, ch) in s.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// A `[[variants]]` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    pub name: Option<Spanned<String>>,
    pub set: Option<Spanned<Vec<Spanned<String>>>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_name_and_its_overrides() {
        let v = VariantSpec::parse("reverse=trial.start=signup,trial.after=free").unwrap();
        assert_eq!(v.name, "reverse");
        assert_eq!(v.describe(), "trial.start=signup, trial.after=free");
        assert_eq!(VariantSpec::parse(&v.arg()).unwrap(), v);
        // A name is any text before the first `=`.
        let n = VariantSpec::parse("spend 37.5k=acquisition.channels.ads.spend_per_month=37500").unwrap();
        assert_eq!((n.name.as_str(), n.set[0].value.as_str()), ("spend 37.5k", "37500"));
        // Commas inside a list or a table belong to the value.
        let w = VariantSpec::parse("wide = pricing.conversion_elasticity=[0.5, 1.6], free.usage_limit=3").unwrap();
        assert_eq!(w.set[0].value, "[0.5, 1.6]");
        assert_eq!(w.set[1].key, "free.usage_limit");
        let d = VariantSpec::parse("d=paid.churn_per_month={ dist = \"beta\", alpha = 2, beta = 50 }").unwrap();
        assert_eq!(d.set.len(), 1);
    }

    #[test]
    fn rejects_what_is_not_a_variant() {
        let err = |s: &str| VariantSpec::parse(s).unwrap_err().to_string();
        assert!(err("trial.start=signup").starts_with("`trial.start=signup` is not NAME=KEY=VALUE"));
        assert!(err("reverse").starts_with("`reverse` is not NAME=KEY=VALUE"));
        assert_eq!(err("r=trial.start=signup,oops"), "variant `r`: `oops` is not KEY=VALUE (e.g. trial.start=signup)");
        assert_eq!(err("r=a=1,a=2"), "variant `r` sets `a` twice");
        let two = [VariantSpec::parse("x=a=1").unwrap(), VariantSpec::parse("x=b=2").unwrap()];
        assert_eq!(check_names(&two).unwrap_err().to_string(), "two variants are named `x`");
    }
}
