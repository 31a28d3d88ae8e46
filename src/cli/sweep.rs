//! `plgsim sweep`.

use std::path::PathBuf;

use clap::Args;

use plgsim::metrics::Horizon;
use plgsim::output::{self, OutputFile};
use plgsim::whatif::DEFAULT_METRICS;
use plgsim::whatif::sweep::{self, Axis, SweepError};
use plgsim::{format, render};

use super::{CliError, Common, check_out, check_total_work, load, metrics, out_dir, pool, progress};

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
    #[command(flatten)]
    common: Common,
}

pub fn run(args: SweepArgs) -> Result<(), CliError> {
    let base = args.common.overrides()?;
    let scenario = load(&args.scenario, &base)?;
    let pool = pool(args.common.threads, &[&scenario])?;
    let axes: Vec<Axis> = if args.params.is_empty() {
        match &scenario.sweep() {
            Some(s) => s.axes.clone(),
            None => {
                return Err(CliError::Usage(
                    "nothing to sweep: give --param KEY=VALUES (e.g. --param free.usage_limit=1..20) or a [sweep] section".into(),
                ));
            }
        }
    } else {
        args.params
            .iter()
            .map(|p| Axis::parse(p).map_err(|e| CliError::Usage(e.to_string())))
            .collect::<Result<_, _>>()?
    };
    let metrics: Vec<Horizon> = if !args.metrics.is_empty() {
        metrics(&args.metrics)?
    } else {
        match &scenario.sweep() {
            Some(s) if !s.metrics.is_empty() => s.metrics.clone(),
            _ => DEFAULT_METRICS.to_vec(),
        }
    };
    let out_dir = out_dir(&args.common.out, &args.scenario, "-sweep");
    check_out(&out_dir)?;
    let points: usize = axes.iter().map(|a| a.values.len()).product();
    check_total_work(&scenario, points, "grid points")?;
    let bar = progress(points as u64, "points", args.common.quiet);
    bar.set_message("sweep");
    let result = pool.install(|| sweep::run(&scenario, &axes, &metrics, &|| bar.inc(1)));
    bar.finish_and_clear();
    let sweep = match result {
        Ok(s) => s,
        Err(SweepError::Grid(e)) => return Err(CliError::Usage(e.to_string())),
        Err(SweepError::Scenario { point, error }) => {
            errln!("the sweep point {point} is not a valid scenario:");
            return Err(CliError::Scenario(error));
        }
        Err(e) => return Err(CliError::Usage(e.to_string())),
    };

    let mut files = vec![
        OutputFile::new("sweep.csv", output::sweep_csv(&sweep)),
        OutputFile::new("summary.json", output::sweep_json(&sweep)),
        OutputFile::new(
            "results.xlsx",
            output::sweep_xlsx(&sweep).map_err(|e| anyhow::anyhow!("cannot build results.xlsx: {e}"))?,
        ),
    ];
    if !args.common.no_charts {
        files.extend(render::render_sweep(&sweep));
    }
    output::write_folder(&out_dir, &files)?;

    if !args.common.quiet {
        print_table(&sweep)?;
        outln!("\nResults in {}/", out_dir.display());
    }
    Ok(())
}

/// Per metric: each point's P50 (P10-P90), the paired difference against
/// the baseline, and the best point.
fn print_table(s: &plgsim::whatif::sweep::Sweep) -> Result<(), CliError> {
    outln!(
        "{}: sweep of {} ({} runs per point, seed {})",
        s.scenario,
        s.axes.iter().map(|a| a.key.as_str()).collect::<Vec<_>>().join(" x "),
        s.runs,
        s.seed
    );
    for w in &s.warnings {
        outln!("warning: {w}");
    }
    for (m, metric) in s.metrics.iter().enumerate() {
        let u = metric.unit();
        outln!(
            "\n{} ({}; P50 and P10-P90 across runs; mean diff: the mean paired difference against {}{}, with its 95% interval; per run: P10 and P90 of the run-by-run difference; better in: the share of runs where the point beats it, ties counted as half, with its 95% interval)",
            metric.name(),
            if metric.higher_is_better() { "higher is better" } else { "lower is better" },
            sweep::describe(&s.axes, &s.points[s.baseline].coords),
            if s.baseline_is_scenario {
                ", the scenario's own value"
            } else {
                ", the first point (the scenario's value is not on the grid)"
            }
        );
        for (i, p) in s.points.iter().enumerate() {
            let st = &p.stats[m];
            let d = match p.vs_baseline[m] {
                _ if i == s.baseline => String::new(),
                Some(d) => format::paired(&d, u, metric.higher_is_better()),
                None => "mean diff n/a".to_string(),
            };
            let d = match &p.separator[m] {
                Some(sep) => format!("{d}; {}", format::separator(sep)),
                None => d,
            };
            let mark = match (sweep::best_mark(s, m, i), i == s.baseline) {
                (Some(best), true) => format!("  <- {best} (baseline)"),
                (Some(best), false) => format!("  <- {best}"),
                (None, true) => "  (baseline)".into(),
                (None, false) => String::new(),
            };
            outln!(
                "  {:<40} P50 {:>10} (P10 {:>10}, P90 {:>10})  {}",
                sweep::describe(&s.axes, &p.coords),
                format::opt(st.p50(), u),
                format::opt(st.p10(), u),
                format::opt(st.p90(), u),
                format!("{d}{mark}").trim_start(),
            );
        }
    }
    Ok(())
}
