//! The books of a run: the month's flows (`Flows`), the counters over the
//! horizon (`Totals`), the cohort matrices, the end of each step (revenue,
//! costs, exposures sent) and of each month (the month's row of metrics),
//! and the horizon figures.
//!
//! Money is kept in integer cents per account, so MRR movements reconcile
//! exactly: new + expansion - contraction - churned + reactivation = change
//! in MRR, every month. The month row and the horizon figures are exhaustive
//! matches over [`Monthly`] and [`Horizon`]: a metric without a value does
//! not compile. The KPI formulas are those of [`kpi`].

use super::account::{Account, STATES, State, flag, reached, source};
use super::population::Population;
use super::run::Run;
use crate::metrics::{Horizon, Monthly, kpi, ratio};

/// Flows of the current month.
#[derive(Debug, Default, Clone)]
pub(super) struct Flows {
    pub(super) signups_organic: u64,
    pub(super) signups_paid: u64,
    pub(super) signups_invite: u64,
    pub(super) signups_exposure: u64,
    pub(super) activated: u64,
    pub(super) abandoned: u64,
    pub(super) limit_hits: u64,
    pub(super) pqls: u64,
    pub(super) trial_starts: u64,
    pub(super) trial_conversions: u64,
    pub(super) sales_contacts: u64,
    pub(super) sales_conversions: u64,
    pub(super) conversions: u64,
    pub(super) upgrades: u64,
    pub(super) churned_free: u64,
    pub(super) reactivated_free: u64,
    pub(super) churned_paid: u64,
    pub(super) involuntary_churn: u64,
    pub(super) won_back: u64,
    pub(super) invites_sent: u64,
    pub(super) invites_accepted: u64,
    pub(super) seats_added: u64,
    pub(super) seats_removed: u64,
    pub(super) new_mrr: u64,
    pub(super) expansion_mrr: u64,
    pub(super) contraction_mrr: u64,
    pub(super) churned_mrr: u64,
    pub(super) reactivation_mrr: u64,
    pub(super) revenue: f64,
    pub(super) cash_in: f64,
    pub(super) marketing_spend: f64,
    pub(super) sales_cost: f64,
    pub(super) payment_fees: f64,
    pub(super) fixed_costs: f64,
    pub(super) cost_free: f64,
    pub(super) cost_paid: f64,
}

/// Counters over the whole horizon.
#[derive(Debug, Default, Clone)]
pub(super) struct Totals {
    pub(super) signups: u64,
    pub(super) matured_signups: u64,
    pub(super) matured_activated: u64,
    pub(super) converted_signups: u64,
    /// Signups of the horizon at each stage of the funnel after signing up
    /// ([`FUNNEL_STAGES`]), each account counted once ([`reached`] bits).
    pub(super) funnel: [u64; FUNNEL_STAGES.len()],
    /// Activated signups of the horizon whose free life ended within it:
    /// by a first conversion, by a departure (dormant or gone).
    pub(super) free_life_conversions: u64,
    pub(super) free_life_departures: u64,
    /// Viral signups caused (counted when the invitation is accepted or the
    /// exposure happens, so none is lost to the end of the horizon), and
    /// the ends of active lives (activated accounts that leave).
    pub(super) viral_caused: u64,
    pub(super) active_exits: u64,
    /// `invites.pattern = "once"`: accounts that have sent theirs, and the
    /// signups they caused (part of `viral_caused`).
    pub(super) once_senders: u64,
    pub(super) once_caused: u64,
    pub(super) conversions: u64,
    pub(super) channel_conversions: u64,
    pub(super) pqls: u64,
    /// PQLs marked while not paying, and those of them that became paying.
    pub(super) free_pqls: u64,
    pub(super) pql_conversions: u64,
    pub(super) trial_starts: u64,
    pub(super) trial_conversions: u64,
    /// Conversions within 30, 90 and 365 days of signup, among signups
    /// whose window ends within the horizon, and those signups.
    pub(super) converted_within: [u64; 3],
    pub(super) eligible_within: [u64; 3],
    pub(super) paid_at_risk: u64,
    pub(super) churned_paid: u64,
    pub(super) revenue: f64,
    pub(super) cost_paid: f64,
    pub(super) cost_free: f64,
    pub(super) payment_fees: f64,
    pub(super) marketing_spend: f64,
    pub(super) sales_cost: f64,
    pub(super) cash_flow: f64,
    pub(super) mrr_month_ends: f64,
    pub(super) paid_month_ends: f64,
    /// Trailing-12-month retention: MRR of the base at the window start, in cents.
    pub(super) base_mrr: u64,
}

