//! Decisions: `target` (goal seek) and `optimize` on scenarios whose
//! answer is known by construction, their determinism, and their refusals.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

use plgsim::metrics::Horizon;
use plgsim::whatif::optimize::{self, Constraint, Objective};
use plgsim::whatif::sweep::{self, Axis};
use plgsim::whatif::target::{self, Goal, Lever, Outcome, Statistic};
use plgsim::{Override, Scenario, simulate, stats};

/// The only way to pay is the free-plan limit: every signup activates at
/// once and hits the limit of 2 within weeks; a hit converts with share
/// `convert` x (price / 10)^-e, capped at 1, and nothing else converts.
/// Revenue is then proportional to price x min(1, 0.3 (price / 10)^-e):
/// with e = 2 it peaks where the cap starts, at 10 x 0.3^(1/2) = $5.48.
const WALL: &str = r#"
[scenario]
name = "Wall"
months = 12
runs = 20
seed = 5
time_step = "month"
[acquisition.organic]
signups_per_month = 200
[activation]
probability = 1.0
time_to_value_median_months = 0.1
time_to_value_sigma = 0.5
[usage]
median_per_month = 2
sigma = 0.5
[free]
usage_limit = 2
conversion_per_month = 0
churn_per_month = 0.05
[limit_hit]
convert = 0.3
churn = 0
[[plans]]
name = "pro"
price_per_month = 10
[paid]
churn_per_month = 0.03
[pricing]
reference_price = 10
conversion_elasticity = 2
churn_elasticity = 0
"#;

/// The price that maximises revenue in [`WALL`] with elasticity `e`.
fn best_price(e: f64) -> f64 {
    10.0 * libm::pow(0.3, 1.0 / e)
}

fn scenario(text: &str, set: &[&str]) -> Scenario {
    let ovr: Vec<Override> = set.iter().map(|s| Override::parse(s).unwrap()).collect();
    Scenario::from_str("wall.toml", text, &ovr).unwrap_or_else(|e| panic!("{e}"))
}

fn lever(s: &Scenario, arg: &str) -> Lever {
    Lever::parse(s, arg, true).unwrap_or_else(|e| panic!("{e}"))
}

fn roots(o: &Outcome) -> &[target::Root] {
    match o {
        Outcome::Found(r) => r,
        o => panic!("no root: {o:?}"),
    }
}

/// Without a price response, revenue is price x paid-account-months, and
/// the paid-account-months of each run are the same at every price
/// (common random numbers): the mean reaches R at R / mean(months), and
/// with probability p at R / q_{1-p}(months), both computable from one
/// simulation.
#[test]
fn target_finds_the_exact_price_for_a_revenue_goal() {
    let s = scenario(WALL, &["pricing.conversion_elasticity=0", "scenario.runs=40"]);
    let sim = simulate(&s, &|| {});
    let months: Vec<f64> = sim.horizon_values(Horizon::RevenueTotal).map(|r| r.unwrap() / 10.0).collect();
    let mut sorted = months.clone();
    sorted.sort_by(f64::total_cmp);
    let mean = months.iter().sum::<f64>() / months.len() as f64;
    let l = lever(&s, "plans.pro.price_per_month=5..20");
    let reach = 50_000.0;
    // Prices are billed in whole cents: the root is known to within a cent
    // more than the root finder's tolerance.
    let mut found = Vec::new();
    for (probability, want) in [(None, reach / mean), (Some(0.8), reach / stats::percentile_sorted(&sorted, 20.0))] {
        let goal = Goal { metric: Horizon::RevenueTotal, reach, probability };
        let t = target::run(&s, &l, goal, target::GRID_POINTS, &|| {}).unwrap();
        let r = roots(&t.outcome);
        assert_eq!(r.len(), 1, "{r:?}");
        assert!((r[0].value - want).abs() <= t.tolerance + 0.01, "{probability:?}: {} vs {want}", r[0].value);
        assert!(r[0].low <= r[0].value && r[0].value <= r[0].high && r[0].reached_above, "{:?}", r[0]);
        assert!(t.tolerance == 1e-3 * 15.0 && t.simulations() <= target::GRID_POINTS + 6, "{}", t.simulations());
        found.push(r[0].value);
    }
    // With 80% probability the price must be higher than on the mean.
    assert!(found[1] > found[0], "{found:?}");
    // Out of reach: the best is at the high end, and said so.
    let goal = Goal { metric: Horizon::RevenueTotal, reach: 1e9, probability: None };
    let t = target::run(&s, &l, goal, target::GRID_POINTS, &|| {}).unwrap();
    assert!(matches!(t.outcome, Outcome::OutOfReach { at: 20.0, end: "high", .. }), "{:?}", t.outcome);
    assert_eq!(t.simulations(), target::GRID_POINTS);
}

