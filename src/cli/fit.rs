//! `plgsim fit`.

use std::path::PathBuf;

use clap::Args;

use plgsim::fit::{abc, history, output as fit_output};
use plgsim::output::{self, OutputFile};

use super::{CliError, Common, check_out, check_total_work, load, out_dir, pool};

#[derive(Debug, Args)]
pub struct FitArgs {
    /// The scenario file (TOML): its uncertain inputs are the priors, its
    /// [initial] the state at the start of the history.
    scenario: PathBuf,
    /// The history: one row per month (`month` 1, 2, ... or `date` YYYY-MM),
    /// one column per observed metric named as in monthly.csv.
    #[arg(long, value_name = "FILE")]
    actuals: PathBuf,
    /// Fit only this uncertain input (repeatable; default: every one).
    #[arg(long = "fit", value_name = "KEY")]
    keys: Vec<String>,
    /// Prior draws simulated over the history.
    #[arg(long, value_name = "N", default_value_t = 2000)]
    draws: u32,
    /// Share of the draws kept (the closest to the history).
    #[arg(long, value_name = "SHARE", default_value_t = 0.1)]
    keep: f64,
    #[command(flatten)]
    common: Common,
}

/// The largest history read (a few years of months is a few kilobytes).
const MAX_HISTORY_BYTES: u64 = 4 << 20;

pub fn run(args: FitArgs) -> Result<(), CliError> {
    let base = args.common.overrides()?;
    let scenario = load(&args.scenario, &base)?;
    if !(args.keep > 0.0 && args.keep <= 1.0) {
        return Err(CliError::Usage(format!("--keep {}: expected a share above 0 and at most 1", args.keep)));
    }
    if !(20..=200_000).contains(&args.draws) {
        return Err(CliError::Usage(format!("--draws {}: expected 20 to 200000", args.draws)));
    }
    let file = args.actuals.display().to_string();
    let bytes = match std::fs::metadata(&args.actuals) {
        Ok(m) if m.len() > MAX_HISTORY_BYTES => {
            return Err(CliError::Usage(format!("{file} is larger than 4 MiB: a history is a small CSV file")));
        }
        Ok(_) => std::fs::read(&args.actuals).map_err(|e| CliError::Usage(format!("cannot read {file}: {e}")))?,
        Err(e) => return Err(CliError::Usage(format!("cannot read {file}: {e}"))),
    };
    let text = String::from_utf8(bytes).map_err(|_| CliError::Usage(format!("{file} is not UTF-8 text")))?;
    let hist = match history::parse(&file, &text, &scenario) {
        Ok(h) => h,
        Err(e) => {
            errln!("{e}");
            let n = e.problems.len();
            return Err(CliError::Usage(format!(
                "{n} problem{} in {file}; nothing was fitted",
                if n == 1 { "" } else { "s" }
            )));
        }
    };
    let options = abc::Options { draws: args.draws, keep: args.keep, keys: args.keys.clone() };
    let out_dir = out_dir(&args.common.out, &args.scenario, "-fit");
    check_out(&out_dir)?;
    let pool = pool(args.common.threads, &[&scenario])?;
    // The draws are runs over the history's months.
    check_total_work(&scenario, (args.draws as usize).div_ceil(scenario.runs().max(1) as usize), "draws")?;
    let fit = pool.install(|| abc::run(&scenario, &hist, &options)).map_err(|e| match e {
        abc::FitError::Scenario(e) => CliError::Scenario(e),
        e => CliError::Usage(e.to_string()),
    })?;
    let fitted = fit_output::fitted_toml(&scenario, &fit, &file).map_err(|e| CliError::Usage(e.to_string()))?;
    // What is written must be a scenario every command reads.
    if let Err(e) = plgsim::Scenario::from_str("fitted.toml", &fitted, &[]) {
        return Err(CliError::Other(anyhow::anyhow!("the fitted scenario does not validate (a bug):\n{e}")));
    }
    let files = vec![
        OutputFile::new("posterior.csv", fit_output::posterior_csv(&fit)),
        OutputFile::new("fitted.toml", fitted.into_bytes()),
        OutputFile::new("summary.json", fit_output::summary_json(&scenario, &hist, &fit, &file)),
    ];
    output::write_folder(&out_dir, &files)?;
    if !args.common.quiet {
        outln!(
            "{}: {} fitted to {} months of {} ({}), {} prior draws, the closest {} kept",
            scenario.name(),
            fit.keys.join(", "),
            hist.months,
            file,
            hist.metrics.join(", "),
            fit.prior.len(),
            fit.kept.len()
        );
        outln!("{:<40} {:>24} {:>34} {:>10}", "input", "prior P5 .. P95", "posterior P50 [P5, P95]", "narrowed to");
        for m in fit_output::marginals(&fit) {
            outln!(
                "{:<40} {:>24} {:>34} {:>10}",
                m.key,
                format!("{} .. {}", sig(m.prior.p5), sig(m.prior.p95)),
                format!("{} [{}, {}]", sig(m.posterior.p50), sig(m.posterior.p5), sig(m.posterior.p95)),
                format!("{:.0}%", 100.0 * m.narrowed_to)
            );
        }
        for (a, b, r) in fit_output::correlations(&fit).into_iter().filter(|c| c.2.abs() >= 0.5) {
            outln!(
                "note: {a} and {b} are correlated in the posterior (r = {r:.2}): the history tells their combination better than each apart"
            );
        }
        if !scenario.overrides().is_empty() {
            let set: Vec<String> = scenario.overrides().iter().map(|o| format!("{}={}", o.key, o.value)).collect();
            outln!(
                "note: fitted.toml is the file's text with the fitted inputs replaced; this fit's overrides ({}) are not in it: give them again when you run it",
                set.join(", ")
            );
        }
        outln!(
            "\nResults in {}/ (run the fitted scenario: plgsim run {}/fitted.toml)",
            out_dir.display(),
            out_dir.display()
        );
    }
    Ok(())
}

fn sig(x: f64) -> String {
    plgsim::format::sig(x)
}
