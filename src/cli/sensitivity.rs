//! `plgsim sensitivity`.

use std::path::PathBuf;

use clap::Args;

use plgsim::metrics::Horizon;
use plgsim::output::{self, OutputFile};
use plgsim::whatif::sensitivity;
use plgsim::{format, render};

use super::{CliError, Common, check_out, check_total_work, load, metrics, out_dir, pool, progress};

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// The scenario file (TOML); it needs uncertain parameters.
    scenario: PathBuf,
    /// The output to explain.
    #[arg(long, value_name = "NAME", default_value = "arr_final")]
    metric: String,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: SensitivityArgs) -> Result<(), CliError> {
    let base = args.common.overrides()?;
    let scenario = load(&args.scenario, &base)?;
    let pool = pool(args.common.threads, &[&scenario])?;
    let metric: Horizon = metrics(std::slice::from_ref(&args.metric))?[0];
    let n = scenario.uncertain_params().count();
    if n == 0 {
        return Err(CliError::Usage(format!(
            "{} has no uncertain parameter: write one as a range, e.g. paid.churn_per_month = [0.02, 0.04]",
            args.scenario.display()
        )));
    }
    let out_dir = out_dir(&args.common.out, &args.scenario, "-sensitivity");
    check_out(&out_dir)?;
    check_total_work(&scenario, 2 * n + 2, "simulations")?;
    let bar = progress((2 * n + 2) as u64, "simulations", args.common.quiet);
    bar.set_message("sensitivity");
    let result = pool.install(|| sensitivity::run(&scenario, metric, &|| bar.inc(1))).map_err(CliError::Scenario)?;
    bar.finish_and_clear();

    let mut files = vec![
        OutputFile::new("sensitivity.csv", output::sensitivity_csv(&result)),
        OutputFile::new("summary.json", output::sensitivity_json(&result)),
        OutputFile::new(
            "results.xlsx",
            output::sensitivity_xlsx(&result).map_err(|e| anyhow::anyhow!("cannot build results.xlsx: {e}"))?,
        ),
    ];
    if !args.common.no_charts {
        files.extend(render::render_sensitivity(&result));
    }
    output::write_folder(&out_dir, &files)?;
    if !args.common.quiet {
        let u = metric.unit();
        outln!(
            "{}: what moves {} ({} runs per variant, seed {}); at the medians: {}",
            result.scenario,
            metric.name(),
            result.runs,
            result.seed,
            format::opt(result.base_output, u)
        );
        outln!(
            "{:<60} {:>12} {:>12} {:>12} {:>9} {:>15}",
            "parameter (P10 .. P90)",
            "at P10",
            "at P90",
            "swing",
            "rank rho",
            "95% interval"
        );
        for r in &result.rows {
            outln!(
                "{:<60} {:>12} {:>12} {:>12} {:>9} {:>15}",
                format!("{} ({} .. {})", r.key, sig(r.p10), sig(r.p90)),
                format::opt(r.output_at_p10, u),
                format::opt(r.output_at_p90, u),
                format::value(r.swing, u),
                r.rank_correlation.map_or("n/a".into(), sensitivity::rho_text),
                r.rank_correlation_interval.map_or("n/a".into(), |(lo, hi)| format!(
                    "{} .. {}",
                    sensitivity::rho_text(lo),
                    sensitivity::rho_text(hi)
                ))
            );
        }
        outln!("\nResults in {}/", out_dir.display());
    }
    for w in &result.warnings {
        errln!("warning: {}", format::terminal_safe(w));
    }
    Ok(())
}

/// Three significant digits.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (2 - libm::floor(libm::log10(x.abs())) as i32).max(0) as usize;
    format!("{x:.digits$}")
}
