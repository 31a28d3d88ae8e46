//! `plgsim sweep`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use plgsim::metrics::Horizon;
use plgsim::output::{self, OutputFile};
use plgsim::whatif::DEFAULT_METRICS;
use plgsim::whatif::sweep::{self, Axis, SweepError};
use plgsim::{format, render};

use super::{CliError, base_overrides, load, metrics, out_dir, pool, progress, read};

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// A parameter and its values: KEY=1,3,5 or KEY=1..20 or KEY=0.02..0.05:7
    /// (once or twice; default: the scenario's [sweep] section).
    #[arg(long = "param", value_name = "KEY=VALUES")]
    params: Vec<String>,
    /// A horizon metric to report (repeatable; default: the scenario's, or
    /// mrr_final, revenue_total, free_to_paid_conversion, cost_to_serve_free_total, ltv_to_cac).
    #[arg(long = "metric", value_name = "NAME")]
    metrics: Vec<String>,
    /// Runs per grid point (overrides scenario.runs).
    #[arg(long)]
    runs: Option<u64>,
    /// Random seed (overrides scenario.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output folder (default: output/<scenario file stem>-sweep/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override a scenario value for every point.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Skip the charts (charts/*.png, charts/*.svg) and report.html.
    #[arg(long)]
    no_charts: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: SweepArgs) -> Result<(), CliError> {
    let base = base_overrides(&args.set, args.runs, args.seed)?;
    let pool = pool(args.threads)?;
    let scenario = load(&args.scenario, &base)?;
    let axes: Vec<Axis> = if args.params.is_empty() {
        match &scenario.sweep {
            Some(s) => s.axes.clone(),
            None => {
                return Err(CliError::Usage(
                    "nothing to sweep: give --param KEY=VALUES (e.g. --param free.usage_limit=1..20) or a [sweep] section".into(),
                ));
            }
        }
    } else {
        args.params.iter().map(|p| Axis::parse(p).map_err(CliError::Usage)).collect::<Result<_, _>>()?
    };
    let metrics: Vec<Horizon> = if !args.metrics.is_empty() {
        metrics(&args.metrics)?
    } else {
        match &scenario.sweep {
            Some(s) if !s.metrics.is_empty() => s.metrics.clone(),
            _ => DEFAULT_METRICS.to_vec(),
        }
    };
    let out_dir = out_dir(&args.out, &args.scenario, "-sweep");
    let text = read(&args.scenario)?;
    let name = args.scenario.display().to_string();
    let points: usize = axes.iter().map(|a| a.values.len()).product();
    let bar = progress(points as u64, "points", args.quiet);
    bar.set_message("sweep");
    let result = pool.install(|| sweep::run(&name, &text, &base, &axes, &metrics, &|| bar.inc(1)));
    bar.finish_and_clear();
    let sweep = match result {
        Ok(s) => s,
        Err(SweepError::Grid(m)) => return Err(CliError::Usage(m)),
        Err(SweepError::Scenario { point, error }) => {
            eprintln!("the sweep point {point} is not a valid scenario:");
            return Err(CliError::Scenario(error));
        }
    };

    let mut files = vec![OutputFile::new("sweep.csv", sweep.csv()), OutputFile::new("summary.json", sweep.json())];
    if !args.no_charts {
        files.extend(render::render_sweep(&sweep));
    }
    output::write_folder(&out_dir, &files).with_context(|| format!("cannot write {}", out_dir.display()))?;

    if !args.quiet {
        print_table(&sweep);
        println!("\nResults in {}/", out_dir.display());
    }
    Ok(())
}

/// Per metric: each point's P50 (P10-P90), the paired difference against
/// the baseline, and the best point.
fn print_table(s: &plgsim::whatif::sweep::Sweep) {
    println!(
        "{}: sweep of {} ({} runs per point, seed {})",
        s.scenario,
        s.axes.iter().map(|a| a.key.as_str()).collect::<Vec<_>>().join(" x "),
        s.runs,
        s.seed
    );
    for (m, metric) in s.metrics.iter().enumerate() {
        let u = metric.unit();
        println!(
            "\n{} ({}; vs baseline {})",
            metric.name(),
            if metric.higher_is_better() { "higher is better" } else { "lower is better" },
            sweep::describe(&s.axes, &s.points[s.baseline].coords)
        );
        for (i, p) in s.points.iter().enumerate() {
            let st = &p.stats[m];
            let d = p.vs_baseline[m].map_or_else(
                || "n/a".to_string(),
                |d| format!("{} [{}, {}]", format::value(d.mean, u), format::value(d.low, u), format::value(d.high, u)),
            );
            let mark = if s.best[m] == Some(i) {
                "  <- best"
            } else if i == s.baseline {
                "  (baseline)"
            } else {
                ""
            };
            println!(
                "  {:<40} P50 {:>10} (P10 {:>10}, P90 {:>10})  diff {d}{mark}",
                sweep::describe(&s.axes, &p.coords),
                format::opt(st.p50(), u),
                format::opt(st.p10(), u),
                format::opt(st.p90(), u),
            );
        }
    }
}
