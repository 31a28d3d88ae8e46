//! `report.html` of the what-if commands (sweep, compare, sensitivity): one
//! self-contained page with the charts and the figures behind them, in the
//! style of the run report ([`super::report`]).
//!
//! Invariant, as for the run report: the page references nothing outside
//! itself (no URL, no `src=`, no script, no web font), and every text that
//! comes from a scenario (names, descriptions, files, keys) is HTML-escaped.

use std::fmt::Write;

use super::RenderedChart;
use super::charts::{signed, value_label};
use super::report::{STYLE, escape, inline_svg, stat_cells, warning_list};
use crate::format;
use crate::metrics::{Horizon, Unit};
use crate::whatif::Difference;
use crate::whatif::compare::Comparison;
use crate::whatif::sensitivity::{Sensitivity, rho_text};
use crate::whatif::sweep::{self, Sweep};

/// Sweeps with more points list only the baseline and the best ones in the
/// page's tables (`sweep.csv` has them all).
const MAX_TABLE_POINTS: usize = 100;
/// Points listed per metric when the sweep has more than [`MAX_TABLE_POINTS`].
const TOP_POINTS: usize = 10;

/// The page around `body`.
pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(title)
    )
}

/// A chart with its caption, inline.
pub(super) fn figure(h: &mut String, c: &RenderedChart) {
    let _ = write!(
        h,
        "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
        escape(&c.name),
        inline_svg(&c.svg, &c.title),
        escape(&c.caption)
    );
}

/// The mean difference and its 95% interval, as two cells.
fn diff_cells(d: Option<Difference>, u: Unit) -> String {
    match d {
        Some(d) => format!(
            "<td class=\"num\">{}</td><td class=\"num\">{} to {}</td>",
            signed(d.mean, u),
            signed(d.low, u),
            signed(d.high, u)
        ),
        None => "<td class=\"num\">n/a</td><td class=\"num\">n/a</td>".into(),
    }
}

/// The probability of being better with its 95% interval and the run-by-run
/// spread of a paired difference (its P10 to P90), as two cells.
fn spread_cells(d: Option<Difference>, u: Unit, higher_is_better: bool) -> String {
    match d {
        Some(d) if d.above == 0 && d.below == 0 => {
            "<td class=\"num\">tie</td><td class=\"num\">0 in every run</td>".into()
        }
        Some(d) => {
            let w = d.win(higher_is_better);
            format!(
                "<td class=\"num\">{:.0}% ({:.0}% to {:.0}%)</td><td class=\"num\">{} to {}</td>",
                100.0 * w.p,
                100.0 * w.low,
                100.0 * w.high,
                signed(d.p10, u),
                signed(d.p90, u),
            )
        }
        None => "<td class=\"num\">n/a</td><td class=\"num\">n/a</td>".into(),
    }
}

/// `text` with a capital first letter, to start a sentence.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn better(m: Horizon) -> &'static str {
    if m.higher_is_better() { "higher is better" } else { "lower is better" }
}

fn reproducibility(h: &mut String, command: &str, files: &str) {
    let _ = write!(
        h,
        "<section id=\"reproducibility\">\n<h2>Reproducibility</h2>\n\
         <p>plgsim {}. The same command gives the same figures on any machine and any number of threads:</p>\n\
         <p><code>{}</code></p>\n<p class=\"note\">Percentiles are linear interpolations between runs \
         (Hyndman and Fan's definition 7). Every figure is also in {files} beside this report.</p>\n</section>\n",
        env!("CARGO_PKG_VERSION"),
        escape(command)
    );
}

/// The report of a sweep; `charts` are its charts, one per metric in order.
pub fn sweep_html(s: &Sweep, charts: &[RenderedChart]) -> String {
    let keys: Vec<&str> = s.axes.iter().map(|a| a.key.as_str()).collect();
    let title = format!("{}: sweep of {}", s.scenario, keys.join(" and "));
    let mut h = String::new();
    let _ = write!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">{} points, {} runs per point, seed {}. Every point runs \
         with the same random numbers, so its difference against the baseline ({}) is paired run by run; \
         the intervals are 95% intervals of the mean difference.</p>\n<nav>",
        escape(&title),
        s.points.len(),
        s.runs,
        s.seed,
        escape(&sweep::describe(&s.axes, &s.points[s.baseline].coords))
    );
    for m in &s.metrics {
        let _ = write!(h, "<a href=\"#{}\">{}</a>", m.name(), escape(m.label()));
    }
    h.push_str("<a href=\"#reproducibility\">Reproducibility</a></nav>\n</header>\n");
    warning_list(&mut h, &s.warnings);
    for (i, m) in s.metrics.iter().enumerate() {
        let _ = write!(
            h,
            "<section id=\"{}\">\n<h2>{}</h2>\n<p class=\"note\">{}; {}.</p>\n",
            m.name(),
            escape(m.label()),
            escape(&capitalized(m.definition())),
            better(*m)
        );
        if let Some(c) = charts.get(i) {
            figure(&mut h, c);
        }
        sweep_table(&mut h, s, i);
        h.push_str("</section>\n");
    }
    let params: String = s.axes.iter().map(|a| format!(" --param {}={}", a.key, a.values_arg())).collect::<String>();
    let metrics: String = s.metrics.iter().map(|m| format!(" --metric {}", m.name())).collect();
    let command = format!("plgsim sweep <scenario.toml>{params}{metrics} --runs {} --seed {}", s.runs, s.seed);
    reproducibility(&mut h, &command, "<code>sweep.csv</code> and <code>summary.json</code>");
    page(&title, &h)
}

