//! Engine throughput: simulated account-months per second and runs per
//! second, on fixed scenarios (frozen copies of examples, so that figures
//! stay comparable as the examples change): `benches/bench.toml` (Trackly:
//! the foundation's mechanics) and `benches/bench_full.toml` (the developer
//! tool: weekly steps, reverse trial, seats, PQLs and sales, tiers, annual
//! billing, failed payments).
//!
//! The statistics across runs are measured on their own, on a study of many
//! runs.
//!
//! `cargo bench --bench engine`; figures are recorded in BENCHMARKS.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use plgsim::Scenario;
use plgsim::engine;

fn scenario() -> Scenario {
    Scenario::from_str("bench.toml", include_str!("bench.toml"), &[]).expect("the bench scenario is valid")
}

fn engine_throughput(c: &mut Criterion) {
    let s = scenario();
    let params = s.sample(0);
    let steps_per_run = engine::run_one(&s, &params, 0).account_steps();

    let mut g = c.benchmark_group("one_run");
    g.throughput(Throughput::Elements(steps_per_run));
    g.bench_function("trackly_24_months", |b| b.iter(|| black_box(engine::run_one(&s, &params, 0))));
    // Elements are account-months: the weekly scenario's account-steps / 4.
    let full = Scenario::from_str("bench_full.toml", include_str!("bench_full.toml"), &[]).expect("valid");
    let full_params = full.sample(0);
    let months = engine::run_one(&full, &full_params, 0).account_steps() / full.steps_per_month() as u64;
    g.throughput(Throughput::Elements(months));
    g.bench_function("full_model_devtool_24_months", |b| b.iter(|| black_box(engine::run_one(&full, &full_params, 0))));
    g.finish();

    // The whole pipeline on all cores: sampling, runs in parallel, collection.
    let s64 = s.with_overrides(&[plgsim::Override::parse("scenario.runs=64").unwrap()]).expect("valid");
    let total: u64 = engine::simulate(&s64, &|| {}).account_steps();
    let mut g = c.benchmark_group("simulate");
    g.sample_size(10);
    g.throughput(Throughput::Elements(total));
    g.bench_function("trackly_64_runs_all_threads", |b| b.iter(|| black_box(engine::simulate(&s64, &|| {}))));
    g.finish();
}

/// The lognormal sampler on its own: the per-run set-up of its table (built
/// twice per run, for usage and time to value) and 1,000 draws.
fn lognormal(c: &mut Criterion) {
    c.bench_function("model/lognormal_new", |b| {
        b.iter(|| black_box(plgsim::sampling::LogNormal::new(black_box(0.25), black_box(0.7))))
    });
    let l = plgsim::sampling::LogNormal::new(0.25, 0.7);
    let mut rng = plgsim::rng::process_rng(1, 0);
    let mut g = c.benchmark_group("model");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("lognormal_sample", |b| b.iter(|| (0..1000).map(|_| l.sample(&mut rng)).sum::<f64>()));
    g.finish();
}

/// The count engine's binomial sampler (`sampling::binomial_fast`) at the
/// means a weekly population study draws (`n p` from 2 to 10^5: the limit
/// hits of small cohorts, the risks of hitters, the churn of large paying
/// groups), each (n, p) 1,000 draws an iteration.
fn binomial(c: &mut Criterion) {
    let mut rng = plgsim::rng::process_rng(1, 0);
    let mut g = c.benchmark_group("binomial_fast");
    g.throughput(Throughput::Elements(1000));
    for (n, p) in [(200u64, 0.01), (1_500, 0.01), (4_000, 0.01), (20_000, 0.0075), (200_000, 0.02), (5_000_000, 0.035)]
    {
        g.bench_function(format!("n{n}_p{p}"), |b| {
            b.iter(|| {
                (0..1000).map(|_| plgsim::sampling::binomial_fast(black_box(n), black_box(p), &mut rng)).sum::<u64>()
            })
        });
    }
    g.finish();
}

/// The statistics across runs (`Summary::new`: mean and percentiles of every
/// horizon figure and of every monthly metric in every month) of a study
/// with many runs of a small business: 20,000 runs x 60 months of
/// `bench.toml` held to 300 signups a month, simulated once outside the
/// measurement.
fn statistics(c: &mut Criterion) {
    let set: Vec<plgsim::Override> = [
        "scenario.runs=20000",
        "scenario.months=60",
        "acquisition.organic.signups_per_month=300",
        "acquisition.organic.growth_per_month=0",
    ]
    .iter()
    .map(|o| plgsim::Override::parse(o).unwrap())
    .collect();
    let s = scenario().with_overrides(&set).expect("valid");
    let sim = engine::simulate(&s, &|| {});
    let mut g = c.benchmark_group("statistics");
    g.sample_size(10);
    g.throughput(Throughput::Elements(u64::from(s.runs()) * u64::from(s.months())));
    g.bench_function("summary_20000_runs_60_months", |b| b.iter(|| black_box(plgsim::summary::Summary::new(&s, &sim))));
    g.finish();
}

