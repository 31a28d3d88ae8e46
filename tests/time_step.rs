//! The same business at any time step (docs/scenario.md, "Time"): every
//! shipped scenario at monthly, weekly and daily steps.
//!
//! Each scenario's uncertain inputs are fixed at their centres, so the runs
//! differ only by the process noise and a few dozen runs measure a mean to a
//! fraction of a percent. The steps use different draws, so the difference
//! of two means has the standard error sqrt(se1² + se2²). The tolerance is
//! the stated discretisation bound (2% of the daily value: the daily step is
//! within a fraction of a percent of the continuous-time limit, the scenario
//! at its shipped step must be within 2% of it) plus 4 of those standard
//! errors.
//!
//! A scenario whose step cannot resolve one of its mechanics (free seat
//! limits at monthly steps, a trial shorter than a step) must say so in its
//! warnings; the bound is not asserted at such a step, and the scenario
//! must not ship with it.

use crate::util::{Z, mean_se};
use plgsim::metrics::Horizon;
use plgsim::scenario::Override;
use plgsim::summary::Summary;
use plgsim::{Scenario, simulate};

/// The discretisation bound: a scenario at its step is within this share of
/// the same business at daily steps.
const BOUND: f64 = 0.02;

fn at_step(path: &str, step: &str, runs: u32) -> Scenario {
    let base = Scenario::from_file(path.as_ref(), &[]).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut set: Vec<Override> = base
        .uncertain_params()
        .map(|(_, p)| Override { key: p.key.clone(), value: format!("{}", p.dist.center(p.domain)), origin: None })
        .collect();
    set.push(Override { key: "scenario.time_step".into(), value: format!("\"{step}\""), origin: None });
    set.push(Override { key: "scenario.runs".into(), value: runs.to_string(), origin: None });
    base.with_overrides(&set).unwrap_or_else(|e| panic!("{path} at {step}: {e}"))
}

/// Mean and standard error of horizon figure `h` across the runs.
fn figure(sim: &plgsim::engine::Simulation, h: Horizon) -> (f64, f64) {
    let xs: Vec<f64> = sim.horizon_values(h).flatten().collect();
    mean_se(&xs)
}

/// Every shipped scenario: K at monthly and weekly steps, final MRR and
/// signups at weekly steps and at the scenario's own step.
#[test]
fn every_shipped_scenario_gives_the_same_k_and_mrr_at_month_week_and_day_steps() {
    let mut failures = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir("scenarios")
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for path in paths {
        let path = path.to_str().expect("utf-8 path").to_string();
        let shipped = Scenario::from_file(path.as_ref(), &[]).expect("valid").time_step().name();
        let day = simulate(&at_step(&path, "day", 12), &|| {});
        for step in ["month", "week"] {
            let scenario = at_step(&path, step, 24);
            let sim = simulate(&scenario, &|| {});
            let warned = Summary::new(&scenario, &sim).warnings.iter().any(|w| w.contains("scenario.time_step"));
            if warned {
                assert_ne!(step, shipped, "{path} ships with a step its warnings say is too coarse");
                eprintln!("{path} at {step}: warns that the step is too coarse; not compared");
                continue;
            }
            let mut figures = vec![Horizon::KFactor];
            if step == "week" || step == shipped {
                figures.extend([Horizon::MrrFinal, Horizon::SignupsTotal]);
            }
            for h in figures {
                let ((x, se), (d, se_d)) = (figure(&sim, h), figure(&day, h));
                let tol = BOUND * d.abs() + Z * (se * se + se_d * se_d).sqrt();
                eprintln!("{path} {} at {step}: {x:.4} vs {d:.4} at day, tolerance {tol:.4}", h.name());
                if (x - d).abs() > tol {
                    failures.push(format!(
                        "{path}: {} at {step} steps is {x}, at daily steps {d} (tolerance {tol})",
                        h.name()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "beyond the bound {BOUND} plus 4 SE:\n{}", failures.join("\n"));
}
