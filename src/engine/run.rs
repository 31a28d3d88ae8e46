//! One Monte Carlo run: the account records and the step loop.
//!
//! A step has three phases, in this order:
//!
//! 1. **Accounts.** Every account that existed at the start of the step goes
//!    through its state's mechanics. Accounts that leave are dropped (or kept
//!    as dormant / lapsed when they can come back); accounts that change
//!    state join their new state's vector after every state has been stepped,
//!    so no account is stepped twice in a step.
//! 2. **Arrivals.** New accounts from organic discovery, each paid channel,
//!    the invitations and exposures whose cycle time ends now. In a finite
//!    market each would-be signup is new with probability (market not yet
//!    signed up) / (market size); an invitation is checked when it is
//!    accepted (so the inviter can be credited a referral), an exposure when
//!    it arrives. A new account's signup step only decides its activation
//!    and its trial; its other mechanics start the step after.
//! 3. **Books.** Revenue (MRR / steps per month), costs, exposures sent, and,
//!    at the end of a month, the month's row of metrics.
//!
//! Within phase 1, an account in a step, by state:
//!
//! - `SignedUp`: accumulates usage (a free limit reached before activation is
//!   an early limit hit); activates or abandons at its event step.
//! - `ActiveFree`: sends invitations; accumulates usage, a limit hit at the
//!   free limit; PQL signals and sales contact; converts or goes dormant;
//!   accepted internal invitations add seats (a seat over the free seat limit
//!   is a limit hit); extra seats may leave.
//! - `Blocked`: invitations at the reduced rate; sales; converts or goes dormant.
//! - `Trial`: invitations; usage; activation; at the end of the trial, a
//!   converted account pays, the others drop to free or leave.
//! - `Paid`: invitations and seats; usage against the tier's limits (an
//!   upgrade to the next tier, with a probability, when over); sales
//!   expansion to the sales plan; payment on each billing anniversary (with
//!   failures and recovery); voluntary churn by tenure (at renewal for annual
//!   billing).
//! - `Dormant`, `Lapsed`: come back at their rate.
//!
//! Money is kept in integer cents per account, so MRR movements reconcile
//! exactly: new + expansion - contraction - churned + reactivation = change
//! in MRR, every month.

use rand::{Rng, RngExt};

use super::account::{Account, MAX_LIVE_ACCOUNTS, MAX_SEATS, STATES, State, flag, source};
use super::model::{Delay, PoissonTable, RunModel, TrialAfter, TrialStart, threshold};
use crate::metrics::{Horizon, Monthly, ratio};
use crate::rng::SimRng;
use crate::sampling;

/// What a run produces.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub run: u64,
    /// `months x n_monthly` values, month-major.
    pub monthly: Vec<f64>,
    pub horizon: Vec<Option<f64>>,
    /// Account-steps simulated (for throughput figures).
    pub account_steps: u64,
    /// The run hit [`MAX_LIVE_ACCOUNTS`].
    pub capped: bool,
    /// Times an account's seats reached [`MAX_SEATS`] (seats beyond it are
    /// dropped).
    pub seat_ceiling_hits: u64,
    /// Cohort counts, `months x months`, indexed `[signup month][months
    /// since signup]`: first conversions to paid, and net departures
    /// (departures minus returns of dormant or lapsed accounts, so a cell
    /// can be negative but the running sum over ages cannot).
    pub cohort_conversions: Vec<u32>,
    pub cohort_departures: Vec<i32>,
}

/// Flows of the current month.
#[derive(Debug, Default, Clone)]
struct Flows {
    signups_organic: u64,
    signups_paid: u64,
    signups_invite: u64,
    signups_exposure: u64,
    activated: u64,
    abandoned: u64,
    limit_hits: u64,
    pqls: u64,
    trial_starts: u64,
    trial_conversions: u64,
    sales_contacts: u64,
    sales_conversions: u64,
    conversions: u64,
    upgrades: u64,
    churned_free: u64,
    reactivated_free: u64,
    churned_paid: u64,
    involuntary_churn: u64,
    won_back: u64,
    invites_sent: u64,
    invites_accepted: u64,
    seats_added: u64,
    seats_removed: u64,
    new_mrr: u64,
    expansion_mrr: u64,
    contraction_mrr: u64,
    churned_mrr: u64,
    reactivation_mrr: u64,
    revenue: f64,
    cash_in: f64,
    marketing_spend: f64,
    sales_cost: f64,
    payment_fees: f64,
    fixed_costs: f64,
    cost_free: f64,
    cost_paid: f64,
}

/// Counters over the whole horizon.
#[derive(Debug, Default, Clone)]
struct Totals {
    signups: u64,
    matured_signups: u64,
    matured_activated: u64,
    converted_signups: u64,
    /// Viral signups caused (counted when the invitation is accepted or the
    /// exposure happens, so none is lost to the end of the horizon), and
    /// the ends of active lives (activated accounts that leave).
    viral_caused: u64,
    active_exits: u64,
    conversions: u64,
    channel_conversions: u64,
    pqls: u64,
    /// PQLs marked while not paying, and those of them that became paying.
    free_pqls: u64,
    pql_conversions: u64,
    trial_starts: u64,
    trial_conversions: u64,
    /// Conversions within 30, 90 and 365 days of signup, among signups
    /// whose window ends within the horizon, and those signups.
    converted_within: [u64; 3],
    eligible_within: [u64; 3],
    paid_at_risk: u64,
    churned_paid: u64,
    revenue: f64,
    cost_paid: f64,
    cost_free: f64,
    payment_fees: f64,
    marketing_spend: f64,
    sales_cost: f64,
    cash_flow: f64,
    mrr_month_ends: f64,
    paid_month_ends: f64,
    /// Trailing-12-month retention: MRR of the base at the window start, in cents.
    base_mrr: u64,
}

/// Windows of the cohort conversion figures, in months (30, 90, 365 days).
/// An account's mechanics start the step after its signup step, so
/// "within w months" means within the w x k steps that follow it; a signup
/// counts when those steps all lie within the horizon.
const WITHIN_MONTHS: [u32; 3] = [1, 3, 12];

struct Run<'m> {
    m: &'m RunModel,
    rng: SimRng,
    acq_rng: SimRng,
    step: u32,
    /// Signups from accepted invitations and from exposures, by the step they arrive.
    pending_invites: Vec<u64>,
    pending_exposure: Vec<u64>,
    signed_up_ever: f64,
    /// `round(p * 2^32)` of the probability that a would-be signup is new.
    new_to_market: u64,
    /// Sales contacts left this month.
    sales_budget: u64,
    /// Dormant accounts not kept in memory (they cannot come back).
    dormant_uncounted: u64,
    flows: Flows,
    totals: Totals,
    capped: bool,
    seat_ceiling_hits: u64,
    cohort_conversions: Vec<u32>,
    cohort_departures: Vec<i32>,
    /// Revenue (cents x steps) and customers by month of conversion, for
    /// the realised LTV, and the MRR (cents) of the paying accounts by their
    /// month of conversion, kept up to date at every conversion, repricing,
    /// churn and win-back.
    revenue_by_conversion_month: Vec<f64>,
    mrr_by_conversion_month: Vec<i64>,
    /// The current step's month.
    month: u32,
    customers_by_conversion_month: Vec<u64>,
    /// Activations by time to value, as a share of the activation window in
    /// 4,096 bins.
    ttv_days: Vec<u64>,
    /// Days of time to value per 1/65535 of the activation window.
    days_per_ttv_unit: f64,
    /// Seats by state and MRR (cents) of the accounts present at the end of
    /// the step, tallied as they are stepped or arrive.
    tally_seats: [u64; STATES],
    tally_mrr: u64,
}

