//! The metrics plgsim reports, by name. Formulas are in `docs/metrics.md`
//! and on each variant; the names are the CSV and JSON vocabulary.
//!
//! - [`Monthly`]: one value per month and run (a flow summed over the
//!   month's steps, or a stock read at the end of the month);
//! - [`Horizon`]: one value per run for the whole horizon, `None` where the
//!   figure is undefined in that run (CAC with no new customers).

/// Whether a monthly metric is a flow (summed over the month) or a stock
/// (value at the end of the month).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Flow,
    Stock,
}

macro_rules! monthly {
    ($( #[doc = $doc:literal] $var:ident = $name:literal, $kind:ident; )*) => {
        /// Monthly metrics with a fixed place in every scenario. Per-channel
        /// signups (`signups_channel_<name>`) follow them in the output.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(usize)]
        pub enum Monthly { $( #[doc = $doc] $var, )* }

        impl Monthly {
            pub const ALL: &'static [Monthly] = &[ $( Monthly::$var, )* ];
            pub const COUNT: usize = Self::ALL.len();

            pub fn name(self) -> &'static str {
                match self { $( Monthly::$var => $name, )* }
            }

            pub fn kind(self) -> Kind {
                match self { $( Monthly::$var => Kind::$kind, )* }
            }

            /// What the metric counts, in one sentence (its doc comment).
            pub fn definition(self) -> &'static str {
                match self { $( Monthly::$var => $doc.trim_ascii(), )* }
            }
        }
    };
}

monthly! {
    /// New accounts from every source.
    SignupsTotal = "signups_total", Flow;
    /// New accounts from organic discovery.
    SignupsOrganic = "signups_organic", Flow;
    /// New accounts from all paid channels.
    SignupsPaid = "signups_paid", Flow;
    /// New accounts from accepted external invitations.
    SignupsInvite = "signups_invite", Flow;
    /// New accounts from exposure (booking links, badges, shared documents).
    SignupsExposure = "signups_exposure", Flow;
    /// Accounts that reached the activation ("aha") moment.
    Activated = "activated", Flow;
    /// Accounts that left without activating.
    Abandoned = "abandoned", Flow;
    /// Accounts signed up but not yet activated, at month end.
    SignedUp = "signed_up", Stock;
    /// Activated free accounts under their limits, at month end.
    ActiveFree = "active_free", Stock;
    /// Free accounts stopped at a plan limit, at month end.
    Blocked = "blocked", Stock;
    /// Accounts on a trial, at month end.
    Trial = "trial", Stock;
    /// Paying accounts at month end.
    PaidAccounts = "paid_accounts", Stock;
    /// Free accounts gone inactive (dormant), at month end.
    Dormant = "dormant", Stock;
    /// Seats of free accounts (signed up, active, blocked), at month end.
    FreeSeats = "free_seats", Stock;
    /// Seats of paying accounts, at month end.
    PaidSeats = "paid_seats", Stock;
    /// Limit hits of free accounts (usage or seats; reaching a limit raised by a referral bonus, or again after a return from dormancy, is a new hit: the funnel counts accounts, `funnel_limit_hit`).
    LimitHits = "limit_hits", Flow;
    /// Accounts newly marked product-qualified leads.
    Pqls = "pqls", Flow;
    /// Trials started.
    TrialStarts = "trial_starts", Flow;
    /// Trials that ended in a payment.
    TrialConversions = "trial_conversions", Flow;
    /// PQLs contacted by sales.
    SalesContacts = "sales_contacts", Flow;
    /// Contacts that bought (a conversion or an upgrade to the sales plan).
    SalesConversions = "sales_conversions", Flow;
    /// Accounts that became paying (new customers).
    Conversions = "conversions", Flow;
    /// Paying accounts moved to a higher tier.
    Upgrades = "upgrades", Flow;
    /// Free accounts (active or blocked) that went dormant or left.
    ChurnedFree = "churned_free", Flow;
    /// Dormant free accounts that came back.
    ReactivatedFree = "reactivated_free", Flow;
    /// Paying accounts that left (voluntary and involuntary).
    ChurnedPaid = "churned_paid", Flow;
    /// Paying accounts lost to a failed payment.
    InvoluntaryChurn = "involuntary_churn", Flow;
    /// Lapsed paying accounts won back.
    WonBack = "won_back", Flow;
    /// Invitations sent by active seats.
    InvitesSent = "invites_sent", Flow;
    /// Invitations accepted (internal ones add a seat; external ones become signups after the cycle time if the invitee is new).
    InvitesAccepted = "invites_accepted", Flow;
    /// Seats added by internal invitations.
    SeatsAdded = "seats_added", Flow;
    /// Seats removed.
    SeatsRemoved = "seats_removed", Flow;
    /// Monthly recurring revenue at month end.
    Mrr = "mrr", Stock;
    /// MRR x 12.
    Arr = "arr", Stock;
    /// MRR of accounts that became paying this month.
    NewMrr = "new_mrr", Flow;
    /// MRR added by paying accounts (seats, tier upgrades).
    ExpansionMrr = "expansion_mrr", Flow;
    /// MRR removed from paying accounts that stay (seats removed).
    ContractionMrr = "contraction_mrr", Flow;
    /// MRR lost with paying accounts that left this month.
    ChurnedMrr = "churned_mrr", Flow;
    /// MRR of lapsed accounts won back.
    ReactivationMrr = "reactivation_mrr", Flow;
    /// new + expansion + reactivation - contraction - churned: the change in MRR.
    NetNewMrr = "net_new_mrr", Flow;
    /// Average revenue per paying account: MRR / paying accounts at month end (0 with none).
    Arpa = "arpa", Stock;
    /// Revenue recognised in the month: each step's MRR / steps per month.
    Revenue = "revenue", Flow;
    /// Payments collected (annual plans pay 12 months up front).
    CashIn = "cash_in", Flow;
    /// Spend on paid channels.
    MarketingSpend = "marketing_spend", Flow;
    /// Sales contacts and the sales team's fixed cost.
    SalesCost = "sales_cost", Flow;
    /// Card fees on payments.
    PaymentFees = "payment_fees", Flow;
    /// Fixed monthly costs.
    FixedCosts = "fixed_costs", Flow;
    /// Cost to serve non-paying seats (free, and trial at the paid rate).
    CostToServeFree = "cost_to_serve_free", Flow;
    /// Cost to serve paying seats.
    CostToServePaid = "cost_to_serve_paid", Flow;
    /// cost_to_serve_free + cost_to_serve_paid.
    CostToServe = "cost_to_serve", Flow;
    /// revenue - cost_to_serve_paid - payment_fees.
    GrossProfit = "gross_profit", Flow;
    /// cash_in - cost_to_serve - marketing_spend - sales_cost - payment_fees - fixed_costs.
    CashFlow = "cash_flow", Flow;
    /// Starting cash (`finance.starting_cash`, else 0) + the cash flows so far.
    CashBalance = "cash_balance", Stock;
}

macro_rules! horizon {
    ($( $var:ident = $name:literal, $label:literal, $definition:literal; )*) => {
        /// Figures for a run's whole horizon.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(usize)]
        pub enum Horizon { $( #[doc = $definition] $var, )* }

        impl Horizon {
            pub const ALL: &'static [Horizon] = &[ $( Horizon::$var, )* ];
            pub const COUNT: usize = Self::ALL.len();

            /// The name in `summary.json` and `runs.csv`.
            pub fn name(self) -> &'static str {
                match self { $( Horizon::$var => $name, )* }
            }

            /// A short title for people (report, charts).
            pub fn label(self) -> &'static str {
                match self { $( Horizon::$var => $label, )* }
            }

            /// The formula in one line (docs/metrics.md has the details).
            pub fn definition(self) -> &'static str {
                match self { $( Horizon::$var => $definition, )* }
            }

            pub fn from_name(name: &str) -> Option<Horizon> {
                Self::ALL.iter().copied().find(|h| h.name() == name)
            }
        }
    };
}

