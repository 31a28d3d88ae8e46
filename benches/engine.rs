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

criterion_group!(benches, engine_throughput, lognormal, statistics);
criterion_main!(benches);
