//! Calibration: the uncertain inputs learned from a history.

use plgsim::fit::{abc, history};
use plgsim::metrics::Monthly;
use plgsim::{Override, Scenario};

const PRIORS: &str = r#"
[scenario]
name = "Fit recovery"
months = 12
runs = 100
seed = 5
[initial]
paid_accounts = 400
[acquisition.organic]
signups_per_month = 2000
[activation]
probability = 0.6
time_to_value_median_months = 0.3
[free]
conversion_per_month = { dist = "uniform", low = 0.002, high = 0.03 }
churn_per_month = 0.08
[[plans]]
name = "pro"
price_per_month = 20
[paid]
churn_per_month = { dist = "uniform", low = 0.01, high = 0.08 }
"#;

/// The signups, conversions, paying accounts and churned accounts of
/// [`PRIORS`].
const METRICS: &[Monthly] = &[Monthly::SignupsTotal, Monthly::Conversions, Monthly::PaidAccounts, Monthly::ChurnedPaid];

/// A history simulated from `priors` at known values (one run, another
/// seed) as `history.csv` text, 12 months of `metrics`.
fn synthetic_of(priors: &str, truth: &[(&str, f64)], seed: u64, metrics: &[Monthly]) -> String {
    let mut set: Vec<Override> = truth.iter().map(|(k, v)| Override::parse(&format!("{k}={v}")).unwrap()).collect();
    set.push(Override::parse(&format!("scenario.seed={seed}")).unwrap());
    set.push(Override::parse("scenario.runs=1").unwrap());
    set.push(Override::parse("scenario.months=12").unwrap());
    let s = Scenario::from_str("truth.toml", priors, &set).unwrap();
    let sim = plgsim::simulate(&s, &|| {});
    let r = &sim.runs()[0];
    let mut text = "month".to_string();
    for m in metrics {
        text += &format!(",{}", m.name());
    }
    text.push('\n');
    for t in 0..12 {
        text += &(t + 1).to_string();
        for m in metrics {
            text += &format!(",{}", r.monthly(t, *m));
        }
        text.push('\n');
    }
    text
}

fn synthetic(truth: &[(&str, f64)], seed: u64) -> String {
    synthetic_of(PRIORS, truth, seed, METRICS)
}

fn interval(mut xs: Vec<f64>, p: f64) -> (f64, f64) {
    xs.sort_by(f64::total_cmp);
    (
        plgsim::stats::percentile_sorted(&xs, 100.0 * (1.0 - p) / 2.0),
        plgsim::stats::percentile_sorted(&xs, 100.0 * (1.0 + p) / 2.0),
    )
}

/// On a history simulated from known values, each known value lies in the
/// 90% posterior interval, and the data narrow both inputs (conversions and
/// paying accounts inform the conversion rate, churned accounts the churn)
/// to less than half their prior's 90% width.
#[test]
fn a_fit_recovers_the_values_a_history_was_simulated_from() {
    let truth = [("free.conversion_per_month", 0.012), ("paid.churn_per_month", 0.045)];
    let text = synthetic(&truth, 99);
    let priors = Scenario::from_str("priors.toml", PRIORS, &[]).unwrap();
    let h = history::parse("history.csv", &text, &priors).unwrap();
    let fit = abc::run(&priors, &h, &abc::Options { draws: 1500, keep: 0.1, keys: Vec::new() }).unwrap();
    assert_eq!(fit.keys, ["free.conversion_per_month", "paid.churn_per_month"]);
    for (k, (key, value)) in truth.iter().enumerate() {
        let (prior, post) = fit.column(k);
        let (plo, phi) = interval(prior, 0.9);
        let (lo, hi) = interval(post, 0.9);
        eprintln!("{key}: truth {value}, posterior 90% [{lo:.4}, {hi:.4}], prior [{plo:.4}, {phi:.4}]");
        assert!(lo <= *value && *value <= hi, "{key}: {value} outside [{lo}, {hi}]");
        assert!(hi - lo < 0.5 * (phi - plo), "{key}: [{lo}, {hi}] is not narrower than the prior [{plo}, {phi}]");
    }
    // Same inputs, same answer.
    let again = abc::run(&priors, &h, &abc::Options { draws: 1500, keep: 0.1, keys: Vec::new() }).unwrap();
    assert_eq!(again.kept, fit.kept);
}

#[test]
fn a_scenario_without_uncertain_inputs_has_nothing_to_fit() {
    let fixed = Scenario::from_str(
        "fixed.toml",
        PRIORS,
        &[
            Override::parse("free.conversion_per_month=0.01").unwrap(),
            Override::parse("paid.churn_per_month=0.03").unwrap(),
        ],
    )
    .unwrap();
    let h = history::parse("history.csv", "month,mrr\n1,100\n", &fixed).unwrap();
    let e = abc::run(&fixed, &h, &abc::Options::default()).unwrap_err().to_string();
    assert!(e.starts_with("nothing uncertain to fit"), "{e}");
}

