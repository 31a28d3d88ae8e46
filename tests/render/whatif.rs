//! The what-if charts, drawn from small real runs: a sweep over one
//! parameter and over two, a comparison and a tornado; and the what-if
//! commands writing them unless `--no-charts`.

use plgsim::metrics::Horizon;
use plgsim::render;
use plgsim::whatif::compare::Entry;
use plgsim::whatif::sweep::{self, Axis};
use plgsim::whatif::{compare, sensitivity};
use plgsim::{Override, Scenario};

use super::{SCENARIO, assert_chart, assert_labels, check_xml, file, plgsim};

fn set(s: &str) -> Override {
    Override::parse(s).unwrap()
}

fn runs(n: u32) -> Vec<Override> {
    vec![set(&format!("scenario.runs={n}"))]
}

/// A scenario name that must be escaped.
const NAME: &str = r#"scenario.name="<b>Fish</b> & chips""#;
const NAME_ESCAPED: &str = "&lt;b&gt;Fish&lt;/b&gt; &amp; chips";

/// `report.html` of `files`: a page that references nothing outside itself,
/// with well-formed markup, every chart inline, and no unescaped name.
fn report(files: &[plgsim::output::OutputFile], charts: usize) -> String {
    let html = std::str::from_utf8(file(files, "report.html")).unwrap().to_string();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for forbidden in ["http://", "https://", "src=", "<script", "<link", "url(", "@import", "<img", "<b>"] {
        assert!(!html.contains(forbidden), "report.html contains {forbidden:?}");
    }
    let body = html.split_once("<body>").unwrap().1;
    check_xml(body.split_once("</body>").unwrap().0);
    assert_eq!(html.matches("<svg viewBox=").count(), charts, "inline charts");
    html
}

#[test]
fn a_one_parameter_sweep_draws_each_metric_against_the_parameter() {
    let axis = Axis::parse("free.usage_limit=1,2,3,5,8").unwrap();
    let metrics = [Horizon::RevenueTotal, Horizon::FreeToPaidConversion];
    let s = sweep::run(&Scenario::from_str("t.toml", SCENARIO, &runs(6)).unwrap(), &[axis], &metrics, &|| {}).unwrap();
    let files = render::sweep_charts(&s);
    assert_eq!(files.len(), 4, "a PNG and an SVG per metric");
    for name in ["sweep_revenue_total", "sweep_free_to_paid_conversion"] {
        assert_chart(&files, name);
    }
    assert_labels(
        &files,
        "sweep_revenue_total",
        &["Revenue by free.usage_limit", "Revenue ($)", "Median", "P10 to P90", "Mean", "Baseline 3", "mean $"],
    );
    assert_labels(
        &files,
        "sweep_free_to_paid_conversion",
        &["Free-to-paid conversion within the horizon (%)", "free.usage_limit"],
    );
}

#[test]
fn a_two_parameter_sweep_draws_a_heatmap_per_metric() {
    let axes =
        [Axis::parse("free.usage_limit=2,3,5").unwrap(), Axis::parse("plans.pro.price_per_month=10,15,25").unwrap()];
    let s = sweep::run(&Scenario::from_str("t.toml", SCENARIO, &runs(6)).unwrap(), &axes, &[Horizon::MrrFinal], &|| {})
        .unwrap();
    let files = render::sweep_charts(&s);
    assert_eq!(files.len(), 2);
    assert_chart(&files, "sweep_mrr_final");
    assert_labels(
        &files,
        "sweep_mrr_final",
        &[
            "MRR by free.usage_limit and plans.pro.price_per_month",
            "Best mean $",
            "Baseline $",
            "at free.usage_limit = 3, plans.pro.price_per_month = 15",
        ],
    );
}

#[test]
fn a_comparison_draws_mrr_by_scenario_and_the_figures_side_by_side() {
    let a = Scenario::from_str("t.toml", SCENARIO, &runs(8)).unwrap();
    let b = Scenario::from_str(
        "t.toml",
        SCENARIO,
        &[
            runs(8),
            vec![
                set("scenario.name=\"Shorter & dearer\""),
                set("scenario.months=6"),
                set("plans.pro.price_per_month=25"),
            ],
        ]
        .concat(),
    )
    .unwrap();
    let c = compare::run(
        &[Entry::file("a.toml", a), Entry::file("b.toml", b)],
        &[Horizon::MrrFinal, Horizon::SignupsTotal, Horizon::FreeToPaidConversion],
        &|| {},
    );
    let files = render::compare_charts(&c);
    assert_eq!(files.len(), 4);
    for name in ["compare_mrr", "compare_metrics"] {
        assert_chart(&files, name);
    }
    assert_labels(&files, "compare_mrr", &["Render test", "Shorter & dearer", "MRR ($ per month)", "Month"]);
    assert_labels(
        &files,
        "compare_metrics",
        &[
            "Render test",
            "Shorter & dearer",
            "MRR ($)",
            "Signups",
            "Free-to-paid conversion within the horizon (%)",
            "reference",
            "Δ ",
            "vs the first scenario",
        ],
    );
}

