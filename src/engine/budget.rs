//! The work and memory a scenario asks for, estimated before anything runs.
//!
//! A step costs a bounded number of draws per live account (invitations,
//! seats and seat churn are drawn in aggregate, see `mechanics.rs`), so the
//! work of a simulation is measured in **account-steps**: the live accounts summed
//! over the steps of every run. The estimate is an expected-value recursion
//! over the steps of one run, on the side of more work:
//!
//! - every parameter at the end of its range that makes more accounts (the
//!   95th percentile of an uncertain input; churn rates and cycle times at
//!   their 5th percentile);
//! - every signup activates at once and every active account invites (and
//!   exposes) at the full rate from its signup step, with no cycle delay;
//! - active free accounts leave at the free churn rate and convert at the
//!   free conversion rate plus, when a free limit can be hit, the share that
//!   converts at the limit (taken as a monthly rate); paying accounts leave
//!   at the paid churn rate (its floor, when churn falls with tenure);
//!   when dormant or lapsed accounts can come back they stay in memory;
//!   accounts that do not activate leave when their window closes;
//! - seats per account grow by the accepted internal invitations and shrink
//!   by seat churn, up to the largest seat limit;
//! - arrivals are thinned by the market not yet signed up, and the live
//!   accounts are capped at [`MAX_LIVE_ACCOUNTS`], as in the engine.
//!
//! A scenario whose estimate is over [`MAX_ACCOUNT_STEPS`] is refused, naming
//! the key whose removal (the input at zero, the runs at one, the time step
//! at a month) cuts the estimate most.

use super::account::{Account, MAX_LIVE_ACCOUNTS, MAX_SEATS};
use crate::metrics::Monthly;
use crate::scenario::{Dist, ParamId, Problem, Scenario};

/// Account-steps a scenario may ask for: an hour of one core at the
/// engine's ~60 million account-steps a second (measured on the shipped
/// scenarios, see `benches/engine.rs`).
pub const MAX_ACCOUNT_STEPS: f64 = 3600.0 * 60e6;

/// Bytes a live account takes in a run, with the slack of growing vectors
/// (a vector that doubles holds up to twice what it needs).
pub const BYTES_PER_LIVE_ACCOUNT: f64 = 2.0 * std::mem::size_of::<Account>() as f64;

/// What a scenario asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub runs: u32,
    /// Expected account-steps of one run (on the side of more).
    pub account_steps_per_run: f64,
    /// The most live accounts one run holds.
    pub peak_live_accounts: f64,
    /// Bytes one run holds while it runs (accounts, queues, tables).
    pub bytes_in_flight: f64,
    /// Bytes each run's results take until the end (monthly rows, horizon).
    pub bytes_kept: f64,
}

impl Estimate {
    pub fn account_steps(&self) -> f64 {
        self.account_steps_per_run * self.runs as f64
    }

    /// Bytes for the whole simulation with `in_flight` runs at a time.
    pub fn bytes(&self, in_flight: usize) -> f64 {
        self.bytes_in_flight * in_flight as f64 + self.bytes_kept * self.runs as f64
    }

    /// The most runs in flight that fit in `available` bytes (0: not even one).
    pub fn runs_in_flight(&self, available: f64) -> usize {
        let room = available - self.bytes_kept * self.runs as f64;
        if room < self.bytes_in_flight {
            return 0;
        }
        (room / self.bytes_in_flight.max(1.0)).min(usize::MAX as f64 / 2.0) as usize
    }
}

/// The estimate for a scenario, for the engine that simulates it
/// ([`super::choose`]): with the count engine, a run's work and memory are
/// its groups' ([`counts_estimate`]), not its accounts'.
pub fn estimate(s: &Scenario) -> Estimate {
    let e = estimate_accounts(s);
    if super::choose_with(s, &e).engine == super::Engine::Counts { counts_estimate(s, &e) } else { e }
}

/// The estimate for the account engine.
pub fn estimate_accounts(s: &Scenario) -> Estimate {
    estimate_with(s, &work_values(s), s.steps_per_month())
}

/// Groups a run of the count engine steps at most at a step, on the side
/// of more (`counts.rs`: states x signup cohorts x buckets; measured at
/// most a few thousand on the shipped scenarios, `tests/engines.rs`).
pub const COUNT_GROUPS_PER_STEP: f64 = 20_000.0;

