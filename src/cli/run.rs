//! `plgsim run`.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use plgsim::output::{self, OutputFile};
use plgsim::summary::Summary;
use plgsim::{engine, format, render};

use super::{CliError, Common, chart_metrics, check_out, load, monthly_columns, out_dir, pool, progress};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Also write every run's monthly values of these monthly metrics
    /// (e.g. --paths mrr,cash_balance) to paths.csv (paths.csv.gz when large).
    #[arg(long, value_name = "METRIC[,METRIC...]", value_delimiter = ',')]
    paths: Vec<String>,
    /// Also chart these monthly metrics (repeatable, or comma-separated; any
    /// name of monthly.csv, e.g. --chart signups_invite): a P10/P50/P90 fan
    /// chart each, in charts/<metric>.png and .svg and in report.html.
    #[arg(long = "chart", value_name = "METRIC", value_delimiter = ',')]
    charts: Vec<String>,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: RunArgs) -> Result<(), CliError> {
    let ovr = args.common.overrides()?;
    let scenario = load(&args.scenario, &ovr)?;
    let paths = path_columns(&scenario, &args.paths)?;
    let charts = chart_metrics(&args.charts, &monthly_columns(&[&scenario]), args.common.no_charts)?;
    let pool = pool(args.common.threads, &[&scenario])?;
    let out_dir = out_dir(&args.common.out, &args.scenario, "");
    check_out(&out_dir)?;
    let bar = progress(scenario.runs() as u64, "runs", args.common.quiet);
    bar.set_message(format::terminal_safe(scenario.name()).into_owned());
    let choice = engine::choose(&scenario);
    let started = Instant::now();
    let sim = pool.install(|| engine::simulate(&scenario, &|| bar.inc(1)));
    let elapsed = started.elapsed();
    bar.finish_and_clear();

    let summary = Summary::new(&scenario, &sim);
    let mut files = vec![
        OutputFile::new("summary.json", output::summary_json(&summary)),
        OutputFile::new("monthly.csv", output::monthly_csv(&summary)),
        OutputFile::new("monthly_wide.csv", output::monthly_wide_csv(&summary)),
        OutputFile::new("runs.csv", output::runs_csv(&scenario, &sim)),
        OutputFile::new(
            "results.xlsx",
            output::results_xlsx(&scenario, &summary, &sim)
                .map_err(|e| anyhow::anyhow!("cannot build results.xlsx: {e}"))?,
        ),
    ];
    if !paths.is_empty() {
        files.push(output::paths_file(&sim, scenario.start(), &paths));
    }
    if !args.common.no_charts {
        files.extend(render::render_with(&scenario, &summary, &sim, &charts));
    }
    output::write_folder(&out_dir, &files)?;

    if !args.common.quiet {
        print_table(&summary)?;
        outln!("engine: {} ({})", choice.engine.name(), choice.reason);
        let steps = sim.account_steps() as f64;
        outln!(
            "\n{} runs x {} months in {:.2}s ({:.1}M account-months/s). Results in {}/",
            scenario.runs(),
            scenario.months(),
            elapsed.as_secs_f64(),
            steps / scenario.steps_per_month() as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6,
            out_dir.display()
        );
    }
    for w in &summary.warnings {
        errln!("warning: {w}");
    }
    Ok(())
}

/// The monthly columns `--paths` names, in the order given (each once).
fn path_columns(scenario: &plgsim::Scenario, names: &[String]) -> Result<Vec<usize>, CliError> {
    let channels: Vec<String> = scenario.channel_names().map(String::from).collect();
    let all = plgsim::metrics::monthly_names(&channels);
    let mut columns = Vec::new();
    for name in names {
        let name = name.trim();
        let Some(c) = all.iter().position(|n| n == name) else {
            return Err(CliError::Usage(format!(
                "--paths: unknown monthly metric `{}`, expected one of {}",
                format::terminal_safe(name),
                all.join(", ")
            )));
        };
        if !columns.contains(&c) {
            columns.push(c);
        }
    }
    let rows = scenario.runs() as u64 * (scenario.months() as u64 + 1) * columns.len() as u64;
    if rows > output::MAX_PATH_ROWS {
        return Err(CliError::Usage(format!(
            "--paths: {} runs x {} months x {} metrics is {rows} rows, more than the {} paths.csv may hold: \
             ask for fewer metrics, runs (--runs) or months",
            scenario.runs(),
            scenario.months() + 1,
            columns.len(),
            output::MAX_PATH_ROWS
        )));
    }
    Ok(columns)
}

/// The short summary on stdout.
fn print_table(s: &Summary) -> Result<(), CliError> {
    outln!("{}: {} runs, {} months, seed {}", s.scenario, s.runs, s.months, s.seed);
    outln!("{:<34} {:>11} {:>11} {:>11} {:>11}", "metric", "P10", "P50", "P90", "mean");
    for (h, st) in &s.horizon {
        let u = h.unit();
        outln!(
            "{:<34} {:>11} {:>11} {:>11} {:>11}",
            h.name(),
            format::opt(st.p10(), u),
            format::opt(st.p50(), u),
            format::opt(st.p90(), u),
            format::opt(st.mean, u)
        );
    }
    if let (Some(cash), Some(p)) = (s.starting_cash, s.out_of_cash_probability) {
        outln!(
            "starting cash {}: {} of runs run out of cash within {} months",
            format::opt(Some(cash), plgsim::metrics::Unit::Money),
            format::opt(Some(p), plgsim::metrics::Unit::Share),
            s.months
        );
    }
    Ok(())
}
