//! One Monte Carlo run: the run's state (`Run`) and the step loop
//! (`simulate_run`). The parts of a run live beside it:
//!
//! - `population.rs`: the live accounts, one vector per state (`Population`,
//!   `sweep`, `settle`) and the memory reused from run to run (`Workspace`);
//! - `mechanics.rs`: what happens to an account in a step, by state;
//! - `arrivals.rs`: new accounts (initial, organic, channels, invitations and
//!   exposures), thinned by the market;
//! - `books.rs`: the month's flows, the horizon's totals, the month row and
//!   the horizon figures.
//!
//! A step has three phases, in this order:
//!
//! 1. **Accounts.** Every account that existed at the start of the step goes
//!    through its state's mechanics (`mechanics.rs` gives the order of events
//!    within an account's step, by state). Accounts that leave are dropped
//!    (or kept as dormant / lapsed when they can come back); accounts that
//!    change state join their new state's vector after every state has been
//!    stepped, so no account is stepped twice in a step.
//! 2. **Arrivals.** New accounts from organic discovery, each paid channel,
//!    the invitations and exposures whose cycle time ends now. In a finite
//!    market each would-be signup is new with probability (market not yet
//!    signed up) / (market size); an invitation is checked when it is
//!    accepted (so the inviter can be credited a referral), an exposure when
//!    it arrives. A new account's signup step only decides its activation
//!    and its trial; its other mechanics start the step after.
//!    Then the exposures of the step, from the exposing accounts present
//!    at its start and its end (their mean).
//! 3. **Books.** Revenue (MRR / steps per month), costs, and, at the end of
//!    a month, the month's row of metrics.
//!
//! Money is kept in integer cents per account, so MRR movements reconcile
//! exactly: new + expansion - contraction - churned + reactivation = change
//! in MRR, every month.

use super::account::{Account, STATES, State, reached};
use super::books::{Flows, TTV_SHIFT, Totals, horizon_figures, mark_base, mean_over_step};
use super::model::RunModel;
use super::population::{Population, Workspace};
use crate::rng::SimRng;

/// What a run produces.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub(crate) run: u64,
    /// `months x n_monthly` values, month-major.
    pub(crate) monthly: Vec<f64>,
    /// Month 0, the opening state: `n_monthly` values (stocks of the
    /// initial accounts and the starting cash; flows 0).
    pub(crate) opening: Vec<f64>,
    pub(crate) horizon: Vec<Option<f64>>,
    /// Account-steps simulated (for throughput figures).
    pub(crate) account_steps: u64,
    /// The run hit [`MAX_LIVE_ACCOUNTS`].
    pub(crate) capped: bool,
    /// Times an account's seats reached [`MAX_SEATS`] (seats beyond it are
    /// dropped).
    pub(crate) seat_ceiling_hits: u64,
    /// Cohort counts, `months x months`, indexed `[signup month][months
    /// since signup]`: first conversions to paid, and net departures
    /// (departures minus returns of dormant or lapsed accounts, so a cell
    /// can be negative but the running sum over ages cannot).
    pub(crate) cohort_conversions: Vec<u32>,
    pub(crate) cohort_departures: Vec<i32>,
}

impl RunOutput {
    /// Account-steps simulated (for throughput figures).
    pub fn account_steps(&self) -> u64 {
        self.account_steps
    }
}

