//! One run's model: the scenario with every parameter at its sampled value,
//! converted to per-step quantities once, before the run starts.
//!
//! Rates are given per month in the scenario. With `k` steps a month
//! (`time_step`), a monthly probability `p` becomes `1 - (1 - p)^(1/k)` per
//! step (exact: k steps compound back to p), a Poisson rate or an amount of
//! money or usage per month becomes `x / k` per step, a monthly growth `g`
//! becomes a factor `(1 + g)^(1/k)` per step, and a duration in months
//! becomes `months * k` steps.
//!
//! Bernoulli draws in the account loop compare 32 random bits with a
//! threshold `round(p * 2^32)` computed here, so a probability is resolved to
//! 2^-32; Poisson counts are read from a cumulative table on the same scale.

use crate::sampling::LogNormal;
use crate::scenario::{ChannelSpec, MAX_ACCOUNTS, MAX_MONEY, ParamId, Scenario};

/// The longest an initial paying account has been paying (months): its
/// tenure is drawn from the steady state, up to this.
pub const PRIOR_MONTHS: u32 = 600;

/// 2^32 as f64: the scale of the 32-bit thresholds.
const SCALE: f64 = 4_294_967_296.0;

/// `round(p * 2^32)`: `(bits >> 32) < threshold(p)` holds with probability `p`.
pub fn threshold(p: f64) -> u64 {
    (p.clamp(0.0, 1.0) * SCALE).round() as u64
}

/// The probability per step of an event with monthly probability `p`.
pub fn per_step(p: f64, steps_per_month: u32) -> f64 {
    if steps_per_month == 1 { p } else { 1.0 - libm::pow(1.0 - p, 1.0 / steps_per_month as f64) }
}

/// The price response of a probability: the factor `(price / reference)^e`
/// (`e` is minus the conversion elasticity for conversions, the churn
/// elasticity for churn), 1 without a reference price or with no
/// elasticity, and finite (a factor of 0 times an overflowed power would be
/// NaN).
pub(crate) fn price_response(reference: Option<f64>, price: f64, e: f64) -> f64 {
    match reference {
        Some(r) if e != 0.0 && r > 0.0 => libm::pow(price.max(1e-9) / r, e).min(f64::MAX),
        _ => 1.0,
    }
}

/// The hazard, per month, of an event whose probability within a month
/// (were it the only thing that could happen) is `p`: `-ln(1 - p)`;
/// infinite for a probability of 1 (it happens at once).
pub fn hazard(p: f64) -> f64 {
    if p >= 1.0 { f64::INFINITY } else { -libm::log1p(-p.max(0.0)) }
}

/// The share of two competing risks of hazards `a` and `b` that is the
/// first, `a / (a + b)` (an infinite hazard wins; the first, if both are).
pub fn first_share(a: f64, b: f64) -> f64 {
    if a.is_infinite() {
        1.0
    } else if b.is_infinite() || a + b <= 0.0 {
        0.0
    } else {
        a / (a + b)
    }
}

/// The monthly hazards (conversion, departure) of an active free account,
/// from its eventual conversion `p` when there is one, else from its
/// monthly conversion, and its monthly churn. Conversion and departure are
/// competing risks: an account converts eventually with probability
/// `mu_c / (mu_c + mu_d)`, so an eventual conversion `p` is the hazard
/// `mu_c = p mu_d / (1 - p)`, whatever the step length.
pub(crate) fn free_hazards(eventual: Option<f64>, per_month: f64, churn_per_month: f64) -> (f64, f64) {
    let mu_d = hazard(churn_per_month);
    let mu_c = match eventual {
        Some(p) if p >= 1.0 => f64::INFINITY,
        Some(p) if mu_d.is_infinite() => {
            if p > 0.0 {
                f64::INFINITY
            } else {
                0.0
            }
        }
        Some(p) => p.max(0.0) * mu_d / (1.0 - p.max(0.0)),
        None => hazard(per_month),
    };
    (mu_c, mu_d)
}

/// The invitations over a step of an account whose seats grow at `g` a
/// step, per seat it holds at the start: `1 + g / 2`, the mean seats over
/// the step to first order (e^g - 1) / g, with g taken within [-1, 1] (a
/// team cannot more than double within a step of its own invitations).
pub fn seat_growth_factor(g: f64) -> f64 {
    1.0 + g.clamp(-1.0, 1.0) / 2.0
}

