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
