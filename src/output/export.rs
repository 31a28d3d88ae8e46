//! `summary.json`, `monthly.csv` and `runs.csv`.

use serde_json::{Map, Value, json};

use crate::engine::Simulation;
use crate::metrics::Horizon;
use crate::scenario::Scenario;
use crate::stats::{PERCENTILES, Stat};
use crate::summary::Summary;

fn num(x: Option<f64>) -> Value {
    match x {
        Some(x) if x.is_finite() => json!(x),
        _ => Value::Null,
    }
}

fn stat_json(s: &Stat) -> Value {
    let mut m = Map::new();
    m.insert("mean".into(), num(s.mean));
    for (q, p) in PERCENTILES.iter().zip(s.p) {
        m.insert(format!("p{q}"), num(p));
    }
    m.insert("defined_runs".into(), json!(s.defined_runs));
    Value::Object(m)
}

/// `summary.json`: the run's identity and every horizon metric's mean and
/// percentiles (null where undefined in every run).
pub fn summary_json(summary: &Summary) -> Vec<u8> {
    let mut metrics = Map::new();
    for (h, s) in &summary.horizon {
        metrics.insert(h.name().to_string(), stat_json(s));
    }
    let mut params = Map::new();
    for (spec, s) in &summary.uncertain {
        let mut v = stat_json(s);
        v.as_object_mut().expect("object").insert("distribution".into(), json!(spec.dist.describe()));
        params.insert(spec.key.clone(), v);
    }
    let doc = json!({
        "scenario": summary.scenario,
        "seed": summary.seed,
        "runs": summary.runs,
        "months": summary.months,
        "time_step": summary.time_step,
        "plgsim_version": env!("CARGO_PKG_VERSION"),
        "percentile_method": "linear interpolation (Hyndman-Fan 7; numpy/pandas default, Excel PERCENTILE.INC); runs where a figure is undefined are left out (see defined_runs)",
        "metrics": metrics,
        "uncertain_parameters": params,
        "warnings": summary.warnings,
    });
    let mut out = serde_json::to_vec_pretty(&doc).expect("JSON of plain values");
    out.push(b'\n');
    out
}

fn cell(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

/// `monthly.csv`: long format, one row per month (1-based) and metric.
pub fn monthly_csv(summary: &Summary) -> Vec<u8> {
    let mut w = crate::output::CsvFile::new();
    let mut header = vec!["month".to_string(), "metric".into(), "mean".into()];
    header.extend(PERCENTILES.iter().map(|q| format!("p{q}")));
    w.row(&header);
    for (month, row) in summary.monthly.iter().enumerate() {
        for (name, s) in summary.monthly_names.iter().zip(row) {
            let mut rec = vec![(month + 1).to_string(), name.clone(), cell(s.mean)];
            rec.extend(s.p.iter().map(|p| cell(*p)));
            w.row(&rec);
        }
    }
    w.into_bytes()
}

/// `runs.csv`: one row per run: the sampled value of every uncertain
/// parameter (column = its key path) and every horizon metric.
pub fn runs_csv(scenario: &Scenario, sim: &Simulation) -> Vec<u8> {
    let mut w = crate::output::CsvFile::new();
    let uncertain: Vec<_> = scenario.uncertain_params().collect();
    let mut header = vec!["run".to_string()];
    header.extend(uncertain.iter().map(|(_, p)| p.key.clone()));
    header.extend(Horizon::ALL.iter().map(|h| h.name().to_string()));
    w.row(&header);
    for r in &sim.runs {
        let mut rec = vec![r.output.run.to_string()];
        rec.extend(uncertain.iter().map(|(id, _)| cell(Some(r.params[id.0]))));
        rec.extend(r.output.horizon.iter().map(|x| cell(*x)));
        w.row(&rec);
    }
    w.into_bytes()
}