/// Two competing risks over a fraction `f` of a step, with hazards `a`
/// (tested first) and `b` per step: an event happens with probability
/// `1 - exp(-(a + b) f)`, and it is the first with probability `a / (a +
/// b)` of that, whatever the step length (the discrete steps are exact
/// samples of the continuous-time process).
#[derive(Debug, Clone, Copy)]
pub struct Risks {
    /// Below this threshold (32-bit scale), the first event happens.
    pub first: u64,
    /// Below this, one of them happens.
    pub either: u64,
    /// The mean fraction of the step lived before the event, given that
    /// one happens (1/2 for rare events, less for likely ones).
    pub lived: f64,
}

impl Risks {
    pub fn new(a: f64, b: f64, f: f64) -> Risks {
        let h = (a + b) * f;
        if h.is_nan() || h <= 0.0 {
            return Risks { first: 0, either: 0, lived: 0.5 * f };
        }
        let any = -libm::expm1(-h);
        // E[t | t < f] for an exponential time of rate (a + b), as a share
        // of a step: f (1/h - 1/(e^h - 1)); the series near 0; 0 for an
        // event at once.
        let lived = if h.is_infinite() {
            0.0
        } else if h < 1e-4 {
            f * (0.5 - h / 12.0)
        } else {
            f * (1.0 / h - 1.0 / libm::expm1(h))
        };
        Risks { first: threshold(any * first_share(a, b)), either: threshold(any), lived }
    }
}

/// Monthly paid churn in month `t` of a customer's life: `floor + (c0 -
/// floor) 2^(-t / halving)`, or `c0` throughout without a halving time.
pub(crate) fn churn_at(c0: f64, floor: f64, halving: Option<f64>, t_months: f64) -> f64 {
    match halving {
        Some(h) => floor + (c0 - floor) * libm::pow(2.0, -t_months / h),
        None => c0,
    }
}

/// Cumulative Poisson probabilities on the 32-bit scale: the count is the
/// number of entries the random 32 bits are at or above.
#[derive(Debug, Clone)]
pub struct PoissonTable {
    cdf: Vec<u64>,
    /// `cdf[0]` (P(0) on the 32-bit scale), or 2^32 when there is no table:
    /// most draws are 0, decided by this one comparison.
    zero: u64,
    /// Means above this are drawn directly (the table would be long).
    pub lambda: f64,
}

impl PoissonTable {
    pub const MAX_TABLE_LAMBDA: f64 = 40.0;

    pub fn new(lambda: f64) -> PoissonTable {
        let mut cdf = Vec::new();
        if lambda > 0.0 && lambda <= Self::MAX_TABLE_LAMBDA {
            let mut pmf = libm::exp(-lambda);
            let mut cum = pmf;
            let mut j = 0.0;
            loop {
                let t = (cum * SCALE).round() as u64;
                cdf.push(t);
                if t >= SCALE as u64 || j > 10.0 * lambda + 40.0 {
                    break;
                }
                j += 1.0;
                pmf *= lambda / j;
                cum += pmf;
            }
            if let Some(last) = cdf.last_mut() {
                *last = SCALE as u64;
            }
        }
        let zero = cdf.first().copied().unwrap_or(1 << 32);
        PoissonTable { cdf, zero, lambda }
    }

    /// Whether the table holds the distribution (else draw directly).
    #[inline]
    pub fn tabulated(&self) -> bool {
        !self.cdf.is_empty() || self.lambda <= 0.0
    }

    /// The count for 32 uniform random bits `u` (only if [`tabulated`](Self::tabulated)).
    #[inline(always)]
    pub fn count(&self, u: u64) -> u32 {
        if u < self.zero {
            return 0;
        }
        let mut j = 1;
        while j < self.cdf.len() && u >= self.cdf[j] {
            j += 1;
        }
        j as u32
    }
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub spend_per_month: f64,
    pub spend_growth_per_month: f64,
    pub cost_per_signup: f64,
    pub max_signups_per_month: Option<f64>,
}