horizon! {
    MrrFinal = "mrr_final", "MRR", "monthly recurring revenue at the end of the last month";
    ArrFinal = "arr_final", "ARR", "12 x MRR at the end of the last month";
    PaidAccountsFinal = "paid_accounts_final", "Paying accounts", "paying accounts at the end of the last month";
    PaidSeatsFinal = "paid_seats_final", "Paying seats", "seats of paying accounts at the end of the last month";
    ArpaFinal = "arpa_final", "ARPA at the end", "MRR / paying accounts at the end of the last month";
    SignupsTotal = "signups_total", "Signups", "new accounts over the horizon, from every source (initial accounts excluded)";
    ActivationRate = "activation_rate", "Activation rate",
        "activated / signups, over the signups whose activation window closed within the horizon";
    MedianTimeToValueDays = "median_time_to_value_days", "Median time to value",
        "median days from signup to activation, over the accounts that activated";
    FreeToPaidConversion = "free_to_paid_conversion", "Free-to-paid conversion within the horizon",
        "signups of the horizon that became paying by its end / signups (accounts still free at the end count as not converted)";
    EventualConversion = "eventual_conversion", "Eventual conversion (ended free lives)",
        "activated signups whose free life ended within the horizon: conversions / (conversions + free departures); comparable to free.eventual_conversion";
    SignupsConverted = "signups_converted", "Signups that became paying",
        "signups of the horizon that became paying by its end, by any path";
    FunnelActivated = "funnel_activated", "Funnel: activated", "signups of the horizon that activated by its end";
    FunnelLimitHit = "funnel_limit_hit", "Funnel: hit the free limit",
        "of funnel_activated, those that then hit a free limit (undefined without a free limit)";
    FunnelPql = "funnel_pql", "Funnel: product-qualified leads",
        "of the stage before (funnel_limit_hit, or funnel_activated without a limit), those then marked PQLs while not paying (undefined without PQL signals)";
    FunnelPaying = "funnel_paying", "Funnel: became paying",
        "of the funnel's last stage before (funnel_pql, funnel_limit_hit or funnel_activated), those that then became paying";
    Conversion30d = "conversion_30d", "Conversion within 30 days",
        "signups paying within 30 days / signups with 30 days left in the horizon";
    Conversion90d = "conversion_90d", "Conversion within 90 days",
        "signups paying within 90 days / signups with 90 days left in the horizon";
    Conversion365d = "conversion_365d", "Conversion within 365 days",
        "signups paying within 365 days / signups with 365 days left in the horizon";
    KFactor = "k_factor", "K-factor",
        "viral signups caused (invitations, exposure) / ends of active lives: new users each active user brings";
    PqlsTotal = "pqls_total", "PQLs", "accounts that became product-qualified leads over the horizon";
    PqlConversion = "pql_conversion", "PQL conversion",
        "PQLs marked while not paying that became paying / PQLs marked while not paying";
    TrialStartsTotal = "trial_starts_total", "Trials started", "trials started over the horizon";
    TrialConversion = "trial_conversion", "Trial conversion", "trials that ended in a payment / trials started";
    RevenueTotal = "revenue_total", "Revenue", "revenue recognised over the horizon (MRR month by month)";
    LogoChurnMonthly = "logo_churn_monthly", "Logo churn",
        "paying accounts lost / paying account-months at risk, as a monthly rate";
    Arpa = "arpa", "ARPA", "average revenue per paying account per month: sum of MRR / sum of paying accounts, over month ends";
    GrossMargin = "gross_margin", "Gross margin", "(revenue - cost to serve paying seats - payment fees) / revenue";
    Nrr12m = "nrr_12m", "Net revenue retention",
        "MRR now of the accounts paying 12 months before the end / their MRR then";
    Grr12m = "grr_12m", "Gross revenue retention",
        "as net retention, each account counted at no more than its MRR 12 months before";
    CacBlended = "cac_blended", "CAC, blended", "(marketing spend + sales cost) / new paying accounts";
    CacPaid = "cac_paid", "CAC, paid channels", "paid-channel spend / new paying accounts that came from paid channels";
    Ltv = "ltv", "LTV (formula)", "ARPA x gross margin / logo churn";
    LtvRealized = "ltv_realized", "LTV (realised)",
        "gross profit collected by the end, per customer, from the customers of the first half of the horizon";
    LtvToCac = "ltv_to_cac", "LTV:CAC", "formula LTV / blended CAC";
    CacPaybackMonths = "cac_payback_months", "CAC payback", "blended CAC / (ARPA x gross margin), in months";
    CostToServeFreeTotal = "cost_to_serve_free_total", "Cost to serve free users",
        "cost of serving non-paying seats over the horizon";
    CostToServeFreePerConversion = "cost_to_serve_free_per_conversion", "Free-user cost per new customer",
        "cost to serve free users / new paying accounts";
    CashFlowTotal = "cash_flow_total", "Cash flow", "payments collected - all costs, over the horizon";
    BreakEvenMonth = "break_even_month", "Break-even month", "first month whose cash flow is zero or more";
    CashBalanceMin = "cash_balance_min", "Lowest cash balance",
        "the lowest cash balance of the horizon, the opening one included";
    RunwayMonths = "runway_months", "Runway",
        "months until the cash balance first goes below zero (cash flows spread evenly over a month); null when it never does or without a starting cash";
}

