//! What plgsim must never do to a user: destroy files it did not write,
//! leave a folder half-replaced when killed, panic on a closed terminal, or
//! let a scenario's text drive the terminal. Each test is named after what
//! it prevents.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command as Std, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// A watchdog for commands that must end quickly (refused before any
/// simulation, or tiny): not a timing assertion, a guard against a hang.
const WATCHDOG: Duration = Duration::from_secs(120);

fn plgsim() -> Command {
    let mut c = Command::cargo_bin("plgsim").expect("the binary is built");
    c.timeout(WATCHDOG);
    c
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("plgsim")
}

const SMALL: &str = r#"
[scenario]
name = "Small"
months = 6
runs = 20
seed = 11
[acquisition.organic]
signups_per_month = 200
[activation]
probability = 0.6
[free]
usage_limit = 3
churn_per_month = 0.08
[[plans]]
name = "pro"
price_per_month = [10, 14]
[paid]
churn_per_month = 0.04
"#;

/// Work that would take many minutes if it were simulated (16,000 runs x
/// 600 months): a refusal that came after simulating would trip the
/// watchdog.
const HUGE: [&str; 4] = ["--runs=16000", "--set", "scenario.months=600", "--quiet"];

fn scenario(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<_> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// Every file under `dir`, relative path and bytes, sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push((p.strip_prefix(root).unwrap().display().to_string(), fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

#[test]
fn out_never_deletes_user_files_in_a_folder_the_current_folder_its_parent_or_a_file() {
    let root = tempfile::tempdir().unwrap();
    let s = scenario(root.path(), "s.toml", SMALL);
    let home = root.path().join("home");
    let work = home.join("work");
    fs::create_dir_all(&work).unwrap();
    fs::write(home.join("taxes.xlsx"), b"precious").unwrap();
    fs::write(work.join("thesis.tex"), b"years of work").unwrap();
    let before_home = tree(&home);

    let cases = [
        ("run", ".", "is the current folder or contains it"),
        ("run", "..", "is the current folder or contains it"),
        ("run", "thesis.tex", "is not a folder"),
        ("run", "../work", "is the current folder or contains it"),
        ("run", &*home.display().to_string(), "is the current folder or contains it"),
        ("run", "../../home", "is the current folder or contains it"),
        ("sweep", ".", "is the current folder or contains it"),
        ("sensitivity", "..", "is the current folder or contains it"),
    ];
    // A folder of the user's that is not an ancestor.
    let other = root.path().join("documents");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("letter.odt"), b"mine").unwrap();
    let other_path = other.display().to_string();
    let cases = cases.into_iter().chain([("run", &*other_path, "is not empty and was not written by plgsim")]);
    for (command, out, why) in cases {
        let mut c = plgsim();
        c.current_dir(&work).arg(command).arg(&s).args(HUGE).args(["--out", out]);
        if command == "sweep" {
            c.args(["--param", "free.usage_limit=1,2"]);
        }
        let a = c.assert().code(2);
        let err = stderr_of(&a);
        assert!(err.contains(&format!("{out} {why}")), "{command} --out {out}: {err}");
        assert_eq!(tree(&home), before_home, "{command} --out {out} changed the user's files");
        assert_eq!(listing(&other), ["letter.odt"]);
    }
    // compare, through a symbolic link to the user's folder.
    #[cfg(unix)]
    {
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&home, &link).unwrap();
        let a = plgsim().arg("compare").args([&s, &s]).args(HUGE).arg("--out").arg(&link).assert().code(2);
        assert!(stderr_of(&a).contains("was not written by plgsim"), "{}", stderr_of(&a));
        assert_eq!(tree(&home), before_home);
    }
    // `/` is refused too (and nothing could be written there anyway).
    let a = plgsim().arg("run").arg(&s).args(HUGE).args(["--out", "/"]).assert().code(2);
    assert!(stderr_of(&a).contains("names no folder"), "{}", stderr_of(&a));
}

#[test]
fn rerunning_into_its_own_folder_replaces_it_whole() {
    let root = tempfile::tempdir().unwrap();
    let s = scenario(root.path(), "s.toml", SMALL);
    let out = root.path().join("results");
    plgsim().arg("run").arg(&s).args(["--quiet", "--out"]).arg(&out).assert().success();
    assert!(out.join(plgsim::output::MARKER).is_file() && out.join("report.html").is_file());
    plgsim().arg("run").arg(&s).args(["--quiet", "--no-charts", "--out"]).arg(&out).assert().success();
    assert_eq!(
        listing(&out),
        [".plgsim", "monthly.csv", "monthly_wide.csv", "results.xlsx", "runs.csv", "summary.json"]
    );
    assert_eq!(listing(root.path()), ["results", "s.toml"]);
}

