//! From [`RawScenario`] to [`Scenario`]: defaults, ranges and cross-field
//! rules. Every problem is recorded; none stops the check.
//!
//! The defaults written here are the ones documented in `docs/scenario.md`.

use std::ops::Range;

use toml::Spanned;

use super::diagnostic::{Problem, Source};
use super::param::{Dist, Domain, fmt_num};
use super::raw::{
    P, RawActivation, RawChannel, RawCorrelation, RawCosts, RawExposure, RawFinance, RawFree, RawInitial, RawInvites,
    RawLimitHit, RawMarket, RawMeta, RawOrganic, RawPaid, RawPlan, RawPql, RawPricing, RawReferral, RawSales,
    RawScenario, RawTeams, RawTrial, RawUsage,
};
use super::sweep::SweepSection;
use super::*;
use crate::calendar::YearMonth;

/// Most months a scenario may span (50 years).
pub const MAX_MONTHS: i64 = 600;
/// Most runs in one invocation.
pub const MAX_RUNS: i64 = 1_000_000;
/// Most runs x months (each run keeps its monthly figures, ~0.5 kB a month).
pub const MAX_RUN_MONTHS: u64 = 10_000_000;
/// Largest addressable market, in accounts.
pub const MAX_MARKET: f64 = 1e9;
/// Largest number of accounts at the start or signups a month from one source.
pub const MAX_ACCOUNTS: f64 = 1e7;
/// Largest monthly money amount (spend, price, cost).
pub const MAX_MONEY: f64 = 1e12;
/// Largest starting cash (`finance.starting_cash`).
pub const MAX_STARTING_CASH: f64 = 1e15;
/// Most seats an account may have (the record keeps seats in 16 bits).
pub const MAX_SEATS: f64 = 60_000.0;
/// Most seats an account can reach on a plan without a seat limit (the
/// record's 16 bits).
pub const MAX_ACCOUNT_SEATS: f64 = u16::MAX as f64;
/// Most paid channels: each is a source code of its own in an 8-bit field,
/// after the 8 codes of the other sources.
pub const MAX_CHANNELS: usize = (u8::MAX - crate::engine::account::source::CHANNEL) as usize + 1;
/// Most plans: an account keeps its plan in 8 bits.
pub const MAX_PLANS: usize = u8::MAX as usize + 1;
/// Largest MRR of one account, in dollars: an account keeps it in 32 bits
/// of cents ($42,949,672.95).
pub const MAX_ACCOUNT_MRR: f64 = u32::MAX as f64 / 100.0;

struct Checker<'a> {
    source: &'a Source,
    problems: &'a mut Vec<Problem>,
    params: Vec<ParamSpec>,
    /// Per parameter: whether its value comes from a `--set` override.
    overridden: Vec<bool>,
    /// Where the values written were, by key path.
    locations: Vec<(String, Location)>,
    /// The parameters given as a joint sample (`dist = "sample"`): key,
    /// where, and how many values.
    samples: Vec<(String, Range<usize>, usize)>,
}

impl Checker<'_> {
    fn problem(&mut self, key: &str, span: Option<Range<usize>>, message: String) {
        let location = span.map(|s| self.source.locate(s));
        self.problems.push(Problem { key: key.to_string(), message, location });
    }

    fn register(&mut self, key: &str, dist: Dist, domain: Domain, max: f64, integer: bool) -> ParamId {
        self.params.push(ParamSpec { key: key.to_string(), dist, domain, max, integer });
        self.overridden.push(false);
        ParamId(self.params.len() - 1)
    }

    /// A parameter that always has a value (`default` when absent).
    fn param(&mut self, raw: &P, key: &str, domain: Domain, default: f64) -> ParamId {
        self.bounded(raw, key, domain, default, f64::INFINITY)
    }

    fn bounded(&mut self, raw: &P, key: &str, domain: Domain, default: f64, max: f64) -> ParamId {
        match raw {
            Some(v) => self.checked(v, key, domain, max, false),
            None => self.register(key, Dist::Fixed(default), domain, max, false),
        }
    }

    /// A whole number of accounts.
    fn count(&mut self, raw: &P, key: &str, default: f64, max: f64) -> ParamId {
        match raw {
            Some(v) => self.checked(v, key, Domain::NonNegative, max, true),
            None => self.register(key, Dist::Fixed(default), Domain::NonNegative, max, true),
        }
    }

    /// A whole number whose absence means "none".
    fn optional_count(&mut self, raw: &P, key: &str, max: f64) -> Option<ParamId> {
        raw.as_ref().map(|v| self.checked(v, key, Domain::Positive, max, true))
    }

    /// A parameter whose absence means "none" (no limit, no market bound).
    fn optional(&mut self, raw: &P, key: &str, domain: Domain, max: f64) -> Option<ParamId> {
        raw.as_ref().map(|v| self.checked(v, key, domain, max, false))
    }

    fn checked(&mut self, v: &Spanned<Dist>, key: &str, domain: Domain, max: f64, integer: bool) -> ParamId {
        let id = self.checked_value(v, key, domain, max, integer);
        if let Dist::Sample(values) = v.get_ref() {
            self.samples.push((key.to_string(), v.span(), values.len()));
        }
        let location = self.source.locate(v.span());
        self.overridden[id.0] = location.origin.starts_with("--");
        self.locations.push((key.to_string(), location));
        id
    }

    fn checked_value(&mut self, v: &Spanned<Dist>, key: &str, domain: Domain, max: f64, integer: bool) -> ParamId {
        let dist = v.get_ref().clone();
        if let Err(msg) = dist.check(domain) {
            self.problem(key, Some(v.span()), msg);
        } else if let Some(high) = upper_end(&dist)
            && high > max
        {
            self.problem(key, Some(v.span()), format!("expected at most {}, got {}", fmt_num(max), fmt_num(high)));
        }
        self.register(key, dist, domain, max, integer)
    }

    /// Bounds a growth rate so that `base` compounded over `months` stays at
    /// most `limit` (`what` says what that limit is): the bound is the
    /// growth's `max` (sampled values are clamped to it), and a growth whose
    /// largest value exceeds it is refused.
    #[allow(clippy::too_many_arguments)]
    fn compounding(
        &mut self,
        growth: ParamId,
        raw: &P,
        base: ParamId,
        base_raw: &P,
        months: u32,
        limit: f64,
        what: &str,
    ) {
        let Some(b) = upper_end(&self.params[base.0].dist) else { return };
        let b = b.min(self.params[base.0].max);
        if b <= 0.0 || !b.is_finite() {
            return;
        }
        // The largest growth g with b (1 + g)^months <= limit, rounded down
        // to 4 decimals.
        let g_max = ((libm::pow(limit / b, 1.0 / months as f64) - 1.0) * 1e4).floor() / 1e4;
        self.params[growth.0].max = self.params[growth.0].max.min(g_max);
        let (key, base_key) = (self.params[growth.0].key.clone(), self.params[base.0].key.clone());
        if let Some(g) = upper_end(&self.params[growth.0].dist)
            && g > g_max
            && self.params[growth.0].dist.check(self.params[growth.0].domain).is_ok()
        {
            let span = raw.as_ref().or(base_raw.as_ref()).map(|v| v.span());
            self.problem(
                &key,
                span,
                format!(
                    "expected at most {} over {months} months, got {}: it would take {base_key} from {} past {} ({what})",
                    fmt_num(g_max),
                    fmt_num(g),
                    fmt_num(b),
                    fmt_num(limit),
                ),
            );
        }
    }

    /// A monthly money amount, 0 when absent.
    fn money(&mut self, raw: &P, key: &str) -> ParamId {
        self.bounded(raw, key, Domain::NonNegative, 0.0, MAX_MONEY)
    }

    fn fixed(&self, id: ParamId) -> Option<f64> {
        match self.params[id.0].dist {
            Dist::Fixed(x) => Some(x),
            _ => None,
        }
    }
}

/// `x` rounded up to 4 significant digits, for messages.
fn round_up(x: f64) -> f64 {
    if !(x > 0.0 && x.is_finite()) {
        return x;
    }
    let scale = libm::pow(10.0, libm::floor(libm::log10(x)) - 3.0);
    // Through the decimal text, so that the result prints without noise.
    format!("{:.3e}", libm::ceil(x / scale) * scale).parse().unwrap_or(x)
}

/// The smallest value a bounded distribution can take (the center of an
/// unbounded one, as [`upper_end`]).
fn lower_end(d: &Dist) -> Option<f64> {
    match *d {
        Dist::Fixed(x) => Some(x),
        Dist::Sample(ref v) => v.iter().copied().reduce(f64::min),
        Dist::Uniform { low, .. } | Dist::Interval90 { low, .. } => Some(low),
        Dist::Triangular { min, .. } => Some(min),
        Dist::Normal { mean, .. } => Some(mean),
        Dist::LogNormal { median, .. } => Some(median),
        Dist::Beta { .. } => Some(0.0),
    }
}