/// The names of the monthly metrics of a scenario with these channels, in
/// output order.
pub fn monthly_names(channels: &[String]) -> Vec<String> {
    Monthly::ALL
        .iter()
        .map(|m| m.name().to_string())
        .chain(channels.iter().map(|c| format!("signups_channel_{c}")))
        .collect()
}

/// `a / b`, or `None` when `b` is zero (an undefined ratio is reported as
/// null, never as NaN or infinity).
pub fn ratio(a: f64, b: f64) -> Option<f64> {
    if b != 0.0 && (a / b).is_finite() { Some(a / b) } else { None }
}

/// The formulas of the unit economics, beside the definitions above (and
/// docs/metrics.md). Each is `None` where a denominator is zero or an input
/// is undefined.
pub mod kpi {
    use super::ratio;

    /// A per-step hazard `h` as a monthly rate: `1 - (1 - h)^k` for `k`
    /// steps a month.
    pub fn monthly_rate(per_step: f64, steps_per_month: u32) -> f64 {
        1.0 - libm::pow(1.0 - per_step, steps_per_month as f64)
    }

    /// Gross margin: (revenue - cost to serve paying seats - payment fees) / revenue.
    pub fn gross_margin(revenue: f64, cost_paid: f64, payment_fees: f64) -> Option<f64> {
        ratio(revenue - cost_paid - payment_fees, revenue)
    }