fn sweep_table(h: &mut String, s: &Sweep, m: usize) {
    let u = s.metrics[m].unit();
    let mut rows: Vec<usize> = (0..s.points.len()).collect();
    let all = rows.len() <= MAX_TABLE_POINTS;
    if !all {
        // The best points by mean, and the baseline.
        let higher = s.metrics[m].higher_is_better();
        rows.retain(|&i| s.points[i].stats[m].mean.is_some());
        rows.sort_by(|&a, &b| {
            let (x, y) = (s.points[a].stats[m].mean.unwrap_or(0.0), s.points[b].stats[m].mean.unwrap_or(0.0));
            if higher { y.total_cmp(&x) } else { x.total_cmp(&y) }
        });
        rows.truncate(TOP_POINTS);
        if !rows.contains(&s.baseline) {
            rows.push(s.baseline);
        }
        let _ = writeln!(
            h,
            "<p class=\"note\">The {TOP_POINTS} best of {} points by mean, and the baseline; \
             <code>sweep.csv</code> lists every point.</p>",
            s.points.len()
        );
    }
    h.push_str("<div class=\"wide\"><table>\n<thead><tr>");
    for a in &s.axes {
        let _ = write!(h, "<th class=\"num\"><code>{}</code></th>", escape(&a.key));
    }
    h.push_str(
        "<th class=\"num\">P10</th><th class=\"num\">P50</th><th class=\"num\">P90</th><th class=\"num\">Mean</th>\
         <th class=\"num\">Mean vs baseline</th><th class=\"num\">95% interval</th>\
         <th class=\"num\">Better in (95%)</th><th class=\"num\">Run by run, P10 to P90</th><th></th></tr></thead>\n<tbody>\n",
    );
    for &i in &rows {
        let p = &s.points[i];
        h.push_str("<tr>");
        for (a, c) in s.axes.iter().zip(&p.coords) {
            let text = if a.is_words() { escape(&a.label(*c)) } else { value_label(*c) };
            let _ = write!(h, "<td class=\"num\">{text}</td>");
        }
        let mut marks = Vec::new();
        if i == s.baseline {
            marks.push("baseline");
        }
        match sweep::best_mark(s, m, i) {
            Some("best") => marks.push("best mean"),
            Some(_) => marks.push("tie for best mean"),
            None => {}
        }
        let (diff, spread) = if i == s.baseline {
            ("<td></td><td></td>".to_string(), "<td></td><td></td>".to_string())
        } else {
            (diff_cells(p.vs_baseline[m], u), spread_cells(p.vs_baseline[m], u, s.metrics[m].higher_is_better()))
        };
        let _ = writeln!(h, "{}{diff}{spread}<td>{}</td></tr>", stat_cells(&p.stats[m], u), marks.join(", "));
    }
    h.push_str("</tbody>\n</table></div>\n");
    // Where an uncertain input decides whether a point wins.
    for i in rows {
        if let Some(sep) = &s.points[i].separator[m] {
            let _ = writeln!(
                h,
                "<p class=\"note\">At {}: {}.</p>",
                escape(&sweep::describe(&s.axes, &s.points[i].coords)),
                escape(&crate::format::separator(sep))
            );
        }
    }
}

