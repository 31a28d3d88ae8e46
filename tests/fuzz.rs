//! A fuzz harness on stable Rust: arbitrary and mutated scenario text and
//! `--set` values through the loader, and what validates through the
//! engine. Nothing may panic, and every problem must name its key.
//!
//! The budget is fixed and short for CI (`PLGSIM_FUZZ_CASES`, default 200
//! cases a test); raise it to fuzz longer: `PLGSIM_FUZZ_CASES=20000 cargo
//! test --release fuzz`. A failure prints the shrunk input.

use plgsim::scenario::{Override, Scenario};
use proptest::prelude::*;

const SHIPPED: [&str; 9] = [
    include_str!("../scenarios/trackly.toml"),
    include_str!("../scenarios/teamboard.toml"),
    include_str!("../scenarios/bookly.toml"),
    include_str!("../scenarios/syncbox.toml"),
    include_str!("../scenarios/devtool.toml"),
    include_str!("../scenarios/finance_conversion.toml"),
    include_str!("../scenarios/board_plan.toml"),
    include_str!("../scenarios/viral_k090.toml"),
    include_str!("../scenarios/viral_k110.toml"),
];

/// Values that have broken parsers and engines before: extremes of every
/// type, wrong types, odd distributions.
const WEIRD: &[&str] = &[
    "0",
    "-0",
    "-1",
    "1",
    "0.5",
    "1e-320",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "nan",
    "inf",
    "-inf",
    "255",
    "256",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "18446744073709551616",
    "1e12",
    "[]",
    "[1]",
    "[1, 0]",
    "[0, 1e308]",
    "[-1e308, 1e308]",
    "\"x\"",
    "\"\"",
    "true",
    "{}",
    "{ dist = \"normal\", mean = 0, sd = -1 }",
    "{ dist = \"lognormal\", median = 1e300, sigma = 50 }",
    "{ dist = \"beta\", alpha = 1e-300, beta = 1e300 }",
    "{ dist = \"uniform\", min = 0, max = 1e308 }",
    "{ dist = \"triangular\", min = 1, mode = 0, max = 2 }",
    "{ dist = \"nope\" }",
    "1979-05-27",
    "[[1]]",
];

fn cases() -> u32 {
    std::env::var("PLGSIM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the n-th number literal with a weird value.
    Number(usize, usize),
    /// Delete the n-th line.
    DeleteLine(usize),
    /// Duplicate the n-th line.
    DuplicateLine(usize),
    /// Insert text at a character position.
    Insert(usize, String),
    /// Cut the text at a character position.
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), 0..WEIRD.len()).prop_map(|(n, w)| Mutation::Number(n, w)),
        1 => any::<usize>().prop_map(Mutation::DeleteLine),
        1 => any::<usize>().prop_map(Mutation::DuplicateLine),
        1 => (any::<usize>(), "(\\PC|\n|\t|\r|\u{0}|\u{1b}){0,12}").prop_map(|(p, s)| Mutation::Insert(p, s)),
        1 => (any::<usize>(), prop::sample::select(vec!["[", "]", "{", "}", "=", "\"", "'''", "[[", "#", "\n[x]\n", "\\"]))
            .prop_map(|(p, s)| Mutation::Insert(p, s.to_string())),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn char_boundary(text: &str, n: usize) -> usize {
    let chars = text.chars().count().max(1);
    text.char_indices().nth(n % chars).map_or(text.len(), |(i, _)| i)
}

fn apply(text: &str, m: &Mutation) -> String {
    match m {
        Mutation::Number(n, w) => {
            // Number literals after an `=` or inside brackets: digits with
            // signs, dots and exponents.
            let bytes = text.as_bytes();
            let mut spans = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                let starts = bytes[i].is_ascii_digit() && (i == 0 || b" =[,{".contains(&bytes[i - 1]));
                if starts {
                    let j = i + text[i..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || "._+-".contains(c)))
                        .unwrap_or(text.len() - i);
                    spans.push(i..j);
                    i = j;
                } else {
                    i += 1;
                }
            }
            if spans.is_empty() {
                return text.to_string();
            }
            let span = spans[n % spans.len()].clone();
            format!("{}{}{}", &text[..span.start], WEIRD[*w], &text[span.end..])
        }
        Mutation::DeleteLine(n) | Mutation::DuplicateLine(n) => {
            let lines: Vec<&str> = text.lines().collect();
            let k = n % lines.len().max(1);
            let mut out = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                if i != k || matches!(m, Mutation::DuplicateLine(_)) {
                    out.push(*l);
                }
                if i == k && matches!(m, Mutation::DuplicateLine(_)) {
                    out.push(*l);
                }
            }
            out.join("\n")
        }
        Mutation::Insert(p, s) => {
            let at = char_boundary(text, *p);
            format!("{}{s}{}", &text[..at], &text[at..])
        }
        Mutation::Truncate(p) => text[..char_boundary(text, *p)].to_string(),
    }
}

