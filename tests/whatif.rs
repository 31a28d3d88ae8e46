//! What-if analysis: sweeps with common random numbers, comparisons,
//! sensitivity.

use plgsim::metrics::Horizon;
use plgsim::whatif::compare::Entry;
use plgsim::whatif::sweep::{self, Axis};
use plgsim::{Override, Scenario};

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
        &Scenario::from_str("trackly.toml", TRACKLY, &runs(12)).unwrap(),
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
    // A tie in every run: the probability of being better is exactly 0.5,
    // and the cheaper point is better in every run on the cost.
    for p in &s.points {
        let w = p.vs_baseline[0].unwrap().win(true);
        assert_eq!((w.p, w.ties, w.low, w.high), (0.5, 1.0, 0.5, 0.5));
        assert_eq!(p.separator[0], None);
    }
    assert_eq!(s.points[0].vs_baseline[1].unwrap().win(false).p, 1.0);
}

/// The probability that a point is better is the share of the paired runs
/// it wins (ties as half), with an interval that holds it; where an
/// uncertain input decides the sign (a price rise against an uncertain
/// conversion elasticity: revenue ∝ price^(1 - e), so $15 beats $12 when
/// e < 1, give or take churn), the separator names it, near 1.
#[test]
fn the_probability_of_winning_is_the_share_of_paired_runs_won() {
    let set: Vec<Override> =
        ["scenario.runs=120", "pricing.reference_price=12", "pricing.conversion_elasticity=[0.4, 1.6]"]
            .iter()
            .map(|o| Override::parse(o).unwrap())
            .collect();
    let s = sweep::run(
        &Scenario::from_str("trackly.toml", TRACKLY, &set).unwrap(),
        &[Axis::parse("plans.pro.price_per_month=12,15").unwrap()],
        &[Horizon::RevenueTotal],
        &|| {},
    )
    .unwrap();
    let (base, dear) = (&s.points[0].values[0], &s.points[1].values[0]);
    let won = dear.iter().zip(base).filter(|(a, b)| a.unwrap() > b.unwrap()).count();
    let tied = dear.iter().zip(base).filter(|(a, b)| a.unwrap() == b.unwrap()).count();
    let w = s.points[1].vs_baseline[0].unwrap().win(true);
    assert_eq!(w.p, (won as f64 + tied as f64 / 2.0) / 120.0);
    assert!(w.low < w.p && w.p < w.high);
    assert!(won > 10 && won < 110, "both outcomes occur: {won} of 120");
    let sep = s.points[1].separator[0].as_ref().expect("the elasticity separates wins from losses");
    assert_eq!(sep.input, "pricing.conversion_elasticity");
    assert!(!sep.wins_above && (0.8..1.3).contains(&sep.threshold), "{sep:?}");
}

/// Trackly: revenue over the horizon as a function of the free-plan limit
/// (1 to 20 projects) peaks at an interior limit. The peak comes from the
/// mechanics: a tight limit is hit before users reach value (early hits
/// convert at 4%, and value builds up after activation) and blocks sharing;
/// a loose one is reached late or never within the horizon. Every limit
/// uses the same seed (common random numbers), so the differences are
/// checked as paired differences, beyond their 95% intervals. (One test for
/// this optimum: it is the slowest property of the shipped scenarios.)
#[test]
fn the_trackly_limit_sweep_finds_the_interior_optimum() {
    let axis = Axis::parse("free.usage_limit=1,2,3,4,6,10,20").unwrap();
    let s = sweep::run(
        &Scenario::from_str("trackly.toml", TRACKLY, &runs(20)).unwrap(),
        &[axis],
        &[Horizon::RevenueTotal],
        &|| {},
    )
    .unwrap();
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
    match sweep::run(
        &Scenario::from_str("trackly.toml", TRACKLY, &runs(2)).unwrap(),
        &[axis],
        &[Horizon::MrrFinal],
        &|| {},
    ) {
        Err(sweep::SweepError::Scenario { point, error }) => {
            assert_eq!(point, "paid.churn_per_month = 1.5");
            assert!(error.to_string().contains("expected a probability between 0 and 1, got 1.5"), "{error}");
        }
        other => panic!("{other:?}"),
    }
}

