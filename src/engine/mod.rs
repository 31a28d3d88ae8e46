//! The Monte Carlo engine: runs in parallel, each independent and fully
//! determined by (scenario, seed, run index).
//!
//! Runs are distributed over rayon's pool and collected in run order, so the
//! results are the same whatever the number of threads. The engine cannot
//! fail once the scenario is valid.

pub(crate) mod account;
mod arrivals;
mod books;
pub mod budget;
pub mod counts;
mod mechanics;
pub(crate) mod model;
pub use model::seat_growth_factor;
mod population;
pub(crate) mod run;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

pub use account::{MAX_LIVE_ACCOUNTS, MAX_SEATS};
pub(crate) use model::RunModel;
pub(crate) use population::Workspace;
pub use run::RunOutput;

use crate::metrics;
use crate::rng;
use crate::scenario::Scenario;

/// One run: its sampled parameters and what it produced.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The value of every parameter of the scenario, in `Scenario::params` order.
    pub(crate) params: Vec<f64>,
    pub(crate) output: RunOutput,
    /// Monthly columns: the [`metrics::Monthly`] metrics, then one per channel.
    pub(crate) width: usize,
}

impl RunRecord {
    /// The value of every parameter in this run, in [`Scenario::params`] order.
    pub fn params(&self) -> &[f64] {
        &self.params
    }

    /// A horizon figure (`None` where it is undefined in this run).
    pub fn horizon(&self, h: metrics::Horizon) -> Option<f64> {
        self.output.horizon[h as usize]
    }

    /// Every horizon figure, in [`metrics::Horizon::ALL`] order.
    pub fn horizon_figures(&self) -> &[Option<f64>] {
        &self.output.horizon
    }

    /// A monthly metric in `month` (0-based).
    pub fn monthly(&self, month: usize, m: metrics::Monthly) -> f64 {
        self.month_row(month)[m as usize]
    }

    /// Signups from paid channel `channel` (file order) in `month`.
    pub fn channel_signups(&self, month: usize, channel: usize) -> f64 {
        self.month_row(month)[metrics::Monthly::COUNT + channel]
    }

    /// Every monthly column in month 0, the opening state (the initial
    /// accounts' stocks and the starting cash; every flow 0), named by
    /// [`Simulation::monthly_names`].
    pub fn opening_row(&self) -> &[f64] {
        &self.output.opening
    }

    /// Every monthly column in `month`, named by [`Simulation::monthly_names`].
    pub fn month_row(&self, month: usize) -> &[f64] {
        &self.output.monthly[month * self.width..(month + 1) * self.width]
    }

    /// The run's index.
    pub fn index(&self) -> u64 {
        self.output.run
    }
}

/// All runs of a scenario.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub(crate) monthly_names: Vec<String>,
    pub(crate) months: u32,
    pub(crate) runs: Vec<RunRecord>,
    /// Cohort counts summed over runs, `[signup month][months since]`
    /// (`months x months`): first conversions to paid and departures. The
    /// per-run matrices are added up as runs finish (integer sums, so the
    /// order does not matter) and not kept.
    pub(crate) cohort_conversions: Vec<u64>,
    pub(crate) cohort_departures: Vec<i64>,
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

    /// The values of monthly column `column` (see [`Simulation::monthly_names`])
    /// in `month`, one per run.
    pub fn column_values(&self, month: usize, column: usize) -> impl Iterator<Item = f64> + '_ {
        self.runs.iter().map(move |r| r.month_row(month)[column])
    }

    /// The values of a monthly metric in `month`, one per run.
    pub fn monthly_values(&self, month: usize, m: metrics::Monthly) -> impl Iterator<Item = f64> + '_ {
        self.column_values(month, m as usize)
    }

    /// The values of a horizon figure, one per run.
    pub fn horizon_values(&self, h: metrics::Horizon) -> impl Iterator<Item = Option<f64>> + '_ {
        self.runs.iter().map(move |r| r.horizon(h))
    }

    /// The runs, in run order.
    pub fn runs(&self) -> &[RunRecord] {
        &self.runs
    }

    /// The months simulated.
    pub fn months(&self) -> u32 {
        self.months
    }

    /// The names of the monthly columns: the metrics, then per-channel signups.
    pub fn monthly_names(&self) -> &[String] {
        &self.monthly_names
    }
}

/// The two engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// One record per account (`run.rs`): the reference.
    Accounts,
    /// Groups of identical accounts stepped by binomial draws (`counts.rs`):
    /// a run's cost does not grow with the population.
    Counts,
}

impl Engine {
    /// As `scenario.engine` names it.
    pub fn choice(self) -> crate::scenario::EngineChoice {
        match self {
            Engine::Accounts => crate::scenario::EngineChoice::Accounts,
            Engine::Counts => crate::scenario::EngineChoice::Counts,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Accounts => "accounts",
            Engine::Counts => "counts",
        }
    }
}