/// The largest value a bounded distribution can take.
fn upper_end(d: &Dist) -> Option<f64> {
    match *d {
        Dist::Fixed(x) => Some(x),
        Dist::Sample(ref v) => v.iter().copied().reduce(f64::max),
        Dist::Uniform { high, .. } | Dist::Interval90 { high, .. } => Some(high),
        Dist::Triangular { max, .. } => Some(max),
        Dist::Normal { mean, .. } => Some(mean),
        Dist::LogNormal { median, .. } => Some(median),
        Dist::Beta { .. } => Some(1.0),
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

/// Checks a raw scenario section by section, in the order of the file
/// format (which is also the order of [`Scenario::params`]). Each section's
/// function records its own problems, including the cross-field rules of
/// the keys it owns; a section that refers to another takes that section's
/// checked spec.
pub fn validate(
    raw: RawScenario,
    source: &Source,
    problems: &mut Vec<Problem>,
    origin: std::sync::Arc<Origin>,
) -> Scenario {
    let mut c = Checker {
        source,
        problems,
        params: Vec::new(),
        overridden: Vec::new(),
        locations: Vec::new(),
        samples: Vec::new(),
    };

    let meta = scenario(&mut c, raw.scenario.map(Spanned::into_inner).unwrap_or_default());
    let market_size = market(&mut c, &raw.market.unwrap_or_default());
    let (initial_free_accounts, initial_paid_accounts) = initial(&mut c, &raw.initial.unwrap_or_default());
    let acquisition = raw.acquisition.unwrap_or_default();
    let organic = organic(&mut c, &acquisition.organic.unwrap_or_default(), market_size, meta.months);
    let channels = channels(&mut c, acquisition.channels.as_ref(), meta.months);
    let activation = activation(&mut c, &raw.activation.unwrap_or_default());
    let (usage_unit, usage) = usage(&mut c, &raw.usage.unwrap_or_default());
    let free = free(&mut c, &raw.free.unwrap_or_default());
    let limit_hit = limit_hit(&mut c, &raw.limit_hit.unwrap_or_default(), &free);
    let invites = invites(&mut c, &raw.invites.unwrap_or_default());
    let plans = plans(&mut c, raw.plans.as_ref(), &free, raw.trial.is_some());
    let paid = paid(&mut c, &raw.paid.unwrap_or_default(), &plans);
    let costs = costs(&mut c, &raw.costs.unwrap_or_default());
    let teams = teams(&mut c, &raw.teams.unwrap_or_default());
    let exposure = exposure(&mut c, &raw.exposure.unwrap_or_default());
    let referral = referral(&mut c, &raw.referral.unwrap_or_default(), &free);
    let trial = raw.trial.as_ref().map(|tr| trial(&mut c, tr, &plans));
    let pql = raw.pql.as_ref().map(|q| pql(&mut c, q));
    let sales = raw.sales.as_ref().map(|sl| sales(&mut c, sl, pql.is_some(), &plans));
    let pricing = pricing(&mut c, &raw.pricing.unwrap_or_default());
    let finance = finance(&mut c, &raw.finance.unwrap_or_default());
    // Checked here so a bad grid is reported with the rest.
    let sweep = raw.sweep.as_ref().and_then(|sw| sweep(&mut c, sw));
    let correlations = correlations(&mut c, raw.correlations.as_deref().unwrap_or_default());
    let variants = variants(&mut c, raw.variants.as_deref().unwrap_or_default());
    joint_sample(&mut c);
    let (source, problems_before) = (c.source, c.problems.len());
    let engine_span = meta.engine_span.clone();

    let s = Scenario {
        name: meta.name,
        description: meta.description,
        months: meta.months,
        runs: meta.runs,
        seed: meta.seed,
        time_step: meta.time_step,
        engine: meta.engine,
        start: meta.start,
        usage_unit,
        params: c.params,
        locations: c.locations,
        origin,
        sweep,
        correlations,
        variants,
        model: ModelSpec {
            market_size,
            initial_free_accounts,
            initial_paid_accounts,
            organic,
            channels,
            activation,
            usage,
            free,
            limit_hit,
            invites,
            plans,
            paid,
            costs,
            teams,
            exposure,
            referral,
            trial,
            pql,
            sales,
            pricing,
            finance,
        },
    };
    // The count engine, asked for, must simulate every mechanic the
    // scenario uses (`engine::counts::refusals`).
    if s.engine == EngineChoice::Counts && c.problems.len() == problems_before {
        let refused = crate::engine::counts::refusals(&s);
        if !refused.is_empty() {
            let location = engine_span.map(|span| source.locate(span));
            c.problems.push(Problem {
                key: "scenario.engine".to_string(),
                message: format!(
                    "the count engine does not simulate {} (use \"auto\" or \"accounts\")",
                    refused.join(", ")
                ),
                location,
            });
        }
    }
    s
}

/// The `[scenario]` section, checked.
struct Meta {
    name: String,
    description: String,
    months: u32,
    runs: u32,
    seed: u64,
    time_step: TimeStep,
    start: Option<YearMonth>,
    engine: EngineChoice,
    /// Where `scenario.engine` was written.
    engine_span: Option<Range<usize>>,
}

/// An integer setting from `lo` to `hi` (`default` when absent or wrong).
fn int_in(c: &mut Checker, v: &Option<Spanned<i64>>, key: &str, default: i64, lo: i64, hi: i64) -> i64 {
    match v {
        None => default,
        Some(s) if (lo..=hi).contains(s.get_ref()) => *s.get_ref(),
        Some(s) => {
            c.problem(key, Some(s.span()), format!("expected an integer from {lo} to {hi}, got {}", s.get_ref()));
            default
        }
    }
}

/// `[scenario]`: name, horizon, runs, seed and time step.
fn scenario(c: &mut Checker, meta: RawMeta) -> Meta {
    let months = int_in(c, &meta.months, "scenario.months", 24, 1, MAX_MONTHS) as u32;
    let runs = int_in(c, &meta.runs, "scenario.runs", 1000, 1, MAX_RUNS) as u32;
    // Every run's monthly figures are kept (for exact percentiles): about
    // half a kilobyte per run and month.
    if runs as u64 * months as u64 > MAX_RUN_MONTHS {
        c.problem(
            "scenario.runs",
            meta.runs.as_ref().map(|s| s.span()),
            format!(
                "{runs} runs x {months} months keeps too many results in memory: runs x months must be at most {MAX_RUN_MONTHS} (e.g. {} runs of {months} months)",
                MAX_RUN_MONTHS / months as u64
            ),
        );
    }
    let seed = int_in(c, &meta.seed, "scenario.seed", 1, 0, i64::MAX) as u64;
    for (key, span) in [
        ("scenario.months", meta.months.as_ref().map(|s| s.span())),
        ("scenario.runs", meta.runs.as_ref().map(|s| s.span())),
        ("scenario.time_step", meta.time_step.as_ref().map(|s| s.span())),
        ("scenario.start", meta.start.as_ref().map(|s| s.span())),
        ("scenario.engine", meta.engine.as_ref().map(|s| s.span())),
    ] {
        if let Some(span) = span {
            let location = c.source.locate(span);
            c.locations.push((key.to_string(), location));
        }
    }
    let time_step = match meta.time_step.as_ref() {
        None => TimeStep::Month,
        Some(s) => match s.get_ref().as_str() {
            "month" => TimeStep::Month,
            "week" => TimeStep::Week,
            "day" => TimeStep::Day,
            other => {
                c.problem(
                    "scenario.time_step",
                    Some(s.span()),
                    format!("expected \"month\", \"week\" or \"day\", got \"{other}\""),
                );
                TimeStep::Month
            }
        },
    };
    let engine = match meta.engine.as_ref() {
        None => EngineChoice::Auto,
        Some(s) => match s.get_ref().as_str() {
            "auto" => EngineChoice::Auto,
            "accounts" => EngineChoice::Accounts,
            "counts" => EngineChoice::Counts,
            other => {
                c.problem(
                    "scenario.engine",
                    Some(s.span()),
                    format!("expected \"auto\", \"accounts\" or \"counts\", got \"{other}\""),
                );
                EngineChoice::Auto
            }
        },
    };
    let name = meta.name.unwrap_or_else(|| {
        std::path::Path::new(&c.source.file_name).file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into())
    });
    let start = meta.start.as_ref().and_then(|s| start(c, s, months));
    let engine_span = meta.engine.as_ref().map(|s| s.span());
    Meta {
        name,
        description: meta.description.unwrap_or_default(),
        months,
        runs,
        seed,
        time_step,
        start,
        engine,
        engine_span,
    }
}

/// `scenario.start`: the calendar month of the horizon's first month, as
/// `"YYYY-MM"`; month 0 (the month before) and the last month must be
/// calendar months too.
fn start(c: &mut Checker, s: &Spanned<String>, months: u32) -> Option<YearMonth> {
    let text = s.get_ref();
    let Some(start) = YearMonth::parse(text) else {
        c.problem(
            "scenario.start",
            Some(s.span()),
            format!("expected a month as \"YYYY-MM\" (e.g. \"2027-01\"), got \"{}\"", text.escape_debug()),
        );
        return None;
    };
    if start.of_horizon_month(0).is_none() || start.of_horizon_month(months).is_none() {
        c.problem(
            "scenario.start",
            Some(s.span()),
            format!(
                "expected a month from {}-02 on whose {months} months end by {}-12, got \"{text}\"",
                crate::calendar::FIRST_YEAR,
                crate::calendar::LAST_YEAR
            ),
        );
        return None;
    }
    Some(start)
}

/// `[market]`: the addressable market (`None`: unbounded).
fn market(c: &mut Checker, market: &RawMarket) -> Option<ParamId> {
    c.optional(&market.size, "market.size", Domain::Positive, MAX_MARKET)
}

/// `[initial]`: the free and paid accounts at the start.
fn initial(c: &mut Checker, initial: &RawInitial) -> (ParamId, ParamId) {
    let free = c.count(&initial.free_accounts, "initial.free_accounts", 0.0, MAX_ACCOUNTS);
    let paid = c.count(&initial.paid_accounts, "initial.paid_accounts", 0.0, MAX_ACCOUNTS);
    (free, paid)
}

/// `[acquisition.organic]`. The share of the remaining market needs a
/// market; the growth is bounded so that signups stay within
/// [`MAX_ACCOUNTS`] a month.
fn organic(c: &mut Checker, o: &RawOrganic, market_size: Option<ParamId>, months: u32) -> OrganicSpec {
    let organic = OrganicSpec {
        signups_per_month: c.bounded(
            &o.signups_per_month,
            "acquisition.organic.signups_per_month",
            Domain::NonNegative,
            0.0,
            MAX_ACCOUNTS,
        ),
        growth_per_month: c.param(&o.growth_per_month, "acquisition.organic.growth_per_month", Domain::Growth, 0.0),
        share_of_remaining_market_per_month: c.param(
            &o.share_of_remaining_market_per_month,
            "acquisition.organic.share_of_remaining_market_per_month",
            Domain::Probability,
            0.0,
        ),
    };
    if market_size.is_none()
        && let Some(v) = &o.share_of_remaining_market_per_month
        && *v.get_ref() != Dist::Fixed(0.0)
    {
        c.problem(
            "acquisition.organic.share_of_remaining_market_per_month",
            Some(v.span()),
            "needs a finite market: set market.size".into(),
        );
    }
    c.compounding(
        organic.growth_per_month,
        &o.growth_per_month,
        organic.signups_per_month,
        &o.signups_per_month,
        months,
        MAX_ACCOUNTS,
        "the most signups a month from one source",
    );
    organic
}

/// `[[acquisition.channels]]`: at most [`MAX_CHANNELS`], each checked by
/// [`channel`].
fn channels(c: &mut Checker, raw: Option<&Spanned<Vec<Spanned<RawChannel>>>>, months: u32) -> Vec<ChannelSpec> {
    if let Some(chs) = raw
        && chs.get_ref().len() > MAX_CHANNELS
    {
        c.problem(
            "acquisition.channels",
            Some(chs.span()),
            format!(
                "at most {MAX_CHANNELS} paid channels (each is counted under its own source), got {}",
                chs.get_ref().len()
            ),
        );
    }
    let mut channels: Vec<ChannelSpec> = Vec::new();
    for (i, ch) in raw.map_or(&[][..], |chs| chs.get_ref()).iter().enumerate() {
        let spec = channel(c, i, ch, &channels, months);
        channels.push(spec);
    }
    channels
}

/// The `i`th paid channel (`earlier`: the channels before it). Its name is
/// an identifier, unique; its spend growth and its cost per signup are
/// bounded so that it buys at most [`MAX_ACCOUNTS`] signups a month.
fn channel(c: &mut Checker, i: usize, ch: &Spanned<RawChannel>, earlier: &[ChannelSpec], months: u32) -> ChannelSpec {
    let span = ch.span();
    let ch = ch.get_ref();
    let name = match &ch.name {
        Some(n) if is_identifier(n.get_ref()) => n.get_ref().clone(),
        Some(n) => {
            c.problem(
                &format!("acquisition.channels.{i}.name"),
                Some(n.span()),
                format!("expected a name of lowercase letters, digits and _, got \"{}\"", n.get_ref()),
            );
            i.to_string()
        }
        None => {
            c.problem(
                &format!("acquisition.channels.{i}"),
                Some(span.clone()),
                "a channel needs a `name` (e.g. name = \"search_ads\")".into(),
            );
            i.to_string()
        }
    };
    if earlier.iter().any(|o| o.name == name) {
        c.problem(
            &format!("acquisition.channels.{name}.name"),
            ch.name.as_ref().map(|n| n.span()),
            "two channels have this name".into(),
        );
    }
    let k = |f: &str| format!("acquisition.channels.{name}.{f}");
    if ch.cost_per_signup.is_none() {
        c.problem(
            &k("cost_per_signup"),
            Some(span.clone()),
            "a channel needs `cost_per_signup` (money per signup)".into(),
        );
    }
    let cost_key = k("cost_per_signup");
    let spec = ChannelSpec {
        spend_per_month: c.bounded(&ch.spend_per_month, &k("spend_per_month"), Domain::NonNegative, 0.0, MAX_MONEY),
        spend_growth_per_month: c.param(&ch.spend_growth_per_month, &k("spend_growth_per_month"), Domain::Growth, 0.0),
        cost_per_signup: c.bounded(&ch.cost_per_signup, &k("cost_per_signup"), Domain::Positive, 1.0, MAX_MONEY),
        max_signups_per_month: c.optional(
            &ch.max_signups_per_month,
            &k("max_signups_per_month"),
            Domain::Positive,
            MAX_ACCOUNTS,
        ),
        name,
    };
    c.compounding(
        spec.spend_growth_per_month,
        &ch.spend_growth_per_month,
        spec.spend_per_month,
        &ch.spend_per_month,
        months,
        MAX_MONEY,
        "the most spend a month",
    );
    // Without a ceiling, signups are spend / cost_per_signup.
    if spec.max_signups_per_month.is_none()
        && let (Some(spend), Some(growth), Some(cost)) = (
            upper_end(&c.params[spec.spend_per_month.0].dist),
            upper_end(&c.params[spec.spend_growth_per_month.0].dist),
            lower_end(&c.params[spec.cost_per_signup.0].dist),
        )
        && cost > 0.0
    {
        let growth = growth.min(c.params[spec.spend_growth_per_month.0].max);
        let top = spend.min(MAX_MONEY) * libm::pow(1.0 + growth, months as f64);
        if top / cost > MAX_ACCOUNTS {
            c.problem(
                &cost_key,
                ch.cost_per_signup.as_ref().map(|v| v.span()),
                format!(
                    "expected at least {}: a spend of up to {} a month buys {} signups a month, more than {} (the most signups a month from one source); or give the channel a ceiling, max_signups_per_month",
                    fmt_num(round_up(top / MAX_ACCOUNTS)),
                    fmt_num(round_up(top)),
                    fmt_num(round_up(top / cost)),
                    fmt_num(MAX_ACCOUNTS),
                ),
            );
        }
    }
    spec
}

/// `[activation]`.
fn activation(c: &mut Checker, a: &RawActivation) -> ActivationSpec {
    ActivationSpec {
        probability: c.param(&a.probability, "activation.probability", Domain::Probability, 1.0),
        time_to_value_median_months: c.param(
            &a.time_to_value_median_months,
            "activation.time_to_value_median_months",
            Domain::NonNegative,
            0.0,
        ),
        time_to_value_sigma: c.param(
            &a.time_to_value_sigma,
            "activation.time_to_value_sigma",
            Domain::NonNegative,
            0.0,
        ),
        window_months: c.bounded(
            &a.window_months,
            "activation.window_months",
            Domain::Positive,
            1.0,
            MAX_MONTHS as f64,
        ),
    }
}

/// `[usage]`: the unit's name and the usage distribution.
fn usage(c: &mut Checker, u: &RawUsage) -> (String, UsageSpec) {
    let unit = u.unit.clone().unwrap_or_else(|| "units".into());
    let usage = UsageSpec {
        median_per_month: c.param(&u.median_per_month, "usage.median_per_month", Domain::NonNegative, 1.0),
        sigma: c.param(&u.sigma, "usage.sigma", Domain::NonNegative, 0.0),
    };
    (unit, usage)
}

/// `[free]`. The eventual conversion replaces the monthly one and needs a
/// free churn.
fn free(c: &mut Checker, f: &RawFree) -> FreeSpec {
    let free = FreeSpec {
        usage_limit: c.optional(&f.usage_limit, "free.usage_limit", Domain::Positive, f64::INFINITY),
        seat_limit: c.optional_count(&f.seat_limit, "free.seat_limit", MAX_SEATS),
        conversion_per_month: c.param(&f.conversion_per_month, "free.conversion_per_month", Domain::Probability, 0.0),
        eventual_conversion: c.optional(&f.eventual_conversion, "free.eventual_conversion", Domain::Probability, 1.0),
        churn_per_month: c.param(&f.churn_per_month, "free.churn_per_month", Domain::Probability, 0.0),
        reactivation_per_month: c.param(
            &f.reactivation_per_month,
            "free.reactivation_per_month",
            Domain::Probability,
            0.0,
        ),
    };
    if let Some(e) = &f.eventual_conversion {
        if f.conversion_per_month.is_some() {
            c.problem(
                "free.eventual_conversion",
                Some(e.span()),
                "give either free.conversion_per_month or free.eventual_conversion, not both".into(),
            );
        }
        if c.fixed(free.churn_per_month) == Some(0.0) {
            c.problem(
                "free.eventual_conversion",
                Some(e.span()),
                "needs free.churn_per_month > 0 (with no churn every account converts eventually)".into(),
            );
        }
    }
    free
}

/// `[limit_hit]`. Its shares of the accounts that hit the limit add up to
/// at most 1, and they need a free limit.
fn limit_hit(c: &mut Checker, l: &RawLimitHit, free: &FreeSpec) -> LimitHitSpec {
    let limit_hit = LimitHitSpec {
        convert: c.param(&l.convert, "limit_hit.convert", Domain::Probability, 0.0),
        churn: c.param(&l.churn, "limit_hit.churn", Domain::Probability, 0.0),
        convert_before_activation: c.param(
            &l.convert_before_activation,
            "limit_hit.convert_before_activation",
            Domain::Probability,
            0.0,
        ),
        churn_before_activation: c.param(
            &l.churn_before_activation,
            "limit_hit.churn_before_activation",
            Domain::Probability,
            0.0,
        ),
        blocked_conversion_per_month: c.param(
            &l.blocked_conversion_per_month,
            "limit_hit.blocked_conversion_per_month",
            Domain::Probability,
            0.0,
        ),
        // Absent: the free churn itself (the same value in every run).
        blocked_churn_per_month: c.optional(
            &l.blocked_churn_per_month,
            "limit_hit.blocked_churn_per_month",
            Domain::Probability,
            f64::INFINITY,
        ),
        value_buildup_months: c.bounded(
            &l.value_buildup_months,
            "limit_hit.value_buildup_months",
            Domain::NonNegative,
            0.0,
            120.0,
        ),
        blocked_invite_factor: c.param(
            &l.blocked_invite_factor,
            "limit_hit.blocked_invite_factor",
            Domain::Probability,
            0.0,
        ),
    };
    if let (Some(cv), Some(ch)) = (c.fixed(limit_hit.convert), c.fixed(limit_hit.churn))
        && cv + ch > 1.0 + 1e-12
    {
        c.problem(
            "limit_hit.churn",
            l.churn.as_ref().map(|s| s.span()),
            format!(
                "limit_hit.convert + limit_hit.churn must be at most 1 (they are shares of the accounts that hit the limit), got {} + {}",
                fmt_num(cv),
                fmt_num(ch)
            ),
        );
    }
    if let (Some(cv), Some(ch)) =
        (c.fixed(limit_hit.convert_before_activation), c.fixed(limit_hit.churn_before_activation))
        && cv + ch > 1.0 + 1e-12
    {
        c.problem(
            "limit_hit.churn_before_activation",
            l.churn_before_activation.as_ref().map(|s| s.span()),
            format!(
                "limit_hit.convert_before_activation + limit_hit.churn_before_activation must be at most 1, got {} + {}",
                fmt_num(cv),
                fmt_num(ch)
            ),
        );
    }
    if free.usage_limit.is_none() && free.seat_limit.is_none() {
        for (key, v) in [("limit_hit.convert", &l.convert), ("limit_hit.churn", &l.churn)] {
            if let Some(v) = v
                && *v.get_ref() != Dist::Fixed(0.0)
            {
                c.problem(
                    key,
                    Some(v.span()),
                    "has no effect without a limit: set free.usage_limit or free.seat_limit".into(),
                );
            }
        }
    }
    limit_hit
}

/// `[invites]`.
fn invites(c: &mut Checker, inv: &RawInvites) -> InvitesSpec {
    let once = match inv.pattern.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
        None | Some(("continuous", _)) => false,
        Some(("once", _)) => true,
        Some((other, sp)) => {
            c.problem("invites.pattern", Some(sp), format!("expected \"continuous\" or \"once\", got \"{other}\""));
            false
        }
    };
    if once && let Some(v) = &inv.per_active_seat_per_month {
        c.problem(
            "invites.per_active_seat_per_month",
            Some(v.span()),
            "invitations sent once (invites.pattern = \"once\") are set by invites.per_new_account, not per seat and month".into(),
        );
    }
    if !once && let Some(v) = &inv.per_new_account {
        c.problem(
            "invites.per_new_account",
            Some(v.span()),
            "applies with invites.pattern = \"once\"; invitations sent continuously are set by invites.per_active_seat_per_month".into(),
        );
    }
    InvitesSpec {
        once,
        per_new_account: c.bounded(&inv.per_new_account, "invites.per_new_account", Domain::NonNegative, 0.0, 1000.0),
        per_active_seat_per_month: c.bounded(
            &inv.per_active_seat_per_month,
            "invites.per_active_seat_per_month",
            Domain::NonNegative,
            0.0,
            1000.0,
        ),
        acceptance: c.param(&inv.acceptance, "invites.acceptance", Domain::Probability, 0.0),
        cycle_months: c.bounded(&inv.cycle_months, "invites.cycle_months", Domain::NonNegative, 1.0, 60.0),
    }
}

