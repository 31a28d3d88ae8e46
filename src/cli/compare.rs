//! `plgsim compare`.

use std::path::PathBuf;

use clap::Args;

use plgsim::output::{self, OutputFile};
use plgsim::whatif::compare::{self, Comparison};
use plgsim::whatif::{ACCOUNT_METRICS, DEFAULT_METRICS};
use plgsim::{format, render};

use super::{CliError, Common, chart_metrics, check_out, load, metrics, monthly_columns, out_dir, pool, progress};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two or more scenario files; differences are against the first.
    #[arg(required = true, num_args = 2..)]
    scenarios: Vec<PathBuf>,
    /// A horizon metric to compare (repeatable; default: mrr_final,
    /// revenue_total, free_to_paid_conversion, cost_to_serve_free_total, ltv_to_cac;
    /// when no scenario earns revenue: signups_total, k_factor, activation_rate).
    #[arg(long = "metric", value_name = "NAME")]
    metrics: Vec<String>,
    /// Also overlay these monthly metrics by scenario (repeatable, or
    /// comma-separated; any name of monthly.csv, e.g. --chart signups_invite):
    /// P50 lines with P10-P90 bands, in charts/<metric>.png and .svg and in report.html.
    #[arg(long = "chart", value_name = "METRIC", value_delimiter = ',')]
    charts: Vec<String>,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: CompareArgs) -> Result<(), CliError> {
    let base = args.common.overrides()?;
    let scenarios = args
        .scenarios
        .iter()
        .map(|p| Ok((p.display().to_string(), load(p, &base)?)))
        .collect::<Result<Vec<_>, CliError>>()?;
    let all: Vec<&plgsim::Scenario> = scenarios.iter().map(|(_, s)| s).collect();
    let charts = chart_metrics(&args.charts, &monthly_columns(&all), args.common.no_charts)?;
    let pool = pool(args.common.threads, &all)?;
    let out_dir = out_dir(&args.common.out, &args.scenarios[0], "-compare");
    check_out(&out_dir)?;
    let chosen = !args.metrics.is_empty();
    // By default, the figures of revenue and of accounts are both computed,
    // and those that fit the results are kept.
    let metrics = if chosen { metrics(&args.metrics)? } else { [DEFAULT_METRICS, ACCOUNT_METRICS].concat() };
    let bar = progress(scenarios.len() as u64, "scenarios", args.common.quiet);
    bar.set_message("compare");
    let mut cmp = pool.install(|| compare::run(&scenarios, &metrics, &|| bar.inc(1)));
    bar.finish_and_clear();
    if !chosen {
        cmp.keep_metrics(if cmp.has_revenue() { DEFAULT_METRICS } else { ACCOUNT_METRICS });
    }

    let mut files = vec![
        OutputFile::new("compare.csv", output::compare_csv(&cmp)),
        OutputFile::new("summary.json", output::compare_json(&cmp)),
        OutputFile::new(
            "results.xlsx",
            output::compare_xlsx(&cmp).map_err(|e| anyhow::anyhow!("cannot build results.xlsx: {e}"))?,
        ),
    ];
    if !args.common.no_charts {
        files.extend(render::render_compare_with(&cmp, &charts));
    }
    output::write_folder(&out_dir, &files)?;
    if !args.common.quiet {
        if !chosen && !cmp.has_revenue() {
            outln!(
                "note: no run of any scenario earned revenue, so the figures compared are about accounts \
                 (use --metric to choose others)"
            );
        }
        print_table(&cmp)?;
        outln!("\nResults in {}/", out_dir.display());
    }
    Ok(())
}

fn print_table(c: &Comparison) -> Result<(), CliError> {
    if !c.paired {
        outln!("note: the scenarios have different seeds, so their differences are not paired (use --seed)");
    }
    for (m, metric) in c.metrics.iter().enumerate() {
        let u = metric.unit();
        outln!("\n{} ({})", metric.name(), metric.label());
        for (i, v) in c.variants.iter().enumerate() {
            let s = &v.stats[m];
            let diff = match v.vs_first[m] {
                _ if i == 0 => "(reference)".to_string(),
                Some(d) => format::paired(&d, u, metric.higher_is_better()),
                None => String::new(),
            };
            outln!(
                "  {:<32} P50 {:>10} (P10 {:>10}, P90 {:>10})  {diff}",
                v.label,
                format::opt(s.p50(), u),
                format::opt(s.p10(), u),
                format::opt(s.p90(), u)
            );
        }
    }
    Ok(())
}
