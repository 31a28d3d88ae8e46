//! The charts of a run. Each is a plain struct built from the results (the
//! `new` functions are pure and tested on their own) that implements
//! [`Chart`] to draw itself.
//!
//! Monthly series are looked up by name with [`Summary::series`]; a metric
//! the engine does not produce (yet) is treated as absent: its layer, bar or
//! funnel step is left out, so the charts pick new metrics up as the engine
//! adds them.

mod cohorts;
mod distributions;
mod funnel;
mod movements;
mod mrr;
mod stacked;

pub use cohorts::{CohortHeatmap, CohortMeasure};
pub use distributions::HorizonDistributions;
pub use funnel::Funnel;
pub use movements::MrrMovements;
pub use mrr::MrrFan;
pub use stacked::StackedMonthly;

use crate::stats::Stat;
use crate::summary::Summary;

/// A statistic of a monthly metric, month by month; `None` if the metric
/// does not exist. A month where the statistic is undefined reads 0.
fn monthly(summary: &Summary, name: &str, stat: fn(&Stat) -> Option<f64>) -> Option<Vec<f64>> {
    summary.series(name).map(|s| s.into_iter().map(|st| stat(st).unwrap_or(0.0)).collect())
}

fn median(s: &Stat) -> Option<f64> {
    s.p50()
}

fn mean(s: &Stat) -> Option<f64> {
    s.mean
}

/// "200 runs" / "1 run".
fn runs_phrase(runs: u32) -> String {
    if runs == 1 { "1 run".to_string() } else { format!("{runs} runs") }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A small scenario for the charts' unit tests.

    use crate::engine::Simulation;
    use crate::scenario::Scenario;
    use crate::summary::Summary;

    pub const SCENARIO: &str = r#"
[scenario]
name = "Tiny"
description = "A small scenario for chart tests."
months = 8
runs = 24
seed = 7

[market]
size = 200_000

[acquisition.organic]
signups_per_month = 300
growth_per_month = 0.05

[[acquisition.channels]]
name = "ads"
spend_per_month = 2000
cost_per_signup = 10

[activation]
probability = 0.6

[usage]
unit = "projects"
median_per_month = 1.5
sigma = 0.6

[free]
usage_limit = 3
conversion_per_month = [0.002, 0.01]

[limit_hit]
convert = 0.3
churn = 0.2

[[plans]]
name = "pro"
price_per_month = 15

[paid]
churn_per_month = [0.02, 0.05]
"#;

    pub fn run() -> (Scenario, Simulation, Summary) {
        let scenario = Scenario::from_str("tiny.toml", SCENARIO, &[]).expect("valid scenario");
        let sim = crate::simulate(&scenario, &|| {});
        let summary = Summary::new(&scenario, &sim);
        (scenario, sim, summary)
    }
}
