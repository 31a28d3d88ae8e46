//! What-if analysis: sweeps with common random numbers, comparisons,
//! sensitivity.

use plgsim::Override;
use plgsim::metrics::Horizon;
use plgsim::whatif::sweep::{self, Axis};

const TRACKLY: &str = include_str!("../scenarios/trackly.toml");

fn runs(n: u32) -> Vec<Override> {
    vec![Override::parse(&format!("scenario.runs={n}")).unwrap()]
}

/// A parameter that does not affect a metric leaves it exactly unchanged,
/// run by run: every point uses the same random numbers.
#[test]
fn a_parameter_that_does_not_matter_shows_exactly_zero_difference() {
    let axis = Axis::parse("costs.serve_free_seat_per_month=0.1,0.25,0.6").unwrap();
    let s = sweep::run(
        "trackly.toml",
        TRACKLY,
        &runs(12),
        &[axis],
        &[Horizon::MrrFinal, Horizon::CostToServeFreeTotal],
        &|| {},
    )
    .unwrap();
    assert_eq!(s.baseline, 1, "the scenario's own value (0.25) is the baseline");
    for p in &s.points {
        let d = p.vs_baseline[0].unwrap();
        assert_eq!((d.mean, d.low, d.high), (0.0, 0.0, 0.0));
        assert_eq!(p.values[0], s.points[s.baseline].values[0]);
    }
    // ...while the metric it does affect moves, in proportion.
    let cost = |i: usize| s.points[i].stats[1].mean.unwrap();
    assert!((cost(2) / cost(0) - 6.0).abs() < 1e-9, "{} vs {}", cost(2), cost(0));
    assert_eq!(s.best[1], Some(0), "lower cost is better");
}

/// The trackly free-plan limit has an interior optimum, found by the sweep.
#[test]
fn the_trackly_limit_sweep_finds_the_interior_optimum() {
    let axis = Axis::parse("free.usage_limit=1,2,3,4,6,10,20").unwrap();
    let s = sweep::run("trackly.toml", TRACKLY, &runs(20), &[axis], &[Horizon::RevenueTotal], &|| {}).unwrap();
    let best = s.best[0].unwrap();
    let limit = s.points[best].coords[0];
    assert!(limit > 1.0 && limit < 20.0, "best limit {limit}");
    // Paired differences: the best point beats both ends beyond their interval.
    for edge in [0, s.points.len() - 1] {
        let diff = plgsim::whatif::paired_difference(&s.points[best].values[0], &s.points[edge].values[0]).unwrap();
        assert!(diff.low > 0.0, "limit {limit} vs {}: {diff:?}", s.points[edge].coords[0]);
    }
}

#[test]
fn a_bad_grid_point_is_reported() {
    let axis = Axis::parse("paid.churn_per_month=0.5,1.5").unwrap();
    match sweep::run("trackly.toml", TRACKLY, &runs(2), &[axis], &[Horizon::MrrFinal], &|| {}) {
        Err(sweep::SweepError::Scenario { point, error }) => {
            assert_eq!(point, "paid.churn_per_month = 1.5");
            assert!(error.to_string().contains("expected a probability between 0 and 1, got 1.5"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}
