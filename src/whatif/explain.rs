//! `plgsim explain`: the funnel, the loop and the unit economics of a
//! scenario computed analytically from its parameters, for teaching and for
//! checking a model, next to what a quick simulation gives.
//!
//! The analytic figures are exact expectations for the parts of the model
//! they cover, at the parameters' central values (medians):
//!
//! - **activation**: `p Φ((ln W - ln m) / σ)` for activation probability
//!   `p`, lognormal time to value of median `m` and sigma `σ`, window `W`;
//! - **loop**: an activated account shares (invitations accepted from
//!   outside its account, exposures that sign up) at a rate `r` a month
//!   while active free and while paying; with per-step conversion `c` and
//!   departure `d` on the free plan (exit `x = c + (1 - c) d`), it is active
//!   free `1 / x` steps and converts with probability `c / x`, then pays for
//!   `L` months (the survival sum of its churn by tenure and failed
//!   payments), so `K = r (1/(x k) + (c/x) L)`; a signup brings `R = K a`
//!   others, and the loop is sub-viral when `R < 1`;
//! - **unit economics**: ARPA of the entry plan (annual discount weighted by
//!   the annual share), gross margin `1 - (cost to serve + card fees) /
//!   ARPA`, `LTV = ARPA x margin x L`;
//! - **CAC and payback over the horizon**: the expected signups of every
//!   step (organic, channels and the market's depletion are linear in
//!   expectation), each activating after its time to value and converting
//!   at the baseline rate, give the expected new customers of the horizon;
//!   blended CAC = (spend + sales cost) / those, the `cac_blended` metric's
//!   definition (sales cost with the team at full capacity: the fixed cost
//!   and `contacts_per_month` contacts every month), payback = CAC / (ARPA x
//!   margin).
//!
//! Where a formula and the simulation's mean differ by more than the Monte
//! Carlo error (4 standard errors of the mean and 5% of the figure), the
//! text says so on a line marked `!` and names the mechanics of the
//! scenario that the formula leaves out ([`causes`]).
//!
//! Usage limits, seats, trials, sales, dormancy, win-back and the viral
//! signups themselves feed back into these figures in the simulation but not
//! in the formulas: [`Analytic::approximations`] lists which of them a
//! scenario has, and the simulation is the reference for those.

use crate::engine;
use crate::engine::model::{self, Channel, RunModel};
use crate::format;
use crate::metrics::{Horizon, Unit};
use crate::sampling::normal_quantile;
use crate::scenario::{ParamId, Scenario};
use crate::stats::Stat;

/// The standard normal CDF.
fn phi(z: f64) -> f64 {
    0.5 * libm::erfc(-z / core::f64::consts::SQRT_2)
}

/// The analytic figures of a scenario for given parameter values.
#[derive(Debug, Clone)]
pub struct Analytic {
    /// Share of signups that activate.
    pub activation: f64,
    /// Median time to value of the accounts that activate, in days.
    pub ttv_median_days: f64,
    /// Months for the median account to reach the free usage limit.
    pub months_to_usage_limit: Option<f64>,
    /// Viral signups per active account and month.
    pub sharing_per_month: f64,
    /// Expected months an activated account is active on the free plan.
    pub free_months: f64,
    /// Probability that an activated free account converts (baseline).
    pub eventual_conversion: f64,
    /// Expected months a new customer pays (infinite with no churn).
    pub paid_months: f64,
    pub k: f64,
    /// Signups each signup brings: `K x activation`.
    pub r: f64,
    pub cycle_months: f64,
    pub arpa: f64,
    pub gross_margin: f64,
    /// `None` when customers never churn.
    pub ltv: Option<f64>,
    /// Expected new customers over the horizon (no viral signups, baseline conversion).
    pub customers: f64,
    pub spend: f64,
    /// Sales cost over the horizon with the team at full capacity: the
    /// fixed cost plus every contact of every month (0 without sales).
    pub sales_cost: f64,
    /// Share of the market signed up by the end of the horizon without the
    /// viral loop (`None` without `market.size`).
    pub market_signed_up: Option<f64>,
    pub cac_blended: Option<f64>,
    pub payback_months: Option<f64>,
    /// Mechanics of the scenario the formulas leave out.
    pub approximations: Vec<&'static str>,
}