/// The tornado ranks first the parameter made to dominate, and the rank
/// correlations agree in sign.
#[test]
fn the_tornado_ranks_the_dominant_parameter_first() {
    let text = r#"
        [scenario]
        months = 12
        runs = 60
        seed = 4
        [initial]
        free_accounts = 2000
        [free]
        conversion_per_month = [0.01, 0.03]
        churn_per_month = [0.05, 0.06]
        [[plans]]
        name = "pro"
        price_per_month = [10, 60]
        [paid]
        churn_per_month = [0.02, 0.03]
    "#;
    let s =
        plgsim::whatif::sensitivity::run(&Scenario::from_str("t.toml", text, &[]).unwrap(), Horizon::MrrFinal, &|| {})
            .unwrap();
    let keys: Vec<&str> = s.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys[0], "plans.pro.price_per_month", "{keys:?}");
    assert_eq!(keys[1], "free.conversion_per_month", "{keys:?}");
    assert!(s.rows[0].rank_correlation.unwrap() > 0.5);
    let churn = s.rows.iter().find(|r| r.key == "paid.churn_per_month").unwrap();
    assert!(churn.output_at_p90 < churn.output_at_p10, "more churn, less MRR");
    // The percentiles of a [low, high] interval are inside it.
    let price = &s.rows[0];
    assert!(price.p10 > 10.0 && price.p90 < 60.0 && price.p10 < price.p50 && price.p50 < price.p90);
}

/// Scenarios that share a seed pair up run by run: a scenario compared with
/// itself differs by exactly zero; a better price shows in the difference.
#[test]
fn comparisons_are_paired_when_seeds_match() {
    use plgsim::Scenario;
    let base = runs(10);
    let a = Scenario::from_str("trackly.toml", TRACKLY, &base).unwrap();
    let b = Scenario::from_str(
        "trackly.toml",
        TRACKLY,
        &[base.clone(), vec![Override::parse("plans.pro.price_per_month=15").unwrap()]].concat(),
    )
    .unwrap();
    let c = plgsim::whatif::compare::run(
        &[Entry::file("a", a.clone()), Entry::file("a again", a), Entry::file("b", b)],
        &[Horizon::MrrFinal, Horizon::SignupsTotal],
        &|| {},
    );
    assert!(c.paired);
    let same = c.variants[1].vs_first[0].unwrap();
    assert_eq!((same.mean, same.low, same.high), (0.0, 0.0, 0.0));
    let dearer = c.variants[2].vs_first[0].unwrap();
    assert!(dearer.low > 0.0, "{dearer:?}");
    // The price does not change acquisition: identical signups, run by run.
    assert_eq!(c.variants[2].values[1], c.variants[0].values[1]);
}

