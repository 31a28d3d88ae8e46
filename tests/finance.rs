//! Finance outputs: the cash balance and runway, month 0 and dates, the
//! wide monthly table, per-run paths and the Excel workbook (read back with
//! calamine and compared with `summary.json`, `monthly_wide.csv` and
//! `runs.csv`).

use std::fs;
use std::io::Read;
use std::path::Path;

use assert_cmd::Command;
use calamine::{Data, Reader, Xlsx};

use plgsim::metrics::{Horizon, Monthly, Unit, monthly_unit};
use plgsim::output::rounded;
use plgsim::summary::Summary;

use crate::util::run;

fn plgsim() -> Command {
    Command::cargo_bin("plgsim").expect("the binary is built")
}

/// A business that burns cash, with uncertain inputs (a starting cash among
/// them), a channel and a start in November, so its dates cross a year end.
const BURNER: &str = r#"
[scenario]
name = "Burner"
months = 14
runs = 30
seed = 5
start = "2027-11"
[finance]
starting_cash = [300000, 900000]
[initial]
free_accounts = 400
paid_accounts = 40
[acquisition.organic]
signups_per_month = [100, 300]
[[acquisition.channels]]
name = "ads"
spend_per_month = 3000
cost_per_signup = 15
[free]
conversion_per_month = [0.01, 0.03]
[[plans]]
name = "pro"
price_per_month = 19
[paid]
churn_per_month = 0.03
[costs]
fixed_per_month = 60000
serve_free_seat_per_month = 0.3
"#;

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

/// Runs `plgsim run` on `text` into `dir/out`, with `extra` arguments.
fn run_cli(dir: &Path, text: &str, extra: &[&str]) -> std::path::PathBuf {
    let scenario = write(dir, "s.toml", text);
    let out = dir.join("out");
    plgsim()
        .args(["run", scenario.to_str().unwrap(), "--quiet", "--no-charts", "--out"])
        .arg(&out)
        .args(extra)
        .assert()
        .success();
    out
}

#[test]
fn the_cash_balance_reconciles_with_the_cash_flows_exactly() {
    let (s, sim) = run(BURNER);
    let cash_id = s.param_by_key("finance.starting_cash").expect("a parameter");
    let (flow, balance) = (Monthly::CashFlow as usize, Monthly::CashBalance as usize);
    let mut ran_out = 0;
    for r in sim.runs() {
        let start = r.params()[cash_id.0];
        assert_eq!(r.opening_row()[balance], start, "month 0 holds the starting cash");
        assert_eq!(r.opening_row()[flow], 0.0);
        let mut b = start;
        let mut low = start;
        let mut first_below = None;
        for m in 0..sim.months() as usize {
            b += r.month_row(m)[flow];
            assert_eq!(r.month_row(m)[balance], b, "run {} month {}", r.index(), m + 1);
            low = low.min(b);
            if b < 0.0 && first_below.is_none() {
                first_below = Some(m + 1);
            }
        }
        assert_eq!(r.horizon(Horizon::CashBalanceMin), Some(low));
        let runway = r.horizon(Horizon::RunwayMonths);
        assert_eq!(runway.is_some(), first_below.is_some(), "run {}", r.index());
        if let (Some(x), Some(m)) = (runway, first_below) {
            assert!(x >= (m - 1) as f64 && x < m as f64, "runway {x} within month {m}");
            ran_out += 1;
        }
    }
    assert!(ran_out > 0 && ran_out < sim.runs().len(), "the test has runs on both sides: {ran_out}");
    let summary = Summary::new(&s, &sim);
    assert_eq!(summary.out_of_cash_probability, Some(ran_out as f64 / sim.runs().len() as f64));
}

