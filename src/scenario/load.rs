//! From text to a [`RawScenario`]: TOML syntax, `--set` overrides, and
//! structural errors (unknown keys, wrong types) collected all at once.
//!
//! serde stops at the first error, so the document is deserialized in a loop:
//! each error is recorded with its key path and position, the offending entry
//! is removed from the parsed document, and deserialization starts again,
//! until it succeeds. Range and cross-field checks then run on what remains
//! (`validate`), so one pass reports every problem.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Problem, Source};
use super::raw::RawScenario;

/// A `--set KEY=VALUE` override from the command line.
/// An override that is not `KEY=VALUE`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{0}` is not of the form KEY=VALUE (e.g. paid.churn_per_month=0.03)")]
pub struct OverrideError(pub String);

#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub key: String,
    pub value: String,
    /// The command-line flag it stands for (`--engine counts`), which an
    /// error about it names; `None` for `--set KEY=VALUE`.
    pub origin: Option<String>,
}

impl Override {
    /// Parses `KEY=VALUE`; the value is TOML (`0.03`, `[0.02, 0.05]`,
    /// `{ dist = "beta", alpha = 2, beta = 50 }`), or else taken as a string.
    pub fn parse(arg: &str) -> Result<Override, OverrideError> {
        match arg.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok(Override { key: k.trim().to_string(), value: v.trim().to_string(), origin: None })
            }
            _ => Err(OverrideError(arg.to_string())),
        }
    }

    fn arg(&self) -> String {
        format!("{}={}", self.key, self.value)
    }

    /// How the command line gave it: its flag, or `--set KEY=VALUE`.
    fn label(&self) -> String {
        self.origin.clone().unwrap_or_else(|| format!("--set {}", self.arg()))
    }
}

/// One step of a key path inside the document.
#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    /// An array element, with the element's `name` when it has one.
    Index(usize, Option<String>),
}

fn render(path: &[Seg]) -> String {
    let parts: Vec<String> = path
        .iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(_, Some(name)) => name.clone(),
            Seg::Index(i, None) => i.to_string(),
        })
        .collect();
    parts.join(".")
}

/// Parses the scenario text and the overrides into the raw structs. Problems
/// are appended to `problems`; the returned value holds whatever could be
/// read, or `None` when nothing more can be checked (a syntax error, or a
/// structural error that cannot be set aside).
pub fn load_raw(source: &mut Source, overrides: &[Override], problems: &mut Vec<Problem>) -> Option<RawScenario> {
    let file_text = source.file_text().to_string();
    let (mut table, errors) = DeTable::parse_recoverable(&file_text);
    if !errors.is_empty() {
        for e in errors {
            let location = e.span().or_else(|| find_unspanned(&file_text, e.message())).map(|s| source.locate(s));
            problems.push(Problem { key: String::new(), message: syntax_message(e.message()), location });
        }
        return None;
    }
    for o in overrides {
        let at = source.push_override(&o.label(), &o.value);
        let value = match DeValue::parse(&o.value) {
            Ok(v) => shift(v, at),
            // Not a TOML value: take it as a string, so `--set scenario.time_step=week` works.
            Err(_) => Spanned::new(at..at + o.value.len(), DeValue::String(o.value.clone().into())),
        };
        if let Err(message) = set_path(table.get_mut(), &o.key, value, at..at + o.value.len()) {
            problems.push(Problem { key: o.label(), message, location: None });
        }
    }

    for _ in 0..64 {
        match RawScenario::deserialize(toml::de::Deserializer::from(table.clone())) {
            Ok(raw) => return Some(raw),
            Err(e) => {
                let span = e.span();
                let mut path = Vec::new();
                if let Some(span) = &span {
                    find_path(table.get_ref(), span, &mut path);
                }
                problems.push(Problem {
                    key: render(&path),
                    message: structural_message(e.message()),
                    location: span.map(|s| source.locate(s)),
                });
                if !remove_path(table.get_mut(), &path) {
                    return None;
                }
            }
        }
    }
    None
}

