//! Problems found in a scenario, with where they are.
//!
//! A scenario is checked in full before anything runs, and every problem is
//! reported at once: a [`ScenarioError`] holds all of them. Each names the key
//! path, what was expected and, when the value comes from the file or from a
//! `--set` argument, the line and column with the offending text underlined.

use std::fmt;
use std::ops::Range;

/// One thing wrong with a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Dotted key path, e.g. `limit_hit.convert`; empty for a syntax error.
    pub key: String,
    /// What is wrong and what was expected.
    pub message: String,
    pub location: Option<Location>,
}

/// Where a problem is: a file position or a `--set` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    /// The file path, or `--set KEY=VALUE` for a command-line override.
    pub origin: String,
    /// 1-based line and column (in characters). For an override, the line
    /// within its value (1 but for a multi-line value), and on its first
    /// line the column within the whole argument `--set KEY=VALUE`.
    pub line: usize,
    pub column: usize,
    /// The text of that line (for an override's first line, the argument
    /// `--set KEY=VALUE`), and how many characters to underline.
    pub line_text: String,
    pub width: usize,
}

/// All the problems found in a scenario (at least one).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScenarioError {
    pub problems: Vec<Problem>,
}

impl From<Problem> for ScenarioError {
    fn from(p: Problem) -> ScenarioError {
        ScenarioError { problems: vec![p] }
    }
}

impl std::error::Error for ScenarioError {}

impl fmt::Display for ScenarioError {
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

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("error: ")?;
        match &self.location {
            // A command-line value has no lines: name the argument.
            Some(loc) if loc.origin.starts_with("--") => write!(f, "{}: ", loc.origin)?,
            Some(loc) => write!(f, "{}:{}:{}: ", loc.origin, loc.line, loc.column)?,
            None => {}
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(loc) = &self.location {
            // An argument has no line number: its line is the argument.
            let num = if loc.origin.starts_with("--") { " ".to_string() } else { loc.line.to_string() };
            let pad = " ".repeat(num.len());
            write!(
                f,
                "\n{pad} |\n{num} | {}\n{pad} | {}{}",
                loc.line_text,
                " ".repeat(loc.column - 1),
                "^".repeat(loc.width.max(1))
            )?;
        }
        Ok(())
    }
}

/// The text a scenario was read from: the file, followed by the values of
/// the `--set` overrides (so that every span in the parsed document maps
/// back to either a file position or an override).
#[derive(Debug, Clone)]
pub struct Source {
    pub text: String,
    pub file_name: String,
    file_len: usize,
    overrides: Vec<(Range<usize>, String)>,
}

impl Source {
    pub fn new(file_name: &str, text: &str) -> Source {
        Source { text: text.to_string(), file_name: file_name.to_string(), file_len: text.len(), overrides: Vec::new() }
    }

    /// Appends an override's value text, labelled by its argument
    /// (`--set KEY=VALUE`, or a flag such as `--engine counts`); returns the
    /// offset at which it starts in [`Source::text`].
    pub fn push_override(&mut self, label: &str, value: &str) -> usize {
        self.text.push('\n');
        let start = self.text.len();
        self.text.push_str(value);
        self.overrides.push((start..self.text.len(), label.to_string()));
        start
    }

    /// The position of the override labelled `origin` among the overrides.
    pub fn override_index(&self, origin: &str) -> usize {
        self.overrides.iter().position(|(_, label)| label == origin).unwrap_or(usize::MAX)
    }

    pub fn file_text(&self) -> &str {
        &self.text[..self.file_len]
    }

    pub fn locate(&self, span: Range<usize>) -> Location {
        let (origin, base, text) = match self.overrides.iter().find(|(r, _)| r.contains(&span.start)) {
            Some((r, label)) => (label.clone(), r.start, &self.text[r.clone()]),
            None => (self.file_name.clone(), 0, self.file_text()),
        };
        let start = (span.start - base).min(text.len());
        let end = (span.end.saturating_sub(base)).clamp(start, text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line_text = text[line_start..line_end].trim_end_matches('\r').to_string();
        let line = text[..start].matches('\n').count() + 1;
        let mut column = text[line_start..start].chars().count() + 1;
        let mut width = text[start..end.min(line_end)].chars().count();
        let mut line_text = line_text;
        // An override's value is the end of its argument: show the argument.
        if line == 1
            && let Some(prefix) = origin.strip_suffix(text).filter(|p| p.starts_with("--"))
        {
            column += prefix.chars().count();
            line_text = format!("{prefix}{line_text}");
        } else if line == 1
            && origin.starts_with("--")
            && let Some(prefix) = origin.strip_suffix(text.trim_matches('"'))
        {
            // A flag (`--engine counts`) whose value became the TOML string
            // `"counts"`: show the flag, the value underlined.
            column = prefix.chars().count() + 1;
            width = origin.chars().count() - prefix.chars().count();
            line_text = origin.clone();
        }
        Location { origin, line, column, line_text, width }
    }
}

/// The problem with scenario bytes that are not UTF-8: where the first
/// invalid byte is (line and column, in the text as read with replacement
/// characters) and what it is.
pub fn invalid_utf8(file_name: &str, bytes: &[u8], error: std::str::Utf8Error) -> Problem {
    let at = error.valid_up_to();
    let len = error.error_len().unwrap_or(bytes.len() - at);
    let shown: Vec<String> = bytes[at..at + len].iter().map(|b| format!("0x{b:02x}")).collect();
    let text = String::from_utf8_lossy(bytes);
    // The invalid bytes became one U+FFFD (3 bytes) at the same offset.
    let location = Source::new(file_name, &text).locate(at..at + '\u{FFFD}'.len_utf8());
    Problem {
        key: String::new(),
        message: format!(
            "not valid UTF-8: byte{} {} at byte offset {at} (save the file as UTF-8)",
            if len == 1 { "" } else { "s" },
            shown.join(" ")
        ),
        location: Some(location),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_line_column_and_caret() {
        let src = Source::new("x.toml", "[a]\nb = 1.3\n");
        let p =
            Problem { key: "a.b".into(), message: "expected a probability".into(), location: Some(src.locate(8..11)) };
        assert_eq!(p.to_string(), "error: x.toml:2:5: a.b: expected a probability\n  |\n2 | b = 1.3\n  |     ^^^");
    }

    #[test]
    fn override_spans_map_to_the_argument() {
        let mut src = Source::new("x.toml", "a = 1\n");
        let at = src.push_override("--set b.c=oops", "oops");
        let loc = src.locate(at..at + 4);
        assert_eq!((loc.origin.as_str(), loc.line, loc.column, loc.width), ("--set b.c=oops", 1, 11, 4));
        // The caret is under the value within the argument, with no line number.
        let p = Problem { key: "b.c".into(), message: "expected a number".into(), location: Some(loc) };
        assert_eq!(
            p.to_string(),
            "error: --set b.c=oops: b.c: expected a number\n  |\n  | --set b.c=oops\n  |           ^^^^"
        );
    }
}
