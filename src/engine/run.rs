//! One Monte Carlo run: the account records and the step loop.
//!
//! A step has three phases, in this order:
//!
//! 1. **Accounts.** Every account that existed at the start of the step goes
//!    through its state's mechanics (activation, invitations, usage and the
//!    limit, conversion, churn). Accounts that leave are dropped; the others
//!    are compacted in place, in their original order.
//! 2. **Arrivals.** New accounts from organic discovery, each paid channel and
//!    the invitations whose cycle time ends now; in a finite market each
//!    would-be signup succeeds with probability (market not yet signed up) /
//!    (market size). An account's signup step only decides its activation:
//!    its other mechanics start the step after.
//! 3. **Books.** Revenue (MRR / steps per month), cost to serve, spend; at the
//!    end of a month, the month's row of metrics.
//!
//! Within phase 1 an account, in a step: sends invitations (active seats),
//! accumulates usage (checking the free limit), then converts or churns.
//!
//! Invariant: accounts are conserved: initial + signups = live accounts +
//! departures, at every step (`tests/` checks it on random scenarios).

use rand::{Rng, RngExt};
use rand_distr::{Binomial, Distribution, Poisson, StandardNormal};

use super::model::{PoissonTable, RunModel};
use crate::metrics::{Horizon, Monthly, ratio};
use crate::rng::SimRng;

/// Account states; departed accounts are removed, not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum State {
    /// Signed up, not yet activated.
    SignedUp = 0,
    /// Activated, free, under the limit.
    ActiveFree = 1,
    /// Free, stopped at the plan limit.
    Blocked = 2,
    Paid = 3,
}

const STATES: usize = 4;

/// Where an account came from.
pub mod source {
    pub const INITIAL: u8 = 0;
    pub const ORGANIC: u8 = 1;
    pub const INVITE: u8 = 2;
    /// Paid channel `i` is `CHANNEL + i`.
    pub const CHANNEL: u8 = 8;
}

mod flag {
    /// Drawn at signup: the account activates at `event_step`.
    pub const WILL_ACTIVATE: u8 = 1;
    pub const ACTIVATED: u8 = 2;
    /// Has been a paying account (first conversions are counted once).
    pub const CONVERTED: u8 = 4;
}

/// One account (a paying workspace), 32 bytes.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    /// Accumulated usage of the plan-limited quantity.
    pub usage: f32,
    /// Usage added per active step.
    pub intensity: f32,
    /// This account's free limit.
    pub limit: f32,
    pub mrr: f32,
    pub signup_step: u16,
    /// SignedUp: the step it activates or, failing that, abandons.
    pub event_step: u16,
    /// The step it entered its current state.
    pub since_step: u16,
    pub seats: u16,
    pub invites_sent: u16,
    pub state: State,
    pub plan: u8,
    pub source: u8,
    pub flags: u8,
}

/// Live accounts a run may hold; beyond it arrivals are refused and the run
/// is flagged (`capped`) so the summary can say results understate growth.
pub const MAX_LIVE_ACCOUNTS: usize = 20_000_000;

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

    /// Steps every account of `state` with `f`, dropping those that leave
    /// and setting aside those that change state.
    #[inline(always)]
    fn sweep<'m>(&mut self, state: State, run: &mut Run<'m>, mut f: impl FnMut(&mut Run<'m>, &mut Account) -> bool) {
        let v = &mut self.by_state[state as usize];
        // Stepped in place; an account that leaves or changes state is
        // replaced by the last one, which is then stepped at the same index.
        // Survivors are never copied (copying a record just written stalls
        // store forwarding), and the order stays deterministic.
        let mut i = 0;
        while i < v.len() {
            let stays = f(run, &mut v[i]);
            if stays && v[i].state == state {
                i += 1;
                continue;
            }
            let a = v.swap_remove(i);
            if stays {
                self.moved[a.state as usize].push(a);
            }
        }
    }

    /// Appends the accounts that changed state to their new state's vector.
    fn settle(&mut self) {
        for (v, moved) in self.by_state.iter_mut().zip(self.moved.iter_mut()) {
            v.append(moved);
        }
    }
}

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
    /// Cohort counts, `months x months`, indexed `[signup month][months
    /// since signup]`: first conversions to paid, and departures.
    pub cohort_conversions: Vec<u32>,
    pub cohort_departures: Vec<u32>,
}

