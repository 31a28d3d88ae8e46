//! `plgsim target`: goal seek.

use std::path::PathBuf;

use clap::Args;

use plgsim::format;
use plgsim::output::{self, OutputFile};
use plgsim::whatif::target::{self, Goal, Lever, LeverError, Outcome, Target, TargetError};

use super::{CliError, Common, check_out, check_total_work, load, metrics, out_dir, pool, progress};

#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// The lever and its range: KEY=LOW..HIGH (e.g. free.eventual_conversion=0.01..0.10);
    /// KEY=LOW..HIGH:N for N coarse grid points (default 9). An integer key
    /// (free.usage_limit) is evaluated at whole values only.
    #[arg(long = "param", value_name = "KEY=LOW..HIGH")]
    param: String,
    /// The horizon metric (e.g. arr_final, revenue_total, cac_payback_months).
    #[arg(long = "metric", value_name = "NAME")]
    metric: String,
    /// The target: reached when the metric is at least this (at most, for a
    /// lower-is-better metric such as a CAC or a payback). 1000000, 1_000_000, 1M, 250k.
    #[arg(long = "reach", value_name = "VALUE", allow_hyphen_values = true)]
    reach: String,
    /// Reach the target with this probability (between 0 and 1, exclusive)
    /// instead of on the mean: the (1 - p) quantile across runs meets it
    /// (the p quantile for a lower-is-better metric).
    #[arg(long = "probability", value_name = "P")]
    probability: Option<f64>,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: TargetArgs) -> Result<(), CliError> {
    let base = args.common.overrides()?;
    let scenario = load(&args.scenario, &base)?;
    let metric = metrics(std::slice::from_ref(&args.metric))?[0];
    let reach = target::amount(&args.reach).ok_or_else(|| {
        CliError::Usage(format!("--reach `{}` is not a number (e.g. 1000000, 1_000_000, 1M, 250k)", args.reach))
    })?;
    if let Some(p) = args.probability
        && !(p > 0.0 && p < 1.0)
    {
        return Err(CliError::Usage(format!(
            "--probability {p} is not a probability strictly between 0 and 1 (e.g. 0.8)"
        )));
    }
    let lever = Lever::parse(&scenario, &args.param, false).map_err(lever_error)?;
    let points = lever.points.unwrap_or(target::GRID_POINTS);
    let pool = pool(args.common.threads, &[&scenario])?;
    let out_dir = out_dir(&args.common.out, &args.scenario, "-target");
    check_out(&out_dir)?;
    check_total_work(&scenario, points + target::MAX_REFINE, "simulations")?;
    let goal = Goal { metric, reach, probability: args.probability };
    let bar = progress((points + 8) as u64, "simulations", args.common.quiet);
    bar.set_message("target");
    let result = pool.install(|| target::run(&scenario, &lever, goal, points, &|| bar.inc(1)));
    bar.finish_and_clear();
    let t = match result {
        Ok(t) => t,
        Err(TargetError::Scenario { point, error }) => {
            errln!("the value {point} is not a valid scenario:");
            return Err(CliError::Scenario(error));
        }
        Err(e) => return Err(CliError::Usage(e.to_string())),
    };
    let mut files = vec![
        OutputFile::new("target.csv", output::target_csv(&t)),
        OutputFile::new("summary.json", output::target_json(&t)),
    ];
    if !args.common.no_charts {
        files.extend(plgsim::render::render_target(&t));
    }
    output::write_folder(&out_dir, &files)?;
    if !args.common.quiet {
        print(&t)?;
        outln!("\nResults in {}/", out_dir.display());
    }
    Ok(())
}

/// A lever's problem: the scenario's own message for a bad key or value.
pub fn lever_error(e: LeverError) -> CliError {
    match e {
        LeverError::Scenario { key, error } => {
            errln!("--param {key}:");
            CliError::Scenario(error)
        }
        e => CliError::Usage(e.to_string()),
    }
}

/// How the goal reads: `P20 of arr_final >= $1.00M (reached with probability 80%)`.
fn goal_text(t: &Target) -> String {
    let m = t.goal.metric;
    let op = if m.higher_is_better() { ">=" } else { "<=" };
    let reach = format::value(t.goal.reach, m.unit());
    match t.goal.probability {
        None => format!("mean {} {op} {reach}", m.name()),
        Some(p) => format!(
            "{} {op} {reach} with probability {} (the {} across runs {op} {reach})",
            m.name(),
            format::percent(p),
            stat_label(t),
        ),
    }
}

