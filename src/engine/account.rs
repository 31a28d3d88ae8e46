//! The account record: one paying workspace, its state and its flags.
//!
//! 32 bytes, copied as a whole only when an account changes state: the hot
//! loop (`population.rs`, `mechanics.rs`) reads and updates it in place.

/// Account states. Departed accounts are removed, except dormant free
/// accounts and lapsed paying accounts when they can come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum State {
    /// Signed up, not yet activated.
    SignedUp = 0,
    /// Activated, free, under its limits.
    ActiveFree = 1,
    /// Free, stopped at a plan limit.
    Blocked = 2,
    /// On a time-limited trial of a paid plan.
    Trial = 3,
    Paid = 4,
    /// A free account that went inactive (kept only if it can come back).
    Dormant = 5,
    /// A paying account that churned (kept only if it can be won back).
    Lapsed = 6,
}

/// The number of states.
pub const STATES: usize = 7;

/// Every state, in the order of their values (the order a step visits them).
pub const ALL_STATES: [State; STATES] =
    [State::SignedUp, State::ActiveFree, State::Blocked, State::Trial, State::Paid, State::Dormant, State::Lapsed];

/// Where an account came from.
pub mod source {
    pub const INITIAL: u8 = 0;
    pub const ORGANIC: u8 = 1;
    pub const INVITE: u8 = 2;
    pub const EXPOSURE: u8 = 3;
    /// Paid channel `i` is `CHANNEL + i`.
    pub const CHANNEL: u8 = 8;
}

/// Bits of [`Account::flags`].
pub mod flag {
    /// Drawn at signup: the account activates at `event_step`.
    pub const WILL_ACTIVATE: u8 = 1;
    pub const ACTIVATED: u8 = 2;
    /// Has been a paying account (first conversions are counted once).
    pub const CONVERTED: u8 = 4;
    /// A product-qualified lead.
    pub const PQL: u8 = 8;
    /// Contacted by sales (once).
    pub const CONTACTED: u8 = 16;
    /// Billed annually.
    pub const ANNUAL: u8 = 32;
    /// Paying at the start of the trailing-12-month retention window.
    pub const BASE: u8 = 64;
    /// Has hit a free limit.
    pub const HIT: u8 = 128;
}

/// Bits of [`Account::reached`]: the stages of the run report's funnel an
/// account signed up within the horizon has reached, each set only when the
/// stage before it is (so the stages nest, account by account), and the end
/// of its free life for the eventual conversion (`docs/metrics.md`,
/// "Funnel" and "Eventual conversion"). Initial accounts reach none.
pub mod reached {
    /// Activated within the horizon.
    pub const ACTIVATED: u8 = 1;
    /// Activated, then hit a free limit (its first limit hit).
    pub const LIMIT_HIT: u8 = 2;
    /// At the stage before (limit hit, or activated without limits), then
    /// marked a PQL while not paying.
    pub const PQL: u8 = 4;
    /// At the last stage before paying, then became paying.
    pub const PAYING: u8 = 8;
    /// Activated, then its free life ended (a first conversion or a free
    /// departure), counted once.
    pub const LEFT_FREE: u8 = 16;
    /// Not a funnel stage: transient, set only during a step, for the
    /// account the sales team selected at the start of its state's sweep
    /// (`Run::select_for_sales`); cleared at its contact point
    /// (`Run::sales_contact`) or, if its step ends before it, at the end of
    /// its step. No funnel or reach code reads it.
    pub const SALES_SELECTED: u8 = 128;
}

/// One account (a paying workspace), 32 bytes.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    /// Accumulated usage of the plan-limited quantity.
    pub usage: f32,
    /// Usage added per step.
    pub intensity: f32,
    /// This account's free usage limit (plan limit + referral bonus). A
    /// paying account of the retention base keeps its MRR at the window
    /// start here, in cents, as the bits of a `u32` (`f32::from_bits`,
    /// read back with `to_bits`: exact at any MRR).
    pub limit: f32,
    /// Monthly recurring revenue, in cents (0 unless paying or lapsed).
    pub mrr_cents: u32,
    pub signup_step: u16,
    /// SignedUp and Trial: the step it activates or, failing that, abandons.
    pub event_step: u16,
    /// The step it entered its current state (paying: since it started
    /// paying; trial: since the trial started). While signed up, its time to
    /// value as a share of the activation window (in 1/65535), kept for the
    /// time-to-value statistics.
    pub since_step: u16,
    /// At most [`MAX_SEATS`]; seats beyond it are dropped and counted.
    pub seats: u16,
    pub invites_sent: u16,
    pub state: State,
    pub plan: u8,
    pub source: u8,
    pub flags: u8,
    /// Funnel stages reached ([`reached`]), in the record's spare bytes.
    pub reached: u8,
}

// The record stays at 32 bytes: two accounts to a 64-byte cache line.
const _: () = assert!(std::mem::size_of::<Account>() == 32);

/// Live accounts a run may hold; beyond it arrivals are refused and the run
/// is flagged (`capped`) so the summary can say results understate growth.
pub const MAX_LIVE_ACCOUNTS: usize = 20_000_000;

/// Seats an account holds at most (its `u16` field); a run counts the
/// accounts that reach it and the summary warns.
pub const MAX_SEATS: u16 = u16::MAX;
