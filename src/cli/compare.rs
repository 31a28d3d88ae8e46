//! `plgsim compare`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use plgsim::output::{self, OutputFile};
use plgsim::whatif::DEFAULT_METRICS;
use plgsim::whatif::compare::{self, Comparison};
use plgsim::{format, render};

use super::{CliError, base_overrides, load, metrics, pool, progress};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two or more scenario files; differences are against the first.
    #[arg(required = true, num_args = 2..)]
    scenarios: Vec<PathBuf>,
    /// A horizon metric to compare (repeatable; default: mrr_final,
    /// revenue_total, free_to_paid_conversion, cost_to_serve_free_total, ltv_to_cac).
    #[arg(long = "metric", value_name = "NAME")]
    metrics: Vec<String>,
    /// Runs of every scenario (overrides their scenario.runs).
    #[arg(long)]
    runs: Option<u64>,
    /// Seed of every scenario (overrides their scenario.seed, so runs pair up).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output folder (default: output/compare/).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override a value in every scenario.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Skip the charts (charts/*.png, charts/*.svg) and report.html.
    #[arg(long)]
    no_charts: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(args: CompareArgs) -> Result<(), CliError> {
    let base = base_overrides(&args.set, args.runs, args.seed)?;
    let pool = pool(args.threads)?;
    let scenarios = args
        .scenarios
        .iter()
        .map(|p| Ok((p.display().to_string(), load(p, &base)?)))
        .collect::<Result<Vec<_>, CliError>>()?;
    let metrics = if args.metrics.is_empty() { DEFAULT_METRICS.to_vec() } else { metrics(&args.metrics)? };
    let bar = progress(scenarios.len() as u64, "scenarios", args.quiet);
    bar.set_message("compare");
    let cmp = pool.install(|| compare::run(&scenarios, &metrics, &|| bar.inc(1)));
    bar.finish_and_clear();

    let out_dir = args.out.clone().unwrap_or_else(|| PathBuf::from("output").join("compare"));
    let mut files = vec![OutputFile::new("compare.csv", cmp.csv()), OutputFile::new("summary.json", cmp.json())];
    if !args.no_charts {
        files.extend(render::render_compare(&cmp));
    }
    output::write_folder(&out_dir, &files).with_context(|| format!("cannot write {}", out_dir.display()))?;
    if !args.quiet {
        print_table(&cmp);
        println!("\nResults in {}/", out_dir.display());
    }
    Ok(())
}

fn print_table(c: &Comparison) {
    if !c.paired {
        println!("note: the scenarios have different seeds, so their differences are not paired (use --seed)");
    }
    for (m, metric) in c.metrics.iter().enumerate() {
        let u = metric.unit();
        println!("\n{} ({})", metric.name(), metric.label());
        for (i, v) in c.variants.iter().enumerate() {
            let s = &v.stats[m];
            let diff = match v.vs_first[m] {
                _ if i == 0 => "(reference)".to_string(),
                Some(d) => format!(
                    "diff {} [{}, {}]",
                    format::value(d.mean, u),
                    format::value(d.low, u),
                    format::value(d.high, u)
                ),
                None => String::new(),
            };
            println!(
                "  {:<32} P50 {:>10} (P10 {:>10}, P90 {:>10})  {diff}",
                v.name,
                format::opt(s.p50(), u),
                format::opt(s.p10(), u),
                format::opt(s.p90(), u)
            );
        }
    }
}
