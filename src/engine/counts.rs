//! The count engine: a run whose cost does not grow with the number of
//! accounts (issue 14).
//!
//! The population is a list of *groups*: an account record ([`Account`])
//! that stands for `n` identical accounts. A group is stepped by the same
//! mechanics as an account (`mechanics.rs`), with every per-account
//! Bernoulli draw replaced by one binomial draw over the group (k of n
//! convert, leave, hit a limit, churn, ...), which splits the group into the
//! k that changed and the n - k that did not. At the end of each step the
//! groups of a state that have become identical (every field of the record
//! equal) are merged, so the number of groups is bounded by states x
//! signup cohorts x buckets, whatever the population.
//!
//! - **Buckets.** The lognormal usage intensity matters only through the
//!   step at which the usage reaches the free limit (its hit age) and the
//!   fraction of that step: a group that has not hit is *lazy*, its
//!   members' hit ages i.i.d. from the exact distribution given its usage
//!   age, and those that hit at a step are one binomial draw ([`CountModel`]);
//!   within a hit age the intensity is one of [`tau_buckets`] buckets. Every
//!   hit age is exact; the limit-hit time of a bucket is known in advance.
//!   Without a free usage limit the intensity is not used.
//!   The time to value is not bucketed: the activation step offset (0 ..
//!   window - 1, or none within the window) is one multinomial draw at
//!   arrival with the exact probabilities of the account engine's rule
//!   (`floor(ttv)` plus one with probability `frac(ttv)`, below the window),
//!   from the lognormal's partial moments ([`TtvModel`]); the time-to-value
//!   histogram is kept by offset and resolved at the end of the run (see
//!   [`TtvModel::median_bin`]).
//! - **Sums over a group** (invitations sent) are pooled for the whole
//!   population: by thinning, an account's invitations are four
//!   independent Poisson streams (rejected, internal, external already in
//!   the product, external new), and a sum of independent Poisson counts is
//!   a Poisson count of the summed mean, so a step draws four; a group
//!   whose members need a stream's count (seats) draws that stream itself
//!   and the pooled draw covers the rest (`StepSums`); a group whose
//!   members' counts sent can still make PQLs draws all of its own
//!   (`Run::send_counted`).
//! - **Individuals.** A group with n = 1 is an individual account, stepped
//!   by the same code: the initial accounts are drawn one by one by the
//!   account engine's own code (their continuous traits kept exactly), and
//!   merge with others only where the traits that differ are not used by
//!   the scenario (e.g. the intensity without a usage limit). This is how
//!   the two representations exchange accounts exactly.
//! - **Trials.** A binomial share of a group starts the trial (at signup or
//!   at activation); a group on a trial ends it all at once (its end step
//!   is in its record), the activated converting by one binomial draw. The
//!   account engine checks no limit during a trial: a lazy group's usage
//!   age keeps growing and those whose hit age passes become concrete
//!   groups over their limit, which hit it at the start of their first step
//!   back on the free plan (as an account does).
//! - **Seats.** A group whose members can gain seats from internal
//!   invitations draws its own internal stream (an account's accepted
//!   internal invitations are Poisson, independent of its others): it is
//!   split by that count and by its seat churn (Binomial(seats - 1, churn)
//!   each), exactly, and each sub-group follows the account engine's
//!   `add_seats` (see the impl block of [`Run::split_internal`]), in the
//!   account engine's order within the step: a converting account adds its
//!   seats as a paying account after its seat churn, a departing or
//!   blocked one adds none (a blocked one keeps its seat churn).
//!   Invitations sent once at joining add seats to the arrivals active at
//!   once or on a trial ([`Run::send_once_groups_n`]). Initial accounts
//!   are drawn by the account engine's code, seats from their invitations
//!   sent once included.
//! - **Tier usage limits.** With upgrades at a tier's usage limit
//!   ([`tiered`]), a paying group carries the law of its members' usage
//!   ([`UsageLaw`], interned per run in [`UsageLaws`], its id in the
//!   record's `intensity` bits): the intensity lognormal restricted to a
//!   range (a lazy group's `[0, L / A)` at usage age `A`, a concrete
//!   hitter's exact tau range, an individual's own point) and the usage as
//!   `base + I (t - base_step)` (it goes on from what it was at the
//!   conversion: from 0 at signup, or from the free limit once blocked).
//!   Each step the members of an uncapped group that reach the limit now
//!   are one binomial count, of the chance of the lognormal given that
//!   they had not by the step before (the range that implies is not
//!   stored: the record does not change); they are capped, and the capped
//!   upgrade with one binomial count a step, their law moving to the next
//!   plan with its range made explicit, as at a sales or seat upgrade. A
//!   lapsed group's usage is frozen until it is won back. Exact; so that
//!   their laws can be made, free, blocked and trial records keep their
//!   intensities (no merging of hit ages once blocked or over the limit on
//!   a trial, except where no tier's limit can be reached before the run
//!   ends, where no law is kept: devtool at 10^7 signups a month holds
//!   about 30,000 groups on monthly steps, 139,000 on weekly, against
//!   12,000 and 50,000 without its upgrades). Dormant free accounts past
//!   the free limit that come back keep the usage they left with, which
//!   their merged groups do not know: refused with tiers.
//! - **Canonical records.** Fields a state does not read are reset
//!   ([`canonical`]) so that groups that will behave alike merge.
//! - **PQL signals.** A group's members are alike in what the simulated
//!   signals read (the limit-hit flag, seats, invitations sent), so a PQL
//!   check marks all of them or none, at the points of the account engine
//!   (`Run::check_pql`: at a limit hit, and in the free, blocked, trial and
//!   paying steps before the sales contact), with the funnel's PQL stage.
//!   The PQL and contacted flags (and the limit hit, while it may still
//!   make a PQL) are kept once paying. Invitations sent
//!   (`pql.min_invites_sent = n`): while a group's members are not PQLs
//!   and may still become ones, its record keeps their count up to `n`
//!   ([`invite_threshold`]; reset otherwise, so groups merge), and a step's
//!   invitations split the group by each member's count, Poisson, exactly
//!   (with the internal ones where seats need them: see the impl block of
//!   [`Run::send_counted`]); those counts are the step's invitations in the
//!   books. The check follows the account engine's order: in the free and
//!   blocked steps after the invitations, whose rate the competing-risks
//!   draw chose (so that draw comes first, its outcome after the check), at
//!   a limit hit reached during the step before them; invitations sent once
//!   at joining add theirs at arrival. A group not yet a PQL at the start
//!   of a state's sweep has no member selected for sales, so its split
//!   never meets a contact. Exact. Signals by usage (`pql.min_usage`: a
//!   lazy group does not know its members' usage) are refused.
//! - **Sales.** The month's contacts are reset at its first step, as in
//!   `run.rs`. Which PQLs are contacted is a rule of the model, followed by
//!   both engines (`docs/scenario.md`, "Sales"): at the start of each
//!   state's sweep (active free, blocked, trial, paying, the account
//!   engine's order), `K = min(budget, E)` of the state's `E` waiting PQLs
//!   (uncontacted; paying: on a plan below the sales plan) are selected
//!   uniformly at random. Here one multivariate hypergeometric draw over the
//!   groups ([`Run::select_for_sales_n`], [`hypergeometric`]) splits `K`;
//!   a group's selected members are a uniformly random subset of
//!   exchangeable members, so they become their own group (marked
//!   `reached::SALES_SELECTED`, transient), stepped by the same code as the
//!   rest. At its contact point (the account engine's: after its
//!   invitations and PQL check, before the outcome of its competing-risks
//!   draw) a selected group waits ([`Run::defer_contact_n`]) until the
//!   state's groups are all stepped, then all its members are contacted
//!   ([`Run::contact_pending_n`]), one binomial count of them won
//!   (converted to the sales plan, their step over; or upgraded to it,
//!   `upgrade_to_n`), and every part goes on with the rest of its step (the
//!   won free and blocked with the invitations their draw chose). Waiting
//!   changes nothing: with the choice made at the start of the sweep, each
//!   group's contact depends on no other group's. Selected members whose
//!   step ends before the contact point are not contacted and spend
//!   nothing (the selection lapses); a group flagged a PQL in the step is
//!   not selected in it. Exact.
//!
//! Every draw is a binomial (`sampling::binomial_fast`), Poisson or beta
//! variate of `crate::sampling` (inversion or BTRS / PTRS, `libm` arithmetic: exact for small counts, the
//! same on every platform), from the run's process stream; acquisition
//! counts come from the acquisition stream as in the account engine, so
//! what-if variants share their random numbers in the same way.
//!
//! Mechanics the count engine does not simulate are refused
//! ([`refusals`]): `auto` falls back to the account engine for them, and
//! `scenario.engine = "counts"` is a validation error.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasherDefault, Hasher};

use super::account::{ALL_STATES, Account, MAX_SEATS, STATES, State, flag, reached, source};
use super::books::{TTV_SHIFT, WITHIN_MONTHS, horizon_figures, mean_over_step, opening_row_of};
use super::model::{Risks, RunModel, TrialAfter, TrialStart};
use super::population::Population;
use super::run::{Run, RunOutput};
use crate::rng::SimRng;
use crate::sampling;
use crate::scenario::{Dist, ParamId, Scenario};

/// Buckets of the time to value for its median (see [`TtvModel`]).
pub const TTV_BUCKETS: usize = 64;

/// The most accounts a run of the count engine holds (its `capped` limit):
/// 2^53, below which every count is exact in the `f64` month rows.
pub const MAX_LIVE_COUNTS: u64 = 1 << 53;

/// Initial accounts are drawn one by one (their traits are continuous);
/// above this many the count engine refuses the scenario.
pub const MAX_INITIAL_INDIVIDUAL: f64 = 1e7;

const P32: f64 = 4_294_967_296.0;

fn prob(threshold: u64) -> f64 {
    threshold as f64 / P32
}

/// The probability that an account offered the trial starts it
/// (`Run::maybe_start_trial`: it starts, and gives a card if one is asked).
fn trial_start_probability(t: &super::model::Trial) -> f64 {
    let card = if t.card_required { 1.0 - prob(t.card_dropoff) } else { 1.0 };
    prob(t.start_share) * card
}

/// What the count engine does not simulate in `s`: each entry names the
/// mechanic and its key. Empty when it simulates every mechanic the
/// scenario uses. A parameter counts as used unless it is fixed at 0.
pub fn refusals(s: &Scenario) -> Vec<String> {
    let m = &s.model;
    let may = |id: ParamId| !matches!(s.params[id.0].dist, Dist::Fixed(x) if x == 0.0);
    let value_max = |id: ParamId| match s.params[id.0].dist {
        Dist::Fixed(x) => x,
        _ => f64::INFINITY,
    };
    let mut out = Vec::new();
    if let Some(q) = &m.pql {
        // A lazy group does not know its members' usage.
        if q.min_usage.is_some() {
            out.push("PQL signals by usage (pql.min_usage)".to_string());
        }
    }
    let invites = may(m.invites.per_active_seat_per_month) || (m.invites.once && may(m.invites.per_new_account));
    if invites && may(m.referral.limit_bonus) {
        out.push("referral bonuses (referral.limit_bonus)".to_string());
    }
    let tiers = m.plans.len() > 1
        && may(m.paid.upgrade_per_month)
        && m.plans[..m.plans.len() - 1].iter().any(|p| p.usage_limit.is_some());
    if tiers && m.free.usage_limit.is_some() && may(m.free.reactivation_per_month) {
        // A dormant account past the free limit keeps the usage it left with,
        // which its merged group does not know (`UsageLaws::converted`).
        out.push(
            "upgrades at a tier's usage limit with dormant free accounts that come back \
             (plans.usage_limit and paid.upgrade_per_month with free.usage_limit and free.reactivation_per_month)"
                .to_string(),
        );
    }
    if value_max(m.initial_free_accounts) + value_max(m.initial_paid_accounts) > MAX_INITIAL_INDIVIDUAL {
        out.push(format!("more than {MAX_INITIAL_INDIVIDUAL:.0e} initial accounts (they are drawn one by one)"));
    }
    out
}

/// The parts of a split of a group: one part without a heap allocation
/// (the common case), else a vector's.
enum Parts<T> {
    One(Option<T>),
    Many(std::vec::IntoIter<T>),
}

impl<T> Iterator for Parts<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            Parts::One(x) => x.take(),
            Parts::Many(it) => it.next(),
        }
    }
}

/// The classes of a split of a group by a per-member count, `(count,
/// members)`.
type Classes = Parts<(u32, u64)>;

/// A group: `n` accounts identical to `a`.
#[derive(Debug, Clone, Copy)]
struct Group {
    a: Account,
    n: u64,
}

/// A multiply-rotate hash of a record's key (as FxHash): deterministic
/// and cheap; the map only indexes the groups of a state.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

/// Every field of a record, packed: groups with the same key merge.
type Key = (u64, u64, u64, u64);

fn key(a: &Account) -> Key {
    (
        a.usage.to_bits() as u64 | (a.intensity.to_bits() as u64) << 32,
        a.limit.to_bits() as u64 | (a.mrr_cents as u64) << 32,
        a.signup_step as u64 | (a.event_step as u64) << 16 | (a.since_step as u64) << 32 | (a.seats as u64) << 48,
        a.invites_sent as u64
            | (a.state as u64) << 16
            | (a.plan as u64) << 24
            | (a.source as u64) << 32
            | (a.flags as u64) << 40
            | (a.reached as u64) << 48,
    )
}

/// The threshold of `pql.min_invites_sent` while the invitations `a` has
/// sent can still make it a PQL: the signal is named, `a` is not a PQL yet
/// and may still become one (a paying or lapsed account never hits a free
/// limit again, so with `combine = "all"` and `on_limit_hit` one that has
/// not hit cannot). Only the count up to the threshold is read
/// (`Run::qualifies_as_pql`: `invites_sent >= n`).
fn invite_threshold(a: &Account, m: &RunModel) -> Option<u16> {
    let q = m.pql.as_ref()?;
    let n = q.min_invites_sent?;
    let hopeless =
        q.all && q.on_limit_hit && a.flags & flag::HIT == 0 && matches!(a.state, State::Paid | State::Lapsed);
    (a.flags & flag::PQL == 0 && !hopeless).then_some(n)
}

/// Resets the fields the record's state does not read (in the mechanics
/// the count engine simulates), so that groups that behave alike merge:
/// invitations sent beyond the PQL threshold, and all of them once they
/// can no longer make a PQL ([`invite_threshold`]); the intensity and usage
/// without a free usage limit, and once blocked (kept with tier usage
/// limits, whose paying laws are made from them); the activation step
/// without a value build-up; the exact signup step of a paying account (its
/// month is what its cohort cells read); the source other than initial
/// after the first conversion (channel conversions are counted then); a
/// paying account's free-life flags, except, with PQL signals, the PQL
/// flag (a PQL is counted once), the limit hit of one not yet a PQL and
/// the contact of one on a plan below the sales plan.
fn canonical(a: &mut Account, m: &RunModel) {
    let limited = m.usage_limit.is_finite();
    // With tier usage limits the usage and intensity are kept (the law of
    // a paying account, `UsageLaws`, is made from them).
    let tiers = tiered(m);
    // The value build-up is read at a first limit hit, of usage or seats.
    let buildup = m.has_free_limit() && m.value_buildup_steps > 0.0;
    a.invites_sent = invite_threshold(a, m).map_or(0, |n| a.invites_sent.min(n));
    // A sales selection lapses at the end of the step.
    a.reached &= !reached::SALES_SELECTED;
    if !limited && !tiers {
        a.usage = 0.0;
        a.intensity = 0.0;
    }
    match a.state {
        State::SignedUp => {}
        State::ActiveFree => {
            if !buildup {
                a.since_step = 0;
            }
            if !buildup || a.source != source::INITIAL {
                a.event_step = 0;
            }
        }
        State::Blocked => {
            // Blocked at the usage limit, the intensity is read no more (it
            // comes back blocked); blocked by seats below it (lazy or not),
            // the usage resumes if it comes back active free.
            if a.intensity != LAZY && a.usage >= a.limit && !tiers {
                a.intensity = 0.0;
            }
            a.since_step = 0;
            a.event_step = 0;
        }
        State::Dormant => {
            a.since_step = 0;
            if a.intensity != LAZY && a.usage >= a.limit && !tiers {
                a.intensity = 0.0;
            }
            if !buildup || a.source != source::INITIAL {
                a.event_step = 0;
            }
        }
        State::Paid | State::Lapsed => {
            // Read no more once paying (a lapsed account comes back paying,
            // never free): the funnel stages, the free-life flags.
            a.reached = 0;
            let mut keep = flag::ANNUAL | flag::BASE | flag::CONVERTED;
            if let Some(q) = &m.pql {
                // A PQL is counted once; an account that hit a free limit
                // may still become one (`all` with seats to come); a
                // contacted one on a plan below the sales plan is not
                // contacted again.
                keep |= flag::PQL;
                if q.on_limit_hit && a.flags & flag::PQL == 0 {
                    keep |= flag::HIT;
                }
                if m.sales.as_ref().is_some_and(|s| a.plan < s.plan) {
                    keep |= flag::CONTACTED;
                }
            }
            a.flags &= keep;
            a.usage = 0.0;
            if !tiers {
                a.intensity = 0.0;
            }
            a.signup_step = (m.tenure[a.signup_step as usize].months * m.steps_per_month) as u16;
            if a.source != source::INITIAL {
                a.source = source::ORGANIC;
            }
            if a.state == State::Lapsed {
                a.since_step = 0;
                a.mrr_cents = 0;
                a.limit = m.usage_limit;
            }
        }
        State::Trial => {
            // Over the free limit (passed during the trial, where no limit
            // is checked): back on the free plan it hits it at the start of
            // its first step whatever its intensity and usage (the fraction
            // of the step is 0; signed up, the hit is at the step's end), so
            // those of every hit age merge.
            // (With tier usage limits the intensity's range is kept for the
            // law once paying.)
            if limited && !tiers && a.intensity != LAZY && a.limit > 0.0 && a.usage >= a.limit {
                a.usage = a.limit;
                a.intensity = a.limit;
            }
        }
    }
}

