//! A snapshot of every exporter's bytes, from small scenarios (a few runs,
//! a few months) so that each runs in well under a second. The version is
//! written as `[version]`.

use super::*;
use crate::metrics::Horizon;
use crate::scenario::{Override, Scenario};
use crate::whatif::compare::Entry;
use crate::whatif::sweep::Axis;
use crate::whatif::{compare, sensitivity, sweep};

/// Two uncertain inputs, so `runs.csv` and the sensitivity have columns
/// and rows to show.
const SMALL: &str = r#"
[scenario]
name = "Small"
months = 4
runs = 5
seed = 11
[initial]
free_accounts = 300
[acquisition.organic]
signups_per_month = 60
[free]
usage_limit = 3
conversion_per_month = [0.01, 0.04]
churn_per_month = 0.05
[[plans]]
name = "pro"
price_per_month = [10, 20]
[paid]
churn_per_month = 0.03
"#;

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("UTF-8").replace(env!("CARGO_PKG_VERSION"), "[version]")
}

fn small(overrides: &[&str]) -> Scenario {
    let ovr: Vec<Override> = overrides.iter().map(|o| Override::parse(o).expect("an override")).collect();
    Scenario::from_str("small.toml", SMALL, &ovr).expect("a valid scenario")
}

#[test]
fn runs_csv_snapshot() {
    let s = small(&[]);
    let sim = crate::engine::simulate(&s, &|| {});
    insta::assert_snapshot!("runs_csv", text(runs_csv(&s, &sim)));
}

#[test]
fn sweep_snapshots() {
    let axis = Axis::parse("free.usage_limit=2,3").unwrap();
    let metrics = [Horizon::MrrFinal, Horizon::LtvToCac];
    let s = sweep::run(&Scenario::from_str("small.toml", SMALL, &[]).unwrap(), &[axis], &metrics, &|| {}).unwrap();
    insta::assert_snapshot!("sweep_csv", text(sweep_csv(&s)));
    insta::assert_snapshot!("sweep_summary_json", text(sweep_json(&s)));
}

/// A scenario named like a formula and a file named `-b.toml` are quoted
/// in `compare.csv`, not in `summary.json`.
#[test]
fn compare_snapshots() {
    let a = small(&[]);
    let b = small(&["scenario.name=\"=Dearer\"", "plans.pro.price_per_month=25"]);
    let c = compare::run(&[Entry::file("small.toml", a), Entry::file("-b.toml", b)], &[Horizon::MrrFinal], &|| {});
    insta::assert_snapshot!("compare_csv", text(compare_csv(&c)));
    insta::assert_snapshot!("compare_summary_json", text(compare_json(&c)));
}

#[test]
fn sensitivity_snapshots() {
    let s =
        sensitivity::run(&Scenario::from_str("small.toml", SMALL, &[]).unwrap(), Horizon::MrrFinal, &|| {}).unwrap();
    insta::assert_snapshot!("sensitivity_csv", text(sensitivity_csv(&s)));
    insta::assert_snapshot!("sensitivity_summary_json", text(sensitivity_json(&s)));
}
