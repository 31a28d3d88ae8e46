//! The charts of a run and of the what-if commands (sweep, compare,
//! sensitivity). Each is a plain struct built from the results (the `new`
//! functions are pure and tested on their own) that implements [`Chart`]
//! to draw itself.
//!
//! Monthly series are looked up by name with [`Summary::series`]; a metric
//! the engine does not produce (yet) is treated as absent: its layer, bar or
//! funnel step is left out, so the charts pick new metrics up as the engine
//! adds them.

mod cohorts;
mod compare;
mod distributions;
mod fan;
mod fit;
mod funnel;
mod movements;
mod mrr;
mod stacked;
mod sweep;
mod target;
mod tornado;

pub use cohorts::{CohortHeatmap, CohortMeasure};
pub use compare::{CompareMetrics, CompareMonthly, CompareMrr, MetricPanel, MrrSeries};
pub use distributions::HorizonDistributions;
pub use fan::{MetricFan, monthly_desc};
pub use fit::{FitFan, Panel, PriorPosterior};
pub use funnel::Funnel;
pub use movements::MrrMovements;
pub use mrr::MrrFan;
pub use stacked::StackedMonthly;
pub use sweep::{SweepHeatmap, SweepLine, SweepPoint, value_label};
pub use target::TargetChart;
pub use tornado::{End, EndLabel, Segment, Tornado, TornadoBar};

use crate::format;
use crate::metrics::Unit;
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

/// A difference with its sign (see [`format::difference`]).
pub(crate) fn signed(x: f64, unit: Unit) -> String {
    format::difference(x, unit)
}

/// A figure's label inside a sentence: lower case first, unless it starts
/// with an acronym (`Revenue` -> `revenue`, `MRR` and `K-factor` stay).
fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
            a.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_string(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_carry_a_sign_and_shares_read_in_points() {
        assert_eq!(signed(1000.0, Unit::Money), "+$1.00k");
        assert_eq!(signed(-4200.0, Unit::Money), "-$4.20k");
        assert_eq!(signed(0.0135, Unit::Share), "+1.35 pp");
        assert_eq!(signed(-0.002, Unit::Share), "-0.200 pp");
        assert_eq!(signed(0.0, Unit::Count), "0");
    }

    #[test]
    fn labels_read_in_a_sentence() {
        assert_eq!(in_sentence("Free-to-paid conversion"), "free-to-paid conversion");
        assert_eq!(in_sentence("MRR"), "MRR");
        assert_eq!(in_sentence("K-factor"), "K-factor");
        assert_eq!(in_sentence("LTV:CAC"), "LTV:CAC");
        assert_eq!(in_sentence("CAC payback"), "CAC payback");
    }
}