/// The position of each record among a state's groups.
type GroupIndex = HashMap<Key, usize, BuildHasherDefault<KeyHasher>>;

/// The groups of a run, one vector per state, merged at the end of each step.
#[derive(Debug, Default)]
struct Groups {
    by_state: [Vec<Group>; STATES],
    /// Groups that changed state this step (and arrivals), by new state.
    moved: [Vec<Group>; STATES],
    /// By state, the index of each record in `by_state`, kept from step to
    /// step for the states whose records do not change in place (blocked,
    /// paying, dormant, lapsed: a group there only loses accounts).
    index: [GroupIndex; STATES],
    indexed: [bool; STATES],
}

/// States whose records are not changed in place by a step.
fn stable(s: usize) -> bool {
    s == State::Blocked as usize
        || s == State::Paid as usize
        || s == State::Dormant as usize
        || s == State::Lapsed as usize
}

impl Groups {
    fn push(&mut self, g: Group) {
        if g.n > 0 {
            self.moved[g.a.state as usize].push(g);
        }
    }

    fn counts(&self) -> [u64; STATES] {
        std::array::from_fn(|s| self.by_state[s].iter().map(|g| g.n).sum())
    }

    fn total(&self) -> u64 {
        self.by_state.iter().flatten().map(|g| g.n).sum()
    }

    fn len(&self) -> usize {
        self.by_state.iter().map(|v| v.iter().filter(|g| g.n > 0).count()).sum()
    }

    /// Puts the moved groups in their state's vector, merged with the
    /// identical records there, in first-occurrence order (deterministic).
    /// Groups stepped in place stay distinct (the same update applies to
    /// all of a state), so only the moved ones need a look-up; emptied
    /// groups are dropped, or kept for a while in the states indexed from
    /// step to step.
    fn settle(&mut self, m: &RunModel) {
        for s in 0..STATES {
            let v = &mut self.by_state[s];
            let zeros = v.iter().filter(|g| g.n == 0).count();
            if stable(s) {
                if zeros > 64 && 2 * zeros > v.len() {
                    v.retain(|g| g.n > 0);
                    self.indexed[s] = false;
                }
                if self.moved[s].is_empty() {
                    continue;
                }
                let index = &mut self.index[s];
                if !self.indexed[s] {
                    index.clear();
                    for (i, g) in v.iter().enumerate() {
                        index.insert(key(&g.a), i);
                    }
                    self.indexed[s] = true;
                }
                let mut len = v.len();
                for g in self.moved[s].drain(..) {
                    merge_into(v, &mut len, index, g, m);
                }
                continue;
            }
            if self.moved[s].is_empty() {
                if zeros > 0 {
                    v.retain(|g| g.n > 0);
                }
                continue;
            }
            // In place: the records kept are moved down over the emptied
            // and merged ones (the order of first occurrence), then the
            // moved ones are looked up.
            let index = &mut self.index[s];
            index.clear();
            let mut kept = 0;
            for i in 0..v.len() {
                let g = v[i];
                if g.n > 0 {
                    merge_into(v, &mut kept, index, g, m);
                }
            }
            v.truncate(kept);
            for g in self.moved[s].drain(..) {
                if g.n > 0 {
                    merge_into(v, &mut kept, index, g, m);
                }
            }
        }
    }
}

/// Merges `g`, made canonical, into the first `len` groups of `v` (indexed
/// by `index`): added to the group of its record, or written at `len` (over
/// a group already merged, or pushed), which then grows by one.
fn merge_into(v: &mut Vec<Group>, len: &mut usize, index: &mut GroupIndex, mut g: Group, m: &RunModel) {
    canonical(&mut g.a, m);
    match index.entry(key(&g.a)) {
        Entry::Occupied(e) => v[*e.get()].n += g.n,
        Entry::Vacant(e) => {
            e.insert(*len);
            if *len < v.len() {
                v[*len] = g;
            } else {
                v.push(g);
            }
            *len += 1;
        }
    }
}

/// The standard normal CDF, `erfc(-x / sqrt 2) / 2` in `libm`.
fn phi(x: f64) -> f64 {
    0.5 * libm::erfc(-x / core::f64::consts::SQRT_2)
}

/// The time to value of a run, for the count engine: the exact
/// probabilities of each activation step offset, and what its median needs.
///
/// An account that will activate has a lognormal time to value `t` (steps,
/// median `med`, log-sd `s`); below the window `W` it activates `floor(t)`
/// steps after its signup step, or one more with probability `frac(t)`, at
/// most `W - 1`. So P(offset = o) = E[(1 - frac t) 1{floor t = o}] + E[frac t
/// 1{floor t = o - 1}], from the lognormal's CDF and partial first moment
/// on unit intervals: with `F(x) = Phi((ln x - mu) / s)` and `G(x) = e^(mu +
/// s^2/2) Phi((ln x - mu - s^2) / s)`, `E[t 1{a < t < b}] = G(b) - G(a)`.
///
/// The median time to value: the histogram of the account engine has 4,096
/// bins over the window. Here the matured activations are counted by
/// offset; at the end of the run those of each offset are spread over
/// [`TTV_BUCKETS`] equal-probability buckets of `t < W` by one multinomial
/// draw with the probabilities P(bucket | offset) (the same integrals on
/// the bucket's range), the bucket holding the median rank is found, and
/// the median within it is the order statistic of that rank among the
/// bucket's count: a beta variate in the bucket's share of the quantiles.
#[derive(Debug, Clone)]
struct TtvModel {
    /// P(offset = o | will activate), o = 0 .. W - 1 (the rest: not within the window).
    offset: Vec<f64>,
    /// P(bucket q | offset o), `[o][q]`.
    bucket_given_offset: Vec<Vec<f64>>,
    /// F(W): the share of times to value below the window.
    below: f64,
    mu: f64,
    s: f64,
    median: f64,
}

impl TtvModel {
    fn new(median: f64, s: f64, window: u32) -> TtvModel {
        let w = window as f64;
        let degenerate = !(median > 0.0 && s > 0.0);
        let mu = if median > 0.0 { libm::log(median) } else { f64::NEG_INFINITY };
        // CDF and partial first moment (for a degenerate t = median: a step).
        let cdf = |x: f64| -> f64 {
            if x <= 0.0 {
                0.0
            } else if degenerate {
                if median < x { 1.0 } else { 0.0 }
            } else {
                phi((libm::log(x) - mu) / s)
            }
        };
        let moment = |x: f64| -> f64 {
            if x <= 0.0 {
                0.0
            } else if degenerate {
                if median < x { median } else { 0.0 }
            } else {
                libm::exp(mu + s * s / 2.0) * phi((libm::log(x) - mu - s * s) / s)
            }
        };
        // Mass of offset o on the t-range [a, b): (1 - frac t) on [o, o+1),
        // frac t on [o-1, o); the last offset takes all of [W-1, W).
        let mass = |o: usize, a: f64, b: f64| -> f64 {
            let mut total = 0.0;
            let of = o as f64;
            // frac t on [o - 1, o): E[t - (o - 1)]
            if o >= 1 {
                let (lo, hi) = (a.max(of - 1.0), b.min(of));
                if hi > lo {
                    total += (moment(hi) - moment(lo)) - (of - 1.0) * (cdf(hi) - cdf(lo));
                }
            }
            if o + 1 == window as usize {
                let (lo, hi) = (a.max(of), b.min(w));
                if hi > lo {
                    total += cdf(hi) - cdf(lo);
                }
            } else {
                // 1 - frac t on [o, o + 1): E[(o + 1) - t]
                let (lo, hi) = (a.max(of), b.min(of + 1.0));
                if hi > lo {
                    total += (of + 1.0) * (cdf(hi) - cdf(lo)) - (moment(hi) - moment(lo));
                }
            }
            total.max(0.0)
        };
        let below = cdf(w);
        let offset: Vec<f64> = (0..window as usize).map(|o| mass(o, 0.0, w)).collect();
        let quantile =
            |p: f64| -> f64 { if degenerate { median } else { libm::exp(mu + s * sampling::normal_quantile(p)) } };
        let ends: Vec<f64> = (0..=TTV_BUCKETS)
            .map(|q| match q {
                0 => 0.0,
                q if q == TTV_BUCKETS => w,
                q => quantile(below * q as f64 / TTV_BUCKETS as f64).min(w),
            })
            .collect();
        let bucket_given_offset = (0..window as usize)
            .map(|o| {
                let row: Vec<f64> = (0..TTV_BUCKETS).map(|q| mass(o, ends[q], ends[q + 1])).collect();
                let sum: f64 = row.iter().sum();
                if sum > 0.0 {
                    row.iter().map(|x| x / sum).collect()
                } else {
                    vec![1.0 / TTV_BUCKETS as f64; TTV_BUCKETS]
                }
            })
            .collect();
        TtvModel { offset, bucket_given_offset, below, mu, s, median }
    }

    /// The bin of the account engine's histogram (`ttv * share_per_step`,
    /// top 12 bits) that holds the median time to value of the matured
    /// activations counted by offset, or `None` when there are none.
    fn median_bin(&self, by_offset: &[u64], share_per_step: f64, rng: &mut SimRng) -> Option<usize> {
        let mut by_bucket = vec![0u64; TTV_BUCKETS];
        for (o, &n) in by_offset.iter().enumerate() {
            if n > 0 {
                let counts = multinomial(n, &self.bucket_given_offset[o], rng);
                for (b, c) in by_bucket.iter_mut().zip(counts) {
                    *b += c;
                }
            }
        }
        let total: u64 = by_bucket.iter().sum();
        if total == 0 {
            return None;
        }
        // The account engine's median: the first value whose running count
        // reaches half (rank ceil(total / 2)).
        let rank = total.div_ceil(2);
        let mut seen = 0;
        for (q, &c) in by_bucket.iter().enumerate() {
            if seen + c >= rank {
                let r = (rank - seen) as f64;
                // The r-th smallest of c uniforms: Beta(r, c - r + 1).
                let u = if c == 1 { sampling::open01(rng) } else { sampling::beta(r, c as f64 - r + 1.0, rng) };
                let p = self.below * (q as f64 + u) / TTV_BUCKETS as f64;
                let t = if self.s > 0.0 && self.median > 0.0 {
                    libm::exp(self.mu + self.s * sampling::normal_quantile(p))
                } else {
                    self.median
                };
                let share = (t * share_per_step) as u16;
                return Some((share >> TTV_SHIFT) as usize);
            }
            seen += c;
        }
        None
    }
}

/// A hypergeometric draw: how many of `good` marked items are among
/// `draws` drawn without replacement from `total`. By inversion over the
/// support's terms within 10^-20 of the mode's probability (the rest
/// cannot be drawn in f64 arithmetic's resolution of the uniform), from
/// the exact ratios of successive probabilities, so at most about 20
/// standard deviations (at most `sqrt(draws)`) of terms: the cost grows
/// with the square root of the sales budget, never with the population.
fn hypergeometric(total: u64, good: u64, draws: u64, rng: &mut SimRng) -> u64 {
    if draws == 0 || good == 0 {
        return 0;
    }
    if good >= total {
        return draws;
    }
    if draws >= total {
        return good;
    }
    let bad = total - good;
    let lo = draws.saturating_sub(bad);
    let hi = good.min(draws);
    if lo == hi {
        return lo;
    }
    let (g, b, d) = (good as f64, bad as f64, draws as f64);
    let mode = (((d + 1.0) * (g + 1.0) / (total as f64 + 2.0)).floor() as u64).clamp(lo, hi);
    // P(k + 1) / P(k).
    let up = |k: u64| {
        let k = k as f64;
        (g - k) * (d - k) / ((k + 1.0) * (b - d + k + 1.0))
    };
    const TINY: f64 = 1e-20;
    let mut below = Vec::new();
    let (mut k, mut w) = (mode, 1.0f64);
    while k > lo {
        w /= up(k - 1);
        if w < TINY {
            break;
        }
        k -= 1;
        below.push(w);
    }
    let first = k;
    let mut weights: Vec<f64> = below.into_iter().rev().collect();
    weights.push(1.0);
    let (mut k, mut w) = (mode, 1.0f64);
    while k < hi {
        w *= up(k);
        if w < TINY {
            break;
        }
        k += 1;
        weights.push(w);
    }
    let total_weight: f64 = weights.iter().sum();
    let mut u = sampling::open01(rng) * total_weight;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return first + i as u64;
        }
        u -= w;
    }
    first + weights.len() as u64 - 1
}

/// A multinomial draw of `n` over the probabilities `p` (summing to 1, or
/// less: the rest is dropped), by conditional binomials.
fn multinomial(n: u64, p: &[f64], rng: &mut SimRng) -> Vec<u64> {
    let mut out = vec![0u64; p.len()];
    let mut left = n;
    let mut rest = 1.0f64;
    for (i, &pi) in p.iter().enumerate() {
        if left == 0 {
            break;
        }
        let k = if pi >= rest { left } else { sampling::binomial_fast(left, (pi / rest).clamp(0.0, 1.0), rng) };
        out[i] = k;
        left -= k;
        rest -= pi;
        if rest <= 0.0 {
            break;
        }
    }
    out
}

/// Splits `n` accounts by a per-account count `X` whose law is `pmf` (`pmf(k)`
/// = P(X = k), called for k = 0, 1, ... in turn), at most `max`: the
/// number with each value, by conditional binomials `n_k ~ Bin(rest, p_k /
/// P(X >= k))`, k increasing until no account is left, the last possible
/// value taking the rest. Exact (no truncation): the multinomial split of
/// the group over the whole law, at the cost of one draw per value reached.
/// Returns (k, n_k) for the values with accounts.
fn split_by_law(n: u64, max: u64, mut pmf: impl FnMut(u64) -> f64, rng: &mut SimRng) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let (mut rest, mut tail, mut k) = (n, 1.0f64, 0u64);
    while rest > 0 {
        let p = pmf(k);
        let c = if k >= max || p >= tail || tail <= 0.0 {
            rest
        } else {
            sampling::binomial_fast(rest, (p / tail).clamp(0.0, 1.0), rng)
        };
        if c > 0 {
            out.push((k, c));
            rest -= c;
        }
        tail -= p;
        k += 1;
    }
    out
}

/// P(X = k) for X ~ Poisson(`mean`), in logs (no underflow at large means).
fn poisson_pmf(mean: f64, k: u64) -> f64 {
    let k = k as f64;
    libm::exp(-mean + k * libm::log(mean) - libm::lgamma(k + 1.0))
}

/// P(X = k) for X ~ Binomial(`n`, `p`), 0 < p < 1, in logs.
fn binomial_pmf(n: u64, p: f64, k: u64) -> f64 {
    let (n, k) = (n as f64, k as f64);
    libm::exp(
        libm::lgamma(n + 1.0) - libm::lgamma(k + 1.0) - libm::lgamma(n - k + 1.0)
            + k * libm::log(p)
            + (n - k) * libm::log1p(-p),
    )
}

/// Equal-probability ranges of the intensity within one hit age, for the
/// fraction `tau` of the step at which the usage reaches the limit. Each
/// range is placed at its mean `tau`, exact for what is linear in `tau`
/// (the risks before and after the wall, nearly so); the value built up at
/// the wall, `1 - exp(-t / b)`, is concave in it, so one range a step
/// overstates the conversion at the wall by Jensen's gap, which grows as
/// the build-up time `b` shrinks against the step (a weekly scenario with a
/// build-up of 0.15 months, b = 0.65 steps: the 30-day conversion 1.8% too
/// high, 10 standard errors of the differential test). So 8 ranges on
/// monthly steps and wherever a build-up shorter than 8 steps is simulated
/// (the gap falls as the square of the range's width: 1/64), one otherwise
/// (the cost of a group's step grows with them).
pub fn tau_buckets(steps_per_month: u32, value_buildup_steps: f64) -> usize {
    if steps_per_month == 1 || (value_buildup_steps > 0.0 && value_buildup_steps < 8.0) { 8 } else { 1 }
}

/// The usage-intensity model of the count engine.
///
/// The intensity `I` of an account matters only through the step its usage
/// reaches the free limit `L`: its hit age `h = ceil(L / I)` (steps of
/// usage since signup: usage grows by `I` each step signed up or active
/// free) and the fraction of that step, `tau = L / I - (h - 1)`. So the
/// intensity of a new account is not drawn at all: a group that has not
/// hit its limit is *lazy* (its record holds its usage age in `usage` and
/// `-1` as its intensity), and its members' hit ages are i.i.d. from the
/// exact distribution `P(h) = F(L / (h - 1)) - F(L / h)` (`F` the
/// lognormal CDF) given that they exceed its usage age. Survival until the
/// hit does not depend on the intensity, so this conditional law is exact
/// whatever happened to the group: at each step of usage, the number that
/// hit now is one binomial draw, `Bin(n, P(h = a) / P(h >= a))`, and those
/// become a concrete group (an intensity of their own) for the hit. Every
/// hit age is exact, to the horizon, at the cost of one draw per group and
/// step. Within the hit age, the intensity is one of [`tau_buckets`]
/// equal-probability ranges, at the intensity whose `tau` is the range's
/// mean `tau` (`L E[1/I] - (h - 1)`, from the lognormal's partial moment of
/// order -1), so effects linear in `tau` are exact.
struct CountModel {
    /// By usage age `a` (index), `P(h = a) / P(h >= a)`; 0 beyond.
    hit_now: Vec<f64>,
    /// By hit age, the intensity of each of the tau ranges.
    tau_intensity: Vec<Vec<f32>>,
    /// Whether new accounts are lazy (the free plan has a usage limit and
    /// the intensity a spread).
    lazy: bool,
    /// The intensity of a new account otherwise (not read without a limit).
    fixed_intensity: f32,
    ttv: TtvModel,
    /// The free plan's risks before a limit hit a fraction `tau` into the
    /// step and the blocked risks after it ([`CountModel::hit_risks`]), by
    /// the bits of `tau`, for the hitters split from lazy groups (whose
    /// `tau` is one per hit age and range): two `expm1` each, computed
    /// once a run instead of at every hit.
    hit_risks: HashMap<u64, (Risks, Risks), BuildHasherDefault<KeyHasher>>,
    /// With tier usage limits, the exact intensity range of each hit age's
    /// tau ranges, by the bits of its intensity (for `UsageLaws`).
    ranges: HashMap<u32, (f64, f64), BuildHasherDefault<KeyHasher>>,
}