#[test]
fn a_sensitivity_analysis_draws_a_tornado() {
    let s = sensitivity::run(&Scenario::from_str("t.toml", SCENARIO, &runs(8)).unwrap(), Horizon::MrrFinal, &|| {})
        .unwrap();
    let files = render::sensitivity_charts(&s);
    assert_eq!(files.len(), 2);
    assert_chart(&files, "tornado_mrr_final");
    assert_labels(
        &files,
        "tornado_mrr_final",
        &[
            "What moves MRR",
            "free.conversion_per_month",
            "paid.churn_per_month",
            "Mean MRR ($)",
            "Input at its P10",
            "Input at its P90",
            "All inputs at their medians: $",
        ],
    );
}

#[test]
fn the_what_if_commands_write_charts_unless_no_charts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.toml"), SCENARIO).unwrap();
    let commands: [(&[&str], &[&str]); 3] = [
        (&["sweep", "t.toml", "--param", "free.usage_limit=2,3", "--metric", "mrr_final"], &["sweep_mrr_final"]),
        (&["compare", "t.toml", "t.toml"], &["compare_mrr", "compare_metrics"]),
        (&["sensitivity", "t.toml", "--metric", "mrr_final"], &["tornado_mrr_final"]),
    ];
    for (args, charts) in commands {
        for no_charts in [false, true] {
            let out_dir = format!("{}{}", args[0], if no_charts { "-bare" } else { "" });
            let mut all = args.to_vec();
            all.extend(["--runs", "4", "-q", "--out", &out_dir]);
            if no_charts {
                all.push("--no-charts");
            }
            let out = plgsim(&all, dir.path());
            assert!(out.status.success(), "{all:?}: {}", String::from_utf8_lossy(&out.stderr));
            let folder = dir.path().join(&out_dir);
            assert!(folder.join("summary.json").is_file(), "{all:?}");
            assert_eq!(folder.join("report.html").is_file(), !no_charts, "{all:?}: report.html");
            if no_charts {
                assert!(!folder.join("charts").exists(), "{all:?} wrote charts");
            } else {
                for name in charts {
                    for ext in ["png", "svg"] {
                        assert!(folder.join(format!("charts/{name}.{ext}")).is_file(), "{all:?}: {name}.{ext}");
                    }
                }
            }
        }
    }
}

#[test]
fn each_what_if_command_has_a_self_contained_report() {
    let base = [runs(6), vec![set(NAME)]].concat();
    let axis = Axis::parse("free.usage_limit=2,3,5").unwrap();
    let s = sweep::run(
        &Scenario::from_str("t.toml", SCENARIO, &base).unwrap(),
        &[axis],
        &[Horizon::MrrFinal, Horizon::LtvToCac],
        &|| {},
    )
    .unwrap();
    let html = report(&render::render_sweep(&s), 2);
    for part in [
        &format!("<h1>{NAME_ESCAPED}: sweep of free.usage_limit</h1>")[..],
        "id=\"mrr_final\"",
        "id=\"ltv_to_cac\"",
        "<th class=\"num\"><code>free.usage_limit</code></th>",
        "<td>baseline",
        "--param free.usage_limit=2,3,5 --metric mrr_final --metric ltv_to_cac --runs 6 --seed 11",
    ] {
        assert!(html.contains(part), "sweep report lacks {part:?}");
    }

    let a = Scenario::from_str("t.toml", SCENARIO, &base).unwrap();
    let b = Scenario::from_str("t.toml", SCENARIO, &[base.clone(), vec![set("plans.pro.price_per_month=25")]].concat())
        .unwrap();
    let c = compare::run(&[Entry::file("a<1>.toml", a), Entry::file("b.toml", b)], &[Horizon::MrrFinal], &|| {});
    let html = report(&render::render_compare(&c), 2);
    for part in ["<code>a&lt;1&gt;.toml</code>", "reference", "Mean vs first", "are paired run by run"] {
        assert!(html.contains(part), "compare report lacks {part:?}");
    }
    // The two scenarios share a name: each is labelled with its file.
    assert!(html.contains(&format!("<tr><td>{NAME_ESCAPED} (a&lt;1&gt;.toml)</td>")), "{html}");
    assert!(html.contains(&format!("<tr><td>{NAME_ESCAPED} (b.toml)</td>")));

    let s =
        sensitivity::run(&Scenario::from_str("t.toml", SCENARIO, &base).unwrap(), Horizon::MrrFinal, &|| {}).unwrap();
    let html = report(&render::render_sensitivity(&s), 1);
    for part in [
        &format!("<h1>{NAME_ESCAPED}: what moves MRR</h1>")[..],
        "<code>free.conversion_per_month</code>",
        "<code>paid.churn_per_month</code>",
        "Rank ρ",
    ] {
        assert!(html.contains(part), "sensitivity report lacks {part:?}");
    }
}