/// 32 random bits as the low half of a u64.
const LOW: u64 = 0xffff_ffff;

/// Up to this many trials (invitations sent, seats that may leave), a count
/// is drawn trial by trial; beyond it, by one binomial draw. Either way the
/// cost of an account's step is bounded, whatever its seats and invitations.
const EXACT_TRIALS: u64 = 32;

impl Run<'_> {
    fn month(&self) -> u32 {
        self.month
    }

    /// Index of (the account's signup month, months since) in the cohort matrices.
    fn cohort_cell(&self, a: &Account) -> usize {
        let cohort = self.m.tenure[a.signup_step as usize].months;
        (cohort * self.m.months + self.month() - cohort) as usize
    }

    /// Books an account's departure (the caller drops or parks it).
    fn leave(&mut self, a: &Account) {
        if a.source != source::INITIAL {
            let cell = self.cohort_cell(a);
            self.cohort_departures[cell] += 1;
        }
    }

    /// Books the return of a dormant or lapsed account.
    fn come_back(&mut self, a: &Account) {
        if a.source != source::INITIAL {
            let cell = self.cohort_cell(a);
            self.cohort_departures[cell] -= 1;
        }
    }

    /// Counts an account present at the end of the step (one that moved or
    /// arrived; `sweep` sums the others).
    #[inline(always)]
    fn tally(&mut self, a: &Account) {
        self.tally_seats[a.state as usize] += a.seats as u64;
        if a.state == State::Paid {
            self.tally_mrr += a.mrr_cents as u64;
        }
    }

    /// Moves the MRR (cents) of paying accounts that converted in the month
    /// of step `since` (for the realised LTV; initial accounts excluded).
    #[inline(always)]
    fn cohort_mrr(&mut self, a: &Account, delta: i64) {
        if a.source != source::INITIAL {
            let month = self.m.tenure[a.since_step as usize].months as usize;
            self.mrr_by_conversion_month[month] += delta;
        }
    }

    /// A bernoulli draw from 32 fresh bits.
    #[inline(always)]
    fn chance(&mut self, threshold: u64) -> bool {
        threshold > 0 && (self.rng.next_u64() >> 32) < threshold
    }

    /// Draws a new account's traits.
    #[inline(always)]
    fn new_account(&mut self, source: u8) -> Account {
        let m = self.m;
        let s = self.step;
        let intensity = m.usage.sample(&mut self.rng);
        let will = (self.rng.next_u64() >> 32) < m.activation;
        let mut offset = m.window_steps;
        let mut flags = 0;
        let mut ttv_share = 0;
        if will {
            let ttv = m.time_to_value.sample(&mut self.rng);
            if ttv < m.window_steps as f64 {
                offset = ttv as u32; // floor: ttv >= 0
                flags = flag::WILL_ACTIVATE;
                ttv_share = (ttv * m.ttv_share_per_step) as u16;
            }
        }
        Account {
            usage: 0.0,
            intensity: intensity as f32,
            limit: m.usage_limit,
            mrr_cents: 0,
            signup_step: s as u16,
            event_step: (s + offset).min(u16::MAX as u32) as u16,
            since_step: ttv_share,
            seats: 1,
            invites_sent: 0,
            state: State::SignedUp,
            plan: 0,
            source,
            flags,
        }
    }

    /// Activation; returns whether the account stays (it leaves if it
    /// declines a card-required trial with no free plan to stay on).
    fn activate(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        // Time to value, from the share of the window kept while signed up.
        self.ttv_days[(a.since_step >> TTV_SHIFT) as usize] += 1;
        a.flags |= flag::ACTIVATED;
        a.since_step = self.step as u16;
        self.flows.activated += 1;
        if (a.signup_step as u32 + m.window_steps) <= m.steps {
            self.totals.matured_activated += 1;
        }
        if a.state == State::Trial {
            return true;
        }
        a.state = State::ActiveFree;
        if let Some(t) = &m.trial
            && t.start == TrialStart::Activation
            && !self.maybe_start_trial(a)
        {
            self.flows.churned_free += 1;
            self.totals.active_exits += 1;
            self.leave(a);
            return false;
        }
        true
    }

    /// Offers the trial; returns false when the account leaves instead (a
    /// card was required, it declined, and there is no free plan to stay on).
    fn maybe_start_trial(&mut self, a: &mut Account) -> bool {
        let Some(t) = &self.m.trial else { return true };
        if !self.chance(t.start_share) {
            // No trial: it stays on the free plan, if there is one.
            return t.after == TrialAfter::Free;
        }
        if t.card_required && self.chance(t.card_dropoff) {
            return t.after == TrialAfter::Free;
        }
        a.state = State::Trial;
        a.plan = t.plan;
        if t.start == TrialStart::Activation {
            a.since_step = self.step as u16;
        }
        self.flows.trial_starts += 1;
        self.totals.trial_starts += 1;
        true
    }

    /// The step a trial ends.
    fn trial_end(&self, a: &Account) -> u32 {
        let t = self.m.trial.as_ref().expect("trial accounts exist only with a trial");
        let start = if t.start == TrialStart::Signup { a.signup_step } else { a.since_step };
        start as u32 + t.steps
    }

    /// Makes `a` a paying account on `plan`.
    fn convert(&mut self, a: &mut Account, plan: u8) {
        let m = self.m;
        let p = &m.plans[plan as usize];
        a.state = State::Paid;
        a.plan = plan;
        a.flags &= !flag::ANNUAL;
        if self.chance(p.annual) {
            a.flags |= flag::ANNUAL;
        }
        a.mrr_cents = p.mrr_cents(a.seats, a.flags & flag::ANNUAL != 0);
        a.since_step = self.step as u16;
        self.cohort_mrr(a, a.mrr_cents as i64);
        self.flows.conversions += 1;
        self.flows.new_mrr += a.mrr_cents as u64;
        self.totals.conversions += 1;
        if a.source != source::INITIAL {
            let month = self.month() as usize;
            self.customers_by_conversion_month[month] += 1;
        }
        if a.flags & (flag::PQL | flag::CONVERTED) == flag::PQL {
            self.totals.pql_conversions += 1;
        }
        if a.source != source::INITIAL && a.flags & flag::CONVERTED == 0 {
            self.totals.converted_signups += 1;
            let cell = self.cohort_cell(a);
            self.cohort_conversions[cell] += 1;
            let age = self.step - a.signup_step as u32;
            for (i, w) in WITHIN_MONTHS.iter().enumerate() {
                let window = w * m.steps_per_month;
                if age <= window && a.signup_step as u32 + window < m.steps {
                    self.totals.converted_within[i] += 1;
                }
            }
        }
        if a.source >= source::CHANNEL {
            self.totals.channel_conversions += 1;
        }
        a.flags |= flag::CONVERTED;
        self.pay(a);
    }

    /// A payment of the account's billing period (a month, or a year for
    /// annual billing), with the card fees.
    fn pay(&mut self, a: &Account) {
        let months = if a.flags & flag::ANNUAL != 0 { 12.0 } else { 1.0 };
        let amount = a.mrr_cents as f64 * (0.01 * months);
        self.flows.cash_in += amount;
        if amount > 0.0 {
            self.flows.payment_fees += amount * self.m.payment_fee_rate + self.m.payment_fee_fixed;
        }
    }

    /// Changes a paying account's MRR, booking expansion or contraction.
    fn reprice(&mut self, a: &mut Account) {
        let p = &self.m.plans[a.plan as usize];
        let new = p.mrr_cents(a.seats, a.flags & flag::ANNUAL != 0);
        self.cohort_mrr(a, new as i64 - a.mrr_cents as i64);
        if new > a.mrr_cents {
            self.flows.expansion_mrr += (new - a.mrr_cents) as u64;
        } else {
            let cut = (a.mrr_cents - new) as u64;
            self.flows.contraction_mrr += cut;
        }
        a.mrr_cents = new;
    }

    fn upgrade_to(&mut self, a: &mut Account, plan: u8) {
        a.plan = plan;
        self.flows.upgrades += 1;
        self.reprice(a);
    }

    /// Free account goes dormant; returns whether it stays in memory.
    fn go_dormant(&mut self, a: &mut Account) -> bool {
        self.flows.churned_free += 1;
        self.totals.active_exits += 1;
        self.leave(a);
        if self.m.keeps_dormant() {
            a.state = State::Dormant;
            a.since_step = self.step as u16;
            true
        } else {
            self.dormant_uncounted += 1;
            false
        }
    }

    /// Paying account churns; returns whether it stays in memory (lapsed).
    fn churn_paid(&mut self, a: &mut Account, involuntary: bool) -> bool {
        self.flows.churned_paid += 1;
        self.totals.active_exits += 1;
        self.totals.churned_paid += 1;
        if involuntary {
            self.flows.involuntary_churn += 1;
        }
        self.flows.churned_mrr += a.mrr_cents as u64;
        self.cohort_mrr(a, -(a.mrr_cents as i64));
        // A base account that churns has left the retention cohort for good,
        // even if it is won back later (that is new business, not retention).
        a.flags &= !flag::BASE;
        self.leave(a);
        if self.m.keeps_lapsed() {
            a.state = State::Lapsed;
            a.since_step = self.step as u16;
            true
        } else {
            false
        }
    }

    /// Marks an account a PQL when its signals say so.
    #[inline(always)]
    fn check_pql(&mut self, a: &mut Account) {
        let Some(q) = &self.m.pql else { return };
        if a.flags & flag::PQL != 0 {
            return;
        }
        let signals = [
            q.on_limit_hit.then_some(a.flags & flag::HIT != 0),
            q.min_seats.map(|n| a.seats >= n),
            q.min_invites_sent.map(|n| a.invites_sent >= n),
            q.min_usage.map(|u| a.usage >= u),
        ];
        let mut named = signals.iter().flatten();
        let qualified = if q.all { named.all(|x| *x) } else { named.any(|x| *x) };
        if qualified {
            a.flags |= flag::PQL;
            self.flows.pqls += 1;
            self.totals.pqls += 1;
            if a.state != State::Paid {
                self.totals.free_pqls += 1;
            }
        }
    }

    /// Sales contacts a PQL while it has capacity this month; a won deal
    /// converts a free account to the sales plan or upgrades a paying
    /// account on a lower tier. Returns whether the account changed state.
    #[inline(always)]
    fn sales_contact(&mut self, a: &mut Account) -> bool {
        let Some(s) = &self.m.sales else { return false };
        if a.flags & (flag::PQL | flag::CONTACTED) != flag::PQL || self.sales_budget == 0 {
            return false;
        }
        if a.state == State::Paid && a.plan >= s.plan {
            return false;
        }
        self.sales_budget -= 1;
        a.flags |= flag::CONTACTED;
        self.flows.sales_contacts += 1;
        self.flows.sales_cost += s.cost_per_contact;
        if !self.chance(s.conversion) {
            return false;
        }
        self.flows.sales_conversions += 1;
        if a.state == State::Paid {
            self.upgrade_to(a, s.plan);
            false
        } else {
            self.convert(a, s.plan);
            true
        }
    }

    /// Sends a Poisson number of invitations. Accepted external ones that
    /// reach someone new are queued to sign up after the cycle time (and
    /// credit the inviter's referral bonus); returns the accepted internal
    /// ones (new seats for the inviter's account).
    #[inline(always)]
    fn invite(&mut self, a: &mut Account, table: &PoissonTable, bits: u64) -> u32 {
        let sent = if a.seats == 1 && table.tabulated() {
            table.count(bits)
        } else {
            let lambda = table.lambda * a.seats as f64;
            sampling::poisson(lambda, &mut self.rng).min(u32::MAX as u64) as u32
        };
        if sent == 0 {
            return 0;
        }
        self.invite_slow(a, sent)
    }

    #[cold]
    fn invite_slow(&mut self, a: &mut Account, sent: u32) -> u32 {
        let m = self.m;
        a.invites_sent = a.invites_sent.saturating_add(sent.min(u16::MAX as u32) as u16);
        self.flows.invites_sent += sent as u64;
        if sent <= EXACT_TRIALS as u32 {
            return self.invite_each(a, sent);
        }
        // In aggregate: accepted ~ Binomial(sent, acceptance), internal ~
        // Binomial(accepted, internal share), new ~ Binomial(external, share
        // of the market not signed up), one step late ~ Binomial(new, extra).
        let accepted = self.successes(sent as u64, m.invite_acceptance);
        self.flows.invites_accepted += accepted;
        let internal = self.successes(accepted, m.internal_share);
        let new = self.successes(accepted - internal, self.new_to_market);
        if new > 0 {
            let late = self.successes(new, m.invite_delay.extra);
            let at = (self.step + m.invite_delay.steps) as usize;
            for (at, n) in [(at, new - late), (at + 1, late)] {
                if let Some(slot) = self.pending_invites.get_mut(at) {
                    *slot += n;
                }
            }
            self.totals.viral_caused += new;
            self.credit_referrals(a, new);
        }
        internal as u32
    }

    /// [`Run::invite_slow`] one invitation at a time, for a few invitations
    /// (the same distribution; cheaper than the binomial draws).
    fn invite_each(&mut self, a: &mut Account, sent: u32) -> u32 {
        let m = self.m;
        let mut internal = 0;
        for _ in 0..sent {
            let r = self.rng.next_u64();
            if (r >> 32) >= m.invite_acceptance {
                continue;
            }
            self.flows.invites_accepted += 1;
            if (r & LOW) < m.internal_share {
                internal += 1;
                continue;
            }
            let r = self.rng.next_u64();
            if (r >> 32) >= self.new_to_market {
                continue;
            }
            let at = (self.step + m.invite_delay.steps + ((r & LOW) < m.invite_delay.extra) as u32) as usize;
            if at < self.pending_invites.len() {
                self.pending_invites[at] += 1;
            }
            self.totals.viral_caused += 1;
            self.credit_referrals(a, 1);
        }
        internal
    }

    /// Credits the referral bonus of `n` invitees to a free account (up to
    /// the cap); the bonus may lift a block.
    fn credit_referrals(&mut self, a: &mut Account, n: u64) {
        let m = self.m;
        if m.referral_bonus > 0.0 && matches!(a.state, State::ActiveFree | State::Blocked) {
            let cap = m.usage_limit + m.referral_max;
            a.limit = (a.limit + m.referral_bonus * n as f32).min(cap);
            if a.state == State::Blocked && a.usage < a.limit && a.seats < m.seat_limit {
                // The bonus lifts the block.
                a.state = State::ActiveFree;
            }
        }
    }

    /// The number of successes in `n` trials of probability `threshold` /
    /// 2^32: trial by trial for a few (as [`Run::chance`]), else one
    /// binomial draw, so the cost does not grow with `n`.
    #[inline]
    fn successes(&mut self, n: u64, threshold: u64) -> u64 {
        if threshold == 0 || n == 0 {
            return 0;
        }
        if n <= EXACT_TRIALS {
            let mut k = 0;
            for _ in 0..n {
                k += ((self.rng.next_u64() >> 32) < threshold) as u64;
            }
            return k;
        }
        sampling::binomial(n, threshold as f64 / 4_294_967_296.0, &mut self.rng)
    }

    /// Adds `n` seats from internal invitations, as many at once as the
    /// account's limit lets in. A seat over the free seat limit is a limit
    /// hit (the seats join only if the account converts); seats over a paid
    /// tier's limit join only if the account upgrades (one chance per step,
    /// however many seats wait). Returns whether the account stays.
    #[cold]
    fn add_seats(&mut self, a: &mut Account, n: u32) -> bool {
        let m = self.m;
        let mut left = n;
        let mut upgrade_tried = false;
        // At most one pass per plan (an upgrade) plus the limit hit.
        while left > 0 {
            let limit = match a.state {
                State::ActiveFree => m.seat_limit,
                State::Trial => MAX_SEATS,
                State::Paid => m.plans[a.plan as usize].seat_limit,
                _ => return true,
            };
            if a.seats >= limit {
                match a.state {
                    State::ActiveFree => {
                        if a.flags & flag::HIT != 0 {
                            return true;
                        }
                        let stays = self.hit_limit(a);
                        if !stays || a.state != State::Paid {
                            return stays;
                        }
                    }
                    State::Paid => {
                        let next = a.plan as usize + 1;
                        let may = !upgrade_tried && next < m.plans.len();
                        upgrade_tried = true;
                        if may && self.chance(m.upgrade) {
                            self.upgrade_to(a, next as u8);
                        } else {
                            return true;
                        }
                    }
                    _ => return true,
                }
                continue;
            }
            let k = left.min((limit - a.seats) as u32);
            a.seats += k as u16;
            left -= k;
            self.flows.seats_added += k as u64;
            if a.seats == MAX_SEATS {
                // The record's ceiling (a limit of "none"): seats beyond it
                // are dropped; counted, so the summary can say so.
                self.seat_ceiling_hits += 1;
            }
            if a.state == State::Paid {
                self.reprice(a);
            }
        }
        true
    }

    /// Seats beyond the first may leave (contraction on per-seat plans):
    /// Binomial(extra seats, seat churn).
    #[cold]
    fn seat_churn(&mut self, a: &mut Account) {
        let extra = (a.seats - 1) as u64;
        let gone = self.successes(extra, self.m.seat_churn) as u16;
        if gone > 0 {
            a.seats -= gone;
            self.flows.seats_removed += gone as u64;
            if a.state == State::Paid {
                self.reprice(a);
            }
        }
    }

    /// The first limit hit of a free account (usage or seats): convert,
    /// leave or stay blocked. Returns whether the account stays.
    #[cold]
    fn hit_limit(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        self.flows.limit_hits += 1;
        a.flags |= flag::HIT;
        self.check_pql(a);
        let early = a.flags & flag::ACTIVATED == 0;
        let (convert, leave) = if early {
            (m.hit_convert_early, m.hit_leave_early)
        } else if m.value_buildup_steps > 0.0 && a.source != source::INITIAL {
            // Willingness to pay at the wall grows with the value the account
            // has had since its activation (`since_step` while active free;
            // initial accounts are long activated).
            let t = self.step.saturating_sub(a.since_step as u32) as f64;
            let built = 1.0 - libm::exp(-t / m.value_buildup_steps);
            let c = m.hit_convert_share * built;
            (threshold(c), threshold(c + m.hit_churn_share))
        } else {
            (m.hit_convert, m.hit_leave)
        };
        let u = self.rng.next_u64() >> 32;
        if u < convert {
            self.convert(a, m.entry_plan);
            true
        } else if u < leave {
            if early {
                self.flows.abandoned += 1;
                self.leave(a);
                false
            } else {
                self.go_dormant(a)
            }
        } else {
            a.usage = a.usage.min(a.limit);
            if early {
                // Blocked before reaching value: it will not activate, and
                // abandons when its window closes.
                a.flags &= !flag::WILL_ACTIVATE;
                a.event_step = (a.signup_step as u32 + m.window_steps).min(u16::MAX as u32) as u16;
            } else {
                // `since_step` keeps the activation step: if a referral lifts
                // the block, value build-up still counts from activation.
                a.state = State::Blocked;
            }
            true
        }
    }

    // The per-state mechanics. Each returns whether the account stays; an
    // account that changes state sets `a.state` and is moved by `sweep`.

    #[inline(always)]
    fn step_signed_up(&mut self, a: &mut Account) -> bool {
        if a.flags & flag::HIT == 0 {
            a.usage += a.intensity;
            if a.usage >= a.limit {
                let stays = self.hit_limit(a);
                if !stays || a.state != State::SignedUp {
                    return stays;
                }
            }
        }
        if a.event_step as u32 != self.step {
            return true;
        }
        if a.flags & flag::WILL_ACTIVATE != 0 {
            self.activate(a)
        } else {
            self.flows.abandoned += 1;
            self.leave(a);
            false
        }
    }

    #[inline(always)]
    fn step_free(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        let r = self.rng.next_u64();
        let internal = self.invite(a, &m.invites_active, r & LOW);
        a.usage += a.intensity;
        if a.usage >= a.limit {
            let stays = self.hit_limit(a);
            if !stays || a.state != State::ActiveFree {
                return stays;
            }
        }
        if m.pql.is_some() {
            self.check_pql(a);
            if self.sales_contact(a) {
                return true;
            }
        }
        let u = r >> 32;
        if u < m.free_convert {
            self.convert(a, m.entry_plan);
        } else if u < m.free_leave {
            return self.go_dormant(a);
        }
        self.seat_changes(a, internal)
    }

    /// Internal invitations and seat churn, at the end of an account's step.
    #[inline(always)]
    fn seat_changes(&mut self, a: &mut Account, internal: u32) -> bool {
        if a.seats > 1 && self.m.seat_churn > 0 {
            self.seat_churn(a);
        }
        if internal > 0 { self.add_seats(a, internal) } else { true }
    }

    #[inline(always)]
    fn step_blocked(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        let r = self.rng.next_u64();
        // A blocked account adds no seats: accepted internal invitations bring none.
        self.invite(a, &m.invites_blocked, r & LOW);
        if a.state == State::ActiveFree {
            // A referral bonus lifted the block.
            return true;
        }
        if m.pql.is_some() {
            self.check_pql(a);
            if self.sales_contact(a) {
                return true;
            }
        }
        let u = r >> 32;
        if u < m.blocked_convert {
            self.convert(a, m.entry_plan);
        } else if u < m.blocked_leave {
            return self.go_dormant(a);
        }
        if a.seats > 1 && m.seat_churn > 0 {
            self.seat_churn(a);
        }
        true
    }

    fn step_trial(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        let r = self.rng.next_u64();
        // Like a free account, a trial shares only once it has reached value.
        let internal = if a.flags & flag::ACTIVATED != 0 { self.invite(a, &m.invites_active, r & LOW) } else { 0 };
        a.usage += a.intensity;
        if a.event_step as u32 == self.step && a.flags & flag::WILL_ACTIVATE != 0 && a.flags & flag::ACTIVATED == 0 {
            self.activate(a); // stays in the trial
        }
        if m.pql.is_some() {
            self.check_pql(a);
            if self.sales_contact(a) {
                return true;
            }
        }
        if self.step < self.trial_end(a) {
            return self.seat_changes(a, internal);
        }
        let t = m.trial.as_ref().expect("trial accounts exist only with a trial");
        // Only an account that reached value converts at the end of its trial.
        if a.flags & flag::ACTIVATED != 0 && (r >> 32) < t.conversion {
            self.flows.trial_conversions += 1;
            self.totals.trial_conversions += 1;
            self.convert(a, t.plan);
            return self.seat_changes(a, internal);
        }
        a.plan = 0;
        let activated = a.flags & flag::ACTIVATED != 0;
        match t.after {
            TrialAfter::Free if activated => {
                a.state = State::ActiveFree;
                self.seat_changes(a, internal)
            }
            TrialAfter::Free if (a.event_step as u32) > self.step => {
                // Back to waiting for its activation (or its window to close).
                a.state = State::SignedUp;
                true
            }
            _ if activated => self.go_dormant_from_trial(a),
            _ => {
                self.flows.abandoned += 1;
                self.leave(a);
                false
            }
        }
    }

    /// An activated account leaves at the end of a trial with no free plan.
    fn go_dormant_from_trial(&mut self, a: &mut Account) -> bool {
        self.flows.churned_free += 1;
        self.totals.active_exits += 1;
        self.leave(a);
        false
    }

    #[inline(always)]
    fn step_paid(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        let r = self.rng.next_u64();
        let internal = self.invite(a, &m.invites_active, r & LOW);
        self.totals.paid_at_risk += 1;
        let plan = &m.plans[a.plan as usize];
        a.usage += a.intensity;
        if a.usage >= plan.usage_limit {
            // Outgrown its tier: upgrade, or stay capped at the limit.
            a.usage = plan.usage_limit;
            let next = a.plan as usize + 1;
            if next < m.plans.len() && self.chance(m.upgrade) {
                self.upgrade_to(a, next as u8);
            }
        }
        if m.pql.is_some() {
            self.check_pql(a);
            self.sales_contact(a);
        }
        let tenure = (self.step - a.since_step as u32) as usize;
        // Whole months since it started paying, whether this step is a
        // monthly anniversary, and the month of its life as a customer the
        // step falls in (0 for the steps of its first month), by table
        // lookup: a division by the steps per month is slow here.
        let t = m.tenure[tenure.min(m.tenure.len() - 1)];
        let annual = a.flags & flag::ANNUAL != 0;
        let plan = &m.plans[a.plan as usize];
        let billing_day = t.anniversary && (!annual || t.months.is_multiple_of(12));
        if annual {
            if billing_day && t.months > 0 {
                let year = (t.months / 12) as usize;
                let t = plan.annual_churn_by_year[(year - 1).min(plan.annual_churn_by_year.len() - 1)];
                if (r >> 32) < t {
                    return self.churn_paid(a, false);
                }
            }
        } else if (r >> 32) < plan.churn_by_tenure[(t.life_month as usize).min(plan.churn_by_tenure.len() - 1)] {
            return self.churn_paid(a, false);
        }
        if billing_day {
            // A billing anniversary: the payment may fail and not be recovered.
            if self.chance(m.payment_failure) && !self.chance(m.payment_recovery) {
                return self.churn_paid(a, true);
            }
            self.pay(a);
        }
        self.seat_changes(a, internal)
    }

    fn step_dormant(&mut self, a: &mut Account) -> bool {
        if self.chance(self.m.reactivation) {
            self.flows.reactivated_free += 1;
            self.come_back(a);
            a.state = if a.usage >= a.limit { State::Blocked } else { State::ActiveFree };
            a.since_step = self.step as u16;
        }
        true
    }

    fn step_lapsed(&mut self, a: &mut Account) -> bool {
        if self.chance(self.m.win_back) {
            self.flows.won_back += 1;
            self.come_back(a);
            if a.source != source::INITIAL {
                let month = self.month() as usize;
                self.customers_by_conversion_month[month] += 1;
            }
            a.state = State::Paid;
            a.since_step = self.step as u16;
            a.mrr_cents = self.m.plans[a.plan as usize].mrr_cents(a.seats, a.flags & flag::ANNUAL != 0);
            self.cohort_mrr(a, a.mrr_cents as i64);
            self.flows.reactivation_mrr += a.mrr_cents as u64;
            self.pay(a);
        }
        true
    }

    /// Would-be signups that are new to the market: thins `n` by the share
    /// of the market not yet signed up.
    fn market_filter(&mut self, n: u64) -> u64 {
        match self.m.market_size {
            None => n,
            Some(size) => {
                let remaining = (size - self.signed_up_ever).max(0.0);
                let p = (remaining / size).clamp(0.0, 1.0);
                let got = sampling::binomial(n, p, &mut self.acq_rng);
                got.min(remaining as u64)
            }
        }
    }

    /// Thins would-be signups that will arrive later by the share of the
    /// market not yet signed up now.
    fn market_filter_pending(&mut self, n: u64) -> u64 {
        match self.m.market_size {
            None => n,
            Some(_) => {
                let p = self.new_to_market as f64 / 4_294_967_296.0;
                sampling::binomial(n, p, &mut self.acq_rng)
            }
        }
    }

    /// Arrivals that were already checked against the market (accepted
    /// invitations): only capped by what is left of it.
    fn market_cap(&self, n: u64) -> u64 {
        match self.m.market_size {
            None => n,
            Some(size) => n.min((size - self.signed_up_ever).max(0.0) as u64),
        }
    }

    fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 || !lambda.is_finite() {
            return 0;
        }
        sampling::poisson(lambda, &mut self.acq_rng)
    }

    /// Queues `n` signups `delay` after this step.
    fn schedule(&mut self, n: u64, delay: Delay, exposure: bool) {
        if n == 0 {
            return;
        }
        let late = if delay.extra == 0 {
            0
        } else {
            sampling::binomial(n, delay.extra as f64 / 4_294_967_296.0, &mut self.acq_rng)
        };
        let queue = if exposure { &mut self.pending_exposure } else { &mut self.pending_invites };
        for (at, count) in [(self.step + delay.steps, n - late), (self.step + delay.steps + 1, late)] {
            if let Some(slot) = queue.get_mut(at as usize) {
                *slot += count;
            }
        }
    }

    fn update_market_share(&mut self) {
        self.new_to_market = match self.m.market_size {
            None => 1 << 32,
            Some(size) => super::model::threshold(((size - self.signed_up_ever) / size).clamp(0.0, 1.0)),
        };
    }
}