impl Channel {
    /// The channel of `spec` at the parameter values `v`.
    pub(crate) fn new(spec: &ChannelSpec, v: impl Fn(ParamId) -> f64) -> Channel {
        Channel {
            spend_per_month: v(spec.spend_per_month),
            spend_growth_per_month: v(spec.spend_growth_per_month),
            cost_per_signup: v(spec.cost_per_signup),
            max_signups_per_month: spec.max_signups_per_month.map(v),
        }
    }

    /// Monthly spend in month `t` (fractional for finer steps).
    /// Capped at [`MAX_MONEY`], the documented most spend a month
    /// (validation refuses a growth that compounds past it; a sampled value
    /// in the tail of a distribution stops there instead of overflowing).
    pub fn spend_at(&self, t_months: f64) -> f64 {
        (self.spend_per_month * libm::pow(1.0 + self.spend_growth_per_month, t_months)).min(MAX_MONEY)
    }

    /// Expected signups a month for a monthly spend `s` in an untouched
    /// market: `s / cost_per_signup`, or with a ceiling `M` the saturating
    /// response `M (1 - exp(-s / (cost_per_signup M)))`, whose first signups
    /// cost `cost_per_signup` each and whose marginal cost rises with spend.
    /// At most [`MAX_ACCOUNTS`] a month, the most signups from one source.
    pub fn signups_for(&self, s: f64) -> f64 {
        let n = match self.max_signups_per_month {
            None => s / self.cost_per_signup,
            Some(m) => m * (1.0 - libm::exp(-s / (self.cost_per_signup * m))),
        };
        n.min(MAX_ACCOUNTS)
    }

    /// The cost of the next signup at a monthly spend `s`: the derivative of
    /// spend by signups, `cost_per_signup exp(s / (cost_per_signup M))` with
    /// a ceiling `M`, `cost_per_signup` without.
    pub(crate) fn marginal_cost(&self, s: f64) -> f64 {
        match self.max_signups_per_month {
            None => self.cost_per_signup,
            Some(m) => self.cost_per_signup * libm::exp(s / (self.cost_per_signup * m)),
        }
    }
}

/// A paid plan, per run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub price_per_month: f64,
    pub per_seat: bool,
    /// Usage limit of the tier (infinite: none).
    pub usage_limit: f32,
    /// Seat limit of the tier (`u16::MAX`: none).
    pub seat_limit: u16,
    /// New customers pay annually below this threshold.
    pub annual: u64,
    pub annual_discount: f64,
    /// Voluntary churn threshold at the end of each paid month, by month of
    /// customer life, for monthly billing (a cancellation takes effect at
    /// the end of the period paid for).
    pub churn_by_tenure: Vec<u64>,
    /// Churn threshold at the renewal after tenure year `y` (index `y - 1`),
    /// for annual billing: the year's monthly churn compounded.
    pub annual_churn_by_year: Vec<u64>,
}

impl Plan {
    /// MRR in cents of an account with `seats` seats.
    pub fn mrr_cents(&self, seats: u16, annual: bool) -> u32 {
        let seats = if self.per_seat { seats as f64 } else { 1.0 };
        let discount = if annual { 1.0 - self.annual_discount } else { 1.0 };
        (self.price_per_month * 100.0 * seats * discount).round().min(u32::MAX as f64) as u32
    }
}

pub use crate::scenario::{TrialAfter, TrialStart};

#[derive(Debug, Clone)]
pub struct Trial {
    pub start: TrialStart,
    pub start_share: u64,
    pub steps: u32,
    pub plan: u8,
    pub card_required: bool,
    pub card_dropoff: u64,
    pub conversion: u64,
    pub after: TrialAfter,
}

#[derive(Debug, Clone)]
pub struct Pql {
    pub on_limit_hit: bool,
    pub min_seats: Option<u16>,
    pub min_invites_sent: Option<u16>,
    pub min_usage: Option<f32>,
    pub all: bool,
}

#[derive(Debug, Clone)]
pub struct Sales {
    pub contacts_per_month: u64,
    pub cost_per_contact: f64,
    pub conversion: u64,
    pub plan: u8,
    pub fixed_cost_per_step: f64,
}

/// Where a tenure of `t` steps stands.
#[derive(Debug, Clone, Copy)]
pub struct Tenure {
    /// Whole months: `t / k`.
    pub months: u32,
    /// Whether `t` is a whole number of months (a monthly anniversary).
    pub anniversary: bool,
}

