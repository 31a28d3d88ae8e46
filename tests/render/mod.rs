//! Charts and the HTML report: valid PNG and SVG files, a self-contained
//! report with escaped scenario text, `plgsim run` writing them (or not),
//! and the report opening in a real browser.

mod accounts;
mod browser;
mod whatif;

use std::collections::HashSet;
use std::io::Cursor;
use std::path::Path;
use std::process::Command;

use plgsim::output::OutputFile;
use plgsim::render::{self, canvas};
use plgsim::summary::Summary;
use plgsim::{Scenario, simulate};

/// A small scenario with a paid channel and two uncertain parameters.
pub const SCENARIO: &str = r#"
[scenario]
name = "Render test"
description = "A small scenario for the chart and report tests."
months = 9
runs = 30
seed = 11

[market]
size = 300_000

[acquisition.organic]
signups_per_month = 400
growth_per_month = 0.05

[[acquisition.channels]]
name = "ads"
spend_per_month = 3000
cost_per_signup = 9

[activation]
probability = 0.6

[usage]
unit = "projects"
median_per_month = 1.5
sigma = 0.6

[free]
usage_limit = 3
conversion_per_month = [0.002, 0.01]

[limit_hit]
convert = 0.3
churn = 0.2

[[plans]]
name = "pro"
price_per_month = 15

[paid]
churn_per_month = [0.02, 0.05]
"#;

/// The chart files `render` must produce, by stem.
const CHARTS: [&str; 8] = [
    "mrr_fan",
    "accounts_by_state",
    "funnel",
    "acquisition_mix",
    "mrr_movements",
    "cohort_conversion",
    "cohort_retention",
    "horizon_distributions",
];

fn render_text(text: &str) -> Vec<OutputFile> {
    let scenario = Scenario::from_str("t.toml", text, &[]).expect("valid scenario");
    let sim = simulate(&scenario, &|| {});
    let summary = Summary::new(&scenario, &sim);
    render::render(&scenario, &summary, &sim)
}

fn file<'a>(files: &'a [OutputFile], path: &str) -> &'a [u8] {
    &files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{path} was not rendered")).bytes
}

/// Decodes a PNG: width, height and the 8-bit RGB(A) pixels as colours.
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).expect("PNG pixels");
    let channels = match frame.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    let pixels = buf[..frame.buffer_size()].chunks(channels).map(|p| [p[0], p[1], p[2]]).collect();
    (frame.width, frame.height, pixels)
}

/// The share of pixels of the most common colour.
pub fn dominant_share(pixels: &[[u8; 3]]) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for p in pixels {
        *counts.entry(*p).or_insert(0usize) += 1;
    }
    *counts.values().max().unwrap_or(&0) as f64 / pixels.len().max(1) as f64
}

/// Checks that `svg` is well-formed XML as far as tags go (every element
/// closed in order, quotes balanced, no stray `<`), and returns the names of
/// the elements it opens.
fn check_xml(svg: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').map(|i| start + i).expect("a tag is closed with >");
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "stray < in tag {tag:?}");
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes in {tag:?}");
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name.trim(), "</{name}> closes <{open}>");
            continue;
        }
        let name: String = tag.chars().take_while(|c| !c.is_whitespace() && *c != '/').collect();
        names.push(name.clone());
        if !tag.ends_with('/') {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    names
}