/// The report of a comparison, with its charts.
pub fn compare_html(c: &Comparison, charts: &[RenderedChart]) -> String {
    let names: Vec<&str> = c.variants.iter().map(|v| v.label.as_str()).collect();
    let title = format!("Comparison: {}", names.join(" vs "));
    let first = names.first().copied().unwrap_or("");
    let mut h = String::new();
    let pairing = if c.paired {
        format!(
            "Every scenario has the same seed, so run r of each uses the same random numbers: the differences \
             against the first scenario ({}) are paired run by run, with 95% intervals of the mean difference.",
            escape(first)
        )
    } else {
        "The scenarios have different seeds, so their differences are not paired and none is shown \
         (compare with <code>--seed</code> to pair them)."
            .into()
    };
    let _ = write!(h, "<header>\n<h1>{}</h1>\n<p class=\"meta\">{pairing}</p>\n</header>\n", escape(&title));
    h.push_str(
        "<section id=\"scenarios\">\n<h2>Scenarios</h2>\n<div class=\"wide\"><table>\n<thead><tr><th>Scenario</th><th>File</th>\
         <th class=\"num\">Months</th><th class=\"num\">Runs</th><th class=\"num\">Seed</th><th>Description</th>\
         </tr></thead>\n<tbody>\n",
    );
    for v in &c.variants {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"def\">{}</td></tr>",
            escape(&v.label),
            match &v.set {
                Some(set) => format!("{}</code> with <code>{}", escape(&v.file), escape(set)),
                None => escape(&v.file),
            },
            v.summary.months,
            v.summary.runs,
            v.seed,
            escape(&v.summary.description)
        );
    }
    h.push_str("</tbody>\n</table></div>\n</section>\n<section id=\"charts\">\n<h2>Charts</h2>\n");
    for chart in charts {
        figure(&mut h, chart);
    }
    h.push_str("</section>\n<section id=\"figures\">\n<h2>Figures</h2>\n");
    for (m, metric) in c.metrics.iter().enumerate() {
        let u = metric.unit();
        let _ = write!(
            h,
            "<h3>{}</h3>\n<p class=\"note\">{}; {}.</p>\n<div class=\"wide\"><table>\n<thead><tr><th>Scenario</th><th class=\"num\">P10</th>\
             <th class=\"num\">P50</th><th class=\"num\">P90</th><th class=\"num\">Mean</th>\
             <th class=\"num\">Mean vs first</th><th class=\"num\">95% interval</th>\
             <th class=\"num\">Better in (95%)</th><th class=\"num\">Run by run, P10 to P90</th><th></th></tr></thead>\n<tbody>\n",
            escape(metric.label()),
            escape(&capitalized(metric.definition())),
            better(*metric)
        );
        for (i, v) in c.variants.iter().enumerate() {
            let diff = if i == 0 {
                "<td class=\"num\">reference</td><td></td><td></td><td></td>".to_string()
            } else if c.paired {
                diff_cells(v.vs_first[m], u) + &spread_cells(v.vs_first[m], u, metric.higher_is_better())
            } else {
                "<td></td><td></td><td></td><td></td>".to_string()
            };
            let mark = match c.best_mark(m, i) {
                Some("best") => "best mean",
                Some(_) => "tie for best mean",
                None => "",
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td>{}{diff}<td>{mark}</td></tr>",
                escape(&v.label),
                stat_cells(&v.stats[m], u)
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
        for v in &c.variants {
            if let Some(sep) = &v.separator[m] {
                let _ = writeln!(
                    h,
                    "<p class=\"note\">{}: {}.</p>",
                    escape(&v.label),
                    escape(&crate::format::separator(sep))
                );
            }
        }
    }
    h.push_str("</section>\n");
    // The files, then the variants (of the first file) as `--variant`
    // arguments: `compare` puts the variants after the first file.
    let files: String = c
        .variants
        .iter()
        .filter(|v| v.variant_arg.is_none())
        .map(|v| format!(" {}", v.file))
        .chain(c.variants.iter().filter_map(|v| Some(format!(" --variant \"{}\"", v.variant_arg.as_ref()?))))
        .collect();
    let metrics: String = c.metrics.iter().map(|m| format!(" --metric {}", m.name())).collect();
    reproducibility(
        &mut h,
        &format!("plgsim compare{files}{metrics}{}", shared_settings(c)),
        "<code>compare.csv</code> and <code>summary.json</code>",
    );
    page(&title, &h)
}

/// ` --runs 100 --seed 7 --months 24`: the runs, seed and months of the
/// comparison, each when every scenario has the same (as with `--runs`,
/// `--seed`, `--months`; when they differ, each file's own apply and the
/// command needs none).
fn shared_settings(c: &Comparison) -> String {
    let shared = |f: &dyn Fn(&crate::whatif::compare::Variant) -> u64| -> Option<u64> {
        let first = f(c.variants.first()?);
        c.variants.iter().all(|v| f(v) == first).then_some(first)
    };
    let mut out = String::new();
    for (flag, value) in [
        ("runs", shared(&|v| u64::from(v.summary.runs))),
        ("seed", shared(&|v| v.seed)),
        ("months", shared(&|v| u64::from(v.summary.months))),
    ] {
        if let Some(x) = value {
            let _ = write!(out, " --{flag} {x}");
        }
    }
    out
}

/// The report of a sensitivity analysis, with its tornado.
pub fn sensitivity_html(s: &Sensitivity, charts: &[RenderedChart]) -> String {
    let u = s.metric.unit();
    let title = format!("{}: what moves {}", s.scenario, s.metric.label());
    let mut h = String::new();
    let _ = write!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">{} runs per variant, seed {}. {}: {}. With every uncertain \
         input at its median, its mean is <strong>{}</strong>.</p>\n</header>\n",
        escape(&title),
        s.runs,
        s.seed,
        escape(s.metric.label()),
        escape(s.metric.definition()),
        format::opt(s.base_output, u)
    );
    warning_list(&mut h, &s.warnings);
    for c in charts {
        figure(&mut h, c);
    }
    h.push_str(
        "<section id=\"inputs\">\n<h2>Uncertain inputs</h2>\n<p class=\"note\">Largest swing first. \
         <em>At P10</em> and <em>at P90</em>: the mean output with that input at its P10 or P90 and every other \
         uncertain input at its median, all variants with the same random numbers. <em>Rank ρ</em>: \
         Spearman's rank correlation between the input's sampled values and the output across the runs of the scenario as \
         written (all inputs varying together), with its 95% interval: Fisher's z transformation with the rank-correlation \
         variance 1.06 / (n &minus; 3) of Fieller, Hartley and Pearson (1957), over n runs.</p>\n\
         <div class=\"wide\"><table>\n<thead><tr><th>Input</th><th class=\"num\">P10</th>\
         <th class=\"num\">P50</th><th class=\"num\">P90</th><th class=\"num\">At P10</th><th class=\"num\">At P90</th>\
         <th class=\"num\">Swing</th><th class=\"num\">Rank ρ</th><th class=\"num\">95% interval</th></tr></thead>\n<tbody>\n",
    );
    for r in &s.rows {
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td></tr>",
            escape(&r.key),
            format::number(r.p10),
            format::number(r.p50),
            format::number(r.p90),
            format::opt(r.output_at_p10, u),
            format::opt(r.output_at_p90, u),
            format::value(r.swing, u),
            r.rank_correlation.map_or("n/a".into(), rho_text),
            r.rank_correlation_interval.map_or("n/a".into(), |(lo, hi)| format!(
                "{} to {}",
                rho_text(lo),
                rho_text(hi)
            ))
        );
    }
    h.push_str("</tbody>\n</table></div>\n</section>\n");
    reproducibility(
        &mut h,
        &format!("plgsim sensitivity <scenario.toml> --metric {} --runs {} --seed {}", s.metric.name(), s.runs, s.seed),
        "<code>sensitivity.csv</code> and <code>summary.json</code>",
    );
    page(&title, &h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_start_with_a_capital() {
        assert_eq!(capitalized("monthly recurring revenue"), "Monthly recurring revenue");
        assert_eq!(capitalized(""), "");
    }

    #[test]
    fn differences_read_as_a_signed_mean_and_interval() {
        let d = Difference {
            mean: 0.0135,
            low: 0.013,
            high: 0.014,
            runs: 10,
            p10: 0.0,
            p50: 0.0,
            p90: 0.0,
            above: 0,
            below: 0,
        };
        assert_eq!(
            diff_cells(Some(d), Unit::Share),
            "<td class=\"num\">+1.35 pp</td><td class=\"num\">+1.30 pp to +1.40 pp</td>"
        );
        assert_eq!(diff_cells(None, Unit::Money), "<td class=\"num\">n/a</td><td class=\"num\">n/a</td>");
    }

    #[test]
    fn spread_cells_give_the_probability_of_being_better_and_the_run_by_run_spread() {
        let d = Difference::of(&[-10.0, 20.0, 30.0, 40.0]);
        let cells = spread_cells(Some(d), Unit::Count, true);
        assert!(cells.starts_with("<td class=\"num\">75% ("), "{cells}");
        assert!(cells.contains(" to +37</td>"), "{cells}");
        // Lower is better: the same runs make it better in 25%.
        assert!(spread_cells(Some(d), Unit::Count, false).starts_with("<td class=\"num\">25% ("));
        let tie = spread_cells(Some(Difference::of(&[0.0; 5])), Unit::Count, true);
        assert_eq!(tie, "<td class=\"num\">tie</td><td class=\"num\">0 in every run</td>");
    }
}
