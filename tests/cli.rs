//! The command line: exit codes, determinism across thread counts, and
//! output folders that are written whole or not at all.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

fn plgsim() -> Command {
    Command::cargo_bin("plgsim").expect("the binary is built")
}

const TINY: &str = r#"
[scenario]
name = "Tiny"
months = 6
runs = 40
seed = 7
[market]
size = 20000
[acquisition.organic]
signups_per_month = 300
growth_per_month = 0.05
[[acquisition.channels]]
name = "ads"
spend_per_month = 2000
cost_per_signup = 10
max_signups_per_month = 300
[activation]
probability = 0.6
time_to_value_median_months = 0.3
time_to_value_sigma = 1.0
[usage]
median_per_month = 1.0
sigma = 0.7
[free]
usage_limit = 3
conversion_per_month = [0.002, 0.01]
churn_per_month = 0.08
[limit_hit]
convert = 0.3
churn = 0.2
blocked_conversion_per_month = 0.05
[invites]
per_active_seat_per_month = 0.4
acceptance = 0.3
cycle_months = 0.5
[[plans]]
name = "pro"
price_per_month = { dist = "triangular", min = 10, mode = 12, max = 15 }
[paid]
churn_per_month = 0.04
[costs]
serve_free_seat_per_month = 0.1
serve_paid_seat_per_month = 0.5
"#;

fn write_tiny(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("tiny.toml");
    fs::write(&path, TINY).unwrap();
    path
}

const FILES: [&str; 6] = ["summary.json", "monthly.csv", "monthly_wide.csv", "runs.csv", "results.xlsx", "paths.csv"];

#[test]
fn same_seed_gives_identical_files_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_tiny(dir.path());
    let mut outs = Vec::new();
    for threads in ["1", "2", "5"] {
        let out = dir.path().join(format!("out{threads}"));
        plgsim()
            .args(["run", scenario.to_str().unwrap(), "--quiet", "--threads", threads, "--paths", "mrr,paid_accounts"])
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        outs.push(out);
    }
    for f in FILES {
        let first = fs::read(outs[0].join(f)).unwrap();
        for o in &outs[1..] {
            assert!(first == fs::read(o.join(f)).unwrap(), "{f} differs between thread counts");
        }
    }
}

/// Pins the numbers of a tiny scenario: any change to the engine's draws or
/// formulas shows up here and must be deliberate.
#[test]
fn value_stability() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_tiny(dir.path());
    let out = dir.path().join("out");
    plgsim()
        .args(["run", scenario.to_str().unwrap(), "--quiet", "--threads", "2", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary = fs::read_to_string(out.join("summary.json")).unwrap();
    let summary = summary.replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("tiny_summary_json", summary);
    let monthly = fs::read_to_string(out.join("monthly.csv")).unwrap();
    let month6: String =
        monthly.lines().filter(|l| l.starts_with("month") || l.starts_with("6,")).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!("tiny_monthly_csv_month_6", month6);
}

#[test]
fn a_bad_scenario_exits_2_and_keeps_earlier_results() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_tiny(dir.path());
    let out = dir.path().join("out");
    plgsim().args(["run", scenario.to_str().unwrap(), "--quiet", "--out"]).arg(&out).assert().success();
    let before = fs::read(out.join("summary.json")).unwrap();

    let bad = dir.path().join("bad.toml");
    fs::write(&bad, TINY.replace("churn_per_month = 0.04", "churn_per_month = 1.3")).unwrap();
    let assert = plgsim().args(["run", bad.to_str().unwrap(), "--quiet", "--out"]).arg(&out).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("paid.churn_per_month: expected a probability between 0 and 1, got 1.3"), "{stderr}");
    assert!(stderr.contains(":40:19:"), "the line and column are named: {stderr}");
    assert_eq!(fs::read(out.join("summary.json")).unwrap(), before);
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_tiny(dir.path());
    let assert = plgsim().args(["run", scenario.to_str().unwrap(), "--runs", "0"]).assert().code(2);
    // The error names the flag as given, not the override it becomes.
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.starts_with("error: --runs 0: scenario.runs: expected an integer"), "{stderr}");
    assert!(stderr.contains("| --runs 0\n") && !stderr.contains("--set"), "{stderr}");
    plgsim().args(["run", scenario.to_str().unwrap(), "--set", "nonsense"]).assert().code(2);
    plgsim().args(["run", scenario.to_str().unwrap(), "--threads", "0"]).assert().code(2);
    plgsim().args(["run", "does/not/exist.toml"]).assert().code(2);
    plgsim().args(["frobnicate"]).assert().code(2);
}

