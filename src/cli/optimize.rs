//! `plgsim optimize`: the best levers under constraints.

use std::path::PathBuf;

use clap::Args;

use plgsim::format;
use plgsim::output::{self, OutputFile};
use plgsim::whatif::optimize::{self, Constraint, Objective, OptimizeError, Optimum};
use plgsim::whatif::target::{Lever, Statistic};

use super::{CliError, Common, check_out, check_total_work, load, metrics, out_dir, pool, progress};

#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// A lever and its range (1 to 4 of them): KEY=LOW..HIGH (an integer key:
    /// every whole value; a continuous one: 21 lattice points),
    /// KEY=LOW..HIGH:N (N points) or KEY=A,B,C.
    #[arg(long = "param", value_name = "KEY=RANGE", required = true)]
    params: Vec<String>,
    /// The horizon metric to optimise (maximised, or minimised when lower is
    /// better, e.g. cac_blended).
    #[arg(long = "metric", value_name = "NAME")]
    metric: String,
    /// The statistic across runs to optimise: mean, p10, p50 or any pNN.
    #[arg(long = "objective", value_name = "STAT", default_value = "mean")]
    objective: String,
    /// A constraint (repeatable): "METRIC <= VALUE [at STAT]" or
    /// "METRIC >= VALUE [at STAT]", STAT mean (the default) or pNN, e.g.
    /// "cac_payback_months <= 12 at p90", "cash_balance_min >= -200k at p10".
    #[arg(long = "constraint", value_name = "TEXT", allow_hyphen_values = true)]
    constraints: Vec<String>,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: OptimizeArgs) -> Result<(), CliError> {
    let base = args.common.overrides()?;
    let scenario = load(&args.scenario, &base)?;
    let metric = metrics(std::slice::from_ref(&args.metric))?[0];
    let statistic = Statistic::parse(&args.objective).ok_or_else(|| {
        CliError::Usage(format!("--objective `{}`: expected mean, p10, p50 or pNN (NN from 1 to 99)", args.objective))
    })?;
    let constraints: Vec<Constraint> =
        args.constraints.iter().map(|c| Constraint::parse(c).map_err(CliError::Usage)).collect::<Result<_, _>>()?;
    if args.params.len() > optimize::MAX_LEVERS {
        return Err(CliError::Usage(format!(
            "optimize takes 1 to {} levers (--param), got {}",
            optimize::MAX_LEVERS,
            args.params.len()
        )));
    }
    let levers: Vec<Lever> = args
        .params
        .iter()
        .map(|p| Lever::parse(&scenario, p, true).map_err(super::target::lever_error))
        .collect::<Result<_, _>>()?;
    let pool = pool(args.common.threads, &[&scenario])?;
    let out_dir = out_dir(&args.common.out, &args.scenario, "-optimize");
    check_out(&out_dir)?;
    let planned = optimize::planned(&levers);
    check_total_work(&scenario, planned, "simulations")?;
    let objective = Objective { metric, statistic };
    let bar = progress(planned as u64, "simulations", args.common.quiet);
    bar.set_message("optimize");
    let result = pool.install(|| optimize::run(&scenario, &levers, objective, &constraints, &|| bar.inc(1)));
    bar.finish_and_clear();
    let o = match result {
        Ok(o) => o,
        Err(OptimizeError::Scenario { point, error }) => {
            errln!("the point {point} is not a valid scenario:");
            return Err(CliError::Scenario(error));
        }
        Err(e) => return Err(CliError::Usage(e.to_string())),
    };
    let mut files = vec![
        OutputFile::new("optimize.csv", output::optimize_csv(&o)),
        OutputFile::new("summary.json", output::optimize_json(&o)),
    ];
    if !args.common.no_charts {
        files.push(OutputFile::new("report.html", plgsim::render::decide_report::optimize_html(&o).into_bytes()));
    }
    output::write_folder(&out_dir, &files)?;
    if !args.common.quiet {
        print(&o)?;
        outln!("\nResults in {}/", out_dir.display());
    }
    Ok(())
}