/// A lever's value to 6 significant digits.
fn short(x: f64) -> String {
    format::as_written(format!("{x:.5e}").parse().unwrap_or(x))
}

/// `mean`, or `P20`.
fn stat_label(t: &Target) -> String {
    match t.goal.statistic() {
        target::Statistic::Mean => "mean".into(),
        s => s.name().to_uppercase(),
    }
}

fn print(t: &Target) -> Result<(), CliError> {
    let m = t.goal.metric;
    let u = m.unit();
    let stat = stat_label(t);
    outln!(
        "{}: the value of {} at which {} ({} runs per value, seed {})",
        t.scenario,
        t.lever.key,
        goal_text(t),
        t.runs,
        t.seed
    );
    for w in &t.warnings {
        outln!("warning: {w}");
    }
    outln!(
        "\n  {:>12} {:>11} {:>11} {:>11} {:>11} {:>11} {:>9}",
        t.lever.key.rsplit('.').next().unwrap_or(""),
        "mean",
        "P10",
        "P50",
        "P90",
        stat,
        "P(reach)"
    );
    for p in &t.curve {
        outln!(
            "  {:>12} {:>11} {:>11} {:>11} {:>11} {:>11} {:>9}{}",
            short(p.x),
            format::opt(p.mean, u),
            format::opt(p.p10, u),
            format::opt(p.p50, u),
            format::opt(p.p90, u),
            format::opt(p.stat, u),
            p.p_reach.map_or("n/a".into(), format::percent),
            if p.on_grid { "" } else { "  (refinement)" }
        );
    }
    outln!();
    match &t.outcome {
        Outcome::Found(roots) => {
            if roots.len() > 1 {
                outln!(
                    "The curve is not monotone: it crosses the target {} times; the target is reached where the marks say.",
                    roots.len()
                );
            }
            for r in roots {
                let side = if r.reached_above { "reached above it" } else { "reached below it" };
                let unstable = if r.resamples_without > 0 {
                    format!(
                        "; in {} of {} bootstrap resamples the curve does not cross at all",
                        r.resamples_without, t.bootstrap
                    )
                } else {
                    String::new()
                };
                if t.lever.integer {
                    outln!(
                        "Target met at {} = {} (whole values only; {side}): the curve crosses the target at {} [{}, {}] (95% bootstrap interval over runs){unstable}",
                        t.lever.key,
                        format::number(r.value),
                        format::number(r.crossing),
                        format::number(r.low),
                        format::number(r.high),
                    );
                } else {
                    outln!(
                        "Target met at {} = {} [{}, {}] (95% bootstrap interval over runs; {side}; root to within {}){unstable}",
                        t.lever.key,
                        format::number(r.value),
                        format::number(r.low),
                        format::number(r.high),
                        format::number(t.tolerance)
                    );
                }
            }
        }
        Outcome::OutOfReach { at, stat: s, end } => {
            let where_ = match *end {
                "low" => "at the low end of the range",
                "high" => "at the high end of the range",
                _ => "inside the range",
            };
            outln!(
                "Out of reach: the target is not met anywhere in {}..{}. The best {} is {} at {} = {} ({where_}){}.",
                format::as_written(t.lever.low),
                format::as_written(t.lever.high),
                stat,
                format::value(*s, u),
                t.lever.key,
                format::as_written(*at),
                if *end == "inside" { "" } else { "; a wider range may reach it" }
            );
        }
        Outcome::Everywhere { at, stat: s } => {
            outln!(
                "Reached everywhere: the target is met at every value of {}..{}; the least margin is at {} = {} ({} {}).",
                format::as_written(t.lever.low),
                format::as_written(t.lever.high),
                t.lever.key,
                format::as_written(*at),
                stat,
                format::value(*s, u)
            );
        }
        Outcome::Undefined => outln!("{} is undefined at every value: nothing to seek.", m.name()),
    }
    outln!(
        "Simulations: {} ({} on the coarse grid, {} refining)",
        t.simulations(),
        t.curve.iter().filter(|p| p.on_grid).count(),
        t.curve.iter().filter(|p| !p.on_grid).count()
    );
    Ok(())
}