/// The intensity of a lazy group (see [`CountModel`]).
const LAZY: f32 = -1.0;

impl CountModel {
    fn new(m: &RunModel) -> CountModel {
        let ttv = TtvModel::new(m.time_to_value.median(), m.time_to_value.sigma(), m.window_steps);
        let limit = m.usage_limit as f64;
        let (median, s) = (m.usage.median(), m.usage.sigma());
        // With tier usage limits the intensity is read once paying, so it is
        // lazy without a free usage limit too (no hit age then).
        let lazy = median > 0.0 && s > 0.0 && ((limit.is_finite() && limit > 0.0) || tiered(m));
        let ranges_kept = tiered(m) && limit.is_finite();
        let mut ranges = HashMap::default();
        let fixed_intensity = median.max(0.0) as f32;
        let ages = m.steps as usize + 2;
        let buckets = tau_buckets(m.steps_per_month, m.value_buildup_steps);
        let (mut hit_now, mut tau_intensity) = (vec![0.0; ages], vec![vec![0.0f32; buckets]; ages]);
        if lazy && limit.is_finite() {
            let mu = libm::log(median);
            let cdf = |x: f64| if x.is_infinite() { 1.0 } else { phi((libm::log(x) - mu) / s) };
            let quantile = |p: f64| libm::exp(mu + s * sampling::normal_quantile(p));
            // E[1/I 1{I < x}] = e^(-mu + s^2/2) Phi((ln x - mu + s^2) / s).
            let inverse_moment = |x: f64| {
                if x <= 0.0 {
                    0.0
                } else if x.is_infinite() {
                    libm::exp(-mu + s * s / 2.0)
                } else {
                    libm::exp(-mu + s * s / 2.0) * phi((libm::log(x) - mu + s * s) / s)
                }
            };
            // P(h >= a) = F(L / (a - 1)), 1 at a = 1.
            let at_least = |a: usize| if a <= 1 { 1.0 } else { cdf(limit / (a - 1) as f64) };
            for a in 1..ages {
                let (hi, lo) = (at_least(a), at_least(a + 1));
                if hi > 0.0 {
                    hit_now[a] = ((hi - lo) / hi).clamp(0.0, 1.0);
                }
                let quantile_at = |p: f64| {
                    if p <= 0.0 {
                        0.0
                    } else if p >= 1.0 {
                        f64::INFINITY
                    } else {
                        quantile(p)
                    }
                };
                for (t, x) in tau_intensity[a].iter_mut().enumerate() {
                    // The range's probabilities [p0, p1) and intensities [i0, i1).
                    let p0 = lo + (hi - lo) * t as f64 / buckets as f64;
                    let p1 = lo + (hi - lo) * (t + 1) as f64 / buckets as f64;
                    let (i0, i1) = (quantile_at(p0).max(limit / a as f64), quantile_at(p1));
                    let mean_tau = if p1 > p0 {
                        (limit * (inverse_moment(i1) - inverse_moment(i0)) / (p1 - p0) - (a - 1) as f64)
                            .clamp(1e-6, 1.0)
                    } else {
                        0.5
                    };
                    *x = (limit / ((a - 1) as f64 + mean_tau)) as f32;
                    if ranges_kept {
                        // The range exactly (its ends at the hit age's), by
                        // the intensity's bits, made unique (`UsageLaws::converted`).
                        let lo = if t == 0 { limit / a as f64 } else { i0 };
                        let hi = if t + 1 < buckets { i1 } else { limit / (a - 1) as f64 };
                        while ranges.contains_key(&x.to_bits()) {
                            *x = f32::from_bits(x.to_bits() + 1);
                        }
                        ranges.insert(x.to_bits(), (lo, hi));
                    }
                }
            }
        }
        let mut cm =
            CountModel { hit_now, tau_intensity, lazy, fixed_intensity, ttv, hit_risks: HashMap::default(), ranges };
        if lazy && limit.is_finite() {
            let mut table = HashMap::default();
            for (age, row) in cm.tau_intensity.iter().enumerate().skip(1) {
                for &x in row {
                    // As `split_hitters` places a hitter and `free_step_with_hit_n` reads it.
                    let before = (age - 1) as f32 * x;
                    let tau = hit_fraction(m.usage_limit, before, x);
                    table.entry(tau.to_bits()).or_insert_with(|| cm.hit_risks(m, tau));
                }
            }
            cm.hit_risks = table;
        }
        cm
    }

    /// The free plan's risks over the first `tau` of a step and the
    /// blocked ones over the rest (`Run::free_step_with_hit`).
    fn hit_risks(&self, m: &RunModel, tau: f64) -> (Risks, Risks) {
        if let Some(r) = self.hit_risks.get(&tau.to_bits()) {
            return *r;
        }
        (
            Risks::new(m.free_hazards.0, m.free_hazards.1, tau),
            Risks::new(m.blocked_hazards.0, m.blocked_hazards.1, 1.0 - tau),
        )
    }
}

/// The fraction of the step at which usage growing by `intensity` from
/// `before` reaches `limit` (1 without usage growth), as
/// `Run::free_step_with_hit` computes it.
fn hit_fraction(limit: f32, before: f32, intensity: f32) -> f64 {
    if intensity > 0.0 { ((limit - before) / intensity).clamp(0.0, 1.0) as f64 } else { 1.0 }
}

/// Whether the count engine simulates tier usage limits in `m`: paying
/// accounts can upgrade at a usage limit (`paid.upgrade_per_month` above 0)
/// and some plan with a next plan has a finite usage limit. Without it
/// usage is not read once paying, and nothing below is used.
fn tiered(m: &RunModel) -> bool {
    m.upgrade > 0 && m.plans.len() > 1 && m.plans[..m.plans.len() - 1].iter().any(|p| p.usage_limit.is_finite())
}

/// The usage of a paying group's members (tier usage limits): their
/// intensity `I`, i.i.d. from the usage lognormal restricted to `[lo, hi)`
/// (a point when `lo == hi`), and their usage at the end of step `t`,
/// `base + I (t - base_step)`, until it reaches the limit of the plan they
/// are on. Checked against that limit from step `since` on: a member of an
/// uncapped group stepped on its plan at steps `since ..= t` without
/// reaching it has `I < (limit - base) / (t - base_step)`, which the record
/// does not store (the range is implied: the group's record does not change
/// from step to step, see `stable`). A *capped* group's members reached the
/// limit (their usage is held at it; they have one upgrade chance a step);
/// `base` is then the limit.
///
/// A lapsed group's law is frozen: its `base_step` is relative to the step
/// it is won back (`UsageLaws::won_back`).
#[derive(Debug, Clone, Copy)]
struct UsageLaw {
    lo: f64,
    hi: f64,
    base: f64,
    base_step: i32,
    since: i32,
    capped: bool,
}

impl UsageLaw {
    fn key(&self) -> (u64, u64, u64, u64) {
        let steps = (self.base_step as u32 as u64) | (self.since as u32 as u64) << 32;
        (self.lo.to_bits(), self.hi.to_bits(), self.base.to_bits() ^ self.capped as u64, steps)
    }

    /// The upper end of the intensity of an uncapped group checked against
    /// `limit` at every step from `since` to `last` without reaching it.
    fn implied_hi(&self, limit: f64, last: i32) -> f64 {
        if last >= self.since && limit.is_finite() {
            self.hi.min((limit - self.base) / (last - self.base_step) as f64)
        } else {
            self.hi
        }
    }
}

/// The laws of a run's paying groups ([`UsageLaw`]), interned: a paying
/// record's `intensity` holds the bits of its law's id ([`law_id`]; 0: no
/// law, where none can matter), ids in first-use order (deterministic). A
/// law is made when a group starts paying, is capped, upgrades or changes
/// plan, lapses or is won back: at most a few per group made, so the table
/// grows like the groups.
#[derive(Default)]
pub(super) struct UsageLaws {
    /// Whether tier usage limits are simulated ([`tiered`]).
    on: bool,
    /// The usage lognormal's log-median and log-sd (points only when not `lazy`).
    mu: f64,
    s: f64,
    /// Whether new accounts' intensities are spread ([`CountModel`]'s lazy groups).
    lazy: bool,
    /// The free usage limit.
    free_limit: f64,
    /// By plan, its usage limit, and the lowest limit that can be reached
    /// from it (of the plans from it up that have a next plan: plans change
    /// only upwards; infinite when none, where no law is kept).
    limits: Vec<f64>,
    reachable: Vec<f64>,
    /// The run's last step.
    last: i32,
    /// The exact intensity range of each concrete hitter's intensity
    /// (`CountModel::tau_intensity`), by its bits.
    ranges: HashMap<u32, (f64, f64), BuildHasherDefault<KeyHasher>>,
    laws: Vec<UsageLaw>,
    ids: HashMap<(u64, u64, u64, u64), u32, BuildHasherDefault<KeyHasher>>,
}

/// The law id of a paying or lapsed record (see [`UsageLaws`]).
fn law_id(a: &Account) -> u32 {
    a.intensity.to_bits()
}

fn set_law(a: &mut Account, id: u32) {
    a.intensity = f32::from_bits(id);
}

impl UsageLaws {
    fn new(m: &RunModel, lazy: bool) -> UsageLaws {
        let on = tiered(m);
        let limits: Vec<f64> = m.plans.iter().map(|p| p.usage_limit as f64).collect();
        let reachable =
            (0..limits.len()).map(|q| (q..limits.len() - 1).map(|r| limits[r]).fold(f64::INFINITY, f64::min)).collect();
        let median = m.usage.median();
        UsageLaws {
            on,
            mu: if median > 0.0 { libm::log(median) } else { 0.0 },
            s: m.usage.sigma(),
            lazy,
            free_limit: m.usage_limit as f64,
            limits,
            reachable,
            last: m.steps as i32 - 1,
            ..Default::default()
        }
    }

    /// The id of an uncapped law on `plan`, or 0 (no law) when no member
    /// can reach a limit on it or above before the run ends: its usage is
    /// at most `base + hi (t - base_step)` at step `t` (a cap only lowers
    /// it), so nothing it decides is left to see.
    fn uncapped(&mut self, law: UsageLaw, plan: u8) -> u32 {
        let most = law.base + law.hi * (self.last - law.base_step).max(0) as f64;
        if most < self.reachable[plan as usize] { 0 } else { self.intern(law) }
    }

    fn intern(&mut self, law: UsageLaw) -> u32 {
        let next = self.laws.len() as u32 + 1;
        let id = *self.ids.entry(law.key()).or_insert(next);
        if id == next {
            self.laws.push(law);
        }
        id
    }

    fn law(&self, id: u32) -> UsageLaw {
        self.laws[id as usize - 1]
    }

    /// `P(a <= I < b)` under the usage lognormal (by the upper tail above
    /// the median, for precision there).
    fn mass(&self, a: f64, b: f64) -> f64 {
        let z = |x: f64| if x <= 0.0 { f64::NEG_INFINITY } else { (libm::log(x) - self.mu) / self.s };
        let (za, zb) = (z(a), z(b));
        if za > 0.0 { phi(-za) - phi(-zb) } else { phi(zb) - phi(za) }
    }

    /// `P(I >= x | lo <= I < hi)` (a point: 0 or 1).
    fn above(&self, lo: f64, hi: f64, x: f64) -> f64 {
        if x <= lo {
            return 1.0;
        }
        if lo >= hi || x >= hi {
            return 0.0;
        }
        let all = self.mass(lo, hi);
        if all > 0.0 {
            (self.mass(x, hi) / all).clamp(0.0, 1.0)
        } else {
            // Beyond the resolution of the CDF: far in a tail, where the
            // restricted law sits at the range's end nearer the median.
            if lo > libm::exp(self.mu) { 0.0 } else { 1.0 }
        }
    }

    /// The law of `a`'s members (a free, blocked or trial record) when they
    /// start paying on `plan` at `step` (`Run::convert`: the usage goes on
    /// from what it is). A lazy group of usage age `A`: `I < L / A` (`L` the
    /// free limit), usage `I A` now. A concrete hitter (its intensity is its
    /// range's, [`CountModel`]): its range; blocked, its usage is the free
    /// limit (`Run::hit_limit`); otherwise its usage has grown every step
    /// since its signup (signed up, active free and on a trial; blocked
    /// and dormant spells are refused or end at the limit). An individual
    /// (an initial account, or any when intensities are not spread): its
    /// own intensity and usage.
    fn converted(&mut self, a: &Account, step: u32, plan: u8) -> u32 {
        if !self.on {
            return 0;
        }
        let s = step as i32;
        let law = if a.intensity == LAZY {
            let age = a.usage as i32;
            UsageLaw {
                lo: 0.0,
                hi: self.free_limit / age as f64,
                base: 0.0,
                base_step: s - age,
                since: s + 1,
                capped: false,
            }
        } else if a.source == source::INITIAL || !self.lazy {
            let x = a.intensity as f64;
            UsageLaw { lo: x, hi: x, base: a.usage as f64, base_step: s, since: s + 1, capped: false }
        } else if a.intensity == 0.0 {
            // Blocked, its intensity dropped ([`UsageLaws::blocked_unread`]).
            return 0;
        } else {
            let (lo, hi) = self.range(a);
            if a.state == State::Blocked {
                UsageLaw { lo, hi, base: a.usage as f64, base_step: s, since: s + 1, capped: false }
            } else {
                UsageLaw { lo, hi, base: 0.0, base_step: a.signup_step as i32, since: s + 1, capped: false }
            }
        };
        self.uncapped(law, plan)
    }

    /// The intensity range of a concrete record's members: a point for an
    /// individual or when intensities are not spread, else its hitter's range.
    fn range(&self, a: &Account) -> (f64, f64) {
        if a.source == source::INITIAL || !self.lazy {
            return (a.intensity as f64, a.intensity as f64);
        }
        *self.ranges.get(&a.intensity.to_bits()).expect("a concrete hitter's intensity has its range")
    }

    /// Whether a record blocked at the free limit at `step` can never need
    /// its intensity: converted at this step or later, its usage (from the
    /// free limit) cannot reach a tier's limit before the run ends.
    fn blocked_unread(&self, a: &Account, step: u32) -> bool {
        let (_, hi) = self.range(a);
        let most = a.usage as f64 + hi * (self.last - step as i32).max(0) as f64;
        a.usage >= a.limit && most < self.reachable[0]
    }

    /// An initial paying account's law: its own intensity and usage, at the
    /// end of the step before the first.
    fn initial(&mut self, a: &Account) -> u32 {
        if !self.on {
            return 0;
        }
        let x = a.intensity as f64;
        self.uncapped(UsageLaw { lo: x, hi: x, base: a.usage as f64, base_step: -1, since: 0, capped: false }, a.plan)
    }

    /// The chance that a member of an uncapped group of law `id` on `plan`
    /// reaches its limit at `step` (`Run::step_paid`: its usage, grown by
    /// `I`, is at or above it), given that it had not by the step before;
    /// and the law of those that do, capped.
    fn hit(&mut self, id: u32, plan: u8, step: u32) -> (f64, u32) {
        let law = self.law(id);
        let limit = self.limits[plan as usize];
        let s = step as i32;
        debug_assert!(!law.capped && s >= law.since);
        let (x, hi) = if law.base >= limit {
            (0.0, law.hi)
        } else {
            ((limit - law.base) / (s - law.base_step) as f64, law.implied_hi(limit, s - 1))
        };
        let p = self.above(law.lo, hi, x);
        if p <= 0.0 {
            return (0.0, 0);
        }
        // Upgraded at this step or later, its usage grows from the limit.
        let later = limit + hi * (self.last - s) as f64;
        let capped = if later >= self.reachable[plan as usize + 1] {
            UsageLaw { lo: law.lo.max(x).min(hi), hi, base: limit, base_step: 0, since: 0, capped: true }
        } else {
            // Nothing the intensity decides is left once upgraded.
            UsageLaw { lo: 0.0, hi: 0.0, base: 0.0, base_step: 0, since: 0, capped: true }
        };
        (p, self.intern(capped))
    }

    /// Whether law `id` is capped.
    fn capped(&self, id: u32) -> bool {
        id != 0 && self.law(id).capped
    }

    /// The law of a group of law `id` on `from` moving to the higher plan
    /// `to` at `step` (an upgrade at the limit, by seats or by sales, all
    /// after its usage was checked this step): its usage now (the old
    /// limit if capped) goes on; the range implied by not having reached
    /// the old limit is made explicit.
    fn moved_up(&mut self, id: u32, from: u8, to: u8, step: u32) -> u32 {
        if id == 0 {
            return 0;
        }
        let law = self.law(id);
        let limit = self.limits[from as usize];
        let s = step as i32;
        let new = if law.capped {
            UsageLaw { lo: law.lo, hi: law.hi, base: limit, base_step: s, since: s + 1, capped: false }
        } else {
            UsageLaw { hi: law.implied_hi(limit, s), since: s + 1, ..law }
        };
        self.uncapped(new, to)
    }

    /// The law of a group of law `id` on `plan` lapsing at `step` (at the
    /// start of its step, before its usage grows): its usage at the end of
    /// the step before is kept, frozen, its `base_step` relative to the
    /// step it is won back.
    fn lapsed(&mut self, id: u32, plan: u8, step: u32) -> u32 {
        if id == 0 || self.law(id).capped {
            return id;
        }
        let law = self.law(id);
        let last = step as i32 - 1;
        let hi = law.implied_hi(self.limits[plan as usize], last);
        self.intern(UsageLaw { hi, base_step: law.base_step - last, since: 0, ..law })
    }

    /// The law of a lapsed group of law `id` won back at `step`: its usage
    /// grows again from the next step, checked from then on.
    fn won_back(&mut self, id: u32, step: u32) -> u32 {
        if id == 0 || self.law(id).capped {
            return id;
        }
        let law = self.law(id);
        let s = step as i32;
        self.intern(UsageLaw { base_step: law.base_step + s, since: s + 1, ..law })
    }
}

