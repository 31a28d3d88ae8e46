//! `plgsim compare`.

use std::path::PathBuf;

use clap::Args;

use plgsim::output::{self, OutputFile};
use plgsim::scenario::variants::{self, VariantSpec};
use plgsim::whatif::compare::{self, Comparison, Entry};
use plgsim::whatif::{ACCOUNT_METRICS, DEFAULT_METRICS};
use plgsim::{format, render};

use super::{CliError, Common, chart_metrics, check_out, load, metrics, monthly_columns, out_dir, pool, progress};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files (two or more, or one with variants); differences are
    /// against the first.
    #[arg(required = true, num_args = 1..)]
    scenarios: Vec<PathBuf>,
    /// A variant of the first scenario: NAME=KEY=VALUE[,KEY=VALUE...], e.g.
    /// "reverse=trial.start=signup,trial.after=free" (repeatable; default:
    /// the first file's [[variants]]). Compared after the first scenario,
    /// before the other files.
    #[arg(long = "variant", value_name = "NAME=KEY=VALUE,...")]
    variants: Vec<String>,
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
    let specs = args
        .variants
        .iter()
        .map(|v| VariantSpec::parse(v).map_err(|e| CliError::Usage(format!("--variant: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    variants::check_names(&specs).map_err(|e| CliError::Usage(format!("--variant: {e}")))?;
    let files = args
        .scenarios
        .iter()
        .map(|p| Ok((p.display().to_string(), load(p, &base)?)))
        .collect::<Result<Vec<_>, CliError>>()?;
    let mut scenarios: Vec<Entry> = Vec::with_capacity(files.len() + specs.len());
    let mut files = files.into_iter();
    if let Some((file, first)) = files.next() {
        let specs = if specs.is_empty() { first.variants().to_vec() } else { specs };
        let variants = match compare::variants(&file, &first, &specs) {
            Ok(v) => v,
            Err(e) => {
                errln!("the variant `{}` ({}) is not a valid scenario:", e.name, e.set);
                return Err(CliError::Scenario(e.error));
            }
        };
        scenarios.push(Entry::file(file, first));
        scenarios.extend(variants);
    }
    scenarios.extend(files.map(|(file, s)| Entry::file(file, s)));
    if scenarios.len() < 2 {
        return Err(CliError::Usage(
            "compare needs two or more scenarios: another file, a --variant NAME=KEY=VALUE,... or a \
             [[variants]] section in the scenario"
                .into(),
        ));
    }
    let all: Vec<&plgsim::Scenario> = scenarios.iter().map(|e| &e.scenario).collect();
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
    for v in &c.variants {
        if let Some(set) = &v.set {
            outln!("{}: {} with {set}", v.label, v.file);
        }
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
            let diff = match &v.separator[m] {
                Some(sep) => format!("{diff}; {}", format::separator(sep)),
                None => diff,
            };
            let mark = c.best_mark(m, i).map_or_else(String::new, |b| format!("  <- {b}"));
            outln!(
                "  {:<32} P50 {:>10} (P10 {:>10}, P90 {:>10})  {diff}{mark}",
                v.label,
                format::opt(s.p50(), u),
                format::opt(s.p10(), u),
                format::opt(s.p90(), u)
            );
        }
    }
    Ok(())
}