/// No income and a fixed cost B a month: the runway from a cash C is C / B.
#[test]
fn runway_on_a_constant_burn_is_cash_over_burn() {
    let text = "[scenario]\nmonths = 24\nruns = 40\n[finance]\nstarting_cash = [100000, 3000000]\n\
                [costs]\nfixed_per_month = 100000\n[[plans]]\nname = \"pro\"\nprice_per_month = 10\n";
    let (s, sim) = run(text);
    let cash_id = s.param_by_key("finance.starting_cash").unwrap();
    let (mut out, mut never) = (0, 0);
    for r in sim.runs() {
        let c = r.params()[cash_id.0];
        match r.horizon(Horizon::RunwayMonths) {
            Some(x) => {
                out += 1;
                assert!((x - c / 100_000.0).abs() < 1e-9, "runway {x} for cash {c}");
            }
            None => {
                never += 1;
                assert!(c >= 24.0 * 100_000.0, "cash {c} lasts the 24 months");
            }
        }
        let low = r.horizon(Horizon::CashBalanceMin).unwrap();
        assert!((low - (c - 24.0 * 100_000.0)).abs() < 1e-6, "lowest balance {low} for cash {c}");
    }
    assert!(out > 0 && never > 0, "{out} ran out, {never} did not");
    // The exact case of the docs: $1.05M at $100k a month, at weekly steps too.
    for step in ["month", "week"] {
        let text = format!(
            "[scenario]\nmonths = 24\nruns = 2\ntime_step = \"{step}\"\n[finance]\nstarting_cash = 1050000\n\
             [costs]\nfixed_per_month = 100000\n[[plans]]\nname = \"pro\"\nprice_per_month = 10\n"
        );
        let (_, sim) = run(&text);
        for r in sim.runs() {
            let x = r.horizon(Horizon::RunwayMonths).unwrap();
            assert!((x - 10.5).abs() < 1e-9, "{step}: {x}");
        }
    }
    // Without a starting cash there is no runway, and the balance is the
    // cumulative cash flow.
    let (_, sim) = run(
        "[scenario]\nmonths = 3\nruns = 2\n[costs]\nfixed_per_month = 10\n[[plans]]\nname = \"p\"\nprice_per_month = 1\n",
    );
    for r in sim.runs() {
        assert_eq!(r.horizon(Horizon::RunwayMonths), None);
        assert_eq!(r.horizon(Horizon::CashBalanceMin), Some(-30.0));
        assert_eq!(r.opening_row()[Monthly::CashBalance as usize], 0.0);
    }
}

#[test]
fn month_zero_is_the_initial_state() {
    let (s, sim) = run(BURNER);
    for r in sim.runs() {
        let o = r.opening_row();
        let at = |m: Monthly| o[m as usize];
        assert_eq!(at(Monthly::PaidAccounts), 40.0);
        assert_eq!(at(Monthly::Mrr), 40.0 * 19.0);
        assert_eq!(at(Monthly::Arr), 12.0 * 40.0 * 19.0);
        assert_eq!(at(Monthly::Arpa), 19.0);
        assert_eq!(at(Monthly::PaidSeats), 40.0);
        let free: f64 = [Monthly::SignedUp, Monthly::ActiveFree, Monthly::Blocked, Monthly::Trial, Monthly::Dormant]
            .iter()
            .map(|&m| at(m))
            .sum();
        assert_eq!(free, 400.0, "every initial free account is in a free state");
        for m in Monthly::ALL {
            if m.kind() == plgsim::metrics::Kind::Flow {
                assert_eq!(at(*m), 0.0, "{} is a flow: 0 before the first step", m.name());
            }
        }
        assert!(o[Monthly::COUNT..].iter().all(|&x| x == 0.0), "channel signups");
    }
    // Month 1 follows from month 0: the MRR movements reconcile across it.
    let r = &sim.runs()[0];
    let mrr0 = r.opening_row()[Monthly::Mrr as usize];
    let mrr1 = r.monthly(0, Monthly::Mrr);
    assert!((mrr1 - mrr0 - r.monthly(0, Monthly::NetNewMrr)).abs() < 1e-6);
    let summary = Summary::new(&s, &sim);
    assert_eq!(summary.month(0)[Monthly::PaidAccounts as usize].p50(), Some(40.0));
}

/// The rows of a CSV file, header first.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_path(path).unwrap();
    r.records().map(|rec| rec.unwrap().iter().map(String::from).collect()).collect()
}

