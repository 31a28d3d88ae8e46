//! Every scenario shipped in `scenarios/` is valid and runs.

use std::fs;

use plgsim::engine::budget;
use plgsim::summary::Summary;
use plgsim::{Scenario, simulate};

#[test]
fn every_shipped_scenario_validates_and_runs() {
    let mut seen = 0;
    for entry in fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let s = Scenario::from_file(&path, &[]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!s.description().is_empty(), "{}: give the scenario a description", path.display());
        // Within the work limit, by an estimate that does not understate.
        let estimate = budget::check(&s).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let s = s.with_overrides(&[plgsim::Override::parse("scenario.runs=8").unwrap()]).unwrap();
        let sim = simulate(&s, &|| {});
        let measured = sim.account_steps() as f64 / 8.0;
        assert!(
            measured <= estimate.account_steps_per_run,
            "{}: {measured} account-steps a run, estimated {}",
            path.display(),
            estimate.account_steps_per_run
        );
        let summary = Summary::new(&s, &sim);
        assert!(summary.warnings.is_empty(), "{}: {:?}", path.display(), summary.warnings);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with('#'), "{}: open with a header comment saying what it shows", path.display());
        seen += 1;
    }
    assert!(seen >= 2, "scenarios/ holds at least two scenarios");
}

#[test]
fn the_starter_scenario_is_valid() {
    Scenario::from_str("starter.toml", plgsim::scenario::STARTER, &[]).unwrap();
}

/// The starter's commented-out sections are valid too once uncommented.
#[test]
fn the_starter_scenario_is_valid_with_every_section() {
    let uncommented: String = plgsim::scenario::STARTER
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if is_table_header(rest) || is_assignment(rest) => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    for section in ["\n[trial]", "\n[sales]", "\n[[correlations]]", "\n[[sweep.params]]", "\npayment_failure = "] {
        assert!(uncommented.contains(section), "{section} was not uncommented");
    }
    if let Err(e) = Scenario::from_str("starter.toml", &uncommented, &[]) {
        panic!("{e}\n---\n{uncommented}");
    }
}

/// `[name]` or `[[name.sub]]`, maybe followed by a comment.
fn is_table_header(line: &str) -> bool {
    let head = line.split('#').next().unwrap_or("").trim();
    let inner = head.trim_start_matches('[').trim_end_matches(']');
    head.starts_with('[') && !inner.is_empty() && inner.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
}

/// `key = value`.
fn is_assignment(line: &str) -> bool {
    line.split_once(" = ").is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
}

/// Mean over the runs of monthly metric `m` in month `month` (1-based).
fn mean_at(sim: &plgsim::engine::Simulation, month: usize, m: plgsim::metrics::Monthly) -> (f64, f64) {
    crate::util::mean_se(&crate::util::per_run(sim, month - 1, m))
}

fn shipped(path: &str, set: &[(&str, &str)]) -> (Scenario, plgsim::engine::Simulation) {
    let set: Vec<plgsim::scenario::Override> = set
        .iter()
        .map(|(k, v)| plgsim::scenario::Override { key: (*k).into(), value: (*v).into(), origin: None })
        .collect();
    let s = Scenario::from_file(path.as_ref(), &set).unwrap_or_else(|e| panic!("{path}: {e}"));
    let sim = plgsim::simulate(&s, &|| {});
    (s, sim)
}

/// Per run, the growth a month of monthly metric `m` from month `a` to
/// month `b` (1-based): (x_b / x_a)^(1 / (b - a)) - 1.
fn growth(sim: &plgsim::engine::Simulation, m: plgsim::metrics::Monthly, a: usize, b: usize) -> (f64, f64) {
    let rates: Vec<f64> = sim
        .runs()
        .iter()
        .map(|r| libm::pow(r.monthly(b - 1, m) / r.monthly(a - 1, m), 1.0 / (b - a) as f64) - 1.0)
        .collect();
    crate::util::mean_se(&rates)
}

/// `x` is "about" `claim`: within `rel` of it, widened by the Monte Carlo
/// error.
fn about(what: &str, (x, se): (f64, f64), claim: f64, rel: f64) {
    use crate::util::Z;
    eprintln!("{what}: {x:.5} ± {se:.5}, the header says about {claim}");
    assert!((x - claim).abs() <= rel * claim.abs() + Z * se, "{what} is {x} ± {se}, not about {claim}");
}