/// What a step of the count engine accumulates besides the groups.
///
/// The invitations an account sends in a step are a Poisson count; each is
/// accepted or not, an accepted one is internal (a seat for the inviter) or
/// external, and an external one reaches someone new to the market or not.
/// By Poisson thinning these are four independent Poisson streams (rejected,
/// internal, external already in the product, external new), so the
/// population's invitations are four Poisson draws of the summed means,
/// whatever the groups; a mechanic that needs a stream's count per account
/// (seats from internal invitations, referral credits) draws that stream
/// for its group itself, adds the mean it drew to `drawn_internal` /
/// `drawn_new` and books the counts ([`Run::book_internal`],
/// [`Run::book_new`]): the pooled draw covers the rest of that stream. A
/// group whose members' counts sent can still make PQLs draws all its
/// invitations itself ([`Run::send_counted`]): its mean is not pooled, and
/// its invitations other than internal ones are classified at the end of
/// the step (`rest_sent`).
#[derive(Default)]
struct StepSums {
    /// Mean invitations sent this step, summed over every account whose
    /// invitations are pooled.
    invite_mean: f64,
    /// Of which accepted internal ones, drawn group by group.
    drawn_internal: f64,
    /// Of which accepted external ones new to the market, drawn group by group.
    drawn_new: f64,
    /// Invitations other than accepted internal ones sent by the groups
    /// that counted their members' invitations ([`Run::send_counted`]).
    rest_sent: u64,
    /// The groups of the state being stepped waiting at their sales
    /// contact point ([`Run::contact_pending_n`]).
    pending: Vec<Group>,
}