/// The funnel's stages after the signup, in order: the [`reached`] bit of
/// each, the bit an account must have to enter it is the one before (the
/// PQL and paying stages skip a stage the scenario does not have:
/// `RunModel::before_pql`, `RunModel::before_paying`).
pub(super) const FUNNEL_STAGES: [u8; 4] = [reached::ACTIVATED, reached::LIMIT_HIT, reached::PQL, reached::PAYING];

/// Windows of the cohort conversion figures, in months (30, 90, 365 days).
/// An account's mechanics start the step after its signup step, so
/// "within w months" means within the w x k steps that follow it; a signup
/// counts when those steps all lie within the horizon.
pub(super) const WITHIN_MONTHS: [u32; 3] = [1, 3, 12];

/// The time-to-value histogram keeps the top 12 bits of the share of the
/// window (4,096 bins).
pub(super) const TTV_SHIFT: u16 = 4;

impl Run<'_> {
    pub(super) fn month(&self) -> u32 {
        self.month
    }

    /// Index of (the account's signup month, months since) in the cohort matrices.
    pub(super) fn cohort_cell(&self, a: &Account) -> usize {
        let cohort = self.m.tenure[a.signup_step as usize].months;
        (cohort * self.m.months + self.month() - cohort) as usize
    }

    /// Books an account's departure (the caller drops or parks it).
    pub(super) fn leave(&mut self, a: &Account) {
        if a.source != source::INITIAL {
            let cell = self.cohort_cell(a);
            self.cohort_departures[cell] += 1;
        }
    }

    /// Moves a signup of the horizon into funnel stage `stage` (a
    /// [`FUNNEL_STAGES`] bit) if it has reached `before` and not yet
    /// `stage`: each account enters each stage once, and only from the
    /// stage before, so the stages nest account by account.
    #[inline]
    pub(super) fn reach(&mut self, a: &mut Account, before: u8, stage: u8) {
        if a.source != source::INITIAL && a.reached & before == before && a.reached & stage == 0 {
            a.reached |= stage;
            let i = FUNNEL_STAGES.iter().position(|&s| s == stage).expect("a funnel stage");
            self.totals.funnel[i] += 1;
        }
    }

    /// The end of an activated horizon signup's free life, counted once for
    /// the eventual conversion: `converted` (a first conversion) or a
    /// departure.
    #[inline]
    pub(super) fn end_free_life(&mut self, a: &mut Account, converted: bool) {
        if a.source != source::INITIAL && a.reached & (reached::ACTIVATED | reached::LEFT_FREE) == reached::ACTIVATED {
            a.reached |= reached::LEFT_FREE;
            if converted {
                self.totals.free_life_conversions += 1;
            } else {
                self.totals.free_life_departures += 1;
            }
        }
    }

    /// Books the return of a dormant or lapsed account.
    pub(super) fn come_back(&mut self, a: &Account) {
        if a.source != source::INITIAL {
            let cell = self.cohort_cell(a);
            self.cohort_departures[cell] -= 1;
        }
    }

    /// Counts an account present at the end of the step (one that moved or
    /// arrived; `sweep` sums the others).
    #[inline(always)]
    pub(super) fn tally(&mut self, a: &Account) {
        self.tally_seats[a.state as usize] += a.seats as u64;
        if a.state == State::Paid {
            self.tally_mrr += a.mrr_cents as u64;
        }
    }

    /// Moves the MRR (cents) of paying accounts that converted in the month
    /// of step `since` (for the realised LTV; initial accounts excluded).
    #[inline(always)]
    pub(super) fn cohort_mrr(&mut self, a: &Account, delta: i64) {
        if a.source != source::INITIAL {
            let month = self.m.tenure[a.since_step as usize].months as usize;
            self.mrr_by_conversion_month[month] += delta;
        }
    }

    /// Phase 3 of a step: revenue and costs, from the accounts present at
    /// the end of the step.
    pub(super) fn book_step(&mut self) {
        let m = self.m;
        let k = m.steps_per_month as f64;
        let step = self.step;
        let (free_seats, trial_seats, paid_seats) = self.seats();
        let month = (step / m.steps_per_month) as usize;
        let mrr = self.mrr();
        for (rev, cents) in self.revenue_by_conversion_month[..=month].iter_mut().zip(&self.mrr_by_conversion_month) {
            *rev += *cents as f64;
        }
        self.flows.revenue += mrr / k;
        self.flows.cost_free +=
            free_seats as f64 * m.serve_free_seat_per_step + trial_seats as f64 * m.serve_paid_seat_per_step;
        self.flows.cost_paid += paid_seats as f64 * m.serve_paid_seat_per_step;
        self.flows.fixed_costs += m.fixed_cost_per_step;
        if let Some(s) = &m.sales {
            self.flows.sales_cost += s.fixed_cost_per_step;
        }
    }

    /// Accounts that expose the product to others: active, trial and
    /// paying accounts, blocked ones at the reduced rate.
    pub(super) fn exposing(&self, pop: &Population) -> f64 {
        if self.m.exposure_per_step <= 0.0 {
            return 0.0;
        }
        (pop.of(State::ActiveFree).len() + pop.of(State::Trial).len() + pop.of(State::Paid).len()) as f64
            + self.m.blocked_sharing * pop.of(State::Blocked).len() as f64
    }

    /// Exposures of a step by `exposing` accounts: a share signs up after
    /// the cycle time (checked against the market now, like an accepted
    /// invitation).
    pub(super) fn expose(&mut self, exposing: f64) {
        let m = self.m;
        if m.exposure_per_step > 0.0 {
            let n = self.poisson(exposing * m.exposure_per_step);
            let n = self.market_filter_pending(n);
            self.totals.viral_caused += n;
            self.schedule(n, m.exposure_delay, true);
        }
    }

    /// Seats on the free plan, in trials and paying, at the end of the step.
    fn seats(&self) -> (u64, u64, u64) {
        let seats = |s: State| self.tally_seats[s as usize];
        let free_seats = seats(State::SignedUp) + seats(State::ActiveFree) + seats(State::Blocked);
        (free_seats, seats(State::Trial), seats(State::Paid))
    }

    /// MRR at the end of the step, in dollars.
    fn mrr(&self) -> f64 {
        self.tally_mrr as f64 / 100.0
    }

    /// The end of a month: its row of metrics (then per-channel signups,
    /// taken from `channel_signups`), and its flows added to the totals.
    pub(super) fn close_month(&mut self, pop: &Population, row: &mut [f64], channel_signups: &mut [u64]) {
        self.close_month_counts(pop.counts(), row, channel_signups);
    }

    /// [`Run::close_month`] from the number of accounts in each state at
    /// the month's end (the count engine's population is not a
    /// [`Population`]).
    pub(super) fn close_month_counts(&mut self, counts: [u64; STATES], row: &mut [f64], channel_signups: &mut [u64]) {
        let f = std::mem::take(&mut self.flows);
        let (free_seats, _, paid_seats) = self.seats();
        let end = MonthEnd {
            f: &f,
            counts,
            dormant_uncounted: self.dormant_uncounted,
            free_seats,
            paid_seats,
            mrr: self.mrr(),
            cash_before: self.cash_balance,
        };
        for &metric in Monthly::ALL {
            row[metric as usize] = end.value(metric);
        }
        for (ci, n) in channel_signups.iter_mut().enumerate() {
            row[Monthly::COUNT + ci] = std::mem::take(n) as f64;
        }
        self.cash_balance = row[Monthly::CashBalance as usize];
        let t = &mut self.totals;
        t.revenue += f.revenue;
        t.cost_paid += f.cost_paid;
        t.cost_free += f.cost_free;
        t.payment_fees += f.payment_fees;
        t.marketing_spend += f.marketing_spend;
        t.sales_cost += f.sales_cost;
        t.cash_flow += f.cash_in - end.outflow();
        t.mrr_month_ends += end.mrr;
        t.paid_month_ends += end.count(State::Paid);
    }
}