#[test]
fn overrides_change_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_tiny(dir.path());
    let out = dir.path().join("out");
    plgsim()
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--quiet",
            "--runs",
            "3",
            "--months",
            "4",
            "--set",
            "plans.pro.price_per_month=20",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let summary: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["runs"], 3);
    assert_eq!(summary["months"], 4);
    assert_eq!(summary["metrics"]["arpa"]["p50"], 20.0);
    let runs_csv = fs::read_to_string(out.join("runs.csv")).unwrap();
    assert_eq!(runs_csv.lines().count(), 4);
    // The price is fixed now: only the uncertain conversion remains a column.
    assert!(runs_csv.starts_with("run,free.conversion_per_month,mrr_final,"), "{runs_csv}");
}

#[test]
fn stdout_has_a_summary_table_and_stderr_no_progress_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_tiny(dir.path());
    let out = dir.path().join("out");
    let assert = plgsim().args(["run", scenario.to_str().unwrap(), "--out"]).arg(&out).assert().success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("mrr_final") && stdout.contains("P50"), "{stdout}");
    assert!(assert.get_output().stderr.is_empty(), "stderr is not a terminal: no progress bar");
}

#[test]
fn validate_and_new() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.toml");
    plgsim().args(["new", file.to_str().unwrap()]).assert().success();
    plgsim().args(["validate", file.to_str().unwrap()]).assert().success();
    // `new` does not overwrite.
    plgsim().args(["new", file.to_str().unwrap()]).assert().code(2);
}

/// `plgsim sweep` without --param uses the scenario's [sweep] section, and
/// writes its CSV, JSON, charts and report.
#[test]
fn sweep_uses_the_declared_grid() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/trackly.toml");
    plgsim().args(["sweep", scenario, "--runs", "3", "--quiet", "--out"]).arg(&out).assert().success();
    let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert!(csv.starts_with("point,free.usage_limit,metric,"), "{csv}");
    // 12 limits x 4 metrics, plus the header.
    assert_eq!(csv.lines().count(), 1 + 12 * 4);
    assert!(out.join("report.html").is_file() && out.join("charts/sweep_revenue_total.png").is_file());
    plgsim().args(["sweep", scenario, "--param", "nonsense", "--runs", "2"]).assert().code(2);
}

#[test]
fn compare_without_scenarios_is_refused_not_a_panic() {
    let assert = plgsim().args(["compare"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("required") && !stderr.contains("panicked"), "{stderr}");
    // One file without variants is not a comparison; nothing is written.
    let dir = tempfile::tempdir().unwrap();
    let tiny = write_tiny(dir.path());
    let out = dir.path().join("o");
    let assert = plgsim().arg("compare").arg(&tiny).arg("--out").arg(&out).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("compare needs two or more scenarios") && !stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists());
    // The library answers an empty comparison with an empty one.
    let cmp = plgsim::whatif::compare::run(&[], &[plgsim::metrics::Horizon::MrrFinal], &|| {});
    assert!(cmp.variants.is_empty());
}

#[test]
fn an_empty_sweep_axis_exits_2_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    fs::write(&file, format!("{TINY}[sweep]\nparams = [{{ key = \"free.usage_limit\", values = [] }}]\n")).unwrap();
    plgsim().args(["validate", file.to_str().unwrap()]).assert().code(2);
    let assert = plgsim()
        .args(["sweep", file.to_str().unwrap(), "--quiet"])
        .arg("--out")
        .arg(dir.path().join("o"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("no values") && !stderr.contains("panicked"), "{stderr}");
    assert!(!dir.path().join("o").exists());
}