/// Flows of the current month.
#[derive(Debug, Default, Clone)]
struct Flows {
    signups_organic: u64,
    signups_paid: u64,
    signups_invite: u64,
    activated: u64,
    abandoned: u64,
    limit_hits: u64,
    conversions: u64,
    churned_free: u64,
    churned_paid: u64,
    invites_sent: u64,
    invites_accepted: u64,
    new_mrr: f64,
    churned_mrr: f64,
    revenue: f64,
    marketing_spend: f64,
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
    ever_active: u64,
    viral_signups: u64,
    conversions: u64,
    channel_conversions: u64,
    paid_at_risk: u64,
    churned_paid: u64,
    revenue: f64,
    cost_paid: f64,
    cost_free: f64,
    marketing_spend: f64,
    mrr_month_ends: f64,
    paid_month_ends: f64,
}

struct Run<'m> {
    m: &'m RunModel,
    rng: SimRng,
    acq_rng: SimRng,
    step: u32,
    /// Accepted invitations by the step they arrive.
    pending: Vec<u64>,
    signed_up_ever: f64,
    flows: Flows,
    totals: Totals,
    capped: bool,
    cohort_conversions: Vec<u32>,
    cohort_departures: Vec<u32>,
}

impl Run<'_> {
    /// Index of (the account's signup month, months since) in the cohort matrices.
    fn cohort_cell(&self, a: &Account) -> usize {
        let k = self.m.steps_per_month;
        let cohort = a.signup_step as u32 / k;
        let age = self.step / k - cohort;
        (cohort * self.m.months + age) as usize
    }

    /// Books an account's departure (the caller drops it).
    fn leave(&mut self, a: &Account) {
        if a.source != source::INITIAL {
            let cell = self.cohort_cell(a);
            self.cohort_departures[cell] += 1;
        }
    }

    /// Draws a new account's traits.
    #[inline(always)]
    fn new_account(&mut self, source: u8) -> Account {
        let m = self.m;
        let s = self.step;
        let z: f64 = if m.usage.is_degenerate() { 0.0 } else { self.rng.sample(StandardNormal) };
        let intensity = m.usage.at(z);
        let will = self.rng.random::<f64>() < m.activation_probability;
        let mut offset = m.window_steps;
        let mut flags = 0;
        if will {
            let z: f64 = if m.time_to_value.is_degenerate() { 0.0 } else { self.rng.sample(StandardNormal) };
            let ttv = m.time_to_value.at(z);
            if ttv < m.window_steps as f64 {
                offset = ttv as u32; // floor: ttv >= 0
                flags = flag::WILL_ACTIVATE;
            }
        }
        Account {
            usage: 0.0,
            intensity: intensity as f32,
            limit: m.usage_limit,
            mrr: 0.0,
            signup_step: s as u16,
            event_step: (s + offset).min(u16::MAX as u32) as u16,
            since_step: s as u16,
            seats: 1,
            invites_sent: 0,
            state: State::SignedUp,
            plan: 0,
            source,
            flags,
        }
    }

    fn activate(&mut self, a: &mut Account) {
        a.state = State::ActiveFree;
        a.flags |= flag::ACTIVATED;
        a.since_step = self.step as u16;
        self.flows.activated += 1;
        self.totals.ever_active += 1;
        if (a.signup_step as u32 + self.m.window_steps) <= self.m.steps {
            self.totals.matured_activated += 1;
        }
    }

    fn convert(&mut self, a: &mut Account) {
        a.state = State::Paid;
        a.plan = 0;
        a.mrr = (self.m.price_per_month * a.seats as f64) as f32;
        a.since_step = self.step as u16;
        self.flows.conversions += 1;
        self.flows.new_mrr += a.mrr as f64;
        self.totals.conversions += 1;
        if a.source != source::INITIAL && a.flags & flag::CONVERTED == 0 {
            self.totals.converted_signups += 1;
            let cell = self.cohort_cell(a);
            self.cohort_conversions[cell] += 1;
        }
        a.flags |= flag::CONVERTED;
        if a.source >= source::CHANNEL {
            self.totals.channel_conversions += 1;
        }
    }

    /// Sends a Poisson number of invitations; accepted ones are queued to
    /// arrive after the cycle time.
    #[inline(always)]
    fn invite(&mut self, a: &mut Account, table: &PoissonTable, bits: u64) {
        let sent = if a.seats == 1 && table.tabulated() {
            table.count(bits)
        } else {
            let lambda = table.lambda * a.seats as f64;
            if lambda > 0.0 { Poisson::new(lambda).map_or(0, |p| self.rng.sample(p) as u32) } else { 0 }
        };
        if sent == 0 {
            return;
        }
        a.invites_sent = a.invites_sent.saturating_add(sent.min(u16::MAX as u32) as u16);
        self.flows.invites_sent += sent as u64;
        let m = self.m;
        for _ in 0..sent {
            let r = self.rng.next_u64();
            if (r >> 32) < m.invite_acceptance {
                let extra = ((r & 0xffff_ffff) < m.invite_delay_extra) as u32;
                let at = (self.step + m.invite_delay + extra) as usize;
                if at < self.pending.len() {
                    self.pending[at] += 1;
                }
                self.flows.invites_accepted += 1;
            }
        }
    }

    // The per-state mechanics. Each returns whether the account stays; an
    // account that changes state sets `a.state` and is moved by `sweep`.

    #[inline(always)]
    fn step_signed_up(&mut self, a: &mut Account) -> bool {
        if a.event_step as u32 != self.step {
            return true;
        }
        if a.flags & flag::WILL_ACTIVATE != 0 {
            self.activate(a);
            true
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
        self.invite(a, &m.invites_active, r & 0xffff_ffff);
        a.usage += a.intensity;
        if a.usage >= a.limit {
            return self.hit_limit(a);
        }
        let u = r >> 32;
        if u < m.free_convert {
            self.convert(a);
        } else if u < m.free_leave {
            self.flows.churned_free += 1;
            self.leave(a);
            return false;
        }
        true
    }

    /// The first limit hit: convert, leave or stay blocked.
    #[cold]
    fn hit_limit(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        self.flows.limit_hits += 1;
        let u = self.rng.next_u64() >> 32;
        if u < m.hit_convert {
            self.convert(a);
        } else if u < m.hit_leave {
            self.flows.churned_free += 1;
            self.leave(a);
            return false;
        } else {
            a.state = State::Blocked;
            a.usage = a.limit;
            a.since_step = self.step as u16;
        }
        true
    }

    #[inline(always)]
    fn step_blocked(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        let r = self.rng.next_u64();
        self.invite(a, &m.invites_blocked, r & 0xffff_ffff);
        let u = r >> 32;
        if u < m.blocked_convert {
            self.convert(a);
        } else if u < m.blocked_leave {
            self.flows.churned_free += 1;
            self.leave(a);
            return false;
        }
        true
    }

    #[inline(always)]
    fn step_paid(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        let r = self.rng.next_u64();
        self.invite(a, &m.invites_active, r & 0xffff_ffff);
        self.totals.paid_at_risk += 1;
        if (r >> 32) < m.paid_churn {
            self.flows.churned_paid += 1;
            self.flows.churned_mrr += a.mrr as f64;
            self.totals.churned_paid += 1;
            self.leave(a);
            return false;
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
                let got =
                    if p >= 1.0 || n == 0 { n } else { Binomial::new(n, p).map_or(0, |b| b.sample(&mut self.acq_rng)) };
                got.min(remaining as u64)
            }
        }
    }

    fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 || !lambda.is_finite() {
            return 0;
        }
        Poisson::new(lambda).map_or(0, |p| p.sample(&mut self.acq_rng) as u64)
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
    let mut r = Run {
        m,
        rng,
        acq_rng,
        step: 0,
        pending: vec![0; (m.steps + m.invite_delay + 2) as usize],
        signed_up_ever: 0.0,
        flows: Flows::default(),
        totals: Totals::default(),
        capped: false,
        cohort_conversions: vec![0; (m.months * m.months) as usize],
        cohort_departures: vec![0; (m.months * m.months) as usize],
    };
    let mut monthly = vec![0.0; m.months as usize * monthly_width];
    let mut channel_signups = vec![0u64; n_channels];
    let pop = &mut ws.pop;
    for v in pop.by_state.iter_mut().chain(pop.moved.iter_mut()) {
        v.clear();
    }
    let mut account_steps = 0u64;

    // Accounts present at the start: activated free accounts part-way to
    // their limit (uniformly), and paying accounts on the entry plan.
    let n_initial = (m.initial_free_accounts + m.initial_paid_accounts) as usize;
    for i in 0..n_initial.min(MAX_LIVE_ACCOUNTS) {
        let mut a = r.new_account(source::INITIAL);
        a.flags = flag::ACTIVATED;
        a.state = State::ActiveFree;
        if a.limit.is_finite() {
            a.usage = a.limit * r.rng.random::<f32>();
        }
        if (i as u64) >= m.initial_free_accounts {
            a.state = State::Paid;
            a.mrr = (m.price_per_month * a.seats as f64) as f32;
        }
        pop.push(a);
    }
    r.totals.ever_active = n_initial as u64;
    r.signed_up_ever = n_initial as f64;
    r.capped = n_initial > MAX_LIVE_ACCOUNTS;

    for step in 0..m.steps {
        r.step = step;
        let t_months = step as f64 / k;

        // 1. Accounts.
        account_steps += pop.len() as u64;
        pop.sweep(State::Paid, &mut r, Run::step_paid);
        pop.sweep(State::Blocked, &mut r, Run::step_blocked);
        pop.sweep(State::ActiveFree, &mut r, Run::step_free);
        pop.sweep(State::SignedUp, &mut r, Run::step_signed_up);
        pop.settle();

        // 2. Arrivals.
        let mut arrivals: Vec<(u8, u64)> = Vec::with_capacity(2 + n_channels);
        let organic_lambda = m.organic_signups_per_month * libm::pow(1.0 + m.organic_growth_per_month, t_months) / k;
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
            channel_signups[ci] += n;
            arrivals.push((source::CHANNEL + ci as u8, n));
        }
        let invited = std::mem::take(&mut r.pending[step as usize]);
        let invited = r.market_filter(invited);
        r.signed_up_ever += invited as f64;
        arrivals.push((source::INVITE, invited));

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
                    r.totals.viral_signups += n;
                }
                _ => r.flows.signups_paid += n,
            }
            r.totals.signups += n;
            for _ in 0..n {
                let mut a = r.new_account(src);
                if a.signup_step as u32 + m.window_steps <= m.steps {
                    r.totals.matured_signups += 1;
                }
                if a.event_step as u32 == step && a.flags & flag::WILL_ACTIVATE != 0 {
                    r.activate(&mut a);
                }
                pop.push(a);
            }
        }

        // 3. Books.
        let mut count = [0u64; STATES];
        let mut seats = [0u64; STATES];
        for (i, v) in pop.by_state.iter().enumerate() {
            count[i] = v.len() as u64;
            seats[i] = v.iter().map(|a| a.seats as u64).sum();
        }
        let mrr: f64 = pop.by_state[State::Paid as usize].iter().map(|a| a.mrr as f64).sum();
        let free_seats =
            seats[State::SignedUp as usize] + seats[State::ActiveFree as usize] + seats[State::Blocked as usize];
        let paid_seats = seats[State::Paid as usize];
        r.flows.revenue += mrr / k;
        r.flows.cost_free += free_seats as f64 * m.serve_free_seat_per_step;
        r.flows.cost_paid += paid_seats as f64 * m.serve_paid_seat_per_step;

        if (step + 1) % m.steps_per_month == 0 {
            let month = (step / m.steps_per_month) as usize;
            let row = &mut monthly[month * monthly_width..(month + 1) * monthly_width];
            let f = std::mem::take(&mut r.flows);
            let signups = f.signups_organic + f.signups_paid + f.signups_invite;
            let cost = f.cost_free + f.cost_paid;
            let paid = count[State::Paid as usize];
            let set = |row: &mut [f64], m: Monthly, x: f64| row[m as usize] = x;
            set(row, Monthly::SignupsTotal, signups as f64);
            set(row, Monthly::SignupsOrganic, f.signups_organic as f64);
            set(row, Monthly::SignupsPaid, f.signups_paid as f64);
            set(row, Monthly::SignupsInvite, f.signups_invite as f64);
            set(row, Monthly::Activated, f.activated as f64);
            set(row, Monthly::Abandoned, f.abandoned as f64);
            set(row, Monthly::SignedUp, count[State::SignedUp as usize] as f64);
            set(row, Monthly::ActiveFree, count[State::ActiveFree as usize] as f64);
            set(row, Monthly::Blocked, count[State::Blocked as usize] as f64);
            set(row, Monthly::PaidAccounts, paid as f64);
            set(row, Monthly::LimitHits, f.limit_hits as f64);
            set(row, Monthly::Conversions, f.conversions as f64);
            set(row, Monthly::ChurnedFree, f.churned_free as f64);
            set(row, Monthly::ChurnedPaid, f.churned_paid as f64);
            set(row, Monthly::InvitesSent, f.invites_sent as f64);
            set(row, Monthly::InvitesAccepted, f.invites_accepted as f64);
            set(row, Monthly::Mrr, mrr);
            set(row, Monthly::Arr, 12.0 * mrr);
            set(row, Monthly::NewMrr, f.new_mrr);
            set(row, Monthly::ChurnedMrr, f.churned_mrr);
            set(row, Monthly::NetNewMrr, f.new_mrr - f.churned_mrr);
            set(row, Monthly::Revenue, f.revenue);
            set(row, Monthly::MarketingSpend, f.marketing_spend);
            set(row, Monthly::CostToServeFree, f.cost_free);
            set(row, Monthly::CostToServePaid, f.cost_paid);
            set(row, Monthly::CostToServe, cost);
            set(row, Monthly::CashFlow, f.revenue - cost - f.marketing_spend);
            for (ci, n) in channel_signups.iter_mut().enumerate() {
                row[Monthly::COUNT + ci] = std::mem::take(n) as f64;
            }
            let t = &mut r.totals;
            t.revenue += f.revenue;
            t.cost_paid += f.cost_paid;
            t.cost_free += f.cost_free;
            t.marketing_spend += f.marketing_spend;
            t.mrr_month_ends += mrr;
            t.paid_month_ends += paid as f64;
        }
    }

    let last = (m.months as usize - 1) * monthly_width;
    let mrr_final = monthly[last + Monthly::Mrr as usize];
    let paid_final = monthly[last + Monthly::PaidAccounts as usize];
    let horizon = horizon_metrics(&r.totals, mrr_final, paid_final, m.steps_per_month);
    RunOutput {
        run,
        monthly,
        horizon,
        account_steps,
        capped: r.capped,
        cohort_conversions: r.cohort_conversions,
        cohort_departures: r.cohort_departures,
    }
}