/// Every problem names a key (or the file) and says something.
fn check_error(e: &plgsim::ScenarioError) {
    assert!(!e.problems.is_empty(), "an error with no problem");
    for p in &e.problems {
        assert!(!p.message.trim().is_empty(), "a problem without a message: {p:?}");
    }
    // Rendering the error never panics either.
    let _ = e.to_string();
}

/// How many fuzzed scenarios were simulated (printed with --nocapture).
static SIMULATED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A validated scenario simulates without panicking when made small (one
/// run, a few months), and its figures are finite or undefined.
fn check_runs(text: &str, overrides: &[Override]) {
    let mut small = overrides.to_vec();
    small.push(Override { key: "scenario.runs".into(), value: "1".into(), origin: None });
    small.push(Override { key: "scenario.months".into(), value: "3".into(), origin: None });
    let Ok(s) = Scenario::from_str("fuzz.toml", text, &small) else { return };
    if !cheap(&s) {
        return;
    }
    SIMULATED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let sim = plgsim::simulate(&s, &|| {});
    let summary = plgsim::summary::Summary::new(&s, &sim);
    for (h, st) in &summary.horizon {
        assert!(st.mean.is_none_or(f64::is_finite), "{} is not finite", h.name());
    }
    let _ = plgsim::output::summary_json(&summary);
    let _ = plgsim::output::monthly_csv(&summary);
    let _ = plgsim::output::runs_csv(&s, &sim);
}

/// Small enough to simulate inside the fuzz budget: a few thousand accounts.
fn cheap(s: &Scenario) -> bool {
    s.uncertain_params().count() < 64
        && s.months() <= 3
        && s.runs() == 1
        && s.steps_per_month() <= 5
        && small_population(s)
}

fn small_population(s: &Scenario) -> bool {
    // Sizes, rates and money stay modest at their centre and the invitation
    // loop is far from explosive: a rough bound on the accounts a short run
    // makes.
    s.params().iter().all(|p| {
        let c = p.dist.center(p.domain).abs();
        let sized = ["signups", "accounts", "spend", "seats"].iter().any(|w| p.key.contains(w));
        let invites = p.key.starts_with("invites.per_") || p.key.contains("exposure");
        c.is_finite() && (!sized || c <= 1e4) && (!invites || c <= 3.0)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_scenario_text_never_panics(text in "(\\PC|\n|\t|\r|\u{0}){0,400}") {
        if let Err(e) = Scenario::from_str("fuzz.toml", &text, &[]) {
            check_error(&e);
        }
    }

    #[test]
    fn mutated_scenarios_never_panic_and_what_validates_runs(
        base in 0..SHIPPED.len(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut text = SHIPPED[base].to_string();
        for m in &mutations {
            text = apply(&text, m);
        }
        match Scenario::from_str("fuzz.toml", &text, &[]) {
            Err(e) => check_error(&e),
            Ok(_) => check_runs(&text, &[]),
        }
        println!("simulated so far: {}", SIMULATED.load(std::sync::atomic::Ordering::Relaxed));
    }

    #[test]
    fn arbitrary_set_values_never_panic(
        base in 0..SHIPPED.len(),
        sets in prop::collection::vec(
            (
                prop::sample::select(vec![
                    "scenario.months", "scenario.runs", "scenario.time_step", "scenario.name", "market.size",
                    "free.usage_limit", "free.seat_limit", "activation.window_months", "paid.churn_per_month",
                    "invites.per_active_seat_per_month", "invites.cycle_months", "plans.pro.price_per_month",
                    "plans.0.price_per_month", "plans.9.seat_limit", "acquisition.organic.growth_per_month",
                    "acquisition.channels.0.spend_per_month", "trial.length_months", "teams.seat_churn_per_month",
                    "nope", "scenario", "plans", "", ".", "a..b", "plans.-1.price_per_month",
                ]),
                prop_oneof![prop::sample::select(WEIRD.to_vec()).prop_map(str::to_string), "(\\PC|\n){0,20}"],
            ),
            1..4,
        ),
    ) {
        let overrides: Vec<Override> = sets
            .iter()
            .filter_map(|(k, v)| Override::parse(&format!("{k}={v}")).ok())
            .collect();
        match Scenario::from_str("fuzz.toml", SHIPPED[base], &overrides) {
            Err(e) => check_error(&e),
            Ok(_) => check_runs(SHIPPED[base], &overrides),
        }
    }
}
