//! Statistics of a simulation, ready for the exporters: horizon figures and
//! monthly series with their mean and percentiles across runs.

use crate::calendar::YearMonth;
use crate::engine::Simulation;
use crate::metrics::Horizon;
use crate::scenario::{ParamSpec, Scenario};
use crate::stats::Stat;

/// What `plgsim run` reports.
#[derive(Debug, Clone)]
pub struct Summary {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub runs: u32,
    pub months: u32,
    pub time_step: &'static str,
    pub horizon: Vec<(Horizon, Stat)>,
    pub monthly_names: Vec<String>,
    /// `[month][metric]`, months 1 to T.
    pub monthly: Vec<Vec<Stat>>,
    /// Month 0, the opening state, by metric.
    pub opening: Vec<Stat>,
    /// The calendar month of month 1 (`scenario.start`).
    pub start: Option<YearMonth>,
    /// `finance.starting_cash`, when the scenario gives one (its mean over
    /// the runs, if uncertain).
    pub starting_cash: Option<f64>,
    /// The share of runs whose cash balance went below zero within the
    /// horizon (`None` without a starting cash).
    pub out_of_cash_probability: Option<f64>,
    /// Uncertain parameters and the statistics of their sampled values.
    pub uncertain: Vec<(ParamSpec, Stat)>,
    pub cohorts: CohortTable,
    pub funnel: Funnel,
    pub warnings: Vec<String>,
    /// Whether any run recognised revenue (`revenue_total` above zero). A
    /// scenario where nobody pays (a teaching loop, a free product) gets
    /// charts and key figures about accounts instead of MRR.
    pub has_revenue: bool,
}

/// One stage of the run's funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelStage {
    /// The horizon figure that counts it.
    pub metric: Horizon,
    /// As the chart shows it ("Hit the free limit").
    pub label: &'static str,
    /// As a rate refers to it ("limit hits" in "72% of limit hits").
    pub short: &'static str,
    /// Accounts at the stage, mean per run.
    pub accounts: f64,
    /// Accounts / accounts at the stage before (`None` for the first stage).
    pub of_previous: Option<f64>,
    /// Accounts / signups.
    pub of_signups: Option<f64>,
}

/// The funnel of the horizon's signups, each stage a subset of the one
/// before, account by account: signed up, activated, hit the free limit
/// (with a free limit), became a PQL while free (with PQL signals), became
/// paying (`docs/metrics.md`, "Funnel"). Counts are means per run, and the
/// shares are ratios of those means, which are pooled over runs (every
/// stage is defined in every run, so a ratio of means is a ratio of sums).
/// Beside it, the signups that became paying by any path.
#[derive(Debug, Clone, PartialEq)]
pub struct Funnel {
    pub stages: Vec<FunnelStage>,
    /// Signups of the horizon that became paying by any path
    /// (`signups_converted`), mean per run, and their share of the signups
    /// pooled over runs.
    pub paying_any_path: f64,
    pub paying_any_path_of_signups: Option<f64>,
}

impl Funnel {
    fn new(horizon: &[(Horizon, Stat)]) -> Funnel {
        let mean = |h: Horizon| horizon[h as usize].1.mean;
        let mut stages: Vec<FunnelStage> = Vec::new();
        let names = [
            (Horizon::SignupsTotal, "Signed up", "signups"),
            (Horizon::FunnelActivated, "Activated", "activated"),
            (Horizon::FunnelLimitHit, "Hit the free limit", "limit hits"),
            (Horizon::FunnelPql, "Became a PQL", "these PQLs"),
            (Horizon::FunnelPaying, "Became paying", "paying"),
        ];
        let signups = mean(Horizon::SignupsTotal).unwrap_or(0.0);
        for (metric, label, short) in names {
            // A stage the scenario does not have is undefined in every run.
            let Some(accounts) = mean(metric) else { continue };
            let of_previous = stages.last().and_then(|p| crate::metrics::ratio(accounts, p.accounts));
            let of_signups = crate::metrics::ratio(accounts, signups);
            stages.push(FunnelStage { metric, label, short, accounts, of_previous, of_signups });
        }
        let paying_any_path = mean(Horizon::SignupsConverted).unwrap_or(0.0);
        Funnel { stages, paying_any_path, paying_any_path_of_signups: crate::metrics::ratio(paying_any_path, signups) }
    }
}