/// A delay in steps with an exact mean: `steps`, or one more with
/// probability `extra`. Something sent during step `s` (at a uniform time
/// within it) and arriving `d` steps later arrives during step `s +
/// floor(d)`, or the next one with probability `frac(d)`: exactly this.
#[derive(Debug, Clone, Copy)]
pub struct Delay {
    pub steps: u32,
    pub extra: u64,
}

impl Delay {
    /// The delay from something sent during a step to the arrival step of
    /// what it causes, `months` later: `months * k - 1/2` steps (at least
    /// 0: later in the same step), the fraction as one extra step with that
    /// probability. An arrival joins at the end of its step, on average
    /// half a step after it happened, and what it sends is sent, on
    /// average, in the middle of a step: the half step taken off keeps
    /// each generation of arrivals from adding half a step to the cycle.
    fn new(months: f64, k: f64) -> Delay {
        let d = (months * k - 0.5).max(0.0);
        Delay { steps: d.floor() as u32, extra: threshold(d - d.floor()) }
    }

    /// The delay from an account's joining (at the end of its step) to the
    /// arrival step of what it sends then, `months` later: `months * k`
    /// steps, the fraction as one extra step with that probability.
    fn from_joining(months: f64, k: f64) -> Delay {
        let d = (months * k).max(0.0);
        Delay { steps: d.floor() as u32, extra: threshold(d - d.floor()) }
    }

    /// The same delay from the start of the run (the end of step -1): one
    /// step less, at least 0.
    pub fn sent_at_start(self) -> Delay {
        match self.steps {
            0 => Delay { steps: 0, extra: 0 },
            n => Delay { steps: n - 1, extra: self.extra },
        }
    }
}

/// Per-step quantities of one run.
#[derive(Debug, Clone)]
pub struct RunModel {
    pub steps_per_month: u32,
    pub months: u32,
    pub steps: u32,
    pub market_size: Option<f64>,
    pub initial_free_accounts: u64,
    pub initial_paid_accounts: u64,

    pub organic_signups_per_month: f64,
    pub organic_growth_per_month: f64,
    /// Share of the remaining market signing up organically per step.
    pub organic_share_per_step: f64,
    pub channels: Vec<Channel>,

    /// Signups that would activate given time: below this threshold.
    pub activation: u64,
    /// 65535 / window_steps: time to value as a share of the window.
    pub ttv_share_per_step: f64,
    /// Time to value in steps, across accounts.
    pub time_to_value: LogNormal,
    pub window_steps: u32,

    /// Usage per step, across accounts.
    pub usage: LogNormal,
    /// The free plan's usage limit (infinite when the plan has none).
    pub usage_limit: f32,
    /// The free plan's seat limit (`u16::MAX`: none).
    pub seat_limit: u16,

    /// Active free accounts over a step: convert (first) or go dormant;
    /// their hazards per step (conversion, departure), for parts of a step.
    pub free: Risks,
    pub free_hazards: (f64, f64),
    /// The same for blocked accounts.
    pub blocked: Risks,
    pub blocked_hazards: (f64, f64),
    /// At the first limit hit of an activated account: convert below
    /// `hit_convert`, leave below `hit_leave`, else blocked.
    pub hit_convert: u64,
    pub hit_leave: u64,
    /// The value an activated account has built up by a limit hit `t` steps
    /// after activation is `1 - exp(-t / value_buildup_steps)` (1 at once
    /// when 0): it scales the conversion share `hit_convert_share`.
    pub value_buildup_steps: f64,
    pub hit_convert_share: f64,
    pub hit_churn_share: f64,
    /// The same for an account that hits the limit before activating.
    pub hit_convert_early: u64,
    pub hit_leave_early: u64,
    /// Dormant free accounts come back below this (per step).
    pub reactivation: u64,

