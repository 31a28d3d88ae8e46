//! The run report's funnel and the conversion figures (docs/metrics.md,
//! "Funnel" and "Eventual conversion"): the stages nest run by run in every
//! shipped scenario, the funnel's shares are the figures of the same name
//! in summary.json, and the eventual conversion recovers the
//! `free.eventual_conversion` input.

use crate::util::{Z, mean_se, run};
use plgsim::metrics::Horizon;
use plgsim::scenario::Override;
use plgsim::summary::Summary;
use plgsim::{Scenario, output, simulate};

/// The funnel's stages, top down; `None` where the scenario lacks one.
const STAGES: [Horizon; 5] = [
    Horizon::SignupsTotal,
    Horizon::FunnelActivated,
    Horizon::FunnelLimitHit,
    Horizon::FunnelPql,
    Horizon::FunnelPaying,
];

/// Per run: each stage at most the stage above it, the funnel's paying
/// accounts among the signups that became paying, and the free-to-paid
/// conversion their share of the signups.
fn check_nesting(what: &str, sim: &plgsim::engine::Simulation) {
    for (i, r) in sim.runs().iter().enumerate() {
        let stages: Vec<f64> = STAGES.iter().filter_map(|&h| r.horizon(h)).collect();
        for w in stages.windows(2) {
            assert!(w[1] <= w[0], "{what} run {i}: a funnel stage exceeds the one above it: {stages:?}");
        }
        let converted = r.horizon(Horizon::SignupsConverted).unwrap();
        let signups = r.horizon(Horizon::SignupsTotal).unwrap();
        assert!(stages[stages.len() - 1] <= converted && converted <= signups, "{what} run {i}: {stages:?}");
        assert_eq!(
            r.horizon(Horizon::FreeToPaidConversion),
            (signups > 0.0).then(|| converted / signups),
            "{what} run {i}"
        );
    }
}

/// Equal up to the last bit or two: serde_json's default float parser may
/// round the shortest representation it wrote one unit in the last place off.
fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 4.0 * f64::EPSILON * b.abs(),
        (a, b) => a == b,
    }
}

/// The funnel's numbers as summary.json gives them and as the summary
/// computes them from the runs: the same figures.
fn check_agreement(what: &str, summary: &Summary) {
    let json: serde_json::Value = serde_json::from_slice(&output::summary_json(summary)).unwrap();
    let stages = json["funnel"]["stages"].as_array().unwrap();
    assert_eq!(stages.len(), summary.funnel.stages.len(), "{what}");
    let mut previous: Option<f64> = None;
    let signups = json["metrics"]["signups_total"]["mean"].as_f64().unwrap();
    for (doc, stage) in stages.iter().zip(&summary.funnel.stages) {
        let name = doc["metric"].as_str().unwrap();
        assert_eq!(name, stage.metric.name(), "{what}");
        // The stage's count is its metric's mean in summary.json ...
        let mean = json["metrics"][name]["mean"].as_f64().unwrap();
        assert!(same(doc["accounts"].as_f64(), Some(mean)), "{what} {name}");
        assert!(same(Some(stage.accounts), Some(mean)), "{what} {name}");
        // ... and its shares are the ratios of those means.
        assert!(same(doc["of_previous"].as_f64(), previous.map(|p| mean / p)), "{what} {name}");
        assert!(same(doc["of_signups"].as_f64(), Some(mean / signups)), "{what} {name}");
        assert!(same(stage.of_previous, previous.map(|p| mean / p)), "{what} {name}");
        previous = Some(mean);
    }
    let any = &json["funnel"]["paying_any_path"];
    let converted = json["metrics"]["signups_converted"]["mean"].as_f64().unwrap();
    assert!(same(any["accounts"].as_f64(), Some(converted)), "{what}");
    assert!(same(any["of_signups"].as_f64(), Some(converted / signups)), "{what}");
    // The stages a scenario lacks are undefined in every run, not zero.
    for h in [Horizon::FunnelLimitHit, Horizon::FunnelPql] {
        let defined = json["metrics"][h.name()]["defined_runs"].as_u64().unwrap();
        let shown = summary.funnel.stages.iter().any(|s| s.metric == h);
        assert_eq!(shown, defined > 0, "{what} {}", h.name());
    }
}

/// Every shipped scenario, at a few runs of its own step: the funnel nests
/// in every run and agrees with summary.json.
#[test]
fn every_shipped_scenario_has_a_nested_funnel_that_agrees_with_its_figures() {
    let mut paths: Vec<_> = std::fs::read_dir("scenarios")
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let path = path.to_str().expect("utf-8 path").to_string();
        let base = Scenario::from_file(path.as_ref(), &[]).unwrap_or_else(|e| panic!("{path}: {e}"));
        let set = [Override { key: "scenario.runs".into(), value: "6".into(), origin: None }];
        let scenario = base.with_overrides(&set).unwrap();
        let sim = simulate(&scenario, &|| {});
        check_nesting(&path, &sim);
        let summary = Summary::new(&scenario, &sim);
        check_agreement(&path, &summary);
        // The stages that the scenario's mechanics have.
        let labels: Vec<&str> = summary.funnel.stages.iter().map(|s| s.label).collect();
        eprintln!("{path}: {labels:?}");
        assert_eq!(labels[..2], ["Signed up", "Activated"], "{path}");
        assert_eq!(labels.last(), Some(&"Became paying"), "{path}");
    }
}