/// Correlated inputs: the sampled values have the requested rank
/// correlation (Iman-Conover reaches it up to a sampling error of order
/// 1/sqrt(runs)) and each keeps its own distribution exactly.
#[test]
fn correlated_inputs_have_the_requested_rank_correlation() {
    use plgsim::scenario::Scenario;
    use plgsim::whatif::sensitivity::spearman;
    let text = |with: &str| {
        format!(
            r#"
            [scenario]
            runs = 4000
            seed = 12
            [free]
            conversion_per_month = [0.002, 0.008]
            churn_per_month = {{ dist = "uniform", low = 0.03, high = 0.08 }}
            [[plans]]
            name = "pro"
            price_per_month = {{ dist = "triangular", min = 8, mode = 12, max = 20 }}
            [paid]
            churn_per_month = {{ dist = "beta", alpha = 3, beta = 90 }}
            {with}
            "#
        )
    };
    let pairs = r#"
        [[correlations]]
        a = "free.conversion_per_month"
        b = "paid.churn_per_month"
        rank = -0.6
        [[correlations]]
        a = "free.churn_per_month"
        b = "paid.churn_per_month"
        rank = 0.4
    "#;
    let plain = Scenario::from_str("c.toml", &text(""), &[]).unwrap();
    let s = Scenario::from_str("c.toml", &text(pairs), &[]).unwrap();
    let col = |sc: &Scenario, rows: &[Vec<f64>], key: &str| -> Vec<f64> {
        let id = sc.param_by_key(key).unwrap();
        rows.iter().map(|r| r[id.0]).collect()
    };
    let rows = s.sample_runs();
    let tol = 3.0 / (4000f64).sqrt();
    for (a, b, want) in [
        ("free.conversion_per_month", "paid.churn_per_month", -0.6),
        ("free.churn_per_month", "paid.churn_per_month", 0.4),
        ("free.conversion_per_month", "free.churn_per_month", 0.0),
        ("plans.pro.price_per_month", "paid.churn_per_month", 0.0),
    ] {
        let rho = spearman(&col(&s, &rows, a), &col(&s, &rows, b)).unwrap();
        assert!((rho - want).abs() < tol, "{a} ~ {b}: {rho} (want {want})");
    }
    // The same values as without correlations, reordered.
    let plain_rows = plain.sample_runs();
    for key in ["free.conversion_per_month", "paid.churn_per_month"] {
        let mut x = col(&s, &rows, key);
        let mut y = col(&plain, &plain_rows, key);
        x.sort_by(f64::total_cmp);
        y.sort_by(f64::total_cmp);
        assert_eq!(x, y, "{key} keeps its distribution");
    }
}

#[test]
fn impossible_correlations_are_rejected() {
    let text = r#"
        [free]
        conversion_per_month = [0.002, 0.008]
        churn_per_month = [0.03, 0.08]
        [[plans]]
        name = "pro"
        price_per_month = 12
        [paid]
        churn_per_month = [0.02, 0.04]
        [[correlations]]
        a = "free.conversion_per_month"
        b = "paid.churn_per_month"
        rank = 0.95
        [[correlations]]
        a = "free.churn_per_month"
        b = "paid.churn_per_month"
        rank = 0.95
        [[correlations]]
        a = "free.conversion_per_month"
        b = "free.churn_per_month"
        rank = -0.95
        [[correlations]]
        a = "plans.pro.price_per_month"
        b = "paid.churn_per_month"
        rank = 0.2
    "#;
    let err = plgsim::Scenario::from_str("c.toml", text, &[]).unwrap_err().to_string();
    assert!(err.contains("correlations.3.a: `plans.pro.price_per_month` is a fixed value"), "{err}");
    assert!(err.contains("these correlations cannot hold together"), "{err}");
}

/// `explain`'s formulas against the simulation, run by run (each run's
/// sampled parameters in the formulas), within 4 standard errors of the
/// paired differences: K on the teaching pair, LTV and CAC payback on the
/// finance scenario (constant churn, flat price, no limits or loops: the
/// cases the formulas are exact for).
#[test]
fn explain_matches_the_simulation_where_its_formulas_are_exact() {
    use plgsim::whatif::explain::Analytic;
    let check = |file: &str, text: &str, runs: u32, figures: &[Horizon]| {
        let s = plgsim::Scenario::from_str(file, text, &[Override::parse(&format!("scenario.runs={runs}")).unwrap()])
            .unwrap();
        let sim = plgsim::simulate(&s, &|| {});
        for &h in figures {
            let mut diffs = Vec::new();
            for r in sim.runs() {
                let a = Analytic::new(&s, r.params());
                let formula = match h {
                    Horizon::KFactor => Some(a.k),
                    Horizon::Ltv => a.ltv,
                    Horizon::CacPaybackMonths => a.payback_months,
                    _ => unreachable!(),
                };
                if let (Some(f), Some(x)) = (formula, r.horizon(h)) {
                    diffs.push(x - f);
                }
            }
            let (mean, se) = crate::util::mean_se(&diffs);
            let scale = sim.runs().iter().filter_map(|r| r.horizon(h)).sum::<f64>() / diffs.len() as f64;
            assert!(se < 0.01 * scale, "{file} {}: standard error {se} too large", h.name());
            assert!(
                mean.abs() <= 4.0 * se,
                "{file} {}: simulation - formula = {mean} ({:.1} standard errors of {se})",
                h.name(),
                mean.abs() / se
            );
        }
    };
    check("viral_k090.toml", include_str!("../scenarios/viral_k090.toml"), 200, &[Horizon::KFactor]);
    check("viral_k110.toml", include_str!("../scenarios/viral_k110.toml"), 100, &[Horizon::KFactor]);
    check(
        "finance_conversion.toml",
        include_str!("../scenarios/finance_conversion.toml"),
        400,
        &[Horizon::Ltv, Horizon::CacPaybackMonths],
    );
}