/// SIGKILL at moments spread over a whole run, writing included: the
/// previous results stay complete under their own name every time, and the
/// next run leaves nothing else behind.
#[cfg(unix)]
#[test]
fn repeated_sigkills_while_writing_leave_the_previous_results_and_no_debris() {
    let root = tempfile::tempdir().unwrap();
    let s = scenario(root.path(), "s.toml", SMALL);
    let parent = root.path().join("res");
    let out = parent.join("out");
    let started = Instant::now();
    plgsim().arg("run").arg(&s).args(["--quiet", "--out"]).arg(&out).assert().success();
    let full = started.elapsed();
    let reference = tree(&out);
    assert!(reference.len() > 10, "a run with charts writes many files");

    let kills = 24;
    let mut debris = 0;
    for i in 0..kills {
        let mut child = Std::new(bin())
            .arg("run")
            .arg(&s)
            .args(["--quiet", "--out"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // From the start to a little past a whole run's time.
        std::thread::sleep(full.mul_f64(1.2 * i as f64 / kills as f64));
        child.kill().unwrap();
        child.wait().unwrap();
        // The same scenario and seed: whichever run's files are there, they
        // are the reference bytes, complete.
        assert!(tree(&out) == reference, "after kill {i}, {} is not the previous results", out.display());
        for name in listing(&parent) {
            assert!(name == "out" || name.starts_with(".out.plgsim-tmp-"), "after kill {i}: unexpected {name}");
            debris += usize::from(name != "out");
        }
    }
    // Some kills landed while the files were written (they left a
    // temporary folder); the rest before or after.
    eprintln!("after {debris} of {kills} kills a temporary folder was there");
    plgsim().arg("run").arg(&s).args(["--quiet", "--out"]).arg(&out).assert().success();
    assert_eq!(listing(&parent), ["out"], "the next run cleaned up the debris");
    assert!(tree(&out) == reference);
}

#[cfg(unix)]
#[test]
fn a_closed_stdout_does_not_panic() {
    let root = tempfile::tempdir().unwrap();
    let s = scenario(root.path(), "s.toml", SMALL);
    for args in [vec!["run", "--no-charts", "--out", "o"], vec!["validate"], vec!["explain", "--runs", "2"]] {
        let mut child = Std::new(bin())
            .arg(args[0])
            .arg(&s)
            .args(&args[1..])
            .current_dir(root.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before reading anything, as `| head -0` does.
        drop(child.stdout.take());
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let status = child.wait().unwrap();
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(status.code(), Some(0), "{args:?}: a reader that stopped is not a failure: {err}");
    }
    assert!(root.path().join("o/summary.json").is_file(), "results are written before the table is printed");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_an_error_not_a_panic() {
    let root = tempfile::tempdir().unwrap();
    let s = scenario(root.path(), "s.toml", SMALL);
    let full = fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let output = Std::new(bin()).arg("validate").arg(&s).stdout(full).output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write to stdout") && !err.contains("panicked"), "{err}");
}

#[cfg(unix)]
#[test]
fn an_endless_scenario_file_is_refused_not_read_into_memory() {
    let a = plgsim().args(["run", "/dev/zero"]).assert().code(2);
    assert!(stderr_of(&a).contains("larger than 4 MiB"), "{}", stderr_of(&a));
    let a = plgsim().args(["validate", "/dev/zero"]).assert().code(2);
    assert!(stderr_of(&a).contains("larger than 4 MiB"), "{}", stderr_of(&a));
}

#[test]
fn control_characters_in_a_name_do_not_reach_the_terminal() {
    let root = tempfile::tempdir().unwrap();
    let evil = SMALL.replace(r#"name = "Small""#, r#"name = "x\u001b[2J\u001b[Hall checks passed\r""#);
    let s = scenario(root.path(), "s.toml", &evil);
    for args in [vec!["validate"], vec!["run", "--no-charts", "--out", "o"], vec!["explain", "--runs", "2"]] {
        let a = plgsim().current_dir(root.path()).arg(args[0]).arg(&s).args(&args[1..]).assert().success();
        let out = &a.get_output().stdout;
        assert!(!out.contains(&0x1b) && !out.contains(&b'\r'), "{args:?}: {}", String::from_utf8_lossy(out));
        assert!(String::from_utf8_lossy(out).contains("x\\u{1b}[2J"), "{args:?}: the name is shown escaped");
    }
}

#[cfg(unix)]
#[test]
fn new_does_not_write_through_a_dangling_link() {
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("elsewhere.toml");
    let link = root.path().join("mine.toml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    plgsim().arg("new").arg(&link).assert().code(2);
    assert!(!target.exists());
}