impl Run<'_> {
    fn bin(&mut self, n: u64, p: f64) -> u64 {
        if n == 0 || p <= 0.0 {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        sampling::binomial_fast(n, p, &mut self.rng)
    }

    /// Splits `n` by the cumulative thresholds of two competing outcomes
    /// (`first`, then `either`, on the 32-bit scale, as in `u < first`,
    /// `u < either`): the counts of the first and of the second outcome.
    fn split3(&mut self, n: u64, first: u64, either: u64) -> (u64, u64) {
        let k1 = self.bin(n, prob(first));
        let rest = n - k1;
        let k2 = if either > first && rest > 0 && (first as f64) < P32 {
            self.bin(rest, (either - first) as f64 / (P32 - first as f64))
        } else {
            0
        };
        (k1, k2)
    }

    fn leave_n(&mut self, a: &Account, n: u64) {
        if a.source != source::INITIAL && n > 0 {
            let cell = self.cohort_cell(a);
            self.cohort_departures[cell] = self.cohort_departures[cell].saturating_add(n.min(i32::MAX as u64) as i32);
        }
    }

    fn come_back_n(&mut self, a: &Account, n: u64) {
        if a.source != source::INITIAL && n > 0 {
            let cell = self.cohort_cell(a);
            self.cohort_departures[cell] = self.cohort_departures[cell].saturating_sub(n.min(i32::MAX as u64) as i32);
        }
    }

    fn reach_n(&mut self, a: &mut Account, before: u8, stage: u8, n: u64) {
        if a.source != source::INITIAL && a.reached & before == before && a.reached & stage == 0 {
            a.reached |= stage;
            let i = super::books::FUNNEL_STAGES.iter().position(|&s| s == stage).expect("a funnel stage");
            self.totals.funnel[i] += n;
        }
    }

    fn end_free_life_n(&mut self, a: &mut Account, converted: bool, n: u64) {
        if a.source != source::INITIAL && a.reached & (reached::ACTIVATED | reached::LEFT_FREE) == reached::ACTIVATED {
            a.reached |= reached::LEFT_FREE;
            if converted {
                self.totals.free_life_conversions += n;
            } else {
                self.totals.free_life_departures += n;
            }
        }
    }

    fn pay_n(&mut self, a: &Account, n: u64) {
        let months = if a.flags & flag::ANNUAL != 0 { 12.0 } else { 1.0 };
        let amount = a.mrr_cents as f64 * (0.01 * months);
        self.flows.cash_in += amount * n as f64;
        if amount > 0.0 {
            self.flows.payment_fees += (amount * self.m.payment_fee_rate + self.m.payment_fee_fixed) * n as f64;
        }
    }

    /// `k` accounts like `a` convert to `plan` (`Run::convert`).
    fn convert_n(&mut self, a: &Account, k: u64, plan: u8, out: &mut Groups) {
        for g in self.convert_groups_n(a, k, plan) {
            out.push(g);
        }
    }

    /// [`Run::convert_n`], returning the paying groups (billed monthly,
    /// annually; either may be empty) instead of pushing them, for what
    /// follows the conversion in the account's step (its seat changes).
    fn convert_groups_n(&mut self, a: &Account, k: u64, plan: u8) -> [Group; 2] {
        if k == 0 {
            return [Group { a: *a, n: 0 }; 2];
        }
        let annual = self.bin(k, prob(self.m.plans[plan as usize].annual));
        // Its usage goes on from what it is (tier usage limits).
        let law = if self.usage_laws.on { self.usage_laws.converted(a, self.step, plan) } else { 0 };
        [self.convert_part_n(a, k - annual, plan, false, law), self.convert_part_n(a, annual, plan, true, law)]
    }

    /// The `cnt` of a conversion of accounts like `a` to `plan` billed
    /// monthly or annually (`is_annual`), their usage law `law` (tier usage
    /// limits): their books and their group.
    fn convert_part_n(&mut self, a: &Account, cnt: u64, plan: u8, is_annual: bool, law: u32) -> Group {
        let mut b = *a;
        if cnt == 0 {
            return Group { a: b, n: 0 };
        }
        let m = self.m;
        let p = &m.plans[plan as usize];
        b.state = State::Paid;
        b.plan = plan;
        if self.usage_laws.on {
            set_law(&mut b, law);
            b.usage = 0.0;
        }
        b.flags &= !flag::ANNUAL;
        if is_annual {
            b.flags |= flag::ANNUAL;
        }
        b.mrr_cents = p.mrr_cents(b.seats, is_annual);
        b.since_step = self.step as u16;
        b.event_step = 0;
        self.cohort_mrr(&b, b.mrr_cents as i64 * cnt as i64);
        self.flows.conversions += cnt;
        self.flows.new_mrr += b.mrr_cents as u64 * cnt;
        self.totals.conversions += cnt;
        if b.source != source::INITIAL {
            let month = self.month() as usize;
            self.customers_by_conversion_month[month] += cnt;
        }
        if b.source != source::INITIAL && b.flags & flag::CONVERTED == 0 {
            self.totals.converted_signups += cnt;
            let cell = self.cohort_cell(&b);
            self.cohort_conversions[cell] =
                self.cohort_conversions[cell].saturating_add(cnt.min(u32::MAX as u64) as u32);
            let age = self.step - b.signup_step as u32;
            for (i, w) in WITHIN_MONTHS.iter().enumerate() {
                let window = w * m.steps_per_month;
                if age <= window && b.signup_step as u32 + window < m.steps {
                    self.totals.converted_within[i] += cnt;
                }
            }
        }
        if b.flags & (flag::PQL | flag::CONVERTED) == flag::PQL {
            self.totals.pql_conversions += cnt;
        }
        if b.source >= source::CHANNEL {
            self.totals.channel_conversions += cnt;
        }
        if b.flags & flag::CONVERTED == 0 {
            self.reach_n(&mut b, m.before_paying(), reached::PAYING, cnt);
        }
        self.end_free_life_n(&mut b, true, cnt);
        b.flags |= flag::CONVERTED;
        self.pay_n(&b, cnt);
        Group { a: b, n: cnt }
    }

    /// `k` free accounts like `a` go dormant (`Run::go_dormant`).
    fn go_dormant_n(&mut self, a: &Account, k: u64, out: &mut Groups) {
        if k == 0 {
            return;
        }
        let mut b = *a;
        self.flows.churned_free += k;
        self.totals.active_exits += k;
        self.end_free_life_n(&mut b, false, k);
        self.leave_n(&b, k);
        if self.m.keeps_dormant() {
            b.state = State::Dormant;
            b.since_step = self.step as u16;
            out.push(Group { a: b, n: k });
        } else {
            self.dormant_uncounted += k;
        }
    }

    /// `k` paying accounts like `a` churn (`Run::churn_paid`).
    fn churn_paid_n(&mut self, a: &Account, k: u64, involuntary: bool, out: &mut Groups) {
        if k == 0 {
            return;
        }
        let mut b = *a;
        self.flows.churned_paid += k;
        self.totals.active_exits += k;
        self.totals.churned_paid += k;
        if involuntary {
            self.flows.involuntary_churn += k;
        }
        self.flows.churned_mrr += b.mrr_cents as u64 * k;
        self.cohort_mrr(&b, -(b.mrr_cents as i64) * k as i64);
        b.flags &= !flag::BASE;
        self.leave_n(&b, k);
        if self.m.keeps_lapsed() {
            if self.usage_laws.on {
                let id = self.usage_laws.lapsed(law_id(&b), b.plan, self.step);
                set_law(&mut b, id);
            }
            b.state = State::Lapsed;
            b.since_step = self.step as u16;
            out.push(Group { a: b, n: k });
        }
    }

    /// The books of `n` accounts like `a` activating (the first part of
    /// `Run::activate`): `ttv_by_offset` counts the matured ones by
    /// activation offset.
    fn activation_books_n(&mut self, a: &mut Account, n: u64, ttv_by_offset: &mut [u64]) {
        let m = self.m;
        a.flags |= flag::ACTIVATED;
        self.flows.activated += n;
        self.reach_n(a, 0, reached::ACTIVATED, n);
        if (a.signup_step as u32 + m.window_steps) <= m.steps {
            self.totals.matured_activated += n;
            let offset = (a.event_step - a.signup_step) as usize;
            ttv_by_offset[offset.min(ttv_by_offset.len() - 1)] += n;
        }
        a.since_step = self.step as u16;
    }

    /// `n` accounts like `a` activate (`Run::activate`): an account on a
    /// trial stays on it; the others become active free and, with
    /// `trial.start = "activation"`, are offered the trial (those that do
    /// not start it leave when `trial.after = "leave"`). Returns how many
    /// stay.
    fn activate_n(&mut self, mut a: Account, n: u64, ttv_by_offset: &mut [u64], out: &mut Groups) -> u64 {
        let m = self.m;
        self.activation_books_n(&mut a, n, ttv_by_offset);
        if a.state == State::Trial {
            out.push(Group { a, n });
            return n;
        }
        a.state = State::ActiveFree;
        let Some(t) = m.trial.as_ref().filter(|t| t.start == TrialStart::Activation) else {
            out.push(Group { a, n });
            return n;
        };
        let k = self.bin(n, trial_start_probability(t));
        self.start_trials_n(&a, k, out);
        let rest = n - k;
        if rest == 0 || t.after == TrialAfter::Free {
            out.push(Group { a, n: rest });
            return n;
        }
        // No free plan to stay on: they leave (`Run::activate`).
        self.flows.churned_free += rest;
        self.totals.active_exits += rest;
        self.end_free_life_n(&mut a, false, rest);
        self.leave_n(&a, rest);
        k
    }

    /// `k` accounts like `a` start the trial now (`Run::maybe_start_trial`).
    fn start_trials_n(&mut self, a: &Account, k: u64, out: &mut Groups) {
        if k == 0 {
            return;
        }
        let t = self.m.trial.as_ref().expect("trials start only with a trial");
        let mut b = *a;
        b.state = State::Trial;
        b.plan = t.plan;
        if t.start == TrialStart::Activation {
            b.since_step = self.step as u16;
        }
        self.flows.trial_starts += k;
        self.totals.trial_starts += k;
        out.push(Group { a: b, n: k });
    }

    /// A step of a group on a trial (`Run::step_trial`): invitations once
    /// activated, usage without a limit (a lazy group's members whose hit
    /// age passes become concrete groups over their limit, which hit it at
    /// the start of their first step back on the free plan, as in the
    /// account engine), activation at its step; at the end of the trial
    /// the activated convert with `trial.conversion` and the others follow
    /// `trial.after`.
    fn step_trial_n(&mut self, g: &mut Group, sums: &mut StepSums, ttv: &mut [u64], cm: &CountModel, out: &mut Groups) {
        let m = self.m;
        if g.a.intensity == LAZY {
            for mut h in self.split_hitters(g, cm) {
                self.step_trial_n(&mut h, sums, ttv, cm, out);
                out.push(h);
            }
            if g.n == 0 {
                return;
            }
        } else {
            g.a.usage += g.a.intensity;
        }
        // Like a free account, a trial shares only once it has reached value
        // (its internal invitations are seats at the step's end).
        let rate = m.invites_active.lambda * g.a.seats as f64;
        let activated_before = g.a.flags & flag::ACTIVATED != 0;
        if activated_before && self.invite_distance(&g.a).is_some() {
            // Counted for the PQL signal (activated before, it does not
            // activate now): each class checked, then the rest of its step
            // (not a PQL at the start of the sweep, none selected).
            let a = g.a;
            for (mut b, n, k) in self.send_counted(&a, g.n, rate, true, sums) {
                self.check_pql_n(&mut b, n);
                let kept = self.trial_rest_n(b, n, k, out);
                out.push(Group { a: b, n: kept });
            }
            g.n = 0;
            return;
        }
        if activated_before {
            sums.invite_mean += g.n as f64 * rate;
        }
        let a = &mut g.a;
        if a.event_step as u32 == self.step && a.flags & flag::WILL_ACTIVATE != 0 && a.flags & flag::ACTIVATED == 0 {
            self.activation_books_n(a, g.n, ttv); // stays in the trial
        }
        if m.pql.is_some() {
            // The PQL check and the sales contact (`contact_pending_n`):
            // the won convert to the sales plan (their step ends, their
            // internal invitations bring no seats), the others go on.
            self.check_pql_n(&mut g.a, g.n);
            self.defer_contact_n(g, sums);
        }
        self.trial_tail_n(g, activated_before, sums, out);
    }

    /// The end of a trial group's step after its sales contact: its
    /// internal invitations (sent only if it had reached value before this
    /// step) drawn, then [`Run::trial_rest_n`] for each count; `g` keeps
    /// those left unchanged.
    fn trial_tail_n(&mut self, g: &mut Group, activated_before: bool, sums: &mut StepSums, out: &mut Groups) {
        let rate = self.m.invites_active.lambda * g.a.seats as f64;
        let internal =
            if activated_before && g.n > 0 { self.split_internal(g.n, rate, sums) } else { Parts::One(Some((0, g.n))) };
        let a = g.a;
        let mut kept = 0;
        for (k, n) in internal {
            kept += self.trial_rest_n(a, n, k, out);
        }
        g.n = kept;
    }

    /// The rest of a trial step (`Run::step_trial` after the invitations
    /// and the activation) for `n` accounts like `a` with `internal`
    /// accepted internal invitations each: the seat changes while on the
    /// trial; at its end, the conversion (the converted change seats as
    /// paying accounts, those back on the free plan as free accounts).
    /// Returns how many stay in the caller's group unchanged.
    fn trial_rest_n(&mut self, a: Account, n: u64, internal: u32, out: &mut Groups) -> u64 {
        let m = self.m;
        if n == 0 {
            return 0;
        }
        if self.step < self.trial_end(&a) {
            return self.seat_changes_n(&a, n, internal, out, true);
        }
        let t = m.trial.as_ref().expect("trial accounts exist only with a trial");
        let activated = a.flags & flag::ACTIVATED != 0;
        let mut rest = n;
        let mut b = a;
        if activated {
            // Only an account that reached value converts at the end of its trial.
            let k = self.bin(rest, prob(t.conversion));
            self.flows.trial_conversions += k;
            self.totals.trial_conversions += k;
            for h in self.convert_groups_n(&b, k, t.plan) {
                self.seat_changes_n(&h.a, h.n, internal, out, false);
            }
            rest -= k;
        }
        if rest == 0 {
            return 0;
        }
        b.plan = 0;
        match t.after {
            TrialAfter::Free if activated => {
                b.state = State::ActiveFree;
                self.seat_changes_n(&b, rest, internal, out, false);
            }
            TrialAfter::Free if (b.event_step as u32) > self.step => {
                // Back to waiting for its activation (or its window to close).
                b.state = State::SignedUp;
                out.push(Group { a: b, n: rest });
            }
            _ if activated => {
                // `Run::go_dormant_from_trial`: it leaves.
                self.flows.churned_free += rest;
                self.totals.active_exits += rest;
                self.end_free_life_n(&mut b, false, rest);
                self.leave_n(&b, rest);
            }
            _ => {
                self.flows.abandoned += rest;
                self.leave_n(&b, rest);
            }
        }
        0
    }

    /// The first limit hit of `n` accounts like `a` a fraction `tau` into
    /// the step (`Run::hit_limit`): returns (converted, left, the group of
    /// those left blocked) and pushes the converted and departed.
    fn hit_limit_n(&mut self, a: &mut Account, n: u64, tau: f64, out: &mut Groups) -> (u64, u64) {
        let (converted, l) = self.hit_limit_groups_n(a, n, tau, out);
        let c = converted[0].n + converted[1].n;
        for g in converted {
            out.push(g);
        }
        (c, l)
    }

    /// [`Run::hit_limit_n`], returning the converted groups instead of
    /// pushing them (their seats may join after the hit), and the departed.
    fn hit_limit_groups_n(&mut self, a: &mut Account, n: u64, tau: f64, out: &mut Groups) -> ([Group; 2], u64) {
        let m = self.m;
        self.flows.limit_hits += n;
        a.flags |= flag::HIT;
        self.reach_n(a, reached::ACTIVATED, reached::LIMIT_HIT, n);
        if a.flags & flag::PQL != 0 {
            // A PQL by another signal before its limit hit, while free.
            self.reach_n(a, m.before_pql(), reached::PQL, n);
        }
        self.check_pql_n(a, n);
        let early = a.flags & flag::ACTIVATED == 0;
        let (convert, leave) = if early {
            (m.hit_convert_early, m.hit_leave_early)
        } else if m.value_buildup_steps > 0.0 {
            let before = if a.source == source::INITIAL { a.event_step as f64 + 1.0 } else { 0.0 };
            let t = (self.step as f64 - a.since_step as f64 - 1.0 + tau + before).max(0.0);
            let built = 1.0 - libm::exp(-t / m.value_buildup_steps);
            let c = m.hit_convert_share * built;
            (super::model::threshold(c), super::model::threshold(c + m.hit_churn_share))
        } else {
            (m.hit_convert, m.hit_leave)
        };
        let (c, l) = self.split3(n, convert, leave);
        let converted = self.convert_groups_n(a, c, m.entry_plan);
        if l > 0 {
            if early {
                self.flows.abandoned += l;
                self.leave_n(a, l);
            } else {
                self.go_dormant_n(a, l, out);
            }
        }
        // (A lazy record's `usage` is its usage age; a seat-limit hit comes
        // below the usage limit, where the account engine's min is a no-op.)
        if a.intensity != LAZY {
            a.usage = a.usage.min(a.limit);
        }
        if early {
            a.flags &= !flag::WILL_ACTIVATE;
            a.event_step = (a.signup_step as u32 + m.window_steps).min(u16::MAX as u32) as u16;
        } else {
            a.state = State::Blocked;
            if self.usage_laws.on && a.intensity != LAZY && self.usage_laws.blocked_unread(a, self.step) {
                // Its intensity is read no more (`canonical`): they merge.
                a.intensity = 0.0;
            }
        }
        (converted, l)
    }

    /// A lazy group's step of usage: those whose hit age is now become
    /// concrete groups (one per tau bucket, their usage just below the
    /// limit, so that the state's step makes them hit), returned; the rest
    /// stay lazy, a step of usage older.
    fn split_hitters(&mut self, g: &mut Group, cm: &CountModel) -> Parts<Group> {
        let age = g.a.usage as usize + 1;
        g.a.usage += 1.0;
        let p = cm.hit_now.get(age).copied().unwrap_or(0.0);
        let k = self.bin(g.n, p);
        if k == 0 {
            return Parts::One(None);
        }
        g.n -= k;
        let hitter = |a: &Account, t: usize, n: u64| {
            let mut a = *a;
            a.intensity = cm.tau_intensity[age][t];
            a.usage = (age - 1) as f32 * a.intensity;
            Group { a, n }
        };
        let buckets = cm.tau_intensity[age].len();
        if buckets == 1 {
            return Parts::One(Some(hitter(&g.a, 0, k)));
        }
        let split = multinomial(k, &vec![1.0 / buckets as f64; buckets], &mut self.rng);
        let out: Vec<Group> =
            split.iter().enumerate().filter(|(_, c)| **c > 0).map(|(t, &c)| hitter(&g.a, t, c)).collect();
        Parts::Many(out.into_iter())
    }

    fn step_signed_up_n(&mut self, g: &mut Group, ttv: &mut [u64], cm: &CountModel, out: &mut Groups) {
        if g.a.intensity == LAZY && g.a.flags & flag::HIT == 0 {
            for mut h in self.split_hitters(g, cm) {
                self.step_signed_up_n(&mut h, ttv, cm, out);
                out.push(h);
            }
            if g.n == 0 || g.a.event_step as u32 != self.step {
                return;
            }
            if g.a.flags & flag::WILL_ACTIVATE != 0 {
                self.activate_n(g.a, g.n, ttv, out);
            } else {
                self.flows.abandoned += g.n;
                self.leave_n(&g.a, g.n);
            }
            g.n = 0;
            return;
        }
        let a = &mut g.a;
        if a.flags & flag::HIT == 0 {
            a.usage += a.intensity;
            if a.usage >= a.limit {
                let (c, l) = self.hit_limit_n(a, g.n, 1.0, out);
                g.n -= c + l;
            }
        }
        if g.n == 0 || a.event_step as u32 != self.step {
            return;
        }
        if a.flags & flag::WILL_ACTIVATE != 0 {
            self.activate_n(*a, g.n, ttv, out);
        } else {
            self.flows.abandoned += g.n;
            self.leave_n(a, g.n);
        }
        g.n = 0;
    }

    fn step_free_n(&mut self, g: &mut Group, sums: &mut StepSums, cm: &CountModel, out: &mut Groups) {
        let m = self.m;
        if g.a.intensity == LAZY {
            for mut h in self.split_hitters(g, cm) {
                self.step_free_n(&mut h, sums, cm, out);
                out.push(h);
            }
        } else {
            let before = g.a.usage;
            g.a.usage += g.a.intensity;
            if g.a.usage >= g.a.limit {
                self.free_step_with_hit_n(g, before, sums, cm, out);
                return;
            }
        }
        if self.invite_distance(&g.a).is_some() {
            self.free_counted_n(g, sums, out);
            return;
        }
        if m.pql.is_some() {
            // The PQL check and the sales contact (`contact_pending_n`),
            // after the invitations (whose rate the step's competing-risks
            // draw chose) and before that draw's outcome: the won convert
            // to the sales plan (their step ends), the others take it.
            self.check_pql_n(&mut g.a, g.n);
            self.defer_contact_n(g, sums);
        }
        self.free_rest_n(g, sums, out);
    }

    /// The rest of an active free group's step after its sales contact
    /// (`Run::step_free`): invitations, conversion or departure.
    fn free_rest_n(&mut self, g: &mut Group, sums: &mut StepSums, out: &mut Groups) {
        let m = self.m;
        let (c, l) = self.split3(g.n, m.free.first, m.free.either);
        let seats = g.a.seats as f64;
        let rate = m.invites_active.lambda * seats;
        sums.invite_mean += (g.n - l) as f64 * rate + l as f64 * m.invites_free_leaving.lambda * seats;
        let a = g.a;
        // The converted add their seats as paying accounts; those leaving
        // add none (their internal invitations stay pooled).
        let converted = self.convert_groups_n(&a, c, m.entry_plan);
        self.seats_after_n(converted, rate, sums, out);
        self.go_dormant_n(&a, l, out);
        g.n = self.seat_step_n(&a, g.n - c - l, rate, sums, out);
    }

    /// `Run::step_free` for a group whose invitations sent can make PQLs
    /// ([`Run::send_counted`]): the PQL check reads this step's
    /// invitations, whose rate the competing-risks draw chose, so that draw
    /// comes first; then each part's invitations, counted, the check of
    /// each class, and the outcome. (Not a PQL at the start of the sweep,
    /// no member was selected for sales.)
    fn free_counted_n(&mut self, g: &mut Group, sums: &mut StepSums, out: &mut Groups) {
        let m = self.m;
        let (c, l) = self.split3(g.n, m.free.first, m.free.either);
        let seats = g.a.seats as f64;
        let rate = m.invites_active.lambda * seats;
        let a = g.a;
        // The converted add their seats as paying accounts; those leaving add none.
        for (mut b, n, k) in self.send_counted(&a, c, rate, true, sums) {
            self.check_pql_n(&mut b, n);
            for h in self.convert_groups_n(&b, n, m.entry_plan) {
                if h.n > 0 {
                    self.seat_changes_n(&h.a, h.n, k, out, false);
                }
            }
        }
        for (mut b, n, _) in self.send_counted(&a, l, m.invites_free_leaving.lambda * seats, false, sums) {
            self.check_pql_n(&mut b, n);
            self.go_dormant_n(&b, n, out);
        }
        for (mut b, n, k) in self.send_counted(&a, g.n - c - l, rate, true, sums) {
            self.check_pql_n(&mut b, n);
            self.seat_changes_n(&b, n, k, out, false);
        }
        g.n = 0;
    }

    /// The seat changes of groups that have just converted and send
    /// invitations at `rate` (`Run::seat_changes` after `Run::convert`).
    fn seats_after_n(&mut self, converted: [Group; 2], rate: f64, sums: &mut StepSums, out: &mut Groups) {
        for g in converted.into_iter().filter(|g| g.n > 0) {
            if self.seats_fixed() {
                out.push(g);
                continue;
            }
            for (k, n) in self.split_internal(g.n, rate, sums) {
                self.seat_changes_n(&g.a, n, k, out, false);
            }
        }
    }

    /// Whether no seat can join or leave (no internal invitations can be
    /// accepted, no seat churn): the seat changes are then nothing.
    #[inline(always)]
    fn seats_fixed(&self) -> bool {
        let m = self.m;
        m.seat_churn == 0 && (m.internal_share == 0 || m.invite_acceptance == 0)
    }

    /// The seat changes at the end of the step of `n` accounts like `a`
    /// (sending invitations at `rate` each), pushed; returns how many are
    /// left as they were, to stay in the caller's group.
    #[inline(always)]
    fn seat_step_n(&mut self, a: &Account, n: u64, rate: f64, sums: &mut StepSums, out: &mut Groups) -> u64 {
        if self.seats_fixed() {
            return n;
        }
        let mut kept = 0;
        for (k, c) in self.split_internal(n, rate, sums) {
            kept += self.seat_changes_n(a, c, k, out, true);
        }
        kept
    }

    /// `Run::free_step_with_hit` for a group.
    fn free_step_with_hit_n(
        &mut self,
        g: &mut Group,
        before: f32,
        sums: &mut StepSums,
        cm: &CountModel,
        out: &mut Groups,
    ) {
        let m = self.m;
        let a = &mut g.a;
        let tau = hit_fraction(a.limit, before, a.intensity);
        let rate = m.invites_active.lambda * a.seats as f64;
        let (pre, post) = cm.hit_risks(m, tau);
        // Whether the invitations are counted for the PQL signal
        // ([`Run::send_counted`]): no check of this step reads them (the
        // hit's comes before them), later steps' do.
        let counted = self.invite_distance(a).is_some();
        let (c0, l0) = self.split3(g.n, pre.first, pre.either);
        let snapshot = *a;
        // Converted before reaching the limit: they share all step long, and
        // add their seats as paying accounts.
        let converted = self.convert_groups_n(&snapshot, c0, m.entry_plan);
        if counted {
            self.seats_after_counted_n(converted, rate, sums, out);
            self.dormant_after_n(&snapshot, l0, rate * pre.lived, sums, out);
        } else {
            sums.invite_mean += c0 as f64 * rate + l0 as f64 * rate * pre.lived;
            self.seats_after_n(converted, rate, sums, out);
            self.go_dormant_n(&snapshot, l0, out);
        }
        let hit = g.n - c0 - l0;
        g.n = 0;
        if hit == 0 {
            return;
        }
        let mut b = snapshot;
        let (converted, l1) = self.hit_limit_groups_n(&mut b, hit, tau, out);
        let c1 = converted[0].n + converted[1].n;
        // Converted at the wall: they share all step long (and add their
        // seats as paying accounts); those that left share until the wall
        // unless kept as dormant (as `Run::free_step_with_hit`). The hit's
        // PQL check came before this step's invitations.
        if counted {
            self.seats_after_counted_n(converted, rate, sums, out);
        } else {
            sums.invite_mean += c1 as f64 * rate;
            self.seats_after_n(converted, rate, sums, out);
        }
        if !m.keeps_dormant() {
            sums.invite_mean += l1 as f64 * rate * tau;
        }
        let blocked = hit - c1 - l1;
        if blocked == 0 {
            return;
        }
        let rest = 1.0 - tau;
        let (c2, l2) = self.split3(blocked, post.first, post.either);
        let stay_mean = rate * (tau + m.blocked_sharing * rest);
        let leave_mean = rate * (tau + m.blocked_sharing * post.lived);
        if counted {
            for (d, n, _) in self.send_counted(&b, c2, stay_mean, false, sums) {
                self.convert_n(&d, n, m.entry_plan, out);
            }
            self.dormant_after_n(&b, l2, leave_mean, sums, out);
            for (d, n, _) in self.send_counted(&b, blocked - c2 - l2, stay_mean, false, sums) {
                out.push(Group { a: d, n });
            }
            return;
        }
        sums.invite_mean += (blocked - l2) as f64 * stay_mean + l2 as f64 * leave_mean;
        self.convert_n(&b, c2, m.entry_plan, out);
        self.go_dormant_n(&b, l2, out);
        out.push(Group { a: b, n: blocked - c2 - l2 });
    }

    fn step_blocked_n(&mut self, g: &mut Group, sums: &mut StepSums, out: &mut Groups) {
        let m = self.m;
        if self.invite_distance(&g.a).is_some() {
            self.blocked_counted_n(g, sums, out);
            return;
        }
        if m.pql.is_some() {
            let mut a = g.a;
            if self.check_pql_n(&mut a, g.n) {
                // A blocked group's record is not changed in place (see
                // `stable`): the new PQLs move.
                let mut moved = Group { a, n: g.n };
                g.n = 0;
                if !self.defer_contact_n(&mut moved, sums) {
                    self.blocked_rest_n(&mut moved, sums, out);
                    out.push(moved);
                }
                return;
            }
            // The sales contact (`contact_pending_n`), after the
            // invitations, before the outcome of the competing-risks draw.
            self.defer_contact_n(g, sums);
        }
        self.blocked_rest_n(g, sums, out);
    }

    /// The rest of a blocked group's step after its sales contact
    /// (`Run::step_blocked`): invitations, conversion or departure.
    fn blocked_rest_n(&mut self, g: &mut Group, sums: &mut StepSums, out: &mut Groups) {
        let m = self.m;
        let (c, l) = self.split3(g.n, m.blocked.first, m.blocked.either);
        let seats = g.a.seats as f64;
        sums.invite_mean +=
            ((g.n - l) as f64 * m.invites_blocked.lambda + l as f64 * m.invites_blocked_leaving.lambda) * seats;
        let a = g.a;
        // A blocked account adds no seats (its internal invitations stay
        // pooled), but its extra seats may leave, as a paying account once
        // converted.
        for h in self.convert_groups_n(&a, c, m.entry_plan) {
            self.seat_changes_n(&h.a, h.n, 0, out, false);
        }
        self.go_dormant_n(&a, l, out);
        g.n = self.seat_changes_n(&a, g.n - c - l, 0, out, true);
    }

    /// `Run::step_blocked` for a group whose invitations sent can make PQLs
    /// ([`Run::send_counted`]), as [`Run::free_counted_n`]: the
    /// competing-risks draw (it sets the rate), each part's invitations,
    /// counted, the PQL check of each class, the outcome. A blocked account
    /// adds no seats; its extra seats may leave, as a paying account once
    /// converted.
    fn blocked_counted_n(&mut self, g: &mut Group, sums: &mut StepSums, out: &mut Groups) {
        let m = self.m;
        let (c, l) = self.split3(g.n, m.blocked.first, m.blocked.either);
        let seats = g.a.seats as f64;
        let (stay, leaving) = (m.invites_blocked.lambda * seats, m.invites_blocked_leaving.lambda * seats);
        let a = g.a;
        for (mut b, n, _) in self.send_counted(&a, c, stay, false, sums) {
            self.check_pql_n(&mut b, n);
            for h in self.convert_groups_n(&b, n, m.entry_plan) {
                if h.n > 0 {
                    self.seat_changes_n(&h.a, h.n, 0, out, false);
                }
            }
        }
        for (mut b, n, _) in self.send_counted(&a, l, leaving, false, sums) {
            self.check_pql_n(&mut b, n);
            self.go_dormant_n(&b, n, out);
        }
        for (mut b, n, _) in self.send_counted(&a, g.n - c - l, stay, false, sums) {
            self.check_pql_n(&mut b, n);
            self.seat_changes_n(&b, n, 0, out, false);
        }
        g.n = 0;
    }

    fn step_paid_n(&mut self, g: &mut Group, sums: &mut StepSums, out: &mut Groups) {
        let m = self.m;
        self.totals.paid_at_risk += g.n;
        let a = g.a;
        let tenure = (self.step - a.since_step as u32) as usize;
        let t = m.tenure[tenure.min(m.tenure.len() - 1)];
        if t.anniversary {
            let months = t.months + a.event_step as u32;
            let annual = a.flags & flag::ANNUAL != 0;
            let plan = &m.plans[a.plan as usize];
            let renewal = !annual || months.is_multiple_of(12);
            if renewal && (t.months > 0 || a.event_step > 0) {
                let churn = if annual {
                    let year = (months / 12) as usize;
                    plan.annual_churn_by_year[(year - 1).min(plan.annual_churn_by_year.len() - 1)]
                } else {
                    plan.churn_by_tenure[((months - 1) as usize).min(plan.churn_by_tenure.len() - 1)]
                };
                let k = self.bin(g.n, prob(churn));
                self.churn_paid_n(&a, k, false, out);
                g.n -= k;
            }
            if renewal {
                let fail = prob(m.payment_failure) * (1.0 - prob(m.payment_recovery));
                let k = self.bin(g.n, fail);
                self.churn_paid_n(&a, k, true, out);
                g.n -= k;
                self.pay_n(&a, g.n);
            }
        }
        let rate = m.invites_active.lambda * a.seats as f64;
        if self.invite_distance(&a).is_some() {
            // Counted for the PQL signal: the usage check (tier usage
            // limits), then each part's invitations counted, each class
            // checked, then its seat changes (not a PQL at the start of the
            // sweep, none selected).
            let moved = if self.usage_laws.on { self.usage_check_n(g) } else { [Group { a, n: 0 }; 2] };
            for part in moved.into_iter().chain([*g]).filter(|h| h.n > 0) {
                for (mut b, n, k) in self.send_counted(&part.a, part.n, rate, true, sums) {
                    self.check_pql_n(&mut b, n);
                    self.seat_changes_n(&b, n, k, out, false);
                }
            }
            g.n = 0;
            return;
        }
        sums.invite_mean += g.n as f64 * rate;
        if self.usage_laws.on {
            // Those capped or upgraded now move, and go on with their step.
            for mut h in self.usage_check_n(g) {
                if h.n > 0 {
                    self.paid_rest_n(&mut h, rate, sums, out);
                    out.push(h);
                }
            }
        }
        self.paid_rest_n(g, rate, sums, out);
    }

    /// The rest of a paying group's step after its usage check: the PQL
    /// check and the sales contact, the seat changes.
    #[inline]
    fn paid_rest_n(&mut self, g: &mut Group, rate: f64, sums: &mut StepSums, out: &mut Groups) {
        if g.n == 0 {
            return;
        }
        if self.m.pql.is_some() {
            self.paid_pql_n(g, rate, sums, out);
        } else {
            let a = g.a;
            g.n = self.seat_step_n(&a, g.n, rate, sums, out);
        }
    }

    /// A paying group's usage against its tier's limit (`Run::step_paid`,
    /// with a next plan to upgrade to): of an uncapped group, the members
    /// whose usage reaches the limit now, one binomial count with the
    /// chance of its law ([`UsageLaws::hit`]), are capped; of the capped
    /// (those and a capped group's), one binomial count upgrade to the next
    /// plan. Returns the capped that moved and the upgraded; `g` keeps the
    /// rest, its record unchanged (see `stable`).
    fn usage_check_n(&mut self, g: &mut Group) -> [Group; 2] {
        let m = self.m;
        let plan = g.a.plan;
        let mut moved = [Group { a: g.a, n: 0 }; 2];
        if g.n == 0 || plan as usize + 1 >= m.plans.len() || !m.plans[plan as usize].usage_limit.is_finite() {
            return moved;
        }
        let id = law_id(&g.a);
        if id == 0 {
            // None of its members can reach the limit before the run ends.
            return moved;
        }
        let already = self.usage_laws.capped(id);
        let hit = if already {
            g.n
        } else {
            let (p, capped) = self.usage_laws.hit(id, plan, self.step);
            set_law(&mut moved[0].a, capped);
            self.bin(g.n, p)
        };
        if hit == 0 {
            return moved;
        }
        let up = self.bin(hit, prob(m.upgrade));
        if already {
            g.n -= up;
        } else {
            g.n -= hit;
            moved[0].n = hit - up;
        }
        if up > 0 {
            let mut a = moved[0].a;
            self.upgrade_to_n(&mut a, plan + 1, up);
            moved[1] = Group { a, n: up };
        }
        moved
    }

    /// The PQL check and the sales contact of a paying group
    /// (`Run::step_paid`): a won deal upgrades a PQL on a plan below the
    /// sales plan to it (`upgrade_to_n`). A paying group's record is not
    /// changed in place (see `stable`): the new PQLs and the contacted move.
    /// Then (`Run::seat_changes`) the seat changes of those not waiting
    /// for a contact (the waiting ones have theirs after it).
    fn paid_pql_n(&mut self, g: &mut Group, rate: f64, sums: &mut StepSums, out: &mut Groups) {
        let mut a = g.a;
        if self.check_pql_n(&mut a, g.n) {
            let mut moved = Group { a, n: g.n };
            g.n = 0;
            if !self.defer_contact_n(&mut moved, sums) {
                moved.n = self.seat_step_n(&moved.a, moved.n, rate, sums, out);
                out.push(moved);
            }
            return;
        }
        if !self.defer_contact_n(g, sums) {
            let a = g.a;
            g.n = self.seat_step_n(&a, g.n, rate, sums, out);
        }
    }

    /// `Run::check_pql` for `n` accounts like `a`: alike, so all of them
    /// qualify or none (the signals simulated read the record's flags and
    /// seats). Returns whether they became PQLs (`a` is marked).
    fn check_pql_n(&mut self, a: &mut Account, n: u64) -> bool {
        if n == 0 || self.m.pql.is_none() || a.flags & flag::PQL != 0 || !self.qualifies_as_pql(a) {
            return false;
        }
        a.flags |= flag::PQL;
        self.flows.pqls += n;
        self.totals.pqls += n;
        if a.state != State::Paid {
            self.totals.free_pqls += n;
            self.reach_n(a, self.m.before_pql(), reached::PQL, n);
        }
        true
    }

    /// A group at its sales contact point (`Run::sales_contact`): if its
    /// members were selected at the start of the sweep
    /// ([`Run::select_for_sales_n`]) and are still uncontacted PQLs (paying
    /// ones on a plan below the sales plan), they wait in
    /// `sums.pending` for the state's contacts ([`Run::contact_pending_n`])
    /// and `g` keeps none of them. Returns whether they wait.
    fn defer_contact_n(&mut self, g: &mut Group, sums: &mut StepSums) -> bool {
        let Some(s) = &self.m.sales else { return false };
        let a = &g.a;
        if g.n == 0 || a.reached & reached::SALES_SELECTED == 0 || a.flags & (flag::PQL | flag::CONTACTED) != flag::PQL
        {
            return false;
        }
        if a.state == State::Paid && a.plan >= s.plan {
            return false;
        }
        sums.pending.push(*g);
        g.n = 0;
        true
    }

    /// The sales contacts of a state, once each of its groups has reached
    /// its contact point: every selected member waiting is contacted (the
    /// selection is within the budget; see the module doc, "Sales"), one
    /// binomial count of each group's contacted won: those convert to
    /// the sales plan (free or trial; their step ends) or are upgraded to
    /// it (paying, `upgrade_to_n`). The contacted that were not won (now
    /// `CONTACTED`) go on with the rest of their step
    /// (`free_rest_n`, `blocked_rest_n`, `trial_rest_n`; a paying group's
    /// step has nothing after its contact).
    fn contact_pending_n(&mut self, sums: &mut StepSums, out: &mut Groups) {
        let m = self.m;
        let Some(s) = &m.sales else { return };
        if sums.pending.is_empty() {
            return;
        }
        let pending = std::mem::take(&mut sums.pending);
        for mut g in pending {
            // Every selected member that reached its contact point is
            // contacted (the selection is within the budget).
            let k = g.n;
            debug_assert!(k <= self.sales_budget);
            self.sales_budget = self.sales_budget.saturating_sub(k);
            g.a.reached &= !reached::SALES_SELECTED;
            let mut h = g;
            h.a.flags |= flag::CONTACTED;
            self.flows.sales_contacts += k;
            self.flows.sales_cost += s.cost_per_contact * k as f64;
            let won = self.bin(k, prob(s.conversion));
            self.flows.sales_conversions += won;
            h.n = k - won;
            if won > 0 {
                if h.a.state == State::Paid {
                    // Upgraded, then its seat changes on the sales plan.
                    let mut u = h.a;
                    self.upgrade_to_n(&mut u, s.plan, won);
                    let rate = m.invites_active.lambda * u.seats as f64;
                    let kept = self.seat_step_n(&u, won, rate, sums, out);
                    out.push(Group { a: u, n: kept });
                } else {
                    self.convert_n(&h.a, won, s.plan, out);
                }
            }
            // The won free and blocked sent their invitations at the rate
            // their step's competing-risks draw chose (leaving or not).
            let seats = h.a.seats as f64;
            match h.a.state {
                State::ActiveFree => {
                    let leaving = self.bin(won, prob(m.free.either.saturating_sub(m.free.first)));
                    sums.invite_mean += ((won - leaving) as f64 * m.invites_active.lambda
                        + leaving as f64 * m.invites_free_leaving.lambda)
                        * seats;
                }
                State::Blocked => {
                    let leaving = self.bin(won, prob(m.blocked.either.saturating_sub(m.blocked.first)));
                    sums.invite_mean += ((won - leaving) as f64 * m.invites_blocked.lambda
                        + leaving as f64 * m.invites_blocked_leaving.lambda)
                        * seats;
                }
                _ => {}
            }
            match h.a.state {
                State::ActiveFree => self.free_rest_n(&mut h, sums, out),
                State::Blocked => self.blocked_rest_n(&mut h, sums, out),
                State::Trial => {
                    // Those that activated this step (at their event step) sent no invitations.
                    let before = h.a.flags & flag::ACTIVATED != 0 && h.a.event_step as u32 != self.step;
                    self.trial_tail_n(&mut h, before, sums, out);
                }
                _ => {
                    let rate = m.invites_active.lambda * h.a.seats as f64;
                    let a = h.a;
                    h.n = self.seat_step_n(&a, h.n, rate, sums, out);
                }
            }
            out.push(h);
        }
    }

    /// The sales team's selection at the start of a state's sweep
    /// (`Run::select_for_sales`): of the `E` waiting PQLs of the state's
    /// groups `v` (uncontacted; paying ones on a plan below the sales
    /// plan), `K = min(budget, E)` chosen uniformly at random, split over
    /// the groups by one multivariate hypergeometric draw (conditional
    /// hypergeometrics, group by group, [`hypergeometric`]). Members of a
    /// group are exchangeable, so a group's selected members are a
    /// uniformly random subset of it and face the same step draws as the
    /// rest: they become their own group, marked
    /// [`reached::SALES_SELECTED`], stepped by the same code and contacted
    /// at their contact point ([`Run::defer_contact_n`]). Exact.
    fn select_for_sales_n(&mut self, v: &mut Vec<Group>) {
        let Some(s) = &self.m.sales else { return };
        if self.sales_budget == 0 {
            return;
        }
        let plan = s.plan;
        let waiting = |g: &Group| {
            g.n > 0
                && g.a.flags & (flag::PQL | flag::CONTACTED) == flag::PQL
                && (g.a.state != State::Paid || g.a.plan < plan)
        };
        let mut left: u64 = v.iter().filter(|g| waiting(g)).map(|g| g.n).sum();
        let mut draws = left.min(self.sales_budget);
        if draws == 0 {
            return;
        }
        let mut selected = Vec::new();
        for g in v.iter_mut() {
            if draws == 0 {
                break;
            }
            if !waiting(g) {
                continue;
            }
            let k = if draws >= left { g.n } else { hypergeometric(left, g.n, draws, &mut self.rng) };
            left -= g.n;
            draws -= k;
            if k == g.n {
                g.a.reached |= reached::SALES_SELECTED;
            } else if k > 0 {
                g.n -= k;
                let mut a = g.a;
                a.reached |= reached::SALES_SELECTED;
                selected.push(Group { a, n: k });
            }
        }
        v.append(&mut selected);
    }

    fn step_dormant_n(&mut self, g: &mut Group, out: &mut Groups) {
        let k = self.bin(g.n, prob(self.m.reactivation));
        if k == 0 {
            return;
        }
        g.n -= k;
        let mut b = g.a;
        self.flows.reactivated_free += k;
        self.come_back_n(&b, k);
        // A lazy group has not reached its limit (its `usage` is its usage age).
        b.state = if b.intensity != LAZY && b.usage >= b.limit { State::Blocked } else { State::ActiveFree };
        b.since_step = self.step as u16;
        out.push(Group { a: b, n: k });
    }

    fn step_lapsed_n(&mut self, g: &mut Group, out: &mut Groups) {
        let k = self.bin(g.n, prob(self.m.win_back));
        if k == 0 {
            return;
        }
        g.n -= k;
        let mut b = g.a;
        self.flows.won_back += k;
        self.come_back_n(&b, k);
        if b.source != source::INITIAL {
            let month = self.month() as usize;
            self.customers_by_conversion_month[month] += k;
        }
        b.state = State::Paid;
        if self.usage_laws.on {
            let id = self.usage_laws.won_back(law_id(&b), self.step);
            set_law(&mut b, id);
        }
        b.since_step = self.step as u16;
        b.event_step = 0;
        b.mrr_cents = self.m.plans[b.plan as usize].mrr_cents(b.seats, b.flags & flag::ANNUAL != 0);
        self.cohort_mrr(&b, b.mrr_cents as i64 * k as i64);
        self.flows.reactivation_mrr += b.mrr_cents as u64 * k;
        self.pay_n(&b, k);
        out.push(Group { a: b, n: k });
    }

    /// The invitations of the step, all accounts' at once (see
    /// [`StepSums`]): the four streams' Poisson counts of the summed means,
    /// less what was drawn group by group.
    fn send_invitations(&mut self, sums: &StepSums) {
        self.send_rest_n(sums.rest_sent);
        let mean = sums.invite_mean;
        if mean <= 0.0 {
            return;
        }
        let m = self.m;
        let accept = prob(m.invite_acceptance);
        let internal = accept * prob(m.internal_share);
        let external = accept - internal;
        let new = external * prob(self.new_to_market);
        let means = [
            mean * (1.0 - accept),
            (mean * internal - sums.drawn_internal).max(0.0),
            mean * (external - new),
            (mean * new - sums.drawn_new).max(0.0),
        ];
        let [rejected, internal, old, new] =
            means.map(|x| if x > 0.0 { sampling::poisson(x, &mut self.rng) } else { 0 });
        self.flows.invites_sent += rejected + old;
        self.flows.invites_accepted += old;
        self.book_internal(internal);
        self.book_new(new, m.invite_delay);
    }

    /// Books `k` accepted internal invitations (sent and accepted).
    fn book_internal(&mut self, k: u64) {
        self.flows.invites_sent += k;
        self.flows.invites_accepted += k;
    }

    /// Books `k` accepted external invitations that reach someone new: they
    /// sign up after the cycle time, one step late with the delay's
    /// probability (`Run::invite_slow`).
    fn book_new(&mut self, new: u64, delay: super::model::Delay) {
        if new == 0 {
            return;
        }
        self.flows.invites_sent += new;
        self.flows.invites_accepted += new;
        let late = self.bin(new, prob(delay.extra));
        let at = (self.step + delay.steps) as usize;
        for (at, n) in [(at, new - late), (at + 1, late)] {
            if let Some(slot) = self.pending_invites.get_mut(at) {
                *slot += n;
            }
        }
        self.totals.viral_caused += new;
    }

    /// `sent` invitations of any accounts: accepted, internal, new to the
    /// market as binomial counts (`Run::invite_slow`, whose one-by-one
    /// draws for a few invitations have the same distribution), for the
    /// invitations sent once, whose count is not Poisson.
    fn send_n(&mut self, sent: u64, delay: super::model::Delay) {
        let m = self.m;
        if sent == 0 {
            return;
        }
        let accepted = self.bin(sent, prob(m.invite_acceptance));
        let internal = self.bin(accepted, prob(m.internal_share));
        let new = self.bin(accepted - internal, prob(self.new_to_market));
        self.flows.invites_sent += sent - internal - new;
        self.flows.invites_accepted += accepted - internal - new;
        self.book_internal(internal);
        self.book_new(new, delay);
    }

    /// `invites.pattern = "once"` for `n` accounts joining now
    /// (`Run::send_once`): `floor(x)` invitations each and one more with
    /// probability `frac(x)`, a binomial count over the group.
    fn send_once_n(&mut self, n: u64) {
        let m = self.m;
        let x = m.invite_once;
        let whole = x.floor();
        let sent = n * whole as u64 + self.bin(n, prob(super::model::threshold(x - whole)));
        self.totals.once_senders += n;
        let caused = self.totals.viral_caused;
        self.send_n(sent, m.once_delay);
        self.totals.once_caused += self.totals.viral_caused - caused;
    }

    /// `invites.pattern = "once"` with seats or the PQL signal by
    /// invitations sent (`Run::send_once`) for the groups placed in
    /// `groups.moved` since `marks` (this chunk's arrivals that stayed):
    /// each account sends `floor(x)` invitations or one more (a binomial
    /// split of the group, each part's count sent added to its record while
    /// it can make PQLs, [`invite_threshold`]); those active free or on a
    /// trial are split by their accepted internal ones, Binomial(sent,
    /// acceptance x internal share) each (exact, [`split_by_law`]), which
    /// join as seats (`Run::add_seats`); given those, each other invitation
    /// is independently accepted external with probability `(acceptance -
    /// internal) / (1 - internal)`, so the rest are pooled binomials. The
    /// signed-up groups' internal invitations bring no seats: pooled.
    fn send_once_groups_n(&mut self, groups: &mut Groups, marks: [usize; STATES]) {
        let m = self.m;
        let x = m.invite_once;
        let whole = x.floor() as u64;
        let extra = prob(super::model::threshold(x - x.floor()));
        let (acc, q) = (prob(m.invite_acceptance), self.internal_mean(1.0));
        let placed: Vec<Group> =
            (0..STATES).flat_map(|s| groups.moved[s].drain(marks[s]..).collect::<Vec<_>>()).collect();
        let caused = self.totals.viral_caused;
        let (mut pooled, mut rest, mut internal) = (0u64, 0u64, 0u64);
        for g in placed {
            self.totals.once_senders += g.n;
            let more = self.bin(g.n, extra);
            let distance = self.invite_distance(&g.a);
            // Each record with its count sent, up to the PQL threshold, when
            // that can make PQLs (`Run::send_once` adds it).
            let with_sent = |sent: u64| {
                let mut b = g.a;
                if let Some(d) = distance {
                    b.invites_sent += sent.min(d) as u16;
                }
                b
            };
            if !matches!(g.a.state, State::ActiveFree | State::Trial) {
                pooled += g.n * whole + more;
                if distance.is_some() {
                    groups.push(Group { a: with_sent(whole), n: g.n - more });
                    groups.push(Group { a: with_sent(whole + 1), n: more });
                } else {
                    groups.push(g);
                }
                continue;
            }
            for (sent, c) in [(whole, g.n - more), (whole + 1, more)] {
                if c == 0 {
                    continue;
                }
                let b = with_sent(sent);
                let split = if sent == 0 || q <= 0.0 {
                    vec![(0, c)]
                } else if q >= 1.0 {
                    vec![(sent, c)]
                } else if c == 1 {
                    vec![(self.bin(sent, q), 1)]
                } else {
                    split_by_law(c, sent, |k| binomial_pmf(sent, q, k), &mut self.rng)
                };
                for (k, ck) in split {
                    rest += (sent - k) * ck;
                    internal += k * ck;
                    if k > 0 {
                        self.add_seats_n(b, ck, k.min(u32::MAX as u64) as u32, groups);
                    } else {
                        groups.push(Group { a: b, n: ck });
                    }
                }
            }
        }
        self.book_internal(internal);
        let external = if q < 1.0 { self.bin(rest, ((acc - q) / (1.0 - q)).clamp(0.0, 1.0)) } else { 0 };
        let new = self.bin(external, prob(self.new_to_market));
        self.flows.invites_sent += rest - new;
        self.flows.invites_accepted += external - new;
        self.book_new(new, m.once_delay);
        self.send_n(pooled, m.once_delay);
        self.totals.once_caused += self.totals.viral_caused - caused;
    }

    /// Accounts that expose the product (`Run::exposing`), from the counts.
    fn exposing_counts(&self, c: &[u64; STATES]) -> f64 {
        if self.m.exposure_per_step <= 0.0 {
            return 0.0;
        }
        (c[State::ActiveFree as usize] + c[State::Trial as usize] + c[State::Paid as usize]) as f64
            + self.m.blocked_sharing * c[State::Blocked as usize] as f64
    }

    /// Phase 2 for the count engine: the step's arrivals (the acquisition
    /// draws of `Run::arrival_counts`), up to [`MAX_LIVE_COUNTS`], as
    /// groups: by class of source (a paid channel or not: the source is
    /// read only for channel conversions), whether and when each activates
    /// (one multinomial over the activation offsets) and by intensity
    /// bucket (one multinomial).
    fn arrive_n(
        &mut self,
        groups: &mut Groups,
        cm: &CountModel,
        t_months: f64,
        channel_signups: &mut [u64],
        ttv: &mut [u64],
    ) {
        let m = self.m;
        let step = self.step;
        let mut arrivals = self.arrival_counts(t_months);
        let mut live = groups.total() + groups.moved.iter().flatten().map(|g| g.n).sum::<u64>();
        let mut by_class = [0u64; 2];
        // Invitations sent once that can add seats or make PQLs: sent group
        // by group.
        let counted = m.pql.as_ref().is_some_and(|q| q.min_invites_sent.is_some());
        let once_seats = m.invite_once > 0.0 && (self.internal_mean(1.0) > 0.0 || counted);
        let mut next = 0;
        while next < arrivals.len() {
            let (src, n) = arrivals[next];
            next += 1;
            let room = MAX_LIVE_COUNTS.saturating_sub(live);
            if n > room {
                self.capped = true;
            }
            let n = n.min(room);
            live += n;
            match src {
                source::ORGANIC => self.flows.signups_organic += n,
                source::INVITE => self.flows.signups_invite += n,
                source::EXPOSURE => self.flows.signups_exposure += n,
                _ => {
                    self.flows.signups_paid += n;
                    channel_signups[(src - source::CHANNEL) as usize] += n;
                }
            }
            self.totals.signups += n;
            if step + m.window_steps <= m.steps {
                self.totals.matured_signups += n;
            }
            for (i, w) in WITHIN_MONTHS.iter().enumerate() {
                if step + w * m.steps_per_month < m.steps {
                    self.totals.eligible_within[i] += n;
                }
            }
            if let Some(t) = &m.trial {
                // Each chunk placed at once: who sends invitations once
                // (`Run::arrive`) depends on the trial started at signup
                // and on activating at arrival.
                let class = if src >= source::CHANNEL { source::CHANNEL } else { source::ORGANIC };
                let on_trial = if t.start == TrialStart::Signup { self.bin(n, trial_start_probability(t)) } else { 0 };
                let marks: [usize; STATES] = std::array::from_fn(|s| groups.moved[s].len());
                let mut stayed = self.place_arrivals(class, on_trial, true, cm, ttv, groups);
                let rest = n - on_trial;
                if t.start == TrialStart::Signup && t.after == TrialAfter::Leave {
                    // No trial and no free plan: they abandon at once.
                    self.flows.abandoned += rest;
                    let a = self.new_group_record(cm, class, 0, false);
                    self.leave_n(&a, rest);
                } else {
                    stayed += self.place_arrivals(class, rest, false, cm, ttv, groups);
                }
                if once_seats {
                    self.send_once_groups_n(groups, marks);
                } else if m.invite_once > 0.0 && stayed > 0 {
                    self.send_once_n(stayed);
                }
            } else if once_seats {
                // Each chunk placed at once: its invitations sent once add
                // seats to those active at arrival.
                let class = if src >= source::CHANNEL { source::CHANNEL } else { source::ORGANIC };
                let marks: [usize; STATES] = std::array::from_fn(|s| groups.moved[s].len());
                self.place_arrivals(class, n, false, cm, ttv, groups);
                self.send_once_groups_n(groups, marks);
            } else {
                by_class[(src >= source::CHANNEL) as usize] += n;
                if m.invite_once > 0.0 && n > 0 {
                    self.send_once_n(n);
                }
            }
            if next == arrivals.len() && m.invite_once > 0.0 {
                // Invitations sent once by this step's arrivals whose
                // invitees join at the end of this same step (as in
                // `Run::arrive`): they arrive now, after them.
                let more = std::mem::take(&mut self.pending_invites[step as usize]);
                if more > 0 {
                    let more = self.market_cap(more);
                    self.signed_up_ever += more as f64;
                    arrivals.push((source::INVITE, more));
                }
            }
        }
        for (class, &n) in by_class.iter().enumerate() {
            let src = if class == 1 { source::CHANNEL } else { source::ORGANIC };
            self.place_arrivals(src, n, false, cm, ttv, groups);
        }
        self.update_market_share();
    }

    /// The record of a new signup of this step (source class `src`),
    /// activating `offset` steps after its signup step (`will`), else at
    /// its window's close.
    fn new_group_record(&self, cm: &CountModel, src: u8, offset: u32, will: bool) -> Account {
        let m = self.m;
        let offset = if will { offset } else { m.window_steps };
        Account {
            usage: 0.0,
            intensity: if cm.lazy { LAZY } else { cm.fixed_intensity },
            limit: m.usage_limit,
            mrr_cents: 0,
            signup_step: self.step as u16,
            event_step: (self.step + offset).min(u16::MAX as u32) as u16,
            since_step: 0,
            seats: 1,
            invites_sent: 0,
            state: State::SignedUp,
            plan: 0,
            source: src,
            flags: if will { flag::WILL_ACTIVATE } else { 0 },
            reached: 0,
        }
    }

    /// `n` signups of this step from source class `src` join as groups:
    /// whether and when each activates (one multinomial over the
    /// activation offsets); on the trial from signup (`on_trial`); those
    /// that activate now activate. Returns how many stay.
    fn place_arrivals(
        &mut self,
        src: u8,
        n: u64,
        on_trial: bool,
        cm: &CountModel,
        ttv: &mut [u64],
        groups: &mut Groups,
    ) -> u64 {
        if n == 0 {
            return 0;
        }
        let m = self.m;
        let will = self.bin(n, prob(m.activation));
        let by_offset = multinomial(will, &cm.ttv.offset, &mut self.rng);
        let activating: u64 = by_offset.iter().sum();
        let never = n - activating;
        let mut stayed = 0;
        for (o, &c) in by_offset.iter().enumerate().map(|(o, c)| (Some(o), c)).chain([(None, &never)]) {
            if c == 0 {
                continue;
            }
            let mut a = self.new_group_record(cm, src, o.unwrap_or(0) as u32, o.is_some());
            if on_trial {
                let t = m.trial.as_ref().expect("trials start only with a trial");
                a.state = State::Trial;
                a.plan = t.plan;
                self.flows.trial_starts += c;
                self.totals.trial_starts += c;
            }
            if o == Some(0) {
                stayed += self.activate_n(a, c, ttv, groups);
            } else {
                groups.push(Group { a, n: c });
                stayed += c;
            }
        }
        stayed
    }
}

