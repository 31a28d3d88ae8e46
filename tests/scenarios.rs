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
        let mut s = Scenario::from_file(&path, &[]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!s.description.is_empty(), "{}: give the scenario a description", path.display());
        // Within the work limit, by an estimate that does not understate.
        let estimate = budget::check(&s).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        s.runs = 8;
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

/// Trackly: revenue in month 24 as a function of the free-plan limit (1 to
/// 20 projects) peaks at an interior limit. The peak comes from the
/// mechanics: a tight limit is hit before users reach value (early hits
/// convert at 4%, and value builds up after activation) and blocks sharing;
/// a loose one is reached late or never within the horizon. Every limit
/// uses the same seed (common random numbers), so the differences are
/// checked as paired differences, within 4 of their standard errors.
#[test]
fn trackly_free_limit_has_an_interior_optimum() {
    use plgsim::Override;
    use plgsim::metrics::Monthly;

    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/trackly.toml"));
    let revenue_m24 = |limit: u32| -> Vec<f64> {
        let ovr = [
            Override::parse(&format!("free.usage_limit={limit}")).unwrap(),
            Override::parse("scenario.runs=30").unwrap(),
        ];
        let s = Scenario::from_file(path, &ovr).unwrap();
        let sim = simulate(&s, &|| {});
        sim.monthly_values(23, Monthly::Revenue as usize).collect()
    };
    let by_limit: Vec<(u32, Vec<f64>)> = (1..=20).map(|l| (l, revenue_m24(l))).collect();
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let (best, best_runs) = by_limit.iter().max_by(|a, b| mean(&a.1).total_cmp(&mean(&b.1))).unwrap();
    assert!(*best > 1 && *best < 20, "the optimum is at the edge: {best} projects");
    for (edge, runs) in [&by_limit[0], &by_limit[19]] {
        let diffs: Vec<f64> = best_runs.iter().zip(runs).map(|(b, e)| b - e).collect();
        let (d, se) = crate::util::mean_se(&diffs);
        assert!(d > 4.0 * se, "limit {best} beats limit {edge} by {d} (standard error {se})");
    }
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