/// Scenario names and file names are text a spreadsheet must not run:
/// every CSV neutralises cells that would be formulas, and numbers
/// (negative ones too) stay numbers.
#[test]
fn csv_cells_cannot_be_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let evil = TINY.replace("name = \"Tiny\"", "name = \"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\"");
    let a = dir.path().join("-x.toml");
    let b = dir.path().join("@b.toml");
    fs::write(&a, &evil).unwrap();
    fs::write(&b, TINY.replace("name = \"Tiny\"", "name = \"+1+1\"")).unwrap();
    let out = dir.path().join("cmp");
    plgsim()
        .current_dir(dir.path())
        .args(["compare", "--runs", "3", "--no-charts", "--quiet", "--metric", "cash_flow_total", "--out"])
        .arg(&out)
        .args(["--", "-x.toml", "@b.toml"])
        .assert()
        .success();
    let csv = fs::read_to_string(out.join("compare.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert_eq!(rows[0][0], "'=HYPERLINK(\"http://x\",\"y\")");
    assert_eq!(rows[0][1], "'-x.toml");
    assert_eq!(rows[1][0], "'+1+1");
    assert_eq!(rows[1][1], "'@b.toml");
    // The figures are numbers (negative ones included), never prefixed:
    // every column after `metric` but the last two (`wins_when`, `best`).
    for row in &rows {
        for cell in &row[4..row.len() - 2] {
            assert!(cell.is_empty() || cell.parse::<f64>().is_ok(), "{cell:?} in {csv}");
        }
    }
    // The same rule in the other CSVs: a run's files.
    let run_out = dir.path().join("run");
    plgsim()
        .current_dir(dir.path())
        .args(["run", "--runs", "3", "--no-charts", "--quiet", "--out"])
        .arg(&run_out)
        .args(["--", "-x.toml"])
        .assert()
        .success();
    for f in ["monthly.csv", "runs.csv"] {
        let text = fs::read_to_string(run_out.join(f)).unwrap();
        for rec in csv::Reader::from_reader(text.as_bytes()).records() {
            for cell in rec.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '@']) && (!cell.starts_with('-') || cell.parse::<f64>().is_ok()),
                    "{cell:?} in {f}"
                );
            }
        }
    }
}

