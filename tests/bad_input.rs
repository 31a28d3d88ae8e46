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
            "error: bad.toml:3:1: scenario.mnths: unknown field `mnths`, expected one of `name`, `description`, `months`, `runs`, `seed`, `time_step`",
            "error: bad.toml:5:19: paid.churn_per_month: expected a probability between 0 and 1, got 1.3",
            "error: bad.toml:6:2: foo: unknown field `foo`, expected one of `scenario`, `market`, `initial`, `acquisition`, `activation`, `usage`, `free`, `limit_hit`, `invites`, `plans`, `paid`, `costs`, `teams`, `exposure`, `referral`, `trial`, `pql`, `sales`, `pricing`, `sweep`, `correlations`",
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
        &[ovr("paid.churn_per_month=2"), ovr("free.nope=1"), ovr("acquisition.channels.x.y=1")],
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        r#"error: --set paid.churn_per_month=2: paid.churn_per_month: expected a probability between 0 and 1, got 2
  |
1 | 2
  | ^
error: --set free.nope=1: free.nope: unknown field `nope`, expected one of `usage_limit`, `seat_limit`, `conversion_per_month`, `eventual_conversion`, `churn_per_month`, `reactivation_per_month`
  |
1 | 1
  | ^
error: --set acquisition.channels.x.y=1: the scenario has no `acquisition.channels`, so it has no element `x` to set"#
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
