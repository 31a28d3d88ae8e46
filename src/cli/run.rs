//! `plgsim run`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;

use plgsim::output::{self, OutputFile};
use plgsim::scenario::Override;
use plgsim::summary::Summary;
use plgsim::{engine, format, render};

use super::{CliError, Common, base_overrides, load, out_dir, pool, progress};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Months to simulate (overrides scenario.months).
    #[arg(long)]
    months: Option<u64>,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: RunArgs) -> Result<(), CliError> {
    let mut ovr = base_overrides(&args.common.set, args.common.runs, args.common.seed)?;
    if let Some(m) = args.months {
        ovr.push(Override { key: "scenario.months".into(), value: m.to_string() });
    }
    let scenario = load(&args.scenario, &ovr)?;
    let pool = pool(args.common.threads, &[&scenario])?;
    let out_dir = out_dir(&args.common.out, &args.scenario, "");
    let bar = progress(scenario.runs as u64, "runs", args.common.quiet);
    bar.set_message(scenario.name.clone());
    let started = Instant::now();
    let sim = pool.install(|| engine::simulate(&scenario, &|| bar.inc(1)));
    let elapsed = started.elapsed();
    bar.finish_and_clear();

    let summary = Summary::new(&scenario, &sim);
    let mut files = vec![
        OutputFile::new("summary.json", output::summary_json(&summary)),
        OutputFile::new("monthly.csv", output::monthly_csv(&summary)),
        OutputFile::new("runs.csv", output::runs_csv(&scenario, &sim)),
    ];
    if !args.common.no_charts {
        files.extend(render::render(&scenario, &summary, &sim));
    }
    output::write_folder(&out_dir, &files).with_context(|| format!("cannot write {}", out_dir.display()))?;

    if !args.common.quiet {
        print_table(&summary);
        let steps = sim.account_steps() as f64;
        println!(
            "\n{} runs x {} months in {:.2}s ({:.1}M account-months/s). Results in {}/",
            scenario.runs,
            scenario.months,
            elapsed.as_secs_f64(),
            steps / scenario.steps_per_month() as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6,
            out_dir.display()
        );
    }
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// The short summary on stdout.
fn print_table(s: &Summary) {
    println!("{}: {} runs, {} months, seed {}", s.scenario, s.runs, s.months, s.seed);
    println!("{:<34} {:>11} {:>11} {:>11} {:>11}", "metric", "P10", "P50", "P90", "mean");
    for (h, st) in &s.horizon {
        let u = h.unit();
        println!(
            "{:<34} {:>11} {:>11} {:>11} {:>11}",
            h.name(),
            format::opt(st.p10(), u),
            format::opt(st.p50(), u),
            format::opt(st.p90(), u),
            format::opt(st.mean, u)
        );
    }
}