impl Analytic {
    /// The figures at the given parameter values (`Scenario::params` order).
    pub fn new(s: &Scenario, values: &[f64]) -> Analytic {
        let v = |id: ParamId| values[id.0];
        let m = &s.model;
        let steps_per_month = s.steps_per_month();
        let k = steps_per_month as f64;

        // Activation.
        let p = v(m.activation.probability);
        let median = v(m.activation.time_to_value_median_months);
        let sigma = v(m.activation.time_to_value_sigma);
        let window = v(m.activation.window_months);
        let window_steps = (window * k).round().max(1.0);
        // The engine activates an account whose time to value (in steps) is
        // below the window in steps.
        // P(time to value, in steps, < `steps`).
        let ttv_cdf = |steps: f64| -> f64 {
            if steps <= 0.0 {
                return 0.0;
            }
            if median <= 0.0 || sigma <= 0.0 {
                return if median * k < steps { 1.0 } else { 0.0 };
            }
            phi((libm::log(steps) - libm::log(median * k)) / sigma)
        };
        let activation = p * ttv_cdf(window_steps);
        let ttv_median_days = if sigma > 0.0 && median > 0.0 {
            // Median of the lognormal truncated to the window.
            let w = ttv_cdf(window_steps);
            median * libm::exp(sigma * normal_quantile((0.5 * w).max(1e-300))) * 30.4375
        } else {
            median * 30.4375
        };
        let usage = v(m.usage.median_per_month);
        let months_to_usage_limit = m.free.usage_limit.map(|id| v(id) / usage.max(1e-12));

        // The free plan: per-step conversion c and departure d, as in the
        // engine (the price response applies to the monthly or eventual
        // conversion).
        let reference = m.pricing.reference_price.map(v);
        let price_factor = model::price_response(
            reference,
            v(m.plans[m.paid.entry_plan].price_per_month),
            -v(m.pricing.conversion_elasticity),
        );
        let conv = |p: f64| (p * price_factor).min(1.0);
        // Conversion and departure are competing risks (hazards mu_c, mu_d a
        // month): over a step an account converts with c and converts or
        // leaves with x; it shares for 1 / (mu_c + mu_d) months on average
        // and converts eventually with mu_c / (mu_c + mu_d), whatever the step.
        let (mu_c, mu_d) = model::free_hazards(
            m.free.eventual_conversion.map(|id| conv(v(id))),
            conv(v(m.free.conversion_per_month)),
            v(m.free.churn_per_month),
        );
        let mu = mu_c + mu_d;
        let x = -libm::expm1(-mu / k);
        let eventual_conversion = model::first_share(mu_c, mu_d);
        let c = x * eventual_conversion;
        let free_months = if mu > 0.0 { 1.0 / mu } else { f64::INFINITY };

        // Paying life: a customer pays a month at a time; at the end of its
        // n-th month it cancels with the churn of that month of its life,
        // then the next payment may fail and not be recovered. The expected
        // months paid for, Σ S(n), is its lifetime, at any step.
        let plan = &m.plans[m.paid.entry_plan];
        let c0 = v(m.paid.churn_per_month);
        let floor = m.paid.churn_floor_per_month.map_or(c0, v);
        let halving = m.paid.churn_halving_months.map(v);
        let churn_response = model::price_response(reference, v(plan.price_per_month), v(m.pricing.churn_elasticity));
        let failure = v(m.paid.payment_failure) * (1.0 - v(m.paid.payment_recovery));
        let (mut survive, mut paid_months) = (1.0f64, 0.0f64);
        for month in 0..1200 {
            paid_months += survive;
            let cm = model::churn_at(c0, floor, halving, month as f64);
            survive *= (1.0 - (cm * churn_response).clamp(0.0, 1.0)) * (1.0 - failure);
            if survive < 1e-12 {
                break;
            }
        }
        // A customer still paying after a century never churns: its
        // lifetime is unbounded.
        let paid_months = if survive < 1e-6 { paid_months } else { f64::INFINITY };

        // The loop.
        let external =
            v(m.invites.per_active_seat_per_month) * v(m.invites.acceptance) * (1.0 - v(m.teams.internal_share));
        let exposure = v(m.exposure.per_active_account_per_month) * v(m.exposure.signup_rate);
        let sharing_per_month = external + exposure;
        let paying = if eventual_conversion > 0.0 { eventual_conversion * paid_months } else { 0.0 };
        let kf = if sharing_per_month > 0.0 { sharing_per_month * (free_months + paying) } else { 0.0 };
        // Invitations sent once, at joining (`invites.pattern = "once"`).
        let once = if m.invites.once { v(m.invites.per_new_account) } else { 0.0 };
        let kf = kf + once * v(m.invites.acceptance) * (1.0 - v(m.teams.internal_share));

        // Unit economics of the entry plan.
        let price = v(plan.price_per_month);
        let annual = v(plan.annual_share);
        let arpa = price * (1.0 - annual * v(plan.annual_discount));
        let fee_rate = v(m.costs.payment_fee_rate);
        let fee_fixed = v(m.costs.payment_fee_fixed);
        let payments_per_month = (1.0 - annual) + annual / 12.0;
        let serve = v(m.costs.serve_paid_seat_per_month);
        let gross_margin =
            if arpa > 0.0 { 1.0 - (serve + fee_rate * arpa + fee_fixed * payments_per_month) / arpa } else { 0.0 };
        let ltv = paid_months.is_finite().then_some(arpa * gross_margin * paid_months);

        // Expected new customers over the horizon.
        let (customers, spend, signed_up) =
            expected_customers(s, values, activation_offsets(p, &ttv_cdf, window_steps), c, x);
        let market_signed_up = m.market_size.map(|id| signed_up / v(id).max(1.0));
        // The `cac_blended` metric's definition: (marketing spend + sales
        // cost) / conversions.
        let sales_cost = m.sales.as_ref().map_or(0.0, |sales| {
            s.months as f64
                * (v(sales.fixed_cost_per_month) + v(sales.contacts_per_month).round() * v(sales.cost_per_contact))
        });
        let cac_blended = (customers > 0.0).then(|| (spend + sales_cost) / customers);
        let payback_months = cac_blended.and_then(|cac| {
            let monthly = arpa * gross_margin;
            (monthly > 0.0).then(|| cac / monthly)
        });

        let mut approximations = Vec::new();
        if m.free.usage_limit.is_some() || m.free.seat_limit.is_some() {
            approximations.push("free-plan limits (limit hits convert, block and churn accounts)");
        }
        if kf > 0.0 {
            approximations.push("viral signups (they add customers; CAC and payback here count none)");
        }
        if v(m.teams.internal_share) > 0.0 || m.free.seat_limit.is_some() {
            approximations.push("seats (internal invitations add seats and expansion revenue)");
        }
        if m.trial.is_some() {
            approximations.push("trials");
        }
        if m.sales.is_some() || m.pql.is_some() {
            approximations.push("PQLs and sales");
        }
        if m.plans.len() > 1 {
            approximations.push("higher tiers (upgrades raise ARPA)");
        }
        if v(m.free.reactivation_per_month) > 0.0 || v(m.paid.win_back_per_month) > 0.0 {
            approximations.push("dormant and lapsed accounts coming back");
        }
        if annual > 0.0 {
            approximations.push("annual billing (churn at renewal only)");
        }

        Analytic {
            activation,
            ttv_median_days,
            months_to_usage_limit,
            sharing_per_month,
            free_months,
            eventual_conversion,
            paid_months,
            k: kf,
            r: kf * activation,
            cycle_months: v(m.invites.cycle_months),
            arpa,
            gross_margin,
            ltv,
            customers,
            spend,
            sales_cost,
            market_signed_up,
            cac_blended,
            payback_months,
            approximations,
        }
    }
}