/// The state of a run between steps, shared by its phases.
pub(super) struct Run<'m> {
    pub(super) m: &'m RunModel,
    pub(super) rng: SimRng,
    pub(super) acq_rng: SimRng,
    pub(super) step: u32,
    /// Signups from accepted invitations and from exposures, by the step they arrive.
    pub(super) pending_invites: Vec<u64>,
    pub(super) pending_exposure: Vec<u64>,
    pub(super) signed_up_ever: f64,
    /// `round(p * 2^32)` of the probability that a would-be signup is new.
    pub(super) new_to_market: u64,
    /// Sales contacts left this month.
    pub(super) sales_budget: u64,
    /// Dormant accounts not kept in memory (they cannot come back).
    pub(super) dormant_uncounted: u64,
    pub(super) flows: Flows,
    pub(super) totals: Totals,
    pub(super) capped: bool,
    pub(super) seat_ceiling_hits: u64,
    pub(super) cohort_conversions: Vec<u32>,
    pub(super) cohort_departures: Vec<i32>,
    /// Revenue (cents x steps) and customers by month of conversion, for
    /// the realised LTV, and the MRR (cents) of the paying accounts by their
    /// month of conversion, kept up to date at every conversion, repricing,
    /// churn and win-back.
    pub(super) revenue_by_conversion_month: Vec<f64>,
    pub(super) mrr_by_conversion_month: Vec<i64>,
    /// The current step's month.
    pub(super) month: u32,
    pub(super) customers_by_conversion_month: Vec<u64>,
    /// Activations by time to value, as a share of the activation window in
    /// 4,096 bins.
    pub(super) ttv_days: Vec<u64>,
    /// Days of time to value per 1/65535 of the activation window.
    pub(super) days_per_ttv_unit: f64,
    /// Seats by state and MRR (cents) of the accounts present at the end of
    /// the step, tallied as they are stepped or arrive.
    pub(super) tally_seats: [u64; STATES],
    pub(super) tally_mrr: u64,
    /// The cash balance at the end of the last month closed.
    pub(super) cash_balance: f64,
    /// The count engine's usage laws of its paying groups (tier usage
    /// limits, `counts::UsageLaws`); empty and unused by the account engine.
    pub(super) usage_laws: super::counts::UsageLaws,
}

impl<'m> Run<'m> {
    /// A run of `m` at its start: no accounts, empty books.
    pub(super) fn new(m: &'m RunModel, rng: SimRng, acq_rng: SimRng) -> Run<'m> {
        let k = m.steps_per_month as f64;
        let months = m.months as usize;
        let max_delay = m.invite_delay.steps.max(m.exposure_delay.steps) + 2;
        let ttv_bins = (u16::MAX >> TTV_SHIFT) as usize + 1;
        Run {
            m,
            rng,
            acq_rng,
            step: 0,
            pending_invites: vec![0; (m.steps + max_delay) as usize],
            pending_exposure: vec![0; (m.steps + max_delay) as usize],
            signed_up_ever: 0.0,
            new_to_market: 1 << 32,
            sales_budget: 0,
            dormant_uncounted: 0,
            flows: Flows::default(),
            totals: Totals::default(),
            capped: false,
            seat_ceiling_hits: 0,
            cohort_conversions: vec![0; months * months],
            cohort_departures: vec![0; months * months],
            revenue_by_conversion_month: vec![0.0; months],
            mrr_by_conversion_month: vec![0; months],
            month: 0,
            customers_by_conversion_month: vec![0; months],
            ttv_days: vec![0; ttv_bins],
            days_per_ttv_unit: m.window_steps as f64 / k * 30.4375 / 65535.0,
            tally_seats: [0; STATES],
            tally_mrr: 0,
            cash_balance: m.starting_cash.unwrap_or(0.0),
            usage_laws: Default::default(),
        }
    }
}

/// Simulates one run of `m` with the given streams.
pub fn simulate_run(
    m: &RunModel,
    run: u64,
    rng: SimRng,
    acq_rng: SimRng,
    monthly_width: usize,
    ws: &mut Workspace,
) -> RunOutput {
    let mut r = Run::new(m, rng, acq_rng);
    let months = m.months as usize;
    let mut monthly = vec![0.0; months * monthly_width];
    let mut channel_signups = vec![0u64; m.channels.len()];
    let pop = &mut ws.pop;
    pop.clear();
    let mut account_steps = 0u64;
    // Trailing-12-month retention: the base is set at the end of month T-12.
    let base_step = (m.months >= 12).then(|| (m.months - 12) * m.steps_per_month);

    r.initial_accounts(pop);
    let mut opening = vec![0.0; monthly_width];
    super::books::opening_row(pop, r.cash_balance, &mut opening);
    if base_step == Some(0) {
        mark_base(pop, &mut r.totals);
    }

    for step in 0..m.steps {
        r.step = step;
        r.month = m.tenure[step as usize].months;
        // Growth compounds by whole months: month n's amounts are x (1 + g)^n,
        // spread evenly over its steps.
        let t_months = r.month as f64;
        if step % m.steps_per_month == 0 {
            r.sales_budget = m.sales.as_ref().map_or(0, |s| s.contacts_per_month);
        }

        // 1. Accounts.
        let exposing_before = r.exposing(pop);
        account_steps += pop.len() as u64;
        r.tally_seats = [0; STATES];
        r.tally_mrr = 0;
        pop.sweep(State::SignedUp, &mut r, Run::step_signed_up);
        // The sales team selects the PQLs it contacts at the start of each
        // of these states' sweeps (`Run::select_for_sales`).
        sweep_selling(pop, State::ActiveFree, &mut r, Run::step_free);
        sweep_selling(pop, State::Blocked, &mut r, Run::step_blocked);
        sweep_selling(pop, State::Trial, &mut r, Run::step_trial);
        sweep_selling(pop, State::Paid, &mut r, Run::step_paid);
        if m.keeps_dormant() {
            pop.sweep(State::Dormant, &mut r, Run::step_dormant);
        }
        if m.keeps_lapsed() {
            pop.sweep(State::Lapsed, &mut r, Run::step_lapsed);
        }
        pop.settle();
        // Exposures of the accounts present during the step (the mean over
        // the step of a count that changes exponentially from its start to
        // its end), sent before the arrivals, so a cycle under a step can
        // end within it.
        r.expose(mean_over_step(exposing_before, r.exposing(pop)));

        // 2. Arrivals.
        r.arrive(pop, t_months, &mut channel_signups);

        // 3. Books.
        r.book_step();
        if base_step == Some(step + 1) {
            mark_base(pop, &mut r.totals);
        }
        if (step + 1) % m.steps_per_month == 0 {
            let month = (step / m.steps_per_month) as usize;
            let row = &mut monthly[month * monthly_width..(month + 1) * monthly_width];
            r.close_month(pop, row, &mut channel_signups);
        }
    }

    let base = base_step.map(|_| super::books::retention_base(pop));
    let horizon = horizon_figures(&r, &monthly, monthly_width, base);
    RunOutput {
        run,
        monthly,
        opening,
        horizon,
        account_steps,
        capped: r.capped,
        seat_ceiling_hits: r.seat_ceiling_hits,
        cohort_conversions: r.cohort_conversions,
        cohort_departures: r.cohort_departures,
    }
}

/// `Population::sweep` of `state`, after the sales team's selection of the
/// state's PQLs it contacts (`Run::select_for_sales`): a selection its
/// account's step did not reach (its contact point) lapses at the end of
/// the step. Without a selection, the plain sweep.
#[inline(always)]
fn sweep_selling<'m>(
    pop: &mut Population,
    state: State,
    r: &mut Run<'m>,
    f: impl Fn(&mut Run<'m>, &mut Account) -> bool,
) {
    if r.select_for_sales(pop.of_mut(state)) {
        pop.sweep(state, r, |r, a| {
            let stays = f(r, a);
            a.reached &= !reached::SALES_SELECTED;
            stays
        });
    } else {
        pop.sweep(state, r, f);
    }
}

/// What the unit tests of the engine's phases share.
#[cfg(test)]
pub(super) mod testing {
    use super::super::account::{Account, State};
    use super::{Run, RunModel};
    use crate::rng;
    use crate::scenario::Scenario;

