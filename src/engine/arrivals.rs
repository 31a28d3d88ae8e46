//! Arrivals: the accounts present at the start and the new accounts of each
//! step, from organic discovery, each paid channel, and the invitations and
//! exposures whose cycle time ends now, in that order.
//!
//! In a finite market each would-be signup is new with probability (market
//! not yet signed up) / (market size): organic and channel signups are
//! thinned when they arrive, an invitation when it is accepted (so the
//! inviter can be credited a referral; `mechanics.rs`), an exposure when it
//! is sent (`books.rs`); both are then only capped by what is left of the
//! market. A new account's signup step only decides its activation and its
//! trial; its other mechanics start the step after.

use rand::{Rng, RngExt};

use super::account::{Account, MAX_LIVE_ACCOUNTS, State, flag, source};
use super::books::WITHIN_MONTHS;
use super::model::{Delay, PRIOR_MONTHS, TrialStart};
use super::population::Population;
use super::run::Run;
use crate::sampling;

impl Run<'_> {
    /// Draws a new account's traits.
    #[inline(always)]
    pub(super) fn new_account(&mut self, source: u8) -> Account {
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
                // It activates `ttv` steps after its signup, during the step
                // that contains that time: the signup step plus floor(ttv),
                // or one more with probability frac(ttv) (the signup time is
                // uniform within its step).
                let whole = ttv.floor();
                let later = (self.rng.next_u64() >> 32) < super::model::threshold(ttv - whole);
                offset = (whole as u32 + later as u32).min(m.window_steps - 1);
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
            reached: 0,
        }
    }

    /// Accounts present at the start, as if the business had been running
    /// steadily: activated free accounts (active or blocked) and paying
    /// accounts on the entry plan, each drawn from the steady state of an
    /// account's life under the scenario (`docs/scenario.md`, `[initial]`),
    /// so that a business at its steady size has no first-month transient.
    pub(super) fn initial_accounts(&mut self, pop: &mut Population) {
        let m = self.m;
        let n_initial = (m.initial_free_accounts + m.initial_paid_accounts) as usize;
        for i in 0..n_initial.min(MAX_LIVE_ACCOUNTS) {
            let mut a = self.new_account(source::INITIAL);
            a.flags = flag::ACTIVATED;
            a.state = State::ActiveFree;
            a.since_step = 0;
            a.event_step = 0;
            if (i as u64) >= m.initial_free_accounts {
                let p = &m.plans[m.entry_plan as usize];
                a.state = State::Paid;
                a.plan = m.entry_plan;
                a.flags |= flag::CONVERTED;
                if self.chance(p.annual) {
                    a.flags |= flag::ANNUAL;
                }
                a.mrr_cents = p.mrr_cents(a.seats, a.flags & flag::ANNUAL != 0);
                if p.usage_limit.is_finite() {
                    a.usage = p.usage_limit * self.rng.random::<f32>();
                }
                // The months it has paid for: it is at a renewal now.
                let u = self.rng.next_u64() >> 32;
                a.event_step = (1 + m.prior_tenure.partition_point(|&c| c <= u)).min(PRIOR_MONTHS as usize) as u16;
            } else {
                self.steady_free(&mut a);
            }
            // Sent once: the initial accounts are a launch's seed users,
            // who join at the start and send theirs then.
            if m.invite_once > 0.0 && !self.send_once(&mut a, m.once_delay.sent_at_start()) {
                continue;
            }
            pop.push(a);
        }
        self.signed_up_ever = n_initial as f64;
        self.capped = n_initial > MAX_LIVE_ACCOUNTS;
        self.update_market_share();
    }

    /// An initial free account's usage intensity and age since activation,
    /// drawn from the steady state of a free account's life: an activated
    /// account is active free until its usage reaches the limit (at
    /// limit / intensity), with the free plan's hazards, then, if it stays
    /// blocked at the hit, blocked with the blocked hazards. With a steady
    /// inflow, the ages of those still free have the density of that
    /// survival, drawn here by rejection from an exponential of the smaller
    /// hazard, in whole steps: arrivals join at the end of their step, so a
    /// running business's free accounts are whole steps old at each step's
    /// end. Sets its state, usage, limit-hit and PQL flags, invitations
    /// sent (as a history, not as signups) and age (`event_step`, in steps,
    /// for its value build-up).
    pub(super) fn steady_free(&mut self, a: &mut Account) {
        let m = self.m;
        let hf = m.free_hazards.0 + m.free_hazards.1;
        let hb = m.blocked_hazards.0 + m.blocked_hazards.1;
        if !hf.is_finite() {
            return;
        }
        let limited = m.usage_limit.is_finite();
        let rate = if limited { hf.min(hb) } else { hf };
        // With no hazard at all, ages up to the longest tenure kept.
        let rate = if rate > 0.0 { rate } else { 1.0 / (PRIOR_MONTHS as f64 * m.steps_per_month as f64) };
        let uniform = |r: &mut Self| ((r.rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let (mut intensity, mut age, mut hit_at) = (a.intensity as f64, 0.0, f64::INFINITY);
        for _ in 0..1000 {
            intensity = m.usage.sample(&mut self.rng);
            // Whole steps: an account that joined at the end of the step
            // `n` steps before the start has lived `n` steps of the run's
            // mechanics (the floor of an exponential is geometric).
            age = (-libm::log(uniform(self)) / rate).floor();
            hit_at = if limited && intensity > 0.0 { m.usage_limit as f64 / intensity } else { f64::INFINITY };
            let weight = if age < hit_at {
                libm::exp(-(hf - rate) * age)
            } else {
                let built =
                    if m.value_buildup_steps > 0.0 { -libm::expm1(-hit_at / m.value_buildup_steps) } else { 1.0 };
                let blocked = (1.0 - m.hit_convert_share * built - m.hit_churn_share).max(0.0);
                libm::exp(-(hf - rate) * hit_at) * blocked * libm::exp(-(hb - rate) * (age - hit_at))
            };
            if uniform(self) < weight {
                break;
            }
        }
        a.intensity = intensity as f32;
        let active = age.min(hit_at);
        a.usage = (intensity * active) as f32;
        let mut invites = m.invites_active.lambda * active;
        if age >= hit_at {
            a.state = State::Blocked;
            a.flags |= flag::HIT;
            a.usage = a.limit;
            invites += m.invites_blocked.lambda * (age - hit_at);
        }
        a.event_step = age.min(u16::MAX as f64) as u16;
        if invites > 0.0 {
            a.invites_sent = sampling::poisson(invites, &mut self.rng).min(u16::MAX as u64) as u16;
        }
        if self.qualifies_as_pql(a) {
            a.flags |= flag::PQL;
        }
    }

    /// The would-be arrivals of the step by source (organic, each paid
    /// channel, invitations, exposures), thinned by the market, with the
    /// month's marketing spend booked: the acquisition stream's draws of a
    /// step, shared by both engines.
    pub(super) fn arrival_counts(&mut self, t_months: f64) -> Vec<(u8, u64)> {
        let m = self.m;
        let step = self.step;
        let k = m.steps_per_month as f64;
        let mut arrivals: Vec<(u8, u64)> = Vec::with_capacity(3 + m.channels.len());
        let organic_lambda = m.organic_rate_at(t_months) / k;
        let mut organic = self.poisson(organic_lambda);
        organic = self.market_filter(organic);
        if let Some(size) = m.market_size {
            let remaining = (size - self.signed_up_ever - organic as f64).max(0.0);
            let extra = self.poisson(remaining * m.organic_share_per_step);
            organic += extra.min(remaining as u64);
        }
        self.signed_up_ever += organic as f64;
        arrivals.push((source::ORGANIC, organic));
        for (ci, ch) in m.channels.iter().enumerate() {
            let spend = ch.spend_at(t_months);
            self.flows.marketing_spend += spend / k;
            let n = self.poisson(ch.signups_for(spend) / k);
            let n = self.market_filter(n);
            self.signed_up_ever += n as f64;
            arrivals.push((source::CHANNEL + ci as u8, n));
        }
        let invited = std::mem::take(&mut self.pending_invites[step as usize]);
        let invited = self.market_cap(invited);
        self.signed_up_ever += invited as f64;
        arrivals.push((source::INVITE, invited));
        let exposed = std::mem::take(&mut self.pending_exposure[step as usize]);
        let exposed = self.market_cap(exposed);
        self.signed_up_ever += exposed as f64;
        arrivals.push((source::EXPOSURE, exposed));

        arrivals
    }

    /// Phase 2 of a step: the step's arrivals join the population (counted
    /// in the month's signups, by source, and per channel in
    /// `channel_signups`), up to [`MAX_LIVE_ACCOUNTS`].
    pub(super) fn arrive(&mut self, pop: &mut Population, t_months: f64, channel_signups: &mut [u64]) {
        let m = self.m;
        let step = self.step;
        let mut arrivals = self.arrival_counts(t_months);
        let mut next = 0;
        while next < arrivals.len() {
            let (src, n) = arrivals[next];
            next += 1;
            let room = MAX_LIVE_ACCOUNTS.saturating_sub(pop.len()) as u64;
            if n > room {
                self.capped = true;
            }
            let n = n.min(room);
            match src {
                source::ORGANIC => self.flows.signups_organic += n,
                source::INVITE => {
                    self.flows.signups_invite += n;
                }
                source::EXPOSURE => {
                    self.flows.signups_exposure += n;
                }
                _ => {
                    self.flows.signups_paid += n;
                    channel_signups[(src - source::CHANNEL) as usize] += n;
                }
            }
            self.totals.signups += n;
            for _ in 0..n {
                let mut a = self.new_account(src);
                if a.signup_step as u32 + m.window_steps <= m.steps {
                    self.totals.matured_signups += 1;
                }
                for (i, w) in WITHIN_MONTHS.iter().enumerate() {
                    if step + w * m.steps_per_month < m.steps {
                        self.totals.eligible_within[i] += 1;
                    }
                }
                let mut stays = true;
                if let Some(t) = &m.trial
                    && t.start == TrialStart::Signup
                {
                    stays = self.maybe_start_trial(&mut a);
                    if a.state == State::Trial {
                        a.plan = t.plan;
                    }
                }
                if !stays {
                    self.flows.abandoned += 1;
                    self.leave(&a);
                    continue;
                }
                if a.event_step as u32 == step && a.flags & flag::WILL_ACTIVATE != 0 && !self.activate(&mut a) {
                    continue;
                }
                if m.invite_once > 0.0 && !self.send_once(&mut a, m.once_delay) {
                    continue;
                }
                self.tally(&a);
                pop.push(a);
            }
            if next == arrivals.len() && m.invite_once > 0.0 {
                // Invitations sent once by this step's arrivals whose
                // invitees join at the end of this same step (a cycle under
                // a step): they arrive now, after them.
                let more = std::mem::take(&mut self.pending_invites[step as usize]);
                if more > 0 {
                    let more = self.market_cap(more);
                    self.signed_up_ever += more as f64;
                    arrivals.push((source::INVITE, more));
                }
            }
        }
        self.update_market_share();
    }

    /// Would-be signups that are new to the market: thins `n` by the share
    /// of the market not yet signed up.
    pub(super) fn market_filter(&mut self, n: u64) -> u64 {
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
    pub(super) fn market_filter_pending(&mut self, n: u64) -> u64 {
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
    pub(super) fn market_cap(&self, n: u64) -> u64 {
        match self.m.market_size {
            None => n,
            Some(size) => n.min((size - self.signed_up_ever).max(0.0) as u64),
        }
    }

    pub(super) fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 || !lambda.is_finite() {
            return 0;
        }
        sampling::poisson(lambda, &mut self.acq_rng)
    }

    /// Queues `n` signups `delay` after this step.
    pub(super) fn schedule(&mut self, n: u64, delay: Delay, exposure: bool) {
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

    pub(super) fn update_market_share(&mut self) {
        self.new_to_market = match self.m.market_size {
            None => 1 << 32,
            Some(size) => super::model::threshold(((size - self.signed_up_ever) / size).clamp(0.0, 1.0)),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::super::run::testing::{MINIMAL, model, run};
    use super::*;

    #[test]
    fn an_arrival_in_a_finite_market_is_counted_once() {
        let text = format!(
            "{MINIMAL}[market]\nsize = 500\n[acquisition.organic]\nsignups_per_month = 200\n\
             share_of_remaining_market_per_month = 0.3\n[[acquisition.channels]]\nname = \"ads\"\n\
             spend_per_month = 1000\ncost_per_signup = 10\n"
        );
        let m = model(&text);
        let mut r = run(&m);
        let mut pop = Population::default();
        let mut channel = vec![0u64];
        r.initial_accounts(&mut pop);
        for step in 0..m.steps {
            r.step = step;
            // Accepted invitations arriving now (already checked against the
            // market when accepted): only capped by what is left of it.
            r.pending_invites[step as usize] += 40;
            r.arrive(&mut pop, step as f64, &mut channel);
            let signups = r.flows.signups_organic + r.flows.signups_paid + r.flows.signups_invite;
            assert_eq!(signups, r.totals.signups);
            assert_eq!(r.signed_up_ever, r.totals.signups as f64);
            assert_eq!(pop.len() as u64, r.totals.signups, "no account leaves here");
            assert!(r.totals.signups <= 500);
            assert_eq!(channel[0], r.flows.signups_paid);
        }
        assert_eq!(r.totals.signups, 500, "the market is used up");
        assert!(r.flows.signups_invite > 0 && r.flows.signups_paid > 0);
        assert_eq!(r.new_to_market, 0);
    }

    #[test]
    fn initial_accounts_are_activated_free_then_paying_on_the_entry_plan() {
        let m = model(&format!("{MINIMAL}[initial]\nfree_accounts = 3\npaid_accounts = 2\n"));
        let mut r = run(&m);
        let mut pop = Population::default();
        r.initial_accounts(&mut pop);
        assert_eq!(pop.of(State::ActiveFree).len(), 3);
        assert_eq!(pop.of(State::Paid).len(), 2);
        assert!(pop.of(State::Paid).iter().all(|a| a.mrr_cents == 1000 && a.source == source::INITIAL));
        assert_eq!(r.signed_up_ever, 5.0);
        assert_eq!(r.totals.signups, 0, "initial accounts are not signups");
    }
}
