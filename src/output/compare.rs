//! `plgsim compare`'s files: `compare.csv` and `summary.json`.

use serde::Serialize;

use super::csv_file::{Cell, DIFFERENCE_SPREAD, Table, difference_cells, stat_cells};
use super::number::{DifferenceDoc, Keyed, StatDoc, json_bytes};
use crate::whatif::compare::Comparison;

/// `compare.csv`: one row per scenario and metric: mean and P10/P50/P90
/// across runs, and the paired difference against the first scenario with
/// its 95% interval, the P10/P50/P90 of the per-run difference and the
/// probability that the scenario is better than the first (`p_better`, ties
/// counted as half, with its 95% Wilson interval), `wins_when` (the
/// uncertain input that separates the runs it wins from those it loses, when
/// one does) and `best` (`true`, `tie` or `false`, as in `sweep.csv`); empty
/// when the seeds differ. `set` is what a variant changes (empty for a file).
pub fn compare_csv(cmp: &Comparison) -> Vec<u8> {
    compare_table(cmp).csv()
}

/// The table of `compare.csv` (and of the comparison's workbook).
pub(crate) fn compare_table(cmp: &Comparison) -> Table {
    let mut header =
        ["scenario", "file", "set", "metric", "mean", "p10", "p50", "p90", "diff_vs_first", "diff_low", "diff_high"]
            .map(String::from)
            .to_vec();
    header.extend(DIFFERENCE_SPREAD.map(String::from));
    header.extend(["wins_when", "best"].map(String::from));
    let mut rows = Vec::new();
    for (i, v) in cmp.variants.iter().enumerate() {
        for (m, metric) in cmp.metrics.iter().enumerate() {
            let mut row = vec![
                Cell::Text(v.label.clone()),
                Cell::Text(v.file.clone()),
                Cell::Text(v.set.clone().unwrap_or_default()),
                Cell::Text(metric.name().to_string()),
            ];
            row.extend(stat_cells(&v.stats[m], metric.unit()));
            row.extend(difference_cells(v.vs_first[m], *metric));
            row.push(Cell::Text(v.separator[m].as_ref().map_or_else(String::new, super::sweep::wins_when)));
            row.push(Cell::Text(super::sweep::best_cell(cmp.best_mark(m, i)).to_string()));
            rows.push(row);
        }
    }
    Table { header, rows }
}

/// `summary.json`.
#[derive(Serialize)]
struct CompareDoc {
    plgsim_version: &'static str,
    paired: bool,
    pairing: &'static str,
    scenarios: Vec<VariantDoc>,
    /// By metric name: the scenario with the best mean and those tied with
    /// it (null unless paired, or when no mean is defined).
    best: Keyed<Option<BestDoc>>,
}

#[derive(Serialize)]
struct BestDoc {
    scenario: String,
    higher_is_better: bool,
    /// The other scenarios tied with it: the same mean, or a paired
    /// difference whose 95% interval holds zero.
    tied_with: Vec<String>,
}

#[derive(Serialize)]
struct VariantDoc {
    scenario: String,
    file: String,
    /// For a variant of a file: what it sets (`trial.start=signup, ...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    set: Option<String>,
    seed: u64,
    runs: u32,
    months: u32,
    /// By metric name.
    metrics: Keyed<VariantMetricDoc>,
}

#[derive(Serialize)]
struct VariantMetricDoc {
    #[serde(flatten)]
    stat: StatDoc,
    diff_vs_first: Option<DifferenceDoc>,
    /// The uncertain input that separates the runs this scenario wins from
    /// those it loses against the first, if one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    separated_by: Option<super::sweep::SeparatorDoc>,
}

/// `summary.json`: each scenario's identity and figures, and whether the
/// differences are paired.
pub fn compare_json(cmp: &Comparison) -> Vec<u8> {
    let scenarios = cmp
        .variants
        .iter()
        .map(|v| VariantDoc {
            scenario: v.label.clone(),
            file: v.file.clone(),
            set: v.set.clone(),
            seed: v.seed,
            runs: v.summary.runs,
            months: v.summary.months,
            metrics: cmp
                .metrics
                .iter()
                .enumerate()
                .map(|(m, metric)| {
                    let doc = VariantMetricDoc {
                        stat: StatDoc::of(&v.stats[m]),
                        diff_vs_first: v.vs_first[m].map(|d| DifferenceDoc::of(d, metric.higher_is_better())),
                        separated_by: v.separator[m].as_ref().map(super::sweep::SeparatorDoc::of),
                    };
                    (metric.name().to_string(), doc)
                })
                .collect(),
        })
        .collect();
    json_bytes(&CompareDoc {
        plgsim_version: env!("CARGO_PKG_VERSION"),
        paired: cmp.paired,
        pairing: if cmp.paired {
            "every scenario has the same seed: differences against the first are paired run by run (95% intervals)"
        } else {
            "the scenarios have different seeds: no paired differences"
        },
        scenarios,
        best: cmp
            .metrics
            .iter()
            .enumerate()
            .map(|(m, metric)| {
                let doc = cmp.best[m].map(|b| BestDoc {
                    scenario: cmp.variants[b].label.clone(),
                    higher_is_better: metric.higher_is_better(),
                    tied_with: cmp.tied[m].iter().map(|&j| cmp.variants[j].label.clone()).collect(),
                });
                (metric.name().to_string(), doc)
            })
            .collect(),
    })
}