/// The probability that a signup activates `j` steps after its signup step,
/// for `j` below the window.
fn activation_offsets(p: f64, cdf: &dyn Fn(f64) -> f64, window_steps: f64) -> Vec<f64> {
    (0..window_steps as usize).map(|j| p * (cdf((j + 1) as f64) - cdf(j as f64))).collect()
}

/// Expected new customers over the horizon, the spend on paid channels and
/// the accounts signed up by its end (initial ones included, viral ones not).
///
/// Steps in the engine's order: existing free accounts convert (`c`) or
/// leave; then arrivals (organic, each channel) thinned by the market's
/// untouched share, each activating `j` steps later with the probability of
/// `offsets[j]` (in its signup step when `j = 0`, counting from the step
/// after). All of it is linear in the expected counts, so it is exact in
/// expectation.
fn expected_customers(s: &Scenario, values: &[f64], offsets: Vec<f64>, c: f64, x: f64) -> (f64, f64, f64) {
    let v = |id: ParamId| values[id.0];
    let m = &s.model;
    let run = RunModel::new(s, values);
    let k = s.steps_per_month() as f64;
    let steps = s.months as usize * s.steps_per_month() as usize;
    let market = run.market_size;
    let mut signed_up = v(m.initial_free_accounts) + v(m.initial_paid_accounts);
    let mut active = v(m.initial_free_accounts);
    let mut pending = vec![0.0; steps + offsets.len() + 1];
    let (mut customers, mut spend) = (0.0, 0.0);
    for step in 0..steps {
        let t = (step as f64 / k).floor();
        // Accounts whose first free step this is join, then the step's draws.
        active += pending[step];
        customers += active * c;
        active *= 1.0 - x;
        let remaining = |signed_up: f64| market.map_or(1.0, |size| ((size - signed_up) / size).max(0.0));
        let mut arrivals = run.organic_rate_at(t) / k * remaining(signed_up);
        if let Some(size) = market {
            arrivals += (size - signed_up - arrivals).max(0.0) * run.organic_share_per_step;
        }
        signed_up += arrivals;
        for ch in &run.channels {
            let spend_month = ch.spend_at(t);
            spend += spend_month / k;
            let n = ch.signups_for(spend_month) / k * remaining(signed_up);
            arrivals += n;
            signed_up += n;
        }
        // An account that activates j steps after its signup step (j = 0:
        // in it) faces its first draws the step after it activates.
        for (j, pj) in offsets.iter().enumerate() {
            pending[step + 1 + j] += arrivals * pj;
        }
    }
    (customers, spend, signed_up)
}