/// Simulation-based calibration (Talts et al. 2018) of `priors` over its
/// uncertain `keys`: over `n` histories simulated from values drawn from the
/// prior, how often the 50% and 90% posterior intervals contain the truth.
fn sbc(priors: &str, keys: &[&str], metrics: &[Monthly], n: usize, draws: u32) {
    let priors_s = Scenario::from_str("priors.toml", priors, &[Override::parse("scenario.seed=77").unwrap()]).unwrap();
    let ids: Vec<usize> = keys.iter().map(|k| priors_s.param_by_key(k).unwrap().0).collect();
    let mut inside = vec![[0usize; 2]; keys.len()]; // [key][50%, 90%]
    for h in 0..n {
        let values = priors_s.sample(h as u64);
        let truth: Vec<(&str, f64)> = keys.iter().zip(&ids).map(|(k, &i)| (*k, values[i])).collect();
        let text = synthetic_of(priors, &truth, 1000 + h as u64, metrics);
        let hist = history::parse("history.csv", &text, &priors_s).unwrap();
        let fit = abc::run(&priors_s, &hist, &abc::Options { draws, keep: 0.1, keys: Vec::new() }).unwrap();
        for (k, (key, value)) in truth.iter().enumerate() {
            let j = fit.keys.iter().position(|f| f == key).unwrap();
            let (_, post) = fit.column(j);
            for (c, p) in [0.5, 0.9].iter().enumerate() {
                let (lo, hi) = interval(post.clone(), *p);
                if lo <= *value && *value <= hi {
                    inside[k][c] += 1;
                }
            }
        }
    }
    let (se50, se90) = ((n as f64 * 0.25).sqrt(), (n as f64 * 0.09).sqrt());
    for (k, key) in keys.iter().enumerate() {
        eprintln!(
            "{key}: truth inside the 50% interval in {} of {n}, the 90% interval in {} of {n} (binomial SE {se50:.1} and {se90:.1})",
            inside[k][0], inside[k][1]
        );
    }
}

/// The calibration of the two-input case of the recovery test. Run with
/// `cargo test --release --test tests sbc -- --ignored --nocapture`; the
/// figures are in docs/fit.md.
#[test]
#[ignore = "a measurement of about two minutes; its figures are in docs/fit.md"]
fn sbc_coverage_of_the_posterior_intervals() {
    sbc(PRIORS, &["free.conversion_per_month", "paid.churn_per_month"], METRICS, 100, 1500);
}

/// The calibration of the shipped example's four inputs (scenarios/fit_demo.toml).
#[test]
#[ignore = "a measurement of about five minutes; its figures are in docs/fit.md"]
fn sbc_coverage_of_the_fit_demo() {
    let keys = [
        "acquisition.organic.growth_per_month",
        "activation.probability",
        "free.conversion_per_month",
        "paid.churn_per_month",
    ];
    let metrics = [Monthly::SignupsTotal, Monthly::Activated, Monthly::Conversions, Monthly::PaidAccounts];
    sbc(include_str!("../scenarios/fit_demo.toml"), &keys, &metrics, 100, 2000);
}

/// The backtest's calibration: over `n` histories simulated from values
/// drawn from the prior, the share of the held-out months (the last 3 of
/// 12, 4 metrics) inside the P10-P90 of the forecast of a fit to the first
/// 9 (80% when the forecast is calibrated), and the mean median error.
/// Run with `cargo test --release --test tests backtest_coverage --
/// --ignored --nocapture`; the figures are in docs/fit.md.
#[test]
#[ignore = "a measurement of about two minutes; its figures are in docs/fit.md"]
fn backtest_coverage_over_synthetic_histories() {
    use plgsim::fit::predict::{Backtest, Predictive};
    let n = 100;
    let set = [Override::parse("scenario.seed=77").unwrap(), Override::parse("scenario.runs=200").unwrap()];
    let priors = Scenario::from_str("priors.toml", PRIORS, &set).unwrap();
    let keys = ["free.conversion_per_month", "paid.churn_per_month"];
    let ids: Vec<usize> = keys.iter().map(|k| priors.param_by_key(k).unwrap().0).collect();
    let (mut inside, mut cells, mut error) = (0, 0, 0.0);
    let mut by_metric = vec![(0, 0); METRICS.len()];
    for h in 0..n {
        let values = priors.sample(h as u64);
        let truth: Vec<(&str, f64)> = keys.iter().zip(&ids).map(|(k, &i)| (*k, values[i])).collect();
        let text = synthetic(&truth, 2000 + h as u64);
        let hist = history::parse("history.csv", &text, &priors).unwrap();
        let fit =
            abc::run(&priors, &hist.first(9), &abc::Options { draws: 1500, keep: 0.1, keys: Vec::new() }).unwrap();
        let fitted = plgsim::fit::output::fitted_toml(&priors, &fit, "history.csv").unwrap();
        let predictive = Predictive::new(&fitted, &priors, &hist).unwrap();
        let b = Backtest { holdout: 3, fit, predictive };
        let s = b.overall();
        (inside, cells) = (inside + s.inside_80, cells + s.cells);
        error += s.median_error.unwrap();
        for ((_, m), slot) in b.by_metric().into_iter().zip(&mut by_metric) {
            (slot.0, slot.1) = (slot.0 + m.inside_80, slot.1 + m.cells);
        }
    }
    eprintln!(
        "held-out values inside the forecast's P10-P90: {inside} of {cells} ({:.1}%; binomial SE {:.1} points if independent); mean median error {:.2}%",
        100.0 * inside as f64 / cells as f64,
        100.0 * (0.16 / cells as f64).sqrt(),
        100.0 * error / n as f64
    );
    for (m, (i, c)) in METRICS.iter().zip(&by_metric) {
        eprintln!("  {}: {i} of {c}", m.name());
    }
}