/// Signup cohorts pooled over runs: for the accounts that signed up in month
/// `c` (0-based) in every run, the share that had converted to paid, and the
/// share still present (in any state), by the end of month `c + a`. Shares
/// are ratios of sums over runs (pooled), defined for `c + a < months`.
#[derive(Debug, Clone)]
pub struct CohortTable {
    /// Mean signups of each cohort per run.
    pub signups: Vec<f64>,
    /// `[cohort][age]` cumulative share converted (first conversions).
    pub converted: Vec<Vec<f64>>,
    /// `[cohort][age]` share of the cohort's accounts still present.
    pub retained: Vec<Vec<f64>>,
}

impl CohortTable {
    fn new(sim: &Simulation) -> CohortTable {
        let months = sim.months as usize;
        let signups_col = sim.monthly_names.iter().position(|n| n == "signups_total").expect("signups_total exists");
        let mut signups = Vec::with_capacity(months);
        let mut converted = Vec::with_capacity(months);
        let mut retained = Vec::with_capacity(months);
        for c in 0..months {
            let total: f64 = sim.column_values(c, signups_col).sum();
            signups.push(total / sim.runs.len().max(1) as f64);
            let (mut conv, mut left) = (0u64, 0i64);
            let mut conv_row = Vec::new();
            let mut ret_row = Vec::new();
            for a in 0..months - c {
                conv += sim.cohort_conversions[c * months + a];
                left += sim.cohort_departures[c * months + a];
                let share = |x: u64| if total > 0.0 { x as f64 / total } else { 0.0 };
                conv_row.push(share(conv));
                ret_row.push(if total > 0.0 { 1.0 - left as f64 / total } else { 0.0 });
            }
            converted.push(conv_row);
            retained.push(ret_row);
        }
        CohortTable { signups, converted, retained }
    }
}

/// Durations the step cannot resolve: a trial or an activation window
/// shorter than one step lasts a whole step (`docs/scenario.md`, "Time"),
/// and free seat-limit hits fall at the end of a step.
fn step_warnings(scenario: &Scenario, sim: &Simulation) -> Vec<String> {
    let m = &scenario.model;
    let k = scenario.steps_per_month() as f64;
    let step = scenario.time_step.name();
    let runs = sim.runs.len();
    let short = |id: crate::scenario::ParamId| sim.runs.iter().filter(|r| r.params[id.0] * k < 1.0).count();
    let mut out = Vec::new();
    let mut duration = |key: &str, what: &str, n: usize| {
        if n > 0 {
            let share = if n == runs { "in every run".to_string() } else { format!("in {n} of {runs} runs") };
            out.push(format!(
                "{key} is shorter than one step (a {step}) {share}: {what} lasts a whole step; results differ from the same business at finer steps. Use a finer scenario.time_step (\"week\" or \"day\")"
            ));
        }
    };
    if let Some(t) = &m.trial {
        duration("trial.length_months", "the trial", short(t.length_months));
    }
    duration("activation.window_months", "the activation window", short(m.activation.window_months));
    let once_short = if m.invites.once { short(m.invites.cycle_months) } else { 0 };
    if once_short > 0 {
        let share =
            if once_short == runs { "in every run".to_string() } else { format!("in {once_short} of {runs} runs") };
        out.push(format!(
            "invites.cycle_months is shorter than one step (a {step}) {share}, with invitations sent once: an invitee joins at the end of its inviter's step or the next, so the generations of the loop are not resolved and growth differs from the same business at finer steps. Use a finer scenario.time_step (\"week\" or \"day\")"
        ));
    }
    if m.free.seat_limit.is_some() && scenario.steps_per_month() == 1 {
        out.push(
            "free.seat_limit with monthly steps: a seat-limit hit is taken at the end of the month in which the seat joins, so an account shares at the active rate all that month; K and MRR can differ by 5-10% from finer steps. Use scenario.time_step = \"week\"".to_string(),
        );
    }
    out
}

