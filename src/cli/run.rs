//! `plgsim run`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use plgsim::metrics::Horizon;
use plgsim::output::{self, OutputFile};
use plgsim::scenario::Override;
use plgsim::summary::Summary;
use plgsim::{engine, format, render};

use super::{CliError, load, overrides};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Number of Monte Carlo runs (overrides scenario.runs).
    #[arg(long)]
    runs: Option<u64>,
    /// Months to simulate (overrides scenario.months).
    #[arg(long)]
    months: Option<u64>,
    /// Random seed (overrides scenario.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output folder (default: output/<scenario file stem>/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override a scenario value by its key path, e.g. --set paid.churn_per_month=0.03
    /// (a distribution works too: --set 'free.conversion_per_month=[0.002, 0.006]').
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Skip the charts (charts/*.png, charts/*.svg) and report.html.
    #[arg(long)]
    no_charts: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: RunArgs) -> Result<(), CliError> {
    let mut ovr = overrides(&args.set)?;
    for (key, v) in [("scenario.runs", args.runs), ("scenario.months", args.months), ("scenario.seed", args.seed)] {
        if let Some(v) = v {
            ovr.push(Override { key: key.into(), value: v.to_string() });
        }
    }
    if args.threads == Some(0) {
        return Err(CliError::Usage("--threads must be at least 1".into()));
    }
    let scenario = load(&args.scenario, &ovr)?;
    let out_dir = args.out.clone().unwrap_or_else(|| {
        let stem = args.scenario.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("output").join(stem)
    });

    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build().context("cannot start worker threads")?;

    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(scenario.runs as u64), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} runs ({eta} left)")
            .expect("valid template")
            .progress_chars("=> "),
    );
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
    if !args.no_charts {
        files.extend(render::render(&scenario, &summary, &sim));
    }
    output::write_folder(&out_dir, &files).with_context(|| format!("cannot write {}", out_dir.display()))?;

    if !args.quiet {
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
    println!("{:<26} {:>11} {:>11} {:>11} {:>11}", "metric", "P10", "P50", "P90", "mean");
    for (h, st) in &s.horizon {
        let u = h.unit();
        println!(
            "{:<26} {:>11} {:>11} {:>11} {:>11}",
            h.name(),
            format::opt(st.p10(), u),
            format::opt(st.p50(), u),
            format::opt(st.p90(), u),
            format::opt(st.mean, u)
        );
    }
    let _ = Horizon::ALL;
}