/// The live accounts, one vector per state, so that each state's loop is
/// free of state dispatch. Order within a vector is deterministic (it
/// depends only on the run's draws): departures are filled by the last
/// account, accounts that changed state during a step are appended to their
/// new state's vector after every state has been stepped (so no account is
/// stepped twice in a step), and arrivals come last.
#[derive(Debug, Default)]
pub struct Population {
    by_state: [Vec<Account>; STATES],
    /// Accounts that changed state this step, by new state.
    moved: [Vec<Account>; STATES],
}

impl Population {
    fn push(&mut self, a: Account) {
        self.by_state[a.state as usize].push(a);
    }

    fn len(&self) -> usize {
        self.by_state.iter().map(Vec::len).sum()
    }

    fn of(&self, s: State) -> &[Account] {
        &self.by_state[s as usize]
    }

    /// Steps every account of `state` with `f`, dropping those that leave
    /// and setting aside those that change state.
    #[inline(always)]
    fn sweep<'m>(&mut self, state: State, run: &mut Run<'m>, mut f: impl FnMut(&mut Run<'m>, &mut Account) -> bool) {
        let v = &mut self.by_state[state as usize];
        // Stepped in place; an account that leaves or changes state is
        // replaced by the last one, which is then stepped at the same index.
        // Survivors are never copied (copying a record just written stalls
        // store forwarding), and the order stays deterministic.
        // Seats and MRR of the accounts that stay are summed in registers
        // (a counter in memory, bumped for every account, would be a chain
        // of dependent loads and stores).
        let (mut seats, mut mrr) = (0u64, 0u64);
        let mut i = 0;
        while i < v.len() {
            let stays = f(run, &mut v[i]);
            if stays && v[i].state == state {
                seats += v[i].seats as u64;
                if state == State::Paid {
                    mrr += v[i].mrr_cents as u64;
                }
                i += 1;
                continue;
            }
            let a = v.swap_remove(i);
            if stays {
                run.tally(&a);
                self.moved[a.state as usize].push(a);
            }
        }
        run.tally_seats[state as usize] += seats;
        run.tally_mrr += mrr;
    }

