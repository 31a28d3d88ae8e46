//! `report.html`: one self-contained page with a run's key figures, charts,
//! unit economics, parameters and warnings.
//!
//! Invariant: the page references nothing outside itself: no URL (not even
//! the SVG namespace, which HTML does not need), no `src=`, no script, no
//! web font. Every text that comes from the scenario (name, description,
//! keys, channel names) is HTML-escaped.

use std::fmt::Write;

use super::RenderedChart;
use crate::format;
use crate::metrics::{Horizon, Unit};
use crate::scenario::Scenario;
use crate::stats::Stat;
use crate::summary::Summary;

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The figures shown as cards at the top.
const KEY_FIGURES: &[Horizon] = &[
    Horizon::ArrFinal,
    Horizon::MrrFinal,
    Horizon::PaidAccountsFinal,
    Horizon::SignupsTotal,
    Horizon::FreeToPaidConversion,
    Horizon::ActivationRate,
    Horizon::KFactor,
    Horizon::RevenueTotal,
];

/// The unit-economics table.
const UNIT_ECONOMICS: &[Horizon] = &[
    Horizon::CacBlended,
    Horizon::CacPaid,
    Horizon::Ltv,
    Horizon::LtvToCac,
    Horizon::CacPaybackMonths,
    Horizon::Arpa,
    Horizon::GrossMargin,
    Horizon::LogoChurnMonthly,
    Horizon::Nrr12m,
    Horizon::Grr12m,
    Horizon::LtvRealized,
    Horizon::CostToServeFreeTotal,
    Horizon::CostToServeFreePerConversion,
];

