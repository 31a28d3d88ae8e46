//! `plgsim explain`.

use std::path::PathBuf;

use clap::Args;

use plgsim::whatif::explain;

use super::{CliError, base_overrides, load, pool};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Runs of the quick simulation set against the formulas (default: 200,
    /// or the scenario's runs if fewer).
    #[arg(long)]
    runs: Option<u64>,
    /// Random seed (overrides scenario.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Override a scenario value.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

pub fn run(args: ExplainArgs) -> Result<(), CliError> {
    let scenario = load(&args.scenario, &base_overrides(&args.set, None, args.seed)?)?;
    let runs = args.runs.unwrap_or_else(|| u64::from(scenario.runs).min(200));
    let quick = load(&args.scenario, &base_overrides(&args.set, Some(runs), args.seed)?)?;
    let pool = pool(args.threads, &[&quick])?;
    let analytic = explain::Analytic::new(&scenario, &explain::central_values(&scenario));
    let simulated = pool.install(|| explain::simulate(&quick));
    print!("{}", explain::text(&scenario, &analytic, &simulated));
    Ok(())
}