    /// Invitations a step of an active seat; of an active free account in
    /// the step it leaves (it shared for part of the step: `free.lived`);
    /// of a blocked one, and of a blocked one in the step it leaves.
    pub invites_active: PoissonTable,
    pub invites_free_leaving: PoissonTable,
    pub invites_blocked: PoissonTable,
    pub invites_blocked_leaving: PoissonTable,
    pub invite_acceptance: u64,
    /// Accepted invitations that join the inviter's account as a seat.
    pub internal_share: u64,
    pub invite_delay: Delay,
    /// `invites.pattern = "once"`: the invitations each account sends when
    /// it joins (0 otherwise), and the delay of their signups.
    pub invite_once: f64,
    pub once_delay: Delay,
    /// Each seat beyond the first leaves below this, per step.
    pub seat_churn: u64,
    /// Blocked accounts share at this fraction of the active rate.
    pub blocked_sharing: f64,

    /// Expected exposure signups per exposing account per step.
    pub exposure_per_step: f64,
    pub exposure_delay: Delay,
    /// Usage added to the referrer's free limit per referred signup, and the most it can add.
    pub referral_bonus: f32,
    pub referral_max: f32,

    pub plans: Vec<Plan>,
    pub entry_plan: u8,
    /// By tenure in steps.
    pub tenure: Vec<Tenure>,
    /// Failed payment probability per payment, and recovery probability.
    pub payment_failure: u64,
    pub payment_recovery: u64,
    /// Lapsed (churned paying) accounts come back below this, per step.
    pub win_back: u64,
    /// A paying account over its tier's limit upgrades below this, per step.
    pub upgrade: u64,

    /// Initial paying accounts: the cumulative distribution (32-bit scale)
    /// of the months they have paid for, P = 1, 2, ...: the share of a
    /// steady customer base at a renewal, S(P - 1), the probability of
    /// surviving P - 1 renewals.
    pub prior_tenure: Vec<u64>,

    pub trial: Option<Trial>,
    pub pql: Option<Pql>,
    pub sales: Option<Sales>,

    pub serve_free_seat_per_step: f64,
    pub serve_paid_seat_per_step: f64,
    pub payment_fee_rate: f64,
    pub payment_fee_fixed: f64,
    pub fixed_cost_per_step: f64,
    /// `finance.starting_cash` (`None`: not given; the balance starts at 0).
    pub starting_cash: Option<f64>,
}