/// The simulated counterparts, from a quick simulation.
#[derive(Debug, Clone)]
pub struct Simulated {
    pub runs: u32,
    pub months: u32,
    pub stats: Vec<(Horizon, Stat)>,
    /// Standard error of the mean of each of `stats`, in the same order.
    pub se: Vec<Option<f64>>,
    /// Mean over runs of the monthly average of PQLs marked, sales contacts
    /// and sales conversions.
    pub pqls_per_month: f64,
    pub contacts_per_month: f64,
    pub sales_conversions_per_month: f64,
    /// Mean over runs of the month with the most sales contacts.
    pub contacts_max_month: f64,
}

impl Simulated {
    /// The simulated mean of `h` and its standard error.
    pub fn mean_se(&self, h: Horizon) -> Option<(f64, f64)> {
        let i = self.stats.iter().position(|(x, _)| *x == h)?;
        Some((self.stats[i].1.mean?, self.se[i]?))
    }
}

/// The horizon figures the explanation sets against its formulas.
pub const COMPARED: &[Horizon] = &[
    Horizon::ActivationRate,
    Horizon::MedianTimeToValueDays,
    Horizon::KFactor,
    Horizon::FreeToPaidConversion,
    Horizon::Arpa,
    Horizon::GrossMargin,
    Horizon::Ltv,
    Horizon::CacBlended,
    Horizon::CacPaybackMonths,
];

/// Simulates the scenario (its own runs and seed) for the comparison.
pub fn simulate(s: &Scenario) -> Simulated {
    use crate::metrics::Monthly;
    let sim = engine::simulate(s, &|| {});
    let stats = COMPARED.iter().map(|&h| (h, Stat::of(sim.runs.iter().map(|r| r.horizon(h))))).collect();
    let se = COMPARED
        .iter()
        .map(|&h| {
            let xs: Vec<f64> = sim.runs.iter().filter_map(|r| r.horizon(h)).filter(|x| x.is_finite()).collect();
            (xs.len() > 1).then(|| crate::stats::mean_and_se(&xs).1)
        })
        .collect();
    let months = sim.months();
    let per_month = |m: Monthly| -> f64 {
        let n = sim.runs.len().max(1) as f64;
        sim.runs.iter().map(|r| (0..months as usize).map(|t| r.monthly(t, m)).sum::<f64>()).sum::<f64>()
            / n
            / f64::from(months.max(1))
    };
    let contacts_max_month = sim
        .runs
        .iter()
        .map(|r| (0..months as usize).map(|t| r.monthly(t, Monthly::SalesContacts)).fold(0.0, f64::max))
        .sum::<f64>()
        / sim.runs.len().max(1) as f64;
    Simulated {
        runs: s.runs,
        months,
        stats,
        se,
        pqls_per_month: per_month(Monthly::Pqls),
        contacts_per_month: per_month(Monthly::SalesContacts),
        sales_conversions_per_month: per_month(Monthly::SalesConversions),
        contacts_max_month,
    }
}

/// The parameters' central values (medians where known), in registry order.
pub fn central_values(s: &Scenario) -> Vec<f64> {
    s.params
        .iter()
        .map(|p| {
            let x = p.dist.center(p.domain).min(p.max);
            if p.integer { x.round() } else { x }
        })
        .collect()
}

fn pct(x: f64) -> String {
    format::percent(x)
}