fn plgsim() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("plgsim").expect("the binary is built")
}

/// Every file under `dir`, relative path and bytes, in path order.
fn files_of(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The shipped example end to end with a backtest: `plgsim fit` writes the
/// posterior, the fitted scenario, the summary, the predictive check, the
/// backtest and the report with its charts; every input narrows, the
/// fitted scenario runs, and the predictive fan is the run's own (the
/// report's runs are `plgsim run fitted.toml`'s). Byte-identical, charts
/// and report included, at 1 and 2 threads.
#[test]
fn the_fit_demo_fits_and_its_fitted_scenario_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name);
    for (threads, name) in [("1", "a"), ("2", "b")] {
        plgsim()
            .args(["fit", "scenarios/fit_demo.toml", "--actuals", "scenarios/fit_demo_history.csv", "--quiet"])
            .args(["--draws", "600", "--holdout", "3", "--runs", "100", "--threads", threads, "--out"])
            .arg(out(name))
            .assert()
            .success();
    }
    let (a, b) = (files_of(&out("a")), files_of(&out("b")));
    let names: Vec<&str> = a.iter().map(|f| f.0.as_str()).collect();
    for f in ["posterior.csv", "fitted.toml", "summary.json", "predictive.csv", "backtest.csv", "report.html"] {
        assert!(names.contains(&f), "{f} in {names:?}");
    }
    for m in ["signups_total", "activated", "conversions", "paid_accounts"] {
        for c in [format!("charts/fit_{m}.png"), format!("charts/backtest_{m}.svg")] {
            assert!(names.contains(&c.as_str()), "{c} in {names:?}");
        }
    }
    assert!(names.contains(&"charts/fit_inputs.png"));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!(x == y, "{} differs at 1 and 2 threads", x.0);
    }
    let read = |f: &str| std::fs::read_to_string(out("a").join(f)).unwrap();
    assert_eq!(read("posterior.csv").lines().count(), 1 + 60, "10% of 600 draws kept");
    let summary: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
    for input in summary["inputs"].as_array().unwrap() {
        assert!(input["narrowed_to"].as_f64().unwrap() < 0.5, "{input}");
    }
    // 12 months of 4 metrics observed; the last 3 of each held out.
    assert_eq!(summary["predictive"]["observed"], 48);
    assert_eq!(read("predictive.csv").lines().count(), 1 + 48);
    let bt = &summary["backtest"];
    assert_eq!((bt["holdout_months"].as_u64(), bt["fitted_months"].as_u64()), (Some(3), Some(9)));
    assert_eq!(bt["all"]["held_out"], 12);
    assert_eq!(read("backtest.csv").lines().count(), 1 + 12);
    let inside = read("backtest.csv").lines().skip(1).filter(|l| l.contains(",true,")).count() as u64;
    assert_eq!(bt["all"]["inside_p10_p90"].as_u64(), Some(inside));
    let report = read("report.html");
    for section in ["id=\"inputs\"", "id=\"history\"", "id=\"projection\"", "id=\"backtest\"", "<svg"] {
        assert!(report.contains(section), "report.html has {section}");
    }
    assert!(report.contains("--holdout 3 --runs 100 --seed 7"), "the reproduce line");
    assert!(!report.contains("src=") && !report.contains("<script") && !report.contains("http"), "self-contained");

    // The predictive fan is `plgsim run fitted.toml`'s: its month-12 paying
    // accounts percentiles are the run's monthly.csv ones.
    let fitted = out("a").join("fitted.toml");
    plgsim().arg("validate").arg(&fitted).assert().success();
    plgsim()
        .arg("run")
        .arg(&fitted)
        .args(["--runs", "100", "--quiet", "--no-charts", "--out"])
        .arg(out("run"))
        .assert()
        .success();
    let monthly = std::fs::read_to_string(out("run").join("monthly.csv")).unwrap();
    let header: Vec<&str> = monthly.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = monthly
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r[0] == "12" && r[1] == "paid_accounts")
        .unwrap();
    let predictive = read("predictive.csv");
    let pred: Vec<&str> = predictive
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|r| r[0] == "paid_accounts" && r[1] == "12")
        .unwrap();
    for (i, q) in ["p5", "p10", "p50", "p90", "p95"].iter().enumerate() {
        assert_eq!(pred[3 + i], row[col(q)], "{q}");
    }
}

