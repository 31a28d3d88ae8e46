//! Scenarios: what a user describes, read from TOML and checked in full.
//!
//! ```text
//! text --load--> RawScenario (serde, spans) --validate--> Scenario
//! ```
//!
//! A [`Scenario`] is valid by construction: every numeric input is a
//! registered parameter ([`ParamSpec`]) with a key path, a distribution and a
//! domain, and the model structure refers to parameters by [`ParamId`]. Per
//! run, the engine samples one value per parameter ([`Scenario::sample`]),
//! each from its own random stream keyed by (seed, run, key path), so that
//! changing one parameter never changes the draws of another: the basis of
//! common random numbers in sweeps and comparisons.

pub(crate) mod correlation;
mod diagnostic;
mod load;
pub(crate) mod param;
mod raw;
pub mod sweep;
mod validate;
pub mod variants;

use std::path::Path;

pub use diagnostic::{Location, Problem, ScenarioError};
pub use load::{Override, OverrideError};
pub use param::{Dist, Domain};
pub use validate::{
    MAX_ACCOUNT_MRR, MAX_ACCOUNT_SEATS, MAX_ACCOUNTS, MAX_CHANNELS, MAX_MARKET, MAX_MONEY, MAX_MONTHS, MAX_PLANS,
    MAX_RUN_MONTHS, MAX_RUNS, MAX_SEATS, MAX_STARTING_CASH,
};

use crate::rng;

/// Index of a parameter in [`Scenario::params`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamId(pub usize);

/// A numeric input of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    /// Dotted key path, as in the file and in `--set` (e.g. `paid.churn_per_month`).
    pub key: String,
    pub dist: Dist,
    pub domain: Domain,
    /// Largest value accepted (sizes are bounded so that a typo cannot ask
    /// for more memory than the machine has).
    pub max: f64,
    /// Whether the value is a count, rounded to the nearest whole number.
    pub integer: bool,
}

/// Length of one simulation step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeStep {
    Month,
    /// A quarter of a month (7.6 days), so that months stay whole steps.
    Week,
    /// A thirtieth of a month.
    Day,
}

impl TimeStep {
    pub fn steps_per_month(self) -> u32 {
        match self {
            TimeStep::Month => 1,
            TimeStep::Week => 4,
            TimeStep::Day => 30,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TimeStep::Month => "month",
            TimeStep::Week => "week",
            TimeStep::Day => "day",
        }
    }
}

/// Which engine simulates the runs (`scenario.engine`, `--engine`): the
/// account-level engine, the count engine (`engine::counts`), or the one
/// `engine::choose` picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineChoice {
    Auto,
    Accounts,
    Counts,
}

impl EngineChoice {
    pub fn name(self) -> &'static str {
        match self {
            EngineChoice::Auto => "auto",
            EngineChoice::Accounts => "accounts",
            EngineChoice::Counts => "counts",
        }
    }
}

/// A validated scenario. It cannot be changed once validated: a variant
/// (a sweep point, a comparison, a what-if) is made with
/// [`Scenario::with_overrides`], which validates it like the file.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) months: u32,
    pub(crate) runs: u32,
    pub(crate) seed: u64,
    pub(crate) time_step: TimeStep,
    /// `scenario.engine`.
    pub(crate) engine: EngineChoice,
    /// The calendar month of the horizon's first month (`scenario.start`).
    pub(crate) start: Option<crate::calendar::YearMonth>,
    /// What the plan-limited usage counts ("projects", "GB", ...).
    pub(crate) usage_unit: String,
    /// Every numeric parameter, in the order of the file's sections.
    pub(crate) params: Vec<ParamSpec>,
    pub(crate) model: ModelSpec,
    /// A sweep declared in the file (`[sweep]`), used by `plgsim sweep`.
    pub(crate) sweep: Option<SweepSpec>,
    /// Variants declared in the file (`[[variants]]`), used by `plgsim compare`.
    pub(crate) variants: Vec<variants::VariantSpec>,
    /// Rank correlations between uncertain parameters (`[[correlations]]`).
    pub(crate) correlations: Vec<Correlation>,
    /// Where the values written were (file line or `--set`), by key path,
    /// for problems found after validation (e.g. the work estimate's).
    pub(crate) locations: Vec<(String, Location)>,
    /// The text and overrides it was validated from, for its variants.
    pub(crate) origin: std::sync::Arc<Origin>,
}