/// The count engine's estimate: the work of a run is its group-steps plus
/// its initial accounts (drawn one by one), counted as account-steps; its
/// memory, the groups and the initial accounts.
pub fn counts_estimate(s: &Scenario, accounts: &Estimate) -> Estimate {
    let steps = s.months as f64 * s.steps_per_month() as f64;
    let initial = {
        let v = work_values(s);
        v[s.model.initial_free_accounts.0] + v[s.model.initial_paid_accounts.0]
    };
    let groups = COUNT_GROUPS_PER_STEP + initial;
    Estimate {
        runs: accounts.runs,
        account_steps_per_run: steps * groups,
        peak_live_accounts: groups,
        bytes_in_flight: groups * BYTES_PER_LIVE_ACCOUNT * 3.0,
        bytes_kept: accounts.bytes_kept,
    }
}

/// The estimate, and a problem naming the key that drives it when the work
/// is over [`MAX_ACCOUNT_STEPS`].
pub fn check(s: &Scenario) -> Result<Estimate, Problem> {
    let e = estimate(s);
    if e.account_steps() <= MAX_ACCOUNT_STEPS {
        return Ok(e);
    }
    let key = dominant_key(s);
    Err(Problem {
        key: key.clone(),
        message: format!(
            "the simulation would take about {} account-steps ({} runs x {} each, at most {} live accounts), more than the limit of {} (about an hour of one core); this key adds the most: {}{}",
            sci(e.account_steps()),
            e.runs,
            sci(e.account_steps_per_run),
            sci(e.peak_live_accounts),
            sci(MAX_ACCOUNT_STEPS),
            if key == "scenario.time_step" { "use a longer step" } else { "lower it" },
            if s.model.market_size.is_none() && key != "scenario.runs" {
                ", or give the market a size (market.size)"
            } else {
                ""
            },
        ),
        location: s.location(&key).cloned(),
    })
}

fn sci(x: f64) -> String {
    if x < 1e6 { format!("{x:.0}") } else { format!("{x:.1e}") }
}

/// Runs of a scenario that are not, by themselves, an excess.
const ORDINARY_RUNS: u32 = 1000;

/// The key that causes the work: `scenario.runs` when [`ORDINARY_RUNS`]
/// runs would fit, else the key whose removal cuts the estimated work most
/// (an input of growth at zero, the time step at a month). The initial accounts
/// are named only when nothing else brings the work under the limit (without
/// them there is nothing to simulate, which is rarely the point).
fn dominant_key(s: &Scenario) -> String {
    let base = work_values(s);
    let k = s.steps_per_month();
    let m = &s.model;
    let without = |id: ParamId| {
        let mut v = base.clone();
        v[id.0] = 0.0;
        estimate_with(s, &v, k).account_steps()
    };
    let mut growth: Vec<ParamId> = vec![
        m.invites.per_active_seat_per_month,
        m.invites.per_new_account,
        m.teams.internal_share,
        m.exposure.per_active_account_per_month,
        m.organic.signups_per_month,
        m.organic.growth_per_month,
        m.organic.share_of_remaining_market_per_month,
    ];
    for c in &m.channels {
        growth.extend([c.spend_per_month, c.spend_growth_per_month]);
    }
    let per_run = estimate_with(s, &base, k).account_steps_per_run;
    if per_run * s.runs.min(ORDINARY_RUNS) as f64 <= MAX_ACCOUNT_STEPS {
        // Runs of an ordinary size, too many of them.
        return "scenario.runs".into();
    }
    let mut options: Vec<(String, f64)> = growth.into_iter().map(|id| (s.param(id).key.clone(), without(id))).collect();
    if k > 1 {
        options.push(("scenario.time_step".into(), estimate_with(s, &base, 1).account_steps()));
    }
    let best = |o: &[(String, f64)]| o.iter().min_by(|a, b| a.1.total_cmp(&b.1)).cloned();
    let (key, work) = best(&options).expect("there are options");
    if work <= MAX_ACCOUNT_STEPS {
        return key;
    }
    let initial = [m.initial_free_accounts, m.initial_paid_accounts].map(|id| (s.param(id).key.clone(), without(id)));
    match best(&initial) {
        Some((k, w)) if w <= MAX_ACCOUNT_STEPS => k,
        _ => key,
    }
}

/// Whether more of a parameter means less work (churn rates, cycle times).
fn lowers_work(key: &str) -> bool {
    key.contains("churn") || key.contains("cycle_months") || key.contains("time_to_value_median")
}

