//! The report in a real browser: headless Chromium opens `report.html` from
//! disk, with networking features off, and takes a screenshot, which must
//! show the page (not a blank or error page) with its charts drawn.
//!
//! Chromium is expected at `/usr/bin/chromium` (Debian's `chromium`
//! package). The test runs whenever it is there. Without it the test is
//! required under CI (`CI=true`, where `.ci/run` installs it) and fails;
//! elsewhere it says on the terminal that it was skipped and how to run it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use plgsim::output::write_folder;
use plgsim::render;
use plgsim::summary::Summary;
use plgsim::{Scenario, simulate};

use super::{SCENARIO, decode_png, dominant_share};

const CHROMIUM: &str = "/usr/bin/chromium";
// Tall enough for the first charts that draw in solid chart blue (the
// funnel), wherever the key figures above them end.
const WINDOW: (u32, u32) = (1280, 3200);
const TIME_LIMIT: Duration = Duration::from_secs(120);

#[test]
fn the_report_renders_in_chromium() {
    if !Path::new(CHROMIUM).exists() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "{CHROMIUM} is missing and CI is set: the report must be checked in a real browser \
             (.ci/run installs Debian's chromium)"
        );
        // Straight to the terminal: the test harness hides what a passing
        // test prints.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\nSKIPPED render::browser::the_report_renders_in_chromium: {CHROMIUM} is missing. \
             Install it (sudo apt-get install -y chromium) to check the report in a real browser; \
             under CI=true this test is required.\n"
        );
        return;
    }
    let scenario = Scenario::from_str("t.toml", SCENARIO, &[]).unwrap();
    let sim = simulate(&scenario, &|| {});
    let summary = Summary::new(&scenario, &sim);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    write_folder(&out, &render::render(&scenario, &summary, &sim)).unwrap();
    let report = out.join("report.html");
    let shot = dir.path().join("shot.png");

    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            // Wait until the page has settled (layout and paint of the inline
            // SVGs) before the screenshot, however busy the machine is.
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=10000",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--window-size={},{}", WINDOW.0, WINDOW.1))
        .arg(format!("file://{}", report.display()))
        .env("HOME", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took more than {TIME_LIMIT:?} to screenshot the report");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = child.wait_with_output().unwrap();
    assert!(
        status.success() && shot.is_file(),
        "chromium failed ({status}):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let (w, h, pixels) = decode_png(&std::fs::read(&shot).unwrap());
    assert_eq!((w, h), WINDOW, "screenshot size");
    let blank = dominant_share(&pixels);
    assert!(blank < 0.95, "the page looks blank ({:.1}% one colour)", 100.0 * blank);
    // Dark pixels: the headings, key figures and labels were drawn.
    let dark = pixels.iter().filter(|p| p.iter().all(|c| *c < 90)).count();
    assert!(dark > 10_000, "little text on the page ({dark} dark pixels)");
    // The charts' Okabe-Ito blue (0, 114, 178): the inline SVGs were drawn.
    let blue = pixels.iter().filter(|p| p[0] < 40 && (95..135).contains(&p[1]) && (160..200).contains(&p[2])).count();
    assert!(blue > 20_000, "no chart on the page ({blue} chart-blue pixels)");
}