#[test]
fn dates_run_across_year_ends_in_every_monthly_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_cli(dir.path(), BURNER, &["--paths", "mrr"]);
    let expected = [
        "2027-10", "2027-11", "2027-12", "2028-01", "2028-02", "2028-03", "2028-04", "2028-05", "2028-06", "2028-07",
        "2028-08", "2028-09", "2028-10", "2028-11", "2028-12",
    ];
    let wide = csv_rows(&out.join("monthly_wide.csv"));
    assert_eq!(wide[0][..2], ["month", "date"]);
    let dates: Vec<&str> = wide[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(dates, expected);
    assert!(wide[1..].iter().enumerate().all(|(m, r)| r[0] == m.to_string()));
    let long = csv_rows(&out.join("monthly.csv"));
    assert_eq!(long[0][..3], ["month", "date", "metric"]);
    for r in &long[1..] {
        assert_eq!(r[1], expected[r[0].parse::<usize>().unwrap()]);
    }
    let paths = csv_rows(&out.join("paths.csv"));
    assert_eq!(paths[0], ["run", "month", "date", "metric", "value"]);
    for r in &paths[1..] {
        assert_eq!(r[2], expected[r[1].parse::<usize>().unwrap()]);
    }
    let json: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["start"], "2027-11");
    // Without a start there is no date column.
    let dir = tempfile::tempdir().unwrap();
    let out = run_cli(dir.path(), &BURNER.replace("start = \"2027-11\"\n", ""), &[]);
    assert_eq!(csv_rows(&out.join("monthly_wide.csv"))[0][..2], ["month", "signups_total_p10"]);
    assert_eq!(csv_rows(&out.join("monthly.csv"))[0][..2], ["month", "metric"]);
}

#[test]
fn a_bad_start_or_starting_cash_is_exit_2_naming_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (bad, expected) in [
        (
            "start = \"2027-13\"",
            "s.toml:7:9: scenario.start: expected a month as \"YYYY-MM\" (e.g. \"2027-01\"), got \"2027-13\"",
        ),
        (
            "start = \"Jan 2027\"",
            "scenario.start: expected a month as \"YYYY-MM\" (e.g. \"2027-01\"), got \"Jan 2027\"",
        ),
        (
            "start = \"9999-06\"",
            "scenario.start: expected a month from 1900-02 on whose 14 months end by 9999-12, got \"9999-06\"",
        ),
    ] {
        let scenario = write(dir.path(), "s.toml", &BURNER.replace("start = \"2027-11\"", bad));
        let a = plgsim().args(["run", scenario.to_str().unwrap(), "--quiet"]).assert().code(2);
        let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
        assert!(stderr.contains(expected), "{bad}: {stderr}");
    }
    let scenario =
        write(dir.path(), "s.toml", &BURNER.replace("starting_cash = [300000, 900000]", "starting_cash = -5"));
    let a = plgsim().args(["validate", scenario.to_str().unwrap()]).assert().code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(stderr.contains("s.toml:9:17: finance.starting_cash: expected a number of 0 or more, got -5"), "{stderr}");
    let scenario = write(dir.path(), "s.toml", &BURNER.replace("[finance]", "[finance]\nrunway = 3"));
    let a = plgsim().args(["validate", scenario.to_str().unwrap()]).assert().code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(stderr.contains("finance"), "an unknown key in [finance]: {stderr}");
}