/// A correlated parameter fixed by a sweep or a sensitivity variant simply
/// loses its correlations (a fixed value in the file is still an error).
#[test]
fn what_if_variants_of_correlated_scenarios_run() {
    let text = r#"
        [scenario]
        runs = 30
        [initial]
        free_accounts = 2000
        [free]
        conversion_per_month = [0.002, 0.008]
        [[plans]]
        name = "pro"
        price_per_month = 12
        [paid]
        churn_per_month = [0.02, 0.04]
        [[correlations]]
        a = "free.conversion_per_month"
        b = "paid.churn_per_month"
        rank = -0.5
    "#;
    let axis = Axis::parse("paid.churn_per_month=0.02,0.03").unwrap();
    let s =
        sweep::run(&Scenario::from_str("c.toml", text, &[]).unwrap(), &[axis], &[Horizon::MrrFinal], &|| {}).unwrap();
    assert_eq!(s.points.len(), 2);
    let t =
        plgsim::whatif::sensitivity::run(&Scenario::from_str("c.toml", text, &[]).unwrap(), Horizon::MrrFinal, &|| {})
            .unwrap();
    assert_eq!(t.rows.len(), 2);
    let fixed_in_file = text.replace("churn_per_month = [0.02, 0.04]", "churn_per_month = 0.03");
    let err = plgsim::Scenario::from_str("c.toml", &fixed_in_file, &[]).unwrap_err().to_string();
    assert!(err.contains("`paid.churn_per_month` is a fixed value"), "{err}");
}

/// Issue 10: a price swept on a scenario without price response is warned
/// about (console, summary.json, report); a parameter that does not move a
/// metric leaves every point tied, and no point is "the best".
#[test]
fn a_price_sweep_without_price_response_warns_and_ties_are_not_a_best() {
    let s = Scenario::from_str("trackly.toml", TRACKLY, &runs(6)).unwrap();
    let price = sweep::run(&s, &[Axis::parse("plans.pro.price_per_month=8,12").unwrap()], &[Horizon::MrrFinal], &|| {})
        .unwrap();
    assert_eq!(price.warnings.len(), 1, "{:?}", price.warnings);
    assert!(price.warnings[0].starts_with("plans.pro.price_per_month is swept but the scenario has no price response"));
    let json = String::from_utf8(plgsim::output::sweep_json(&price)).unwrap();
    assert!(json.contains("no price response"), "{json}");
    let html = plgsim::render::render_sweep(&price)
        .into_iter()
        .find(|f| f.path == "report.html")
        .map(|f| String::from_utf8(f.bytes).unwrap())
        .unwrap();
    assert!(html.contains("no price response"));
    // With a price response, no warning.
    let responds = [
        runs(6),
        vec![
            Override::parse("pricing.reference_price=12").unwrap(),
            Override::parse("pricing.conversion_elasticity=1").unwrap(),
        ],
    ]
    .concat();
    let s2 = Scenario::from_str("trackly.toml", TRACKLY, &responds).unwrap();
    let axis = Axis::parse("plans.pro.price_per_month=8,12").unwrap();
    assert!(sweep::run(&s2, &[axis], &[Horizon::MrrFinal], &|| {}).unwrap().warnings.is_empty());

    // Serving cost does not move MRR: every point ties, none is the best.
    let axis = Axis::parse("costs.serve_free_seat_per_month=0.1,0.25,0.6").unwrap();
    let t = sweep::run(&s, &[axis], &[Horizon::MrrFinal, Horizon::CostToServeFreeTotal], &|| {}).unwrap();
    assert_eq!(t.tied[0].len(), 2, "{:?}", t.tied);
    assert_eq!((0..3).map(|i| sweep::best_mark(&t, 0, i)).collect::<Vec<_>>(), [Some("tie for best"); 3]);
    assert_eq!(t.tied[1], Vec::<usize>::new(), "the cost differs beyond the noise");
    assert_eq!(sweep::best_mark(&t, 1, 0), Some("best"));
    let csv = String::from_utf8(plgsim::output::sweep_csv(&t)).unwrap();
    assert_eq!(csv.lines().filter(|l| l.contains(",mrr_final,") && l.ends_with(",tie")).count(), 3, "{csv}");
}