/// What a month's row is computed from: its flows and the population at
/// its end.
struct MonthEnd<'a> {
    f: &'a Flows,
    /// Accounts in each state at the month's end.
    counts: [u64; STATES],
    /// Dormant accounts not kept in memory.
    dormant_uncounted: u64,
    free_seats: u64,
    paid_seats: u64,
    /// MRR in dollars.
    mrr: f64,
    /// The cash balance at the end of the month before.
    cash_before: f64,
}

impl MonthEnd<'_> {
    fn count(&self, s: State) -> f64 {
        self.counts[s as usize] as f64
    }

    /// Cost to serve, free and paying.
    fn cost(&self) -> f64 {
        self.f.cost_free + self.f.cost_paid
    }

    /// Every cost of the month.
    fn outflow(&self) -> f64 {
        let f = self.f;
        self.cost() + f.marketing_spend + f.sales_cost + f.payment_fees + f.fixed_costs
    }

    /// The value of `metric` in the month's row.
    fn value(&self, metric: Monthly) -> f64 {
        let f = self.f;
        let cents = |c: u64| c as f64 / 100.0;
        let mrr = self.mrr;
        use Monthly::*;
        match metric {
            SignupsTotal => (f.signups_organic + f.signups_paid + f.signups_invite + f.signups_exposure) as f64,
            SignupsOrganic => f.signups_organic as f64,
            SignupsPaid => f.signups_paid as f64,
            SignupsInvite => f.signups_invite as f64,
            SignupsExposure => f.signups_exposure as f64,
            Activated => f.activated as f64,
            Abandoned => f.abandoned as f64,
            SignedUp => self.count(State::SignedUp),
            ActiveFree => self.count(State::ActiveFree),
            Blocked => self.count(State::Blocked),
            Trial => self.count(State::Trial),
            PaidAccounts => self.count(State::Paid),
            Dormant => self.count(State::Dormant) + self.dormant_uncounted as f64,
            FreeSeats => self.free_seats as f64,
            PaidSeats => self.paid_seats as f64,
            LimitHits => f.limit_hits as f64,
            Pqls => f.pqls as f64,
            TrialStarts => f.trial_starts as f64,
            TrialConversions => f.trial_conversions as f64,
            SalesContacts => f.sales_contacts as f64,
            SalesConversions => f.sales_conversions as f64,
            Conversions => f.conversions as f64,
            Upgrades => f.upgrades as f64,
            ChurnedFree => f.churned_free as f64,
            ReactivatedFree => f.reactivated_free as f64,
            ChurnedPaid => f.churned_paid as f64,
            InvoluntaryChurn => f.involuntary_churn as f64,
            WonBack => f.won_back as f64,
            InvitesSent => f.invites_sent as f64,
            InvitesAccepted => f.invites_accepted as f64,
            SeatsAdded => f.seats_added as f64,
            SeatsRemoved => f.seats_removed as f64,
            Mrr => mrr,
            Arr => 12.0 * mrr,
            NewMrr => cents(f.new_mrr),
            ExpansionMrr => cents(f.expansion_mrr),
            ContractionMrr => cents(f.contraction_mrr),
            ChurnedMrr => cents(f.churned_mrr),
            ReactivationMrr => cents(f.reactivation_mrr),
            NetNewMrr => {
                cents(f.new_mrr + f.expansion_mrr + f.reactivation_mrr) - cents(f.contraction_mrr + f.churned_mrr)
            }
            Arpa => ratio(mrr, self.count(State::Paid)).unwrap_or(0.0),
            Revenue => f.revenue,
            CashIn => f.cash_in,
            MarketingSpend => f.marketing_spend,
            SalesCost => f.sales_cost,
            PaymentFees => f.payment_fees,
            FixedCosts => f.fixed_costs,
            CostToServeFree => f.cost_free,
            CostToServePaid => f.cost_paid,
            CostToServe => self.cost(),
            GrossProfit => f.revenue - f.cost_paid - f.payment_fees,
            CashFlow => f.cash_in - self.outflow(),
            // The previous balance plus this month's cash flow, so the
            // balance reconciles with the cash flows exactly.
            CashBalance => self.cash_before + self.value(CashFlow),
        }
    }
}