/// Seats: internal invitations and seat churn (`Run::seat_changes`,
/// `Run::add_seats`, `Run::seat_churn`) for groups.
///
/// An account's accepted internal invitations in a step are a Poisson count
/// of mean (invitations sent) x acceptance x internal share, independent of
/// its other invitations (Poisson thinning; `Run::invite_each` and
/// `Run::invite_slow` draw the same law), so a group whose members gain
/// seats from them is split by that count ([`Run::split_internal`]: one
/// conditional binomial per value reached, [`split_by_law`]); the rest of
/// the population's invitations stay pooled ([`StepSums`]). Its seat churn
/// splits it likewise by the exact Binomial(seats - 1, churn) law. Given
/// its count, a sub-group's seat changes are the account engine's own
/// steps, deterministic except for the draws the account engine makes (the
/// limit hit's outcome, the upgrade chance), which become binomials over
/// the sub-group: the same joint law, account by account. The seats a group
/// can hold are bounded by its limits (the free seat limit, a tier's
/// `seat_limit`), so the values reached are few.
impl Run<'_> {
    /// The mean accepted internal invitations of an account that sends
    /// `sent` invitations on average.
    fn internal_mean(&self, sent: f64) -> f64 {
        sent * prob(self.m.invite_acceptance) * prob(self.m.internal_share)
    }

    /// Splits `n` accounts that each send a Poisson number of invitations
    /// of mean `sent` by their accepted internal ones (see the impl's doc),
    /// drawn here: booked, and their mean added to `drawn_internal` so the
    /// pooled draw covers only the rest of the stream. Returns (count,
    /// accounts with it); one class of 0 when no invitation can be internal.
    #[inline]
    fn split_internal(&mut self, n: u64, sent: f64, sums: &mut StepSums) -> Classes {
        if n == 0 {
            return Parts::One(None);
        }
        let mean = self.internal_mean(sent);
        if mean <= 0.0 {
            return Parts::One(Some((0, n)));
        }
        sums.drawn_internal += n as f64 * mean;
        if n == 1 {
            let k = sampling::poisson(mean, &mut self.rng);
            self.book_internal(k);
            return Parts::One(Some((k.min(u32::MAX as u64) as u32, 1)));
        }
        let split = self.split_poisson(n, mean);
        let total: u64 = split.iter().map(|&(k, c)| k * c).sum();
        self.book_internal(total);
        let split: Vec<(u32, u64)> = split.into_iter().map(|(k, c)| (k.min(u32::MAX as u64) as u32, c)).collect();
        Parts::Many(split.into_iter())
    }

    /// `Run::reprice` for `n` paying accounts like `a` (their seats changed).
    fn reprice_n(&mut self, a: &mut Account, n: u64) {
        let p = &self.m.plans[a.plan as usize];
        let new = p.mrr_cents(a.seats, a.flags & flag::ANNUAL != 0);
        self.cohort_mrr(a, (new as i64 - a.mrr_cents as i64) * n as i64);
        if new > a.mrr_cents {
            self.flows.expansion_mrr += (new - a.mrr_cents) as u64 * n;
        } else {
            self.flows.contraction_mrr += (a.mrr_cents - new) as u64 * n;
        }
        a.mrr_cents = new;
    }

    /// `Run::upgrade_to` for `n` paying accounts like `a`. With tier usage
    /// limits, the group's law moves with it ([`UsageLaws::moved_up`]).
    fn upgrade_to_n(&mut self, a: &mut Account, plan: u8, n: u64) {
        if self.usage_laws.on {
            let id = self.usage_laws.moved_up(law_id(a), a.plan, plan, self.step);
            set_law(a, id);
        }
        a.plan = plan;
        self.flows.upgrades += n;
        self.reprice_n(a, n);
    }

    /// `Run::seat_churn` for `n` accounts like `a`: split by the seats that
    /// leave, Binomial(seats - 1, seat churn) each (exact, [`split_by_law`]);
    /// the groups, the first those with none gone (the record unchanged).
    fn seat_churn_n(&mut self, a: &Account, n: u64) -> Vec<Group> {
        let m = self.m;
        if a.seats <= 1 || m.seat_churn == 0 || n == 0 {
            return vec![Group { a: *a, n }];
        }
        let extra = (a.seats - 1) as u64;
        let p = prob(m.seat_churn);
        let split = if n == 1 {
            vec![(self.bin(extra, p), 1)]
        } else if p >= 1.0 {
            vec![(extra, n)]
        } else {
            split_by_law(n, extra, |k| binomial_pmf(extra, p, k), &mut self.rng)
        };
        let mut out = Vec::with_capacity(split.len() + 1);
        if split[0].0 != 0 {
            out.push(Group { a: *a, n: 0 });
        }
        for (gone, c) in split {
            let mut b = *a;
            if gone > 0 {
                b.seats -= gone as u16;
                self.flows.seats_removed += gone * c;
                if b.state == State::Paid {
                    self.reprice_n(&mut b, c);
                }
            }
            out.push(Group { a: b, n: c });
        }
        out
    }

    /// `Run::seat_changes` for `n` accounts like `a` with `internal`
    /// accepted internal invitations each: seat churn, then the seats
    /// added. Pushes the resulting groups, except (with `keep`) those left
    /// as they were (no seat gone, none added), whose number is returned
    /// so they can stay in the caller's group.
    #[inline]
    fn seat_changes_n(&mut self, a: &Account, n: u64, internal: u32, out: &mut Groups, keep: bool) -> u64 {
        if internal == 0 && (a.seats <= 1 || self.m.seat_churn == 0) {
            // Nothing changes (the common case, without allocating).
            if keep {
                return n;
            }
            out.push(Group { a: *a, n });
            return 0;
        }
        let mut kept = 0;
        for (i, g) in self.seat_churn_n(a, n).into_iter().enumerate() {
            if internal > 0 {
                self.add_seats_n(g.a, g.n, internal, out);
            } else if i == 0 && keep {
                kept = g.n;
            } else {
                out.push(g);
            }
        }
        kept
    }

    /// `Run::add_seats` for `n` accounts like `a`, each adding `left` seats
    /// from internal invitations, as many at once as the limit lets in: a
    /// seat over the free seat limit is a first limit hit (`hit_limit` at
    /// tau 1/2, a binomial split into converted, departed and blocked; the
    /// converted go on adding seats against their tier's limit); over a
    /// paid tier's limit, one upgrade chance per step (a binomial split).
    /// Pushes the resulting groups.
    fn add_seats_n(&mut self, mut a: Account, mut n: u64, mut left: u32, out: &mut Groups) {
        let m = self.m;
        let mut upgrade_tried = false;
        while left > 0 && n > 0 {
            let limit = match a.state {
                State::ActiveFree => m.seat_limit,
                State::Trial => MAX_SEATS,
                State::Paid => m.plans[a.plan as usize].seat_limit,
                _ => break,
            };
            if a.seats >= limit {
                match a.state {
                    State::ActiveFree if a.flags & flag::HIT == 0 => {
                        let (converted, left_free) = self.hit_limit_groups_n(&mut a, n, 0.5, out);
                        // The blocked (`a`, now blocked) add no seats; the converted go on.
                        out.push(Group { a, n: n - converted[0].n - converted[1].n - left_free });
                        for g in converted {
                            if g.n > 0 {
                                self.add_seats_n(g.a, g.n, left, out);
                            }
                        }
                        return;
                    }
                    State::Paid if !upgrade_tried && (a.plan as usize + 1) < m.plans.len() => {
                        upgrade_tried = true;
                        let k = self.bin(n, prob(m.upgrade));
                        if k < n {
                            out.push(Group { a, n: n - k });
                        }
                        if k == 0 {
                            return;
                        }
                        let next = a.plan + 1;
                        self.upgrade_to_n(&mut a, next, k);
                        n = k;
                        continue;
                    }
                    _ => break,
                }
            }
            let k = left.min((limit - a.seats) as u32);
            a.seats += k as u16;
            left -= k;
            self.flows.seats_added += k as u64 * n;
            if a.seats == MAX_SEATS {
                self.seat_ceiling_hits += n;
            }
            if a.state == State::Paid {
                self.reprice_n(&mut a, n);
            }
        }
        out.push(Group { a, n });
    }
}