/// `[[plans]]`: at least one, at most [`MAX_PLANS`], each checked by
/// [`plan`], and every price small enough for an account's MRR to fit its
/// 32 bits of cents ([`MAX_ACCOUNT_MRR`]) with the most seats an account can
/// have on it (which depends on `free.seat_limit` and on whether there is a
/// trial).
fn plans(
    c: &mut Checker,
    raw: Option<&Spanned<Vec<Spanned<RawPlan>>>>,
    free: &FreeSpec,
    has_trial: bool,
) -> Vec<PlanSpec> {
    let mut plans: Vec<PlanSpec> = Vec::new();
    // The span of each plan's price, for the MRR check below.
    let mut prices: Vec<Option<Range<usize>>> = Vec::new();
    let plans_span = raw.map(|p| p.span());
    for (i, p) in raw.map_or(&[][..], |p| p.get_ref()).iter().enumerate() {
        prices.push(p.get_ref().price_per_month.as_ref().map(|v| v.span()));
        let spec = plan(c, i, p, &plans);
        plans.push(spec);
    }
    if plans.len() > MAX_PLANS {
        c.problem(
            "plans",
            plans_span.clone(),
            format!("at most {MAX_PLANS} plans (an account keeps its plan in 8 bits), got {}", plans.len()),
        );
    }
    prices_fit_mrr(c, &plans, &prices, free, has_trial);
    if plans.is_empty() {
        c.problem(
            "plans",
            plans_span,
            "a scenario needs at least one paid plan, e.g.\n[[plans]]\nname = \"pro\"\nprice_per_month = 12".into(),
        );
    }
    plans
}