const DEVTOOL: &str = include_str!("../scenarios/devtool.toml");

/// A key whose value is a choice is swept by its words: each point is the
/// scenario with that word set, checked like the file, the scenario's own
/// choice is the baseline wherever it is in the list, and every point runs
/// with the same random numbers as the scenario itself.
#[test]
fn choices_are_swept_by_their_words() {
    let set = [runs(16), vec![Override::parse("scenario.months=12").unwrap()]].concat();
    let devtool = Scenario::from_str("devtool.toml", DEVTOOL, &set).unwrap();
    let axis = Axis::parse("trial.start=activation,signup").unwrap();
    let metrics = [Horizon::RevenueTotal, Horizon::TrialStartsTotal];
    let s = sweep::run(&devtool, &[axis], &metrics, &|| {}).unwrap();
    assert_eq!((s.baseline, s.baseline_is_scenario), (1, true), "devtool starts its trial at signup");
    assert_eq!(sweep::describe(&s.axes, &s.points[0].coords), "trial.start = activation");
    let values = |sc: &Scenario| -> Vec<Option<f64>> {
        plgsim::simulate(sc, &|| {}).horizon_values(Horizon::TrialStartsTotal).collect()
    };
    assert_eq!(s.points[1].values[1], values(&devtool), "the baseline point is the scenario itself");
    let opt_in = devtool.with_overrides(&[Override::parse("trial.start=activation").unwrap()]).unwrap();
    assert_eq!(s.points[0].values[1], values(&opt_in));
    // A trial offered at activation reaches fewer accounts than one at signup.
    assert!(s.points[0].stats[1].mean < s.points[1].stats[1].mean);

    // The same in a [sweep] section, and the same checks on the words.
    let text = format!("{DEVTOOL}\n[sweep]\nparams = [{{ key = \"trial.after\", values = [\"free\", \"leave\"] }}]\n");
    let spec = Scenario::from_str("devtool.toml", &text, &set).unwrap();
    let axes = &spec.sweep().unwrap().axes;
    assert_eq!(axes[0].words, ["free", "leave"]);
    let bad = format!("{DEVTOOL}\n[sweep]\nparams = [{{ key = \"trial.after\", values = \"free,free\" }}]\n");
    let e = Scenario::from_str("devtool.toml", &bad, &set).unwrap_err().to_string();
    assert!(e.contains("sweep.params `trial.after`: `free` is given twice"), "{e}");
    // A word the key does not take is the scenario's own error, at its point.
    let wrong = sweep::run(&devtool, &[Axis::parse("trial.start=signup,signop").unwrap()], &metrics, &|| {});
    match wrong {
        Err(sweep::SweepError::Scenario { point, error }) => {
            assert_eq!(point, "trial.start = signop");
            assert!(error.to_string().contains("expected \"signup\" or \"activation\", got \"signop\""), "{error}");
        }
        other => panic!("expected the point's error, got {other:?}"),
    }
}