/// Every parameter at the end of its range that makes more work: the 95th
/// (or 5th) percentile of an uncertain input.
fn work_values(s: &Scenario) -> Vec<f64> {
    use crate::scenario::param::Z95;
    s.params
        .iter()
        .map(|p| {
            let up = !lowers_work(&p.key);
            let pick = |lo: f64, hi: f64| if up { hi } else { lo };
            let x = match p.dist {
                Dist::Fixed(x) => x,
                Dist::Sample(ref v) => {
                    let (lo, hi) =
                        v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
                    pick(lo, hi)
                }
                Dist::Uniform { low, high } | Dist::Interval90 { low, high } => pick(low, high),
                Dist::Triangular { min, max, .. } => pick(min, max),
                Dist::Normal { mean, sd } => pick(mean - Z95 * sd, mean + Z95 * sd),
                Dist::LogNormal { median, sigma } => {
                    pick(median * libm::exp(-Z95 * sigma), median * libm::exp(Z95 * sigma))
                }
                Dist::Beta { alpha, beta } => {
                    let mean = alpha / (alpha + beta);
                    let sd = libm::sqrt(alpha * beta / ((alpha + beta) * (alpha + beta) * (alpha + beta + 1.0)));
                    pick(mean - Z95 * sd, mean + Z95 * sd)
                }
            };
            let x = p.domain.clamp(x).min(p.max);
            if p.integer { x.round() } else { x }
        })
        .collect()
}

