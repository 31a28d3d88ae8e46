//! `plgsim explain`.

use std::path::PathBuf;

use clap::Args;

use plgsim::whatif::explain;

use plgsim::output::{self, OutputFile};

use super::{CliError, base_overrides, check_out, load, pool, term};

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
    /// Months to simulate (overrides scenario.months).
    #[arg(long)]
    months: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// The engine of the quick simulation (overrides scenario.engine; see
    /// `plgsim run --help`).
    #[arg(long, value_name = "ENGINE", value_parser = ["auto", "accounts", "counts"])]
    engine: Option<String>,
    /// Override a scenario value.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Also write the text to explain.txt in this folder (plgsim replaces
    /// only folders it wrote).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print nothing but errors (with --out, the text is in the file).
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: ExplainArgs) -> Result<(), CliError> {
    let with_engine = |mut ovr: Vec<plgsim::Override>| {
        if let Some(e) = &args.engine {
            ovr.push(plgsim::Override {
                key: "scenario.engine".into(),
                value: format!("\"{e}\""),
                origin: Some(format!("--engine {e}")),
            });
        }
        ovr
    };
    let scenario = load(&args.scenario, &with_engine(base_overrides(&args.set, None, args.seed, args.months)?))?;
    if let Some(out) = &args.out {
        check_out(out)?;
    }
    let runs = args.runs.unwrap_or_else(|| u64::from(scenario.runs()).min(200));
    let quick = load(&args.scenario, &with_engine(base_overrides(&args.set, Some(runs), args.seed, args.months)?))?;
    let pool = pool(args.threads, &[&quick])?;
    let analytic = explain::Analytic::new(&scenario, &explain::central_values(&scenario));
    let simulated = pool.install(|| explain::simulate(&quick));
    let text = explain::text(&scenario, &analytic, &simulated);
    if let Some(out) = &args.out {
        output::write_folder(out, &[OutputFile::new("explain.txt", text.clone().into_bytes())])?;
    }
    if !args.quiet {
        term::out(format_args!("{text}"))?;
    }
    Ok(())
}