    /// Appends the accounts that changed state to their new state's vector.
    fn settle(&mut self) {
        for (v, moved) in self.by_state.iter_mut().zip(self.moved.iter_mut()) {
            v.append(moved);
        }
    }
}

/// Memory a worker thread reuses from run to run (cleared before use, so
/// it never carries anything from one run into the next): allocating the
/// account vectors afresh for every run costs page faults.
#[derive(Debug, Default)]
pub struct Workspace {
    pop: Population,
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
    let k = m.steps_per_month as f64;
    let n_channels = m.channels.len();
    let months = m.months as usize;
    let max_delay = m.invite_delay.steps.max(m.exposure_delay.steps) + 2;
    let ttv_bins = (u16::MAX >> TTV_SHIFT) as usize + 1;
    let mut r = Run {
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
    };
    let mut monthly = vec![0.0; months * monthly_width];
    let mut channel_signups = vec![0u64; n_channels];
    let pop = &mut ws.pop;
    for v in pop.by_state.iter_mut().chain(pop.moved.iter_mut()) {
        v.clear();
    }
    let mut account_steps = 0u64;
    // Trailing-12-month retention: the base is set at the end of month T-12.
    let base_step = (m.months >= 12).then(|| (m.months - 12) * m.steps_per_month);

    // Accounts present at the start: activated free accounts part-way to
    // their limit (uniformly), and paying accounts on the entry plan.
    let n_initial = (m.initial_free_accounts + m.initial_paid_accounts) as usize;
    for i in 0..n_initial.min(MAX_LIVE_ACCOUNTS) {
        let mut a = r.new_account(source::INITIAL);
        a.flags = flag::ACTIVATED;
        a.state = State::ActiveFree;
        a.since_step = 0;
        if a.limit.is_finite() {
            a.usage = a.limit * r.rng.random::<f32>();
        }
        if (i as u64) >= m.initial_free_accounts {
            let p = &m.plans[m.entry_plan as usize];
            a.state = State::Paid;
            a.plan = m.entry_plan;
            a.flags |= flag::CONVERTED;
            if r.chance(p.annual) {
                a.flags |= flag::ANNUAL;
            }
            a.mrr_cents = p.mrr_cents(a.seats, a.flags & flag::ANNUAL != 0);
            a.usage = a.usage.min(p.usage_limit);
        }
        pop.push(a);
    }
    r.signed_up_ever = n_initial as f64;
    r.capped = n_initial > MAX_LIVE_ACCOUNTS;
    r.update_market_share();
    if base_step == Some(0) {
        mark_base(pop, &mut r.totals);
    }

