//! Helpers shared by the integration tests.

use plgsim::engine::Simulation;
use plgsim::metrics::Monthly;
use plgsim::{Scenario, simulate};

/// How many standard errors an estimate may be from its closed form. At 4 SE
/// a correct engine fails a given check with probability 6e-5.
pub const Z: f64 = 4.0;

pub fn scenario(text: &str) -> Scenario {
    match Scenario::from_str("test.toml", text, &[]) {
        Ok(s) => s,
        Err(e) => panic!("test scenario is invalid:\n{e}"),
    }
}

pub fn run(text: &str) -> (Scenario, Simulation) {
    let s = scenario(text);
    let sim = simulate(&s, &|| {});
    (s, sim)
}

/// One value per run of monthly metric `m` in `month` (0-based).
pub fn per_run(sim: &Simulation, month: usize, m: Monthly) -> Vec<f64> {
    sim.monthly_values(month, m).collect()
}

/// Per run, the sum of monthly metric `m` over all months.
pub fn per_run_total(sim: &Simulation, m: Monthly) -> Vec<f64> {
    sim.runs().iter().map(|r| (0..sim.months() as usize).map(|t| r.monthly(t, m)).sum()).collect()
}

/// Mean and standard error of the mean.
pub fn mean_se(xs: &[f64]) -> (f64, f64) {
    plgsim::stats::mean_and_se(xs)
}

/// Asserts that the mean of `xs` is within `Z` standard errors of
/// `expected`, and that the check has teeth: the standard error is below
/// `max_rel_se` of the expected value.
pub fn assert_close(what: &str, xs: &[f64], expected: f64, max_rel_se: f64) {
    let (mean, se) = mean_se(xs);
    assert!(
        se <= max_rel_se * expected.abs(),
        "{what}: standard error {se} is too large for a meaningful check (expected {expected})"
    );
    assert!(
        (mean - expected).abs() <= Z * se,
        "{what}: mean {mean} is {:.1} standard errors ({se}) from the closed form {expected}",
        (mean - expected).abs() / se
    );
}