/// The paths that could break the nesting: PQLs by seats before their
/// limit hit, limit hits again after a return from dormancy and after a
/// referral bonus, conversions at a limit hit before activation, trials
/// dropping back to free.
#[test]
fn the_funnel_nests_when_accounts_come_back_hit_again_and_qualify_early() {
    let text = r#"
[scenario]
months = 18
runs = 8
seed = 5
time_step = "week"
[initial]
free_accounts = 300
paid_accounts = 20
[acquisition.organic]
signups_per_month = 400
[activation]
probability = 0.6
time_to_value_median_months = 0.3
[usage]
median_per_month = 2
sigma = 1.0
[trial]
start = "activation"
start_probability = 0.3
length_months = 0.5
conversion = 0.2
after = "free"
[free]
usage_limit = 4
seat_limit = 2
conversion_per_month = 0.01
churn_per_month = 0.1
reactivation_per_month = 0.2
[limit_hit]
convert = 0.2
churn = 0.1
convert_before_activation = 0.3
blocked_conversion_per_month = 0.03
[referral]
limit_bonus = 2
max_bonus = 6
[invites]
per_active_seat_per_month = 0.5
acceptance = 0.4
[teams]
internal_share = 0.6
[pql]
min_seats = 2
min_usage = 3
[sales]
contacts_per_month = 30
conversion = 0.3
plan = "pro"
[[plans]]
name = "pro"
price_per_month = 10
"#;
    let (scenario, sim) = run(text);
    check_nesting("constructed", &sim);
    let summary = Summary::new(&scenario, &sim);
    check_agreement("constructed", &summary);
    let labels: Vec<&str> = summary.funnel.stages.iter().map(|s| s.label).collect();
    assert_eq!(labels, ["Signed up", "Activated", "Hit the free limit", "Became a PQL", "Became paying"]);
    // The mechanics the test is about did happen.
    let total = |m| sim.runs().iter().map(|r| (0..18).map(|t| r.monthly(t, m)).sum::<f64>()).sum::<f64>();
    use plgsim::metrics::Monthly;
    assert!(total(Monthly::ReactivatedFree) > 0.0 && total(Monthly::SalesConversions) > 0.0);
    let hits: f64 = total(Monthly::LimitHits);
    let accounts_hit: f64 = sim.runs().iter().map(|r| r.horizon(Horizon::FunnelLimitHit).unwrap()).sum();
    assert!(hits > accounts_hit, "limit hits are events, the funnel counts accounts: {hits} vs {accounts_hit}");
}

/// `free.eventual_conversion` is what the eventual conversion measures: in
/// finance_conversion (no limits, trials or sales on top of the baseline
/// route) each run's estimate is its own sampled input up to the binomial
/// noise of its ended free lives. The mean difference across runs is
/// within 4 standard errors (measured across runs) of 0, while the
/// horizon's free-to-paid conversion is far below the input.
#[test]
fn the_eventual_conversion_recovers_the_input_the_horizon_ratio_does_not() {
    let base = Scenario::from_file("scenarios/finance_conversion.toml".as_ref(), &[]).unwrap();
    let set = [Override { key: "scenario.runs".into(), value: "40".into(), origin: None }];
    let scenario = base.with_overrides(&set).unwrap();
    let sim = simulate(&scenario, &|| {});
    let id = scenario.param_by_key("free.eventual_conversion").unwrap();
    let input: Vec<f64> = sim.runs().iter().map(|r| r.params()[id.0]).collect();
    let diff = |h: Horizon| -> Vec<f64> {
        sim.runs().iter().zip(&input).map(|(r, p)| r.horizon(h).unwrap() - p).collect::<Vec<_>>()
    };
    let (d, se) = mean_se(&diff(Horizon::EventualConversion));
    eprintln!("eventual_conversion - input: mean {d:.6}, SE {se:.6}");
    assert!(se < 0.001, "the check has teeth: SE {se}");
    assert!(d.abs() <= Z * se, "eventual conversion is {d} from its input ({:.1} SE)", d / se);
    let (h, se_h) = mean_se(&diff(Horizon::FreeToPaidConversion));
    eprintln!("free_to_paid_conversion - input: mean {h:.6}, SE {se_h:.6}");
    assert!(h < -Z * se_h && h < -0.005, "the horizon ratio is below the input: {h}");
}