/// A decreasing curve (revenue above the best price falls with it) is
/// reached below its root; an integer key is evaluated at whole values,
/// and its answer is the last whole value that reaches the target.
#[test]
fn target_on_a_falling_curve_and_an_integer_key() {
    let s = scenario(WALL, &[]);
    let l = lever(&s, "plans.pro.price_per_month=6..12");
    let mean_at = |price: f64| {
        let v = target::variant(&s, &["plans.pro.price_per_month"], &[price]).unwrap();
        Statistic::Mean.of(&simulate(&v, &|| {}).horizon_values(Horizon::RevenueTotal).collect::<Vec<_>>()).unwrap()
    };
    let reach = 40_000.0;
    let goal = Goal { metric: Horizon::RevenueTotal, reach, probability: None };
    let t = target::run(&s, &l, goal, target::GRID_POINTS, &|| {}).unwrap();
    let r = &roots(&t.outcome)[0];
    assert!(!r.reached_above, "{r:?}");
    assert!(mean_at(r.value - t.tolerance) >= reach && mean_at(r.value + t.tolerance) < reach, "{r:?}");

    // Over 2..12 the hump crosses $50k twice: reached between the roots.
    let l = lever(&s, "plans.pro.price_per_month=2..12");
    let goal = Goal { metric: Horizon::RevenueTotal, reach: 50_000.0, probability: None };
    let t = target::run(&s, &l, goal, target::GRID_POINTS, &|| {}).unwrap();
    let r = roots(&t.outcome);
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(r[0].reached_above && !r[1].reached_above && r[0].value < best_price(2.0) && best_price(2.0) < r[1].value);

    // Revenue falls with the free limit (hit later, fewer conversions
    // within the year).
    let l = lever(&s, "free.usage_limit=1..30");
    assert!(l.integer);
    let goal = Goal { metric: Horizon::RevenueTotal, reach: 10_000.0, probability: None };
    let t = target::run(&s, &l, goal, target::GRID_POINTS, &|| {}).unwrap();
    assert!(t.curve.iter().all(|p| p.x.fract() == 0.0), "integers only");
    let r = &roots(&t.outcome)[0];
    assert!(!r.reached_above && r.value.fract() == 0.0, "{r:?}");
    let stat = |x: f64| t.curve.iter().find(|p| p.x == x).and_then(|p| p.stat).unwrap();
    assert!(stat(r.value) >= 10_000.0 && stat(r.value + 1.0) < 10_000.0, "{r:?}");
}

/// The best price of [`WALL`] is 10 x 0.3^(1/2) = $5.48: on a $0.25 lattice
/// the whole lattice is evaluated (41 points) and the best is $5.50; on a
/// finer one Nelder-Mead finds it within a lattice step with fewer
/// simulations than the lattice has points.
#[test]
fn optimize_finds_the_price_placed_by_construction() {
    let s = scenario(WALL, &[]);
    let objective = Objective { metric: Horizon::RevenueTotal, statistic: Statistic::Mean };
    let o = optimize::run(&s, &[lever(&s, "plans.pro.price_per_month=2..12:41")], objective, &[], &|| {}).unwrap();
    assert!(o.exhaustive && o.simulations() == 41 && o.full_grid == 41);
    let best = &o.points[o.best.unwrap()];
    assert_eq!(best.coords, vec![5.5]);
    assert!((best.coords[0] - best_price(2.0)).abs() <= 0.25);
    // The runners-up are its neighbours, beaten in every run.
    assert!(o.runners_up.iter().all(|r| r.beyond_noise), "{:?}", o.runners_up);

    let o = optimize::run(&s, &[lever(&s, "plans.pro.price_per_month=2..12:161")], objective, &[], &|| {}).unwrap();
    assert!(!o.exhaustive && o.simulations() < 161, "{} simulations", o.simulations());
    let best = &o.points[o.best.unwrap()];
    assert!((best.coords[0] - best_price(2.0)).abs() <= 10.0 / 160.0, "{:?}", best.coords);
    assert!(o.warnings.iter().all(|w| !w.contains("beyond the range")), "{:?}", o.warnings);

    // A range that stops below the optimum: its top is the best found, and
    // the search says the optimum may lie beyond it.
    let o = optimize::run(&s, &[lever(&s, "plans.pro.price_per_month=2..4:9")], objective, &[], &|| {}).unwrap();
    assert_eq!(o.points[o.best.unwrap()].coords, vec![4.0]);
    assert!(
        o.warnings.iter().any(|w| w.contains("the best plans.pro.price_per_month is the highest value searched (4)")),
        "{:?}",
        o.warnings
    );
}