fn print(o: &Optimum) -> Result<(), CliError> {
    let m = o.objective.metric;
    let u = m.unit();
    let stat = o.objective.statistic.name();
    outln!(
        "{}: {} the {} of {} over {} ({} runs per point, seed {})",
        o.scenario,
        if m.higher_is_better() { "maximise" } else { "minimise" },
        stat,
        m.name(),
        o.levers.iter().map(|l| l.key.as_str()).collect::<Vec<_>>().join(" x "),
        o.runs,
        o.seed
    );
    for c in &o.constraints {
        outln!("  subject to {}", c.text());
    }
    for w in &o.warnings {
        outln!("warning: {w}");
    }
    outln!(
        "Search: {} simulations of a {}-point lattice ({})",
        o.simulations(),
        o.full_grid,
        if o.exhaustive {
            "small enough to evaluate in full".to_string()
        } else {
            format!("Nelder-Mead from {} starts, snapped to the lattice, then a lattice polish", optimize::STARTS)
        }
    );
    let feasible = o.points.iter().filter(|p| p.feasible).count();
    outln!("Feasible points: {feasible} of {} evaluated", o.points.len());
    let Some(b) = o.best else {
        outln!("\nNo evaluated point meets the constraints. The closest misses:");
        for (i, p) in o.points.iter().enumerate().take(5) {
            let cs: Vec<String> = o
                .constraints
                .iter()
                .zip(&p.constraints)
                .map(|(c, s)| {
                    format!("{} {} = {}", c.metric.name(), c.statistic.name(), format::opt(*s, c.metric.unit()))
                })
                .collect();
            outln!("  {:<50} {}", o.describe(i), cs.join(", "));
        }
        return Ok(());
    };
    let constraint_text = |i: usize| -> String {
        o.constraints
            .iter()
            .zip(&o.points[i].constraints)
            .map(|(c, s)| format!("{} {} {}", c.metric.name(), c.statistic.name(), format::opt(*s, c.metric.unit())))
            .collect::<Vec<_>>()
            .join(", ")
    };
    outln!(
        "\nBest: {}  {} {} {}{}",
        o.describe(b),
        stat,
        m.name(),
        format::opt(o.points[b].objective, u),
        if o.constraints.is_empty() { String::new() } else { format!("  ({})", constraint_text(b)) }
    );
    if o.runners_up.is_empty() {
        outln!("No other feasible point to compare with.");
        return Ok(());
    }
    outln!(
        "\nRunners-up (the best minus each on {}: {}the mean paired difference with its 95% interval, the per-run P10/P90, and how often the best is better):",
        m.name(),
        if o.objective.statistic == Statistic::Mean {
            String::new()
        } else {
            format!("the {stat} difference with its paired bootstrap 95% interval, ")
        }
    );
    for r in &o.runners_up {
        let d = match &r.diff {
            Some(d) => format::paired(d, u, m.higher_is_better()),
            None => "mean diff n/a".into(),
        };
        let d = match (o.objective.statistic, r.objective_diff) {
            (Statistic::Mean, _) | (_, None) => d,
            (_, Some((x, low, high))) => format!(
                "{stat} diff {} [{}, {}]; {d}",
                format::difference(x, u),
                format::difference(low, u),
                format::difference(high, u)
            ),
        };
        outln!(
            "  {:<50} {} {:>10}  {}{}",
            o.describe(r.point),
            stat,
            format::opt(o.points[r.point].objective, u),
            d,
            if r.beyond_noise { "" } else { "  <- within noise" }
        );
    }
    let close: Vec<String> = o.runners_up.iter().filter(|r| !r.beyond_noise).map(|r| o.describe(r.point)).collect();
    if close.is_empty() {
        outln!(
            "\nThe best is better than every runner-up beyond the Monte Carlo noise (each paired 95% interval excludes 0)."
        );
    } else {
        outln!(
            "\nThe best is not told apart beyond noise from: {} (the 95% interval of the {stat} difference holds 0); more runs (--runs) would separate them, or they are equally good.",
            close.join("; ")
        );
    }
    Ok(())
}