fn horizon_metrics(t: &Totals, mrr_final: f64, paid_final: f64, steps_per_month: u32) -> Vec<Option<f64>> {
    let mut h = vec![None; Horizon::COUNT];
    let mut set = |m: Horizon, x: Option<f64>| h[m as usize] = x;
    // Per-step hazard -> monthly rate: 1 - (1 - h)^k.
    let churn_step = ratio(t.churned_paid as f64, t.paid_at_risk as f64);
    let churn = churn_step.map(|c| 1.0 - libm::pow(1.0 - c, steps_per_month as f64));
    let arpa = ratio(t.mrr_month_ends, t.paid_month_ends);
    let margin = ratio(t.revenue - t.cost_paid, t.revenue);
    let cac = ratio(t.marketing_spend, t.conversions as f64);
    let ltv = match (arpa, margin, churn) {
        (Some(a), Some(g), Some(c)) => ratio(a * g, c),
        _ => None,
    };
    set(Horizon::MrrFinal, Some(mrr_final));
    set(Horizon::ArrFinal, Some(12.0 * mrr_final));
    set(Horizon::PaidAccountsFinal, Some(paid_final));
    set(Horizon::SignupsTotal, Some(t.signups as f64));
    set(Horizon::ActivationRate, ratio(t.matured_activated as f64, t.matured_signups as f64));
    set(Horizon::FreeToPaidConversion, ratio(t.converted_signups as f64, t.signups as f64));
    set(Horizon::KFactor, ratio(t.viral_signups as f64, t.ever_active as f64));
    set(Horizon::RevenueTotal, Some(t.revenue));
    set(Horizon::PaidChurnMonthly, churn);
    set(Horizon::Arpa, arpa);
    set(Horizon::GrossMargin, margin);
    set(Horizon::CacBlended, cac);
    set(Horizon::CacPaid, ratio(t.marketing_spend, t.channel_conversions as f64));
    set(Horizon::Ltv, ltv);
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
    h
}