/// The explanation, as text.
pub fn text(s: &Scenario, a: &Analytic, sim: &Simulated) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let m = &s.model;
    let values = central_values(s);
    let v = |id: ParamId| values[id.0];
    let _ = writeln!(o, "{}", s.name);
    if !s.description.is_empty() {
        let _ = writeln!(o, "{}", s.description);
    }
    let _ = writeln!(
        o,
        "{} months in {} steps; uncertain inputs at their medians for the formulas.\n",
        s.months,
        s.time_step.name()
    );

    let _ = writeln!(o, "ACQUISITION");
    let organic = v(m.organic.signups_per_month);
    let growth = v(m.organic.growth_per_month);
    if organic > 0.0 {
        let doubling = if growth > 0.0 {
            format!(", doubling every {:.1} months", libm::log(2.0) / libm::log(1.0 + growth))
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "  organic: {} signups a month, growing {} a month{doubling}",
            format::count(organic),
            pct(growth)
        );
    }
    for spec in &m.channels {
        let ch = Channel::new(spec, v);
        let spend = ch.spend_per_month;
        let signups = ch.signups_for(spend);
        let marginal = ch.marginal_cost(spend);
        let _ = writeln!(
            o,
            "  {}: {} a month buys {} signups ({} each on average, the next one costs {})",
            spec.name,
            format::money(spend),
            format::count(signups),
            format::money(spend / signups.max(1e-9)),
            format::money(marginal)
        );
    }
    if let Some(id) = m.market_size {
        let _ = writeln!(
            o,
            "  market: {} accounts; every source draws from the part not signed up yet",
            format::count(v(id))
        );
    }

    let _ = writeln!(o, "\nACTIVATION");
    let _ = writeln!(
        o,
        "  {} of signups reach value ({} would, given time; {} of those within the {}-month window); median time to value {} (simulated mean {})",
        pct(a.activation),
        pct(v(m.activation.probability)),
        pct(a.activation / v(m.activation.probability).max(1e-12)),
        crate::scenario::param::fmt_num(v(m.activation.window_months)),
        format::value(a.ttv_median_days, Unit::Days),
        format::opt(sim.mean_se(Horizon::MedianTimeToValueDays).map(|x| x.0), Unit::Days)
    );
    if let Some(months) = a.months_to_usage_limit {
        let _ = writeln!(
            o,
            "  the median account uses {} {} a month and reaches the free limit of {} after {:.1} months",
            crate::scenario::param::fmt_num(v(m.usage.median_per_month)),
            s.usage_unit,
            crate::scenario::param::fmt_num(v(m.free.usage_limit.expect("a limit"))),
            months
        );
    }

    let _ = writeln!(o, "\nVIRAL LOOP");
    let _ = writeln!(
        o,
        "  an active account brings {:.3} signups a month (invitations and exposure); it is active {:.1} months on the free plan,",
        a.sharing_per_month, a.free_months
    );
    let _ = writeln!(
        o,
        "  converts with probability {} and then pays (and shares) for {}",
        pct(a.eventual_conversion),
        if a.paid_months.is_finite() { format!("{:.1} months", a.paid_months) } else { "ever (no churn)".into() }
    );
    let _ = writeln!(
        o,
        "  K = {:.3} signups per activated account; each signup brings R = K x activation = {:.3}",
        a.k, a.r
    );
    if a.k > 0.0 {
        if a.r < 1.0 {
            let _ = writeln!(
                o,
                "  R < 1: sub-viral. Each wave of invitees is {:.0}% of the last; every organic or paid signup brings {:.2} more in all (1 / (1 - R) - 1), after cycles of {} months",
                100.0 * a.r,
                1.0 / (1.0 - a.r) - 1.0,
                crate::scenario::param::fmt_num(a.cycle_months)
            );
        } else {
            let _ = writeln!(
                o,
                "  R >= 1: super-viral. Each wave of invitees is larger than the last ({:.0}%), so growth compounds {}",
                100.0 * a.r,
                if m.market_size.is_some() {
                    "until the market runs out"
                } else {
                    "without end (no market size given)"
                }
            );
        }
    }

    let _ = writeln!(o, "\nUNIT ECONOMICS");
    let _ = writeln!(
        o,
        "  ARPA {} a month, gross margin {}, paid lifetime {}: LTV = {}",
        format::money(a.arpa),
        pct(a.gross_margin),
        if a.paid_months.is_finite() { format!("{:.1} months", a.paid_months) } else { "unbounded (no churn)".into() },
        format::opt(a.ltv, Unit::Money)
    );
    let _ = writeln!(
        o,
        "  over the horizon: {} spent on channels, {} new customers expected from the baseline funnel",
        format::money(a.spend),
        format::count(a.customers)
    );
    if m.sales.is_some() {
        let _ = writeln!(
            o,
            "  sales cost {} over the horizon with the team at full capacity (fixed cost and every contact)",
            format::money(a.sales_cost)
        );
    }
    let _ = writeln!(
        o,
        "  blended CAC {} = (channel spend + sales cost) / new customers (the cac_blended metric), payback {}",
        format::opt(a.cac_blended, Unit::Money),
        format::opt(a.payback_months, Unit::Months)
    );
    annual_billing(&mut o, s, &values);
    if !a.approximations.is_empty() {
        let _ = writeln!(
            o,
            "\n  The formulas leave out: {}. The simulation below includes them and is the reference.",
            a.approximations.join("; ")
        );
    }

    let _ = writeln!(o, "\nFORMULAS AGAINST A SIMULATION ({} runs)", sim.runs);
    let _ = writeln!(
        o,
        "  {:<28} {:>12} {:>12} {:>12} {:>12} {:>12}",
        "figure", "formula", "sim mean", "sim P10", "sim P50", "sim P90"
    );
    let analytic = |h: Horizon| -> Option<f64> {
        Some(match h {
            Horizon::ActivationRate => a.activation,
            Horizon::MedianTimeToValueDays => a.ttv_median_days,
            Horizon::KFactor => a.k,
            Horizon::FreeToPaidConversion => return None,
            Horizon::Arpa => a.arpa,
            Horizon::GrossMargin => a.gross_margin,
            Horizon::Ltv => return a.ltv,
            Horizon::CacBlended => return a.cac_blended,
            Horizon::CacPaybackMonths => return a.payback_months,
            _ => return None,
        })
    };
    for (h, st) in &sim.stats {
        let u = h.unit();
        let _ = writeln!(
            o,
            "  {:<28} {:>12} {:>12} {:>12} {:>12} {:>12}",
            h.name(),
            format::opt(analytic(*h), u),
            format::opt(st.mean, u),
            format::opt(st.p10(), u),
            format::opt(st.p50(), u),
            format::opt(st.p90(), u)
        );
        if let (Some(f), Some((mean, se))) = (analytic(*h), sim.mean_se(*h))
            && differs(f, mean, se)
            && format::value(f, u) != format::value(mean, u)
        {
            let why = causes(s, &values, a, *h);
            let why = if why.is_empty() {
                "no mechanic the formula leaves out is enabled here; the simulation is the reference".to_string()
            } else {
                why.join("; ")
            };
            let _ = writeln!(
                o,
                "  ! {}: formula {} vs simulated {} (standard error {} of it): {}",
                h.name(),
                format::value(f, u),
                format::value(mean, u),
                pct(se / mean.abs().max(1e-300)),
                why
            );
        }
    }
    if m.sales.is_some() {
        pqls_and_sales(&mut o, s, &values, sim);
    }
    o
}