/// The scenario of the population benchmark (issue 14): `benches/bench.toml`'s
/// mechanics (free usage limit, invitations, blocked accounts, paid churn)
/// over 36 months, with `signups` signups over the horizon from organic
/// discovery and two paid channels (a third each: no source may bring more
/// than 10^7 a month), without a market size (the invitation loop is below
/// 1: it adds a bounded share), at `time_step`, `runs` runs, with `engine`.
pub fn population_scenario(signups: f64, time_step: &str, runs: u32, engine: &str) -> Scenario {
    let per_source = signups / 36.0 / 3.0;
    let spend = per_source * 8.0;
    let text = format!(
        r#"[scenario]
months = 36
runs = {runs}
seed = 20261204
time_step = "{time_step}"
engine = "{engine}"
[acquisition.organic]
signups_per_month = {per_source}
[[acquisition.channels]]
name = "search_ads"
spend_per_month = {spend}
cost_per_signup = 8
[[acquisition.channels]]
name = "social_ads"
spend_per_month = {spend}
cost_per_signup = 8
[activation]
probability = 0.55
time_to_value_median_months = 0.25
time_to_value_sigma = 1.0
window_months = 1.0
[usage]
median_per_month = 1.0
sigma = 0.7
[free]
usage_limit = 5
conversion_per_month = 0.004
churn_per_month = 0.06
[limit_hit]
convert = 0.30
churn = 0.20
blocked_conversion_per_month = 0.04
blocked_churn_per_month = 0.12
blocked_invite_factor = 0.3
[invites]
per_active_seat_per_month = 0.25
acceptance = 0.3
cycle_months = 0.75
[[plans]]
name = "pro"
price_per_month = 12
[paid]
churn_per_month = 0.035
[costs]
serve_free_seat_per_month = 0.15
serve_paid_seat_per_month = 0.60
"#
    );
    Scenario::from_str("population.toml", &text, &[]).expect("the population scenario is valid")
}

/// Time of a study of 36 months against the population (issue 14): the
/// count engine at 10^4, 10^6, 10^8 and 10^9 signups, monthly and weekly,
/// and the account engine at 10^4 and 10^6 (beyond, a run holds more
/// accounts than memory and time allow). Each iteration is one
/// `engine::simulate` of `RUNS_PER_ITERATION` runs (of the account engine
/// at 10^6: `RUNS_ACCOUNTS_LARGE`) on all threads; BENCHMARKS.md scales the
/// time to 1,000 runs. `cargo bench --bench engine -- population/`.
fn population(c: &mut Criterion) {
    let mut g = c.benchmark_group("population");
    g.sample_size(10);
    g.warm_up_time(std::time::Duration::from_millis(500));
    g.measurement_time(std::time::Duration::from_secs(3));
    for step in ["month", "week"] {
        for signups in [1e4, 1e6, 1e8, 1e9] {
            let s = population_scenario(signups, step, RUNS_PER_ITERATION, "counts");
            g.bench_function(format!("counts_{signups:.0e}_signups_{step}_{RUNS_PER_ITERATION}_runs"), |b| {
                b.iter(|| black_box(engine::simulate(&s, &|| {})))
            });
        }
        for (signups, runs) in [(1e4, RUNS_PER_ITERATION), (1e6, RUNS_ACCOUNTS_LARGE)] {
            let s = population_scenario(signups, step, runs, "accounts");
            g.bench_function(format!("accounts_{signups:.0e}_signups_{step}_{runs}_runs"), |b| {
                b.iter(|| black_box(engine::simulate(&s, &|| {})))
            });
        }
    }
    g.finish();
}

/// Runs per iteration of the population benchmark.
const RUNS_PER_ITERATION: u32 = 100;
/// Runs per iteration of the account engine at 10^6 signups.
const RUNS_ACCOUNTS_LARGE: u32 = 4;

criterion_group!(benches, engine_throughput, lognormal, binomial, statistics, population);
criterion_main!(benches);