/// Checks that `charts/<name>.png` and `.svg` are in `files`, a PNG and
/// an SVG of the chart size with something drawn on them.
fn assert_chart(files: &[OutputFile], name: &str) {
    let (w, h) = canvas::SIZE;
    let (pw, ph, pixels) = decode_png(file(files, &format!("charts/{name}.png")));
    assert_eq!((pw, ph), (w, h), "{name}.png size");
    // Drawn on: a white background with text, axes and data in colour.
    let distinct: HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(distinct.len() > 50, "{name}.png has {} colours", distinct.len());
    let blank = dominant_share(&pixels);
    assert!(blank < 0.97, "{name}.png is {:.1}% background", 100.0 * blank);

    let svg = std::str::from_utf8(file(files, &format!("charts/{name}.svg"))).unwrap();
    assert!(
        svg.starts_with(&format!(r#"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}""#)),
        "{name}.svg starts {:?}",
        &svg[..svg.len().min(120)]
    );
    assert!(svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#), "{name}.svg namespace");
    let elements = check_xml(svg);
    assert_eq!(elements[0], "svg");
    let texts = elements.iter().filter(|e| *e == "text").count();
    assert!(texts >= 10, "{name}.svg has {texts} text elements");
    assert!(elements.iter().any(|e| e == "rect" || e == "polygon" || e == "polyline"));
}

/// Checks that `charts/<name>.svg` shows every one of `labels`.
fn assert_labels(files: &[OutputFile], name: &str, labels: &[&str]) {
    let svg = std::str::from_utf8(file(files, &format!("charts/{name}.svg"))).unwrap();
    for label in labels {
        let escaped = label.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        assert!(svg.contains(&escaped), "{name}.svg lacks {label:?}");
    }
}

#[test]
fn every_chart_is_a_png_and_an_svg_of_the_chart_size() {
    let files = render_text(SCENARIO);
    for name in CHARTS {
        assert_chart(&files, name);
    }
    let pngs = files.iter().filter(|f| f.path.ends_with(".png")).count();
    let svgs = files.iter().filter(|f| f.path.ends_with(".svg")).count();
    assert_eq!((pngs, svgs), (CHARTS.len(), CHARTS.len()));
}

#[test]
fn charts_show_their_titles_and_axis_units() {
    let files = render_text(SCENARIO);
    let svg = |name: &str| String::from_utf8(file(&files, &format!("charts/{name}.svg")).to_vec()).unwrap();
    for (chart, labels) in [
        ("mrr_fan", &["MRR ($ per month)", "ARR ($ per year)", "Month", "$0"][..]),
        ("accounts_by_state", &["Accounts at month end", "Paid", "Active free"][..]),
        ("funnel", &["Signups", "Activated", "Became paying", "% of signups)"][..]),
        ("acquisition_mix", &["Organic", "Paid: ads", "Signups per month"][..]),
        ("mrr_movements", &["New", "Churn", "Net new MRR", "MRR change ($ per month)"][..]),
        ("cohort_conversion", &["Months since signup", "Signup month", "0%"][..]),
        ("cohort_retention", &["Months since signup", "100%"][..]),
        ("horizon_distributions", &["ARR at month 9", "LTV:CAC", "CAC payback", "Runs"][..]),
    ] {
        let svg = svg(chart);
        for label in labels {
            let escaped = label.replace('&', "&amp;");
            assert!(svg.contains(&escaped), "{chart}.svg lacks {label:?}");
        }
    }
}

#[test]
fn the_report_is_self_contained_and_complete() {
    let files = render_text(SCENARIO);
    let html = std::str::from_utf8(file(&files, "report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for forbidden in ["http://", "https://", "src=", "<script", "<link", "url(", "@import", "<img"] {
        assert!(!html.contains(forbidden), "report.html contains {forbidden:?}");
    }
    for section in [
        "<h1>Render test</h1>",
        "A small scenario for the chart and report tests.",
        "id=\"key-figures\"",
        "id=\"charts\"",
        "id=\"unit-economics\"",
        "id=\"parameters\"",
        "id=\"reproducibility\"",
        "CAC, blended",
        "CAC, paid channels",
        "LTV:CAC",
        "CAC payback",
        "ARPA",
        "Gross margin",
        "Logo churn",
        "Net revenue retention",
        "P10",
        "P90",
        "<code>free.conversion_per_month</code>",
        "90% in [0.002, 0.01]",
        "Seed <strong>11</strong>",
        "<strong>30</strong> runs",
    ] {
        assert!(html.contains(section), "report.html lacks {section:?}");
    }
    for name in CHARTS {
        assert!(html.contains(&format!("<figure id=\"{name}\">")), "no figure {name}");
    }
    assert_eq!(html.matches("<svg viewBox=").count(), CHARTS.len());
    let body = html.split_once("<body>").unwrap().1;
    check_xml(body.split_once("</body>").unwrap().0);
}

#[test]
fn scenario_text_is_escaped_in_the_report() {
    let text = SCENARIO.replace(r#"name = "Render test""#, r#"name = "<script>alert(1)</script>""#).replace(
        "A small scenario for the chart and report tests.",
        "Fish & \\\"chips\\\" <img src=x onerror=alert(2)>",
    );
    let files = render_text(&text);
    let html = std::str::from_utf8(file(&files, "report.html")).unwrap();
    assert!(!html.contains("<script"), "unescaped script tag");
    assert!(!html.contains("<img"), "unescaped img tag");
    assert!(html.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"));
    assert!(html.contains("Fish &amp; &quot;chips&quot; &lt;img src=x onerror=alert(2)&gt;"));
}

fn plgsim(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_plgsim")).args(args).current_dir(dir).output().expect("plgsim runs")
}

#[test]
fn run_writes_charts_and_report_unless_no_charts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.toml"), SCENARIO).unwrap();
    let out = plgsim(&["run", "t.toml", "--runs", "12", "--out", "with", "-q"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let with = dir.path().join("with");
    for name in CHARTS {
        for ext in ["png", "svg"] {
            assert!(with.join(format!("charts/{name}.{ext}")).is_file(), "{name}.{ext}");
        }
    }
    let html = std::fs::read_to_string(with.join("report.html")).unwrap();
    assert!(html.contains("<strong>12</strong> runs"));
    assert!(with.join("summary.json").is_file());

    let out = plgsim(&["run", "t.toml", "--runs", "12", "--out", "without", "-q", "--no-charts"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let without = dir.path().join("without");
    assert!(without.join("summary.json").is_file());
    assert!(!without.join("charts").exists());
    assert!(!without.join("report.html").exists());
}