/// Where a syntax error that comes without a position is (TOML's
/// "recursion limit", on keys dotted too deeply): the first line whose
/// inclusion gives the error, its key underlined. Found by bisection over
/// line ends, a few parses of prefixes of the text.
fn find_unspanned(text: &str, message: &str) -> Option<Range<usize>> {
    let fails = |end: usize| {
        DeTable::parse_recoverable(&text[..end]).1.iter().any(|e| e.span().is_none() && e.message() == message)
    };
    let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).chain([text.len()]).collect();
    if !fails(text.len()) {
        return None;
    }
    let (mut lo, mut hi) = (0, ends.len() - 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if fails(ends[mid]) { hi = mid } else { lo = mid + 1 }
    }
    let start = if lo == 0 { 0 } else { ends[lo - 1] };
    let line = text[start..ends[lo]].trim_end();
    let content = line.trim_start();
    let indent = line.len() - content.len();
    let key = content.split_once('=').map_or(content, |(k, _)| k.trim_end());
    Some(start + indent..start + indent + key.len())
}

/// Keys that hold arrays of tables: `--set` enters them by element name or
/// index and cannot create them.
const ARRAYS_OF_TABLES: &[&str] = &["acquisition.channels", "plans"];

fn syntax_message(m: &str) -> String {
    let m = m.trim();
    if m == "recursion limit" {
        return "invalid TOML: recursion limit (keys or values nested too deeply)".into();
    }
    format!("invalid TOML: {m}")
}

/// serde's messages, with its Rust type names turned into scenario words.
fn structural_message(m: &str) -> String {
    m.trim()
        .replace("expected i64", "expected an integer")
        .replace("expected u64", "expected an integer")
        .replace("expected f64", "expected a number")
        .replace("invalid type: ", "wrong type: ")
}

/// Moves every span of `v` by `by` bytes: an override is parsed on its own
/// and its text placed after the file's in [`Source`].
fn shift<'i>(v: Spanned<DeValue<'i>>, by: usize) -> Spanned<DeValue<'i>> {
    let span = v.span();
    let span = span.start + by..span.end + by;
    let inner = match v.into_inner() {
        DeValue::Array(a) => {
            let mut out = toml::de::DeArray::new();
            for item in a.iter().cloned() {
                out.push(shift(item, by));
            }
            DeValue::Array(out)
        }
        DeValue::Table(t) => DeValue::Table(
            t.into_iter()
                .map(|(k, v)| {
                    let ks = k.span();
                    (Spanned::new(ks.start + by..ks.end + by, k.into_inner()), shift(v, by))
                })
                .collect(),
        ),
        scalar => scalar,
    };
    Spanned::new(span, inner)
}

