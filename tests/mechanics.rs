//! Each mechanic of the full model, isolated and checked against what it
//! must do: exactly where the outcome is certain, within the Monte Carlo
//! error (`util::assert_close`) where it is not.

use plgsim::engine::Simulation;
use plgsim::metrics::{Horizon, Monthly};

use crate::util::{Z, assert_close, mean_se, per_run, per_run_total, run};

fn horizon(sim: &Simulation, h: Horizon) -> Vec<f64> {
    sim.runs().iter().map(|r| r.horizon(h).expect("defined")).collect()
}

fn every_month(sim: &Simulation, m: Monthly) -> Vec<f64> {
    (0..sim.months() as usize).flat_map(|t| per_run(sim, t, m)).collect()
}

const PRO: &str = "[[plans]]\nname = \"pro\"\nprice_per_month = 10\n";

/// A reverse trial whose conversion is 0 returns every trial to the free plan.
#[test]
fn reverse_trial_with_no_conversion_returns_everyone_to_free() {
    let (_, sim) = run(&format!(
        r#"
        [scenario]
        months = 6
        runs = 20
        [acquisition.organic]
        signups_per_month = 200
        [activation]
        probability = 1
        [trial]
        start = "signup"
        length_months = 1
        conversion = 0
        after = "free"
        {PRO}
        "#
    ));
    assert!(every_month(&sim, Monthly::Conversions).iter().all(|&c| c == 0.0));
    assert!(every_month(&sim, Monthly::PaidAccounts).iter().all(|&c| c == 0.0));
    // Every signup starts a trial; a month later it is free.
    assert_eq!(per_run_total(&sim, Monthly::TrialStarts), per_run_total(&sim, Monthly::SignupsTotal));
    for r in 0..sim.runs().len() {
        let row = |t: usize, m: Monthly| sim.runs()[r].monthly(t, m);
        for t in 1..6 {
            // The trials open at the end of month t are the month's signups.
            assert_eq!(row(t, Monthly::Trial), row(t, Monthly::SignupsTotal), "run {r}, month {t}");
        }
        let signed: f64 = (0..6).map(|t| row(t, Monthly::SignupsTotal)).sum();
        assert_eq!(row(5, Monthly::ActiveFree) + row(5, Monthly::Trial), signed);
    }
    assert!(horizon(&sim, Horizon::TrialConversion).iter().all(|&c| c == 0.0));
}

/// Trials convert at their rate, and only accounts that reached value.
#[test]
fn trials_convert_at_their_rate() {
    let (_, sim) = run(&format!(
        r#"
        [scenario]
        months = 4
        runs = 100
        [initial]
        free_accounts = 0
        [acquisition.organic]
        signups_per_month = 500
        [activation]
        probability = 0.5
        [trial]
        start = "signup"
        length_months = 1
        conversion = 0.4
        after = "leave"
        {PRO}
        "#
    ));
    // Trials of month 0 end in month 1: half activated, 40% of those convert.
    let conv: Vec<f64> = per_run(&sim, 1, Monthly::TrialConversions);
    let starts: Vec<f64> = per_run(&sim, 0, Monthly::TrialStarts);
    let rate: Vec<f64> = conv.iter().zip(&starts).map(|(c, s)| c / s).collect();
    assert_close("trial conversion of activated accounts", &rate, 0.5 * 0.4, 0.02);
    // With no free plan, the rest leave.
    assert!(every_month(&sim, Monthly::ActiveFree).iter().all(|&x| x == 0.0));
}

/// A card-required trial loses the share that declines to give a card.
#[test]
fn card_dropoff_thins_trial_starts() {
    let (_, sim) = run(&format!(
        r#"
        [scenario]
        months = 3
        runs = 50
        [acquisition.organic]
        signups_per_month = 1000
        [trial]
        start = "signup"
        length_months = 0.5
        card_required = true
        card_dropoff = 0.7
        conversion = 0.5
        {PRO}
        "#
    ));
    let share: Vec<f64> = per_run_total(&sim, Monthly::TrialStarts)
        .iter()
        .zip(per_run_total(&sim, Monthly::SignupsTotal))
        .map(|(t, s)| t / s)
        .collect();
    assert_close("trial starts per signup", &share, 0.3, 0.02);
}

