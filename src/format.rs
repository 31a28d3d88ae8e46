//! Numbers for people: `$12.3k`, `$1.2M`, `3.4%`, `2.1x`.

use crate::metrics::Unit;

/// Money with a k/M/B suffix and three significant digits: `$950`, `$12.3k`, `$1.25M`.
pub fn money(x: f64) -> String {
    let sign = if x < 0.0 { "-" } else { "" };
    let a = x.abs();
    // Thresholds just below 1000 of a unit, so that 999.6k reads $1.00M, not $1000k.
    let (v, suffix) = if a >= 999.5e6 {
        (a / 1e9, "B")
    } else if a >= 999.5e3 {
        (a / 1e6, "M")
    } else if a >= 999.5 {
        (a / 1e3, "k")
    } else {
        (a, "")
    };
    format!("{sign}${}{suffix}", sig3(v, suffix.is_empty()))
}

/// A count with k/M/B suffixes above ten thousand: `950`, `12.3k`, `1.35B`.
pub fn count(x: f64) -> String {
    let a = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    if a >= 999.5e6 {
        format!("{sign}{}B", sig3(a / 1e9, false))
    } else if a >= 999.5e3 {
        format!("{sign}{}M", sig3(a / 1e6, false))
    } else if a >= 1e4 {
        format!("{sign}{}k", sig3(a / 1e3, false))
    } else if a >= 100.0 || a == a.round() {
        format!("{sign}{:.0}", a)
    } else {
        format!("{sign}{}", sig3(a, false))
    }
}

/// A share as a percentage: `3.4%`, `0.25%`, `100%`.
pub fn percent(x: f64) -> String {
    let p = 100.0 * x;
    if p.abs() >= 10.0 {
        format!("{p:.1}%")
    } else if p.abs() >= 1.0 {
        format!("{p:.2}%")
    } else {
        format!("{p:.3}%")
    }
}