/// Every simulating command takes `--months`, and `compare` writes where its
/// help says (`output/<first scenario>-compare`).
#[test]
fn the_what_if_commands_take_months_and_compare_writes_where_its_help_says() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_tiny(dir.path());
    let s = scenario.to_str().unwrap();
    plgsim()
        .current_dir(dir.path())
        .args(["compare", s, s, "--runs", "3", "--months", "2", "--quiet", "--no-charts"])
        .assert()
        .success();
    let summary = fs::read_to_string(dir.path().join("output/tiny-compare/summary.json")).unwrap();
    assert!(summary.contains("\"months\": 2"), "{summary}");
    let out = dir.path().join("sweep");
    plgsim()
        .args(["sweep", s, "--param", "free.usage_limit=2,3", "--runs", "2", "--months", "3", "--quiet", "--no-charts"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    plgsim()
        .args(["sensitivity", s, "--runs", "4", "--months", "3", "--quiet", "--no-charts", "--out"])
        .arg(dir.path().join("sens"))
        .assert()
        .success();
}

#[test]
fn explain_writes_its_text_with_out_and_prints_nothing_with_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_tiny(dir.path());
    let out = dir.path().join("explained");
    let a = plgsim()
        .args(["explain", scenario.to_str().unwrap(), "--runs", "4", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(a.get_output().stdout.is_empty());
    let text = fs::read_to_string(out.join("explain.txt")).unwrap();
    let printed = plgsim().args(["explain", scenario.to_str().unwrap(), "--runs", "4"]).assert().success();
    assert_eq!(text.as_bytes(), &printed.get_output().stdout[..]);
}

/// Issue 10: grid values from a range print as the user would write them
/// (`0.07`, not `0.06999999999999999`) on the console, in `sweep.csv` and in
/// the report.
#[test]
fn swept_values_print_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_tiny(dir.path());
    let out = dir.path().join("sweep");
    let a = plgsim()
        .args(["sweep", scenario.to_str().unwrap(), "--param", "free.churn_per_month=0.05..0.1:6", "--runs", "2"])
        .args(["--metric", "mrr_final", "--out"])
        .arg(&out)
        .assert()
        .success();
    let console = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    let csv = fs::read_to_string(out.join("sweep.csv")).unwrap();
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    let column: Vec<String> =
        csv::Reader::from_reader(csv.as_bytes()).records().map(|r| r.unwrap()[1].to_string()).collect();
    assert_eq!(column, ["0.05", "0.06", "0.07", "0.08", "0.09", "0.1"], "{csv}");
    // The range computes 0.060000000000000005 and 0.08000000000000002.
    assert!(console.contains("free.churn_per_month = 0.06 "), "{console}");
    // P50 is labelled apart from the mean paired differences.
    assert!(console.contains("P50 and P10-P90 across runs; mean diff: the mean paired difference"), "{console}");
    let compared = |l: &&str| l.contains(" mean diff ") || l.contains("tie in every run") || l.ends_with("(baseline)");
    assert!(console.lines().filter(|l| l.contains(" P50 ") && compared(l)).count() == 6, "{console}");
    assert!(!console.contains("0.0600") && !report.contains("0.0600"), "{console}");
    assert!(report.contains("<td class=\"num\">0.06</td>"), "{report}");
    assert_tables_scroll(&report);
    // The reproduce line gives the grid exactly.
    assert!(report.contains("--param free.churn_per_month=0.05..0.1:6 "), "{report}");
}

/// Issue 10: two compared scenarios with the same name are told apart
/// (by their file) in every output, and the report's reproduce line keeps
/// `--runs`, `--seed` and `--months`.
#[test]
fn compare_tells_same_named_scenarios_apart_and_reproduces_its_settings() {
    let dir = tempfile::tempdir().unwrap();
    write_tiny(dir.path());
    let b = dir.path().join("dear.toml");
    fs::write(&b, TINY.replace("mode = 12", "mode = 13")).unwrap();
    let out = dir.path().join("cmp");
    let run = plgsim()
        .current_dir(dir.path())
        .args(["compare", "tiny.toml", "dear.toml", "--runs", "3", "--seed", "9", "--months", "4"])
        .args(["--metric", "mrr_final", "--out"])
        .arg(&out)
        .assert()
        .success();
    let console = String::from_utf8_lossy(&run.get_output().stdout).to_string();
    let csv = fs::read_to_string(out.join("compare.csv")).unwrap();
    let json = fs::read_to_string(out.join("summary.json")).unwrap();
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    assert_tables_scroll(&report);
    for (what, text) in [("console", &console), ("csv", &csv), ("json", &json), ("report", &report)] {
        assert!(text.contains("Tiny (tiny.toml)") && text.contains("Tiny (dear.toml)"), "{what}: {text}");
    }
    let svg = fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .map(|p| fs::read_to_string(p).unwrap())
        .collect::<String>();
    assert!(svg.contains("Tiny (dear.toml)"), "the charts' legends");
    assert!(
        report.contains("plgsim compare tiny.toml dear.toml --metric mrr_final --runs 3 --seed 9 --months 4"),
        "{report}"
    );
}

/// Issue 10: a table wider than a report's page (the sweep's at a 1280 px
/// window) scrolls sideways in its own box instead of being clipped.
fn assert_tables_scroll(html: &str) {
    assert!(html.contains(".wide { max-width: 100%; overflow-x: auto;"), "the style scrolls wide tables");
    assert!(html.matches("<table>").count() > 0);
    assert_eq!(html.matches("<table>").count(), html.matches("<div class=\"wide\"><table>").count());
    assert_eq!(html.matches("</table>").count(), html.matches("</table></div>").count());
}

#[test]
fn every_report_scrolls_its_wide_tables() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_tiny(dir.path());
    let out = dir.path().join("run");
    plgsim().args(["run", scenario.to_str().unwrap(), "--runs", "3", "--quiet", "--out"]).arg(&out).assert().success();
    assert_tables_scroll(&fs::read_to_string(out.join("report.html")).unwrap());
    let out = dir.path().join("sens");
    plgsim()
        .args(["sensitivity", scenario.to_str().unwrap(), "--runs", "4", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_tables_scroll(&fs::read_to_string(out.join("report.html")).unwrap());
}

/// `compare` takes variants of one scenario, from `--variant` or the file's
/// `[[variants]]`: their names are in every output, the report reproduces
/// them, and a bad one exits 2 naming it, with nothing written.
#[test]
fn compare_takes_variants_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("v.toml");
    let variants = "[[variants]]\nname = \"cheap\"\nset = [\"plans.pro.price_per_month=9\"]\n\n[[variants]]\n\
                    name = \"tight\"\nset = [\"free.usage_limit=2\", \"limit_hit.convert=0.4\"]\n";
    fs::write(&file, format!("{TINY}{variants}")).unwrap();
    plgsim().arg("validate").arg(&file).assert().success();
    let out = dir.path().join("o");
    let assert = plgsim().arg("compare").arg(&file).arg("--out").arg(&out).args(["--metric", "mrr_final"]).assert();
    let stdout = String::from_utf8_lossy(&assert.success().get_output().stdout).to_string();
    assert!(stdout.contains("tight: ") && stdout.contains("free.usage_limit=2, limit_hit.convert=0.4"), "{stdout}");
    let csv = fs::read_to_string(out.join("compare.csv")).unwrap();
    let names: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(names, ["Tiny", "cheap", "tight"]);
    assert!(csv.contains(",plans.pro.price_per_month=9,mrr_final,"), "{csv}");
    let json = fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(json.contains("\"set\": \"free.usage_limit=2, limit_hit.convert=0.4\""), "{json}");
    let html = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("--variant &quot;cheap=plans.pro.price_per_month=9&quot;"),
        "the report reproduces the variants"
    );

    // --variant replaces the file's variants.
    let out2 = dir.path().join("o2");
    plgsim()
        .arg("compare")
        .arg(&file)
        .args(["--variant", "dear=plans.pro.price_per_month=20", "--metric", "mrr_final", "--quiet", "--out"])
        .arg(&out2)
        .assert()
        .success();
    let csv = fs::read_to_string(out2.join("compare.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.contains("dear,") && !csv.contains("cheap,"));

    // Bad variants: exit 2, the variant named, nothing written.
    let out3 = dir.path().join("o3");
    for (variant, says) in [
        (
            "dear=plans.pro.price_per_month=-4",
            "the variant `dear` (plans.pro.price_per_month=-4) is not a valid scenario",
        ),
        ("plans.pro.price_per_month=4", "is not NAME=KEY=VALUE"),
        ("dear=plans.pro.price_per_month=4,oops", "variant `dear`: `oops` is not KEY=VALUE"),
    ] {
        let assert =
            plgsim().arg("compare").arg(&file).args(["--variant", variant, "--out"]).arg(&out3).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(says) && !stderr.contains("panicked"), "{variant}: {stderr}");
        assert!(!out3.exists());
    }
    let twice = ["--variant", "a=free.usage_limit=2", "--variant", "a=free.usage_limit=4"];
    let assert = plgsim().arg("compare").arg(&file).args(twice).arg("--out").arg(&out3).assert().code(2);
    assert!(String::from_utf8_lossy(&assert.get_output().stderr).contains("two variants are named `a`"));
    // A [[variants]] entry whose overrides are wrong fails `validate` too.
    let bad = dir.path().join("bad.toml");
    fs::write(&bad, format!("{TINY}[[variants]]\nname = \"x\"\nset = [\"free.usage_limit=-1\"]\n")).unwrap();
    let assert = plgsim().arg("validate").arg(&bad).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("the variant `x` (free.usage_limit=-1) is not a valid scenario"), "{stderr}");
}