/// The opening state, month 0: the stocks of the initial accounts (every
/// flow 0) and the starting cash, as a month's row.
pub(super) fn opening_row(pop: &Population, starting_cash: f64, row: &mut [f64]) {
    let (mut free_seats, mut paid_seats, mut mrr_cents) = (0u64, 0u64, 0u64);
    for s in [State::SignedUp, State::ActiveFree, State::Blocked] {
        free_seats += pop.of(s).iter().map(|a| a.seats as u64).sum::<u64>();
    }
    for a in pop.of(State::Paid) {
        paid_seats += a.seats as u64;
        mrr_cents += a.mrr_cents as u64;
    }
    opening_row_of(pop.counts(), (free_seats, paid_seats, mrr_cents), starting_cash, row);
}

/// [`opening_row`] from the counts by state and the (free seats, paid
/// seats, MRR in cents) of the initial accounts.
pub(super) fn opening_row_of(counts: [u64; STATES], stocks: (u64, u64, u64), starting_cash: f64, row: &mut [f64]) {
    let (free_seats, paid_seats, mrr_cents) = stocks;
    let f = Flows::default();
    let end = MonthEnd {
        f: &f,
        counts,
        dormant_uncounted: 0,
        free_seats,
        paid_seats,
        mrr: mrr_cents as f64 / 100.0,
        cash_before: starting_cash,
    };
    for &metric in Monthly::ALL {
        row[metric as usize] = end.value(metric);
    }
    row[Monthly::COUNT..].fill(0.0);
}