fn sig3(v: f64, whole_if_small: bool) -> String {
    if v >= 100.0 || (whole_if_small && v >= 10.0) {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A plain number such as a parameter's value: whole from 1000 up, else
/// four significant digits, without trailing zeros: `0.004123`, `12.5`, `0.5`,
/// `6000`.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".into();
    }
    if x.abs() >= 1000.0 {
        return format!("{x:.0}");
    }
    let digits = if x == 0.0 { 0 } else { (3 - libm::floor(libm::log10(x.abs())) as i32).max(0) as usize };
    let s = format!("{x:.digits$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" { "0".into() } else { s }
}

/// A value as its user would write it: the shortest decimal that reads back
/// as the value rounded to 12 significant digits, so binary fractions from a
/// range (`0.06999999999999999`) print as given (`0.07`); whole values have
/// no decimal point (`5`, not `5.0`).
pub fn as_written(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let rounded: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    if rounded == rounded.trunc() && rounded.abs() < 1e15 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

/// A value in its unit.
pub fn value(x: f64, unit: Unit) -> String {
    match unit {
        Unit::Money => money(x),
        Unit::Share => percent(x),
        Unit::Count => count(x),
        Unit::Ratio => format!("{x:.2}"),
        Unit::Months => format!("{x:.1} mo"),
        Unit::Days => format!("{x:.1} d"),
    }
}

/// A difference in a unit, without sign: a difference of shares is in
/// percentage points (`1.35 pp`), not a percentage.
pub fn gap(x: f64, unit: Unit) -> String {
    match unit {
        Unit::Share => percent(x).replace('%', " pp"),
        _ => value(x, unit),
    }
}

/// A difference with its sign: `+$1.20k`, `-12`, `+1.35 pp`.
pub fn difference(x: f64, unit: Unit) -> String {
    let s = gap(x, unit);
    if x > 0.0 { format!("+{s}") } else { s }
}

/// A paired difference for the console: the mean with its 95% interval,
/// the P10 and P90 of the per-run difference, and how often the variant is
/// better: `mean diff +$32.7k [+$26.7k, +$38.7k], per run P10 -$38.9k, P90
/// +$95.1k; better in 79% of runs [75%, 83%]`. A variant that never differs
/// reads `tie in every run`.
pub fn paired(d: &crate::whatif::Difference, unit: Unit, higher_is_better: bool) -> String {
    if d.above == 0 && d.below == 0 {
        return "tie in every run".to_string();
    }
    let w = d.win(higher_is_better);
    let whole = |x: f64| format!("{:.0}%", 100.0 * x);
    let tied = d.runs - d.above - d.below;
    let ties = if tied > 0 { format!(", {tied} of {} runs tied (counted as half)", d.runs) } else { String::new() };
    format!(
        "mean diff {} [{}, {}], per run P10 {}, P90 {}; better in {} of runs [{}, {}]{ties}",
        difference(d.mean, unit),
        difference(d.low, unit),
        difference(d.high, unit),
        difference(d.p10, unit),
        difference(d.p90, unit),
        whole(w.p),
        whole(w.low),
        whole(w.high),
    )
}

/// A plain number to three significant digits: `1.13`, `0.0452`, `12.5`, `1250`.
pub fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (2 - libm::floor(libm::log10(x.abs())) as i32).max(0) as usize;
    format!("{x:.decimals$}")
}

/// Where a paired comparison's wins and losses part: `loses when
/// pricing.conversion_elasticity > 1.13 (right in 88% of runs)`.
pub fn separator(s: &crate::whatif::Separator) -> String {
    let (verb, other) = if s.wins_above { ("wins", "loses") } else { ("loses", "wins") };
    format!(
        "{verb} when {} > {}, {other} below (right in {:.0}% of runs)",
        s.input,
        sig(s.threshold),
        100.0 * s.accuracy
    )
}

/// An optional value; undefined reads "n/a".
pub fn opt(x: Option<f64>, unit: Unit) -> String {
    x.map_or_else(|| "n/a".to_string(), |x| value(x, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_values_print_as_written() {
        // 0.05..0.1:6 computes 0.05 + 2 * 0.01 = 0.06999999999999999.
        assert_eq!(as_written(0.05 + 2.0 * 0.01), "0.07");
        assert_eq!(as_written(0.1 + 0.2), "0.3");
        assert_eq!(as_written(5.0), "5");
        assert_eq!(as_written(-0.0), "0");
        assert_eq!(as_written(1234.5), "1234.5");
        assert_eq!(as_written(0.025), "0.025");
        assert_eq!(as_written(1.0 / 3.0), "0.333333333333");
        assert_eq!(as_written(1e-7), "0.0000001");
    }

    #[test]
    fn money_reads_like_a_board_deck() {
        assert_eq!(money(950.0), "$950");
        assert_eq!(money(12_345.0), "$12.3k");
        assert_eq!(money(1_250_000.0), "$1.25M");
        assert_eq!(money(-4_200.0), "-$4.20k");
        assert_eq!(money(12.0), "$12");
        assert_eq!(money(9.5), "$9.50");
        assert_eq!(money(999_600.0), "$1.00M");
        assert_eq!(money(999.7), "$1.00k");
    }

    #[test]
    fn percentages_and_counts() {
        assert_eq!(percent(0.034), "3.40%");
        assert_eq!(percent(0.25), "25.0%");
        assert_eq!(count(12_345.0), "12.3k");
        assert_eq!(count(950.0), "950");
        assert_eq!(count(2.5), "2.50");
        assert_eq!(count(999_700.0), "1.00M");
        assert_eq!(count(1_348_000_000.0), "1.35B");
        assert_eq!(count(999_400_000.0), "999M");
    }

    #[test]
    fn plain_numbers_keep_four_significant_digits() {
        assert_eq!(number(0.0041234), "0.004123");
        assert_eq!(number(0.014309), "0.01431");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(55.70641), "55.71");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(6000.4), "6000");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(-0.25), "-0.25");
        assert_eq!(number(0.0), "0");
    }
}

/// `text` safe to print on a terminal: control characters other than
/// newline and tab (escape sequences, carriage returns, backspaces, C1
/// controls) and the bidirectional overrides are shown as `\u{..}` escapes,
/// so text from a scenario cannot clear the screen, move the cursor or
/// reorder what is displayed.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod terminal_tests {
    use super::terminal_safe;

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        let name = "evil\x1b[2J\x1b[Hall checks passed\r\u{8}\u{9b}\u{202e}";
        let safe = terminal_safe(name);
        assert_eq!(safe, "evil\\u{1b}[2J\\u{1b}[Hall checks passed\\u{d}\\u{8}\\u{9b}\\u{202e}");
        assert!(!safe.chars().any(|c| c.is_control()));
        assert_eq!(terminal_safe("two\nlines\tand a tab"), "two\nlines\tand a tab");
    }
}
