//! `plgsim run`.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use plgsim::output::{self, OutputFile};
use plgsim::summary::Summary;
use plgsim::{engine, format, render};

use super::{CliError, Common, check_out, load, out_dir, pool, progress};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: RunArgs) -> Result<(), CliError> {
    let ovr = args.common.overrides()?;
    let scenario = load(&args.scenario, &ovr)?;
    let pool = pool(args.common.threads, &[&scenario])?;
    let out_dir = out_dir(&args.common.out, &args.scenario, "");
    check_out(&out_dir)?;
    let bar = progress(scenario.runs() as u64, "runs", args.common.quiet);
    bar.set_message(format::terminal_safe(scenario.name()).into_owned());
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
    output::write_folder(&out_dir, &files)?;

    if !args.common.quiet {
        print_table(&summary)?;
        let steps = sim.account_steps() as f64;
        outln!(
            "\n{} runs x {} months in {:.2}s ({:.1}M account-months/s). Results in {}/",
            scenario.runs(),
            scenario.months(),
            elapsed.as_secs_f64(),
            steps / scenario.steps_per_month() as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6,
            out_dir.display()
        );
    }
    for w in &summary.warnings {
        errln!("warning: {w}");
    }
    Ok(())
}

/// The short summary on stdout.
fn print_table(s: &Summary) -> Result<(), CliError> {
    outln!("{}: {} runs, {} months, seed {}", s.scenario, s.runs, s.months, s.seed);
    outln!("{:<34} {:>11} {:>11} {:>11} {:>11}", "metric", "P10", "P50", "P90", "mean");
    for (h, st) in &s.horizon {
        let u = h.unit();
        outln!(
            "{:<34} {:>11} {:>11} {:>11} {:>11}",
            h.name(),
            format::opt(st.p10(), u),
            format::opt(st.p50(), u),
            format::opt(st.p90(), u),
            format::opt(st.mean, u)
        );
    }
    Ok(())
}