/// Invitations counted account by account, for the PQL signal
/// `pql.min_invites_sent` (`Run::qualifies_as_pql`: `invites_sent >= n`).
///
/// While the invitations a group's members have sent can still make them
/// PQLs ([`invite_threshold`]), the group is split by the number each sends
/// in the step, Poisson of the step's mean, exactly ([`split_by_law`]), and
/// each class adds its count, up to the threshold, to its record: the
/// members of a class stay alike, so a PQL check still marks all of them or
/// none. The counts drawn are the invitations sent in the books: with the
/// accepted internal ones needed (seats), by thinning those are Poisson of
/// the internal mean and the rest Poisson of the remaining mean,
/// independent, so the group is split by both; otherwise, given its total
/// sent, its accepted internal ones are a binomial count. The rest are
/// classified at the end of the step ([`Run::send_rest_n`]); none of the
/// group's mean is pooled. A group whose count no longer matters (a PQL, or
/// at the threshold) pools its invitations as before, at no cost.
impl Run<'_> {
    /// How many more invitations the members of `a` must send to meet the
    /// `pql.min_invites_sent` threshold, while that can still make them PQLs.
    fn invite_distance(&self, a: &Account) -> Option<u64> {
        let n = invite_threshold(a, self.m)?;
        (a.invites_sent < n).then(|| (n - a.invites_sent) as u64)
    }

    /// Splits `n` accounts by a Poisson count of mean `mean` each: (count,
    /// accounts with it).
    fn split_poisson(&mut self, n: u64, mean: f64) -> Vec<(u64, u64)> {
        if n == 0 {
            Vec::new()
        } else if mean <= 0.0 {
            vec![(0, n)]
        } else if n == 1 {
            vec![(sampling::poisson(mean, &mut self.rng), 1)]
        } else {
            split_by_law(n, u64::MAX, |k| poisson_pmf(mean, k), &mut self.rng)
        }
    }

    /// The invitations of `n` accounts like `a` in a step, Poisson of mean
    /// `mean` each (`Run::invite`, `Run::invite_mean`): the classes (record,
    /// accounts, accepted internal invitations each, drawn only with
    /// `seats`, else 0). Counted account by account while their count can
    /// make PQLs (see the impl's doc), each record with its count added;
    /// otherwise pooled (`StepSums`), one class of `a` (with `seats`, split
    /// by the internal ones, [`Run::split_internal`]).
    fn send_counted(
        &mut self,
        a: &Account,
        n: u64,
        mean: f64,
        seats: bool,
        sums: &mut StepSums,
    ) -> Vec<(Account, u64, u32)> {
        if n == 0 {
            return Vec::new();
        }
        let Some(d) = self.invite_distance(a) else {
            sums.invite_mean += n as f64 * mean;
            if !seats {
                return vec![(*a, n, 0)];
            }
            return self.split_internal(n, mean, sums).map(|(k, c)| (*a, c, k)).collect();
        };
        // (internal, sent up to the distance, accounts).
        let mut classes: Vec<(u64, u64, u64)> = Vec::new();
        let mut add = |internal: u64, sent: u64, c: u64| {
            let sent = sent.min(d);
            match classes.iter_mut().find(|x| x.0 == internal && x.1 == sent) {
                Some(x) => x.2 += c,
                None => classes.push((internal, sent, c)),
            }
        };
        let q = self.internal_mean(1.0);
        let (mut internal, mut rest) = (0u64, 0u64);
        if seats && q > 0.0 {
            for (ki, ci) in self.split_poisson(n, mean * q) {
                for (kr, cr) in self.split_poisson(ci, mean * (1.0 - q)) {
                    internal += ki * cr;
                    rest += kr * cr;
                    add(ki, ki + kr, cr);
                }
            }
        } else {
            let mut sent = 0;
            for (k, c) in self.split_poisson(n, mean) {
                sent += k * c;
                add(0, k, c);
            }
            internal = self.bin(sent, q);
            rest = sent - internal;
        }
        self.book_internal(internal);
        sums.rest_sent += rest;
        classes
            .into_iter()
            .map(|(k, sent, c)| {
                let mut b = *a;
                b.invites_sent += sent as u16;
                (b, c, k.min(u32::MAX as u64) as u32)
            })
            .collect()
    }

    /// The invitations other than accepted internal ones of the groups that
    /// counted theirs ([`Run::send_counted`]): given that, each is
    /// rejected, or accepted by someone already in the product or new to
    /// the market (`Run::invite_each`'s probabilities, conditioned), a
    /// binomial count each, booked as the pooled ones are.
    fn send_rest_n(&mut self, rest: u64) {
        if rest == 0 {
            return;
        }
        let m = self.m;
        let accept = prob(m.invite_acceptance);
        let internal = self.internal_mean(1.0);
        let rejected = self.bin(rest, ((1.0 - accept) / (1.0 - internal)).clamp(0.0, 1.0));
        let external = rest - rejected;
        let new = self.bin(external, prob(self.new_to_market));
        self.flows.invites_sent += rest - new;
        self.flows.invites_accepted += external - new;
        self.book_new(new, m.invite_delay);
    }

    /// The invitations of `n` free accounts like `a` that go dormant
    /// after sending them with mean `mean` (`Run::free_step_with_hit`):
    /// counted if they are kept (they may come back), else pooled.
    fn dormant_after_n(&mut self, a: &Account, n: u64, mean: f64, sums: &mut StepSums, out: &mut Groups) {
        if self.m.keeps_dormant() {
            for (b, c, _) in self.send_counted(a, n, mean, false, sums) {
                self.go_dormant_n(&b, c, out);
            }
        } else {
            sums.invite_mean += n as f64 * mean;
            self.go_dormant_n(a, n, out);
        }
    }

    /// The seat changes of groups that have just converted and send
    /// invitations at `rate`, counted ([`Run::seats_after_n`] for the
    /// groups whose count can make PQLs).
    fn seats_after_counted_n(&mut self, converted: [Group; 2], rate: f64, sums: &mut StepSums, out: &mut Groups) {
        for g in converted.into_iter().filter(|g| g.n > 0) {
            for (b, c, k) in self.send_counted(&g.a, g.n, rate, true, sums) {
                self.seat_changes_n(&b, c, k, out, false);
            }
        }
    }
}

