//! The scenario file as written: serde structs that mirror the TOML.
//!
//! Every field is optional here; defaults, ranges and cross-field rules live
//! in [`super::validate`], which turns a [`RawScenario`] into a
//! [`super::Scenario`]. Numeric fields keep their span so that a range error
//! can point at the line that holds the value. The key names are the
//! documented vocabulary (`docs/scenario.md`): a TOML key, the Rust field, the
//! CSV column and the JSON key are the same word.

use serde::Deserialize;
use toml::Spanned;

use super::param::Dist;

pub type P = Option<Spanned<Dist>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub scenario: Option<Spanned<RawMeta>>,
    pub market: Option<RawMarket>,
    pub initial: Option<RawInitial>,
    pub acquisition: Option<RawAcquisition>,
    pub activation: Option<RawActivation>,
    pub usage: Option<RawUsage>,
    pub free: Option<RawFree>,
    pub limit_hit: Option<RawLimitHit>,
    pub invites: Option<RawInvites>,
    pub plans: Option<Spanned<Vec<Spanned<RawPlan>>>>,
    pub paid: Option<RawPaid>,
    pub costs: Option<RawCosts>,
    pub teams: Option<RawTeams>,
    pub exposure: Option<RawExposure>,
    pub referral: Option<RawReferral>,
    pub trial: Option<Spanned<RawTrial>>,
    pub pql: Option<Spanned<RawPql>>,
    pub sales: Option<Spanned<RawSales>>,
    pub pricing: Option<RawPricing>,
    pub finance: Option<RawFinance>,
    pub sweep: Option<Spanned<super::sweep::SweepSection>>,
    pub correlations: Option<Vec<Spanned<RawCorrelation>>>,
    pub variants: Option<Vec<Spanned<super::variants::RawVariant>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    pub a: Option<Spanned<String>>,
    pub b: Option<Spanned<String>>,
    pub rank: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeta {
    pub name: Option<String>,
    pub description: Option<String>,
    pub months: Option<Spanned<i64>>,
    pub runs: Option<Spanned<i64>>,
    pub seed: Option<Spanned<i64>>,
    pub time_step: Option<Spanned<String>>,
    pub start: Option<Spanned<String>>,
    pub engine: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMarket {
    pub size: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInitial {
    pub free_accounts: P,
    pub paid_accounts: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAcquisition {
    pub organic: Option<RawOrganic>,
    pub channels: Option<Spanned<Vec<Spanned<RawChannel>>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrganic {
    pub signups_per_month: P,
    pub growth_per_month: P,
    pub share_of_remaining_market_per_month: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannel {
    pub name: Option<Spanned<String>>,
    pub spend_per_month: P,
    pub spend_growth_per_month: P,
    pub cost_per_signup: P,
    pub max_signups_per_month: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActivation {
    pub probability: P,
    pub time_to_value_median_months: P,
    pub time_to_value_sigma: P,
    pub window_months: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUsage {
    pub unit: Option<String>,
    pub median_per_month: P,
    pub sigma: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFree {
    pub usage_limit: P,
    pub seat_limit: P,
    pub conversion_per_month: P,
    pub eventual_conversion: P,
    pub churn_per_month: P,
    pub reactivation_per_month: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimitHit {
    pub convert: P,
    pub churn: P,
    pub convert_before_activation: P,
    pub churn_before_activation: P,
    pub blocked_conversion_per_month: P,
    pub blocked_churn_per_month: P,
    pub blocked_invite_factor: P,
    pub value_buildup_months: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInvites {
    pub pattern: Option<Spanned<String>>,
    pub per_new_account: P,
    pub per_active_seat_per_month: P,
    pub acceptance: P,
    pub cycle_months: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    pub name: Option<Spanned<String>>,
    pub price_per_month: P,
    pub per_seat: Option<bool>,
    pub usage_limit: P,
    pub seat_limit: P,
    pub annual_share: P,
    pub annual_discount: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPaid {
    pub entry_plan: Option<Spanned<String>>,
    pub churn_per_month: P,
    pub churn_floor_per_month: P,
    pub churn_halving_months: P,
    pub payment_failure: P,
    pub payment_recovery: P,
    pub win_back_per_month: P,
    pub upgrade_per_month: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFinance {
    pub starting_cash: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    pub serve_free_seat_per_month: P,
    pub serve_paid_seat_per_month: P,
    pub payment_fee_rate: P,
    pub payment_fee_fixed: P,
    pub fixed_per_month: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTeams {
    pub internal_share: P,
    pub seat_churn_per_month: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExposure {
    pub per_active_account_per_month: P,
    pub signup_rate: P,
    pub cycle_months: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReferral {
    pub limit_bonus: P,
    pub max_bonus: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrial {
    pub start: Option<Spanned<String>>,
    pub start_probability: P,
    pub length_months: P,
    pub plan: Option<Spanned<String>>,
    pub card_required: Option<bool>,
    pub card_dropoff: P,
    pub conversion: P,
    pub after: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPql {
    pub on_limit_hit: Option<bool>,
    pub min_seats: P,
    pub min_invites_sent: P,
    pub min_usage: P,
    pub combine: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSales {
    pub contacts_per_month: P,
    pub cost_per_contact: P,
    pub conversion: P,
    pub plan: Option<Spanned<String>>,
    pub fixed_cost_per_month: P,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPricing {
    pub reference_price: P,
    pub conversion_elasticity: P,
    pub churn_elasticity: P,
}