impl Summary {
    pub fn new(scenario: &Scenario, sim: &Simulation) -> Summary {
        // In parallel, figure by figure and month by month: each statistic
        // is computed alone and collected in order, so the result is the
        // same at any thread count.
        use rayon::prelude::*;
        let horizon: Vec<(Horizon, Stat)> =
            Horizon::ALL.par_iter().map(|&h| (h, Stat::of(sim.runs.iter().map(|r| r.horizon(h))))).collect();
        let columns = sim.monthly_names.len();
        let monthly: Vec<Vec<Stat>> = (0..sim.months as usize * columns)
            .into_par_iter()
            .map(|i| Stat::of(sim.column_values(i / columns, i % columns).map(Some)))
            .collect::<Vec<Stat>>()
            .chunks(columns.max(1))
            .map(<[Stat]>::to_vec)
            .collect();
        let opening =
            (0..sim.monthly_names.len()).map(|m| Stat::of(sim.runs.iter().map(|r| Some(r.opening_row()[m])))).collect();
        let starting_cash = scenario.has_starting_cash().then(|| {
            Stat::of(sim.runs.iter().map(|r| Some(r.opening_row()[crate::metrics::Monthly::CashBalance as usize])))
                .mean
                .unwrap_or(0.0)
        });
        let out_of_cash_probability = scenario.has_starting_cash().then(|| {
            let out = sim.runs.iter().filter(|r| r.horizon(Horizon::RunwayMonths).is_some()).count();
            out as f64 / sim.runs.len().max(1) as f64
        });
        let uncertain = scenario
            .uncertain_params()
            .map(|(id, spec)| (spec.clone(), Stat::of(sim.runs.iter().map(|r| Some(r.params[id.0])))))
            .collect();
        let has_revenue = sim.runs.iter().any(|r| r.horizon(Horizon::RevenueTotal).is_some_and(|x| x > 0.0));
        let cohorts = CohortTable::new(sim);
        let funnel = Funnel::new(&horizon);
        let mut warnings = Vec::new();
        let capped = sim.capped_runs();
        if capped > 0 {
            // With a market size the population is what the scenario says it
            // is: the limit is the engine's, not a missing bound.
            let remedy = if scenario.model.market_size.is_some() {
                "the account-level engine holds at most that many at once; model a smaller share of the market or fewer months"
            } else {
                "give the market a size (market.size)"
            };
            warnings.push(format!(
                "{capped} of {} runs reached {} live accounts and refused further signups: growth is understated; {remedy}",
                sim.runs.len(),
                crate::engine::MAX_LIVE_ACCOUNTS
            ));
        }
        warnings.extend(step_warnings(scenario, sim));
        let (runs, hits) = sim.seat_ceiling();
        if runs > 0 {
            warnings.push(format!(
                "in {runs} of {} runs, accounts reached {} seats, the most an account holds, {hits} times; seats beyond it were dropped: seats, per-seat MRR and invitations are understated; give the plans a seat_limit",
                sim.runs.len(),
                crate::engine::MAX_SEATS
            ));
        }
        Summary {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            seed: scenario.seed,
            runs: scenario.runs,
            months: scenario.months,
            time_step: scenario.time_step.name(),
            horizon,
            monthly_names: sim.monthly_names.clone(),
            monthly,
            opening,
            start: scenario.start(),
            starting_cash,
            out_of_cash_probability,
            uncertain,
            cohorts,
            funnel,
            warnings,
            has_revenue,
        }
    }

    pub fn horizon(&self, h: Horizon) -> &Stat {
        &self.horizon[h as usize].1
    }

    /// The calendar month of horizon month `m` (0: the opening state), when
    /// the scenario has a start.
    pub fn date(&self, m: u32) -> Option<YearMonth> {
        self.start.and_then(|s| s.of_horizon_month(m))
    }

    /// The statistics of every monthly metric in month `m` (0: the opening
    /// state, then 1 to T).
    pub fn month(&self, m: usize) -> &[Stat] {
        if m == 0 { &self.opening } else { &self.monthly[m - 1] }
    }

    /// The statistics of the monthly metric called `name` in the last month.
    pub fn last(&self, name: &str) -> Option<&Stat> {
        self.series(name)?.last().copied()
    }

    /// The monthly statistics of the metric called `name`.
    pub fn series(&self, name: &str) -> Option<Vec<&Stat>> {
        let i = self.monthly_names.iter().position(|n| n == name)?;
        Some(self.monthly.iter().map(|row| &row[i]).collect())
    }
}