    /// A run's model of the scenario `text` (run 0's parameter values).
    pub(in crate::engine) fn model(text: &str) -> RunModel {
        let s = Scenario::from_str("t.toml", text, &[]).unwrap_or_else(|e| panic!("{e}"));
        RunModel::new(&s, &s.sample(0))
    }

    /// A run of `m` at its start.
    pub(in crate::engine) fn run(m: &RunModel) -> Run<'_> {
        Run::new(m, rng::process_rng(1, 0), rng::acquisition_rng(1, 0))
    }

    /// A one-seat account in `state`, told apart by `id` (its invitations sent).
    pub(in crate::engine) fn account(state: State, id: u16) -> Account {
        Account {
            usage: 0.0,
            intensity: 0.0,
            limit: f32::INFINITY,
            mrr_cents: 0,
            signup_step: 0,
            event_step: u16::MAX,
            since_step: 0,
            seats: 1,
            invites_sent: id,
            state,
            plan: 0,
            source: super::super::account::source::ORGANIC,
            flags: 0,
            reached: 0,
        }
    }

    /// The smallest scenario: a free plan and one paid plan.
    pub(in crate::engine) const MINIMAL: &str =
        "[scenario]\nmonths = 12\nruns = 1\n[[plans]]\nname = \"pro\"\nprice_per_month = 10\n";
}
