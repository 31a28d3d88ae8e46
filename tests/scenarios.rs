//! Every scenario shipped in `scenarios/` is valid and runs.

use std::fs;

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
        s.runs = 8;
        let sim = simulate(&s, &|| {});
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