/// What a scenario was read from.
#[derive(Debug)]
pub(crate) struct Origin {
    pub(crate) file_name: String,
    pub(crate) text: String,
    pub(crate) overrides: Vec<Override>,
}

/// A requested rank correlation between two uncertain parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Correlation {
    pub a: ParamId,
    pub b: ParamId,
    /// Spearman's rho, in (-1, 1).
    pub rank: f64,
}

/// A sweep declared in the scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    pub axes: Vec<sweep::Axis>,
    pub metrics: Vec<crate::metrics::Horizon>,
}

/// The model's structure; numbers are parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModelSpec {
    pub market_size: Option<ParamId>,
    pub initial_free_accounts: ParamId,
    pub initial_paid_accounts: ParamId,
    pub organic: OrganicSpec,
    pub channels: Vec<ChannelSpec>,
    pub activation: ActivationSpec,
    pub usage: UsageSpec,
    pub free: FreeSpec,
    pub limit_hit: LimitHitSpec,
    pub invites: InvitesSpec,
    pub plans: Vec<PlanSpec>,
    pub paid: PaidSpec,
    pub costs: CostsSpec,
    pub teams: TeamsSpec,
    pub exposure: ExposureSpec,
    pub referral: ReferralSpec,
    pub trial: Option<TrialSpec>,
    pub pql: Option<PqlSpec>,
    pub sales: Option<SalesSpec>,
    pub pricing: PricingSpec,
    pub finance: FinanceSpec,
}

