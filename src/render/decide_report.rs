//! `report.html` of `plgsim target` and `plgsim optimize`: one
//! self-contained page, in the style of the other what-if reports.
//!
//! Invariant, as for every report: the page references nothing outside
//! itself, and every text that comes from a scenario is HTML-escaped.

use std::fmt::Write;

use super::RenderedChart;
use super::report::{escape, warning_list};
use super::whatif_report::{figure, page};
use crate::format;
use crate::whatif::target::{Outcome, Target};

/// The report of a goal seek; `charts` its chart.
pub fn target_html(t: &Target, charts: &[RenderedChart]) -> String {
    let m = t.goal.metric;
    let u = m.unit();
    let op = if m.higher_is_better() { "&ge;" } else { "&le;" };
    let stat = t.goal.statistic().name();
    let title = format!("{}: where {} reaches {}", t.scenario, m.name(), format::value(t.goal.reach, u));
    let mut h = String::new();
    let goal = match t.goal.probability {
        None => format!("the mean of {} {op} {}", escape(m.name()), escape(&format::value(t.goal.reach, u))),
        Some(p) => format!(
            "{} {op} {} with probability {} (the {} across runs {op} the target)",
            escape(m.name()),
            escape(&format::value(t.goal.reach, u)),
            escape(&format::percent(p)),
            escape(&stat)
        ),
    };
    let _ = write!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">The value of {} between {} and {} at which {goal}. {} runs per value, seed {}; \
         every value runs with the same random numbers.</p>\n</header>\n",
        escape(&title),
        escape(&t.lever.key),
        escape(&format::as_written(t.lever.low)),
        escape(&format::as_written(t.lever.high)),
        t.runs,
        t.seed
    );
    warning_list(&mut h, &t.warnings);
    h.push_str("<section id=\"answer\">\n<h2>Answer</h2>\n");
    match &t.outcome {
        Outcome::Found(roots) => {
            if roots.len() > 1 {
                h.push_str("<p>The curve is not monotone: it crosses the target more than once.</p>\n");
            }
            h.push_str("<ul>\n");
            for r in roots {
                let _ = writeln!(
                    h,
                    "<li>{} = <strong>{}</strong> ({}95% bootstrap interval {} to {}); the target is reached {} it.</li>",
                    escape(&t.lever.key),
                    escape(&format::number(r.value)),
                    if t.lever.integer {
                        format!("whole values only; the curve crosses at {}, ", escape(&format::number(r.crossing)))
                    } else {
                        String::new()
                    },
                    escape(&format::number(r.low)),
                    escape(&format::number(r.high)),
                    if r.reached_above { "above" } else { "below" }
                );
            }
            h.push_str("</ul>\n");
        }
        Outcome::OutOfReach { at, stat: s, end } => {
            let _ = writeln!(
                h,
                "<p><strong>Out of reach</strong> in this range: the best {} is {} at {} = {} ({}).</p>",
                escape(&stat),
                escape(&format::value(*s, u)),
                escape(&t.lever.key),
                escape(&format::as_written(*at)),
                match *end {
                    "low" => "the low end of the range",
                    "high" => "the high end of the range",
                    _ => "inside the range",
                }
            );
        }
        Outcome::Everywhere { at, stat: s } => {
            let _ = writeln!(
                h,
                "<p><strong>Reached everywhere</strong> in this range; the least margin is at {} = {} ({} {}).</p>",
                escape(&t.lever.key),
                escape(&format::as_written(*at)),
                escape(&stat),
                escape(&format::value(*s, u))
            );
        }
        Outcome::Undefined => {
            let _ = writeln!(h, "<p>{} is undefined at every value.</p>", escape(m.name()));
        }
    }
    let _ = write!(
        h,
        "<p class=\"note\">{} simulations: a coarse grid, then each bracket refined by the Illinois method to {} \
         (integer levers: whole values). The interval is a bootstrap over runs ({} resamples).</p>\n</section>\n",
        t.simulations(),
        escape(&format::number(t.tolerance)),
        t.bootstrap
    );
    for c in charts {
        figure(&mut h, c);
    }
    let _ = write!(
        h,
        "<section id=\"curve\">\n<h2>The curve</h2>\n<table>\n<thead><tr><th>{}</th><th>mean</th><th>P10</th><th>P50</th>\
         <th>P90</th><th>{}</th><th>runs reaching</th></tr></thead>\n<tbody>\n",
        escape(&t.lever.key),
        escape(&stat)
    );
    for p in &t.curve {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&format::number(p.x)),
            escape(&format::opt(p.mean, u)),
            escape(&format::opt(p.p10, u)),
            escape(&format::opt(p.p50, u)),
            escape(&format::opt(p.p90, u)),
            escape(&format::opt(p.stat, u)),
            escape(&p.p_reach.map_or("n/a".into(), format::percent))
        );
    }
    h.push_str("</tbody>\n</table>\n<p class=\"note\">Every figure is also in <code>target.csv</code> and <code>summary.json</code>.</p>\n</section>\n");
    page(&title, &h)
}

