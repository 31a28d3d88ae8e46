//! Issue 10, "Teaching texts that are true": every claim `plgsim explain`
//! prints is checked against the simulation (`summary.json` of `plgsim run`
//! with the same runs and seed) or against the scenario.

use std::fs;

use assert_cmd::Command;
use plgsim::format;
use plgsim::metrics::Unit;

const RUNS: &str = "30";

fn plgsim() -> Command {
    Command::cargo_bin("plgsim").expect("the binary is built")
}

/// The text of `plgsim explain` for a shipped scenario.
fn explain(name: &str) -> String {
    let file = format!("scenarios/{name}.toml");
    let out = plgsim().args(["explain", &file, "--runs", RUNS, "--threads", "2"]).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// `summary.json` of `plgsim run` for a shipped scenario, same runs and seed.
fn summary(name: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = format!("scenarios/{name}.toml");
    plgsim()
        .args(["run", &file, "--runs", RUNS, "--threads", "2", "--no-charts", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

fn mean(summary: &serde_json::Value, metric: &str) -> f64 {
    summary["metrics"][metric]["mean"].as_f64().unwrap_or_else(|| panic!("{metric} has a mean"))
}

/// The cells of the table row of `figure`: formula, sim mean, P10, P50, P90.
fn row<'a>(text: &'a str, figure: &str) -> Vec<&'a str> {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{figure} ")))
        .unwrap_or_else(|| panic!("no row {figure}:\n{text}"));
    let cells: Vec<&str> = line.trim().split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    cells[1..].to_vec()
}

/// The `!` line of `figure`, if any.
fn flag<'a>(text: &'a str, figure: &str) -> Option<&'a str> {
    text.lines().find(|l| l.trim_start().starts_with(&format!("! {figure}:")))
}

fn flags(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.trim_start().starts_with("! ")).collect()
}