/// The `i`th plan (`earlier`: the plans before it): an identifier for a
/// name, unique, and a price.
fn plan(c: &mut Checker, i: usize, p: &Spanned<RawPlan>, earlier: &[PlanSpec]) -> PlanSpec {
    let span = p.span();
    let p = p.get_ref();
    let name = match &p.name {
        Some(n) if is_identifier(n.get_ref()) => n.get_ref().clone(),
        Some(n) => {
            c.problem(
                &format!("plans.{i}.name"),
                Some(n.span()),
                format!("expected a name of lowercase letters, digits and _, got \"{}\"", n.get_ref()),
            );
            i.to_string()
        }
        None => {
            c.problem(&format!("plans.{i}"), Some(span.clone()), "a plan needs a `name` (e.g. name = \"pro\")".into());
            i.to_string()
        }
    };
    if earlier.iter().any(|o| o.name == name) {
        c.problem(&format!("plans.{name}.name"), p.name.as_ref().map(|n| n.span()), "two plans have this name".into());
    }
    let k = |f: &str| format!("plans.{name}.{f}");
    if p.price_per_month.is_none() {
        c.problem(&k("price_per_month"), Some(span.clone()), "a plan needs `price_per_month`".into());
    }
    PlanSpec {
        price_per_month: c.bounded(&p.price_per_month, &k("price_per_month"), Domain::NonNegative, 0.0, MAX_MONEY),
        per_seat: p.per_seat.unwrap_or(false),
        usage_limit: c.optional(&p.usage_limit, &k("usage_limit"), Domain::Positive, f64::INFINITY),
        seat_limit: c.optional_count(&p.seat_limit, &k("seat_limit"), MAX_SEATS),
        annual_share: c.param(&p.annual_share, &k("annual_share"), Domain::Probability, 0.0),
        annual_discount: c.param(&p.annual_discount, &k("annual_discount"), Domain::Probability, 0.0),
        name,
    }
}

/// An account's MRR must fit its 32 bits of cents. On a per-seat plan the
/// price is multiplied by the seats, which stop at the plan's seat limit
/// but may be more when the account arrives with them: from the free plan
/// (up to free.seat_limit), a trial (no seat limit) or a lower tier. Bounds
/// each price (sampled values are clamped to it) and refuses a larger one;
/// `prices` holds the span of each plan's price.
fn prices_fit_mrr(
    c: &mut Checker,
    plans: &[PlanSpec],
    prices: &[Option<Range<usize>>],
    free: &FreeSpec,
    has_trial: bool,
) {
    let seat_bound = |c: &Checker, id: Option<ParamId>| match id.map(|id| &c.params[id.0].dist) {
        None => MAX_ACCOUNT_SEATS,
        Some(Dist::Fixed(x)) => x.round().max(1.0),
        Some(_) => MAX_SEATS,
    };
    let mut seats = if has_trial { MAX_ACCOUNT_SEATS } else { seat_bound(c, free.seat_limit) };
    for (plan, raw_price) in plans.iter().zip(prices) {
        seats = seats.max(seat_bound(c, plan.seat_limit));
        let id = plan.price_per_month;
        let (limit, why) = if plan.per_seat {
            (
                (MAX_ACCOUNT_MRR / seats * 100.0).floor() / 100.0,
                format!(
                    "a price per seat x up to {} seats (the plan's seat limit, or the most seats an account can bring to it) must fit an account's MRR, at most {}",
                    fmt_num(seats),
                    fmt_num(MAX_ACCOUNT_MRR)
                ),
            )
        } else {
            (MAX_ACCOUNT_MRR, "an account's MRR is kept in 32 bits of cents".to_string())
        };
        c.params[id.0].max = c.params[id.0].max.min(limit);
        if let Some(high) = upper_end(&c.params[id.0].dist)
            && high > limit
            && high <= MAX_MONEY
            && c.params[id.0].dist.check(Domain::NonNegative).is_ok()
        {
            c.problem(
                &c.params[id.0].key.clone(),
                raw_price.clone(),
                format!("expected at most {}, got {}: {why}", fmt_num(limit), fmt_num(high)),
            );
        }
    }
}

/// The index of the plan named by `v` (`default` when absent or unknown).
fn plan_index(c: &mut Checker, plans: &[PlanSpec], v: &Option<Spanned<String>>, key: &str, default: usize) -> usize {
    match v {
        None => default,
        Some(n) => match plans.iter().position(|p| &p.name == n.get_ref()) {
            Some(i) => i,
            None => {
                let names: Vec<String> = plans.iter().map(|p| format!("\"{}\"", p.name)).collect();
                c.problem(
                    key,
                    Some(n.span()),
                    format!("no plan is named \"{}\"; the plans are {}", n.get_ref(), names.join(", ")),
                );
                default
            }
        },
    }
}

/// `[paid]`. A churn floor needs the time it takes to reach it.
fn paid(c: &mut Checker, pd: &RawPaid, plans: &[PlanSpec]) -> PaidSpec {
    let paid = PaidSpec {
        entry_plan: plan_index(c, plans, &pd.entry_plan, "paid.entry_plan", 0),
        churn_per_month: c.param(&pd.churn_per_month, "paid.churn_per_month", Domain::Probability, 0.0),
        // Absent: no fall with tenure (the floor is the churn itself).
        churn_floor_per_month: c.optional(
            &pd.churn_floor_per_month,
            "paid.churn_floor_per_month",
            Domain::Probability,
            f64::INFINITY,
        ),
        churn_halving_months: c.optional(
            &pd.churn_halving_months,
            "paid.churn_halving_months",
            Domain::Positive,
            1200.0,
        ),
        payment_failure: c.param(&pd.payment_failure, "paid.payment_failure", Domain::Probability, 0.0),
        payment_recovery: c.param(&pd.payment_recovery, "paid.payment_recovery", Domain::Probability, 0.0),
        win_back_per_month: c.param(&pd.win_back_per_month, "paid.win_back_per_month", Domain::Probability, 0.0),
        upgrade_per_month: c.param(&pd.upgrade_per_month, "paid.upgrade_per_month", Domain::Probability, 0.0),
    };
    if pd.churn_floor_per_month.is_some() && pd.churn_halving_months.is_none() {
        c.problem(
            "paid.churn_floor_per_month",
            pd.churn_floor_per_month.as_ref().map(|s| s.span()),
            "a churn floor needs paid.churn_halving_months (how fast churn falls to it with tenure)".into(),
        );
    }
    paid
}

/// `[costs]`.
fn costs(c: &mut Checker, co: &RawCosts) -> CostsSpec {
    CostsSpec {
        serve_free_seat_per_month: c.money(&co.serve_free_seat_per_month, "costs.serve_free_seat_per_month"),
        serve_paid_seat_per_month: c.money(&co.serve_paid_seat_per_month, "costs.serve_paid_seat_per_month"),
        payment_fee_rate: c.param(&co.payment_fee_rate, "costs.payment_fee_rate", Domain::Probability, 0.0),
        payment_fee_fixed: c.money(&co.payment_fee_fixed, "costs.payment_fee_fixed"),
        fixed_per_month: c.money(&co.fixed_per_month, "costs.fixed_per_month"),
    }
}

/// `[finance]`: the cash the business starts with (`None`: not given; the
/// balance then starts at 0 and there is no runway).
fn finance(c: &mut Checker, f: &RawFinance) -> FinanceSpec {
    FinanceSpec {
        starting_cash: c.optional(&f.starting_cash, "finance.starting_cash", Domain::NonNegative, MAX_STARTING_CASH),
    }
}

/// `[teams]`.
fn teams(c: &mut Checker, t: &RawTeams) -> TeamsSpec {
    TeamsSpec {
        internal_share: c.param(&t.internal_share, "teams.internal_share", Domain::Probability, 0.0),
        seat_churn_per_month: c.param(&t.seat_churn_per_month, "teams.seat_churn_per_month", Domain::Probability, 0.0),
    }
}

/// `[exposure]`.
fn exposure(c: &mut Checker, e: &RawExposure) -> ExposureSpec {
    ExposureSpec {
        per_active_account_per_month: c.bounded(
            &e.per_active_account_per_month,
            "exposure.per_active_account_per_month",
            Domain::NonNegative,
            0.0,
            1e6,
        ),
        signup_rate: c.param(&e.signup_rate, "exposure.signup_rate", Domain::Probability, 0.0),
        cycle_months: c.bounded(&e.cycle_months, "exposure.cycle_months", Domain::NonNegative, 1.0, 60.0),
    }
}