    /// CAC: acquisition cost / new paying accounts.
    pub fn cac(acquisition_cost: f64, new_customers: u64) -> Option<f64> {
        ratio(acquisition_cost, new_customers as f64)
    }

    /// Formula LTV: ARPA x gross margin / monthly logo churn.
    pub fn ltv(arpa: Option<f64>, margin: Option<f64>, churn: Option<f64>) -> Option<f64> {
        match (arpa, margin, churn) {
            (Some(a), Some(g), Some(c)) => ratio(a * g, c),
            _ => None,
        }
    }

    /// LTV:CAC.
    pub fn ltv_to_cac(ltv: Option<f64>, cac: Option<f64>) -> Option<f64> {
        match (ltv, cac) {
            (Some(l), Some(c)) => ratio(l, c),
            _ => None,
        }
    }

    /// CAC payback in months: CAC / (ARPA x gross margin).
    pub fn payback_months(cac: Option<f64>, arpa: Option<f64>, margin: Option<f64>) -> Option<f64> {
        match (cac, arpa, margin) {
            (Some(c), Some(a), Some(g)) => ratio(c, a * g),
            _ => None,
        }
    }

    /// Revenue retention (net or gross): MRR now of the base / its MRR at the
    /// window start, both in cents.
    pub fn retention(now_cents: u64, base_cents: u64) -> Option<f64> {
        ratio(now_cents as f64, base_cents as f64)
    }
}

/// How a figure reads: the unit used when it is printed or plotted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Dollars (the currency of the scenario's prices).
    Money,
    /// A share, printed as a percentage.
    Share,
    /// A number of accounts, seats, invitations...
    Count,
    /// A plain ratio (K-factor, LTV:CAC).
    Ratio,
    Months,
    Days,
}

impl Monthly {
    /// How the metric reads: money, or a count (of accounts, seats, events).
    pub fn unit(self) -> Unit {
        use Monthly::*;
        match self {
            Mrr | Arr | NewMrr | ExpansionMrr | ContractionMrr | ChurnedMrr | ReactivationMrr | NetNewMrr | Arpa
            | Revenue | CashIn | MarketingSpend | SalesCost | PaymentFees | FixedCosts | CostToServeFree
            | CostToServePaid | CostToServe | GrossProfit | CashFlow | CashBalance => Unit::Money,
            SignupsTotal | SignupsOrganic | SignupsPaid | SignupsInvite | SignupsExposure | Activated | Abandoned
            | SignedUp | ActiveFree | Blocked | Trial | PaidAccounts | Dormant | FreeSeats | PaidSeats | LimitHits
            | Pqls | TrialStarts | TrialConversions | SalesContacts | SalesConversions | Conversions | Upgrades
            | ChurnedFree | ReactivatedFree | ChurnedPaid | InvoluntaryChurn | WonBack | InvitesSent
            | InvitesAccepted | SeatsAdded | SeatsRemoved => Unit::Count,
        }
    }

    pub fn from_name(name: &str) -> Option<Monthly> {
        Self::ALL.iter().copied().find(|m| m.name() == name)
    }
}

/// What the monthly column `name` counts: a [`Monthly`] metric's
/// definition, or a channel's signups.
pub fn monthly_definition(name: &str) -> String {
    match (Monthly::from_name(name), name.strip_prefix("signups_channel_")) {
        (Some(m), _) => m.definition().to_string(),
        (None, Some(c)) => format!("New accounts from the paid channel `{c}`."),
        (None, None) => String::new(),
    }
}