/// The recursion of the module comment over one run with values `v` and
/// `k` steps a month.
fn estimate_with(s: &Scenario, v: &[f64], k: u32) -> Estimate {
    let m = &s.model;
    let val = |id: ParamId| v[id.0];
    let kf = k as f64;
    let steps = s.months as u64 * k as u64;
    let market = m.market_size.map(val);
    let cap = MAX_LIVE_ACCOUNTS as f64;

    let per_step = |monthly: f64| monthly / kf;
    let organic = val(m.organic.signups_per_month);
    let organic_growth = val(m.organic.growth_per_month);
    let organic_share = per_step(val(m.organic.share_of_remaining_market_per_month));
    let activation = val(m.activation.probability);
    let window_steps = (val(m.activation.window_months) * kf).max(1.0);
    let paid_churn =
        m.paid.churn_floor_per_month.map_or(val(m.paid.churn_per_month), |f| val(f).min(val(m.paid.churn_per_month)));
    let free_exit = per_step(val(m.free.churn_per_month));
    let paid_exit = per_step(paid_churn);
    // Conversions: the free rate, and (when a free limit can be hit) the
    // share converting at the limit as if it were a monthly rate.
    let has_limit = m.free.usage_limit.is_some() || m.free.seat_limit.is_some();
    let conversion =
        per_step(val(m.free.conversion_per_month) + if has_limit { val(m.limit_hit.convert) } else { 0.0 }).min(1.0);
    let keeps_leavers = val(m.free.reactivation_per_month) > 0.0 || val(m.paid.win_back_per_month) > 0.0;
    let invites = per_step(val(m.invites.per_active_seat_per_month)) * val(m.invites.acceptance);
    // Sent once at joining: the signups an arrival (or an initial account)
    // brings, `once_steps` later.
    let once = if m.invites.once { val(m.invites.per_new_account) * val(m.invites.acceptance) } else { 0.0 };
    let once_steps = (val(m.invites.cycle_months) * kf).round() as u64;
    let mut joined: Vec<f64> = Vec::new();
    let internal = val(m.teams.internal_share);
    let seat_churn = per_step(val(m.teams.seat_churn_per_month));
    let exposure = per_step(val(m.exposure.per_active_account_per_month)) * val(m.exposure.signup_rate);
    let seat_cap = {
        let limit = |l: Option<ParamId>| l.map_or(MAX_SEATS as f64, val);
        m.plans.iter().map(|p| limit(p.seat_limit)).fold(limit(m.free.seat_limit), f64::max)
    };

    let initial = val(m.initial_free_accounts) + val(m.initial_paid_accounts);
    let (mut signed_up, mut free, mut paid, mut left) =
        (0.0, val(m.initial_free_accounts), val(m.initial_paid_accounts), 0.0);
    let mut ever = initial;
    let mut seats = 1.0f64;
    let (mut account_steps, mut peak) = (0.0, 0.0);
    for step in 0..steps {
        let active = free + paid;
        let live = (signed_up + active + left).min(cap);
        account_steps += live;
        peak = f64::max(peak, live);
        let t = step as f64 / kf;
        let new_share = market.map_or(1.0, |size| ((size - ever) / size).clamp(0.0, 1.0));
        let mut arrivals = per_step(organic) * libm::pow(1.0 + organic_growth, t);
        for c in &m.channels {
            let spend = val(c.spend_per_month) * libm::pow(1.0 + val(c.spend_growth_per_month), t);
            let signups = match c.max_signups_per_month {
                None => spend / val(c.cost_per_signup),
                Some(max) => val(max) * (1.0 - libm::exp(-spend / (val(c.cost_per_signup) * val(max)))),
            };
            arrivals += per_step(signups);
        }
        arrivals += active * (seats * invites * (1.0 - internal) + exposure);
        if once > 0.0 {
            let senders = match (step + 1).checked_sub(once_steps) {
                Some(0) => initial,
                Some(i) => joined.get(i as usize - 1).copied().unwrap_or(0.0),
                None => 0.0,
            };
            arrivals += senders * once * (1.0 - internal);
        }
        arrivals *= new_share;
        if let Some(size) = market {
            arrivals += organic_share * (size - ever).max(0.0);
            arrivals = arrivals.min((size - ever).max(0.0));
        }
        let arrivals = arrivals.min((cap - live).max(0.0));
        if !arrivals.is_finite() {
            // Beyond any limit: as much work as the cap allows.
            account_steps = f64::INFINITY;
            break;
        }
        ever += arrivals;
        joined.push(arrivals);
        let gone = free * free_exit + paid * paid_exit;
        if keeps_leavers {
            left += gone;
        }
        let converted = free * conversion;
        signed_up += arrivals * (1.0 - activation) - signed_up / window_steps;
        free += arrivals * activation - free * free_exit - converted;
        paid += converted - paid * paid_exit;
        seats = (seats + seats * invites * internal - (seats - 1.0) * seat_churn).clamp(1.0, seat_cap);
    }
    let months = s.months as f64;
    let width = (Monthly::COUNT + m.channels.len()) as f64;
    // Monthly rows and horizon figures, kept for every run; while running,
    // also the cohort matrices, queues and the time-to-value histogram.
    let bytes_kept = 8.0 * (months * width + 64.0) + 256.0;
    let bytes_in_flight = peak.min(cap) * BYTES_PER_LIVE_ACCOUNT
        + 8.0 * (2.0 * months * months + 4.0 * months + 2.0 * steps as f64 + 4096.0);
    Estimate {
        runs: s.runs,
        account_steps_per_run: account_steps,
        peak_live_accounts: peak.min(cap),
        bytes_in_flight,
        bytes_kept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(in_flight: f64, kept: f64, runs: u32) -> Estimate {
        Estimate {
            runs,
            account_steps_per_run: 0.0,
            peak_live_accounts: 0.0,
            bytes_in_flight: in_flight,
            bytes_kept: kept,
        }
    }

    #[test]
    fn runs_in_flight_are_what_fits_after_the_results_kept() {
        let e = estimate(100.0, 1.0, 10);
        assert_eq!(e.runs_in_flight(1000.0), 9);
        assert_eq!(e.runs_in_flight(110.0), 1);
        assert_eq!(e.runs_in_flight(109.0), 0);
        assert_eq!(e.bytes(2), 210.0);
    }

    #[test]
    fn an_unbounded_invitation_loop_is_refused_naming_the_invitations() {
        let text = "[scenario]\nmonths = 24\nruns = 1000\n[initial]\nfree_accounts = 100\n[activation]\nprobability = 1\n\
                    [invites]\nper_active_seat_per_month = 1000\nacceptance = 1\n[[plans]]\nname = \"pro\"\nprice_per_month = 10\n";
        let s = Scenario::from_str("t.toml", text, &[]).unwrap();
        let p = check(&s).unwrap_err();
        assert_eq!(p.key, "invites.per_active_seat_per_month");
        assert!(p.message.contains("market.size"), "{}", p.message);
        let small =
            Scenario::from_str("t.toml", &text.replace("= 1000\nacceptance", "= 0.5\nacceptance"), &[]).unwrap();
        assert!(check(&small).is_ok());
    }
}