/// The engine that simulates a scenario, and why (one line for the console).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub engine: Engine,
    pub reason: String,
}

/// `auto` picks the count engine when one run of the account engine would
/// take at least this many account-steps (the budget's estimate, on the
/// side of more): about a tenth of a second of one core for the account
/// engine, where the count engine's run costs a few milliseconds whatever
/// the population (BENCHMARKS.md, "Count engine"). Every shipped scenario
/// and every test scenario of the account engine is below it, so their
/// results stay those of the account engine.
pub const AUTO_COUNTS_ACCOUNT_STEPS: f64 = 1e7;

/// The engine for `s`: as `scenario.engine` asks; for `auto`, the count
/// engine when the account engine's work per run is at least
/// [`AUTO_COUNTS_ACCOUNT_STEPS`] or its population would pass
/// [`MAX_LIVE_ACCOUNTS`], the count engine simulates every mechanic of
/// the scenario ([`counts::refusals`]), and the population is bounded (a
/// market size, or no invitation or exposure loop, when the account
/// engine's estimate reaches its cap); else the account engine.
pub fn choose(s: &Scenario) -> Choice {
    choose_with(s, &budget::estimate_accounts(s))
}

/// [`choose`] with the account engine's estimate `e` of the scenario.
pub(crate) fn choose_with(s: &Scenario, e: &budget::Estimate) -> Choice {
    use crate::scenario::EngineChoice;
    match s.engine_choice() {
        EngineChoice::Accounts => Choice { engine: Engine::Accounts, reason: "scenario.engine = \"accounts\"".into() },
        EngineChoice::Counts => Choice { engine: Engine::Counts, reason: "scenario.engine = \"counts\"".into() },
        EngineChoice::Auto => {
            let work = e.account_steps_per_run;
            let large = work >= AUTO_COUNTS_ACCOUNT_STEPS || e.peak_live_accounts > MAX_LIVE_ACCOUNTS as f64;
            let refused = counts::refusals(s);
            // Without a market size, a population past the account engine's
            // cap with an invitation or exposure loop may grow without
            // bound: any engine would be capped, and the budget refuses it.
            let m = &s.model;
            let may = |id: crate::scenario::ParamId| !matches!(s.params[id.0].dist, crate::scenario::Dist::Fixed(x) if x == 0.0);
            let viral = may(m.invites.per_active_seat_per_month)
                || (m.invites.once && may(m.invites.per_new_account))
                || may(m.exposure.per_active_account_per_month);
            let unbounded = viral && !s.has_market_size() && e.peak_live_accounts >= MAX_LIVE_ACCOUNTS as f64;
            if !large {
                let reason =
                    format!("auto: about {work:.1e} account-steps a run, below {AUTO_COUNTS_ACCOUNT_STEPS:.0e}");
                Choice { engine: Engine::Accounts, reason }
            } else if unbounded {
                let reason = format!(
                    "auto: about {work:.1e} account-steps a run, but without a market size (market.size) its invitations or exposures may grow without bound"
                );
                Choice { engine: Engine::Accounts, reason }
            } else if !refused.is_empty() {
                let reason = format!(
                    "auto: about {work:.1e} account-steps a run, but the count engine does not simulate {}",
                    refused.join(", ")
                );
                Choice { engine: Engine::Accounts, reason }
            } else {
                let reason =
                    format!("auto: about {work:.1e} account-steps a run, at least {AUTO_COUNTS_ACCOUNT_STEPS:.0e}");
                Choice { engine: Engine::Counts, reason }
            }
        }
    }
}

/// The one engine a what-if command runs all its variants on, so that run
/// r of every variant is simulated alike and the paired differences stay
/// paired (two engines draw different random numbers: a sweep whose points
/// fell on both sides of `auto`'s threshold would compare luck): the
/// engine [`choose`] picks for `base`, except that the count engine is
/// kept only when it simulates every one of `probes` too (the variants, or
/// a lever's values at both ends of its range), else the account engine.
/// Apply it with [`Scenario::pinned`].
pub fn shared(base: &Scenario, probes: &[&Scenario]) -> Engine {
    match choose(base).engine {
        Engine::Counts if probes.iter().any(|s| !counts::refusals(s).is_empty()) => Engine::Accounts,
        e => e,
    }
}

/// Runs one run with the given parameter values, with the engine
/// [`choose`] picks.
pub fn run_one(scenario: &Scenario, params: &[f64], run: u64) -> RunOutput {
    run_one_in(scenario, params, run, &mut Workspace::default(), choose(scenario).engine)
}