/// What annual billing does to ARPA, revenue, cash and the gross margin, for
/// every plan with annual customers.
fn annual_billing(o: &mut String, s: &Scenario, values: &[f64]) {
    use std::fmt::Write;
    let v = |id: ParamId| values[id.0];
    for p in &s.model.plans {
        let share = v(p.annual_share);
        if share <= 0.0 {
            continue;
        }
        let _ = writeln!(
            o,
            "  annual billing on {}: {} of its new customers pay a year upfront at {} off. ARPA, MRR and revenue count them monthly \
             (MRR = price x (1 - discount), revenue recognised each month); cash_in collects 12 x MRR at conversion and each yearly \
             anniversary. The card fees are charged on the whole year when it is collected (the fixed fee once a year); the gross \
             margin sets them against revenue recognised monthly, so within the horizon a year's fees run ahead of its revenue. \
             Annual customers churn only at renewal",
            p.name,
            pct(share),
            pct(v(p.annual_discount))
        );
    }
}

/// PQLs produced against the sales team's capacity, from the simulation.
fn pqls_and_sales(o: &mut String, s: &Scenario, values: &[f64], sim: &Simulated) {
    use std::fmt::Write;
    let v = |id: ParamId| values[id.0];
    let m = &s.model;
    let Some(sales) = &m.sales else { return };
    let capacity = v(sales.contacts_per_month).round();
    let _ = writeln!(o, "\nPQLS AND SALES (simulated, {} runs)", sim.runs);
    let _ = writeln!(
        o,
        "  {} PQLs over the {} months ({} a month); the sales team can make {} contacts a month ({} over the horizon), at {} each plus {} a month",
        format::count(sim.pqls_per_month * f64::from(sim.months)),
        sim.months,
        format::count(sim.pqls_per_month),
        format::count(capacity),
        format::count(capacity * f64::from(sim.months)),
        format::money(v(sales.cost_per_contact)),
        format::money(v(sales.fixed_cost_per_month))
    );
    let worked = if sim.pqls_per_month > 0.0 { (capacity / sim.pqls_per_month).min(1.0) } else { 1.0 };
    let _ = writeln!(
        o,
        "  contacts made: {} a month (busiest month {}); at most {} of the PQLs can be worked",
        format::count(sim.contacts_per_month),
        format::count(sim.contacts_max_month),
        pct(worked)
    );
    let _ = writeln!(
        o,
        "  each PQL is contacted once, while active free, blocked, on a trial or paying below {}; each month's capacity goes, state by \
         state in the order accounts are stepped (active free, blocked, trial, paying), to a uniformly random choice of the \
         PQLs waiting there (not contacted yet), unused capacity is not carried over, and the rest wait for a later month: a PQL that goes dormant, churns or is still waiting at the end is \
         never contacted",
        m.plans[sales.plan].name
    );
    let _ = writeln!(
        o,
        "  {} of contacts are won: {} a month (free and trial accounts convert to {}, paying ones upgrade)",
        pct(v(sales.conversion)),
        format::count(sim.sales_conversions_per_month),
        m.plans[sales.plan].name
    );
}