/// A variant is its scenario with the overrides: compared, it gives run by
/// run what the same value gives as a sweep point (common random numbers),
/// the separator of a comparison is the sweep's, and the best is marked.
#[test]
fn variants_are_paired_like_sweep_points() {
    let set: Vec<Override> =
        ["scenario.runs=120", "pricing.reference_price=12", "pricing.conversion_elasticity=[0.4, 1.6]"]
            .iter()
            .map(|o| Override::parse(o).unwrap())
            .collect();
    let trackly = Scenario::from_str("trackly.toml", TRACKLY, &set).unwrap();
    let specs = [
        plgsim::scenario::variants::VariantSpec::parse("fifteen=plans.pro.price_per_month=15").unwrap(),
        plgsim::scenario::variants::VariantSpec::parse("again=plans.pro.price_per_month=12").unwrap(),
    ];
    let mut entries = vec![Entry::file("trackly.toml", trackly.clone())];
    entries.extend(plgsim::whatif::compare::variants("trackly.toml", &trackly, &specs).unwrap());
    let metrics = [Horizon::RevenueTotal];
    let c = plgsim::whatif::compare::run(&entries, &metrics, &|| {});
    let labels: Vec<&str> = c.variants.iter().map(|v| v.label.as_str()).collect();
    assert_eq!(labels, ["Trackly", "fifteen", "again"]);
    assert_eq!(c.variants[1].set.as_deref(), Some("plans.pro.price_per_month=15"));
    let s = sweep::run(&trackly, &[Axis::parse("plans.pro.price_per_month=12,15").unwrap()], &metrics, &|| {}).unwrap();
    assert_eq!(c.variants[1].values[0], s.points[1].values[0], "the variant is the sweep point, run by run");
    assert_eq!(c.variants[1].vs_first[0], s.points[1].vs_baseline[0]);
    assert_eq!(c.variants[1].separator[0], s.points[1].separator[0]);
    let sep = c.variants[1].separator[0].as_ref().expect("the elasticity decides");
    assert_eq!(sep.input, "pricing.conversion_elasticity");
    // Setting a key to the value it has is the scenario itself: a tie in
    // every run, so the best ($15, ahead beyond the noise) has no tie.
    assert_eq!(c.variants[2].values[0], c.variants[0].values[0]);
    assert_eq!(c.variants[2].vs_first[0].unwrap().win(true).p, 0.5);
    assert_eq!((c.best[0], c.tied[0].as_slice()), (Some(1), &[][..]));
    assert_eq!(c.best_mark(0, 1), Some("best"));
}

/// Sweeping a key the scenario draws as uncertain fixes it at each value:
/// the sweep says its uncertainty is not in the runs.
#[test]
fn sweeping_an_uncertain_key_says_it_is_fixed_at_each_value() {
    let set: Vec<Override> = [
        "scenario.runs=2",
        "scenario.months=3",
        "pricing.reference_price=12",
        "pricing.conversion_elasticity=[0.4, 1.6]",
    ]
    .iter()
    .map(|o| Override::parse(o).unwrap())
    .collect();
    let trackly = Scenario::from_str("trackly.toml", TRACKLY, &set).unwrap();
    let axis = Axis::parse("pricing.conversion_elasticity=0.5,1.5").unwrap();
    let s = sweep::run(&trackly, &[axis], &[Horizon::MrrFinal], &|| {}).unwrap();
    assert_eq!(
        s.warnings,
        [
            "pricing.conversion_elasticity is uncertain in the scenario; here it is fixed at each value tried, so its uncertainty is not in the runs"
        ]
    );
}