/// viral_k110.toml's header: K = 1.1; active users grow about 3.3% a month
/// over months 36 to 60 and 2.7% over months 120 to 144, falling towards
/// the long-run 2.6%. "About" a figure stated to two digits is read as
/// within half a unit of its last digit.
#[test]
fn the_k110_header_is_true_of_the_simulation() {
    use crate::util::mean_se;
    use plgsim::metrics::{Horizon, Monthly};
    let (_, sim) = shipped("scenarios/viral_k110.toml", &[]);
    let k = mean_se(&sim.horizon_values(Horizon::KFactor).flatten().collect::<Vec<_>>());
    about("viral_k110 K", k, 1.1, 0.05 / 1.1);
    about("viral_k110 growth, months 36-60", growth(&sim, Monthly::ActiveFree, 36, 60), 0.033, 0.0005 / 0.033);
    let (_, long) = shipped("scenarios/viral_k110.toml", &[("scenario.months", "144"), ("scenario.runs", "30")]);
    about("viral_k110 growth, months 120-144", growth(&long, Monthly::ActiveFree, 120, 144), 0.027, 0.0005 / 0.027);
}

/// viral_k090.toml's header: K = 0.9; signups approach 500 a month, the gap
/// closing about 2.6% a month, about 9% short at month 60; the month-end
/// count is 1,500 at month 60 and approaches 1,670 (1,440 at weekly steps,
/// 1,410 at daily steps); the launch cohort alone brings about 9,000 users.
#[test]
fn the_k090_header_is_true_of_the_simulation() {
    use crate::util::{mean_se, per_run, per_run_total};
    use plgsim::metrics::{Horizon, Monthly};
    let (_, sim) = shipped("scenarios/viral_k090.toml", &[]);
    let k = mean_se(&sim.horizon_values(Horizon::KFactor).flatten().collect::<Vec<_>>());
    about("viral_k090 K", k, 0.9, 0.05 / 0.9);
    let (s24, _) = mean_at(&sim, 24, Monthly::SignupsTotal);
    let (s36, _) = mean_at(&sim, 36, Monthly::SignupsTotal);
    let close = 1.0 - libm::pow((500.0 - s36) / (500.0 - s24), 1.0 / 12.0);
    about("viral_k090 the gap to 500 signups closes, months 24-36", (close, 0.0), 0.026, 0.0005 / 0.026);
    let (s60, se) = mean_at(&sim, 60, Monthly::SignupsTotal);
    about("viral_k090 shortfall of signups at month 60", (1.0 - s60 / 500.0, se / 500.0), 0.09, 0.005 / 0.09);
    about("viral_k090 month-end count at month 60", mean_at(&sim, 60, Monthly::ActiveFree), 1500.0, 0.05 / 1.5);
    // The steady state of N = N (1 - c) + S / k at k steps a month (churn
    // c = 1 - 0.7^(1/k) a step, S = 500 signups a month): S / k / c.
    for (step, count) in [("month", 1670.0), ("week", 1465.0), ("day", 1410.0)] {
        let step = format!("\"{step}\"");
        let (_, long) = shipped(
            "scenarios/viral_k090.toml",
            &[("scenario.months", "240"), ("scenario.runs", "20"), ("scenario.time_step", &step)],
        );
        // Each run's mean over the last 60 months (the months of a run are
        // correlated: the standard error is across runs).
        let per_run_mean: Vec<f64> = (0..long.runs().len())
            .map(|r| (180..240).map(|m| per_run(&long, m, Monthly::ActiveFree)[r]).sum::<f64>() / 60.0)
            .collect();
        let what = format!("viral_k090 month-end count at {step} steps, months 181-240");
        about(&what, mean_se(&per_run_mean), count, 0.01);
    }
    let (_, alone) = shipped(
        "scenarios/viral_k090.toml",
        &[("acquisition.organic.signups_per_month", "0"), ("scenario.months", "240"), ("scenario.runs", "100")],
    );
    about(
        "viral_k090 users the launch cohort brings",
        mean_se(&per_run_total(&alone, Monthly::SignupsInvite)),
        9000.0,
        0.05,
    );
}

/// viral_textbook.toml's header: nothing is random; invitee signups of 20,
/// 40, 240 and 320 by month, 30, 70, 310 and 630 users at the month ends,
/// and `k_factor` 2, in every run.
#[test]
fn the_textbook_header_is_true_of_the_simulation() {
    use plgsim::metrics::{Horizon, Monthly};
    let (_, sim) = shipped("scenarios/viral_textbook.toml", &[]);
    for r in sim.runs() {
        let invited: Vec<f64> = (0..4).map(|m| r.monthly(m, Monthly::SignupsInvite)).collect();
        let users: Vec<f64> = (0..4).map(|m| r.monthly(m, Monthly::ActiveFree)).collect();
        assert_eq!(invited, [20.0, 40.0, 240.0, 320.0], "run {}", r.index());
        assert_eq!(users, [30.0, 70.0, 310.0, 630.0], "run {}", r.index());
        assert_eq!(r.horizon(Horizon::KFactor), Some(2.0), "run {}", r.index());
    }
}