/// `[referral]`. The bonus raises the free usage limit, so it needs one.
fn referral(c: &mut Checker, rf: &RawReferral, free: &FreeSpec) -> ReferralSpec {
    let referral = ReferralSpec {
        limit_bonus: c.param(&rf.limit_bonus, "referral.limit_bonus", Domain::NonNegative, 0.0),
        max_bonus: c.optional(&rf.max_bonus, "referral.max_bonus", Domain::NonNegative, f64::INFINITY),
    };
    if rf.limit_bonus.is_some() && free.usage_limit.is_none() {
        c.problem(
            "referral.limit_bonus",
            rf.limit_bonus.as_ref().map(|s| s.span()),
            "raises the free usage limit, so it needs free.usage_limit".into(),
        );
    }
    referral
}

/// `[trial]`: a length and a conversion are required; the card drop-off
/// only applies when a card is required.
fn trial(c: &mut Checker, tr: &Spanned<RawTrial>, plans: &[PlanSpec]) -> TrialSpec {
    let span = tr.span();
    let tr = tr.get_ref();
    let start = match tr.start.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
        None | Some(("signup", _)) => TrialStart::Signup,
        Some(("activation", _)) => TrialStart::Activation,
        Some((other, sp)) => {
            c.problem("trial.start", Some(sp), format!("expected \"signup\" or \"activation\", got \"{other}\""));
            TrialStart::Signup
        }
    };
    let after = match tr.after.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
        None | Some(("free", _)) => TrialAfter::Free,
        Some(("leave", _)) => TrialAfter::Leave,
        Some((other, sp)) => {
            c.problem("trial.after", Some(sp), format!("expected \"free\" or \"leave\", got \"{other}\""));
            TrialAfter::Free
        }
    };
    for (key, v) in [("trial.length_months", &tr.length_months), ("trial.conversion", &tr.conversion)] {
        if v.is_none() {
            c.problem(key, Some(span.clone()), format!("a trial needs `{}`", &key[6..]));
        }
    }
    let card_required = tr.card_required.unwrap_or(false);
    if !card_required && tr.card_dropoff.is_some() {
        c.problem(
            "trial.card_dropoff",
            tr.card_dropoff.as_ref().map(|s| s.span()),
            "only applies with card_required = true".into(),
        );
    }
    TrialSpec {
        start,
        start_probability: c.param(&tr.start_probability, "trial.start_probability", Domain::Probability, 1.0),
        length_months: c.bounded(&tr.length_months, "trial.length_months", Domain::Positive, 0.5, 24.0),
        plan: plan_index(c, plans, &tr.plan, "trial.plan", 0),
        card_required,
        card_dropoff: c.param(&tr.card_dropoff, "trial.card_dropoff", Domain::Probability, 0.0),
        conversion: c.param(&tr.conversion, "trial.conversion", Domain::Probability, 0.0),
        after,
    }
}

/// `[pql]`: at least one signal.
fn pql(c: &mut Checker, q: &Spanned<RawPql>) -> PqlSpec {
    let span = q.span();
    let q = q.get_ref();
    let all = match q.combine.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
        None | Some(("any", _)) => false,
        Some(("all", _)) => true,
        Some((other, sp)) => {
            c.problem("pql.combine", Some(sp), format!("expected \"any\" or \"all\", got \"{other}\""));
            false
        }
    };
    let spec = PqlSpec {
        on_limit_hit: q.on_limit_hit.unwrap_or(false),
        min_seats: c.optional_count(&q.min_seats, "pql.min_seats", MAX_SEATS),
        min_invites_sent: c.optional_count(&q.min_invites_sent, "pql.min_invites_sent", 60_000.0),
        min_usage: c.optional(&q.min_usage, "pql.min_usage", Domain::NonNegative, f64::INFINITY),
        all,
    };
    if !spec.on_limit_hit && spec.min_seats.is_none() && spec.min_invites_sent.is_none() && spec.min_usage.is_none() {
        c.problem(
            "pql",
            Some(span),
            "name at least one signal: on_limit_hit = true, min_seats, min_invites_sent or min_usage".into(),
        );
    }
    spec
}

/// `[sales]`: contacts PQLs, so it needs `[pql]`; contacts and a conversion
/// are required.
fn sales(c: &mut Checker, sl: &Spanned<RawSales>, has_pql: bool, plans: &[PlanSpec]) -> SalesSpec {
    let span = sl.span();
    let sl = sl.get_ref();
    if !has_pql {
        c.problem("sales", Some(span.clone()), "sales contacts PQLs: add a [pql] section naming the signals".into());
    }
    for (key, v) in [("sales.contacts_per_month", &sl.contacts_per_month), ("sales.conversion", &sl.conversion)] {
        if v.is_none() {
            c.problem(key, Some(span.clone()), format!("a sales team needs `{}`", &key[6..]));
        }
    }
    SalesSpec {
        contacts_per_month: c.count(&sl.contacts_per_month, "sales.contacts_per_month", 0.0, MAX_ACCOUNTS),
        cost_per_contact: c.money(&sl.cost_per_contact, "sales.cost_per_contact"),
        conversion: c.param(&sl.conversion, "sales.conversion", Domain::Probability, 0.0),
        plan: plan_index(c, plans, &sl.plan, "sales.plan", plans.len().saturating_sub(1)),
        fixed_cost_per_month: c.money(&sl.fixed_cost_per_month, "sales.fixed_cost_per_month"),
    }
}

/// `[pricing]`: an elasticity needs the reference price it is measured
/// around.
fn pricing(c: &mut Checker, pr: &RawPricing) -> PricingSpec {
    let pricing = PricingSpec {
        reference_price: c.optional(&pr.reference_price, "pricing.reference_price", Domain::Positive, MAX_MONEY),
        conversion_elasticity: c.param(
            &pr.conversion_elasticity,
            "pricing.conversion_elasticity",
            Domain::NonNegative,
            0.0,
        ),
        churn_elasticity: c.param(&pr.churn_elasticity, "pricing.churn_elasticity", Domain::NonNegative, 0.0),
    };
    if pr.reference_price.is_none() {
        for (key, v) in [
            ("pricing.conversion_elasticity", &pr.conversion_elasticity),
            ("pricing.churn_elasticity", &pr.churn_elasticity),
        ] {
            if let Some(v) = v {
                c.problem(
                    key,
                    Some(v.span()),
                    "an elasticity needs pricing.reference_price (the price it is measured around)".into(),
                );
            }
        }
    }
    pricing
}

/// `[sweep]`: one or two axes and known metrics (`None` when an axis is
/// wrong).
fn sweep(c: &mut Checker, sw: &Spanned<SweepSection>) -> Option<SweepSpec> {
    let span = sw.span();
    let sw = sw.get_ref();
    let axes = match sw.axes() {
        Ok(a) => a,
        Err(e) => {
            c.problem("sweep.params", Some(span.clone()), e.to_string());
            return None;
        }
    };
    if axes.is_empty() || axes.len() > 2 {
        c.problem(
            "sweep.params",
            Some(span.clone()),
            format!("a sweep takes one or two parameters, got {}", axes.len()),
        );
    }
    let mut metrics = Vec::new();
    for name in &sw.metrics {
        match crate::metrics::Horizon::from_name(name) {
            Some(h) => metrics.push(h),
            None => c.problem(
                "sweep.metrics",
                Some(span.clone()),
                format!(
                    "unknown metric `{name}`, expected one of {}",
                    crate::metrics::Horizon::ALL.iter().map(|h| h.name()).collect::<Vec<_>>().join(", ")
                ),
            ),
        }
    }
    Some(SweepSpec { axes, metrics })
}

/// The parameters given as `dist = "sample"` are the columns of one joint
/// sample: each needs as many values as the first.
fn joint_sample(c: &mut Checker) {
    let mut samples = std::mem::take(&mut c.samples);
    // Against the first in the text (a `--set` after the file).
    samples.sort_by_key(|(_, span, _)| span.start);
    let Some((first, _, n)) = samples.first() else { return };
    for (key, span, len) in &samples[1..] {
        if len != n {
            c.problem(
                key,
                Some(span.clone()),
                format!(
                    "{len} sampled values, but `{first}` has {n}: the parameters given as `dist = \"sample\"` are \
                     the columns of one joint sample (a run takes the same row of each), so each needs {n} values"
                ),
            );
        }
    }
}

/// `[[variants]]`: each with a name no other has and `set`, a list of
/// `KEY=VALUE` overrides. Whether the overrides make a valid scenario is
/// checked where the variants are simulated (`plgsim compare`, `plgsim
/// validate`), as for `--set`.
fn variants(c: &mut Checker, raw: &[Spanned<super::variants::RawVariant>]) -> Vec<super::variants::VariantSpec> {
    use super::variants::VariantSpec;
    let mut out: Vec<VariantSpec> = Vec::new();
    for (i, v) in raw.iter().enumerate() {
        let span = v.span();
        let v = v.get_ref();
        let key = format!("variants.{i}");
        let Some(name) = v.name.as_ref().filter(|n| !n.get_ref().trim().is_empty()) else {
            c.problem(&key, Some(span), "a variant needs a `name`".into());
            continue;
        };
        let Some(set) = v.set.as_ref().filter(|s| !s.get_ref().is_empty()) else {
            c.problem(
                &key,
                Some(span),
                format!(
                    "variant `{}` needs `set`, a list of overrides (e.g. set = [\"trial.start=signup\"])",
                    name.get_ref()
                ),
            );
            continue;
        };
        let items: Vec<&str> = set.get_ref().iter().map(|s| s.get_ref().as_str()).collect();
        match VariantSpec::new(name.get_ref(), &items) {
            Ok(spec) if out.iter().any(|o| o.name == spec.name) => {
                c.problem(&key, Some(name.span()), format!("two variants are named `{}`", spec.name));
            }
            Ok(spec) => out.push(spec),
            Err(e) => c.problem(&key, Some(set.span()), e.to_string()),
        }
    }
    out
}

/// `[[correlations]]`: each between two distinct uncertain parameters of
/// this scenario (a parameter fixed by a `--set` override is skipped), no
/// pair twice, and together positive definite.
fn correlations(c: &mut Checker, raw: &[Spanned<RawCorrelation>]) -> Vec<Correlation> {
    let mut correlations: Vec<Correlation> = Vec::new();
    for (i, cr) in raw.iter().enumerate() {
        if let Some(x) = correlation(c, i, cr, &correlations) {
            correlations.push(x);
        }
    }
    if !correlations.is_empty()
        && super::correlation::cholesky(&super::correlation::score_correlation(
            &super::correlation::target(&correlations).1,
        ))
        .is_none()
    {
        c.problem(
            "correlations",
            None,
            "these correlations cannot hold together (their matrix is not positive definite): loosen some".into(),
        );
    }
    correlations
}