/// Runway in months: the first month whose closing balance is below zero,
/// less the share of that month the opening balance lasted (its cash flow
/// spread evenly over the month): `(m - 1) + b[m-1] / (b[m-1] - b[m])`.
/// For a constant burn B from a cash C, C / B. `None` when the balance
/// never goes below zero. `balances[0]` is the opening balance (>= 0).
pub(crate) fn runway_months(balances: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut before: Option<f64> = None;
    for (m, b) in balances.into_iter().enumerate() {
        if b < 0.0 {
            return Some(match before {
                // Month 0 below zero: no runway at all.
                None => 0.0,
                Some(prev) => (m - 1) as f64 + prev / (prev - b),
            });
        }
        before = Some(b);
    }
    None
}

/// Marks the paying accounts as the base of the trailing-12-month retention
/// window, keeping each one's MRR then (in cents) in its `limit` field, which
/// a paying account does not use: the bits of the `u32`, so that it is exact
/// at any MRR (an `f32` value would round above 2^24 cents).
pub(super) fn mark_base(pop: &mut Population, t: &mut Totals) {
    for a in pop.of_mut(State::Paid) {
        a.flags |= flag::BASE;
        a.limit = f32::from_bits(a.mrr_cents);
        t.base_mrr += a.mrr_cents as u64;
    }
}

/// The retention base still paying at the end of the horizon: its MRR now
/// and (for gross retention) no more than its MRR at the window start, in
/// cents.
pub(super) fn retention_base(pop: &Population) -> (u64, u64) {
    let base = pop.of(State::Paid).iter().filter(|a| a.flags & flag::BASE != 0);
    base.fold((0u64, 0u64), |(now, kept), a| {
        (now + a.mrr_cents as u64, kept + (a.mrr_cents as u64).min(a.limit.to_bits() as u64))
    })
}

/// The median of the time-to-value histogram, in days: the middle of the
/// bin that holds it (within 1/8,192 of the activation window).
fn histogram_median(h: &[u64], days_per_unit: f64) -> Option<f64> {
    let n: u64 = h.iter().sum();
    if n == 0 {
        return None;
    }
    let mut seen = 0;
    for (bin, &c) in h.iter().enumerate() {
        seen += c;
        if 2 * seen >= n {
            return Some(((bin as f64 + 0.5) * (1 << TTV_SHIFT) as f64) * days_per_unit);
        }
    }
    None
}