/// Whether the monthly column `name` is a flow or a stock (a channel's
/// signups are a flow).
pub fn monthly_kind(name: &str) -> Kind {
    Monthly::from_name(name).map_or(Kind::Flow, Monthly::kind)
}

/// The unit of the monthly column `name` (a [`Monthly`] metric, or a
/// channel's signups, a count).
pub fn monthly_unit(name: &str) -> Unit {
    Monthly::from_name(name).map_or(Unit::Count, Monthly::unit)
}

impl Horizon {
    /// Whether more is better (for marking the best point of a sweep).
    pub fn higher_is_better(self) -> bool {
        use Horizon::*;
        !matches!(
            self,
            MedianTimeToValueDays
                | LogoChurnMonthly
                | CacBlended
                | CacPaid
                | CacPaybackMonths
                | CostToServeFreeTotal
                | CostToServeFreePerConversion
                | BreakEvenMonth
        )
    }

    pub fn unit(self) -> Unit {
        use Horizon::*;
        match self {
            MrrFinal
            | ArrFinal
            | ArpaFinal
            | RevenueTotal
            | Arpa
            | CacBlended
            | CacPaid
            | Ltv
            | LtvRealized
            | CostToServeFreeTotal
            | CostToServeFreePerConversion
            | CashFlowTotal
            | CashBalanceMin => Unit::Money,
            ActivationRate | FreeToPaidConversion | EventualConversion | Conversion30d | Conversion90d
            | Conversion365d | PqlConversion | TrialConversion | LogoChurnMonthly | GrossMargin | Nrr12m | Grr12m => {
                Unit::Share
            }
            PaidAccountsFinal | PaidSeatsFinal | SignupsTotal | SignupsConverted | FunnelActivated | FunnelLimitHit
            | FunnelPql | FunnelPaying | PqlsTotal | TrialStartsTotal => Unit::Count,
            KFactor | LtvToCac => Unit::Ratio,
            CacPaybackMonths | BreakEvenMonth | RunwayMonths => Unit::Months,
            MedianTimeToValueDays => Unit::Days,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpi_formulas_and_their_undefined_cases() {
        use kpi::*;
        // 4 weekly steps of 2% compound to 1 - 0.98^4 a month.
        assert!((monthly_rate(0.02, 4) - (1.0 - 0.98f64 * 0.98 * 0.98 * 0.98)).abs() < 1e-15);
        assert!((monthly_rate(0.05, 1) - 0.05).abs() < 1e-15);
        assert!((gross_margin(100.0, 10.0, 5.0).unwrap() - 0.85).abs() < 1e-15);
        assert_eq!(gross_margin(0.0, 0.0, 0.0), None);
        assert_eq!(cac(1000.0, 4), Some(250.0));
        assert_eq!(cac(1000.0, 0), None);
        // $12 ARPA at 80% margin with 4% churn: $240.
        let ltv_ = ltv(Some(12.0), Some(0.8), Some(0.04)).unwrap();
        assert!((ltv_ - 240.0).abs() < 1e-9);
        assert_eq!(ltv(Some(12.0), Some(0.8), Some(0.0)), None);
        assert_eq!(ltv(None, Some(0.8), Some(0.04)), None);
        assert_eq!(ltv_to_cac(Some(240.0), Some(80.0)), Some(3.0));
        assert_eq!(ltv_to_cac(Some(240.0), None), None);
        // $96 CAC recovered at $9.60 gross profit a month: 10 months.
        assert!((payback_months(Some(96.0), Some(12.0), Some(0.8)).unwrap() - 10.0).abs() < 1e-12);
        assert_eq!(payback_months(Some(96.0), Some(12.0), Some(0.0)), None);
        assert!((retention(110, 100).unwrap() - 1.1).abs() < 1e-15);
        assert_eq!(retention(5, 0), None);
    }

    /// One vocabulary: every name is unique snake_case, every figure has a
    /// label and a definition for people.
    #[test]
    fn names_are_unique_snake_case() {
        let mut names: Vec<&str> = Monthly::ALL.iter().map(|m| m.name()).collect();
        names.extend(Horizon::ALL.iter().map(|h| h.name()));
        for n in &names {
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{n}");
        }
        let monthly: std::collections::HashSet<_> = Monthly::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(monthly.len(), Monthly::COUNT);
        let horizon: std::collections::HashSet<_> = Horizon::ALL.iter().map(|h| h.name()).collect();
        assert_eq!(horizon.len(), Horizon::COUNT);
        for h in Horizon::ALL {
            assert!(!h.label().is_empty() && !h.definition().is_empty());
            assert_eq!(Horizon::from_name(h.name()), Some(*h));
        }
    }
}