/// syncbox.toml's header, against the same scenario without the referral
/// bonus (paired: the same seed): the same signups, conversions within 1%,
/// about a third more blocked users at month 36 and about 13% fewer
/// active free ones.
#[test]
fn the_syncbox_header_is_true_of_the_simulation() {
    use crate::util::{mean_se, per_run, per_run_total};
    use plgsim::metrics::Monthly;
    let runs = [("scenario.runs", "40")];
    let (_, with) = shipped("scenarios/syncbox.toml", &runs);
    let (_, without) = shipped("scenarios/syncbox.toml", &[runs[0], ("referral.limit_bonus", "0")]);
    let ratio = |m: Monthly, month: Option<usize>| {
        let pick = |sim| match month {
            Some(t) => per_run(sim, t - 1, m),
            None => per_run_total(sim, m),
        };
        let (a, se_a) = mean_se(&pick(&without));
        let (b, se_b) = mean_se(&pick(&with));
        // The ratio's standard error, treating the two means as independent
        // (pairing only makes it smaller).
        (a / b, a / b * ((se_a / a).powi(2) + (se_b / b).powi(2)).sqrt())
    };
    about("syncbox signups without/with the bonus", ratio(Monthly::SignupsTotal, None), 1.0, 0.01);
    about("syncbox conversions without/with the bonus", ratio(Monthly::Conversions, None), 1.0, 0.01);
    about("syncbox blocked at month 36 without/with the bonus", ratio(Monthly::Blocked, Some(36)), 4.0 / 3.0, 0.02);
    about(
        "syncbox active free at month 36 without/with the bonus",
        ratio(Monthly::ActiveFree, Some(36)),
        0.87,
        0.01 / 0.87,
    );
    let thousands = |sim| {
        let (x, se) = mean_se(&per_run(sim, 35, Monthly::Blocked));
        (x / 1000.0, se / 1000.0)
    };
    about("syncbox blocked at month 36 without the bonus (thousands)", thousands(&without), 55.0, 0.5 / 55.0);
    about("syncbox blocked at month 36 with the bonus (thousands)", thousands(&with), 42.0, 0.5 / 42.0);
}

/// trackly.toml's header: 52% of signups activate, in a median of 9.5 days;
/// `k_factor` about 1.
#[test]
fn the_trackly_header_is_true_of_the_simulation() {
    use crate::util::mean_se;
    use plgsim::metrics::Horizon;
    let (_, sim) = shipped("scenarios/trackly.toml", &[("scenario.runs", "40")]);
    let of = |h| mean_se(&sim.horizon_values(h).flatten().collect::<Vec<_>>());
    about("trackly activation rate", of(Horizon::ActivationRate), 0.52, 0.005 / 0.52);
    about("trackly median time to value (days)", of(Horizon::MedianTimeToValueDays), 9.5, 0.05 / 9.5);
    about("trackly k_factor", of(Horizon::KFactor), 1.0, 0.05);
}

/// teamboard.toml's header: net revenue retention above 100% with churn
/// (gross retention below it).
#[test]
fn the_teamboard_header_is_true_of_the_simulation() {
    use crate::util::{Z, mean_se};
    use plgsim::metrics::Horizon;
    let (_, sim) = shipped("scenarios/teamboard.toml", &[("scenario.runs", "40")]);
    let of = |h| mean_se(&sim.horizon_values(h).flatten().collect::<Vec<_>>());
    let ((nrr, se_n), (grr, se_g)) = (of(Horizon::Nrr12m), of(Horizon::Grr12m));
    eprintln!("teamboard: NRR {nrr:.4} ± {se_n:.4}, GRR {grr:.4} ± {se_g:.4}");
    assert!(nrr - Z * se_n > 1.0 && grr + Z * se_g < 1.0, "NRR {nrr}, GRR {grr}");
}

/// bookly.toml's header: exposure signups overtake organic ones (below at
/// month 12, above at month 36).
#[test]
fn the_bookly_header_is_true_of_the_simulation() {
    use plgsim::metrics::Monthly;
    let (_, sim) = shipped("scenarios/bookly.toml", &[("scenario.runs", "40")]);
    let gap = |t| mean_at(&sim, t, Monthly::SignupsExposure).0 - mean_at(&sim, t, Monthly::SignupsOrganic).0;
    eprintln!("bookly: exposure minus organic signups {:.0} at month 12, {:.0} at month 36", gap(12), gap(36));
    assert!(gap(12) < 0.0 && gap(36) > 0.0);
}

/// devtool.toml's header: the `sales_contacts` row is never above 120.
#[test]
fn the_devtool_header_is_true_of_the_simulation() {
    use plgsim::metrics::Monthly;
    let (s, sim) = shipped("scenarios/devtool.toml", &[("scenario.runs", "40")]);
    for r in sim.runs() {
        for t in 0..s.months() as usize {
            assert!(r.monthly(t, Monthly::SalesContacts) <= 120.0, "run {} month {}", r.index(), t + 1);
        }
    }
    assert!(mean_at(&sim, 12, Monthly::SalesContacts).0 > 100.0, "the team is busy: the bound is reached");
}
