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
    /// Accounts that reached the activation ("aha") moment.
    Activated = "activated", Flow;
    /// Accounts that left without activating (their window closed).
    Abandoned = "abandoned", Flow;
    /// Accounts signed up but not yet activated, at month end.
    SignedUp = "signed_up", Stock;
    /// Activated free accounts under their limit, at month end.
    ActiveFree = "active_free", Stock;
    /// Free accounts stopped at the plan limit, at month end.
    Blocked = "blocked", Stock;
    /// Paying accounts at month end.
    PaidAccounts = "paid_accounts", Stock;
    /// First limit hits of free accounts.
    LimitHits = "limit_hits", Flow;
    /// Accounts that became paying (new customers).
    Conversions = "conversions", Flow;
    /// Free accounts (active or blocked) that left.
    ChurnedFree = "churned_free", Flow;
    /// Paying accounts that left.
    ChurnedPaid = "churned_paid", Flow;
    /// Invitations sent by active seats.
    InvitesSent = "invites_sent", Flow;
    /// Invitations accepted (they become signups after the cycle time, if the invitee is new).
    InvitesAccepted = "invites_accepted", Flow;
    /// Monthly recurring revenue at month end.
    Mrr = "mrr", Stock;
    /// MRR x 12.
    Arr = "arr", Stock;
    /// MRR of accounts that became paying this month.
    NewMrr = "new_mrr", Flow;
    /// MRR lost with paying accounts that left this month.
    ChurnedMrr = "churned_mrr", Flow;
    /// new_mrr - churned_mrr.
    NetNewMrr = "net_new_mrr", Flow;
    /// Revenue recognised in the month: each step's MRR / steps per month.
    Revenue = "revenue", Flow;
    /// Spend on paid channels.
    MarketingSpend = "marketing_spend", Flow;
    /// Cost to serve free seats.
    CostToServeFree = "cost_to_serve_free", Flow;
    /// Cost to serve paying seats.
    CostToServePaid = "cost_to_serve_paid", Flow;
    /// cost_to_serve_free + cost_to_serve_paid.
    CostToServe = "cost_to_serve", Flow;
    /// revenue - cost_to_serve - marketing_spend.
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
    /// Signups during the horizon, from every source (initial accounts excluded).
    SignupsTotal = "signups_total";
    /// Activated / signups whose activation window closed within the horizon.
    ActivationRate = "activation_rate";
    /// Signups of the horizon that were paying by its end / signups of the horizon.
    FreeToPaidConversion = "free_to_paid_conversion";
    /// Viral signups / accounts active at some point in the horizon.
    KFactor = "k_factor";
    /// Revenue summed over the horizon.
    RevenueTotal = "revenue_total";
    /// Paid churn: paying accounts lost / paying account-months at risk (monthly rate).
    PaidChurnMonthly = "paid_churn_monthly";
    /// Average revenue per paying account per month: sum of MRR / sum of paying accounts, over month ends.
    Arpa = "arpa";
    /// (revenue - cost to serve paying seats) / revenue.
    GrossMargin = "gross_margin";
    /// (marketing spend) / new paying accounts.
    CacBlended = "cac_blended";
    /// Paid-channel spend / new paying accounts acquired by paid channels.
    CacPaid = "cac_paid";
    /// arpa x gross_margin / paid_churn_monthly.
    Ltv = "ltv";
    /// ltv / cac_blended.
    LtvToCac = "ltv_to_cac";
    /// cac_blended / (arpa x gross_margin).
    CacPaybackMonths = "cac_payback_months";
    /// Cost to serve free seats, summed over the horizon.
    CostToServeFreeTotal = "cost_to_serve_free_total";
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
}

impl Horizon {
    pub fn unit(self) -> Unit {
        use Horizon::*;
        match self {
            MrrFinal | ArrFinal | RevenueTotal | Arpa | CacBlended | CacPaid | Ltv | CostToServeFreeTotal => {
                Unit::Money
            }
            ActivationRate | FreeToPaidConversion | PaidChurnMonthly | GrossMargin => Unit::Share,
            PaidAccountsFinal | SignupsTotal => Unit::Count,
            KFactor | LtvToCac => Unit::Ratio,
            CacPaybackMonths => Unit::Months,
        }
    }
}

/// The unit of a monthly metric, by name.
pub fn monthly_unit(name: &str) -> Unit {
    match name {
        "mrr" | "arr" | "new_mrr" | "churned_mrr" | "net_new_mrr" | "revenue" | "marketing_spend"
        | "cost_to_serve_free" | "cost_to_serve_paid" | "cost_to_serve" | "cash_flow" => Unit::Money,
        _ => Unit::Count,
    }
}