/// The horizon figures, in [`Horizon`] order. `base`: the retention base's
/// MRR now and its MRR capped at each account's MRR at the window start
/// (cents), when the horizon has 12 months.
pub(super) fn horizon_figures(r: &Run, monthly: &[f64], width: usize, base: Option<(u64, u64)>) -> Vec<Option<f64>> {
    let opening_cash = r.m.starting_cash.unwrap_or(0.0);
    let t = &r.totals;
    let k = r.m.steps_per_month;
    let months = r.m.months as usize;
    let at = |month: usize, m: Monthly| monthly[month * width + m as usize];
    let mrr_final = at(months - 1, Monthly::Mrr);
    let paid_final = at(months - 1, Monthly::PaidAccounts);

    // Churned paying accounts per paying account-month (a customer
    // cancels at the end of a month paid for, so this is the monthly
    // churn at any step).
    let churn = ratio(t.churned_paid as f64 * k as f64, t.paid_at_risk as f64);
    let arpa = ratio(t.mrr_month_ends, t.paid_month_ends);
    let margin = kpi::gross_margin(t.revenue, t.cost_paid, t.payment_fees);
    let cac = kpi::cac(t.marketing_spend + t.sales_cost, t.conversions);
    let ltv = kpi::ltv(arpa, margin, churn);

    let figure = |h: Horizon| -> Option<f64> {
        use Horizon::*;
        match h {
            MrrFinal => Some(mrr_final),
            ArrFinal => Some(12.0 * mrr_final),
            PaidAccountsFinal => Some(paid_final),
            PaidSeatsFinal => Some(at(months - 1, Monthly::PaidSeats)),
            ArpaFinal => ratio(mrr_final, paid_final),
            SignupsTotal => Some(t.signups as f64),
            ActivationRate => ratio(t.matured_activated as f64, t.matured_signups as f64),
            MedianTimeToValueDays => histogram_median(&r.ttv_days, r.days_per_ttv_unit),
            FreeToPaidConversion => ratio(t.converted_signups as f64, t.signups as f64),
            EventualConversion => {
                ratio(t.free_life_conversions as f64, (t.free_life_conversions + t.free_life_departures) as f64)
            }
            SignupsConverted => Some(t.converted_signups as f64),
            FunnelActivated => Some(t.funnel[0] as f64),
            FunnelLimitHit => r.m.has_free_limit().then_some(t.funnel[1] as f64),
            FunnelPql => r.m.pql.is_some().then_some(t.funnel[2] as f64),
            FunnelPaying => Some(t.funnel[3] as f64),
            Conversion30d => ratio(t.converted_within[0] as f64, t.eligible_within[0] as f64),
            Conversion90d => ratio(t.converted_within[1] as f64, t.eligible_within[1] as f64),
            Conversion365d => ratio(t.converted_within[2] as f64, t.eligible_within[2] as f64),
            // K = (viral signups caused per active account-month) x (active
            // months per account) = caused / exits, a ratio that does not
            // depend on whether the population grows or shrinks.
            // Invitations sent once at joining: K is what each sender caused
            // (`docs/metrics.md`); anything else caused (exposures) per
            // active life on top.
            KFactor if r.m.invite_once > 0.0 => {
                let other = t.viral_caused - t.once_caused;
                let other = if other == 0 { Some(0.0) } else { ratio(other as f64, t.active_exits as f64) };
                ratio(t.once_caused as f64, t.once_senders as f64).zip(other).map(|(a, b)| a + b)
            }
            KFactor => ratio(t.viral_caused as f64, t.active_exits as f64),
            PqlsTotal => Some(t.pqls as f64),
            PqlConversion => ratio(t.pql_conversions as f64, t.free_pqls as f64),
            TrialStartsTotal => Some(t.trial_starts as f64),
            TrialConversion => ratio(t.trial_conversions as f64, t.trial_starts as f64),
            RevenueTotal => Some(t.revenue),
            LogoChurnMonthly => churn,
            Arpa => arpa,
            GrossMargin => margin,
            Nrr12m => base.and_then(|(now, _)| kpi::retention(now, t.base_mrr)),
            Grr12m => base.and_then(|(_, kept)| kpi::retention(kept, t.base_mrr)),
            CacBlended => cac,
            CacPaid => kpi::cac(t.marketing_spend, t.channel_conversions),
            Ltv => ltv,
            // Realised LTV: gross profit actually collected, per customer,
            // from the customers of the first half of the horizon (revenue
            // counted to its end).
            LtvRealized => {
                let half = (months / 2).max(1);
                let early_revenue: f64 = r.revenue_by_conversion_month[..half].iter().sum::<f64>() / 100.0 / k as f64;
                let early_customers: u64 = r.customers_by_conversion_month[..half].iter().sum();
                margin.and_then(|g| ratio(early_revenue * g, early_customers as f64))
            }
            LtvToCac => kpi::ltv_to_cac(ltv, cac),
            CacPaybackMonths => kpi::payback_months(cac, arpa, margin),
            CostToServeFreeTotal => Some(t.cost_free),
            CostToServeFreePerConversion => ratio(t.cost_free, t.conversions as f64),
            CashFlowTotal => Some(t.cash_flow),
            BreakEvenMonth => (0..months).find(|&mo| at(mo, Monthly::CashFlow) >= 0.0).map(|mo| (mo + 1) as f64),
            CashBalanceMin => Some((0..months).map(|mo| at(mo, Monthly::CashBalance)).fold(opening_cash, f64::min)),
            RunwayMonths => r.m.starting_cash.and_then(|c| {
                runway_months(std::iter::once(c).chain((0..months).map(|mo| at(mo, Monthly::CashBalance))))
            }),
        }
    };
    Horizon::ALL.iter().map(|&h| figure(h)).collect()
}