/// Inserts `value` at the dotted `key`, creating tables on the way. An array
/// of tables is entered by element index or by the element's `name`
/// (`acquisition.channels.search_ads.spend_per_month`).
fn set_path<'i>(
    table: &mut DeTable<'i>,
    key: &str,
    value: Spanned<DeValue<'i>>,
    span: Range<usize>,
) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').map(str::trim).collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(format!("`{key}` is not a key path (expected words joined by dots)"));
    }
    let mut current = table;
    for (depth, part) in parts.iter().enumerate() {
        let last = depth + 1 == parts.len();
        let here = parts[..=depth].join(".");
        if !last && ARRAYS_OF_TABLES.contains(&here.as_str()) && current.get(*part).is_none() {
            return Err(format!("the scenario has no `{here}`, so it has no element `{}` to set", parts[depth + 1]));
        }
        if last {
            current.insert(Spanned::new(span.clone(), part.to_string().into()), value);
            return Ok(());
        }
        let entry = current
            .entry(Spanned::new(span.clone(), part.to_string().into()))
            .or_insert_with(|| Spanned::new(span.clone(), DeValue::Table(DeTable::new())));
        current = match entry.get_mut() {
            DeValue::Table(t) => t,
            DeValue::Array(items) => {
                let next = parts[depth + 1];
                let pos = next.parse::<usize>().ok().filter(|i| *i < items.len()).or_else(|| {
                    items.iter().position(|it| {
                        it.get_ref().as_table().and_then(|t| t.get("name")).and_then(|n| n.get_ref().as_str())
                            == Some(next)
                    })
                });
                let Some(pos) = pos else {
                    let names: Vec<String> = items
                        .iter()
                        .enumerate()
                        .map(|(i, it)| {
                            match it.get_ref().as_table().and_then(|t| t.get("name")).and_then(|n| n.get_ref().as_str())
                            {
                                Some(name) => format!("`{name}`"),
                                None => format!("`{i}`"),
                            }
                        })
                        .collect();
                    return Err(format!(
                        "`{here}` has no element `{next}`: it has {} (give its index or its name)",
                        names.join(", ")
                    ));
                };
                if depth + 2 == parts.len() {
                    return Err(format!("`{key}` names a whole table; set one of its keys"));
                }
                match items.get_mut(pos).map(|it| it.get_mut()) {
                    Some(DeValue::Table(t)) => {
                        // Skip the element segment: continue below with the next key.
                        return set_path(t, &parts[depth + 2..].join("."), value, span);
                    }
                    _ => return Err(format!("`{here}.{next}` is not a table")),
                }
            }
            other => return Err(format!("`{here}` is a {}, not a table", other.type_str())),
        };
    }
    Ok(())
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end && outer.start < outer.end
}

/// Finds the deepest entry whose key or value span holds `span`. A table's
/// own span need not cover its keys (a `[header]` table's keys follow the
/// header), so every table is searched.
fn find_path(table: &DeTable<'_>, span: &Range<usize>, path: &mut Vec<Seg>) -> bool {
    for (k, v) in table.iter() {
        path.push(Seg::Key(k.get_ref().to_string()));
        if find_in_value(v.get_ref(), span, path) || contains(&k.span(), span) || contains(&v.span(), span) {
            return true;
        }
        path.pop();
    }
    false
}

/// Searches inside a table or array value.
fn find_in_value(v: &DeValue<'_>, span: &Range<usize>, path: &mut Vec<Seg>) -> bool {
    match v {
        DeValue::Table(t) => find_path(t, span, path),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let name = item.get_ref().as_table().and_then(|t| t.get("name")).and_then(|n| n.get_ref().as_str());
                path.push(Seg::Index(i, name.map(str::to_string)));
                if find_in_value(item.get_ref(), span, path) || contains(&item.span(), span) {
                    return true;
                }
                path.pop();
            }
            false
        }
        _ => false,
    }
}

/// Removes the entry at the deepest key of `path`. Returns false when
/// nothing could be removed.
fn remove_path(table: &mut DeTable<'_>, path: &[Seg]) -> bool {
    let last_key = path.iter().rposition(|s| matches!(s, Seg::Key(_)));
    let Some(last_key) = last_key else {
        return false;
    };
    let mut current: &mut DeTable<'_> = table;
    for (i, seg) in path[..last_key].iter().enumerate() {
        let next = match seg {
            Seg::Key(k) => match current.get_mut(k.as_str()).map(|v| v.get_mut()) {
                Some(v) => v,
                None => return false,
            },
            Seg::Index(..) => continue,
        };
        current = match next {
            DeValue::Table(t) => t,
            DeValue::Array(items) => match path.get(i + 1) {
                Some(Seg::Index(j, _)) => match items.get_mut(*j).map(|it| it.get_mut()) {
                    Some(DeValue::Table(t)) => t,
                    _ => return false,
                },
                _ => return false,
            },
            _ => return false,
        };
    }
    match &path[last_key] {
        Seg::Key(k) => current.remove(k.as_str()).is_some(),
        Seg::Index(..) => false,
    }
}