pub(crate) const STYLE: &str = r#"
:root { --ink: #222; --muted: #5a5a5a; --line: #ddd; --band: #f5f7fa; --accent: #0072b2; --warn: #d55e00; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 32px 28px 64px; }
h1 { font-size: 2.2em; margin: 0 0 4px; line-height: 1.2; }
h2 { font-size: 1.5em; margin: 48px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
.description { font-size: 1.15em; margin: 4px 0 8px; }
.meta { color: var(--muted); margin: 0 0 12px; }
nav { margin: 12px 0 0; color: var(--muted); }
nav a { color: var(--accent); margin-right: 18px; text-decoration: none; }
.warnings { border-left: 6px solid var(--warn); background: #fdf0e6; padding: 12px 18px; margin: 20px 0; }
.warnings h2 { border: 0; margin: 0 0 6px; padding: 0; font-size: 1.2em; color: var(--warn); }
.warnings ul { margin: 0; padding-left: 20px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 14px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; background: var(--band); }
.card .name { color: var(--muted); font-size: 0.95em; }
.card .p50 { font-size: 2em; font-weight: 700; line-height: 1.25; font-variant-numeric: tabular-nums; }
.card .range { color: var(--muted); font-size: 0.9em; font-variant-numeric: tabular-nums; }
.card .beside { margin-top: 6px; padding-top: 6px; border-top: 1px solid var(--line); font-size: 0.9em; font-variant-numeric: tabular-nums; }
figure { margin: 28px 0 36px; break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
figcaption { color: var(--muted); margin-top: 8px; max-width: 70em; }
/* A table wider than the page scrolls sideways in its box, not off the page. */
.wide { max-width: 100%; overflow-x: auto; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 7px 12px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.def { color: var(--muted); font-size: 0.92em; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; background: var(--band); padding: 1px 5px; border-radius: 4px; }
.note { color: var(--muted); font-size: 0.95em; }
@media print { main { max-width: none; padding: 0; } nav { display: none; } h2 { break-after: avoid; } }
"#;

/// The report of a run, with the charts inline.
pub fn html(scenario: &Scenario, summary: &Summary, charts: &[RenderedChart]) -> String {
    let mut h = String::new();
    let name = escape(&summary.scenario);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{name}: plgsim report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
    );
    header(&mut h, summary);
    warnings(&mut h, summary);
    key_figures(&mut h, summary);
    h.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    for c in charts {
        let _ = write!(
            h,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>\n",
            c.name,
            inline_svg(&c.svg, &c.title),
            escape(&c.caption)
        );
    }
    h.push_str("</section>\n");
    unit_economics(&mut h, summary);
    parameters(&mut h, scenario, summary);
    reproducibility(&mut h, summary);
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn header(h: &mut String, s: &Summary) {
    let _ = write!(h, "<header>\n<h1>{}</h1>\n", escape(&s.scenario));
    if !s.description.is_empty() {
        let _ = writeln!(h, "<p class=\"description\">{}</p>", escape(&s.description));
    }
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} months simulated in steps of a {}, {} Monte Carlo runs, seed {}. \
         Figures are across runs: P50 is the median run, P10 and P90 bound the middle 80%.</p>",
        s.months, s.time_step, s.runs, s.seed
    );
    h.push_str(
        "<nav><a href=\"#key-figures\">Key figures</a><a href=\"#charts\">Charts</a>\
         <a href=\"#unit-economics\">Unit economics</a><a href=\"#parameters\">Parameters</a>\
         <a href=\"#reproducibility\">Reproducibility</a></nav>\n</header>\n",
    );
}

fn warnings(h: &mut String, s: &Summary) {
    warning_list(h, &s.warnings);
}

/// The warnings section of a report (nothing when there are none).
pub(crate) fn warning_list(h: &mut String, warnings: &[String]) {
    if warnings.is_empty() {
        return;
    }
    h.push_str("<section id=\"warnings\" class=\"warnings\">\n<h2>Warnings</h2>\n<ul>\n");
    for w in warnings {
        let _ = writeln!(h, "<li>{}</li>", escape(w));
    }
    h.push_str("</ul>\n</section>\n");
}

/// One key-figure card (closed by the caller, who may add to it).
fn card(h: &mut String, name: &str, def: &str, st: &Stat, u: Unit) {
    let _ = write!(
        h,
        "<div class=\"card\" title=\"{}\"><div class=\"name\">{}</div>\
         <div class=\"p50\">{}</div><div class=\"range\">P10 {} &ndash; P90 {}</div>",
        escape(def),
        escape(name),
        format::opt(st.p50(), u),
        format::opt(st.p10(), u),
        format::opt(st.p90(), u)
    );
}

/// Whether a figure of a scenario without revenue says something: defined
/// in some run and not zero in every run (paying accounts, conversions,
/// MRR: zero is all they can say, and the report says it once).
fn informative(st: &Stat) -> bool {
    let zero = |x: Option<f64>| x.is_none_or(|x| x == 0.0);
    st.defined_runs > 0 && !(zero(st.percentile(5)) && zero(st.percentile(95)) && zero(st.mean))
}

/// The cards of a scenario where no run earned revenue: accounts, not
/// money (every money figure would read $0).
fn account_cards(h: &mut String, s: &Summary) {
    let month = |name: &str, label: &str| s.last(name).map(|st| (format!("{label} in month {}", s.months), st));
    if let Some(st) = s.last("active_free") {
        let def = crate::metrics::monthly_definition("active_free");
        card(h, &format!("Active free accounts at month {}", s.months), &def, st, Unit::Count);
        h.push_str("</div>\n");
    }
    for f in [Horizon::SignupsTotal, Horizon::KFactor, Horizon::ActivationRate] {
        card(h, f.label(), f.definition(), s.horizon(f), f.unit());
        h.push_str("</div>\n");
    }
    for (name, label) in [("signups_total", "Signups"), ("signups_invite", "Invitation signups")] {
        if let Some((title, st)) = month(name, label).filter(|(_, st)| st.p90().is_some_and(|x| x > 0.0)) {
            card(h, &title, &crate::metrics::monthly_definition(name), st, Unit::Count);
            h.push_str("</div>\n");
        }
    }
    let cost = Horizon::CostToServeFreeTotal;
    if informative(s.horizon(cost)) {
        card(h, cost.label(), cost.definition(), s.horizon(cost), cost.unit());
        h.push_str("</div>\n");
    }
}

fn key_figures(h: &mut String, s: &Summary) {
    h.push_str("<section id=\"key-figures\">\n<h2>Key figures</h2>\n<div class=\"cards\">\n");
    if !s.has_revenue {
        account_cards(h, s);
    }
    for &f in KEY_FIGURES.iter().filter(|_| s.has_revenue) {
        let st = s.horizon(f);
        let u = f.unit();
        card(h, f.label(), f.definition(), st, u);
        if f == Horizon::FreeToPaidConversion {
            // The figure comparable to the eventual-conversion input, beside it.
            let e = Horizon::EventualConversion;
            let st = s.horizon(e);
            let _ = write!(
                h,
                "<div class=\"beside\" title=\"{}\">{}: <strong>{}</strong> (P10 {} &ndash; P90 {})</div>",
                escape(e.definition()),
                escape(e.label()),
                format::opt(st.p50(), Unit::Share),
                format::opt(st.p10(), Unit::Share),
                format::opt(st.p90(), Unit::Share)
            );
        }
        h.push_str("</div>\n");
    }
    h.push_str("</div>\n");
    if !s.has_revenue {
        h.push_str(
            "<p class=\"note\" id=\"no-revenue\">No run earned revenue (nobody pays in this scenario), so the \
             figures and charts are about accounts: signups, where they come from, and how many stay active. \
             MRR, revenue and the unit economics are zero or undefined in every run and are left out.</p>\n",
        );
    }
    if let (Some(cash), Some(p)) = (s.starting_cash, s.out_of_cash_probability) {
        let runway = s.horizon(Horizon::RunwayMonths);
        let _ = write!(
            h,
            "<p class=\"cash\">Starting cash {}: the cash runs out within the {} months in <strong>{}</strong> of the runs",
            format::opt(Some(cash), Unit::Money),
            s.months,
            format::opt(Some(p), Unit::Share),
        );
        if runway.defined_runs > 0 {
            let _ = write!(
                h,
                " (in those, a runway of {} months at the median, {} at P10)",
                format::opt(runway.p50(), Unit::Ratio),
                format::opt(runway.p10(), Unit::Ratio)
            );
        }
        let _ = writeln!(
            h,
            "; lowest cash balance P10 {}, P50 {}.</p>",
            format::opt(s.horizon(Horizon::CashBalanceMin).p10(), Unit::Money),
            format::opt(s.horizon(Horizon::CashBalanceMin).p50(), Unit::Money)
        );
    }
    if s.has_revenue {
        conversion_note(h);
    }
    h.push_str("</section>\n");
}

/// Why the two conversion figures differ.
fn conversion_note(h: &mut String) {
    h.push_str(
        "<p class=\"note\" id=\"conversion-note\">The <strong>free-to-paid conversion within the horizon</strong> \
         counts every signup of the horizon, the ones still free at its end (many to convert later) and the latest \
         as not converted; the <strong>eventual conversion</strong> follows the activated signups whose free life \
         ended, by paying or by leaving, and is the figure comparable to <code>free.eventual_conversion</code> \
         (<code>docs/metrics.md</code>).</p>\n",
    );
}

fn figure_table(h: &mut String, s: &Summary, figures: &[Horizon]) {
    h.push_str(
        "<div class=\"wide\"><table>\n<thead><tr><th>Figure</th><th class=\"num\">P10</th><th class=\"num\">P50</th>\
         <th class=\"num\">P90</th><th class=\"num\">Mean</th><th>Definition</th></tr></thead>\n<tbody>\n",
    );
    for &f in figures {
        let st = s.horizon(f);
        let u = f.unit();
        let (name, def) = (f.label(), f.definition());
        let mut def = escape(def);
        if st.defined_runs < s.runs as usize {
            let _ = write!(
                def,
                "{}(defined in {} of {} runs)",
                if def.is_empty() { "" } else { " " },
                st.defined_runs,
                s.runs
            );
        }
        let _ = writeln!(h, "<tr><td>{}</td>{}<td class=\"def\">{def}</td></tr>", escape(name), stat_cells(st, u));
    }
    h.push_str("</tbody>\n</table></div>\n");
}

pub(crate) fn stat_cells(st: &Stat, u: Unit) -> String {
    [st.p10(), st.p50(), st.p90(), st.mean].map(|x| format!("<td class=\"num\">{}</td>", format::opt(x, u))).concat()
}

fn unit_economics(h: &mut String, s: &Summary) {
    h.push_str("<section id=\"unit-economics\">\n<h2>Unit economics</h2>\n");
    if s.has_revenue {
        figure_table(h, s, UNIT_ECONOMICS);
    } else {
        h.push_str(
            "<p class=\"note\">No run earned revenue: CAC, LTV, ARPA, margins and retention are undefined or zero \
             in every run (they are in <code>summary.json</code>). Below, the figures that are not.</p>\n",
        );
    }
    let others: Vec<Horizon> = Horizon::ALL
        .iter()
        .copied()
        .filter(|f| !UNIT_ECONOMICS.contains(f))
        .filter(|&f| s.has_revenue || informative(s.horizon(f)))
        .collect();
    h.push_str("<h3>Other figures over the horizon</h3>\n");
    figure_table(h, s, &others);
    h.push_str(
        "<p class=\"note\">A figure undefined in a run (e.g. CAC when the run gained no paying \
         accounts) is left out of that figure's statistics.</p>\n</section>\n",
    );
}

/// A sampled parameter value: whole for counts, else four significant digits.
fn sampled(x: Option<f64>, integer: bool) -> String {
    match x {
        None => "n/a".into(),
        Some(x) if integer => format!("{x:.0}"),
        Some(x) => format::number(x),
    }
}

fn parameters(h: &mut String, scenario: &Scenario, s: &Summary) {
    h.push_str("<section id=\"parameters\">\n<h2>Parameters</h2>\n");
    if s.uncertain.is_empty() {
        h.push_str("<p>Every parameter has a fixed value: the runs differ only by chance events.</p>\n");
    } else {
        h.push_str(
            "<h3>Uncertain parameters</h3>\n\
             <p class=\"note\">Drawn once per run from the distribution in the scenario; the \
             sampled columns show the values the runs actually used.</p>\n\
             <div class=\"wide\"><table>\n<thead><tr><th>Parameter</th><th>Distribution</th><th class=\"num\">Sampled P5</th>\
             <th class=\"num\">P50</th><th class=\"num\">P95</th></tr></thead>\n<tbody>\n",
        );
        for (p, st) in &s.uncertain {
            let cells = [5, 50, 95]
                .map(|q| format!("<td class=\"num\">{}</td>", sampled(st.percentile(q), p.integer)))
                .concat();
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td>{cells}</tr>",
                escape(&p.key),
                escape(&p.dist.describe())
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
    }
    h.push_str(
        "<h3>Fixed parameters</h3>\n<p class=\"note\">Defaults included.</p>\n\
         <div class=\"wide\"><table>\n<thead><tr><th>Parameter</th><th>Value</th></tr></thead>\n<tbody>\n",
    );
    for p in scenario.params.iter().filter(|p| p.dist.is_fixed()) {
        let _ = writeln!(h, "<tr><td><code>{}</code></td><td>{}</td></tr>", escape(&p.key), escape(&p.dist.describe()));
    }
    h.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn reproducibility(h: &mut String, s: &Summary) {
    let _ = write!(
        h,
        "<section id=\"reproducibility\">\n<h2>Reproducibility</h2>\n\
         <p>Seed <strong>{seed}</strong>, <strong>{runs}</strong> runs, {months} months, steps of a {step}, \
         plgsim {version}. The same scenario file with the same seed and runs gives the same \
         figures on any machine and any number of threads:</p>\n\
         <p><code>plgsim run &lt;scenario.toml&gt; --seed {seed} --runs {runs} --months {months}</code></p>\n\
         <p class=\"note\">Percentiles are linear interpolations between runs (Hyndman and Fan's \
         definition 7, as in NumPy, pandas and Excel's PERCENTILE.INC). Every figure is also in \
         <code>summary.json</code>, <code>monthly.csv</code> and <code>runs.csv</code> beside this \
         report.</p>\n</section>\n",
        seed = s.seed,
        runs = s.runs,
        months = s.months,
        step = s.time_step,
        version = env!("CARGO_PKG_VERSION"),
    );
}

/// A chart's SVG document made into inline HTML: the opening tag is replaced
/// by one without size or namespace (HTML needs neither; the namespace is a
/// URL), so the chart scales to the page width by its viewBox.
pub(crate) fn inline_svg(svg: &str, title: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let end = svg[start..].find('>').map_or(start, |i| start + i + 1);
    let (w, h) = super::canvas::SIZE;
    format!("<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">{}", escape(title), &svg[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn inline_svg_drops_size_and_namespace() {
        let svg =
            r#"<svg width="1200" height="675" viewBox="0 0 1200 675" xmlns="http://www.w3.org/2000/svg"><rect/></svg>"#;
        assert_eq!(
            inline_svg(svg, "A <b>"),
            r#"<svg viewBox="0 0 1200 675" role="img" aria-label="A &lt;b&gt;"><rect/></svg>"#
        );
    }

    #[test]
    fn sampled_values_read_plainly() {
        assert_eq!(sampled(Some(0.0041234), false), "0.004123");
        assert_eq!(sampled(Some(12.5), false), "12.5");
        assert_eq!(sampled(Some(6000.4), false), "6000");
        assert_eq!(sampled(Some(2.6), true), "3");
        assert_eq!(sampled(Some(0.0), false), "0");
        assert_eq!(sampled(None, false), "n/a");
    }

    #[test]
    fn warnings_are_listed_escaped_and_absent_when_none() {
        let (scenario, _, mut summary) = crate::render::charts::testing::run();
        let page = html(&scenario, &summary, &[]);
        assert!(!page.contains("id=\"warnings\""));
        summary.warnings.push("runs <capped> & growth understated".into());
        let page = html(&scenario, &summary, &[]);
        assert!(page.contains(
            "<section id=\"warnings\" class=\"warnings\">\n<h2>Warnings</h2>\n<ul>\n\
             <li>runs &lt;capped&gt; &amp; growth understated</li>"
        ));
    }
}
