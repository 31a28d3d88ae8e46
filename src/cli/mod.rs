//! Command-line interface: raw flags -> validated inputs -> library calls.
//!
//! Exit codes: 0 success, 2 invalid input (bad arguments or scenario), 1 any
//! other failure. Errors go to stderr.

#[macro_use]
mod term;

mod compare;
mod explain;
mod fit;
mod optimize;
mod run;
mod sensitivity;
mod sweep;
mod target;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use plgsim::engine::budget;
use plgsim::output::OutputError;
use plgsim::scenario::{LoadError, Override, Scenario, ScenarioError};

#[derive(Debug, Parser)]
#[command(name = "plgsim", version, about = "Product-led growth simulator and pricing what-if modeler")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario and write summary.json, monthly.csv, monthly_wide.csv, runs.csv,
    /// results.xlsx, charts/ and report.html (and paths.csv with --paths).
    Run(run::RunArgs),
    /// Sweep one or two parameters over a grid, with common random numbers.
    Sweep(sweep::SweepArgs),
    /// Compare scenarios side by side (paired when they share a seed).
    Compare(compare::CompareArgs),
    /// Rank the uncertain inputs by how much they move an output (tornado).
    Sensitivity(sensitivity::SensitivityArgs),
    /// Goal seek: the value of one parameter at which a metric reaches a
    /// target, on its mean or with a given probability.
    Target(target::TargetArgs),
    /// Search one to four levers for the best objective under constraints,
    /// with common random numbers.
    Optimize(optimize::OptimizeArgs),
    /// Learn the scenario's uncertain inputs from a history (history.csv):
    /// posterior.csv, fitted.toml and summary.json.
    Fit(fit::FitArgs),
    /// Walk through the funnel, the viral loop and the unit economics,
    /// computed from the parameters, next to a quick simulation.
    Explain(explain::ExplainArgs),
    /// Check a scenario and report every problem in it.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Override a scenario value by its key path (as in `run`).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Write a commented starter scenario.
    New {
        /// Where to write it (must not exist).
        file: PathBuf,
    },
}

