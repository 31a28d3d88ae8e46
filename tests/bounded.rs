//! Bounded work and memory: a step's cost does not grow with invitations or
//! seats, enormous work and absurd thread counts are refused before anything
//! runs, and runs in flight fit in memory without changing any output byte.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use plgsim::engine::seat_growth_factor;
use plgsim::metrics::Monthly;

use crate::util::{assert_close, per_run, run};

fn plgsim() -> Command {
    let mut cmd = Command::cargo_bin("plgsim").expect("the binary is built");
    // A watchdog: none of these may take long, whatever the machine.
    cmd.timeout(Duration::from_secs(30));
    cmd
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

/// 1,000 invitations a seat a month, all accepted, all internal: seats run
/// to the record's ceiling and each account then sends 65 million
/// invitations a step (before aggregate draws: a loop iteration each).
const EXPLOSION: &str = r#"
[scenario]
name = "explosion"
months = 3
runs = 2
[initial]
free_accounts = 100
paid_accounts = 100
[activation]
probability = 1
[invites]
per_active_seat_per_month = 1000
acceptance = 1
[teams]
internal_share = 1
[[plans]]
name = "pro"
price_per_month = 10
per_seat = true
"#;

#[test]
fn an_invitation_explosion_finishes_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "explosion.toml", EXPLOSION);
    let started = std::time::Instant::now();
    let out = plgsim()
        .args(["run", scenario.to_str().unwrap(), "--quiet", "--no-charts", "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => assert!(stderr.contains("65535 seats"), "the seat ceiling is a warning: {stderr}"),
        Some(2) => assert!(stderr.contains("invites.per_active_seat_per_month"), "{stderr}"),
        code => panic!("exit {code:?}: {stderr}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[test]
fn seats_at_the_record_ceiling_are_never_silent() {
    let (s, sim) = run(EXPLOSION);
    let summary = plgsim::summary::Summary::new(&s, &sim);
    assert!(summary.warnings.iter().any(|w| w.contains("65535 seats")), "{:?}", summary.warnings);
    // Seats counted are seats that joined: never past the ceiling.
    let most = 200.0 * plgsim::engine::MAX_SEATS as f64;
    for seats in per_run(&sim, 2, Monthly::FreeSeats).iter().zip(per_run(&sim, 2, Monthly::PaidSeats)) {
        assert!(seats.0 + seats.1 <= most);
    }
}

/// External invitations at K far above 1 for two years, a thousand runs: it
/// is the invitations that make the work, and the key says so.
#[test]
fn enormous_work_is_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let text = EXPLOSION.replace("internal_share = 1", "internal_share = 0.5").replace("months = 3", "months = 24");
    let scenario = write(dir.path(), "enormous.toml", &text);
    let out_dir = dir.path().join("out");
    let assert =
        plgsim().args(["run", scenario.to_str().unwrap(), "--runs", "1000", "--out"]).arg(&out_dir).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains(": invites.per_active_seat_per_month: the simulation would take about"), "{stderr}");
    assert!(stderr.contains("account-steps") && stderr.contains("nothing was run"), "{stderr}");
    // With the line it was written on.
    assert!(
        stderr.contains("enormous.toml:12:29: invites.per_active_seat_per_month")
            && stderr.contains("| per_active_seat_per_month = 1000"),
        "{stderr}"
    );
    assert!(!out_dir.exists(), "nothing was written");
    // Every simulating command is refused the same way, and validate says so.
    for cmd in
        [vec!["validate"], vec!["explain"], vec!["sensitivity"], vec!["sweep", "--param", "invites.acceptance=0.5,1"]]
    {
        let mut c = plgsim();
        c.args(&cmd[..1]).arg(&scenario).args(&cmd[1..]).args(["--set", "scenario.runs=1000"]);
        let out = c.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {stderr}");
        assert!(stderr.contains("account-steps"), "{cmd:?}: {stderr}");
    }
}

/// Ordinary runs, too many of them: the runs are the key.
#[test]
fn too_many_runs_of_an_ordinary_scenario_name_the_runs() {
    let text = GROWING
        .replace("growth_per_month = 0.1", "growth_per_month = 0")
        .replace("churn_per_month = 0.05", "churn_per_month = 0")
        .replace("months = 12", "months = 120");
    let s = crate::util::scenario(&text.replace("runs = 6", "runs = 80000"));
    let problem = plgsim::engine::budget::check(&s).map(|_| ()).unwrap_err();
    assert_eq!(problem.key, "scenario.runs", "{problem:?}");
    assert!(plgsim::engine::budget::check(&crate::util::scenario(&text)).is_ok());
}

#[test]
fn too_many_threads_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "explosion.toml", EXPLOSION);
    let assert = plgsim().args(["run", scenario.to_str().unwrap(), "--threads", "100000"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("--threads 100000 is more than"), "{stderr}");
}