/// Whether a formula figure and the simulated mean differ by more than the
/// Monte Carlo error: by more than 4 standard errors of the mean and by more
/// than 5% of the larger of the two.
pub fn differs(formula: f64, mean: f64, se: f64) -> bool {
    let gap = (formula - mean).abs();
    gap > 4.0 * se && gap > 0.05 * formula.abs().max(mean.abs())
}

/// The mechanics of the scenario, left out of the formula for `h`, that
/// move the simulated figure; only mechanics the scenario has, at the
/// parameters' central values `values`.
pub fn causes(s: &Scenario, values: &[f64], a: &Analytic, h: Horizon) -> Vec<String> {
    let v = |id: ParamId| values[id.0];
    let m = &s.model;
    let l = &m.limit_hit;
    let limits = m.free.usage_limit.is_some() || m.free.seat_limit.is_some();
    let mut out: Vec<String> = Vec::new();
    let blocked_churn = l.blocked_churn_per_month.map_or(0.0, v);
    // Mechanics of the free plan that shorten or lengthen the inviting life.
    let sharing = |out: &mut Vec<String>| {
        if limits {
            let f = v(l.blocked_invite_factor);
            if f < 1.0 {
                out.push(if f <= 0.0 {
                    "free usage limits block sharing: blocked accounts send no invitations".into()
                } else {
                    format!("free usage limits block sharing: blocked accounts invite at {} of the rate", pct(f))
                });
            }
            let mut leave = Vec::new();
            if v(l.churn) > 0.0 {
                leave.push(format!("{} at the hit", pct(v(l.churn))));
            }
            if blocked_churn > 0.0 {
                leave.push(format!("{} a month while blocked", pct(blocked_churn)));
            }
            if !leave.is_empty() {
                out.push(format!(
                    "limit hits make accounts leave ({}), which shortens the inviting life",
                    leave.join(", ")
                ));
            }
        }
        if let Some(t) = &m.trial
            && t.after == crate::scenario::TrialAfter::Leave
        {
            out.push("trials: accounts that do not convert at the trial's end leave".into());
        }
        if v(m.teams.internal_share) > 0.0 {
            out.push("seats: internal invitations add seats, and every seat sends invitations".into());
        }
        if v(m.free.reactivation_per_month) > 0.0 || v(m.paid.win_back_per_month) > 0.0 {
            out.push("dormant and lapsed accounts come back and share again".into());
        }
        // Saturation matters once a noticeable part of the market is in.
        if let Some(share) = a.market_signed_up {
            if share >= 0.05 {
                out.push(format!(
                    "market saturation: {} of the market signs up over the horizon without the loop, and invitees \
                     already signed up are not new signups",
                    pct(share)
                ));
            } else if a.r >= 1.0 {
                out.push(
                    "market saturation: the super-viral loop uses up the market, and invitees already signed up \
                     are not new signups"
                        .into(),
                );
            }
        }
    };
    let converting = |out: &mut Vec<String>| {
        if limits && (v(l.convert) > 0.0 || v(l.convert_before_activation) > 0.0) {
            out.push(format!(
                "limit hits convert accounts beyond the monthly conversion rate (up to {} at the hit after activation)",
                pct(v(l.convert))
            ));
        }
        if limits && v(l.blocked_conversion_per_month) > 0.0 {
            out.push(format!("blocked accounts convert at {} a month", pct(v(l.blocked_conversion_per_month))));
        }
        if a.k > 0.0 {
            out.push("viral signups convert too (the formula counts none)".into());
        }
        if let Some(t) = &m.trial {
            out.push(format!("trials: {} of trials convert at their end", pct(v(t.conversion))));
        }
        if let Some(sales) = &m.sales {
            out.push(format!(
                "sales contacts convert PQLs ({} of contacts, to {})",
                pct(v(sales.conversion)),
                m.plans[sales.plan].name
            ));
        }
        if v(m.free.reactivation_per_month) > 0.0 || v(m.paid.win_back_per_month) > 0.0 {
            out.push("dormant and lapsed accounts come back".into());
        }
    };
    let revenue = |out: &mut Vec<String>| {
        let entry = m.paid.entry_plan;
        if m.plans.len() > 1 && v(m.paid.upgrade_per_month) > 0.0 {
            out.push("higher tiers: accounts over their plan's limits upgrade".into());
        }
        if let Some(sales) = &m.sales
            && sales.plan != entry
        {
            out.push(format!("sales sells the {} plan", m.plans[sales.plan].name));
        }
        if let Some(t) = &m.trial
            && t.plan != entry
        {
            out.push(format!("trials convert to the {} plan", m.plans[t.plan].name));
        }
        if m.plans.iter().any(|p| p.per_seat) && v(m.teams.internal_share) > 0.0 {
            out.push("per-seat pricing: accounts add seats".into());
        }
        for (i, p) in m.plans.iter().enumerate() {
            if i != entry && v(p.annual_share) > 0.0 && v(p.annual_discount) > 0.0 {
                out.push(format!("annual billing on {} at {} off", p.name, pct(v(p.annual_discount))));
            }
        }
    };
    let costs = |out: &mut Vec<String>| {
        if v(m.teams.internal_share) > 0.0 && v(m.costs.serve_paid_seat_per_month) > 0.0 {
            out.push("cost to serve is per seat: team accounts cost more to serve".into());
        }
        if m.plans.iter().any(|p| v(p.annual_share) > 0.0) && v(m.costs.payment_fee_fixed) > 0.0 {
            out.push("annual billing collects a year upfront: one fixed card fee a year".into());
        }
    };
    let lifetime = |out: &mut Vec<String>| {
        if m.paid.churn_halving_months.is_some() {
            out.push(
                "paid churn falls with tenure: the simulated LTV divides by the average churn of the paying base"
                    .into(),
            );
        }
        if m.plans.iter().any(|p| v(p.annual_share) > 0.0) {
            out.push("annual plans churn only at renewal".into());
        }
    };
    match h {
        Horizon::KFactor => {
            sharing(&mut out);
            if m.paid.churn_halving_months.is_some() {
                out.push("paid churn falls with tenure: the simulated K depends on the age mix".into());
            }
        }
        Horizon::ActivationRate | Horizon::MedianTimeToValueDays => {
            if limits {
                out.push(
                    "accounts that hit the free limit before they reach value never activate (they convert, leave, \
                     or wait blocked until their window closes), and those are the slow ones"
                        .into(),
                );
            }
            if m.trial.is_some() {
                out.push("trials".into());
            }
        }
        Horizon::Arpa => revenue(&mut out),
        Horizon::GrossMargin => {
            costs(&mut out);
            revenue(&mut out);
        }
        Horizon::Ltv => {
            revenue(&mut out);
            costs(&mut out);
            lifetime(&mut out);
        }
        Horizon::CacBlended | Horizon::CacPaybackMonths => {
            converting(&mut out);
            if limits && v(l.churn) + v(l.churn_before_activation) > 0.0 {
                out.push("limit hits make accounts leave before they convert".into());
            }
            if m.sales.is_some() {
                out.push("the formula's sales cost assumes the full contact capacity is used".into());
            }
            if h == Horizon::CacPaybackMonths {
                revenue(&mut out);
                costs(&mut out);
            }
        }
        _ => {}
    }
    // Inputs the figure depends on that are uncertain: the formula takes
    // their medians, the simulation's mean is over their draws.
    let act = &m.activation;
    let mut inputs = match h {
        Horizon::ActivationRate | Horizon::MedianTimeToValueDays => {
            vec![act.probability, act.time_to_value_median_months, act.time_to_value_sigma, act.window_months]
        }
        Horizon::KFactor => vec![
            m.invites.per_active_seat_per_month,
            m.invites.acceptance,
            m.invites.per_new_account,
            m.exposure.per_active_account_per_month,
            m.exposure.signup_rate,
            m.teams.internal_share,
            m.free.churn_per_month,
            m.free.conversion_per_month,
            m.paid.churn_per_month,
        ],
        Horizon::Arpa | Horizon::GrossMargin | Horizon::Ltv | Horizon::CacBlended | Horizon::CacPaybackMonths => {
            let mut ids: Vec<ParamId> =
                m.plans.iter().flat_map(|p| [p.price_per_month, p.annual_share, p.annual_discount]).collect();
            ids.extend([m.costs.serve_paid_seat_per_month, m.costs.payment_fee_rate, m.costs.payment_fee_fixed]);
            ids
        }
        _ => Vec::new(),
    };
    if h == Horizon::Ltv {
        inputs.extend([m.paid.churn_per_month, m.paid.payment_failure, m.paid.payment_recovery]);
    }
    if matches!(h, Horizon::CacBlended | Horizon::CacPaybackMonths) {
        inputs.extend([m.organic.signups_per_month, m.organic.growth_per_month, m.free.conversion_per_month]);
        inputs.extend([act.probability, m.free.churn_per_month]);
        for ch in &m.channels {
            inputs.extend([ch.spend_per_month, ch.cost_per_signup, ch.spend_growth_per_month]);
        }
    }
    let uncertain: Vec<&str> = inputs
        .iter()
        .map(|id| &s.params[id.0])
        .filter(|p| !matches!(p.dist, crate::scenario::Dist::Fixed(_)))
        .map(|p| p.key.as_str())
        .collect();
    if !uncertain.is_empty() {
        out.push(format!(
            "uncertain inputs ({}): the formula takes their medians, the simulated mean is over their draws",
            uncertain.join(", ")
        ));
    }
    out
}
