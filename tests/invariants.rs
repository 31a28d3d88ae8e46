//! Invariants on random scenarios (property tests): accounts are conserved
//! across states, MRR movements reconcile, nothing is ever negative.

use plgsim::metrics::Monthly;
use proptest::prelude::*;

use crate::util::run;

fn scenario(p: &Params) -> String {
    format!(
        r#"
        [scenario]
        months = {months}
        runs = 2
        seed = {seed}
        time_step = "{step}"
        [market]
        size = {market}
        [initial]
        free_accounts = {init_free}
        paid_accounts = {init_paid}
        [acquisition.organic]
        signups_per_month = {organic}
        growth_per_month = {growth}
        [[acquisition.channels]]
        name = "ads"
        spend_per_month = {spend}
        cost_per_signup = 20
        max_signups_per_month = 300
        [activation]
        probability = {act}
        time_to_value_median_months = {ttv}
        time_to_value_sigma = 1.0
        window_months = {window}
        [usage]
        median_per_month = {usage}
        sigma = 0.8
        [free]
        usage_limit = {limit}
        conversion_per_month = {conv}
        churn_per_month = {free_churn}
        [limit_hit]
        convert = {hit_convert}
        churn = {hit_churn}
        blocked_conversion_per_month = 0.05
        blocked_invite_factor = 0.5
        [invites]
        per_active_seat_per_month = {invites}
        acceptance = {accept}
        cycle_months = {cycle}
        [[plans]]
        name = "pro"
        price_per_month = {price}
        [paid]
        churn_per_month = {paid_churn}
        [costs]
        serve_free_seat_per_month = 0.1
        serve_paid_seat_per_month = 0.5
        "#,
        months = p.months,
        seed = p.seed,
        step = p.step,
        market = p.market,
        init_free = p.init_free,
        init_paid = p.init_paid,
        organic = p.organic,
        growth = p.growth,
        spend = p.spend,
        act = p.act,
        ttv = p.ttv,
        window = p.window,
        usage = p.usage,
        limit = p.limit,
        conv = p.conv,
        free_churn = p.free_churn,
        hit_convert = p.hit_convert,
        hit_churn = p.hit_churn,
        invites = p.invites,
        accept = p.accept,
        cycle = p.cycle,
        price = p.price,
        paid_churn = p.paid_churn,
    )
}

#[derive(Debug, Clone)]
struct Params {
    months: u32,
    seed: u64,
    step: &'static str,
    market: u32,
    init_free: u32,
    init_paid: u32,
    organic: f64,
    growth: f64,
    spend: f64,
    act: f64,
    ttv: f64,
    window: f64,
    usage: f64,
    limit: f64,
    conv: f64,
    free_churn: f64,
    hit_convert: f64,
    hit_churn: f64,
    invites: f64,
    accept: f64,
    cycle: f64,
    price: f64,
    paid_churn: f64,
}

fn params() -> impl Strategy<Value = Params> {
    let a = (
        1u32..30,
        any::<u64>(),
        prop_oneof![Just("month"), Just("week"), Just("day")],
        1000u32..200_000,
        0u32..300,
        0u32..300,
        0.0..800.0f64,
        -0.1..0.2f64,
        0.0..5000.0f64,
        0.0..=1.0f64,
        0.0..2.0f64,
        0.1..3.0f64,
    );
    let b = (
        0.0..5.0f64,
        0.5..20.0f64,
        0.0..=1.0f64,
        0.0..=1.0f64,
        0.0..=0.5f64,
        0.0..=0.5f64,
        0.0..3.0f64,
        0.0..=1.0f64,
        0.0..3.0f64,
        0.0..100.0f64,
        0.0..=1.0f64,
    );
    (a, b).prop_map(|(a, b)| Params {
        months: a.0,
        seed: a.1 >> 1,
        step: a.2,
        market: a.3,
        init_free: a.4,
        init_paid: a.5,
        organic: a.6,
        growth: a.7,
        spend: a.8,
        act: a.9,
        ttv: a.10,
        window: a.11,
        usage: b.0,
        limit: b.1,
        conv: b.2,
        free_churn: b.3,
        hit_convert: b.4,
        hit_churn: b.5,
        invites: b.6,
        accept: b.7,
        cycle: b.8,
        price: b.9,
        paid_churn: b.10,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn accounts_are_conserved_and_money_is_consistent(p in params()) {
        let (_, sim) = run(&scenario(&p));
        let width = sim.monthly_names.len();
        let initial = (p.init_free + p.init_paid) as f64;
        for r in &sim.runs {
            let row = |t: usize, m: Monthly| r.output.monthly[t * width + m as usize];
            let (mut arrived, mut left, mut prev_mrr) = (initial, 0.0, p.init_paid as f64 * p.price);
            for t in 0..sim.months as usize {
                for (i, x) in r.output.monthly[t * width..(t + 1) * width].iter().enumerate() {
                    prop_assert!(x.is_finite(), "{} is not finite in month {t}", sim.monthly_names[i]);
                    if sim.monthly_names[i] != "net_new_mrr" && sim.monthly_names[i] != "cash_flow" {
                        prop_assert!(*x >= 0.0, "{} = {x} in month {t}", sim.monthly_names[i]);
                    }
                }
                arrived += row(t, Monthly::SignupsTotal);
                left += row(t, Monthly::Abandoned) + row(t, Monthly::ChurnedFree) + row(t, Monthly::ChurnedPaid);
                let live = row(t, Monthly::SignedUp) + row(t, Monthly::ActiveFree) + row(t, Monthly::Blocked)
                    + row(t, Monthly::PaidAccounts);
                prop_assert_eq!(arrived, live + left, "accounts not conserved in month {}", t);
                prop_assert_eq!(
                    row(t, Monthly::SignupsTotal),
                    row(t, Monthly::SignupsOrganic) + row(t, Monthly::SignupsPaid) + row(t, Monthly::SignupsInvite)
                );
                // MRR movements reconcile with the change in MRR.
                let mrr = row(t, Monthly::Mrr);
                let moved = row(t, Monthly::NewMrr) - row(t, Monthly::ChurnedMrr);
                prop_assert!((mrr - prev_mrr - moved).abs() <= 1e-6 * mrr.max(1.0),
                    "month {}: MRR {} -> {} but movements say {}", t, prev_mrr, mrr, moved);
                prev_mrr = mrr;
            }
            prop_assert!(arrived - initial <= p.market as f64);
        }
    }
}