impl RunModel {
    /// Builds the run's model from the sampled parameter values.
    pub fn new(scenario: &Scenario, values: &[f64]) -> RunModel {
        let v = |id: ParamId| values[id.0];
        let m = &scenario.model;
        let k = scenario.steps_per_month();
        let kf = k as f64;
        let step_p = |p: f64| per_step(p.clamp(0.0, 1.0), k);
        let count16 =
            |id: Option<ParamId>| id.map_or(u16::MAX, |id| v(id).round().clamp(1.0, u16::MAX as f64 - 1.0) as u16);

        // Price response: a plan's conversion probabilities are multiplied by
        // (price / reference)^-e_conv and its churn by (price / reference)^e_churn.
        let reference = m.pricing.reference_price.map(v);
        let response = |price: f64, e: f64| price_response(reference, price, e);
        let e_conv = v(m.pricing.conversion_elasticity);
        let e_churn = v(m.pricing.churn_elasticity);
        let entry = m.paid.entry_plan;
        let entry_price = v(m.plans[entry].price_per_month);
        let conv_factor = response(entry_price, -e_conv);
        let conv = |p: f64| (p * conv_factor).min(1.0);

        let ttv_median_steps = v(m.activation.time_to_value_median_months) * kf;
        let window_steps = ((v(m.activation.window_months) * kf).round() as u32).max(1);

        // Free and blocked accounts: conversion and departure are competing
        // risks (hazards per step).
        let per_step_pair = |(c, d): (f64, f64)| (c / kf, d / kf);
        let free_h = per_step_pair(free_hazards(
            m.free.eventual_conversion.map(|id| conv(v(id))),
            conv(v(m.free.conversion_per_month)),
            v(m.free.churn_per_month),
        ));
        let blocked_h = per_step_pair((
            hazard(conv(v(m.limit_hit.blocked_conversion_per_month))),
            hazard(v(m.limit_hit.blocked_churn_per_month.unwrap_or(m.free.churn_per_month))),
        ));
        let free = Risks::new(free_h.0, free_h.1, 1.0);
        let blocked = Risks::new(blocked_h.0, blocked_h.1, 1.0);
        // Shares of the accounts that hit the limit; when a run's draws sum
        // above 1, no one is left blocked.
        let hit_c = conv(v(m.limit_hit.convert));
        let hit_ch = v(m.limit_hit.churn).min(1.0 - hit_c);
        let early_c = conv(v(m.limit_hit.convert_before_activation));
        let early_ch = v(m.limit_hit.churn_before_activation).min(1.0 - early_c);

        // Seats joining by internal invitations during a step invite too:
        // an account's seats grow at g a step (net of seat churn), so over a
        // step it invites as if it held its seats at the start times
        // `seat_growth_factor(g)` (the seats themselves join at the step's end).
        let seat_growth =
            v(m.invites.per_active_seat_per_month) / kf * v(m.invites.acceptance) * v(m.teams.internal_share)
                - hazard(v(m.teams.seat_churn_per_month)) / kf;
        let within_step = seat_growth_factor(seat_growth);
        let invite_rate = v(m.invites.per_active_seat_per_month) / kf;
        let blocked_sharing = v(m.limit_hit.blocked_invite_factor);

        // Paid churn by tenure: c(t) = floor + (c0 - floor) 2^(-t / halving).
        let c0 = v(m.paid.churn_per_month);
        let floor = v(m.paid.churn_floor_per_month.unwrap_or(m.paid.churn_per_month));
        let halving = m.paid.churn_halving_months.map(v);
        let churn_in = |t: u32| churn_at(c0, floor, halving, t as f64);
        let plans: Vec<Plan> = m
            .plans
            .iter()
            .map(|p| {
                let price = v(p.price_per_month);
                let f = response(price, e_churn);
                // Months of customer life: the horizon's, after the tenure
                // an initial account may already have.
                let monthly: Vec<f64> =
                    (0..=scenario.months + PRIOR_MONTHS).map(|t| (churn_in(t) * f).clamp(0.0, 1.0)).collect();
                Plan {
                    price_per_month: price,
                    per_seat: p.per_seat,
                    usage_limit: p.usage_limit.map_or(f32::INFINITY, |id| v(id) as f32),
                    seat_limit: count16(p.seat_limit),
                    annual: threshold(v(p.annual_share)),
                    annual_discount: v(p.annual_discount),
                    churn_by_tenure: monthly.iter().map(|&c| threshold(c)).collect(),
                    annual_churn_by_year: (1..=(scenario.months + PRIOR_MONTHS).div_ceil(12).max(1))
                        .map(|y| {
                            let survive: f64 = (12 * (y - 1)..12 * y)
                                .map(|t| 1.0 - monthly[(t as usize).min(monthly.len() - 1)])
                                .product();
                            threshold(1.0 - survive)
                        })
                        .collect(),
                }
            })
            .collect();

        let prior_tenure = {
            let p: &Plan = &plans[entry];
            let mut survive = 1.0;
            let mut weights = Vec::with_capacity(PRIOR_MONTHS as usize);
            for n in 0..PRIOR_MONTHS as usize {
                weights.push(survive);
                let c = p.churn_by_tenure[n.min(p.churn_by_tenure.len() - 1)] as f64 / SCALE;
                survive *= 1.0 - c;
            }
            let total: f64 = weights.iter().sum();
            let mut cum = 0.0;
            weights
                .iter()
                .map(|w| {
                    cum += w;
                    threshold(cum / total)
                })
                .collect()
        };
        let trial = m.trial.as_ref().map(|t| Trial {
            start: t.start,
            start_share: threshold(v(t.start_probability)),
            // It ends during the step that contains its end, for a start
            // in the middle of its signup (or activation) step.
            steps: ((v(t.length_months) * kf).round() as u32).max(1),
            plan: t.plan as u8,
            card_required: t.card_required,
            card_dropoff: threshold(v(t.card_dropoff)),
            conversion: threshold((v(t.conversion) * response(v(m.plans[t.plan].price_per_month), -e_conv)).min(1.0)),
            after: t.after,
        });
        let pql = m.pql.as_ref().map(|q| Pql {
            on_limit_hit: q.on_limit_hit,
            min_seats: q.min_seats.map(|id| count16(Some(id))),
            min_invites_sent: q.min_invites_sent.map(|id| count16(Some(id))),
            min_usage: q.min_usage.map(|id| v(id) as f32),
            all: q.all,
        });
        let sales = m.sales.as_ref().map(|s| Sales {
            contacts_per_month: v(s.contacts_per_month).round() as u64,
            cost_per_contact: v(s.cost_per_contact),
            conversion: threshold(v(s.conversion)),
            plan: s.plan as u8,
            fixed_cost_per_step: v(s.fixed_cost_per_month) / kf,
        });

        RunModel {
            steps_per_month: k,
            months: scenario.months,
            steps: scenario.months * k,
            market_size: m.market_size.map(v),
            initial_free_accounts: v(m.initial_free_accounts) as u64,
            initial_paid_accounts: v(m.initial_paid_accounts) as u64,
            organic_signups_per_month: v(m.organic.signups_per_month),
            organic_growth_per_month: v(m.organic.growth_per_month),
            organic_share_per_step: step_p(v(m.organic.share_of_remaining_market_per_month)),
            channels: m.channels.iter().map(|c| Channel::new(c, v)).collect(),
            activation: threshold(v(m.activation.probability)),
            ttv_share_per_step: 65535.0 / window_steps as f64,
            time_to_value: LogNormal::new(ttv_median_steps, v(m.activation.time_to_value_sigma)),
            window_steps,
            usage: LogNormal::new(v(m.usage.median_per_month) / kf, v(m.usage.sigma)),
            usage_limit: m.free.usage_limit.map_or(f32::INFINITY, |id| v(id) as f32),
            seat_limit: count16(m.free.seat_limit),
            free,
            free_hazards: free_h,
            blocked,
            blocked_hazards: blocked_h,
            hit_convert: threshold(hit_c),
            hit_leave: threshold(hit_c + hit_ch),
            value_buildup_steps: v(m.limit_hit.value_buildup_months) * kf,
            hit_convert_share: hit_c,
            hit_churn_share: hit_ch,
            hit_convert_early: threshold(early_c),
            hit_leave_early: threshold(early_c + early_ch),
            reactivation: threshold(step_p(v(m.free.reactivation_per_month))),
            invites_active: PoissonTable::new(invite_rate * within_step),
            invites_free_leaving: PoissonTable::new(invite_rate * free.lived),
            invites_blocked: PoissonTable::new(invite_rate * blocked_sharing),
            invites_blocked_leaving: PoissonTable::new(invite_rate * blocked_sharing * blocked.lived),
            invite_acceptance: threshold(v(m.invites.acceptance)),
            internal_share: threshold(v(m.teams.internal_share)),
            invite_delay: Delay::new(v(m.invites.cycle_months), kf),
            invite_once: if m.invites.once { v(m.invites.per_new_account) } else { 0.0 },
            once_delay: Delay::from_joining(v(m.invites.cycle_months), kf),
            seat_churn: threshold(step_p(v(m.teams.seat_churn_per_month))),
            blocked_sharing,
            exposure_per_step: v(m.exposure.per_active_account_per_month) * v(m.exposure.signup_rate) / kf,
            exposure_delay: Delay::new(v(m.exposure.cycle_months), kf),
            referral_bonus: v(m.referral.limit_bonus) as f32,
            referral_max: m.referral.max_bonus.map_or(f32::INFINITY, |id| v(id) as f32),
            plans,
            entry_plan: entry as u8,
            tenure: (0..=scenario.months * k).map(|t| Tenure { months: t / k, anniversary: t % k == 0 }).collect(),
            payment_failure: threshold(v(m.paid.payment_failure)),
            payment_recovery: threshold(v(m.paid.payment_recovery)),
            win_back: threshold(step_p(v(m.paid.win_back_per_month))),
            upgrade: threshold(step_p(v(m.paid.upgrade_per_month))),
            prior_tenure,
            trial,
            pql,
            sales,
            serve_free_seat_per_step: v(m.costs.serve_free_seat_per_month) / kf,
            serve_paid_seat_per_step: v(m.costs.serve_paid_seat_per_month) / kf,
            payment_fee_rate: v(m.costs.payment_fee_rate),
            payment_fee_fixed: v(m.costs.payment_fee_fixed),
            fixed_cost_per_step: v(m.costs.fixed_per_month) / kf,
            starting_cash: m.finance.starting_cash.map(v),
        }
    }