const GROWING: &str = r#"
[scenario]
name = "growing"
months = 12
runs = 6
seed = 5
[acquisition.organic]
signups_per_month = 2000
growth_per_month = 0.1
[activation]
probability = 0.5
[free]
churn_per_month = 0.05
[[plans]]
name = "pro"
price_per_month = 10
"#;

/// With memory for only one run at a time, runs are not run side by side,
/// it is said, and the results are the same bytes.
#[test]
fn runs_in_flight_fit_in_memory_without_changing_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "growing.toml", GROWING);
    let s = crate::util::scenario(GROWING);
    let e = plgsim::engine::budget::estimate(&s);
    let one_run = e.bytes(1) * 1.2;
    let mut outputs = Vec::new();
    for (name, memory) in [("roomy", 1e12), ("tight", one_run)] {
        let out = dir.path().join(name);
        let assert = plgsim()
            .env("PLGSIM_MEMORY_BYTES", memory.to_string())
            .args(["run", scenario.to_str().unwrap(), "--quiet", "--no-charts", "--threads", "4", "--out"])
            .arg(&out)
            .assert()
            .success();
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert_eq!(stderr.contains("running 1 run at a time (not 4)"), name == "tight", "{name}: {stderr}");
        outputs.push(fs::read(out.join("runs.csv")).unwrap());
    }
    assert_eq!(outputs[0], outputs[1]);

    // Less than one run needs: refused.
    let assert = plgsim()
        .env("PLGSIM_MEMORY_BYTES", (e.bytes(1) * 0.5).to_string())
        .args(["run", scenario.to_str().unwrap(), "--out"])
        .arg(dir.path().join("refused"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("one run may hold up to"), "{stderr}");
}

/// Enough initial accounts, one step a month, no churn: what every account
/// sends in the first month is known in closed form. `per_seat` invitations
/// a seat: above 32 they are drawn in aggregate, below one by one.
fn invitations(per_seat: f64, internal: f64) -> String {
    format!(
        r#"
        [scenario]
        months = 2
        runs = 200
        [initial]
        free_accounts = 300
        [market]
        size = 1000000
        [invites]
        per_active_seat_per_month = {per_seat}
        acceptance = 0.3
        cycle_months = 2
        [teams]
        internal_share = {internal}
        [[plans]]
        name = "pro"
        price_per_month = 10
        "#
    )
}

/// accepted ~ Binomial(sent, acceptance), internal ~ Binomial(accepted,
/// internal share) (seats), new ~ Binomial(external, new share) of which
/// half a step late (a cycle of 2 months: sent during month 1, on average
/// in its middle, so 1.5 steps to the arrival step).
#[test]
fn aggregate_invitation_draws_match_their_closed_forms() {
    let n = 300.0;
    let new_share = (1e6 - n) / 1e6;
    for per_seat in [8.0, 100.0] {
        let (_, sim) = run(&invitations(per_seat, 0.4));
        let what = |m: &str| format!("{m} at {per_seat} a seat");
        // Seats that join during the month invite too (docs/scenario.md).
        let sent = n * per_seat * seat_growth_factor(per_seat * 0.3 * 0.4);
        assert_close(&what("sent"), &per_run(&sim, 0, Monthly::InvitesSent), sent, 0.01);
        assert_close(&what("accepted"), &per_run(&sim, 0, Monthly::InvitesAccepted), sent * 0.3, 0.01);
        assert_close(&what("seats added"), &per_run(&sim, 0, Monthly::SeatsAdded), sent * 0.3 * 0.4, 0.01);
        let on_time = sent * 0.3 * 0.6 * new_share * 0.5;
        assert_close(&what("invite signups on time"), &per_run(&sim, 1, Monthly::SignupsInvite), on_time, 0.01);
    }
}

/// After a first month of internal invitations an account holds 1 +
/// Poisson(per_seat x acceptance) seats; in the second, each extra seat
/// leaves with the seat churn: removed ~ Binomial(extra, churn).
#[test]
fn aggregate_seat_churn_matches_its_closed_form() {
    for per_seat in [10.0, 300.0] {
        let text = invitations(per_seat, 1.0).replace("[teams]", "[teams]\nseat_churn_per_month = 0.2");
        let (_, sim) = run(&text);
        let g = per_seat * 0.3 - -libm::log1p(-0.2);
        let expected = 300.0 * per_seat * seat_growth_factor(g) * 0.3 * 0.2;
        assert_close(
            &format!("seats removed at {per_seat} a seat"),
            &per_run(&sim, 1, Monthly::SeatsRemoved),
            expected,
            0.02,
        );
    }
}

/// Each simulation of a sweep is ordinary; two thousand of them are not.
#[test]
fn a_sweep_whose_points_together_are_enormous_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "growing.toml", GROWING);
    let assert = plgsim()
        .args(["sweep", scenario.to_str().unwrap(), "--runs", "10000", "--no-charts"])
        .args(["--param", "free.churn_per_month=0.01..0.2:200", "--param", "activation.probability=0.1..1:10", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("2000 grid points of 10000 runs would take about"), "{stderr}");
}
