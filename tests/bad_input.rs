//! Malformed scenarios and the exact error each must give: the key path,
//! the line and column, and what was expected. All problems at once.

use plgsim::Scenario;

const PLAN: &str = "[[plans]]\nname = \"pro\"\nprice_per_month = 12\n";

fn errors(text: &str) -> String {
    match Scenario::from_str("bad.toml", text, &[]) {
        Ok(_) => panic!("accepted a bad scenario:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn check(text: &str, want: &str) {
    let got = errors(text);
    assert_eq!(got, want.trim_start_matches('\n'), "\n--- got ---\n{got}\n--- want ---\n{want}");
}

#[test]
fn syntax_error() {
    check(
        "[scenario\nmonths = 3\n",
        r#"
error: bad.toml:1:10: invalid TOML: unclosed table, expected `]`
  |
1 | [scenario
  |          ^"#,
    );
}

#[test]
fn unknown_key_names_the_valid_ones() {
    check(
        &format!("[free]\nchurn_per_mnth = 0.1\n{PLAN}"),
        r#"
error: bad.toml:2:1: free.churn_per_mnth: unknown field `churn_per_mnth`, expected one of `usage_limit`, `seat_limit`, `conversion_per_month`, `eventual_conversion`, `churn_per_month`, `reactivation_per_month`
  |
2 | churn_per_mnth = 0.1
  | ^^^^^^^^^^^^^^"#,
    );
}

#[test]
fn wrong_type() {
    check(
        &format!("[scenario]\nmonths = \"ten\"\n{PLAN}"),
        r#"
error: bad.toml:2:10: scenario.months: wrong type: string "ten", expected an integer
  |
2 | months = "ten"
  |          ^^^^^"#,
    );
}

#[test]
fn probability_above_one() {
    check(
        &format!("[paid]\nchurn_per_month = 1.3\n{PLAN}"),
        r#"
error: bad.toml:2:19: paid.churn_per_month: expected a probability between 0 and 1, got 1.3
  |
2 | churn_per_month = 1.3
  |                   ^^^"#,
    );
}

#[test]
fn negative_price() {
    check(
        "[[plans]]\nname = \"pro\"\nprice_per_month = -12\n",
        r#"
error: bad.toml:3:19: plans.pro.price_per_month: expected a number of 0 or more, got -12
  |
3 | price_per_month = -12
  |                   ^^^"#,
    );
}

#[test]
fn zero_runs() {
    check(
        &format!("[scenario]\nruns = 0\n{PLAN}"),
        r#"
error: bad.toml:2:8: scenario.runs: expected an integer from 1 to 1000000, got 0
  |
2 | runs = 0
  |        ^"#,
    );
}

#[test]
fn absurd_size() {
    check(
        &format!("[market]\nsize = 1e12\n{PLAN}"),
        r#"
error: bad.toml:2:8: market.size: expected at most 1000000000, got 1000000000000
  |
2 | size = 1e12
  |        ^^^^"#,
    );
}

#[test]
fn malformed_distribution() {
    check(
        &format!("[free]\nchurn_per_month = {{ dist = \"normal\", mean = 0.1, sdev = 0.1 }}\n{PLAN}"),
        r#"
error: bad.toml:2:19: free.churn_per_month: unknown field `sdev` for a normal distribution, expected `mean` and `sd`
  |
2 | churn_per_month = { dist = "normal", mean = 0.1, sdev = 0.1 }
  |                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"#,
    );
}

#[test]
fn missing_plan() {
    check(
        "[scenario]\nmonths = 12\n",
        "\nerror: plans: a scenario needs at least one paid plan, e.g.\n[[plans]]\nname = \"pro\"\nprice_per_month = 12",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = r#"[scenario]
runs = 0
mnths = 3
[paid]
churn_per_month = 1.3
[foo]
x = 1
[[plans]]
name = "pro"
price_per_month = -1
[limit_hit]
convert = 0.7
churn = 0.6
"#;
    let got = errors(text);
    let heads: Vec<&str> = got.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        heads,
        [
            "error: bad.toml:2:8: scenario.runs: expected an integer from 1 to 1000000, got 0",
            "error: bad.toml:3:1: scenario.mnths: unknown field `mnths`, expected one of `name`, `description`, `months`, `runs`, `seed`, `time_step`, `start`, `engine`",
            "error: bad.toml:5:19: paid.churn_per_month: expected a probability between 0 and 1, got 1.3",
            "error: bad.toml:6:2: foo: unknown field `foo`, expected one of `scenario`, `market`, `initial`, `acquisition`, `activation`, `usage`, `free`, `limit_hit`, `invites`, `plans`, `paid`, `costs`, `teams`, `exposure`, `referral`, `trial`, `pql`, `sales`, `pricing`, `finance`, `sweep`, `correlations`, `variants`",
            "error: bad.toml:10:19: plans.pro.price_per_month: expected a number of 0 or more, got -1",
            "error: bad.toml:12:11: limit_hit.convert: has no effect without a limit: set free.usage_limit or free.seat_limit",
            "error: bad.toml:13:9: limit_hit.churn: limit_hit.convert + limit_hit.churn must be at most 1 (they are shares of the accounts that hit the limit), got 0.7 + 0.6",
            "error: bad.toml:13:9: limit_hit.churn: has no effect without a limit: set free.usage_limit or free.seat_limit",
        ]
    );
}

#[test]
fn overrides_are_checked_like_the_file() {
    let ovr = |s: &str| plgsim::Override::parse(s).unwrap();
    let err = Scenario::from_str(
        "base.toml",
        PLAN,
        &[
            ovr("paid.churn_per_month=2"),
            ovr("free.nope=1"),
            ovr("acquisition.channels.x.y=1"),
            ovr("plans.premium.price_per_month=30"),
        ],
    )
    .unwrap_err()
    .to_string();
    // Issue 10: the caret is under the value within the argument (no "line
    // 1"), and a missing element lists the ones that exist.
    assert_eq!(
        err,
        r#"error: --set paid.churn_per_month=2: paid.churn_per_month: expected a probability between 0 and 1, got 2
  |
  | --set paid.churn_per_month=2
  |                            ^
error: --set free.nope=1: free.nope: unknown field `nope`, expected one of `usage_limit`, `seat_limit`, `conversion_per_month`, `eventual_conversion`, `churn_per_month`, `reactivation_per_month`
  |
  | --set free.nope=1
  |                 ^
error: --set acquisition.channels.x.y=1: the scenario has no `acquisition.channels`, so it has no element `x` to set
error: --set plans.premium.price_per_month=30: `plans` has no element `premium`: it has `pro` (give its index or its name)"#
    );
    // A distribution is a value like any other.
    let s = Scenario::from_str("base.toml", PLAN, &[ovr("paid.churn_per_month=[0.02, 0.05]")]).unwrap();
    let id = s.param_by_key("paid.churn_per_month").unwrap();
    assert_eq!(s.param(id).dist, plgsim::scenario::Dist::Interval90 { low: 0.02, high: 0.05 });
}

#[test]
fn too_many_results_to_keep() {
    check(
        &format!("[scenario]\nruns = 500000\nmonths = 120\n{PLAN}"),
        r#"
error: bad.toml:2:8: scenario.runs: 500000 runs x 120 months keeps too many results in memory: runs x months must be at most 10000000 (e.g. 83333 runs of 120 months)
  |
2 | runs = 500000
  |        ^^^^^^"#,
    );
}

// Values that validate but would not fit the engine's types (issue 8).

#[test]
fn too_many_channels_are_refused_not_wrapped() {
    let channels: String =
        (0..249).map(|i| format!("[[acquisition.channels]]\nname = \"c{i}\"\ncost_per_signup = 1\n")).collect();
    check(
        &format!("{PLAN}{channels}"),
        r#"
error: bad.toml:4:1: acquisition.channels: at most 248 paid channels (each is counted under its own source), got 249
  |
4 | [[acquisition.channels]]
  | ^^^^^^^^^^^^^^^^^^^^^^^^"#,
    );
    let channels: String =
        (0..248).map(|i| format!("[[acquisition.channels]]\nname = \"c{i}\"\ncost_per_signup = 1\n")).collect();
    assert!(Scenario::from_str("ok.toml", &format!("{PLAN}{channels}"), &[]).is_ok());
}

#[test]
fn too_many_plans_are_refused_not_wrapped() {
    let plans = |n: usize| -> String {
        (0..n).map(|i| format!("[[plans]]\nname = \"p{i}\"\nprice_per_month = {}\n", i + 1)).collect()
    };
    check(
        &plans(257),
        r#"
error: bad.toml:1:1: plans: at most 256 plans (an account keeps its plan in 8 bits), got 257
  |
1 | [[plans]]
  | ^^^^^^^^^"#,
    );
    assert!(Scenario::from_str("ok.toml", &plans(256), &[]).is_ok());
}

#[test]
fn an_activation_window_beyond_the_horizon_limit_is_refused() {
    check(
        &format!("[activation]\nwindow_months = 4294967295\n{PLAN}"),
        r#"
error: bad.toml:2:17: activation.window_months: expected at most 600, got 4294967295
  |
2 | window_months = 4294967295
  |                 ^^^^^^^^^^"#,
    );
    // A distribution's draws stop at the limit, as for every bounded value.
    let s = Scenario::from_str(
        "ok.toml",
        &format!("[activation]\nwindow_months = {{ dist = \"lognormal\", median = 300, sigma = 3 }}\n{PLAN}"),
        &[],
    )
    .unwrap();
    let id = s.param_by_key("activation.window_months").unwrap();
    let draws: Vec<f64> = (0..2000).map(|r| s.sample(r)[id.0]).collect();
    assert!(draws.iter().all(|&w| w > 0.0 && w <= 600.0));
    assert!(draws.contains(&600.0), "the tail reaches the limit and stops there");
}

#[test]
fn a_price_whose_mrr_overflows_is_refused() {
    check(
        "[[plans]]\nname = \"pro\"\nprice_per_month = 1e9\n",
        r#"
error: bad.toml:3:19: plans.pro.price_per_month: expected at most 42949672.95, got 1000000000: an account's MRR is kept in 32 bits of cents
  |
3 | price_per_month = 1e9
  |                   ^^^"#,
    );
    // Per seat, without seat limits: up to 65,535 seats.
    check(
        "[[plans]]\nname = \"team\"\nper_seat = true\nprice_per_month = [100, 1000]\n",
        r#"
error: bad.toml:4:19: plans.team.price_per_month: expected at most 655.37, got 1000: a price per seat x up to 65535 seats (the plan's seat limit, or the most seats an account can bring to it) must fit an account's MRR, at most 42949672.95
  |
4 | price_per_month = [100, 1000]
  |                   ^^^^^^^^^^^"#,
    );
    // With seat limits on the free plan and on the tiers, the bound is the
    // most seats an account can reach there.
    let tiers = "[free]\nseat_limit = 5\n[[plans]]\nname = \"team\"\nper_seat = true\nprice_per_month = 4000000\nseat_limit = 10\n[[plans]]\nname = \"big\"\nper_seat = true\nprice_per_month = 4000000\nseat_limit = 20\n";
    let got = errors(tiers);
    assert_eq!(got.lines().filter(|l| l.starts_with("error:")).count(), 1, "{got}");
    assert!(got.starts_with("error: bad.toml:11:19: plans.big.price_per_month: expected at most 2147483.64, got 4000000: a price per seat x up to 20 seats"), "{got}");
    // A trial adds seats without limit, so its accounts can bring 65,535.
    let got = errors(&format!("{tiers}[trial]\nlength_months = 1\nconversion = 0.5\n"));
    assert!(got.contains("plans.team.price_per_month: expected at most 655.37"), "{got}");
    // The limit is the largest price that fits exactly.
    assert!(Scenario::from_str("ok.toml", "[[plans]]\nname = \"pro\"\nprice_per_month = 42949672.95\n", &[]).is_ok());
}

#[test]
fn growth_that_compounds_past_the_maxima_is_refused() {
    check(
        &format!(
            "[scenario]\nmonths = 600\n[acquisition.organic]\nsignups_per_month = 100\ngrowth_per_month = 0.5\n[[acquisition.channels]]\nname = \"ads\"\nspend_per_month = 1000\nspend_growth_per_month = {{ dist = \"uniform\", low = 0, high = 0.1 }}\ncost_per_signup = 10\nmax_signups_per_month = 1000\n{PLAN}"
        ),
        r#"
error: bad.toml:5:20: acquisition.organic.growth_per_month: expected at most 0.0193 over 600 months, got 0.5: it would take acquisition.organic.signups_per_month from 100 past 10000000 (the most signups a month from one source)
  |
5 | growth_per_month = 0.5
  |                    ^^^
error: bad.toml:9:26: acquisition.channels.ads.spend_growth_per_month: expected at most 0.0351 over 600 months, got 0.1: it would take acquisition.channels.ads.spend_per_month from 1000 past 1000000000000 (the most spend a month)
  |
9 | spend_growth_per_month = { dist = "uniform", low = 0, high = 0.1 }
  |                          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"#,
    );
    // Without a ceiling, a spend that buys more signups a month than one
    // source may bring.
    check(
        &format!("[[acquisition.channels]]\nname = \"ads\"\nspend_per_month = 1e9\ncost_per_signup = 1\n{PLAN}"),
        r#"
error: bad.toml:4:19: acquisition.channels.ads.cost_per_signup: expected at least 100: a spend of up to 1000000000 a month buys 1000000000 signups a month, more than 10000000 (the most signups a month from one source); or give the channel a ceiling, max_signups_per_month
  |
4 | cost_per_signup = 1
  |                   ^"#,
    );
}

/// A growth drawn from a distribution is clamped so that the compounded
/// spend stays finite and within the documented maximum: spend, CAC and cash
/// flow are numbers, not empty cells.
#[test]
fn a_sampled_growth_cannot_overflow_the_spend() {
    let text = format!(
        "[scenario]\nmonths = 120\nruns = 50\n[market]\nsize = 1000\n[[acquisition.channels]]\nname = \"ads\"\nspend_per_month = 1000\nspend_growth_per_month = {{ dist = \"normal\", mean = 0.01, sd = 3 }}\ncost_per_signup = 1e6\n{PLAN}"
    );
    let s = Scenario::from_str("ok.toml", &text, &[]).unwrap();
    let id = s.param_by_key("acquisition.channels.ads.spend_growth_per_month").unwrap();
    let g_max = s.param(id).max;
    assert!(1000.0 * (1.0 + g_max).powi(120) <= 1e12, "{g_max}");
    let sim = plgsim::simulate(&s, &|| {});
    let spend = plgsim::metrics::Horizon::from_name("marketing_spend_total").map(|h| h as usize);
    for r in sim.runs() {
        assert!(r.params()[id.0] <= g_max);
        assert!(r.horizon(plgsim::metrics::Horizon::CashFlowTotal).is_some_and(f64::is_finite));
        if let Some(h) = spend {
            assert!(r.horizon_figures()[h].is_some_and(|x| x.is_finite() && x <= 120.0 * 1e12));
        }
    }
}

#[test]
fn an_empty_sweep_axis_is_refused_by_validate() {
    check(
        &format!("{PLAN}[sweep]\nparams = [{{ key = \"plans.pro.price_per_month\", values = [] }}]\n"),
        r#"
error: bad.toml:4:1: sweep.params: sweep.params `plans.pro.price_per_month`: no values
  |
4 | [sweep]
  | ^^^^^^^"#,
    );
}

#[test]
fn invalid_utf8_names_its_line() {
    let text = b"[scenario]\nname = \"caf\xe9\"\n[[plans]]\nname = \"pro\"\nprice_per_month = 12\n";
    let got = Scenario::from_bytes("bad.toml", text, &[]).unwrap_err().to_string();
    assert_eq!(
        got,
        "error: bad.toml:2:12: not valid UTF-8: byte 0xe9 at byte offset 22 (save the file as UTF-8)\n  |\n2 | name = \"caf\u{FFFD}\"\n  |            ^"
    );
    // From a file too (the CLI's path).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let err = Scenario::from_file(&path, &[]).unwrap_err().to_string();
    assert!(err.contains("bad.toml:2:12: not valid UTF-8"), "{err}");
}

#[test]
fn a_recursion_limit_names_its_line() {
    let deep = vec!["a"; 300].join(".");
    let got = errors(&format!("{PLAN}[scenario]\n{deep} = 1\n"));
    assert!(
        got.starts_with(
            "error: bad.toml:5:1: invalid TOML: recursion limit (keys or values nested too deeply)\n  |\n5 | a.a.a."
        ),
        "{got}"
    );
    assert!(got.ends_with(&format!("  | {}", "^".repeat(deep.len()))), "{got}");
    let got = errors(&format!("{PLAN}[{deep}]\nb = 1\n"));
    assert!(got.starts_with("error: bad.toml:4:1: invalid TOML: recursion limit"), "{got}");
}

#[test]
fn variants_need_a_name_a_set_and_distinct_names() {
    check(
        &format!(
            "{PLAN}[[variants]]\nset = [\"free.usage_limit=3\"]\n\n[[variants]]\nname = \"a\"\n\n[[variants]]\nname = \"b\"\nset = [\"free.usage_limit\"]\n\n[[variants]]\nname = \"c\"\nset = [\"free.usage_limit=3\"]\n\n[[variants]]\nname = \"c\"\nset = [\"free.usage_limit=4\"]\n"
        ),
        r#"
error: bad.toml:4:1: variants.0: a variant needs a `name`
  |
4 | [[variants]]
  | ^^^^^^^^^^^^
error: bad.toml:7:1: variants.1: variant `a` needs `set`, a list of overrides (e.g. set = ["trial.start=signup"])
  |
7 | [[variants]]
  | ^^^^^^^^^^^^
error: bad.toml:12:7: variants.2: variant `b`: `free.usage_limit` is not KEY=VALUE (e.g. trial.start=signup)
   |
12 | set = ["free.usage_limit"]
   |       ^^^^^^^^^^^^^^^^^^^^
error: bad.toml:19:8: variants.4: two variants are named `c`
   |
19 | name = "c"
   |        ^^^"#,
    );
}

#[test]
fn a_joint_sample_needs_rows_of_one_length_and_no_correlations() {
    check(
        &format!(
            "{PLAN}[paid]\nchurn_per_month = {{ dist = \"sample\", values = [0.01, 0.02, 0.03] }}\n[free]\nchurn_per_month = {{ dist = \"sample\", values = [0.1, 0.2] }}\n"
        ),
        r#"
error: bad.toml:7:19: free.churn_per_month: 2 sampled values, but `paid.churn_per_month` has 3: the parameters given as `dist = "sample"` are the columns of one joint sample (a run takes the same row of each), so each needs 3 values
  |
7 | churn_per_month = { dist = "sample", values = [0.1, 0.2] }
  |                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"#,
    );
    let text = format!(
        "{PLAN}[paid]\nchurn_per_month = {{ dist = \"sample\", values = [0.01, 0.02] }}\n[free]\nchurn_per_month = [0.05, 0.1]\n[[correlations]]\na = \"paid.churn_per_month\"\nb = \"free.churn_per_month\"\nrank = 0.5\n"
    );
    assert!(errors(&text).contains("`paid.churn_per_month` is given as a joint sample"), "{}", errors(&text));
    check(
        &format!("{PLAN}[paid]\nchurn_per_month = {{ dist = \"sample\", values = [0.01, 1.2] }}\n"),
        r#"
error: bad.toml:5:19: paid.churn_per_month: expected a probability between 0 and 1, got a sampled value of 1.2
  |
5 | churn_per_month = { dist = "sample", values = [0.01, 1.2] }
  |                   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"#,
    );
}

#[test]
fn an_unknown_engine_is_named_with_its_line() {
    check(
        &format!("[scenario]\nengine = \"fast\"\n{PLAN}"),
        r#"
error: bad.toml:2:10: scenario.engine: expected "auto", "accounts" or "counts", got "fast"
  |
2 | engine = "fast"
  |          ^^^^^^"#,
    );
}

#[test]
fn the_count_engine_refuses_a_mechanic_it_does_not_simulate_at_the_engine_key() {
    check(
        &format!("[scenario]\nengine = \"counts\"\n[pql]\nmin_usage = 2\n{PLAN}"),
        r#"
error: bad.toml:2:10: scenario.engine: the count engine does not simulate PQL signals by usage (pql.min_usage) (use "auto" or "accounts")
  |
2 | engine = "counts"
  |          ^^^^^^^^"#,
    );
}