/// Two levers, one an integer: the search agrees with the full grid (run
/// as a sweep) on the best, with fewer simulations.
#[test]
fn optimize_two_levers_with_an_integer_one() {
    let s = scenario(WALL, &[]);
    let objective = Objective { metric: Horizon::RevenueTotal, statistic: Statistic::Mean };
    let levers = [lever(&s, "free.usage_limit=1..6"), lever(&s, "plans.pro.price_per_month=2..12:41")];
    let o = optimize::run(&s, &levers, objective, &[], &|| {}).unwrap();
    assert_eq!(o.full_grid, 6 * 41);
    assert!(!o.exhaustive && o.simulations() < o.full_grid / 2, "{} simulations", o.simulations());
    assert!(o.points.iter().all(|p| p.coords[0].fract() == 0.0), "the limit stays whole");
    let best = &o.points[o.best.unwrap()];
    let grid = sweep::run(
        &s,
        &[Axis::parse("free.usage_limit=1..6").unwrap(), Axis::parse("plans.pro.price_per_month=2..12:41").unwrap()],
        &[Horizon::RevenueTotal],
        &|| {},
    )
    .unwrap();
    let top = &grid.points[grid.best[0].unwrap()];
    assert_eq!(best.coords, top.coords, "the search's best is the grid's best");
    assert_eq!(best.objective, top.stats[0].mean);
    assert!((best.coords[1] - best_price(2.0)).abs() <= 0.25);
}

/// With e = 0.5 revenue rises with the price, and paying accounts fall: a
/// floor on paying accounts binds, and the answer is the dearest lattice
/// price at which it holds, the boundary `target` finds.
#[test]
fn a_binding_constraint_puts_the_answer_on_its_boundary() {
    let s = scenario(WALL, &["pricing.conversion_elasticity=0.5"]);
    let at = |price: f64| {
        let v = target::variant(&s, &["plans.pro.price_per_month"], &[price]).unwrap();
        Statistic::Mean
            .of(&simulate(&v, &|| {}).horizon_values(Horizon::PaidAccountsFinal).collect::<Vec<_>>())
            .unwrap()
    };
    let floor = at(6.75);
    let c = Constraint::parse(&format!("paid_accounts_final >= {floor}")).unwrap();
    let objective = Objective { metric: Horizon::RevenueTotal, statistic: Statistic::Mean };
    let o = optimize::run(&s, &[lever(&s, "plans.pro.price_per_month=2..12:21")], objective, &[c], &|| {}).unwrap();
    let best = o.points[o.best.unwrap()].coords[0];
    // Unconstrained, the best would be the dearest price.
    let free = optimize::run(&s, &[lever(&s, "plans.pro.price_per_month=2..12:21")], objective, &[], &|| {}).unwrap();
    assert_eq!(free.points[free.best.unwrap()].coords, vec![12.0]);
    let goal = Goal { metric: Horizon::PaidAccountsFinal, reach: floor, probability: None };
    let t = target::run(&s, &lever(&s, "plans.pro.price_per_month=2..12"), goal, target::GRID_POINTS, &|| {}).unwrap();
    let r = &roots(&t.outcome)[0];
    assert!(!r.reached_above);
    assert!(best <= r.value && r.value < best + 0.5, "optimize {best}, target {}", r.value);
    assert_eq!(best, 6.5);
    // A floor no point meets: no best, said so, nothing compared.
    let c = Constraint::parse("paid_accounts_final >= 1M").unwrap();
    let none = optimize::run(&s, &[lever(&s, "plans.pro.price_per_month=2..12:5")], objective, &[c], &|| {}).unwrap();
    assert!(none.best.is_none() && none.runners_up.is_empty() && none.points.iter().all(|p| !p.feasible));
}

/// Levers: integer keys and whole-ended usage limits stay whole; a
/// continuous range without a count gets the default lattice, a
/// whole-ended one whole steps; a list is kept as given.
#[test]
fn levers_and_their_lattices() {
    let s = scenario(WALL, &[]);
    let l = lever(&s, "free.usage_limit=1..20");
    assert!(l.integer && optimize::lattice(&l) == (1..=20).map(f64::from).collect::<Vec<_>>());
    assert!(!lever(&s, "free.usage_limit=0.5..10").integer);
    let price = lever(&s, "plans.pro.price_per_month=8..30");
    assert!(!price.integer && optimize::lattice(&price).len() == 23);
    assert_eq!(optimize::lattice(&lever(&s, "plans.pro.price_per_month=8.5..30")).len(), optimize::RESOLUTION);
    assert_eq!(optimize::lattice(&lever(&s, "plans.pro.price_per_month=9,12,15")), vec![9.0, 12.0, 15.0]);
    assert_eq!(lever(&s, "plans.pro.price_per_month=5..20").grid(target::GRID_POINTS).len(), 9);
    for bad in [
        "plans.pro.price_per_month=9",
        "plans.pro.price_per_month=5..5",
        "free.churn_per_month=0.1..2",
        "nope.key=1..2",
    ] {
        assert!(Lever::parse(&s, bad, true).is_err(), "{bad}");
    }
}