    for step in 0..m.steps {
        r.step = step;
        r.month = m.tenure[step as usize].months;
        let t_months = step as f64 / k;
        if step % m.steps_per_month == 0 {
            r.sales_budget = m.sales.as_ref().map_or(0, |s| s.contacts_per_month);
        }

        // 1. Accounts.
        account_steps += pop.len() as u64;
        r.tally_seats = [0; STATES];
        r.tally_mrr = 0;
        pop.sweep(State::SignedUp, &mut r, Run::step_signed_up);
        pop.sweep(State::ActiveFree, &mut r, Run::step_free);
        pop.sweep(State::Blocked, &mut r, Run::step_blocked);
        pop.sweep(State::Trial, &mut r, Run::step_trial);
        pop.sweep(State::Paid, &mut r, Run::step_paid);
        if m.keeps_dormant() {
            pop.sweep(State::Dormant, &mut r, Run::step_dormant);
        }
        if m.keeps_lapsed() {
            pop.sweep(State::Lapsed, &mut r, Run::step_lapsed);
        }
        pop.settle();

        // 2. Arrivals.
        let mut arrivals: Vec<(u8, u64)> = Vec::with_capacity(3 + n_channels);
        let organic_lambda = m.organic_rate_at(t_months) / k;
        let mut organic = r.poisson(organic_lambda);
        organic = r.market_filter(organic);
        if let Some(size) = m.market_size {
            let remaining = (size - r.signed_up_ever - organic as f64).max(0.0);
            let extra = r.poisson(remaining * m.organic_share_per_step);
            organic += extra.min(remaining as u64);
        }
        r.signed_up_ever += organic as f64;
        arrivals.push((source::ORGANIC, organic));
        for (ci, ch) in m.channels.iter().enumerate() {
            let spend = ch.spend_at(t_months);
            r.flows.marketing_spend += spend / k;
            let n = r.poisson(ch.signups_for(spend) / k);
            let n = r.market_filter(n);
            r.signed_up_ever += n as f64;
            arrivals.push((source::CHANNEL + ci as u8, n));
        }
        let invited = std::mem::take(&mut r.pending_invites[step as usize]);
        let invited = r.market_cap(invited);
        r.signed_up_ever += invited as f64;
        arrivals.push((source::INVITE, invited));
        let exposed = std::mem::take(&mut r.pending_exposure[step as usize]);
        let exposed = r.market_cap(exposed);
        r.signed_up_ever += exposed as f64;
        arrivals.push((source::EXPOSURE, exposed));

        for (src, n) in arrivals {
            let room = MAX_LIVE_ACCOUNTS.saturating_sub(pop.len()) as u64;
            if n > room {
                r.capped = true;
            }
            let n = n.min(room);
            match src {
                source::ORGANIC => r.flows.signups_organic += n,
                source::INVITE => {
                    r.flows.signups_invite += n;
                }
                source::EXPOSURE => {
                    r.flows.signups_exposure += n;
                }
                _ => {
                    r.flows.signups_paid += n;
                    channel_signups[(src - source::CHANNEL) as usize] += n;
                }
            }
            r.totals.signups += n;
            for _ in 0..n {
                let mut a = r.new_account(src);
                if a.signup_step as u32 + m.window_steps <= m.steps {
                    r.totals.matured_signups += 1;
                }
                for (i, w) in WITHIN_MONTHS.iter().enumerate() {
                    if step + w * m.steps_per_month < m.steps {
                        r.totals.eligible_within[i] += 1;
                    }
                }
                let mut stays = true;
                if let Some(t) = &m.trial
                    && t.start == TrialStart::Signup
                {
                    stays = r.maybe_start_trial(&mut a);
                    if a.state == State::Trial {
                        a.plan = t.plan;
                    }
                }
                if !stays {
                    r.flows.abandoned += 1;
                    r.leave(&a);
                    continue;
                }
                if a.event_step as u32 == step && a.flags & flag::WILL_ACTIVATE != 0 && !r.activate(&mut a) {
                    continue;
                }
                r.tally(&a);
                pop.push(a);
            }
        }
        r.update_market_share();

        // 3. Books.
        let seats = |s: State| r.tally_seats[s as usize];
        let free_seats = seats(State::SignedUp) + seats(State::ActiveFree) + seats(State::Blocked);
        let trial_seats = seats(State::Trial);
        let paid_seats = seats(State::Paid);
        let month = (step / m.steps_per_month) as usize;
        let mrr = r.tally_mrr as f64 / 100.0;
        for (rev, cents) in r.revenue_by_conversion_month[..=month].iter_mut().zip(&r.mrr_by_conversion_month) {
            *rev += *cents as f64;
        }
        r.flows.revenue += mrr / k;
        r.flows.cost_free +=
            free_seats as f64 * m.serve_free_seat_per_step + trial_seats as f64 * m.serve_paid_seat_per_step;
        r.flows.cost_paid += paid_seats as f64 * m.serve_paid_seat_per_step;
        r.flows.fixed_costs += m.fixed_cost_per_step;
        if let Some(s) = &m.sales {
            r.flows.sales_cost += s.fixed_cost_per_step;
        }
        // Exposures: active, trial and paying accounts, blocked ones at the
        // reduced rate; a share signs up after the cycle time.
        if m.exposure_per_step > 0.0 {
            let exposing = (pop.of(State::ActiveFree).len() + pop.of(State::Trial).len() + pop.of(State::Paid).len())
                as f64
                + m.blocked_sharing * pop.of(State::Blocked).len() as f64;
            let n = r.poisson(exposing * m.exposure_per_step);
            // Checked against the market now, like an accepted invitation.
            let n = r.market_filter_pending(n);
            r.totals.viral_caused += n;
            r.schedule(n, m.exposure_delay, true);
        }
        if base_step == Some(step + 1) {
            mark_base(pop, &mut r.totals);
        }

        if (step + 1) % m.steps_per_month == 0 {
            let row = &mut monthly[month * monthly_width..(month + 1) * monthly_width];
            let f = std::mem::take(&mut r.flows);
            let count = |s: State| pop.of(s).len() as f64;
            let dormant = count(State::Dormant) + r.dormant_uncounted as f64;
            let cents = |c: u64| c as f64 / 100.0;
            let cost = f.cost_free + f.cost_paid;
            let outflow = cost + f.marketing_spend + f.sales_cost + f.payment_fees + f.fixed_costs;
            let paid = count(State::Paid);
            use Monthly::*;
            let values: [(Monthly, f64); Monthly::COUNT] = [
                (SignupsTotal, (f.signups_organic + f.signups_paid + f.signups_invite + f.signups_exposure) as f64),
                (SignupsOrganic, f.signups_organic as f64),
                (SignupsPaid, f.signups_paid as f64),
                (SignupsInvite, f.signups_invite as f64),
                (SignupsExposure, f.signups_exposure as f64),
                (Activated, f.activated as f64),
                (Abandoned, f.abandoned as f64),
                (SignedUp, count(State::SignedUp)),
                (ActiveFree, count(State::ActiveFree)),
                (Blocked, count(State::Blocked)),
                (Trial, count(State::Trial)),
                (PaidAccounts, paid),
                (Dormant, dormant),
                (FreeSeats, free_seats as f64),
                (PaidSeats, paid_seats as f64),
                (LimitHits, f.limit_hits as f64),
                (Pqls, f.pqls as f64),
                (TrialStarts, f.trial_starts as f64),
                (TrialConversions, f.trial_conversions as f64),
                (SalesContacts, f.sales_contacts as f64),
                (SalesConversions, f.sales_conversions as f64),
                (Conversions, f.conversions as f64),
                (Upgrades, f.upgrades as f64),
                (ChurnedFree, f.churned_free as f64),
                (ReactivatedFree, f.reactivated_free as f64),
                (ChurnedPaid, f.churned_paid as f64),
                (InvoluntaryChurn, f.involuntary_churn as f64),
                (WonBack, f.won_back as f64),
                (InvitesSent, f.invites_sent as f64),
                (InvitesAccepted, f.invites_accepted as f64),
                (SeatsAdded, f.seats_added as f64),
                (SeatsRemoved, f.seats_removed as f64),
                (Mrr, mrr),
                (Arr, 12.0 * mrr),
                (NewMrr, cents(f.new_mrr)),
                (ExpansionMrr, cents(f.expansion_mrr)),
                (ContractionMrr, cents(f.contraction_mrr)),
                (ChurnedMrr, cents(f.churned_mrr)),
                (ReactivationMrr, cents(f.reactivation_mrr)),
                (
                    NetNewMrr,
                    cents(f.new_mrr + f.expansion_mrr + f.reactivation_mrr) - cents(f.contraction_mrr + f.churned_mrr),
                ),
                (Arpa, ratio(mrr, paid).unwrap_or(0.0)),
                (Revenue, f.revenue),
                (CashIn, f.cash_in),
                (MarketingSpend, f.marketing_spend),
                (SalesCost, f.sales_cost),
                (PaymentFees, f.payment_fees),
                (FixedCosts, f.fixed_costs),
                (CostToServeFree, f.cost_free),
                (CostToServePaid, f.cost_paid),
                (CostToServe, cost),
                (GrossProfit, f.revenue - f.cost_paid - f.payment_fees),
                (CashFlow, f.cash_in - outflow),
            ];
            for (metric, x) in values {
                row[metric as usize] = x;
            }
            for (ci, n) in channel_signups.iter_mut().enumerate() {
                row[Monthly::COUNT + ci] = std::mem::take(n) as f64;
            }
            let t = &mut r.totals;
            t.revenue += f.revenue;
            t.cost_paid += f.cost_paid;
            t.cost_free += f.cost_free;
            t.payment_fees += f.payment_fees;
            t.marketing_spend += f.marketing_spend;
            t.sales_cost += f.sales_cost;
            t.cash_flow += f.cash_in - outflow;
            t.mrr_month_ends += mrr;
            t.paid_month_ends += paid;
        }
    }

