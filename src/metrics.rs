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
    ($( $(#[$doc:meta])* $var:ident = $name:literal, $kind:ident; )*) => {
        /// Monthly metrics with a fixed place in every scenario. Per-channel
        /// signups (`signups_channel_<name>`) follow them in the output.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(usize)]
        pub enum Monthly { $( $(#[$doc])* $var, )* }

        impl Monthly {
            pub const ALL: &'static [Monthly] = &[ $( Monthly::$var, )* ];
            pub const COUNT: usize = Self::ALL.len();

            pub fn name(self) -> &'static str {
                match self { $( Monthly::$var => $name, )* }
            }

            pub fn kind(self) -> Kind {
                match self { $( Monthly::$var => Kind::$kind, )* }
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
    /// First limit hits of free accounts (usage or seats).
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
}

macro_rules! horizon {
    ($( $(#[$doc:meta])* $var:ident = $name:literal; )*) => {
        /// Figures for a run's whole horizon.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(usize)]
        pub enum Horizon { $( $(#[$doc])* $var, )* }

        impl Horizon {
            pub const ALL: &'static [Horizon] = &[ $( Horizon::$var, )* ];
            pub const COUNT: usize = Self::ALL.len();

            pub fn name(self) -> &'static str {
                match self { $( Horizon::$var => $name, )* }
            }

            pub fn from_name(name: &str) -> Option<Horizon> {
                Self::ALL.iter().copied().find(|h| h.name() == name)
            }
        }
    };
}

horizon! {
    /// MRR at the end of the last month.
    MrrFinal = "mrr_final";
    /// 12 x mrr_final.
    ArrFinal = "arr_final";
    /// Paying accounts at the end of the last month.
    PaidAccountsFinal = "paid_accounts_final";
    /// Paying seats at the end of the last month.
    PaidSeatsFinal = "paid_seats_final";
    /// mrr_final / paid_accounts_final.
    ArpaFinal = "arpa_final";
    /// Signups during the horizon, from every source (initial accounts excluded).
    SignupsTotal = "signups_total";
    /// Activated / signups whose activation window closed within the horizon.
    ActivationRate = "activation_rate";
    /// Median time from signup to activation of the accounts that activated, in days.
    MedianTimeToValueDays = "median_time_to_value_days";
    /// Signups of the horizon that were paying by its end / signups of the horizon.
    FreeToPaidConversion = "free_to_paid_conversion";
    /// Share of signups converted within 30 days (signups with 30 days in the horizon).
    Conversion30d = "conversion_30d";
    /// The same within 90 days.
    Conversion90d = "conversion_90d";
    /// The same within 365 days.
    Conversion365d = "conversion_365d";
    /// Viral signups caused (invitations and exposure) / ends of active lives: new users each active user brings.
    KFactor = "k_factor";
    /// Product-qualified leads over the horizon.
    PqlsTotal = "pqls_total";
    /// Conversions of PQLs / PQLs.
    PqlConversion = "pql_conversion";
    /// Trials started over the horizon.
    TrialStartsTotal = "trial_starts_total";
    /// Trial conversions / trial starts.
    TrialConversion = "trial_conversion";
    /// Revenue summed over the horizon.
    RevenueTotal = "revenue_total";
    /// Logo churn of paying accounts: accounts lost / account-months at risk (monthly rate).
    LogoChurnMonthly = "logo_churn_monthly";
    /// Average revenue per paying account per month: sum of MRR / sum of paying accounts, over month ends.
    Arpa = "arpa";
    /// (revenue - cost to serve paying seats - payment fees) / revenue.
    GrossMargin = "gross_margin";
    /// Net revenue retention over the last 12 months.
    Nrr12m = "nrr_12m";
    /// Gross revenue retention over the last 12 months.
    Grr12m = "grr_12m";
    /// (marketing spend + sales cost) / new paying accounts.
    CacBlended = "cac_blended";
    /// Paid-channel spend / new paying accounts acquired by paid channels.
    CacPaid = "cac_paid";
    /// arpa x gross_margin / logo_churn_monthly.
    Ltv = "ltv";
    /// Gross profit collected per customer from the customers of the first half of the horizon.
    LtvRealized = "ltv_realized";
    /// ltv / cac_blended.
    LtvToCac = "ltv_to_cac";
    /// cac_blended / (arpa x gross_margin).
    CacPaybackMonths = "cac_payback_months";
    /// Cost to serve free seats, summed over the horizon.
    CostToServeFreeTotal = "cost_to_serve_free_total";
    /// cost_to_serve_free_total / new paying accounts: the freemium cost of a customer.
    CostToServeFreePerConversion = "cost_to_serve_free_per_conversion";
    /// Cash flow summed over the horizon.
    CashFlowTotal = "cash_flow_total";
    /// First month (from 1) with a non-negative cash flow.
    BreakEvenMonth = "break_even_month";
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

/// Kinds matching [`monthly_names`].
pub fn monthly_kinds(channels: usize) -> Vec<Kind> {
    Monthly::ALL.iter().map(|m| m.kind()).chain(std::iter::repeat_n(Kind::Flow, channels)).collect()
}

/// `a / b`, or `None` when `b` is zero (an undefined ratio is reported as
/// null, never as NaN or infinity).
pub fn ratio(a: f64, b: f64) -> Option<f64> {
    if b != 0.0 && (a / b).is_finite() { Some(a / b) } else { None }
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

impl Horizon {
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
            | CashFlowTotal => Unit::Money,
            ActivationRate | FreeToPaidConversion | Conversion30d | Conversion90d | Conversion365d | PqlConversion
            | TrialConversion | LogoChurnMonthly | GrossMargin | Nrr12m | Grr12m => Unit::Share,
            PaidAccountsFinal | PaidSeatsFinal | SignupsTotal | PqlsTotal | TrialStartsTotal => Unit::Count,
            KFactor | LtvToCac => Unit::Ratio,
            CacPaybackMonths | BreakEvenMonth => Unit::Months,
            MedianTimeToValueDays => Unit::Days,
        }
    }
}

/// The unit of a monthly metric, by name.
pub fn monthly_unit(name: &str) -> Unit {
    match name {
        "mrr" | "arr" | "new_mrr" | "expansion_mrr" | "contraction_mrr" | "churned_mrr" | "reactivation_mrr"
        | "net_new_mrr" | "arpa" | "revenue" | "cash_in" | "marketing_spend" | "sales_cost" | "payment_fees"
        | "fixed_costs" | "cost_to_serve_free" | "cost_to_serve_paid" | "cost_to_serve" | "gross_profit"
        | "cash_flow" => Unit::Money,
        _ => Unit::Count,
    }
}