/// Marks the paying groups as the retention base (`books::mark_base`).
fn mark_base_n(groups: &mut Groups, r: &mut Run) {
    groups.indexed[State::Paid as usize] = false;
    for g in &mut groups.by_state[State::Paid as usize] {
        g.a.flags |= flag::BASE;
        g.a.limit = f32::from_bits(g.a.mrr_cents);
        r.totals.base_mrr += g.a.mrr_cents as u64 * g.n;
    }
}

/// `books::retention_base` over the groups.
fn retention_base_n(groups: &Groups) -> (u64, u64) {
    let base = groups.by_state[State::Paid as usize].iter().filter(|g| g.a.flags & flag::BASE != 0);
    base.fold((0u64, 0u64), |(now, kept), g| {
        (now + g.a.mrr_cents as u64 * g.n, kept + (g.a.mrr_cents as u64).min(g.a.limit.to_bits() as u64) * g.n)
    })
}

/// The seats by state and MRR of the groups (`Run::tally`); returns the
/// accounts by state and the number of groups (one pass over them).
fn tally_n(groups: &Groups, r: &mut Run) -> ([u64; STATES], usize) {
    r.tally_seats = [0; STATES];
    r.tally_mrr = 0;
    let mut counts = [0u64; STATES];
    let mut len = 0;
    for (s, v) in groups.by_state.iter().enumerate() {
        for g in v.iter().filter(|g| g.n > 0) {
            counts[s] += g.n;
            len += 1;
            r.tally_seats[s] += g.a.seats as u64 * g.n;
            if s == State::Paid as usize {
                r.tally_mrr += g.a.mrr_cents as u64 * g.n;
            }
        }
    }
    (counts, len)
}

/// Simulates one run of `m` with the count engine: the same phases, books
/// and output as `run::simulate_run`. Also returns the most groups the run
/// held at a step's end (bounded whatever the population).
pub fn simulate_run_counts(
    m: &RunModel,
    run: u64,
    rng: SimRng,
    acq_rng: SimRng,
    monthly_width: usize,
) -> (RunOutput, usize) {
    let mut r = Run::new(m, rng, acq_rng);
    let mut cm = CountModel::new(m);
    r.usage_laws = UsageLaws::new(m, cm.lazy);
    r.usage_laws.ranges = std::mem::take(&mut cm.ranges);
    let months = m.months as usize;
    let mut monthly = vec![0.0; months * monthly_width];
    let mut channel_signups = vec![0u64; m.channels.len()];
    let mut account_steps = 0u64;
    let mut ttv = vec![0u64; m.window_steps as usize];
    let base_step = (m.months >= 12).then(|| (m.months - 12) * m.steps_per_month);

    // Initial accounts: one by one, by the account engine's code, then as
    // groups of one (merged where their differences are not read).
    let mut groups = Groups::default();
    let mut opening = vec![0.0; monthly_width];
    {
        let mut pop = Population::default();
        r.initial_accounts(&mut pop);
        let (mut free_seats, mut paid_seats, mut mrr) = (0u64, 0u64, 0u64);
        for s in ALL_STATES {
            for a in pop.of(s) {
                let mut a = *a;
                if s == State::Paid && r.usage_laws.on {
                    let id = r.usage_laws.initial(&a);
                    set_law(&mut a, id);
                    a.usage = 0.0;
                }
                groups.push(Group { a, n: 1 });
                match s {
                    State::SignedUp | State::ActiveFree | State::Blocked => free_seats += a.seats as u64,
                    State::Paid => {
                        paid_seats += a.seats as u64;
                        mrr += a.mrr_cents as u64;
                    }
                    _ => {}
                }
            }
        }
        opening_row_of(pop.counts(), (free_seats, paid_seats, mrr), r.cash_balance, &mut opening);
        groups.settle(m);
    }
    if base_step == Some(0) {
        mark_base_n(&mut groups, &mut r);
    }
    let mut out = Groups::default();
    let mut most_groups = groups.len();
    // The accounts by state at the start of each step (those at the end of the last).
    let mut counts = groups.counts();
    for step in 0..m.steps {
        r.step = step;
        r.month = m.tenure[step as usize].months;
        let t_months = r.month as f64;
        if step % m.steps_per_month == 0 {
            r.sales_budget = m.sales.as_ref().map_or(0, |s| s.contacts_per_month);
        }

        // 1. Accounts.
        let exposing_before = r.exposing_counts(&counts);
        account_steps += counts.iter().sum::<u64>();
        let mut sums = StepSums::default();
        for s in ALL_STATES {
            if (s == State::Dormant && !m.keeps_dormant()) || (s == State::Lapsed && !m.keeps_lapsed()) {
                continue;
            }
            let mut v = std::mem::take(&mut groups.by_state[s as usize]);
            if matches!(s, State::ActiveFree | State::Blocked | State::Trial | State::Paid) {
                r.select_for_sales_n(&mut v);
            }
            for g in v.iter_mut().filter(|g| g.n > 0) {
                match s {
                    State::SignedUp => r.step_signed_up_n(g, &mut ttv, &cm, &mut out),
                    State::ActiveFree => r.step_free_n(g, &mut sums, &cm, &mut out),
                    State::Blocked => r.step_blocked_n(g, &mut sums, &mut out),
                    State::Paid => r.step_paid_n(g, &mut sums, &mut out),
                    State::Dormant => r.step_dormant_n(g, &mut out),
                    State::Lapsed => r.step_lapsed_n(g, &mut out),
                    State::Trial => r.step_trial_n(g, &mut sums, &mut ttv, &cm, &mut out),
                }
            }
            r.contact_pending_n(&mut sums, &mut out);
            // The selection lapses at the end of the step: selected members
            // still in place (their step ended before the contact point)
            // merge back; a record marked in place gets its key back (the
            // stable states' index reads it).
            for g in v.iter_mut().filter(|g| g.a.reached & reached::SALES_SELECTED != 0) {
                g.a.reached &= !reached::SALES_SELECTED;
                if g.n > 0 {
                    out.push(*g);
                    g.n = 0;
                }
            }
            groups.by_state[s as usize] = v;
        }
        for s in 0..STATES {
            groups.moved[s].append(&mut out.moved[s]);
        }
        groups.settle(m);
        // Invitations of the step, sent before the arrivals (as in the
        // account engine, where they are queued during phase 1).
        r.send_invitations(&sums);
        let exposing_after = if m.exposure_per_step > 0.0 { r.exposing_counts(&groups.counts()) } else { 0.0 };
        r.expose(mean_over_step(exposing_before, exposing_after));

        // 2. Arrivals.
        r.arrive_n(&mut groups, &cm, t_months, &mut channel_signups, &mut ttv);
        groups.settle(m);

        // 3. Books.
        let (now, len) = tally_n(&groups, &mut r);
        counts = now;
        most_groups = most_groups.max(len);
        r.book_step();
        if base_step == Some(step + 1) {
            mark_base_n(&mut groups, &mut r);
        }
        if (step + 1) % m.steps_per_month == 0 {
            let month = (step / m.steps_per_month) as usize;
            let row = &mut monthly[month * monthly_width..(month + 1) * monthly_width];
            r.close_month_counts(counts, row, &mut channel_signups);
        }
    }

    // The median time to value: the histogram holds every matured
    // activation in the bin of the median (`books::histogram_median` reads
    // the bin that holds half of them).
    if let Some(bin) = cm.ttv.median_bin(&ttv, m.ttv_share_per_step, &mut r.rng) {
        let total: u64 = ttv.iter().sum();
        r.ttv_days.iter_mut().for_each(|x| *x = 0);
        let last = r.ttv_days.len() - 1;
        r.ttv_days[bin.min(last)] = total;
    }
    let base = base_step.map(|_| retention_base_n(&groups));
    let horizon = horizon_figures(&r, &monthly, monthly_width, base);
    let output = RunOutput {
        run,
        monthly,
        opening,
        horizon,
        account_steps,
        capped: r.capped,
        seat_ceiling_hits: r.seat_ceiling_hits,
        cohort_conversions: std::mem::take(&mut r.cohort_conversions),
        cohort_departures: std::mem::take(&mut r.cohort_departures),
    };
    (output, most_groups)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::simulate;
    use crate::metrics::Monthly;

    #[test]
    fn hypergeometric_draws_have_the_exact_moments_and_support() {
        let mut rng = crate::rng::process_rng(7, 0);
        assert_eq!(hypergeometric(10, 0, 5, &mut rng), 0);
        assert_eq!(hypergeometric(10, 10, 5, &mut rng), 5);
        assert_eq!(hypergeometric(10, 4, 10, &mut rng), 4);
        assert!((3..=5).contains(&hypergeometric(10, 8, 5, &mut rng)));
        for (total, good, draws) in [(10u64, 4u64, 3u64), (1_000, 300, 120), (1 << 40, 1 << 30, 10_000)] {
            let runs = 20_000;
            let xs: Vec<f64> = (0..runs).map(|_| hypergeometric(total, good, draws, &mut rng) as f64).collect();
            assert!(xs.iter().all(|&x| x <= good.min(draws) as f64 && x >= draws.saturating_sub(total - good) as f64));
            let (n, g, d) = (total as f64, good as f64, draws as f64);
            let mean = d * g / n;
            let var = d * g / n * (1.0 - g / n) * (n - d) / (n - 1.0);
            let m = xs.iter().sum::<f64>() / runs as f64;
            let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (runs - 1) as f64;
            assert!((m - mean).abs() < 5.0 * (var / runs as f64).sqrt(), "{total} {good} {draws}: mean {m} vs {mean}");
            assert!((v / var - 1.0).abs() < 0.06, "{total} {good} {draws}: variance {v} vs {var}");
        }
    }

    /// The usage laws' arithmetic against a direct Monte Carlo of the
    /// accounts: intensities drawn from the lognormal (by inversion of
    /// uniforms, kept if in the law's range), each account's usage
    /// `base + I (t - base_step)` checked against the entry tier's limit
    /// step by step, the first at or above it capped and upgraded at once
    /// to the second tier (`UsageLaws::moved_up`), whose limit is checked
    /// from the next step. At each step, the accounts that reach a limit
    /// among those that had not must be a binomial count of the law's
    /// chance (`UsageLaws::hit`): within 5 standard deviations, every
    /// step, every law (a lazy group's `[0, L / A)`, a hitter's range from
    /// the free limit, a point).
    #[test]
    fn usage_laws_hit_with_the_chance_of_the_accounts_they_stand_for() {
        let (median, s) = (1.5f64, 0.9f64);
        let mut laws = UsageLaws {
            on: true,
            mu: libm::log(median),
            s,
            lazy: true,
            free_limit: 5.0,
            limits: vec![30.0, 90.0, f64::INFINITY],
            reachable: vec![30.0, 90.0, f64::INFINITY],
            last: 200,
            ..Default::default()
        };
        let cases = [
            UsageLaw { lo: 0.0, hi: 5.0 / 3.0, base: 0.0, base_step: 2, since: 6, capped: false },
            UsageLaw { lo: 5.0 / 4.0, hi: 5.0 / 3.0, base: 5.0, base_step: 9, since: 10, capped: false },
            UsageLaw { lo: 0.5, hi: 4.0, base: 0.0, base_step: 0, since: 1, capped: false },
            UsageLaw { lo: 2.2, hi: 2.2, base: 3.0, base_step: -1, since: 0, capped: false },
        ];
        let mut rng = crate::rng::process_rng(11, 0);
        for law in cases {
            let n = 200_000;
            let mut intensities = Vec::with_capacity(n);
            while intensities.len() < n {
                let x = if law.lo == law.hi {
                    law.lo
                } else {
                    libm::exp(laws.mu + s * sampling::normal_quantile(sampling::open01(&mut rng)))
                };
                if law.lo == law.hi || (law.lo <= x && x < law.hi) {
                    intensities.push(x);
                }
            }
            // (plan, law id, members): the entry tier's uncapped group, then
            // the second tier's groups, one per step of upgrade.
            let first = laws.intern(law);
            let mut groups: Vec<(u8, u32, Vec<f64>)> = vec![(0, first, intensities)];
            for t in law.since..law.since + 60 {
                let mut next = Vec::new();
                for (plan, id, members) in groups {
                    let l = laws.law(id);
                    let limit = laws.limits[plan as usize];
                    let (p, capped) = laws.hit(id, plan, t as u32);
                    let (hit, stay): (Vec<f64>, Vec<f64>) =
                        members.iter().partition(|&&x| l.base + x * (t - l.base_step) as f64 >= limit);
                    let k = members.len() as f64;
                    let sd = (k * p * (1.0 - p)).sqrt();
                    assert!(
                        (hit.len() as f64 - k * p).abs() <= 5.0 * sd + 1e-9,
                        "{law:?}, plan {plan} at step {t}: {} of {k} hit, chance {p}",
                        hit.len()
                    );
                    if plan == 0 && !hit.is_empty() {
                        let up = laws.moved_up(capped, 0, 1, t as u32);
                        next.push((1, up, hit));
                    }
                    next.push((plan, id, stay));
                }
                groups = next;
            }
        }
    }

    /// Every account a PQL (`min_seats = 1`): `free` initial free accounts
    /// (PQLs from the start) and `paid` paying ones on the entry plan
    /// (PQLs at their first step), no arrivals, no churn, no self-serve
    /// conversion; a sales team of `budget` contacts a month winning every
    /// deal. The free are swept first, so in month t the free contacted are
    /// `min(budget, free - budget (t - 1))` and the paying ones (upgraded)
    /// take what is left: exact counts, whatever the step.
    #[test]
    fn sales_contacts_are_the_budget_or_what_is_left_of_the_pqls() {
        let (free, paid, budget) = (1000.0f64, 200.0f64, 150.0f64);
        for step in ["month", "week"] {
            let text = format!(
                "[scenario]\nmonths = 10\nruns = 3\nengine = \"counts\"\ntime_step = \"{step}\"\n\
                 [initial]\nfree_accounts = {free}\npaid_accounts = {paid}\n\
                 [acquisition.organic]\nsignups_per_month = 0\n\
                 [free]\nconversion_per_month = 0\nchurn_per_month = 0\n\
                 [paid]\nchurn_per_month = 0\n\
                 [pql]\nmin_seats = 1\n[sales]\ncontacts_per_month = {budget}\nconversion = 1\nplan = \"enterprise\"\n\
                 [[plans]]\nname = \"pro\"\nprice_per_month = 10\n[[plans]]\nname = \"enterprise\"\nprice_per_month = 50\n"
            );
            let s = Scenario::from_str("t.toml", &text, &[]).unwrap_or_else(|e| panic!("{e}"));
            assert!(refusals(&s).is_empty());
            for r in simulate(&s, &|| {}).runs() {
                let (mut free_left, mut paid_left) = (free, paid);
                for t in 0..10 {
                    let to_free = budget.min(free_left);
                    let to_paid = (budget - to_free).min(paid_left);
                    (free_left, paid_left) = (free_left - to_free, paid_left - to_paid);
                    let at = format!("{step} month {}", t + 1);
                    assert_eq!(r.monthly(t, Monthly::SalesContacts), to_free + to_paid, "{at}");
                    assert_eq!(r.monthly(t, Monthly::SalesConversions), to_free + to_paid, "{at}");
                    assert_eq!(r.monthly(t, Monthly::Upgrades), to_paid, "{at}");
                    assert_eq!(r.monthly(t, Monthly::Pqls), if t == 0 { paid } else { 0.0 }, "{at}");
                    assert_eq!(r.monthly(t, Monthly::ActiveFree), free_left, "{at}");
                }
            }
        }
    }
}