fn plgsim() -> Command {
    Command::cargo_bin("plgsim").expect("the binary is built")
}

/// Every file under `dir` (charts/ included), by relative path.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let name = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((name, fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Same inputs, byte-identical files, at one thread or two.
#[test]
fn target_and_optimize_are_deterministic_across_thread_counts() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wall.toml");
    fs::write(&file, WALL).unwrap();
    let commands: [&[&str]; 2] = [
        &[
            "target",
            "--param",
            "plans.pro.price_per_month=6..12",
            "--metric",
            "revenue_total",
            "--reach",
            "40k",
            "--probability",
            "0.8",
        ],
        &[
            "optimize",
            "--param",
            "free.usage_limit=1..6",
            "--param",
            "plans.pro.price_per_month=2..12:41",
            "--metric",
            "revenue_total",
            "--constraint",
            "paid_accounts_final >= 100 at p10",
        ],
    ];
    for args in commands {
        let mut seen = Vec::new();
        for threads in ["1", "2"] {
            let out = dir.path().join(format!("{}-{threads}", args[0]));
            plgsim()
                .args(args)
                .arg(&file)
                .args(["--threads", threads, "--quiet", "--out"])
                .arg(&out)
                .assert()
                .success();
            seen.push(files(&out));
        }
        let names: Vec<&str> = seen[0].iter().map(|f| f.0.as_str()).collect();
        assert!(names.contains(&"summary.json") && names.contains(&"report.html"), "{names:?}");
        if args[0] == "target" {
            assert!(names.contains(&"target.csv") && names.contains(&"charts/target.png"), "{names:?}");
        }
        // The report stands alone: nothing fetched from outside.
        let report = &seen[0].iter().find(|f| f.0 == "report.html").unwrap().1;
        let report = String::from_utf8_lossy(report);
        assert!(!report.contains("src=") && !report.contains("<script") && !report.contains("http"));
        assert_eq!(seen[0], seen[1], "{} differs between 1 and 2 threads", args[0]);
    }
}

/// Bad input: exit 2, a message naming the flag and what was expected,
/// nothing written.
#[test]
fn bad_decision_input_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wall.toml");
    fs::write(&file, WALL).unwrap();
    let price = "plans.pro.price_per_month=2..12";
    let cases: &[(&[&str], &str)] = &[
        (&["target", "--param", price, "--metric", "arr", "--reach", "1"], "unknown metric `arr`"),
        (
            &["target", "--param", "plans.pro.price_per_month=12..2", "--metric", "arr_final", "--reach", "1"],
            "goes down",
        ),
        (
            &["target", "--param", price, "--metric", "arr_final", "--reach", "1", "--probability", "1.5"],
            "--probability 1.5",
        ),
        (&["target", "--param", price, "--metric", "arr_final", "--reach", "lots"], "--reach `lots`"),
        (&["target", "--param", "free.nope=1..3", "--metric", "arr_final", "--reach", "1"], "free.nope"),
        (&["target", "--param", "trial.start=1..3", "--metric", "arr_final", "--reach", "1"], "trial.start"),
        (
            &["target", "--param", "free.churn_per_month=0.1..1.5", "--metric", "arr_final", "--reach", "1"],
            "free.churn_per_month",
        ),
        (&["target", "--param", "plans.pro.price_per_month", "--metric", "arr_final", "--reach", "1"], "KEY=LOW..HIGH"),
        (
            &["optimize", "--param", price, "--metric", "revenue_total", "--constraint", "cac_blended <= x at p200"],
            "--constraint",
        ),
        (
            &["optimize", "--param", price, "--metric", "revenue_total", "--constraint", "cac <= 3"],
            "unknown metric `cac`",
        ),
        (&["optimize", "--param", price, "--metric", "revenue_total", "--objective", "p200"], "--objective `p200`"),
        (
            &[
                "optimize",
                "--param",
                price,
                "--param",
                "free.usage_limit=1..3",
                "--param",
                "paid.churn_per_month=0.01..0.05",
                "--param",
                "free.churn_per_month=0.01..0.05",
                "--param",
                "limit_hit.convert=0.1..0.5",
                "--metric",
                "revenue_total",
            ],
            "1 to 4 levers",
        ),
        (&["optimize", "--param", price, "--param", price, "--metric", "revenue_total"], "twice"),
    ];
    for (i, (args, want)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("out-{i}"));
        let a = plgsim().args(*args).arg(&file).arg("--out").arg(&out).assert().code(2);
        let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
        assert!(err.contains(want), "{args:?}: stderr lacks {want:?}:\n{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
}
