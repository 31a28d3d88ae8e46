//! `plgsim fit`.

use std::path::PathBuf;

use clap::Args;

use plgsim::fit::predict::{Backtest, Predictive};
use plgsim::fit::{abc, history, output as fit_output};
use plgsim::output::{self, OutputFile};
use plgsim::render::fit_report::{self, FitReport};

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
    /// Backtest: also fit to all but the last K months and report how the
    /// forecast of those months meets them (fitted.toml uses every month).
    #[arg(long, value_name = "K")]
    holdout: Option<u32>,
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
    if let Some(k) = args.holdout
        && !(1..hist.months).contains(&k)
    {
        return Err(CliError::Usage(format!(
            "--holdout {k}: expected 1 to {} (the history has {} month{}, and the backtest's fit needs at least one)",
            hist.months.saturating_sub(1),
            hist.months,
            if hist.months == 1 { "" } else { "s" }
        )));
    }
    let options = abc::Options { draws: args.draws, keep: args.keep, keys: args.keys.clone() };
    let out_dir = out_dir(&args.common.out, &args.scenario, "-fit");
    check_out(&out_dir)?;
    let pool = pool(args.common.threads, &[&scenario])?;
    // The draws are runs over the history's months.
    check_total_work(&scenario, (args.draws as usize).div_ceil(scenario.runs().max(1) as usize), "draws")?;
    let (fit, fitted, predictive) = pool.install(|| fit_and_predict(&scenario, &hist, &hist, &options, &file))?;
    let backtest = match args.holdout {
        Some(k) => {
            let first = hist.first(hist.months - k);
            let (fit, _, predictive) = pool.install(|| fit_and_predict(&scenario, &first, &hist, &options, &file))?;
            Some(Backtest { holdout: k, fit, predictive })
        }
        None => None,
    };
    let parts = fit_output::Parts {
        scenario: &scenario,
        history: &hist,
        fit: &fit,
        actuals: &file,
        predictive: &predictive,
        backtest: backtest.as_ref(),
    };
    let mut files = vec![
        OutputFile::new("posterior.csv", fit_output::posterior_csv(&fit)),
        OutputFile::new("fitted.toml", fitted.into_bytes()),
        OutputFile::new("summary.json", fit_output::summary_json(parts)),
        OutputFile::new("predictive.csv", fit_output::predictive_csv(&predictive)),
    ];
    if let Some(b) = &backtest {
        files.push(OutputFile::new("backtest.csv", fit_output::backtest_csv(b)));
    }
    if !args.common.no_charts {
        let command = command_line(&args, &scenario);
        files.extend(plgsim::render::render_fit(&FitReport { parts, command: &command }));
    }
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
        let (outside, observed) = predictive.outside_90();
        outln!(
            "fitted scenario ({} runs): {outside} of {observed} observed values outside their month's P5-P95 (about 1 in 10 when the model fits)",
            predictive.summary.runs
        );
        if let Some(b) = &backtest {
            let s = b.overall();
            outln!(
                "backtest: fitted to months 1-{}, forecast {}-{}: {} of {} held-out values inside P10-P90 (80% when calibrated), median off by {} on average",
                b.fit.months,
                b.fit.months + 1,
                hist.months,
                s.inside_80,
                s.cells,
                s.median_error.map_or_else(|| "n/a".to_string(), |e| format!("{:.1}%", 100.0 * e))
            );
        }
        for w in fit_report::warnings(&predictive, backtest.as_ref()) {
            errln!("warning: {w}");
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

/// Fits `scenario` to `history`, writes the fitted scenario's text and runs
/// it against `observed` (the whole history; for a backtest `history` is
/// its first months).
fn fit_and_predict(
    scenario: &plgsim::Scenario,
    history: &history::History,
    observed: &history::History,
    options: &abc::Options,
    file: &str,
) -> Result<(abc::Fit, String, Predictive), CliError> {
    let fit = abc::run(scenario, history, options).map_err(|e| match e {
        abc::FitError::Scenario(e) => CliError::Scenario(e),
        e => CliError::Usage(e.to_string()),
    })?;
    let fitted = fit_output::fitted_toml(scenario, &fit, file).map_err(|e| CliError::Usage(e.to_string()))?;
    // What is written must be a scenario every command reads.
    if let Err(e) = plgsim::Scenario::from_str("fitted.toml", &fitted, &[]) {
        return Err(CliError::Other(anyhow::anyhow!("the fitted scenario does not validate (a bug):\n{e}")));
    }
    let predictive = Predictive::new(&fitted, scenario, observed).map_err(|e| {
        CliError::Other(anyhow::anyhow!("the fitted scenario does not validate with the overrides (a bug):\n{e}"))
    })?;
    Ok((fit, fitted, predictive))
}

/// The command that gives the same files.
fn command_line(args: &FitArgs, scenario: &plgsim::Scenario) -> String {
    let q = |s: &str| {
        if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,".contains(c)) {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
    };
    let mut c = format!(
        "plgsim fit {} --actuals {}",
        q(&args.scenario.display().to_string()),
        q(&args.actuals.display().to_string())
    );
    for k in &args.keys {
        c += &format!(" --fit {}", q(k));
    }
    c += &format!(" --draws {} --keep {}", args.draws, args.keep);
    if let Some(k) = args.holdout {
        c += &format!(" --holdout {k}");
    }
    c += &format!(" --runs {} --seed {}", scenario.runs(), scenario.seed());
    if let Some(m) = args.common.months {
        c += &format!(" --months {m}");
    }
    for s in &args.common.set {
        c += &format!(" --set {}", q(s));
    }
    c
}

fn sig(x: f64) -> String {
    plgsim::format::sig(x)
}