#[test]
fn csv_numbers_are_rounded_to_the_stated_precision() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_cli(dir.path(), BURNER, &[]);
    let long = csv_rows(&out.join("monthly.csv"));
    let mut checked = 0;
    for r in &long[1..] {
        let unit = monthly_unit(&r[2]);
        for cell in &r[3..] {
            match unit {
                Unit::Money => assert!(cell.split('.').nth(1).is_some_and(|d| d.len() == 2), "{} {cell}", r[2]),
                _ => {
                    let digits = cell.trim_start_matches('-').replace('.', "");
                    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
                    assert!(significant <= 6 || !cell.contains('.'), "{} {cell}", r[2]);
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 1000);
    // summary.json keeps full precision: its values round to the CSV's.
    let json: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let runs = csv_rows(&out.join("runs.csv"));
    let col = runs[0].iter().position(|c| c == "revenue_total").unwrap();
    let values: Vec<f64> = runs[1..].iter().map(|r| r[col].parse().unwrap()).collect();
    let mean = json["metrics"]["revenue_total"]["mean"].as_f64().unwrap();
    let csv_mean = values.iter().sum::<f64>() / values.len() as f64;
    assert!((mean - csv_mean).abs() <= 0.005, "{mean} vs {csv_mean}");
}

/// The Excel serial number of the first day of `YYYY-MM` (days since
/// 1899-12-30).
fn excel_serial(ym: &str) -> f64 {
    let (y, m): (i64, i64) = (ym[..4].parse().unwrap(), ym[5..].parse().unwrap());
    // Days from civil (Howard Hinnant's algorithm).
    let days = |y: i64, m: i64, d: i64| {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe
    };
    (days(y, m, 1) - days(1899, 12, 30)) as f64
}

fn number(d: &Data) -> Option<f64> {
    match d {
        Data::Float(x) => Some(*x),
        Data::Int(x) => Some(*x as f64),
        Data::DateTime(x) => Some(x.as_f64()),
        Data::Empty => None,
        other => panic!("not a number: {other:?}"),
    }
}

fn string(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not text: {other:?}"),
    }
}

/// The CSV cell as the workbook holds it: empty, a number, or a date.
fn csv_value(cell: &str, is_date: bool) -> Option<f64> {
    if cell.is_empty() {
        None
    } else if is_date {
        Some(excel_serial(cell))
    } else {
        Some(cell.parse().unwrap())
    }
}

#[test]
fn the_workbook_holds_the_figures_of_the_csv_and_json_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_cli(dir.path(), BURNER, &[]);
    let bytes = fs::read(out.join("results.xlsx")).unwrap();
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    assert_eq!(wb.sheet_names(), ["Summary", "Monthly", "Runs", "Inputs", "Definitions", "Chart data"]);

    // Monthly = monthly_wide.csv: the metric over its three columns, then P10, P50, P90.
    let wide = csv_rows(&out.join("monthly_wide.csv"));
    let monthly = wb.worksheet_range("Monthly").unwrap();
    assert_eq!(monthly.height(), wide.len() + 1, "two header rows");
    assert_eq!(monthly.width(), wide[0].len());
    assert_eq!(string(&monthly[(0, 0)]), "Month");
    assert_eq!(string(&monthly[(0, 1)]), "Date");
    for (c, name) in wide[0].iter().enumerate().skip(2) {
        let (metric, q) = name.rsplit_once("_p").unwrap();
        if (c - 2) % 3 == 0 {
            assert_eq!(string(&monthly[(0, c)]), metric, "the group label");
        }
        assert_eq!(string(&monthly[(1, c)]), format!("P{q}"));
    }
    for (i, row) in wide[1..].iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            assert_eq!(number(&monthly[(i + 2, c)]), csv_value(cell, c == 1), "Monthly row {} {}", i + 2, wide[0][c]);
        }
    }

    // Runs = runs.csv.
    let runs_csv = csv_rows(&out.join("runs.csv"));
    let runs = wb.worksheet_range("Runs").unwrap();
    assert_eq!((runs.height(), runs.width()), (runs_csv.len(), runs_csv[0].len()));
    for (c, h) in runs_csv[0].iter().enumerate() {
        assert_eq!(&string(&runs[(0, c)]), h);
    }
    for (i, row) in runs_csv.iter().enumerate().skip(1) {
        for (c, cell) in row.iter().enumerate() {
            assert_eq!(number(&runs[(i, c)]), csv_value(cell, false), "Runs row {i} {}", runs_csv[0][c]);
        }
    }

    // Summary: each horizon figure's P10, P50, P90 and mean, as summary.json
    // gives them, rounded as in the CSV files; the cash position.
    let json: serde_json::Value = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let summary = wb.worksheet_range("Summary").unwrap();
    let header = (0..summary.height()).find(|&r| string(&summary[(r, 0)]) == "Figure").expect("the header row");
    for (i, h) in Horizon::ALL.iter().enumerate() {
        let row = header + 1 + i;
        assert_eq!(string(&summary[(row, 1)]), h.name());
        for (c, key) in [(2, "p10"), (3, "p50"), (4, "p90"), (5, "mean")] {
            let expected = json["metrics"][h.name()][key].as_f64().map(|x| rounded(x, h.unit()));
            assert_eq!(number(&summary[(row, c)]), expected, "{} {key}", h.name());
        }
        assert_eq!(number(&summary[(row, 6)]), json["metrics"][h.name()]["defined_runs"].as_f64());
    }
    let p_row = (0..header).find(|&r| string(&summary[(r, 0)]).starts_with("Probability of running out")).unwrap();
    assert_eq!(number(&summary[(p_row, 2)]), json["probability_out_of_cash"].as_f64().map(|x| rounded(x, Unit::Share)));

    // Inputs: every parameter, with where it came from.
    let (s, _) = run(BURNER);
    let inputs = wb.worksheet_range("Inputs").unwrap();
    assert_eq!(inputs.height(), 1 + s.params().len());
    let row_of = |key: &str| (1..inputs.height()).find(|&r| string(&inputs[(r, 0)]) == key).unwrap();
    let r = row_of("finance.starting_cash");
    assert_eq!(string(&inputs[(r, 1)]), "90% in [300000, 900000]");
    assert_eq!(string(&inputs[(r, 2)]), "yes");
    assert!(string(&inputs[(r, 6)]).ends_with("s.toml, line 9"), "{}", string(&inputs[(r, 6)]));
    assert!(string(&inputs[(row_of("paid.churn_per_month"), 6)]).ends_with("s.toml, line 25"));
    assert_eq!(string(&inputs[(row_of("costs.payment_fee_rate"), 6)]), "default");

    // Definitions: every metric, with its formula from docs/metrics.md.
    let defs = wb.worksheet_range("Definitions").unwrap();
    let names: Vec<String> = (1..defs.height()).map(|r| string(&defs[(r, 0)])).collect();
    for m in Monthly::ALL {
        assert!(names.iter().any(|n| n == m.name()), "{} is defined", m.name());
    }
    for h in Horizon::ALL {
        assert!(names.iter().any(|n| n == h.name()), "{} is defined", h.name());
    }
    let r = 1 + names.iter().position(|n| n == "cash_balance").unwrap();
    assert!(string(&defs[(r, 3)]).starts_with("the previous month's cash_balance + cash_flow"));

    // The chart of MRR and its band is in the file.
    let has = |name: &str| bytes.windows(name.len()).any(|w| w == name.as_bytes());
    assert!(has("xl/charts/chart1.xml"), "a native chart of MRR");
    assert!(has("xl/charts/chart2.xml"), "and of the cash balance, with a starting cash");
    assert!(has("xl/drawings/drawing1.xml"));
}

