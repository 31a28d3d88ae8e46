//! `plgsim fit` at the size issue 11 sets: 5 uncertain inputs, 12 months of
//! 4 metrics, a business of about 100k signups over the history
//! (`benches/bench.toml`, Trackly, with organic signups raised to 5,500 a
//! month), 2,000 prior draws. The history is simulated once at known
//! values, outside the measurement.
//!
//! `cargo bench --bench fit`; figures are recorded in BENCHMARKS.md.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use plgsim::fit::{abc, history};
use plgsim::metrics::Monthly;
use plgsim::{Override, Scenario};

const PRIORS: [&str; 6] = [
    "acquisition.organic.signups_per_month=5500",
    "acquisition.organic.growth_per_month=[0.01, 0.06]",
    "activation.probability=[0.4, 0.7]",
    "limit_hit.convert=[0.15, 0.45]",
    "paid.churn_per_month=[0.02, 0.06]",
    "free.churn_per_month=[0.03, 0.1]",
];
const TRUTH: [&str; 5] = [
    "acquisition.organic.growth_per_month=0.04",
    "activation.probability=0.55",
    "limit_hit.convert=0.3",
    "paid.churn_per_month=0.035",
    "free.churn_per_month=0.06",
];

fn set(items: &[&str]) -> Vec<Override> {
    items.iter().map(|o| Override::parse(o).unwrap()).collect()
}

fn fit(c: &mut Criterion) {
    let text = include_str!("bench.toml");
    let priors = Scenario::from_str("bench.toml", text, &set(&PRIORS)).expect("valid");
    let truth_set =
        [set(&PRIORS), set(&TRUTH), set(&["scenario.runs=1", "scenario.months=12", "scenario.seed=9"])].concat();
    let truth = Scenario::from_str("bench.toml", text, &truth_set).expect("valid");
    let sim = plgsim::simulate(&truth, &|| {});
    let r = &sim.runs()[0];
    let metrics = [Monthly::SignupsTotal, Monthly::Activated, Monthly::Conversions, Monthly::PaidAccounts];
    let mut csv = "month,signups_total,activated,conversions,paid_accounts\n".to_string();
    for t in 0..12 {
        csv += &format!("{}", t + 1);
        for m in metrics {
            csv += &format!(",{}", r.monthly(t, m));
        }
        csv.push('\n');
    }
    let h = history::parse("history.csv", &csv, &priors).expect("a valid history");
    let signups: f64 = (0..12).map(|t| r.monthly(t, Monthly::SignupsTotal)).sum();
    eprintln!("history: {signups} signups over 12 months");
    let options = abc::Options::default();
    let mut g = c.benchmark_group("fit");
    g.sample_size(10);
    g.bench_function("five_inputs_12_months_4_metrics_2000_draws", |b| {
        b.iter(|| black_box(abc::run(&priors, &h, &options).expect("fits")))
    });
    g.finish();
}

criterion_group!(benches, fit);
criterion_main!(benches);