/// A history the scenario cannot produce (signups that swing by 30% from
/// month to month, a seasonality the scenario lacks) is flagged: more
/// values outside P5-P95 than chance explains.
#[test]
fn a_history_the_fitted_scenario_misses_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for (i, line) in include_str!("../scenarios/fit_demo_history.csv").lines().enumerate() {
        let mut f: Vec<String> = line.split(',').map(String::from).collect();
        if i > 0 {
            let swing = if i % 2 == 0 { 1.3 } else { 0.7 };
            f[1] = ((f[1].parse::<f64>().unwrap() * swing).round() as i64).to_string();
        }
        text += &(f.join(",") + "\n");
    }
    let h = dir.path().join("seasonal.csv");
    std::fs::write(&h, text).unwrap();
    let assert = plgsim()
        .args(["fit", "scenarios/fit_demo.toml", "--actuals"])
        .arg(&h)
        .args(["--draws", "300", "--runs", "100", "--no-charts", "--out"])
        .arg(dir.path().join("o"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("observed values fall outside the fitted scenario's P5-P95"), "{stderr}");
}

/// `--holdout` must leave at least one month to fit: exit 2, nothing written.
#[test]
fn a_holdout_leaves_months_to_fit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    for k in ["0", "12", "40"] {
        let assert = plgsim()
            .args(["fit", "scenarios/fit_demo.toml", "--actuals", "scenarios/fit_demo_history.csv", "--holdout", k])
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(&format!("--holdout {k}: expected 1 to 11 (the history has 12 months")), "{stderr}");
        assert!(!out.exists());
    }
}

/// Bad input exits 2 naming the file, line and column, and writes nothing.
#[test]
fn bad_actuals_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    for (text, says) in [
        ("month,mrr,sigups\n1,2,3\n", "h.csv:1:11: unknown metric `sigups`"),
        ("month,mrr\n1,ten\n", "h.csv:2:3: mrr: `ten` is not a number"),
        ("", "the file is empty"),
        ("month,trial_starts\n1,2\n", "the scenario has no [trial]"),
    ] {
        let h = dir.path().join("h.csv");
        std::fs::write(&h, text).unwrap();
        let assert = plgsim()
            .args(["fit", "scenarios/fit_demo.toml", "--actuals"])
            .arg(&h)
            .arg("--out")
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(says) && !stderr.contains("panicked"), "{text:?}: {stderr}");
        assert!(!out.exists());
    }
    // Nothing uncertain to fit.
    let fixed = [
        "acquisition.organic.growth_per_month=0.03",
        "activation.probability=0.45",
        "free.conversion_per_month=0.012",
        "paid.churn_per_month=0.035",
    ];
    let mut cmd = plgsim();
    cmd.args(["fit", "scenarios/fit_demo.toml", "--actuals", "scenarios/fit_demo_history.csv"]);
    for f in fixed {
        cmd.args(["--set", f]);
    }
    let assert = cmd.arg("--out").arg(&out).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("nothing uncertain to fit"), "{stderr}");
    assert!(!out.exists());
}

/// fit_demo.toml's header is true: its history is what the scenario gives
/// with the four inputs fixed at the stated values, seed 4242, one run.
#[test]
fn the_fit_demo_history_is_the_simulation_its_header_says() {
    let truth = [
        ("activation.probability", 0.45),
        ("free.conversion_per_month", 0.012),
        ("paid.churn_per_month", 0.035),
        ("acquisition.organic.growth_per_month", 0.03),
    ];
    let metrics = [Monthly::SignupsTotal, Monthly::Activated, Monthly::Conversions, Monthly::PaidAccounts];
    let text = synthetic_of(include_str!("../scenarios/fit_demo.toml"), &truth, 4242, &metrics);
    assert_eq!(text, include_str!("../scenarios/fit_demo_history.csv"));
}