/// The `i`th correlation (`earlier`: the ones kept before it); `None` when
/// it is wrong or has no effect.
fn correlation(
    c: &mut Checker,
    i: usize,
    cr: &Spanned<RawCorrelation>,
    earlier: &[Correlation],
) -> Option<Correlation> {
    let span = cr.span();
    let cr = cr.get_ref();
    let key = format!("correlations.{i}");
    // Ok(Some(id)): an uncertain parameter; Ok(None): one fixed by a
    // `--set` override (a sweep point, a sensitivity variant), whose
    // correlations simply have no effect; Err: a problem, reported.
    let id = |c: &mut Checker, v: &Option<Spanned<String>>, field: &str| -> Result<Option<ParamId>, ()> {
        let Some(v) = v else {
            c.problem(
                &key,
                Some(span.clone()),
                format!("a correlation needs `{field}`, the key path of an uncertain parameter"),
            );
            return Err(());
        };
        match c.params.iter().position(|p| &p.key == v.get_ref()) {
            Some(j) if matches!(c.params[j].dist, Dist::Sample(_)) => {
                c.problem(
                    &key,
                    Some(span.clone()),
                    format!(
                        "`{}` is given as a joint sample (`dist = \"sample\"`), which carries its own dependence on \
                         the other sampled parameters; it cannot be correlated too",
                        v.get_ref()
                    ),
                );
                Err(())
            }
            Some(j) if !c.params[j].dist.is_fixed() => Ok(Some(ParamId(j))),
            Some(j) if c.overridden[j] => Ok(None),
            Some(_) => {
                c.problem(
                    &format!("{key}.{field}"),
                    Some(v.span()),
                    format!("`{}` is a fixed value; only uncertain parameters can be correlated", v.get_ref()),
                );
                Err(())
            }
            None => {
                c.problem(
                    &format!("{key}.{field}"),
                    Some(v.span()),
                    format!("`{}` is not a parameter of this scenario", v.get_ref()),
                );
                Err(())
            }
        }
    };
    let a = id(c, &cr.a, "a");
    let b = id(c, &cr.b, "b");
    let rank = match &cr.rank {
        Some(r) if *r.get_ref() > -1.0 && *r.get_ref() < 1.0 => Some(*r.get_ref()),
        Some(r) => {
            c.problem(
                &format!("{key}.rank"),
                Some(r.span()),
                format!("expected a rank correlation between -1 and 1 (exclusive), got {}", r.get_ref()),
            );
            None
        }
        None => {
            c.problem(&key, Some(span.clone()), "a correlation needs `rank`, Spearman's rho between -1 and 1".into());
            None
        }
    };
    let (Ok(Some(a)), Ok(Some(b)), Some(rank)) = (a, b, rank) else { return None };
    if a == b {
        c.problem(&key, Some(span), "a parameter cannot be correlated with itself".into());
        None
    } else if earlier.iter().any(|x| (x.a == a && x.b == b) || (x.a == b && x.b == a)) {
        c.problem(&key, Some(span), "this pair is correlated twice".into());
        None
    } else {
        Some(Correlation { a, b, rank })
    }
}

#[cfg(test)]
mod tests {
    //! A few checks per section: its defaults, a value out of range, and
    //! its cross-field rules, through [`Scenario::from_str`] as a file is
    //! read. (The exact rendering of every message, with its caret, is
    //! pinned by the integration tests in `tests/bad_input.rs`.)

    use super::*;

    const PLAN: &str = "[[plans]]\nname = \"pro\"\nprice_per_month = 12\n";