#[test]
fn run_says_which_engine_ran_and_why_and_counts_files_do_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_tiny(dir.path());
    let out = dir.path().join("auto");
    let assert =
        plgsim().args(["run", scenario.to_str().unwrap(), "--no-charts", "--out"]).arg(&out).assert().success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("engine: accounts (auto: about"), "{stdout}");
    let mut outs = Vec::new();
    for threads in ["1", "3"] {
        let out = dir.path().join(format!("counts{threads}"));
        let assert = plgsim()
            .args(["run", scenario.to_str().unwrap(), "--no-charts", "--engine", "counts", "--threads", threads])
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
        assert!(stdout.contains("engine: counts (scenario.engine = \"counts\")"), "{stdout}");
        outs.push(out);
    }
    for f in ["summary.json", "monthly.csv", "runs.csv", "results.xlsx"] {
        assert!(fs::read(outs[0].join(f)).unwrap() == fs::read(outs[1].join(f)).unwrap(), "{f} differs");
    }
}

#[test]
fn the_count_engine_refuses_a_scenario_it_does_not_simulate_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pql.toml");
    fs::write(&path, format!("{TINY}[pql]\nmin_usage = 2\n")).unwrap();
    let out = dir.path().join("out");
    let assert = plgsim()
        .args(["run", path.to_str().unwrap(), "--quiet", "--engine", "counts", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("scenario.engine: the count engine does not simulate PQL signals by usage"), "{stderr}");
    assert!(!out.exists(), "nothing was written");
    plgsim().args(["run", path.to_str().unwrap(), "--quiet", "--engine", "auto", "--out"]).arg(&out).assert().success();
}