/// The workbook's bytes do not depend on when it is written: its creation
/// time is fixed.
#[test]
fn the_workbook_is_the_same_bytes_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "s.toml", BURNER);
    let mut files = Vec::new();
    for (i, threads) in ["1", "3"].iter().enumerate() {
        if i > 0 {
            std::thread::sleep(std::time::Duration::from_millis(1100));
        }
        let out = dir.path().join(format!("out{i}"));
        plgsim()
            .args(["run", scenario.to_str().unwrap(), "--quiet", "--no-charts", "--threads", threads, "--out"])
            .arg(&out)
            .assert()
            .success();
        files.push(fs::read(out.join("results.xlsx")).unwrap());
    }
    assert!(files[0] == files[1], "results.xlsx differs between two runs");
    let core = "docProps/core.xml";
    assert!(files[0].windows(core.len()).any(|w| w == core.as_bytes()));
}

#[test]
fn paths_are_each_runs_monthly_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_cli(dir.path(), BURNER, &["--paths", "mrr,cash_balance,signups_channel_ads,mrr"]);
    let paths = csv_rows(&out.join("paths.csv"));
    assert_eq!(paths.len(), 1 + 30 * 15 * 3, "runs x months 0-14 x metrics (each once)");
    let wide = csv_rows(&out.join("monthly_wide.csv"));
    let col = wide[0].iter().position(|c| c == "mrr_p50").unwrap();
    for month in 0..=14usize {
        let mut mrr: Vec<f64> = paths[1..]
            .iter()
            .filter(|r| r[1] == month.to_string() && r[3] == "mrr")
            .map(|r| r[4].parse().unwrap())
            .collect();
        assert_eq!(mrr.len(), 30);
        mrr.sort_by(f64::total_cmp);
        // 30 runs: the median is the mean of the 15th and 16th values.
        let p50 = (mrr[14] + mrr[15]) / 2.0;
        let csv: f64 = wide[1 + month][col].parse().unwrap();
        assert!((p50 - csv).abs() <= 0.005 + 1e-9, "month {month}: {p50} vs {csv}");
    }
    // A metric that does not exist is refused before anything runs.
    let scenario = write(dir.path(), "s.toml", BURNER);
    let a = plgsim().args(["run", scenario.to_str().unwrap(), "--quiet", "--paths", "mrr,nope"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(stderr.contains("--paths: unknown monthly metric `nope`, expected one of signups_total"), "{stderr}");
    assert!(!dir.path().join("output").exists());
    // So is a table too large to build.
    let big = write(
        dir.path(),
        "big.toml",
        "[scenario]\nmonths = 100\nruns = 100000\n[[plans]]\nname = \"p\"\nprice_per_month = 1\n",
    );
    let a =
        plgsim().args(["run", big.to_str().unwrap(), "--quiet", "--paths", "mrr,arr,cash_balance"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        stderr.contains("--paths: 100000 runs x 101 months x 3 metrics is 30300000 rows, more than the 20000000"),
        "{stderr}"
    );
}

/// Large paths are compressed, deterministically, and decompress to the
/// same table.
#[test]
fn large_paths_are_gzip_compressed() {
    let (s, sim) = run(&BURNER.replace("runs = 30", "runs = 400"));
    let all: Vec<usize> = (0..sim.monthly_names().len()).collect();
    let f = plgsim::output::paths_file(&sim, s.start(), &all);
    assert_eq!(f.path, "paths.csv.gz");
    assert_eq!(f.bytes, plgsim::output::paths_file(&sim, s.start(), &all).bytes, "deterministic");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&f.bytes[..]).read_to_string(&mut text).unwrap();
    assert!(text.len() > plgsim::output::PATHS_GZIP_BYTES);
    assert!(text.starts_with("run,month,date,metric,value\n0,0,2027-10,signups_total,0\n"));
    assert_eq!(text.lines().count(), 1 + 400 * 15 * all.len());
    let small = plgsim::output::paths_file(&sim, s.start(), &all[..1]);
    assert_eq!(small.path, "paths.csv");
}

/// The what-if commands' workbooks hold their CSV tables, the same numbers.
#[test]
fn what_if_workbooks_hold_their_csv_tables() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "s.toml", BURNER);
    let s = scenario.to_str().unwrap();
    let runs: [&str; 4] = ["--runs", "8", "--quiet", "--no-charts"];
    let cases: [(&str, Vec<&str>, &str, &str); 3] = [
        ("sweep", vec!["sweep", s, "--param", "free.conversion_per_month=0.01,0.02"], "sweep.csv", "Sweep"),
        ("compare", vec!["compare", s, s], "compare.csv", "Compare"),
        ("sensitivity", vec!["sensitivity", s], "sensitivity.csv", "Sensitivity"),
    ];
    for (name, args, csv, sheet) in cases {
        let out = dir.path().join(name);
        plgsim().args(&args).args(runs).arg("--out").arg(&out).assert().success();
        let rows = csv_rows(&out.join(csv));
        let mut wb: Xlsx<_> = calamine::open_workbook(out.join("results.xlsx")).unwrap();
        assert_eq!(wb.sheet_names(), [sheet]);
        let range = wb.worksheet_range(sheet).unwrap();
        assert_eq!(range.height(), rows.len() + 2, "{name}: a title, a blank row, then the table");
        for (i, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let got = &range[(i + 2, c)];
                match cell.parse::<f64>() {
                    Ok(x) if i > 0 => assert_eq!(number(got), Some(x), "{name} row {i} {}", rows[0][c]),
                    _ => assert_eq!(&string(got), cell, "{name} row {i} col {c}"),
                }
            }
        }
        let again = dir.path().join(format!("{name}-again"));
        plgsim().args(&args).args(runs).arg("--out").arg(&again).assert().success();
        assert!(fs::read(out.join("results.xlsx")).unwrap() == fs::read(again.join("results.xlsx")).unwrap());
    }
}