/// Options every simulating command shares.
#[derive(Debug, Args)]
pub struct Common {
    /// Monte Carlo runs (overrides scenario.runs; for a sweep, per grid
    /// point; for compare, per scenario; for sensitivity, per variant).
    #[arg(long)]
    pub runs: Option<u64>,
    /// Random seed (overrides scenario.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Months to simulate (overrides scenario.months).
    #[arg(long)]
    pub months: Option<u64>,
    /// The engine (overrides scenario.engine): `accounts` (one record per
    /// account), `counts` (groups of identical accounts: the cost of a run
    /// does not grow with the population), or `auto` (counts for large
    /// populations when it simulates every mechanic of the scenario).
    #[arg(long, value_name = "ENGINE", value_parser = ["auto", "accounts", "counts"])]
    pub engine: Option<String>,
    /// Worker threads (default: all cores; at most 4 a core). Fewer when the
    /// runs' memory would not fit. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: output/<scenario file name>, with -sweep,
    /// -compare or -sensitivity for those commands). plgsim replaces only
    /// folders it wrote.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario value by its key path, e.g. --set paid.churn_per_month=0.03
    /// (a distribution works too: --set 'free.conversion_per_month=[0.002, 0.006]').
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Skip the charts (charts/*.png, charts/*.svg) and report.html.
    #[arg(long)]
    pub no_charts: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// Bad arguments (exit 2).
    Usage(String),
    /// Bad scenario (exit 2).
    Scenario(ScenarioError),
    /// Anything else (exit 1).
    Other(anyhow::Error),
    /// Stdout was closed or full (exit 0 for a reader that stopped
    /// reading, as `| head` does; 1 otherwise). Results, if any, are
    /// already written by then.
    Stdout(std::io::Error),
}

impl From<OutputError> for CliError {
    fn from(e: OutputError) -> CliError {
        if e.is_refusal() { CliError::Usage(e.to_string()) } else { CliError::Other(e.into()) }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> CliError {
        CliError::Other(e)
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Sensitivity(args) => sensitivity::run(args),
        Command::Target(args) => target::run(args),
        Command::Optimize(args) => optimize::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Fit(args) => fit::run(args),
        Command::Validate { scenario, set } => validate(&scenario, &set),
        Command::New { file } => new(&file),
    };
    let result = result.and_then(|()| term::flush());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(msg)) => {
            errln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(CliError::Scenario(e)) => {
            errln!("{e}");
            let n = e.problems.len();
            errln!("{n} problem{} found; nothing was run", if n == 1 { "" } else { "s" });
            ExitCode::from(2)
        }
        Err(CliError::Other(e)) => {
            errln!("error: {e:#}");
            ExitCode::from(1)
        }
        Err(CliError::Stdout(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            errln!("note: stdout was closed; output stopped there");
            ExitCode::SUCCESS
        }
        Err(CliError::Stdout(e)) => {
            errln!("error: cannot write to stdout: {e}");
            ExitCode::from(1)
        }
    }
}

/// Parses `--set` arguments.
pub fn overrides(set: &[String]) -> Result<Vec<Override>, CliError> {
    set.iter().map(|s| Override::parse(s).map_err(|e| CliError::Usage(e.to_string()))).collect()
}

/// The most `--threads` accepted: 4 threads a core (at least 16, at most
/// 1,024). More only adds memory (a run in flight per thread) and switching.
pub fn max_threads(cores: usize) -> usize {
    (4 * cores).clamp(16, 1024)
}

/// The cores available to this process (1 if unknown).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A worker pool of `threads` threads (all cores by default), fewer when
/// the memory the scenarios' runs need would not fit with one run in
/// flight per thread (said on stderr); refused when not even one fits.
pub fn pool(threads: Option<usize>, scenarios: &[&Scenario]) -> Result<rayon::ThreadPool, CliError> {
    if threads == Some(0) {
        return Err(CliError::Usage("--threads must be at least 1".into()));
    }
    let cores = cores();
    let max = max_threads(cores);
    if let Some(n) = threads
        && n > max
    {
        return Err(CliError::Usage(format!(
            "--threads {n} is more than {max}, the most accepted here (4 a core, {cores} core{} available, at least 16, at most 1024): \
             threads beyond the cores do not make runs faster, and each holds a run in memory",
            if cores == 1 { "" } else { "s" }
        )));
    }
    let wanted = threads.unwrap_or(cores);
    let (available, source) = available_memory();
    let mut n = wanted;
    for s in scenarios {
        let e = budget::estimate(s);
        let fits = e.runs_in_flight(available);
        let mb = |b: f64| format!("{:.0} MB", b / 1e6);
        if fits == 0 {
            return Err(CliError::Usage(format!(
                "{}: one run may hold up to {} live accounts, {} with the {} runs' results, more than the {} {source}: \
                 {}fewer runs or months",
                s.name(),
                e.peak_live_accounts.round(),
                mb(e.bytes(1)),
                e.runs,
                mb(available),
                if s.has_market_size() { "" } else { "give the market a size (market.size), or " }
            )));
        }
        if fits < n.min(e.runs as usize) {
            eprintln!(
                "note: {}: running {fits} run{} at a time (not {n}): each may hold up to {} and {} are {source}",
                s.name(),
                if fits == 1 { "" } else { "s" },
                mb(e.bytes_in_flight),
                mb(available)
            );
            n = fits;
        }
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if threads.is_some() || n < wanted {
        // Else rayon's default: all cores, or RAYON_NUM_THREADS.
        pool = pool.num_threads(n);
    }
    pool.build().map_err(|e| CliError::Other(anyhow::anyhow!("cannot start worker threads: {e}")))
}

/// Memory the runs may use: `PLGSIM_MEMORY_BYTES` when set, else most of
/// /proc/meminfo's MemAvailable (Linux), else a fixed budget; and how to say
/// where it comes from.
fn available_memory() -> (f64, &'static str) {
    /// Used when the system does not say.
    const FALLBACK: f64 = 4e9;
    if let Some(b) = std::env::var("PLGSIM_MEMORY_BYTES").ok().and_then(|v| v.trim().parse::<f64>().ok()) {
        return (b, "allowed (PLGSIM_MEMORY_BYTES)");
    }
    let from_proc = std::fs::read_to_string("/proc/meminfo").ok().and_then(|t| {
        let line = t.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024.0)
    });
    match from_proc {
        // Leave a fifth for the rest of the process and the system.
        Some(b) => (0.8 * b, "available (80% of MemAvailable)"),
        None => (FALLBACK, "assumed available (the system does not say)"),
    }
}

/// A progress bar on stderr (drawn only when stderr is a terminal).
pub fn progress(len: u64, what: &str, quiet: bool) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
    };
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {{msg}} [{{bar:30}}] {{pos}}/{{len}} {what} ({{eta}} left)"
        ))
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}

/// Horizon metrics by name.
pub fn metrics(names: &[String]) -> Result<Vec<plgsim::metrics::Horizon>, CliError> {
    use plgsim::metrics::Horizon;
    names
        .iter()
        .map(|m| {
            Horizon::from_name(m).ok_or_else(|| {
                CliError::Usage(format!(
                    "unknown metric `{m}`, expected one of {}",
                    Horizon::ALL.iter().map(|h| h.name()).collect::<Vec<_>>().join(", ")
                ))
            })
        })
        .collect()
}

/// The monthly metrics `--chart` names, each once, in the order given;
/// `valid` are the monthly columns of the scenarios (`monthly.csv`'s names).
/// Refused when `--no-charts` is given too: the chart would not be written.
pub fn chart_metrics(names: &[String], valid: &[String], no_charts: bool) -> Result<Vec<String>, CliError> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let name = name.trim();
        if !valid.iter().any(|v| v == name) {
            return Err(CliError::Usage(format!(
                "--chart: unknown monthly metric `{}`, expected one of {}",
                plgsim::format::terminal_safe(name),
                valid.join(", ")
            )));
        }
        if !out.iter().any(|o| o == name) {
            out.push(name.to_string());
        }
    }
    if no_charts && !out.is_empty() {
        return Err(CliError::Usage("--chart asks for a chart and --no-charts for none: give one or the other".into()));
    }
    Ok(out)
}

/// The monthly columns of `scenarios`, in output order: the fixed metrics,
/// then every scenario's channels (each once).
pub fn monthly_columns(scenarios: &[&Scenario]) -> Vec<String> {
    let mut channels: Vec<String> = Vec::new();
    for s in scenarios {
        for c in s.channel_names() {
            if !channels.iter().any(|x| x == c) {
                channels.push(c.to_string());
            }
        }
    }
    plgsim::metrics::monthly_names(&channels)
}

impl Common {
    /// `--set`, then `--runs`, `--seed`, `--months` and `--engine`, as overrides.
    pub fn overrides(&self) -> Result<Vec<Override>, CliError> {
        let mut ovr = base_overrides(&self.set, self.runs, self.seed, self.months)?;
        if let Some(e) = &self.engine {
            ovr.push(Override {
                key: "scenario.engine".into(),
                value: format!("\"{e}\""),
                origin: Some(format!("--engine {e}")),
            });
        }
        Ok(ovr)
    }
}

/// `--runs`, `--seed` and `--months` as overrides, after the `--set` ones.
pub fn base_overrides(
    set: &[String],
    runs: Option<u64>,
    seed: Option<u64>,
    months: Option<u64>,
) -> Result<Vec<Override>, CliError> {
    let mut ovr = overrides(set)?;
    for (key, flag, v) in
        [("scenario.runs", "--runs", runs), ("scenario.seed", "--seed", seed), ("scenario.months", "--months", months)]
    {
        if let Some(v) = v {
            ovr.push(Override { key: key.into(), value: v.to_string(), origin: Some(format!("{flag} {v}")) });
        }
    }
    Ok(ovr)
}

/// Checks, before anything is simulated, that results may be written to
/// `dir` (see [`plgsim::output::check_folder`]).
pub fn check_out(dir: &Path) -> Result<(), CliError> {
    plgsim::output::check_folder(dir)?;
    Ok(())
}

/// `output/<stem><suffix>/` unless `--out` says otherwise.
pub fn out_dir(out: &Option<PathBuf>, scenario: &Path, suffix: &str) -> PathBuf {
    out.clone().unwrap_or_else(|| {
        let stem = scenario.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("output").join(format!("{stem}{suffix}"))
    })
}

/// Loads a scenario, mapping failures to exit codes, and refuses one whose
/// simulated work would be enormous ([`budget::check`]) before anything runs.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, CliError> {
    let scenario = Scenario::from_file(path, overrides).map_err(|e| match e {
        LoadError::Invalid(e) => CliError::Scenario(e),
        e => CliError::Usage(e.to_string()),
    })?;
    budget::check(&scenario).map_err(|p| CliError::Scenario(ScenarioError::from(p)))?;
    Ok(scenario)
}

/// Refuses a what-if command whose `simulations` simulations of (about) the
/// scenario's size would together be over the work limit (each one alone
/// passed [`load`]).
pub fn check_total_work(scenario: &Scenario, simulations: usize, what: &str) -> Result<(), CliError> {
    let e = budget::estimate(scenario);
    let work = e.account_steps() * simulations as f64;
    if work > budget::MAX_ACCOUNT_STEPS {
        return Err(CliError::Usage(format!(
            "{simulations} {what} of {} runs would take about {work:.1e} account-steps ({:.1e} each), more than the limit of {:.1e} (about an hour of one core): use fewer runs (--runs) or fewer {what}",
            e.runs,
            e.account_steps(),
            budget::MAX_ACCOUNT_STEPS
        )));
    }
    Ok(())
}

fn validate(path: &Path, set: &[String]) -> Result<(), CliError> {
    let scenario = load(path, &overrides(set)?)?;
    // The file's variants are checked as `compare` would build them.
    let file = path.display().to_string();
    if let Err(e) = plgsim::whatif::compare::variants(&file, &scenario, scenario.variants()) {
        errln!("the variant `{}` ({}) is not a valid scenario:", e.name, e.set);
        return Err(CliError::Scenario(e.error));
    }
    let uncertain = scenario.uncertain_params().count();
    outln!(
        "ok: {} ({} months, {} runs, seed {}, {} parameters of which {} uncertain)",
        scenario.name(),
        scenario.months(),
        scenario.runs(),
        scenario.seed(),
        scenario.params().len(),
        uncertain
    );
    Ok(())
}

fn new(file: &Path) -> Result<(), CliError> {
    use std::io::Write;
    // `create_new` refuses any existing path, a dangling symbolic link included.
    let mut f = match std::fs::File::create_new(file) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(CliError::Usage(format!("{} already exists; choose another name", file.display())));
        }
        Err(e) => return Err(CliError::Other(anyhow::anyhow!("cannot write {}: {e}", file.display()))),
    };
    f.write_all(plgsim::scenario::STARTER.as_bytes())
        .map_err(|e| CliError::Other(anyhow::anyhow!("cannot write {}: {e}", file.display())))?;
    outln!("wrote {}; run it with: plgsim run {}", file.display(), file.display());
    Ok(())
}
