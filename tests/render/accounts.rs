//! Scenarios where nobody pays (issue 10): the run's report and charts lead
//! with accounts, `compare` overlays accounts, and `--chart METRIC` charts
//! any monthly metric (and refuses an unknown one).

use std::path::Path;

use plgsim::render;
use plgsim::summary::Summary;
use plgsim::{Override, Scenario, simulate};

use super::{assert_chart, assert_labels, file, plgsim};

fn teaching(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name).display().to_string()
}

/// `viral_k090.toml` (conversion 0), small.
fn viral() -> Scenario {
    let ovr = ["scenario.runs=20", "scenario.months=24"].map(|s| Override::parse(s).unwrap());
    Scenario::from_file(Path::new(&teaching("viral_k090.toml")), &ovr).expect("valid scenario")
}

#[test]
fn a_run_without_revenue_leads_with_accounts_and_shows_no_dollar_figures() {
    let scenario = viral();
    let sim = simulate(&scenario, &|| {});
    let summary = Summary::new(&scenario, &sim);
    assert!(!summary.has_revenue);
    let files = render::render(&scenario, &summary, &sim);
    assert_chart(&files, "active_free");
    assert_labels(&files, "active_free", &["Active free accounts", "Active free accounts at month end", "Month"]);
    assert_labels(&files, "horizon_distributions", &["Active free accounts at month 24", "Signups", "K-factor"]);
    for zero in ["mrr_fan", "mrr_movements", "cohort_conversion", "funnel"] {
        assert!(!files.iter().any(|f| f.path.starts_with(&format!("charts/{zero}."))), "{zero} drawn");
    }
    let html = std::str::from_utf8(file(&files, "report.html")).unwrap();
    let charts = html.find("<section id=\"charts\">").unwrap();
    let key = &html[html.find("<section id=\"key-figures\">").unwrap()..charts];
    assert!(!key.contains("$0"), "{key}");
    for card in ["Active free accounts at month 24", "Signups", "K-factor", "Activation rate"] {
        assert!(key.contains(&format!("<div class=\"name\">{card}</div>")), "no card {card}: {key}");
    }
    assert!(!key.contains("<div class=\"name\">MRR") && !key.contains("<div class=\"name\">ARR"), "{key}");
    // The accounts chart comes first.
    assert!(html[charts..].find("<figure id=").unwrap() == html[charts..].find("<figure id=\"active_free\">").unwrap());
    assert!(!html.contains("$0.00"), "a $0 figure in the report");
}

#[test]
fn comparing_the_k_pair_overlays_accounts_not_mrr() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (teaching("viral_k090.toml"), teaching("viral_k110.toml"));
    let args = ["compare", &a, &b, "--runs", "20", "--months", "24", "--out", "cmp"];
    let out = plgsim(&args, dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("k_factor (K-factor)") && !stdout.contains("mrr_final"), "{stdout}");
    let charts = dir.path().join("cmp/charts");
    for name in ["active_free", "signups_total", "compare_metrics"] {
        assert!(charts.join(format!("{name}.png")).is_file(), "{name}.png");
    }
    assert!(!charts.join("compare_mrr.png").exists());
    let svg = std::fs::read_to_string(charts.join("active_free.svg")).unwrap();
    for label in ["Active free accounts by scenario", "Viral loop, K = 0.9", "Viral loop, K = 1.1"] {
        assert!(svg.contains(label), "active_free.svg lacks {label:?}");
    }
    let html = std::fs::read_to_string(dir.path().join("cmp/report.html")).unwrap();
    assert!(!html.contains("MRR is $0"));
    assert!(html.contains("<figure id=\"active_free\">"));
}

#[test]
fn chart_draws_any_monthly_metric_in_run_and_compare() {
    let dir = tempfile::tempdir().unwrap();
    let k = teaching("viral_k090.toml");
    let out = plgsim(
        &["run", &k, "--runs", "20", "--months", "24", "--chart", "signups_invite", "--out", "run", "-q"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = dir.path().join("run");
    for ext in ["png", "svg"] {
        assert!(run.join(format!("charts/signups_invite.{ext}")).is_file());
    }
    let svg = std::fs::read_to_string(run.join("charts/signups_invite.svg")).unwrap();
    assert!(svg.contains("signups_invite per month") && svg.contains("P10 to P90"));
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("<figure id=\"signups_invite\">"));
    assert!(html.contains("New accounts from accepted external invitations."));

    let args = ["compare", &k, &teaching("viral_k110.toml"), "--runs", "20", "--months", "12"];
    let out = plgsim(&[&args[..], &["--chart", "signups_invite", "--out", "cmp", "-q"]].concat(), dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = std::fs::read_to_string(dir.path().join("cmp/charts/signups_invite.svg")).unwrap();
    assert!(svg.contains("signups_invite by scenario") && svg.contains("Viral loop, K = 1.1"));
}

#[test]
fn a_revenue_run_keeps_its_charts_and_adds_the_one_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.toml"), super::SCENARIO).unwrap();
    let out = plgsim(&["run", "t.toml", "--runs", "8", "--chart", "cash_balance", "--out", "o", "-q"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let charts = dir.path().join("o/charts");
    for name in super::CHARTS.iter().chain(&["cash_balance"]) {
        assert!(charts.join(format!("{name}.png")).is_file(), "{name}.png");
    }
    assert!(!charts.join("active_free.png").exists());
    let svg = std::fs::read_to_string(charts.join("cash_balance.svg")).unwrap();
    assert!(svg.contains("cash_balance at month end ($)"));
}

#[test]
fn an_unknown_chart_metric_exits_2_listing_the_names_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let k = teaching("viral_k090.toml");
    for args in [
        vec!["run", &k, "--runs", "20", "--chart", "signups_invite", "--chart", "signups_viral"],
        vec!["compare", &k, &k, "--runs", "20", "--chart", "signups_viral"],
    ] {
        let out = plgsim(&[&args[..], &["--out", "o"]].concat(), dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr
                .starts_with("error: --chart: unknown monthly metric `signups_viral`, expected one of signups_total, "),
            "{stderr}"
        );
        for name in ["signups_invite", "active_free", "mrr", "cash_balance"] {
            assert!(stderr.contains(name), "{stderr}");
        }
        assert!(!dir.path().join("o").exists(), "{args:?} wrote output");
    }
    let out = plgsim(&["run", &k, "--runs", "20", "--chart", "active_free", "--no-charts", "--out", "o"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--chart asks for a chart and --no-charts for none"));
    assert!(!dir.path().join("o").exists());
}