/// The report of a search (no chart: the table of points is the picture).
#[cfg(feature = "optimize")]
pub fn optimize_html(o: &crate::whatif::optimize::Optimum) -> String {
    let m = o.objective.metric;
    let u = m.unit();
    let stat = o.objective.statistic.name();
    let keys: Vec<&str> = o.levers.iter().map(|l| l.key.as_str()).collect();
    let title = format!("{}: best {} of {} over {}", o.scenario, stat, m.name(), keys.join(" and "));
    let describe = |i: usize| o.describe(i);
    let mut h = String::new();
    let _ = write!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">{} the {} of {}{}. {} runs per point, seed {}; every point runs with the \
         same random numbers. {} simulations of a {}-point lattice ({}).</p>\n</header>\n",
        escape(&title),
        if m.higher_is_better() { "Maximise" } else { "Minimise" },
        escape(&stat),
        escape(m.name()),
        if o.constraints.is_empty() {
            String::new()
        } else {
            format!(" subject to {}", escape(&o.constraints.iter().map(|c| c.text()).collect::<Vec<_>>().join(", ")))
        },
        o.runs,
        o.seed,
        o.simulations(),
        o.full_grid,
        if o.exhaustive { "evaluated in full" } else { "argmin's Nelder-Mead on the lattice, then a lattice polish" }
    );
    warning_list(&mut h, &o.warnings);
    h.push_str("<section id=\"best\">\n<h2>Best</h2>\n");
    match o.best {
        None => h.push_str("<p>No evaluated point meets the constraints.</p>\n"),
        Some(b) => {
            let _ = writeln!(
                h,
                "<p><strong>{}</strong>: {} {} {}.</p>",
                escape(&describe(b)),
                escape(&stat),
                escape(m.name()),
                escape(&format::opt(o.points[b].objective, u))
            );
            h.push_str(
                "<table>\n<thead><tr><th>runner-up</th><th>objective</th><th>best minus it (95% interval)</th>\
                 <th>best better in</th><th>beyond noise</th></tr></thead>\n<tbody>\n",
            );
            for r in &o.runners_up {
                let diff = r.objective_diff.map_or("n/a".to_string(), |(d, l, hi)| {
                    format!(
                        "{} [{}, {}]",
                        format::difference(d, u),
                        format::difference(l, u),
                        format::difference(hi, u)
                    )
                });
                let win = r.diff.map_or("n/a".to_string(), |d| format::percent(d.win(m.higher_is_better()).p));
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&describe(r.point)),
                    escape(&format::opt(o.points[r.point].objective, u)),
                    escape(&diff),
                    escape(&win),
                    if r.beyond_noise { "yes" } else { "no" }
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
    }
    h.push_str("</section>\n<section id=\"points\">\n<h2>Every point evaluated</h2>\n<table>\n<thead><tr><th>#</th>");
    for k in &keys {
        let _ = write!(h, "<th>{}</th>", escape(k));
    }
    let _ = write!(h, "<th>{}</th>", escape(&stat));
    for c in &o.constraints {
        let _ = write!(h, "<th>{}</th>", escape(&c.text()));
    }
    h.push_str("<th>feasible</th></tr></thead>\n<tbody>\n");
    for (i, p) in o.points.iter().enumerate() {
        let _ = write!(h, "<tr><td>{}</td>", i + 1);
        for c in &p.coords {
            let _ = write!(h, "<td>{}</td>", escape(&format::as_written(*c)));
        }
        let _ = write!(h, "<td>{}</td>", escape(&format::opt(p.objective, u)));
        for (c, s) in o.constraints.iter().zip(&p.constraints) {
            let _ = write!(h, "<td>{}</td>", escape(&format::opt(*s, c.metric.unit())));
        }
        let _ = writeln!(h, "<td>{}</td></tr>", if p.feasible { "yes" } else { "no" });
    }
    h.push_str("</tbody>\n</table>\n<p class=\"note\">Every figure is also in <code>optimize.csv</code> and <code>summary.json</code>.</p>\n</section>\n");
    page(&title, &h)
}