/// Internal invitations on a per-seat plan are expansion: with no churn,
/// net revenue retention is above 100% and gross retention is exactly 100%.
#[test]
fn internal_invites_on_per_seat_plans_raise_nrr_above_100_percent() {
    let (_, sim) = run(r#"
        [scenario]
        months = 24
        runs = 20
        [initial]
        paid_accounts = 500
        [invites]
        per_active_seat_per_month = 0.2
        acceptance = 0.5
        [teams]
        internal_share = 1.0
        [[plans]]
        name = "team"
        price_per_month = 8
        per_seat = true
        "#);
    for r in sim.runs() {
        let nrr = r.horizon(Horizon::Nrr12m).unwrap();
        let grr = r.horizon(Horizon::Grr12m).unwrap();
        assert!(nrr > 1.0, "NRR {nrr}");
        assert_eq!(grr, 1.0);
    }
    // Seats grow at g = 0.2 x 0.5 a seat a month, and the seats that join
    // during a month invite too: at monthly steps each month multiplies
    // them by 1 + g (1 + g/2), so after the 12 months of the window they
    // are (1.105)^12 = 3.31 times what they were (the continuous-time
    // limit, e^(12 g) = 3.32, is 0.3% away).
    let g = 0.2 * 0.5;
    let monthly = 1.0 + g * plgsim::engine::seat_growth_factor(g);
    assert_close("NRR", &horizon(&sim, Horizon::Nrr12m), monthly.powi(12), 0.01);
    assert!(every_month(&sim, Monthly::ExpansionMrr).iter().all(|&x| x >= 0.0));
    assert!(per_run_total(&sim, Monthly::SignupsInvite).iter().all(|&x| x == 0.0), "internal invitations are seats");
}

/// Seats removed from a per-seat plan are contraction: accounts that end
/// the retention window with fewer seats than they started it with pull
/// gross retention below 100% even with no account lost.
#[test]
fn seat_churn_is_contraction() {
    let (_, sim) = run(r#"
        [scenario]
        months = 24
        runs = 20
        [initial]
        paid_accounts = 300
        [invites]
        per_active_seat_per_month = 0.3
        acceptance = 1.0
        [teams]
        internal_share = 1.0
        seat_churn_per_month = 0.3
        [[plans]]
        name = "team"
        price_per_month = 5
        per_seat = true
        "#);
    assert!(per_run_total(&sim, Monthly::ContractionMrr).iter().all(|&x| x > 0.0));
    assert!(per_run_total(&sim, Monthly::ChurnedPaid).iter().all(|&x| x == 0.0));
    for r in sim.runs() {
        let grr = r.horizon(Horizon::Grr12m).unwrap();
        assert!(grr < 1.0 && grr > 0.5, "GRR {grr}");
    }
}

/// The free seat limit: a seat over it is a limit hit, and free accounts
/// never hold more seats than the limit.
#[test]
fn free_seat_limit_is_a_limit_hit() {
    let (_, sim) = run(&format!(
        r#"
        [scenario]
        months = 12
        runs = 10
        [initial]
        free_accounts = 1000
        [free]
        seat_limit = 3
        [limit_hit]
        convert = 0.5
        churn = 0.1
        [invites]
        per_active_seat_per_month = 0.5
        acceptance = 1.0
        [teams]
        internal_share = 1.0
        {PRO}
        "#
    ));
    assert!(per_run_total(&sim, Monthly::LimitHits).iter().all(|&x| x > 0.0));
    for t in 0..12 {
        for (seats, accounts) in per_run(&sim, t, Monthly::FreeSeats).iter().zip(
            per_run(&sim, t, Monthly::ActiveFree).iter().zip(per_run(&sim, t, Monthly::Blocked)).map(|(a, b)| a + b),
        ) {
            assert!(*seats <= 3.0 * accounts, "month {t}: {seats} seats on {accounts} free accounts");
        }
    }
}

/// Exposure: active accounts expose their work at a rate and a share of
/// the people reached sign up after the cycle time.
#[test]
fn exposure_signups_follow_the_rate() {
    let (_, sim) = run(&format!(
        r#"
        [scenario]
        months = 3
        runs = 200
        [initial]
        free_accounts = 2000
        [free]
        conversion_per_month = 0
        churn_per_month = 0
        [exposure]
        per_active_account_per_month = 10
        signup_rate = 0.02
        cycle_months = 1
        {PRO}
        "#
    ));
    // Exposures sent during month 1 (on average in its middle) sign up a
    // month later: half during month 1, half during month 2 (a delay of
    // half a step to the arrival step, docs/scenario.md); from then on,
    // a month's worth every month.
    // The accounts that arrive in month 1 expose during month 2, half of it
    // arriving within it.
    let per_month = 2000.0 * 10.0 * 0.02;
    let month_1 = per_month / 2.0;
    assert_close("exposure signups in month 1", &per_run(&sim, 0, Monthly::SignupsExposure), month_1, 0.02);
    let month_2 = per_month + month_1 * 10.0 * 0.02 / 2.0;
    assert_close("exposure signups in month 2", &per_run(&sim, 1, Monthly::SignupsExposure), month_2, 0.02);
}

/// Invitations and exposures have the same timing: an invitation loop
/// (each active account sends 0.5 invitations a month, all accepted) and
/// an exposure loop (each exposes to 0.5 people a month, all signing up)
/// with the same cycle give the same signups in every month, within the
/// Monte Carlo error, at monthly and weekly steps (the discrete Bass curve
/// from either loop).
#[test]
fn an_invitation_loop_and_an_exposure_loop_at_the_same_rate_give_the_same_signups() {
    for step in ["month", "week"] {
        let lp = |section: &str| {
            run(&format!(
                r#"
                [scenario]
                time_step = "{step}"
                months = 12
                runs = 100
                [initial]
                free_accounts = 2000
                [activation]
                probability = 1
                [free]
                churn_per_month = 0.3
                {section}
                cycle_months = 0.7
                {PRO}
                "#
            ))
            .1
        };
        let invites = lp("[invites]\nper_active_seat_per_month = 0.5\nacceptance = 1");
        let exposure = lp("[exposure]\nper_active_account_per_month = 0.5\nsignup_rate = 1");
        for t in 0..12 {
            let (a, sa) = mean_se(&per_run(&invites, t, Monthly::SignupsInvite));
            let (b, sb) = mean_se(&per_run(&exposure, t, Monthly::SignupsExposure));
            let tol = Z * (sa * sa + sb * sb).sqrt();
            assert!(
                (a - b).abs() <= tol,
                "{step} steps, month {}: invitations {a:.1}, exposures {b:.1} (tolerance {tol:.1})",
                t + 1
            );
        }
    }
}

/// A referral bonus raises the referrer's free limit, so fewer accounts
/// stay blocked.
#[test]
fn referral_bonus_lifts_the_limit() {
    let base = |bonus: &str| {
        format!(
            r#"
            [scenario]
            months = 12
            runs = 30
            [initial]
            free_accounts = 1000
            [usage]
            median_per_month = 1
            [free]
            usage_limit = 3
            [limit_hit]
            convert = 0
            churn = 0
            blocked_invite_factor = 1
            [invites]
            per_active_seat_per_month = 0.5
            acceptance = 0.5
            {bonus}
            {PRO}
            "#
        )
    };
    let (_, without) = run(&base(""));
    let (_, with) = run(&base("[referral]\nlimit_bonus = 5\nmax_bonus = 50\n"));
    let blocked = |sim: &Simulation| per_run(sim, 11, Monthly::Blocked).iter().sum::<f64>();
    assert!(blocked(&with) < 0.8 * blocked(&without), "{} vs {}", blocked(&with), blocked(&without));
}

/// Sales never contacts more PQLs a month than its capacity, and contacts
/// that many when there are enough.
#[test]
fn sales_capacity_is_a_hard_limit() {
    let (_, sim) = run(&format!(
        r#"
        [scenario]
        months = 12
        runs = 10
        [initial]
        free_accounts = 3000
        [usage]
        median_per_month = 2
        sigma = 0.5
        [pql]
        min_usage = 4
        [sales]
        contacts_per_month = 25
        cost_per_contact = 40
        conversion = 0.3
        plan = "business"
        {PRO}
        [[plans]]
        name = "business"
        price_per_month = 100
        "#
    ));
    let contacts = every_month(&sim, Monthly::SalesContacts);
    assert!(contacts.iter().all(|&c| c <= 25.0));
    assert!(contacts.iter().filter(|&&c| c == 25.0).count() > contacts.len() / 2);
    // Sales conversions land on the business plan: $100 each.
    for r in sim.runs() {
        let new_mrr: f64 = (0..12).map(|t| r.monthly(t, Monthly::NewMrr)).sum();
        let sold: f64 = (0..12).map(|t| r.monthly(t, Monthly::SalesConversions)).sum();
        assert_eq!(new_mrr, 100.0 * sold, "only sales converts here");
    }
    // The sales cost is the contacts times the cost per contact.
    let cost = per_run_total(&sim, Monthly::SalesCost);
    let n = per_run_total(&sim, Monthly::SalesContacts);
    for (c, n) in cost.iter().zip(n) {
        assert!((c - 40.0 * n).abs() < 1e-6);
    }
}

/// PQL signals combine with "any" or "all".
#[test]
fn pql_signals_combine() {
    let scenario = |combine: &str| {
        format!(
            r#"
            [scenario]
            months = 6
            runs = 10
            [initial]
            free_accounts = 2000
            [usage]
            median_per_month = 1
            sigma = 1
            [invites]
            per_active_seat_per_month = 1
            acceptance = 0.1
            [pql]
            min_usage = 3
            min_invites_sent = 4
            combine = "{combine}"
            {PRO}
            "#
        )
    };
    let (_, any) = run(&scenario("any"));
    let (_, all) = run(&scenario("all"));
    let total = |s: &Simulation| per_run_total(s, Monthly::Pqls).iter().sum::<f64>();
    assert!(total(&all) > 0.0 && total(&all) < total(&any), "all {} < any {}", total(&all), total(&any));
}

/// A price elasticity of 0 leaves conversion unchanged; one of 1 keeps
/// price x conversion constant.
#[test]
fn price_elasticity() {
    let scenario = |price: f64, elasticity: f64| {
        format!(
            r#"
            [scenario]
            months = 1
            runs = 400
            seed = 8
            [initial]
            free_accounts = 5000
            [free]
            conversion_per_month = 0.04
            [pricing]
            reference_price = 10
            conversion_elasticity = {elasticity}
            [[plans]]
            name = "pro"
            price_per_month = {price}
            "#
        )
    };
    let conversions = |price, e| per_run(&run(&scenario(price, e)).1, 0, Monthly::Conversions);
    // Elasticity 0: the same conversions whatever the price (same draws).
    assert_eq!(conversions(10.0, 0.0), conversions(25.0, 0.0));
    // Elasticity 1: doubling the price halves conversion.
    assert_close("conversions at 2x the reference price", &conversions(20.0, 1.0), 5000.0 * 0.02, 0.01);
    assert_close("conversions at the reference price", &conversions(10.0, 1.0), 5000.0 * 0.04, 0.01);
}

/// Paying accounts that outgrow their tier upgrade, which is expansion.
#[test]
fn outgrowing_a_tier_upgrades_it() {
    let (_, sim) = run(r#"
        [scenario]
        months = 6
        runs = 10
        [initial]
        paid_accounts = 400
        [usage]
        median_per_month = 10
        [paid]
        upgrade_per_month = 1.0
        [[plans]]
        name = "starter"
        price_per_month = 10
        usage_limit = 15
        [[plans]]
        name = "growth"
        price_per_month = 30
        "#);
    // Initial accounts start part-way to the limit: all are over it by month 1.
    for r in sim.runs() {
        let row = |t: usize, m: Monthly| r.monthly(t, m);
        let upgrades: f64 = (0..6).map(|t| row(t, Monthly::Upgrades)).sum();
        assert_eq!(upgrades, 400.0);
        let expansion: f64 = (0..6).map(|t| row(t, Monthly::ExpansionMrr)).sum();
        assert_eq!(expansion, 400.0 * 20.0);
        assert_eq!(row(5, Monthly::Mrr), 400.0 * 30.0);
    }
}

/// Annual billing: 12 months of cash up front at a discount, MRR recognised
/// monthly, churn only at renewal.
#[test]
fn annual_billing_collects_up_front_and_churns_at_renewal() {
    let (_, sim) = run(r#"
        [scenario]
        months = 14
        runs = 20
        [initial]
        free_accounts = 1000
        [free]
        conversion_per_month = 1.0
        [paid]
        churn_per_month = 0.05
        [[plans]]
        name = "pro"
        price_per_month = 10
        annual_share = 1.0
        annual_discount = 0.2
        "#);
    for r in sim.runs() {
        let row = |t: usize, m: Monthly| r.monthly(t, m);
        assert_eq!(row(0, Monthly::Mrr), 1000.0 * 8.0);
        assert_eq!(row(0, Monthly::CashIn), 1000.0 * 8.0 * 12.0);
        for t in 1..12 {
            assert_eq!(row(t, Monthly::ChurnedPaid), 0.0, "no churn before the renewal (month {t})");
            assert_eq!(row(t, Monthly::CashIn), 0.0);
        }
        // At the first renewal a year of monthly churn compounds.
        assert!(row(12, Monthly::ChurnedPaid) > 0.0);
    }
    let renewal_churn: Vec<f64> = per_run(&sim, 12, Monthly::ChurnedPaid).iter().map(|c| c / 1000.0).collect();
    assert_close("churn at the first renewal", &renewal_churn, 1.0 - 0.95f64.powi(12), 0.02);
}

/// Churn that falls with tenure reaches its floor; failed payments add
/// involuntary churn net of recovery.
#[test]
fn churn_falls_with_tenure_and_failed_payments_add_to_it() {
    let cohort = |extra: &str| {
        format!(
            r#"
            [scenario]
            months = 60
            runs = 40
            [initial]
            free_accounts = 20000
            [free]
            conversion_per_month = 1.0
            [paid]
            churn_per_month = 0.10
            churn_floor_per_month = 0.02
            churn_halving_months = 3
            {extra}
            {PRO}
            "#
        )
    };
    let (_, sim) = run(&cohort(""));
    // Customer months 40 to 58 (calendar months 41 to 59): churn is about
    // the floor, 0.02 + 0.08 x 2^(-m/3).
    let late: Vec<f64> = sim
        .runs()
        .iter()
        .map(|r| {
            let row = |t: usize, m: Monthly| r.monthly(t, m);
            let lost: f64 = (41..60).map(|t| row(t, Monthly::ChurnedPaid)).sum();
            let at_risk: f64 = (40..59).map(|t| row(t, Monthly::PaidAccounts)).sum();
            lost / at_risk
        })
        .collect();
    assert_close("late-tenure churn", &late, 0.02 + 0.08 * libm::pow(2.0, -40.0 / 3.0), 0.05);

    let (_, sim) = run(&cohort("payment_failure = 0.05\npayment_recovery = 0.6"));
    let inv: Vec<f64> = per_run(&sim, 1, Monthly::InvoluntaryChurn).iter().map(|x| x / 20000.0).collect();
    // Month 1, the first month of customer life: its voluntary churn c(0)
    // comes first, then the payment of the survivors fails for 5% and is
    // not recovered for 40%.
    let voluntary = 0.10;
    assert_close("involuntary churn in month 1", &inv, (1.0 - voluntary) * 0.05 * 0.4, 0.02);
}

/// Lapsed paying accounts are won back at their rate, as reactivation MRR;
/// dormant free accounts come back at theirs.
#[test]
fn win_back_and_reactivation() {
    let (_, sim) = run(&format!(
        r#"
        [scenario]
        months = 12
        runs = 20
        [initial]
        paid_accounts = 2000
        free_accounts = 2000
        [free]
        churn_per_month = 0.2
        reactivation_per_month = 0.1
        [paid]
        churn_per_month = 0.2
        win_back_per_month = 0.1
        {PRO}
        "#
    ));
    // Month 1: the lapsed of month 0 (20% of 2000) come back at 10%.
    assert_close("won back in month 1", &per_run(&sim, 1, Monthly::WonBack), 400.0 * 0.1, 0.05);
    for r in sim.runs() {
        let row = |t: usize, m: Monthly| r.monthly(t, m);
        assert_eq!(row(1, Monthly::ReactivationMrr), 10.0 * row(1, Monthly::WonBack));
    }
    assert_close("free accounts back in month 1", &per_run(&sim, 1, Monthly::ReactivatedFree), 400.0 * 0.1, 0.05);
}

/// A free limit hit before activation uses the before-activation outcomes,
/// and an account blocked before value never activates.
#[test]
fn limit_hits_before_activation_use_their_own_outcomes() {
    let (_, sim) = run(&format!(
        r#"
        [scenario]
        months = 3
        runs = 50
        [acquisition.organic]
        signups_per_month = 2000
        [activation]
        probability = 1
        time_to_value_median_months = 2.5
        window_months = 3
        [usage]
        median_per_month = 5
        [free]
        usage_limit = 4
        [limit_hit]
        convert = 0.9
        churn = 0
        convert_before_activation = 0.1
        churn_before_activation = 0.5
        {PRO}
        "#
    ));
    // Signups of month 0 reach 5 units in month 1, before their value at 2.5 months.
    let hits = per_run(&sim, 1, Monthly::LimitHits);
    let conv: Vec<f64> = per_run(&sim, 1, Monthly::Conversions).iter().zip(&hits).map(|(c, h)| c / h).collect();
    assert_close("conversion at an early limit hit", &conv, 0.1, 0.05);
    // Those left blocked do not activate in month 2 (their value was due then).
    assert!(per_run(&sim, 2, Monthly::Activated).iter().all(|&x| x == 0.0));
}

/// Churn that falls with tenure is a function of the month of customer life,
/// whatever the step length: the first month's churn is c0 and the second's
/// c0 / 2, with monthly and with weekly steps.
#[test]
fn tenure_churn_does_not_depend_on_the_step_length() {
    for step in ["month", "week"] {
        let (_, sim) = run(&format!(
            r#"
            [scenario]
            months = 3
            runs = 50
            time_step = "{step}"
            [initial]
            free_accounts = 4000
            [free]
            conversion_per_month = 1.0
            [paid]
            churn_per_month = 0.5
            churn_floor_per_month = 0.0
            churn_halving_months = 1
            {PRO}
            "#
        ));
        // Everyone converts in the first step; a cancellation takes effect
        // at the end of a month paid for, with c(0) = 0.5 at the first
        // anniversary, at either step.
        let left: Vec<f64> = per_run(&sim, 1, Monthly::PaidAccounts).iter().map(|p| p / 4000.0).collect();
        let first_month: Vec<f64> = per_run(&sim, 0, Monthly::PaidAccounts).iter().map(|p| p / 4000.0).collect();
        assert!(first_month.iter().all(|&x| x == 1.0), "no churn in the first month paid for ({step})");
        assert_close(&format!("survivors after the first month ({step})"), &left, 0.5, 0.01);
        let second: Vec<f64> = per_run(&sim, 2, Monthly::PaidAccounts).iter().map(|p| p / 4000.0).collect();
        assert_close(&format!("survivors after the second month ({step})"), &second, 0.5 * 0.75, 0.01);
    }
}

/// The base MRR of gross retention is kept exactly at any MRR: with no
/// churn and no seat changes, GRR and NRR are exactly 1 even at an MRR whose
/// cents an `f32` would round (123,456,787 cents rounds down to ...784).
#[test]
fn gross_retention_is_exact_above_167k_mrr() {
    let (_, sim) = run(
        "[scenario]\nmonths = 13\nruns = 3\n[initial]\npaid_accounts = 4\n[[plans]]\nname = \"big\"\nprice_per_month = 1234567.87\n",
    );
    assert_eq!(horizon(&sim, Horizon::Grr12m), [1.0; 3]);
    assert_eq!(horizon(&sim, Horizon::Nrr12m), [1.0; 3]);
}

/// Initial accounts start as if the business had been running (ages,
/// usage, blocked, PQL and tenure from the steady state of an account's
/// life): a business started at its steady size, with a steady inflow, has
/// the steady flows from month 1 on. The steady state is measured by
/// running the same business from empty for 10 years (its paid churn floor,
/// 5% a month, leaves 0.2% of a cohort after 10 years: steady by then).
#[test]
fn a_business_at_its_steady_size_has_no_first_month_transient() {
    for step in ["month", "week"] {
        steady_start(step);
    }
}

fn steady_start(step: &str) {
    let business = |months: u32, free: f64, paid: f64, runs: u32| {
        format!(
            r#"
            [scenario]
            time_step = "{step}"
            months = {months}
            runs = {runs}
            seed = 11
            [initial]
            free_accounts = {free}
            paid_accounts = {paid}
            [acquisition.organic]
            signups_per_month = 2000
            [activation]
            probability = 1
            time_to_value_median_months = 0.001
            [usage]
            median_per_month = 1
            sigma = 0.6
            [free]
            usage_limit = 4
            conversion_per_month = 0.01
            churn_per_month = 0.08
            [limit_hit]
            convert = 0.3
            churn = 0.2
            blocked_conversion_per_month = 0.03
            blocked_churn_per_month = 0.1
            value_buildup_months = 2
            [pql]
            on_limit_hit = true
            [paid]
            churn_per_month = 0.12
            churn_floor_per_month = 0.05
            churn_halving_months = 6
            {PRO}
            "#
        )
    };
    let (_, long) = run(&business(120, 0.0, 0.0, 40));
    let free_now: Vec<f64> = per_run(&long, 119, Monthly::ActiveFree)
        .iter()
        .zip(per_run(&long, 119, Monthly::Blocked))
        .map(|(a, b)| a + b)
        .collect();
    let ((free, free_se), (paid, paid_se)) = (mean_se(&free_now), mean_se(&per_run(&long, 119, Monthly::PaidAccounts)));
    // The initial counts are estimates: the flows they give are off by as
    // much, relatively.
    let counts_rel_se = (free_se / free).max(paid_se / paid);
    let (_, start) = run(&business(4, free.round(), paid.round(), 200));
    for m in [Monthly::Conversions, Monthly::LimitHits, Monthly::ChurnedPaid, Monthly::ChurnedFree, Monthly::Pqls] {
        // The steady flow: the long run's last 24 months, all runs.
        let steady: Vec<f64> = (96..120).flat_map(|t| per_run(&long, t, m)).collect();
        let (s, s_se) = mean_se(&steady);
        for month in 0..4 {
            let (x, se) = mean_se(&per_run(&start, month, m));
            let tol = Z * (se * se + s_se * s_se + (s * counts_rel_se).powi(2)).sqrt();
            assert!(
                (x - s).abs() <= tol,
                "{step} steps: {} in month {}: {x:.1} against the steady {s:.1} (tolerance {tol:.1})",
                m.name(),
                month + 1
            );
        }
    }
}
