//! Statistics of a simulation, ready for the exporters: horizon figures and
//! monthly series with their mean and percentiles across runs.

use crate::engine::Simulation;
use crate::metrics::Horizon;
use crate::scenario::{ParamSpec, Scenario};
use crate::stats::Stat;

/// What `plgsim run` reports.
#[derive(Debug, Clone)]
pub struct Summary {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub runs: u32,
    pub months: u32,
    pub time_step: &'static str,
    pub horizon: Vec<(Horizon, Stat)>,
    pub monthly_names: Vec<String>,
    /// `[month][metric]`.
    pub monthly: Vec<Vec<Stat>>,
    /// Uncertain parameters and the statistics of their sampled values.
    pub uncertain: Vec<(ParamSpec, Stat)>,
    pub warnings: Vec<String>,
}

impl Summary {
    pub fn new(scenario: &Scenario, sim: &Simulation) -> Summary {
        let horizon = Horizon::ALL
            .iter()
            .map(|&h| {
                (
                    h,
                    Stat::of(sim.runs.iter().map(|r| r.output.horizon[h as usize])),
                )
            })
            .collect();
        let monthly = (0..sim.months as usize)
            .map(|month| {
                (0..sim.monthly_names.len())
                    .map(|m| Stat::of(sim.monthly_values(month, m).map(Some)))
                    .collect()
            })
            .collect();
        let uncertain = scenario
            .uncertain_params()
            .map(|(id, spec)| {
                (
                    spec.clone(),
                    Stat::of(sim.runs.iter().map(|r| Some(r.params[id.0]))),
                )
            })
            .collect();
        let mut warnings = Vec::new();
        let capped = sim.capped_runs();
        if capped > 0 {
            warnings.push(format!(
                "{capped} of {} runs reached {} live accounts and refused further signups: growth is understated; give the market a size (market.size)",
                sim.runs.len(),
                crate::engine::MAX_LIVE_ACCOUNTS
            ));
        }
        Summary {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            runs: scenario.runs,
            months: scenario.months,
            time_step: scenario.time_step.name(),
            horizon,
            monthly_names: sim.monthly_names.clone(),
            monthly,
            uncertain,
            warnings,
        }
    }

    pub fn horizon(&self, h: Horizon) -> &Stat {
        &self.horizon[h as usize].1
    }

    /// The monthly statistics of the metric called `name`.
    pub fn series(&self, name: &str) -> Option<Vec<&Stat>> {
        let i = self.monthly_names.iter().position(|n| n == name)?;
        Some(self.monthly.iter().map(|row| &row[i]).collect())
    }
}