    /// `text` and one plan after it, validated.
    fn valid(text: &str) -> Scenario {
        Scenario::from_str("t.toml", &format!("{text}\n{PLAN}"), &[]).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The problems of `text` with one plan after it.
    fn problems(text: &str) -> Vec<(String, usize, String)> {
        problems_of(&format!("{text}\n{PLAN}"), &[])
    }

    /// Each problem as (key, line, message); line 0: no location.
    fn problems_of(text: &str, overrides: &[Override]) -> Vec<(String, usize, String)> {
        match Scenario::from_str("t.toml", text, overrides) {
            Ok(_) => panic!("no problem in\n{text}"),
            Err(e) => e.problems.into_iter().map(|p| (p.key, p.location.map_or(0, |l| l.line), p.message)).collect(),
        }
    }

    fn problem(key: &str, line: usize, message: &str) -> (String, usize, String) {
        (key.to_string(), line, message.to_string())
    }

    /// A fixed parameter's key and value.
    fn fixed(s: &Scenario, id: ParamId) -> (&str, f64) {
        let p = s.param(id);
        (p.key.as_str(), p.dist.fixed_value().expect("a fixed value"))
    }

    #[test]
    fn scenario_defaults_name_the_file() {
        let s = valid("");
        assert_eq!(s.name, "t");
        assert_eq!(s.description, "");
        assert_eq!((s.months, s.runs, s.seed, s.time_step), (24, 1000, 1, TimeStep::Month));
        assert_eq!(s.usage_unit, "units");
        assert!(s.sweep.is_none() && s.correlations.is_empty());
        let s = valid("[scenario]\nname = \"n\"\nmonths = 36\nruns = 10\nseed = 7\ntime_step = \"week\"");
        assert_eq!((s.name.as_str(), s.months, s.runs, s.seed, s.time_step), ("n", 36, 10, 7, TimeStep::Week));
    }

    #[test]
    fn scenario_integers_and_time_step_are_checked() {
        assert_eq!(
            problems("[scenario]\nmonths = 0\nruns = 2000000\nseed = -1\ntime_step = \"year\""),
            vec![
                problem("scenario.months", 2, "expected an integer from 1 to 600, got 0"),
                problem("scenario.runs", 3, "expected an integer from 1 to 1000000, got 2000000"),
                problem("scenario.seed", 4, "expected an integer from 0 to 9223372036854775807, got -1"),
                problem("scenario.time_step", 5, "expected \"month\", \"week\" or \"day\", got \"year\""),
            ]
        );
    }

    #[test]
    fn scenario_start_is_a_calendar_month_and_finance_a_starting_cash() {
        let s = valid("[scenario]\nmonths = 3\nstart = \"2027-12\"\n[finance]\nstarting_cash = 5e5");
        assert_eq!(s.start.map(|d| d.to_string()).as_deref(), Some("2027-12"));
        assert_eq!(fixed(&s, s.model.finance.starting_cash.unwrap()), ("finance.starting_cash", 5e5));
        let s = valid("");
        assert_eq!((s.start, s.model.finance.starting_cash), (None, None));
        assert_eq!(
            problems("[scenario]\nstart = \"2027-1\"\n[finance]\nstarting_cash = 2e15"),
            [
                problem("scenario.start", 2, "expected a month as \"YYYY-MM\" (e.g. \"2027-01\"), got \"2027-1\""),
                problem("finance.starting_cash", 4, "expected at most 1000000000000000, got 2000000000000000"),
            ]
        );
        assert_eq!(
            problems("[scenario]\nmonths = 2\nstart = \"1900-01\""),
            [problem(
                "scenario.start",
                3,
                "expected a month from 1900-02 on whose 2 months end by 9999-12, got \"1900-01\""
            )]
        );
    }

    #[test]
    fn scenario_runs_times_months_is_bounded() {
        assert_eq!(
            problems("[scenario]\nmonths = 600\nruns = 20000"),
            vec![problem(
                "scenario.runs",
                3,
                "20000 runs x 600 months keeps too many results in memory: runs x months must be at most 10000000 (e.g. 16666 runs of 600 months)"
            )]
        );
        valid("[scenario]\nmonths = 600\nruns = 16666");
    }

    #[test]
    fn parameters_are_registered_in_section_order() {
        let s = valid("[market]\nsize = 1000");
        let keys: Vec<&str> = s.params.iter().take(6).map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "market.size",
                "initial.free_accounts",
                "initial.paid_accounts",
                "acquisition.organic.signups_per_month",
                "acquisition.organic.growth_per_month",
                "acquisition.organic.share_of_remaining_market_per_month",
            ]
        );
        assert_eq!(s.params.last().map(|p| p.key.as_str()), Some("pricing.churn_elasticity"));
    }

    #[test]
    fn market_and_initial_defaults_and_bounds() {
        let s = valid("");
        assert!(s.model.market_size.is_none());
        assert_eq!(fixed(&s, s.model.initial_free_accounts), ("initial.free_accounts", 0.0));
        assert_eq!(fixed(&s, s.model.initial_paid_accounts), ("initial.paid_accounts", 0.0));
        assert!(s.param(s.model.initial_paid_accounts).integer);
        assert_eq!(
            problems("[market]\nsize = 0\n[initial]\nfree_accounts = 20_000_000\npaid_accounts = -1"),
            vec![
                problem("market.size", 2, "expected a number greater than 0, got 0"),
                problem("initial.free_accounts", 4, "expected at most 10000000, got 20000000"),
                problem("initial.paid_accounts", 5, "expected a number of 0 or more, got -1"),
            ]
        );
    }

    #[test]
    fn organic_defaults_and_range() {
        let s = valid("");
        let o = &s.model.organic;
        assert_eq!(fixed(&s, o.signups_per_month).1, 0.0);
        assert_eq!(fixed(&s, o.growth_per_month).1, 0.0);
        assert_eq!(fixed(&s, o.share_of_remaining_market_per_month).1, 0.0);
        assert_eq!(
            problems("[acquisition.organic]\ngrowth_per_month = -1"),
            vec![problem(
                "acquisition.organic.growth_per_month",
                2,
                "expected a growth rate greater than -1 (-100%), got -1"
            )]
        );
    }

    #[test]
    fn organic_share_of_the_market_needs_a_market() {
        let text = "[acquisition.organic]\nshare_of_remaining_market_per_month = 0.01";
        assert_eq!(
            problems(text),
            vec![problem(
                "acquisition.organic.share_of_remaining_market_per_month",
                2,
                "needs a finite market: set market.size"
            )]
        );
        valid(&format!("[market]\nsize = 5000\n{text}"));
    }

    #[test]
    fn organic_growth_is_bounded_by_the_signups_it_compounds() {
        let text = "[acquisition.organic]\nsignups_per_month = 1_000_000\ngrowth_per_month = 0.5";
        assert_eq!(
            problems(text),
            vec![problem(
                "acquisition.organic.growth_per_month",
                3,
                "expected at most 0.1006 over 24 months, got 0.5: it would take acquisition.organic.signups_per_month from 1000000 past 10000000 (the most signups a month from one source)"
            )]
        );
        let s = valid("[acquisition.organic]\nsignups_per_month = 1_000_000\ngrowth_per_month = 0.1");
        assert_eq!(s.param(s.model.organic.growth_per_month).max, 0.1006);
    }

    #[test]
    fn channel_defaults() {
        let s = valid("[[acquisition.channels]]\nname = \"ads\"\ncost_per_signup = 20");
        let ch = &s.model.channels[0];
        assert_eq!(ch.name, "ads");
        assert_eq!(fixed(&s, ch.spend_per_month), ("acquisition.channels.ads.spend_per_month", 0.0));
        assert_eq!(fixed(&s, ch.spend_growth_per_month).1, 0.0);
        assert_eq!(fixed(&s, ch.cost_per_signup).1, 20.0);
        assert!(ch.max_signups_per_month.is_none());
    }

    #[test]
    fn channels_need_a_unique_name_and_a_cost() {
        assert_eq!(
            problems(
                "[[acquisition.channels]]\nspend_per_month = 100\n[[acquisition.channels]]\nname = \"Ads\"\ncost_per_signup = 5\n[[acquisition.channels]]\nname = \"ads\"\ncost_per_signup = 5\n[[acquisition.channels]]\nname = \"ads\"\ncost_per_signup = 0"
            ),
            vec![
                problem("acquisition.channels.0", 1, "a channel needs a `name` (e.g. name = \"search_ads\")"),
                problem(
                    "acquisition.channels.0.cost_per_signup",
                    1,
                    "a channel needs `cost_per_signup` (money per signup)"
                ),
                problem(
                    "acquisition.channels.1.name",
                    4,
                    "expected a name of lowercase letters, digits and _, got \"Ads\""
                ),
                problem("acquisition.channels.ads.name", 10, "two channels have this name"),
                problem("acquisition.channels.ads.cost_per_signup", 11, "expected a number greater than 0, got 0"),
            ]
        );
    }

    #[test]
    fn a_channel_without_a_ceiling_buys_a_bounded_number_of_signups() {
        let text = "[[acquisition.channels]]\nname = \"ads\"\nspend_per_month = 1e9\ncost_per_signup = 1";
        assert_eq!(
            problems(text),
            vec![problem(
                "acquisition.channels.ads.cost_per_signup",
                4,
                "expected at least 100: a spend of up to 1000000000 a month buys 1000000000 signups a month, more than 10000000 (the most signups a month from one source); or give the channel a ceiling, max_signups_per_month"
            )]
        );
        valid(&format!("{text}\nmax_signups_per_month = 1000"));
    }

    #[test]
    fn activation_and_usage_defaults_and_range() {
        let s = valid("");
        let a = &s.model.activation;
        assert_eq!(fixed(&s, a.probability), ("activation.probability", 1.0));
        assert_eq!(fixed(&s, a.time_to_value_median_months).1, 0.0);
        assert_eq!(fixed(&s, a.time_to_value_sigma).1, 0.0);
        assert_eq!(fixed(&s, a.window_months).1, 1.0);
        assert_eq!(fixed(&s, s.model.usage.median_per_month), ("usage.median_per_month", 1.0));
        assert_eq!(fixed(&s, s.model.usage.sigma).1, 0.0);
        assert_eq!(valid("[usage]\nunit = \"projects\"").usage_unit, "projects");
        assert_eq!(
            problems("[activation]\nprobability = 1.5\nwindow_months = 601"),
            vec![
                problem("activation.probability", 2, "expected a probability between 0 and 1, got 1.5"),
                problem("activation.window_months", 3, "expected at most 600, got 601"),
            ]
        );
    }

    #[test]
    fn free_defaults_and_range() {
        let s = valid("");
        let f = &s.model.free;
        assert!(f.usage_limit.is_none() && f.seat_limit.is_none() && f.eventual_conversion.is_none());
        assert_eq!(fixed(&s, f.conversion_per_month), ("free.conversion_per_month", 0.0));
        assert_eq!(fixed(&s, f.churn_per_month).1, 0.0);
        assert_eq!(fixed(&s, f.reactivation_per_month).1, 0.0);
        assert_eq!(
            problems("[free]\nseat_limit = 0"),
            vec![problem("free.seat_limit", 2, "expected a number greater than 0, got 0")]
        );
    }

    #[test]
    fn free_eventual_conversion_replaces_the_monthly_one_and_needs_churn() {
        assert_eq!(
            problems("[free]\nconversion_per_month = 0.01\neventual_conversion = 0.1"),
            vec![
                problem(
                    "free.eventual_conversion",
                    3,
                    "give either free.conversion_per_month or free.eventual_conversion, not both"
                ),
                problem(
                    "free.eventual_conversion",
                    3,
                    "needs free.churn_per_month > 0 (with no churn every account converts eventually)"
                ),
            ]
        );
        let s = valid("[free]\nchurn_per_month = 0.05\neventual_conversion = 0.1");
        assert!(s.model.free.eventual_conversion.is_some());
    }

    #[test]
    fn limit_hit_defaults() {
        let s = valid("[free]\nusage_limit = 5");
        let l = &s.model.limit_hit;
        assert_eq!(fixed(&s, l.convert), ("limit_hit.convert", 0.0));
        assert_eq!(fixed(&s, l.churn).1, 0.0);
        assert_eq!(fixed(&s, l.value_buildup_months).1, 0.0);
        assert!(l.blocked_churn_per_month.is_none());
        assert_eq!(
            problems("[free]\nusage_limit = 5\n[limit_hit]\nvalue_buildup_months = 121"),
            vec![problem("limit_hit.value_buildup_months", 4, "expected at most 120, got 121")]
        );
    }

    #[test]
    fn limit_hit_shares_add_up_to_one_at_most_and_need_a_limit() {
        assert_eq!(
            problems(
                "[free]\nusage_limit = 5\n[limit_hit]\nconvert = 0.6\nchurn = 0.5\nconvert_before_activation = 0.5\nchurn_before_activation = 0.75"
            ),
            vec![
                problem(
                    "limit_hit.churn",
                    5,
                    "limit_hit.convert + limit_hit.churn must be at most 1 (they are shares of the accounts that hit the limit), got 0.6 + 0.5"
                ),
                problem(
                    "limit_hit.churn_before_activation",
                    7,
                    "limit_hit.convert_before_activation + limit_hit.churn_before_activation must be at most 1, got 0.5 + 0.75"
                ),
            ]
        );
        assert_eq!(
            problems("[limit_hit]\nconvert = 0.2\nchurn = 0"),
            vec![problem(
                "limit_hit.convert",
                2,
                "has no effect without a limit: set free.usage_limit or free.seat_limit"
            )]
        );
    }

    #[test]
    fn invites_defaults_and_range() {
        let s = valid("");
        let i = &s.model.invites;
        assert_eq!(fixed(&s, i.per_active_seat_per_month), ("invites.per_active_seat_per_month", 0.0));
        assert_eq!(fixed(&s, i.acceptance).1, 0.0);
        assert_eq!(fixed(&s, i.cycle_months).1, 1.0);
        assert_eq!(
            problems("[invites]\nper_active_seat_per_month = 2000\ncycle_months = [1, 90]"),
            vec![
                problem("invites.per_active_seat_per_month", 2, "expected at most 1000, got 2000"),
                problem("invites.cycle_months", 3, "expected at most 60, got 90"),
            ]
        );
    }

    #[test]
    fn invites_sent_once() {
        let s = valid("[invites]\npattern = \"once\"\nper_new_account = 2");
        assert!(s.model.invites.once);
        assert_eq!(fixed(&s, s.model.invites.per_new_account), ("invites.per_new_account", 2.0));
        assert!(!valid("").model.invites.once);
        assert_eq!(
            problems("[invites]\npattern = \"twice\""),
            vec![problem("invites.pattern", 2, "expected \"continuous\" or \"once\", got \"twice\"")]
        );
        let both = problems("[invites]\npattern = \"once\"\nper_active_seat_per_month = 1\nper_new_account = 2000");
        assert_eq!(both.len(), 2);
        assert_eq!((both[0].0.as_str(), both[0].1), ("invites.per_active_seat_per_month", 3));
        assert_eq!(both[1], problem("invites.per_new_account", 4, "expected at most 1000, got 2000"));
        let stray = problems("[invites]\nper_new_account = 2");
        assert_eq!((stray[0].0.as_str(), stray[0].1), ("invites.per_new_account", 2));
    }

    #[test]
    fn plan_defaults() {
        let s = valid("");
        let p = &s.model.plans[0];
        assert_eq!(p.name, "pro");
        assert_eq!(fixed(&s, p.price_per_month), ("plans.pro.price_per_month", 12.0));
        assert!(!p.per_seat && p.usage_limit.is_none() && p.seat_limit.is_none());
        assert_eq!(fixed(&s, p.annual_share).1, 0.0);
        assert_eq!(fixed(&s, p.annual_discount).1, 0.0);
    }

    #[test]
    fn plans_are_required_named_and_priced() {
        assert_eq!(
            problems_of("", &[]),
            vec![problem(
                "plans",
                0,
                "a scenario needs at least one paid plan, e.g.\n[[plans]]\nname = \"pro\"\nprice_per_month = 12"
            )]
        );
        assert_eq!(
            problems("[[plans]]\nname = \"Team\"\n[[plans]]\nname = \"pro\"\nprice_per_month = 30"),
            vec![
                problem("plans.0.price_per_month", 1, "a plan needs `price_per_month`"),
                problem("plans.0.name", 2, "expected a name of lowercase letters, digits and _, got \"Team\""),
                problem("plans.pro.name", 7, "two plans have this name"),
            ]
        );
    }

    #[test]
    fn a_per_seat_price_must_fit_an_accounts_mrr() {
        let text = "[[plans]]\nname = \"team\"\nper_seat = true\nprice_per_month = 1000";
        assert_eq!(
            problems_of(text, &[]),
            vec![problem(
                "plans.team.price_per_month",
                4,
                "expected at most 655.37, got 1000: a price per seat x up to 65535 seats (the plan's seat limit, or the most seats an account can bring to it) must fit an account's MRR, at most 42949672.95"
            )]
        );
        // With every way in limited to 10 seats, the price may be higher.
        let s = Scenario::from_str("t.toml", &format!("[free]\nseat_limit = 10\n{text}\nseat_limit = 10"), &[])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.param(s.model.plans[0].price_per_month).max, 4294967.29);
    }

    #[test]
    fn paid_defaults_and_range() {
        let s = valid("");
        let p = &s.model.paid;
        assert_eq!(p.entry_plan, 0);
        assert_eq!(fixed(&s, p.churn_per_month), ("paid.churn_per_month", 0.0));
        assert!(p.churn_floor_per_month.is_none() && p.churn_halving_months.is_none());
        assert_eq!(
            problems("[paid]\nentry_plan = \"team\"\nchurn_halving_months = 1201"),
            vec![
                problem("paid.entry_plan", 2, "no plan is named \"team\"; the plans are \"pro\""),
                problem("paid.churn_halving_months", 3, "expected at most 1200, got 1201"),
            ]
        );
    }

    #[test]
    fn paid_churn_floor_needs_a_halving_time() {
        assert_eq!(
            problems("[paid]\nchurn_per_month = 0.05\nchurn_floor_per_month = 0.01"),
            vec![problem(
                "paid.churn_floor_per_month",
                3,
                "a churn floor needs paid.churn_halving_months (how fast churn falls to it with tenure)"
            )]
        );
        valid("[paid]\nchurn_per_month = 0.05\nchurn_floor_per_month = 0.01\nchurn_halving_months = 6");
    }

    #[test]
    fn costs_teams_and_exposure_defaults_and_ranges() {
        let s = valid("");
        let co = &s.model.costs;
        for id in [co.serve_free_seat_per_month, co.serve_paid_seat_per_month, co.payment_fee_rate, co.fixed_per_month]
        {
            assert_eq!(fixed(&s, id).1, 0.0);
        }
        assert_eq!(fixed(&s, s.model.teams.internal_share), ("teams.internal_share", 0.0));
        assert_eq!(fixed(&s, s.model.exposure.cycle_months), ("exposure.cycle_months", 1.0));
        assert_eq!(
            problems("[costs]\npayment_fee_rate = 2\nfixed_per_month = 2e12\n[teams]\nseat_churn_per_month = -0.1"),
            vec![
                problem("costs.payment_fee_rate", 2, "expected a probability between 0 and 1, got 2"),
                problem("costs.fixed_per_month", 3, "expected at most 1000000000000, got 2000000000000"),
                problem("teams.seat_churn_per_month", 5, "expected a probability between 0 and 1, got -0.1"),
            ]
        );
    }

    #[test]
    fn referral_bonus_needs_a_usage_limit() {
        let s = valid("");
        assert_eq!(fixed(&s, s.model.referral.limit_bonus), ("referral.limit_bonus", 0.0));
        assert!(s.model.referral.max_bonus.is_none());
        assert_eq!(
            problems("[referral]\nlimit_bonus = 2"),
            vec![problem("referral.limit_bonus", 2, "raises the free usage limit, so it needs free.usage_limit")]
        );
        valid("[free]\nusage_limit = 5\n[referral]\nlimit_bonus = 2");
    }

    #[test]
    fn trial_defaults() {
        let s = valid("[trial]\nlength_months = 0.5\nconversion = 0.3");
        let t = s.model.trial.as_ref().expect("a trial");
        assert_eq!((t.start, t.after, t.plan, t.card_required), (TrialStart::Signup, TrialAfter::Free, 0, false));
        assert_eq!(fixed(&s, t.start_probability), ("trial.start_probability", 1.0));
        assert_eq!(fixed(&s, t.card_dropoff).1, 0.0);
        assert!(valid("").model.trial.is_none());
    }

    #[test]
    fn trial_needs_a_length_and_a_conversion_and_a_card_for_its_dropoff() {
        assert_eq!(
            problems("[trial]\nstart = \"invite\"\nafter = \"stay\"\ncard_dropoff = 0.5\nplan = \"team\""),
            vec![
                problem("trial.length_months", 1, "a trial needs `length_months`"),
                problem("trial.conversion", 1, "a trial needs `conversion`"),
                problem("trial.start", 2, "expected \"signup\" or \"activation\", got \"invite\""),
                problem("trial.after", 3, "expected \"free\" or \"leave\", got \"stay\""),
                problem("trial.card_dropoff", 4, "only applies with card_required = true"),
                problem("trial.plan", 5, "no plan is named \"team\"; the plans are \"pro\""),
            ]
        );
        assert_eq!(
            problems("[trial]\nlength_months = 25\nconversion = 0.3"),
            vec![problem("trial.length_months", 2, "expected at most 24, got 25")]
        );
    }

    #[test]
    fn pql_needs_a_signal() {
        let s = valid("[pql]\non_limit_hit = true");
        let q = s.model.pql.as_ref().expect("a pql");
        assert!(q.on_limit_hit && !q.all && q.min_seats.is_none());
        assert_eq!(
            problems("[pql]\ncombine = \"both\""),
            vec![
                problem(
                    "pql",
                    1,
                    "name at least one signal: on_limit_hit = true, min_seats, min_invites_sent or min_usage"
                ),
                problem("pql.combine", 2, "expected \"any\" or \"all\", got \"both\""),
            ]
        );
        assert_eq!(
            problems("[pql]\nmin_seats = 70000"),
            vec![problem("pql.min_seats", 2, "expected at most 60000, got 70000")]
        );
    }

    #[test]
    fn sales_needs_pql_and_sells_the_last_plan() {
        let text = format!(
            "[pql]\nmin_seats = 3\n[sales]\ncontacts_per_month = 10\nconversion = 0.2\n{PLAN}[[plans]]\nname = \"team\"\nprice_per_month = 50"
        );
        let s = Scenario::from_str("t.toml", &text, &[]).unwrap_or_else(|e| panic!("{e}"));
        let sl = s.model.sales.as_ref().expect("sales");
        assert_eq!(s.model.plans[sl.plan].name, "team");
        assert_eq!(fixed(&s, sl.cost_per_contact), ("sales.cost_per_contact", 0.0));
        assert_eq!(
            problems("[sales]\ncost_per_contact = -5"),
            vec![
                problem("sales", 1, "sales contacts PQLs: add a [pql] section naming the signals"),
                problem("sales.contacts_per_month", 1, "a sales team needs `contacts_per_month`"),
                problem("sales.conversion", 1, "a sales team needs `conversion`"),
                problem("sales.cost_per_contact", 2, "expected a number of 0 or more, got -5"),
            ]
        );
    }

    #[test]
    fn pricing_elasticities_need_a_reference_price() {
        let s = valid("");
        assert!(s.model.pricing.reference_price.is_none());
        assert_eq!(fixed(&s, s.model.pricing.conversion_elasticity), ("pricing.conversion_elasticity", 0.0));
        assert_eq!(
            problems("[pricing]\nconversion_elasticity = 1.2\nchurn_elasticity = -1"),
            vec![
                problem(
                    "pricing.conversion_elasticity",
                    2,
                    "an elasticity needs pricing.reference_price (the price it is measured around)"
                ),
                problem("pricing.churn_elasticity", 3, "expected a number of 0 or more, got -1"),
                problem(
                    "pricing.churn_elasticity",
                    3,
                    "an elasticity needs pricing.reference_price (the price it is measured around)"
                ),
            ]
        );
        valid("[pricing]\nreference_price = 12\nconversion_elasticity = 1.2");
    }

    #[test]
    fn sweep_axes_and_metrics() {
        let s = valid(
            "[sweep]\nparams = [{ key = \"free.usage_limit\", values = \"1..3\" }, { key = \"paid.churn_per_month\", values = [0.01, 0.02] }]\nmetrics = [\"mrr_final\"]",
        );
        let sw = s.sweep.expect("a sweep");
        assert_eq!(sw.axes[0].values, [1.0, 2.0, 3.0]);
        assert_eq!(sw.axes[1].key, "paid.churn_per_month");
        assert_eq!(sw.metrics, [crate::metrics::Horizon::MrrFinal]);
        assert_eq!(
            problems("[sweep]\nparams = [{ key = \"free.usage_limit\", values = \"5..1\" }]"),
            vec![problem("sweep.params", 1, "sweep.params `free.usage_limit`: the range 5..1 goes down")]
        );
        let p = problems("[sweep]\nparams = []\nmetrics = [\"mrr\"]");
        assert_eq!(p[0], problem("sweep.params", 1, "a sweep takes one or two parameters, got 0"));
        assert_eq!((p[1].0.as_str(), p[1].1), ("sweep.metrics", 1));
        assert!(p[1].2.starts_with("unknown metric `mrr`, expected one of "), "{}", p[1].2);
        assert_eq!(p.len(), 2);
    }

    const UNCERTAIN: &str = "[free]\nchurn_per_month = [0.02, 0.06]\nconversion_per_month = [0.01, 0.03]\n[paid]\nchurn_per_month = [0.01, 0.04]\n";

    #[test]
    fn correlations_between_uncertain_parameters() {
        let s = valid(&format!(
            "{UNCERTAIN}[[correlations]]\na = \"free.churn_per_month\"\nb = \"paid.churn_per_month\"\nrank = 0.5"
        ));
        assert_eq!(s.correlations.len(), 1);
        assert_eq!(s.param(s.correlations[0].a).key, "free.churn_per_month");
        assert_eq!(s.correlations[0].rank, 0.5);
        let text = format!(
            "{UNCERTAIN}[[correlations]]\na = \"free.churn_per_month\"\nb = \"free.usage_limit\"\nrank = 0.5\n[[correlations]]\na = \"activation.probability\"\nrank = 1\n[[correlations]]\na = \"paid.churn_per_month\"\nb = \"paid.churn_per_month\"\nrank = 0.1\n[[correlations]]\na = \"free.churn_per_month\"\nb = \"paid.churn_per_month\"\nrank = 0.5\n[[correlations]]\nb = \"free.churn_per_month\"\na = \"paid.churn_per_month\"\nrank = 0.2"
        );
        assert_eq!(
            problems(&text),
            vec![
                problem("correlations.0.b", 8, "`free.usage_limit` is not a parameter of this scenario"),
                problem("correlations.1", 10, "a correlation needs `b`, the key path of an uncertain parameter"),
                problem(
                    "correlations.1.a",
                    11,
                    "`activation.probability` is a fixed value; only uncertain parameters can be correlated"
                ),
                problem("correlations.1.rank", 12, "expected a rank correlation between -1 and 1 (exclusive), got 1"),
                problem("correlations.2", 13, "a parameter cannot be correlated with itself"),
                problem("correlations.4", 21, "this pair is correlated twice"),
            ]
        );
    }

    #[test]
    fn correlations_must_hold_together_and_skip_a_value_fixed_by_set() {
        let text = format!(
            "{UNCERTAIN}[[correlations]]\na = \"free.churn_per_month\"\nb = \"paid.churn_per_month\"\nrank = 0.9\n[[correlations]]\na = \"free.conversion_per_month\"\nb = \"paid.churn_per_month\"\nrank = 0.9\n[[correlations]]\na = \"free.churn_per_month\"\nb = \"free.conversion_per_month\"\nrank = -0.9\n{PLAN}"
        );
        // Not positive definite: a problem of the whole section, without a line.
        assert_eq!(
            problems_of(&text, &[]),
            vec![problem(
                "correlations",
                0,
                "these correlations cannot hold together (their matrix is not positive definite): loosen some"
            )]
        );
        // Fixing one of them by `--set` (as a sweep point does) leaves the rest.
        let set = Override { key: "free.conversion_per_month".into(), value: "0.02".into(), origin: None };
        let s = Scenario::from_str("t.toml", &text, &[set]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.correlations.len(), 1);
    }
}
