//! The mechanics of an account in a step, by state: one `step_*` function
//! per state and what they call (activation, trials, conversion, payments,
//! repricing, limit hits, PQLs and sales, invitations and seats, churn).
//! Each step function returns whether the account stays; an account that
//! changes state sets `a.state` and is moved by `Population::sweep`.
//!
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
//! Counts beyond [`EXACT_TRIALS`] trials (invitations sent, seats that may
//! leave) are single binomial draws, so an account's step costs a bounded
//! number of draws.

use rand::{Rng, RngExt};

use super::account::{Account, MAX_SEATS, State, flag, reached, source};
use super::books::{TTV_SHIFT, WITHIN_MONTHS};
use super::model::{Delay, PoissonTable, Risks, TrialAfter, TrialStart, threshold};
use super::run::Run;
use crate::sampling;

/// 32 random bits as the low half of a u64.
const LOW: u64 = 0xffff_ffff;

/// Up to this many trials (invitations sent, seats that may leave), a count
/// is drawn trial by trial; beyond it, by one binomial draw. Either way the
/// cost of an account's step is bounded, whatever its seats and invitations.
const EXACT_TRIALS: u64 = 32;

impl Run<'_> {
    /// A bernoulli draw from 32 fresh bits.
    #[inline(always)]
    pub(super) fn chance(&mut self, threshold: u64) -> bool {
        threshold > 0 && (self.rng.next_u64() >> 32) < threshold
    }

    /// Activation; returns whether the account stays (it leaves if it
    /// declines a card-required trial with no free plan to stay on).
    pub(super) fn activate(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        a.flags |= flag::ACTIVATED;
        self.flows.activated += 1;
        self.reach(a, 0, reached::ACTIVATED);
        if (a.signup_step as u32 + m.window_steps) <= m.steps {
            // Among the signups whose window closes within the horizon (the
            // others' long times to value are cut off): the activation rate,
            // and the time to value, from the share of the window kept
            // while signed up.
            self.totals.matured_activated += 1;
            self.ttv_days[(a.since_step >> TTV_SHIFT) as usize] += 1;
        }
        a.since_step = self.step as u16;
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
            self.end_free_life(a, false);
            self.leave(a);
            return false;
        }
        true
    }

    /// Offers the trial; returns false when the account leaves instead (a
    /// card was required, it declined, and there is no free plan to stay on).
    pub(super) fn maybe_start_trial(&mut self, a: &mut Account) -> bool {
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
    pub(super) fn trial_end(&self, a: &Account) -> u32 {
        let t = self.m.trial.as_ref().expect("trial accounts exist only with a trial");
        let start = if t.start == TrialStart::Signup { a.signup_step } else { a.since_step };
        start as u32 + t.steps
    }

    /// Makes `a` a paying account on `plan`.
    pub(super) fn convert(&mut self, a: &mut Account, plan: u8) {
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
        a.event_step = 0; // no tenure before this
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
        if a.flags & flag::CONVERTED == 0 {
            self.reach(a, m.before_paying(), reached::PAYING);
        }
        self.end_free_life(a, true);
        a.flags |= flag::CONVERTED;
        self.pay(a);
    }

    /// A payment of the account's billing period (a month, or a year for
    /// annual billing), with the card fees.
    pub(super) fn pay(&mut self, a: &Account) {
        let months = if a.flags & flag::ANNUAL != 0 { 12.0 } else { 1.0 };
        let amount = a.mrr_cents as f64 * (0.01 * months);
        self.flows.cash_in += amount;
        if amount > 0.0 {
            self.flows.payment_fees += amount * self.m.payment_fee_rate + self.m.payment_fee_fixed;
        }
    }

    /// Changes a paying account's MRR, booking expansion or contraction.
    pub(super) fn reprice(&mut self, a: &mut Account) {
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

    pub(super) fn upgrade_to(&mut self, a: &mut Account, plan: u8) {
        a.plan = plan;
        self.flows.upgrades += 1;
        self.reprice(a);
    }

    /// Free account goes dormant; returns whether it stays in memory.
    pub(super) fn go_dormant(&mut self, a: &mut Account) -> bool {
        self.flows.churned_free += 1;
        self.totals.active_exits += 1;
        self.end_free_life(a, false);
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
    pub(super) fn churn_paid(&mut self, a: &mut Account, involuntary: bool) -> bool {
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

    /// Whether an account's signals make it a PQL.
    pub(super) fn qualifies_as_pql(&self, a: &Account) -> bool {
        let Some(q) = &self.m.pql else { return false };
        let signals = [
            q.on_limit_hit.then_some(a.flags & flag::HIT != 0),
            q.min_seats.map(|n| a.seats >= n),
            q.min_invites_sent.map(|n| a.invites_sent >= n),
            q.min_usage.map(|u| a.usage >= u),
        ];
        let mut named = signals.iter().flatten();
        if q.all { named.all(|x| *x) } else { named.any(|x| *x) }
    }

    /// Marks an account a PQL when its signals say so.
    #[inline(always)]
    pub(super) fn check_pql(&mut self, a: &mut Account) {
        if self.m.pql.is_none() || a.flags & flag::PQL != 0 {
            return;
        }
        if self.qualifies_as_pql(a) {
            a.flags |= flag::PQL;
            self.flows.pqls += 1;
            self.totals.pqls += 1;
            if a.state != State::Paid {
                self.totals.free_pqls += 1;
                self.reach(a, self.m.before_pql(), reached::PQL);
            }
        }
    }

    /// The sales team's choice of the PQLs it contacts in a state's sweep,
    /// at its start (`docs/scenario.md`, "Sales"): of the `E` accounts of
    /// `accounts` waiting (uncontacted PQLs; paying ones on a plan below the
    /// sales plan), a uniformly random `K = min(budget left, E)` are marked
    /// [`reached::SALES_SELECTED`], by selection sampling (Knuth's algorithm
    /// S: each waiting account in order is selected with probability
    /// `K left / E left`, one exact uniform draw each, none when all are
    /// selected). Returns whether any was selected.
    pub(super) fn select_for_sales(&mut self, accounts: &mut [Account]) -> bool {
        let Some(s) = &self.m.sales else { return false };
        if self.sales_budget == 0 {
            return false;
        }
        let plan = s.plan;
        let waiting = |a: &Account| {
            a.flags & (flag::PQL | flag::CONTACTED) == flag::PQL && (a.state != State::Paid || a.plan < plan)
        };
        let mut left = accounts.iter().filter(|a| waiting(a)).count() as u64;
        let mut k = left.min(self.sales_budget);
        if k == 0 {
            return false;
        }
        for a in accounts.iter_mut() {
            if k == 0 {
                break;
            }
            if !waiting(a) {
                continue;
            }
            if k >= left || self.rng.random_range(0..left) < k {
                a.reached |= reached::SALES_SELECTED;
                k -= 1;
            }
            left -= 1;
        }
        true
    }

    /// Sales contacts a PQL it selected at the start of the state's sweep
    /// ([`Run::select_for_sales`]), spending a unit of the month's budget; a
    /// won deal converts a free account to the sales plan or upgrades a
    /// paying account on a lower tier. Returns whether the account changed
    /// state.
    #[inline(always)]
    pub(super) fn sales_contact(&mut self, a: &mut Account) -> bool {
        let Some(s) = &self.m.sales else { return false };
        if a.reached & reached::SALES_SELECTED == 0 {
            return false;
        }
        a.reached &= !reached::SALES_SELECTED;
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
    pub(super) fn invite(&mut self, a: &mut Account, table: &PoissonTable, bits: u64) -> u32 {
        let sent = if a.seats == 1 && table.tabulated() {
            table.count(bits)
        } else {
            let lambda = table.lambda * a.seats as f64;
            sampling::poisson(lambda, &mut self.rng).min(u32::MAX as u64) as u32
        };
        if sent == 0 {
            return 0;
        }
        self.invite_slow(a, sent, self.m.invite_delay)
    }

    #[cold]
    pub(super) fn invite_slow(&mut self, a: &mut Account, sent: u32, delay: Delay) -> u32 {
        let m = self.m;
        a.invites_sent = a.invites_sent.saturating_add(sent.min(u16::MAX as u32) as u16);
        self.flows.invites_sent += sent as u64;
        if sent <= EXACT_TRIALS as u32 {
            return self.invite_each(a, sent, delay);
        }
        // In aggregate: accepted ~ Binomial(sent, acceptance), internal ~
        // Binomial(accepted, internal share), new ~ Binomial(external, share
        // of the market not signed up), one step late ~ Binomial(new, extra).
        let accepted = self.successes(sent as u64, m.invite_acceptance);
        self.flows.invites_accepted += accepted;
        let internal = self.successes(accepted, m.internal_share);
        let new = self.successes(accepted - internal, self.new_to_market);
        if new > 0 {
            let late = self.successes(new, delay.extra);
            let at = (self.step + delay.steps) as usize;
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
    pub(super) fn invite_each(&mut self, a: &mut Account, sent: u32, delay: Delay) -> u32 {
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
            let at = (self.step + delay.steps + ((r & LOW) < delay.extra) as u32) as usize;
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
    pub(super) fn credit_referrals(&mut self, a: &mut Account, n: u64) {
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
    pub(super) fn successes(&mut self, n: u64, threshold: u64) -> u64 {
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
    pub(super) fn add_seats(&mut self, a: &mut Account, n: u32) -> bool {
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
                        let stays = self.hit_limit(a, 0.5);
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
    pub(super) fn seat_churn(&mut self, a: &mut Account) {
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

    /// The first limit hit of a free account (usage or seats), a fraction
    /// `tau` into the step (a seat limit: 1/2, the seats arrive during the
    /// step): convert, leave or stay blocked. Returns whether the account
    /// stays.
    #[cold]
    pub(super) fn hit_limit(&mut self, a: &mut Account, tau: f64) -> bool {
        let m = self.m;
        self.flows.limit_hits += 1;
        a.flags |= flag::HIT;
        self.reach(a, reached::ACTIVATED, reached::LIMIT_HIT);
        if a.flags & flag::PQL != 0 {
            // A PQL by another signal before its limit hit, while free.
            self.reach(a, m.before_pql(), reached::PQL);
        }
        self.check_pql(a);
        let early = a.flags & flag::ACTIVATED == 0;
        let u = self.rng.next_u64() >> 32;
        let (convert, leave) = if early {
            (m.hit_convert_early, m.hit_leave_early)
        } else if m.value_buildup_steps > 0.0 {
            if u >= m.hit_leave {
                // Stays blocked whatever the value built up: the build-up
                // only scales the conversion share down, so the thresholds
                // below are at most `hit_leave` (`threshold` is monotone).
                // The same outcome as computing them, without the `exp`.
                (0, 0)
            } else {
                // Willingness to pay at the wall grows with the value the
                // account has had since its activation (`since_step` while
                // active free: it has been active since the end of that
                // step; an initial account, since its age before the run, in
                // `event_step`).
                let before = if a.source == source::INITIAL { a.event_step as f64 + 1.0 } else { 0.0 };
                let t = (self.step as f64 - a.since_step as f64 - 1.0 + tau + before).max(0.0);
                let built = 1.0 - libm::exp(-t / m.value_buildup_steps);
                let c = m.hit_convert_share * built;
                (threshold(c), threshold(c + m.hit_churn_share))
            }
        } else {
            (m.hit_convert, m.hit_leave)
        };
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
    pub(super) fn step_signed_up(&mut self, a: &mut Account) -> bool {
        if a.flags & flag::HIT == 0 {
            a.usage += a.intensity;
            if a.usage >= a.limit {
                let stays = self.hit_limit(a, 1.0);
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
    pub(super) fn step_free(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        let r = self.rng.next_u64();
        let u = r >> 32;
        let before = a.usage;
        a.usage += a.intensity;
        if a.usage >= a.limit {
            return self.free_step_with_hit(a, r, before);
        }
        // An account that leaves during the step shared for part of it.
        let leaving = u >= m.free.first && u < m.free.either;
        let table = if leaving { &m.invites_free_leaving } else { &m.invites_active };
        let internal = self.invite(a, table, r & LOW);
        if m.pql.is_some() {
            self.check_pql(a);
            if self.sales_contact(a) {
                return true;
            }
        }
        if u < m.free.first {
            self.convert(a, m.entry_plan);
        } else if leaving {
            return self.go_dormant(a);
        }
        self.seat_changes(a, internal)
    }

    /// The step of an active free account in which its usage reaches the
    /// free limit, a fraction `tau` into the step: the free plan's risks
    /// (conversion, departure) over `tau`; then the limit hit; a blocked
    /// account then has the blocked risks over the rest of the step.
    /// Invitations follow the time spent at each rate.
    #[cold]
    pub(super) fn free_step_with_hit(&mut self, a: &mut Account, r: u64, before: f32) -> bool {
        let m = self.m;
        let u = r >> 32;
        let tau = if a.intensity > 0.0 { ((a.limit - before) / a.intensity).clamp(0.0, 1.0) as f64 } else { 1.0 };
        let rate = m.invites_active.lambda * a.seats as f64;
        let pre = Risks::new(m.free_hazards.0, m.free_hazards.1, tau);
        if u < pre.first {
            // Converted before reaching the limit: it shares all step long.
            let internal = self.invite_mean(a, rate);
            self.convert(a, m.entry_plan);
            return self.seat_changes(a, internal);
        }
        if u < pre.either {
            self.invite_mean(a, rate * pre.lived);
            return self.go_dormant(a);
        }
        let stays = self.hit_limit(a, tau);
        match a.state {
            _ if !stays => {
                self.invite_mean(a, rate * tau);
                false
            }
            State::Paid => {
                let internal = self.invite_mean(a, rate);
                self.seat_changes(a, internal)
            }
            State::Blocked => {
                // Blocked for the rest of the step (internal invitations of
                // a blocked account bring no seats).
                let rest = 1.0 - tau;
                let post = Risks::new(m.blocked_hazards.0, m.blocked_hazards.1, rest);
                let v = self.rng.next_u64() >> 32;
                let leaving = v >= post.first && v < post.either;
                let blocked_time = if leaving { post.lived } else { rest };
                self.invite_mean(a, rate * (tau + m.blocked_sharing * blocked_time));
                if a.state != State::Blocked {
                    return true; // a referral bonus lifted the block
                }
                if v < post.first {
                    self.convert(a, m.entry_plan);
                } else if leaving {
                    return self.go_dormant(a);
                }
                true
            }
            _ => true,
        }
    }

    /// Sends a Poisson number of invitations of mean `mean` (see
    /// [`Run::invite`]); returns the accepted internal ones.
    pub(super) fn invite_mean(&mut self, a: &mut Account, mean: f64) -> u32 {
        let sent = sampling::poisson(mean, &mut self.rng).min(u32::MAX as u64) as u32;
        if sent == 0 { 0 } else { self.invite_slow(a, sent, self.m.invite_delay) }
    }

    /// `invites.pattern = "once"`: the invitations an account sends when it
    /// joins, `invite_once` of them (the fraction as one more with that
    /// probability), their signups `once_delay` after its joining (`delay`:
    /// from the end of this step, or from the start for an initial
    /// account). Accepted internal ones add seats (none while not yet
    /// activated or blocked; a seat over the free seat limit is a limit
    /// hit). Returns whether the account stays.
    pub(super) fn send_once(&mut self, a: &mut Account, delay: Delay) -> bool {
        let x = self.m.invite_once;
        let whole = x.floor();
        let sent = whole as u32 + self.chance(threshold(x - whole)) as u32;
        self.totals.once_senders += 1;
        if sent == 0 {
            return true;
        }
        let caused = self.totals.viral_caused;
        let internal = self.invite_slow(a, sent, delay);
        self.totals.once_caused += self.totals.viral_caused - caused;
        if internal > 0 { self.add_seats(a, internal) } else { true }
    }

    /// Internal invitations and seat churn, at the end of an account's step.
    #[inline(always)]
    pub(super) fn seat_changes(&mut self, a: &mut Account, internal: u32) -> bool {
        if a.seats > 1 && self.m.seat_churn > 0 {
            self.seat_churn(a);
        }
        if internal > 0 { self.add_seats(a, internal) } else { true }
    }

    #[inline(always)]
    pub(super) fn step_blocked(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        let r = self.rng.next_u64();
        let u = r >> 32;
        let leaving = u >= m.blocked.first && u < m.blocked.either;
        let table = if leaving { &m.invites_blocked_leaving } else { &m.invites_blocked };
        // A blocked account adds no seats: accepted internal invitations bring none.
        self.invite(a, table, r & LOW);
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
        if u < m.blocked.first {
            self.convert(a, m.entry_plan);
        } else if leaving {
            return self.go_dormant(a);
        }
        if a.seats > 1 && m.seat_churn > 0 {
            self.seat_churn(a);
        }
        true
    }

    pub(super) fn step_trial(&mut self, a: &mut Account) -> bool {
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
    pub(super) fn go_dormant_from_trial(&mut self, a: &mut Account) -> bool {
        self.flows.churned_free += 1;
        self.totals.active_exits += 1;
        self.end_free_life(a, false);
        self.leave(a);
        false
    }

    #[inline(always)]
    pub(super) fn step_paid(&mut self, a: &mut Account) -> bool {
        let m = self.m;
        let r = self.rng.next_u64();
        self.totals.paid_at_risk += 1;
        // Whole months since it started paying, whether this step is a
        // monthly anniversary, by table lookup (a division by the steps per
        // month is slow here); an initial account's tenure before the run
        // is kept in `event_step`.
        let tenure = (self.step - a.since_step as u32) as usize;
        let t = m.tenure[tenure.min(m.tenure.len() - 1)];
        if t.anniversary {
            // The end of a period paid for: a cancellation takes effect now
            // (each month when billed monthly, at the renewal when billed
            // annually); otherwise the next period is billed, and the
            // payment may fail and not be recovered.
            let months = t.months + a.event_step as u32;
            let annual = a.flags & flag::ANNUAL != 0;
            let plan = &m.plans[a.plan as usize];
            let renewal = !annual || months.is_multiple_of(12);
            // (An initial account is at a renewal at the start.)
            if renewal && (t.months > 0 || a.event_step > 0) {
                let churn = if annual {
                    let year = (months / 12) as usize;
                    plan.annual_churn_by_year[(year - 1).min(plan.annual_churn_by_year.len() - 1)]
                } else {
                    plan.churn_by_tenure[((months - 1) as usize).min(plan.churn_by_tenure.len() - 1)]
                };
                if (r >> 32) < churn {
                    return self.churn_paid(a, false);
                }
            }
            if renewal {
                if self.chance(m.payment_failure) && !self.chance(m.payment_recovery) {
                    return self.churn_paid(a, true);
                }
                self.pay(a);
            }
        }
        let internal = self.invite(a, &m.invites_active, r & LOW);
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
        self.seat_changes(a, internal)
    }

    pub(super) fn step_dormant(&mut self, a: &mut Account) -> bool {
        if self.chance(self.m.reactivation) {
            self.flows.reactivated_free += 1;
            self.come_back(a);
            a.state = if a.usage >= a.limit { State::Blocked } else { State::ActiveFree };
            a.since_step = self.step as u16;
        }
        true
    }

    pub(super) fn step_lapsed(&mut self, a: &mut Account) -> bool {
        if self.chance(self.m.win_back) {
            self.flows.won_back += 1;
            self.come_back(a);
            if a.source != source::INITIAL {
                let month = self.month() as usize;
                self.customers_by_conversion_month[month] += 1;
            }
            a.state = State::Paid;
            a.since_step = self.step as u16;
            a.event_step = 0;
            a.mrr_cents = self.m.plans[a.plan as usize].mrr_cents(a.seats, a.flags & flag::ANNUAL != 0);
            self.cohort_mrr(a, a.mrr_cents as i64);
            self.flows.reactivation_mrr += a.mrr_cents as u64;
            self.pay(a);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::run::testing::{MINIMAL, account, model, run};
    use super::*;

    #[test]
    fn a_first_conversion_is_booked_once_and_the_account_pays() {
        let m = model(MINIMAL);
        let mut r = run(&m);
        r.step = 2;
        let mut a = account(State::ActiveFree, 0);
        r.convert(&mut a, 0);
        assert_eq!((a.state, a.mrr_cents, a.since_step), (State::Paid, 1000, 2));
        assert_eq!((r.flows.conversions, r.flows.new_mrr, r.flows.cash_in), (1, 1000, 10.0));
        assert_eq!(r.totals.converted_signups, 1);
        assert_eq!(r.cohort_conversions.iter().sum::<u32>(), 1);
        assert_eq!(r.mrr_by_conversion_month.iter().sum::<i64>(), 1000);
        // It churns, is won back and converts again: a conversion, not a new customer of its cohort.
        assert!(!r.churn_paid(&mut a, false) || a.state == State::Lapsed);
        assert_eq!((r.flows.churned_mrr, r.totals.churned_paid), (1000, 1));
        assert_eq!(r.mrr_by_conversion_month.iter().sum::<i64>(), 0);
        assert_eq!(r.cohort_departures.iter().sum::<i32>(), 1);
        let mut b = a;
        b.state = State::ActiveFree;
        r.convert(&mut b, 0);
        assert_eq!((r.flows.conversions, r.totals.converted_signups), (2, 1));
        assert_eq!(r.cohort_conversions.iter().sum::<u32>(), 1);
    }

    #[test]
    fn successes_are_all_or_none_at_the_extremes_trial_by_trial_or_in_aggregate() {
        let m = model(MINIMAL);
        let mut r = run(&m);
        for n in [0, 1, EXACT_TRIALS, EXACT_TRIALS + 1, 1_000_000] {
            assert_eq!(r.successes(n, 0), 0);
            assert_eq!(r.successes(n, 1 << 32), n);
        }
        let half = r.successes(1_000_000, 1 << 31);
        assert!((half as i64 - 500_000).abs() < 5_000, "{half}");
    }

    #[test]
    fn seats_stop_at_the_free_seat_limit_with_one_limit_hit() {
        let m = model(&format!("{MINIMAL}[free]\nseat_limit = 3\n[limit_hit]\nconvert = 0\nchurn = 0\n"));
        let mut r = run(&m);
        let mut a = account(State::ActiveFree, 0);
        a.flags = flag::ACTIVATED;
        assert!(r.add_seats(&mut a, 10));
        assert_eq!((a.seats, r.flows.seats_added, r.flows.limit_hits), (3, 2, 1));
        assert_eq!(a.state, State::Blocked);
        assert!(r.add_seats(&mut a, 10), "a blocked account adds no seats");
        assert_eq!((a.seats, r.flows.limit_hits), (3, 1));
    }
}