    // The base accounts still paying, their MRR now and (for gross
    // retention) no more than their MRR at the window start.
    let base = pop.of(State::Paid).iter().filter(|a| a.flags & flag::BASE != 0);
    let (now, kept) = base.fold((0u64, 0u64), |(now, kept), a| {
        (now + a.mrr_cents as u64, kept + (a.mrr_cents as u64).min(a.limit.to_bits() as u64))
    });
    let horizon = horizon_metrics(&r, &monthly, monthly_width, base_step.map(|_| (now, kept)));
    RunOutput {
        run,
        monthly,
        horizon,
        account_steps,
        capped: r.capped,
        seat_ceiling_hits: r.seat_ceiling_hits,
        cohort_conversions: r.cohort_conversions,
        cohort_departures: r.cohort_departures,
    }
}

/// Marks the paying accounts as the base of the trailing-12-month retention
/// window, keeping each one's MRR then (in cents) in its `limit` field, which
/// a paying account does not use: the bits of the `u32`, so that it is exact
/// at any MRR (an `f32` value would round above 2^24 cents).
fn mark_base(pop: &mut Population, t: &mut Totals) {
    for a in pop.by_state[State::Paid as usize].iter_mut() {
        a.flags |= flag::BASE;
        a.limit = f32::from_bits(a.mrr_cents);
        t.base_mrr += a.mrr_cents as u64;
    }
}