    /// Expected organic signups a month in month `t` (fractional for finer
    /// steps), at most [`MAX_ACCOUNTS`], the documented most signups a month
    /// from one source (see [`Channel::spend_at`]).
    pub fn organic_rate_at(&self, t_months: f64) -> f64 {
        (self.organic_signups_per_month * libm::pow(1.0 + self.organic_growth_per_month, t_months)).min(MAX_ACCOUNTS)
    }

    /// Whether the free plan has a limit, so the funnel has a limit-hit
    /// stage.
    pub fn has_free_limit(&self) -> bool {
        self.usage_limit.is_finite() || self.seat_limit < u16::MAX
    }

    /// The funnel stage an account must have reached to enter the PQL
    /// stage: the limit hit, or the activation when the plan has no limit.
    pub(super) fn before_pql(&self) -> u8 {
        use super::account::reached;
        if self.has_free_limit() { reached::LIMIT_HIT } else { reached::ACTIVATED }
    }

    /// The funnel stage an account must have reached to enter the paying
    /// stage: the PQL stage when the scenario names PQL signals, else the
    /// one before it.
    pub(super) fn before_paying(&self) -> u8 {
        use super::account::reached;
        if self.pql.is_some() { reached::PQL } else { self.before_pql() }
    }

    /// Whether dormant free accounts can come back (else they need not be kept).
    pub fn keeps_dormant(&self) -> bool {
        self.reactivation > 0
    }