/// [`run_one`] with the given engine, reusing a worker's memory.
pub(crate) fn run_one_in(
    scenario: &Scenario,
    params: &[f64],
    run: u64,
    ws: &mut Workspace,
    engine: Engine,
) -> RunOutput {
    let model = RunModel::new(scenario, params);
    let width = monthly_width(scenario);
    let (rng, acq) = (rng::process_rng(scenario.seed, run), rng::acquisition_rng(scenario.seed, run));
    match engine {
        Engine::Accounts => run::simulate_run(&model, run, rng, acq, width, ws),
        Engine::Counts => counts::simulate_run_counts(&model, run, rng, acq, width).0,
    }
}

/// One run of the count engine and the most groups it held at a step's end
/// (for tests and benchmarks: bounded whatever the population).
pub fn run_one_counts(scenario: &Scenario, params: &[f64], run: u64) -> (RunOutput, usize) {
    let model = RunModel::new(scenario, params);
    let (rng, acq) = (rng::process_rng(scenario.seed, run), rng::acquisition_rng(scenario.seed, run));
    counts::simulate_run_counts(&model, run, rng, acq, monthly_width(scenario))
}

fn monthly_width(scenario: &Scenario) -> usize {
    metrics::Monthly::COUNT + scenario.model.channels.len()
}

/// Runs every run of the scenario on the current rayon pool; `on_run_done`
/// is called after each run (for progress reporting).
pub fn simulate(scenario: &Scenario, on_run_done: &(dyn Fn() + Sync)) -> Simulation {
    simulate_cancellable(scenario, on_run_done, &AtomicBool::new(false)).expect("never cancelled")
}

/// A simulation stopped by its caller ([`simulate_cancellable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the simulation was cancelled")]
#[non_exhaustive]
pub struct Cancelled;

/// [`simulate`], stopping as soon as `cancel` is set: runs not yet started
/// are skipped (a run in progress finishes first, so a cancellation takes
/// effect within one run's time) and the result is [`Cancelled`]. A
/// simulation that was not cancelled is the same as [`simulate`]'s, byte
/// for byte.
pub fn simulate_cancellable(
    scenario: &Scenario,
    on_run_done: &(dyn Fn() + Sync),
    cancel: &AtomicBool,
) -> Result<Simulation, Cancelled> {
    let cells = (scenario.months * scenario.months) as usize;
    let cohorts = Mutex::new((vec![0u64; cells], vec![0i64; cells]));
    let samples = scenario.sample_runs();
    let width = monthly_width(scenario);
    let engine = choose(scenario).engine;
    let runs: Vec<Option<RunRecord>> = samples
        .into_par_iter()
        .enumerate()
        .map_init(Workspace::default, |ws, (run, params)| {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            let run = run as u64;
            let mut output = run_one_in(scenario, &params, run, ws, engine);
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
            Some(RunRecord { params, output, width })
        })
        .collect();
    let runs: Vec<RunRecord> = runs.into_iter().collect::<Option<_>>().ok_or(Cancelled)?;
    let (cohort_conversions, cohort_departures) = cohorts.into_inner().unwrap_or_else(|e| e.into_inner());
    let channels: Vec<String> = scenario.model.channels.iter().map(|c| c.name.clone()).collect();
    Ok(Simulation {
        monthly_names: metrics::monthly_names(&channels),
        months: scenario.months,
        runs,
        cohort_conversions,
        cohort_departures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = "[scenario]\nmonths = 3\nruns = 20\n[acquisition.organic]\nsignups_per_month = 50\n[[plans]]\nname = \"pro\"\nprice_per_month = 10\n";

    #[test]
    fn a_cancelled_simulation_stops_and_says_so() {
        let s = Scenario::from_str("t.toml", TINY, &[]).unwrap();
        let cancel = AtomicBool::new(false);
        let done = std::sync::atomic::AtomicUsize::new(0);
        let result = simulate_cancellable(
            &s,
            &|| {
                if done.fetch_add(1, Ordering::Relaxed) == 2 {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
            &cancel,
        );
        assert_eq!(result.unwrap_err(), Cancelled);
        assert!(done.load(Ordering::Relaxed) < 20, "runs after the cancellation were skipped");
    }

    #[test]
    fn an_uncancelled_simulation_is_the_plain_one() {
        let s = Scenario::from_str("t.toml", TINY, &[]).unwrap();
        let a = simulate(&s, &|| {});
        let b = simulate_cancellable(&s, &|| {}, &AtomicBool::new(false)).unwrap();
        for (x, y) in a.runs().iter().zip(b.runs()) {
            assert_eq!(x.horizon_figures(), y.horizon_figures());
            assert_eq!(x.month_row(2), y.month_row(2));
        }
    }
}
