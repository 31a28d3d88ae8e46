//! The Monte Carlo engine: runs in parallel, each independent and fully
//! determined by (scenario, seed, run index).
//!
//! Runs are distributed over rayon's pool and collected in run order, so the
//! results are the same whatever the number of threads. The engine cannot
//! fail once the scenario is valid.

pub mod account;
mod arrivals;
mod books;
pub mod budget;
mod mechanics;
pub mod model;
mod population;
pub mod run;

use std::sync::Mutex;

use rayon::prelude::*;

pub use account::{Account, MAX_LIVE_ACCOUNTS, MAX_SEATS, State};
pub use model::RunModel;
pub use population::Workspace;
pub use run::RunOutput;

use crate::metrics;
use crate::rng;
use crate::scenario::Scenario;

/// One run: its sampled parameters and what it produced.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The value of every parameter of the scenario, in `Scenario::params` order.
    pub params: Vec<f64>,
    pub output: RunOutput,
}

/// All runs of a scenario.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub monthly_names: Vec<String>,
    pub months: u32,
    pub runs: Vec<RunRecord>,
    /// Cohort counts summed over runs, `[signup month][months since]`
    /// (`months x months`): first conversions to paid and departures. The
    /// per-run matrices are added up as runs finish (integer sums, so the
    /// order does not matter) and not kept.
    pub cohort_conversions: Vec<u64>,
    pub cohort_departures: Vec<i64>,
}

impl Simulation {
    /// Account-steps simulated over all runs.
    pub fn account_steps(&self) -> u64 {
        self.runs.iter().map(|r| r.output.account_steps).sum()
    }

    /// Runs that hit the live-account cap.
    pub fn capped_runs(&self) -> usize {
        self.runs.iter().filter(|r| r.output.capped).count()
    }

    /// Runs in which some account's seats reached [`account::MAX_SEATS`],
    /// and how many times that happened in all.
    pub fn seat_ceiling(&self) -> (usize, u64) {
        let runs = self.runs.iter().filter(|r| r.output.seat_ceiling_hits > 0).count();
        (runs, self.runs.iter().map(|r| r.output.seat_ceiling_hits).sum())
    }

    /// The values of monthly metric `metric` in `month`, one per run.
    pub fn monthly_values(&self, month: usize, metric: usize) -> impl Iterator<Item = f64> + '_ {
        let width = self.monthly_names.len();
        self.runs.iter().map(move |r| r.output.monthly[month * width + metric])
    }
}

/// Runs one run with the given parameter values.
pub fn run_one(scenario: &Scenario, params: &[f64], run: u64) -> RunOutput {
    run_one_in(scenario, params, run, &mut Workspace::default())
}

/// [`run_one`] reusing a worker's memory.
pub fn run_one_in(scenario: &Scenario, params: &[f64], run: u64, ws: &mut Workspace) -> RunOutput {
    let model = RunModel::new(scenario, params);
    let width = monthly_width(scenario);
    run::simulate_run(
        &model,
        run,
        rng::process_rng(scenario.seed, run),
        rng::acquisition_rng(scenario.seed, run),
        width,
        ws,
    )
}

fn monthly_width(scenario: &Scenario) -> usize {
    metrics::Monthly::COUNT + scenario.model.channels.len()
}

/// Runs every run of the scenario on the current rayon pool; `on_run_done`
/// is called after each run (for progress reporting).
pub fn simulate(scenario: &Scenario, on_run_done: &(dyn Fn() + Sync)) -> Simulation {
    let cells = (scenario.months * scenario.months) as usize;
    let cohorts = Mutex::new((vec![0u64; cells], vec![0i64; cells]));
    let samples = scenario.sample_runs();
    let runs: Vec<RunRecord> = samples
        .into_par_iter()
        .enumerate()
        .map_init(Workspace::default, |ws, (run, params)| {
            let run = run as u64;
            let mut output = run_one_in(scenario, &params, run, ws);
            {
                let mut sums = cohorts.lock().unwrap_or_else(|e| e.into_inner());
                let (conv, left) = &mut *sums;
                for (s, x) in conv.iter_mut().zip(&output.cohort_conversions) {
                    *s += *x as u64;
                }
                for (s, x) in left.iter_mut().zip(&output.cohort_departures) {
                    *s += *x as i64;
                }
            }
            output.cohort_conversions = Vec::new();
            output.cohort_departures = Vec::new();
            on_run_done();
            RunRecord { params, output }
        })
        .collect();
    let (cohort_conversions, cohort_departures) = cohorts.into_inner().unwrap_or_else(|e| e.into_inner());
    let channels: Vec<String> = scenario.model.channels.iter().map(|c| c.name.clone()).collect();
    Simulation {
        monthly_names: metrics::monthly_names(&channels),
        months: scenario.months,
        runs,
        cohort_conversions,
        cohort_departures,
    }
}