    /// Whether lapsed paying accounts can come back.
    pub fn keeps_lapsed(&self) -> bool {
        self.win_back > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_step_probability_compounds_back_to_the_month() {
        for k in [1, 4, 30] {
            let p = per_step(0.3, k);
            let back = 1.0 - (1.0 - p).powi(k as i32);
            assert!((back - 0.3).abs() < 1e-12, "k = {k}: {back}");
        }
    }

    #[test]
    fn poisson_table_matches_the_pmf() {
        let t = PoissonTable::new(1.5);
        let n = 1u64 << 32;
        // P(X = 0) is the share of 32-bit values below cdf[0].
        let p0 = t.cdf[0] as f64 / n as f64;
        assert!((p0 - libm::exp(-1.5)).abs() < 1e-9);
        assert_eq!(t.count(0), 0);
        assert_eq!(t.count(n - 1), t.cdf.len() as u32 - 1);
        // Mean from the table.
        let mut prev = 0u64;
        let mut mean = 0.0;
        for (j, &c) in t.cdf.iter().enumerate() {
            mean += j as f64 * (c - prev) as f64 / n as f64;
            prev = c;
        }
        assert!((mean - 1.5).abs() < 1e-8, "{mean}");
    }

    #[test]
    fn the_price_response_is_a_power_of_the_price_ratio_and_always_finite() {
        assert_eq!(price_response(None, 30.0, -1.2), 1.0);
        assert_eq!(price_response(Some(15.0), 30.0, 0.0), 1.0);
        assert!((price_response(Some(15.0), 30.0, -1.0) - 0.5).abs() < 1e-15);
        assert!((price_response(Some(10.0), 40.0, 0.5) - 2.0).abs() < 1e-15);
        // An overflowing power is capped, a free plan's price does not
        // divide by zero: the factor stays finite, so a probability built
        // from it (factor x rate, clamped) is never NaN.
        for (price, e) in [(1e300, 50.0), (0.0, -50.0), (0.0, 3.0), (1e-300, -1e3)] {
            let f = price_response(Some(1e-3), price, e);
            assert!(f.is_finite() && f >= 0.0, "price {price}, elasticity {e}: {f}");
            assert!((0.0 * f).is_finite());
        }
    }

    #[test]
    fn saturating_channel_costs_cost_per_signup_at_first() {
        let c = Channel {
            spend_per_month: 0.0,
            spend_growth_per_month: 0.0,
            cost_per_signup: 10.0,
            max_signups_per_month: Some(1000.0),
        };
        assert!((c.signups_for(1.0) - 0.1).abs() < 1e-4);
        assert!(c.signups_for(1e9) <= 1000.0);
        let linear = Channel { max_signups_per_month: None, ..c };
        assert_eq!(linear.signups_for(500.0), 50.0);
    }
}