/// The text between `start` and the next `end` on the line containing `start`.
fn after<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text.find(start).unwrap_or_else(|| panic!("no {start:?} in:\n{text}")) + start.len();
    let rest = &text[i..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[test]
fn trackly_flags_k_cac_and_payback_and_names_its_own_mechanics() {
    let text = explain("trackly");
    let k = flag(&text, "k_factor").unwrap_or_else(|| panic!("K differs (1.67 vs about 1.0):\n{text}"));
    assert!(k.contains("free usage limits block sharing: blocked accounts invite at 30.0% of the rate"), "{k}");
    assert!(k.contains("limit hits make accounts leave"), "{k}");
    // About 3% of Trackly's market signs up in 24 months: saturation is not a cause.
    assert!(!k.contains("market saturation"), "{k}");
    let cac = flag(&text, "cac_blended").expect("CAC differs ($192 vs about $15)");
    assert!(cac.contains("limit hits convert accounts beyond the monthly conversion rate"), "{cac}");
    assert!(cac.contains("viral signups convert too"), "{cac}");
    assert!(flag(&text, "cac_payback_months").is_some(), "{text}");
    // Trackly has no trial, no sales, no seats, no annual plan: no line names them.
    for line in flags(&text) {
        for absent in ["trial", "sales", "PQL", "seat", "annual"] {
            assert!(!line.contains(absent), "trackly has no {absent}: {line}");
        }
    }
    assert!(!text.contains("annual billing on"), "{text}");
    assert!(!text.contains("PQLS AND SALES"), "{text}");
}

#[test]
fn formulas_exact_for_a_scenario_are_not_flagged() {
    // viral_k090: one plan, no limits, constant churn; K is exact (tests/whatif.rs).
    let text = explain("viral_k090");
    assert!(flag(&text, "k_factor").is_none(), "{text}");
    assert!(flag(&text, "activation_rate").is_none(), "{text}");
}

#[test]
fn a_flag_means_the_figures_differ_beyond_the_monte_carlo_error() {
    use plgsim::whatif::explain;
    // Two figures the same within their error are not flagged, however far
    // apart in relative terms; nor are figures 5 standard errors but 1% apart.
    assert!(!explain::differs(1.0, 1.5, 0.2));
    assert!(!explain::differs(100.0, 101.0, 0.1));
    assert!(explain::differs(1.69, 1.01, 0.01));
    // Every flagged row's formula and simulated mean print differently.
    for name in ["trackly", "devtool", "board_plan"] {
        let text = explain(name);
        for line in flags(&text) {
            let figure = line.trim_start()[2..].split(':').next().unwrap();
            let cells = row(&text, figure);
            assert_ne!(cells[0], cells[1], "{name}: {line}");
        }
    }
}

#[test]
fn devtool_has_a_pqls_and_sales_section_consistent_with_the_summary() {
    let text = explain("devtool");
    let s = summary("devtool");
    assert!(text.contains("\nPQLS AND SALES"), "{text}");
    let months = s["months"].as_f64().unwrap();
    let pqls = mean(&s, "pqls_total");
    let printed = after(&text, "PQLS AND SALES (simulated, 30 runs)\n  ", " PQLs over the");
    assert_eq!(printed, format::count(pqls), "{text}");
    assert!(text.contains(&format!("({} a month)", format::count(pqls / months))), "{text}");
    assert!(text.contains("can make 120 contacts a month (2880 over the horizon)"), "{text}");
    let worked = after(&text, "at most ", " of the PQLs can be worked");
    assert_eq!(worked, format::percent((120.0 / (pqls / months)).min(1.0)));
    // Far more PQLs than contacts: most are never worked, and the text says why.
    assert!(pqls > 5.0 * 2880.0, "{pqls}");
    assert!(text.contains("unused capacity is not carried over"), "{text}");
    assert!(text.contains("never contacted"), "{text}");
    let made: f64 = after(&text, "contacts made: ", " a month").parse().unwrap();
    assert!(made <= 120.0, "{made}");
    let busiest: f64 = after(&text, "(busiest month ", ")").parse().unwrap();
    assert!(busiest <= 120.0 && busiest >= made, "{busiest}");
}

#[test]
fn blended_cac_is_the_cac_blended_metric_on_both_sides() {
    use plgsim::whatif::explain::{Analytic, central_values};
    for name in ["trackly", "devtool"] {
        let text = explain(name);
        let s = summary(name);
        // The simulated side is the metric itself.
        let cells = row(&text, "cac_blended");
        assert_eq!(cells[1], format::value(mean(&s, "cac_blended"), Unit::Money), "{name}");
        // The formula side uses the same definition: (spend + sales cost) / customers.
        let file = format!("scenarios/{name}.toml");
        let scenario = plgsim::Scenario::from_str(&file, &fs::read_to_string(&file).unwrap(), &[]).unwrap();
        let a = Analytic::new(&scenario, &central_values(&scenario));
        let cac = a.cac_blended.unwrap();
        assert!((cac - (a.spend + a.sales_cost) / a.customers).abs() < 1e-9 * cac);
        assert_eq!(cells[0], format::value(cac, Unit::Money), "{name}");
        assert!(text.contains(&format!("blended CAC {} = (channel spend + sales cost)", cells[0])), "{text}");
    }
    // devtool's sales team: 24 months of $20k fixed and 120 contacts at $150.
    let file = "scenarios/devtool.toml";
    let scenario = plgsim::Scenario::from_str(file, &fs::read_to_string(file).unwrap(), &[]).unwrap();
    let a = Analytic::new(&scenario, &central_values(&scenario));
    assert_eq!(a.sales_cost, 24.0 * (20_000.0 + 120.0 * 150.0));
}

#[test]
fn only_a_scenario_with_a_market_size_says_the_market_runs_out() {
    let text = explain("viral_k110");
    assert!(text.contains("super-viral"), "{text}");
    assert!(!text.contains("market runs out"), "{text}");
    assert!(text.contains("growth compounds without end (no market size given)"), "{text}");
    assert!(flags(&text).iter().all(|l| !l.contains("market")), "{text}");
    let text = explain("syncbox");
    assert!(text.contains("super-viral"), "{text}");
    assert!(text.contains("until the market runs out"), "{text}");
}

#[test]
fn time_to_value_is_one_figure_with_one_rounding() {
    for name in ["trackly", "devtool"] {
        let text = explain(name);
        let s = summary(name);
        let cells = row(&text, "median_time_to_value_days");
        let line = after(&text, "median time to value ", "\n");
        let simulated = format::value(mean(&s, "median_time_to_value_days"), Unit::Days);
        assert_eq!(line, format!("{} (simulated mean {simulated})", cells[0]), "{name}");
        assert_eq!(cells[1], simulated, "{name}");
    }
}

#[test]
fn annual_billing_is_explained_where_a_plan_has_it() {
    let text = explain("bookly");
    let line = after(&text, "annual billing on pro: ", "\n");
    assert!(line.starts_with("40.0% of its new customers pay a year upfront at 20.0% off"), "{line}");
    assert!(line.contains("ARPA, MRR and revenue count them monthly"), "{line}");
    assert!(line.contains("cash_in collects 12 x MRR"), "{line}");
    // The claims: ARPA counts an annual customer at its monthly price after
    // the discount (the formula's ARPA, price x (1 - share x discount),
    // matches the simulation, and so does the gross margin with one fixed
    // fee a year); cash comes upfront while revenue is recognised monthly, so
    // a growing product collects more cash than it recognises.
    assert!(flag(&text, "arpa").is_none(), "{text}");
    assert!(flag(&text, "gross_margin").is_none(), "{text}");
    assert_eq!(row(&text, "arpa")[0], format::money(10.0 * (1.0 - 0.4 * 0.2)));
    let file = "scenarios/bookly.toml";
    let runs = plgsim::Override::parse("scenario.runs=10").unwrap();
    let scenario = plgsim::Scenario::from_str(file, &fs::read_to_string(file).unwrap(), &[runs]).unwrap();
    let sim = plgsim::simulate(&scenario, &|| {});
    let total = |m: plgsim::metrics::Monthly| -> f64 {
        sim.runs().iter().map(|r| (0..sim.months() as usize).map(|t| r.monthly(t, m)).sum::<f64>()).sum()
    };
    assert!(total(plgsim::metrics::Monthly::CashIn) > total(plgsim::metrics::Monthly::Revenue));
}