/// `[finance]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FinanceSpec {
    pub starting_cash: Option<ParamId>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrganicSpec {
    pub signups_per_month: ParamId,
    pub growth_per_month: ParamId,
    pub share_of_remaining_market_per_month: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ChannelSpec {
    pub name: String,
    pub spend_per_month: ParamId,
    pub spend_growth_per_month: ParamId,
    pub cost_per_signup: ParamId,
    pub max_signups_per_month: Option<ParamId>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActivationSpec {
    pub probability: ParamId,
    pub time_to_value_median_months: ParamId,
    pub time_to_value_sigma: ParamId,
    pub window_months: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UsageSpec {
    pub median_per_month: ParamId,
    pub sigma: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FreeSpec {
    pub usage_limit: Option<ParamId>,
    pub seat_limit: Option<ParamId>,
    pub conversion_per_month: ParamId,
    /// Alternative to `conversion_per_month`: the share of active free
    /// accounts that eventually convert, given the free churn.
    pub eventual_conversion: Option<ParamId>,
    pub churn_per_month: ParamId,
    pub reactivation_per_month: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LimitHitSpec {
    pub convert: ParamId,
    pub churn: ParamId,
    pub convert_before_activation: ParamId,
    pub churn_before_activation: ParamId,
    pub blocked_conversion_per_month: ParamId,
    /// `None`: the free churn.
    pub blocked_churn_per_month: Option<ParamId>,
    pub blocked_invite_factor: ParamId,
    pub value_buildup_months: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InvitesSpec {
    /// `pattern = "once"`: each account sends `per_new_account`
    /// invitations once, when it joins, instead of a rate per seat.
    pub once: bool,
    pub per_new_account: ParamId,
    pub per_active_seat_per_month: ParamId,
    pub acceptance: ParamId,
    pub cycle_months: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlanSpec {
    pub name: String,
    pub price_per_month: ParamId,
    pub per_seat: bool,
    pub usage_limit: Option<ParamId>,
    pub seat_limit: Option<ParamId>,
    pub annual_share: ParamId,
    pub annual_discount: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PaidSpec {
    /// Index in `plans` of the plan self-serve conversions join.
    pub entry_plan: usize,
    pub churn_per_month: ParamId,
    /// `None`: churn does not fall with tenure.
    pub churn_floor_per_month: Option<ParamId>,
    pub churn_halving_months: Option<ParamId>,
    pub payment_failure: ParamId,
    pub payment_recovery: ParamId,
    pub win_back_per_month: ParamId,
    pub upgrade_per_month: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CostsSpec {
    pub serve_free_seat_per_month: ParamId,
    pub serve_paid_seat_per_month: ParamId,
    pub payment_fee_rate: ParamId,
    pub payment_fee_fixed: ParamId,
    pub fixed_per_month: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TeamsSpec {
    pub internal_share: ParamId,
    pub seat_churn_per_month: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExposureSpec {
    pub per_active_account_per_month: ParamId,
    pub signup_rate: ParamId,
    pub cycle_months: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReferralSpec {
    pub limit_bonus: ParamId,
    pub max_bonus: Option<ParamId>,
}

/// Who is offered a trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialStart {
    /// Every signup starts on the trial (with `start_probability`).
    Signup,
    /// Accounts start it when they activate.
    Activation,
}

/// What happens to a trial that does not convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrialAfter {
    /// Drop to the free plan (a reverse trial when trials start at signup).
    Free,
    /// Leave (no free plan to fall back to).
    Leave,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TrialSpec {
    pub start: TrialStart,
    pub start_probability: ParamId,
    pub length_months: ParamId,
    /// Index in `plans` of the plan on trial.
    pub plan: usize,
    pub card_required: bool,
    pub card_dropoff: ParamId,
    pub conversion: ParamId,
    pub after: TrialAfter,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PqlSpec {
    pub on_limit_hit: bool,
    pub min_seats: Option<ParamId>,
    pub min_invites_sent: Option<ParamId>,
    pub min_usage: Option<ParamId>,
    /// All named signals must hold (else any one is enough).
    pub all: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SalesSpec {
    pub contacts_per_month: ParamId,
    pub cost_per_contact: ParamId,
    pub conversion: ParamId,
    /// Index in `plans` of the plan sales sells.
    pub plan: usize,
    pub fixed_cost_per_month: ParamId,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PricingSpec {
    /// `None`: the entry plan's own price (no price response).
    pub reference_price: Option<ParamId>,
    pub conversion_elasticity: ParamId,
    pub churn_elasticity: ParamId,
}

impl Scenario {
    /// Reads and validates a scenario file, applying `overrides` on top.
    pub fn from_file(path: &Path, overrides: &[Override]) -> Result<Scenario, LoadError> {
        let bytes = read_bytes(path)?;
        Scenario::from_bytes(&path.display().to_string(), &bytes, overrides).map_err(LoadError::Invalid)
    }

    /// Reads and validates scenario bytes: [`Scenario::from_str`], after
    /// checking that they are UTF-8 (else the problem names the line and
    /// column of the first invalid byte).
    pub fn from_bytes(file_name: &str, bytes: &[u8], overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Scenario::from_str(file_name, text, overrides),
            Err(e) => Err(ScenarioError { problems: vec![diagnostic::invalid_utf8(file_name, bytes, e)] }),
        }
    }

    /// Reads and validates scenario text. `file_name` is used in messages.
    pub fn from_str(file_name: &str, text: &str, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let mut source = diagnostic::Source::new(file_name, text);
        let mut problems = Vec::new();
        let Some(raw) = load::load_raw(&mut source, overrides, &mut problems) else {
            return Err(ScenarioError { problems });
        };
        let origin = Origin { file_name: file_name.to_string(), text: text.to_string(), overrides: overrides.to_vec() };
        let scenario = validate::validate(raw, &source, &mut problems, std::sync::Arc::new(origin));
        // File problems in file order, then command-line ones.
        problems.sort_by_key(|p| match &p.location {
            Some(l) if !l.origin.starts_with("--") => (0, l.line, l.column),
            Some(l) => (1, source.override_index(&l.origin), 0),
            None => (2, 0, 0),
        });
        if problems.is_empty() { Ok(scenario) } else { Err(ScenarioError { problems }) }
    }

    /// This scenario with `overrides` applied after its own (as `--set`
    /// would, after the file and the overrides it was read with), validated
    /// in full like the file.
    pub fn with_overrides(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let o = &self.origin;
        Scenario::from_str(&o.file_name, &o.text, &[&o.overrides[..], overrides].concat())
    }

    /// The scenario's name (`scenario.name`, or the file's).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `scenario.description`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The horizon, in months.
    pub fn months(&self) -> u32 {
        self.months
    }

    /// Monte Carlo runs.
    pub fn runs(&self) -> u32 {
        self.runs
    }

    /// The seed every random stream is keyed by.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The length of a simulation step.
    pub fn time_step(&self) -> TimeStep {
        self.time_step
    }

    /// `scenario.engine`: the engine asked for (`auto` unless given).
    pub fn engine_choice(&self) -> EngineChoice {
        self.engine
    }

    /// The scenario with `scenario.engine = engine` where it leaves the
    /// choice to `auto` (a choice it names is kept). What-if commands run
    /// every variant on one engine this way (`engine::shared`).
    pub fn pinned(mut self, engine: EngineChoice) -> Scenario {
        if self.engine == EngineChoice::Auto {
            self.engine = engine;
        }
        self
    }

    /// The calendar month of the horizon's first month (`scenario.start`).
    pub fn start(&self) -> Option<crate::calendar::YearMonth> {
        self.start
    }

    /// Whether the scenario gives a starting cash (`finance.starting_cash`).
    /// Whether the scenario bounds its market (`market.size`).
    pub fn has_market_size(&self) -> bool {
        self.model.market_size.is_some()
    }

    pub fn has_starting_cash(&self) -> bool {
        self.model.finance.starting_cash.is_some()
    }

    /// What the plan-limited usage counts ("projects", "GB", ...).
    pub fn usage_unit(&self) -> &str {
        &self.usage_unit
    }

    /// Every numeric parameter, in the order of the file's sections.
    pub fn params(&self) -> &[ParamSpec] {
        &self.params
    }

    /// The sweep declared in the file (`[sweep]`).
    pub fn sweep(&self) -> Option<&SweepSpec> {
        self.sweep.as_ref()
    }

    /// The variants declared in the file (`[[variants]]`), in order.
    pub fn variants(&self) -> &[variants::VariantSpec] {
        &self.variants
    }

    /// The names of the paid channels, in file order.
    pub fn channel_names(&self) -> impl Iterator<Item = &str> {
        self.model.channels.iter().map(|c| c.name.as_str())
    }

    /// The file name it was read from (as given).
    /// The text the scenario was read from (the file, before overrides).
    pub fn origin_text(&self) -> &str {
        &self.origin.text
    }

    /// The `--set`-style overrides applied to that text, in order.
    pub fn overrides(&self) -> &[Override] {
        &self.origin.overrides
    }

    pub fn file_name(&self) -> &str {
        &self.origin.file_name
    }

    /// Where the value of `key` was written, if it was (the last one wins).
    pub fn location(&self, key: &str) -> Option<&Location> {
        self.locations.iter().rev().find(|(k, _)| k == key).map(|(_, l)| l)
    }

    /// Whether `other` simulates the same business as this scenario: the
    /// same structure, parameters (distributions included), correlations,
    /// horizon, time step, runs and seed, whatever the text they came from
    /// (a variant that sets a key to the value it already had is the same
    /// scenario).
    pub fn same_model(&self, other: &Scenario) -> bool {
        self.model == other.model
            && self.params == other.params
            && self.correlations == other.correlations
            && (self.months, self.runs, self.seed, self.time_step, self.start, self.engine)
                == (other.months, other.runs, other.seed, other.time_step, other.start, other.engine)
    }

    pub fn param(&self, id: ParamId) -> &ParamSpec {
        &self.params[id.0]
    }

    /// Looks a parameter up by key path.
    pub fn param_by_key(&self, key: &str) -> Option<ParamId> {
        self.params.iter().position(|p| p.key == key).map(ParamId)
    }

    /// Parameters whose value varies across runs.
    pub fn uncertain_params(&self) -> impl Iterator<Item = (ParamId, &ParamSpec)> {
        self.params.iter().enumerate().filter(|(_, p)| !p.dist.is_fixed()).map(|(i, p)| (ParamId(i), p))
    }

    pub fn steps_per_month(&self) -> u32 {
        self.time_step.steps_per_month()
    }

    /// The parameter values of every run, `[run][param]`: independent draws
    /// ([`Scenario::sample`]), then, when the scenario declares
    /// correlations, the correlated parameters' values reordered across the
    /// runs to match them (Iman-Conover; see [`correlation`]).
    pub fn sample_runs(&self) -> Vec<Vec<f64>> {
        let mut rows: Vec<Vec<f64>> = (0..self.runs as u64).map(|r| self.sample(r)).collect();
        if self.correlations.is_empty() {
            return rows;
        }
        let (ids, target) = self.correlation_target();
        let mut cols: Vec<Vec<f64>> = ids.iter().map(|id| rows.iter().map(|r| r[id.0]).collect()).collect();
        let labels: Vec<String> = ids.iter().map(|id| self.params[id.0].key.clone()).collect();
        correlation::iman_conover(&mut cols, &target, self.seed, &labels);
        for (id, col) in ids.iter().zip(cols) {
            for (row, x) in rows.iter_mut().zip(col) {
                row[id.0] = x;
            }
        }
        rows
    }

    /// The correlated parameters (in registry order) and their target
    /// rank-correlation matrix.
    pub fn correlation_target(&self) -> (Vec<ParamId>, Vec<Vec<f64>>) {
        correlation::target(&self.correlations)
    }

    /// The value of every parameter for one run, each drawn independently
    /// from its own stream, keyed by (seed, run, key path); fixed values draw
    /// nothing. Parameters given as a joint sample (`dist = "sample"`) take
    /// one row of it, the same for all, drawn from the stream keyed by
    /// (seed, run, `[sample]`). (With correlations, [`Scenario::sample_runs`]
    /// reorders the others.)
    pub fn sample(&self, run: u64) -> Vec<f64> {
        let rows = self.params.iter().find_map(|p| match &p.dist {
            Dist::Sample(v) => Some(v.len()),
            _ => None,
        });
        let row = rows.map(|n| {
            use rand::RngExt;
            rng::param_rng(self.seed, run, SAMPLE_ROW).random_range(0..n)
        });
        self.params
            .iter()
            .map(|p| {
                if let Dist::Fixed(x) = p.dist {
                    return x;
                }
                if let (Dist::Sample(v), Some(row)) = (&p.dist, row) {
                    let x = v[row].min(p.max);
                    return if p.integer { x.round() } else { x };
                }
                let mut r = rng::param_rng(self.seed, run, &p.key);
                let x = p.dist.sample(p.domain, &mut r).min(p.max);
                if p.integer { x.round() } else { x }
            })
            .collect()
    }
}

/// The label of the stream that picks a run's row of a joint sample (not a
/// key path, so no parameter's stream can be the same).
const SAMPLE_ROW: &str = "[sample]";

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error("cannot read {0}: {1}")]
    Io(String, std::io::Error),
    #[error(
        "{0} is larger than {max} MiB: a scenario is a small text file (is this the right file?)",
        max = MAX_SCENARIO_BYTES >> 20
    )]
    TooLarge(String),
    #[error("{0}")]
    Invalid(ScenarioError),
}

/// The largest scenario file read (4 MiB); a larger one (or an endless
/// stream such as `/dev/zero`) is refused after reading this much.
pub const MAX_SCENARIO_BYTES: u64 = 4 << 20;

/// Reads a scenario file, refusing files over [`MAX_SCENARIO_BYTES`].
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let name = || path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| LoadError::Io(name(), e))?;
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes).map_err(|e| LoadError::Io(name(), e))?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(LoadError::TooLarge(name()));
    }
    Ok(bytes)
}

/// The commented starter scenario written by `plgsim new`.
pub const STARTER: &str = include_str!("starter.toml");