/// The time-to-value histogram keeps the top 12 bits of the share of the
/// window (4,096 bins).
const TTV_SHIFT: u16 = 4;

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

/// `base`: the retention base's MRR now and its MRR capped at each
/// account's MRR at the window start (cents), when the horizon has 12 months.
fn horizon_metrics(r: &Run, monthly: &[f64], width: usize, base: Option<(u64, u64)>) -> Vec<Option<f64>> {
    let t = &r.totals;
    let k = r.m.steps_per_month;
    let months = r.m.months as usize;
    let at = |month: usize, m: Monthly| monthly[month * width + m as usize];
    let mrr_final = at(months - 1, Monthly::Mrr);
    let paid_final = at(months - 1, Monthly::PaidAccounts);

    let mut h = vec![None; Horizon::COUNT];
    let mut set = |m: Horizon, x: Option<f64>| h[m as usize] = x;
    // Per-step hazard -> monthly rate: 1 - (1 - h)^k.
    let churn_step = ratio(t.churned_paid as f64, t.paid_at_risk as f64);
    let churn = churn_step.map(|c| 1.0 - libm::pow(1.0 - c, k as f64));
    let arpa = ratio(t.mrr_month_ends, t.paid_month_ends);
    let margin = ratio(t.revenue - t.cost_paid - t.payment_fees, t.revenue);
    let acquisition_cost = t.marketing_spend + t.sales_cost;
    let cac = ratio(acquisition_cost, t.conversions as f64);
    let ltv = match (arpa, margin, churn) {
        (Some(a), Some(g), Some(c)) => ratio(a * g, c),
        _ => None,
    };
    // Realised LTV: gross profit actually collected, per customer, from the
    // customers of the first half of the horizon (revenue counted to its end).
    let half = (months / 2).max(1);
    let early_revenue: f64 = r.revenue_by_conversion_month[..half].iter().sum::<f64>() / 100.0 / k as f64;
    let early_customers: u64 = r.customers_by_conversion_month[..half].iter().sum();
    let ltv_realized = match margin {
        Some(g) => ratio(early_revenue * g, early_customers as f64),
        None => None,
    };
    let nrr = base.and_then(|(now, _)| ratio(now as f64, t.base_mrr as f64));
    let grr = base.and_then(|(_, kept)| ratio(kept as f64, t.base_mrr as f64));
    let break_even = (0..months).find(|&mo| at(mo, Monthly::CashFlow) >= 0.0).map(|mo| (mo + 1) as f64);

    set(Horizon::MrrFinal, Some(mrr_final));
    set(Horizon::ArrFinal, Some(12.0 * mrr_final));
    set(Horizon::PaidAccountsFinal, Some(paid_final));
    set(Horizon::PaidSeatsFinal, Some(at(months - 1, Monthly::PaidSeats)));
    set(Horizon::ArpaFinal, ratio(mrr_final, paid_final));
    set(Horizon::SignupsTotal, Some(t.signups as f64));
    set(Horizon::ActivationRate, ratio(t.matured_activated as f64, t.matured_signups as f64));
    set(Horizon::MedianTimeToValueDays, histogram_median(&r.ttv_days, r.days_per_ttv_unit));
    set(Horizon::FreeToPaidConversion, ratio(t.converted_signups as f64, t.signups as f64));
    set(Horizon::Conversion30d, ratio(t.converted_within[0] as f64, t.eligible_within[0] as f64));
    set(Horizon::Conversion90d, ratio(t.converted_within[1] as f64, t.eligible_within[1] as f64));
    set(Horizon::Conversion365d, ratio(t.converted_within[2] as f64, t.eligible_within[2] as f64));
    // K = (viral signups caused per active account-month) x (active months
    // per account) = caused / exits, a ratio that does not depend on whether
    // the population grows or shrinks.
    set(Horizon::KFactor, ratio(t.viral_caused as f64, t.active_exits as f64));
    set(Horizon::PqlsTotal, Some(t.pqls as f64));
    set(Horizon::PqlConversion, ratio(t.pql_conversions as f64, t.free_pqls as f64));
    set(Horizon::TrialStartsTotal, Some(t.trial_starts as f64));
    set(Horizon::TrialConversion, ratio(t.trial_conversions as f64, t.trial_starts as f64));
    set(Horizon::RevenueTotal, Some(t.revenue));
    set(Horizon::LogoChurnMonthly, churn);
    set(Horizon::Arpa, arpa);
    set(Horizon::GrossMargin, margin);
    set(Horizon::Nrr12m, nrr);
    set(Horizon::Grr12m, grr);
    set(Horizon::CacBlended, cac);
    set(Horizon::CacPaid, ratio(t.marketing_spend, t.channel_conversions as f64));
    set(Horizon::Ltv, ltv);
    set(Horizon::LtvRealized, ltv_realized);
    set(
        Horizon::LtvToCac,
        match (ltv, cac) {
            (Some(l), Some(c)) => ratio(l, c),
            _ => None,
        },
    );
    set(
        Horizon::CacPaybackMonths,
        match (cac, arpa, margin) {
            (Some(c), Some(a), Some(g)) => ratio(c, a * g),
            _ => None,
        },
    );
    set(Horizon::CostToServeFreeTotal, Some(t.cost_free));
    set(Horizon::CostToServeFreePerConversion, ratio(t.cost_free, t.conversions as f64));
    set(Horizon::CashFlowTotal, Some(t.cash_flow));
    set(Horizon::BreakEvenMonth, break_even);
    h
}