/// The mean over a step of a count that is `start` at its start and `end`
/// at its end, changing exponentially between (accounts leaving at a
/// constant hazard): the logarithmic mean (start - end) / ln(start / end),
/// exact for that case, where the mean of the two ends overstates a
/// shrinking count (by 1.2% a month at a free churn of 30%). With a zero
/// end it is the mean of the two.
pub(super) fn mean_over_step(start: f64, end: f64) -> f64 {
    if start <= 0.0 || end <= 0.0 {
        return (start + end) / 2.0;
    }
    let d = start - end;
    if d.abs() <= 1e-9 * start {
        return (start + end) / 2.0;
    }
    d / libm::log(start / end)
}

#[cfg(test)]
mod tests {
    use super::super::run::testing::{MINIMAL, account, model, run};
    use super::*;

    #[test]
    fn the_month_row_stocks_are_the_population_counts_and_its_flows_are_taken() {
        let m = model(MINIMAL);
        let mut r = run(&m);
        let mut pop = Population::default();
        let counts = [
            (State::SignedUp, 2),
            (State::ActiveFree, 3),
            (State::Blocked, 1),
            (State::Trial, 4),
            (State::Paid, 5),
            (State::Dormant, 6),
            (State::Lapsed, 7),
        ];
        for (s, n) in counts {
            for id in 0..n {
                let mut a = account(s, id);
                a.seats = 2;
                pop.push(a);
            }
        }
        r.dormant_uncounted = 10;
        for (s, n) in counts {
            r.tally_seats[s as usize] = 2 * n as u64;
        }
        r.tally_mrr = 5 * 1000;
        r.flows.signups_organic = 8;
        r.flows.signups_paid = 9;
        r.flows.revenue = 50.0;
        let mut row = vec![f64::NAN; Monthly::COUNT + 1];
        let mut channels = vec![9u64];
        r.close_month(&pop, &mut row, &mut channels);
        let at = |m: Monthly| row[m as usize];
        assert_eq!(at(Monthly::SignedUp), 2.0);
        assert_eq!(at(Monthly::ActiveFree), 3.0);
        assert_eq!(at(Monthly::Blocked), 1.0);
        assert_eq!(at(Monthly::Trial), 4.0);
        assert_eq!(at(Monthly::PaidAccounts), 5.0);
        assert_eq!(at(Monthly::Dormant), 6.0 + 10.0, "dormant accounts not kept count too");
        assert_eq!(at(Monthly::FreeSeats), 2.0 * (2.0 + 3.0 + 1.0));
        assert_eq!(at(Monthly::PaidSeats), 2.0 * 5.0);
        assert_eq!(at(Monthly::Mrr), 50.0);
        assert_eq!(at(Monthly::Arpa), 10.0);
        assert_eq!(at(Monthly::SignupsTotal), 17.0);
        assert!(row.iter().all(|x| !x.is_nan()), "every metric has a value");
        assert_eq!(row[Monthly::COUNT], 9.0);
        assert_eq!(channels, [0], "per-channel signups are taken");
        assert_eq!(r.flows.signups_organic, 0, "the month's flows are taken");
        assert_eq!((r.totals.revenue, r.totals.mrr_month_ends, r.totals.paid_month_ends), (50.0, 50.0, 5.0));
    }

    /// Figures that are counts or sums, defined in every run.
    const ALWAYS: &[Horizon] = &[
        Horizon::MrrFinal,
        Horizon::ArrFinal,
        Horizon::PaidAccountsFinal,
        Horizon::PaidSeatsFinal,
        Horizon::SignupsTotal,
        Horizon::SignupsConverted,
        Horizon::FunnelActivated,
        Horizon::FunnelPaying,
        Horizon::PqlsTotal,
        Horizon::TrialStartsTotal,
        Horizon::RevenueTotal,
        Horizon::CostToServeFreeTotal,
        Horizon::CashFlowTotal,
        // The first month with a cash flow >= 0 (here the first; never: None).
        Horizon::BreakEvenMonth,
        Horizon::CashBalanceMin,
    ];

    #[test]
    fn horizon_ratios_are_none_exactly_when_a_denominator_is_zero() {
        let m = model(MINIMAL);
        let width = Monthly::COUNT;
        let monthly = vec![0.0; m.months as usize * width];
        // Nothing happened: every ratio is undefined.
        let r = run(&m);
        let h = horizon_figures(&r, &monthly, width, Some((0, 0)));
        assert_eq!(h.len(), Horizon::COUNT);
        for &f in Horizon::ALL {
            assert_eq!(h[f as usize].is_some(), ALWAYS.contains(&f), "{}", f.name());
        }

        // Every denominator non-zero: every figure is defined.
        let mut r = run(&m);
        let t = &mut r.totals;
        (t.signups, t.matured_signups, t.matured_activated, t.converted_signups) = (100, 80, 40, 10);
        (t.converted_within, t.eligible_within) = ([2, 4, 8], [90, 80, 40]);
        (t.viral_caused, t.active_exits, t.conversions, t.channel_conversions) = (30, 60, 10, 4);
        (t.pqls, t.free_pqls, t.pql_conversions, t.trial_starts, t.trial_conversions) = (5, 5, 2, 6, 3);
        (t.free_life_conversions, t.free_life_departures) = (3, 27);
        (t.paid_at_risk, t.churned_paid, t.paid_month_ends, t.mrr_month_ends) = (500, 10, 50.0, 500.0);
        (t.revenue, t.cost_paid, t.payment_fees, t.marketing_spend, t.sales_cost) = (500.0, 50.0, 15.0, 300.0, 100.0);
        t.base_mrr = 10_000;
        r.revenue_by_conversion_month[0] = 1e5;
        r.customers_by_conversion_month[0] = 2;
        r.ttv_days[3] = 1;
        let mut monthly = monthly;
        monthly[(m.months as usize - 1) * width + Monthly::PaidAccounts as usize] = 5.0;
        for month in 0..m.months as usize {
            let last = month + 1 == m.months as usize;
            monthly[month * width + Monthly::CashFlow as usize] = if last { 1.0 } else { -1.0 };
        }
        let h = horizon_figures(&r, &monthly, width, Some((11_000, 9_000)));
        for &f in Horizon::ALL {
            // The scenario has no free limit and no PQL signals: those
            // funnel stages are undefined, whatever was counted. The runway
            // needs a starting cash (its own test below).
            let undefined = matches!(f, Horizon::FunnelLimitHit | Horizon::FunnelPql | Horizon::RunwayMonths);
            assert_eq!(h[f as usize].is_some(), !undefined, "{}", f.name());
        }
        assert_eq!(h[Horizon::EventualConversion as usize], Some(0.1));
        assert_eq!(h[Horizon::Nrr12m as usize], Some(1.1));
        assert_eq!(h[Horizon::Grr12m as usize], Some(0.9));
        assert_eq!(h[Horizon::BreakEvenMonth as usize], Some(m.months as f64));
        assert_eq!(h[Horizon::CacBlended as usize], Some(40.0));
        assert_eq!(h[Horizon::CacPaid as usize], Some(75.0));

        // No revenue: no margin, so no LTV (formula or realised) and no payback.
        r.totals.revenue = 0.0;
        let h = horizon_figures(&r, &monthly, width, None);
        for f in
            [Horizon::GrossMargin, Horizon::Ltv, Horizon::LtvRealized, Horizon::LtvToCac, Horizon::CacPaybackMonths]
        {
            assert_eq!(h[f as usize], None, "{}", f.name());
        }
        // Under 12 months there is no retention base.
        assert_eq!((h[Horizon::Nrr12m as usize], h[Horizon::Grr12m as usize]), (None, None));
        assert!(h[Horizon::CacBlended as usize].is_some());
    }

    #[test]
    fn the_runway_is_the_time_the_balance_lasts_at_the_months_burn() {
        // 1,050 at 100 a month: 10.5 months; the same whether the month that
        // goes below zero burns more or less.
        let constant: Vec<f64> = (0..24).map(|m| 1050.0 - 100.0 * m as f64).collect();
        assert_eq!(runway_months(constant), Some(10.5));
        assert_eq!(runway_months([100.0, 50.0, -150.0]), Some(1.25));
        assert_eq!(
            runway_months([100.0, 0.0, 0.0, -1.0]),
            Some(2.0),
            "a balance of 0 has not run out: month 3 starts at 0"
        );
        assert_eq!(runway_months([0.0, -10.0]), Some(0.0));
        assert_eq!(runway_months([100.0, 50.0, 10.0]), None);
        assert_eq!(runway_months([100.0, -5.0, 20.0, -30.0]), Some(100.0 / 105.0), "the first time counts");
    }

    #[test]
    fn the_median_time_to_value_is_the_middle_of_the_median_bin() {
        assert_eq!(histogram_median(&[0, 0, 0], 1.0), None);
        // 16 units a bin: the median bin 1 spans units 16..32, its middle 24.
        assert_eq!(histogram_median(&[1, 2, 1], 0.5), Some(24.0 * 0.5));
    }
}
